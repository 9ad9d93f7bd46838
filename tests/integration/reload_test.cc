// Hot policy reloads under load: the live worker (dataplane/io/worker.cc) bridges a camera-side
// and a core-side ring port while the control plane publishes policy A (prohibited devices
// dropped) and policy B (prohibited devices quarantined) alternately through the daemon's
// StatePublisher, flipping and folding counter banks as Appliance::publish and
// Appliance::fold_bank do. A generator thread fills the camera side as fast as the ring takes
// frames; a checker thread verifies every frame leaving the core side. At the end every frame is
// accounted for: received by the checker or counted as dropped, per device, and every mbuf is
// back in the pool.
//
// Ring ports (rte_eth_from_rings) because the test owns both ends: frames go in at memory speed
// with no capture file in between, and every frame the worker sends is seen, in order, as the
// very mbuf the worker sent. Rings that can hold every mbuf of the pool make tx failure
// impossible, so any frame missing at the end was lost by the code under test.
#include <dlfcn.h>
#include <rte_bus_vdev.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dataplane/classify/device_table.h"
#include "dataplane/io/counters.h"
#include "dataplane/io/port.h"
#include "dataplane/io/state.h"
#include "dataplane/io/worker.h"
#include "policy/snapshot.h"
#include "tests/fixtures/frame_builder.h"
#include "tests/integration/eal_once.h"

namespace {

namespace fs = std::filesystem;
namespace p = camfence::policy;
namespace d = camfence::dataplane;
namespace t = camfence::test;
using Frame = std::vector<std::byte>;
using Clock = std::chrono::steady_clock;

constexpr std::uint16_t kQuarantineVlan = 999;
constexpr std::uint64_t kRouter = 0x001b21aabb01;

// The camera-side devices: one counter slot (rule) each, so the daemon's own counters account
// for every device separately. `vlan` < 0: untagged (VLAN 0 to the policy).
struct Device {
    const char* rule;
    std::uint64_t mac;
    int vlan;
    bool prohibited;
};
constexpr std::array<Device, 4> kDevices = {{
    {"prohibited-tagged", 0x4419b6001001, 100, true},  // Hikvision
    {"prohibited-untagged", 0x4419b6001002, -1, true},
    {"clear-tagged", 0xaccc8e002001, 100, false},  // Axis
    {"clear-untagged", 0xaccc8e002002, -1, false},
}};

// A and B differ only in what happens to prohibited devices. Anything the rules miss is
// dropped, so a misclassified clear frame cannot slip through: it would go missing.
std::string reload_policy_yaml(const std::string& prohibited_action) {
    std::string y =
        "version: 1\n"
        "site: {name: reload-test}\n"
        "prohibited: [hikvision]\n"
        "camera_vlans: [0, 100]\n"
        "quarantine_vlan: " +
        std::to_string(kQuarantineVlan) +
        "\n"
        "zones:\n"
        "  core: [10.0.0.0/8]\n"
        "rules:\n";
    for (const Device& dev : kDevices) {
        y += "  - {name: " + std::string(dev.rule) +
             ", device: " + (dev.prohibited ? "prohibited" : "clear") + ", vlans: [" +
             std::to_string(dev.vlan < 0 ? 0 : dev.vlan) +
             "], action: " + (dev.prohibited ? prohibited_action : "forward") + "}\n";
    }
    y += "default_action: drop\n";
    return y;
}

std::shared_ptr<const p::PolicySnapshot> load_reload_policy(const std::string& prohibited_action) {
    const fs::path path = fs::temp_directory_path() / ("camfence-reload-" + prohibited_action +
                                                       "-" + std::to_string(getpid()) + ".yaml");
    struct RemovedAfter {
        fs::path path;
        ~RemovedAfter() {
            std::error_code ec;
            fs::remove(path, ec);
        }
    } file{path};
    std::ofstream(path) << reload_policy_yaml(prohibited_action);
    p::LoadOptions opts;
    opts.catalog_override = CAMFENCE_SOURCE_DIR "/config/vendors.yaml";
    return p::load_snapshot(path.string(), 0, opts);
}

// The payload ends with the frame's device index and its sequence number (one counter over
// all devices), so the checker knows what each output frame was and when it was sent.
constexpr std::size_t kTrailer = 12;  // u32 device, u64 sequence, host order

Frame template_frame(std::size_t index) {
    const Device& dev = kDevices[index];
    t::FrameBuilder b(kRouter, dev.mac);
    if (dev.vlan >= 0) b.vlan(static_cast<std::uint16_t>(dev.vlan));
    Frame f = b.ipv4({.src = t::ip4(192, 168, 100, static_cast<std::uint8_t>(10 + index)),
                      .dst = t::ip4(10, 1, 1, 1)})
                  .udp(5000, 554)
                  .payload(kTrailer + 6)
                  .build();
    const auto dev32 = static_cast<std::uint32_t>(index);
    std::memcpy(f.data() + f.size() - kTrailer, &dev32, sizeof dev32);
    return f;
}

// The ring PMD is a DPDK plugin (EAL loads it from its PMD directory); libdpdk's pkg-config
// --libs does not link it, so its one entry point is looked up at run time.
decltype(&rte_eth_from_rings) ring_pmd_from_rings() {
    for (const char* lib : {"librte_net_ring.so", "librte_net_ring.so.23"}) {
        if (void* h = dlopen(lib, RTLD_NOW))
            if (void* f = dlsym(h, "rte_eth_from_rings"))
                return reinterpret_cast<decltype(&rte_eth_from_rings)>(f);
    }
    throw std::runtime_error(std::string("cannot find rte_eth_from_rings in the ring PMD: ") +
                             dlerror());
}

// An ethdev over two rings the test owns: what the worker receives is taken from `rx`, what
// it sends lands in `tx`.
class RingPort {
  public:
    RingPort(const std::string& name, unsigned rx_size, unsigned tx_size, rte_mempool* pool)
        : name_(name) {
        rx_ = rte_ring_create((name + "_rx").c_str(), rx_size, SOCKET_ID_ANY,
                              RING_F_SP_ENQ | RING_F_SC_DEQ);
        tx_ = rte_ring_create((name + "_tx").c_str(), tx_size, SOCKET_ID_ANY,
                              RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (!rx_ || !tx_) throw std::runtime_error("cannot create the rings of " + name);
        int id = ring_pmd_from_rings()(name.c_str(), &rx_, 1, &tx_, 1, rte_socket_id());
        if (id < 0) throw std::runtime_error("rte_eth_from_rings failed for " + name);
        id_ = static_cast<std::uint16_t>(id);
        // Fast-path calls on a port go nowhere until it is started.
        rte_eth_conf conf{};
        if (rte_eth_dev_configure(id_, 1, 1, &conf) != 0 ||
            rte_eth_rx_queue_setup(id_, 0, static_cast<std::uint16_t>(rx_size), rte_socket_id(),
                                   nullptr, pool) != 0 ||
            rte_eth_tx_queue_setup(id_, 0, static_cast<std::uint16_t>(tx_size), rte_socket_id(),
                                   nullptr) != 0 ||
            rte_eth_dev_start(id_) != 0)
            throw std::runtime_error("cannot start ring port " + name);
    }
    ~RingPort() {
        rte_eth_dev_stop(id_);
        rte_eth_dev_close(id_);
        rte_vdev_uninit(("net_ring_" + name_).c_str());
        for (rte_ring* r : {rx_, tx_}) {
            void* m;
            while (r && rte_ring_dequeue(r, &m) == 0)
                rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
            rte_ring_free(r);
        }
    }
    RingPort(const RingPort&) = delete;
    RingPort& operator=(const RingPort&) = delete;

    std::uint16_t id() const { return id_; }
    rte_ring* rx() const { return rx_; }
    rte_ring* tx() const { return tx_; }

  private:
    std::string name_;
    rte_ring* rx_ = nullptr;
    rte_ring* tx_ = nullptr;
    std::uint16_t id_ = 0;
};

// What the daemon does to the data plane on a reload, as Appliance::publish and
// Appliance::fold_bank do it: switch counter banks, publish, and once the grace period is over
// fold the old bank into totals keyed by (action, slot name) under the old policy, then zero it.
class ApplianceMirror {
  public:
    struct Totals {
        std::uint64_t frames = 0, bytes = 0;
    };

    ApplianceMirror(d::StatePublisher& publisher, std::array<d::WorkerCounters*, 2> banks)
        : publisher_(publisher), banks_(banks) {}

    void publish(std::shared_ptr<const p::PolicySnapshot> policy, bool new_bank) {
        std::shared_ptr<const p::PolicySnapshot> old_policy =
            publisher_.current() ? publisher_.current()->policy : nullptr;
        unsigned old_bank = bank_;
        if (new_bank) bank_ ^= 1;
        if (new_bank || !old_policy) ++generation_;
        auto st = std::make_unique<d::DataplaneState>();
        st->policy = std::move(policy);
        st->devices = device_table();
        st->bank = bank_;
        st->generation = generation_;
        publisher_.publish(std::move(st));  // returns after the grace period
        if (new_bank && old_policy) fold_bank(old_bank, *old_policy);
    }

    void fold_bank(unsigned bank, const p::PolicySnapshot& s) {
        d::WorkerCounters& c = *banks_[bank];
        for (std::size_t slot = 0; slot < s.slot_count(); ++slot) {
            if (!c.slots[slot].frames) continue;
            Totals& t = folded_[{slot_action(s, slot), s.slot_name(slot)}];
            t.frames += c.slots[slot].frames;
            t.bytes += c.slots[slot].bytes;
        }
        for (int a = 0; a < p::kActionCount; ++a)
            folded_actions_[a] += c.action_frames[a];
        d::WorkerCounters kept{};
        kept.anomalies = c.anomalies;
        kept.fragments = c.fragments;
        kept.quarantine_no_room = c.quarantine_no_room;
        kept.tx_failed = c.tx_failed;
        c = kept;
    }

    unsigned bank() const { return bank_; }
    std::uint64_t folded(p::Action a, const std::string& slot_name) const {
        auto it = folded_.find({std::string(p::to_string(a)), slot_name});
        return it == folded_.end() ? 0 : it->second.frames;
    }
    const std::map<std::pair<std::string, std::string>, Totals>& folded() const { return folded_; }
    std::uint64_t folded_action(p::Action a) const {
        return folded_actions_[static_cast<std::size_t>(a)];
    }

  private:
    static std::string slot_action(const p::PolicySnapshot& s, std::size_t slot) {
        if (slot < s.rule_actions.size()) return std::string(p::to_string(s.rule_actions[slot]));
        if (slot == s.slot_default()) return std::string(p::to_string(s.default_action));
        if (slot == s.slot_non_camera()) return "forward";
        return "drop";
    }

    // A fresh table per publish, as the daemon builds one: the worker stamps last_seen in the
    // published table, so a table freed too early would be written after free.
    static std::shared_ptr<const d::DeviceTable> device_table() {
        auto table = std::make_shared<d::DeviceTable>(64);
        for (const Device& dev : kDevices)
            table->insert(
                {d::device_key(dev.mac, static_cast<std::uint16_t>(std::max(dev.vlan, 0))), 0, 0});
        return table;
    }

    d::StatePublisher& publisher_;
    std::array<d::WorkerCounters*, 2> banks_;
    unsigned bank_ = 0;
    std::uint64_t generation_ = 0;
    std::map<std::pair<std::string, std::string>, Totals> folded_;
    std::array<std::uint64_t, p::kActionCount> folded_actions_{};
};

// Fills the camera-side rx ring as fast as it takes frames; never drops one: a full ring or an
// empty pool is waited out.
struct Generator {
    rte_mempool* pool;
    rte_ring* ring;
    const std::vector<Frame>* templates;
    std::uint64_t max_frames;
    std::atomic<bool> stop{false};

    std::uint64_t frames = 0;
    std::array<std::uint64_t, kDevices.size()> per_device{};
    std::uint64_t ring_full = 0, pool_empty = 0;

    void run() {
        std::uint64_t x = 0x9e3779b97f4a7c15ULL;  // xorshift: devices mixed within bursts
        rte_mbuf* burst[d::kBurstSize];
        while (!stop.load(std::memory_order_relaxed) && frames + d::kBurstSize <= max_frames) {
            if (rte_pktmbuf_alloc_bulk(pool, burst, d::kBurstSize) != 0) {
                ++pool_empty;
                std::this_thread::yield();
                continue;
            }
            for (rte_mbuf* m : burst) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                const std::size_t dev = (x >> 32) % kDevices.size();
                const Frame& f = (*templates)[dev];
                auto* data = rte_pktmbuf_mtod(m, std::byte*);
                rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size()));
                std::memcpy(data, f.data(), f.size());
                const std::uint64_t seq = frames++;
                std::memcpy(data + f.size() - sizeof seq, &seq, sizeof seq);
                ++per_device[dev];
            }
            unsigned sent = 0;
            while (sent < d::kBurstSize) {
                sent += rte_ring_sp_enqueue_burst(ring, reinterpret_cast<void**>(burst + sent),
                                                  d::kBurstSize - sent, nullptr);
                if (sent < d::kBurstSize) {
                    ++ring_full;
                    std::this_thread::yield();
                }
            }
        }
    }
};

// Drains the core-side tx ring and checks each frame against what its device may look like
// on the way out. Catch2 assertions are not thread-safe: findings are counted here and
// asserted by the test once the thread is joined.
struct Checker {
    rte_ring* ring;
    std::vector<Frame> expected;  // by device: forwarded as sent, or quarantined
    std::uint64_t max_frames;
    std::atomic<bool> done{false};  // set once nothing more can arrive

    std::uint64_t frames = 0;
    std::array<std::uint64_t, kDevices.size()> per_device{};
    std::uint64_t malformed = 0, duplicates = 0, out_of_order = 0, clear_out_of_order = 0;
    std::string first_error{};

    void fail(std::uint64_t& counter, const std::string& what) {
        if (!counter++ && first_error.empty()) first_error = what;
    }

    void run() {
        std::vector<std::uint64_t> seen(max_frames / 64 + 1);
        std::int64_t last = -1;
        std::array<std::int64_t, kDevices.size()> last_of{};
        last_of.fill(-1);
        void* objs[64];
        for (;;) {
            const bool finished = done.load(std::memory_order_acquire);
            unsigned n = rte_ring_sc_dequeue_burst(ring, objs, 64, nullptr);
            if (n == 0) {
                if (finished) break;
                std::this_thread::yield();
                continue;
            }
            for (unsigned i = 0; i < n; ++i)
                check(static_cast<rte_mbuf*>(objs[i]), seen, last, last_of);
            rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
        }
    }

    void check(const rte_mbuf* m, std::vector<std::uint64_t>& seen, std::int64_t& last,
               std::array<std::int64_t, kDevices.size()>& last_of) {
        ++frames;
        const std::size_t len = rte_pktmbuf_data_len(m);
        const auto* data = rte_pktmbuf_mtod(m, const std::byte*);
        if (m->nb_segs != 1 || rte_pktmbuf_pkt_len(m) != len || len < kTrailer) {
            fail(malformed, "frame " + std::to_string(frames) + ": unexpected shape");
            return;
        }
        std::uint32_t dev;
        std::uint64_t seq;
        std::memcpy(&dev, data + len - kTrailer, sizeof dev);
        std::memcpy(&seq, data + len - sizeof seq, sizeof seq);
        // The whole frame but its sequence number: a prohibited device only ever quarantined
        // (VLAN 999), a clear one exactly as sent.
        if (dev >= kDevices.size() || seq >= max_frames || expected[dev].size() != len ||
            std::memcmp(expected[dev].data(), data, len - sizeof seq) != 0) {
            fail(malformed, "frame " + std::to_string(frames) + " (device " + std::to_string(dev) +
                                ", seq " + std::to_string(seq) + ", " + std::to_string(len) +
                                " bytes): not what the policies allow for its device");
            return;
        }
        std::uint64_t& word = seen[seq / 64];
        const std::uint64_t bit = 1ULL << (seq % 64);
        if (word & bit) {
            fail(duplicates, "seq " + std::to_string(seq) + " arrived twice");
            return;
        }
        word |= bit;
        ++per_device[dev];
        const auto s = static_cast<std::int64_t>(seq);
        // One worker, one queue, egress in arrival order: every frame keeps its place.
        if (s < last)
            fail(out_of_order, "seq " + std::to_string(seq) + " after " + std::to_string(last));
        if (!kDevices[dev].prohibited && s < last_of[dev])
            fail(clear_out_of_order, "clear device " + std::to_string(dev) + ": seq " +
                                         std::to_string(seq) + " after " +
                                         std::to_string(last_of[dev]));
        last = std::max(last, s);
        last_of[dev] = std::max(last_of[dev], s);
    }
};

}  // namespace

TEST_CASE("hot policy reloads under load lose, duplicate and misroute nothing",
          "[worker][reload]") {
    constexpr unsigned kPoolSize = 8191;
    // Generation runs this long (not asserted on: the machine is shared), or up to a frame cap
    // that bounds the checker's bitmap.
    constexpr auto kRunTime = std::chrono::seconds(4);
    constexpr std::uint64_t kMaxFrames = 64ULL << 20;

    t::init_eal_once();
    const auto policy_a = load_reload_policy("drop");
    const auto policy_b = load_reload_policy("quarantine");
    REQUIRE(policy_a->quarantine_vlan == kQuarantineVlan);
    for (const Device& dev : kDevices) {
        // Both policies count a device in the same slot, under its own rule.
        const auto at = [&](const p::PolicySnapshot& s) {
            return std::find(s.rule_names.begin(), s.rule_names.end(), dev.rule) -
                   s.rule_names.begin();
        };
        REQUIRE(at(*policy_a) == at(*policy_b));
    }

    std::vector<Frame> templates, expected;
    for (std::size_t i = 0; i < kDevices.size(); ++i) {
        templates.push_back(template_frame(i));
        expected.push_back(kDevices[i].prohibited ? t::quarantined(templates[i], kQuarantineVlan)
                                                  : templates[i]);
    }

    rte_mempool* pool = d::create_mempool("reload_test", kPoolSize);
    auto counters = std::make_unique<std::array<d::WorkerCounters, 2>>();
    std::uint64_t reloads = 0, table_refreshes = 0, baseline = 0, after = 0;
    Generator gen{pool, nullptr, &templates, kMaxFrames};
    Checker checker{nullptr, expected, kMaxFrames};
    std::array<std::uint64_t, 4> leftover{};  // rings that must end empty
    double seconds = 0;
    std::unique_ptr<ApplianceMirror> daemon;
    std::uint64_t worker_loops = 0;
    {
        // The camera side's rx ring is what the generator fills; the core side's tx ring can
        // hold every mbuf of the pool, so the worker's tx never fails. Nothing is sent toward
        // the cameras: their tx ring must stay empty.
        RingPort cam("reload_cam", 1024, 64, pool);
        RingPort core("reload_core", 64, kPoolSize + 1, pool);
        baseline = rte_mempool_avail_count(pool);
        REQUIRE(baseline == kPoolSize);

        d::StatePublisher publisher(1);
        daemon = std::make_unique<ApplianceMirror>(
            publisher, std::array<d::WorkerCounters*, 2>{&(*counters)[0], &(*counters)[1]});
        daemon->publish(policy_a, false);  // as at start-up, before the worker runs
        const std::vector<d::WorkerPath> paths = {
            {cam.id(), 0, core.id(), 0, {d::DirectionSource::upstream_port}},
            {core.id(), 0, cam.id(), 0, {d::DirectionSource::downstream_port}},
        };
        std::atomic<bool> stop{false};
        d::WorkerContext ctx{publisher.slot(),
                             publisher.rcu(),
                             0,
                             paths,
                             {&(*counters)[0], &(*counters)[1]},
                             nullptr,
                             &stop};
        const unsigned lcore = rte_get_next_lcore(-1, 1, 0);
        REQUIRE(lcore < RTE_MAX_LCORE);
        REQUIRE(rte_eal_remote_launch(d::worker_main, &ctx, lcore) == 0);

        // From here to the joins nothing may throw: no REQUIRE.
        gen.ring = cam.rx();
        checker.ring = core.tx();
        std::thread checker_thread([&] { checker.run(); });
        std::thread gen_thread([&] { gen.run(); });

        // A, B, A, B... each a reload with a bank switch; every third one followed by a
        // device-table refresh (same policy, same bank), as the daemon's housekeeping does.
        // Paced irregularly, sometimes back to back.
        const auto start = Clock::now();
        std::uint64_t x = 0x2545f4914f6cdd1dULL;
        while (Clock::now() - start < kRunTime) {
            const bool to_b = reloads % 2 == 0;
            daemon->publish(to_b ? policy_b : policy_a, true);
            ++reloads;
            if (reloads % 3 == 0) {
                daemon->publish(to_b ? policy_b : policy_a, false);
                ++table_refreshes;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const auto pause = std::chrono::microseconds(x % 1200);
            if (pause > std::chrono::microseconds(200)) std::this_thread::sleep_for(pause);
        }
        gen.stop = true;
        gen_thread.join();
        seconds = std::chrono::duration<double>(Clock::now() - start).count();
        // The worker drains what its rx queues still hold before it returns.
        stop = true;
        rte_eal_wait_lcore(lcore);
        worker_loops = ctx.loops.load();
        checker.done.store(true, std::memory_order_release);
        checker_thread.join();

        // Everything counted so far in the bank in force, as a last reload would fold it.
        daemon->fold_bank(daemon->bank(), *publisher.current()->policy);
        leftover = {rte_ring_count(cam.rx()), rte_ring_count(cam.tx()), rte_ring_count(core.rx()),
                    rte_ring_count(core.tx())};
        after = rte_mempool_avail_count(pool);
    }
    rte_mempool_free(pool);

    std::uint64_t gen_prohibited = 0, recv_prohibited = 0;
    for (std::size_t i = 0; i < kDevices.size(); ++i) {
        if (!kDevices[i].prohibited) continue;
        gen_prohibited += gen.per_device[i];
        recv_prohibited += checker.per_device[i];
    }
    const std::uint64_t dropped = daemon->folded_action(p::Action::drop);
    const std::uint64_t quarantines = daemon->folded_action(p::Action::quarantine);
    std::uint64_t tx_failed = 0, no_room = 0, anomalies = 0;
    for (const auto& c : *counters) {
        tx_failed += c.tx_failed;
        no_room += c.quarantine_no_room;
        anomalies += c.anomalies;
    }
    char figures[640];
    std::snprintf(
        figures, sizeof figures,
        "reload under load: %llu frames in %.2f s (%.2f Mpps offered and checked), "
        "%llu reloads + %llu table refreshes, worker loops %llu\n"
        "  received %llu, dropped %llu, quarantined %llu, tx_failed %llu; "
        "generator waits: ring full %llu, pool empty %llu\n"
        "  mempool available: %llu before, %llu after",
        static_cast<unsigned long long>(gen.frames), seconds,
        seconds > 0 ? static_cast<double>(gen.frames) / seconds / 1e6 : 0.0,
        static_cast<unsigned long long>(reloads), static_cast<unsigned long long>(table_refreshes),
        static_cast<unsigned long long>(worker_loops),
        static_cast<unsigned long long>(checker.frames), static_cast<unsigned long long>(dropped),
        static_cast<unsigned long long>(quarantines), static_cast<unsigned long long>(tx_failed),
        static_cast<unsigned long long>(gen.ring_full),
        static_cast<unsigned long long>(gen.pool_empty), static_cast<unsigned long long>(baseline),
        static_cast<unsigned long long>(after));
    WARN(figures);

    // Every frame the checker saw was right, once, in order.
    INFO("checker: " << checker.first_error);
    CHECK(checker.malformed == 0);
    CHECK(checker.duplicates == 0);
    CHECK(checker.out_of_order == 0);
    CHECK(checker.clear_out_of_order == 0);

    // Every generated frame is accounted for: received, or counted as dropped.
    CHECK(gen.frames == checker.frames + dropped);
    CHECK(tx_failed == 0);
    CHECK(no_room == 0);
    CHECK(anomalies == 0);
    CHECK(leftover == std::array<std::uint64_t, 4>{});
    // Both policies were in force while frames flowed, and each bank was folded under the
    // policy that filled it: every quarantine counted is a frame that left tagged 999.
    CHECK(dropped > 0);
    CHECK(quarantines > 0);
    CHECK(quarantines == recv_prohibited);
    CHECK(daemon->folded_action(p::Action::forward) == checker.frames - recv_prohibited);
    CHECK(gen_prohibited == recv_prohibited + dropped);

    // Per device, from the rule slot that counts it.
    std::uint64_t in_rule_slots = 0;
    for (std::size_t i = 0; i < kDevices.size(); ++i) {
        const Device& dev = kDevices[i];
        INFO("device " << dev.rule << ": generated " << gen.per_device[i] << ", received "
                       << checker.per_device[i]);
        const std::uint64_t slot_drops = daemon->folded(p::Action::drop, dev.rule);
        const std::uint64_t slot_quarantines = daemon->folded(p::Action::quarantine, dev.rule);
        const std::uint64_t slot_forwards = daemon->folded(p::Action::forward, dev.rule);
        CHECK(gen.per_device[i] > 0);
        CHECK(gen.per_device[i] == checker.per_device[i] + slot_drops);
        if (dev.prohibited) {
            CHECK(slot_quarantines == checker.per_device[i]);
            CHECK(slot_forwards == 0);
        } else {
            CHECK(slot_forwards == checker.per_device[i]);
            CHECK(slot_drops == 0);
            CHECK(slot_quarantines == 0);
        }
        in_rule_slots += slot_drops + slot_quarantines + slot_forwards;
    }
    // Nothing fell through to the default, non-camera or malformed slots.
    std::uint64_t in_any_slot = 0;
    for (const auto& [key, totals] : daemon->folded())
        in_any_slot += totals.frames;
    CHECK(in_rule_slots == gen.frames);
    CHECK(in_any_slot == gen.frames);

    // Every mbuf came back.
    CHECK(after == baseline);
}
