// ZoneMap: longest-prefix match of IPv4/IPv6 addresses to zones, at interval boundaries and
// against a brute-force reference on random prefixes.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "policy/ip_prefix.h"
#include "policy/zone_map.h"

namespace {

namespace p = camfence::policy;
using p::kNoZone;
using p::U128;
using p::ZoneMap;

p::IpPrefix prefix(const std::string& text) {
    std::string why;
    auto parsed = p::IpPrefix::parse(text, &why);
    INFO(text << ": " << why);
    REQUIRE(parsed);
    return *parsed;
}

// Looks an address written as text up in the map, in its own family.
std::uint16_t lookup(const ZoneMap& map, const std::string& addr) {
    std::uint8_t b[16] = {};
    if (inet_pton(AF_INET, addr.c_str(), b) == 1)
        return map.lookup_v4(std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 |
                             std::uint32_t{b[2]} << 8 | b[3]);
    REQUIRE(inet_pton(AF_INET6, addr.c_str(), b) == 1);
    U128 v;
    for (int i = 0; i < 8; ++i)
        v.hi = v.hi << 8 | b[i];
    for (int i = 8; i < 16; ++i)
        v.lo = v.lo << 8 | b[i];
    return map.lookup_v6(v);
}

struct Case {
    std::string description;
    std::vector<std::pair<std::string, std::uint16_t>> prefixes;  // prefix -> zone
    std::vector<std::pair<std::string, std::uint16_t>> probes;    // address -> zone
    std::size_t intervals;                                        // after merging
};

ZoneMap build(const std::vector<std::pair<std::string, std::uint16_t>>& prefixes) {
    std::vector<ZoneMap::Entry> entries;
    for (const auto& [text, zone] : prefixes)
        entries.push_back({prefix(text), zone});
    return ZoneMap(entries);
}

}  // namespace

TEST_CASE("ZoneMap resolves addresses to the zone of the longest covering prefix", "[zone_map]") {
    const std::vector<Case> cases = {
        {"no zones at all",
         {},
         {{"0.0.0.0", kNoZone}, {"10.0.0.1", kNoZone}, {"::", kNoZone}, {"2001:db8::1", kNoZone}},
         0},
        {"nested IPv4 prefixes: longest wins, outer resumes after the inner ends",
         {{"10.0.0.0/8", 0}, {"10.1.0.0/16", 1}, {"10.1.2.0/24", 2}},
         {{"9.255.255.255", kNoZone},
          {"10.0.0.0", 0},
          {"10.0.255.255", 0},
          {"10.1.0.0", 1},
          {"10.1.2.0", 2},
          {"10.1.2.255", 2},
          {"10.1.3.0", 1},
          {"10.1.255.255", 1},
          {"10.2.0.0", 0},
          {"10.255.255.255", 0},
          {"11.0.0.0", kNoZone}},
         5},
        {"order of entries does not matter",
         {{"10.1.2.0/24", 2}, {"10.0.0.0/8", 0}, {"10.1.0.0/16", 1}},
         {{"10.1.2.7", 2}, {"10.1.7.7", 1}, {"10.7.7.7", 0}},
         5},
        {"adjacent prefixes of different zones",
         {{"192.168.0.0/25", 0}, {"192.168.0.128/25", 1}},
         {{"192.167.255.255", kNoZone},
          {"192.168.0.0", 0},
          {"192.168.0.127", 0},
          {"192.168.0.128", 1},
          {"192.168.0.255", 1},
          {"192.168.1.0", kNoZone}},
         2},
        {"adjacent prefixes of one zone merge into one interval",
         {{"192.168.0.0/25", 3}, {"192.168.0.128/25", 3}, {"192.168.1.0/24", 3}},
         {{"192.168.0.0", 3}, {"192.168.1.255", 3}, {"192.168.2.0", kNoZone}},
         1},
        {"an inner prefix of the same zone adds no interval",
         {{"10.0.0.0/8", 0}, {"10.1.0.0/16", 0}},
         {{"10.1.0.0", 0}, {"10.255.0.0", 0}},
         1},
        {"0.0.0.0/0 catches every IPv4 address and no IPv6 one",
         {{"0.0.0.0/0", 0}, {"10.0.0.0/8", 1}},
         {{"0.0.0.0", 0},
          {"9.255.255.255", 0},
          {"10.0.0.0", 1},
          {"11.0.0.0", 0},
          {"255.255.255.255", 0},
          {"::", kNoZone},
          {"::a00:1", kNoZone}},
         3},
        {"::/0 catches every IPv6 address and no IPv4 one",
         {{"::/0", 0}, {"2001:db8::/32", 1}},
         {{"::", 0},
          {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0},
          {"2001:db8::", 1},
          {"2001:db9::", 0},
          {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0},
          {"0.0.0.0", kNoZone},
          {"255.255.255.255", kNoZone}},
         3},
        {"host prefixes at the ends of the IPv4 space",
         {{"0.0.0.0/32", 0}, {"255.255.255.255", 1}, {"255.255.255.254/31", 2}},
         {{"0.0.0.0", 0},
          {"0.0.0.1", kNoZone},
          {"255.255.255.253", kNoZone},
          {"255.255.255.254", 2},
          {"255.255.255.255", 1}},
         3},
        {"IPv6 nested prefixes and their boundaries",
         {{"2001:db8::/32", 0}, {"2001:db8:100::/48", 1}},
         {{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", kNoZone},
          {"2001:db8::", 0},
          {"2001:db8:ff:ffff:ffff:ffff:ffff:ffff", 0},
          {"2001:db8:100::", 1},
          {"2001:db8:100:ffff:ffff:ffff:ffff:ffff", 1},
          {"2001:db8:101::", 0},
          {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0},
          {"2001:db9::", kNoZone}},
         3},
        {"IPv6 prefixes across the 64-bit halves (/63, /64, /65, /127, /128)",
         {{"2001:db8:0:2::/63", 0},
          {"2001:db8:0:2::/64", 1},
          {"2001:db8:0:3:8000::/65", 2},
          {"2001:db8:0:3::/127", 3},
          {"2001:db8:0:3::1/128", 4}},
         {{"2001:db8:0:1:ffff:ffff:ffff:ffff", kNoZone},
          {"2001:db8:0:2::", 1},
          {"2001:db8:0:2:ffff:ffff:ffff:ffff", 1},
          {"2001:db8:0:3::", 3},
          {"2001:db8:0:3::1", 4},
          {"2001:db8:0:3::2", 0},
          {"2001:db8:0:3:7fff:ffff:ffff:ffff", 0},
          {"2001:db8:0:3:8000::", 2},
          {"2001:db8:0:3:ffff:ffff:ffff:ffff", 2},
          {"2001:db8:0:4::", kNoZone}},
         5},
        {"an IPv4 prefix does not match the same bits as IPv6",
         {{"10.0.0.0/8", 0}, {"::ffff:0:0/96", 1}},
         {{"10.0.0.1", 0}, {"::ffff:10.0.0.1", 1}, {"::a00:1", kNoZone}},
         2},
    };
    for (const auto& c : cases) {
        INFO(c.description);
        const ZoneMap map = build(c.prefixes);
        CHECK(map.interval_count() == c.intervals);
        for (const auto& [addr, zone] : c.probes) {
            INFO(addr);
            CHECK(lookup(map, addr) == zone);
        }
    }
}

namespace {

// The reference: scan every prefix, keep the longest that contains the address.
template <typename Addr>
std::uint16_t brute_force(const std::vector<ZoneMap::Entry>& entries, bool v6, Addr addr) {
    int best_len = -1;
    std::uint16_t zone = kNoZone;
    for (const auto& e : entries) {
        if (e.prefix.v6 != v6) continue;
        U128 a;
        if constexpr (std::is_same_v<Addr, U128>)
            a = addr;
        else
            a = U128{0, addr};
        if (e.prefix.first() <= a && a <= e.prefix.last() && e.prefix.length > best_len) {
            best_len = e.prefix.length;
            zone = e.zone;
        }
    }
    return zone;
}

U128 plus(U128 v, std::int64_t d) {
    U128 r = v;
    if (d >= 0) {
        r.lo = v.lo + static_cast<std::uint64_t>(d);
        if (r.lo < v.lo) ++r.hi;
    } else {
        r.lo = v.lo - static_cast<std::uint64_t>(-d);
        if (r.lo > v.lo) --r.hi;
    }
    return r;
}

}  // namespace

TEST_CASE("ZoneMap agrees with a brute-force longest-prefix match", "[zone_map]") {
    std::mt19937_64 rng(20240601);
    for (int round = 0; round < 200; ++round) {
        // Few address bits vary so that random prefixes nest and touch often.
        std::vector<ZoneMap::Entry> entries;
        const int n = 1 + static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
            const bool v6 = rng() % 2;
            const auto zone = static_cast<std::uint16_t>(rng() % 4);
            if (v6) {
                const int len = static_cast<int>(rng() % 129);
                U128 a{0x20010db800000000ULL | (rng() & 0xff000000ULL),
                       rng() & 0xff000000000000ffULL};
                if (rng() % 4 == 0) a = U128{rng(), rng()};
                p::IpPrefix pr{true, a, static_cast<std::uint8_t>(len)};
                const U128 host{len >= 64 ? 0 : (len == 0 ? ~0ULL : (~0ULL >> len)),
                                len >= 64 ? (len == 128 ? 0 : ~0ULL >> (len - 64)) : ~0ULL};
                pr.addr.hi &= ~host.hi;
                pr.addr.lo &= ~host.lo;
                entries.push_back({pr, zone});
            } else {
                const int len = static_cast<int>(rng() % 33);
                std::uint32_t a = static_cast<std::uint32_t>(0x0a000000u | (rng() & 0x00ff00ffu));
                if (rng() % 4 == 0) a = static_cast<std::uint32_t>(rng());
                const std::uint32_t mask = len == 0 ? 0 : ~0u << (32 - len);
                entries.push_back(
                    {p::IpPrefix{false, U128{0, a & mask}, static_cast<std::uint8_t>(len)}, zone});
            }
        }
        // Two entries with the same prefix are rejected before a ZoneMap is built.
        std::vector<ZoneMap::Entry> unique;
        for (const auto& e : entries) {
            bool dup = false;
            for (const auto& u : unique)
                dup = dup || u.prefix == e.prefix;
            if (!dup) unique.push_back(e);
        }
        const ZoneMap map(unique);
        // Probe each prefix's first and last address and their neighbours, plus random ones.
        std::vector<U128> v6_probes{U128{0, 0}, U128{~0ULL, ~0ULL}};
        std::vector<std::uint32_t> v4_probes{0u, 0xffffffffu};
        for (const auto& e : unique) {
            for (std::int64_t d : {-1, 0, 1}) {
                if (e.prefix.v6) {
                    v6_probes.push_back(plus(e.prefix.first(), d));
                    v6_probes.push_back(plus(e.prefix.last(), d));
                } else {
                    v4_probes.push_back(static_cast<std::uint32_t>(e.prefix.first().lo + d));
                    v4_probes.push_back(static_cast<std::uint32_t>(e.prefix.last().lo + d));
                }
            }
        }
        for (int i = 0; i < 20; ++i) {
            v4_probes.push_back(static_cast<std::uint32_t>(0x0a000000u | (rng() & 0x00ff00ffu)));
            v6_probes.push_back(U128{0x20010db800000000ULL | (rng() & 0xff000000ULL), rng()});
        }
        for (auto a : v4_probes) {
            INFO("round " << round << ", IPv4 " << p::format_ipv4(a));
            REQUIRE(map.lookup_v4(a) == brute_force(unique, false, a));
        }
        for (const auto& a : v6_probes) {
            INFO("round " << round << ", IPv6 " << a.hi << ":" << a.lo);
            REQUIRE(map.lookup_v6(a) == brute_force(unique, true, a));
        }
    }
}

TEST_CASE("IpPrefix parses prefixes and bare addresses", "[zone_map]") {
    struct Row {
        const char* text;
        bool ok;
        const char* printed;  // to_string() when ok, the reason otherwise
    };
    const std::vector<Row> rows = {
        {"10.0.0.0/8", true, "10.0.0.0/8"},
        {"192.0.2.1", true, "192.0.2.1/32"},
        {"0.0.0.0/0", true, "0.0.0.0/0"},
        {"2001:db8::/32", true, "2001:db8::/32"},
        {"2001:DB8:0:0::/48", true, "2001:db8::/48"},
        {"::/0", true, "::/0"},
        {"::1", true, "::1/128"},
        {"10.0.0.0/08", true, "10.0.0.0/8"},
        {"10.1.0.0/8", false, "host bits are set; did you mean 10.0.0.0/8?"},
        {"2001:db8::1/64", false, "host bits are set; did you mean 2001:db8::/64?"},
        {"10.0.0.0/33", false, "IPv4 prefix length must be 0-32"},
        {"::/129", false, "IPv6 prefix length must be 0-128"},
        {"10.0.0.0/-1", false, "prefix length is not a number"},
        {"10.0.0.0/+8", false, "prefix length is not a number"},
        {"10.0.0.0/", false, "prefix length is not a number"},
        {"10.0.0.0/8/8", false, "prefix length is not a number"},
        {"10.0.0/8", false, "not an IPv4 or IPv6 address"},
        {"10.0.0.256", false, "not an IPv4 or IPv6 address"},
        {"corp-lan", false, "not an IPv4 or IPv6 address"},
        {"", false, "not an IPv4 or IPv6 address"},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        std::string why;
        auto parsed = p::IpPrefix::parse(row.text, &why);
        REQUIRE(parsed.has_value() == row.ok);
        CHECK((row.ok ? parsed->to_string() : why) == row.printed);
    }
    CHECK(prefix("10.0.0.0/8").last() == U128{0, 0x0affffff});
    CHECK(prefix("0.0.0.0/0").last() == U128{0, 0xffffffff});
    CHECK(prefix("::/0").last() == U128{~0ULL, ~0ULL});
    CHECK(prefix("2001:db8::/64").last() == U128{0x20010db800000000ULL, ~0ULL});
    CHECK(prefix("2001:db8::/65").last() == U128{0x20010db800000000ULL, 0x7fffffffffffffffULL});
}
