#include "dataplane/io/pipeline.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dataplane/classify/vlan_rewrite.h"

namespace camfence::dataplane {

namespace {

// Enough for Ethernet, four tags, IPv6 with a few extension headers and the L4 ports.
constexpr std::uint16_t kHeaderBytes = 192;

// One instantiation per direction source, so the per-frame loop carries no test of it.
template <DirectionSource kSource>
void process(const policy::PolicySnapshot& s, rte_mbuf* const* frames, std::uint16_t n,
             WorkerCounters& c, ActionBuckets& out, const BurstDetail* detail) noexcept {
    out.count = {};
    out.egress_count = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
        if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(frames[i + 1], void*));
        rte_mbuf* m = frames[i];
        // The parser reads the first segment only. A NIC that scatters a frame so that the
        // headers straddle segments (a tiny first segment) gets it gathered first; if the
        // segment has no room, the frame is classified on what it holds.
        if (m->nb_segs > 1 && rte_pktmbuf_data_len(m) < kHeaderBytes &&
            rte_pktmbuf_data_len(m) < rte_pktmbuf_pkt_len(m)) [[unlikely]]
            rte_pktmbuf_linearize(m);
        auto* data = rte_pktmbuf_mtod(m, std::byte*);
        ParsedFrame f = parse_frame({data, rte_pktmbuf_data_len(m)});
        Direction dir;
        if constexpr (kSource == DirectionSource::upstream_port)
            dir = Direction::upstream;
        else if constexpr (kSource == DirectionSource::downstream_port)
            dir = Direction::downstream;
        else
            dir = direction_by_zones(s, f);
        FrameVerdict v = classify_frame(s, f, dir);
        if (v.action == Action::quarantine) {
            if (v.vlan_tag >= 0) {
                retag_camera_vlans(s, f, v.vlan_tag, {data, rte_pktmbuf_data_len(m)});
            } else if (auto* grown = rte_pktmbuf_prepend(m, kVlanTagLen)) {
                insert_tag({reinterpret_cast<std::byte*>(grown), rte_pktmbuf_data_len(m)},
                           s.quarantine_vlan);
            } else {
                // Forwarding it untagged would let it onto the segment it is kept off.
                ++c.quarantine_no_room;
                v.action = Action::drop;
            }
        }
        const auto a = static_cast<std::size_t>(v.action);
        const std::uint32_t bytes = rte_pktmbuf_pkt_len(m);
        c.slots[v.slot].frames += 1;
        c.slots[v.slot].bytes += bytes;
        c.action_frames[a] += 1;
        c.action_bytes[a] += bytes;
        if (f.flags) [[unlikely]] {
            c.anomalies +=
                (f.flags & (kTruncated | kBadHeader | kTooManyTags | kTooManyExtHeaders)) != 0;
            c.fragments += (f.flags & kFragment) != 0;
        }
        out.frames[a][out.count[a]++] = m;
        if (v.action != Action::drop) out.egress[out.egress_count++] = m;
        if (detail) {
            detail->parsed[i] = f;
            detail->verdicts[i] = v;
        }
    }
}

}  // namespace

void process_burst(const policy::PolicySnapshot& s, rte_mbuf* const* frames, std::uint16_t n,
                   DirectionSource source, WorkerCounters& c, ActionBuckets& out,
                   const BurstDetail* detail) noexcept {
    switch (source) {
        case DirectionSource::upstream_port:
            return process<DirectionSource::upstream_port>(s, frames, n, c, out, detail);
        case DirectionSource::downstream_port:
            return process<DirectionSource::downstream_port>(s, frames, n, c, out, detail);
        case DirectionSource::zones:
            return process<DirectionSource::zones>(s, frames, n, c, out, detail);
    }
}

void send_or_free(std::uint16_t port, std::uint16_t queue, rte_mbuf** frames, std::uint16_t n,
                  WorkerCounters& c) noexcept {
    std::uint16_t sent = n ? rte_eth_tx_burst(port, queue, frames, n) : 0;
    if (sent < n) {
        c.tx_failed += n - sent;
        rte_pktmbuf_free_bulk(frames + sent, n - sent);
    }
}

}  // namespace camfence::dataplane
