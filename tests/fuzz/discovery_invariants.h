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
#include "tests/fixtures/utf8_check.h"

namespace camfence::fuzz {

inline void check(bool ok) {
    if (!ok) __builtin_trap();
}

// Whether `part` is a view inside `whole` (an empty view is anywhere).
inline bool inside(std::string_view part, std::string_view whole) {
    if (part.empty()) return true;
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

using camfence::testing::clean_utf8;

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
