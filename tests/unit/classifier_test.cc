// classify_frame end to end: a policy (the example config/policy.yaml or a PolicyBuilder
// snippet) compiled against the installed IEEE registry, a frame from the FrameBuilder, and
// the verdict — action, counter slot, device class, peer zone. One row per case.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dataplane/classify/classifier.h"
#include "dataplane/classify/vlan_rewrite.h"
#include "tests/fixtures/frame_builder.h"
#include "tests/fixtures/policy_builder.h"

namespace {

namespace p = camfence::policy;
namespace t = camfence::test;
using camfence::dataplane::classify_frame;
using camfence::dataplane::direction_by_zones;
using camfence::dataplane::FrameVerdict;
using camfence::dataplane::parse_frame;
using camfence::dataplane::ParsedFrame;
using p::Action;
using p::DeviceClass;
using p::Direction;

// Camera-side devices, by what the shipped catalog and the IEEE registry make of them.
constexpr std::uint64_t kHikvision = 0x4419b6123456;     // Hikvision MA-L
constexpr std::uint64_t kExcepted = 0x4419b6000001;      // excepted in config/policy.yaml
constexpr std::uint64_t kEzviz = 0x588fcf000001;         // Hikvision subsidiary
constexpr std::uint64_t kDahuaCatalog = 0x64fd29000001;  // catalog extra prefix
constexpr std::uint64_t kAxis = 0xaccc8e010203;          // registered, not in the catalog
constexpr std::uint64_t kLocal = 0x02aabbccddee;         // locally administered
constexpr std::uint64_t kUnassigned = 0x0c0c0c000001;    // no registry entry
constexpr std::uint64_t kRouter = 0x00000c123456;        // the peer side's gateway

constexpr std::uint32_t kCameraIp = t::ip4(192, 168, 1, 20);
constexpr std::uint32_t kCoreIp = t::ip4(10, 0, 0, 5);
constexpr std::uint32_t kNvrIp = t::ip4(172, 16, 50, 10);
constexpr std::uint32_t kInternetIp = t::ip4(8, 8, 8, 8);

struct Tag {
    std::uint16_t vid;
    std::uint16_t tpid = t::kTpid8021Q;
};

t::FrameBuilder l2(std::uint64_t dst, std::uint64_t src, const std::vector<Tag>& tags) {
    t::FrameBuilder b(dst, src);
    for (const auto& tag : tags)
        b.vlan(tag.vid, tag.tpid);
    return b;
}

// Camera -> peer, TCP over IPv4.
std::vector<std::byte> up(std::uint64_t camera, std::vector<Tag> tags, std::uint32_t dst_ip) {
    return l2(kRouter, camera, tags)
        .ipv4({.src = kCameraIp, .dst = dst_ip})
        .tcp(40000, 443)
        .build();
}

// Peer -> camera, TCP over IPv4.
std::vector<std::byte> down(std::uint64_t camera, std::vector<Tag> tags, std::uint32_t src_ip) {
    return l2(camera, kRouter, tags)
        .ipv4({.src = src_ip, .dst = kCameraIp})
        .tcp(443, 40000)
        .build();
}

std::vector<std::byte> up6(std::uint64_t camera, std::vector<Tag> tags, const char* dst) {
    return l2(kRouter, camera, tags)
        .ipv6(t::ip6("2001:db8:200::20"), t::ip6(dst))
        .udp(5000, 5000)
        .build();
}

std::vector<std::byte> down6(std::uint64_t camera, std::vector<Tag> tags, const char* src) {
    return l2(camera, kRouter, tags)
        .ipv6(t::ip6(src), t::ip6("2001:db8:200::20"))
        .udp(5000, 5000)
        .build();
}

// An IPv4 fragment after the first: addresses, but no ports.
std::vector<std::byte> later_fragment(std::uint64_t camera, std::uint32_t dst_ip) {
    t::Ipv4Fields h{.src = kCameraIp, .dst = dst_ip, .protocol = t::kProtoUdp};
    h.fragment_offset = 185;
    return l2(kRouter, camera, {{120}}).ipv4(h).payload(200).build();
}

std::vector<std::byte> arp(std::uint64_t src, std::uint64_t dst, std::vector<Tag> tags,
                           std::uint32_t sender_ip, std::uint32_t target_ip) {
    return l2(dst, src, tags)
        .arp({.sender_mac = src, .sender_ip = sender_ip, .target_ip = target_ip})
        .build();
}

std::vector<std::byte> lldp(std::uint64_t camera, std::vector<Tag> tags) {
    return l2(0x0180c200000e, camera, tags).ethertype(0x88cc).payload(32).build();
}

enum class Dir { upstream, downstream, by_zones };

struct Row {
    std::string description;
    std::optional<t::PolicyBuilder> policy;  // nullopt: config/policy.yaml
    std::vector<std::byte> frame;
    Dir dir;
    Action action;
    std::string rule;  // slot_name(verdict.slot)
    DeviceClass device_class;
    std::string zone = "";                    // the peer's zone, "" = none
    std::optional<Direction> direction = {};  // checked for by_zones rows
    std::int64_t now = t::kNow2026;
};

// Compiling against the full registry takes a while: one snapshot per distinct policy/time.
std::shared_ptr<const p::PolicySnapshot> snapshot_for(const Row& row) {
    static std::map<std::pair<std::string, std::int64_t>, std::shared_ptr<const p::PolicySnapshot>>
        cache;
    auto key = std::make_pair(row.policy ? row.policy->yaml() : std::string("example"), row.now);
    auto& snap = cache[key];
    if (!snap)
        snap = row.policy ? t::compile(row.policy->load(), row.now) : t::example_snapshot(row.now);
    return snap;
}

void check(const Row& row) {
    INFO(row.description);
    const auto snap = snapshot_for(row);
    const ParsedFrame f = parse_frame(row.frame);
    Direction dir = row.dir == Dir::upstream     ? Direction::upstream
                    : row.dir == Dir::downstream ? Direction::downstream
                                                 : direction_by_zones(*snap, f);
    if (row.direction) CHECK(dir == *row.direction);
    const FrameVerdict v = classify_frame(*snap, f, dir);
    CHECK(p::to_string(v.action) == p::to_string(row.action));
    CHECK(snap->slot_name(v.slot) == row.rule);
    CHECK(p::to_string(v.device_class) == p::to_string(row.device_class));
    CHECK(v.direction == dir);
    const bool classified = row.rule != "(non-camera-vlan)" && row.rule != "(malformed)";
    CHECK(v.camera == classified);
    if (classified)
        CHECK((v.zone == p::kNoZone        ? std::string()
               : v.zone == p::kUnknownZone ? std::string("(unknown)")
                                           : snap->zone_names.at(v.zone)) == row.zone);
    // The slot's action is the verdict's: counters and forwarding never disagree.
    if (v.slot < snap->rule_actions.size()) CHECK(snap->rule_actions[v.slot] == v.action);
    if (v.slot == snap->slot_default()) CHECK(v.action == snap->default_action);
}

t::PolicyBuilder with_rules(std::vector<std::string> rules, const char* default_action = nullptr) {
    t::PolicyBuilder b;
    b.rules = std::move(rules);
    if (default_action) b.default_action = default_action;
    return b;
}

const auto kUp = Dir::upstream;
const auto kDown = Dir::downstream;
const auto kByZones = Dir::by_zones;
const auto kProhibited = DeviceClass::prohibited;
const auto kExceptedClass = DeviceClass::excepted;
const auto kUnregistered = DeviceClass::unregistered;
const auto kClear = DeviceClass::clear;

}  // namespace

TEST_CASE("classify_frame under the example policy", "[classifier]") {
    const std::vector<Row> rows = {
        // Prohibited vendors
        {"Hikvision untagged to core",
         {},
         up(kHikvision, {}, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"Hikvision on VLAN 120 to core over IPv6",
         {},
         up6(kHikvision, {{120}}, "2001:db8:100::5"),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"Hikvision to the NVR zone: quarantined",
         {},
         up(kHikvision, {{120}}, kNvrIp),
         kUp,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited,
         "nvr"},
        {"Hikvision to the internet: quarantined",
         {},
         up(kHikvision, {{199}}, kInternetIp),
         kUp,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited},
        {"Ezviz (Hikvision subsidiary) to core",
         {},
         up(kEzviz, {{100}}, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"Dahua by a catalog extra prefix to core",
         {},
         up(kDahuaCatalog, {}, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        // Other devices
        {"Axis to core",
         {},
         up(kAxis, {{120}}, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kClear,
         "core"},
        {"local MAC on VLAN 120 to core: inside the rule's 100-149",
         {},
         up(kLocal, {{120}}, kCoreIp),
         kUp,
         Action::quarantine,
         "unregistered-to-core",
         kUnregistered,
         "core"},
        {"local MAC on VLAN 160 to core: outside the rule's VLANs",
         {},
         up(kLocal, {{160}}, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kUnregistered,
         "core"},
        {"local MAC on VLAN 149 (the rule's last VLAN)",
         {},
         up(kLocal, {{149}}, kCoreIp),
         kUp,
         Action::quarantine,
         "unregistered-to-core",
         kUnregistered,
         "core"},
        {"local MAC on VLAN 150",
         {},
         up(kLocal, {{150}}, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kUnregistered,
         "core"},
        {"local MAC untagged (VLAN 0 is a camera VLAN, not in 100-149)",
         {},
         up(kLocal, {}, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kUnregistered,
         "core"},
        {"local MAC on VLAN 120 to the NVR",
         {},
         up(kLocal, {{120}}, kNvrIp),
         kUp,
         Action::forward,
         "(default)",
         kUnregistered,
         "nvr"},
        {"unassigned universal MAC on VLAN 100 to core",
         {},
         up(kUnassigned, {{100}}, kCoreIp),
         kUp,
         Action::quarantine,
         "unregistered-to-core",
         kUnregistered,
         "core"},
        // VLANs
        {"Hikvision on non-camera VLAN 300",
         {},
         up(kHikvision, {{300}}, kCoreIp),
         kUp,
         Action::forward,
         "(non-camera-vlan)",
         kClear},
        {"Hikvision on VLAN 4095 (reserved, never a camera VLAN)",
         {},
         up(kHikvision, {{4095}}, kCoreIp),
         kUp,
         Action::forward,
         "(non-camera-vlan)",
         kClear},
        {"QinQ: S-tag 3000, camera C-tag 120",
         {},
         up(kHikvision, {{3000, t::kTpid8021ad}, {120}}, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"QinQ: local MAC, C-tag 120 is the segment for the VLAN-scoped rule",
         {},
         up(kLocal, {{3000, t::kTpid8021ad}, {120}}, kCoreIp),
         kUp,
         Action::quarantine,
         "unregistered-to-core",
         kUnregistered,
         "core"},
        {"QinQ: S-tag 3000, C-tag 160: the rule's VLANs do not include 160",
         {},
         up(kLocal, {{3000, t::kTpid8021ad}, {160}}, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kUnregistered,
         "core"},
        {"legacy 0x9100 outer tag, camera inner tag",
         {},
         up(kHikvision, {{3000, t::kTpidQinQLegacy}, {150}}, kNvrIp),
         kUp,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited,
         "nvr"},
        {"outer tag is a camera VLAN, inner is not: still camera traffic",
         {},
         up(kHikvision, {{120, t::kTpid8021ad}, {3000}}, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"three tags, camera VLAN only in the third: still camera traffic",
         {},
         up(kHikvision, {{3000, t::kTpid8021ad}, {3001}, {120}}, kNvrIp),
         kUp,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited,
         "nvr"},
        {"QinQ with both tags non-camera",
         {},
         up(kHikvision, {{3000, t::kTpid8021ad}, {3001}}, kCoreIp),
         kUp,
         Action::forward,
         "(non-camera-vlan)",
         kClear},
        // Malformed
        {"runt",
         {},
         std::vector<std::byte>(13, std::byte{0x44}),
         kUp,
         Action::drop,
         "(malformed)",
         kClear},
        {"empty frame", {}, {}, kDown, Action::drop, "(malformed)", kClear},
        {"truncated IPv4: the peer is unreadable, so the strictest zone's rule applies",
         {},
         [] {
             auto f = up(kHikvision, {}, kCoreIp);
             f.resize(14 + 10);
             return f;
         }(),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "(unknown)"},
        {"ARP with a bad hardware type: unreadable peer, strictest zone's rule",
         {},
         [] {
             auto f = arp(kHikvision, t::kBroadcastMac, {}, t::ip4(192, 168, 1, 20), kCoreIp);
             f[14] = std::byte{0x00};
             f[15] = std::byte{0x09};  // hardware type 9: not Ethernet
             return f;
         }(),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "(unknown)"},
        {"not IP at all (LLDP): no peer address, zone none",
         {},
         lldp(kHikvision, {}),
         kUp,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited},
        // Downstream
        {"core -> Hikvision: the destination MAC is the device",
         {},
         down(kHikvision, {{120}}, kCoreIp),
         kDown,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"core -> Hikvision over IPv6",
         {},
         down6(kHikvision, {}, "2001:db8:100::9"),
         kDown,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"NVR -> Hikvision",
         {},
         down(kHikvision, {{120}}, kNvrIp),
         kDown,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited,
         "nvr"},
        {"core -> Axis",
         {},
         down(kAxis, {{120}}, kCoreIp),
         kDown,
         Action::forward,
         "(default)",
         kClear,
         "core"},
        {"downstream broadcast ARP from core addresses no device",
         {},
         arp(kRouter, t::kBroadcastMac, {{120}}, t::ip4(10, 0, 0, 1), kCameraIp),
         kDown,
         Action::forward,
         "(default)",
         kClear,
         "core"},
        {"downstream IPv4 multicast",
         {},
         down(0x01005e0000fb, {{120}}, kCoreIp),
         kDown,
         Action::forward,
         "(default)",
         kClear,
         "core"},
        // Exceptions
        {"excepted Hikvision before its until date",
         {},
         up(kExcepted, {{120}}, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kExceptedClass,
         "core"},
        {"excepted Hikvision on the last second of its until day",
         {},
         up(kExcepted, {{120}}, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kExceptedClass,
         "core",
         {},
         t::kNowApril2027 - 1},
        {"expired exception: prohibited again",
         {},
         up(kExcepted, {{120}}, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core",
         {},
         t::kNowApril2027},
        {"an exception covers its MAC only",
         {},
         up(kExcepted + 1, {{120}}, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"excepted MAC downstream",
         {},
         down(kExcepted, {{120}}, kCoreIp),
         kDown,
         Action::forward,
         "(default)",
         kExceptedClass,
         "core"},
        // Fragments, ARP, non-IP
        {"IPv4 later fragment from Hikvision to core follows the device's verdict",
         {},
         later_fragment(kHikvision, kCoreIp),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"IPv4 later fragment from Axis",
         {},
         later_fragment(kAxis, kCoreIp),
         kUp,
         Action::forward,
         "(default)",
         kClear,
         "core"},
        {"ARP from Hikvision for a core address: the target IP is the peer",
         {},
         arp(kHikvision, t::kBroadcastMac, {{120}}, kCameraIp, t::ip4(10, 0, 0, 1)),
         kUp,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core"},
        {"ARP from Hikvision for a local address",
         {},
         arp(kHikvision, t::kBroadcastMac, {{120}}, kCameraIp, t::ip4(192, 168, 1, 1)),
         kUp,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited},
        {"LLDP from Hikvision: no IP, no zone",
         {},
         lldp(kHikvision, {{120}}),
         kUp,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited},
        // direction_by_zones
        {"by zones: camera -> core is upstream",
         {},
         up(kHikvision, {{120}}, kCoreIp),
         kByZones,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core",
         Direction::upstream},
        {"by zones: core -> camera is downstream",
         {},
         down(kHikvision, {{120}}, kCoreIp),
         kByZones,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core",
         Direction::downstream},
        {"by zones: core -> camera over IPv6 is downstream",
         {},
         down6(kHikvision, {}, "2001:db8:100::9"),
         kByZones,
         Action::drop,
         "prohibited-to-core",
         kProhibited,
         "core",
         Direction::downstream},
        {"by zones: core -> NVR (both zoned) counts as upstream",
         {},
         l2(kRouter, kHikvision, {{120}}).ipv4({.src = kCoreIp, .dst = kNvrIp}).tcp(1, 2).build(),
         kByZones,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited,
         "nvr",
         Direction::upstream},
        {"by zones: neither side zoned counts as upstream",
         {},
         up(kHikvision, {{120}}, kInternetIp),
         kByZones,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited,
         "",
         Direction::upstream},
        {"by zones: no IP counts as upstream",
         {},
         lldp(kHikvision, {{120}}),
         kByZones,
         Action::quarantine,
         "prohibited-elsewhere",
         kProhibited,
         "",
         Direction::upstream},
        {"by zones: ARP broadcast from a core router is downstream",
         {},
         arp(kRouter, t::kBroadcastMac, {{120}}, t::ip4(10, 0, 0, 1), kCameraIp),
         kByZones,
         Action::forward,
         "(default)",
         kClear,
         "core",
         Direction::downstream},
    };
    for (const auto& row : rows)
        check(row);
}

// A device on camera VLAN 120 that adds its own inner tag (3000) is looked up, and
// quarantined, on the camera VLAN it was admitted on: the added tag changes nothing.
TEST_CASE("an extra inner tag does not escape a VLAN-scoped rule", "[classifier]") {
    check({"outer tag camera VLAN 120, inner 3000: rule vlans [100-149] still apply",
           {},
           up(kLocal, {{120, t::kTpid8021ad}, {3000}}, kCoreIp),
           kUp,
           Action::quarantine,
           "unregistered-to-core",
           kUnregistered,
           "core"});
}

TEST_CASE("rule table semantics", "[classifier]") {
    const auto first_wins = with_rules({"{name: first, device: prohibited, action: drop}",
                                        "{name: second, device: prohibited, action: quarantine}"});
    const auto shadowed =
        with_rules({"{name: broad, action: forward}",
                    "{name: specific, device: prohibited, zone: core, action: drop}"});
    const auto down_only =
        with_rules({"{name: down-only, device: prohibited, direction: downstream, action: drop}"});
    const auto up_only =
        with_rules({"{name: up-only, device: prohibited, direction: upstream, action: drop}"});
    const auto no_zone =
        with_rules({"{name: unzoned, device: prohibited, zone: none, action: drop}"});
    const auto any_zone =
        with_rules({"{name: anywhere, device: prohibited, zone: any, action: drop}"});
    const auto any_device =
        with_rules({"{name: all-to-core, device: any, zone: core, action: drop}"});
    const auto clear_only =
        with_rules({"{name: clear-ok, device: clear, action: forward}"}, "drop");
    const auto vlan_100 = with_rules({"{name: v100, vlans: [100], action: drop}"});
    auto excepted_rule = with_rules({"{name: watch, device: excepted, action: quarantine}"});
    excepted_rule.exceptions = {R"({mac: "44:19:b6:00:00:01", until: 2027-03-31, reason: r})"};
    auto tagged_only = with_rules({"{name: any-prohibited, device: prohibited, action: drop}"});
    tagged_only.camera_vlans = "[100-199]";
    auto all_vendors = with_rules({"{name: any-prohibited, device: prohibited, action: drop}"});
    all_vendors.prohibited = "[all]";
    auto quarantine_default = with_rules({}, "quarantine");

    const std::vector<Row> rows = {
        {"first match wins", first_wins, up(kHikvision, {}, kCoreIp), kUp, Action::drop, "first",
         kProhibited, "core"},
        {"a broad rule shadows a later specific one", shadowed, up(kHikvision, {}, kCoreIp), kUp,
         Action::forward, "broad", kProhibited, "core"},
        {"downstream-only rule skips upstream frames", down_only, up(kHikvision, {}, kCoreIp), kUp,
         Action::forward, "(default)", kProhibited, "core"},
        {"downstream-only rule matches downstream frames", down_only, down(kHikvision, {}, kCoreIp),
         kDown, Action::drop, "down-only", kProhibited, "core"},
        {"upstream-only rule matches upstream frames", up_only, up(kHikvision, {}, kCoreIp), kUp,
         Action::drop, "up-only", kProhibited, "core"},
        {"upstream-only rule skips downstream frames", up_only, down(kHikvision, {}, kCoreIp),
         kDown, Action::forward, "(default)", kProhibited, "core"},
        {"zone none matches an unzoned peer", no_zone, up(kHikvision, {}, kInternetIp), kUp,
         Action::drop, "unzoned", kProhibited},
        {"zone none matches a frame without addresses", no_zone, lldp(kHikvision, {}), kUp,
         Action::drop, "unzoned", kProhibited},
        {"zone none skips a zoned peer", no_zone, up(kHikvision, {}, kCoreIp), kUp, Action::forward,
         "(default)", kProhibited, "core"},
        {"zone any matches a zoned peer", any_zone, up(kHikvision, {}, kNvrIp), kUp, Action::drop,
         "anywhere", kProhibited, "nvr"},
        {"zone any matches an unzoned peer", any_zone, up(kHikvision, {}, kInternetIp), kUp,
         Action::drop, "anywhere", kProhibited},
        {"device any matches a clear device", any_device, up(kAxis, {}, kCoreIp), kUp, Action::drop,
         "all-to-core", kClear, "core"},
        {"device any matches an unregistered device", any_device, up(kLocal, {}, kCoreIp), kUp,
         Action::drop, "all-to-core", kUnregistered, "core"},
        {"device any still needs the zone", any_device, up(kAxis, {}, kNvrIp), kUp, Action::forward,
         "(default)", kClear, "nvr"},
        {"device clear rule with default drop: clear passes", clear_only,
         up(kAxis, {{100}}, kInternetIp), kUp, Action::forward, "clear-ok", kClear},
        {"device clear rule with default drop: prohibited falls to the default", clear_only,
         up(kHikvision, {{100}}, kInternetIp), kUp, Action::drop, "(default)", kProhibited},
        {"device clear rule with default drop: unregistered falls to the default", clear_only,
         up(kLocal, {{100}}, kInternetIp), kUp, Action::drop, "(default)", kUnregistered},
        {"device clear rule: downstream broadcast is clear", clear_only,
         down(t::kBroadcastMac, {{100}}, kCoreIp), kDown, Action::forward, "clear-ok", kClear,
         "core"},
        {"rule VLANs: listed VLAN", vlan_100, up(kAxis, {{100}}, kCoreIp), kUp, Action::drop,
         "v100", kClear, "core"},
        {"rule VLANs: another camera VLAN", vlan_100, up(kAxis, {{101}}, kCoreIp), kUp,
         Action::forward, "(default)", kClear, "core"},
        {"rule VLANs: untagged", vlan_100, up(kAxis, {}, kCoreIp), kUp, Action::forward,
         "(default)", kClear, "core"},
        {"a rule for excepted devices", excepted_rule, up(kExcepted, {}, kCoreIp), kUp,
         Action::quarantine, "watch", kExceptedClass, "core"},
        {"camera_vlans without 0: untagged frames are not camera traffic", tagged_only,
         up(kHikvision, {}, kCoreIp), kUp, Action::forward, "(non-camera-vlan)", kClear},
        {"camera_vlans without 0: tagged camera VLAN", tagged_only,
         up(kHikvision, {{100}}, kCoreIp), kUp, Action::drop, "any-prohibited", kProhibited,
         "core"},
        {"prohibited: [all] covers every catalog vendor", all_vendors,
         up(0x48ea63000001, {}, kCoreIp), kUp, Action::drop, "any-prohibited", kProhibited, "core"},
        {"default_action quarantine with no rules", quarantine_default, up(kAxis, {}, kCoreIp), kUp,
         Action::quarantine, "(default)", kClear, "core"},
    };
    for (const auto& row : rows)
        check(row);
}

TEST_CASE("RuleTable groups VLANs that every rule treats alike", "[classifier]") {
    t::PolicyBuilder b;
    b.rules = {"{name: low, vlans: [100-149], action: drop}",
               "{name: high, vlans: [140-199], action: quarantine}",
               "{name: other, action: forward}"};
    const auto snap = t::compile(b.load());
    // Neither, low only, both, high only.
    CHECK(snap->rules.vlan_class_count() == 4);
    // Columns: the two zones of the builder's policy, no zone, unreadable address.
    CHECK(snap->rules.cell_count() == 4 * 2 * p::kDeviceClassCount * (2 + 2));
    struct Probe {
        std::uint16_t vlan;
        std::string rule;
    };
    for (const auto& probe : std::vector<Probe>{{0, "other"},
                                                {99, "other"},
                                                {100, "low"},
                                                {139, "low"},
                                                {140, "low"},
                                                {149, "low"},
                                                {150, "high"},
                                                {199, "high"},
                                                {200, "other"},
                                                {4095, "other"}}) {
        INFO("VLAN " << probe.vlan);
        for (auto cls : {DeviceClass::prohibited, DeviceClass::excepted, DeviceClass::unregistered,
                         DeviceClass::clear})
            for (auto dir : {Direction::upstream, Direction::downstream})
                for (std::uint16_t zone : {std::uint16_t{0}, std::uint16_t{1}, p::kNoZone})
                    CHECK(snap->slot_name(snap->rules.lookup(cls, zone, probe.vlan, dir).slot) ==
                          probe.rule);
    }
}

TEST_CASE("snapshot slots name every rule and the three special counters", "[classifier]") {
    const auto snap = t::example_snapshot();
    REQUIRE(snap->slot_count() == 6);
    CHECK(snap->slot_name(0) == "prohibited-to-core");
    CHECK(snap->slot_name(2) == "unregistered-to-core");
    CHECK(snap->slot_name(snap->slot_default()) == "(default)");
    CHECK(snap->slot_name(snap->slot_non_camera()) == "(non-camera-vlan)");
    CHECK(snap->slot_name(snap->slot_malformed()) == "(malformed)");
    CHECK(snap->slot_name(99) == "(unknown)");
    CHECK(snap->quarantine_vlan == 999);
    REQUIRE(snap->exceptions.size() == 1);
    CHECK(snap->exceptions[0].active);
    CHECK_FALSE(t::example_snapshot(t::kNowApril2027)->exceptions[0].active);
}

TEST_CASE("an exception runs out at the end of its until day, UTC", "[classifier]") {
    // The example's exception: until 2027-03-31, so through 2027-03-31T23:59:59Z.
    const std::int64_t end = 1806537600;  // 2027-04-01T00:00:00Z
    const auto snap = t::example_snapshot();
    const auto& e = snap->exceptions.at(0);
    CHECK(e.expires_at == end);
    CHECK_FALSE(e.expired_since_compile(end - 1));
    CHECK(e.expired_since_compile(end));
    CHECK(e.expired_since_compile(end + 86400 * 365));
    // Compiled after its day: not active, so nothing to expire (no recompile loop).
    const auto later = t::example_snapshot(end);
    CHECK_FALSE(later->exceptions.at(0).active);
    CHECK_FALSE(later->exceptions.at(0).expired_since_compile(end + 10));
}

TEST_CASE("the VLAN a frame is admitted on, and the tag a quarantine rewrites", "[classifier]") {
    struct Case {
        std::string description;
        std::vector<Tag> tags;
        bool camera;
        std::uint16_t vlan;
        int vlan_tag;
    };
    const std::vector<Case> cases = {
        {"untagged: VLAN 0, no tag", {}, true, 0, -1},
        {"one camera tag", {{120}}, true, 120, 0},
        {"QinQ, provider outer tag, camera inner tag", {{10, t::kTpid8021ad}, {120}}, true, 120, 1},
        {"camera outer tag, added inner tag", {{120, t::kTpid8021ad}, {3000}}, true, 120, 0},
        {"three tags, camera only in the third", {{10, t::kTpid8021ad}, {20}, {150}}, true, 150, 2},
        {"no camera tag at all", {{10, t::kTpid8021ad}, {20}}, false, 0, -1},
    };
    const auto snap = t::example_snapshot(t::kNow2026);
    for (const auto& c : cases) {
        INFO(c.description);
        const ParsedFrame f = parse_frame(up(kLocal, c.tags, kCoreIp));
        const FrameVerdict v = classify_frame(*snap, f, Direction::upstream);
        REQUIRE(v.camera == c.camera);
        if (!c.camera) continue;
        CHECK(v.vlan == c.vlan);
        CHECK(static_cast<int>(v.vlan_tag) == c.vlan_tag);
    }
}

TEST_CASE("a tag stacked inside a camera VLAN cannot pick a laxer rule or escape quarantine",
          "[classifier]") {
    // Example policy: unregistered-to-core quarantines VLANs 100-149 only; 150 and 0 are
    // camera VLANs it does not cover. A device on 100 stacks 150 or 0 inside: the strictest
    // rule over its camera VLAN tags applies, and quarantine moves every camera VLAN tag.
    check({"[100][150]: the rule for 100 still applies",
           {},
           up(kLocal, {{100, t::kTpid8021ad}, {150}}, kCoreIp),
           kUp,
           Action::quarantine,
           "unregistered-to-core",
           kUnregistered,
           "core"});
    check({"[100][0]: an inner priority tag does not lift it either",
           {},
           up(kLocal, {{100, t::kTpid8021ad}, {0}}, kCoreIp),
           kUp,
           Action::quarantine,
           "unregistered-to-core",
           kUnregistered,
           "core"});
    check({"[150] alone: not covered by the VLAN-scoped rule",
           {},
           up(kLocal, {{150}}, kCoreIp),
           kUp,
           Action::forward,
           "(default)",
           kUnregistered,
           "core"});

    const auto snap = t::example_snapshot(t::kNow2026);
    for (std::vector<Tag> tags : {std::vector<Tag>{{100, t::kTpid8021ad}, {150}},
                                  std::vector<Tag>{{100, t::kTpid8021ad}, {0}},
                                  std::vector<Tag>{{3000, t::kTpid8021ad}, {120}, {7}}}) {
        auto frame = up(kLocal, tags, kCoreIp);
        const ParsedFrame f = parse_frame(frame);
        const FrameVerdict v = classify_frame(*snap, f, Direction::upstream);
        REQUIRE(v.action == Action::quarantine);
        camfence::dataplane::retag_camera_vlans(*snap, f, v.vlan_tag, frame);
        const ParsedFrame after = parse_frame(frame);
        REQUIRE(after.tag_count == f.tag_count);
        for (int i = 0; i < f.tag_count; ++i) {
            INFO("tag " << i << " was VLAN " << f.vlan[i]);
            // Camera VLAN tags moved to the quarantine VLAN; the others (S-tag 3000, inner 7)
            // are left as they were.
            CHECK(after.vlan[i] ==
                  (snap->is_camera_vlan(f.vlan[i]) ? snap->quarantine_vlan : f.vlan[i]));
        }
    }
}

TEST_CASE("RuleTable agrees with a first-match walk of the rules on random policies",
          "[classifier]") {
    std::mt19937 rng(20261129);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    for (int round = 0; round < 40; ++round) {
        p::Policy pol;
        const int zones = pick(5);
        for (int z = 0; z < zones; ++z)
            pol.zones.push_back({"z" + std::to_string(z), {}});
        pol.default_action = static_cast<Action>(pick(3));
        const int rules = 1 + pick(12);
        for (int i = 0; i < rules; ++i) {
            p::Rule r;
            r.name = "r" + std::to_string(i);
            r.action = static_cast<Action>(pick(3));
            if (pick(2)) r.device = static_cast<DeviceClass>(pick(p::kDeviceClassCount));
            int zm = pick(zones ? 3 : 2);
            r.zone_match =
                zm == 0 ? p::ZoneMatch::any : (zm == 1 ? p::ZoneMatch::none : p::ZoneMatch::named);
            if (r.zone_match == p::ZoneMatch::named) r.zone = static_cast<std::size_t>(pick(zones));
            if (pick(2)) {
                p::VlanSet v;
                std::uint16_t a = static_cast<std::uint16_t>(pick(40)),
                              b = static_cast<std::uint16_t>(a + pick(20));
                v.add_range(a, b);
                r.vlans = v;
            }
            if (pick(3) == 0) r.direction = static_cast<Direction>(pick(2));
            pol.rules.push_back(r);
        }
        const p::RuleTable table(pol);
        for (int probe = 0; probe < 400; ++probe) {
            const auto cls = static_cast<DeviceClass>(pick(p::kDeviceClassCount));
            const int zi = pick(zones + 1);  // zones, then "no zone"
            const std::uint16_t zone = zi == zones ? p::kNoZone : static_cast<std::uint16_t>(zi);
            const auto vlan = static_cast<std::uint16_t>(pick(70));
            const auto dir = static_cast<Direction>(pick(2));
            p::RuleCell want{pol.default_action, table.default_slot()};
            for (std::size_t i = 0; i < pol.rules.size(); ++i) {
                const auto& r = pol.rules[i];
                if (r.device && *r.device != cls) continue;
                if (r.zone_match == p::ZoneMatch::none && zone != p::kNoZone) continue;
                if (r.zone_match == p::ZoneMatch::named && zone != r.zone) continue;
                if (r.vlans && !r.vlans->contains(vlan)) continue;
                if (r.direction && *r.direction != dir) continue;
                want = {r.action, static_cast<std::uint16_t>(i)};
                break;
            }
            const auto got = table.lookup(cls, zone, vlan, dir);
            INFO("round " << round << " probe " << probe);
            REQUIRE(got.slot == want.slot);
            REQUIRE(got.action == want.action);
        }
    }
}
