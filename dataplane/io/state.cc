#include "dataplane/io/state.h"

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <stdexcept>
#include <string>

namespace camfence::dataplane {

StatePublisher::StatePublisher(unsigned max_workers) {
    std::size_t size = rte_rcu_qsbr_get_memsize(max_workers);
    rcu_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("camfence_rcu", size, RTE_CACHE_LINE_SIZE));
    if (!rcu_) throw std::runtime_error("cannot allocate the RCU state (DPDK memory)");
    if (rte_rcu_qsbr_init(rcu_, max_workers) != 0) {
        rte_free(rcu_);
        throw std::runtime_error(std::string("rte_rcu_qsbr_init: ") + rte_strerror(rte_errno));
    }
}

StatePublisher::~StatePublisher() {
    slot_.store(nullptr, std::memory_order_release);
    current_.reset();
    rte_free(rcu_);
}

void StatePublisher::publish(std::unique_ptr<const DataplaneState> next) {
    slot_.store(next.get(), std::memory_order_release);
    std::unique_ptr<const DataplaneState> old = std::move(current_);
    current_ = std::move(next);
    // Every online worker passes a quiescent state once per loop (microseconds).
    rte_rcu_qsbr_synchronize(rcu_, RTE_QSBR_THRID_INVALID);
    old.reset();
}

}  // namespace camfence::dataplane
