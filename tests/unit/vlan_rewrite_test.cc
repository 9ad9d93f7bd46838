// Quarantine rewrites: every edit is checked byte for byte against the frame the builder
// makes for the intended result.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/classify/classifier.h"
#include "dataplane/classify/vlan_rewrite.h"
#include "dataplane/parse/frame.h"
#include "tests/fixtures/frame_builder.h"
#include "tests/fixtures/policy_builder.h"

namespace {

using camfence::dataplane::camera_tag;
using camfence::dataplane::insert_tag;
using camfence::dataplane::kVlanTagLen;
using camfence::dataplane::parse_frame;
using camfence::dataplane::ParsedFrame;
using camfence::dataplane::retag_camera_vlans;
using camfence::dataplane::set_tag_vid;
namespace t = camfence::test;

constexpr std::uint64_t kDst = 0x00000c123456;
constexpr std::uint64_t kSrc = 0x4419b6123456;
constexpr std::uint16_t kQuarantine = 999;

struct Tag {
    std::uint16_t vid;
    std::uint16_t tpid = t::kTpid8021Q;
    std::uint8_t pcp = 0;
    bool dei = false;
};

std::vector<std::byte> frame(const std::vector<Tag>& tags) {
    t::FrameBuilder b(kDst, kSrc);
    for (const auto& tag : tags)
        b.vlan(tag.vid, tag.tpid, tag.pcp, tag.dei);
    return b.ipv4({.src = t::ip4(192, 168, 1, 20), .dst = t::ip4(10, 0, 0, 5)})
        .tcp(40000, 443)
        .payload(6)
        .build();
}

// Quarantines the way the data plane does (dataplane/io/pipeline.cc) under the example
// policy (camera VLANs 0 and 100-199, quarantine VLAN 999): move every camera VLAN tag in
// place, or grow the frame by a tag's length in front and insert one.
std::vector<std::byte> quarantine(std::vector<std::byte> bytes) {
    const auto snap = t::example_snapshot(t::kNow2026);
    REQUIRE(snap->quarantine_vlan == kQuarantine);
    const auto f = parse_frame(bytes);
    const int tag = camera_tag(*snap, f);
    if (tag >= 0) {
        retag_camera_vlans(*snap, f, tag, bytes);
        return bytes;
    }
    std::vector<std::byte> grown(kVlanTagLen + bytes.size());
    std::memcpy(grown.data() + kVlanTagLen, bytes.data(), bytes.size());
    insert_tag(grown, snap->quarantine_vlan);
    return grown;
}

}  // namespace

TEST_CASE("set_tag_vid changes the VID and keeps PCP and DEI", "[vlan_rewrite]") {
    struct Row {
        std::uint8_t pcp;
        bool dei;
        std::uint16_t from, to;
        std::uint16_t written;  // what the tag must carry: VIDs are 12 bits
    };
    const std::vector<Row> rows = {
        {0, false, 120, 999, 999},    {7, true, 120, 999, 999}, {5, false, 4094, 1, 1},
        {3, true, 0, 4094, 4094},     {6, true, 999, 0, 0},     {7, true, 0xfff, 0, 0},
        {7, false, 1, 0xf064, 0x064},  // stray high bits must not reach PCP/DEI
    };
    for (const auto& row : rows) {
        INFO("PCP " << int{row.pcp} << " DEI " << row.dei << " VID " << row.from << " -> "
                    << row.to);
        auto bytes = frame({{row.from, t::kTpid8021Q, row.pcp, row.dei}});
        set_tag_vid(bytes, 12, row.to);
        CHECK(bytes == frame({{row.written, t::kTpid8021Q, row.pcp, row.dei}}));
        CHECK(parse_frame(bytes).segment_vlan() == row.written);
    }
}

TEST_CASE("set_tag_vid ignores a tag that does not fit in the frame", "[vlan_rewrite]") {
    const auto original = frame({{120}});
    for (std::size_t offset : {original.size() - 3, original.size(), original.size() + 100}) {
        INFO("offset " << offset);
        auto bytes = original;
        set_tag_vid(bytes, static_cast<std::uint16_t>(offset), kQuarantine);
        CHECK(bytes == original);
    }
    auto bytes = original;
    set_tag_vid(bytes, static_cast<std::uint16_t>(original.size() - 4), 0x0abc);  // last 4 bytes
    CHECK(std::vector<std::byte>(bytes.begin(), bytes.end() - 4) ==
          std::vector<std::byte>(original.begin(), original.end() - 4));
    CHECK(bytes[bytes.size() - 1] == std::byte{0xbc});
}

TEST_CASE("insert_tag turns an untagged frame into an 802.1Q frame", "[vlan_rewrite]") {
    struct Row {
        std::string description;
        std::vector<std::byte> untagged, tagged;
    };
    const auto arp = t::ArpFields{
        .sender_mac = kSrc, .sender_ip = t::ip4(192, 168, 1, 20), .target_ip = t::ip4(10, 0, 0, 1)};
    const auto a6 = t::ip6("2001:db8:200::20");
    const auto b6 = t::ip6("2001:db8:100::5");
    const std::vector<Row> rows = {
        {"IPv4/TCP", frame({}), frame({{kQuarantine}})},
        {"ARP", t::FrameBuilder(kDst, kSrc).arp(arp).build(),
         t::FrameBuilder(kDst, kSrc).vlan(kQuarantine).arp(arp).build()},
        {"IPv6/UDP", t::FrameBuilder(kDst, kSrc).ipv6(a6, b6).udp(1, 2).build(),
         t::FrameBuilder(kDst, kSrc).vlan(kQuarantine).ipv6(a6, b6).udp(1, 2).build()},
        {"VID 4094", frame({}), frame({{4094}})},
    };
    for (const auto& row : rows) {
        INFO(row.description);
        const std::uint16_t vid = parse_frame(row.tagged).vlan[0];
        // Headroom is garbage. (Built with memcpy: GCC 12 warns falsely on vector::insert here.)
        std::vector<std::byte> grown(kVlanTagLen + row.untagged.size(), std::byte{0xee});
        std::memcpy(grown.data() + kVlanTagLen, row.untagged.data(), row.untagged.size());
        insert_tag(grown, vid);
        CHECK(grown == row.tagged);
        const ParsedFrame f = parse_frame(grown);
        CHECK(f.flags == 0);
        CHECK(f.tag_count == 1);
        CHECK(f.segment_vlan() == vid);
        CHECK(f.src_mac == kSrc);
        CHECK(f.dst_mac == kDst);
    }
}

TEST_CASE("insert_tag leaves a buffer too small for a tagged header alone", "[vlan_rewrite]") {
    std::vector<std::byte> small(kVlanTagLen + 13, std::byte{0x5a});
    const auto before = small;
    insert_tag(small, kQuarantine);
    CHECK(small == before);
}

TEST_CASE("quarantine moves the camera VLAN tags, inserting one when untagged", "[vlan_rewrite]") {
    struct Row {
        std::string description;
        std::vector<Tag> tags;
        bool insert;
        std::uint16_t tag_offset;  // where the admitting tag sits, when tagged
        std::vector<Tag> after;    // the tags the quarantined frame must carry
    };
    const std::vector<Row> rows = {
        {"untagged: insert an 802.1Q tag", {}, true, 0, {{kQuarantine}}},
        {"one tag: rewrite it",
         {{120, t::kTpid8021Q, 5}},
         false,
         12,
         {{kQuarantine, t::kTpid8021Q, 5}}},
        {"QinQ: rewrite the inner (customer) tag, keep the S-tag",
         {{3000, t::kTpid8021ad, 1}, {120, t::kTpid8021Q, 4, true}},
         false,
         16,
         {{3000, t::kTpid8021ad, 1}, {kQuarantine, t::kTpid8021Q, 4, true}}},
        {"legacy 0x9100 QinQ",
         {{3000, t::kTpidQinQLegacy}, {150}},
         false,
         16,
         {{3000, t::kTpidQinQLegacy}, {kQuarantine}}},
        {"three tags: the segment tag is the second",
         {{3000, t::kTpid8021ad}, {120}, {7}},
         false,
         16,
         {{3000, t::kTpid8021ad}, {kQuarantine}, {7}}},
    };
    for (const auto& row : rows) {
        INFO(row.description);
        const auto original = frame(row.tags);
        const auto parsed = parse_frame(original);
        const int tag = camera_tag(*t::example_snapshot(t::kNow2026), parsed);
        CHECK((tag < 0) == row.insert);
        if (!row.insert) CHECK(parsed.tag_offset[tag] == row.tag_offset);
        const auto moved = quarantine(original);
        CHECK(moved == frame(row.after));
        CHECK(parse_frame(moved).segment_vlan() == kQuarantine);
    }
}
