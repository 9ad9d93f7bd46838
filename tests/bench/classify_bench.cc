// classify_bench: parse + classify every frame of a capture ROUNDS times, in memory, no
// DPDK. Run under `valgrind --tool=callgrind` for a noise-free instructions-per-frame figure
// (scripts/bench.sh does), or plainly for a rough ns/frame.
#include <pcap/pcap.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/classify/classifier.h"
#include "dataplane/parse/frame.h"
#include "policy/snapshot.h"

using namespace camfence;

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: classify_bench POLICY.yaml CAPTURE.pcap ROUNDS\n");
        return 2;
    }
    auto snap = policy::load_snapshot(argv[1], 0);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(argv[2], err);
    if (!p) {
        std::fprintf(stderr, "%s\n", err);
        return 2;
    }
    std::vector<std::vector<std::byte>> frames;
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(p, &h, &data) == 1) {
        std::vector<std::byte> f(h->caplen);
        std::memcpy(f.data(), data, h->caplen);
        frames.push_back(std::move(f));
    }
    pcap_close(p);
    int rounds = std::stoi(argv[3]);
    std::uint64_t actions[3] = {};
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r) {
        for (const auto& f : frames) {
            dataplane::ParsedFrame pf = dataplane::parse_frame(f);
            dataplane::FrameVerdict v =
                dataplane::classify_frame(*snap, pf, policy::Direction::upstream);
            actions[static_cast<int>(v.action)]++;
        }
    }
    auto ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    std::uint64_t n = frames.size() * static_cast<std::uint64_t>(rounds);
    std::printf("frames %llu forward %llu drop %llu quarantine %llu  %.1f ns/frame\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(actions[0]),
                static_cast<unsigned long long>(actions[1]),
                static_cast<unsigned long long>(actions[2]), ns / static_cast<double>(n));
    return 0;
}
