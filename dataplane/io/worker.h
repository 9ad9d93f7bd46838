// A forwarding worker: the l3fwd-style main loop of one lcore. rx burst, process, tx burst,
// repeat; the published state (policy snapshot, device table) is read once per loop and a
// quiescent state is reported to RCU after it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "dataplane/io/counters.h"
#include "dataplane/io/pipeline.h"
#include "dataplane/io/state.h"

struct rte_rcu_qsbr;

namespace camfence::dataplane {

inline constexpr std::uint16_t kNoPort = 0xffff;

// One direction of the bump in the wire as seen by one worker: frames arriving on
// (rx_port, rx_queue) leave on (tx_port, tx_queue); quarantined ones on
// (quarantine_port, quarantine_queue) when options.quarantine_port is set.
struct WorkerPath {
    std::uint16_t rx_port;
    std::uint16_t rx_queue;
    std::uint16_t tx_port;
    std::uint16_t tx_queue;
    PathOptions options;
    std::uint16_t quarantine_port = kNoPort;
    std::uint16_t quarantine_queue = 0;
};

struct WorkerContext {
    std::atomic<const DataplaneState*>* state;  // published by the control plane
    rte_rcu_qsbr* rcu = nullptr;                // optional: QSBR variable the state is freed by
    unsigned rcu_thread = 0;
    std::span<const WorkerPath> paths;
    std::array<WorkerCounters*, 2> counters;  // by DataplaneState::bank
    DeviceReporter* reporter = nullptr;       // optional
    std::atomic<bool>* stop;
    Punter* punter = nullptr;             // optional: fingerprint copies to the control plane
    std::atomic<std::uint64_t> loops{0};  // progress, for the watchdog and busy ratio
    std::atomic<std::uint64_t> busy_loops{0};
};

// Runs until *stop is set, then drains its rx queues (a bounded number of bursts). Polls
// nothing until a state is published. Registers `rcu_thread` with `rcu` (the control plane
// should register it before launch too, so a publish never misses a starting reader) and
// goes offline before it returns. Signature suits rte_eal_remote_launch (arg =
// WorkerContext*).
int worker_main(void* context);

}  // namespace camfence::dataplane
