// Quarantine rewrites: move a frame's segment onto the quarantine VLAN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/parse/frame.h"
#include "policy/snapshot.h"

namespace camfence::dataplane {

inline constexpr std::size_t kVlanTagLen = 4;

// Sets the VID of the tag at `tag_offset` (PCP and DEI kept). The caller guarantees the
// tag lies within the frame (the parser only reports tags that do).
void set_tag_vid(std::span<std::byte> frame, std::uint16_t tag_offset, std::uint16_t vid) noexcept;

// Inserts an 802.1Q tag after the MAC addresses. `grown` is the frame with 4 bytes of
// room prepended: the original frame starts at grown[4].
void insert_tag(std::span<std::byte> grown, std::uint16_t vid) noexcept;

// Quarantines a tagged frame in place: the tag it was admitted on (`admitted_tag`, from
// FrameVerdict::vlan_tag) and every other tag on a camera VLAN get the quarantine VID, so the
// frame stays on no camera VLAN whichever tag the network switches it by. Untagged frames
// (admitted_tag < 0) need insert_tag instead.
inline void retag_camera_vlans(const policy::PolicySnapshot& s, const ParsedFrame& f,
                               int admitted_tag, std::span<std::byte> frame) noexcept {
    for (int i = 0; i < f.tag_count; ++i)
        if (i == admitted_tag || s.is_camera_vlan(f.vlan[i]))
            set_tag_vid(frame, f.tag_offset[i], s.quarantine_vlan);
}

}  // namespace camfence::dataplane
