// One DPDK EAL for the whole test binary. rte_eal_init succeeds at most once per process (a
// second call fails, even after rte_eal_cleanup), so every test case that needs DPDK calls
// init_eal_once() instead of creating its own dataplane::Eal. EAL is cleaned up at exit.
// Test cases share it, so each one names its pools and vdevs distinctly.
#pragma once

#include "dataplane/io/eal.h"

namespace camfence::test {

// lcore 0 runs the test itself (the control plane), lcore 1 a worker.
inline void init_eal_once() {
    static const dataplane::Eal eal(dataplane::default_eal_args(512, "0-1"));
}

}  // namespace camfence::test
