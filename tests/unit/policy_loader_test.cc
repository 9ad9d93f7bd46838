// load_policy: every broken policy in tests/fixtures/policies/broken is rejected with the
// file:line:column its `# expect:` header names; valid policies are read key by key.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/policy_loader.h"
#include "policy/sha256.h"
#include "policy/yaml_strict.h"
#include "tests/fixtures/broken_corpus.h"
#include "tests/fixtures/policy_builder.h"

namespace {

namespace fs = std::filesystem;
namespace p = camfence::policy;
namespace t = camfence::test;
using p::Action;
using p::DeviceClass;
using p::Direction;
using p::ZoneMatch;

std::vector<p::Diagnostic> rejection(const std::string& path) {
    try {
        p::load_policy(path, t::shipped_options());
    } catch (const p::PolicyError& e) {
        return e.diagnostics();
    }
    return {};
}

std::vector<std::string> names(const std::vector<p::Zone>& zones) {
    std::vector<std::string> out;
    for (const auto& z : zones)
        out.push_back(z.name);
    return out;
}

p::IpPrefix prefix(const char* text) {
    auto parsed = p::IpPrefix::parse(text);
    REQUIRE(parsed);
    return *parsed;
}

std::int64_t day(const char* iso) {
    auto d = p::parse_iso_date(iso);
    REQUIRE(d);
    return *d;
}

}  // namespace

TEST_CASE("every broken policy is rejected at the place its header names", "[policy_loader]") {
    t::check_broken_corpus(
        t::kSourceDir + "/tests/fixtures/policies/broken", 40,
        [](const std::string& path) { p::load_policy(path, t::shipped_options()); },
        [](const p::Diagnostic& match, const t::Expectation& e, const std::string& file) {
            CHECK(match.to_string() ==
                  file +
                      (e.line > 0 ? ":" + std::to_string(e.line) + ":" + std::to_string(e.column)
                                  : "") +
                      ": error: " + match.message);
        });
}

TEST_CASE("a file that does not exist is rejected without a place", "[policy_loader]") {
    auto diags = rejection(t::kSourceDir + "/tests/fixtures/policies/no-such-policy.yaml");
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].line == 0);
    CHECK(diags[0].message == "cannot open file");
}

TEST_CASE("an unreadable catalog is reported at the policy's catalog key", "[policy_loader]") {
    t::TempFile file(
        "version: 1\nsite: {name: s}\ncatalog: /nonexistent/vendors.yaml\n"
        "prohibited: [hikvision]\ncamera_vlans: [100]\n");
    std::vector<p::Diagnostic> diags;
    try {
        p::load_policy(file.path());
    } catch (const p::PolicyError& e) {
        diags = e.diagnostics();
    }
    INFO(t::list(diags));
    REQUIRE(diags.size() == 2);
    CHECK(diags[0].file == file.path());
    CHECK(diags[0].line == 3);
    CHECK(diags[0].column == 10);
    CHECK(diags[0].message.find("/nonexistent/vendors.yaml could not be loaded") !=
          std::string::npos);
    CHECK(diags[1].file == "/nonexistent/vendors.yaml");
}

// yaml-cpp gives an empty value (`site:` with nothing after it) the mark of the next token;
// the reader reports it at its key instead.
TEST_CASE("an empty value is reported at its own key", "[policy_loader]") {
    t::TempFile file(
        "version: 1\nsite:\nprohibited: [hikvision]\ncamera_vlans: [100]\n");  // site: line 2
    auto diags = rejection(file.path());
    INFO(t::list(diags));
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message.find("'site' must be a map") != std::string::npos);
    CHECK(diags[0].line == 2);
}

// YAML::Load would read the first document and silently drop the rest: a second document is
// an error, reported at its `---`.
TEST_CASE("a second YAML document is rejected, not ignored", "[policy_loader]") {
    t::TempFile file(
        "version: 1\nsite: {name: s}\nprohibited: [hikvision]\ncamera_vlans: [100]\n"
        "---\nprohibited: [all]\n");
    auto diags = rejection(file.path());
    INFO(t::list(diags));
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].line == 5);
}

TEST_CASE("the example config/policy.yaml loads", "[policy_loader]") {
    SECTION("with its own relative catalog and the default registry") {
        auto loaded = p::load_policy(t::kExamplePolicy);
        CHECK(fs::equivalent(loaded.policy.catalog_path, t::kShippedCatalog));
        CHECK(loaded.policy.registry_dir == t::kIeeeDir);
        CHECK(loaded.catalog.find("hikvision"));
    }
    const auto loaded = p::load_policy(t::kExamplePolicy, t::shipped_options());
    const p::Policy& pol = loaded.policy;
    CHECK(pol.path == t::kExamplePolicy);
    CHECK(pol.site_name == "whitehall-3");
    CHECK(pol.sensitive);
    CHECK_FALSE(pol.prohibit_all);
    CHECK(pol.prohibited == std::vector<std::string>{"hikvision", "dahua"});
    CHECK(pol.camera_vlans.to_string() == "0,100-199");
    REQUIRE(pol.quarantine_vlan);
    CHECK(*pol.quarantine_vlan == 999);
    REQUIRE(names(pol.zones) == std::vector<std::string>{"core", "nvr"});
    CHECK(pol.zones[0].prefixes ==
          std::vector<p::IpPrefix>{prefix("10.0.0.0/8"), prefix("2001:db8:100::/48")});
    CHECK(pol.zones[1].prefixes == std::vector<p::IpPrefix>{prefix("172.16.50.0/24")});
    REQUIRE(pol.rules.size() == 3);
    CHECK(pol.rules[0].name == "prohibited-to-core");
    CHECK(pol.rules[0].line == 12);
    CHECK(pol.rules[1].name == "prohibited-elsewhere");
    CHECK(pol.rules[1].zone_match == ZoneMatch::any);
    CHECK(pol.rules[2].name == "unregistered-to-core");
    REQUIRE(pol.rules[2].vlans);
    CHECK(pol.rules[2].vlans->to_string() == "100-149");
    CHECK(pol.default_action == Action::forward);
    REQUIRE(pol.exceptions.size() == 1);
    CHECK(pol.exceptions[0].mac.to_string() == "44:19:b6:00:00:01");
    CHECK(pol.exceptions[0].until_text == "2027-03-31");
    CHECK(pol.exceptions[0].until_day == day("2027-03-31"));
    CHECK(pol.exceptions[0].reason == "replacement CHG-1234");

    std::ifstream in(t::kExamplePolicy, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    CHECK(pol.sha256 == p::sha256_hex(bytes.str()));
    CHECK(loaded.catalog.vendors.size() >= 10);
}

TEST_CASE("sha256_hex matches the FIPS 180-4 test vectors", "[policy_loader]") {
    CHECK(p::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(p::sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(p::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("every key of a valid policy is read", "[policy_loader]") {
    t::TempFile file(std::string(R"(# every key, with values other than the defaults
version: 1
site: {name: lab-7, sensitive: false}
catalog: )") + t::kShippedCatalog +
                     R"(
oui_registry: ieee
prohibited: [ezviz, uniview]
camera_vlans: [0, 7, 100-102, 4093]
quarantine_vlan: 4094
zones:
  core: [10.0.0.0/8, "2001:db8::/32", 192.0.2.1]
  lab: ["192.168.7.0/24"]
  empty: []
rules:
  - {name: r1, device: prohibited, zone: core, vlans: [100-101], direction: upstream, action: drop}
  - {name: r2, device: any, zone: none, direction: downstream, action: quarantine}
  - {name: r3, zone: any, direction: both, action: forward}
  - name: r4
    device: excepted
    zone: lab
    action: forward
  - {name: R_5.x-y, device: clear, vlans: [7], action: drop}
  - {name: r6, device: unregistered, action: quarantine}
default_action: drop
exceptions:
  - {mac: "58-8F-CF-12-34-56", until: 2026-12-31, reason: pilot}
  - {mac: "4419.b600.0001", until: 2024-02-29, reason: "leap day"}
  - mac: 44:19:B6:00:00:02
    until: 1970-01-01
    reason: epoch
)");
    auto loaded = p::load_policy(file.path());
    const p::Policy& pol = loaded.policy;
    CHECK(pol.site_name == "lab-7");
    CHECK_FALSE(pol.sensitive);
    CHECK(pol.catalog_path == t::kShippedCatalog);
    CHECK(pol.registry_dir == (fs::path(file.path()).parent_path() / "ieee").string());
    CHECK(pol.prohibited == std::vector<std::string>{"ezviz", "uniview"});
    CHECK(pol.camera_vlans.to_string() == "0,7,100-102,4093");
    CHECK(pol.camera_vlans.count() == 6);
    CHECK(pol.quarantine_vlan == std::optional<std::uint16_t>{4094});
    REQUIRE(names(pol.zones) == std::vector<std::string>{"core", "lab", "empty"});
    CHECK(pol.zones[0].prefixes == std::vector<p::IpPrefix>{prefix("10.0.0.0/8"),
                                                            prefix("2001:db8::/32"),
                                                            prefix("192.0.2.1/32")});
    CHECK(pol.zones[1].prefixes == std::vector<p::IpPrefix>{prefix("192.168.7.0/24")});
    CHECK(pol.zones[2].prefixes.empty());
    CHECK(pol.default_action == Action::drop);

    struct RuleRow {
        std::string name;
        std::optional<DeviceClass> device;
        ZoneMatch zone_match;
        std::size_t zone;
        std::string vlans;  // "" = every camera VLAN
        std::optional<Direction> direction;
        Action action;
        int line;
    };
    const std::vector<RuleRow> want = {
        {"r1", DeviceClass::prohibited, ZoneMatch::named, 0, "100-101", Direction::upstream,
         Action::drop, 14},
        {"r2", std::nullopt, ZoneMatch::none, 0, "", Direction::downstream, Action::quarantine, 15},
        {"r3", std::nullopt, ZoneMatch::any, 0, "", std::nullopt, Action::forward, 16},
        {"r4", DeviceClass::excepted, ZoneMatch::named, 1, "", std::nullopt, Action::forward, 17},
        {"R_5.x-y", DeviceClass::clear, ZoneMatch::any, 0, "7", std::nullopt, Action::drop, 21},
        {"r6", DeviceClass::unregistered, ZoneMatch::any, 0, "", std::nullopt, Action::quarantine,
         22},
    };
    REQUIRE(pol.rules.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        const auto& r = pol.rules[i];
        const auto& w = want[i];
        INFO("rule " << w.name);
        CHECK(r.name == w.name);
        CHECK(r.device == w.device);
        CHECK(r.zone_match == w.zone_match);
        if (w.zone_match == ZoneMatch::named) CHECK(r.zone == w.zone);
        CHECK(r.vlans.has_value() == !w.vlans.empty());
        if (r.vlans) CHECK(r.vlans->to_string() == w.vlans);
        CHECK(r.direction == w.direction);
        CHECK(r.action == w.action);
        CHECK(r.line == w.line);
    }

    struct ExceptionRow {
        std::string mac, until, reason;
    };
    const std::vector<ExceptionRow> exceptions = {
        {"58:8f:cf:12:34:56", "2026-12-31", "pilot"},
        {"44:19:b6:00:00:01", "2024-02-29", "leap day"},
        {"44:19:b6:00:00:02", "1970-01-01", "epoch"},
    };
    REQUIRE(pol.exceptions.size() == exceptions.size());
    for (std::size_t i = 0; i < exceptions.size(); ++i) {
        INFO("exception " << i);
        CHECK(pol.exceptions[i].mac.to_string() == exceptions[i].mac);
        CHECK(pol.exceptions[i].until_text == exceptions[i].until);
        CHECK(pol.exceptions[i].until_day == day(exceptions[i].until.c_str()));
        CHECK(pol.exceptions[i].reason == exceptions[i].reason);
    }
    CHECK(pol.exceptions[2].until_day == 0);
}

TEST_CASE("optional keys take their documented defaults", "[policy_loader]") {
    t::PolicyBuilder b;
    b.site = "{name: minimal}";
    b.quarantine_vlan.reset();
    b.zones.clear();
    auto pol = b.load().policy;
    CHECK_FALSE(pol.sensitive);
    CHECK_FALSE(pol.quarantine_vlan);
    CHECK(pol.zones.empty());
    CHECK(pol.rules.empty());
    CHECK(pol.default_action == Action::forward);
    CHECK(pol.exceptions.empty());
    CHECK(pol.registry_dir == t::kIeeeDir);  // overridden by shipped_options()
}

TEST_CASE("prohibited: [all] prohibits every catalog vendor", "[policy_loader]") {
    t::PolicyBuilder b;
    b.prohibited = "[all]";
    auto loaded = b.load();
    CHECK(loaded.policy.prohibit_all);
    CHECK(loaded.policy.prohibited == std::vector<std::string>{"all"});
    auto snap = t::compile(loaded);
    REQUIRE(snap->vendors.size() == loaded.catalog.vendors.size());
    for (const auto& v : snap->vendors) {
        INFO(v.id);
        CHECK(v.prohibited);
    }
}

TEST_CASE("prohibiting a parent prohibits its subsidiaries, not the other way round",
          "[policy_loader]") {
    struct Row {
        std::string prohibited;
        std::vector<std::string> want;  // prohibited vendor ids, in catalog order
    };
    const std::vector<Row> rows = {
        {"[hikvision]", {"hikvision", "prama-hikvision", "ezviz", "hikrobot"}},
        {"[ezviz]", {"ezviz"}},
        {"[dahua, zte]", {"dahua", "zte"}},
        {"[]", {}},
    };
    for (const auto& row : rows) {
        INFO("prohibited: " << row.prohibited);
        t::PolicyBuilder b;
        b.prohibited = row.prohibited;
        auto snap = t::compile(b.load());
        std::vector<std::string> got;
        for (const auto& v : snap->vendors)
            if (v.prohibited) got.push_back(v.id);
        CHECK(got == row.want);
    }
}

TEST_CASE("parse_iso_date accepts real calendar dates only", "[policy_loader]") {
    struct Row {
        const char* text;
        std::optional<std::int64_t> days;
    };
    const std::vector<Row> rows = {
        {"1970-01-01", 0},
        {"1970-01-02", 1},
        {"2000-02-29", 11016},
        {"2024-02-29", 19782},
        {"2027-03-31", 20908},
        {"2023-02-29", std::nullopt},
        {"2027-02-30", std::nullopt},
        {"2027-04-31", std::nullopt},
        {"2027-13-01", std::nullopt},
        {"2027-00-10", std::nullopt},
        {"2027-01-00", std::nullopt},
        {"1969-12-31", std::nullopt},
        {"31/03/2027", std::nullopt},
        {"2027-3-31", std::nullopt},
        {"2027-03-31T00", std::nullopt},
        {"2027-0a-01", std::nullopt},
        {"2027--1-01", std::nullopt},
        {"", std::nullopt},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        CHECK(p::parse_iso_date(row.text) == row.days);
    }
}

TEST_CASE("document markers: one document is fine, content after an end marker is not",
          "[policy_loader]") {
    const std::string body = "site: {name: s}\nprohibited: [hikvision]\ncamera_vlans: [100]\n";
    SECTION("a leading --- and a trailing ... are one document") {
        t::TempFile file("%YAML 1.2\n--- # the policy\nversion: 1\n" + body + "...\n");
        CHECK_NOTHROW(p::load_policy(file.path(), t::shipped_options()));
    }
    SECTION("content after ... starts a second document") {
        t::TempFile file("version: 1\n" + body + "...\nprohibited: [all]\n");
        auto diags = rejection(file.path());
        INFO(t::list(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].line == 6);
        CHECK(diags[0].message.find("second YAML document") != std::string::npos);
    }
    SECTION("invalid bytes that once made yaml-cpp's LoadAll loop forever are rejected") {
        t::TempFile file(",\xa0");
        CHECK_THROWS_AS(p::load_policy(file.path(), t::shipped_options()), p::PolicyError);
    }
}

TEST_CASE("at most 1024 rules: the fast path counts per rule in fixed arrays", "[policy_loader]") {
    auto policy_with = [](std::size_t n) {
        std::string text =
            "version: 1\nsite: {name: s}\nprohibited: [hikvision]\n"
            "camera_vlans: [100]\nrules:\n";
        for (std::size_t i = 0; i < n; ++i)
            text += "  - {name: r" + std::to_string(i) + ", action: drop}\n";
        return text;
    };
    {
        t::TempFile file(policy_with(p::kMaxRules));
        CHECK(p::load_policy(file.path(), t::shipped_options()).policy.rules.size() ==
              p::kMaxRules);
    }
    t::TempFile file(policy_with(p::kMaxRules + 1));
    auto diags = rejection(file.path());
    INFO(t::list(diags));
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].line == 6 + static_cast<int>(p::kMaxRules));  // the 1025th rule
    CHECK(diags[0].message.find("more than 1024 rules") != std::string::npos);
}

TEST_CASE("an empty zone is a warning, not an error", "[policy_loader]") {
    t::TempFile file(
        "version: 1\nsite: {name: s}\nprohibited: [hikvision]\ncamera_vlans: [100]\n"
        "zones: {core: [10.0.0.0/8], lab: []}\n");
    auto loaded = p::load_policy(file.path(), t::shipped_options());
    auto snap = t::compile(loaded);
    REQUIRE(snap->warnings.size() == 1);
    CHECK(snap->warnings[0].find("zone 'lab' has no prefixes") != std::string::npos);
}
