// Offline audit: runs the fast path over a capture through a net_pcap port and reports what
// the policy would do at the site: totals, per-rule counts and every camera-side device with
// its class, evidence and the fate of its frames.
#pragma once

#include <cstdint>
#include <string>

#include "policy/policy_loader.h"

namespace camfence::daemon {

struct AuditOptions {
    std::string policy_path;
    std::string input_pcap;
    std::string report_path;
    std::string pcap_out_dir;      // empty: no output captures
    std::int64_t evaluate_at = 0;  // unix seconds for exception expiry
    policy::LoadOptions load;
    bool quiet = false;  // no human summary on stdout
};

// Returns the process exit code: 0 done, 1 policy rejected, 2 usage or I/O problem.
int run_audit(const AuditOptions& options);

}  // namespace camfence::daemon
