#include "dataplane/classify/classifier.h"

namespace camfence::dataplane {

Direction direction_by_zones(const policy::PolicySnapshot& s, const ParsedFrame& f) noexcept {
    if (!f.has_ip) return Direction::upstream;
    bool src_in = address_zone(s, f, true) != policy::kNoZone;
    bool dst_in = address_zone(s, f, false) != policy::kNoZone;
    return (src_in && !dst_in) ? Direction::downstream : Direction::upstream;
}

}  // namespace camfence::dataplane
