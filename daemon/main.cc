// camfenced: the camfence appliance daemon. This file is the command line only; each mode
// lives in its own file (check.cc, audit.cc).
#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "daemon/app_config.h"
#include "daemon/appliance.h"
#include "daemon/audit.h"
#include "daemon/check.h"
#include "policy/yaml_strict.h"

namespace {

constexpr const char* kUsage = R"(usage:
  camfenced --config FILE
      Run the appliance inline: the ports, workers, control socket, metrics, state
      directory and policy named in FILE (/etc/camfence/camfence.yaml). SIGHUP reloads
      the policy, SIGTERM/SIGINT stop gracefully.
  camfenced --check --config FILE
      Validate an appliance config and the policy it names. Exit 0 if both are valid.
  camfenced --check --policy FILE [--catalog FILE] [--oui-registry DIR]
      Validate a site policy (and the catalog it names). Prints OK or every error
      as file:line:column. Exit 0 if valid, 1 if not.
  camfenced --policy FILE --audit IN.pcap --report OUT.json [--pcap-out DIR]
            [--at YYYY-MM-DD] [--catalog FILE] [--oui-registry DIR] [--quiet]
      Run the enforcement pipeline offline over a capture and write a JSON report
      (and forward.pcap, drop.pcap, quarantine.pcap in DIR). Exceptions are judged
      at --at (default: now).
  camfenced --version | --help
)";

int usage_error(const std::string& message) {
    std::cerr << "camfenced: " << message << "\n\n" << kUsage;
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace camfence;
    std::vector<std::string> args(argv + 1, argv + argc);
    bool check = false, quiet = false;
    std::optional<std::string> policy_path, audit_in, report, pcap_out, at, catalog, registry,
        config;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto take = [&](std::optional<std::string>& slot) -> bool {
            if (i + 1 >= args.size() || args[i + 1].empty()) return false;
            if (slot) return false;
            slot = args[++i];
            return true;
        };
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (a == "--version") {
            std::cout << "camfenced " << CAMFENCE_VERSION << "\n";
            return 0;
        } else if (a == "--check") {
            check = true;
        } else if (a == "--quiet") {
            quiet = true;
        } else if (a == "--policy") {
            if (!take(policy_path)) return usage_error("--policy needs one FILE");
        } else if (a == "--audit") {
            if (!take(audit_in)) return usage_error("--audit needs one capture FILE");
        } else if (a == "--report") {
            if (!take(report)) return usage_error("--report needs one FILE");
        } else if (a == "--pcap-out") {
            if (!take(pcap_out)) return usage_error("--pcap-out needs one DIR");
        } else if (a == "--at") {
            if (!take(at)) return usage_error("--at needs a date YYYY-MM-DD");
        } else if (a == "--catalog") {
            if (!take(catalog)) return usage_error("--catalog needs one FILE");
        } else if (a == "--oui-registry") {
            if (!take(registry)) return usage_error("--oui-registry needs one DIR");
        } else if (a == "--config") {
            if (!take(config)) return usage_error("--config needs one FILE");
        } else {
            return usage_error("unknown argument '" + a + "'");
        }
    }
    policy::LoadOptions load{catalog.value_or(""), registry.value_or("")};
    std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    if (at) {
        auto day = policy::parse_iso_date(*at);
        if (!day) return usage_error("--at '" + *at + "' is not a date YYYY-MM-DD");
        now = *day * 86400;
    }
    if (config) {
        if (policy_path || audit_in || report || pcap_out || catalog || registry || at)
            return usage_error(
                "--config takes no --policy/--audit/--report/--pcap-out/"
                "--catalog/--oui-registry/--at: the config names the policy");
        if (check) return daemon::check_appliance_config(*config, now);
        daemon::AppConfig c;
        try {
            c = daemon::load_app_config(*config);
        } catch (const policy::PolicyError& e) {
            std::cerr << e.what() << "camfenced: cannot start: " << e.diagnostics().size()
                      << " error(s) in " << *config << "\n";
            return 1;
        }
        return daemon::run_appliance(c, CAMFENCE_VERSION);
    }
    if (!policy_path) return usage_error("--policy FILE is required");
    if (check) {
        if (audit_in || report || pcap_out)
            return usage_error("--check takes no --audit/--report/--pcap-out");
        return daemon::run_check(*policy_path, load, now);
    }
    if (audit_in) {
        if (!report) return usage_error("--audit needs --report OUT.json");
        daemon::AuditOptions o{*policy_path, *audit_in, *report, pcap_out.value_or(""),
                               now,          load,      quiet};
        return daemon::run_audit(o);
    }
    return usage_error("nothing to do: give --check or --audit");
}
