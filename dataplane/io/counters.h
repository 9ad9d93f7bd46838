// Per-worker counters: plain integers in cache-line-aligned blocks, written by one lcore
// only and summed by the control plane when it reports.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "policy/snapshot.h"
#include "policy/types.h"
#include "policy/zone_map.h"

namespace camfence::dataplane {

// One slot per rule, then default, non-camera, malformed (PolicySnapshot::slot_count()).
inline constexpr std::size_t kMaxSlots = policy::kMaxRules + 3;

// Frames of a prohibited device that the policy forwarded (a policy gap), by the peer's zone:
// buckets 0..kLastNamedZoneBucket are zones by index (the last of them also takes every zone
// past it: "(other zones)" in the metrics when there are that many), then "in no zone / no
// address" and "address unreadable".
inline constexpr std::size_t kZoneBuckets = 256;
inline constexpr std::size_t kLastNamedZoneBucket = kZoneBuckets - 3;
inline constexpr std::size_t kOutsideZoneBucket = kZoneBuckets - 2;
inline constexpr std::size_t kUnreadableZoneBucket = kZoneBuckets - 1;

inline constexpr std::size_t zone_bucket(std::uint16_t zone) noexcept {
    if (zone == policy::kNoZone) return kOutsideZoneBucket;
    if (zone == policy::kUnknownZone) return kUnreadableZoneBucket;
    return zone < kLastNamedZoneBucket ? zone : kLastNamedZoneBucket;
}

// The zone a bucket stands for under the policy `s` (control plane: reports and metrics).
inline std::string zone_bucket_name(const policy::PolicySnapshot& s, std::size_t bucket) {
    if (bucket == kOutsideZoneBucket) return "(outside)";
    if (bucket == kUnreadableZoneBucket) return "(unreadable)";
    if (bucket == kLastNamedZoneBucket && s.zone_names.size() > bucket + 1) return "(other zones)";
    return bucket < s.zone_names.size() ? s.zone_names[bucket] : "(unknown)";
}

// Whether a bucket stands for something under the policy `s`: every zone it has, once, and
// the two special ones.
inline bool zone_bucket_used(const policy::PolicySnapshot& s, std::size_t bucket) {
    return bucket > kLastNamedZoneBucket || bucket < s.zone_names.size();
}

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
    std::array<std::uint64_t, kZoneBuckets> prohibited_forwarded{};  // by zone_bucket()
};

// Reads a counter another lcore is writing: a relaxed atomic load of the aligned 64-bit word,
// so the reader sees a whole value and the writer pays nothing.
inline std::uint64_t read_counter(const std::uint64_t& counter) {
    return __atomic_load_n(&counter, __ATOMIC_RELAXED);
}

}  // namespace camfence::dataplane
