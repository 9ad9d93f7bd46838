#include "daemon/registry.h"

#include <algorithm>
#include <stdexcept>

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
        // A sticky verdict follows the MAC onto every VLAN it shows up on.
        for (const auto& [k, other] : devices_)
            if (other.mac == mac && other.sticky && !d.sticky) {
                d.sticky = true;
                d.sticky_since = other.sticky_since;
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
        for (const auto& e : d.evidence)
            w.begin_object()
                .field("signal", e.signal)
                .field("value", e.value)
                .field("detail", e.detail)
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
