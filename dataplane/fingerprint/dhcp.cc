// DHCP client options (dhcp.h). The fixed BOOTP header is skipped; options are walked with
// every length checked against the payload, and the four options wanted are gathered before
// they are rendered, since RFC 3396 lets a client split one across several instances.
#include "dataplane/fingerprint/dhcp.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace camfence::fingerprint {
namespace {

constexpr std::size_t kCookieOffset = 236;  // after op..file, the fixed BOOTP fields
constexpr std::size_t kOptionsOffset = 240;
constexpr std::array<std::uint8_t, 4> kMagicCookie = {0x63, 0x82, 0x53, 0x63};
constexpr std::uint8_t kPad = 0;
constexpr std::uint8_t kEnd = 255;

// Raw bytes kept per option: more than any rendering can use once cut to kMaxValueBytes.
constexpr std::size_t kMaxRawOption = 4 * kMaxValueBytes;

enum class Rendering { text, decimal_list, hex };

struct WantedOption {
    std::uint8_t code;
    std::string_view field;
    Rendering rendering;
};

constexpr std::array<WantedOption, 4> kWanted = {{
    {12, "hostname", Rendering::text},
    {60, "vendor_class", Rendering::text},
    {55, "param_list", Rendering::decimal_list},
    {61, "client_id", Rendering::hex},
}};

std::uint8_t byte_at(Bytes b, std::size_t i) {
    return std::to_integer<std::uint8_t>(b[i]);
}

// Whole entries only, so a long list is never cut in the middle of a number.
std::string render(const std::string& raw, Rendering rendering) {
    std::string value;
    switch (rendering) {
        case Rendering::text:
            return raw;
        case Rendering::decimal_list:
            for (char c : raw) {
                std::string entry = std::to_string(static_cast<unsigned char>(c));
                std::size_t needed = entry.size() + (value.empty() ? 0 : 1);
                if (value.size() + needed > kMaxValueBytes) break;
                if (!value.empty()) value.push_back(',');
                value += entry;
            }
            return value;
        case Rendering::hex:
            for (char c : raw) {
                if (value.size() + 2 > kMaxValueBytes) break;
                constexpr std::string_view kDigits = "0123456789abcdef";
                auto u = static_cast<unsigned char>(c);
                value.push_back(kDigits[u >> 4]);
                value.push_back(kDigits[u & 0xF]);
            }
            return value;
    }
    return value;
}

void emit(std::vector<Observation>& out, std::string_view field, std::string_view raw) {
    if (raw.empty() || out.size() >= kMaxObservations) return;
    Observation o{Protocol::dhcp, std::string(field), printable(raw)};
    for (const auto& seen : out)
        if (seen == o) return;
    out.push_back(std::move(o));
}

}  // namespace

bool parse_dhcp(Bytes udp_payload, std::vector<Observation>& out) {
    const Bytes p = udp_payload;
    if (p.size() < kOptionsOffset) return false;
    const std::uint8_t op = byte_at(p, 0);
    if (op != 1 && op != 2) return false;  // BOOTREQUEST, BOOTREPLY
    for (std::size_t k = 0; k < kMagicCookie.size(); ++k)
        if (byte_at(p, kCookieOffset + k) != kMagicCookie[k]) return false;

    std::array<std::string, kWanted.size()> raw;
    std::array<std::size_t, kWanted.size()> order{};  // indexes into kWanted, first seen first
    std::size_t seen = 0;
    std::size_t i = kOptionsOffset;
    while (i < p.size()) {
        const std::uint8_t code = byte_at(p, i);
        if (code == kPad) {
            ++i;
            continue;
        }
        if (code == kEnd || i + 1 >= p.size()) break;
        const std::size_t length = byte_at(p, i + 1);
        if (length > p.size() - i - 2) break;  // runs past the payload
        const Bytes data = p.subspan(i + 2, length);
        i += 2 + length;
        for (std::size_t w = 0; w < kWanted.size(); ++w) {
            if (kWanted[w].code != code) continue;
            bool first = true;
            for (std::size_t s = 0; s < seen; ++s)
                if (order[s] == w) first = false;
            if (first) order[seen++] = w;
            std::size_t room = kMaxRawOption - raw[w].size();
            raw[w].append(reinterpret_cast<const char*>(data.data()), std::min(room, data.size()));
        }
    }
    for (std::size_t s = 0; s < seen; ++s) {
        const WantedOption& wanted = kWanted[order[s]];
        emit(out, wanted.field, render(raw[order[s]], wanted.rendering));
    }
    return true;
}

}  // namespace camfence::fingerprint
