// DNS, mDNS and LLMNR messages: the names a device asks for, e.g. its vendor's cloud.
#pragma once

#include <cstddef>
#include <vector>

#include "dataplane/fingerprint/observation.h"

namespace camfence::fingerprint {

// Questions read from one message; mDNS packs several, a DNS query has one.
inline constexpr std::size_t kMaxDnsQuestions = 16;

// Reads the question section of a DNS message (query or response; mDNS and LLMNR share the
// format). Emits, as Protocol::dns, one "qname" per distinct question name, ASCII
// lower-cased, without the trailing dot: "litedev.hik-connect.com". The root name is not
// emitted; a '.' or control byte inside a label is shown as '?'.
// Compression pointers are followed only backwards, each to before everything read so far
// for the name, so loops and forward pointers are rejected; so are pointers past the end or
// into the header, labels longer than 63, extended label types and names longer than 255
// bytes on the wire. Reading stops at the first malformed question (the names before it
// are still emitted) and after kMaxDnsQuestions questions.
// Returns whether the payload is a DNS message with at least one well-formed question.
bool parse_dns_query(Bytes udp_payload, std::vector<Observation>& out);

}  // namespace camfence::fingerprint
