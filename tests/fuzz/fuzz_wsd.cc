// libFuzzer target: arbitrary bytes as a UDP 3702 payload through parse_wsd. Whatever the
// bytes, the invariants of discovery_invariants.h hold, and a payload that parse_wsd takes
// for WS-Discovery starts its observations with the message name.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/fingerprint/discovery.h"
#include "tests/fuzz/discovery_invariants.h"

namespace fp = camfence::fingerprint;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An exact-size heap copy so ASan sees any read past the end.
    std::vector<std::byte> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::byte>(data[i]);
    bool ok = camfence::fuzz::check_parser(fp::parse_wsd, bytes, fp::Protocol::wsd,
                                           {"message", "Types", "XAddrs", "scope"});
    if (ok) {
        std::vector<fp::Observation> out;
        fp::parse_wsd(bytes, out);
        camfence::fuzz::check(!out.empty() && out.front().field == "message");
    }
    return 0;
}
