// The evidence model of passive fingerprinting in the device registry: decisive_vendor (one
// strong signal, or medium ones from two protocols of one vendor family; weak ones never),
// DeviceRegistry::observe_protocol (evidence kept one per distinct match, the strongest
// signature, a bounded list that still takes decisive evidence; model, serial and firmware
// from SADP and DHIP; white-label devices made prohibited and sticky), its persisted form,
// note_address, and the suspect rule for a new MAC on a prohibited device's current address.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/registry.h"
#include "dataplane/classify/device_table.h"
#include "policy/snapshot.h"
#include "tests/fixtures/policy_builder.h"

namespace {

namespace d = camfence::daemon;
namespace p = camfence::policy;
namespace t = camfence::test;
using d::DeviceRegistry;
using d::ProtocolEvidence;
using d::SeenField;
using d::VerdictChange;
using p::DeviceClass;
using p::Strength;

// Camera-side devices, by what the shipped catalog and the IEEE registry make of them.
constexpr std::uint64_t kHikvision = 0x4447cc0a0b0c;  // Hikvision MA-L
constexpr std::uint64_t kEzviz = 0x64f2fb000001;      // Ezviz MA-L, a Hikvision subsidiary
constexpr std::uint64_t kDahua = 0x08eded000001;      // Dahua MA-L
constexpr std::uint64_t kAxis = 0xaccc8e010203;       // registered, not in the catalog
constexpr std::uint64_t kAxis2 = 0xaccc8e010204;      // another one
constexpr std::uint64_t kLocal = 0x02aabbccddee;      // locally administered
constexpr std::uint64_t kExcepted = 0x4419b6000001;   // excepted in config/policy.yaml

constexpr std::uint16_t kVlan = 120;

const p::PolicySnapshot& example() {
    static const auto snap = t::example_snapshot(t::kNow2026);
    return *snap;
}

// Prohibits Hikvision (and its subsidiaries) only: Dahua is clear by this policy.
const p::PolicySnapshot& hikvision_only() {
    static const auto snap = [] {
        t::PolicyBuilder b;
        b.prohibited = "[hikvision]";
        return t::compile(b.load(), t::kNow2026 + 700);
    }();
    return *snap;
}

// Prohibits the subsidiary Ezviz only, not its parent.
const p::PolicySnapshot& ezviz_only() {
    static const auto snap = [] {
        t::PolicyBuilder b;
        b.prohibited = "[ezviz]";
        return t::compile(b.load(), t::kNow2026 + 800);
    }();
    return *snap;
}

std::string cls(DeviceClass c) {
    return std::string(p::to_string(c));
}
std::string cls(std::optional<DeviceClass> c) {
    return c ? cls(*c) : std::string("(new)");
}

ProtocolEvidence ev(const std::string& vendor, const std::string& protocol, Strength strength,
                    const std::string& value = "v") {
    ProtocolEvidence e;
    e.vendor = vendor;
    e.protocol = protocol;
    e.field = "f";
    e.value = value;
    e.strength = strength;
    return e;
}

const d::Device& device(const DeviceRegistry& r, std::uint64_t mac, std::uint16_t vlan = kVlan) {
    auto it = r.devices().find(camfence::dataplane::device_key(mac, vlan));
    REQUIRE(it != r.devices().end());
    return it->second;
}

// What a DHIP discovery reply from a Dahua-made camera says.
const std::vector<SeenField> kDhipReply = {
    {"dhip", "method", "client.notifyDevInfo"},
    {"dhip", "DeviceType", "IPC-HDW2431T-AS-S2"},
    {"dhip", "SerialNo", "6G0A1B2PAZ12345"},
    {"dhip", "Version", "2.800.0000000.25.R"},
};

// What a SADP ProbeMatch from a Hikvision-made camera says.
const std::vector<SeenField> kSadpReply = {
    {"sadp", "DeviceType", "138"},
    {"sadp", "DeviceDescription", "DS-2CD2042WD-I"},
    {"sadp", "DeviceSN", "DS-2CD2042WD-I20170101AAWR123456789"},
    {"sadp", "SoftwareVersion", "V5.4.5build 170124"},
};

std::optional<VerdictChange> see(DeviceRegistry& r, std::uint64_t mac, std::int64_t time,
                                 std::uint64_t frame, const std::vector<SeenField>& seen,
                                 const p::PolicySnapshot& snap, bool& suspect) {
    return r.observe_protocol(mac, kVlan, time, frame, seen, snap, suspect);
}

std::optional<VerdictChange> see(DeviceRegistry& r, std::uint64_t mac, std::int64_t time,
                                 const std::vector<SeenField>& seen,
                                 const p::PolicySnapshot& snap = example()) {
    bool suspect = false;
    return r.observe_protocol(mac, kVlan, time, 0, seen, snap, suspect);
}

const ProtocolEvidence* find_evidence(const d::Device& dev, const std::string& protocol,
                                      const std::string& field) {
    for (const auto& e : dev.protocol_evidence)
        if (e.protocol == protocol && e.field == field) return &e;
    return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// decisive_vendor

TEST_CASE("decisive_vendor: one strong signal decides", "[fingerprint_model]") {
    const auto& s = example();
    CHECK(d::decisive_vendor({}, s) == "");
    CHECK(d::decisive_vendor({ev("hikvision", "sadp", Strength::strong)}, s) == "hikvision");
    CHECK(d::decisive_vendor({ev("dahua", "dhip", Strength::strong)}, s) == "dahua");
    // A subsidiary's strong signal names the subsidiary.
    CHECK(d::decisive_vendor({ev("ezviz", "dns", Strength::strong)}, s) == "ezviz");
    // With weak ones beside it, still.
    CHECK(d::decisive_vendor(
              {ev("dahua", "dahua5050", Strength::weak), ev("dahua", "dhip", Strength::strong),
               ev("dahua", "wsd", Strength::weak)},
              s) == "dahua");
    // Another family's weaker signals do not stand in its way.
    CHECK(d::decisive_vendor(
              {ev("hikvision", "wsd", Strength::weak), ev("hikvision", "dns", Strength::medium),
               ev("dahua", "rtsp", Strength::strong), ev("hikvision", "sadp", Strength::weak)},
              s) == "dahua");
    // A vendor this catalog does not have is no evidence.
    CHECK(d::decisive_vendor({ev("acme", "sadp", Strength::strong)}, s) == "");
}

TEST_CASE("decisive_vendor: medium signals from two protocols of one family decide",
          "[fingerprint_model]") {
    const auto& s = example();
    SECTION("Ezviz DNS + Ezviz TLS SNI") {
        CHECK(d::decisive_vendor({ev("ezviz", "dns", Strength::medium, "ezvizlife.com"),
                                  ev("ezviz", "tls_sni", Strength::medium, "ezvizlife.com")},
                                 s) == "ezviz");
    }
    SECTION("Dahua DNS + Dahua certificate") {
        CHECK(d::decisive_vendor(
                  {ev("dahua", "dns", Strength::medium), ev("dahua", "tls_cert", Strength::medium)},
                  s) == "dahua");
    }
    SECTION("one medium alone does not") {
        CHECK(d::decisive_vendor({ev("ezviz", "dns", Strength::medium)}, s) == "");
        CHECK(d::decisive_vendor({ev("dahua", "http", Strength::medium)}, s) == "");
    }
    SECTION("two mediums of the same protocol do not, however many") {
        CHECK(d::decisive_vendor({ev("ezviz", "dns", Strength::medium, "ezvizlife.com"),
                                  ev("ezviz", "dns", Strength::medium, "ys7.com")},
                                 s) == "");
        std::vector<ProtocolEvidence> many;
        for (int i = 0; i < 10; ++i)
            many.push_back(ev("dahua", "http", Strength::medium, "v" + std::to_string(i)));
        CHECK(d::decisive_vendor(many, s) == "");
    }
    SECTION("mediums of two families do not add up") {
        CHECK(d::decisive_vendor({ev("hikvision", "dns", Strength::medium),
                                  ev("dahua", "tls_sni", Strength::medium)},
                                 s) == "");
        CHECK(d::decisive_vendor(
                  {ev("ezviz", "dns", Strength::medium), ev("dahua", "tls_cert", Strength::medium)},
                  s) == "");
    }
    SECTION("a subsidiary counts in its parent's family") {
        for (const auto& pair : std::vector<std::vector<ProtocolEvidence>>{
                 {ev("hikvision", "tls_cert", Strength::medium),
                  ev("ezviz", "dns", Strength::medium)},
                 {ev("ezviz", "tls_sni", Strength::medium),
                  ev("hikvision", "dns", Strength::medium)},
                 {ev("prama-hikvision", "dns", Strength::medium),
                  ev("hikvision", "wsd", Strength::medium)},
             }) {
            const std::string v = d::decisive_vendor(pair, s);
            INFO(pair[0].vendor << " " << pair[0].protocol << " + " << pair[1].vendor << " "
                                << pair[1].protocol << " -> '" << v << "'");
            REQUIRE_FALSE(v.empty());
            auto idx = std::find_if(s.vendors.begin(), s.vendors.end(),
                                    [&](const p::VendorInfo& x) { return x.id == v; });
            REQUIRE(idx != s.vendors.end());
            CHECK(
                s.vendors[s.root_vendor(static_cast<std::uint16_t>(idx - s.vendors.begin()))].id ==
                "hikvision");
        }
    }
}

TEST_CASE("decisive_vendor: weak signals never decide, however many", "[fingerprint_model]") {
    const auto& s = example();
    std::vector<ProtocolEvidence> weak;
    for (const char* proto :
         {"sadp", "dhip", "dahua5050", "wsd", "http", "rtsp", "dhcp", "dns", "tls_sni", "tls_cert"})
        for (int i = 0; i < 3; ++i) {
            weak.push_back(ev("hikvision", proto, Strength::weak, "h" + std::to_string(i)));
            weak.push_back(ev("dahua", proto, Strength::weak, "d" + std::to_string(i)));
        }
    CHECK(d::decisive_vendor(weak, s) == "");
    // Nor do they make up for a missing second medium protocol.
    weak.push_back(ev("dahua", "dns", Strength::medium));
    CHECK(d::decisive_vendor(weak, s) == "");
    // The second medium protocol does.
    weak.push_back(ev("dahua", "tls_sni", Strength::medium));
    CHECK(d::decisive_vendor(weak, s) == "dahua");
}

// ---------------------------------------------------------------------------------------
// observe_protocol

TEST_CASE("observe_protocol records matched evidence with where it came from",
          "[fingerprint_model]") {
    DeviceRegistry r(16);
    bool suspect = false;
    auto c = see(r, kAxis, 5000, 4000000042ULL,
                 {{"sadp", "DeviceSN", "DS-2CD2042WD-I20170101AAWR123456789"}}, example(), suspect);
    REQUIRE(c);
    CHECK(c->mac == kAxis);
    CHECK(c->vlan == kVlan);
    CHECK(cls(c->from) == "(new)");
    CHECK(cls(c->to) == "prohibited");
    CHECK(c->reason == "first seen: protocol evidence");
    CHECK(suspect);

    const d::Device& dev = device(r, kAxis);
    REQUIRE(dev.protocol_evidence.size() == 1);
    const ProtocolEvidence& e = dev.protocol_evidence[0];
    CHECK(e.vendor == "hikvision");
    CHECK(e.protocol == "sadp");
    CHECK(e.field == "DeviceSN");
    CHECK(e.value == "DS-2CD2042WD-I20170101AAWR123456789");
    CHECK(e.strength == Strength::strong);
    CHECK(e.signature == "sadp DeviceSN any");
    CHECK(e.source == "SADP ProbeMatch (UniversalScanner Hikvision.cs)");
    CHECK(e.time == 5000);
    CHECK(e.frame == 4000000042ULL);
    CHECK(dev.first_seen == 5000);
    CHECK(dev.last_seen == 5000);
    CHECK(dev.protocol_vendor == "hikvision");
}

TEST_CASE("observe_protocol: an observation no signature matches is no evidence",
          "[fingerprint_model]") {
    DeviceRegistry r(16);
    bool suspect = true;
    auto c = see(r, kAxis, 100, 7,
                 {{"http", "Server", "nginx/1.24"},
                  {"dns", "qname", "nothik-connect.com"},
                  {"dns", "qname", "hik-connect.com.example.org"},
                  {"tls_sni", "qname", "ezvizlife.com"},  // a field the protocol has not
                  {"sadp", "MAC", "44-47-cc-0a-0b-0c"}},
                 example(), suspect);
    REQUIRE(c);
    CHECK(cls(c->from) == "(new)");
    CHECK(cls(c->to) == "clear");
    CHECK(c->reason == "first seen");
    CHECK_FALSE(suspect);
    const d::Device& dev = device(r, kAxis);
    CHECK(dev.protocol_evidence.empty());
    CHECK(dev.protocol_vendor.empty());
    CHECK_FALSE(dev.white_label_suspect);
    CHECK_FALSE(dev.sticky);

    // Seen again with nothing matching: no change at all.
    CHECK_FALSE(see(r, kAxis, 200, {{"http", "Server", "nginx"}}));
    CHECK(device(r, kAxis).last_seen == 200);
}

TEST_CASE("observe_protocol: the same match is recorded once", "[fingerprint_model]") {
    DeviceRegistry r(16);
    const std::vector<SeenField> dns = {{"dns", "qname", "ezvizlife.com"}};
    REQUIRE(see(r, kAxis, 100, dns));
    CHECK_FALSE(see(r, kAxis, 200, dns));
    CHECK_FALSE(
        see(r, kAxis, 300, {{"dns", "qname", "ezvizlife.com"}, {"dns", "qname", "ezvizlife.com"}}));
    const d::Device& dev = device(r, kAxis);
    REQUIRE(dev.protocol_evidence.size() == 1);
    CHECK(dev.protocol_evidence[0].time == 100);  // the first sighting
    CHECK(dev.protocol_evidence[0].strength == Strength::medium);
    CHECK(dev.protocol_evidence[0].vendor == "ezviz");
    CHECK(dev.last_seen == 300);
    // One medium: not decisive.
    CHECK(dev.protocol_vendor.empty());
    CHECK(dev.verdict() == DeviceClass::clear);

    // Another name under the same domain is another observation.
    CHECK_FALSE(see(r, kAxis, 400, {{"dns", "qname", "api.ezvizlife.com"}}));
    CHECK(device(r, kAxis).protocol_evidence.size() == 2);
    CHECK(device(r, kAxis).verdict() == DeviceClass::clear);
}

TEST_CASE("observe_protocol: of several matching signatures the strongest is kept",
          "[fingerprint_model]") {
    DeviceRegistry r(16);
    // litedev.hik-connect.com matches the strong litedev.hik-connect.com signature and the
    // medium hik-connect.com one (not dev.hik-connect.com: "litedev" is not below "dev").
    bool suspect = false;
    auto c =
        see(r, kAxis, 100, 3, {{"dns", "qname", "litedev.hik-connect.com"}}, example(), suspect);
    REQUIRE(c);
    CHECK(cls(c->to) == "prohibited");
    const d::Device& dev = device(r, kAxis);
    REQUIRE(dev.protocol_evidence.size() == 1);
    CHECK(dev.protocol_evidence[0].vendor == "hikvision");
    CHECK(dev.protocol_evidence[0].strength == Strength::strong);
    CHECK(dev.protocol_evidence[0].signature == "dns qname domain \"litedev.hik-connect.com\"");
    CHECK(dev.protocol_evidence[0].source == "Hik-Connect device cloud endpoint");
    CHECK(dev.protocol_vendor == "hikvision");

    // A name only the medium signature covers is recorded as medium.
    DeviceRegistry r2(16);
    REQUIRE(see(r2, kAxis, 100, {{"tls_sni", "sni", "www.hik-connect.com"}}));
    const d::Device& dev2 = device(r2, kAxis);
    REQUIRE(dev2.protocol_evidence.size() == 1);
    CHECK(dev2.protocol_evidence[0].strength == Strength::medium);
    CHECK(dev2.protocol_evidence[0].signature == "tls_sni sni domain \"hik-connect.com\"");
    CHECK(dev2.verdict() == DeviceClass::clear);
}

TEST_CASE("observe_protocol: a full evidence list still takes a decisive signal",
          "[fingerprint_model]") {
    DeviceRegistry r(16);
    auto weak_scope = [](int i) {
        return SeenField{"wsd", "scope",
                         "onvif://www.onvif.org/name/HIKVISION-" + std::to_string(i)};
    };
    for (int i = 0; i < static_cast<int>(d::kMaxProtocolEvidence); ++i) {
        INFO("weak " << i);
        see(r, kAxis, 100 + i, {weak_scope(i)});
    }
    {
        const d::Device& dev = device(r, kAxis);
        REQUIRE(dev.protocol_evidence.size() == d::kMaxProtocolEvidence);
        for (const auto& e : dev.protocol_evidence)
            CHECK(e.strength == Strength::weak);
        CHECK(dev.protocol_vendor.empty());
        CHECK(dev.verdict() == DeviceClass::clear);
    }

    // Another weak one finds no room: the list is bounded.
    CHECK_FALSE(see(r, kAxis, 500, {weak_scope(99)}));
    {
        const d::Device& dev = device(r, kAxis);
        CHECK(dev.protocol_evidence.size() == d::kMaxProtocolEvidence);
        CHECK(dev.protocol_evidence[0].value == weak_scope(0).value);
        CHECK(std::none_of(dev.protocol_evidence.begin(), dev.protocol_evidence.end(),
                           [&](const auto& e) { return e.value == weak_scope(99).value; }));
    }

    // A strong one pushes out a weak one (the oldest), and decides.
    auto c = see(r, kAxis, 600, {{"sadp", "DeviceSN", "DS-2CD0000000000000"}});
    REQUIRE(c);
    CHECK(cls(c->from) == "clear");
    CHECK(cls(c->to) == "prohibited");
    CHECK(c->reason == "protocol evidence");
    const d::Device& dev = device(r, kAxis);
    CHECK(dev.protocol_evidence.size() == d::kMaxProtocolEvidence);
    const ProtocolEvidence* strong = find_evidence(dev, "sadp", "DeviceSN");
    REQUIRE(strong);
    CHECK(strong->strength == Strength::strong);
    CHECK(strong->time == 600);
    CHECK(std::none_of(dev.protocol_evidence.begin(), dev.protocol_evidence.end(),
                       [&](const auto& e) { return e.value == weak_scope(0).value; }));
    CHECK(std::count_if(dev.protocol_evidence.begin(), dev.protocol_evidence.end(),
                        [](const auto& e) { return e.strength == Strength::weak; }) ==
          static_cast<long>(d::kMaxProtocolEvidence) - 1);
    CHECK(dev.protocol_vendor == "hikvision");
    CHECK(dev.sticky);
    CHECK(dev.sticky_since == 600);
}

TEST_CASE("observe_protocol: medium signals outrank weak ones in a full list",
          "[fingerprint_model]") {
    DeviceRegistry r(16);
    for (int i = 0; i < static_cast<int>(d::kMaxProtocolEvidence); ++i)
        see(r, kAxis, 100 + i,
            {{"wsd", "scope", "onvif://www.onvif.org/name/Dahua" + std::to_string(i)}});
    REQUIRE(device(r, kAxis).protocol_evidence.size() == d::kMaxProtocolEvidence);
    // Two mediums from two protocols, each taking a weak one's place: decisive.
    CHECK_FALSE(see(r, kAxis, 200, {{"dns", "qname", "p2p.imoulife.com"}}));
    auto c = see(r, kAxis, 201, {{"tls_cert", "subject", "C=CN, O=DAHUA, OU=DAHUATECH"}});
    REQUIRE(c);
    CHECK(cls(c->to) == "prohibited");
    const d::Device& dev = device(r, kAxis);
    CHECK(dev.protocol_evidence.size() == d::kMaxProtocolEvidence);
    CHECK(dev.protocol_vendor == "dahua");
    CHECK(find_evidence(dev, "dns", "qname"));
    CHECK(find_evidence(dev, "tls_cert", "subject"));
}

TEST_CASE("observe_protocol: model, serial and firmware from SADP and DHIP",
          "[fingerprint_model]") {
    SECTION("SADP: the model is DeviceDescription, in whichever order it comes") {
        std::vector<SeenField> reversed(kSadpReply.rbegin(), kSadpReply.rend());
        for (const auto& seen : {kSadpReply, reversed}) {
            DeviceRegistry r(4);
            see(r, kHikvision, 100, seen);
            const d::Device& dev = device(r, kHikvision);
            CHECK(dev.model == "DS-2CD2042WD-I");
            CHECK(dev.serial == "DS-2CD2042WD-I20170101AAWR123456789");
            CHECK(dev.firmware == "V5.4.5build 170124");
        }
    }
    SECTION("SADP: DeviceType stands in until a DeviceDescription comes") {
        DeviceRegistry r(4);
        see(r, kHikvision, 100, {{"sadp", "DeviceType", "138"}});
        CHECK(device(r, kHikvision).model == "138");
        see(r, kHikvision, 200, {{"sadp", "DeviceDescription", "DS-2CD2042WD-I"}});
        CHECK(device(r, kHikvision).model == "DS-2CD2042WD-I");
        see(r, kHikvision, 300, {{"sadp", "DeviceType", "139"}});
        CHECK(device(r, kHikvision).model == "DS-2CD2042WD-I");
    }
    SECTION("DHIP: DeviceType, SerialNo, Version") {
        DeviceRegistry r(4);
        see(r, kDahua, 100, kDhipReply);
        const d::Device& dev = device(r, kDahua);
        CHECK(dev.model == "IPC-HDW2431T-AS-S2");
        CHECK(dev.serial == "6G0A1B2PAZ12345");
        CHECK(dev.firmware == "2.800.0000000.25.R");
    }
    SECTION("other protocols state none of them") {
        DeviceRegistry r(4);
        see(r, kAxis, 100,
            {{"http", "DeviceType", "x"},
             {"dhcp", "SerialNo", "y"},
             {"wsd", "Version", "z"},
             {"rtsp", "DeviceDescription", "w"}});
        const d::Device& dev = device(r, kAxis);
        CHECK(dev.model.empty());
        CHECK(dev.serial.empty());
        CHECK(dev.firmware.empty());
    }
}

TEST_CASE("observe_protocol: a white-label Dahua camera is prohibited and a suspect",
          "[fingerprint_model]") {
    SECTION("first seen by its DHIP reply") {
        DeviceRegistry r(8);
        bool suspect = false;
        auto c = see(r, kAxis, 1000, 9, kDhipReply, example(), suspect);
        REQUIRE(c);
        CHECK(cls(c->from) == "(new)");
        CHECK(cls(c->to) == "prohibited");
        CHECK(c->reason == "first seen: protocol evidence");
        CHECK(suspect);
        const d::Device& dev = device(r, kAxis);
        CHECK(dev.vendor == "");  // the OUI names no catalog vendor
        CHECK(dev.organization == "Axis Communications AB");
        CHECK(dev.protocol_vendor == "dahua");
        CHECK(dev.white_label_suspect);
        CHECK(cls(dev.policy_class) == "prohibited");
        CHECK(cls(dev.verdict()) == "prohibited");
        CHECK(dev.sticky);
        CHECK(dev.sticky_since == 1000);
        // The method and SerialNo signatures, both strong; DeviceType and Version match none.
        CHECK(dev.protocol_evidence.size() == 2);
        for (const auto& e : dev.protocol_evidence) {
            CHECK(e.vendor == "dahua");
            CHECK(e.strength == Strength::strong);
            CHECK(e.frame == 9);
        }
    }
    SECTION("known first, then its DHIP reply") {
        DeviceRegistry r(8);
        auto first = r.observe(kAxis, kVlan, 900, "192.168.1.30", example());
        REQUIRE(first);
        CHECK(cls(first->to) == "clear");
        bool suspect = false;
        auto c = see(r, kAxis, 1000, 9, kDhipReply, example(), suspect);
        REQUIRE(c);
        CHECK(cls(c->from) == "clear");
        CHECK(cls(c->to) == "prohibited");
        CHECK(c->reason == "protocol evidence");
        CHECK(suspect);
        CHECK(device(r, kAxis).sticky_since == 1000);
        CHECK(device(r, kAxis).first_seen == 900);
        CHECK(device(r, kAxis).ips == std::vector<std::string>{"192.168.1.30"});

        // The same reply again: nothing new, not a new suspect.
        CHECK_FALSE(see(r, kAxis, 1100, 10, kDhipReply, example(), suspect));
        CHECK_FALSE(suspect);
        CHECK(device(r, kAxis).white_label_suspect);
        CHECK(device(r, kAxis).protocol_evidence.size() == 2);
    }
    SECTION("a locally administered MAC with Dahua evidence") {
        DeviceRegistry r(8);
        bool suspect = false;
        auto c = see(r, kLocal, 1000, 1, kDhipReply, example(), suspect);
        REQUIRE(c);
        CHECK(cls(c->to) == "prohibited");
        CHECK(suspect);
        CHECK(device(r, kLocal).white_label_suspect);
    }
    SECTION("under a policy that does not prohibit Dahua: a suspect, not prohibited") {
        DeviceRegistry r(8);
        bool suspect = false;
        auto c = see(r, kAxis, 1000, 1, kDhipReply, hikvision_only(), suspect);
        REQUIRE(c);
        CHECK(cls(c->to) == "clear");
        CHECK(suspect);
        const d::Device& dev = device(r, kAxis);
        CHECK(dev.protocol_vendor == "dahua");
        CHECK(dev.white_label_suspect);
        CHECK_FALSE(dev.sticky);
    }
}

TEST_CASE("observe_protocol: evidence from the OUI's own vendor family is no white label",
          "[fingerprint_model]") {
    SECTION("an Ezviz OUI with Hikvision SADP") {
        DeviceRegistry r(8);
        bool suspect = true;
        auto c = see(r, kEzviz, 1000, 1, kSadpReply, example(), suspect);
        REQUIRE(c);
        CHECK(cls(c->to) == "prohibited");
        CHECK_FALSE(suspect);
        const d::Device& dev = device(r, kEzviz);
        CHECK(dev.vendor == "ezviz");
        CHECK(dev.protocol_vendor == "hikvision");
        CHECK_FALSE(dev.white_label_suspect);
    }
    SECTION("a Hikvision OUI with Ezviz cloud names") {
        DeviceRegistry r(8);
        bool suspect = true;
        see(r, kHikvision, 1000, 1,
            {{"dns", "qname", "a.ezvizlife.com"}, {"tls_sni", "sni", "a.ezvizlife.com"}}, example(),
            suspect);
        CHECK_FALSE(suspect);
        const d::Device& dev = device(r, kHikvision);
        CHECK(dev.protocol_vendor == "ezviz");
        CHECK_FALSE(dev.white_label_suspect);
    }
    SECTION("but a Hikvision OUI answering DHIP is a suspect") {
        DeviceRegistry r(8);
        bool suspect = false;
        see(r, kHikvision, 1000, 1, kDhipReply, example(), suspect);
        CHECK(suspect);
        const d::Device& dev = device(r, kHikvision);
        CHECK(dev.vendor == "hikvision");
        CHECK(dev.protocol_vendor == "dahua");
        CHECK(dev.white_label_suspect);
        CHECK(cls(dev.verdict()) == "prohibited");
    }
}

TEST_CASE("observe_protocol: an excepted MAC stays excepted whatever it says",
          "[fingerprint_model]") {
    DeviceRegistry r(8);
    REQUIRE(r.observe(kExcepted, kVlan, 900, "", example()));
    bool suspect = false;
    auto c = see(r, kExcepted, 1000, 1, kDhipReply, example(), suspect);
    CHECK_FALSE(c);  // no verdict change
    const d::Device& dev = device(r, kExcepted);
    CHECK(cls(dev.policy_class) == "excepted");
    CHECK(cls(dev.verdict()) == "excepted");
    CHECK_FALSE(dev.sticky);
    CHECK(dev.protocol_vendor == "dahua");
    CHECK(dev.protocol_evidence.size() == 2);

    // First seen by the evidence: excepted from the start.
    DeviceRegistry r2(8);
    auto c2 = see(r2, kExcepted, 1000, 1, kDhipReply, example(), suspect);
    REQUIRE(c2);
    CHECK(cls(c2->to) == "excepted");
    CHECK_FALSE(device(r2, kExcepted).sticky);
}

TEST_CASE("a verdict proven by protocol evidence is sticky across policies",
          "[fingerprint_model]") {
    DeviceRegistry r(8);
    REQUIRE(see(r, kAxis, 1000, kDhipReply));
    REQUIRE(device(r, kAxis).sticky);

    // A policy that no longer prohibits Dahua: the sticky verdict stands.
    auto changes = r.reevaluate(hikvision_only(), "policy reload");
    CHECK(changes.empty());
    const d::Device& dev = device(r, kAxis);
    CHECK(cls(dev.policy_class) == "clear");
    CHECK(cls(dev.verdict()) == "prohibited");
    CHECK(dev.sticky);
    CHECK(dev.sticky_since == 1000);
    CHECK(dev.protocol_vendor == "dahua");
    CHECK(dev.white_label_suspect);

    // New evidence under that policy changes nothing either.
    CHECK_FALSE(see(r, kAxis, 2000, {{"dns", "qname", "x.easy4ipcloud.com"}}, hikvision_only()));
    CHECK(cls(device(r, kAxis).verdict()) == "prohibited");
}

// Regression (was a bug): decisive_vendor's result depends on the order the evidence arrived in
// when several vendors of one family decide together (registry.cc, decisive_vendor: `t.vendor =
// e.vendor` for the last strong signal, `if (t.vendor.empty()) t.vendor = e.vendor` for the first
// medium one; the comment promises "the most specific vendor named by a deciding signal").
// Under a policy that prohibits the subsidiary Ezviz but not Hikvision, a camera that
// resolves hik-connect.com (Hikvision, medium) and opens TLS to ezvizlife.com (Ezviz, medium)
// is prohibited if the Ezviz name came first and clear if the Hikvision name did.
TEST_CASE("the verdict does not depend on the order of the evidence", "[fingerprint_model]") {
    const auto& s = example();
    const auto a = ev("hikvision", "dns", Strength::medium, "www.hik-connect.com");
    const auto b = ev("ezviz", "tls_sni", Strength::medium, "www.ezvizlife.com");
    CHECK(d::decisive_vendor({a, b}, s) == d::decisive_vendor({b, a}, s));
    const auto sa = ev("hikvision", "sadp", Strength::strong);
    const auto sb = ev("ezviz", "dns", Strength::strong);
    CHECK(d::decisive_vendor({sa, sb}, s) == d::decisive_vendor({sb, sa}, s));

    const std::vector<SeenField> hik_first = {{"dns", "qname", "www.hik-connect.com"},
                                              {"tls_sni", "sni", "www.ezvizlife.com"}};
    const std::vector<SeenField> ezviz_first = {hik_first[1], hik_first[0]};
    DeviceRegistry r(8);
    see(r, kAxis, 1000, {hik_first[0]}, ezviz_only());
    see(r, kAxis, 1001, {hik_first[1]}, ezviz_only());
    see(r, kAxis2, 1000, {ezviz_first[0]}, ezviz_only());
    see(r, kAxis2, 1001, {ezviz_first[1]}, ezviz_only());
    CHECK(device(r, kAxis).protocol_vendor == device(r, kAxis2).protocol_vendor);
    CHECK(cls(device(r, kAxis).verdict()) == cls(device(r, kAxis2).verdict()));
}

TEST_CASE("protocol evidence, model, serial and firmware survive to_json and from_json",
          "[fingerprint_model]") {
    DeviceRegistry r(8);
    bool suspect = false;
    see(r, kAxis, 1000, 4000000001ULL, kDhipReply, example(), suspect);
    see(r, kAxis, 1001, 4000000002ULL,
        {{"dns", "qname", "p2p.easy4ipcloud.com"},
         {"wsd", "scope", "onvif://www.onvif.org/name/Dahua\"x\\"}},
        example(), suspect);
    see(r, kHikvision, 1002, 77, kSadpReply, example(), suspect);
    REQUIRE(r.observe(kLocal, kVlan, 1003, "", example()));  // no protocol evidence at all

    const std::string json = r.to_json(1767225600);
    INFO(json);
    const DeviceRegistry back = DeviceRegistry::from_json(json, 8);
    REQUIRE(back.size() == r.size());
    for (std::uint64_t mac : {kAxis, kHikvision, kLocal}) {
        const d::Device& a = device(r, mac);
        const d::Device& b = device(back, mac);
        INFO(p::MacAddress{mac}.to_string());
        CHECK(b.model == a.model);
        CHECK(b.serial == a.serial);
        CHECK(b.firmware == a.firmware);
        CHECK(b.sticky == a.sticky);
        CHECK(b.verdict() == a.verdict());
        REQUIRE(b.protocol_evidence.size() == a.protocol_evidence.size());
        for (std::size_t i = 0; i < a.protocol_evidence.size(); ++i) {
            const auto& x = a.protocol_evidence[i];
            const auto& y = b.protocol_evidence[i];
            INFO("evidence " << i << ": " << x.signature);
            CHECK(y.vendor == x.vendor);
            CHECK(y.protocol == x.protocol);
            CHECK(y.field == x.field);
            CHECK(y.value == x.value);
            CHECK(y.strength == x.strength);
            CHECK(y.signature == x.signature);
            CHECK(y.source == x.source);
            CHECK(y.time == x.time);
            CHECK(y.frame == x.frame);
        }
    }
    CHECK(device(back, kAxis).model == "IPC-HDW2431T-AS-S2");
    CHECK(device(back, kAxis).protocol_evidence.size() == 4);
    CHECK(device(back, kAxis).protocol_evidence[0].frame == 4000000001ULL);
    CHECK(device(back, kHikvision).model == "DS-2CD2042WD-I");
    CHECK(device(back, kLocal).protocol_evidence.empty());
    CHECK(back.to_json(1767225600) == json);

    // What the evidence proves is derived again when the restored registry is judged.
    DeviceRegistry again = DeviceRegistry::from_json(json, 8);
    CHECK(again.reevaluate(example(), "policy at start-up").empty());
    CHECK(device(again, kAxis).protocol_vendor == "dahua");
    CHECK(device(again, kAxis).white_label_suspect);
    CHECK(device(again, kHikvision).protocol_vendor == "hikvision");
    CHECK_FALSE(device(again, kHikvision).white_label_suspect);
}

TEST_CASE("observe_protocol on a full registry refuses the new device", "[fingerprint_model]") {
    DeviceRegistry r(1);
    REQUIRE(see(r, kHikvision, 100, kSadpReply));
    bool suspect = true;
    CHECK_FALSE(see(r, kAxis, 200, 5, kDhipReply, example(), suspect));
    CHECK_FALSE(suspect);
    CHECK(r.size() == 1);
    CHECK(r.refused() == 1);
    CHECK(r.devices().count(camfence::dataplane::device_key(kAxis, kVlan)) == 0);
    // The known device still takes evidence.
    CHECK_FALSE(see(r, kHikvision, 300, 6, kDhipReply, example(), suspect));
    CHECK(device(r, kHikvision).protocol_evidence.size() == 4);
}

// ---------------------------------------------------------------------------------------
// note_address and the suspect rule

TEST_CASE("note_address: the current address is the last; true only when it changed",
          "[fingerprint_model]") {
    DeviceRegistry r(2);
    std::vector<VerdictChange> changes;
    // A new device: created with the address, its change reported.
    CHECK(r.note_address(kAxis, kVlan, 100, "192.168.1.10", example(), changes));
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].mac == kAxis);
    CHECK(cls(changes[0].from) == "(new)");
    CHECK(cls(changes[0].to) == "clear");
    CHECK(changes[0].reason == "first seen");
    CHECK(device(r, kAxis).ips == std::vector<std::string>{"192.168.1.10"});

    changes.clear();
    CHECK_FALSE(r.note_address(kAxis, kVlan, 110, "192.168.1.10", example(), changes));
    CHECK(device(r, kAxis).last_seen == 110);
    CHECK(r.note_address(kAxis, kVlan, 120, "192.168.1.11", example(), changes));
    CHECK(device(r, kAxis).ips == std::vector<std::string>{"192.168.1.10", "192.168.1.11"});
    // Back to an address it used before: that one moves to the back, once.
    CHECK(r.note_address(kAxis, kVlan, 130, "192.168.1.10", example(), changes));
    CHECK(device(r, kAxis).ips == std::vector<std::string>{"192.168.1.11", "192.168.1.10"});
    CHECK_FALSE(r.note_address(kAxis, kVlan, 140, "192.168.1.10", example(), changes));
    CHECK(device(r, kAxis).last_seen == 140);
    CHECK(changes.empty());

    // observe() adds an address without making it the current one.
    CHECK_FALSE(r.observe(kAxis, kVlan, 150, "192.168.1.12", example()));
    CHECK(device(r, kAxis).ips.back() == "192.168.1.12");
    CHECK(r.note_address(kAxis, kVlan, 160, "192.168.1.10", example(), changes));
    CHECK(device(r, kAxis).ips ==
          std::vector<std::string>{"192.168.1.11", "192.168.1.12", "192.168.1.10"});

    // Bounded: the oldest goes.
    for (int i = 0; i < static_cast<int>(d::kMaxIpsPerDevice) + 2; ++i)
        CHECK(r.note_address(kAxis, kVlan, 200 + i, "10.1.1." + std::to_string(i), example(),
                             changes));
    const auto& ips = device(r, kAxis).ips;
    CHECK(ips.size() == d::kMaxIpsPerDevice);
    CHECK(ips.back() == "10.1.1." + std::to_string(d::kMaxIpsPerDevice + 1));
    CHECK(ips.front() == "10.1.1.2");

    // A full registry: the new device is refused, nothing reported.
    changes.clear();
    CHECK(r.note_address(kHikvision, kVlan, 300, "192.168.1.40", example(), changes));
    CHECK(changes.size() == 1);
    changes.clear();
    CHECK_FALSE(r.note_address(kDahua, kVlan, 300, "192.168.1.41", example(), changes));
    CHECK(changes.empty());
    CHECK(r.refused() == 1);
    CHECK(r.size() == 2);
}

TEST_CASE("a new MAC on a prohibited device's current address is a suspect, not prohibited",
          "[fingerprint_model]") {
    DeviceRegistry r(8);
    std::vector<VerdictChange> changes;
    REQUIRE(r.note_address(kHikvision, kVlan, 100, "192.168.1.50", example(), changes));
    REQUIRE(device(r, kHikvision).sticky);

    SECTION("seen by a frame") {
        auto c = r.observe(kAxis, kVlan, 200, "192.168.1.50", example());
        REQUIRE(c);
        CHECK(cls(c->to) == "clear");
    }
    SECTION("seen by its ARP") {
        changes.clear();
        CHECK(r.note_address(kAxis, kVlan, 200, "192.168.1.50", example(), changes));
        REQUIRE(changes.size() == 1);
        CHECK(cls(changes[0].to) == "clear");
    }
    const d::Device& dev = device(r, kAxis);
    CHECK(dev.white_label_suspect);
    CHECK_FALSE(dev.sticky);
    CHECK(cls(dev.policy_class) == "clear");
    CHECK(cls(dev.verdict()) == "clear");
    CHECK(dev.protocol_vendor.empty());
    REQUIRE_FALSE(dev.evidence.empty());
    const auto& e = dev.evidence.back();
    CHECK(e.signal == "ip");
    CHECK(e.value == "192.168.1.50");
    CHECK(e.detail.find(p::MacAddress{kHikvision}.to_string()) != std::string::npos);
    // The sticky device keeps its address and its verdict.
    CHECK(device(r, kHikvision).ips.back() == "192.168.1.50");
    CHECK(cls(device(r, kHikvision).verdict()) == "prohibited");
}

TEST_CASE("the suspect rule looks only at a sticky device's current address",
          "[fingerprint_model]") {
    DeviceRegistry r(8);
    std::vector<VerdictChange> changes;
    REQUIRE(r.note_address(kHikvision, kVlan, 100, "192.168.1.50", example(), changes));
    REQUIRE(r.note_address(kHikvision, kVlan, 110, "192.168.1.51", example(), changes));
    REQUIRE(r.note_address(kAxis, kVlan, 120, "192.168.1.60", example(), changes));

    // An address the sticky device used before, not now.
    REQUIRE(r.observe(kAxis2, kVlan, 200, "192.168.1.50", example()));
    CHECK_FALSE(device(r, kAxis2).white_label_suspect);
    // The current address of a device that is not sticky.
    REQUIRE(r.observe(kLocal, kVlan, 210, "192.168.1.60", example()));
    CHECK_FALSE(device(r, kLocal).white_label_suspect);
    for (const auto& e : device(r, kLocal).evidence)
        CHECK(e.signal != "ip");
    // The same MAC on another VLAN inherits the sticky verdict, not a suspicion.
    REQUIRE(r.observe(kHikvision, 130, 220, "192.168.1.51", example()));
    CHECK(device(r, kHikvision, 130).sticky);
    CHECK_FALSE(device(r, kHikvision, 130).white_label_suspect);
}

// Regression (was a bug): the suspect mark the IP rule sets (DeviceRegistry::observe:
// white_label_suspect and an "ip" evidence entry) is wiped by the next judge() of that device
// (registry.cc, judge(): `d.evidence = policy_evidence(...)` and `d.white_label_suspect = false`),
// i.e. by any policy reload or exception expiry (reevaluate), by the re-judging at start-up, and by
// the first protocol evidence the device sends (observe_protocol). The warning an operator is meant
// to look at disappears without anyone clearing it.
TEST_CASE("a suspect by address stays a suspect when the device is judged again",
          "[fingerprint_model]") {
    DeviceRegistry r(8);
    std::vector<VerdictChange> changes;
    REQUIRE(r.note_address(kHikvision, kVlan, 100, "192.168.1.50", example(), changes));
    REQUIRE(r.observe(kAxis, kVlan, 200, "192.168.1.50", example()));
    REQUIRE(device(r, kAxis).white_label_suspect);

    SECTION("a policy reload") {
        r.reevaluate(example(), "policy reload");
    }
    SECTION("weak protocol evidence") {
        see(r, kAxis, 300, {{"dahua5050", "message", "search"}});
        REQUIRE(device(r, kAxis).protocol_evidence.size() == 1);
    }
    const d::Device& dev = device(r, kAxis);
    CHECK(dev.white_label_suspect);
    CHECK(std::any_of(dev.evidence.begin(), dev.evidence.end(),
                      [](const auto& e) { return e.signal == "ip"; }));
}
