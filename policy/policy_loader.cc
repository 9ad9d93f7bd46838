#include "policy/policy_loader.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "policy/sha256.h"
#include "policy/yaml_strict.h"

namespace camfence::policy {
namespace {

bool valid_name(const std::string& s) {
    return !s.empty() && s.size() <= 64 &&
           s.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
               std::string::npos;
}

// A VLAN list: integers and "first-last" ranges.
std::optional<VlanSet> read_vlans(YamlReader& r, const YAML::Node& node, const std::string& what) {
    if (!r.expect_sequence(node, what)) return std::nullopt;
    VlanSet set;
    bool ok = true;
    for (const auto& item : node) {
        if (!item.IsScalar()) {
            r.error(item, what + ": each item must be a VLAN id or a range like 100-199");
            ok = false;
            continue;
        }
        const std::string& s = item.Scalar();
        auto dash = s.find('-');
        auto num = [&](const std::string& t) -> std::optional<long> {
            if (t.empty() || t.size() > 5 || t.find_first_not_of("0123456789") != std::string::npos)
                return std::nullopt;
            return std::stol(t);
        };
        auto first = num(s.substr(0, dash));
        auto last = dash == std::string::npos ? first : num(s.substr(dash + 1));
        if (!first || !last) {
            r.error(item, what + ": '" + s + "' is not a VLAN id or a range like 100-199");
            ok = false;
        } else if (*first > kMaxVlan || *last > kMaxVlan) {
            r.error(item, what + ": VLAN " + s + " is outside 0-4094");
            ok = false;
        } else if (*first > *last) {
            r.error(item, what + ": range " + s + " is backwards");
            ok = false;
        } else {
            set.add_range(static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last));
        }
    }
    if (ok && set.empty()) {
        r.error(node, what + " is empty");
        ok = false;
    }
    return ok ? std::optional<VlanSet>(set) : std::nullopt;
}

LoadedPolicy read_policy(const std::string& path, const LoadOptions& options);

}  // namespace

LoadedPolicy load_policy(const std::string& path, const LoadOptions& options) {
    try {
        return read_policy(path, options);
    } catch (const YAML::Exception& e) {
        throw unexpected_structure(path, e);
    }
}

namespace {

LoadedPolicy read_policy(const std::string& path, const LoadOptions& options) {
    std::vector<Diagnostic> diags;
    YamlReader r(path, diags);
    LoadedPolicy out;
    Policy& p = out.policy;
    p.path = path;
    auto root = r.load();
    if (!root) throw PolicyError(diags);
    {
        std::ifstream in(path, std::ios::binary);
        std::stringstream buf;
        buf << in.rdbuf();
        p.sha256 = sha256_hex(buf.str());
    }
    if (!r.expect_map(*root, "the policy",
                      {"version", "site", "catalog", "oui_registry", "prohibited", "camera_vlans",
                       "quarantine_vlan", "zones", "rules", "default_action", "exceptions"}))
        throw PolicyError(diags);
    const YAML::Node& doc = *root;

    r.integer(doc, "version", true, 1, 1);

    if (const YAML::Node& site = doc["site"]; site.IsDefined()) {
        if (r.expect_map(site, "'site'", {"name", "sensitive"})) {
            p.site_name = r.string(site, "name", true).value_or("");
            if (site["name"].IsDefined() && site["name"].IsScalar() && p.site_name.empty())
                r.error(site["name"], "site name is empty");
            p.sensitive = r.boolean(site, "sensitive", false).value_or(false);
        }
    } else {
        r.error(doc, "missing required key 'site'");
    }

    std::string catalog = r.string(doc, "catalog", false).value_or(CAMFENCE_DEFAULT_CATALOG);
    p.catalog_path = options.catalog_override.empty() ? resolve_relative(path, catalog)
                                                      : options.catalog_override;
    std::string registry = r.string(doc, "oui_registry", false).value_or(CAMFENCE_DEFAULT_IEEE_DIR);
    p.registry_dir = options.registry_override.empty() ? resolve_relative(path, registry)
                                                       : options.registry_override;

    std::vector<std::pair<std::string, YAML::Mark>> prohibited;
    if (auto list = r.string_list(doc, "prohibited", true)) prohibited = *list;

    if (const YAML::Node& v = doc["camera_vlans"]; v.IsDefined()) {
        if (auto set = read_vlans(r, v, "'camera_vlans'")) p.camera_vlans = *set;
    } else {
        r.error(doc, "missing required key 'camera_vlans'");
    }
    if (auto q = r.integer(doc, "quarantine_vlan", false, 1, kMaxVlan))
        p.quarantine_vlan = static_cast<std::uint16_t>(*q);

    std::map<std::string, std::size_t> zone_index;
    std::map<IpPrefix, std::string> prefix_zone;
    if (const YAML::Node& zones = doc["zones"]; zones.IsDefined() && !zones.IsNull())
        r.expect_map(zones, "'zones'", {});  // free-form names; duplicates still reported
    if (const YAML::Node& zones = doc["zones"]; zones.IsDefined() && zones.IsMap()) {
        for (const auto& kv : zones) {
            const YAML::Node key = kv.first;
            const YAML::Node value = kv.second;
            if (!key.IsScalar()) continue;
            std::string name = key.Scalar();
            if (zone_index.count(name)) continue;  // duplicate already reported
            if (!valid_name(name) || name == "any" || name == "none") {
                r.error(key, "zone name '" + name +
                                 "' must be letters, digits, '_', '.', '-' (not 'any' or 'none')");
                continue;
            }
            Zone z{name, {}};
            if (r.expect_sequence(value, "zone '" + name + "'")) {
                for (const auto& item : value) {
                    auto text = r.as_string(item, "a prefix in zone '" + name + "'");
                    if (!text) continue;
                    std::string why;
                    auto prefix = IpPrefix::parse(*text, &why);
                    if (!prefix) {
                        r.error(item, "bad prefix '" + *text + "' in zone '" + name + "': " + why);
                        continue;
                    }
                    auto [pz, fresh] = prefix_zone.emplace(*prefix, name);
                    if (!fresh) {
                        r.error(item, pz->second == name
                                          ? "prefix " + prefix->to_string() +
                                                " is listed twice in zone '" + name + "'"
                                          : "prefix " + prefix->to_string() + " is in zones '" +
                                                pz->second + "' and '" + name + "'");
                        continue;
                    }
                    z.prefixes.push_back(*prefix);
                }
            }
            zone_index.emplace(name, p.zones.size());
            p.zones.push_back(std::move(z));
        }
    }

    if (auto a = r.string(doc, "default_action", false)) {
        if (auto act = parse_action(*a))
            p.default_action = *act;
        else
            r.error(doc["default_action"],
                    "default_action '" + *a + "' is not one of forward, drop, quarantine");
    }

    // Where quarantine is first asked for, to point there if quarantine_vlan is missing.
    std::optional<YAML::Mark> quarantine_use;
    if (p.default_action == Action::quarantine) quarantine_use = doc["default_action"].Mark();
    if (const YAML::Node& rules = doc["rules"]; rules.IsDefined() && !rules.IsNull()) {
        std::set<std::string> names;
        if (r.expect_sequence(rules, "'rules'")) {
            for (const auto& item : rules) {
                if (!r.expect_map(item, "a rule",
                                  {"name", "device", "zone", "vlans", "direction", "action"}))
                    continue;
                Rule rule;
                rule.line = item.Mark().line + 1;
                if (auto n = r.string(item, "name", true)) {
                    rule.name = *n;
                    if (!valid_name(rule.name))
                        r.error(item["name"], "rule name '" + rule.name +
                                                  "' must be 1-64 letters, digits, '_', '.', '-'");
                    else if (!names.insert(rule.name).second)
                        r.error(item["name"], "duplicate rule name '" + rule.name + "'");
                }
                if (auto a = r.string(item, "action", true)) {
                    if (auto act = parse_action(*a)) {
                        rule.action = *act;
                        if (*act == Action::quarantine && !quarantine_use)
                            quarantine_use = item["action"].Mark();
                    } else {
                        r.error(item["action"],
                                "action '" + *a + "' is not one of forward, drop, quarantine");
                    }
                }
                if (auto d = r.string(item, "device", false); d && *d != "any") {
                    if (auto cls = parse_device_class(*d))
                        rule.device = *cls;
                    else
                        r.error(item["device"], "device '" + *d +
                                                    "' is not one of prohibited, excepted, "
                                                    "unregistered, clear, any");
                }
                if (auto z = r.string(item, "zone", false); z && *z != "any") {
                    if (*z == "none") {
                        rule.zone_match = ZoneMatch::none;
                    } else if (auto zi = zone_index.find(*z); zi != zone_index.end()) {
                        rule.zone_match = ZoneMatch::named;
                        rule.zone = zi->second;
                    } else {
                        r.error(
                            item["zone"], "rule '" + rule.name + "' names unknown zone '" + *z +
                                              "' (zones: any, none" +
                                              [&] {
                                                  std::string l;
                                                  for (auto& [k, _] : zone_index)
                                                      l += ", " + k;
                                                  return l;
                                              }() +
                                              ")");
                    }
                }
                if (const YAML::Node& v = item["vlans"]; v.IsDefined())
                    rule.vlans = read_vlans(r, v, "'vlans' of rule '" + rule.name + "'");
                if (auto d = r.string(item, "direction", false); d && *d != "both") {
                    if (*d == "upstream")
                        rule.direction = Direction::upstream;
                    else if (*d == "downstream")
                        rule.direction = Direction::downstream;
                    else
                        r.error(item["direction"],
                                "direction '" + *d + "' is not one of upstream, downstream, both");
                }
                if (p.rules.size() == kMaxRules) {
                    r.error(item, "more than " + std::to_string(kMaxRules) +
                                      " rules: merge rules with VLAN ranges and zones");
                    break;
                }
                p.rules.push_back(std::move(rule));
            }
        }
    }
    if (quarantine_use && !p.quarantine_vlan && !doc["quarantine_vlan"].IsDefined())
        r.error(*quarantine_use, "this action quarantines, but 'quarantine_vlan' is not set");
    // A quarantine VLAN that is also a camera VLAN keeps quarantined frames on
    // the camera segment, which defeats the quarantine.
    if (p.quarantine_vlan && p.camera_vlans.contains(*p.quarantine_vlan))
        r.error(doc["quarantine_vlan"], "quarantine_vlan " + std::to_string(*p.quarantine_vlan) +
                                            " is one of the camera_vlans: quarantined frames would "
                                            "stay on a camera segment");

    if (const YAML::Node& ex = doc["exceptions"]; ex.IsDefined() && !ex.IsNull()) {
        std::map<std::uint64_t, int> seen;
        if (r.expect_sequence(ex, "'exceptions'")) {
            for (const auto& item : ex) {
                if (!r.expect_map(item, "an exception", {"mac", "until", "reason"})) continue;
                Exception e;
                auto mac = r.string(item, "mac", true);
                auto until = r.string(item, "until", true);
                e.reason = r.string(item, "reason", true).value_or("");
                bool ok = mac && until;
                if (mac) {
                    if (auto m = MacAddress::parse(*mac); m && m->is_group()) {
                        r.error(item["mac"],
                                "exception MAC " + m->to_string() +
                                    " is a group (multicast/broadcast) address, not a device");
                        ok = false;
                    } else if (m) {
                        e.mac = *m;
                        auto [it, fresh] = seen.emplace(m->value, item.Mark().line + 1);
                        if (!fresh) {
                            r.error(item["mac"], "conflicting exceptions: " + m->to_string() +
                                                     " is already excepted at line " +
                                                     std::to_string(it->second));
                            ok = false;
                        }
                    } else {
                        r.error(item["mac"], "bad MAC address '" + *mac + "'");
                        ok = false;
                    }
                }
                if (until) {
                    if (auto day = parse_iso_date(*until)) {
                        e.until_day = *day;
                        e.until_text = *until;
                    } else {
                        r.error(item["until"], "bad date '" + *until + "': use YYYY-MM-DD");
                        ok = false;
                    }
                }
                if (ok) p.exceptions.push_back(std::move(e));
            }
        }
    }

    // The catalog decides which vendor ids exist.
    try {
        out.catalog = load_catalog(p.catalog_path);
        for (const auto& [id, mark] : prohibited) {
            if (id == "all") {
                p.prohibit_all = true;
            } else if (!out.catalog.find(id)) {
                std::string known;
                for (const auto& v : out.catalog.vendors)
                    known += (known.empty() ? "" : ", ") + v.id;
                r.error(mark, "unknown vendor id '" + id + "' (catalog " + p.catalog_path +
                                  " has: " + known + ")");
            }
            p.prohibited.push_back(id);
        }
    } catch (const PolicyError& e) {
        r.error(doc["catalog"].IsDefined() ? doc["catalog"].Mark() : doc.Mark(),
                "vendor catalog " + p.catalog_path + " could not be loaded:");
        for (const auto& d : e.diagnostics())
            diags.push_back(d);
    }

    if (!diags.empty()) throw PolicyError(diags);
    return out;
}

}  // namespace

}  // namespace camfence::policy
