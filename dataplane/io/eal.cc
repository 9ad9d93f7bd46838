#include "dataplane/io/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <fstream>
#include <stdexcept>

namespace camfence::dataplane {

Eal::Eal(const std::vector<std::string>& args) {
    std::vector<std::string> owned{"camfenced"};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : owned)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = rte_eal_init(static_cast<int>(owned.size()), argv.data());
    if (rc < 0) {
        std::string why = rte_strerror(rte_errno);
        std::string hint;
        if (!hugepages_available())
            hint =
                " (no free hugepages: run scripts/hugepages.sh or pass --no-huge in the EAL args)";
        throw std::runtime_error("DPDK EAL initialisation failed: " + why + hint);
    }
}

Eal::~Eal() {
    rte_eal_cleanup();
}

bool hugepages_available() {
    std::ifstream f("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
    long free_pages = 0;
    if (!(f >> free_pages) || free_pages <= 0) return false;
    std::ifstream mounts("/proc/mounts");
    std::string line;
    while (std::getline(mounts, line))
        if (line.find(" hugetlbfs ") != std::string::npos) return true;
    return false;
}

std::vector<std::string> default_eal_args(int memory_mb, const std::string& lcores) {
    std::vector<std::string> a{"-l",          lcores,          "--no-pci",    "--no-telemetry",
                               "--log-level", "lib.eal:error", "--log-level", "pmd:error"};
    if (hugepages_available()) {
        a.insert(a.end(), {"--in-memory", "-m", std::to_string(memory_mb)});
    } else {
        a.insert(a.end(), {"--no-huge", "--no-shconf", "-m", std::to_string(memory_mb)});
    }
    return a;
}

}  // namespace camfence::dataplane
