// Frame parser for untrusted bytes: Ethernet, 802.1Q / 802.1ad (QinQ) tags, ARP, IPv4
// (fragments flagged), IPv6 (bounded extension header walk), TCP/UDP ports.
// Never reads past the end of the span; a frame is parsed as far as its bytes allow.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace camfence::dataplane {

inline constexpr std::size_t kEthernetHeaderLen = 14;
inline constexpr int kMaxVlanTags = 4;
inline constexpr int kMaxIpv6ExtensionHeaders = 8;

enum class L3 : std::uint8_t { none, arp, ipv4, ipv6 };

// Anomaly flags: the frame is still classified, but these say what could not be read.
enum ParseFlag : std::uint16_t {
    kRunt = 1 << 0,         // shorter than an Ethernet header: not classifiable, dropped
    kTruncated = 1 << 1,    // a header ran past the end of the frame
    kBadHeader = 1 << 2,    // a header field is impossible (IHL < 5, wrong version...)
    kTooManyTags = 1 << 3,  // more VLAN tags than kMaxVlanTags
    kTooManyExtHeaders = 1 << 4,
    kFragment = 1 << 5,       // IPv4 or IPv6 fragment (first or later)
    kLaterFragment = 1 << 6,  // a fragment other than the first: no L4 header
};

// The fields first in the struct are always set; the rest are valid only where the
// comment says. Leaving them unwritten keeps the per-frame initialisation to a few stores.
struct ParsedFrame {
    std::uint16_t length = 0;     // bytes in the frame
    std::uint16_t flags = 0;      // ParseFlag bits
    std::uint16_t ethertype = 0;  // after the tags
    std::uint16_t l3_offset = 0;
    std::uint16_t l4_offset = 0;
    std::uint16_t src_port = 0, dst_port = 0;
    std::uint8_t tag_count = 0;
    L3 l3 = L3::none;
    std::uint8_t ip_proto = 0;  // upper-layer protocol (after IPv6 extension headers)
    bool has_ip = false;        // the addresses below are valid
    bool has_ports = false;     // src_port/dst_port come from the frame
    std::uint64_t dst_mac = 0;  // 48 bits, first octet most significant
    std::uint64_t src_mac = 0;

    // Valid when has_ip. IPv4 in the low 32 bits of *_lo (and *_hi = 0); IPv6 as two halves.
    // For ARP: sender and target protocol addresses.
    std::uint64_t src_ip_hi, src_ip_lo;
    std::uint64_t dst_ip_hi, dst_ip_lo;

    // VLAN tags, outermost first, valid below tag_count. tag_offset is where the 4-byte tag
    // (TPID+TCI) starts.
    std::array<std::uint16_t, kMaxVlanTags> vlan;
    std::array<std::uint16_t, kMaxVlanTags> tag_offset;

    // The VLAN that identifies the segment: untagged 0, one tag its VID, QinQ the inner
    // (customer) VID. Extra tags beyond the second never change it.
    std::uint16_t segment_vlan() const {
        return tag_count == 0 ? 0 : (tag_count == 1 ? vlan[0] : vlan[1]);
    }
    // Index of the tag carrying the segment VLAN, or -1 when untagged.
    int segment_tag() const { return tag_count == 0 ? -1 : (tag_count == 1 ? 0 : 1); }
};

namespace detail {

inline constexpr std::uint16_t kTpid8021Q = 0x8100;
inline constexpr std::uint16_t kTpid8021ad = 0x88a8;
inline constexpr std::uint16_t kTpidQinQLegacy = 0x9100;
inline constexpr std::uint16_t kEtherArp = 0x0806;
inline constexpr std::uint16_t kEtherIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherIpv6 = 0x86dd;

// Big-endian loads at offsets the caller has bounds-checked with has().
struct Reader {
    const std::byte* p;
    std::size_t n;
    [[gnu::always_inline]] std::uint8_t u8(std::size_t off) const {
        return static_cast<std::uint8_t>(p[off]);
    }
    [[gnu::always_inline]] std::uint16_t be16(std::size_t off) const {
        std::uint16_t v;
        std::memcpy(&v, p + off, sizeof v);
        return __builtin_bswap16(v);
    }
    [[gnu::always_inline]] std::uint32_t be32(std::size_t off) const {
        std::uint32_t v;
        std::memcpy(&v, p + off, sizeof v);
        return __builtin_bswap32(v);
    }
    [[gnu::always_inline]] std::uint64_t be64(std::size_t off) const {
        std::uint64_t v;
        std::memcpy(&v, p + off, sizeof v);
        return __builtin_bswap64(v);
    }
    // Offsets and lengths are bounded by 64 KiB, so the sum cannot wrap.
    [[gnu::always_inline]] bool has(std::size_t off, std::size_t len) const {
        return off + len <= n;
    }
};

[[gnu::always_inline]] inline void parse_ports(const Reader& r, ParsedFrame& f, std::size_t off) {
    f.l4_offset = static_cast<std::uint16_t>(off);
    if (f.ip_proto != 6 && f.ip_proto != 17 && f.ip_proto != 132) return;
    if (!r.has(off, 4)) {
        f.flags |= kTruncated;
        return;
    }
    f.src_port = r.be16(off);
    f.dst_port = r.be16(off + 2);
    f.has_ports = true;
}

[[gnu::always_inline]] inline void parse_arp(const Reader& r, ParsedFrame& f, std::size_t off) {
    // IPv4 over 48-bit MACs: htype 1 (Ethernet) or 6 (IEEE 802, which Linux accepts on
    // Ethernet too), ptype 0x0800, hlen 6, plen 4 (28 bytes).
    if (!r.has(off, 28)) {
        f.flags |= kTruncated;
        return;
    }
    std::uint16_t htype = r.be16(off);
    if ((htype != 1 && htype != 6) || r.be16(off + 2) != kEtherIpv4 || r.u8(off + 4) != 6 ||
        r.u8(off + 5) != 4) {
        f.flags |= kBadHeader;
        return;
    }
    f.src_ip_hi = f.dst_ip_hi = 0;
    f.src_ip_lo = r.be32(off + 14);
    f.dst_ip_lo = r.be32(off + 24);
    f.has_ip = true;
}

[[gnu::always_inline]] inline void parse_ipv4(const Reader& r, ParsedFrame& f, std::size_t off) {
    if (!r.has(off, 20)) {
        f.flags |= kTruncated;
        return;
    }
    std::uint8_t vihl = r.u8(off);
    std::size_t ihl = std::size_t{vihl & 0x0fu} * 4;
    if ((vihl >> 4) != 4 || ihl < 20) {
        f.flags |= kBadHeader;
        return;
    }
    f.src_ip_hi = f.dst_ip_hi = 0;
    f.src_ip_lo = r.be32(off + 12);
    f.dst_ip_lo = r.be32(off + 16);
    f.has_ip = true;
    f.ip_proto = r.u8(off + 9);
    std::uint16_t frag = r.be16(off + 6);
    bool more = frag & 0x2000;
    std::uint16_t offset = frag & 0x1fff;
    if (more || offset) f.flags |= kFragment;
    if (offset) {
        f.flags |= kLaterFragment;
        return;
    }
    if (!r.has(off, ihl)) {
        f.flags |= kTruncated;
        return;
    }
    parse_ports(r, f, off + ihl);
}

// The IPv6 extension header walk: out of line, it is the rare and long path.
void parse_ipv6(const Reader& r, ParsedFrame& f, std::size_t off) noexcept;

}  // namespace detail

// Defined here so the fast path inlines it into the burst loop.
[[gnu::always_inline]] inline ParsedFrame parse_frame(std::span<const std::byte> frame) noexcept {
    using namespace detail;
    ParsedFrame f;
    f.length = static_cast<std::uint16_t>(frame.size() > 0xffff ? 0xffff : frame.size());
    Reader r{frame.data(), f.length};
    if (!r.has(0, kEthernetHeaderLen)) {
        f.flags |= kRunt;
        return f;
    }
    f.dst_mac = (std::uint64_t{r.be16(0)} << 32) | r.be32(2);
    f.src_mac = (std::uint64_t{r.be32(6)} << 16) | r.be16(10);
    std::size_t off = 12;
    std::uint16_t type = r.be16(off);
    // 0x8100 | 0x1000 == 0x9100: one test covers 802.1Q and the legacy QinQ TPID.
    while ((type | 0x1000) == kTpidQinQLegacy || type == kTpid8021ad) {
        if (f.tag_count == kMaxVlanTags) {
            f.flags |= kTooManyTags;
            break;
        }
        if (!r.has(off, 6)) {
            f.flags |= kTruncated;
            f.ethertype = type;
            f.l3_offset = static_cast<std::uint16_t>(off);
            return f;
        }
        f.tag_offset[f.tag_count] = static_cast<std::uint16_t>(off);
        f.vlan[f.tag_count] = r.be16(off + 2) & 0x0fff;
        ++f.tag_count;
        off += 4;
        type = r.be16(off);
    }
    off += 2;
    f.ethertype = type;
    f.l3_offset = static_cast<std::uint16_t>(off);
    if (f.flags & kTooManyTags) [[unlikely]]
        return f;
    // IPv4 first: most of what crosses a camera edge.
    if (type == kEtherIpv4) [[likely]] {
        f.l3 = L3::ipv4;
        parse_ipv4(r, f, off);
    } else if (type == kEtherIpv6) {
        f.l3 = L3::ipv6;
        parse_ipv6(r, f, off);
    } else if (type == kEtherArp) {
        f.l3 = L3::arp;
        parse_arp(r, f, off);
    }
    return f;
}

}  // namespace camfence::dataplane
