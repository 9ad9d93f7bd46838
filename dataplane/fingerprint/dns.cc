// DNS question names (dns.h). Name decompression is the only part with a loop driven by the
// packet itself: every pointer must land strictly before the lowest offset read so far for
// the name, so each jump moves backwards and a hostile message cannot make it cycle; the
// 255-byte name limit and a pointer count bound the work again.
#include "dataplane/fingerprint/dns.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace camfence::fingerprint {
namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kMaxNameWireBytes = 255;  // RFC 1035 3.1, length bytes and root included
constexpr std::size_t kQuestionTail = 4;        // QTYPE, QCLASS
constexpr int kMaxPointers = 32;

std::uint8_t byte_at(Bytes b, std::size_t i) {
    return std::to_integer<std::uint8_t>(b[i]);
}

char name_char(std::uint8_t c) {
    if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
    if (c == '.') return '?';  // would read as a label boundary
    return static_cast<char>(c);
}

// Reads the name starting at `pos` into `name` (dotted, lower-cased); `next` is set to the
// offset just after the name where it starts (after its first pointer, or its root label).
bool read_name(Bytes msg, std::size_t pos, std::string& name, std::size_t& next) {
    name.clear();
    std::size_t lowest = pos;  // a pointer must land before everything read so far
    std::size_t wire_bytes = 0;
    bool jumped = false;
    int pointers = 0;
    while (pos < msg.size()) {
        const std::uint8_t length = byte_at(msg, pos);
        if ((length & 0xC0) == 0xC0) {
            if (pos + 1 >= msg.size()) return false;
            const std::size_t target = (std::size_t{length & 0x3Fu} << 8) | byte_at(msg, pos + 1);
            if (target < kHeaderBytes || target >= lowest || ++pointers > kMaxPointers)
                return false;
            if (!jumped) next = pos + 2;
            jumped = true;
            lowest = target;
            pos = target;
            continue;
        }
        if ((length & 0xC0) != 0) return false;  // extended (0x40) and reserved (0x80) types
        wire_bytes += 1 + length;
        if (wire_bytes + (length == 0 ? 0 : 1) > kMaxNameWireBytes) return false;
        if (length == 0) {
            if (!jumped) next = pos + 1;
            return true;
        }
        if (length > msg.size() - pos - 1) return false;
        if (!name.empty()) name.push_back('.');
        for (std::size_t k = 1; k <= length; ++k)
            name.push_back(name_char(byte_at(msg, pos + k)));
        pos += 1 + length;
    }
    return false;
}

void emit(std::vector<Observation>& out, std::string_view name) {
    if (name.empty() || out.size() >= kMaxObservations) return;
    Observation o{Protocol::dns, "qname", printable(name)};
    for (const auto& seen : out)
        if (seen == o) return;
    out.push_back(std::move(o));
}

}  // namespace

bool parse_dns_query(Bytes udp_payload, std::vector<Observation>& out) {
    const Bytes msg = udp_payload;
    if (msg.size() < kHeaderBytes) return false;
    const std::size_t questions = std::size_t{byte_at(msg, 4)} << 8 | byte_at(msg, 5);
    std::size_t pos = kHeaderBytes;
    std::string name;
    name.reserve(kMaxNameWireBytes);
    bool any = false;
    for (std::size_t q = 0; q < questions && q < kMaxDnsQuestions; ++q) {
        std::size_t next = 0;
        if (!read_name(msg, pos, name, next) || kQuestionTail > msg.size() - next) break;
        pos = next + kQuestionTail;
        any = true;
        emit(out, name);
    }
    return any;
}

}  // namespace camfence::fingerprint
