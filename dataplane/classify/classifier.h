// Frame -> verdict: which camera-side device the frame belongs to, what class the policy
// gives it, which zone the peer is in, and the action of the first matching rule.
// Pure functions over a PolicySnapshot and a ParsedFrame: no allocation, no exceptions.
#pragma once

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
    policy::OuiMatch oui;
};

// The side a frame comes from when the port does not say (offline audit of a SPAN capture):
// toward a zone from outside every zone is upstream, the reverse is downstream, anything
// else counts as from the camera side.
Direction direction_by_zones(const policy::PolicySnapshot& s, const ParsedFrame& f) noexcept;

// The zone of the frame's peer address (destination upstream, source downstream).
std::uint16_t peer_zone(const policy::PolicySnapshot& s, const ParsedFrame& f,
                        Direction dir) noexcept;

FrameVerdict classify_frame(const policy::PolicySnapshot& s, const ParsedFrame& f,
                            Direction dir) noexcept;

// True if any of the frame's VLAN tags (or VLAN 0 when untagged) is a camera VLAN: an extra
// tag never moves a frame off a camera VLAN.
inline bool on_camera_vlan(const policy::PolicySnapshot& s, const ParsedFrame& f) noexcept {
    if (f.tag_count == 0) return s.is_camera_vlan(0);
    for (int i = 0; i < f.tag_count; ++i)
        if (s.is_camera_vlan(f.vlan[i])) return true;
    return false;
}

}  // namespace camfence::dataplane
