#include "policy/vlan_set.h"

namespace camfence::policy {

void VlanSet::add_range(std::uint16_t first, std::uint16_t last) {
    for (unsigned v = first; v <= last && v <= kMaxVlan; ++v)
        bits_.set(v);
}

std::string VlanSet::to_string() const {
    std::string out;
    for (int v = 0; v <= kMaxVlan;) {
        if (!bits_.test(v)) {
            ++v;
            continue;
        }
        int end = v;
        while (end + 1 <= kMaxVlan && bits_.test(end + 1))
            ++end;
        if (!out.empty()) out += ",";
        out += std::to_string(v);
        if (end > v) out += "-" + std::to_string(end);
        v = end + 1;
    }
    return out;
}

}  // namespace camfence::policy
