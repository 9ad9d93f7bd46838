// The small vocabulary shared by the policy, the fast path and the reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace camfence::policy {

enum class Action : std::uint8_t { forward = 0, drop = 1, quarantine = 2 };
inline constexpr int kActionCount = 3;

// What the camera-side device of a frame is, as far as the policy is concerned.
enum class DeviceClass : std::uint8_t {
    prohibited = 0,    // evidence of a prohibited vendor
    excepted = 1,      // prohibited, but covered by an unexpired exception
    unregistered = 2,  // locally administered MAC, or no IEEE registry entry
    clear = 3,         // registered to a vendor that is not prohibited
};
inline constexpr int kDeviceClassCount = 4;

// Rules a policy may hold: the fast path keeps a counter slot per rule in fixed per-lcore
// arrays, so the loader enforces this bound.
inline constexpr std::size_t kMaxRules = 1024;

// Upstream: from the camera side toward a peer. Downstream: from a peer toward the camera side.
enum class Direction : std::uint8_t { upstream = 0, downstream = 1 };

// How much an action keeps a frame from its destination: drop > quarantine > forward. Where
// several answers apply to one frame (several camera VLAN tags, an unreadable peer address),
// the most restrictive one wins.
constexpr int restrictiveness(Action a) {
    return a == Action::drop ? 2 : (a == Action::quarantine ? 1 : 0);
}

constexpr std::string_view to_string(Action a) {
    switch (a) {
        case Action::forward:
            return "forward";
        case Action::drop:
            return "drop";
        case Action::quarantine:
            return "quarantine";
    }
    return "?";
}

constexpr std::string_view to_string(DeviceClass c) {
    switch (c) {
        case DeviceClass::prohibited:
            return "prohibited";
        case DeviceClass::excepted:
            return "excepted";
        case DeviceClass::unregistered:
            return "unregistered";
        case DeviceClass::clear:
            return "clear";
    }
    return "?";
}

constexpr std::string_view to_string(Direction d) {
    return d == Direction::upstream ? "upstream" : "downstream";
}

inline std::optional<Action> parse_action(std::string_view s) {
    if (s == "forward") return Action::forward;
    if (s == "drop") return Action::drop;
    if (s == "quarantine") return Action::quarantine;
    return std::nullopt;
}

inline std::optional<DeviceClass> parse_device_class(std::string_view s) {
    if (s == "prohibited") return DeviceClass::prohibited;
    if (s == "excepted") return DeviceClass::excepted;
    if (s == "unregistered") return DeviceClass::unregistered;
    if (s == "clear") return DeviceClass::clear;
    return std::nullopt;
}

}  // namespace camfence::policy
