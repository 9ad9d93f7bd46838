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
#include "daemon/json_writer.h"
#include "policy/snapshot.h"

namespace camfence::daemon {

inline constexpr std::size_t kMaxIpsPerDevice = 8;
inline constexpr std::size_t kMaxProtocolEvidence = 16;

// One protocol observation that matched a catalog signature.
struct ProtocolEvidence {
    std::string vendor;  // the catalog vendor the signature names
    std::string protocol, field, value;
    policy::Strength strength = policy::Strength::weak;
    std::string signature;    // Signature::describe()
    std::string source;       // where the signature is documented
    std::int64_t time = 0;    // unix seconds of the frame
    std::uint64_t frame = 0;  // frame number in an audited capture (0 live)
};

// A protocol observation as the fingerprint parsers report it.
struct SeenField {
    std::string protocol, field, value;
};

// The evidence model: which vendor the protocol evidence proves, if any. One strong
// signal, or medium signals from two different protocols, for the same vendor family;
// weak signals are kept but never decide. Returns the catalog vendor id, or "".
std::string decisive_vendor(const std::vector<ProtocolEvidence>& evidence,
                            const policy::PolicySnapshot& snapshot);

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
    std::vector<ProtocolEvidence> protocol_evidence;  // bounded, one per distinct match
    std::string protocol_vendor;          // what the protocol evidence proves (decisive_vendor)
    bool white_label_suspect = false;     // protocol evidence names another vendor than the OUI
    std::string model, serial, firmware;  // as discovery replies (SADP, DHIP) state them
    // Seen first on the current address of a prohibited device (that device's MAC, and the
    // address): a suspect, not blocked for it.
    std::string address_of, address_ip;

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

    // The device uses `ip` now (ARP): it becomes its current address (last in `ips`).
    // Creates the device if new (its change appended to `changes`). True if its current
    // address changed (IPv4 bindings of the fast path must follow).
    bool note_address(std::uint64_t mac, std::uint16_t vlan, std::int64_t time,
                      const std::string& ip, const policy::PolicySnapshot& snapshot,
                      std::vector<VerdictChange>& changes);

    // What a frame from (or to) the device said about it: observations matched against the
    // catalog's signatures become evidence; model, serial and firmware are recorded. Creates
    // the device if new (unless full). Returns its verdict change, if any; sets
    // `new_suspect` when this frame made it a white-label or spoofing suspect.
    std::optional<VerdictChange> observe_protocol(std::uint64_t mac, std::uint16_t vlan,
                                                  std::int64_t time, std::uint64_t frame,
                                                  const std::vector<SeenField>& seen,
                                                  const policy::PolicySnapshot& snapshot,
                                                  bool& new_suspect);

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

// "dahua, strong: dhip method equals \"...\" (source)": a protocol evidence entry for people.
std::string describe(const ProtocolEvidence& e);

// The "evidence" array of a device as operators see it (control socket, event log): the
// registry and exception entries, then the protocol evidence, each {signal, value, detail}
// (protocol entries with their time when `with_time`).
void write_evidence(JsonWriter& w, const Device& d, bool with_time);

}  // namespace camfence::daemon
