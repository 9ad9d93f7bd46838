// camfence_bench: the live worker loop (dataplane/io/worker.cc) on one lcore between a
// net_pcap infinite_rx port and a discard-only net_null port, printing rx packets per second
// in the same form as dpdk-testpmd's port statistics so scripts/bench.sh can compare them.
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/io/eal.h"
#include "dataplane/io/port.h"
#include "dataplane/io/worker.h"
#include "policy/snapshot.h"

using namespace camfence;

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: camfence_bench POLICY.yaml CAPTURE.pcap SECONDS\n";
        return 2;
    }
    std::string policy_path = argv[1], capture = argv[2];
    int seconds = std::stoi(argv[3]);
    std::shared_ptr<const policy::PolicySnapshot> snap;
    try {
        snap = policy::load_snapshot(policy_path, 0);
    } catch (const policy::PolicyError& e) {
        std::cerr << e.what();
        return 1;
    }
    try {
        // two lcores: the main one samples, the second runs the worker
        dataplane::Eal eal(dataplane::default_eal_args(1024, "0-1"));
        rte_mempool* pool = dataplane::create_mempool("bench_pool", 16383);
        dataplane::Port in("cam0", "net_pcap0,rx_pcap=" + capture + ",infinite_rx=1", pool);
        dataplane::Port out("core0", "net_null0,no-rx=1", pool);
        dataplane::StatePublisher publisher(4);
        publisher.publish(std::make_unique<dataplane::DataplaneState>(
            dataplane::DataplaneState{snap, nullptr, 0, 1}));
        std::atomic<bool> stop{false};
        auto counters = std::make_unique<dataplane::WorkerCounters>();
        std::vector<dataplane::WorkerPath> paths{
            {in.id(), 0, out.id(), 0, {dataplane::DirectionSource::upstream_port}}};
        // As in the daemon: workers report devices they do not know through a ring, and the
        // control plane publishes them in the device table the fast path looks up.
        rte_ring* ring =
            rte_ring_create_elem("bench_reports", sizeof(dataplane::DeviceReport), 4096,
                                 static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
        if (!ring) throw std::runtime_error("cannot create the report ring");
        dataplane::DeviceReporter reporter;
        reporter.ring = ring;
        // And copies of fingerprint candidates to the control plane, rate-limited.
        rte_mempool* punt_pool = dataplane::create_mempool("bench_punt", 4095);
        rte_ring* punts =
            rte_ring_create("bench_punts", 4096, static_cast<int>(rte_socket_id()), RING_F_SC_DEQ);
        if (!punts) throw std::runtime_error("cannot create the punt ring");
        dataplane::Punter punter;
        punter.ring = punts;
        punter.pool = punt_pool;
        dataplane::WorkerContext ctx{
            publisher.slot(), publisher.rcu(), 0,      paths, {counters.get(), counters.get()},
            &reporter,        &stop,           &punter};
        std::vector<dataplane::DeviceTableEntry> known;
        auto drain_punts = [&] {
            rte_mbuf* m[64];
            unsigned n;
            while ((n = rte_ring_sc_dequeue_burst(punts, reinterpret_cast<void**>(m), 64,
                                                  nullptr)) > 0)
                rte_pktmbuf_free_bulk(m, n);
        };
        auto learn = [&] {
            drain_punts();
            dataplane::DeviceReport batch[64];
            unsigned n, added = 0;
            // Bounded, like the daemon's drain: a flood of reports must not starve the publish.
            for (int round = 0; round < 64; ++round) {
                n = rte_ring_sc_dequeue_burst_elem(ring, batch, sizeof batch[0], 64, nullptr);
                if (n == 0) break;
                for (unsigned i = 0; i < n; ++i) {
                    bool dup = false;
                    for (const auto& k : known)
                        dup |= k.key == batch[i].key;
                    if (!dup) {
                        known.push_back({batch[i].key, 0, batch[i].time});
                        ++added;
                    }
                }
            }
            if (!added) return;
            auto table = std::make_shared<dataplane::DeviceTable>(3 * known.size() + 16);
            for (const auto& k : known)
                table->insert(k);
            publisher.publish(std::make_unique<dataplane::DataplaneState>(
                dataplane::DataplaneState{snap, table, 0, 1}));
        };
        unsigned worker = rte_get_next_lcore(-1, 1, 0);
        if (worker >= RTE_MAX_LCORE) throw std::runtime_error("need two lcores (-l 0-1)");
        rte_eal_remote_launch(dataplane::worker_main, &ctx, worker);
        rte_eth_stats prev{};
        rte_eth_stats_get(in.id(), &prev);
        auto t0 = std::chrono::steady_clock::now();
        for (int s = 1; s <= seconds; ++s) {
            for (int tick = 0; tick < 10; ++tick) {  // the control plane's report polling
                std::this_thread::sleep_until(
                    t0 + std::chrono::milliseconds(1000 * (s - 1) + 100 * (tick + 1)));
                learn();
            }
            rte_eth_stats now{};
            rte_eth_stats_get(in.id(), &now);
            std::printf("  Rx-pps: %12llu\n",
                        static_cast<unsigned long long>(now.ipackets - prev.ipackets));
            std::fflush(stdout);
            prev = now;
        }
        stop = true;
        rte_eal_mp_wait_lcore();
        learn();
        std::printf("fingerprint copies: %llu punted, %llu shed, %llu failed\n",
                    static_cast<unsigned long long>(punter.punted),
                    static_cast<unsigned long long>(punter.shed),
                    static_cast<unsigned long long>(punter.failed));
        drain_punts();
        rte_ring_free(punts);
        std::printf("devices: %zu in the table, %llu reports, %llu lost\n", known.size(),
                    static_cast<unsigned long long>(reporter.sent),
                    static_cast<unsigned long long>(reporter.lost));
        rte_ring_free(ring);
        const auto& c = *counters;
        std::printf("frames: forward %llu drop %llu quarantine %llu tx_failed %llu\n",
                    static_cast<unsigned long long>(c.action_frames[0]),
                    static_cast<unsigned long long>(c.action_frames[1]),
                    static_cast<unsigned long long>(c.action_frames[2]),
                    static_cast<unsigned long long>(c.tx_failed));
    } catch (const std::exception& e) {
        std::cerr << "camfence_bench: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
