// The live appliance: camfenced --config. DPDK ports on both sides of the edge, worker
// lcores running the fast path, and the control plane on the main lcore (Boost.Asio):
// signals, the control socket, policy reload with RCU, the device registry and its
// persistence, the event log, Prometheus metrics and systemd notification.
#pragma once

#include <string>

#include "daemon/app_config.h"

namespace camfence::daemon {

// Runs until SIGTERM/SIGINT. Returns the process exit code: 0 after a graceful stop, 1 if
// start-up failed (the reason is on stderr and nothing is left half-started).
int run_appliance(const AppConfig& config, const std::string& version);

// camfenced --check --config FILE: the config and the policy it names.
int check_appliance_config(const std::string& config_path, std::int64_t now);

}  // namespace camfence::daemon
