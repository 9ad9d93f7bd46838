#include "dataplane/classify/classifier.h"

namespace camfence::dataplane {

Direction direction_by_zones(const policy::PolicySnapshot& s, const ParsedFrame& f) noexcept {
    if (!f.has_ip) return Direction::upstream;
    auto in_zone = [](std::uint16_t z) {
        return z != policy::kNoZone && z != policy::kUnknownZone;
    };
    bool src_in = in_zone(address_zone(s, f, true));
    bool dst_in = in_zone(address_zone(s, f, false));
    return (src_in && !dst_in) ? Direction::downstream : Direction::upstream;
}

}  // namespace camfence::dataplane
