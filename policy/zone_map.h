// Longest-prefix match of IPv4/IPv6 addresses to zones, compiled into sorted disjoint
// intervals so a lookup is one binary search over a small array.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/ip_prefix.h"

namespace camfence::policy {

inline constexpr std::uint16_t kNoZone = 0xffff;

class ZoneMap {
  public:
    struct Entry {
        IpPrefix prefix;
        std::uint16_t zone;
    };
    // Overlapping prefixes resolve to the longest; the same prefix in two zones is the
    // caller's error to report (the compiler rejects it before we get here).
    explicit ZoneMap(const std::vector<Entry>& entries);
    ZoneMap() = default;

    std::uint16_t lookup_v4(std::uint32_t addr) const {
        // Last interval whose start <= addr.
        auto it = std::upper_bound(v4_.begin(), v4_.end(), addr,
                                   [](std::uint32_t a, const V4& iv) { return a < iv.first; });
        if (it == v4_.begin()) return kNoZone;
        --it;
        return addr <= it->last ? it->zone : kNoZone;
    }
    std::uint16_t lookup_v6(U128 addr) const {
        auto it = std::upper_bound(v6_.begin(), v6_.end(), addr,
                                   [](const U128& a, const V6& iv) { return a < iv.first; });
        if (it == v6_.begin()) return kNoZone;
        --it;
        return addr <= it->last ? it->zone : kNoZone;
    }

    std::size_t interval_count() const { return v4_.size() + v6_.size(); }

  private:
    struct V4 {
        std::uint32_t first, last;
        std::uint16_t zone;
    };
    struct V6 {
        U128 first, last;
        std::uint16_t zone;
    };
    std::vector<V4> v4_;
    std::vector<V6> v6_;
};

}  // namespace camfence::policy
