// Why the policy puts a MAC in its class: the registry entry (or its absence) and any
// exception naming it. Shared by the offline audit report and the live device registry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/snapshot.h"

namespace camfence::daemon {

struct PolicyEvidence {
    std::string signal;  // "oui", "registry", "exception"
    std::string value;   // "44:47:CC", "locally administered", "active until 2027-03-31"
    std::string detail;  // organization and source, or the exception's reason
};

std::vector<PolicyEvidence> policy_evidence(const policy::PolicySnapshot& snapshot,
                                            std::uint64_t mac, const policy::OuiMatch& oui);

}  // namespace camfence::daemon
