// The catalog side of passive fingerprinting: vendor `signatures:` as load_catalog reads them
// (every match kind, case-insensitive, protocol and field must match, describe()), the broken
// catalogs in tests/fixtures/catalogs/broken rejected at the place their header names, and
// the shipped catalog's signatures compiled into PolicySnapshot::signatures with the vendor
// each one names.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "policy/catalog.h"
#include "policy/snapshot.h"
#include "tests/fixtures/broken_corpus.h"
#include "tests/fixtures/policy_builder.h"

namespace {

namespace p = camfence::policy;
namespace t = camfence::test;
using p::MatchKind;
using p::Signature;
using p::Strength;

Signature sig(const std::string& protocol, const std::string& field, MatchKind kind,
              const std::string& pattern, Strength strength = Strength::strong) {
    Signature s;
    s.protocol = protocol;
    s.field = field;
    s.match = kind;
    s.pattern = pattern;
    s.strength = strength;
    s.source = "test";
    return s;
}

const char* kind_name(MatchKind k) {
    switch (k) {
        case MatchKind::any:
            return "any";
        case MatchKind::equals:
            return "equals";
        case MatchKind::prefix:
            return "prefix";
        case MatchKind::suffix:
            return "suffix";
        case MatchKind::contains:
            return "contains";
        case MatchKind::domain:
            return "domain";
    }
    return "?";
}

// A catalog of one vendor whose signatures are `signatures` (each a YAML flow map).
std::string one_vendor_catalog(const std::vector<std::string>& signatures) {
    std::string y =
        "version: 1\nvendors:\n  - id: acme\n    name: Acme Cameras Ltd.\n    basis: test\n";
    if (!signatures.empty()) {
        y += "    signatures:\n";
        for (const auto& s : signatures)
            y += "      - " + s + "\n";
    }
    return y;
}

const p::PolicySnapshot& example() {
    static const auto snap = t::example_snapshot(t::kNow2026);
    return *snap;
}

}  // namespace

TEST_CASE("Signature::matches: every match kind, case-insensitive", "[fingerprint_model]") {
    struct Row {
        MatchKind kind;
        std::string pattern;  // lower case, as load_catalog stores it
        std::string value;
        bool match;
    };
    const std::vector<Row> rows = {
        // any: the field is present, whatever it says.
        {MatchKind::any, "", "1234", true},
        {MatchKind::any, "", "", true},
        {MatchKind::any, "", "anything at all", true},
        // equals: the whole value.
        {MatchKind::equals, "inquiry", "inquiry", true},
        {MatchKind::equals, "inquiry", "Inquiry", true},
        {MatchKind::equals, "inquiry", "INQUIRY", true},
        {MatchKind::equals, "inquiry", "inquiry2", false},
        {MatchKind::equals, "inquiry", "inquir", false},
        {MatchKind::equals, "inquiry", " inquiry", false},
        {MatchKind::equals, "inquiry", "", false},
        // prefix: the start of the value.
        {MatchKind::prefix, "app-webs/", "App-webs/", true},
        {MatchKind::prefix, "app-webs/", "App-webs/ 1.0", true},
        {MatchKind::prefix, "app-webs/", "APP-WEBS/", true},
        {MatchKind::prefix, "app-webs/", "xApp-webs/", false},
        {MatchKind::prefix, "app-webs/", "App-webs", false},
        {MatchKind::prefix, "app-webs/", "", false},
        // suffix: the end of the value.
        {MatchKind::suffix, "-webs/1.0", "DNVRS-Webs/1.0", true},
        {MatchKind::suffix, "-webs/1.0", "-webs/1.0", true},
        {MatchKind::suffix, "-webs/1.0", "DNVRS-Webs/1.0 ", false},
        {MatchKind::suffix, "-webs/1.0", "webs/1.0", false},
        {MatchKind::suffix, "-webs/1.0", "", false},
        // contains: anywhere in the value.
        {MatchKind::contains, "o=hikvision", "C=CN, O=HIKVISION, CN=192.168.1.64", true},
        {MatchKind::contains, "o=hikvision", "O=Hikvision", true},
        {MatchKind::contains, "o=hikvision", "o=hikvisio", false},
        {MatchKind::contains, "o=hikvision", "O = HIKVISION", false},
        {MatchKind::contains, "o=hikvision", "", false},
        // domain: the name itself or any name below it, never a name that merely ends alike.
        {MatchKind::domain, "hik-connect.com", "hik-connect.com", true},
        {MatchKind::domain, "hik-connect.com", "HIK-Connect.COM", true},
        {MatchKind::domain, "hik-connect.com", "litedev.hik-connect.com", true},
        {MatchKind::domain, "hik-connect.com", "LiteDev.Hik-Connect.com", true},
        {MatchKind::domain, "hik-connect.com", "a.b.c.hik-connect.com", true},
        {MatchKind::domain, "hik-connect.com", "nothik-connect.com", false},
        {MatchKind::domain, "hik-connect.com", "ik-connect.com", false},
        {MatchKind::domain, "hik-connect.com", "hik-connect.co", false},
        {MatchKind::domain, "hik-connect.com", "hik-connect.com.evil.example", false},
        {MatchKind::domain, "hik-connect.com", "hik-connect-com", false},
        {MatchKind::domain, "hik-connect.com", "", false},
        {MatchKind::domain, "dev.hik-connect.com", "litedev.hik-connect.com", false},
        {MatchKind::domain, "dev.hik-connect.com", "x.dev.hik-connect.com", true},
    };
    for (const auto& row : rows) {
        INFO(kind_name(row.kind) << " \"" << row.pattern << "\" on \"" << row.value << "\"");
        const Signature s = sig("dns", "qname", row.kind, row.pattern);
        CHECK(s.matches("dns", "qname", row.value) == row.match);
    }
}

TEST_CASE("Signature::matches: the protocol and the field must match too", "[fingerprint_model]") {
    for (MatchKind kind : {MatchKind::any, MatchKind::equals, MatchKind::prefix, MatchKind::suffix,
                           MatchKind::contains, MatchKind::domain}) {
        INFO(kind_name(kind));
        const Signature s = sig("tls_sni", "sni", kind, "ezvizlife.com");
        CHECK(s.matches("tls_sni", "sni", "ezvizlife.com"));
        CHECK_FALSE(s.matches("dns", "sni", "ezvizlife.com"));
        CHECK_FALSE(s.matches("tls_sni", "qname", "ezvizlife.com"));
        CHECK_FALSE(s.matches("dns", "qname", "ezvizlife.com"));
        CHECK_FALSE(s.matches("", "", "ezvizlife.com"));
        CHECK_FALSE(s.matches("tls_sni", "", "ezvizlife.com"));
        // Not a prefix of the protocol or field names either.
        CHECK_FALSE(s.matches("tls_sn", "sni", "ezvizlife.com"));
        CHECK_FALSE(s.matches("tls_sni", "sn", "ezvizlife.com"));
        CHECK_FALSE(s.matches("tls_sni", "snis", "ezvizlife.com"));
    }
}

TEST_CASE("Signature::describe names protocol, field, match kind and pattern",
          "[fingerprint_model]") {
    CHECK(sig("http", "Server", MatchKind::prefix, "app-webs/").describe() ==
          "http Server prefix \"app-webs/\"");
    CHECK(sig("sadp", "DeviceType", MatchKind::any, "").describe() == "sadp DeviceType any");
    CHECK(sig("sadp", "Types", MatchKind::equals, "inquiry").describe() ==
          "sadp Types equals \"inquiry\"");
    CHECK(sig("http", "Server", MatchKind::suffix, "-webs/1.0").describe() ==
          "http Server suffix \"-webs/1.0\"");
    CHECK(sig("tls_cert", "subject", MatchKind::contains, "o=dahua").describe() ==
          "tls_cert subject contains \"o=dahua\"");
    CHECK(sig("dns", "qname", MatchKind::domain, "hik-connect.com").describe() ==
          "dns qname domain \"hik-connect.com\"");
}

TEST_CASE("Strength names", "[fingerprint_model]") {
    CHECK(p::to_string(Strength::weak) == "weak");
    CHECK(p::to_string(Strength::medium) == "medium");
    CHECK(p::to_string(Strength::strong) == "strong");
    CHECK(Strength::weak < Strength::medium);
    CHECK(Strength::medium < Strength::strong);
}

TEST_CASE("load_catalog reads every match kind and lower-cases the pattern",
          "[fingerprint_model]") {
    t::TempFile file(one_vendor_catalog({
        R"({protocol: sadp, field: DeviceType, any: true, strength: strong, source: "s1"})",
        R"({protocol: sadp, field: Types, equals: InQuiry, strength: weak, source: "s2"})",
        R"({protocol: http, field: Server, prefix: "App-Webs/", strength: strong, source: "s3"})",
        R"({protocol: http, field: Server, suffix: "-WEBS/1.0", strength: medium, source: "s4"})",
        R"({protocol: tls_cert, field: subject, contains: "O=ACME", strength: medium, source: "s5"})",
        R"({protocol: dns, field: qname, domain: Cloud.ACME.example, strength: strong, source: "s6"})",
    }));
    const p::VendorCatalog cat = p::load_catalog(file.path());
    REQUIRE(cat.vendors.size() == 1);
    const auto& sigs = cat.vendors[0].signatures;
    REQUIRE(sigs.size() == 6);

    struct Row {
        std::string protocol, field;
        MatchKind match;
        std::string pattern;
        Strength strength;
        std::string source;
        std::string describe;
    };
    const std::vector<Row> rows = {
        {"sadp", "DeviceType", MatchKind::any, "", Strength::strong, "s1", "sadp DeviceType any"},
        {"sadp", "Types", MatchKind::equals, "inquiry", Strength::weak, "s2",
         "sadp Types equals \"inquiry\""},
        {"http", "Server", MatchKind::prefix, "app-webs/", Strength::strong, "s3",
         "http Server prefix \"app-webs/\""},
        {"http", "Server", MatchKind::suffix, "-webs/1.0", Strength::medium, "s4",
         "http Server suffix \"-webs/1.0\""},
        {"tls_cert", "subject", MatchKind::contains, "o=acme", Strength::medium, "s5",
         "tls_cert subject contains \"o=acme\""},
        {"dns", "qname", MatchKind::domain, "cloud.acme.example", Strength::strong, "s6",
         "dns qname domain \"cloud.acme.example\""},
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        INFO("signature " << i);
        CHECK(sigs[i].protocol == rows[i].protocol);
        CHECK(sigs[i].field == rows[i].field);
        CHECK(kind_name(sigs[i].match) == std::string(kind_name(rows[i].match)));
        CHECK(sigs[i].pattern == rows[i].pattern);
        CHECK(sigs[i].strength == rows[i].strength);
        CHECK(sigs[i].source == rows[i].source);
        CHECK(sigs[i].describe() == rows[i].describe);
    }
    // Written in mixed case, matched without regard to case.
    CHECK(sigs[1].matches("sadp", "Types", "inquiry"));
    CHECK(sigs[1].matches("sadp", "Types", "INQUIRY"));
    CHECK(sigs[2].matches("http", "Server", "app-webs/"));
    CHECK(sigs[3].matches("http", "Server", "DNVRS-Webs/1.0"));
    CHECK(sigs[4].matches("tls_cert", "subject", "CN=cam, o=Acme, C=CN"));
    CHECK(sigs[5].matches("dns", "qname", "dev7.cloud.acme.EXAMPLE"));
    CHECK_FALSE(sigs[5].matches("dns", "qname", "dev7cloud.acme.example"));
}

TEST_CASE("load_catalog accepts a signature for every protocol it names", "[fingerprint_model]") {
    std::vector<std::string> sigs;
    for (auto proto : p::kSignatureProtocols)
        sigs.push_back("{protocol: " + std::string(proto) +
                       ", field: f, any: true, strength: weak, source: s}");
    t::TempFile file(one_vendor_catalog(sigs));
    const p::VendorCatalog cat = p::load_catalog(file.path());
    REQUIRE(cat.vendors.size() == 1);
    REQUIRE(cat.vendors[0].signatures.size() == std::size(p::kSignatureProtocols));
    for (std::size_t i = 0; i < std::size(p::kSignatureProtocols); ++i)
        CHECK(cat.vendors[0].signatures[i].protocol == p::kSignatureProtocols[i]);
}

TEST_CASE("a vendor without signatures has none", "[fingerprint_model]") {
    t::TempFile file(one_vendor_catalog({}));
    const p::VendorCatalog cat = p::load_catalog(file.path());
    REQUIRE(cat.vendors.size() == 1);
    CHECK(cat.vendors[0].signatures.empty());
}

TEST_CASE("every broken catalog is rejected at the place its header names", "[fingerprint_model]") {
    t::check_broken_corpus(
        t::kSourceDir + "/tests/fixtures/catalogs/broken", 16,
        [](const std::string& path) { p::load_catalog(path); },
        [](const p::Diagnostic& match, const t::Expectation& e, const std::string& file) {
            CHECK(match.to_string() == file + ":" + std::to_string(e.line) + ":" +
                                           std::to_string(e.column) + ": error: " + match.message);
        });
}

TEST_CASE("the shipped catalog's signatures", "[fingerprint_model]") {
    const p::VendorCatalog cat = p::load_catalog(t::kShippedCatalog);
    std::map<std::string, std::size_t> count;
    for (const auto& v : cat.vendors)
        count[v.id] = v.signatures.size();
    CHECK(count["hikvision"] == 18);
    CHECK(count["ezviz"] == 6);
    CHECK(count["dahua"] == 17);
    CHECK(count["prama-hikvision"] == 0);
    CHECK(count["hikrobot"] == 0);
    CHECK(count["uniview"] == 0);

    // Every signature names a protocol the parsers report and says where it is documented.
    for (const auto& v : cat.vendors)
        for (const auto& s : v.signatures) {
            INFO(v.id << ": " << s.describe());
            bool known = false;
            for (auto proto : p::kSignatureProtocols)
                known |= proto == s.protocol;
            CHECK(known);
            CHECK_FALSE(s.field.empty());
            CHECK_FALSE(s.source.empty());
            if (s.match != MatchKind::any) {
                CHECK_FALSE(s.pattern.empty());
                // Stored lower case: matches() lower-cases only the value.
                CHECK(s.pattern.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
            }
        }
}

TEST_CASE("the shipped signatures compile into the snapshot with their vendor",
          "[fingerprint_model]") {
    const p::VendorCatalog cat = p::load_catalog(t::kShippedCatalog);
    const p::PolicySnapshot& s = example();

    // Catalog order, each with the index of the vendor that lists it.
    std::vector<std::pair<std::string, std::string>> expected;  // vendor id, describe()
    for (const auto& v : cat.vendors)
        for (const auto& sg : v.signatures)
            expected.emplace_back(v.id, sg.describe());
    REQUIRE(s.signatures.size() == expected.size());
    REQUIRE(s.signatures.size() == 41);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("signature " << i << ": " << expected[i].second);
        REQUIRE(s.signatures[i].vendor < s.vendors.size());
        CHECK(s.vendors[s.signatures[i].vendor].id == expected[i].first);
        CHECK(s.signatures[i].signature.describe() == expected[i].second);
    }

    auto index_of = [&](const std::string& id) {
        for (std::size_t i = 0; i < s.vendors.size(); ++i)
            if (s.vendors[i].id == id) return static_cast<std::uint16_t>(i);
        FAIL("no vendor " << id);
        return std::uint16_t{0};
    };
    const auto hik = index_of("hikvision");
    const auto ezviz = index_of("ezviz");
    const auto prama = index_of("prama-hikvision");
    const auto hikrobot = index_of("hikrobot");
    const auto dahua = index_of("dahua");
    const auto uniview = index_of("uniview");

    // Subsidiaries belong to the parent's family; top-level vendors are their own root.
    CHECK(s.root_vendor(hik) == hik);
    CHECK(s.root_vendor(ezviz) == hik);
    CHECK(s.root_vendor(prama) == hik);
    CHECK(s.root_vendor(hikrobot) == hik);
    CHECK(s.root_vendor(dahua) == dahua);
    CHECK(s.root_vendor(uniview) == uniview);

    // A few signatures by what they say.
    struct Want {
        std::string describe;
        std::uint16_t vendor;
        Strength strength;
    };
    const std::vector<Want> wants = {
        {"sadp DeviceType any", hik, Strength::strong},
        {"sadp Types equals \"inquiry\"", hik, Strength::weak},
        {"http Server prefix \"app-webs/\"", hik, Strength::strong},
        {"dns qname domain \"litedev.hik-connect.com\"", hik, Strength::strong},
        {"dns qname domain \"hik-connect.com\"", hik, Strength::medium},
        {"tls_sni sni domain \"ezvizlife.com\"", ezviz, Strength::medium},
        {"dns qname domain \"ys7.com\"", ezviz, Strength::medium},
        {"dhip method equals \"client.notifydevinfo\"", dahua, Strength::strong},
        {"dhip SerialNo any", dahua, Strength::strong},
        {"dahua5050 message equals \"search\"", dahua, Strength::weak},
        {"rtsp Server prefix \"dahua rtsp server\"", dahua, Strength::strong},
        {"tls_cert subject contains \"o=dahua\"", dahua, Strength::medium},
    };
    for (const auto& w : wants) {
        INFO(w.describe);
        std::size_t found = 0;
        for (const auto& vs : s.signatures)
            if (vs.signature.describe() == w.describe) {
                ++found;
                CHECK(vs.vendor == w.vendor);
                CHECK(vs.signature.strength == w.strength);
                CHECK_FALSE(vs.signature.source.empty());
            }
        CHECK(found == 1);
    }

    // The compiled signatures match like the catalog's (mixed-case patterns lower-cased).
    std::size_t matched = 0;
    for (const auto& vs : s.signatures)
        if (vs.signature.matches("dhip", "method", "client.notifyDevInfo")) {
            ++matched;
            CHECK(vs.vendor == dahua);
        }
    CHECK(matched == 1);
}

TEST_CASE("signatures compile for every catalog vendor, prohibited or not", "[fingerprint_model]") {
    t::PolicyBuilder b;
    b.prohibited = "[uniview]";
    const auto snap = t::compile(b.load());
    REQUIRE(snap->signatures.size() == 41);
    REQUIRE(snap->signatures.size() == example().signatures.size());
    for (std::size_t i = 0; i < snap->signatures.size(); ++i) {
        CHECK(snap->signatures[i].vendor == example().signatures[i].vendor);
        CHECK(snap->signatures[i].signature.describe() ==
              example().signatures[i].signature.describe());
    }
}
