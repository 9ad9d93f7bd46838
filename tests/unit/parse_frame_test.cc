// parse_frame over every header combination the fast path must understand, and over every
// truncation of full frames: the parser reads as far as the bytes allow and says what it
// could not read.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/parse/frame.h"
#include "tests/fixtures/frame_builder.h"

namespace {

using camfence::dataplane::kBadHeader;
using camfence::dataplane::kFragment;
using camfence::dataplane::kLaterFragment;
using camfence::dataplane::kRunt;
using camfence::dataplane::kTooManyExtHeaders;
using camfence::dataplane::kTooManyTags;
using camfence::dataplane::kTruncated;
using camfence::dataplane::L3;
using camfence::dataplane::parse_frame;
using camfence::dataplane::ParsedFrame;
namespace t = camfence::test;

constexpr std::uint64_t kCameraMac = 0x4419b6123456;
constexpr std::uint64_t kRouterMac = 0x0011223344ff;
constexpr std::uint32_t kCameraIp = t::ip4(192, 168, 1, 20);
constexpr std::uint32_t kCoreIp = t::ip4(10, 0, 0, 5);
const t::Ip6 kCameraIp6 = t::ip6("2001:db8:200::20");
const t::Ip6 kCoreIp6 = t::ip6("2001:db8:100::5");

t::FrameBuilder eth() {
    return t::FrameBuilder(kRouterMac, kCameraMac);
}
t::Ipv4Fields v4() {
    return t::Ipv4Fields{.src = kCameraIp, .dst = kCoreIp};
}

ParsedFrame parse(const std::vector<std::byte>& frame) {
    return parse_frame(frame);
}

std::string describe(const ParsedFrame& f) {
    return "flags=" + std::to_string(f.flags) + " tags=" + std::to_string(f.tag_count) +
           " ethertype=" + std::to_string(f.ethertype) +
           " l3=" + std::to_string(static_cast<int>(f.l3)) + " has_ip=" + std::to_string(f.has_ip) +
           " proto=" + std::to_string(f.ip_proto) + " has_ports=" + std::to_string(f.has_ports) +
           " ports=" + std::to_string(f.src_port) + "->" + std::to_string(f.dst_port) +
           " l3_offset=" + std::to_string(f.l3_offset) +
           " l4_offset=" + std::to_string(f.l4_offset);
}

struct Addresses {
    std::uint64_t src_hi = 0, src_lo = 0, dst_hi = 0, dst_lo = 0;
};
const Addresses kV4Addresses{0, kCameraIp, 0, kCoreIp};
const Addresses kV6Addresses{t::ip6_hi(kCameraIp6), t::ip6_lo(kCameraIp6), t::ip6_hi(kCoreIp6),
                             t::ip6_lo(kCoreIp6)};

struct Expected {
    std::uint16_t flags = 0;
    std::vector<std::uint16_t> vlans{};        // tag VIDs, outermost first
    std::vector<std::uint16_t> tag_offsets{};  // where each tag starts
    std::uint16_t segment_vlan = 0;
    int segment_tag = -1;
    std::uint16_t ethertype = t::kEtherTypeIpv4;
    std::uint16_t l3_offset = 14;
    L3 l3 = L3::ipv4;
    std::optional<Addresses> ip{};  // nullopt: has_ip must be false
    std::uint8_t ip_proto = 0;
    std::optional<std::uint16_t> l4_offset{};  // checked when set
    bool has_ports = false;
    std::uint16_t src_port = 0, dst_port = 0;
};

struct Case {
    std::string description;
    std::vector<std::byte> frame;
    Expected want;
};

void check(const Case& c) {
    INFO(c.description);
    ParsedFrame f = parse(c.frame);
    INFO(describe(f));
    CHECK(f.length == c.frame.size());
    CHECK(f.flags == c.want.flags);
    if (c.frame.size() >= 14) {
        CHECK(f.dst_mac == kRouterMac);
        CHECK(f.src_mac == kCameraMac);
    }
    REQUIRE(f.tag_count == c.want.vlans.size());
    for (std::size_t i = 0; i < c.want.vlans.size(); ++i) {
        CHECK(f.vlan[i] == c.want.vlans[i]);
        CHECK(f.tag_offset[i] == c.want.tag_offsets.at(i));
    }
    CHECK(f.segment_vlan() == c.want.segment_vlan);
    CHECK(f.segment_tag() == c.want.segment_tag);
    CHECK(f.ethertype == c.want.ethertype);
    CHECK(f.l3_offset == c.want.l3_offset);
    CHECK(f.l3 == c.want.l3);
    CHECK(f.has_ip == c.want.ip.has_value());
    if (c.want.ip) {
        CHECK(f.src_ip_hi == c.want.ip->src_hi);
        CHECK(f.src_ip_lo == c.want.ip->src_lo);
        CHECK(f.dst_ip_hi == c.want.ip->dst_hi);
        CHECK(f.dst_ip_lo == c.want.ip->dst_lo);
    }
    CHECK(f.ip_proto == c.want.ip_proto);
    if (c.want.l4_offset) CHECK(f.l4_offset == *c.want.l4_offset);
    CHECK(f.has_ports == c.want.has_ports);
    if (c.want.has_ports) {
        CHECK(f.src_port == c.want.src_port);
        CHECK(f.dst_port == c.want.dst_port);
    }
}

// A TCP/UDP expectation over IPv4 at `l3_offset` with a 20-byte header.
Expected v4_ports(std::uint16_t l3_offset, std::uint8_t proto, std::uint16_t sport,
                  std::uint16_t dport) {
    return Expected{.l3_offset = l3_offset,
                    .ip = kV4Addresses,
                    .ip_proto = proto,
                    .l4_offset = static_cast<std::uint16_t>(l3_offset + 20),
                    .has_ports = true,
                    .src_port = sport,
                    .dst_port = dport};
}

}  // namespace

TEST_CASE("parse_frame reads Ethernet and VLAN tag stacks", "[parse_frame]") {
    auto tagged = [](Expected e, std::vector<std::uint16_t> vlans,
                     std::vector<std::uint16_t> offsets, std::uint16_t segment, int seg_tag) {
        e.vlans = std::move(vlans);
        e.tag_offsets = std::move(offsets);
        e.segment_vlan = segment;
        e.segment_tag = seg_tag;
        return e;
    };
    const std::vector<Case> cases = {
        {"untagged IPv4/TCP", eth().ipv4(v4()).tcp(5000, 443).build(),
         v4_ports(14, t::kProtoTcp, 5000, 443)},
        {"802.1Q VID 120, IPv4/UDP", eth().vlan(120).ipv4(v4()).udp(5353, 53).build(),
         tagged(v4_ports(18, t::kProtoUdp, 5353, 53), {120}, {12}, 120, 0)},
        {"802.1Q priority tag (VID 0) is still a tag",
         eth().vlan(0, t::kTpid8021Q, 5).ipv4(v4()).tcp(1, 2).build(),
         tagged(v4_ports(18, t::kProtoTcp, 1, 2), {0}, {12}, 0, 0)},
        {"PCP and DEI bits do not leak into the VID",
         eth().vlan(4094, t::kTpid8021Q, 7, true).ipv4(v4()).tcp(1, 2).build(),
         tagged(v4_ports(18, t::kProtoTcp, 1, 2), {4094}, {12}, 4094, 0)},
        {"QinQ 802.1ad S-tag 3000 + 802.1Q C-tag 120: segment is the inner VID",
         eth().vlan(3000, t::kTpid8021ad).vlan(120).ipv4(v4()).tcp(5000, 443).build(),
         tagged(v4_ports(22, t::kProtoTcp, 5000, 443), {3000, 120}, {12, 16}, 120, 1)},
        {"legacy QinQ 0x9100 outer tag",
         eth().vlan(3000, t::kTpidQinQLegacy).vlan(120).ipv4(v4()).tcp(5000, 443).build(),
         tagged(v4_ports(22, t::kProtoTcp, 5000, 443), {3000, 120}, {12, 16}, 120, 1)},
        {"a lone 0x9100 tag", eth().vlan(150, t::kTpidQinQLegacy).ipv4(v4()).tcp(5000, 443).build(),
         tagged(v4_ports(18, t::kProtoTcp, 5000, 443), {150}, {12}, 150, 0)},
        {"three tags: a third tag does not change the segment",
         eth().vlan(10, t::kTpid8021ad).vlan(120).vlan(7).ipv4(v4()).tcp(5000, 443).build(),
         tagged(v4_ports(26, t::kProtoTcp, 5000, 443), {10, 120, 7}, {12, 16, 20}, 120, 1)},
        {"four tags (the maximum) are all read",
         eth()
             .vlan(10, t::kTpid8021ad)
             .vlan(120)
             .vlan(7)
             .vlan(8, t::kTpidQinQLegacy)
             .ipv4(v4())
             .tcp(5000, 443)
             .build(),
         tagged(v4_ports(30, t::kProtoTcp, 5000, 443), {10, 120, 7, 8}, {12, 16, 20, 24}, 120, 1)},
        {"five tags: kTooManyTags, first four kept, nothing above L2 read",
         eth().vlan(1).vlan(2).vlan(3).vlan(4).vlan(5).ipv4(v4()).tcp(5000, 443).build(),
         tagged(Expected{.flags = kTooManyTags,
                         .ethertype = t::kTpid8021Q,
                         .l3_offset = 30,
                         .l3 = L3::none},
                {1, 2, 3, 4}, {12, 16, 20, 24}, 2, 1)},
        {"unknown EtherType (LLDP): no L3, no anomaly", eth().ethertype(0x88cc).payload(40).build(),
         Expected{.ethertype = 0x88cc, .l3 = L3::none}},
        {"tagged unknown EtherType", eth().vlan(120).ethertype(0x88cc).payload(40).build(),
         tagged(Expected{.ethertype = 0x88cc, .l3_offset = 18, .l3 = L3::none}, {120}, {12}, 120,
                0)},
    };
    for (const auto& c : cases)
        check(c);
}

TEST_CASE("parse_frame reads ARP sender and target addresses", "[parse_frame]") {
    const t::ArpFields request{
        .sender_mac = kCameraMac, .sender_ip = kCameraIp, .target_ip = kCoreIp};
    t::ArpFields ieee802 = request;
    ieee802.hardware_type = 6;  // IEEE 802: Linux accepts it on Ethernet, so must we
    t::ArpFields frame_relay = request;
    frame_relay.hardware_type = 15;
    t::ArpFields ipv6_arp = request;
    ipv6_arp.protocol_type = t::kEtherTypeIpv6;
    const std::vector<Case> cases = {
        {"Ethernet/IPv4 ARP request", eth().arp(request).build(),
         Expected{.ethertype = t::kEtherTypeArp, .l3 = L3::arp, .ip = kV4Addresses}},
        {"ARP on VLAN 120", eth().vlan(120).arp(request).build(),
         Expected{.vlans = {120},
                  .tag_offsets = {12},
                  .segment_vlan = 120,
                  .segment_tag = 0,
                  .ethertype = t::kEtherTypeArp,
                  .l3_offset = 18,
                  .l3 = L3::arp,
                  .ip = kV4Addresses}},
        {"ARP with hardware type 6 (IEEE 802) is read like Ethernet", eth().arp(ieee802).build(),
         Expected{.ethertype = t::kEtherTypeArp, .l3 = L3::arp, .ip = kV4Addresses}},
        {"ARP with another hardware type is a bad header", eth().arp(frame_relay).build(),
         Expected{.flags = kBadHeader, .ethertype = t::kEtherTypeArp, .l3 = L3::arp}},
        {"ARP for a non-IPv4 protocol is a bad header", eth().arp(ipv6_arp).build(),
         Expected{.flags = kBadHeader, .ethertype = t::kEtherTypeArp, .l3 = L3::arp}},
        {"ARP cut short of its 28 bytes", eth().ethertype(t::kEtherTypeArp).payload(27).build(),
         Expected{.flags = kTruncated, .ethertype = t::kEtherTypeArp, .l3 = L3::arp}},
    };
    for (const auto& c : cases)
        check(c);
}

TEST_CASE("parse_frame reads IPv4 options, fragments and bad headers", "[parse_frame]") {
    auto with = [](auto edit) {
        t::Ipv4Fields h = v4();
        edit(h);
        return h;
    };
    const std::vector<Case> cases = {
        {"IHL 6 (one option word): ports after the options",
         eth()
             .ipv4(with([](auto& h) {
                 h.options = {0x94, 0x04, 0x00, 0x00};
             }))
             .tcp(5000, 443)
             .build(),
         Expected{.ip = kV4Addresses,
                  .ip_proto = t::kProtoTcp,
                  .l4_offset = 14 + 24,
                  .has_ports = true,
                  .src_port = 5000,
                  .dst_port = 443}},
        {"IHL 15 (40 bytes of options)",
         eth().ipv4(with([](auto& h) { h.options.assign(40, 0x01); })).udp(68, 67).build(),
         Expected{.ip = kV4Addresses,
                  .ip_proto = t::kProtoUdp,
                  .l4_offset = 14 + 60,
                  .has_ports = true,
                  .src_port = 68,
                  .dst_port = 67}},
        {"first fragment (MF, offset 0): ports parsed, kFragment",
         eth()
             .ipv4(with([](auto& h) { h.more_fragments = true; }))
             .tcp(5000, 443)
             .payload(64)
             .build(),
         Expected{.flags = kFragment,
                  .ip = kV4Addresses,
                  .ip_proto = t::kProtoTcp,
                  .l4_offset = 34,
                  .has_ports = true,
                  .src_port = 5000,
                  .dst_port = 443}},
        {"middle fragment (MF, offset 185): no L4 header",
         eth()
             .ipv4(with([](auto& h) {
                 h.protocol = t::kProtoTcp;
                 h.more_fragments = true;
                 h.fragment_offset = 185;
             }))
             .payload(64)
             .build(),
         Expected{
             .flags = kFragment | kLaterFragment, .ip = kV4Addresses, .ip_proto = t::kProtoTcp}},
        {"last fragment (offset only)",
         eth()
             .ipv4(with([](auto& h) {
                 h.protocol = t::kProtoUdp;
                 h.fragment_offset = 1;
             }))
             .payload(8)
             .build(),
         Expected{
             .flags = kFragment | kLaterFragment, .ip = kV4Addresses, .ip_proto = t::kProtoUdp}},
        {"later fragment whose payload looks like ports is still not read",
         eth()
             .ipv4(with([](auto& h) {
                 h.protocol = t::kProtoTcp;
                 h.fragment_offset = 3;
             }))
             .tcp(1, 2)
             .build(),
         Expected{
             .flags = kFragment | kLaterFragment, .ip = kV4Addresses, .ip_proto = t::kProtoTcp}},
        {"ICMP: protocol without ports",
         eth().ipv4(with([](auto& h) { h.protocol = 1; })).payload(8).build(),
         Expected{.ip = kV4Addresses, .ip_proto = 1, .l4_offset = 34}},
        {"SCTP without its port bytes",
         eth().ipv4(with([](auto& h) { h.protocol = 132; })).payload(0).build(),
         Expected{.flags = kTruncated, .ip = kV4Addresses, .ip_proto = 132, .l4_offset = 34}},
        {"SCTP ports are read",
         eth().ipv4(with([](auto& h) { h.protocol = 132; })).raw({0x0b, 0x59, 0x0b, 0x5a}).build(),
         Expected{.ip = kV4Addresses,
                  .ip_proto = 132,
                  .l4_offset = 34,
                  .has_ports = true,
                  .src_port = 2905,
                  .dst_port = 2906}},
        {"IHL 4 is a bad header", eth().ipv4(with([](auto& h) { h.ihl = 4; })).tcp(1, 2).build(),
         Expected{.flags = kBadHeader}},
        {"IHL 0 is a bad header", eth().ipv4(with([](auto& h) { h.ihl = 0; })).tcp(1, 2).build(),
         Expected{.flags = kBadHeader}},
        {"version 6 behind EtherType 0x0800 is a bad header",
         eth().ipv4(with([](auto& h) { h.version = 6; })).tcp(1, 2).build(),
         Expected{.flags = kBadHeader}},
        {"IHL 15 in a frame that ends before the options do",
         eth().ipv4(with([](auto& h) { h.ihl = 15; })).tcp(1, 2).build(),
         Expected{.flags = kTruncated, .ip = kV4Addresses, .ip_proto = t::kProtoTcp}},
        {"EtherType only: the IPv4 header is missing", eth().ethertype(t::kEtherTypeIpv4).build(),
         Expected{.flags = kTruncated}},
    };
    for (const auto& c : cases)
        check(c);
}

TEST_CASE("parse_frame walks IPv6 extension headers", "[parse_frame]") {
    auto v6 = [] { return eth().ipv6(kCameraIp6, kCoreIp6); };
    auto ports = [](std::uint16_t flags, std::uint8_t proto, std::uint16_t l4, std::uint16_t sport,
                    std::uint16_t dport) {
        return Expected{.flags = flags,
                        .ethertype = t::kEtherTypeIpv6,
                        .l3 = L3::ipv6,
                        .ip = kV6Addresses,
                        .ip_proto = proto,
                        .l4_offset = l4,
                        .has_ports = true,
                        .src_port = sport,
                        .dst_port = dport};
    };
    auto no_ports = [](std::uint16_t flags, std::uint8_t proto) {
        return Expected{.flags = flags,
                        .ethertype = t::kEtherTypeIpv6,
                        .l3 = L3::ipv6,
                        .ip = kV6Addresses,
                        .ip_proto = proto};
    };
    auto eight_dest_opts = [&] {
        auto b = v6();
        for (int i = 0; i < 8; ++i)
            b.ipv6_extension(t::kIpv6DestOptions);
        return b;
    };
    const std::vector<Case> cases = {
        {"IPv6/TCP without extension headers", v6().tcp(5000, 443).build(),
         ports(0, t::kProtoTcp, 54, 5000, 443)},
        {"hop-by-hop (8) + routing (24) + destination options (16) + TCP",
         v6().ipv6_extension(t::kIpv6HopByHop, 8)
             .ipv6_extension(t::kIpv6Routing, 24)
             .ipv6_extension(t::kIpv6DestOptions, 16)
             .tcp(5000, 443)
             .build(),
         ports(0, t::kProtoTcp, 54 + 48, 5000, 443)},
        {"first fragment (offset 0, M): ports read, kFragment",
         v6().ipv6_fragment(0, true).udp(5353, 53).build(),
         ports(kFragment, t::kProtoUdp, 54 + 8, 5353, 53)},
        {"later fragment (offset 100): no L4 header, protocol from the fragment header",
         v6().ipv6_fragment(100, true).next_protocol(t::kProtoTcp).payload(64).build(),
         no_ports(kFragment | kLaterFragment, t::kProtoTcp)},
        {"last fragment (offset 1, no M)",
         v6().ipv6_fragment(1, false).next_protocol(t::kProtoUdp).payload(16).build(),
         no_ports(kFragment | kLaterFragment, t::kProtoUdp)},
        {"hop-by-hop then a later fragment",
         v6().ipv6_extension(t::kIpv6HopByHop)
             .ipv6_fragment(8, false)
             .next_protocol(t::kProtoTcp)
             .payload(8)
             .build(),
         no_ports(kFragment | kLaterFragment, t::kProtoTcp)},
        {"AH (24 bytes, length in 4-byte units) + UDP", v6().ipv6_ah(24).udp(500, 4500).build(),
         ports(0, t::kProtoUdp, 54 + 24, 500, 4500)},
        {"AH of 12 bytes + TCP", v6().ipv6_ah(12).tcp(1, 2).build(),
         ports(0, t::kProtoTcp, 54 + 12, 1, 2)},
        {"eight extension headers (the maximum) + TCP", eight_dest_opts().tcp(5000, 443).build(),
         ports(0, t::kProtoTcp, 54 + 64, 5000, 443)},
        {"nine extension headers: kTooManyExtHeaders, no ports",
         eight_dest_opts().ipv6_extension(t::kIpv6DestOptions).tcp(5000, 443).build(),
         no_ports(kTooManyExtHeaders, t::kIpv6DestOptions)},
        {"ESP: an upper layer without ports", v6().next_protocol(t::kIpv6Esp).payload(32).build(),
         no_ports(0, t::kIpv6Esp)},
        {"no next header", v6().payload(0).build(), no_ports(0, t::kIpv6NoNext)},
        {"version 4 behind EtherType 0x86dd is a bad header",
         eth().ethertype(t::kEtherTypeIpv6).payload(60, 0x45).build(),
         Expected{.flags = kBadHeader, .ethertype = t::kEtherTypeIpv6, .l3 = L3::ipv6}},
    };
    for (const auto& c : cases)
        check(c);

    // An extension header whose length field runs past the frame: the walk stops, flagged.
    auto cut = v6().ipv6_extension(t::kIpv6Routing, 24).tcp(1, 2).build();
    cut.resize(54 + 16);
    check({"routing header cut in the middle", cut,
           Expected{.flags = kTruncated,
                    .ethertype = t::kEtherTypeIpv6,
                    .l3 = L3::ipv6,
                    .ip = kV6Addresses,
                    .ip_proto = t::kProtoTcp}});
}

TEST_CASE("parse_frame: frames shorter than an Ethernet header are runts", "[parse_frame]") {
    const auto full = eth().ipv4(v4()).tcp(1, 2).build();
    for (std::size_t len : {0u, 1u, 6u, 12u, 13u}) {
        INFO("length " << len);
        ParsedFrame f = parse_frame(std::span<const std::byte>(full).first(len));
        CHECK(f.flags == kRunt);
        CHECK(f.length == len);
        CHECK(f.tag_count == 0);
        CHECK_FALSE(f.has_ip);
        CHECK_FALSE(f.has_ports);
    }
    ParsedFrame f14 = parse_frame(std::span<const std::byte>(full).first(14));
    CHECK((f14.flags & kRunt) == 0);
}

TEST_CASE("parse_frame caps the length of jumbo buffers at 65535", "[parse_frame]") {
    auto frame = eth().vlan(120).ipv4(v4()).tcp(5000, 443).payload(70000).build();
    ParsedFrame f = parse(frame);
    CHECK(f.length == 0xffff);
    CHECK(f.flags == 0);
    CHECK(f.has_ports);
    CHECK(f.dst_port == 443);
}

namespace {

// Parses every prefix of `full` and checks what a prefix may and may not report. `headers_end`
// is where the last header the parser reads ends: from there on the prefix parses exactly
// like the full frame.
void check_truncations(const std::vector<std::byte>& full, std::size_t headers_end) {
    const ParsedFrame whole = parse(full);
    REQUIRE((whole.flags & ~kFragment) == 0);
    REQUIRE(headers_end <= full.size());
    for (std::size_t len = 0; len <= full.size(); ++len) {
        INFO("prefix length " << len << " of " << full.size());
        const ParsedFrame f = parse_frame(std::span<const std::byte>(full).first(len));
        INFO(describe(f));
        REQUIRE(f.length == len);
        if (len < 14) {
            REQUIRE(f.flags == kRunt);
            REQUIRE(f.tag_count == 0);
            REQUIRE_FALSE(f.has_ip);
            REQUIRE_FALSE(f.has_ports);
            continue;
        }
        REQUIRE((f.flags & kRunt) == 0);
        REQUIRE(f.dst_mac == whole.dst_mac);
        REQUIRE(f.src_mac == whole.src_mac);
        // Only truncation may be reported: no header is bad just because it is cut short.
        REQUIRE((f.flags & ~(whole.flags | kTruncated)) == 0);
        REQUIRE(f.tag_count <= whole.tag_count);
        for (int i = 0; i < f.tag_count; ++i) {
            REQUIRE(f.vlan[i] == whole.vlan[i]);
            REQUIRE(f.tag_offset[i] == whole.tag_offset[i]);
            REQUIRE(f.tag_offset[i] + 4u <= len);
        }
        if (f.l3 != L3::none) {
            REQUIRE(f.l3 == whole.l3);
            REQUIRE(f.l3_offset == whole.l3_offset);
            REQUIRE(f.tag_count == whole.tag_count);
        }
        if (f.has_ip) {
            REQUIRE(f.src_ip_hi == whole.src_ip_hi);
            REQUIRE(f.src_ip_lo == whole.src_ip_lo);
            REQUIRE(f.dst_ip_hi == whole.dst_ip_hi);
            REQUIRE(f.dst_ip_lo == whole.dst_ip_lo);
            std::size_t l3_len = whole.l3 == L3::ipv6 ? 40 : (whole.l3 == L3::arp ? 28 : 20);
            REQUIRE(f.l3_offset + l3_len <= len);
        }
        if (f.has_ports) {
            REQUIRE(f.l4_offset + 4u <= len);
            REQUIRE(f.src_port == whole.src_port);
            REQUIRE(f.dst_port == whole.dst_port);
        }
        if (len >= headers_end) {
            REQUIRE(f.flags == whole.flags);
            REQUIRE(f.has_ip == whole.has_ip);
            REQUIRE(f.has_ports == whole.has_ports);
            REQUIRE(f.ip_proto == whole.ip_proto);
            REQUIRE(f.l4_offset == whole.l4_offset);
        } else {
            REQUIRE((f.flags & kTruncated) != 0);
            REQUIRE_FALSE(f.has_ports);
        }
    }
}

}  // namespace

TEST_CASE("parse_frame: every truncation of a QinQ + IPv6 + extensions + TCP frame",
          "[parse_frame][truncation]") {
    auto full = eth()
                    .vlan(3000, t::kTpid8021ad)
                    .vlan(120)
                    .ipv6(kCameraIp6, kCoreIp6)
                    .ipv6_extension(t::kIpv6HopByHop, 8)
                    .ipv6_extension(t::kIpv6Routing, 24)
                    .ipv6_fragment(0, true)
                    .ipv6_ah(16)
                    .ipv6_extension(t::kIpv6DestOptions, 16)
                    .tcp(5000, 443)
                    .payload(16)
                    .build();
    const ParsedFrame whole = parse(full);
    REQUIRE(whole.flags == kFragment);  // a first fragment: ports still read
    REQUIRE(whole.has_ports);
    REQUIRE(whole.l4_offset == 22 + 40 + 8 + 24 + 8 + 16 + 16);
    check_truncations(full, whole.l4_offset + 4u);
}

TEST_CASE("parse_frame: every truncation of tagged IPv4 and ARP frames",
          "[parse_frame][truncation]") {
    SECTION("802.1Q + IPv4 with options + UDP") {
        t::Ipv4Fields h = v4();
        h.options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};
        auto full = eth().vlan(120).ipv4(h).udp(5353, 53).payload(12).build();
        check_truncations(full, 18 + 28 + 4);
    }
    SECTION("QinQ + IPv4 + TCP") {
        auto full =
            eth().vlan(3000, t::kTpid8021ad).vlan(120).ipv4(v4()).tcp(5000, 443).payload(4).build();
        check_truncations(full, 22 + 20 + 4);
    }
    SECTION("802.1Q + ARP") {
        auto full =
            eth()
                .vlan(120)
                .arp({.sender_mac = kCameraMac, .sender_ip = kCameraIp, .target_ip = kCoreIp})
                .payload(18, 0)
                .build();
        check_truncations(full, 18 + 28);
    }
}

TEST_CASE("an IPv6 routing header's final destination is the peer", "[parse_frame]") {
    const t::Ip6 next_hop = t::ip6("2001:db8:ffff::1");
    struct Row {
        std::string description;
        std::uint8_t routing_type;
        std::uint8_t segments_left;
        bool final_is_peer;
    };
    for (const Row& row : std::vector<Row>{{"segment routing, 1 segment left", 4, 1, true},
                                           {"mobile IPv6 home address", 2, 1, true},
                                           {"RH0 with its last address", 0, 1, true},
                                           {"segments left 0: already there", 4, 0, false},
                                           {"unknown routing type", 3, 1, false}}) {
        INFO(row.description);
        auto frame = eth().ipv6(kCameraIp6, next_hop).ipv6_extension(43, 24).udp(5000, 53).build();
        const std::size_t rh = 14 + 40;
        frame[rh + 2] = std::byte{row.routing_type};
        frame[rh + 3] = std::byte{row.segments_left};
        for (int i = 0; i < 16; ++i)
            frame[rh + 8 + i] = std::byte{kCoreIp6[i]};
        const ParsedFrame f = parse_frame(frame);
        REQUIRE(f.has_ip);
        const t::Ip6& want = row.final_is_peer ? kCoreIp6 : next_hop;
        CHECK(f.dst_ip_hi == t::ip6_hi(want));
        CHECK(f.dst_ip_lo == t::ip6_lo(want));
        CHECK(f.has_ports);
        CHECK(f.dst_port == 53);
    }
    SECTION("a routing header too short for its segment is flagged, not read past") {
        auto frame = eth().ipv6(kCameraIp6, next_hop).ipv6_extension(43, 8).udp(5000, 53).build();
        frame[14 + 40 + 2] = std::byte{4};
        frame[14 + 40 + 3] = std::byte{1};
        const ParsedFrame f = parse_frame(frame);
        CHECK((f.flags & kTruncated) != 0);
        CHECK(f.dst_ip_lo == t::ip6_lo(next_hop));
    }
}
