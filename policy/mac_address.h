// MAC addresses and MAC prefixes (MA-L 24-bit, MA-M 28-bit, MA-S 36-bit) as 48-bit integers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camfence::policy {

// A MAC address held in the low 48 bits, first octet most significant.
struct MacAddress {
    std::uint64_t value = 0;

    static std::optional<MacAddress> parse(std::string_view text);
    bool is_group() const { return (value >> 40) & 0x01; }
    bool is_local() const { return (value >> 40) & 0x02; }
    std::string to_string() const;  // "44:19:b6:00:00:01"
    auto operator<=>(const MacAddress&) const = default;
};

// An IEEE assignment: the top `bits` bits of a MAC (24, 28 or 36).
struct MacPrefix {
    std::uint64_t value = 0;  // the prefix bits, right-aligned
    std::uint8_t bits = 0;

    // "44:19:B6", "4419B6", "B0B3536", "70:B3:D5:F2:F" ... by the number of hex digits.
    static std::optional<MacPrefix> parse(std::string_view text);
    bool contains(MacAddress mac) const { return (mac.value >> (48 - bits)) == value; }
    std::string to_string() const;  // "44:19:B6", "B0:B3:53:6"
    auto operator<=>(const MacPrefix&) const = default;
};

}  // namespace camfence::policy
