// Strict reading of YAML documents: yaml-cpp accepts duplicate keys and reports no place for
// a missing key, so every map is walked here and every error carries file:line:column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/diagnostic.h"

namespace camfence::policy {

class YamlReader {
  public:
    YamlReader(std::string file, std::vector<Diagnostic>& out)
        : file_(std::move(file)), out_(out) {}

    const std::string& file() const { return file_; }
    bool ok() const { return out_.size() == errors_at_start_; }
    void error(const YAML::Mark& at, std::string message);
    // At the node; an empty value (`site:` with nothing after it) is reported at its key,
    // since yaml-cpp places an empty node at the next token.
    void error(const YAML::Node& at, std::string message);
    void error_no_place(std::string message);

    // Reads and parses the whole file; syntax errors are reported with their place.
    std::optional<YAML::Node> load();

    // True if `node` is a map; reports duplicate keys and keys not in `allowed` (an empty
    // `allowed` accepts any key).
    bool expect_map(const YAML::Node& node, std::string_view what,
                    std::initializer_list<std::string_view> allowed);
    bool expect_sequence(const YAML::Node& node, std::string_view what);

    // Typed access to map[key]. A missing required key is reported at the map itself.
    std::optional<std::string> string(const YAML::Node& map, const char* key, bool required);
    std::optional<std::int64_t> integer(const YAML::Node& map, const char* key, bool required,
                                        std::int64_t min, std::int64_t max);
    std::optional<bool> boolean(const YAML::Node& map, const char* key, bool required);
    std::optional<std::vector<std::pair<std::string, YAML::Mark>>> string_list(
        const YAML::Node& map, const char* key, bool required);

    // A scalar node as a string / integer, reporting the node itself when it has the wrong type.
    std::optional<std::string> as_string(const YAML::Node& node, std::string_view what);
    std::optional<std::int64_t> as_integer(const YAML::Node& node, std::string_view what,
                                           std::int64_t min, std::int64_t max);

  private:
    std::string file_;
    std::vector<Diagnostic>& out_;
    std::size_t errors_at_start_ = out_.size();
    std::vector<std::pair<YAML::Node, YAML::Mark>> empty_values_;  // value -> its key's place
};

// A yaml-cpp exception from a shape the strict walk did not anticipate, as a rejection of
// the file (never a crash): loaders catch YAML::Exception around their walk and throw this.
PolicyError unexpected_structure(const std::string& file, const YAML::Exception& e);

// Parses "YYYY-MM-DD" into days since 1970-01-01; nullopt if not a real calendar date.
std::optional<std::int64_t> parse_iso_date(std::string_view text);

// `path` as written in `base_file`: absolute as is, relative to the file's directory otherwise.
std::string resolve_relative(const std::string& base_file, const std::string& path);

}  // namespace camfence::policy
