#include "daemon/check.h"

#include <iostream>

#include "policy/snapshot.h"

namespace camfence::daemon {

int run_check(const std::string& policy_path, const policy::LoadOptions& load, std::int64_t now) {
    try {
        auto s = policy::load_snapshot(policy_path, now, load);
        for (const auto& w : s->warnings)
            std::cout << "warning: " << w << "\n";
        std::size_t prohibited = 0;
        for (const auto& v : s->vendors)
            prohibited += v.prohibited;
        std::size_t active = 0;
        for (const auto& e : s->exceptions)
            active += e.active;
        std::cout << "OK " << policy_path << ": site " << s->site_name << ", "
                  << s->rule_names.size() << " rules, " << s->zone_names.size() << " zones, "
                  << prohibited << " prohibited vendors, " << s->oui.size()
                  << " registry prefixes, " << s->exceptions.size() << " exceptions (" << active
                  << " active), sha256 " << s->sha256 << "\n";
        return 0;
    } catch (const policy::PolicyError& e) {
        std::cout << e.what();
        std::cout << e.diagnostics().size() << " error(s): policy rejected\n";
        return 1;
    }
}

}  // namespace camfence::daemon
