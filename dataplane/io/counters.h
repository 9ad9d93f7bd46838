// Per-worker counters: plain integers in cache-line-aligned blocks, written by one lcore
// only and summed by the control plane when it reports.
#pragma once

#include <array>
#include <cstdint>

#include "policy/types.h"

namespace camfence::dataplane {

inline constexpr std::size_t kMaxRules = 1024;
inline constexpr std::size_t kMaxSlots = kMaxRules + 3;  // rules + default, non-camera, malformed

struct alignas(64) WorkerCounters {
    struct Slot {
        std::uint64_t frames = 0;
        std::uint64_t bytes = 0;
    };
    std::array<Slot, kMaxSlots> slots{};
    std::array<std::uint64_t, policy::kActionCount> action_frames{};
    std::array<std::uint64_t, policy::kActionCount> action_bytes{};
    std::uint64_t anomalies = 0;  // classified, but a header was cut short or impossible
    std::uint64_t fragments = 0;
    std::uint64_t quarantine_no_room = 0;  // no headroom to insert a tag: dropped instead
    std::uint64_t tx_failed = 0;           // egress queue full: freed
};

}  // namespace camfence::dataplane
