#include "dataplane/classify/classifier.h"

namespace camfence::dataplane {
namespace {

std::uint16_t zone_of(const policy::PolicySnapshot& s, const ParsedFrame& f, bool source) {
    if (!f.has_ip) return policy::kNoZone;
    if (f.l3 == L3::ipv6)
        return s.zones.lookup_v6(source ? policy::U128{f.src_ip_hi, f.src_ip_lo}
                                        : policy::U128{f.dst_ip_hi, f.dst_ip_lo});
    return s.zones.lookup_v4(static_cast<std::uint32_t>(source ? f.src_ip_lo : f.dst_ip_lo));
}

}  // namespace

Direction direction_by_zones(const policy::PolicySnapshot& s, const ParsedFrame& f) noexcept {
    if (!f.has_ip) return Direction::upstream;
    bool src_in = zone_of(s, f, true) != policy::kNoZone;
    bool dst_in = zone_of(s, f, false) != policy::kNoZone;
    return (src_in && !dst_in) ? Direction::downstream : Direction::upstream;
}

std::uint16_t peer_zone(const policy::PolicySnapshot& s, const ParsedFrame& f,
                        Direction dir) noexcept {
    return zone_of(s, f, dir == Direction::downstream);
}

FrameVerdict classify_frame(const policy::PolicySnapshot& s, const ParsedFrame& f,
                            Direction dir) noexcept {
    FrameVerdict v;
    v.direction = dir;
    if (f.flags & kRunt) {
        v.action = Action::drop;
        v.slot = s.slot_malformed();
        return v;
    }
    if (!on_camera_vlan(s, f)) {
        v.slot = s.slot_non_camera();
        return v;
    }
    v.camera = true;
    std::uint64_t mac = dir == Direction::upstream ? f.src_mac : f.dst_mac;
    if (dir == Direction::downstream && (mac >> 40) & 0x01) {
        // Broadcast/multicast toward the camera side addresses no single device.
        v.device_class = DeviceClass::clear;
    } else {
        auto dv = s.classify_device(policy::MacAddress{mac});
        v.device_class = dv.device_class;
        v.oui = dv.oui;
    }
    v.zone = peer_zone(s, f, dir);
    auto cell = s.rules.lookup(v.device_class, v.zone, f.segment_vlan(), dir);
    v.action = cell.action;
    v.slot = cell.slot;
    return v;
}

}  // namespace camfence::dataplane
