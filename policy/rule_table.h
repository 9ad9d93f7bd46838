// The rule list compiled into a dense table: every (VLAN class, direction, device class,
// zone) combination holds the action and the rule of the first matching rule, so the fast
// path pays one indexed load per frame whatever the number of rules. Besides the zones and
// "no zone" there is a column for a peer whose address could not be read (a truncated or
// malformed header): it holds the most restrictive answer any zone would give, so a frame
// cannot slip past a zone rule by breaking its own header.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "policy/policy.h"
#include "policy/zone_map.h"

namespace camfence::policy {

struct RuleCell {
    Action action;
    std::uint16_t slot;  // rule index, or RuleTable::default_slot()
};

class RuleTable {
  public:
    // Throws PolicyError if the table would be unreasonably large.
    explicit RuleTable(const Policy& policy);
    RuleTable() = default;

    RuleCell lookup(DeviceClass cls, std::uint16_t zone, std::uint16_t segment_vlan,
                    Direction dir) const {
        std::size_t z =
            zone == kNoZone ? zone_count_ : (zone == kUnknownZone ? zone_count_ + 1 : zone);
        std::size_t vc = vlan_class_[segment_vlan & 0xfff];
        return cells_[((vc * 2 + static_cast<std::size_t>(dir)) * kDeviceClassCount +
                       static_cast<std::size_t>(cls)) *
                          (zone_count_ + 2) +
                      z];
    }

    std::uint16_t default_slot() const { return static_cast<std::uint16_t>(rule_count_); }
    std::size_t vlan_class_count() const { return vlan_classes_; }
    std::size_t cell_count() const { return cells_.size(); }

  private:
    std::size_t rule_count_ = 0;
    std::size_t zone_count_ = 0;
    std::size_t vlan_classes_ = 0;
    std::array<std::uint16_t, 4096> vlan_class_{};
    std::vector<RuleCell> cells_;
};

}  // namespace camfence::policy
