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

void emit(std::vector<Interval>& out, U128 first, U128 last, std::uint16_t zone) {
    if (!out.empty() && out.back().zone == zone && plus_one(out.back().last) == first)
        out.back().last = last;
    else
        out.push_back(Interval{first, last, zone});
}

// Prefixes are laminar (any two are nested or disjoint), so one sweep in address order with
// a stack of the prefixes covering the cursor gives every address the zone of its longest
// covering prefix: O(n log n). Neighbours with the same zone are merged.
std::vector<Interval> flatten(const std::vector<ZoneMap::Entry>& entries, bool v6) {
    std::vector<const ZoneMap::Entry*> mine;
    for (const auto& e : entries)
        if (e.prefix.v6 == v6) mine.push_back(&e);
    // By start, and among prefixes with the same start the shorter (enclosing) one first.
    std::sort(mine.begin(), mine.end(), [](const auto* a, const auto* b) {
        if (a->prefix.first() != b->prefix.first()) return a->prefix.first() < b->prefix.first();
        return a->prefix.length < b->prefix.length;
    });
    std::vector<Interval> out;
    std::vector<const ZoneMap::Entry*> open;  // enclosing prefixes, innermost last
    U128 cursor{0, 0};                        // first address not yet emitted
    bool done = false;                        // the cursor ran past the end of the space
    // Emits the innermost open prefix up to its end and closes it.
    auto close_top = [&] {
        const auto* top = open.back();
        open.pop_back();
        if (!done && cursor <= top->prefix.last()) {
            emit(out, cursor, top->prefix.last(), top->zone);
            U128 next = plus_one(top->prefix.last());
            done = next == U128{0, 0} || (!v6 && next.lo > 0xffffffffULL);
            cursor = next;
        }
    };
    for (const auto* e : mine) {
        while (!open.empty() && open.back()->prefix.last() < e->prefix.first())
            close_top();
        if (!open.empty() && !done && cursor < e->prefix.first())
            emit(out, cursor, minus_one(e->prefix.first()), open.back()->zone);
        if (done || cursor < e->prefix.first()) {
            cursor = e->prefix.first();
            done = false;
        }
        open.push_back(e);
    }
    while (!open.empty())
        close_top();
    return out;
}

}  // namespace

ZoneMap::ZoneMap(const std::vector<Entry>& entries) {
    for (const auto& iv : flatten(entries, false)) {
        v4_.push_back(V4{static_cast<std::uint32_t>(iv.first.lo),
                         static_cast<std::uint32_t>(iv.last.lo), iv.zone});
        v4_first_.push_back(static_cast<std::uint32_t>(iv.first.lo));
    }
    for (const auto& iv : flatten(entries, true))
        v6_.push_back(V6{iv.first, iv.last, iv.zone});
}

}  // namespace camfence::policy
