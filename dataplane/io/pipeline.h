// The per-burst fast path: parse, classify, act, count. Shared by the live workers and the
// offline audit so both make exactly the same decisions.
#pragma once

#include <array>
#include <cstdint>

#include "dataplane/classify/classifier.h"
#include "dataplane/io/counters.h"
#include "dataplane/parse/frame.h"

struct rte_mbuf;
struct rte_ring;
struct rte_mempool;

namespace camfence::dataplane {

inline constexpr std::uint16_t kBurstSize = 32;

// Where a frame's direction comes from: the port it arrived on, or (offline, on a SPAN
// capture) the policy's zones.
enum class DirectionSource : std::uint8_t { upstream_port, downstream_port, zones };

// How frames arriving on one port are treated.
struct PathOptions {
    DirectionSource direction = DirectionSource::zones;
    int native_vlan = kNoNativeVlan;  // the rx port's access VLAN for untagged frames
    // Quarantined frames leave by a quarantine port, unchanged, instead of being retagged
    // onto the quarantine VLAN and sent on with the forwarded ones.
    bool quarantine_port = false;
};

// A camera-side device the device table does not know yet, reported by a worker to the
// control plane through a ring (32-byte elements).
struct DeviceReport {
    std::uint64_t key;        // device_key(mac, vlan)
    std::uint32_t time;       // unix seconds
    std::uint8_t direction;   // policy::Direction of the frame that revealed it
    std::uint8_t ip_version;  // 0 (none), 4 or 6: the device's own address in the frame
    std::uint8_t pad[2];
    std::uint8_t ip[16];  // IPv4 in the first 4 bytes, network order
};
static_assert(sizeof(DeviceReport) == 32);

// One worker's side of the report ring: a small direct-mapped memory of what it reported
// lately, so an unknown device sends one report per second, not one per frame.
struct DeviceReporter {
    rte_ring* ring = nullptr;  // multi-producer, single-consumer
    struct Recent {
        std::uint64_t key = 0;
        std::uint32_t time = 0;
    };
    std::array<Recent, 1024> recent{};
    std::uint64_t sent = 0;
    std::uint64_t lost = 0;  // ring full
};

// Copies of frames whose payload may tell who made a device (discovery replies, DHCP, DNS,
// TLS handshakes, HTTP/RTSP banners: fingerprint::punt_kind), sent to the control plane's
// fingerprint parsers through a ring. Rate-limited per device and per worker, so a flood can
// neither starve the control plane nor slow the fast path, which never waits on it: a copy
// that finds no room is dropped and counted.
struct PuntMeta {
    std::uint64_t device_key;
    std::uint8_t kind;       // fingerprint::PuntKind
    std::uint8_t direction;  // policy::Direction
    std::uint8_t pad[6];
};
static_assert(sizeof(PuntMeta) == 16);

struct Punter {
    rte_ring* ring = nullptr;         // rte_mbuf* copies, PuntMeta prepended; MP/SC
    rte_mempool* pool = nullptr;      // the copies' pool
    std::uint32_t per_second = 2000;  // copies per second from this worker
    std::uint32_t per_device = 20;    // copies per second per device
    std::uint32_t second = 0;
    std::uint32_t used = 0;
    struct Slot {
        std::uint64_t key = 0;
        std::uint32_t second = 0;
        std::uint32_t count = 0;
    };
    std::array<Slot, 1024> devices{};
    std::uint64_t punted = 0;
    std::uint64_t shed = 0;    // over a rate limit
    std::uint64_t failed = 0;  // no buffer or the ring full
};

// What process_burst works with: read once per burst.
struct BurstContext {
    const policy::PolicySnapshot* policy = nullptr;
    const DeviceTable* devices = nullptr;  // optional
    PathOptions path;
    WorkerCounters* counters = nullptr;
    DeviceReporter* reporter = nullptr;  // optional: no reports without it
    Punter* punter = nullptr;            // optional: no fingerprinting without it
    std::uint32_t now = 0;               // unix seconds: last-seen stamps and reports
};

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

// Classifies `n` (<= kBurstSize) frames, applies quarantine rewrites, counts, reports new
// devices, and buckets the mbufs by action. Dropped frames are bucketed, not freed: the
// caller decides. With a quarantine port, quarantined frames are not in `egress`.
void process_burst(const BurstContext& ctx, rte_mbuf* const* frames, std::uint16_t n,
                   ActionBuckets& out, const BurstDetail* detail = nullptr) noexcept;

// Sends `n` frames on (port, queue); frees and counts whatever the queue did not take.
void send_or_free(std::uint16_t port, std::uint16_t queue, rte_mbuf** frames, std::uint16_t n,
                  WorkerCounters& counters) noexcept;

}  // namespace camfence::dataplane
