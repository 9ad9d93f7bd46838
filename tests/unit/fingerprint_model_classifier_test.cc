// classify_frame with IPv4 bindings in the DeviceTable: the address a device with a sticky
// prohibited verdict uses is enforced by address too (ipv4_binding_key(ip)), so the
// same device behind another MAC is still prohibited; exceptions still win, IPv6 is never
// looked up, and a table without bindings changes nothing.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/classify/classifier.h"
#include "dataplane/classify/device_table.h"
#include "tests/fixtures/frame_builder.h"
#include "tests/fixtures/policy_builder.h"

namespace {

namespace p = camfence::policy;
namespace t = camfence::test;
using camfence::dataplane::classify_frame;
using camfence::dataplane::device_key;
using camfence::dataplane::DeviceSlot;
using camfence::dataplane::DeviceTable;
using camfence::dataplane::FrameVerdict;
using camfence::dataplane::ipv4_binding_key;
using camfence::dataplane::kAnyVlan;
using camfence::dataplane::kNoNativeVlan;
using camfence::dataplane::parse_frame;
using camfence::dataplane::ParsedFrame;
using p::Direction;

constexpr std::uint64_t kHikvision = 0x4419b6123456;  // Hikvision MA-L
constexpr std::uint64_t kExcepted = 0x4419b6000001;   // excepted in config/policy.yaml
constexpr std::uint64_t kAxis = 0xaccc8e010203;       // registered, not in the catalog: clear
constexpr std::uint64_t kLocal = 0x02aabbccddee;      // locally administered: unregistered
constexpr std::uint64_t kRouter = 0x00000c123456;     // the peer side's gateway

constexpr std::uint32_t kBoundIp = t::ip4(192, 168, 1, 20);     // a sticky device's address
constexpr std::uint32_t kUnstickyIp = t::ip4(192, 168, 1, 21);  // bound, but not sticky
constexpr std::uint32_t kOtherIp = t::ip4(192, 168, 1, 99);     // bound to nothing
constexpr std::uint32_t kCoreIp = t::ip4(10, 0, 0, 5);
constexpr std::uint32_t kNvrIp = t::ip4(172, 16, 50, 10);

constexpr auto kSticky = DeviceSlot::kStickyProhibited;

const p::PolicySnapshot& example() {
    static const auto snap = t::example_snapshot(t::kNow2026);
    return *snap;
}

// The table the control plane publishes for a registry holding one sticky device (Hikvision
// on VLAN 120 at kBoundIp) and one clear one (Axis on VLAN 120 at kUnstickyIp, not sticky).
std::shared_ptr<const DeviceTable> bound_table() {
    auto tbl = std::make_shared<DeviceTable>(16);
    tbl->insert({device_key(kHikvision, 120), kSticky, 0});
    tbl->insert({device_key(kHikvision, kAnyVlan), kSticky, 0});
    tbl->insert({ipv4_binding_key(kBoundIp), kSticky, 0});
    tbl->insert({ipv4_binding_key(kUnstickyIp), 0, 0});
    return tbl;
}

t::FrameBuilder tagged(std::uint64_t dst, std::uint64_t src, int vid) {
    t::FrameBuilder b(dst, src);
    if (vid >= 0) b.vlan(static_cast<std::uint16_t>(vid));
    return b;
}

// Device -> peer and peer -> device, TCP over IPv4.
std::vector<std::byte> up(std::uint64_t mac, std::uint32_t src_ip, std::uint32_t dst_ip,
                          int vid = 120) {
    return tagged(kRouter, mac, vid).ipv4({.src = src_ip, .dst = dst_ip}).tcp(40000, 443).build();
}
std::vector<std::byte> down(std::uint64_t mac, std::uint32_t src_ip, std::uint32_t dst_ip,
                            int vid = 120) {
    return tagged(mac, kRouter, vid).ipv4({.src = src_ip, .dst = dst_ip}).tcp(443, 40000).build();
}

FrameVerdict classify(const std::vector<std::byte>& frame, Direction dir,
                      const DeviceTable* devices, const p::PolicySnapshot& snap = example()) {
    const ParsedFrame f = parse_frame(frame);
    return classify_frame(snap, f, dir, kNoNativeVlan, devices);
}

std::string cls(const FrameVerdict& v) {
    return std::string(p::to_string(v.device_class));
}
std::string act(const FrameVerdict& v) {
    return std::string(p::to_string(v.action));
}

constexpr Direction kUp = Direction::upstream;
constexpr Direction kDown = Direction::downstream;

}  // namespace

TEST_CASE("IPv4 bindings: a clear MAC on a bound address is prohibited", "[fingerprint_model]") {
    const auto tbl = bound_table();
    REQUIRE(tbl->has_ip_bindings());

    SECTION("downstream, to the bound address") {
        const auto frame = down(kAxis, kCoreIp, kBoundIp);
        // Without the table, or with it but another address: clear.
        CHECK(cls(classify(frame, kDown, nullptr)) == "clear");
        CHECK(cls(classify(down(kAxis, kCoreIp, kOtherIp), kDown, tbl.get())) == "clear");
        const FrameVerdict v = classify(frame, kDown, tbl.get());
        CHECK(cls(v) == "prohibited");
        CHECK(act(v) == "drop");
        CHECK(example().slot_name(v.slot) == "prohibited-to-core");
        // The device found is the MAC's own entry (none here), not the binding.
        CHECK(v.has_device);
        CHECK(v.device_key == device_key(kAxis, 120));
        CHECK(v.device == nullptr);
        // From outside the core zone: the next prohibited rule.
        const FrameVerdict nvr = classify(down(kAxis, kNvrIp, kBoundIp), kDown, tbl.get());
        CHECK(cls(nvr) == "prohibited");
        CHECK(act(nvr) == "quarantine");
    }
    SECTION("upstream, from the bound address") {
        CHECK(cls(classify(up(kAxis, kBoundIp, kCoreIp), kUp, nullptr)) == "clear");
        const FrameVerdict v = classify(up(kAxis, kBoundIp, kCoreIp), kUp, tbl.get());
        CHECK(cls(v) == "prohibited");
        CHECK(act(v) == "drop");
        CHECK(cls(classify(up(kAxis, kOtherIp, kCoreIp), kUp, tbl.get())) == "clear");
    }
    SECTION("on any camera VLAN, untagged too") {
        for (int vid : {-1, 100, 150, 199}) {
            INFO("VLAN " << vid);
            CHECK(cls(classify(up(kAxis, kBoundIp, kCoreIp, vid), kUp, tbl.get())) == "prohibited");
            CHECK(cls(classify(down(kAxis, kCoreIp, kBoundIp, vid), kDown, tbl.get())) ==
                  "prohibited");
        }
    }
    SECTION("an unregistered MAC too") {
        CHECK(cls(classify(up(kLocal, kBoundIp, kCoreIp), kUp, nullptr)) == "unregistered");
        CHECK(cls(classify(up(kLocal, kBoundIp, kCoreIp), kUp, tbl.get())) == "prohibited");
    }
    SECTION("a prohibited MAC stays prohibited") {
        CHECK(cls(classify(up(kHikvision, kBoundIp, kCoreIp), kUp, tbl.get())) == "prohibited");
        CHECK(cls(classify(up(kHikvision, kOtherIp, kCoreIp), kUp, tbl.get())) == "prohibited");
    }
}

TEST_CASE("IPv4 bindings: only the device's own address counts", "[fingerprint_model]") {
    const auto tbl = bound_table();
    // The bound address as the peer: upstream destination, downstream source.
    CHECK(cls(classify(up(kAxis, kOtherIp, kBoundIp), kUp, tbl.get())) == "clear");
    CHECK(cls(classify(down(kAxis, kBoundIp, kOtherIp), kDown, tbl.get())) == "clear");
    // A binding without the sticky flag enforces nothing.
    CHECK(cls(classify(up(kAxis, kUnstickyIp, kCoreIp), kUp, tbl.get())) == "clear");
    CHECK(cls(classify(down(kAxis, kCoreIp, kUnstickyIp), kDown, tbl.get())) == "clear");
    // Broadcast toward the camera side addresses no device.
    const FrameVerdict bc = classify(down(t::kBroadcastMac, kCoreIp, kBoundIp), kDown, tbl.get());
    CHECK(cls(bc) == "clear");
    CHECK_FALSE(bc.has_device);
}

TEST_CASE("IPv4 bindings: an excepted device stays excepted", "[fingerprint_model]") {
    const auto tbl = bound_table();
    const FrameVerdict u = classify(up(kExcepted, kBoundIp, kCoreIp), kUp, tbl.get());
    CHECK(cls(u) == "excepted");
    CHECK(act(u) == "forward");
    const FrameVerdict d = classify(down(kExcepted, kCoreIp, kBoundIp), kDown, tbl.get());
    CHECK(cls(d) == "excepted");
    CHECK(act(d) == "forward");
}

TEST_CASE("IPv4 bindings: IPv6 frames are not looked up", "[fingerprint_model]") {
    const auto tbl = bound_table();
    // 2001:db8:200::c0a8:114 ends in the bound IPv4 address 192.168.1.20.
    const auto six = t::ip6("2001:db8:200::c0a8:114");
    const auto core6 = t::ip6("2001:db8:100::5");
    const auto u = tagged(kRouter, kAxis, 120).ipv6(six, core6).udp(5000, 5000).build();
    const auto d = tagged(kAxis, kRouter, 120).ipv6(core6, six).udp(5000, 5000).build();
    const ParsedFrame fu = parse_frame(u);
    REQUIRE(static_cast<std::uint32_t>(fu.src_ip_lo) == kBoundIp);
    const ParsedFrame fd = parse_frame(d);
    REQUIRE(static_cast<std::uint32_t>(fd.dst_ip_lo) == kBoundIp);
    CHECK(cls(classify(u, kUp, tbl.get())) == "clear");
    CHECK(cls(classify(d, kDown, tbl.get())) == "clear");
    // An IPv4-mapped address is IPv6 on the wire all the same.
    const auto mapped = t::ip6("::ffff:192.168.1.20");
    const auto m = tagged(kRouter, kAxis, 120).ipv6(mapped, core6).udp(5000, 5000).build();
    CHECK(cls(classify(m, kUp, tbl.get())) == "clear");
}

TEST_CASE("a table without IPv4 bindings changes nothing by address", "[fingerprint_model]") {
    auto tbl = std::make_shared<DeviceTable>(16);
    tbl->insert({device_key(kHikvision, 120), kSticky, 0});
    tbl->insert({device_key(kHikvision, kAnyVlan), kSticky, 0});
    tbl->insert({device_key(kAxis, 130), 0, 0});
    CHECK_FALSE(tbl->has_ip_bindings());
    for (std::uint32_t ip : {kBoundIp, kOtherIp, kCoreIp}) {
        INFO(ip);
        CHECK(cls(classify(up(kAxis, ip, kCoreIp), kUp, tbl.get())) ==
              cls(classify(up(kAxis, ip, kCoreIp), kUp, nullptr)));
        CHECK(cls(classify(down(kAxis, kCoreIp, ip), kDown, tbl.get())) == "clear");
    }
    // A binding makes it look addresses up.
    tbl->insert({ipv4_binding_key(kBoundIp), kSticky, 0});
    CHECK(tbl->has_ip_bindings());
    CHECK(cls(classify(up(kAxis, kBoundIp, kCoreIp), kUp, tbl.get())) == "prohibited");
}

// Regression (was a bug): kIpv4Binding is 0xffe, VLAN 4094, which a frame can carry and a policy
// can list as a camera VLAN (policy_loader accepts 0-4094; device_table.h claims "Nor this: entries
// keyed by an IPv4 address..." is no VLAN a frame can carry). A device whose MAC starts 00:00 on
// VLAN 4094 has the key of an IPv4 binding: device_key(00:00:c0:a8:01:14, 4094) ==
// ipv4_binding_key(192.168.1.20). classify_frame finds the binding as the device's own
// entry and takes its sticky flag: the clear Western Digital device 00:00:c0:a8:01:14 is
// prohibited because a Hikvision camera uses 192.168.1.20. (And in the table the control plane
// builds, such a device's entry, inserted first, makes the binding's insert fail.)
TEST_CASE("a device on VLAN 4094 is not taken for an IPv4 binding", "[fingerprint_model]") {
    constexpr std::uint64_t kWesternDigital = 0x0000c0a80114;  // 00:00:C0, registered: clear
    t::PolicyBuilder b;
    b.camera_vlans = "[0, 100-199, 4094]";
    const auto snap = t::compile(b.load());
    REQUIRE(snap->is_camera_vlan(4094));

    auto tbl = std::make_shared<DeviceTable>(16);
    tbl->insert({device_key(kHikvision, 120), kSticky, 0});
    tbl->insert({ipv4_binding_key(kBoundIp), kSticky, 0});

    const auto frame =
        up(kWesternDigital, t::ip4(192, 168, 5, 5), t::ip4(192, 168, 5, 1), /*vid=*/4094);
    const FrameVerdict without = classify(frame, kUp, nullptr, *snap);
    REQUIRE(cls(without) == "clear");
    const FrameVerdict v = classify(frame, kUp, tbl.get(), *snap);
    CHECK(cls(v) == "clear");
    CHECK(v.device == nullptr);

    // The other way round: the device's entry (not sticky) is in first; the binding must
    // still go in.
    DeviceTable t2(16);
    REQUIRE(t2.insert({device_key(kWesternDigital, 4094), 0, 0}));
    CHECK(t2.insert({ipv4_binding_key(kBoundIp), kSticky, 0}));
}
