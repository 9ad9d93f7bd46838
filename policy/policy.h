// The site policy as written in policy.yaml, after validation and before compilation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/ip_prefix.h"
#include "policy/mac_address.h"
#include "policy/types.h"
#include "policy/vlan_set.h"

namespace camfence::policy {

struct Zone {
    std::string name;
    std::vector<IpPrefix> prefixes;
};

enum class ZoneMatch : std::uint8_t { any, none, named };

struct Rule {
    std::string name;
    std::optional<DeviceClass> device;  // nullopt = any
    ZoneMatch zone_match = ZoneMatch::any;
    std::size_t zone = 0;                // index into Policy::zones when zone_match == named
    std::optional<VlanSet> vlans;        // nullopt = every camera VLAN
    std::optional<Direction> direction;  // nullopt = both
    Action action = Action::forward;
    int line = 0;  // where it was written, for messages
};

struct Exception {
    MacAddress mac;
    std::int64_t until_day = 0;  // days since 1970-01-01; valid through the end of that UTC day
    std::string until_text;
    std::string reason;
};

struct Policy {
    std::string path;
    std::string sha256;  // of the file's bytes
    std::string site_name;
    bool sensitive = false;
    std::string catalog_path;  // resolved (absolute or relative to the policy file)
    std::string registry_dir;  // ieee-data directory
    bool prohibit_all = false;
    std::vector<std::string> prohibited;  // catalog ids as written
    VlanSet camera_vlans;
    std::optional<std::uint16_t> quarantine_vlan;
    std::vector<Zone> zones;
    std::vector<Rule> rules;
    Action default_action = Action::forward;
    std::vector<Exception> exceptions;
};

}  // namespace camfence::policy
