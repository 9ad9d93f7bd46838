#include "daemon/audit.h"

#include <pcap/pcap.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "daemon/audit_report.h"
#include "daemon/registry.h"
#include "dataplane/fingerprint/dispatch.h"
#include "dataplane/io/eal.h"
#include "dataplane/io/pipeline.h"
#include "dataplane/io/port.h"
#include "policy/snapshot.h"

namespace camfence::daemon {
namespace {

using dataplane::kBurstSize;

// What libpcap makes of the capture before DPDK reads it: net_pcap neither checks the link
// type nor tells a cut-off file from a clean end, so both are established here.
struct CaptureScan {
    std::uint64_t frames = 0;
    bool truncated = false;  // the file ends inside a record
    std::string truncation;  // libpcap's words for it
};

std::optional<CaptureScan> scan_capture(const std::string& path, std::string& why) {
    if (!std::ifstream(path, std::ios::binary)) {
        why = "cannot open " + path;
        return std::nullopt;
    }
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (!p) {
        why = path + " is not a pcap or pcapng capture (libpcap: " + err + ")";
        return std::nullopt;
    }
    CaptureScan scan;
    if (int link = pcap_datalink(p); link != DLT_EN10MB) {
        const char* name = pcap_datalink_val_to_name(link);
        why = path + ": link type " + std::to_string(link) + " (" + (name ? name : "?") +
              ") is not Ethernet; capture on the edge interface itself, not with -i any";
        pcap_close(p);
        return std::nullopt;
    }
    pcap_pkthdr* h;
    const u_char* data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1)
        ++scan.frames;
    if (rc == -1) {
        scan.truncated = true;
        scan.truncation = pcap_geterr(p);
    }
    pcap_close(p);
    return scan;
}

// net_pcap takes its file names in a kvargs string: refuse the separators it cannot escape.
bool safe_for_devargs(const std::string& path) {
    return path.find_first_of(",=") == std::string::npos;
}

// Runs the fingerprint parsers over a camera-side frame and gives what they find to the
// registry. True if a device's verdict changed (the device table must be rebuilt).
bool take_evidence(const policy::PolicySnapshot& snap, fingerprint::Bytes bytes,
                   std::uint64_t frame_no, DeviceRegistry& registry,
                   std::vector<fingerprint::Observation>& obs, std::vector<SeenField>& seen) {
    dataplane::ParsedFrame f = dataplane::parse_frame(bytes);
    if (f.flags & dataplane::kRunt) return false;
    int tag = dataplane::camera_tag(snap, f);
    if (tag == dataplane::kNotCameraTraffic) return false;
    policy::Direction dir = dataplane::direction_by_zones(snap, f);
    auto kind = fingerprint::punt_kind(f, bytes, dir);
    if (kind == fingerprint::PuntKind::none) return false;
    std::uint64_t mac = dir == policy::Direction::upstream ? f.src_mac : f.dst_mac;
    if ((mac >> 40) & 0x01) return false;  // a group address is no device
    obs.clear();
    fingerprint::observe(kind, f, bytes, obs);
    if (obs.empty()) return false;
    seen.clear();
    for (const auto& o : obs)
        seen.push_back({std::string(fingerprint::to_string(o.protocol)), o.field, o.value});
    std::uint16_t vlan = tag < 0 ? 0 : f.vlan[tag];
    bool suspect = false;
    auto change = registry.observe_protocol(mac, vlan, 0, frame_no, seen, snap, suspect);
    return change && change->to == policy::DeviceClass::prohibited;
}

// The fast path's device table holding the registry's sticky verdicts.
std::shared_ptr<dataplane::DeviceTable> sticky_table(const DeviceRegistry& registry) {
    auto t = std::make_shared<dataplane::DeviceTable>(2 * registry.size() + 16);
    constexpr auto kSticky = dataplane::DeviceSlot::kStickyProhibited;
    for (const auto& [key, d] : registry.devices())
        if (d.sticky) {
            t->insert({dataplane::device_key(d.mac, d.vlan), kSticky, 0});
            t->insert({dataplane::device_key(d.mac, dataplane::kAnyVlan), kSticky, 0});
        }
    return t;
}

}  // namespace

int run_audit(const AuditOptions& o) {
    std::shared_ptr<const policy::PolicySnapshot> snap;
    try {
        snap = policy::load_snapshot(o.policy_path, o.evaluate_at, o.load);
    } catch (const policy::PolicyError& e) {
        std::cerr << e.what() << "policy rejected: nothing was audited\n";
        return 1;
    }
    std::string why;
    auto scan = scan_capture(o.input_pcap, why);
    if (!scan) {
        std::cerr << "camfenced: " << why << "\n";
        return 2;
    }
    if (scan->truncated)
        std::cerr << "camfenced: warning: " << o.input_pcap << " is cut off after frame "
                  << scan->frames << " (" << scan->truncation
                  << "); auditing the frames before the cut\n";
    for (const auto* p : {&o.input_pcap, &o.pcap_out_dir})
        if (!safe_for_devargs(*p)) {
            std::cerr << "camfenced: path '" << *p
                      << "' contains ',' or '=', which DPDK cannot take\n";
            return 2;
        }
    if (!o.pcap_out_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(o.pcap_out_dir, ec);
        if (ec) {
            std::cerr << "camfenced: cannot create " << o.pcap_out_dir << ": " << ec.message()
                      << "\n";
            return 2;
        }
    }
    for (const auto& w : snap->warnings)
        std::cerr << "warning: " << w << "\n";

    AuditReport report(*snap, o.policy_path, o.input_pcap);
    try {
        dataplane::Eal eal(dataplane::default_eal_args(256));
        rte_mempool* pool = dataplane::create_mempool("audit_pool", 8191);
        dataplane::Port in("capture", "net_pcap0,rx_pcap=" + o.input_pcap, pool);
        std::unique_ptr<dataplane::Port> out[policy::kActionCount];
        if (!o.pcap_out_dir.empty()) {
            for (int a = 0; a < policy::kActionCount; ++a) {
                std::string name(policy::to_string(static_cast<policy::Action>(a)));
                out[a] = std::make_unique<dataplane::Port>(name,
                                                           "net_pcap" + std::to_string(a + 1) +
                                                               ",tx_pcap=" + o.pcap_out_dir + "/" +
                                                               name + ".pcap",
                                                           pool);
            }
        }
        auto counters = std::make_unique<dataplane::WorkerCounters>();
        dataplane::ActionBuckets buckets;
        std::array<dataplane::ParsedFrame, kBurstSize> parsed;
        std::array<dataplane::FrameVerdict, kBurstSize> verdicts;
        dataplane::BurstDetail detail{parsed.data(), verdicts.data()};
        rte_mbuf* burst[kBurstSize];
        dataplane::BurstContext bc;
        bc.policy = snap.get();
        bc.path.direction = dataplane::DirectionSource::zones;
        bc.counters = counters.get();
        // Protocol fingerprints, as live: the audit's own device registry takes the evidence,
        // and a device proven prohibited is enforced from its evidence frame on (the frames
        // are classified one at a time for that, so the result is deterministic).
        DeviceRegistry registry(std::size_t{1} << 22);
        std::shared_ptr<dataplane::DeviceTable> table;
        std::vector<fingerprint::Observation> obs;
        std::vector<SeenField> seen;
        std::uint64_t frame_no = 0;
        for (;;) {
            std::uint16_t n = rte_eth_rx_burst(in.id(), 0, burst, kBurstSize);
            if (n == 0) break;  // net_pcap returns 0 only at the end of the file
            for (std::uint16_t i = 0; i < n; ++i) {
                ++frame_no;
                rte_mbuf* m = burst[i];
                fingerprint::Bytes bytes{rte_pktmbuf_mtod(m, const std::byte*),
                                         rte_pktmbuf_data_len(m)};
                if (take_evidence(*snap, bytes, frame_no, registry, obs, seen)) {
                    table = sticky_table(registry);
                    bc.devices = table.get();
                }
                dataplane::process_burst(bc, &m, 1, buckets, &detail);
                report.record(parsed[0], verdicts[0], rte_pktmbuf_pkt_len(m));
                for (int a = 0; a < policy::kActionCount; ++a) {
                    if (out[a])
                        dataplane::send_or_free(out[a]->id(), 0, buckets.frames[a].data(),
                                                buckets.count[a], *counters);
                    else
                        rte_pktmbuf_free_bulk(buckets.frames[a].data(), buckets.count[a]);
                }
            }
        }
        report.add_protocol_findings(registry);
        rte_eth_stats stats{};
        rte_eth_stats_get(in.id(), &stats);
        if (stats.rx_nombuf != 0) {
            std::cerr
                << "camfenced: " << stats.rx_nombuf
                << " frames could not be read (mbuf pool exhausted); report would be incomplete\n";
            return 2;
        }
        if (report.frames() != scan->frames) {
            std::cerr << "camfenced: read " << report.frames() << " frames from " << o.input_pcap
                      << " but the capture holds " << scan->frames
                      << "; report would be incomplete\n";
            return 2;
        }
        if (counters->tx_failed) {
            std::cerr << "camfenced: " << counters->tx_failed
                      << " frames could not be written to the output captures\n";
            return 2;
        }
        report.finish(*counters, scan->truncated);
        for (auto& p : out)
            p.reset();  // flush and close the output captures
    } catch (const std::exception& e) {
        std::cerr << "camfenced: " << e.what() << "\n";
        return 2;
    }
    std::ofstream rep(o.report_path, std::ios::trunc);
    if (!rep || !(rep << report.json() << "\n")) {
        std::cerr << "camfenced: cannot write report " << o.report_path << "\n";
        return 2;
    }
    rep.close();
    if (!o.quiet) std::cout << report.summary();
    return 0;
}

}  // namespace camfence::daemon
