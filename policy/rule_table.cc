#include "policy/rule_table.h"

#include <map>

#include "policy/diagnostic.h"

namespace camfence::policy {

RuleTable::RuleTable(const Policy& policy)
    : rule_count_(policy.rules.size()), zone_count_(policy.zones.size()) {
    // VLANs that every VLAN-scoped rule treats alike share a class; most policies have a
    // handful of classes, so the table stays small.
    std::map<std::vector<bool>, std::uint16_t> classes;
    std::vector<std::uint16_t> representative;
    for (unsigned v = 0; v < 4096; ++v) {
        std::vector<bool> signature;
        for (const auto& r : policy.rules)
            if (r.vlans) signature.push_back(r.vlans->contains(static_cast<std::uint16_t>(v)));
        auto [it, fresh] = classes.emplace(signature, static_cast<std::uint16_t>(classes.size()));
        if (fresh) representative.push_back(static_cast<std::uint16_t>(v));
        vlan_class_[v] = it->second;
    }
    vlan_classes_ = classes.size();
    const std::size_t columns = zone_count_ + 2;  // zones, no zone, unreadable address
    std::size_t cells = vlan_classes_ * 2 * kDeviceClassCount * columns;
    if (cells > (std::size_t{1} << 22))
        throw PolicyError(
            {{policy.path, 0, 0,
              "rules need " + std::to_string(cells) +
                  " table cells (distinct VLAN sets x zones): simplify the VLAN sets"}});
    cells_.resize(cells);
    for (std::size_t vc = 0; vc < vlan_classes_; ++vc) {
        for (int d = 0; d < 2; ++d) {
            for (int c = 0; c < kDeviceClassCount; ++c) {
                RuleCell* row = &cells_[((vc * 2 + d) * kDeviceClassCount + c) * columns];
                // One pass over the rules in order fills each zone column with the first rule
                // that reaches it: O(rules + zones) per row rather than their product.
                std::vector<bool> filled(zone_count_ + 1, false);
                std::size_t left = zone_count_ + 1;
                for (std::size_t i = 0; i < policy.rules.size() && left > 0; ++i) {
                    const Rule& r = policy.rules[i];
                    if (r.device && static_cast<int>(*r.device) != c) continue;
                    if (r.vlans && !r.vlans->contains(representative[vc])) continue;
                    if (r.direction && static_cast<int>(*r.direction) != d) continue;
                    const RuleCell cell{r.action, static_cast<std::uint16_t>(i)};
                    auto fill = [&](std::size_t z) {
                        if (filled[z]) return;
                        filled[z] = true;
                        row[z] = cell;
                        --left;
                    };
                    if (r.zone_match == ZoneMatch::named)
                        fill(r.zone);
                    else if (r.zone_match == ZoneMatch::none)
                        fill(zone_count_);
                    else
                        for (std::size_t z = 0; z <= zone_count_; ++z)
                            fill(z);
                }
                for (std::size_t z = 0; z <= zone_count_; ++z)
                    if (!filled[z]) row[z] = RuleCell{policy.default_action, default_slot()};
                // Unreadable peer address: whichever zone (or none) it might have been in,
                // the strictest outcome; ties keep the earliest column.
                RuleCell strictest = row[0];
                for (std::size_t z = 1; z <= zone_count_; ++z)
                    if (restrictiveness(row[z].action) > restrictiveness(strictest.action))
                        strictest = row[z];
                row[zone_count_ + 1] = strictest;
            }
        }
    }
}

}  // namespace camfence::policy
