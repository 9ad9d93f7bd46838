// IPv4 and IPv6 addresses and prefixes as used by zones.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camfence::policy {

// A 128-bit unsigned integer as two halves, so IPv6 arithmetic stays in ISO C++.
struct U128 {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    auto operator<=>(const U128&) const = default;
};

struct IpPrefix {
    bool v6 = false;
    U128 addr;  // IPv4 in addr.lo (low 32 bits)
    std::uint8_t length = 0;

    // "10.0.0.0/8", "2001:db8::/32", or a bare address (a host prefix).
    // On failure `why` says what is wrong (e.g. host bits set).
    static std::optional<IpPrefix> parse(std::string_view text, std::string* why = nullptr);
    U128 first() const { return addr; }
    U128 last() const;
    std::string to_string() const;
    auto operator<=>(const IpPrefix&) const = default;
};

std::string format_ipv4(std::uint32_t addr);
std::string format_ipv6(const std::array<std::uint8_t, 16>& addr);

}  // namespace camfence::policy
