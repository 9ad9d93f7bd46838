#include "daemon/audit_report.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "daemon/evidence.h"
#include "daemon/json_writer.h"

namespace camfence::daemon {
namespace {

constexpr std::size_t kMaxAuditIpsPerDevice = 32;

std::string ip_string(const dataplane::ParsedFrame& f, bool source) {
    if (f.l3 == dataplane::L3::ipv6) {
        std::array<std::uint8_t, 16> b{};
        std::uint64_t hi = source ? f.src_ip_hi : f.dst_ip_hi;
        std::uint64_t lo = source ? f.src_ip_lo : f.dst_ip_lo;
        for (int i = 0; i < 8; ++i)
            b[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
        for (int i = 0; i < 8; ++i)
            b[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
        return policy::format_ipv6(b);
    }
    return policy::format_ipv4(static_cast<std::uint32_t>(source ? f.src_ip_lo : f.dst_ip_lo));
}

bool unspecified_or_multicast(const dataplane::ParsedFrame& f, bool source) {
    if (f.l3 == dataplane::L3::ipv6) {
        std::uint64_t hi = source ? f.src_ip_hi : f.dst_ip_hi;
        std::uint64_t lo = source ? f.src_ip_lo : f.dst_ip_lo;
        return (hi == 0 && lo == 0) || (hi >> 56) == 0xff;
    }
    auto a = static_cast<std::uint32_t>(source ? f.src_ip_lo : f.dst_ip_lo);
    return a == 0 || a == 0xffffffff || (a >> 28) == 0xe;
}

}  // namespace

AuditReport::AuditReport(const policy::PolicySnapshot& snapshot, std::string policy_path,
                         std::string input_path)
    : snap_(snapshot), policy_path_(std::move(policy_path)), input_path_(std::move(input_path)) {}

void AuditReport::record(const dataplane::ParsedFrame& f, const dataplane::FrameVerdict& v,
                         std::uint32_t) {
    ++frame_no_;
    if (!v.camera) return;
    bool up = v.direction == policy::Direction::upstream;
    std::uint64_t mac = up ? f.src_mac : f.dst_mac;
    if ((mac >> 40) & 0x01) return;  // group address: not a device
    auto key = std::make_pair(v.vlan, mac);
    auto [it, fresh] = devices_.try_emplace(key);
    AuditDevice& d = it->second;
    if (fresh) {
        d.mac = mac;
        d.vlan = v.vlan;
        d.first = v;
        d.first_frame = frame_no_;
        for (auto& e : policy_evidence(snap_, mac, v.oui))
            d.evidence.push_back({e.signal, e.value, frame_no_, e.detail});
    }
    d.last_frame = frame_no_;
    d.last_class = v.device_class;
    d.frames[static_cast<int>(v.action)] += 1;
    d.by_zone[v.zone][static_cast<int>(v.action)] += 1;
    if (f.has_ip && d.ips.size() < kMaxAuditIpsPerDevice && !unspecified_or_multicast(f, up))
        d.ips.insert(ip_string(f, up));
}

void AuditReport::finish(const dataplane::WorkerCounters& counters, bool input_truncated) {
    counters_ = counters;
    input_truncated_ = input_truncated;
}

void AuditReport::add_protocol_findings(const DeviceRegistry& registry) {
    for (const auto& [key, rd] : registry.devices()) {
        auto it = devices_.find({rd.vlan, rd.mac});
        if (it == devices_.end()) continue;
        AuditDevice& d = it->second;
        for (const auto& e : rd.protocol_evidence)
            d.evidence.push_back({e.protocol, e.field + "=" + e.value, e.frame, describe(e)});
        d.model = rd.model;
        d.serial = rd.serial;
        d.firmware = rd.firmware;
        d.protocol_vendor = rd.protocol_vendor;
        d.white_label_suspect = rd.white_label_suspect;
    }
}

std::uint64_t AuditReport::policy_drops() const {
    return counters_.action_frames[static_cast<int>(policy::Action::drop)] -
           counters_.slots[snap_.slot_malformed()].frames;
}

std::vector<std::pair<std::string, std::uint64_t>> AuditReport::policy_gaps() const {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (std::size_t b = 0; b < dataplane::kZoneBuckets; ++b)
        if (counters_.prohibited_forwarded[b] && dataplane::zone_bucket_used(snap_, b))
            out.emplace_back(dataplane::zone_bucket_name(snap_, b),
                             counters_.prohibited_forwarded[b]);
    return out;
}

std::string AuditReport::json() const {
    JsonWriter w;
    w.begin_object();
    w.key("policy").begin_object();
    w.field("path", policy_path_).field("sha256", snap_.sha256).field("site", snap_.site_name);
    w.field("catalog", snap_.catalog_path).field("oui_registry", snap_.registry_dir);
    w.field("evaluated_at", snap_.evaluated_at);
    w.end_object();
    w.key("input").begin_object();
    w.field("path", input_path_).field("frames", frame_no_).field("truncated", input_truncated_);
    w.end_object();
    w.key("totals").begin_object();
    w.field("forward", counters_.action_frames[0]);
    w.field("drop", policy_drops());
    w.field("quarantine", counters_.action_frames[2]);
    w.field("malformed", counters_.slots[snap_.slot_malformed()].frames);
    w.field("non_camera", counters_.slots[snap_.slot_non_camera()].frames);
    w.field("anomalies", counters_.anomalies);
    w.field("fragments", counters_.fragments);
    w.field("quarantine_no_room", counters_.quarantine_no_room);
    w.end_object();
    w.key("rules").begin_array();
    for (std::size_t s = 0; s <= snap_.slot_default(); ++s) {
        w.begin_object();
        w.field("name", snap_.slot_name(s));
        auto action = s < snap_.rule_actions.size() ? snap_.rule_actions[s] : snap_.default_action;
        w.field("action", std::string(policy::to_string(action)));
        w.field("frames", counters_.slots[s].frames).field("bytes", counters_.slots[s].bytes);
        w.end_object();
    }
    w.end_array();
    // Frames of prohibited devices that this policy forwarded, by the peer's zone: the gaps
    // to close before the policy goes live (the live camfence_prohibited_forwarded_frames_total).
    w.key("policy_gaps").begin_array();
    for (const auto& [zone, frames] : policy_gaps()) {
        w.begin_object();
        w.field("zone", zone).field("frames", frames);
        w.end_object();
    }
    w.end_array();
    w.key("devices").begin_array();
    for (const auto& [key, d] : devices_) {
        w.begin_object();
        w.field("mac", policy::MacAddress{d.mac}.to_string()).field("vlan", unsigned{d.vlan});
        w.key("ips").begin_array();
        for (const auto& ip : d.ips)
            w.value(ip);
        w.end_array();
        const auto& oui = d.first.oui;
        if (oui.vendor != policy::kNoVendor) {
            const auto& v = snap_.vendors[oui.vendor];
            w.field("vendor", v.id);
            if (!v.parent.empty()) w.field("parent", v.parent);
        } else {
            w.key("vendor").null();
        }
        if (oui.organization != policy::kNoOrganization)
            w.field("organization", snap_.oui.organizations()[oui.organization]);
        else
            w.key("organization").null();
        w.field("class", std::string(policy::to_string(d.last_class)));
        if (d.last_class != d.first.device_class)
            w.field("class_at_first_frame", std::string(policy::to_string(d.first.device_class)));
        if (!d.protocol_vendor.empty()) w.field("protocol_vendor", d.protocol_vendor);
        if (d.white_label_suspect) w.field("white_label_suspect", true);
        if (!d.model.empty()) w.field("model", d.model);
        if (!d.serial.empty()) w.field("serial", d.serial);
        if (!d.firmware.empty()) w.field("firmware", d.firmware);
        w.key("evidence").begin_array();
        for (const auto& e : d.evidence) {
            w.begin_object();
            w.field("signal", e.signal).field("value", e.value).field("frame", e.frame);
            if (!e.detail.empty()) w.field("detail", e.detail);
            w.end_object();
        }
        w.end_array();
        w.field("first_frame", d.first_frame).field("last_frame", d.last_frame);
        w.key("frames").begin_object();
        for (int a = 0; a < policy::kActionCount; ++a)
            w.field(policy::to_string(static_cast<policy::Action>(a)), d.frames[a]);
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.key("exceptions").begin_array();
    for (const auto& e : snap_.exceptions) {
        w.begin_object();
        w.field("mac", e.mac.to_string()).field("until", e.until).field("reason", e.reason);
        w.field("active", e.active);
        bool seen = std::any_of(devices_.begin(), devices_.end(),
                                [&](const auto& kv) { return kv.second.mac == e.mac.value; });
        w.field("seen", seen);
        w.end_object();
    }
    w.end_array();
    w.key("warnings").begin_array();
    for (const auto& s : snap_.warnings)
        w.value(s);
    w.end_array();
    w.end_object();
    return w.str();
}

std::string AuditReport::summary() const {
    std::ostringstream o;
    o << "camfence audit of " << input_path_ << " against " << policy_path_ << " (site "
      << snap_.site_name << ")\n";
    o << "  " << frame_no_ << " frames: " << counters_.action_frames[0] << " forward, "
      << policy_drops() << " drop, " << counters_.action_frames[2] << " quarantine, "
      << counters_.slots[snap_.slot_malformed()].frames << " malformed ("
      << counters_.slots[snap_.slot_non_camera()].frames
      << " on non-camera VLANs, passed untouched)\n\n";
    if (auto gaps = policy_gaps(); !gaps.empty()) {
        o << "POLICY GAPS: frames of prohibited devices this policy forwards:";
        for (const auto& [zone, frames] : gaps)
            o << " " << zone << " " << frames;
        o << "\n  (add a rule for `device: prohibited` that covers these zones, or change "
             "default_action)\n\n";
    }
    auto section = [&](policy::DeviceClass cls, const char* title) {
        bool any = false;
        for (const auto& [key, d] : devices_) {
            if (d.last_class != cls) continue;
            if (!any) o << title << "\n";
            any = true;
            char line[256];
            std::string vendor = d.first.oui.vendor != policy::kNoVendor
                                     ? snap_.vendors[d.first.oui.vendor].id
                                     : "-";
            std::snprintf(line, sizeof line,
                          "  %-17s vlan %-4u %-16s fwd %-6llu drop %-6llu quar %-6llu\n",
                          policy::MacAddress{d.mac}.to_string().c_str(), unsigned{d.vlan},
                          vendor.c_str(), static_cast<unsigned long long>(d.frames[0]),
                          static_cast<unsigned long long>(d.frames[1]),
                          static_cast<unsigned long long>(d.frames[2]));
            o << line;
            for (const auto& e : d.evidence)
                o << "      evidence: " << e.signal << " " << e.value << " (frame " << e.frame
                  << ")" << (e.detail.empty() ? "" : ": " + e.detail) << "\n";
            // Where its traffic was going and what the policy did to it, zone by zone.
            std::string traffic;
            for (const auto& [zone, counts] : d.by_zone) {
                std::string name = zone == policy::kNoZone        ? "no zone"
                                   : zone == policy::kUnknownZone ? "unreadable peer"
                                                                  : snap_.zone_names[zone];
                for (int a = 0; a < policy::kActionCount; ++a)
                    if (counts[a])
                        traffic += (traffic.empty() ? "" : ", ") + name + " " +
                                   std::to_string(counts[a]) + " " +
                                   std::string(policy::to_string(static_cast<policy::Action>(a)));
            }
            if (!traffic.empty()) o << "      traffic:  " << traffic << "\n";
        }
        if (any) o << "\n";
    };
    section(policy::DeviceClass::prohibited, "PROHIBITED devices:");
    section(policy::DeviceClass::excepted, "Excepted (prohibited, covered by an exception):");
    section(policy::DeviceClass::unregistered, "Unregistered (local or unassigned MAC):");
    section(policy::DeviceClass::clear, "Clear:");
    o << "Rules:\n";
    for (std::size_t s = 0; s <= snap_.slot_default(); ++s) {
        auto action = s < snap_.rule_actions.size() ? snap_.rule_actions[s] : snap_.default_action;
        o << "  " << snap_.slot_name(s) << " (" << policy::to_string(action)
          << "): " << counters_.slots[s].frames << " frames\n";
    }
    return o.str();
}

}  // namespace camfence::daemon
