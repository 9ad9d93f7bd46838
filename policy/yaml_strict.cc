#include "policy/yaml_strict.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace camfence::policy {

std::string Diagnostic::to_string() const {
    std::string out = file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    return out + ": error: " + message;
}

static std::string summarize(const std::vector<Diagnostic>& diags) {
    std::string out;
    for (const auto& d : diags)
        out += d.to_string() + "\n";
    return out.empty() ? "invalid policy" : out;
}

PolicyError::PolicyError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summarize(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void YamlReader::error(const YAML::Mark& at, std::string message) {
    if (at.is_null() || at.line < 0) {
        error_no_place(std::move(message));
        return;
    }
    out_.push_back(Diagnostic{file_, at.line + 1, at.column + 1, std::move(message)});
}

void YamlReader::error(const YAML::Node& at, std::string message) {
    if (!at.IsDefined()) {
        error_no_place(std::move(message));
        return;
    }
    if (at.IsNull())
        for (const auto& [value, key_mark] : empty_values_)
            if (value.is(at)) {
                error(key_mark, std::move(message));
                return;
            }
    error(at.Mark(), std::move(message));
}

void YamlReader::error_no_place(std::string message) {
    out_.push_back(Diagnostic{file_, 0, 0, std::move(message)});
}

// The 0-based line of a document marker that starts a second document: `---` after content,
// or content after a `...` end marker. Markers only count at column 0, where YAML allows
// nothing else to start with them.
static std::optional<int> second_document_line(const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    bool content = false, ended = false;
    auto is_marker = [&](const char* m) {
        return line.rfind(m, 0) == 0 &&
               (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
    };
    for (int n = 0; std::getline(lines, line); ++n) {
        if (is_marker("---")) {
            if (content || ended) return n;
            content = line.find_first_not_of(" \t\r", 3) != std::string::npos &&
                      line[line.find_first_not_of(" \t\r", 3)] != '#';
            continue;
        }
        if (is_marker("...")) {
            ended = content;
            continue;
        }
        auto first = line.find_first_not_of(" \t\r");
        bool blank =
            first == std::string::npos || line[first] == '#' || (!content && line[0] == '%');
        if (blank) continue;
        if (ended) return n;
        content = true;
    }
    return std::nullopt;
}

std::optional<YAML::Node> YamlReader::load() {
    std::ifstream in(file_, std::ios::binary);
    if (!in) {
        error_no_place("cannot open file");
        return std::nullopt;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    try {
        // YAML::Load reads the first document only and YAML::LoadAll can loop forever on
        // some invalid input (yaml-cpp 0.7, found by fuzz_policy), so a second document is
        // found from its marker instead.
        if (auto line = second_document_line(buf.str())) {
            YAML::Mark at;
            at.line = *line;
            error(at, "a second YAML document (after '---'): the file must hold exactly one");
            return std::nullopt;
        }
        YAML::Node root = YAML::Load(buf.str());
        if (!root.IsDefined() || root.IsNull()) {
            error_no_place("file is empty");
            return std::nullopt;
        }
        return root;
    } catch (const YAML::ParserException& e) {
        error(e.mark, "YAML syntax: " + e.msg);
    } catch (const YAML::Exception& e) {
        error(e.mark, std::string("YAML: ") + e.what());
    }
    return std::nullopt;
}

static const char* kind_name(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map:
            return "a map";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Scalar:
            return "a scalar";
        case YAML::NodeType::Null:
            return "empty";
        default:
            return "undefined";
    }
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view what,
                            std::initializer_list<std::string_view> allowed) {
    if (!node.IsMap()) {
        error(node, std::string(what) + " must be a map, found " + kind_name(node));
        return false;
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
        const YAML::Node key = kv.first;
        if (kv.second.IsNull()) empty_values_.emplace_back(kv.second, key.Mark());
        if (!key.IsScalar()) {
            error(key, "keys in " + std::string(what) + " must be plain names");
            continue;
        }
        const std::string& k = key.Scalar();
        if (!seen.insert(k).second) {
            error(key, "duplicate key '" + k + "' in " + std::string(what));
            continue;
        }
        bool known = allowed.size() == 0;  // an empty list means free-form keys
        for (auto a : allowed)
            known = known || a == k;
        if (!known) {
            std::string list;
            for (auto a : allowed)
                list += (list.empty() ? "" : ", ") + std::string(a);
            error(key,
                  "unknown key '" + k + "' in " + std::string(what) + " (allowed: " + list + ")");
        }
    }
    return true;
}

bool YamlReader::expect_sequence(const YAML::Node& node, std::string_view what) {
    if (!node.IsSequence()) {
        error(node, std::string(what) + " must be a list, found " + kind_name(node));
        return false;
    }
    return true;
}

std::optional<std::string> YamlReader::as_string(const YAML::Node& node, std::string_view what) {
    if (!node.IsScalar()) {
        error(node, std::string(what) + " must be a string, found " + kind_name(node));
        return std::nullopt;
    }
    return node.Scalar();
}

std::optional<std::int64_t> YamlReader::as_integer(const YAML::Node& node, std::string_view what,
                                                   std::int64_t min, std::int64_t max) {
    if (!node.IsScalar()) {
        error(node, std::string(what) + " must be an integer, found " + kind_name(node));
        return std::nullopt;
    }
    const std::string& s = node.Scalar();
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
        error(node, std::string(what) + " must be an integer, found '" + s + "'");
        return std::nullopt;
    }
    if (v < min || v > max) {
        error(node, std::string(what) + " must be between " + std::to_string(min) + " and " +
                        std::to_string(max) + ", found " + s);
        return std::nullopt;
    }
    return v;
}

static std::optional<YAML::Node> member(YamlReader& r, const YAML::Node& map, const char* key,
                                        bool required) {
    const YAML::Node& n = map[key];
    if (!n.IsDefined()) {
        if (required) r.error(map, std::string("missing required key '") + key + "'");
        return std::nullopt;
    }
    return n;
}

std::optional<std::string> YamlReader::string(const YAML::Node& map, const char* key,
                                              bool required) {
    auto n = member(*this, map, key, required);
    if (!n) return std::nullopt;
    return as_string(*n, std::string("'") + key + "'");
}

std::optional<std::int64_t> YamlReader::integer(const YAML::Node& map, const char* key,
                                                bool required, std::int64_t min, std::int64_t max) {
    auto n = member(*this, map, key, required);
    if (!n) return std::nullopt;
    return as_integer(*n, std::string("'") + key + "'", min, max);
}

std::optional<bool> YamlReader::boolean(const YAML::Node& map, const char* key, bool required) {
    auto n = member(*this, map, key, required);
    if (!n) return std::nullopt;
    if (n->IsScalar()) {
        const std::string& s = n->Scalar();
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
    }
    error(*n, std::string("'") + key + "' must be true or false");
    return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, YAML::Mark>>> YamlReader::string_list(
    const YAML::Node& map, const char* key, bool required) {
    auto n = member(*this, map, key, required);
    if (!n) return std::nullopt;
    if (!expect_sequence(*n, std::string("'") + key + "'")) return std::nullopt;
    std::vector<std::pair<std::string, YAML::Mark>> out;
    for (const auto& item : *n) {
        if (auto s = as_string(item, std::string("each item of '") + key + "'"))
            out.emplace_back(*s, item.Mark());
    }
    return out;
}

PolicyError unexpected_structure(const std::string& file, const YAML::Exception& e) {
    const YAML::Mark& m = e.mark;
    int line = m.is_null() ? 0 : m.line + 1;
    int column = m.is_null() ? 0 : m.column + 1;
    return PolicyError(
        {{file, line, column, std::string("unexpected YAML structure: ") + e.what()}});
}

std::optional<std::int64_t> parse_iso_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len) -> int {
        int v = 0;
        auto [p, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, v);
        if (ec != std::errc() || p != text.data() + pos + len) return -1;
        return v;
    };
    int y = num(0, 4), m = num(5, 2), d = num(8, 2);
    if (y < 1970 || m < 1 || d < 1) return std::nullopt;
    std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{unsigned(m)},
                                    std::chrono::day{unsigned(d)}};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

std::string resolve_relative(const std::string& base_file, const std::string& path) {
    std::filesystem::path p(path);
    if (p.is_absolute()) return path;
    return (std::filesystem::path(base_file).parent_path() / p).lexically_normal().string();
}

}  // namespace camfence::policy
