// The cold part of the frame parser; the hot part is inline in frame.h.
#include "dataplane/parse/frame.h"

namespace camfence::dataplane::detail {
namespace {

// A routing header with segments left names where the packet is really going: that final
// destination, not the next hop in the fixed header, is the peer whose zone counts.
void final_destination(const Reader& r, ParsedFrame& f, std::size_t pos, std::size_t len) {
    std::uint8_t type = r.u8(pos + 2);
    std::uint8_t segments_left = r.u8(pos + 3);
    if (segments_left == 0) return;
    std::size_t addr;
    switch (type) {
        case 0:  // RH0 (deprecated): the last address of the list
            if (len < 24) return;
            addr = pos + len - 16;
            break;
        case 2:  // Mobile IPv6: the home address
        case 4:  // Segment Routing: Segment List[0] is the last segment
            addr = pos + 8;
            break;
        default:
            return;
    }
    if (!r.has(addr, 16) || addr + 16 > pos + len) {
        f.flags |= kTruncated;
        return;
    }
    f.dst_ip_hi = r.be64(addr);
    f.dst_ip_lo = r.be64(addr + 8);
}

}  // namespace

void parse_ipv6(const Reader& r, ParsedFrame& f, std::size_t off) noexcept {
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
            if (this_header == 43) final_destination(r, f, pos, len);
        }
        pos += len;
    }
}

}  // namespace camfence::dataplane::detail
