// What every discovery parser (dataplane/fingerprint/discovery.h) guarantees whatever the
// bytes, checked by the fuzz_sadp, fuzz_dhip and fuzz_wsd targets: no more than
// kMaxObservations observations, each a non-empty, bounded, printable value of a known field
// of the parser's protocol; nothing when the payload is not the protocol's; the same answer
// twice; and observations already in the vector counting towards the cap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "dataplane/fingerprint/discovery.h"
#include "dataplane/fingerprint/observation.h"

namespace camfence::fuzz {

inline void check(bool ok) {
    if (!ok) __builtin_trap();
}

// Independent of printable(): well-formed UTF-8 (no overlong forms, surrogates or values past
// U+10FFFF) without C0/C1 controls or DEL.
inline bool clean_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        if ((c & 0xF8) == 0xF8 || (c & 0xC0) == 0x80 || i + n > s.size()) return false;
        std::uint32_t cp = n == 1 ? c : c & (0x7F >> n);
        for (std::size_t k = 1; k < n; ++k) {
            auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) return false;
            cp = cp << 6 | (b & 0x3F);
        }
        const std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return false;
        i += n;
    }
    return true;
}

using DiscoveryParser = bool (*)(fingerprint::Bytes, std::vector<fingerprint::Observation>&);

// Runs `parse` on the payload and checks everything above; returns what it said.
inline bool check_parser(DiscoveryParser parse, fingerprint::Bytes payload,
                         fingerprint::Protocol protocol,
                         std::initializer_list<std::string_view> fields) {
    using fingerprint::kMaxObservations;
    using fingerprint::kMaxValueBytes;
    using fingerprint::Observation;

    std::vector<Observation> out;
    bool ok = parse(payload, out);
    check(out.size() <= kMaxObservations);
    if (!ok) check(out.empty());
    for (const auto& o : out) {
        check(o.protocol == protocol);
        bool known = false;
        for (auto f : fields)
            known = known || o.field == f;
        check(known);
        check(!o.value.empty());
        check(o.value.size() <= kMaxValueBytes);
        check(clean_utf8(o.value));
        check(fingerprint::printable(o.value) == o.value);
    }

    std::vector<Observation> again;
    check(parse(payload, again) == ok);
    check(again == out);

    // One slot left: the parser fills it with what it would have recorded first.
    std::vector<Observation> nearly_full(kMaxObservations - 1,
                                         Observation{fingerprint::Protocol::dns, "qname", "x"});
    check(parse(payload, nearly_full) == ok);
    check(nearly_full.size() == kMaxObservations - (out.empty() ? 1 : 0));
    if (!out.empty()) check(nearly_full.back() == out.front());
    return ok;
}

}  // namespace camfence::fuzz
