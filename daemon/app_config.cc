#include "daemon/app_config.h"

#include <arpa/inet.h>

#include <set>

#include "policy/yaml_strict.h"

namespace camfence::daemon {

using policy::PolicyError;
using policy::YamlReader;

const char* to_string(PortSide side) {
    switch (side) {
        case PortSide::camera:
            return "camera";
        case PortSide::core:
            return "core";
        case PortSide::quarantine:
            return "quarantine";
    }
    return "?";
}

const PortConfig* AppConfig::port(PortSide side) const {
    for (const auto& p : ports)
        if (p.side == side) return &p;
    return nullptr;
}

namespace {

constexpr unsigned kMaxWorkers = 16;

// "HOST:PORT" with an IPv4 address, or "[IPv6]:PORT".
bool parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size()) return false;
    std::string h = text.substr(0, colon);
    std::string p = text.substr(colon + 1);
    unsigned long n = 0;
    for (char c : p) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<unsigned long>(c - '0');
        if (n > 65535) return false;
    }
    if (n == 0) return false;
    unsigned char buf[16];
    if (h.size() > 2 && h.front() == '[' && h.back() == ']') {
        if (inet_pton(AF_INET6, h.substr(1, h.size() - 2).c_str(), buf) != 1) return false;
    } else if (inet_pton(AF_INET, h.c_str(), buf) != 1) {
        return false;
    }
    host = h;
    port = static_cast<std::uint16_t>(n);
    return true;
}

void read_ports(YamlReader& r, const YAML::Node& list, AppConfig& c) {
    if (!r.expect_sequence(list, "'ports'")) return;
    std::set<std::string> names, devices;
    int camera = 0, core = 0, quarantine = 0;
    for (const YAML::Node& n : list) {
        if (!r.expect_map(n, "a port", {"name", "device", "side", "native_vlan"})) continue;
        PortConfig p;
        p.name = r.string(n, "name", true).value_or("");
        p.device = r.string(n, "device", true).value_or("");
        if (n["name"].IsDefined() && n["name"].IsScalar()) {
            if (p.name.empty())
                r.error(n["name"], "port name is empty");
            else if (!names.insert(p.name).second)
                r.error(n["name"], "duplicate port name '" + p.name + "'");
        }
        if (n["device"].IsDefined() && n["device"].IsScalar()) {
            std::string dev = p.device.substr(0, p.device.find(','));
            if (p.device.empty())
                r.error(n["device"], "port device is empty");
            else if (!devices.insert(dev).second)
                r.error(n["device"], "device '" + dev + "' is used by two ports");
        }
        if (auto side = r.string(n, "side", true)) {
            if (*side == "camera") {
                p.side = PortSide::camera;
                ++camera;
            } else if (*side == "core") {
                p.side = PortSide::core;
                ++core;
            } else if (*side == "quarantine") {
                p.side = PortSide::quarantine;
                ++quarantine;
            } else {
                r.error(n["side"], "side must be camera, core or quarantine, not '" + *side + "'");
            }
        }
        if (auto v = r.integer(n, "native_vlan", false, 1, 4094))
            p.native_vlan = static_cast<int>(*v);
        c.ports.push_back(std::move(p));
    }
    if (camera != 1 || core != 1)
        r.error(list, "ports: need exactly one camera-side and one core-side port (found " +
                          std::to_string(camera) + " camera, " + std::to_string(core) + " core)");
    if (quarantine > 1) r.error(list, "ports: at most one quarantine port");
}

}  // namespace

AppConfig load_app_config(const std::string& path) {
    std::vector<policy::Diagnostic> diags;
    YamlReader r(path, diags);
    AppConfig c;
    c.path = path;
    auto root = r.load();
    if (!root) throw PolicyError(diags);
    try {
        const YAML::Node& doc = *root;
        if (!r.expect_map(doc, "the appliance config", {"dataplane", "control", "log", "policy"}))
            throw PolicyError(diags);

        if (const YAML::Node& d = doc["dataplane"]; !d.IsDefined()) {
            r.error(doc, "missing required key 'dataplane'");
        } else if (r.expect_map(d, "'dataplane'",
                                {"eal_args", "ports", "workers", "mbufs", "rx_descriptors",
                                 "tx_descriptors", "device_capacity", "report_ring_size",
                                 "punt_per_second", "punt_per_device"})) {
            if (d["eal_args"].IsDefined()) {
                if (auto args = r.string_list(d, "eal_args", false)) {
                    c.eal_args.clear();
                    for (auto& [a, mark] : *args)
                        c.eal_args.push_back(a);
                }
            }
            if (const YAML::Node& ports = d["ports"]; ports.IsDefined())
                read_ports(r, ports, c);
            else
                r.error(d, "missing required key 'ports'");
            auto u = [&](const char* key, unsigned& slot, std::int64_t lo, std::int64_t hi) {
                if (auto v = r.integer(d, key, false, lo, hi)) slot = static_cast<unsigned>(*v);
            };
            u("workers", c.workers, 1, kMaxWorkers);
            u("mbufs", c.mbufs, 1024, 16 * 1024 * 1024);
            u("rx_descriptors", c.rx_descriptors, 64, 32768);
            u("tx_descriptors", c.tx_descriptors, 64, 32768);
            u("device_capacity", c.device_capacity, 16, 4 * 1024 * 1024);
            u("report_ring_size", c.report_ring_size, 64, 1 << 20);
            u("punt_per_second", c.punt_per_second, 0, 1000000);
            u("punt_per_device", c.punt_per_device, 0, 100000);
            if (c.report_ring_size & (c.report_ring_size - 1))
                r.error(d["report_ring_size"], "report_ring_size must be a power of two");
        }

        if (const YAML::Node& ctl = doc["control"]; ctl.IsDefined()) {
            if (r.expect_map(
                    ctl, "'control'",
                    {"socket", "socket_group", "metrics", "state_dir", "persist_interval_ms"})) {
                c.socket = r.string(ctl, "socket", false).value_or(c.socket);
                c.socket_group = r.string(ctl, "socket_group", false).value_or("");
                if (auto m = r.string(ctl, "metrics", false)) {
                    if (*m == "off") {
                        c.metrics_enabled = false;
                    } else if (!parse_listen(*m, c.metrics_address, c.metrics_port)) {
                        r.error(ctl["metrics"],
                                "metrics must be ADDRESS:PORT (127.0.0.1:9720, "
                                "[::1]:9720) or off, not '" +
                                    *m + "'");
                    }
                }
                c.state_dir = r.string(ctl, "state_dir", false).value_or(c.state_dir);
                if (auto v = r.integer(ctl, "persist_interval_ms", false, 100, 3600 * 1000))
                    c.persist_interval_ms = static_cast<unsigned>(*v);
                if (c.socket.empty()) r.error(ctl["socket"], "socket path is empty");
                if (c.state_dir.empty()) r.error(ctl["state_dir"], "state_dir is empty");
                if (policy::resolve_relative(path, c.socket).size() >= 108)
                    r.error(ctl["socket"], "socket path is longer than a Unix socket allows (107)");
            }
        }
        if (c.socket.rfind('/', 0) != 0) c.socket = policy::resolve_relative(path, c.socket);
        c.state_dir = policy::resolve_relative(path, c.state_dir);

        if (const YAML::Node& log = doc["log"]; log.IsDefined()) {
            if (r.expect_map(log, "'log'", {"stdout", "file"})) {
                c.log_stdout = r.boolean(log, "stdout", false).value_or(true);
                c.log_file = r.boolean(log, "file", false).value_or(true);
            }
        }

        if (auto p = r.string(doc, "policy", true)) {
            if (p->empty())
                r.error(doc["policy"], "policy path is empty");
            else
                c.policy = policy::resolve_relative(path, *p);
        }
    } catch (const YAML::Exception& e) {
        throw policy::unexpected_structure(path, e);
    }
    if (!diags.empty()) throw PolicyError(diags);
    return c;
}

}  // namespace camfence::daemon
