// HTTP and RTSP response banners: the Server header, the WWW-Authenticate realm and the
// Dahua web UI's body markers, read from the first segment of a response.
#pragma once

#include <vector>

#include "dataplane/fingerprint/observation.h"

namespace camfence::fingerprint {

// Reads a response that starts with an "HTTP/1.x" or "RTSP/1.0" status line. Emits, as
// Protocol::http or Protocol::rtsp after the status line:
//   "Server"  the Server header's value          "App-webs/", "Dahua Rtsp Server"
//   "realm"   each realm of WWW-Authenticate     "Hikvision" (from Digest realm="Hikvision")
//   "body"    each marker found after the header "/RPC2_Login", "global.login"
// Header names match case-insensitively; folded values are unfolded. A header cut short by
// the segment yields the fields before the cut: a field is read once the first byte of the
// line after it shows that it does not continue (obs-fold), so a value is never cut; body
// markers are searched only when the whole header arrived. Repeated identical observations
// are emitted once. Returns whether the payload is such a response (whatever was observed).
bool parse_http_response(Bytes tcp_payload, std::vector<Observation>& out);

}  // namespace camfence::fingerprint
