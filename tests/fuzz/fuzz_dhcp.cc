// libFuzzer target: arbitrary bytes through parse_dhcp, as a UDP payload to port 67 would
// reach it (stream_parser_checks.h). A prefix may observe a value its whole does not: the
// whole joins split options (RFC 3396), so that check is off here.
#include <cstddef>
#include <cstdint>

#include "dataplane/fingerprint/dhcp.h"
#include "tests/fuzz/stream_parser_checks.h"

namespace fp = camfence::fingerprint;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    camfence::fuzz::check_parser(fp::parse_dhcp,
                                 {.protocols = {fp::Protocol::dhcp},
                                  .fields = {"hostname", "vendor_class", "param_list", "client_id"},
                                  .prefix_observes_subset = false},
                                 data, size);
    return 0;
}
