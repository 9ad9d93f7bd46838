// libFuzzer target: arbitrary bytes as a UDP 37020 payload through parse_sadp, and through the
// XML scanner under it: every element it yields is a view inside the input, its local name
// the tail of its name after any prefix, its text inside the input; decoded text stays within its
// bound.
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

void check_scanner(std::string_view doc) {
    fp::XmlScanner xml(doc);
    fp::XmlElement e;
    std::size_t elements = 0;
    while (xml.next(e)) {
        ++elements;
        check(elements <= doc.size());  // every start tag takes at least two bytes
        check(!e.name.empty() && inside(e.name, doc));
        // A name ending in ':' (not XML, but the scanner reads it) has an empty local name.
        check(e.name.ends_with(e.local) && e.local.find(':') == std::string_view::npos);
        check(inside(e.text, doc));
        if (!e.simple) check(e.text.empty());
        check(e.depth < elements);
        std::string decoded;
        fp::append_xml_text(e.text, 64, decoded);
        check(decoded.size() <= 64);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // An exact-size heap copy so ASan sees any read past the end.
    std::vector<std::byte> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::byte>(data[i]);
    camfence::fuzz::check_parser(fp::parse_sadp, bytes, fp::Protocol::sadp,
                                 {"Types", "DeviceType", "DeviceDescription", "DeviceSN", "MAC",
                                  "IPv4Address", "SoftwareVersion", "DetailOEMCode", "OEMInfo"});
    check_scanner(std::string_view(reinterpret_cast<const char*>(bytes.data()), size));
    return 0;
}
