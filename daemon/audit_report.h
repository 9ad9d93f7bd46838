// What an offline audit found: per-device ledger and the JSON report / text summary.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/registry.h"
#include "dataplane/classify/classifier.h"
#include "dataplane/io/counters.h"
#include "policy/snapshot.h"

namespace camfence::daemon {

struct Evidence {
    std::string signal;  // "oui", "exception", "registry"
    std::string value;
    std::uint64_t frame;  // 1-based frame number in the capture
    std::string detail;
};

struct AuditDevice {
    std::uint64_t mac;
    std::uint16_t vlan;
    dataplane::FrameVerdict first;  // verdict of the first frame that named it
    policy::DeviceClass last_class = policy::DeviceClass::clear;  // of the last frame: final
    // From protocol fingerprints (the audit's own device registry).
    std::string model, serial, firmware;
    std::string protocol_vendor;
    bool white_label_suspect = false;
    std::set<std::string> ips;
    std::vector<Evidence> evidence;
    std::uint64_t first_frame = 0;
    std::uint64_t last_frame = 0;
    std::uint64_t frames[policy::kActionCount] = {};
    // What happened to its traffic per peer zone (kNoZone, kUnknownZone included).
    std::map<std::uint16_t, std::array<std::uint64_t, policy::kActionCount>> by_zone;
};

class AuditReport {
  public:
    AuditReport(const policy::PolicySnapshot& snapshot, std::string policy_path,
                std::string input_path);

    void record(const dataplane::ParsedFrame& f, const dataplane::FrameVerdict& v,
                std::uint32_t bytes);
    void finish(const dataplane::WorkerCounters& counters, bool input_truncated);
    // Protocol evidence found during the run: into the devices' evidence lists.
    void add_protocol_findings(const DeviceRegistry& registry);

    std::string json() const;
    std::string summary() const;
    std::uint64_t frames() const { return frame_no_; }
    // Frames dropped by the policy: every drop but the malformed ones, which have a total of
    // their own, so that forward + drop + quarantine + malformed = frames.
    std::uint64_t policy_drops() const;
    // Frames of prohibited devices forwarded, by the peer zone's name (non-zero only).
    std::vector<std::pair<std::string, std::uint64_t>> policy_gaps() const;

  private:
    const policy::PolicySnapshot& snap_;
    std::string policy_path_;
    std::string input_path_;
    std::uint64_t frame_no_ = 0;
    std::map<std::pair<std::uint16_t, std::uint64_t>, AuditDevice> devices_;
    dataplane::WorkerCounters counters_{};
    bool input_truncated_ = false;
};

}  // namespace camfence::daemon
