// libFuzzer target: arbitrary bytes as policy.yaml. The loader must either accept the file
// (and then compile it) or reject it with diagnostics; it must never crash or leak.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "policy/oui_registry.h"
#include "policy/snapshot.h"

namespace {

const camfence::policy::OuiRegistry& registry() {
    // A small registry keeps each run fast; the real one is exercised by the unit tests.
    static camfence::policy::OuiRegistry r = [] {
        camfence::policy::OuiRegistry reg;
        reg.directory = "fuzz";
        reg.entries.push_back({*camfence::policy::MacPrefix::parse("4419B6"),
                               "Hangzhou Hikvision Digital Technology Co.,Ltd."});
        reg.entries.push_back(
            {*camfence::policy::MacPrefix::parse("00408C"), "AXIS COMMUNICATIONS AB"});
        reg.entries.push_back({*camfence::policy::MacPrefix::parse("B0B3536"),
                               "Hangzhou Hikrobot Technology Co., Ltd."});
        return reg;
    }();
    return r;
}

std::string temp_path() {
    static std::string p = "/tmp/camfence-fuzz-policy-" + std::to_string(getpid()) + ".yaml";
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = temp_path();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    camfence::policy::LoadOptions o;
    o.catalog_override = CAMFENCE_SOURCE_DIR "/config/vendors.yaml";
    try {
        auto loaded = camfence::policy::load_policy(path, o);
        auto snap = camfence::policy::compile_policy(loaded, registry(), 0);
        if (snap->slot_count() != snap->rule_names.size() + 3) std::abort();
    } catch (const camfence::policy::PolicyError& e) {
        if (e.diagnostics().empty()) std::abort();  // a rejection must say why
    }
    return 0;
}
