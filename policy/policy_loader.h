// Reads policy.yaml into a validated Policy, together with the vendor catalog it names.
#pragma once

#include <string>

#include "policy/catalog.h"
#include "policy/diagnostic.h"
#include "policy/policy.h"

namespace camfence::policy {

struct LoadOptions {
    std::string catalog_override;   // used instead of the policy's `catalog` when set
    std::string registry_override;  // used instead of the policy's `oui_registry` when set
};

struct LoadedPolicy {
    Policy policy;
    VendorCatalog catalog;
};

// Validates everything a policy file says, including the vendor ids against the catalog.
// Throws PolicyError listing every problem (file:line:column) when anything is wrong.
LoadedPolicy load_policy(const std::string& path, const LoadOptions& options = {});

}  // namespace camfence::policy
