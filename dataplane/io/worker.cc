#include "dataplane/io/worker.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace camfence::dataplane {

int worker_main(void* arg) {
    auto& ctx = *static_cast<WorkerContext*>(arg);
    WorkerCounters& c = *ctx.counters;
    ActionBuckets buckets;
    rte_mbuf* burst[kBurstSize];
    std::uint64_t loops = 0, busy = 0;
    while (!ctx.stop->load(std::memory_order_relaxed)) {
        for (const WorkerPath& p : ctx.paths) {
            std::uint16_t n = rte_eth_rx_burst(p.rx_port, p.rx_queue, burst, kBurstSize);
            if (n == 0) continue;
            ++busy;
            const policy::PolicySnapshot* s = ctx.snapshot->load(std::memory_order_acquire);
            process_burst(*s, burst, n, p.direction, c, buckets);
            // Quarantined frames leave the same way, their segment moved to the quarantine
            // VLAN, in arrival order with the forwarded ones.
            send_or_free(p.tx_port, p.tx_queue, buckets.egress.data(), buckets.egress_count, c);
            if (buckets.count[1]) rte_pktmbuf_free_bulk(buckets.frames[1].data(), buckets.count[1]);
        }
        ++loops;
        if ((loops & 0x3ff) == 0) {
            ctx.loops.store(loops, std::memory_order_relaxed);
            ctx.busy_loops.store(busy, std::memory_order_relaxed);
        }
    }
    ctx.loops.store(loops, std::memory_order_relaxed);
    ctx.busy_loops.store(busy, std::memory_order_relaxed);
    return 0;
}

}  // namespace camfence::dataplane
