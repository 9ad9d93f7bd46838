// Per-worker counters: plain integers in cache-line-aligned blocks, written by one lcore
// only and summed by the control plane when it reports.
#pragma once

#include <array>
#include <cstdint>

#include "policy/types.h"

namespace camfence::dataplane {

// One slot per rule, then default, non-camera, malformed (PolicySnapshot::slot_count()).
inline constexpr std::size_t kMaxSlots = policy::kMaxRules + 3;

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

// Reads a counter another lcore is writing: a relaxed atomic load of the aligned 64-bit word,
// so the reader sees a whole value and the writer pays nothing.
inline std::uint64_t read_counter(const std::uint64_t& counter) {
    return __atomic_load_n(&counter, __ATOMIC_RELAXED);
}

}  // namespace camfence::dataplane
