// Protocol names and the one rule every observed value passes through: what a device sent,
// made safe to store, log and print, and bounded.
#include "dataplane/fingerprint/observation.h"

namespace camfence::fingerprint {

std::string_view to_string(Protocol p) {
    switch (p) {
        case Protocol::sadp:
            return "sadp";
        case Protocol::dhip:
            return "dhip";
        case Protocol::dahua5050:
            return "dahua5050";
        case Protocol::wsd:
            return "wsd";
        case Protocol::http:
            return "http";
        case Protocol::rtsp:
            return "rtsp";
        case Protocol::dhcp:
            return "dhcp";
        case Protocol::dns:
            return "dns";
        case Protocol::tls_sni:
            return "tls_sni";
        case Protocol::tls_cert:
            return "tls_cert";
    }
    return "unknown";
}

namespace {

bool is_continuation(unsigned char b) {
    return (b & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF), 0 if there is none; its code point in cp.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
        return 0;
    }
    if (s.size() - i < n) return 0;
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return 0;
    cp = b0 & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
        auto b = static_cast<unsigned char>(s[i + k]);
        if (!is_continuation(b)) return 0;
        cp = cp << 6 | (b & 0x3F);
    }
    return n;
}

// Code points that would let a value rewrite the line it is printed on: C0 and C1 controls,
// DEL, line and paragraph separators, and the bidirectional overrides and isolates that can
// make a log line read differently from what it holds.
bool is_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string printable(std::string_view raw) {
    std::string out;
    out.reserve(raw.size() < kMaxValueBytes ? raw.size() : kMaxValueBytes);
    for (std::size_t i = 0; i < raw.size();) {
        char32_t cp = 0;
        std::size_t n = utf8_sequence(raw, i, cp);
        if (n == 0 || is_control(cp)) {
            // An invalid byte is replaced on its own, so the rest of the value still reads.
            if (out.size() + 1 > kMaxValueBytes) break;
            out += '?';
            i += n == 0 ? 1 : n;
            continue;
        }
        if (out.size() + n > kMaxValueBytes) break;  // never split a character
        out.append(raw.substr(i, n));
        i += n;
    }
    return out;
}

}  // namespace camfence::fingerprint
