// What the workers read, and how the control plane replaces it: one immutable DataplaneState
// (policy snapshot, device table, counter bank) behind one atomic pointer, swapped by the
// control plane and freed after an RCU grace period (rte_rcu_qsbr: each worker reports a
// quiescent state once per loop, between bursts).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/classify/device_table.h"
#include "policy/snapshot.h"

struct rte_rcu_qsbr;

namespace camfence::dataplane {

struct DataplaneState {
    std::shared_ptr<const policy::PolicySnapshot> policy;
    std::shared_ptr<const DeviceTable> devices;  // may be null
    // Workers count into WorkerContext::counters[bank]. A policy reload switches banks, so
    // once the grace period is over the old bank holds exactly the old policy's counts.
    unsigned bank = 0;
    std::uint64_t generation = 0;  // policy generation: 1 for the first policy loaded
};

class StatePublisher {
  public:
    // Needs EAL (the QSBR variable lives in DPDK memory). Throws std::runtime_error.
    explicit StatePublisher(unsigned max_workers);
    // Frees the current state without a grace period: stop the workers first.
    ~StatePublisher();
    StatePublisher(const StatePublisher&) = delete;
    StatePublisher& operator=(const StatePublisher&) = delete;

    rte_rcu_qsbr* rcu() const { return rcu_; }
    std::atomic<const DataplaneState*>* slot() { return &slot_; }
    const DataplaneState* current() const { return current_.get(); }

    // Publishes `next` and returns once no worker can still hold the previous state, which
    // is then freed. Workers that are offline (not started, or stopped) are not waited for.
    void publish(std::unique_ptr<const DataplaneState> next);

  private:
    rte_rcu_qsbr* rcu_ = nullptr;
    std::atomic<const DataplaneState*> slot_{nullptr};
    std::unique_ptr<const DataplaneState> current_;
};

}  // namespace camfence::dataplane
