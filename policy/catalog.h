// The vendor catalog: which companies camfence knows, how they relate (parent/subsidiary),
// why they are listed, and how to recognise their MAC prefixes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/mac_address.h"

namespace camfence::policy {

struct ExtraPrefix {
    MacPrefix prefix;
    std::string source;  // where the assignment is documented (registries lag behind)
};

struct Vendor {
    std::string id;      // "hikvision"
    std::string name;    // display name
    std::string parent;  // id of the parent company, empty for a top-level vendor
    std::string basis;   // why it is in the catalog
    std::vector<std::string> registry_names;  // exact IEEE organization names
    std::vector<ExtraPrefix> extra_prefixes;
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
