// The live worker loop (dataplane/io/worker.cc) on real DPDK ports: a camera-side and a
// core-side net_pcap port, bridged in both directions by one worker lcore, with direction
// taken from the port a frame arrives on (not from zones, as in the audit). Each port reads
// its input capture and writes what leaves through it; the test checks those captures frame
// by frame and the worker's counters.
#define CATCH_CONFIG_RUNNER
#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/io/port.h"
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

constexpr std::uint64_t kHik = 0x4419b6102030;   // Hikvision MA-L: prohibited
constexpr std::uint64_t kAxis = 0x00408c102030;  // Axis: clear
constexpr std::uint64_t kRouter = 0x001b21aabb01;

void write_pcap(const fs::path& path, const std::vector<Frame>& frames) {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* out = pcap_dump_open(dead, path.c_str());
    REQUIRE(out);
    for (const auto& f : frames) {
        pcap_pkthdr h{};
        h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
        pcap_dump(reinterpret_cast<u_char*>(out), &h, reinterpret_cast<const u_char*>(f.data()));
    }
    pcap_dump_close(out);
    pcap_close(dead);
}

std::vector<Frame> read_pcap(const fs::path& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* in = pcap_open_offline(path.c_str(), err);
    REQUIRE(in);
    std::vector<Frame> frames;
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(in, &h, &data) == 1) {
        const auto* b = reinterpret_cast<const std::byte*>(data);
        frames.emplace_back(b, b + h->caplen);
    }
    pcap_close(in);
    return frames;
}

Frame ipv4(std::uint64_t dst, std::uint64_t src, std::uint32_t dst_ip, std::uint32_t src_ip,
           std::optional<std::uint16_t> vlan = {}) {
    t::FrameBuilder b(dst, src);
    if (vlan) b.vlan(*vlan);
    return b.ipv4({.src = src_ip, .dst = dst_ip}).udp(5000, 554).payload(18).build();
}

}  // namespace

TEST_CASE("the worker bridges camera and core ports, enforcing by port direction", "[worker]") {
    auto snap = p::load_snapshot(CAMFENCE_SOURCE_DIR "/config/policy.yaml", 0);
    const std::uint16_t q = snap->quarantine_vlan;
    const fs::path dir =
        fs::temp_directory_path() / ("camfence-worker-" + std::to_string(getpid()));
    fs::create_directories(dir);

    const std::uint32_t cam_ip = t::ip4(192, 168, 110, 21), core_ip = t::ip4(10, 1, 1, 1);
    const std::uint32_t nvr_ip = t::ip4(172, 16, 50, 10), internet = t::ip4(203, 0, 113, 80);
    // Camera side -> core side (upstream by port).
    const std::vector<Frame> cam_in = {
        ipv4(kRouter, kHik, core_ip, cam_ip, 110),    // prohibited to core: drop
        ipv4(kRouter, kHik, internet, cam_ip, 110),   // prohibited elsewhere: quarantine
        ipv4(kRouter, kAxis, core_ip, cam_ip),        // clear: forward
        ipv4(kRouter, kHik, nvr_ip, cam_ip),          // prohibited to nvr, untagged: quarantine
        ipv4(kRouter, kAxis, internet, cam_ip, 300),  // not a camera VLAN: forward untouched
    };
    // Core side -> camera side (downstream by port). The internet -> Hikvision frame has no
    // zone on either side: by zones it would count as upstream (device = its source, the
    // router); by port it is downstream and its device is the Hikvision camera.
    const std::vector<Frame> core_in = {
        ipv4(kHik, kRouter, cam_ip, core_ip, 110),         // core -> prohibited: drop
        ipv4(kAxis, kRouter, cam_ip, core_ip),             // core -> clear: forward
        ipv4(kHik, kRouter, cam_ip, internet, 110),        // internet -> prohibited: quarantine
        ipv4(t::kBroadcastMac, kRouter, cam_ip, core_ip),  // broadcast: no device, forward
    };
    write_pcap(dir / "cam_in.pcap", cam_in);
    write_pcap(dir / "core_in.pcap", core_in);

    auto counters = std::make_unique<d::WorkerCounters>();
    {
        t::init_eal_once();
        rte_mempool* pool = d::create_mempool("worker_test", 1023);
        d::Port cam("cam0",
                    "net_pcap0,rx_pcap=" + (dir / "cam_in.pcap").string() +
                        ",tx_pcap=" + (dir / "cam_out.pcap").string(),
                    pool);
        d::Port core("core0",
                     "net_pcap1,rx_pcap=" + (dir / "core_in.pcap").string() +
                         ",tx_pcap=" + (dir / "core_out.pcap").string(),
                     pool);
        d::StatePublisher publisher(4);
        publisher.publish(
            std::make_unique<d::DataplaneState>(d::DataplaneState{snap, nullptr, 0, 1}));
        std::atomic<bool> stop{false};
        const std::vector<d::WorkerPath> paths = {
            {cam.id(), 0, core.id(), 0, {d::DirectionSource::upstream_port}},
            {core.id(), 0, cam.id(), 0, {d::DirectionSource::downstream_port}},
        };
        d::WorkerContext ctx{publisher.slot(),
                             publisher.rcu(),
                             0,
                             paths,
                             {counters.get(), counters.get()},
                             nullptr,
                             &stop};
        unsigned lcore = rte_get_next_lcore(-1, 1, 0);
        REQUIRE(lcore < RTE_MAX_LCORE);
        REQUIRE(rte_eal_remote_launch(d::worker_main, &ctx, lcore) == 0);
        // Every input frame is counted once it has been acted on.
        const std::uint64_t total = cam_in.size() + core_in.size();
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        auto acted = [&] {
            const auto& a = counters->action_frames;
            return d::read_counter(a[0]) + d::read_counter(a[1]) + d::read_counter(a[2]);
        };
        while (acted() < total && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        stop = true;
        rte_eal_mp_wait_lcore();
        CHECK(ctx.loops.load() > 0);
    }  // ports closed: the output captures are flushed

    const auto& c = *counters;
    CHECK(c.action_frames[0] == 4);  // Axis up, untagged VLAN 300 up, Axis down, broadcast
    CHECK(c.action_frames[1] == 2);  // Hikvision to core, core to Hikvision
    CHECK(c.action_frames[2] == 3);
    CHECK(c.tx_failed == 0);
    CHECK(c.slots[snap->slot_non_camera()].frames == 1);

    const std::vector<Frame> want_core_out = {t::quarantined(cam_in[1], q), cam_in[2],
                                              t::quarantined(cam_in[3], q), cam_in[4]};
    const std::vector<Frame> want_cam_out = {core_in[1], t::quarantined(core_in[2], q), core_in[3]};
    CHECK(read_pcap(dir / "core_out.pcap") == want_core_out);
    CHECK(read_pcap(dir / "cam_out.pcap") == want_cam_out);
    fs::remove_all(dir);
}

int main(int argc, char** argv) {
    return Catch::Session().run(argc, argv);
}
