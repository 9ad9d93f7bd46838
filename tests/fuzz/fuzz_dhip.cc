// libFuzzer target: arbitrary bytes through the two Dahua discovery parsers: as a UDP 37810
// payload (parse_dhip, header and all), as the JSON body of a well-framed DHIP datagram (so
// the fuzzer reaches the JSON scan without first having to guess a header), and as a UDP 5050
// payload (parse_dahua5050). The JSON scanner is checked on its own too: members are views
// inside the input and their path agrees with their depth.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/fingerprint/discovery.h"
#include "dataplane/fingerprint/text_scan.h"
#include "tests/fuzz/discovery_invariants.h"

namespace {

namespace fp = camfence::fingerprint;
using camfence::fuzz::check;
using camfence::fuzz::inside;

void check_scanner(std::string_view text) {
    fp::JsonScanner json(text);
    fp::JsonMember m;
    std::size_t members = 0;
    while (json.next(m)) {
        ++members;
        check(members <= text.size());
        check(inside(m.key, text) && inside(m.value, text));
        check(m.path.size() == std::min(m.depth, fp::JsonScanner::kMaxPath));
        for (auto k : m.path)
            check(inside(k, text));
        if (m.kind != fp::JsonKind::string) check(!m.value.empty());
        std::string decoded;
        fp::append_json_string(m.value, 64, decoded);
        check(decoded.size() <= 64);
    }
}

const std::initializer_list<std::string_view> kDhipFields = {
    "method",  "mac",    "DeviceType",   "DeviceClass", "SerialNo",
    "Version", "Vendor", "Manufacturer", "IPv4Address"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Exact-size heap copies so ASan sees any read past the end.
    std::vector<std::byte> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::byte>(data[i]);
    camfence::fuzz::check_parser(fp::parse_dhip, bytes, fp::Protocol::dhip, kDhipFields);
    camfence::fuzz::check_parser(fp::parse_dahua5050, bytes, fp::Protocol::dahua5050,
                                 {"message", "DeviceType", "IPv4Address", "MAC", "SerialNo"});

    // The same bytes as the body of a datagram whose header is right.
    std::vector<std::byte> framed(32 + size);
    auto put_le32 = [&](std::size_t at, std::size_t v) {
        for (std::size_t i = 0; i < 4; ++i)
            framed[at + i] = static_cast<std::byte>(v >> (8 * i) & 0xFF);
    };
    put_le32(0, 32);
    framed[4] = std::byte{'D'};
    framed[5] = std::byte{'H'};
    framed[6] = std::byte{'I'};
    framed[7] = std::byte{'P'};
    put_le32(16, size);
    put_le32(24, size);
    std::copy(bytes.begin(), bytes.end(), framed.begin() + 32);
    check(camfence::fuzz::check_parser(fp::parse_dhip, framed, fp::Protocol::dhip, kDhipFields));

    check_scanner(std::string_view(reinterpret_cast<const char*>(bytes.data()), size));
    return 0;
}
