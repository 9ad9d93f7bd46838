// DeviceTable: the fast path's open-addressing view of the inventory. Keys pack (VLAN, MAC);
// inserts stop at the capacity and never replace; entries() hands the workers' last_seen
// stamps to the next table; lookups agree with std::unordered_map on random keys.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "dataplane/classify/device_table.h"

namespace {

using camfence::dataplane::device_key;
using camfence::dataplane::DeviceSlot;
using camfence::dataplane::DeviceTable;
using camfence::dataplane::DeviceTableEntry;
using camfence::dataplane::key_mac;
using camfence::dataplane::key_vlan;

constexpr std::uint64_t kHikvision = 0x4447cc0a0b0c;
constexpr std::uint64_t kAxis = 0xaccc8e010203;

}  // namespace

TEST_CASE("device_key packs the MAC low and the VLAN above it", "[device_table]") {
    struct Row {
        std::uint64_t mac;
        std::uint16_t vlan;
        std::uint64_t key;
        std::uint64_t back_mac;
        std::uint16_t back_vlan;
    };
    const std::vector<Row> rows = {
        {kHikvision, 120, 0x00784447cc0a0b0cULL, kHikvision, 120},
        {kHikvision, 0, kHikvision, kHikvision, 0},
        {0, 0, 0, 0, 0},
        {0xffffffffffffULL, 4094, 0x0ffeffffffffffffULL, 0xffffffffffffULL, 4094},
        {0xffffffffffffULL, 4095, 0x0fffffffffffffffULL, 0xffffffffffffULL, 4095},
        // Bits beyond 48 of the MAC and beyond 12 of the VLAN are not part of the key.
        {0xabcd4447cc0a0b0cULL, 120, 0x00784447cc0a0b0cULL, kHikvision, 120},
        {kHikvision, 4096 + 120, 0x00784447cc0a0b0cULL, kHikvision, 120},
        {kHikvision, 0xffff, 0x0fff4447cc0a0b0cULL, kHikvision, 4095},
    };
    for (const auto& row : rows) {
        INFO(std::hex << row.mac << " vlan " << std::dec << row.vlan);
        const std::uint64_t k = device_key(row.mac, row.vlan);
        CHECK(k == row.key);
        CHECK(key_mac(k) == row.back_mac);
        CHECK(key_vlan(k) == row.back_vlan);
        // No (VLAN, MAC) ever packs into the empty-slot marker.
        CHECK(k != DeviceSlot::kEmpty);
    }
    static_assert(device_key(0xffffffffffffULL, 0xffff) != DeviceSlot::kEmpty);
    static_assert(key_vlan(device_key(1, 4094)) == 4094);
    // Same MAC, different VLANs: different keys; same VLAN, different MACs: different keys.
    CHECK(device_key(kHikvision, 100) != device_key(kHikvision, 101));
    CHECK(device_key(kHikvision, 100) != device_key(kAxis, 100));
}

TEST_CASE("insert and find: flags and last_seen as given", "[device_table]") {
    DeviceTable t(8);
    CHECK(t.capacity() == 8);
    CHECK(t.size() == 0);
    CHECK(t.find(device_key(kHikvision, 120)) == nullptr);

    REQUIRE(t.insert({device_key(kHikvision, 120), DeviceSlot::kStickyProhibited, 1767225600}));
    REQUIRE(t.insert({device_key(kAxis, 120), 0, 42}));
    CHECK(t.size() == 2);

    const DeviceSlot* hik = t.find(device_key(kHikvision, 120));
    REQUIRE(hik != nullptr);
    CHECK(hik->key == device_key(kHikvision, 120));
    CHECK(hik->flags == DeviceSlot::kStickyProhibited);
    CHECK(hik->last_seen.load() == 1767225600u);
    const DeviceSlot* axis = t.find(device_key(kAxis, 120));
    REQUIRE(axis != nullptr);
    CHECK(axis != hik);
    CHECK(axis->flags == 0);
    CHECK(axis->last_seen.load() == 42u);

    // The VLAN is part of the key.
    CHECK(t.find(device_key(kHikvision, 121)) == nullptr);
    CHECK(t.find(device_key(kHikvision, 0)) == nullptr);
    // The same slot on every lookup: workers stamp last_seen through it.
    CHECK(t.find(device_key(kHikvision, 120)) == hik);
    hik->last_seen.store(1767229200);
    CHECK(t.find(device_key(kHikvision, 120))->last_seen.load() == 1767229200u);
}

TEST_CASE("a key already in the table is refused and the first entry kept", "[device_table]") {
    DeviceTable t(4);
    REQUIRE(t.insert({device_key(kHikvision, 120), DeviceSlot::kStickyProhibited, 100}));
    CHECK_FALSE(t.insert({device_key(kHikvision, 120), 0, 200}));
    CHECK(t.size() == 1);
    const DeviceSlot* s = t.find(device_key(kHikvision, 120));
    REQUIRE(s);
    CHECK(s->flags == DeviceSlot::kStickyProhibited);
    CHECK(s->last_seen.load() == 100u);
    // The empty-slot marker is never a key.
    CHECK_FALSE(t.insert({DeviceSlot::kEmpty, 0, 0}));
    CHECK(t.size() == 1);
}

TEST_CASE("the table holds its capacity and no more", "[device_table]") {
    for (std::size_t capacity : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8},
                                 std::size_t{9}, std::size_t{1000}}) {
        INFO("capacity " << capacity);
        DeviceTable t(capacity);
        for (std::size_t i = 0; i < capacity; ++i)
            REQUIRE(t.insert({device_key(kAxis + i, 100), 0, static_cast<std::uint32_t>(i)}));
        CHECK(t.size() == capacity);
        CHECK_FALSE(t.insert({device_key(kAxis + capacity, 100), 0, 0}));
        CHECK_FALSE(t.insert({device_key(kAxis, 101), 0, 0}));
        CHECK(t.size() == capacity);
        // Full, every key is still found, and a missing one ends its probe on an empty slot.
        for (std::size_t i = 0; i < capacity; ++i) {
            const DeviceSlot* s = t.find(device_key(kAxis + i, 100));
            REQUIRE(s);
            CHECK(s->last_seen.load() == i);
        }
        CHECK(t.find(device_key(kAxis + capacity, 100)) == nullptr);
        CHECK(t.find(device_key(kHikvision, 4094)) == nullptr);
        CHECK(t.entries().size() == capacity);
    }
}

TEST_CASE("entries() hands every entry, with its last_seen stamp, to the next table",
          "[device_table]") {
    DeviceTable t(64);
    std::vector<DeviceTableEntry> in;
    for (std::uint16_t vlan = 0; vlan < 40; ++vlan)
        in.push_back({device_key(kHikvision ^ vlan, vlan),
                      static_cast<std::uint8_t>(vlan % 3 == 0 ? DeviceSlot::kStickyProhibited : 0),
                      1000u + vlan});
    for (const auto& e : in)
        REQUIRE(t.insert(e));
    // Workers stamp a few after publication.
    t.find(in[5].key)->last_seen.store(5555);
    t.find(in[39].key)->last_seen.store(0xffffffffu);
    in[5].last_seen = 5555;
    in[39].last_seen = 0xffffffffu;

    auto out = t.entries();
    REQUIRE(out.size() == in.size());
    auto by_key = [](const DeviceTableEntry& a, const DeviceTableEntry& b) {
        return a.key < b.key;
    };
    std::sort(in.begin(), in.end(), by_key);
    std::sort(out.begin(), out.end(), by_key);
    for (std::size_t i = 0; i < in.size(); ++i) {
        INFO("entry " << i);
        CHECK(out[i].key == in[i].key);
        CHECK(out[i].flags == in[i].flags);
        CHECK(out[i].last_seen == in[i].last_seen);
    }

    DeviceTable next(64);
    for (const auto& e : out)
        REQUIRE(next.insert(e));
    for (const auto& e : in) {
        const DeviceSlot* s = next.find(e.key);
        REQUIRE(s);
        CHECK(s->flags == e.flags);
        CHECK(s->last_seen.load() == e.last_seen);
    }
    CHECK(DeviceTable(4).entries().empty());
}

TEST_CASE("DeviceTable agrees with std::unordered_map on random keys", "[device_table]") {
    std::mt19937_64 rng(20260101);
    for (std::size_t capacity : {std::size_t{16}, std::size_t{1000}, std::size_t{20000}}) {
        INFO("capacity " << capacity);
        DeviceTable t(capacity);
        std::unordered_map<std::uint64_t, DeviceTableEntry> ref;
        // A small key space (VLANs 100-103, MACs in one OUI) so duplicates come up, and
        // twice as many inserts as the table holds so it fills.
        std::uniform_int_distribution<std::uint64_t> low(0, capacity);
        std::uniform_int_distribution<int> vlan(100, 103);
        std::size_t refused_full = 0;
        for (std::size_t i = 0; i < 2 * capacity; ++i) {
            DeviceTableEntry e{
                device_key(0xaccc8e000000ULL | low(rng), static_cast<std::uint16_t>(vlan(rng))),
                static_cast<std::uint8_t>(i & 1), static_cast<std::uint32_t>(i)};
            const bool want = !ref.count(e.key) && ref.size() < capacity;
            if (!ref.count(e.key) && ref.size() >= capacity) ++refused_full;
            const bool got = t.insert(e);
            REQUIRE(got == want);
            if (want) ref.emplace(e.key, e);
        }
        CHECK(t.size() == ref.size());
        CHECK(ref.size() == capacity);
        CHECK(refused_full > 0);
        for (const auto& [k, e] : ref) {
            const DeviceSlot* s = t.find(k);
            REQUIRE(s);
            CHECK(s->key == k);
            CHECK(s->flags == e.flags);
            CHECK(s->last_seen.load() == e.last_seen);
        }
        // Random keys anywhere in the key space: found exactly when the map has them.
        std::size_t hits = 0;
        for (int i = 0; i < 20000; ++i) {
            std::uint64_t k = i % 2 ? device_key(rng(), static_cast<std::uint16_t>(rng()))
                                    : device_key(0xaccc8e000000ULL | low(rng),
                                                 static_cast<std::uint16_t>(vlan(rng)));
            const DeviceSlot* s = t.find(k);
            REQUIRE((s != nullptr) == (ref.count(k) == 1));
            hits += s != nullptr;
        }
        CHECK(hits > 0);
        CHECK(t.entries().size() == ref.size());
    }
}

TEST_CASE("keys that hash to one run of slots are all found", "[device_table]") {
    // Keys whose hashes share their low bits probe one cluster: the linear probe must walk
    // past every one of them, and stop at the first empty slot for a missing key.
    DeviceTable t(512);
    const std::size_t mask = 1023;  // 2 * 512 slots
    const std::size_t target = DeviceTable::hash(device_key(kHikvision, 100)) & mask;
    std::vector<std::uint64_t> cluster;
    for (std::uint64_t mac = 0; cluster.size() < 40 && mac < 50000000; ++mac) {
        const std::uint64_t k = device_key(0x020000000000ULL | mac, 100);
        if ((DeviceTable::hash(k) & mask) == target) cluster.push_back(k);
    }
    REQUIRE(cluster.size() == 40);
    for (std::size_t i = 0; i + 1 < cluster.size(); ++i)
        REQUIRE(t.insert({cluster[i], 0, static_cast<std::uint32_t>(i)}));
    for (std::size_t i = 0; i + 1 < cluster.size(); ++i) {
        const DeviceSlot* s = t.find(cluster[i]);
        REQUIRE(s);
        CHECK(s->last_seen.load() == i);
    }
    CHECK(t.find(cluster.back()) == nullptr);
    CHECK_FALSE(t.insert({cluster.front(), 0, 0}));
    CHECK(t.insert({cluster.back(), 0, 99}));
    CHECK(t.find(cluster.back())->last_seen.load() == 99u);
}
