#include "policy/zone_map.h"

namespace camfence::policy {
namespace {

U128 plus_one(U128 v) {
    if (++v.lo == 0) ++v.hi;
    return v;
}
U128 minus_one(U128 v) {
    if (v.lo-- == 0) --v.hi;
    return v;
}

struct Interval {
    U128 first, last;
    std::uint16_t zone;
};

// Cuts the address family's space at every prefix boundary, gives each elementary interval
// the zone of the longest prefix covering it, and merges neighbours with the same zone.
std::vector<Interval> flatten(const std::vector<ZoneMap::Entry>& entries, bool v6, U128 max) {
    std::vector<const ZoneMap::Entry*> mine;
    std::vector<U128> cuts;
    for (const auto& e : entries) {
        if (e.prefix.v6 != v6) continue;
        mine.push_back(&e);
        cuts.push_back(e.prefix.first());
        if (e.prefix.last() != max) cuts.push_back(plus_one(e.prefix.last()));
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<Interval> out;
    for (std::size_t i = 0; i < cuts.size(); ++i) {
        U128 first = cuts[i];
        U128 last = (i + 1 < cuts.size()) ? minus_one(cuts[i + 1]) : max;
        const ZoneMap::Entry* best = nullptr;
        for (const auto* e : mine)
            if (e->prefix.first() <= first && last <= e->prefix.last() &&
                (!best || e->prefix.length > best->prefix.length))
                best = e;
        if (!best) continue;
        if (!out.empty() && out.back().zone == best->zone && plus_one(out.back().last) == first)
            out.back().last = last;
        else
            out.push_back(Interval{first, last, best->zone});
    }
    return out;
}

}  // namespace

ZoneMap::ZoneMap(const std::vector<Entry>& entries) {
    for (const auto& iv : flatten(entries, false, U128{0, 0xffffffffULL})) {
        v4_.push_back(V4{static_cast<std::uint32_t>(iv.first.lo),
                         static_cast<std::uint32_t>(iv.last.lo), iv.zone});
        v4_first_.push_back(static_cast<std::uint32_t>(iv.first.lo));
    }
    for (const auto& iv : flatten(entries, true, U128{~0ULL, ~0ULL}))
        v6_.push_back(V6{iv.first, iv.last, iv.zone});
}

}  // namespace camfence::policy
