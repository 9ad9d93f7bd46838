// punt_kind: which frames the fast path hands to a fingerprint parser (discovery replies,
// DHCP, DNS questions, TLS handshakes and HTTP/RTSP banners the camera-side device sends,
// its ARP), decided from ports and the first payload bytes; and payload_offset's bounds.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/fingerprint/dispatch.h"
#include "dataplane/parse/frame.h"
#include "tests/fixtures/frame_builder.h"

namespace {

namespace f = camfence::fingerprint;
namespace t = camfence::test;
using camfence::dataplane::parse_frame;
using camfence::dataplane::ParsedFrame;
using camfence::policy::Direction;
using f::PuntKind;

constexpr std::uint64_t kCamera = 0xaccc8e010203;
constexpr std::uint64_t kRouter = 0x00000c123456;
constexpr std::uint32_t kCameraIp = t::ip4(192, 168, 1, 20);
constexpr std::uint32_t kPeerIp = t::ip4(10, 0, 0, 5);

const char* name(PuntKind k) {
    switch (k) {
        case PuntKind::none:
            return "none";
        case PuntKind::sadp:
            return "sadp";
        case PuntKind::dhip:
            return "dhip";
        case PuntKind::dahua5050:
            return "dahua5050";
        case PuntKind::wsd:
            return "wsd";
        case PuntKind::dhcp:
            return "dhcp";
        case PuntKind::dns:
            return "dns";
        case PuntKind::tls_hello:
            return "tls_hello";
        case PuntKind::tls_server:
            return "tls_server";
        case PuntKind::banner:
            return "banner";
        case PuntKind::arp:
            return "arp";
    }
    return "?";
}

// The frame as it crosses the appliance in `dir`: upstream from the camera, downstream to it.
t::FrameBuilder ip_frame(Direction dir, bool tagged = false) {
    const bool up = dir == Direction::upstream;
    t::FrameBuilder b(up ? kRouter : kCamera, up ? kCamera : kRouter);
    if (tagged) b.vlan(120);
    b.ipv4({.src = up ? kCameraIp : kPeerIp, .dst = up ? kPeerIp : kCameraIp});
    return b;
}

std::vector<std::byte> udp(Direction dir, std::uint16_t sport, std::uint16_t dport,
                           std::size_t payload = 32) {
    return ip_frame(dir).udp(sport, dport).payload(payload).build();
}

std::vector<std::byte> tcp(Direction dir, std::uint16_t sport, std::uint16_t dport,
                           const std::string& payload, bool tagged = false) {
    auto b = ip_frame(dir, tagged).tcp(sport, dport);
    for (char c : payload)
        b.raw({static_cast<std::uint8_t>(c)});
    return b.build();
}

std::vector<std::byte> tcp_bytes(Direction dir, std::uint16_t sport, std::uint16_t dport,
                                 std::initializer_list<std::uint8_t> payload) {
    return ip_frame(dir).tcp(sport, dport).raw(payload).build();
}

PuntKind kind_of(const std::vector<std::byte>& frame, Direction dir) {
    const ParsedFrame pf = parse_frame(frame);
    return f::punt_kind(pf, frame, dir);
}

std::string kind_name(const std::vector<std::byte>& frame, Direction dir) {
    return name(kind_of(frame, dir));
}

constexpr Direction kUp = Direction::upstream;
constexpr Direction kDown = Direction::downstream;

}  // namespace

TEST_CASE("punt_kind: discovery protocols from the device, either port", "[fingerprint_model]") {
    struct Row {
        std::uint16_t port;
        const char* kind;
    };
    for (const Row& row :
         {Row{37020, "sadp"}, Row{37810, "dhip"}, Row{3702, "wsd"}, Row{5050, "dahua5050"}}) {
        INFO("port " << row.port);
        // The device's reply (from the port) and its search (to the port).
        CHECK(kind_name(udp(kUp, row.port, 40000), kUp) == row.kind);
        CHECK(kind_name(udp(kUp, 40000, row.port), kUp) == row.kind);
        CHECK(kind_name(udp(kUp, row.port, row.port), kUp) == row.kind);
        // Toward the device: someone else's.
        CHECK(kind_name(udp(kDown, row.port, 40000), kDown) == "none");
        CHECK(kind_name(udp(kDown, 40000, row.port), kDown) == "none");
        // The same ports over TCP are no discovery.
        CHECK(kind_name(tcp(kUp, row.port, 40000, "abcdefgh"), kUp) == "none");
    }
    CHECK(kind_name(udp(kUp, 40000, 40001), kUp) == "none");
    CHECK(kind_name(udp(kUp, 37021, 37019), kUp) == "none");
}

TEST_CASE("punt_kind: DHCP only from the client to the server", "[fingerprint_model]") {
    CHECK(kind_name(udp(kUp, 68, 67), kUp) == "dhcp");
    CHECK(kind_name(udp(kUp, 67, 68), kUp) == "none");  // a server on the camera side
    CHECK(kind_name(udp(kUp, 68, 68), kUp) == "none");
    CHECK(kind_name(udp(kUp, 67, 67), kUp) == "none");
    CHECK(kind_name(udp(kUp, 40000, 67), kUp) == "none");
    CHECK(kind_name(udp(kDown, 67, 68), kDown) == "none");  // the server's answer
    CHECK(kind_name(udp(kDown, 68, 67), kDown) == "none");
}

TEST_CASE("punt_kind: DNS is the device's own question", "[fingerprint_model]") {
    for (int p : {53, 5353, 5355}) {
        const auto port = static_cast<std::uint16_t>(p);
        INFO("port " << port);
        // Asked by the device.
        CHECK(kind_name(udp(kUp, 40000, port), kUp) == "dns");
        // Answered to the device: the answer repeats its question.
        CHECK(kind_name(udp(kDown, port, 40000), kDown) == "dns");
        // An answer the camera side sends is some other host's question.
        CHECK(kind_name(udp(kUp, port, 40000), kUp) == "none");
        // A question toward the camera side is someone else's.
        CHECK(kind_name(udp(kDown, 40000, port), kDown) == "none");
    }
    CHECK(kind_name(udp(kUp, 40000, 54), kUp) == "none");
    // DNS over TCP is not parsed.
    CHECK(kind_name(tcp_bytes(kUp, 40000, 53, {0x00, 0x1c, 0x12, 0x34, 0x01, 0x00}), kUp) ==
          "none");
}

TEST_CASE("punt_kind: TLS handshakes the device sends", "[fingerprint_model]") {
    // Record header: type 0x16 (handshake), version 0x03 0x0N, length; then handshake type.
    CHECK(kind_name(tcp_bytes(kUp, 40000, 443, {0x16, 0x03, 0x01, 0x00, 0x80, 0x01, 0, 0, 0x7c}),
                    kUp) == "tls_hello");
    CHECK(kind_name(tcp_bytes(kUp, 40000, 8443, {0x16, 0x03, 0x03, 0x02, 0x00, 0x01}), kUp) ==
          "tls_hello");
    // Any port: the bytes decide.
    CHECK(kind_name(tcp_bytes(kUp, 40000, 9999, {0x16, 0x03, 0x01, 0x00, 0x80, 0x01}), kUp) ==
          "tls_hello");
    CHECK(kind_name(tcp_bytes(kUp, 443, 40000, {0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0, 0, 0x4c}),
                    kUp) == "tls_server");
    // Other handshake messages, other records, other versions.
    CHECK(kind_name(tcp_bytes(kUp, 443, 40000, {0x16, 0x03, 0x03, 0x00, 0x50, 0x0b}), kUp) ==
          "none");
    CHECK(kind_name(tcp_bytes(kUp, 443, 40000, {0x17, 0x03, 0x03, 0x00, 0x50, 0x01}), kUp) ==
          "none");
    CHECK(kind_name(tcp_bytes(kUp, 443, 40000, {0x16, 0x02, 0x00, 0x00, 0x50, 0x01}), kUp) ==
          "none");
    // Toward the device: not its own.
    CHECK(kind_name(tcp_bytes(kDown, 40000, 443, {0x16, 0x03, 0x01, 0x00, 0x80, 0x01}), kDown) ==
          "none");
    CHECK(kind_name(tcp_bytes(kDown, 443, 40000, {0x16, 0x03, 0x03, 0x00, 0x50, 0x02}), kDown) ==
          "none");
    // Too short to hold the handshake type.
    CHECK(kind_name(tcp_bytes(kUp, 40000, 443, {0x16, 0x03, 0x01, 0x00, 0x80}), kUp) == "none");
    // TLS over UDP (DTLS) is not parsed.
    auto dtls = ip_frame(kUp).udp(40000, 443).raw({0x16, 0x03, 0x01, 0x00, 0x80, 0x01}).build();
    CHECK(kind_name(dtls, kUp) == "none");
}

TEST_CASE("punt_kind: HTTP and RTSP responses from the device's service ports",
          "[fingerprint_model]") {
    for (int p : {80, 554, 8000, 8080, 37777}) {
        const auto port = static_cast<std::uint16_t>(p);
        INFO("port " << port);
        CHECK(kind_name(tcp(kUp, port, 40000, "HTTP/1.1 200 OK\r\nServer: App-webs/\r\n"), kUp) ==
              "banner");
        CHECK(kind_name(tcp(kUp, port, 40000, "RTSP/1.0 401 Unauthorized\r\n"), kUp) == "banner");
        CHECK(kind_name(tcp(kUp, port, 40000, "HTTP/1.0 404\r\n", true), kUp) == "banner");
        // A request, or another protocol, from the same port.
        CHECK(kind_name(tcp(kUp, port, 40000, "GET / HTTP/1.1\r\n"), kUp) == "none");
        CHECK(kind_name(tcp(kUp, port, 40000, "http/1.1 200 OK\r\n"), kUp) == "none");
        CHECK(kind_name(tcp(kUp, port, 40000, "HTTPS/1.1 200\r\n"), kUp) == "none");
        // A response toward the device (it is the client).
        CHECK(kind_name(tcp(kDown, port, 40000, "HTTP/1.1 200 OK\r\n"), kDown) == "none");
        // The device's own request to such a port.
        CHECK(kind_name(tcp(kUp, 40000, port, "HTTP/1.1 200 OK\r\n"), kUp) == "none");
    }
    for (int p : {9999, 81, 443, 8081, 37778}) {
        const auto port = static_cast<std::uint16_t>(p);
        INFO("port " << port);
        CHECK(kind_name(tcp(kUp, port, 40000, "HTTP/1.1 200 OK\r\n"), kUp) == "none");
    }
    // Five bytes are not enough to tell.
    CHECK(kind_name(tcp(kUp, 80, 40000, "HTTP/"), kUp) == "none");
    CHECK(kind_name(tcp(kUp, 80, 40000, "HTTP/1"), kUp) == "banner");
    // An empty segment (a bare ACK).
    CHECK(kind_name(tcp(kUp, 80, 40000, ""), kUp) == "none");
}

TEST_CASE("punt_kind: ARP from the device", "[fingerprint_model]") {
    const auto request = t::FrameBuilder(t::kBroadcastMac, kCamera)
                             .arp({.operation = 1,
                                   .sender_mac = kCamera,
                                   .sender_ip = kCameraIp,
                                   .target_ip = t::ip4(192, 168, 1, 1)})
                             .build();
    CHECK(kind_name(request, kUp) == "arp");
    const auto reply = t::FrameBuilder(kRouter, kCamera)
                           .vlan(120)
                           .arp({.operation = 2,
                                 .sender_mac = kCamera,
                                 .sender_ip = kCameraIp,
                                 .target_mac = kRouter,
                                 .target_ip = t::ip4(192, 168, 1, 1)})
                           .build();
    CHECK(kind_name(reply, kUp) == "arp");
    // Toward the device: someone else's address.
    const auto to_camera = t::FrameBuilder(kCamera, kRouter)
                               .arp({.operation = 2,
                                     .sender_mac = kRouter,
                                     .sender_ip = t::ip4(192, 168, 1, 1),
                                     .target_mac = kCamera,
                                     .target_ip = kCameraIp})
                               .build();
    CHECK(kind_name(to_camera, kDown) == "none");
    // An ARP whose addresses cannot be read.
    const auto bad = t::FrameBuilder(t::kBroadcastMac, kCamera)
                         .arp({.sender_mac = kCamera, .sender_ip = kCameraIp, .hardware_type = 7})
                         .build();
    CHECK(kind_name(bad, kUp) == "none");
    auto truncated = request;
    truncated.resize(14 + 20);
    CHECK(kind_name(truncated, kUp) == "none");
}

TEST_CASE("punt_kind: frames without readable ports are none", "[fingerprint_model]") {
    SECTION("a TCP header cut short") {
        // Ports, sequence, acknowledgement (12 bytes): the data offset byte is missing.
        auto cut = t::FrameBuilder(kRouter, kCamera)
                       .ipv4({.src = kCameraIp, .dst = kPeerIp})
                       .next_protocol(t::kProtoTcp)
                       .raw({0x00, 0x50, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0})
                       .build();
        ParsedFrame pf = parse_frame(cut);
        REQUIRE(pf.has_ports);
        CHECK(f::payload_offset(pf, cut) == 0);
        CHECK(kind_name(cut, kUp) == "none");
    }
    SECTION("a TCP header whose data offset runs past the frame") {
        // Data offset 15 (60 bytes) in a 20-byte header followed by "HTTP/1.1 200".
        auto b = t::FrameBuilder(kRouter, kCamera)
                     .ipv4({.src = kCameraIp, .dst = kPeerIp})
                     .next_protocol(t::kProtoTcp)
                     .raw({0x00, 0x50, 0x9c, 0x40, 0,    0,    0, 1, 0, 0,
                           0,    0,    0xf0, 0x18, 0xff, 0xff, 0, 0, 0, 0});
        for (char c : std::string("HTTP/1.1 200"))
            b.raw({static_cast<std::uint8_t>(c)});
        auto frame = b.build();
        ParsedFrame pf = parse_frame(frame);
        REQUIRE(pf.has_ports);
        CHECK(f::payload_offset(pf, frame) == 0);
        CHECK(kind_name(frame, kUp) == "none");
    }
    SECTION("a TCP data offset below the minimum") {
        auto b = t::FrameBuilder(kRouter, kCamera)
                     .ipv4({.src = kCameraIp, .dst = kPeerIp})
                     .next_protocol(t::kProtoTcp)
                     .raw({0x00, 0x50, 0x9c, 0x40, 0,    0,    0, 1, 0, 0,
                           0,    0,    0x40, 0x18, 0xff, 0xff, 0, 0, 0, 0});
        for (char c : std::string("HTTP/1.1 200"))
            b.raw({static_cast<std::uint8_t>(c)});
        auto frame = b.build();
        ParsedFrame pf = parse_frame(frame);
        REQUIRE(pf.has_ports);
        CHECK(f::payload_offset(pf, frame) == 0);
        CHECK(kind_name(frame, kUp) == "none");
    }
    SECTION("ports cut short") {
        auto cut = t::FrameBuilder(kRouter, kCamera)
                       .ipv4({.src = kCameraIp, .dst = kPeerIp})
                       .next_protocol(t::kProtoUdp)
                       .raw({0x9c, 0x40, 0x00})
                       .build();
        CHECK(kind_name(cut, kUp) == "none");
    }
    SECTION("a later IPv4 fragment") {
        auto frag = t::FrameBuilder(kRouter, kCamera)
                        .ipv4({.src = kCameraIp, .dst = kPeerIp, .fragment_offset = 100})
                        .udp(40000, 53)
                        .payload(16)
                        .build();
        CHECK(kind_name(frag, kUp) == "none");
    }
    SECTION("neither TCP nor UDP") {
        auto icmp = t::FrameBuilder(kRouter, kCamera)
                        .ipv4({.src = kCameraIp, .dst = kPeerIp})
                        .next_protocol(1)
                        .payload(16)
                        .build();
        CHECK(kind_name(icmp, kUp) == "none");
        auto other = t::FrameBuilder(kRouter, kCamera).ethertype(0x88cc).payload(40).build();
        CHECK(kind_name(other, kUp) == "none");
    }
}

TEST_CASE("punt_kind over IPv6 and behind VLAN tags", "[fingerprint_model]") {
    auto dns6 = t::FrameBuilder(kRouter, kCamera)
                    .vlan(120)
                    .ipv6(t::ip6("2001:db8:200::20"), t::ip6("2001:db8:100::53"))
                    .udp(40000, 53)
                    .payload(20)
                    .build();
    CHECK(kind_name(dns6, kUp) == "dns");
    auto sadp6 = t::FrameBuilder(kRouter, kCamera)
                     .ipv6(t::ip6("fe80::1"), t::ip6("ff02::1"))
                     .udp(37020, 37020)
                     .payload(20)
                     .build();
    CHECK(kind_name(sadp6, kUp) == "sadp");
    auto qinq = t::FrameBuilder(kRouter, kCamera)
                    .vlan(10, t::kTpid8021ad)
                    .vlan(120)
                    .ipv4({.src = kCameraIp, .dst = kPeerIp})
                    .udp(37810, 37810)
                    .payload(20)
                    .build();
    CHECK(kind_name(qinq, kUp) == "dhip");
}

TEST_CASE("payload_offset: after the UDP header, after the TCP data offset",
          "[fingerprint_model]") {
    const std::size_t l4 = 14 + 20;  // untagged IPv4 without options
    SECTION("UDP") {
        auto frame = udp(kUp, 40000, 53, 10);
        ParsedFrame pf = parse_frame(frame);
        CHECK(f::payload_offset(pf, frame) == l4 + 8);
        // A bare header: the payload is empty but starts at the end.
        auto bare = udp(kUp, 40000, 53, 0);
        pf = parse_frame(bare);
        CHECK(f::payload_offset(pf, bare) == l4 + 8);
        CHECK(bare.size() == l4 + 8);
        // Seven bytes of header: none.
        auto cut = bare;
        cut.resize(l4 + 7);
        pf = parse_frame(cut);
        REQUIRE(pf.has_ports);
        CHECK(f::payload_offset(pf, cut) == 0);
    }
    SECTION("UDP behind a tag and IPv4 options") {
        auto frame = t::FrameBuilder(kRouter, kCamera)
                         .vlan(120)
                         .ipv4({.src = kCameraIp, .dst = kPeerIp, .options = {1, 1, 1, 1, 1, 1}})
                         .udp(40000, 53)
                         .payload(4)
                         .build();
        ParsedFrame pf = parse_frame(frame);
        CHECK(f::payload_offset(pf, frame) == 18 + 28 + 8);
    }
    SECTION("TCP") {
        auto frame = tcp(kUp, 80, 40000, "HTTP/1.1 200 OK");
        ParsedFrame pf = parse_frame(frame);
        CHECK(f::payload_offset(pf, frame) == l4 + 20);
        auto bare = tcp(kUp, 80, 40000, "");
        pf = parse_frame(bare);
        CHECK(f::payload_offset(pf, bare) == l4 + 20);
        auto cut = bare;
        cut.resize(l4 + 19);
        pf = parse_frame(cut);
        CHECK(f::payload_offset(pf, cut) == 0);
    }
    SECTION("TCP with options") {
        // Data offset 8: 12 bytes of options (NOPs and a timestamp-sized filler).
        auto b = t::FrameBuilder(kRouter, kCamera)
                     .ipv4({.src = kCameraIp, .dst = kPeerIp})
                     .next_protocol(t::kProtoTcp)
                     .raw({0x00, 0x50, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 0x18, 0xff, 0xff,
                           0,    0,    0,    0,    1, 1, 1, 1, 1, 1, 1, 1, 1,    1,    1,    1});
        for (char c : std::string("HTTP/1.1 200 OK"))
            b.raw({static_cast<std::uint8_t>(c)});
        auto frame = b.build();
        ParsedFrame pf = parse_frame(frame);
        CHECK(f::payload_offset(pf, frame) == l4 + 32);
        CHECK(kind_name(frame, kUp) == "banner");
        // The options run past the frame: none.
        frame.resize(l4 + 31);
        pf = parse_frame(frame);
        CHECK(f::payload_offset(pf, frame) == 0);
    }
    SECTION("no ports, no payload") {
        auto icmp = t::FrameBuilder(kRouter, kCamera)
                        .ipv4({.src = kCameraIp, .dst = kPeerIp})
                        .next_protocol(1)
                        .payload(16)
                        .build();
        ParsedFrame pf = parse_frame(icmp);
        CHECK(f::payload_offset(pf, icmp) == 0);
        // SCTP has ports but no payload these parsers read.
        auto sctp = t::FrameBuilder(kRouter, kCamera)
                        .ipv4({.src = kCameraIp, .dst = kPeerIp})
                        .next_protocol(132)
                        .raw({0x00, 0x50, 0x9c, 0x40, 0, 0, 0, 0, 0, 0, 0, 0})
                        .payload(16)
                        .build();
        pf = parse_frame(sctp);
        REQUIRE(pf.has_ports);
        CHECK(f::payload_offset(pf, sctp) == 0);
        CHECK(kind_name(sctp, kUp) == "none");
    }
}

TEST_CASE("observe yields nothing for none and arp, and for a frame with no payload",
          "[fingerprint_model]") {
    std::vector<f::Observation> out;
    auto frame = udp(kUp, 37020, 37020, 0);
    ParsedFrame pf = parse_frame(frame);
    f::observe(PuntKind::none, pf, frame, out);
    f::observe(PuntKind::arp, pf, frame, out);
    f::observe(PuntKind::sadp, pf, frame, out);
    CHECK(out.empty());
    // Every parser over a header cut short: nothing, and no read past the frame (sanitizers).
    auto cut = frame;
    cut.resize(14 + 20 + 6);
    pf = parse_frame(cut);
    for (PuntKind k :
         {PuntKind::sadp, PuntKind::dhip, PuntKind::dahua5050, PuntKind::wsd, PuntKind::dhcp,
          PuntKind::dns, PuntKind::tls_hello, PuntKind::tls_server, PuntKind::banner}) {
        INFO(name(k));
        f::observe(k, pf, cut, out);
        CHECK(out.empty());
    }
}
