#include "daemon/evidence.h"

namespace camfence::daemon {

std::vector<PolicyEvidence> policy_evidence(const policy::PolicySnapshot& snap, std::uint64_t mac,
                                            const policy::OuiMatch& oui) {
    std::vector<PolicyEvidence> out;
    policy::MacAddress m{mac};
    if (m.is_local()) {
        out.push_back({"registry", "locally administered",
                       "the MAC's U/L bit is set: no manufacturer can be read from it"});
    } else if (oui.bits == 0) {
        out.push_back(
            {"registry", "unassigned", "no IEEE MA-L/MA-M/MA-S assignment covers this MAC"});
    } else {
        policy::MacPrefix p{mac >> (48 - oui.bits), oui.bits};
        std::string org = oui.organization < snap.oui.organizations().size()
                              ? snap.oui.organizations()[oui.organization]
                              : "";
        std::string registry = oui.bits == 24 ? "MA-L" : (oui.bits == 28 ? "MA-M" : "MA-S");
        std::string source =
            oui.from_catalog ? "vendor catalog extra prefix" : "IEEE " + registry + " registry";
        // Every verdict keeps its evidence, a clear one too: which registry entry says who
        // made the device.
        if (oui.vendor == policy::kNoVendor) source += "; not in the vendor catalog";
        out.push_back({"oui", p.to_string(), org + " (" + source + ")"});
    }
    // An exception for the MAC, active or expired, is part of why it has its class.
    for (const auto& e : snap.exceptions)
        if (e.mac.value == mac)
            out.push_back({"exception",
                           std::string(e.active ? "active" : "expired") + " until " + e.until,
                           e.reason});
    return out;
}

}  // namespace camfence::daemon
