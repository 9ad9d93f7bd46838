#include "daemon/audit.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "daemon/audit_report.h"
#include "dataplane/io/eal.h"
#include "dataplane/io/pipeline.h"
#include "dataplane/io/port.h"
#include "policy/snapshot.h"

namespace camfence::daemon {
namespace {

using dataplane::kBurstSize;

bool looks_like_capture(const std::string& path, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = "cannot open " + path;
        return false;
    }
    unsigned char m[4] = {};
    if (!in.read(reinterpret_cast<char*>(m), 4)) {
        why = path + " is too short to be a capture";
        return false;
    }
    std::uint32_t magic = (std::uint32_t{m[0]} << 24) | (m[1] << 16) | (m[2] << 8) | m[3];
    if (magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1 || magic == 0xa1b23c4d || magic == 0x4d3cb2a1 ||
        magic == 0x0a0d0d0a)
        return true;
    why = path + " is not a pcap or pcapng capture";
    return false;
}

// net_pcap takes its file names in a kvargs string: refuse the separators it cannot escape.
bool safe_for_devargs(const std::string& path) {
    return path.find_first_of(",=") == std::string::npos;
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
    if (!looks_like_capture(o.input_pcap, why)) {
        std::cerr << "camfenced: " << why << "\n";
        return 2;
    }
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
        for (;;) {
            std::uint16_t n = rte_eth_rx_burst(in.id(), 0, burst, kBurstSize);
            if (n == 0) break;  // net_pcap returns 0 only at the end of the file
            dataplane::process_burst(*snap, burst, n, dataplane::DirectionSource::zones, *counters,
                                     buckets, &detail);
            for (std::uint16_t i = 0; i < n; ++i)
                report.record(parsed[i], verdicts[i], rte_pktmbuf_pkt_len(burst[i]));
            for (int a = 0; a < policy::kActionCount; ++a) {
                if (out[a])
                    dataplane::send_or_free(out[a]->id(), 0, buckets.frames[a].data(),
                                            buckets.count[a], *counters);
                else
                    rte_pktmbuf_free_bulk(buckets.frames[a].data(), buckets.count[a]);
            }
        }
        rte_eth_stats stats{};
        rte_eth_stats_get(in.id(), &stats);
        if (stats.rx_nombuf != 0) {
            std::cerr
                << "camfenced: " << stats.rx_nombuf
                << " frames could not be read (mbuf pool exhausted); report would be incomplete\n";
            return 2;
        }
        report.finish(*counters);
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
