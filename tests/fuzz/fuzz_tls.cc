// libFuzzer target: arbitrary bytes through both TLS parsers, parse_tls_client_hello and
// parse_tls_certificate, as the first segment of a TLS connection in either direction would
// reach them (stream_parser_checks.h). Once the first handshake byte is there, one input is
// never both a ClientHello and a server flight.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/fingerprint/tls.h"
#include "tests/fuzz/stream_parser_checks.h"

namespace fp = camfence::fingerprint;
using camfence::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    camfence::fuzz::check_parser(fp::parse_tls_client_hello,
                                 {.protocols = {fp::Protocol::tls_sni}, .fields = {"sni"}}, data,
                                 size);
    camfence::fuzz::check_parser(fp::parse_tls_certificate,
                                 {.protocols = {fp::Protocol::tls_cert}, .fields = {"subject"}},
                                 data, size);
    std::vector<fp::Observation> hello, server;
    const fp::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
    if (size > 5)  // past the record header
        check(!(fp::parse_tls_client_hello(bytes, hello) &&
                fp::parse_tls_certificate(bytes, server)));
    return 0;
}
