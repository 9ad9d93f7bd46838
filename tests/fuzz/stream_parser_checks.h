// What the stream/infrastructure protocol fuzz targets (fuzz_http, fuzz_dhcp, fuzz_dns,
// fuzz_tls) assert of every parse, whatever the bytes: a parser that does not recognize its
// protocol observes nothing; it emits at most kMaxObservations, counting those already in
// its output; each observation carries one of the parser's protocols and fields and a value
// that is non-empty, printable and at most kMaxValueBytes; the same bytes parse the same
// way; and, where a parser never joins values across the payload, a prefix of the payload
// (the same message cut by a segment) observes nothing its whole would not.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <vector>

#include "dataplane/fingerprint/observation.h"

namespace camfence::fuzz {

namespace fp = camfence::fingerprint;

inline void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct ParserContract {
    std::initializer_list<fp::Protocol> protocols;
    std::initializer_list<std::string_view> fields;
    bool prefix_observes_subset = true;
};

struct Parsed {
    bool recognized;
    std::vector<fp::Observation> out;
};

template <typename Parse>
Parsed parse_copy(Parse parse, const std::uint8_t* data, std::size_t size,
                  std::vector<fp::Observation> out = {}) {
    // An exact-size heap copy so ASan sees any read past the end.
    auto copy = std::make_unique<std::byte[]>(size);
    std::copy(reinterpret_cast<const std::byte*>(data),
              reinterpret_cast<const std::byte*>(data) + size, copy.get());
    const bool recognized = parse(fp::Bytes(copy.get(), size), out);
    return {recognized, std::move(out)};
}

template <typename Parse>
void check_parser(Parse parse, const ParserContract& contract, const std::uint8_t* data,
                  std::size_t size) {
    const auto whole = parse_copy(parse, data, size);
    if (!whole.recognized) check(whole.out.empty());
    check(whole.out.size() <= fp::kMaxObservations);
    for (const auto& o : whole.out) {
        check(std::find(contract.protocols.begin(), contract.protocols.end(), o.protocol) !=
              contract.protocols.end());
        check(std::find(contract.fields.begin(), contract.fields.end(), o.field) !=
              contract.fields.end());
        check(!o.value.empty() && o.value.size() <= fp::kMaxValueBytes);
        check(fp::printable(o.value) == o.value);
    }

    const auto again = parse_copy(parse, data, size);
    check(again.recognized == whole.recognized && again.out == whole.out);

    const fp::Observation filler{fp::Protocol::sadp, "DeviceType", "filler"};
    const auto nearly_full = parse_copy(
        parse, data, size, std::vector<fp::Observation>(fp::kMaxObservations - 1, filler));
    check(nearly_full.out.size() <= fp::kMaxObservations);

    // Cut where the whole was not capped: a capped whole may have dropped what a prefix keeps.
    if (contract.prefix_observes_subset && size > 0 && whole.out.size() < fp::kMaxObservations) {
        const auto cut = parse_copy(parse, data, size - 1 - data[size - 1] % size);
        for (const auto& o : cut.out)
            check(std::find(whole.out.begin(), whole.out.end(), o) != whole.out.end());
    }
}

}  // namespace camfence::fuzz
