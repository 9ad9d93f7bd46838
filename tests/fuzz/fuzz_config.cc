// libFuzzer target: arbitrary bytes as the appliance config (camfence.yaml). The loader must
// either accept the file or reject it with diagnostics that carry a place; never crash,
// hang or leak. Seeded with the shipped example and the broken-config corpus.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "daemon/app_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path =
        "/tmp/camfence-fuzz-config-" + std::to_string(getpid()) + ".yaml";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        auto c = camfence::daemon::load_app_config(path);
        // An accepted config is complete: the two sides, a policy, workers in range.
        if (!c.port(camfence::daemon::PortSide::camera) ||
            !c.port(camfence::daemon::PortSide::core) || c.policy.empty() || c.workers < 1 ||
            c.workers > 16)
            std::abort();
    } catch (const camfence::policy::PolicyError& e) {
        if (e.diagnostics().empty()) std::abort();
    }
    return 0;
}
