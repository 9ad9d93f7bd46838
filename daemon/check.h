// camfenced --check: validate a policy and report every problem, without touching DPDK.
#pragma once

#include <cstdint>
#include <string>

#include "policy/policy_loader.h"

namespace camfence::daemon {

// Prints OK (with a one-line summary) or every error; returns 0 or 1.
int run_check(const std::string& policy_path, const policy::LoadOptions& load, std::int64_t now);

}  // namespace camfence::daemon
