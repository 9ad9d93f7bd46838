// MAC -> vendor attribution: the installed IEEE registry compiled with the shipped catalog,
// a synthetic OuiTable for MA-L/MA-M/MA-S precedence, and the registry CSV reader.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "policy/oui_registry.h"
#include "policy/oui_table.h"
#include "tests/fixtures/policy_builder.h"
#include "tests/fixtures/temp_files.h"

namespace {

namespace p = camfence::policy;
namespace t = camfence::test;
using p::DeviceClass;
using p::MacAddress;
using p::MacPrefix;

MacAddress mac(const char* text) {
    auto m = MacAddress::parse(text);
    REQUIRE(m);
    return *m;
}

MacPrefix mac_prefix(const char* text) {
    auto m = MacPrefix::parse(text);
    REQUIRE(m);
    return *m;
}

std::shared_ptr<const p::PolicySnapshot> snapshot_prohibiting(const std::string& prohibited) {
    t::PolicyBuilder b;
    b.prohibited = prohibited;
    return t::compile(b.load());
}

}  // namespace

TEST_CASE("the IEEE registry and the shipped catalog attribute MACs to vendors", "[oui_table]") {
    struct Row {
        std::string description;
        std::string prohibited;  // the policy's `prohibited` list
        const char* mac;
        std::string vendor;        // catalog id, "" = not a catalog vendor
        int bits;                  // registry assignment size; 0 = none
        std::string organization;  // "" = not checked
        DeviceClass device_class;  // what classify_device says
        bool from_catalog = false;
    };
    const std::string both = "[hikvision, dahua]";
    const std::vector<Row> rows = {
        {"Hikvision MA-L 44:19:B6", both, "44:19:b6:12:34:56", "hikvision", 24,
         "Hangzhou Hikvision Digital Technology Co.,Ltd.", DeviceClass::prohibited},
        {"Huawei spelled 'Co., Ltd.' matches the catalog's 'CO.,LTD'", "[huawei]",
         "64:f8:1c:00:00:01", "huawei", 24, "Huawei Technologies Co., Ltd.",
         DeviceClass::prohibited},
        {"an MA-M in an IEEE RA block", both, "98:06:37:0a:bc:de", "", 28, "Zoleo Inc.",
         DeviceClass::clear},
        {"an RA block's unassigned part (MA-M 98:06:37:F is not in the 2022 registry)", both,
         "98:06:37:f0:00:01", "", 0, "", DeviceClass::unregistered},
        {"Hikvision MA-L, Hikvision not prohibited", "[dahua]", "44:19:b6:12:34:56", "hikvision",
         24, "", DeviceClass::clear},
        {"Ezviz MA-L: prohibited through its parent", both, "58:8f:cf:00:00:01", "ezviz", 24,
         "Hangzhou Ezviz Software Co.,Ltd.", DeviceClass::prohibited},
        {"Ezviz prohibited on its own leaves the parent clear", "[ezviz]", "44:19:b6:12:34:56",
         "hikvision", 24, "", DeviceClass::clear},
        {"Ezviz prohibited on its own", "[ezviz]", "58:8f:cf:00:00:01", "ezviz", 24, "",
         DeviceClass::prohibited},
        {"Prama Hikvision (joint venture) through its parent", both, "24:b1:05:00:00:01",
         "prama-hikvision", 24, "Prama Hikvision India Private Limited", DeviceClass::prohibited},
        {"Hikrobot MA-M B0:B3:53:6", both, "b0:b3:53:6a:bc:de", "hikrobot", 28,
         "Hangzhou Hikrobot Technology Co., Ltd.", DeviceClass::prohibited},
        {"B0:B3:53:7 is another MA-M in the same block, not Hikrobot", both, "b0:b3:53:7a:bc:de",
         "", 28, "WUUK LABS CORP.", DeviceClass::clear},
        {"a part of an IEEE RA block no MA-M covers: unregistered, not the RA", both,
         "b0:b3:53:f0:00:00", "", 0, "", DeviceClass::unregistered},
        {"MA-S 70:B3:D5:F2:F resolves with 36 bits", both, "70:b3:d5:f2:f1:23", "", 36,
         "TELEPLATFORMS", DeviceClass::clear},
        {"an unassigned MA-S slot in an IEEE RA block is unregistered", both, "70:b3:d5:f2:01:23",
         "", 0, "", DeviceClass::unregistered},
        {"IAB (36-bit) assignment", both, "00:50:c2:7d:51:23", "", 36, "DEUTA-WERKE GmbH",
         DeviceClass::clear},
        {"Shanghai Dahua Scale Factory is not Dahua", both, "40:2c:76:1a:bc:de", "", 28,
         "Shanghai Dahua Scale Factory", DeviceClass::clear},
        {"Dahua MA-L", both, "08:ed:ed:00:00:01", "dahua", 24,
         "Zhejiang Dahua Technology Co., Ltd.", DeviceClass::prohibited},
        {"catalog extra prefix 08:CC:81 (not in the registry)", both, "08:cc:81:00:00:01",
         "hikvision", 24, "Hangzhou Hikvision Digital Technology Co., Ltd.",
         DeviceClass::prohibited, true},
        {"catalog extra prefix of a subsidiary", both, "20:bb:bc:00:00:01", "ezviz", 24,
         "Hangzhou Ezviz Software Co., Ltd.", DeviceClass::prohibited, true},
        {"Uniview name written with a space still matches (whitespace-insensitive)", both,
         "48:ea:63:00:00:01", "uniview", 24, "Zhejiang Uniview Technologies Co., Ltd.",
         DeviceClass::clear},
        {"Uniview under [all]", "[all]", "48:ea:63:00:00:01", "uniview", 24, "",
         DeviceClass::prohibited},
        {"Axis is not in the catalog: clear even under [all]", "[all]", "ac:cc:8e:01:02:03", "", 24,
         "Axis Communications AB", DeviceClass::clear},
        {"doubled quotes in a registry name", both, "00:1e:fc:00:00:01", "", 24, "JSC \"MASSA-K\"",
         DeviceClass::clear},
        {"an organization whose address field spans two lines", both, "c4:04:d8:00:00:01", "", 24,
         "Aviva Links Inc.", DeviceClass::clear},
        {"the record after a two-line field", both, "e0:ca:3c:00:00:01", "hikvision", 24, "",
         DeviceClass::prohibited},
        {"locally administered (Hikvision OUI with the L bit set)", both, "46:19:b6:00:00:01", "",
         0, "", DeviceClass::unregistered},
        {"unassigned universal MA-L 0C:0C:0C", both, "0c:0c:0c:00:00:01", "", 0, "",
         DeviceClass::unregistered},
    };
    std::map<std::string, std::shared_ptr<const p::PolicySnapshot>> snapshots;
    for (const auto& row : rows) {
        INFO(row.description << " (" << row.mac << ", prohibited " << row.prohibited << ")");
        auto& snap = snapshots[row.prohibited];
        if (!snap) snap = snapshot_prohibiting(row.prohibited);
        const MacAddress m = mac(row.mac);
        const p::DeviceVerdict v = snap->classify_device(m);
        CHECK(v.device_class == row.device_class);
        CHECK(static_cast<int>(v.oui.bits) == row.bits);
        CHECK(v.oui.from_catalog == row.from_catalog);
        if (row.vendor.empty()) {
            CHECK(v.oui.vendor == p::kNoVendor);
        } else {
            REQUIRE(v.oui.vendor < snap->vendors.size());
            CHECK(snap->vendors[v.oui.vendor].id == row.vendor);
        }
        if (row.bits == 0) {
            CHECK(v.oui.organization == p::kNoOrganization);
        } else {
            REQUIRE(v.oui.organization < snap->oui.organizations().size());
            if (!row.organization.empty())
                CHECK(snap->oui.organizations()[v.oui.organization] == row.organization);
        }
    }
}

TEST_CASE("the unassigned test prefix really is absent from the registry", "[oui_table]") {
    // Guards the "unassigned" row above against a newer ieee-data assigning 0C:0C:0C.
    const MacAddress m = mac("0c:0c:0c:00:00:01");
    const auto& entries = t::ieee_registry().entries;
    REQUIRE(entries.size() > 30000);
    CHECK(std::none_of(entries.begin(), entries.end(),
                       [&](const p::RegistryEntry& e) { return e.prefix.contains(m); }));
    CHECK_FALSE(m.is_local());
    CHECK_FALSE(m.is_group());
}

TEST_CASE("group and locally administered MACs are never attributed", "[oui_table]") {
    auto snap = snapshot_prohibiting("[hikvision]");
    struct Row {
        const char* mac;
        bool local, group;
        bool registered;  // the raw registry lists the block: only the L/G bits rule it out
    };
    const std::vector<Row> rows = {
        {"46:19:b6:00:00:01", true, false, false},  // Hikvision OUI, L bit
        {"45:19:b6:00:00:01", false, true, false},  // Hikvision OUI, I/G bit
        {"01:00:5e:00:00:fb", false, true, false},  // IPv4 multicast
        {"33:33:00:00:00:01", true, true, false},   // IPv6 multicast
        {"ff:ff:ff:ff:ff:ff", true, true, false},  {"02:00:00:00:00:01", true, false, false},
        {"02:c0:8c:00:00:01", true, false, true},  // legacy 3COM MA-L with the L bit
        {"11:00:aa:00:00:01", false, true, true},  // legacy "Private" MA-L with the I/G bit
    };
    const auto& entries = t::ieee_registry().entries;
    for (const auto& row : rows) {
        INFO(row.mac);
        const MacAddress m = mac(row.mac);
        CHECK(m.is_local() == row.local);
        CHECK(m.is_group() == row.group);
        CHECK(std::any_of(entries.begin(), entries.end(), [&](const p::RegistryEntry& e) {
                  return e.prefix.contains(m);
              }) == row.registered);
        const p::DeviceVerdict v = snap->classify_device(m);
        CHECK(v.device_class == DeviceClass::unregistered);
        CHECK(v.oui.vendor == p::kNoVendor);
    }
}

TEST_CASE("OuiTable: the most specific of MA-S, MA-M and MA-L wins", "[oui_table]") {
    enum : std::uint16_t { kVendorA = 0, kVendorB = 1 };
    const std::vector<p::OuiTable::Assignment> assignments = {
        {mac_prefix("AA:BB:CC"), 0, kVendorA, DeviceClass::prohibited, false},
        {mac_prefix("AA:BB:CC:D"), 1, kVendorB, DeviceClass::clear, false},
        {mac_prefix("AA:BB:CC:DE:F"), 2, p::kNoVendor, DeviceClass::clear, false},
        {mac_prefix("AA:BB:CC:E0:0"), 3, kVendorB, DeviceClass::prohibited, false},
        // A block with only a finer assignment and no MA-L entry of its own.
        {mac_prefix("11:22:33:4"), 4, kVendorA, DeviceClass::prohibited, false},
        // MA-L 00:00:00 must be distinguishable from an empty slot.
        {mac_prefix("00:00:00"), 5, kVendorB, DeviceClass::clear, false},
    };
    struct Row {
        const char* mac;
        int bits;
        decltype(p::OuiMatch::organization) organization;
    };
    const std::vector<Row> rows = {
        {"aa:bb:cc:de:f1:23", 36, 2},
        {"aa:bb:cc:de:ff:ff", 36, 2},
        {"aa:bb:cc:de:01:23", 28, 1},
        {"aa:bb:cc:d0:00:00", 28, 1},
        {"aa:bb:cc:df:ff:ff", 28, 1},
        {"aa:bb:cc:e0:00:00", 36, 3},
        {"aa:bb:cc:e0:10:00", 24, 0},
        {"aa:bb:cc:c0:00:00", 24, 0},
        {"aa:bb:cc:00:00:00", 24, 0},
        {"aa:bb:cc:ff:ff:ff", 24, 0},
        {"aa:bb:cd:00:00:00", 0, p::kNoOrganization},
        {"aa:bb:cb:ff:ff:ff", 0, p::kNoOrganization},
        {"11:22:33:40:00:00", 28, 4},
        {"11:22:33:4f:ff:ff", 28, 4},
        {"11:22:33:50:00:00", 0, p::kNoOrganization},
        {"11:22:33:3f:ff:ff", 0, p::kNoOrganization},
        {"00:00:00:00:00:00", 24, 5},
        {"00:00:01:00:00:00", 0, p::kNoOrganization},
    };
    // Insertion order must not matter: coarse-first, fine-first and shuffled.
    std::vector<std::vector<p::OuiTable::Assignment>> orders = {assignments, assignments,
                                                                assignments};
    std::reverse(orders[1].begin(), orders[1].end());
    std::shuffle(orders[2].begin(), orders[2].end(), std::mt19937(7));
    for (std::size_t o = 0; o < orders.size(); ++o) {
        const p::OuiTable table({"A", "B", "C", "D", "E", "F"}, orders[o]);
        CHECK(table.size() == assignments.size());
        for (const auto& row : rows) {
            INFO("order " << o << ", " << row.mac);
            const p::OuiMatch m = table.lookup(mac(row.mac));
            CHECK(static_cast<int>(m.bits) == row.bits);
            CHECK(m.organization == row.organization);
            if (row.bits == 0) {
                CHECK(m.vendor == p::kNoVendor);
                CHECK(m.device_class == DeviceClass::unregistered);
            }
        }
    }
    CHECK(p::OuiTable().lookup(mac("aa:bb:cc:00:00:00")).bits == 0);
}

TEST_CASE("OuiTable: a catalog prefix overrides the registry's vendor, keeps its name",
          "[oui_table]") {
    const p::OuiTable::Assignment registry{mac_prefix("12:00:00"), 0, p::kNoVendor,
                                           DeviceClass::clear, false};
    const p::OuiTable::Assignment catalog{mac_prefix("12:00:00"), 1, 3, DeviceClass::prohibited,
                                          true};
    for (const auto& order : {std::vector{registry, catalog}, std::vector{catalog, registry}}) {
        INFO("catalog first: " << order[0].from_catalog);
        const p::OuiTable table({"Registry Org", "Catalog Vendor"}, order);
        const p::OuiMatch m = table.lookup(mac("12:00:00:00:00:01"));
        CHECK(table.size() == 1);
        CHECK(m.vendor == 3);
        CHECK(m.device_class == DeviceClass::prohibited);
        CHECK(m.from_catalog);
        CHECK(m.bits == 24);
        if (!order[0].from_catalog) CHECK(m.organization == 0);  // the registry's name is kept
    }
}

TEST_CASE("OuiTable finds every one of many assignments", "[oui_table]") {
    // Enough keys to force long probe sequences; every inserted prefix must be found and
    // neighbours that were not inserted must not.
    std::mt19937_64 rng(42);
    std::set<std::uint64_t> blocks;
    while (blocks.size() < 5000)
        blocks.insert(rng() & 0xfcffff);  // universal, unicast first octet
    std::vector<p::OuiTable::Assignment> assignments;
    std::vector<std::string> orgs;
    for (auto b : blocks) {
        assignments.push_back(
            {MacPrefix{b, 24},
             static_cast<decltype(p::OuiTable::Assignment::organization)>(orgs.size()),
             p::kNoVendor, DeviceClass::clear, false});
        orgs.push_back(std::to_string(b));
    }
    const p::OuiTable table(orgs, assignments);
    REQUIRE(table.size() == blocks.size());
    std::size_t i = 0;
    for (auto b : blocks) {
        const p::OuiMatch m = table.lookup(MacAddress{b << 24 | 0x123456});
        REQUIRE(m.bits == 24);
        REQUIRE(m.organization == i);
        const std::uint64_t other = b ^ 0x000100;
        if (!blocks.count(other)) REQUIRE(table.lookup(MacAddress{other << 24}).bits == 0);
        ++i;
    }
}

TEST_CASE("MacPrefix and MacAddress parse the notations registries and policies use",
          "[oui_table]") {
    struct Row {
        const char* text;
        bool ok;
        std::uint64_t value;
        int bits;
        const char* printed;
    };
    const std::vector<Row> prefixes = {
        {"44:19:B6", true, 0x4419b6, 24, "44:19:B6"},
        {"4419B6", true, 0x4419b6, 24, "44:19:B6"},
        {"44-19-b6", true, 0x4419b6, 24, "44:19:B6"},
        {"B0B3536", true, 0xb0b3536, 28, "B0:B3:53:6"},
        {"70:B3:D5:F2:F", true, 0x70b3d5f2f, 36, "70:B3:D5:F2:F"},
        {"44:19", false, 0, 0, ""},
        {"44:19:B6:0", true, 0x4419b60, 28, "44:19:B6:0"},
        {"44::19:B6", false, 0, 0, ""},
        {"44:19:B6:", false, 0, 0, ""},
        {"44:19:G6", false, 0, 0, ""},
        {"", false, 0, 0, ""},
    };
    for (const auto& row : prefixes) {
        INFO(row.text);
        auto pr = MacPrefix::parse(row.text);
        REQUIRE(pr.has_value() == row.ok);
        if (!pr) continue;
        CHECK(pr->value == row.value);
        CHECK(pr->bits == row.bits);
        CHECK(pr->to_string() == row.printed);
    }
    CHECK(MacAddress::parse("44:19:B6:00:00:01")->value == 0x4419b6000001);
    CHECK(MacAddress::parse("4419.b600.0001")->value == 0x4419b6000001);
    CHECK(MacAddress::parse("4419b6000001")->to_string() == "44:19:b6:00:00:01");
    CHECK_FALSE(MacAddress::parse("44:19:b6:00:00"));
    CHECK_FALSE(MacAddress::parse("44:19:b6:00:00:01:02"));
    CHECK(mac_prefix("B0:B3:53:6").contains(mac("b0:b3:53:6f:ff:ff")));
    CHECK_FALSE(mac_prefix("B0:B3:53:6").contains(mac("b0:b3:53:70:00:00")));
}

TEST_CASE("read_csv_record follows RFC 4180 quoting", "[oui_table][csv]") {
    struct Row {
        std::string description;
        std::string input;
        std::vector<std::vector<std::string>> records;
        std::vector<int> lines;  // physical lines read after each record
    };
    const std::vector<Row> rows = {
        {"plain fields", "MA-L,002272,IGT,Reno\n", {{"MA-L", "002272", "IGT", "Reno"}}, {1}},
        {"quoted comma",
         "MA-L,4419B6,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",Hangzhou\n",
         {{"MA-L", "4419B6", "Hangzhou Hikvision Digital Technology Co.,Ltd.", "Hangzhou"}},
         {1}},
        {"doubled quotes",
         "MA-L,001EFC,\"JSC \"\"MASSA-K\"\"\",x\n",
         {{"MA-L", "001EFC", "JSC \"MASSA-K\"", "x"}},
         {1}},
        {"a field that is only a doubled quote", "a,\"\"\"\",b\n", {{"a", "\"", "b"}}, {1}},
        {"empty quoted field", "a,\"\",b\n", {{"a", "", "b"}}, {1}},
        {"quoted field spanning lines, then the next record",
         "MA-L,C404D8,Aviva Links Inc.,\"160 E Tasman Dr\nSTE 102 SAN JOSE\"\nMA-L,E0CA3C,Next,y\n",
         {{"MA-L", "C404D8", "Aviva Links Inc.", "160 E Tasman Dr STE 102 SAN JOSE"},
          {"MA-L", "E0CA3C", "Next", "y"}},
         {2, 3}},
        {"quoted comma on a continuation line", "a,\"x\ny,z\",b\n", {{"a", "x y,z", "b"}}, {2}},
        {"CRLF line ends", "a,b\r\nc,d\r\n", {{"a", "b"}, {"c", "d"}}, {1, 2}},
        {"trailing empty field", "a,b,\n", {{"a", "b", ""}}, {1}},
        {"no final newline", "a,b", {{"a", "b"}}, {1}},
        {"an empty line is one empty field", "a\n\nb\n", {{"a"}, {""}, {"b"}}, {1, 2, 3}},
        {"empty input", "", {}, {}},
    };
    for (const auto& row : rows) {
        INFO(row.description);
        std::istringstream in(row.input);
        std::vector<std::string> fields;
        int line = 0;
        for (std::size_t i = 0; i < row.records.size(); ++i) {
            INFO("record " << i);
            REQUIRE(p::read_csv_record(in, fields, line));
            CHECK(fields == row.records[i]);
            CHECK(line == row.lines[i]);
        }
        CHECK_FALSE(p::read_csv_record(in, fields, line));
    }
}

TEST_CASE("load_oui_registry reads every registry file and reports bad lines", "[oui_table][csv]") {
    const std::string header = "Registry,Assignment,Organization Name,Organization Address\n";
    SECTION("oui.csv, mam.csv and oui36.csv; iab.csv absent") {
        t::TempDir dir;
        dir.write("oui.csv", header + "MA-L,4419B6,\"Hik, Ltd.\",\"line one\nline two\"\n\n" +
                                 "MA-L,B0B353,IEEE Registration Authority,x\n");
        dir.write("mam.csv", header + "MA-M,B0B3536,Hikrobot,y\n");
        dir.write("oui36.csv", header + "MA-S,70B3D5F2F,TELEPLATFORMS,z\r\n");
        const p::OuiRegistry reg = p::load_oui_registry(dir.path().string());
        CHECK(reg.directory == dir.path().string());
        REQUIRE(reg.entries.size() == 4);
        CHECK(reg.entries[0].prefix == mac_prefix("44:19:B6"));
        CHECK(reg.entries[0].organization == "Hik, Ltd.");
        CHECK(reg.entries[1].prefix == mac_prefix("B0:B3:53"));
        CHECK(reg.entries[2].prefix == mac_prefix("B0:B3:53:6"));
        CHECK(reg.entries[3].prefix == mac_prefix("70:B3:D5:F2:F"));
        CHECK(reg.entries[3].organization == "TELEPLATFORMS");
    }
    SECTION("bad lines are reported with file and line") {
        t::TempDir dir;
        dir.write("oui.csv", header + "MA-L,4419B6,Hik\n" + "MA-L,44:19\n" + "MA-L,XYZ123,Bad\n" +
                                 "MA-L,B0B3536,Too long for MA-L\n");
        std::vector<p::Diagnostic> diags;
        try {
            p::load_oui_registry(dir.path().string());
        } catch (const p::PolicyError& e) {
            diags = e.diagnostics();
        }
        REQUIRE(diags.size() == 3);
        CHECK(diags[0].file == dir / "oui.csv");
        CHECK(diags[0].line == 3);
        CHECK(diags[0].message.find("expected Registry,Assignment,Organization Name") !=
              std::string::npos);
        CHECK(diags[1].line == 4);
        CHECK(diags[1].message == "bad assignment 'XYZ123'");
        CHECK(diags[2].line == 5);
        CHECK(diags[2].message == "bad assignment 'B0B3536'");
    }
    SECTION("a directory without oui.csv") {
        t::TempDir dir;
        try {
            p::load_oui_registry(dir.path().string());
            FAIL("accepted a directory without oui.csv");
        } catch (const p::PolicyError& e) {
            REQUIRE(e.diagnostics().size() == 1);
            CHECK(e.diagnostics()[0].file == dir / "oui.csv");
            CHECK(e.diagnostics()[0].message.find("cannot open") != std::string::npos);
        }
    }
}

// Only the registry's non-universal prefixes are filtered by compile_policy, so the catalog
// must not bring one back through extra_prefixes: either it is rejected where it is written,
// or a local MAC in it still comes out unregistered.
TEST_CASE("a catalog prefix with the L bit set never attributes a local MAC", "[oui_table]") {
    t::TempFile catalog(
        "version: 1\n"
        "vendors:\n"
        "  - id: acme\n"
        "    name: Acme\n"
        "    basis: test\n"
        "    extra_prefixes:\n"
        "      - {prefix: \"02:C0:8C\", source: test}\n");
    t::TempFile policy("version: 1\nsite: {name: s}\nprohibited: [acme]\ncamera_vlans: [0]\n");
    p::LoadOptions options;
    options.catalog_override = catalog.path();
    try {
        auto snap = t::compile(p::load_policy(policy.path(), options));
        CHECK(snap->classify_device(mac("02:c0:8c:00:00:01")).device_class ==
              DeviceClass::unregistered);
    } catch (const p::PolicyError& e) {
        const auto& d = e.diagnostics();
        CHECK(std::any_of(d.begin(), d.end(), [&](const p::Diagnostic& x) {
            return x.file == catalog.path() && x.line == 7 && x.column == 18;
        }));
    }
}
