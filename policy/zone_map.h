// Longest-prefix match of IPv4/IPv6 addresses to zones, compiled into sorted disjoint
// intervals so a lookup is one binary search over a small array.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/ip_prefix.h"

namespace camfence::policy {

inline constexpr std::uint16_t kNoZone = 0xffff;       // the address is in no zone
inline constexpr std::uint16_t kUnknownZone = 0xfffe;  // the address could not be read

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
        // Last interval whose start <= addr, by a branch-free binary search over the starts.
        const std::uint32_t* base = v4_first_.data();
        std::size_t n = v4_first_.size();
        if (n == 0 || addr < base[0]) return kNoZone;
        while (n > 1) {
            std::size_t half = n / 2;
            base = base[half] <= addr ? base + half : base;
            n -= half;
        }
        const V4& iv = v4_[static_cast<std::size_t>(base - v4_first_.data())];
        return addr <= iv.last ? iv.zone : kNoZone;
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
    std::vector<std::uint32_t> v4_first_;  // v4_[i].first, dense for the search
    std::vector<V4> v4_;
    std::vector<V6> v6_;
};

}  // namespace camfence::policy
