// camfencectl's side of the control socket protocol: the request lines it sends and the text
// it shows for the daemon's replies. Pure functions of their arguments, so the tables can be
// tested without a daemon. A field missing from a reply (or null) shows as "-"; a field of the
// wrong type is a malformed reply: JsonError, which the CLI reports and exits 2 on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/json_reader.h"

namespace camfence::daemon {

// One request line, without the newline: {"command":"clear","mac":...,"vlan":N}.
struct CtlRequest {
    std::string command;  // status, devices, reload, exceptions, clear
    std::string mac;      // clear only
    std::optional<unsigned> vlan;
};
std::string format_request(const CtlRequest& request);

// Whether the reply says "ok": true. nullopt if the reply is not an object with a boolean
// "ok": a malformed reply, not a refusal.
std::optional<bool> reply_ok(const JsonValue& reply);

// A refusal (ok: false) for stderr: "camfencectl: <error>" and then each of "errors" (a
// rejected policy's file:line:column diagnostics), one per line.
std::string format_failure(const JsonValue& reply);

// Columns left-aligned to their widest cell, two spaces apart, the header in capitals as
// given; every line starts with `indent` and ends with '\n' (no trailing blanks).
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::string& indent = "");

// "45s", "7m 05s", "3h 07m", "2d 03h 07m".
std::string format_duration(std::int64_t seconds);

std::string format_status(const JsonValue& reply);

struct DevicesOptions {
    std::string verdict;   // only devices with this verdict; empty: all
    bool verbose = false;  // evidence for every device listed, not only prohibited ones
};
std::string format_devices(const JsonValue& reply, const DevicesOptions& options);

std::string format_exceptions(const JsonValue& reply);

// A successful reload: "reloaded: generation N, sha256 <12 hex>" and the policy's warnings.
std::string format_reload(const JsonValue& reply);

// A successful clear of `mac` (as the operator gave it; the reply does not repeat it): what
// changed, and whether the policy itself still prohibits the MAC.
std::string format_clear(const JsonValue& reply, const std::string& mac);

}  // namespace camfence::daemon
