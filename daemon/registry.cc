#include "daemon/registry.h"

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>

#include "daemon/event_log.h"
#include "daemon/json_reader.h"
#include "daemon/json_writer.h"

namespace camfence::daemon {

namespace {

std::uint64_t key_of(std::uint64_t mac, std::uint16_t vlan) {
    return (mac & 0xffffffffffffULL) | (static_cast<std::uint64_t>(vlan & 0xfff) << 48);
}

}  // namespace

std::optional<policy::DeviceClass> parse_device_class(std::string_view text) {
    for (int c = 0; c < policy::kDeviceClassCount; ++c)
        if (policy::to_string(static_cast<policy::DeviceClass>(c)) == text)
            return static_cast<policy::DeviceClass>(c);
    return std::nullopt;
}

void DeviceRegistry::judge(Device& d, const policy::PolicySnapshot& snap, std::int64_t now) {
    auto v = snap.classify_device(policy::MacAddress{d.mac});
    d.policy_class = v.device_class;
    d.vendor = v.oui.vendor != policy::kNoVendor ? snap.vendors[v.oui.vendor].id : "";
    d.organization = v.oui.organization < snap.oui.organizations().size()
                         ? snap.oui.organizations()[v.oui.organization]
                         : "";
    d.evidence = policy_evidence(snap, d.mac, v.oui);
    // Protocol evidence: a proven prohibited vendor makes the device prohibited whatever its
    // OUI says (white-label, spoofed MAC); an exception for the MAC still wins.
    d.protocol_vendor = decisive_vendor(d.protocol_evidence, snap);
    // A device that appeared on a prohibited device's current address stays a suspect.
    d.white_label_suspect = !d.address_of.empty();
    if (!d.address_of.empty())
        d.evidence.push_back({"ip", d.address_ip,
                              "the current address of prohibited device " + d.address_of +
                                  ": a changed or spoofed MAC, or its replacement?"});
    if (!d.protocol_vendor.empty()) {
        std::uint16_t pv = 0;
        while (pv < snap.vendors.size() && snap.vendors[pv].id != d.protocol_vendor)
            ++pv;
        if (pv < snap.vendors.size()) {
            if (snap.vendors[pv].prohibited && d.policy_class != policy::DeviceClass::excepted)
                d.policy_class = policy::DeviceClass::prohibited;
            d.white_label_suspect |= v.oui.vendor == policy::kNoVendor ||
                                     snap.root_vendor(v.oui.vendor) != snap.root_vendor(pv);
        }
    }
    if (d.policy_class == policy::DeviceClass::prohibited && !d.sticky) {
        d.sticky = true;
        d.sticky_since = now;
    }
}

std::optional<VerdictChange> DeviceRegistry::observe(std::uint64_t mac, std::uint16_t vlan,
                                                     std::int64_t time, const std::string& ip,
                                                     const policy::PolicySnapshot& snap) {
    auto key = key_of(mac, vlan);
    auto it = devices_.find(key);
    if (it == devices_.end()) {
        if (devices_.size() >= capacity_) {
            ++refused_;
            return std::nullopt;
        }
        Device d;
        d.mac = mac;
        d.vlan = vlan;
        d.first_seen = d.last_seen = time;
        if (!ip.empty()) d.ips.push_back(ip);
        judge(d, snap, time);
        // A sticky verdict follows the MAC onto every VLAN it shows up on. A new MAC on the
        // current address of a prohibited device may be that device under a changed or
        // spoofed MAC, or its replacement that inherited the address: marked a suspect with
        // the evidence, for an operator to look at, but not blocked for it.
        for (const auto& [k, other] : devices_) {
            if (!other.sticky) continue;
            if (other.mac == mac && !d.sticky) {
                d.sticky = true;
                d.sticky_since = other.sticky_since;
            } else if (other.mac != mac && !ip.empty() && !other.ips.empty() &&
                       other.ips.back() == ip && d.address_of.empty()) {
                d.address_of = policy::MacAddress{other.mac}.to_string();
                d.address_ip = ip;
                judge(d, snap, time);  // records the suspicion with its evidence
            }
        }
        auto to = d.verdict();
        devices_.emplace(key, std::move(d));
        return VerdictChange{mac, vlan, std::nullopt, to, "first seen"};
    }
    Device& d = it->second;
    d.last_seen = std::max(d.last_seen, time);
    if (!ip.empty() && std::find(d.ips.begin(), d.ips.end(), ip) == d.ips.end()) {
        if (d.ips.size() >= kMaxIpsPerDevice) d.ips.erase(d.ips.begin());
        d.ips.push_back(ip);
    }
    return std::nullopt;
}

std::vector<VerdictChange> DeviceRegistry::reevaluate(const policy::PolicySnapshot& snap,
                                                      const std::string& reason) {
    std::vector<VerdictChange> out;
    for (auto& [key, d] : devices_) {
        auto before = d.verdict();
        judge(d, snap, snap.evaluated_at);
        if (d.verdict() != before) out.push_back({d.mac, d.vlan, before, d.verdict(), reason});
    }
    return out;
}

std::vector<VerdictChange> DeviceRegistry::clear(std::uint64_t mac,
                                                 std::optional<std::uint16_t> vlan,
                                                 std::size_t& found) {
    std::vector<VerdictChange> out;
    found = 0;
    for (auto& [key, d] : devices_) {
        if (d.mac != mac || (vlan && d.vlan != *vlan)) continue;
        ++found;
        auto before = d.verdict();
        // The policy still judges it: a MAC the policy prohibits stays prohibited (and keeps
        // the time it was first judged so).
        if (d.policy_class != policy::DeviceClass::prohibited) {
            d.sticky = false;
            d.sticky_since = 0;
        }
        if (d.verdict() != before)
            out.push_back({d.mac, d.vlan, before, d.verdict(), "cleared by operator"});
    }
    return out;
}

std::string decisive_vendor(const std::vector<ProtocolEvidence>& evidence,
                            const policy::PolicySnapshot& snap) {
    // Per vendor family (top-level vendor): strong signals, the protocols with medium ones,
    // and the vendors they name. The answer never depends on the order evidence arrived in.
    struct Tally {
        int strong = 0;
        std::vector<std::string> medium_protocols;
        std::vector<std::uint16_t> strong_vendors, medium_vendors;
    };
    std::map<std::uint16_t, Tally> tally;
    for (const auto& e : evidence) {
        std::uint16_t v = 0;
        while (v < snap.vendors.size() && snap.vendors[v].id != e.vendor)
            ++v;
        if (v == snap.vendors.size()) continue;  // a vendor this catalog no longer has
        Tally& t = tally[snap.root_vendor(v)];
        if (e.strength == policy::Strength::strong) {
            ++t.strong;
            t.strong_vendors.push_back(v);
        } else if (e.strength == policy::Strength::medium) {
            if (std::find(t.medium_protocols.begin(), t.medium_protocols.end(), e.protocol) ==
                t.medium_protocols.end())
                t.medium_protocols.push_back(e.protocol);
            t.medium_vendors.push_back(v);
        }
    }
    // Within a family, and between families that both decide: a prohibited vendor first
    // (fail closed), then the stronger case, then the vendor id, so ties are stable.
    auto better = [&](std::uint16_t a, int score_a, std::uint16_t b, int score_b) {
        const bool pa = snap.vendors[a].prohibited, pb = snap.vendors[b].prohibited;
        if (pa != pb) return pa;
        if (score_a != score_b) return score_a > score_b;
        return snap.vendors[a].id < snap.vendors[b].id;
    };
    std::optional<std::uint16_t> best;
    int best_score = 0;
    for (const auto& [root, t] : tally) {
        if (t.strong == 0 && t.medium_protocols.size() < 2) continue;
        const auto& named = t.strong > 0 ? t.strong_vendors : t.medium_vendors;
        std::uint16_t pick = named.front();
        for (auto v : named)
            if (better(v, 0, pick, 0)) pick = v;
        const int score = t.strong * 2 + static_cast<int>(t.medium_protocols.size());
        if (!best || better(pick, score, *best, best_score)) {
            best = pick;
            best_score = score;
        }
    }
    return best ? snap.vendors[*best].id : std::string();
}

std::optional<VerdictChange> DeviceRegistry::observe_protocol(
    std::uint64_t mac, std::uint16_t vlan, std::int64_t time, std::uint64_t frame,
    const std::vector<SeenField>& seen, const policy::PolicySnapshot& snap, bool& new_suspect) {
    new_suspect = false;
    std::optional<VerdictChange> created = observe(mac, vlan, time, "", snap);
    auto it = devices_.find(key_of(mac, vlan));
    if (it == devices_.end()) return std::nullopt;  // full
    Device& d = it->second;
    const auto before = d.verdict();
    const bool was_suspect = d.white_label_suspect;
    bool added = false;
    for (const auto& s : seen) {
        if (s.protocol == "sadp" || s.protocol == "dhip") {
            // SADP states the model in DeviceDescription (its DeviceType is a number); DHIP
            // in DeviceType.
            if (s.field == "DeviceDescription" || (s.field == "DeviceType" && d.model.empty()) ||
                (s.field == "DeviceType" && s.protocol == "dhip"))
                d.model = s.value;
            if (s.field == "DeviceSN" || s.field == "SerialNo") d.serial = s.value;
            if (s.field == "SoftwareVersion" || s.field == "Version") d.firmware = s.value;
        }
        // Of the signatures this observation matches, the strongest per vendor counts.
        for (const auto& vs : snap.signatures) {
            if (!vs.signature.matches(s.protocol, s.field, s.value)) continue;
            const std::string& vendor = snap.vendors[vs.vendor].id;
            ProtocolEvidence e{vendor,
                               s.protocol,
                               s.field,
                               s.value,
                               vs.signature.strength,
                               vs.signature.describe(),
                               vs.signature.source,
                               time,
                               frame};
            auto same = std::find_if(d.protocol_evidence.begin(), d.protocol_evidence.end(),
                                     [&](const auto& x) {
                                         return x.vendor == vendor && x.protocol == s.protocol &&
                                                x.field == s.field && x.value == s.value;
                                     });
            if (same != d.protocol_evidence.end()) {
                if (same->strength < e.strength) {
                    *same = std::move(e);
                    added = true;
                }
                continue;
            }
            if (d.protocol_evidence.size() < kMaxProtocolEvidence) {
                d.protocol_evidence.push_back(std::move(e));
                added = true;
                continue;
            }
            // Full: a stronger signal pushes out the weakest, oldest one, so a chatty (or
            // cunning) device cannot bury decisive evidence under weak observations.
            auto weakest = std::min_element(
                d.protocol_evidence.begin(), d.protocol_evidence.end(),
                [](const auto& a, const auto& b) { return a.strength < b.strength; });
            if (weakest->strength < e.strength) {
                *weakest = std::move(e);
                added = true;
            }
        }
    }
    if (added) judge(d, snap, time);
    new_suspect = d.white_label_suspect && !was_suspect;
    if (created) {
        created->to = d.verdict();
        if (added) created->reason = "first seen: protocol evidence";
        return created;
    }
    if (d.verdict() != before)
        return VerdictChange{mac, vlan, before, d.verdict(), "protocol evidence"};
    return std::nullopt;
}

bool DeviceRegistry::note_address(std::uint64_t mac, std::uint16_t vlan, std::int64_t time,
                                  const std::string& ip, const policy::PolicySnapshot& snap,
                                  std::vector<VerdictChange>& changes) {
    auto it = devices_.find(key_of(mac, vlan));
    if (it == devices_.end()) {
        if (auto c = observe(mac, vlan, time, ip, snap)) changes.push_back(*c);
        return devices_.count(key_of(mac, vlan)) != 0;
    }
    Device& d = it->second;
    d.last_seen = std::max(d.last_seen, time);
    if (!d.ips.empty() && d.ips.back() == ip) return false;
    d.ips.erase(std::remove(d.ips.begin(), d.ips.end(), ip), d.ips.end());
    if (d.ips.size() >= kMaxIpsPerDevice) d.ips.erase(d.ips.begin());
    d.ips.push_back(ip);
    return true;
}

std::string describe(const ProtocolEvidence& e) {
    return e.vendor + ", " + std::string(policy::to_string(e.strength)) + ": " + e.signature +
           " (" + e.source + ")";
}

namespace {

// The registry and exception evidence, as {signal, value, detail} objects (of an open array).
void write_policy_evidence(JsonWriter& w, const Device& d) {
    for (const auto& e : d.evidence)
        w.begin_object()
            .field("signal", e.signal)
            .field("value", e.value)
            .field("detail", e.detail)
            .end_object();
}

}  // namespace

void write_evidence(JsonWriter& w, const Device& d, bool with_time) {
    w.key("evidence").begin_array();
    write_policy_evidence(w, d);
    for (const auto& e : d.protocol_evidence) {
        w.begin_object()
            .field("signal", e.protocol)
            .field("value", e.field + "=" + e.value)
            .field("detail", describe(e));
        if (with_time) w.field("time", rfc3339(e.time));
        w.end_object();
    }
    w.end_array();
}

void DeviceRegistry::touch(std::uint64_t mac, std::uint16_t vlan, std::int64_t last_seen) {
    if (auto it = devices_.find(key_of(mac, vlan)); it != devices_.end())
        it->second.last_seen = std::max(it->second.last_seen, last_seen);
}

std::string DeviceRegistry::to_json(std::int64_t saved_at) const {
    JsonWriter w;
    w.begin_object().field("version", 1).field("saved_at", saved_at);
    w.key("devices").begin_array();
    for (const auto& [key, d] : devices_) {
        w.begin_object()
            .field("mac", policy::MacAddress{d.mac}.to_string())
            .field("vlan", static_cast<unsigned>(d.vlan))
            .field("first_seen", d.first_seen)
            .field("last_seen", d.last_seen);
        w.key("ips").begin_array();
        for (const auto& ip : d.ips)
            w.value(ip);
        w.end_array();
        w.field("vendor", d.vendor)
            .field("organization", d.organization)
            .field("policy_class", std::string(policy::to_string(d.policy_class)))
            .field("verdict", std::string(policy::to_string(d.verdict())))
            .field("sticky", d.sticky)
            .field("sticky_since", d.sticky_since);
        w.key("evidence").begin_array();
        write_policy_evidence(w, d);
        w.end_array();
        w.field("model", d.model).field("serial", d.serial).field("firmware", d.firmware);
        w.field("address_of", d.address_of).field("address_ip", d.address_ip);
        w.key("protocol_evidence").begin_array();
        for (const auto& e : d.protocol_evidence)
            w.begin_object()
                .field("vendor", e.vendor)
                .field("protocol", e.protocol)
                .field("field", e.field)
                .field("value", e.value)
                .field("strength", std::string(policy::to_string(e.strength)))
                .field("signature", e.signature)
                .field("source", e.source)
                .field("time", e.time)
                .field("frame", e.frame)
                .end_object();
        w.end_array().end_object();
    }
    w.end_array().end_object();
    return w.str() + "\n";
}

DeviceRegistry DeviceRegistry::from_json(const std::string& text, std::size_t capacity) {
    DeviceRegistry r(capacity);
    try {
        JsonValue doc = parse_json(text);
        auto need = [](const JsonValue& obj, std::string_view k) -> const JsonValue& {
            const JsonValue* v = obj.find(k);
            if (!v) throw std::runtime_error("missing '" + std::string(k) + "'");
            return *v;
        };
        if (need(doc, "version").as_int() != 1) throw std::runtime_error("unknown version");
        for (const JsonValue& e : need(doc, "devices").as_array()) {
            Device d;
            auto mac = policy::MacAddress::parse(need(e, "mac").as_string());
            if (!mac) throw std::runtime_error("bad mac '" + need(e, "mac").as_string() + "'");
            d.mac = mac->value;
            std::int64_t vlan = need(e, "vlan").as_int();
            if (vlan < 0 || vlan > 4095) throw std::runtime_error("bad vlan");
            d.vlan = static_cast<std::uint16_t>(vlan);
            d.first_seen = need(e, "first_seen").as_int();
            d.last_seen = need(e, "last_seen").as_int();
            for (const JsonValue& ip : need(e, "ips").as_array())
                d.ips.push_back(ip.as_string());
            d.vendor = need(e, "vendor").as_string();
            d.organization = need(e, "organization").as_string();
            auto cls = parse_device_class(need(e, "policy_class").as_string());
            if (!cls) throw std::runtime_error("bad policy_class");
            d.policy_class = *cls;
            d.sticky = need(e, "sticky").as_bool();
            d.sticky_since = need(e, "sticky_since").as_int();
            for (const JsonValue& ev : need(e, "evidence").as_array())
                d.evidence.push_back({need(ev, "signal").as_string(), need(ev, "value").as_string(),
                                      need(ev, "detail").as_string()});
            // Written since protocol fingerprinting: optional, so older files still load.
            d.model = e.get_string("model");
            d.serial = e.get_string("serial");
            d.firmware = e.get_string("firmware");
            d.address_of = e.get_string("address_of");
            d.address_ip = e.get_string("address_ip");
            if (const JsonValue* pe = e.find("protocol_evidence")) {
                for (const JsonValue& x : pe->as_array()) {
                    ProtocolEvidence p;
                    p.vendor = need(x, "vendor").as_string();
                    p.protocol = need(x, "protocol").as_string();
                    p.field = need(x, "field").as_string();
                    p.value = need(x, "value").as_string();
                    const std::string& st = need(x, "strength").as_string();
                    if (st == "strong")
                        p.strength = policy::Strength::strong;
                    else if (st == "medium")
                        p.strength = policy::Strength::medium;
                    else if (st == "weak")
                        p.strength = policy::Strength::weak;
                    else
                        throw std::runtime_error("bad strength '" + st + "'");
                    p.signature = need(x, "signature").as_string();
                    p.source = need(x, "source").as_string();
                    p.time = need(x, "time").as_int();
                    p.frame = need(x, "frame").as_uint();
                    if (d.protocol_evidence.size() < kMaxProtocolEvidence)
                        d.protocol_evidence.push_back(std::move(p));
                }
            }
            if (r.devices_.size() >= capacity)
                throw std::runtime_error("more devices than device_capacity");
            if (!r.devices_.emplace(key_of(d.mac, d.vlan), std::move(d)).second)
                throw std::runtime_error("duplicate device");
        }
    } catch (const JsonError& e) {
        throw std::runtime_error(e.what());
    }
    return r;
}

}  // namespace camfence::daemon
