#include "dataplane/parse/frame.h"

#include <cstring>

namespace camfence::dataplane {
namespace {

constexpr std::uint16_t kTpid8021Q = 0x8100;
constexpr std::uint16_t kTpid8021ad = 0x88a8;
constexpr std::uint16_t kTpidQinQLegacy = 0x9100;
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;

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
    [[gnu::always_inline]] bool has(std::size_t off, std::size_t len) const {
        return off <= n && len <= n - off;
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
    // Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4 (28 bytes).
    if (!r.has(off, 28)) {
        f.flags |= kTruncated;
        return;
    }
    if (r.be16(off) != 1 || r.be16(off + 2) != kEtherIpv4 || r.u8(off + 4) != 6 ||
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

void parse_ipv6(const Reader& r, ParsedFrame& f, std::size_t off) {
    if (!r.has(off, 40)) {
        f.flags |= kTruncated;
        return;
    }
    if ((r.u8(off) >> 4) != 6) {
        f.flags |= kBadHeader;
        return;
    }
    f.src_ip_hi = r.be64(off + 8);
    f.src_ip_lo = r.be64(off + 16);
    f.dst_ip_hi = r.be64(off + 24);
    f.dst_ip_lo = r.be64(off + 32);
    f.has_ip = true;
    std::uint8_t next = r.u8(off + 6);
    std::size_t pos = off + 40;
    for (int i = 0;; ++i) {
        switch (next) {
            case 0:    // hop-by-hop
            case 43:   // routing
            case 60:   // destination options
            case 135:  // mobility
            case 139:  // HIP
            case 140:  // shim6
            case 51:   // AH (length in 4-byte units)
            case 44:   // fragment
                break;
            default:
                f.ip_proto = next;
                parse_ports(r, f, pos);
                return;
        }
        if (i >= kMaxIpv6ExtensionHeaders) {
            f.flags |= kTooManyExtHeaders;
            f.ip_proto = next;
            return;
        }
        if (!r.has(pos, 8)) {
            f.flags |= kTruncated;
            f.ip_proto = next;
            return;
        }
        std::uint8_t this_header = next;
        next = r.u8(pos);
        std::size_t len;
        if (this_header == 44) {
            std::uint16_t frag = r.be16(pos + 2);
            f.flags |= kFragment;
            if (frag & 0xfff8) {
                f.flags |= kLaterFragment;
                f.ip_proto = next;
                return;
            }
            len = 8;
        } else if (this_header == 51) {
            len = (std::size_t{r.u8(pos + 1)} + 2) * 4;
        } else {
            len = (std::size_t{r.u8(pos + 1)} + 1) * 8;
        }
        pos += len;
    }
}

}  // namespace

ParsedFrame parse_frame(std::span<const std::byte> frame) noexcept {
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
    while (type == kTpid8021Q || type == kTpid8021ad || type == kTpidQinQLegacy) {
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
    if (f.flags & kTooManyTags) return f;
    switch (type) {
        case kEtherArp:
            f.l3 = L3::arp;
            parse_arp(r, f, off);
            break;
        case kEtherIpv4:
            f.l3 = L3::ipv4;
            parse_ipv4(r, f, off);
            break;
        case kEtherIpv6:
            f.l3 = L3::ipv6;
            parse_ipv6(r, f, off);
            break;
        default:
            break;
    }
    return f;
}

}  // namespace camfence::dataplane
