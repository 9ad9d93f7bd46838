// DHCP (BOOTP with the DHCP magic cookie): the options a client describes itself with.
#pragma once

#include <vector>

#include "dataplane/fingerprint/observation.h"

namespace camfence::fingerprint {

// Reads a BOOTP message carrying the DHCP magic cookie (63 82 53 63), request or reply.
// Emits, as Protocol::dhcp, in the order the options first appear:
//   "hostname"      option 12                         "IPC"
//   "vendor_class"  option 60                         "udhcp 1.20.2"
//   "param_list"    option 55, decimal, comma-joined  "1,3,6,12,15,28,42"
//   "client_id"     option 61, lowercase hex          "01bc325f8ad4e1"
// An option given more than once is concatenated (RFC 3396). Empty options are not emitted;
// a param_list or client_id too long for kMaxValueBytes is cut at a whole entry. Option
// overload (52) is not followed. Reading stops at the end option, or at an option whose
// length runs past the payload (the options before it are still emitted).
// Returns whether the payload is such a message.
bool parse_dhcp(Bytes udp_payload, std::vector<Observation>& out);

}  // namespace camfence::fingerprint
