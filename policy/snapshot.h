// The compiled, immutable form of a policy that the fast path reads: OUI table, zone map,
// rule table, exceptions. Built once on the control plane, then only read.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policy/catalog.h"
#include "policy/oui_registry.h"
#include "policy/oui_table.h"
#include "policy/policy.h"
#include "policy/policy_loader.h"
#include "policy/rule_table.h"
#include "policy/zone_map.h"

namespace camfence::policy {

struct VendorInfo {
    std::string id;
    std::string name;
    std::string parent;  // direct parent id, empty for a top-level vendor
    bool prohibited = false;
};

struct ExceptionInfo {
    MacAddress mac;
    std::string until;
    std::string reason;
    bool active = false;          // not yet expired at compile time
    std::int64_t expires_at = 0;  // unix seconds: the end of the `until` day, UTC

    // An exception that was active when compiled and has run out by `now_unix`: the policy
    // must be recompiled (the running appliance does so once a second).
    bool expired_since_compile(std::int64_t now_unix) const {
        return active && now_unix >= expires_at;
    }
};

// A catalog signature with the vendor it points to (an index into PolicySnapshot::vendors).
struct VendorSignature {
    std::uint16_t vendor;
    Signature signature;
};

// What the policy says about one camera-side MAC.
struct DeviceVerdict {
    DeviceClass device_class = DeviceClass::unregistered;
    OuiMatch oui;
};

struct PolicySnapshot {
    // Counter slots: one per rule, then these three.
    std::uint16_t slot_default() const { return static_cast<std::uint16_t>(rule_names.size()); }
    std::uint16_t slot_non_camera() const {
        return static_cast<std::uint16_t>(rule_names.size() + 1);
    }
    std::uint16_t slot_malformed() const {
        return static_cast<std::uint16_t>(rule_names.size() + 2);
    }
    std::size_t slot_count() const { return rule_names.size() + 3; }
    std::string slot_name(std::size_t slot) const;

    // A locally administered or group MAC finds no assignment (compile_policy keeps such
    // prefixes out of the table), so it comes out unregistered without a test here.
    [[gnu::always_inline]] DeviceVerdict classify_device(MacAddress mac) const {
        DeviceVerdict v{DeviceClass::unregistered, oui.lookup(mac)};
        v.device_class = v.oui.device_class;
        if (v.device_class == DeviceClass::prohibited && is_excepted(mac))
            v.device_class = DeviceClass::excepted;
        return v;
    }
    bool is_excepted(MacAddress mac) const {
        return std::binary_search(active_exceptions.begin(), active_exceptions.end(), mac.value);
    }
    bool is_camera_vlan(std::uint16_t vid) const { return camera_vlans.contains(vid); }

    // Identity and provenance
    std::string path;
    std::string sha256;
    std::string site_name;
    bool sensitive = false;
    std::string catalog_path;
    std::string registry_dir;
    std::int64_t evaluated_at = 0;  // unix seconds at which exception expiry was decided

    // Names, for reports and metrics
    std::vector<VendorInfo> vendors;
    std::vector<std::string> zone_names;
    std::vector<std::string> rule_names;
    std::vector<Action> rule_actions;
    Action default_action = Action::forward;
    std::vector<ExceptionInfo> exceptions;
    std::vector<std::string> warnings;
    std::vector<VendorSignature> signatures;  // protocol fingerprints, catalog order

    // The top-level vendor (no parent) a vendor belongs to.
    std::uint16_t root_vendor(std::uint16_t v) const {
        for (int hops = 0; hops < 16 && !vendors[v].parent.empty(); ++hops) {
            auto it = std::find_if(vendors.begin(), vendors.end(),
                                   [&](const VendorInfo& x) { return x.id == vendors[v].parent; });
            if (it == vendors.end()) break;
            v = static_cast<std::uint16_t>(it - vendors.begin());
        }
        return v;
    }

    // Lookup tables
    VlanSet camera_vlans;
    std::uint16_t quarantine_vlan = 0;
    OuiTable oui;
    ZoneMap zones;
    RuleTable rules;
    std::vector<std::uint64_t> active_exceptions;  // sorted MACs
};

// Compiles a loaded policy against the IEEE registry; exceptions are judged at `now_unix`.
std::shared_ptr<const PolicySnapshot> compile_policy(const LoadedPolicy& loaded,
                                                     const OuiRegistry& registry,
                                                     std::int64_t now_unix);

// load_policy + load_oui_registry + compile_policy. Throws PolicyError on any problem.
std::shared_ptr<const PolicySnapshot> load_snapshot(const std::string& policy_path,
                                                    std::int64_t now_unix,
                                                    const LoadOptions& options = {});

}  // namespace camfence::policy
