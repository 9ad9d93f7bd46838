// load_app_config: every broken config in tests/fixtures/configs/broken is rejected with the
// file:line:column its `# expect:` header names; a valid config is read key by key, with
// relative paths resolved against the config's own directory and defaults for absent keys.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/app_config.h"
#include "policy/diagnostic.h"
#include "tests/fixtures/policy_builder.h"

namespace {

namespace fs = std::filesystem;
namespace d = camfence::daemon;
namespace p = camfence::policy;
namespace t = camfence::test;
using d::PortSide;

struct Expectation {
    int line = 0;
    int column = 0;
    std::string text;
};

// "# expect: 12:5: unknown key 'x'" lines at the top of a corpus file.
std::vector<Expectation> read_expectations(const fs::path& file) {
    std::ifstream in(file);
    std::vector<Expectation> out;
    std::string line;
    const std::string tag = "# expect: ";
    while (std::getline(in, line) && line.rfind(tag, 0) == 0) {
        std::istringstream rest(line.substr(tag.size()));
        Expectation e;
        char colon1 = 0, colon2 = 0;
        rest >> e.line >> colon1 >> e.column >> colon2;
        if (!rest || colon1 != ':' || colon2 != ':')
            FAIL(file.filename().string() << ": malformed expectation line: " << line);
        std::getline(rest >> std::ws, e.text);
        out.push_back(e);
    }
    return out;
}

std::string list(const std::vector<p::Diagnostic>& diags) {
    std::string out;
    for (const auto& d : diags)
        out += "  " + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message +
               "\n";
    return out;
}

std::vector<p::Diagnostic> rejection(const std::string& path) {
    try {
        d::load_app_config(path);
    } catch (const p::PolicyError& e) {
        return e.diagnostics();
    }
    return {};
}

// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        static std::atomic<unsigned> counter{0};
        path_ = fs::temp_directory_path() / ("camfence-config-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    std::string write(const std::string& name, const std::string& text) const {
        const fs::path file = path_ / name;
        fs::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary);
        out << text;
        REQUIRE(out);
        return file.string();
    }

  private:
    fs::path path_;
};

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
    const fs::path dir = t::kSourceDir + "/tests/fixtures/configs/broken";
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    // Guards against a moved or emptied corpus passing vacuously.
    REQUIRE(files.size() >= 60);

    for (const auto& file : files) {
        INFO(file.filename().string());
        const auto expected = read_expectations(file);
        REQUIRE_FALSE(expected.empty());

        std::vector<p::Diagnostic> diags;
        bool threw = false;
        try {
            d::load_app_config(file.string());
        } catch (const p::PolicyError& e) {
            threw = true;
            diags = e.diagnostics();
            for (const auto& diag : diags)
                CHECK(std::string(e.what()).find(diag.message) != std::string::npos);
        }
        REQUIRE(threw);
        INFO("diagnostics:\n" << list(diags));
        // One diagnostic per problem: no cascades, nothing unexpected.
        CHECK(diags.size() == expected.size());
        for (const auto& e : expected) {
            INFO("expected " << e.line << ":" << e.column << ": " << e.text);
            auto match = std::find_if(diags.begin(), diags.end(), [&](const p::Diagnostic& diag) {
                return diag.line == e.line && diag.column == e.column &&
                       diag.message.find(e.text) != std::string::npos;
            });
            CHECK(match != diags.end());
            if (match != diags.end()) CHECK(match->file == file.string());
        }
    }
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
    CHECK(c.workers == 1);
    CHECK(c.mbufs == 0);
    CHECK(c.rx_descriptors == 1024);
    CHECK(c.tx_descriptors == 1024);
    CHECK(c.device_capacity == 65536);
    CHECK(c.report_ring_size == 4096);
    CHECK(c.socket == d::kDefaultSocketPath);
    CHECK(c.socket_group.empty());
    CHECK(c.metrics_enabled);
    CHECK(c.metrics_address == "127.0.0.1");
    CHECK(c.metrics_port == 9720);
    CHECK(c.state_dir == "/var/lib/camfence");
    CHECK(c.persist_interval_ms == 1000);
    CHECK(c.log_stdout);
    CHECK(c.log_file);
    CHECK(c.policy == "/etc/camfence/policy.yaml");
}

TEST_CASE("every key of a valid config is read, relative paths against its directory", "[config]") {
    TempDir dir;
    const std::string path = dir.write("etc/camfence.yaml", R"(# every key, none at its default
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
    TempDir dir;
    const std::string path = dir.write("camfence.yaml", kMinimal);
    const d::AppConfig c = d::load_app_config(path);
    const d::AppConfig defaults;
    CHECK(c.eal_args == std::vector<std::string>{"--in-memory", "-l", "0-1"});
    CHECK(c.eal_args == defaults.eal_args);
    REQUIRE(c.ports.size() == 2);
    CHECK(c.ports[0].native_vlan == -1);
    CHECK(c.ports[1].native_vlan == -1);
    CHECK(c.workers == 1);
    CHECK(c.mbufs == 0);
    CHECK(c.rx_descriptors == 1024);
    CHECK(c.tx_descriptors == 1024);
    CHECK(c.device_capacity == 65536);
    CHECK(c.report_ring_size == 4096);
    CHECK(c.socket == "/run/camfence/control.sock");
    CHECK(c.socket_group.empty());
    CHECK(c.metrics_enabled);
    CHECK(c.metrics_address == "127.0.0.1");
    CHECK(c.metrics_port == 9720);
    CHECK(c.state_dir == "/var/lib/camfence");
    CHECK(c.persist_interval_ms == 1000);
    CHECK(c.log_stdout);
    CHECK(c.log_file);
    CHECK(c.policy == (dir.path() / "policy.yaml").string());

    SECTION("empty control and log sections are maps with every key absent") {
        const std::string p2 = dir.write("c2.yaml", kMinimal + "control: {}\nlog: {}\n");
        const d::AppConfig c2 = d::load_app_config(p2);
        CHECK(c2.socket == "/run/camfence/control.sock");
        CHECK(c2.metrics_enabled);
        CHECK(c2.state_dir == "/var/lib/camfence");
        CHECK(c2.log_stdout);
        CHECK(c2.log_file);
    }
    SECTION("an empty eal_args list means no extra EAL arguments") {
        const std::string p2 = dir.write("c3.yaml", with_dataplane("  eal_args: []\n"));
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
    TempDir dir;
    for (const auto& row : rows) {
        INFO("metrics: " << row.metrics);
        const std::string path =
            dir.write("metrics.yaml", with_control("{metrics: " + row.metrics + "}"));
        if (!row.ok) {
            auto diags = rejection(path);
            INFO(list(diags));
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
    TempDir dir;
    const std::string cfg = (dir.path() / "camfence.yaml").string();
    SECTION("107 bytes absolute: the longest path a Unix socket takes") {
        const std::string sock = "/run/" + std::string(97, 's') + ".sock";
        REQUIRE(sock.size() == 107);
        dir.write("camfence.yaml", with_control("{socket: " + sock + "}"));
        CHECK(d::load_app_config(cfg).socket == sock);
    }
    SECTION("108 bytes absolute is one too many") {
        const std::string sock = "/run/" + std::string(98, 's') + ".sock";
        dir.write("camfence.yaml", with_control("{socket: " + sock + "}"));
        auto diags = rejection(cfg);
        INFO(list(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].line == 6);
        CHECK(diags[0].column == 19);
        CHECK(diags[0].message.find("longer than a Unix socket allows") != std::string::npos);
    }
    SECTION("a relative path is measured once resolved against the config's directory") {
        const std::size_t dir_len = dir.path().string().size() + 1;  // with the '/'
        REQUIRE(dir_len < 100);
        const std::string fits(107 - dir_len, 'r');
        dir.write("camfence.yaml", with_control("{socket: " + fits + "}"));
        CHECK(d::load_app_config(cfg).socket == (dir.path() / fits).string());
        const std::string too_long(108 - dir_len, 'r');
        dir.write("camfence.yaml", with_control("{socket: " + too_long + "}"));
        auto diags = rejection(cfg);
        INFO(list(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].message.find("longer than a Unix socket allows") != std::string::npos);
    }
}

TEST_CASE("report_ring_size: every power of two in range, nothing else", "[config]") {
    TempDir dir;
    for (unsigned n : {64u, 128u, 4096u, 65536u, 1u << 20}) {
        INFO(n);
        const std::string path = dir.write(
            "ring.yaml", with_dataplane("  report_ring_size: " + std::to_string(n) + "\n"));
        CHECK(d::load_app_config(path).report_ring_size == n);
    }
    for (unsigned n : {65u, 96u, 100u, 4095u, 4097u, 6144u, (1u << 20) - 1}) {
        INFO(n);
        const std::string path = dir.write(
            "ring.yaml", with_dataplane("  report_ring_size: " + std::to_string(n) + "\n"));
        auto diags = rejection(path);
        INFO(list(diags));
        REQUIRE(diags.size() == 1);
        CHECK(diags[0].message == "report_ring_size must be a power of two");
        CHECK(diags[0].line == 2);
        CHECK(diags[0].column == 21);
    }
}

TEST_CASE("a config is taken whole or not at all: every problem in one rejection", "[config]") {
    TempDir dir;
    const std::string path = dir.write("camfence.yaml", R"(dataplane:
  workers: 99
  ports:
    - {name: cam0, device: net_af_packet0, side: camera, native_vlan: 0}
    - {name: core0, device: net_af_packet1, side: core}
control: {socket: "", state_dir: "", metrics: "localhost:1"}
log: {file: 1}
policy: ""
)");
    auto diags = rejection(path);
    INFO(list(diags));
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
