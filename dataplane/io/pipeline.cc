#include "dataplane/io/pipeline.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <cstring>

#include "dataplane/classify/vlan_rewrite.h"
#include "dataplane/fingerprint/dispatch.h"

namespace camfence::dataplane {

namespace {

// Enough for Ethernet, four tags, IPv6 with a few extension headers and the L4 ports.
constexpr std::uint16_t kHeaderBytes = 192;

// A device the table does not know: report it, at most once a second per reporter slot.
[[gnu::noinline]] void report_device(DeviceReporter& r, const ParsedFrame& f, const FrameVerdict& v,
                                     std::uint32_t now) noexcept {
    auto& recent = r.recent[DeviceTable::hash(v.device_key) & (r.recent.size() - 1)];
    if (recent.key == v.device_key && now - recent.time < 2) return;
    DeviceReport rep{};
    rep.key = v.device_key;
    rep.time = now;
    rep.direction = static_cast<std::uint8_t>(v.direction);
    if (f.has_ip) {
        const bool source = v.direction == Direction::upstream;
        if (f.l3 == L3::ipv6) {
            rep.ip_version = 6;
            std::uint64_t hi = source ? f.src_ip_hi : f.dst_ip_hi;
            std::uint64_t lo = source ? f.src_ip_lo : f.dst_ip_lo;
            for (int i = 0; i < 8; ++i) {
                rep.ip[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
                rep.ip[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
            }
        } else {
            rep.ip_version = 4;
            auto a = static_cast<std::uint32_t>(source ? f.src_ip_lo : f.dst_ip_lo);
            for (int i = 0; i < 4; ++i)
                rep.ip[i] = static_cast<std::uint8_t>(a >> (24 - 8 * i));
        }
    }
    if (rte_ring_mp_enqueue_elem(r.ring, &rep, sizeof rep) == 0) {
        recent.key = v.device_key;
        recent.time = now;
        ++r.sent;
    } else {
        ++r.lost;
    }
}

[[gnu::noinline]] void punt(Punter& p, rte_mbuf* m, const FrameVerdict& v,
                            fingerprint::PuntKind kind, std::uint32_t now) noexcept {
    if (p.second != now) {
        p.second = now;
        p.used = 0;
    }
    auto& slot = p.devices[DeviceTable::hash(v.device_key) & (p.devices.size() - 1)];
    if (slot.key != v.device_key || slot.second != now) {
        slot.key = v.device_key;
        slot.second = now;
        slot.count = 0;
    }
    if (slot.count >= p.per_device || p.used >= p.per_second) {
        ++p.shed;
        return;
    }
    rte_mbuf* c = rte_pktmbuf_copy(m, p.pool, 0, UINT32_MAX);
    // The metadata travels in the copy's headroom, ahead of the frame.
    auto* meta =
        c ? reinterpret_cast<PuntMeta*>(rte_pktmbuf_prepend(c, sizeof(PuntMeta))) : nullptr;
    if (!meta) {
        if (c) rte_pktmbuf_free(c);
        ++p.failed;
        return;
    }
    meta->device_key = v.device_key;
    meta->kind = static_cast<std::uint8_t>(kind);
    meta->direction = static_cast<std::uint8_t>(v.direction);
    if (rte_ring_mp_enqueue(p.ring, c) != 0) {
        rte_pktmbuf_free(c);
        ++p.failed;
        return;
    }
    ++slot.count;
    ++p.used;
    ++p.punted;
}

// One instantiation per direction source, so the per-frame loop carries no test of it.
template <DirectionSource kSource>
void process(const BurstContext& ctx, rte_mbuf* const* frames, std::uint16_t n, ActionBuckets& out,
             const BurstDetail* detail) noexcept {
    const policy::PolicySnapshot& s = *ctx.policy;
    WorkerCounters& c = *ctx.counters;
    const int native_vlan = ctx.path.native_vlan;
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
        FrameVerdict v = classify_frame(s, f, dir, native_vlan, ctx.devices);
        if (v.device) [[likely]] {
            if (v.device->last_seen.load(std::memory_order_relaxed) != ctx.now)
                v.device->last_seen.store(ctx.now, std::memory_order_relaxed);
        } else if (v.has_device && ctx.reporter) {
            report_device(*ctx.reporter, f, v, ctx.now);
        }
        if (ctx.punter && v.has_device) {
            auto kind = fingerprint::punt_kind(f, {data, rte_pktmbuf_data_len(m)}, dir);
            if (kind != fingerprint::PuntKind::none) [[unlikely]]
                punt(*ctx.punter, m, v, kind, ctx.now);
        }
        if (v.action == Action::quarantine && !ctx.path.quarantine_port) {
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
        if (v.device_class == policy::DeviceClass::prohibited && v.action == Action::forward)
            [[unlikely]]
            ++c.prohibited_forwarded[zone_bucket(v.zone)];
        if (f.flags) [[unlikely]] {
            c.anomalies +=
                (f.flags & (kTruncated | kBadHeader | kTooManyTags | kTooManyExtHeaders)) != 0;
            c.fragments += (f.flags & kFragment) != 0;
        }
        out.frames[a][out.count[a]++] = m;
        if (v.action == Action::forward ||
            (v.action == Action::quarantine && !ctx.path.quarantine_port))
            out.egress[out.egress_count++] = m;
        if (detail) {
            detail->parsed[i] = f;
            detail->verdicts[i] = v;
        }
    }
}

}  // namespace

void process_burst(const BurstContext& ctx, rte_mbuf* const* frames, std::uint16_t n,
                   ActionBuckets& out, const BurstDetail* detail) noexcept {
    switch (ctx.path.direction) {
        case DirectionSource::upstream_port:
            return process<DirectionSource::upstream_port>(ctx, frames, n, out, detail);
        case DirectionSource::downstream_port:
            return process<DirectionSource::downstream_port>(ctx, frames, n, out, detail);
        case DirectionSource::zones:
            return process<DirectionSource::zones>(ctx, frames, n, out, detail);
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
