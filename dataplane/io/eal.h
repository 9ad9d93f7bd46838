// DPDK Environment Abstraction Layer start-up and tear-down, with errors a user can act on.
#pragma once

#include <string>
#include <vector>

namespace camfence::dataplane {

class Eal {
  public:
    // Initialises EAL with `args` (argv[0] is added). Throws std::runtime_error with
    // DPDK's reason and a hint (hugepages, permissions) on failure.
    explicit Eal(const std::vector<std::string>& args);
    ~Eal();
    Eal(const Eal&) = delete;
    Eal& operator=(const Eal&) = delete;
};

// True if 2 MiB hugepages are available to this process (free pages and a mounted hugetlbfs).
bool hugepages_available();

// EAL arguments for a short-lived helper process (audit, bench): in-memory with hugepages
// when the machine has them, else --no-huge.
std::vector<std::string> default_eal_args(int memory_mb, const std::string& lcores = "0");

}  // namespace camfence::dataplane
