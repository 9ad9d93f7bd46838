// Frame -> verdict: which camera-side device the frame belongs to, what class the policy
// gives it, which zone the peer is in, and the action of the first matching rule.
// Pure functions over a PolicySnapshot and a ParsedFrame: no allocation, no exceptions.
#pragma once

#include "dataplane/classify/device_table.h"
#include "dataplane/parse/frame.h"
#include "policy/snapshot.h"

namespace camfence::dataplane {

using policy::Action;
using policy::DeviceClass;
using policy::Direction;

struct FrameVerdict {
    Action action = Action::forward;
    std::uint16_t slot = 0;  // counter slot: rule index or one of the snapshot's special slots
    DeviceClass device_class = DeviceClass::clear;
    Direction direction = Direction::upstream;
    bool camera = false;  // on a camera VLAN (and so classified)
    std::uint16_t zone = policy::kNoZone;
    // The camera VLAN the frame was admitted on, and the tag that carries it (-1 untagged):
    // rules and the quarantine rewrite use these, so a tag a device adds cannot move it.
    std::uint16_t vlan = 0;
    std::int8_t vlan_tag = -1;
    policy::OuiMatch oui;
    // The camera-side device the frame belongs to (unicast only): its (VLAN, MAC) key and
    // its entry in the device table, null when the table does not know it yet.
    bool has_device = false;
    std::uint64_t device_key = 0;
    const DeviceSlot* device = nullptr;
};

// A port with no native VLAN: untagged frames are VLAN 0 to the policy's camera_vlans.
inline constexpr int kNoNativeVlan = -1;

// The side a frame comes from when the port does not say (offline audit of a SPAN capture):
// toward a zone from outside every zone is upstream, the reverse is downstream, anything
// else counts as from the camera side.
Direction direction_by_zones(const policy::PolicySnapshot& s, const ParsedFrame& f) noexcept;

inline constexpr int kNotCameraTraffic = -2;

// Which tag admits the frame as camera traffic, -1 for "the port's VLAN", or
// kNotCameraTraffic. On an access port (a native VLAN) that is a camera VLAN, every frame
// comes from the camera segment: -1, whatever tags the device added itself (a priority tag,
// a non-camera or another camera VLAN), so no tag moves it off the port's VLAN; those tags
// are still weighed as camera VLANs by classify_frame (the strictest rule wins). Elsewhere:
// -1 for an untagged frame when its VLAN (the native VLAN, else 0) is a camera VLAN; the
// segment tag (the only one, or the inner one of QinQ) when its VLAN is a camera VLAN; else
// the outermost tag that is one. Any tag on a camera VLAN admits the frame, so an added tag
// never moves it off the camera VLANs.
inline int camera_tag(const policy::PolicySnapshot& s, const ParsedFrame& f,
                      int native_vlan = kNoNativeVlan) noexcept {
    if (native_vlan >= 0) [[unlikely]] {
        if (s.is_camera_vlan(static_cast<std::uint16_t>(native_vlan))) return -1;
    } else if (f.tag_count == 0) {
        return s.is_camera_vlan(0) ? -1 : kNotCameraTraffic;
    }
    if (f.tag_count == 0) return kNotCameraTraffic;
    int seg = f.segment_tag();
    if (s.is_camera_vlan(f.vlan[seg])) [[likely]]
        return seg;
    for (int i = 0; i < f.tag_count; ++i)
        if (s.is_camera_vlan(f.vlan[i])) return i;
    return kNotCameraTraffic;
}

inline bool on_camera_vlan(const policy::PolicySnapshot& s, const ParsedFrame& f) noexcept {
    return camera_tag(s, f) != kNotCameraTraffic;
}

// The zone of the frame's source or destination address.
// kNoZone when the frame carries no IP address at all (not IP or ARP), kUnknownZone when it
// is IP or ARP (or hides its ethertype behind too many tags) but the address is unreadable.
inline std::uint16_t address_zone(const policy::PolicySnapshot& s, const ParsedFrame& f,
                                  bool source) noexcept {
    if (!f.has_ip) [[unlikely]]
        return (f.l3 != L3::none || (f.flags & kTooManyTags)) ? policy::kUnknownZone
                                                              : policy::kNoZone;
    if (f.l3 == L3::ipv6) [[unlikely]]
        return s.zones.lookup_v6(source ? policy::U128{f.src_ip_hi, f.src_ip_lo}
                                        : policy::U128{f.dst_ip_hi, f.dst_ip_lo});
    return s.zones.lookup_v4(static_cast<std::uint32_t>(source ? f.src_ip_lo : f.dst_ip_lo));
}

// The zone of the frame's peer address (destination upstream, source downstream).
inline std::uint16_t peer_zone(const policy::PolicySnapshot& s, const ParsedFrame& f,
                               Direction dir) noexcept {
    return address_zone(s, f, dir == Direction::downstream);
}

// Defined here so the fast path inlines it into the burst loop. `native_vlan` is that of the
// port the frame arrived on; `devices` (optional) holds the registry's sticky verdicts.
[[gnu::always_inline]] inline FrameVerdict classify_frame(
    const policy::PolicySnapshot& s, const ParsedFrame& f, Direction dir,
    int native_vlan = kNoNativeVlan, const DeviceTable* devices = nullptr) noexcept {
    FrameVerdict v;
    v.direction = dir;
    if (f.flags & kRunt) [[unlikely]] {
        v.action = Action::drop;
        v.slot = s.slot_malformed();
        return v;
    }
    int tag = camera_tag(s, f, native_vlan);
    if (tag == kNotCameraTraffic) {
        v.slot = s.slot_non_camera();
        return v;
    }
    v.camera = true;
    v.vlan_tag = static_cast<std::int8_t>(tag);
    v.vlan = tag >= 0 ? f.vlan[tag] : native_vlan < 0 ? 0 : static_cast<std::uint16_t>(native_vlan);
    std::uint64_t mac = dir == Direction::upstream ? f.src_mac : f.dst_mac;
    if (dir == Direction::downstream && (mac >> 40) & 0x01) {
        // Broadcast/multicast toward the camera side addresses no single device.
        v.device_class = DeviceClass::clear;
    } else {
        auto dv = s.classify_device(policy::MacAddress{mac});
        v.device_class = dv.device_class;
        v.oui = dv.oui;
        v.has_device = true;
        v.device_key = device_key(mac, v.vlan);
        if (devices) {
            v.device = devices->find(v.device_key);
            // A device the table does not know on this VLAN may be known on another: its
            // sticky verdict follows the MAC (kAnyVlan entry), so changing VLAN sheds nothing.
            const DeviceSlot* known =
                v.device ? v.device : devices->find(device_key(mac, kAnyVlan));
            // Once prohibited, always prohibited until an operator clears it; an exception
            // in the policy is such an operator decision and still wins.
            if (known && (known->flags & DeviceSlot::kStickyProhibited) &&
                v.device_class != DeviceClass::excepted) [[unlikely]]
                v.device_class = DeviceClass::prohibited;
            // The device's IPv4 address, if it is bound to a prohibited device: the frame is
            // that device's even behind another MAC (a changed or spoofed MAC, a router).
            if (devices->has_ip_bindings() && f.has_ip && f.l3 != L3::ipv6 &&
                v.device_class != DeviceClass::prohibited &&
                v.device_class != DeviceClass::excepted) [[unlikely]] {
                auto ip = static_cast<std::uint32_t>(dir == Direction::upstream ? f.src_ip_lo
                                                                                : f.dst_ip_lo);
                if (const DeviceSlot* b = devices->find(ipv4_binding_key(ip));
                    b && (b->flags & DeviceSlot::kStickyProhibited))
                    v.device_class = DeviceClass::prohibited;
            }
        }
    }
    v.zone = peer_zone(s, f, dir);
    auto cell = s.rules.lookup(v.device_class, v.zone, v.vlan, dir);
    if (f.tag_count > 1) [[unlikely]] {
        // Several tags: if another one is a camera VLAN too (a tag stacked inside a camera
        // VLAN, or a QinQ S-tag that is one), the strictest of their rules applies.
        for (int i = 0; i < f.tag_count; ++i) {
            if (i == tag || !s.is_camera_vlan(f.vlan[i])) continue;
            auto other = s.rules.lookup(v.device_class, v.zone, f.vlan[i], dir);
            if (policy::restrictiveness(other.action) > policy::restrictiveness(cell.action))
                cell = other;
        }
    }
    v.action = cell.action;
    v.slot = cell.slot;
    return v;
}

}  // namespace camfence::dataplane
