#include "policy/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>

namespace camfence::policy {
namespace {

U128 mask_for(int length, bool v6) {
    // Host-bit mask (ones where the host part is) for a prefix of `length`.
    int width = v6 ? 128 : 32;
    int host = width - length;
    U128 m;
    if (host >= 128) return U128{~0ULL, ~0ULL};
    if (host >= 64) {
        m.lo = ~0ULL;
        m.hi = (host == 64) ? 0 : ((1ULL << (host - 64)) - 1);
    } else {
        m.lo = (host == 0) ? 0 : ((host == 64) ? ~0ULL : ((1ULL << host) - 1));
    }
    return m;
}

}  // namespace

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* why) {
    auto fail = [&](const std::string& msg) -> std::optional<IpPrefix> {
        if (why) *why = msg;
        return std::nullopt;
    };
    std::string addr_text(text);
    int length = -1;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        addr_text = std::string(text.substr(0, slash));
        auto len_text = text.substr(slash + 1);
        // Digits only: from_chars would take "-1", which reads as "no length" below.
        if (len_text.empty() || len_text.find_first_not_of("0123456789") != std::string_view::npos)
            return fail("prefix length is not a number");
        auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
        if (ec != std::errc() || p != len_text.data() + len_text.size())
            return fail("prefix length is not a number");
    }
    IpPrefix out;
    std::array<std::uint8_t, 16> bytes{};
    if (inet_pton(AF_INET, addr_text.c_str(), bytes.data()) == 1) {
        out.v6 = false;
        out.addr.lo = (std::uint64_t{bytes[0]} << 24) | (std::uint64_t{bytes[1]} << 16) |
                      (std::uint64_t{bytes[2]} << 8) | bytes[3];
        if (length < 0) length = 32;
        if (length > 32) return fail("IPv4 prefix length must be 0-32");
    } else if (inet_pton(AF_INET6, addr_text.c_str(), bytes.data()) == 1) {
        out.v6 = true;
        for (int i = 0; i < 8; ++i)
            out.addr.hi = (out.addr.hi << 8) | bytes[i];
        for (int i = 8; i < 16; ++i)
            out.addr.lo = (out.addr.lo << 8) | bytes[i];
        if (length < 0) length = 128;
        if (length > 128) return fail("IPv6 prefix length must be 0-128");
    } else {
        return fail("not an IPv4 or IPv6 address");
    }
    out.length = static_cast<std::uint8_t>(length);
    U128 host = mask_for(length, out.v6);
    if ((out.addr.hi & host.hi) || (out.addr.lo & host.lo)) {
        IpPrefix fixed = out;
        fixed.addr.hi &= ~host.hi;
        fixed.addr.lo &= ~host.lo;
        return fail("host bits are set; did you mean " + fixed.to_string() + "?");
    }
    return out;
}

U128 IpPrefix::last() const {
    U128 host = mask_for(length, v6);
    return U128{addr.hi | host.hi, addr.lo | host.lo};
}

std::string format_ipv4(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
           std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, addr.data(), buf, sizeof buf);
    return buf;
}

std::string IpPrefix::to_string() const {
    if (!v6) return format_ipv4(static_cast<std::uint32_t>(addr.lo)) + "/" + std::to_string(length);
    std::array<std::uint8_t, 16> b{};
    for (int i = 0; i < 8; ++i)
        b[i] = static_cast<std::uint8_t>(addr.hi >> (56 - 8 * i));
    for (int i = 0; i < 8; ++i)
        b[8 + i] = static_cast<std::uint8_t>(addr.lo >> (56 - 8 * i));
    return format_ipv6(b) + "/" + std::to_string(length);
}

}  // namespace camfence::policy
