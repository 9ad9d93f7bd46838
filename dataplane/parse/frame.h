// Frame parser for untrusted bytes: Ethernet, 802.1Q / 802.1ad (QinQ) tags, ARP, IPv4
// (fragments flagged), IPv6 (bounded extension header walk), TCP/UDP ports.
// Never reads past the end of the span; a frame is parsed as far as its bytes allow.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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

ParsedFrame parse_frame(std::span<const std::byte> frame) noexcept;

}  // namespace camfence::dataplane
