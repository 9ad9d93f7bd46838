// The vendor catalog: which companies camfence knows, how they relate (parent/subsidiary),
// why they are listed, and how to recognise their MAC prefixes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/mac_address.h"

namespace camfence::policy {

struct ExtraPrefix {
    MacPrefix prefix;
    std::string source;  // where the assignment is documented (registries lag behind)
};

// How much one protocol observation says about who made a device (README: evidence model).
enum class Strength : std::uint8_t { weak = 0, medium = 1, strong = 2 };
std::string_view to_string(Strength s);

// The protocols whose observations signatures can match (dataplane/fingerprint names them
// the same way; policy/ does not depend on dataplane/).
inline constexpr std::string_view kSignatureProtocols[] = {
    "sadp", "dhip", "dahua5050", "wsd", "http", "rtsp", "dhcp", "dns", "tls_sni", "tls_cert"};

enum class MatchKind : std::uint8_t { any, equals, prefix, suffix, contains, domain };

// One way a vendor's device gives itself away on the wire: an observation (protocol, field)
// whose value matches `pattern` (case-insensitive). `domain` matches the name itself or any
// name below it (a DNS name or SNI).
struct Signature {
    std::string protocol;
    std::string field;
    MatchKind match = MatchKind::any;
    std::string pattern;  // lower case
    Strength strength = Strength::weak;
    std::string source;  // where the signature is documented

    bool matches(std::string_view protocol, std::string_view field, std::string_view value) const;
    std::string describe() const;  // "http Server prefix \"app-webs/\""
};

struct Vendor {
    std::string id;      // "hikvision"
    std::string name;    // display name
    std::string parent;  // id of the parent company, empty for a top-level vendor
    std::string basis;   // why it is in the catalog
    std::vector<std::string> registry_names;  // exact IEEE organization names
    std::vector<ExtraPrefix> extra_prefixes;
    std::vector<Signature> signatures;
};

class VendorCatalog {
  public:
    std::string path;
    std::vector<Vendor> vendors;

    // Index of the vendor with this id, or nullopt.
    std::optional<std::size_t> find(std::string_view id) const;
    // `id` itself and every subsidiary below it, as indices.
    std::vector<std::size_t> with_subsidiaries(std::size_t index) const;
    // The top-level ancestor of a vendor (itself when it has no parent).
    std::size_t root_of(std::size_t index) const;
};

// Loads and validates a catalog file; throws PolicyError with every problem found.
VendorCatalog load_catalog(const std::string& path);

// The key used to compare IEEE organization names: lower case, without whitespace, '.', ','.
std::string normalize_organization(std::string_view name);

}  // namespace camfence::policy
