// A forwarding worker: the l3fwd-style main loop of one lcore. rx burst, process, tx burst,
// repeat; the policy snapshot pointer is read once per burst.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "dataplane/io/counters.h"
#include "dataplane/io/pipeline.h"
#include "policy/snapshot.h"

namespace camfence::dataplane {

// One direction of the bump in the wire as seen by one worker: frames arriving on
// (rx_port, rx_queue) leave on (tx_port, tx_queue).
struct WorkerPath {
    std::uint16_t rx_port;
    std::uint16_t rx_queue;
    std::uint16_t tx_port;
    std::uint16_t tx_queue;
    DirectionSource direction;
};

struct WorkerContext {
    std::atomic<const policy::PolicySnapshot*>* snapshot;  // published by the control plane
    std::span<const WorkerPath> paths;
    WorkerCounters* counters;
    std::atomic<bool>* stop;
    std::atomic<std::uint64_t> loops{0};  // progress, for the watchdog and busy ratio
    std::atomic<std::uint64_t> busy_loops{0};
};

// Runs until *stop is set. Signature suits rte_eal_remote_launch (arg = WorkerContext*).
int worker_main(void* context);

}  // namespace camfence::dataplane
