// libFuzzer target: arbitrary bytes through parse_dns_query, as a DNS, mDNS or LLMNR UDP
// payload would reach it (stream_parser_checks.h). Compression pointers make this the parser
// with a loop the packet drives: a hang shows up as a libFuzzer timeout.
#include <cstddef>
#include <cstdint>

#include "dataplane/fingerprint/dns.h"
#include "tests/fuzz/stream_parser_checks.h"

namespace fp = camfence::fingerprint;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    camfence::fuzz::check_parser(
        fp::parse_dns_query, {.protocols = {fp::Protocol::dns}, .fields = {"qname"}}, data, size);
    return 0;
}
