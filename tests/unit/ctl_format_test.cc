// camfencectl's text for the daemon's replies (daemon/ctl_format.h): the tables of status,
// devices and exceptions, reload and clear results, refusals with a rejected policy's errors,
// and tolerance of replies with fields missing (shown as "-") or of the wrong type (JsonError).
// The replies are built with JsonWriter in the shape daemon/appliance.cc writes them.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "daemon/ctl_format.h"
#include "daemon/json_reader.h"
#include "daemon/json_writer.h"

namespace {

using namespace camfence::daemon;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The line of `text` that contains `part`, "" if none.
std::string line_with(const std::string& text, const std::string& part) {
    std::size_t at = text.find(part);
    if (at == std::string::npos) return "";
    std::size_t begin = text.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return text.substr(begin, text.find('\n', at) - begin);
}

struct PortSpec {
    const char* name;
    const char* side;
    std::uint64_t rx, tx, missed;
};

std::string status_reply(const char* source = "configured") {
    JsonWriter w;
    w.begin_object()
        .field("ok", true)
        .field("version", "0.4.0")
        .field("started_at", "2026-11-27T06:00:00Z")
        .field("uptime_seconds", std::int64_t{2 * 86400 + 3 * 3600 + 7 * 60 + 9});
    w.key("policy")
        .begin_object()
        .field("path", "/etc/camfence/site.yaml")
        .field("source", source)
        .field("configured", "/etc/camfence/site.yaml")
        .field("site", "hq")
        .field("sha256", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        .field("generation", std::uint64_t{3})
        .field("loaded_at", "2026-11-28T10:00:00Z")
        .field("rules", std::uint64_t{12})
        .field("reloads_ok", std::uint64_t{2})
        .field("reloads_failed", std::uint64_t{1})
        .end_object();
    w.key("ports").begin_array();
    for (const PortSpec& p : {PortSpec{"cam0", "camera", 18446744073709551615ull, 1200, 7},
                              PortSpec{"core0", "core", 1200, 1234, 0}})
        w.begin_object()
            .field("name", p.name)
            .field("side", p.side)
            .field("device", "net_af_packet0,iface=c1")
            .field("rx_packets", p.rx)
            .field("tx_packets", p.tx)
            .field("rx_bytes", std::uint64_t{0})
            .field("tx_bytes", std::uint64_t{0})
            .field("rx_missed", p.missed)
            .field("rx_errors", std::uint64_t{0})
            .field("tx_errors", std::uint64_t{0})
            .end_object();
    w.end_array();
    w.key("workers").begin_array();
    w.begin_object()
        .field("worker", std::uint64_t{0})
        .field("lcore", 1u)
        .field("loops", std::uint64_t{99})
        .field("busy_ratio", 0.125)
        .field("stalled", false)
        .end_object();
    w.begin_object()
        .field("worker", std::uint64_t{1})
        .field("lcore", 2u)
        .field("loops", std::uint64_t{5})
        .field("busy_ratio", 0.0)
        .field("stalled", true)
        .end_object();
    w.end_array();
    w.key("frames")
        .begin_object()
        .field("forward", std::uint64_t{2400})
        .field("drop", std::uint64_t{30})
        .field("quarantine", std::uint64_t{4})
        .field("anomalies", std::uint64_t{1})
        .field("tx_failed", std::uint64_t{0})
        .field("quarantine_no_room", std::uint64_t{0})
        .end_object();
    w.key("devices")
        .begin_object()
        .field("total", std::uint64_t{5})
        .field("clear", std::uint64_t{3})
        .field("prohibited", std::uint64_t{2})
        .field("capacity", std::uint64_t{65536})
        .field("reports_lost", std::uint64_t{0})
        .end_object();
    w.end_object();
    return w.str();
}

struct DeviceSpec {
    const char* mac;
    unsigned vlan;
    const char* verdict;
    const char* policy_class;
    bool sticky;
    const char* vendor;
    const char* organization;
    std::vector<std::string> ips;
    std::vector<std::vector<std::string>> evidence;  // signal, value, detail
};

std::string devices_reply(const std::vector<DeviceSpec>& devices, std::uint64_t refused = 0) {
    JsonWriter w;
    w.begin_object().field("ok", true);
    w.key("devices").begin_array();
    for (const auto& d : devices) {
        w.begin_object()
            .field("mac", d.mac)
            .field("vlan", d.vlan)
            .field("verdict", d.verdict)
            .field("policy_class", d.policy_class)
            .field("sticky", d.sticky)
            .field("vendor", d.vendor)
            .field("organization", d.organization)
            .field("first_seen", "2026-11-20T08:00:00Z")
            .field("last_seen", "2026-11-29T08:30:00Z");
        w.key("ips").begin_array();
        for (const auto& ip : d.ips)
            w.value(ip);
        w.end_array();
        w.key("evidence").begin_array();
        for (const auto& e : d.evidence)
            w.begin_object()
                .field("signal", e[0])
                .field("value", e[1])
                .field("detail", e[2])
                .end_object();
        w.end_array().end_object();
    }
    w.end_array();
    w.field("capacity", std::uint64_t{65536}).field("refused", refused).end_object();
    return w.str();
}

const std::vector<DeviceSpec> kInventory = {
    {"44:47:cc:00:00:11",
     10,
     "prohibited",
     "prohibited",
     true,
     "hikvision",
     "Hangzhou Hikvision Digital Technology Co.,Ltd.",
     {"192.168.10.20"},
     {{"oui", "44:47:CC", "Hangzhou Hikvision Digital Technology Co.,Ltd. (IEEE MA-L registry)"}}},
    {"3c:ef:8c:00:00:22",
     10,
     "prohibited",
     "clear",
     true,
     "",
     "",
     {},
     {{"oui", "3C:EF:8C", "Example Corp (IEEE MA-L registry; not in the vendor catalog)"}}},
    {"00:11:32:aa:bb:cc",
     20,
     "clear",
     "clear",
     false,
     "",
     "Synology Incorporated",
     {"10.0.0.1", "10.0.0.2", "10.0.0.3"},
     {{"oui", "00:11:32",
       "Synology Incorporated (IEEE MA-L registry; not in the vendor "
       "catalog)"}}},
    {"e4:30:22:00:00:33",
     20,
     "excepted",
     "excepted",
     false,
     "hanwha",
     "Hanwha Vision",
     {"10.0.0.9"},
     {{"oui", "E4:30:22", "Hanwha Vision (IEEE MA-L registry)"},
      {"exception", "active until 2027-03-31", "lab camera, ticket 42"}}},
};

}  // namespace

TEST_CASE("format_table aligns columns to their widest cell, header first", "[ctl]") {
    std::string t = format_table({"MAC", "VLAN", "REASON"},
                                 {{"44:47:cc:00:00:11", "10", "lab"}, {"x", "4094", "bench"}});
    CHECK(t ==
          "MAC                VLAN  REASON\n"
          "44:47:cc:00:00:11  10    lab\n"
          "x                  4094  bench\n");
    SECTION("short rows are padded, empty last cells leave no trailing blanks") {
        CHECK(format_table({"A", "B"}, {{"1"}}, "  ") == "  A  B\n  1\n");
    }
    SECTION("UTF-8 cells are measured in characters") {
        CHECK(format_table({"ORG", "N"}, {{"Société", "1"}, {"Acme", "2"}}) ==
              "ORG      N\nSociété  1\nAcme     2\n");
    }
}

TEST_CASE("format_duration picks the two largest units", "[ctl]") {
    const std::pair<std::int64_t, const char*> cases[] = {
        {0, "0s"},
        {45, "45s"},
        {7 * 60 + 5, "7m 05s"},
        {3 * 3600 + 420, "3h 07m"},
        {2 * 86400 + 3 * 3600 + 7 * 60 + 9, "2d 03h 07m"},
        {-1, "-"},
    };
    for (const auto& [seconds, text] : cases) {
        INFO(seconds);
        CHECK(format_duration(seconds) == text);
    }
}

TEST_CASE("format_request writes one JSON object per command", "[ctl]") {
    CHECK(format_request({"status", "", std::nullopt}) == R"({"command":"status"})");
    CHECK(format_request({"clear", "44:47:cc:00:00:11", std::nullopt}) ==
          R"({"command":"clear","mac":"44:47:cc:00:00:11"})");
    CHECK(format_request({"clear", "44:47:cc:00:00:11", 0u}) ==
          R"({"command":"clear","mac":"44:47:cc:00:00:11","vlan":0})");
}

TEST_CASE("reply_ok needs a boolean ok in an object", "[ctl]") {
    CHECK(reply_ok(parse_json(R"({"ok":true})")) == true);
    CHECK(reply_ok(parse_json(R"({"ok":false,"error":"x"})")) == false);
    CHECK_FALSE(reply_ok(parse_json(R"({"error":"x"})")));
    CHECK_FALSE(reply_ok(parse_json(R"({"ok":"true"})")));
    CHECK_FALSE(reply_ok(parse_json(R"([true])")));
}

TEST_CASE("format_status shows the policy, ports and workers tables and the counts", "[ctl]") {
    std::string s = format_status(parse_json(status_reply()));
    CHECK(line_with(s, "camfenced") ==
          "camfenced 0.4.0, up 2d 03h 07m (since 2026-11-27T06:00:00Z)");
    CHECK(line_with(s, "policy:") ==
          "policy:   sha256 0123456789ab, generation 3, loaded 2026-11-28T10:00:00Z, source "
          "configured");
    CHECK(has(s, "/etc/camfence/site.yaml, site hq, 12 rules; reloads 2 ok, 1 failed"));
    CHECK_FALSE(has(s, "WARNING"));
    CHECK(line_with(s, "PORT") == "PORT   SIDE    RX PACKETS            TX PACKETS  RX MISSED");
    CHECK(line_with(s, "cam0") == "cam0   camera  18446744073709551615  1200        7");
    CHECK(line_with(s, "core0") == "core0  core    1200                  1234        0");
    CHECK(line_with(s, "WORKER") == "WORKER  LCORE  BUSY   STATE");
    CHECK(line_with(s, "12.5%") == "0       1      12.5%  running");
    CHECK(line_with(s, "STALLED") == "1       2      0.0%   STALLED");
    CHECK(line_with(s, "frames:") ==
          "frames:   forward 2400, drop 30, quarantine 4; anomalies 1, tx failed 0, quarantine "
          "no room 0");
    CHECK(line_with(s, "devices:") ==
          "devices:  5 (prohibited 2, excepted 0, unregistered 0, clear 3), capacity 65536, "
          "reports lost 0");
}

TEST_CASE("format_status warns while the last good policy is enforced", "[ctl]") {
    std::string s = format_status(parse_json(status_reply("last-good")));
    CHECK(has(s,
              "WARNING: enforcing the last good policy: the configured policy "
              "/etc/camfence/site.yaml was rejected at start-up"));
}

TEST_CASE("format_devices lists every device and the evidence of prohibited ones", "[ctl]") {
    std::string s = format_devices(parse_json(devices_reply(kInventory)), {});
    CHECK(line_with(s, "MAC") == "MAC                VLAN  VERDICT     STICKY  VENDOR" +
                                     std::string(17, ' ') + "IPS" + std::string(19, ' ') +
                                     "LAST SEEN");
    CHECK(line_with(s, "44:47:cc:00:00:11  ") ==
          "44:47:cc:00:00:11  10    prohibited  yes     hikvision" + std::string(14, ' ') +
              "192.168.10.20" + std::string(9, ' ') + "2026-11-29T08:30:00Z");
    // No vendor in the catalog: the registry's organization; nothing known: "-".
    CHECK(has(line_with(s, "00:11:32:aa:bb:cc  "), "Synology Incorporated"));
    CHECK(has(line_with(s, "3c:ef:8c:00:00:22  "), "yes     -"));
    // The two newest addresses, and how many more.
    CHECK(has(line_with(s, "00:11:32:aa:bb:cc  "), "10.0.0.2,10.0.0.3 +1"));

    CHECK(has(s,
              "\n44:47:cc:00:00:11 vlan 10: prohibited, first seen 2026-11-20T08:00:00Z\n"
              "  oui: 44:47:CC - Hangzhou Hikvision Digital Technology Co.,Ltd. (IEEE MA-L "
              "registry)\n"));
    // Sticky: prohibited although the policy in force says clear.
    CHECK(has(s, "3c:ef:8c:00:00:22 vlan 10: prohibited (the policy says clear)"));
    CHECK_FALSE(has(s, "00:11:32:aa:bb:cc vlan"));
    CHECK_FALSE(has(s, "exception:"));
    CHECK(has(s,
              "\n4 devices (prohibited 2, excepted 1, unregistered 0, clear 1), capacity "
              "65536\n"));
    CHECK_FALSE(has(s, "refused"));
}

TEST_CASE("format_devices --verbose gives the evidence of every device listed", "[ctl]") {
    std::string s = format_devices(parse_json(devices_reply(kInventory)), {"", true});
    CHECK(has(s, "e4:30:22:00:00:33 vlan 20: excepted, first seen"));
    CHECK(has(s, "  exception: active until 2027-03-31 - lab camera, ticket 42\n"));
    CHECK(has(line_with(s, "00:11:32:aa:bb:cc  "), "10.0.0.1,10.0.0.2,10.0.0.3"));
}

TEST_CASE("format_devices --verdict shows one class; the summary counts all", "[ctl]") {
    std::string s = format_devices(parse_json(devices_reply(kInventory)), {"excepted", false});
    CHECK(has(s, "e4:30:22:00:00:33  20"));
    CHECK_FALSE(has(s, "44:47:cc:00:00:11"));
    CHECK_FALSE(has(s, "vlan 20: excepted"));  // evidence only with --verbose
    CHECK(has(s, "4 devices (prohibited 2"));

    std::string none = format_devices(parse_json(devices_reply(kInventory)), {"unregistered"});
    CHECK(none.rfind("no unregistered devices\n", 0) == 0);
    CHECK_FALSE(has(none, "MAC "));
}

TEST_CASE("format_devices of an empty or full inventory", "[ctl]") {
    std::string empty = format_devices(parse_json(devices_reply({})), {});
    CHECK(empty.rfind("no devices in the inventory\n", 0) == 0);
    CHECK(has(empty, "0 devices (prohibited 0, excepted 0, unregistered 0, clear 0)"));
    std::string full = format_devices(parse_json(devices_reply(kInventory, 3)), {});
    CHECK(has(full, "WARNING: 3 new devices refused: the inventory is full"));
}

TEST_CASE("format_exceptions lists the policy's exceptions", "[ctl]") {
    JsonWriter w;
    w.begin_object().field("ok", true).key("exceptions").begin_array();
    w.begin_object()
        .field("mac", "e4:30:22:00:00:33")
        .field("until", "2027-03-31")
        .field("active", true)
        .field("reason", "lab camera, ticket 42")
        .field("seen", true)
        .end_object();
    w.begin_object()
        .field("mac", "44:47:cc:00:00:99")
        .field("until", "2025-01-31")
        .field("active", false)
        .field("reason", "")
        .field("seen", false)
        .end_object();
    w.end_array().end_object();
    std::string s = format_exceptions(parse_json(w.str()));
    CHECK(s ==
          "MAC                UNTIL       ACTIVE  SEEN  REASON\n"
          "e4:30:22:00:00:33  2027-03-31  yes     yes   lab camera, ticket 42\n"
          "44:47:cc:00:00:99  2025-01-31  no      no    -\n");
    CHECK(format_exceptions(parse_json(R"({"ok":true,"exceptions":[]})")) ==
          "no exceptions in the policy\n");
}

TEST_CASE("format_reload: the new generation, or every error of the rejected policy", "[ctl]") {
    std::string ok = format_reload(parse_json(
        R"({"ok":true,"generation":4,"sha256":"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210","warnings":["rule 'x' is shadowed by rule 'y'"]})"));
    CHECK(ok ==
          "reloaded: generation 4, sha256 fedcba987654\n"
          "warning: rule 'x' is shadowed by rule 'y'\n");

    std::string failed = format_failure(parse_json(
        R"({"ok":false,"error":"policy rejected; generation 3 stays in force","generation":3,)"
        R"("errors":["/etc/camfence/site.yaml:12:5: error: unknown key 'rulez'",)"
        R"("/etc/camfence/site.yaml:30:9: error: zone 'lab' is not defined"]})"));
    CHECK(failed ==
          "camfencectl: policy rejected; generation 3 stays in force\n"
          "/etc/camfence/site.yaml:12:5: error: unknown key 'rulez'\n"
          "/etc/camfence/site.yaml:30:9: error: zone 'lab' is not defined\n");
    CHECK(format_failure(parse_json(
              R"({"ok":false,"error":"no device 44:47:cc:00:00:11 in the inventory"})")) ==
          "camfencectl: no device 44:47:cc:00:00:11 in the inventory\n");
    CHECK(format_failure(parse_json(R"({"ok":false})")) == "camfencectl: the daemon refused\n");
}

TEST_CASE("format_clear says what changed and whether the policy still prohibits", "[ctl]") {
    const std::string mac = "44:47:cc:00:00:11";
    std::string lifted = format_clear(
        parse_json(
            R"({"ok":true,"devices":1,"changes":[{"mac":"3c:ef:8c:00:00:22","vlan":10,"from":"prohibited","to":"clear"}],"still_prohibited_by_policy":false})"),
        "3c:ef:8c:00:00:22");
    CHECK(lifted == "cleared 3c:ef:8c:00:00:22 vlan 10: prohibited -> clear\n");

    std::string still = format_clear(
        parse_json(R"({"ok":true,"devices":2,"changes":[],"still_prohibited_by_policy":true})"),
        mac);
    CHECK(still.rfind(mac + " is still prohibited: the policy in force prohibits it", 0) == 0);
    CHECK_FALSE(has(still, "no sticky verdict"));

    std::string nothing = format_clear(
        parse_json(R"({"ok":true,"devices":1,"changes":[],"still_prohibited_by_policy":false})"),
        mac);
    CHECK(nothing ==
          mac + ": no sticky verdict to lift (1 device with this MAC in the inventory)\n");
}

TEST_CASE("formatters show '-' for missing fields and reject fields of the wrong type", "[ctl]") {
    using Format = std::function<std::string(const JsonValue&)>;
    const std::pair<const char*, Format> formats[] = {
        {"status", [](const JsonValue& r) { return format_status(r); }},
        {"devices",
         [](const JsonValue& r) {
             return format_devices(r, {"", true});
         }},
        {"exceptions", [](const JsonValue& r) { return format_exceptions(r); }},
        {"reload", [](const JsonValue& r) { return format_reload(r); }},
        {"clear", [](const JsonValue& r) { return format_clear(r, "44:47:cc:00:00:11"); }},
        {"failure", [](const JsonValue& r) { return format_failure(r); }},
    };
    for (const auto& [name, format] : formats) {
        INFO(name);
        CHECK_NOTHROW(format(parse_json(R"({"ok":true})")));
        CHECK_NOTHROW(format(parse_json(R"({"ok":true,"version":null,"policy":null})")));
    }

    std::string bare = format_status(parse_json(R"({"ok":true,"policy":{},"ports":[{}]})"));
    CHECK(has(bare, "camfenced -\n"));
    CHECK(has(bare, "policy:   sha256 -, generation -, loaded -, source -"));
    CHECK(has(bare, "-     -     -           -           -\n"));
    CHECK(has(bare, "workers:  -\n"));
    CHECK(has(bare, "devices:  -\n"));
    // A verdict this camfencectl does not know is shown after the known ones.
    CHECK(has(format_status(parse_json(R"({"ok":true,"devices":{"total":1,"quarantined":1}})")),
              "devices:  1 (prohibited 0, excepted 0, unregistered 0, clear 0, quarantined 1), "
              "capacity -, reports lost -\n"));
    std::string device = format_devices(parse_json(R"({"ok":true,"devices":[{}]})"), {});
    CHECK(has(device, "-    -     -        -       -       -    -\n"));
    CHECK(format_reload(parse_json(R"({"ok":true})")) == "reloaded: generation -, sha256 -\n");

    const std::pair<const char*, const char*> wrong[] = {
        {"status", R"({"ok":true,"policy":"x"})"},
        {"status", R"({"ok":true,"uptime_seconds":"long"})"},
        {"status", R"({"ok":true,"uptime_seconds":1.5})"},
        {"status", R"({"ok":true,"ports":{}})"},
        {"status", R"({"ok":true,"ports":[1]})"},
        {"status", R"({"ok":true,"frames":{"drop":"many"}})"},
        {"status", R"({"ok":true,"workers":[{"busy_ratio":"high"}]})"},
        {"devices", R"({"ok":true,"devices":[{"mac":7,"vlan":"ten"}]})"},
        {"devices", R"({"ok":true,"devices":[{"ips":[1]}]})"},
        {"devices", R"({"ok":true,"devices":[{"verdict":"prohibited","evidence":{}}]})"},
        {"exceptions", R"({"ok":true,"exceptions":[{"active":"yes"}]})"},
        {"reload", R"({"ok":true,"warnings":"none"})"},
        {"clear", R"({"ok":true,"still_prohibited_by_policy":1})"},
        {"failure", R"({"ok":false,"errors":[{}]})"},
    };
    for (const auto& [name, reply] : wrong) {
        INFO(name << " " << reply);
        for (const auto& [fname, format] : formats)
            if (std::string(fname) == name) CHECK_THROWS_AS(format(parse_json(reply)), JsonError);
    }
}

TEST_CASE("control characters in reply strings do not break the table", "[ctl]") {
    std::string s = format_exceptions(parse_json(
        R"({"ok":true,"exceptions":[{"mac":"e4:30:22:00:00:33","reason":"two\nlines\u001b[31m"}]})"));
    CHECK(has(s, "two?lines?[31m"));
    CHECK(std::count(s.begin(), s.end(), '\n') == 2);
}
