#include "policy/mac_address.h"

#include <cstdio>

namespace camfence::policy {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Collects hex digits, allowing ':', '-' and '.' as separators between groups.
std::optional<std::pair<std::uint64_t, int>> hex_digits(std::string_view text) {
    std::uint64_t v = 0;
    int n = 0;
    char prev = ':';
    for (char c : text) {
        if (c == ':' || c == '-' || c == '.') {
            if (prev == ':' || prev == '-' || prev == '.') return std::nullopt;
            prev = c;
            continue;
        }
        int h = hex_value(c);
        if (h < 0 || n >= 12) return std::nullopt;
        v = (v << 4) | static_cast<std::uint64_t>(h);
        ++n;
        prev = c;
    }
    if (n == 0 || prev == ':' || prev == '-' || prev == '.') return std::nullopt;
    return std::make_pair(v, n);
}

std::string format_hex_groups(std::uint64_t v, int digits, bool upper) {
    std::string out;
    const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) {
        out.push_back(alphabet[(v >> (4 * i)) & 0xf]);
        int done = digits - i;
        if (i > 0 && done % 2 == 0) out.push_back(':');
    }
    return out;
}

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    auto d = hex_digits(text);
    if (!d || d->second != 12) return std::nullopt;
    return MacAddress{d->first};
}

std::string MacAddress::to_string() const {
    return format_hex_groups(value, 12, false);
}

std::optional<MacPrefix> MacPrefix::parse(std::string_view text) {
    auto d = hex_digits(text);
    if (!d) return std::nullopt;
    switch (d->second) {
        case 6:
            return MacPrefix{d->first, 24};
        case 7:
            return MacPrefix{d->first, 28};
        case 9:
            return MacPrefix{d->first, 36};
        default:
            return std::nullopt;
    }
}

std::string MacPrefix::to_string() const {
    return format_hex_groups(value, bits / 4, true);
}

}  // namespace camfence::policy
