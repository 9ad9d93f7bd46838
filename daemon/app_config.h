// The appliance configuration (/etc/camfence/camfence.yaml): ports, lcores, EAL arguments,
// control socket, metrics listener, state directory and the policy file. Read strictly, like
// a policy: every problem is reported with file:line:column and the file is taken whole or
// not at all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/diagnostic.h"

namespace camfence::daemon {

enum class PortSide : std::uint8_t { camera, core, quarantine };
const char* to_string(PortSide side);

struct PortConfig {
    std::string name;    // operator's name: metrics label, status output
    std::string device;  // vdev devargs ("net_af_packet0,iface=c1") or a PCI address
    PortSide side = PortSide::camera;
    // Untagged frames received on this port count as this VLAN (an access port); -1: none,
    // untagged frames are VLAN 0 as the policy's camera_vlans see them.
    int native_vlan = -1;
};

struct AppConfig {
    std::string path;  // the file it was read from

    // dataplane
    std::vector<std::string> eal_args{"--in-memory", "-l", "0-1"};
    std::vector<PortConfig> ports;
    unsigned workers = 1;
    unsigned mbufs = 0;  // 0: sized from ports, workers and descriptors
    unsigned rx_descriptors = 1024;
    unsigned tx_descriptors = 1024;
    unsigned device_capacity = 65536;  // devices the inventory and the fast-path table hold
    unsigned report_ring_size = 4096;  // new-device reports from workers to the control plane
    unsigned punt_per_second = 2000;   // fingerprint copies per worker per second
    unsigned punt_per_device = 20;     // fingerprint copies per device per second (per worker)

    // control
    std::string socket = "/run/camfence/control.sock";
    std::string socket_group;  // if set, members may use the socket too (mode 0660)
    std::string metrics_address = "127.0.0.1";
    std::uint16_t metrics_port = 9720;
    bool metrics_enabled = true;
    std::string state_dir = "/var/lib/camfence";
    unsigned persist_interval_ms = 1000;

    // log
    bool log_stdout = true;  // JSON event lines on stdout (journald)
    bool log_file = true;    // and appended to <state_dir>/events.jsonl

    std::string policy;  // resolved against the config file's directory

    const PortConfig* port(PortSide side) const;
};

inline constexpr const char* kDefaultConfigPath = "/etc/camfence/camfence.yaml";
inline constexpr const char* kDefaultSocketPath = "/run/camfence/control.sock";

// Throws policy::PolicyError with every problem found.
AppConfig load_app_config(const std::string& path);

}  // namespace camfence::daemon
