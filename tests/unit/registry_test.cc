// DeviceRegistry: devices judged by real snapshots (the shipped catalog, the installed IEEE
// registry), sticky prohibited verdicts that only an operator's clear lifts, reevaluation on a
// new policy, and the persisted JSON form with its strict restore.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/json_reader.h"
#include "daemon/registry.h"
#include "dataplane/classify/device_table.h"
#include "tests/fixtures/policy_builder.h"

namespace {

namespace d = camfence::daemon;
namespace p = camfence::policy;
namespace t = camfence::test;
using d::DeviceRegistry;
using d::VerdictChange;
using p::DeviceClass;

// Camera-side devices, by what the shipped catalog and the IEEE registry make of them.
constexpr std::uint64_t kHikvision = 0x4447cc0a0b0c;  // Hikvision MA-L
constexpr std::uint64_t kEzviz = 0x64f2fb000001;      // Ezviz MA-L, a Hikvision subsidiary
constexpr std::uint64_t kDahua = 0x08eded000001;      // Dahua MA-L
constexpr std::uint64_t kAxis = 0xaccc8e010203;       // registered, not in the catalog
constexpr std::uint64_t kLocal = 0x02aabbccddee;      // locally administered
constexpr std::uint64_t kExcepted = 0x4419b6000001;   // excepted in config/policy.yaml

constexpr const char* kHikvisionOrg = "Hangzhou Hikvision Digital Technology Co.,Ltd.";

std::uint64_t key(std::uint64_t mac, std::uint16_t vlan) {
    return camfence::dataplane::device_key(mac, vlan);
}

// Compiling against the full registry takes a while: one snapshot per policy, for the run.
const p::PolicySnapshot& example() {
    static const auto snap = t::example_snapshot(t::kNow2026);
    return *snap;
}

// Prohibits Dahua only: a Hikvision device is clear by this policy.
const p::PolicySnapshot& dahua_only() {
    static const auto snap = [] {
        t::PolicyBuilder b;
        b.prohibited = "[dahua]";
        return t::compile(b.load(), t::kNow2026 + 500);
    }();
    return *snap;
}

// The example's vendors, with an exception for kHikvision.
const p::PolicySnapshot& hikvision_excepted() {
    static const auto snap = [] {
        t::PolicyBuilder b;
        b.exceptions = {R"({mac: "44:47:cc:0a:0b:0c", until: 2027-06-30, reason: "CHG-77"})"};
        return t::compile(b.load(), t::kNow2026 + 900);
    }();
    return *snap;
}

// The example policy after its exception for kExcepted has expired.
const p::PolicySnapshot& example_april_2027() {
    static const auto snap = t::example_snapshot(t::kNowApril2027);
    return *snap;
}

std::string cls(DeviceClass c) {
    return std::string(p::to_string(c));
}
std::string cls(std::optional<DeviceClass> c) {
    return c ? cls(*c) : std::string("(new)");
}

void check_change(const VerdictChange& c, std::uint64_t mac, std::uint16_t vlan,
                  std::optional<DeviceClass> from, DeviceClass to, const std::string& reason) {
    CHECK(c.mac == mac);
    CHECK(c.vlan == vlan);
    CHECK(cls(c.from) == cls(from));
    CHECK(cls(c.to) == cls(to));
    CHECK(c.reason == reason);
}

const d::Device& device(const DeviceRegistry& r, std::uint64_t mac, std::uint16_t vlan) {
    auto it = r.devices().find(key(mac, vlan));
    REQUIRE(it != r.devices().end());
    return it->second;
}

void check_same(const d::Device& a, const d::Device& b) {
    CHECK(a.mac == b.mac);
    CHECK(a.vlan == b.vlan);
    CHECK(a.first_seen == b.first_seen);
    CHECK(a.last_seen == b.last_seen);
    CHECK(a.ips == b.ips);
    CHECK(a.vendor == b.vendor);
    CHECK(a.organization == b.organization);
    CHECK(a.policy_class == b.policy_class);
    CHECK(a.sticky == b.sticky);
    CHECK(a.sticky_since == b.sticky_since);
    CHECK(a.verdict() == b.verdict());
    REQUIRE(a.evidence.size() == b.evidence.size());
    for (std::size_t i = 0; i < a.evidence.size(); ++i) {
        CHECK(a.evidence[i].signal == b.evidence[i].signal);
        CHECK(a.evidence[i].value == b.evidence[i].value);
        CHECK(a.evidence[i].detail == b.evidence[i].detail);
    }
}

}  // namespace

TEST_CASE("a new device is judged by the policy and reported as a change from nothing",
          "[registry]") {
    struct Row {
        std::string description;
        std::uint64_t mac;
        DeviceClass verdict;
        std::string vendor;
        std::string organization;
        bool sticky;
        std::string first_evidence;  // signal=value
    };
    const std::vector<Row> rows = {
        {"Hikvision", kHikvision, DeviceClass::prohibited, "hikvision", kHikvisionOrg, true,
         "oui=44:47:CC"},
        {"Ezviz (Hikvision subsidiary)", kEzviz, DeviceClass::prohibited, "ezviz",
         "Hangzhou Ezviz Software Co.,Ltd.", true, "oui=64:F2:FB"},
        {"Dahua", kDahua, DeviceClass::prohibited, "dahua", "Zhejiang Dahua Technology Co., Ltd.",
         true, "oui=08:ED:ED"},
        {"Axis: registered, not in the catalog", kAxis, DeviceClass::clear, "",
         "Axis Communications AB", false, "oui=AC:CC:8E"},
        {"locally administered", kLocal, DeviceClass::unregistered, "", "", false,
         "registry=locally administered"},
        {"Hikvision with an active exception", kExcepted, DeviceClass::excepted, "hikvision",
         kHikvisionOrg, false, "oui=44:19:B6"},
    };
    DeviceRegistry r(64);
    std::int64_t time = 1000;
    for (const auto& row : rows) {
        INFO(row.description);
        ++time;
        // Each its own address (a device on another's current address is a suspect).
        const std::string ip = "192.168.1." + std::to_string(time % 1000);
        auto change = r.observe(row.mac, 120, time, ip, example());
        REQUIRE(change);
        check_change(*change, row.mac, 120, std::nullopt, row.verdict, "first seen");
        const d::Device& dev = device(r, row.mac, 120);
        CHECK(dev.mac == row.mac);
        CHECK(dev.vlan == 120);
        CHECK(dev.first_seen == time);
        CHECK(dev.last_seen == time);
        CHECK(dev.ips == std::vector<std::string>{ip});
        CHECK(dev.vendor == row.vendor);
        CHECK(dev.organization == row.organization);
        CHECK(cls(dev.policy_class) == cls(row.verdict));
        CHECK(cls(dev.verdict()) == cls(row.verdict));
        CHECK(dev.sticky == row.sticky);
        CHECK(dev.sticky_since == (row.sticky ? time : 0));
        REQUIRE_FALSE(dev.evidence.empty());
        CHECK(dev.evidence[0].signal + "=" + dev.evidence[0].value == row.first_evidence);
    }
    CHECK(r.size() == rows.size());
    CHECK(r.refused() == 0);

    // The excepted MAC's evidence names its exception too.
    const d::Device& ex = device(r, kExcepted, 120);
    REQUIRE(ex.evidence.size() == 2);
    CHECK(ex.evidence[1].signal == "exception");
    CHECK(ex.evidence[1].value == "active until 2027-03-31");
    CHECK(ex.evidence[1].detail == "replacement CHG-1234");

    SECTION("the same MAC on another VLAN is another device") {
        auto change = r.observe(kHikvision, 130, 5000, "", example());
        REQUIRE(change);
        check_change(*change, kHikvision, 130, std::nullopt, DeviceClass::prohibited, "first seen");
        CHECK(r.size() == rows.size() + 1);
        CHECK(device(r, kHikvision, 130).ips.empty());
        CHECK(device(r, kHikvision, 120).first_seen == 1001);
    }
}

TEST_CASE("a device seen again changes nothing but when and where it was seen", "[registry]") {
    DeviceRegistry r(8);
    REQUIRE(r.observe(kAxis, 100, 1000, "10.0.0.1", example()));
    CHECK_FALSE(r.observe(kAxis, 100, 1010, "10.0.0.2", example()));
    CHECK_FALSE(r.observe(kAxis, 100, 1020, "10.0.0.1", example()));  // known address
    CHECK_FALSE(r.observe(kAxis, 100, 1005, "", example()));          // older, no address
    const d::Device& dev = device(r, kAxis, 100);
    CHECK(dev.first_seen == 1000);
    CHECK(dev.last_seen == 1020);  // never moves back
    CHECK(dev.ips == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
    CHECK(r.size() == 1);

    SECTION("a later policy does not re-judge it on observe (reevaluate does)") {
        // Under dahua_only a Hikvision is clear; observe only touches the existing entry.
        REQUIRE(r.observe(kHikvision, 100, 2000, "", example()));
        CHECK_FALSE(r.observe(kHikvision, 100, 2001, "", dahua_only()));
        CHECK(device(r, kHikvision, 100).policy_class == DeviceClass::prohibited);
    }
    SECTION("touch stamps last_seen, forward only, and ignores unknown devices") {
        r.touch(kAxis, 100, 3000);
        CHECK(device(r, kAxis, 100).last_seen == 3000);
        r.touch(kAxis, 100, 2500);
        CHECK(device(r, kAxis, 100).last_seen == 3000);
        r.touch(kAxis, 101, 4000);
        r.touch(kLocal, 100, 4000);
        CHECK(r.size() == 1);
    }
}

TEST_CASE("a device keeps its newest kMaxIpsPerDevice addresses, oldest first", "[registry]") {
    DeviceRegistry r(8);
    REQUIRE(r.observe(kLocal, 0, 1, "10.0.0.0", example()));
    for (int i = 1; i < 12; ++i)
        CHECK_FALSE(r.observe(kLocal, 0, 1 + i, "10.0.0." + std::to_string(i), example()));
    std::vector<std::string> want;
    for (int i = 12 - static_cast<int>(d::kMaxIpsPerDevice); i < 12; ++i)
        want.push_back("10.0.0." + std::to_string(i));
    CHECK(device(r, kLocal, 0).ips == want);
    CHECK(device(r, kLocal, 0).ips.size() == d::kMaxIpsPerDevice);
    // An address it still holds is not added twice, and nothing is dropped for it.
    CHECK_FALSE(r.observe(kLocal, 0, 100, "10.0.0.11", example()));
    CHECK(device(r, kLocal, 0).ips == want);
    // An IPv6 address is just another address.
    CHECK_FALSE(r.observe(kLocal, 0, 101, "2001:db8::20", example()));
    CHECK(device(r, kLocal, 0).ips.back() == "2001:db8::20");
    CHECK(device(r, kLocal, 0).ips.front() == "10.0.0.5");
}

TEST_CASE("a full registry refuses new devices, counts them, and still sees known ones",
          "[registry]") {
    DeviceRegistry r(2);
    CHECK(r.capacity() == 2);
    REQUIRE(r.observe(kHikvision, 100, 1, "", example()));
    REQUIRE(r.observe(kAxis, 100, 2, "", example()));
    CHECK_FALSE(r.observe(kLocal, 100, 3, "10.0.0.9", example()));
    CHECK(r.refused() == 1);
    CHECK(r.size() == 2);
    CHECK(r.devices().count(key(kLocal, 100)) == 0);
    // A known device is no refusal.
    CHECK_FALSE(r.observe(kAxis, 100, 4, "10.0.0.4", example()));
    CHECK(r.refused() == 1);
    CHECK(device(r, kAxis, 100).last_seen == 4);
    CHECK(device(r, kAxis, 100).ips == std::vector<std::string>{"10.0.0.4"});
    // A known MAC on a new VLAN is a new device: refused as well.
    CHECK_FALSE(r.observe(kHikvision, 101, 5, "", example()));
    CHECK(r.refused() == 2);
    CHECK(r.size() == 2);

    DeviceRegistry empty(0);
    CHECK_FALSE(empty.observe(kHikvision, 100, 1, "", example()));
    CHECK(empty.refused() == 1);
    CHECK(empty.size() == 0);
}

TEST_CASE("a prohibited verdict is sticky across policies; an exception still wins", "[registry]") {
    DeviceRegistry r(16);
    REQUIRE(r.observe(kHikvision, 120, 1000, "", example()));
    REQUIRE(r.observe(kAxis, 120, 1000, "", example()));
    {
        const d::Device& hik = device(r, kHikvision, 120);
        REQUIRE(hik.sticky);
        REQUIRE(hik.sticky_since == 1000);
    }

    // A policy that no longer prohibits Hikvision: the policy calls it clear, the verdict
    // stays prohibited, and nothing is reported as changed.
    auto changes = r.reevaluate(dahua_only(), "policy reload");
    CHECK(changes.empty());
    {
        const d::Device& hik = device(r, kHikvision, 120);
        CHECK(hik.policy_class == DeviceClass::clear);
        CHECK(hik.verdict() == DeviceClass::prohibited);
        CHECK(hik.sticky);
        CHECK(hik.sticky_since == 1000);  // the first judgement, not the reload
        CHECK(hik.vendor == "hikvision");
        CHECK(device(r, kAxis, 120).verdict() == DeviceClass::clear);
    }

    // An exception in the policy is an operator's decision: it wins over the sticky verdict.
    changes = r.reevaluate(hikvision_excepted(), "policy reload");
    REQUIRE(changes.size() == 1);
    check_change(changes[0], kHikvision, 120, DeviceClass::prohibited, DeviceClass::excepted,
                 "policy reload");
    {
        const d::Device& hik = device(r, kHikvision, 120);
        CHECK(hik.policy_class == DeviceClass::excepted);
        CHECK(hik.verdict() == DeviceClass::excepted);
        CHECK(hik.sticky);  // remembered for when the exception goes
        bool has_exception = false;
        for (const auto& e : hik.evidence)
            has_exception = has_exception || (e.signal == "exception" && e.detail == "CHG-77");
        CHECK(has_exception);
    }

    // The exception goes (and the vendor is no longer prohibited): prohibited again.
    changes = r.reevaluate(dahua_only(), "policy reload");
    REQUIRE(changes.size() == 1);
    check_change(changes[0], kHikvision, 120, DeviceClass::excepted, DeviceClass::prohibited,
                 "policy reload");
    CHECK(device(r, kHikvision, 120).policy_class == DeviceClass::clear);
}

TEST_CASE("reevaluate reports exactly the devices whose verdict changed", "[registry]") {
    DeviceRegistry r(16);
    for (std::uint64_t mac : {kHikvision, kEzviz, kDahua, kAxis, kLocal, kExcepted})
        REQUIRE(r.observe(mac, 150, 1000, "", dahua_only()));
    // By dahua_only: Dahua prohibited (sticky), everything Hikvision clear, Axis clear, the
    // local MAC unregistered.
    CHECK(device(r, kDahua, 150).verdict() == DeviceClass::prohibited);
    CHECK(device(r, kHikvision, 150).verdict() == DeviceClass::clear);
    CHECK(device(r, kExcepted, 150).verdict() == DeviceClass::clear);

    SECTION("the same policy again changes nothing") {
        CHECK(r.reevaluate(dahua_only(), "policy reload").empty());
    }
    SECTION(
        "prohibiting Hikvision: Hikvision and Ezviz become prohibited; the excepted MAC "
        "becomes excepted") {
        auto changes = r.reevaluate(example(), "policy reload");
        std::map<std::uint64_t, VerdictChange> by_mac;
        for (const auto& c : changes)
            by_mac.emplace(c.mac, c);
        CHECK(changes.size() == 3);
        REQUIRE(by_mac.count(kHikvision));
        check_change(by_mac.at(kHikvision), kHikvision, 150, DeviceClass::clear,
                     DeviceClass::prohibited, "policy reload");
        REQUIRE(by_mac.count(kEzviz));
        check_change(by_mac.at(kEzviz), kEzviz, 150, DeviceClass::clear, DeviceClass::prohibited,
                     "policy reload");
        REQUIRE(by_mac.count(kExcepted));
        check_change(by_mac.at(kExcepted), kExcepted, 150, DeviceClass::clear,
                     DeviceClass::excepted, "policy reload");
        // Made sticky when the new policy was evaluated.
        CHECK(device(r, kHikvision, 150).sticky_since == example().evaluated_at);
        CHECK_FALSE(device(r, kExcepted, 150).sticky);

        SECTION("then the exception expires: only the excepted MAC changes") {
            auto expired = r.reevaluate(example_april_2027(), "exception expired");
            REQUIRE(expired.size() == 1);
            check_change(expired[0], kExcepted, 150, DeviceClass::excepted, DeviceClass::prohibited,
                         "exception expired");
            CHECK(device(r, kExcepted, 150).sticky);
            CHECK(device(r, kExcepted, 150).sticky_since == example_april_2027().evaluated_at);
            CHECK(device(r, kExcepted, 150).evidence.back().value == "expired until 2027-03-31");
        }
    }
}

TEST_CASE("clear lifts the sticky verdict of a MAC, on every VLAN or on one", "[registry]") {
    DeviceRegistry r(16);
    REQUIRE(r.observe(kHikvision, 120, 1000, "", example()));
    REQUIRE(r.observe(kHikvision, 130, 1001, "", example()));
    REQUIRE(r.observe(kAxis, 120, 1002, "", example()));
    REQUIRE(r.observe(kExcepted, 120, 1003, "", example()));
    // Hikvision is no longer prohibited by the policy in force: only stickiness holds it.
    REQUIRE(r.reevaluate(dahua_only(), "policy reload").size() == 1);  // the excepted MAC
    std::size_t found = 99;

    SECTION("every VLAN") {
        auto changes = r.clear(kHikvision, std::nullopt, found);
        CHECK(found == 2);
        REQUIRE(changes.size() == 2);
        check_change(changes[0], kHikvision, 120, DeviceClass::prohibited, DeviceClass::clear,
                     "cleared by operator");
        check_change(changes[1], kHikvision, 130, DeviceClass::prohibited, DeviceClass::clear,
                     "cleared by operator");
        for (std::uint16_t vlan : {std::uint16_t{120}, std::uint16_t{130}}) {
            const d::Device& hik = device(r, kHikvision, vlan);
            CHECK_FALSE(hik.sticky);
            CHECK(hik.sticky_since == 0);
            CHECK(hik.verdict() == DeviceClass::clear);
        }
        // Cleared means judged by the policy from now on: a reload that agrees changes nothing.
        CHECK(r.reevaluate(dahua_only(), "policy reload").empty());
    }
    SECTION("one VLAN") {
        auto changes = r.clear(kHikvision, std::uint16_t{130}, found);
        CHECK(found == 1);
        REQUIRE(changes.size() == 1);
        check_change(changes[0], kHikvision, 130, DeviceClass::prohibited, DeviceClass::clear,
                     "cleared by operator");
        CHECK(device(r, kHikvision, 120).sticky);
        CHECK(device(r, kHikvision, 120).verdict() == DeviceClass::prohibited);
    }
    SECTION("a VLAN the MAC was not seen on, or a MAC never seen") {
        CHECK(r.clear(kHikvision, std::uint16_t{140}, found).empty());
        CHECK(found == 0);
        CHECK(r.clear(kLocal, std::nullopt, found).empty());
        CHECK(found == 0);
        CHECK(device(r, kHikvision, 120).sticky);
    }
    SECTION("a device that was never sticky: found, nothing changes") {
        CHECK(r.clear(kAxis, std::nullopt, found).empty());
        CHECK(found == 1);
        CHECK(device(r, kAxis, 120).verdict() == DeviceClass::clear);
    }
    SECTION("clearing twice: the second finds it and changes nothing") {
        CHECK(r.clear(kHikvision, std::nullopt, found).size() == 2);
        CHECK(r.clear(kHikvision, std::nullopt, found).empty());
        CHECK(found == 2);
    }
}

TEST_CASE("clear cannot lift a verdict the policy in force still gives", "[registry]") {
    DeviceRegistry r(16);
    REQUIRE(r.observe(kHikvision, 120, 1000, "", example()));
    REQUIRE(r.observe(kExcepted, 120, 1000, "", example()));
    std::size_t found = 0;
    auto changes = r.clear(kHikvision, std::nullopt, found);
    CHECK(found == 1);
    CHECK(changes.empty());
    const d::Device& hik = device(r, kHikvision, 120);
    CHECK(hik.sticky);  // sticky again at once
    CHECK(hik.verdict() == DeviceClass::prohibited);

    // An excepted device is not sticky and stays excepted.
    CHECK(r.clear(kExcepted, std::nullopt, found).empty());
    CHECK(found == 1);
    CHECK(device(r, kExcepted, 120).verdict() == DeviceClass::excepted);

    // ... and a reload that stops prohibiting Hikvision still keeps it prohibited.
    auto changes_on_reload = r.reevaluate(dahua_only(), "policy reload");
    REQUIRE(changes_on_reload.size() == 1);
    CHECK(changes_on_reload[0].mac == kExcepted);  // excepted -> clear
    CHECK(device(r, kHikvision, 120).verdict() == DeviceClass::prohibited);
}

// BUG (daemon/registry.cc, DeviceRegistry::clear): clearing a device the policy still
// prohibits re-marks it sticky but leaves sticky_since at 0, so the inventory (and
// devices.json) claims it has been prohibited since 1970-01-01 instead of since it was
// judged.
TEST_CASE("clear on a device the policy still prohibits keeps when it was judged", "[registry]") {
    DeviceRegistry r(16);
    REQUIRE(r.observe(kHikvision, 120, 1000, "", example()));
    std::size_t found = 0;
    CHECK(r.clear(kHikvision, std::nullopt, found).empty());
    const d::Device& hik = device(r, kHikvision, 120);
    REQUIRE(hik.sticky);
    CHECK(hik.sticky_since != 0);
    CHECK(hik.sticky_since == 1000);
}

TEST_CASE("to_json and from_json round-trip every field", "[registry]") {
    DeviceRegistry r(32);
    REQUIRE(r.observe(kHikvision, 120, 1000, "192.168.1.20", example()));
    REQUIRE_FALSE(r.observe(kHikvision, 120, 1500, "2001:db8:200::20", example()));
    REQUIRE(r.observe(kHikvision, 0, 1001, "", example()));
    REQUIRE(r.observe(kExcepted, 4094, 1002, "192.168.1.21", example()));
    REQUIRE(r.observe(kAxis, 199, 1003, "192.168.1.22", example()));
    REQUIRE(r.observe(kLocal, 100, 1004, "", example()));
    REQUIRE(r.observe(kDahua, 100, 1005, "10.9.8.7", example()));
    REQUIRE(r.observe(0x0c0c0c000001, 100, 1006, "", example()));  // unassigned
    r.touch(kAxis, 199, 99999);
    // Sticky but clear by the policy now; and one cleared device.
    REQUIRE(r.reevaluate(dahua_only(), "policy reload").size() == 1);
    std::size_t found = 0;
    REQUIRE(r.clear(kHikvision, std::uint16_t{0}, found).size() == 1);
    for (int i = 0; i < 9; ++i)
        r.observe(kLocal, 100, 2000 + i, "fe80::" + std::to_string(i), example());

    const std::string json = r.to_json(1767225600);
    INFO(json);
    REQUIRE(json.back() == '\n');
    const auto doc = d::parse_json(json);
    CHECK(doc.find("version")->as_int() == 1);
    CHECK(doc.find("saved_at")->as_int() == 1767225600);
    REQUIRE(doc.find("devices")->as_array().size() == r.size());

    const DeviceRegistry back = DeviceRegistry::from_json(json, 32);
    CHECK(back.capacity() == 32);
    CHECK(back.refused() == 0);
    REQUIRE(back.size() == r.size());
    auto a = r.devices().begin();
    auto b = back.devices().begin();
    for (; a != r.devices().end(); ++a, ++b) {
        INFO("device " << p::MacAddress{a->second.mac}.to_string() << " on VLAN "
                       << a->second.vlan);
        CHECK(a->first == b->first);
        check_same(a->second, b->second);
    }
    // What was restored is written out byte for byte as before.
    CHECK(back.to_json(1767225600) == json);

    // The restored registry carries on: sticky verdicts hold, known devices are known.
    DeviceRegistry again = DeviceRegistry::from_json(json, 32);
    CHECK_FALSE(again.observe(kHikvision, 120, 3000, "", dahua_only()));
    CHECK(again.reevaluate(dahua_only(), "restart").empty());
    CHECK(device(again, kHikvision, 120).verdict() == DeviceClass::prohibited);
    CHECK(device(again, kHikvision, 0).verdict() == DeviceClass::clear);

    // The verdict is written for readers of the file; it is derived, not restored.
    for (const auto& e : doc.find("devices")->as_array()) {
        auto mac = p::MacAddress::parse(e.find("mac")->as_string());
        REQUIRE(mac);
        const auto& dev =
            device(r, mac->value, static_cast<std::uint16_t>(e.find("vlan")->as_int()));
        CHECK(e.find("verdict")->as_string() == cls(dev.verdict()));
    }

    SECTION("an empty registry") {
        DeviceRegistry none(4);
        const DeviceRegistry restored = DeviceRegistry::from_json(none.to_json(7), 4);
        CHECK(restored.size() == 0);
        CHECK(restored.to_json(7) == none.to_json(7));
    }
    SECTION("strings that need escaping survive") {
        const std::string text = R"({"version":1,"saved_at":0,"devices":[{"mac":"02:00:00:00:00:01",
            "vlan":5,"first_seen":-3,"last_seen":9007199254740993,"ips":["a\"b\\c","\u00e9\n"],
            "vendor":"","organization":"Zürich \"AG\"\t","policy_class":"unregistered",
            "verdict":"unregistered","sticky":false,"sticky_since":0,
            "evidence":[{"signal":"s","value":"\u0001","detail":"\ud83d\ude00"}]}]})";
        const DeviceRegistry one = DeviceRegistry::from_json(text, 4);
        const d::Device& dev = device(one, 0x020000000001, 5);
        CHECK(dev.first_seen == -3);
        CHECK(dev.last_seen == 9007199254740993);
        CHECK(dev.ips == std::vector<std::string>{"a\"b\\c", "\xc3\xa9\n"});
        CHECK(dev.organization == "Z\xc3\xbcrich \"AG\"\t");
        CHECK(dev.evidence.at(0).value == "\x01");
        CHECK(dev.evidence.at(0).detail == "\xf0\x9f\x98\x80");
        const DeviceRegistry twice = DeviceRegistry::from_json(one.to_json(0), 4);
        check_same(device(twice, 0x020000000001, 5), dev);
    }
}

namespace {

// A JSON object of `fields` (name, JSON text of the value) in order, each replaced by its
// entry in `changes` or, where that is nullopt, left out.
std::string json_object(const std::vector<std::pair<std::string, std::string>>& fields,
                        const std::map<std::string, std::optional<std::string>>& changes) {
    std::string out = "{";
    for (const auto& [k, v] : fields) {
        auto it = changes.find(k);
        if (it != changes.end() && !it->second) continue;
        if (out.size() > 1) out += ",";
        out += "\"" + k + "\":" + (it != changes.end() ? *it->second : v);
    }
    return out + "}";
}

// One device, every field present and valid; `changes` replaces or (nullopt) drops fields of
// the device, `evidence` fields of its one evidence item.
std::string device_json(const std::map<std::string, std::optional<std::string>>& changes = {},
                        const std::map<std::string, std::optional<std::string>>& evidence = {}) {
    const std::string ev_text = json_object(
        {{"signal", R"("oui")"},
         {"value", R"("44:47:CC")"},
         {"detail", R"j("Hangzhou Hikvision Digital Technology Co.,Ltd. (IEEE MA-L registry)")j"}},
        evidence);
    return json_object(
        {
            {"mac", R"("44:47:cc:0a:0b:0c")"},
            {"vlan", "120"},
            {"first_seen", "1000"},
            {"last_seen", "1500"},
            {"ips", R"(["192.168.1.20","2001:db8::20"])"},
            {"vendor", R"("hikvision")"},
            {"organization", R"("Hangzhou Hikvision Digital Technology Co.,Ltd.")"},
            {"policy_class", R"("prohibited")"},
            {"verdict", R"("prohibited")"},
            {"sticky", "true"},
            {"sticky_since", "1000"},
            {"evidence", "[" + ev_text + "]"},
        },
        changes);
}

std::string doc_json(const std::string& devices, const std::string& version = "1") {
    return R"({"version":)" + version + R"(,"saved_at":1767225600,"devices":[)" + devices + "]}";
}

}  // namespace

TEST_CASE("from_json reads the hand-written reference document", "[registry]") {
    const DeviceRegistry r = DeviceRegistry::from_json(doc_json(device_json()), 4);
    REQUIRE(r.size() == 1);
    const d::Device& dev = device(r, kHikvision, 120);
    CHECK(dev.first_seen == 1000);
    CHECK(dev.last_seen == 1500);
    CHECK(dev.ips == std::vector<std::string>{"192.168.1.20", "2001:db8::20"});
    CHECK(dev.vendor == "hikvision");
    CHECK(dev.organization == kHikvisionOrg);
    CHECK(dev.policy_class == DeviceClass::prohibited);
    CHECK(dev.sticky);
    CHECK(dev.sticky_since == 1000);
    REQUIRE(dev.evidence.size() == 1);
    CHECK(dev.evidence[0].signal == "oui");
    // Other spellings of a MAC are the same MAC; other VLANs are other devices.
    const DeviceRegistry two = DeviceRegistry::from_json(
        doc_json(device_json() + "," +
                 device_json({{"mac", R"("44-47-CC-0A-0B-0C")"}, {"vlan", "121"}})),
        4);
    CHECK(two.size() == 2);
    // The verdict field is derived, not read: a stale one is not an error.
    CHECK_NOTHROW(DeviceRegistry::from_json(doc_json(device_json({{"verdict", R"("clear")"}})), 4));
    CHECK_NOTHROW(DeviceRegistry::from_json(doc_json(device_json({{"vlan", "0"}})), 4));
    CHECK_NOTHROW(DeviceRegistry::from_json(doc_json(device_json({{"vlan", "4094"}})), 4));
}

TEST_CASE("from_json rejects a malformed state file, naming the problem", "[registry]") {
    using Fields = std::map<std::string, std::optional<std::string>>;
    struct Row {
        std::string description;
        std::string text;
        std::string message;  // a substring of what()
        std::size_t capacity = 4;
    };
    std::vector<Row> rows = {
        {"not JSON", "devices: []", "", 4},
        {"empty text", "", ""},
        {"trailing garbage", doc_json(device_json()) + " x", ""},
        {"truncated", doc_json(device_json()).substr(0, 80), ""},
        {"a list, not an object", "[" + doc_json(device_json()) + "]", "missing 'version'"},
        {"no version", R"({"saved_at":1,"devices":[]})", "missing 'version'"},
        {"version 2", doc_json(device_json(), "2"), "unknown version"},
        {"version 0", doc_json("", "0"), "unknown version"},
        {"version as a string", doc_json(device_json(), "\"1\""), ""},
        {"version 1.0", doc_json(device_json(), "1.0"), ""},
        {"no devices", R"({"version":1,"saved_at":1})", "missing 'devices'"},
        {"devices is an object", R"({"version":1,"saved_at":1,"devices":{}})", ""},
        {"a device that is a string", doc_json(R"("44:47:cc:0a:0b:0c")"), ""},
        {"bad mac", doc_json(device_json({{"mac", R"("44:47:cc:0a:0b")"}})), "bad mac"},
        {"mac not hex", doc_json(device_json({{"mac", R"("44:47:cc:0a:0b:zz")"}})), "bad mac"},
        {"mac as a number", doc_json(device_json({{"mac", "75094250924812"}})), ""},
        {"vlan -1", doc_json(device_json({{"vlan", "-1"}})), "bad vlan"},
        {"vlan 4096", doc_json(device_json({{"vlan", "4096"}})), "bad vlan"},
        {"vlan 65656", doc_json(device_json({{"vlan", "65656"}})), "bad vlan"},
        {"vlan as a string", doc_json(device_json({{"vlan", R"("120")"}})), ""},
        {"vlan 120.5", doc_json(device_json({{"vlan", "120.5"}})), ""},
        {"first_seen as a string", doc_json(device_json({{"first_seen", R"("1000")"}})), ""},
        {"ips not a list", doc_json(device_json({{"ips", R"("192.168.1.20")"}})), ""},
        {"an ip that is a number", doc_json(device_json({{"ips", "[1]"}})), ""},
        {"policy_class unknown", doc_json(device_json({{"policy_class", R"("banned")"}})),
         "bad policy_class"},
        {"policy_class in capitals", doc_json(device_json({{"policy_class", R"("CLEAR")"}})),
         "bad policy_class"},
        {"sticky as a string", doc_json(device_json({{"sticky", R"("true")"}})), ""},
        {"sticky as 1", doc_json(device_json({{"sticky", "1"}})), ""},
        {"evidence not a list", doc_json(device_json({{"evidence", "{}"}})), ""},
        {"evidence item without detail", doc_json(device_json({}, {{"detail", std::nullopt}})),
         "missing 'detail'"},
        {"evidence value a number", doc_json(device_json({}, {{"value", "7"}})), ""},
        {"a duplicate key in a device", doc_json(device_json({{"vlan", "120,\"vlan\":121"}})), ""},
        {"the same device twice", doc_json(device_json() + "," + device_json()),
         "duplicate device"},
        {"the same device twice, the MAC spelt differently",
         doc_json(device_json() + "," + device_json({{"mac", R"("44:47:CC:0A:0B:0C")"}})),
         "duplicate device"},
        {"more devices than the capacity",
         doc_json(device_json() + "," + device_json({{"vlan", "121"}}) + "," +
                  device_json({{"vlan", "122"}})),
         "more devices than device_capacity", 2},
        {"a bad device after good ones",
         doc_json(device_json() + "," + device_json({{"vlan", "121"}}) + "," +
                  device_json({{"vlan", "122"}, {"mac", R"("nope")"}})),
         "bad mac"},
    };
    for (const char* f : {"mac", "vlan", "first_seen", "last_seen", "ips", "vendor", "organization",
                          "policy_class", "sticky", "sticky_since", "evidence"})
        rows.push_back({std::string("no '") + f + "'",
                        doc_json(device_json(Fields{{f, std::nullopt}})),
                        std::string("missing '") + f + "'"});
    for (const char* f : {"signal", "value", "detail"})
        rows.push_back({std::string("evidence without '") + f + "'",
                        doc_json(device_json({}, Fields{{f, std::nullopt}})),
                        std::string("missing '") + f + "'"});

    // What the daemon holds stays as it was when a restore fails.
    DeviceRegistry held = DeviceRegistry::from_json(doc_json(device_json()), 4);
    REQUIRE(held.size() == 1);
    const std::string before = held.to_json(1);
    for (const auto& row : rows) {
        INFO(row.description << "\n" << row.text);
        bool threw = false;
        try {
            held = DeviceRegistry::from_json(row.text, row.capacity);
        } catch (const std::runtime_error& e) {
            threw = true;
            INFO("what(): " << e.what());
            CHECK(std::string(e.what()).find(row.message) != std::string::npos);
            CHECK_FALSE(std::string(e.what()).empty());
        }
        CHECK(threw);
        CHECK(held.to_json(1) == before);
    }
}

TEST_CASE("parse_device_class reads the names to_string writes", "[registry]") {
    for (auto c : {DeviceClass::prohibited, DeviceClass::excepted, DeviceClass::unregistered,
                   DeviceClass::clear})
        CHECK(d::parse_device_class(p::to_string(c)) == c);
    CHECK_FALSE(d::parse_device_class(""));
    CHECK_FALSE(d::parse_device_class("Prohibited"));
    CHECK_FALSE(d::parse_device_class("?"));
}
