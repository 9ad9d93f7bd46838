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
            QuarantineEdit e = quarantine_edit(f, v.vlan_tag);
            if (e.insert)
                insert_tag(grown, s.quarantine_vlan);
            else
                set_tag_vid({grown.data() + kVlanTagLen, size}, e.tag_offset, s.quarantine_vlan);
            // The rewritten frame must carry the quarantine VLAN in the tag the frame was admitted
            // on.
            ParsedFrame q =
                parse_frame(e.insert ? std::span<const std::byte>(grown)
                                     : std::span<const std::byte>(grown).subspan(kVlanTagLen));
            int t = e.insert ? 0 : v.vlan_tag;
            if (q.tag_count <= t || q.vlan[t] != s.quarantine_vlan) std::abort();
        }
    }
    return 0;
}
