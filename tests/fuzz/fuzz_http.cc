// libFuzzer target: arbitrary bytes through parse_http_response, as the first segment of a
// TCP response from a device's web or RTSP port would reach it (stream_parser_checks.h).
#include <cstddef>
#include <cstdint>

#include "dataplane/fingerprint/banner.h"
#include "tests/fuzz/stream_parser_checks.h"

namespace fp = camfence::fingerprint;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    camfence::fuzz::check_parser(fp::parse_http_response,
                                 {.protocols = {fp::Protocol::http, fp::Protocol::rtsp},
                                  .fields = {"Server", "realm", "body"}},
                                 data, size);
    return 0;
}
