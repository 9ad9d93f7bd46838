// The per-burst fast path: parse, classify, act, count. Shared by the live workers and the
// offline audit so both make exactly the same decisions.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/classify/classifier.h"
#include "dataplane/io/counters.h"
#include "dataplane/parse/frame.h"

struct rte_mbuf;

namespace camfence::dataplane {

inline constexpr std::uint16_t kBurstSize = 32;

// Where a frame's direction comes from: the port it arrived on, or (offline, on a SPAN
// capture) the policy's zones.
enum class DirectionSource : std::uint8_t { upstream_port, downstream_port, zones };

// The frames of one burst, grouped by what happens to them next.
struct ActionBuckets {
    std::array<std::array<rte_mbuf*, kBurstSize>, policy::kActionCount> frames;
    std::array<std::uint16_t, policy::kActionCount> count{};
    // Forwarded and quarantined frames together, in arrival order: what an inline port sends.
    std::array<rte_mbuf*, kBurstSize> egress;
    std::uint16_t egress_count = 0;
};

// Optional per-frame detail for the audit; null on the live path.
struct BurstDetail {
    ParsedFrame* parsed;     // kBurstSize entries
    FrameVerdict* verdicts;  // kBurstSize entries
};

// Classifies `n` (<= kBurstSize) frames, applies quarantine rewrites, counts, and buckets
// the mbufs by action. Dropped frames are bucketed, not freed: the caller decides.
void process_burst(const policy::PolicySnapshot& snapshot, rte_mbuf* const* frames, std::uint16_t n,
                   DirectionSource source, WorkerCounters& counters, ActionBuckets& out,
                   const BurstDetail* detail = nullptr) noexcept;

// Sends `n` frames on (port, queue); frees and counts whatever the queue did not take.
void send_or_free(std::uint16_t port, std::uint16_t queue, rte_mbuf** frames, std::uint16_t n,
                  WorkerCounters& counters) noexcept;

}  // namespace camfence::dataplane
