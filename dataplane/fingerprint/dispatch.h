// Which protocol parser a frame goes to, decided on the fast path from ports and the first
// payload bytes (punt_kind: inline, a few compares), and the parsing itself, done off the
// fast path (observe: on the control plane live, inline in the offline audit).
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/fingerprint/observation.h"
#include "dataplane/parse/frame.h"
#include "policy/types.h"

namespace camfence::fingerprint {

enum class PuntKind : std::uint8_t {
    none,
    sadp,        // UDP 37020
    dhip,        // UDP 37810
    dahua5050,   // UDP 5050
    wsd,         // UDP 3702
    dhcp,        // UDP 67/68, from the device
    dns,         // UDP 53 (and mDNS 5353, LLMNR 5355), either way
    tls_hello,   // TCP, a TLS handshake record holding a ClientHello, from the device
    tls_server,  // TCP, a TLS handshake record holding a ServerHello (+ Certificate), from it
    banner,      // TCP, an HTTP/RTSP response from its ports 80, 554, 8000, 8080, 37777
    arp,         // ARP from the device: the address it uses (IP binding), no parser
};

// Offset of the L4 payload in the frame (UDP: after 8 bytes, TCP: after its data offset),
// or 0 when the frame has none that can be read.
inline std::size_t payload_offset(const dataplane::ParsedFrame& f, Bytes frame) noexcept {
    if (!f.has_ports || f.l4_offset == 0) return 0;
    std::size_t off = f.l4_offset;
    if (f.ip_proto == 17) return off + 8 <= frame.size() ? off + 8 : 0;
    if (f.ip_proto == 6) {
        if (off + 13 > frame.size()) return 0;
        std::size_t len = (static_cast<std::size_t>(frame[off + 12]) >> 4) * 4;
        return len >= 20 && off + len <= frame.size() ? off + len : 0;
    }
    return 0;
}

// Evidence is only taken from what the camera-side device itself sends (upstream), and from
// DNS answers to it (a response repeats the device's question).
inline PuntKind punt_kind(const dataplane::ParsedFrame& f, Bytes frame,
                          policy::Direction dir) noexcept {
    const bool up = dir == policy::Direction::upstream;
    if (f.l3 == dataplane::L3::arp) [[unlikely]]
        return up && f.has_ip ? PuntKind::arp : PuntKind::none;
    if (!f.has_ports) return PuntKind::none;
    if (f.ip_proto == 17) {
        auto either = [&](std::uint16_t p) { return f.src_port == p || f.dst_port == p; };
        // DNS: the device's question, as it asks it (upstream, to a server port) or as the
        // answer brings it back (downstream, from a server port). An answer going the other
        // way is some other host's question.
        auto dns_port = [](std::uint16_t p) { return p == 53 || p == 5353 || p == 5355; };
        if (up ? dns_port(f.dst_port) : dns_port(f.src_port)) return PuntKind::dns;
        if (!up) return PuntKind::none;
        if (either(37020)) return PuntKind::sadp;
        if (either(37810)) return PuntKind::dhip;
        if (either(3702)) return PuntKind::wsd;
        if (either(5050)) return PuntKind::dahua5050;
        if (f.src_port == 68 && f.dst_port == 67) return PuntKind::dhcp;
        return PuntKind::none;
    }
    if (f.ip_proto != 6 || !up) return PuntKind::none;
    std::size_t off = payload_offset(f, frame);
    if (off == 0 || off + 6 > frame.size()) return PuntKind::none;
    const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(frame[off + i]); };
    if (b(0) == 0x16 && b(1) == 0x03) {
        if (b(5) == 0x01) return PuntKind::tls_hello;
        if (b(5) == 0x02) return PuntKind::tls_server;
        return PuntKind::none;
    }
    const std::uint16_t sp = f.src_port;
    if ((sp == 80 || sp == 554 || sp == 8000 || sp == 37777 || sp == 8080) &&
        ((b(0) == 'H' && b(1) == 'T' && b(2) == 'T' && b(3) == 'P' && b(4) == '/') ||
         (b(0) == 'R' && b(1) == 'T' && b(2) == 'S' && b(3) == 'P' && b(4) == '/')))
        return PuntKind::banner;
    return PuntKind::none;
}

// Parses the frame's payload with the parser for `kind`; appends what it says.
void observe(PuntKind kind, const dataplane::ParsedFrame& f, Bytes frame,
             std::vector<Observation>& out);

}  // namespace camfence::fingerprint
