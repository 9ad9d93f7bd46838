// load_app_config: every broken config in tests/fixtures/configs/broken is rejected with the
// file:line:column its `# expect:` header names; a valid config is read key by key, with
// relative paths resolved against the config's own directory and defaults for absent keys.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemon/app_config.h"
#include "policy/diagnostic.h"
#include "tests/fixtures/broken_corpus.h"
#include "tests/fixtures/policy_builder.h"
#include "tests/fixtures/temp_files.h"

namespace {

namespace fs = std::filesystem;
namespace d = camfence::daemon;
namespace p = camfence::policy;
namespace t = camfence::test;
using d::PortSide;

std::vector<p::Diagnostic> rejection(const std::string& path) {
    try {
        d::load_app_config(path);
    } catch (const p::PolicyError& e) {
        return e.diagnostics();
    }
    return {};
}

// Writes a config file under `dir`; a failed write fails the test there.
std::string write_config(const t::TempDir& dir, const std::string& name, const std::string& text) {
    std::string path;
    REQUIRE_NOTHROW(path = dir.write(name, text));
    return path;
}

// The documented defaults of the data plane's sizes and of the control (the socket aside) and
// log sections, which config/camfence.yaml states as well.
void check_default_settings(const d::AppConfig& c) {
    CHECK(c.workers == 1);
    CHECK(c.mbufs == 0);
    CHECK(c.rx_descriptors == 1024);
    CHECK(c.tx_descriptors == 1024);
    CHECK(c.device_capacity == 65536);
    CHECK(c.report_ring_size == 4096);
    CHECK(c.socket_group.empty());
    CHECK(c.metrics_enabled);
    CHECK(c.metrics_address == "127.0.0.1");
    CHECK(c.metrics_port == 9720);
    CHECK(c.state_dir == "/var/lib/camfence");
    CHECK(c.persist_interval_ms == 1000);
    CHECK(c.log_stdout);
    CHECK(c.log_file);
}

// The two required ports and the policy: everything else takes its default.
const std::string kMinimal =
    "dataplane:\n"
    "  ports:\n"
    "    - {name: cam0, device: net_af_packet0, side: camera}\n"
    "    - {name: core0, device: net_af_packet1, side: core}\n"
    "policy: policy.yaml\n";

// kMinimal with `lines` (indented two spaces) added to its `dataplane:` section.
std::string with_dataplane(const std::string& lines) {
    const std::string head = "dataplane:\n";
    REQUIRE(kMinimal.rfind(head, 0) == 0);
    return head + lines + kMinimal.substr(head.size());
}

// kMinimal with a `control:` section.
std::string with_control(const std::string& control) {
    return kMinimal + "control: " + control + "\n";
}

}  // namespace

TEST_CASE("every broken config is rejected at the place its header names", "[config]") {
    t::check_broken_corpus(t::kSourceDir + "/tests/fixtures/configs/broken", 60,
                           [](const std::string& path) { d::load_app_config(path); });
}

TEST_CASE("a config file that does not exist is rejected without a place", "[config]") {
    auto diags = rejection(t::kSourceDir + "/tests/fixtures/configs/no-such-config.yaml");
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].line == 0);
    CHECK(diags[0].message == "cannot open file");
}

TEST_CASE("the shipped config/camfence.yaml loads with the values it states", "[config]") {
    const std::string path = t::kSourceDir + "/config/camfence.yaml";
    const d::AppConfig c = d::load_app_config(path);
    CHECK(c.path == path);
    CHECK(c.eal_args ==
          std::vector<std::string>{"--in-memory", "-l", "0-1", "--log-level", "pmd:error"});
    REQUIRE(c.ports.size() == 2);
    CHECK(c.ports[0].name == "cam0");
    CHECK(c.ports[0].device == "net_af_packet0,iface=eth1,qdisc_bypass=0");
    CHECK(c.ports[0].side == PortSide::camera);
    CHECK(c.ports[0].native_vlan == -1);
    CHECK(c.ports[1].name == "core0");
    CHECK(c.ports[1].device == "net_af_packet1,iface=eth2,qdisc_bypass=0");
    CHECK(c.ports[1].side == PortSide::core);
    CHECK(c.port(PortSide::camera) == &c.ports[0]);
    CHECK(c.port(PortSide::core) == &c.ports[1]);
    CHECK(c.port(PortSide::quarantine) == nullptr);
    check_default_settings(c);
    CHECK(c.socket == d::kDefaultSocketPath);
    CHECK(c.policy == "/etc/camfence/policy.yaml");
}

TEST_CASE("every key of a valid config is read, relative paths against its directory", "[config]") {
    t::TempDir dir;
    const std::string path =
        write_config(dir, "etc/camfence.yaml", R"(# every key, none at its default
dataplane:
  eal_args: [--no-huge, -l, "2-5", --file-prefix, lab]
  ports:
    - name: uplink
      device: "0000:03:00.1"
      side: core
    - {name: cams, device: "net_af_packet0,iface=veth-cam", side: camera, native_vlan: 120}
    - {name: jail, device: "net_af_packet1,iface=veth-q", side: quarantine, native_vlan: 4094}
  workers: 16
  mbufs: 16777216
  rx_descriptors: 64
  tx_descriptors: 32768
  device_capacity: 16
  report_ring_size: 1048576
control:
  socket: run/ctl.sock
  socket_group: camfence
  metrics: "[::1]:65535"
  state_dir: ../state
  persist_interval_ms: 3600000
log: {stdout: false, file: False}
policy: policies/site.yaml
)");
    const d::AppConfig c = d::load_app_config(path);
    const fs::path base = dir.path() / "etc";
    CHECK(c.path == path);
    CHECK(c.eal_args == std::vector<std::string>{"--no-huge", "-l", "2-5", "--file-prefix", "lab"});

    struct PortRow {
        std::string name, device;
        PortSide side;
        int native_vlan;
    };
    const std::vector<PortRow> ports = {
        {"uplink", "0000:03:00.1", PortSide::core, -1},
        {"cams", "net_af_packet0,iface=veth-cam", PortSide::camera, 120},
        {"jail", "net_af_packet1,iface=veth-q", PortSide::quarantine, 4094},
    };
    REQUIRE(c.ports.size() == ports.size());
    for (std::size_t i = 0; i < ports.size(); ++i) {
        INFO("port " << ports[i].name);
        CHECK(c.ports[i].name == ports[i].name);
        CHECK(c.ports[i].device == ports[i].device);
        CHECK(c.ports[i].side == ports[i].side);
        CHECK(c.ports[i].native_vlan == ports[i].native_vlan);
    }
    CHECK(c.port(PortSide::camera) == &c.ports[1]);
    CHECK(c.port(PortSide::core) == &c.ports[0]);
    CHECK(c.port(PortSide::quarantine) == &c.ports[2]);
    CHECK(std::string(d::to_string(PortSide::quarantine)) == "quarantine");

    CHECK(c.workers == 16);
    CHECK(c.mbufs == 16777216);
    CHECK(c.rx_descriptors == 64);
    CHECK(c.tx_descriptors == 32768);
    CHECK(c.device_capacity == 16);
    CHECK(c.report_ring_size == 1048576);
    CHECK(c.socket == (base / "run/ctl.sock").string());
    CHECK(c.socket_group == "camfence");
    CHECK(c.metrics_enabled);
    CHECK(c.metrics_address == "[::1]");
    CHECK(c.metrics_port == 65535);
    CHECK(c.state_dir == (dir.path() / "state").string());
    CHECK(c.persist_interval_ms == 3600000);
    CHECK_FALSE(c.log_stdout);
    CHECK_FALSE(c.log_file);
    CHECK(c.policy == (base / "policies/site.yaml").string());
}

TEST_CASE("absent keys take their documented defaults", "[config]") {
    t::TempDir dir;
    const std::string path = write_config(dir, "camfence.yaml", kMinimal);
    const d::AppConfig c = d::load_app_config(path);
    const d::AppConfig defaults;
    CHECK(c.eal_args == std::vector<std::string>{"--in-memory", "-l", "0-1"});
    CHECK(c.eal_args == defaults.eal_args);
    REQUIRE(c.ports.size() == 2);
    CHECK(c.ports[0].native_vlan == -1);
    CHECK(c.ports[1].native_vlan == -1);
    check_default_settings(c);
    CHECK(c.socket == "/run/camfence/control.sock");
    CHECK(c.policy == (dir.path() / "policy.yaml").string());

    SECTION("empty control and log sections are maps with every key absent") {
        const std::string p2 = write_config(dir, "c2.yaml", kMinimal + "control: {}\nlog: {}\n");
        const d::AppConfig c2 = d::load_app_config(p2);
        CHECK(c2.socket == "/run/camfence/control.sock");
        CHECK(c2.metrics_enabled);
        CHECK(c2.state_dir == "/var/lib/camfence");
        CHECK(c2.log_stdout);
        CHECK(c2.log_file);
    }
    SECTION("an empty eal_args list means no extra EAL arguments") {
        const std::string p2 = write_config(dir, "c3.yaml", with_dataplane("  eal_args: []\n"));
        CHECK(d::load_app_config(p2).eal_args.empty());
    }
}

TEST_CASE("metrics: ADDRESS:PORT with an IP literal, [IPv6]:PORT, or off", "[config]") {
    struct Row {
        std::string metrics;  // YAML text of the value
        bool ok;
        bool enabled = true;
        std::string address = "";
        std::uint16_t port = 0;
    };
    const std::vector<Row> rows = {
        {"127.0.0.1:9720", true, true, "127.0.0.1", 9720},
        {"0.0.0.0:1", true, true, "0.0.0.0", 1},
        {"10.1.2.3:65535", true, true, "10.1.2.3", 65535},
        {"\"[::1]:9720\"", true, true, "[::1]", 9720},
        {"\"[2001:db8::7]:80\"", true, true, "[2001:db8::7]", 80},
        {"\"[::]:9100\"", true, true, "[::]", 9100},
        {"off", true, false},
        {"\"off\"", true, false},
        {"127.0.0.1", false},
        {"127.0.0.1:0", false},
        {"127.0.0.1:65536", false},
        {"127.0.0.1:70000", false},
        {"127.0.0.1:99999999999999999999", false},
        {"localhost:9720", false},
        {"metrics.example.org:9720", false},
        {"\"::1:9720\"", false},
        {"\"[::1]\"", false},
        {"\"[::1]:\"", false},
        {"\"[127.0.0.1]:9720\"", false},
        {"\"[zz::1]:9720\"", false},
        {"\":9720\"", false},
        {"127.0.0.1:-1", false},
        {"127.0.0.1:+80", false},
        {"\"127.0.0.1:80 \"", false},
        {"\"127.0.0.1: 80\"", false},
        {"256.0.0.1:80", false},
        {"Off", false},
        {"\"\"", false},
    };
    t::TempDir dir;
    for (const auto& row : rows) {
        INFO("metrics: " << row.metrics);
        const std::string path =
            write_config(dir, "metrics.yaml", with_control("{metrics: " + row.metrics + "}"));
        if (!row.ok) {
            auto diags = rejection(path);
            INFO(t::list(diags));
            REQUIRE(diags.size() == 1);
            CHECK(diags[0].message.find("metrics must be ADDRESS:PORT") != std::string::npos);
            CHECK(diags[0].line == 6);
            CHECK(diags[0].column == 20);
            continue;
        }
        d::AppConfig c;
        REQUIRE_NOTHROW(c = d::load_app_config(path));
        CHECK(c.metrics_enabled == row.enabled);
        if (row.enabled) {
            CHECK(c.metrics_address == row.address);
            CHECK(c.metrics_port == row.port);
        }
    }
}

TEST_CASE("the control socket path fits a sockaddr_un after resolution", "[config]") {
    t::TempDir dir;
    const std::string cfg = (dir.path() / "camfence.yaml").string();
    auto write_socket = [&](const std::string& socket) {
        write_config(dir, "camfence.yaml", with_control("{socket: " + socket + "}"));
    };
    SECTION("107 bytes absolute: the longest path a Unix socket takes") {
        const std::string sock = "/run/" + std::string(97, 's') + ".sock";
        REQUIRE(sock.size() == 107);
        write_socket(sock);
        CHECK(d::load_app_config(cfg).socket == sock);
    }
    SECTION("108 bytes absolute is one too many") {
        const std::string sock = "/run/" + std::string(98, 's') + ".sock";
        write_socket(sock);
        auto diags = rejection(cfg);
        INFO(t::list(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].line == 6);
        CHECK(diags[0].column == 19);
        CHECK(diags[0].message.find("longer than a Unix socket allows") != std::string::npos);
    }
    SECTION("a relative path is measured once resolved against the config's directory") {
        const std::size_t dir_len = dir.path().string().size() + 1;  // with the '/'
        REQUIRE(dir_len < 100);
        const std::string fits(107 - dir_len, 'r');
        write_socket(fits);
        CHECK(d::load_app_config(cfg).socket == (dir.path() / fits).string());
        const std::string too_long(108 - dir_len, 'r');
        write_socket(too_long);
        auto diags = rejection(cfg);
        INFO(t::list(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].message.find("longer than a Unix socket allows") != std::string::npos);
    }
}

TEST_CASE("report_ring_size: every power of two in range, nothing else", "[config]") {
    t::TempDir dir;
    auto write_ring_size = [&](unsigned n) {
        return write_config(dir, "ring.yaml",
                            with_dataplane("  report_ring_size: " + std::to_string(n) + "\n"));
    };
    for (unsigned n : {64u, 128u, 4096u, 65536u, 1u << 20}) {
        INFO(n);
        CHECK(d::load_app_config(write_ring_size(n)).report_ring_size == n);
    }
    for (unsigned n : {65u, 96u, 100u, 4095u, 4097u, 6144u, (1u << 20) - 1}) {
        INFO(n);
        auto diags = rejection(write_ring_size(n));
        INFO(t::list(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].message == "report_ring_size must be a power of two");
        CHECK(diags[0].line == 2);
        CHECK(diags[0].column == 21);
    }
}

TEST_CASE("a config is taken whole or not at all: every problem in one rejection", "[config]") {
    t::TempDir dir;
    const std::string path = write_config(dir, "camfence.yaml", R"(dataplane:
  workers: 99
  ports:
    - {name: cam0, device: net_af_packet0, side: camera, native_vlan: 0}
    - {name: core0, device: net_af_packet1, side: core}
control: {socket: "", state_dir: "", metrics: "localhost:1"}
log: {file: 1}
policy: ""
)");
    auto diags = rejection(path);
    INFO(t::list(diags));
    REQUIRE(diags.size() == 7);
    for (const auto& diag : diags)
        CHECK(diag.file == path);
    std::vector<std::string> places;
    for (const auto& diag : diags)
        places.push_back(std::to_string(diag.line) + ":" + std::to_string(diag.column));
    std::sort(places.begin(), places.end());
    CHECK(places ==
          std::vector<std::string>{"2:12", "4:71", "6:19", "6:34", "6:47", "7:13", "8:9"});
}
