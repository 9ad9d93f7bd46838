#include "dataplane/io/worker.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <ctime>

namespace camfence::dataplane {

namespace {

// At most this many rx rounds over the paths after the stop flag.
constexpr int kDrainBursts = 256;

// One rx burst on every path. Returns the frames received.
unsigned poll_paths(WorkerContext& ctx, const DataplaneState& st, BurstContext& bc,
                    ActionBuckets& buckets, rte_mbuf** burst) {
    unsigned received = 0;
    bc.policy = st.policy.get();
    bc.devices = st.devices.get();
    bc.counters = ctx.counters[st.bank & 1];
    for (const WorkerPath& p : ctx.paths) {
        std::uint16_t n = rte_eth_rx_burst(p.rx_port, p.rx_queue, burst, kBurstSize);
        if (n == 0) continue;
        received += n;
        bc.path = p.options;
        process_burst(bc, burst, n, buckets);
        // Quarantined frames leave the same way, their segment moved to the quarantine
        // VLAN, in arrival order with the forwarded ones; or by the quarantine port.
        send_or_free(p.tx_port, p.tx_queue, buckets.egress.data(), buckets.egress_count,
                     *bc.counters);
        if (p.options.quarantine_port) {
            constexpr auto q = static_cast<std::size_t>(Action::quarantine);
            send_or_free(p.quarantine_port, p.quarantine_queue, buckets.frames[q].data(),
                         buckets.count[q], *bc.counters);
        }
        constexpr auto d = static_cast<std::size_t>(Action::drop);
        if (buckets.count[d]) rte_pktmbuf_free_bulk(buckets.frames[d].data(), buckets.count[d]);
    }
    return received;
}

}  // namespace

int worker_main(void* arg) {
    auto& ctx = *static_cast<WorkerContext*>(arg);
    ActionBuckets buckets;
    rte_mbuf* burst[kBurstSize];
    BurstContext bc;
    bc.reporter = ctx.reporter;
    bc.punter = ctx.punter;
    bc.now = static_cast<std::uint32_t>(std::time(nullptr));
    if (ctx.rcu) {
        rte_rcu_qsbr_thread_register(ctx.rcu, ctx.rcu_thread);
        rte_rcu_qsbr_thread_online(ctx.rcu, ctx.rcu_thread);
    }
    std::uint64_t loops = 0, busy = 0;
    while (!ctx.stop->load(std::memory_order_relaxed)) {
        const DataplaneState* st = ctx.state->load(std::memory_order_acquire);
        if (st && poll_paths(ctx, *st, bc, buckets, burst)) ++busy;
        if (ctx.rcu) rte_rcu_qsbr_quiescent(ctx.rcu, ctx.rcu_thread);
        ++loops;
        if ((loops & 0x3ff) == 0) {
            bc.now = static_cast<std::uint32_t>(std::time(nullptr));
            ctx.loops.store(loops, std::memory_order_relaxed);
            ctx.busy_loops.store(busy, std::memory_order_relaxed);
        }
    }
    // Drain: what the queues already hold is still handled by the policy in force. Bounded,
    // so a port that never goes quiet (line-rate traffic) cannot hold up the stop.
    if (const DataplaneState* st = ctx.state->load(std::memory_order_acquire)) {
        for (int idle = 0, round = 0; idle < 4 && round < kDrainBursts; ++round)
            idle = poll_paths(ctx, *st, bc, buckets, burst) ? 0 : idle + 1;
    }
    if (ctx.rcu) {
        rte_rcu_qsbr_thread_offline(ctx.rcu, ctx.rcu_thread);
        rte_rcu_qsbr_thread_unregister(ctx.rcu, ctx.rcu_thread);
    }
    ctx.loops.store(loops, std::memory_order_relaxed);
    ctx.busy_loops.store(busy, std::memory_order_relaxed);
    return 0;
}

}  // namespace camfence::dataplane
