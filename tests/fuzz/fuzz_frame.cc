// libFuzzer target: arbitrary bytes through the whole per-frame fast path (parse, direction,
// classify in both directions, quarantine edit) against the example site policy.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "dataplane/classify/classifier.h"
#include "dataplane/classify/vlan_rewrite.h"
#include "dataplane/parse/frame.h"
#include "policy/snapshot.h"

namespace {

const camfence::policy::PolicySnapshot& snapshot() {
    static auto snap = [] {
        camfence::policy::LoadOptions o;
        o.catalog_override = CAMFENCE_SOURCE_DIR "/config/vendors.yaml";
        return camfence::policy::load_snapshot(CAMFENCE_SOURCE_DIR "/config/policy.yaml", 0, o);
    }();
    return *snap;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace camfence::dataplane;
    const auto& s = snapshot();
    // An exact-size heap copy so ASan sees any read past the end.
    std::vector<std::byte> frame(size);
    if (size) std::memcpy(frame.data(), data, size);
    ParsedFrame f = parse_frame(frame);
    if (f.tag_count > kMaxVlanTags) std::abort();
    if (f.has_ports && f.l4_offset + 4u > size) std::abort();
    for (int i = 0; i < f.tag_count; ++i)
        if (f.tag_offset[i] + kVlanTagLen > size) std::abort();
    Direction d = direction_by_zones(s, f);
    for (Direction dir : {Direction::upstream, Direction::downstream, d}) {
        FrameVerdict v = classify_frame(s, f, dir);
        if (v.slot >= s.slot_count()) std::abort();
        if (v.action == Action::quarantine) {
            std::vector<std::byte> grown(size + kVlanTagLen);
            if (size) std::memcpy(grown.data() + kVlanTagLen, data, size);
            bool insert = v.vlan_tag < 0;
            if (insert)
                insert_tag(grown, s.quarantine_vlan);
            else
                retag_camera_vlans(s, f, v.vlan_tag, {grown.data() + kVlanTagLen, size});
            // After quarantine the frame is on no camera VLAN: untagged it gained the
            // quarantine tag; tagged, no tag it had is left on a camera VLAN.
            ParsedFrame q =
                parse_frame(insert ? std::span<const std::byte>(grown)
                                   : std::span<const std::byte>(grown).subspan(kVlanTagLen));
            if (insert && (q.tag_count == 0 || q.vlan[0] != s.quarantine_vlan)) std::abort();
            if (!insert && q.tag_count != f.tag_count) std::abort();
            for (int i = 0; i < q.tag_count && !insert; ++i)
                if (s.is_camera_vlan(q.vlan[i])) std::abort();
        }
    }
    return 0;
}
