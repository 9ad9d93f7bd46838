#include "policy/snapshot.h"

#include <map>
#include <set>

namespace camfence::policy {

std::string PolicySnapshot::slot_name(std::size_t slot) const {
    if (slot < rule_names.size()) return rule_names[slot];
    if (slot == slot_default()) return "(default)";
    if (slot == slot_non_camera()) return "(non-camera-vlan)";
    if (slot == slot_malformed()) return "(malformed)";
    return "(unknown)";
}

std::shared_ptr<const PolicySnapshot> compile_policy(const LoadedPolicy& loaded,
                                                     const OuiRegistry& registry,
                                                     std::int64_t now_unix) {
    const Policy& p = loaded.policy;
    const VendorCatalog& cat = loaded.catalog;
    auto s = std::make_shared<PolicySnapshot>();
    s->path = p.path;
    s->sha256 = p.sha256;
    s->site_name = p.site_name;
    s->sensitive = p.sensitive;
    s->catalog_path = p.catalog_path;
    s->registry_dir = registry.directory;
    s->evaluated_at = now_unix;

    // Vendors: prohibiting a parent prohibits every subsidiary below it.
    std::vector<bool> prohibited(cat.vendors.size(), p.prohibit_all);
    for (const auto& id : p.prohibited)
        if (auto idx = cat.find(id))
            for (auto sub : cat.with_subsidiaries(*idx))
                prohibited[sub] = true;
    for (std::size_t i = 0; i < cat.vendors.size(); ++i) {
        s->vendors.push_back(
            {cat.vendors[i].id, cat.vendors[i].name, cat.vendors[i].parent, prohibited[i]});
        for (const auto& sig : cat.vendors[i].signatures)
            s->signatures.push_back({static_cast<std::uint16_t>(i), sig});
    }

    // OUI table: every registry assignment, attributed to a catalog vendor by exact
    // (normalized) organization name, plus the catalog's extra prefixes.
    std::map<std::string, std::uint16_t> vendor_by_org;
    for (std::size_t i = 0; i < cat.vendors.size(); ++i)
        for (const auto& n : cat.vendors[i].registry_names)
            vendor_by_org.emplace(normalize_organization(n), static_cast<std::uint16_t>(i));
    std::vector<std::string> orgs;
    std::map<std::string, std::uint16_t> org_index;
    auto intern = [&](const std::string& name) {
        if (orgs.size() >= kNoOrganization)
            throw PolicyError({{registry.directory, 0, 0,
                                "more than 65534 distinct organization names in the registry"}});
        auto [it, fresh] = org_index.emplace(name, static_cast<std::uint16_t>(orgs.size()));
        if (fresh) orgs.push_back(name);
        return it->second;
    };
    auto class_of = [&](std::uint16_t vendor) {
        return vendor == kNoVendor
                   ? DeviceClass::clear
                   : (prohibited[vendor] ? DeviceClass::prohibited : DeviceClass::clear);
    };
    std::vector<OuiTable::Assignment> assignments;
    assignments.reserve(registry.entries.size() + 64);
    std::set<std::string> matched_names;
    // A locally administered or group prefix identifies no manufacturer (the 2022 registry
    // still lists 20 historical ones): such MACs are unregistered whatever the registry says.
    auto universal = [](const MacPrefix& m) { return ((m.value >> (m.bits - 8)) & 0x03) == 0; };
    // The IEEE Registration Authority's own MA-L blocks only hold MA-M/MA-S assignments: a MAC
    // in such a block that no finer assignment covers (one newer than the installed registry,
    // say) belongs to no known organization, so it must come out unregistered, not clear.
    const std::string registration_authority =
        normalize_organization("IEEE Registration Authority");
    for (const auto& e : registry.entries) {
        if (!universal(e.prefix)) continue;
        if (e.prefix.bits == 24 && normalize_organization(e.organization) == registration_authority)
            continue;
        std::uint16_t vendor = kNoVendor;
        if (auto it = vendor_by_org.find(normalize_organization(e.organization));
            it != vendor_by_org.end()) {
            vendor = it->second;
            matched_names.insert(it->first);
        }
        assignments.push_back({e.prefix, intern(e.organization), vendor, class_of(vendor), false});
    }
    for (std::size_t i = 0; i < cat.vendors.size(); ++i) {
        auto v = static_cast<std::uint16_t>(i);
        for (const auto& x : cat.vendors[i].extra_prefixes)
            assignments.push_back({x.prefix, intern(cat.vendors[i].name), v, class_of(v), true});
        for (const auto& n : cat.vendors[i].registry_names)
            if (!matched_names.count(normalize_organization(n)))
                s->warnings.push_back("catalog: registry name '" + n + "' of vendor '" +
                                      cat.vendors[i].id + "' matches no entry in " +
                                      registry.directory);
    }
    s->oui = OuiTable(std::move(orgs), assignments);

    // Zones
    std::vector<ZoneMap::Entry> zone_entries;
    for (std::size_t z = 0; z < p.zones.size(); ++z) {
        s->zone_names.push_back(p.zones[z].name);
        if (p.zones[z].prefixes.empty())
            s->warnings.push_back(p.path + ": zone '" + p.zones[z].name +
                                  "' has no prefixes: rules naming it never match");
        for (const auto& prefix : p.zones[z].prefixes)
            zone_entries.push_back({prefix, static_cast<std::uint16_t>(z)});
    }
    s->zones = ZoneMap(zone_entries);

    // Rules: the loader bounds them; a Policy built another way must respect it too.
    if (p.rules.size() > kMaxRules)
        throw PolicyError({{p.path, 0, 0, "more than " + std::to_string(kMaxRules) + " rules"}});
    for (const auto& r : p.rules) {
        s->rule_names.push_back(r.name);
        s->rule_actions.push_back(r.action);
        if (r.vlans) {
            for (int v = 0; v <= kMaxVlan; ++v)
                if (r.vlans->contains(static_cast<std::uint16_t>(v)) &&
                    !p.camera_vlans.contains(static_cast<std::uint16_t>(v))) {
                    s->warnings.push_back(
                        p.path + ":" + std::to_string(r.line) + ": rule '" + r.name +
                        "' lists VLAN " + std::to_string(v) +
                        " which is not in camera_vlans; frames there are never classified");
                    break;
                }
        }
    }
    s->default_action = p.default_action;
    s->rules = RuleTable(p);
    s->camera_vlans = p.camera_vlans;
    s->quarantine_vlan = p.quarantine_vlan.value_or(0);

    // Exceptions: valid through the end of their `until` day, UTC.
    for (const auto& e : p.exceptions) {
        const std::int64_t expires_at = (e.until_day + 1) * 86400;
        bool active = now_unix < expires_at;
        s->exceptions.push_back({e.mac, e.until_text, e.reason, active, expires_at});
        if (active) s->active_exceptions.push_back(e.mac.value);
    }
    std::sort(s->active_exceptions.begin(), s->active_exceptions.end());
    return s;
}

std::shared_ptr<const PolicySnapshot> load_snapshot(const std::string& policy_path,
                                                    std::int64_t now_unix,
                                                    const LoadOptions& options) {
    LoadedPolicy loaded = load_policy(policy_path, options);
    OuiRegistry registry = load_oui_registry(loaded.policy.registry_dir);
    return compile_policy(loaded, registry, now_unix);
}

}  // namespace camfence::policy
