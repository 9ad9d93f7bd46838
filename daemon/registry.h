// The device inventory: every camera-side device seen, keyed by (VLAN, MAC), with what the
// policy in force says of it, the evidence, and the registry's own verdict memory: once a
// device is judged prohibited the verdict is sticky, only an operator's `clear` lifts it.
// Pure C++ and single-threaded: the control plane owns it; the fast path sees it through
// the DeviceTable it is compiled into.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/evidence.h"
#include "policy/snapshot.h"

namespace camfence::daemon {

inline constexpr std::size_t kMaxIpsPerDevice = 8;

struct Device {
    std::uint64_t mac = 0;
    std::uint16_t vlan = 0;
    std::int64_t first_seen = 0;  // unix seconds
    std::int64_t last_seen = 0;
    std::vector<std::string> ips;  // addresses it used, oldest first
    std::string vendor;            // catalog vendor id, empty if none
    std::string organization;      // IEEE registry organization, empty if none
    policy::DeviceClass policy_class = policy::DeviceClass::unregistered;  // by the policy in force
    bool sticky = false;                                                   // judged prohibited once
    std::int64_t sticky_since = 0;
    std::vector<PolicyEvidence> evidence;

    // What the appliance enforces: the policy's class, or prohibited while the sticky
    // verdict stands (an exception in the policy still wins).
    policy::DeviceClass verdict() const {
        return sticky && policy_class != policy::DeviceClass::excepted
                   ? policy::DeviceClass::prohibited
                   : policy_class;
    }
};

struct VerdictChange {
    std::uint64_t mac;
    std::uint16_t vlan;
    std::optional<policy::DeviceClass> from;  // none: a new device
    policy::DeviceClass to;
    std::string reason;  // "first seen", "policy reload", "cleared by operator", ...
};

class DeviceRegistry {
  public:
    explicit DeviceRegistry(std::size_t capacity) : capacity_(capacity) {}

    // A device a worker reported (or seen again). Returns its verdict change if it is new
    // or its verdict changed; nullopt otherwise or if the registry is full (see refused()).
    std::optional<VerdictChange> observe(std::uint64_t mac, std::uint16_t vlan, std::int64_t time,
                                         const std::string& ip,
                                         const policy::PolicySnapshot& snapshot);

    // Re-judges every device by a new policy (or at an exception's expiry).
    std::vector<VerdictChange> reevaluate(const policy::PolicySnapshot& snapshot,
                                          const std::string& reason);

    // Lifts the sticky verdict of `mac` on every VLAN (or only `vlan`). Returns the changes;
    // sets `found` to the number of devices with that MAC.
    std::vector<VerdictChange> clear(std::uint64_t mac, std::optional<std::uint16_t> vlan,
                                     std::size_t& found);

    void touch(std::uint64_t mac, std::uint16_t vlan, std::int64_t last_seen);

    // Key: (VLAN << 48) | MAC, the fast path's device_key.
    const std::map<std::uint64_t, Device>& devices() const { return devices_; }
    std::size_t size() const { return devices_.size(); }
    std::size_t capacity() const { return capacity_; }
    std::uint64_t refused() const { return refused_; }

    // The persisted form (JSON) and back. from_json throws std::runtime_error naming the
    // problem; nothing is half-restored.
    std::string to_json(std::int64_t saved_at) const;
    static DeviceRegistry from_json(const std::string& text, std::size_t capacity);

  private:
    void judge(Device& d, const policy::PolicySnapshot& snapshot, std::int64_t now);

    std::size_t capacity_;
    std::uint64_t refused_ = 0;
    std::map<std::uint64_t, Device> devices_;
};

std::optional<policy::DeviceClass> parse_device_class(std::string_view text);

}  // namespace camfence::daemon
