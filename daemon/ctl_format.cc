#include "daemon/ctl_format.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

#include "daemon/json_writer.h"

namespace camfence::daemon {

namespace {

constexpr const char* kNone = "-";
// The verdicts in the order the appliance ranks them (policy/types.h DeviceClass).
constexpr std::array<std::string_view, 4> kVerdicts = {"prohibited", "excepted", "unregistered",
                                                       "clear"};

[[noreturn]] void wrong_type(const JsonValue& v, std::string_view key, const char* wanted) {
    throw JsonError("\"" + std::string(key) + "\" is not " + wanted, v.offset());
}

// The member `key` of `obj`; nullptr if absent or null (both shown as "-").
const JsonValue* member(const JsonValue& obj, std::string_view key) {
    const JsonValue* v = obj.find(key);
    return v && !v->is_null() ? v : nullptr;
}

// The object member `key`, or a null value (which has no members) if it is absent.
const JsonValue& object_member(const JsonValue& obj, std::string_view key) {
    static const JsonValue kAbsent;
    const JsonValue* v = member(obj, key);
    if (!v) return kAbsent;
    if (!v->is_object()) wrong_type(*v, key, "an object");
    return *v;
}

const JsonValue::Array& array_member(const JsonValue& obj, std::string_view key) {
    static const JsonValue::Array kEmpty;
    const JsonValue* v = member(obj, key);
    if (!v) return kEmpty;
    if (!v->is_array()) wrong_type(*v, key, "an array");
    return v->as_array();
}

const JsonValue& element_object(const JsonValue& v, std::string_view array) {
    if (!v.is_object()) wrong_type(v, std::string(array) + "[]", "an object");
    return v;
}

// Integers exactly (counters are uint64), anything else as %g.
std::string number_text(const JsonValue& v) {
    try {
        return std::to_string(v.as_uint());
    } catch (const JsonError&) {
    }
    try {
        return std::to_string(v.as_int());
    } catch (const JsonError&) {
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v.as_number());
    return buf;
}

// Control characters would break a table line (or drive the terminal): shown as '?'.
std::string printable(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

// A scalar member as text: strings as they are, numbers, booleans yes/no; "-" if absent or
// an empty string.
std::string text(const JsonValue& obj, std::string_view key) {
    const JsonValue* v = member(obj, key);
    if (!v) return kNone;
    switch (v->type()) {
        case JsonValue::Type::string:
            return v->as_string().empty() ? kNone : printable(v->as_string());
        case JsonValue::Type::number:
            return number_text(*v);
        case JsonValue::Type::boolean:
            return v->as_bool() ? "yes" : "no";
        default:
            wrong_type(*v, key, "a string, number or boolean");
    }
}

std::string count(const JsonValue& obj, std::string_view key) {
    const JsonValue* v = member(obj, key);
    if (!v) return kNone;
    if (!v->is_number()) wrong_type(*v, key, "a number");
    return number_text(*v);
}

std::optional<bool> flag(const JsonValue& obj, std::string_view key) {
    const JsonValue* v = member(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) wrong_type(*v, key, "true or false");
    return v->as_bool();
}

std::string yes_no(const JsonValue& obj, std::string_view key) {
    auto f = flag(obj, key);
    return f ? (*f ? "yes" : "no") : kNone;
}

std::string short_sha(const JsonValue& obj) {
    std::string s = text(obj, "sha256");
    return s.size() > 12 ? s.substr(0, 12) : s;
}

// Columns are measured in code points, not bytes: organization names are UTF-8.
std::size_t display_width(std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
        n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    return n;
}

std::string shorten(const std::string& s, std::size_t width) {
    if (display_width(s) <= width) return s;
    std::string out;
    std::size_t n = 0;
    for (char c : s) {
        bool starts = (static_cast<unsigned char>(c) & 0xc0) != 0x80;
        if (starts && ++n > width - 3) break;
        out += c;
    }
    return out + "...";
}

std::string plural(const std::string& n, const char* noun) {
    return n + " " + noun + (n == "1" ? "" : "s");
}

using Counts = std::vector<std::pair<std::string, std::string>>;  // name, count

// "prohibited 2, excepted 0, unregistered 1, clear 3": every verdict in the appliance's order
// (0 if not counted), then any other name counted.
std::string verdict_summary(const Counts& counts) {
    std::string out;
    auto add = [&](std::string_view name, const std::string& n) {
        if (!out.empty()) out += ", ";
        out += std::string(name) + " " + n;
    };
    for (auto v : kVerdicts) {
        std::string n = "0";
        for (const auto& [name, c] : counts)
            if (name == v) n = c;
        add(v, n);
    }
    for (const auto& [name, c] : counts)
        if (std::find(kVerdicts.begin(), kVerdicts.end(), name) == kVerdicts.end()) add(name, c);
    return out;
}

std::string busy_percent(const JsonValue& worker) {
    const JsonValue* v = member(worker, "busy_ratio");
    if (!v) return kNone;
    if (!v->is_number()) wrong_type(*v, "busy_ratio", "a number");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", v->as_number() * 100);
    return buf;
}

std::string ips_text(const JsonValue& device, bool all) {
    const auto& ips = array_member(device, "ips");
    if (ips.empty()) return kNone;
    // The newest addresses are the useful ones (the list is oldest first).
    std::size_t shown = all ? ips.size() : std::min<std::size_t>(ips.size(), 2);
    std::string out;
    for (std::size_t i = ips.size() - shown; i < ips.size(); ++i) {
        if (!ips[i].is_string()) wrong_type(ips[i], "ips[]", "a string");
        out += (out.empty() ? "" : ",") + printable(ips[i].as_string());
    }
    if (shown < ips.size()) out += " +" + std::to_string(ips.size() - shown);
    return out;
}

}  // namespace

std::string format_request(const CtlRequest& request) {
    JsonWriter w;
    w.begin_object().field("command", request.command);
    if (!request.mac.empty()) w.field("mac", request.mac);
    if (request.vlan) w.field("vlan", *request.vlan);
    w.end_object();
    return w.str();
}

std::optional<bool> reply_ok(const JsonValue& reply) {
    const JsonValue* ok = reply.find("ok");
    if (!ok || !ok->is_bool()) return std::nullopt;
    return ok->as_bool();
}

std::string format_failure(const JsonValue& reply) {
    std::string error = text(reply, "error");
    std::string out = "camfencectl: " + (error == kNone ? "the daemon refused" : error) + "\n";
    for (const auto& e : array_member(reply, "errors")) {
        if (!e.is_string()) wrong_type(e, "errors[]", "a string");
        out += printable(e.as_string()) + "\n";
    }
    return out;
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::string& indent) {
    std::vector<std::size_t> width(header.size());
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], display_width(row[i]));
    };
    measure(header);
    for (const auto& r : rows)
        measure(r);
    std::string out;
    auto line = [&](const std::vector<std::string>& row) {
        std::string l = indent;
        for (std::size_t i = 0; i < width.size(); ++i) {
            const std::string& cell = i < row.size() ? row[i] : "";
            l += cell;
            if (i + 1 < width.size()) l.append(width[i] - display_width(cell) + 2, ' ');
        }
        while (l.size() > indent.size() && l.back() == ' ')
            l.pop_back();
        out += l + "\n";
    };
    line(header);
    for (const auto& r : rows)
        line(r);
    return out;
}

std::string format_duration(std::int64_t seconds) {
    if (seconds < 0) return kNone;
    const std::int64_t d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60,
                       s = seconds % 60;
    char buf[64];
    if (d)
        std::snprintf(buf, sizeof buf, "%lldd %02lldh %02lldm", static_cast<long long>(d),
                      static_cast<long long>(h), static_cast<long long>(m));
    else if (h)
        std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(h),
                      static_cast<long long>(m));
    else if (m)
        std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(m),
                      static_cast<long long>(s));
    else
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
    return buf;
}

std::string format_status(const JsonValue& reply) {
    std::string out = "camfenced " + text(reply, "version");
    if (const JsonValue* up = member(reply, "uptime_seconds")) {
        if (!up->is_number()) wrong_type(*up, "uptime_seconds", "a number");
        out += ", up " + format_duration(up->as_int());
    }
    if (member(reply, "started_at")) out += " (since " + text(reply, "started_at") + ")";
    out += "\n";

    const JsonValue& p = object_member(reply, "policy");
    out += "policy:   sha256 " + short_sha(p) + ", generation " + count(p, "generation") +
           ", loaded " + text(p, "loaded_at") + ", source " + text(p, "source") + "\n";
    out += "          " + text(p, "path") + ", site " + text(p, "site") + ", " +
           plural(count(p, "rules"), "rule") + "; reloads " + count(p, "reloads_ok") + " ok, " +
           count(p, "reloads_failed") + " failed\n";
    if (text(p, "source") == "last-good")
        out += "WARNING: enforcing the last good policy: the configured policy " +
               text(p, "configured") +
               " was rejected at start-up; fix it and run `camfencectl reload`\n";

    std::vector<std::vector<std::string>> ports;
    for (const auto& e : array_member(reply, "ports")) {
        const JsonValue& port = element_object(e, "ports");
        std::string side = text(port, "side");
        if (member(port, "native_vlan"))
            side += " (native vlan " + count(port, "native_vlan") + ")";
        ports.push_back({text(port, "name"), side, count(port, "rx_packets"),
                         count(port, "tx_packets"), count(port, "rx_missed")});
    }
    out += "\n";
    if (ports.empty())
        out += "ports:    -\n";
    else
        out += format_table({"PORT", "SIDE", "RX PACKETS", "TX PACKETS", "RX MISSED"}, ports);

    std::vector<std::vector<std::string>> workers;
    for (const auto& e : array_member(reply, "workers")) {
        const JsonValue& w = element_object(e, "workers");
        auto stalled = flag(w, "stalled");
        workers.push_back({count(w, "worker"), count(w, "lcore"), busy_percent(w),
                           stalled ? (*stalled ? "STALLED" : "running") : kNone});
    }
    out += "\n";
    if (workers.empty())
        out += "workers:  -\n";
    else
        out += format_table({"WORKER", "LCORE", "BUSY", "STATE"}, workers);

    const JsonValue& f = object_member(reply, "frames");
    out += "\nframes:   forward " + count(f, "forward") + ", drop " + count(f, "drop") +
           ", quarantine " + count(f, "quarantine") + "; anomalies " + count(f, "anomalies") +
           ", tx failed " + count(f, "tx_failed") + ", quarantine no room " +
           count(f, "quarantine_no_room") + "\n";
    if (const JsonValue& fp = object_member(reply, "fingerprint"); fp.is_object())
        out += "fingerprint copies: " + count(fp, "punted") + ", shed by the rate limits " +
               count(fp, "shed") + ", failed " + count(fp, "failed") + "\n";
    const JsonValue& d = object_member(reply, "devices");
    if (!d.is_object()) return out + "devices:  -\n";
    // Verdict counts share the object with its other counts; a verdict nobody has is absent.
    Counts by_verdict;
    for (const auto& [k, v] : d.as_object())
        if (k != "total" && k != "capacity" && k != "reports_lost")
            by_verdict.push_back({printable(k), count(d, k)});
    out += "devices:  " + count(d, "total") + " (" + verdict_summary(by_verdict) + "), capacity " +
           count(d, "capacity") + ", reports lost " + count(d, "reports_lost") + "\n";
    return out;
}

std::string format_devices(const JsonValue& reply, const DevicesOptions& options) {
    const auto& devices = array_member(reply, "devices");
    std::vector<std::vector<std::string>> rows;
    std::string evidence;
    for (const auto& e : devices) {
        const JsonValue& d = element_object(e, "devices");
        const std::string verdict = text(d, "verdict");
        if (!options.verdict.empty() && verdict != options.verdict) continue;
        std::string vendor = text(d, "vendor");
        if (vendor == kNone && member(d, "organization"))
            vendor = shorten(text(d, "organization"), 28);
        rows.push_back({text(d, "mac"), count(d, "vlan"), verdict, yes_no(d, "sticky"), vendor,
                        ips_text(d, options.verbose), text(d, "last_seen")});
        if (!options.verbose && verdict != "prohibited") continue;
        std::vector<std::vector<std::string>> lines;
        for (const auto& ev : array_member(d, "evidence")) {
            const JsonValue& item = element_object(ev, "evidence");
            lines.push_back({text(item, "signal"), text(item, "value"), text(item, "detail")});
        }
        std::string policy_class = text(d, "policy_class");
        evidence += "\n" + text(d, "mac") + " vlan " + count(d, "vlan") + ": " + verdict;
        if (policy_class != verdict) evidence += " (the policy says " + policy_class + ")";
        evidence += ", first seen " + text(d, "first_seen") + "\n";
        if (member(d, "white_label_suspect") && yes_no(d, "white_label_suspect") == "yes")
            evidence += text(d, "protocol_vendor") == kNone || text(d, "protocol_vendor").empty()
                            ? "  SUSPECT: it uses the address of a prohibited device (ip)\n"
                            : "  WHITE-LABEL OR SPOOFING SUSPECT: the protocol evidence names " +
                                  text(d, "protocol_vendor") + ", the MAC another maker\n";
        for (const char* k : {"model", "serial", "firmware"})
            if (member(d, k) && text(d, k) != kNone && !text(d, k).empty())
                evidence += "  " + std::string(k) + ": " + text(d, k) + "\n";
        if (lines.empty())
            evidence += "  no evidence recorded\n";
        else
            for (const auto& l : lines)
                evidence += "  " + l[0] + ": " + l[1] + (l[2] == kNone ? "" : " - " + l[2]) + "\n";
    }

    std::string out;
    if (rows.empty())
        out = options.verdict.empty() ? "no devices in the inventory\n"
                                      : "no " + options.verdict + " devices\n";
    else
        out =
            format_table({"MAC", "VLAN", "VERDICT", "STICKY", "VENDOR", "IPS", "LAST SEEN"}, rows) +
            evidence;

    // A summary line of the whole inventory, whatever the filter showed.
    std::vector<std::pair<std::string, std::uint64_t>> tally;
    for (const auto& e : devices) {
        std::string v = text(element_object(e, "devices"), "verdict");
        auto it =
            std::find_if(tally.begin(), tally.end(), [&](const auto& t) { return t.first == v; });
        if (it == tally.end())
            tally.push_back({v, 1});
        else
            ++it->second;
    }
    Counts counts;
    for (const auto& [name, n] : tally)
        counts.push_back({name, std::to_string(n)});
    out += "\n" + plural(std::to_string(devices.size()), "device") + " (" +
           verdict_summary(counts) + "), capacity " + count(reply, "capacity") + "\n";
    std::string refused = count(reply, "refused");
    if (refused != kNone && refused != "0")
        out += "WARNING: " + plural(refused, "new device") +
               " refused: the inventory is full; raise dataplane.device_capacity\n";
    return out;
}

std::string format_exceptions(const JsonValue& reply) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : array_member(reply, "exceptions")) {
        const JsonValue& x = element_object(e, "exceptions");
        rows.push_back({text(x, "mac"), text(x, "until"), yes_no(x, "active"), yes_no(x, "seen"),
                        text(x, "reason")});
    }
    if (rows.empty()) return "no exceptions in the policy\n";
    return format_table({"MAC", "UNTIL", "ACTIVE", "SEEN", "REASON"}, rows);
}

std::string format_reload(const JsonValue& reply) {
    std::string out = "reloaded: generation " + count(reply, "generation") + ", sha256 " +
                      short_sha(reply) + "\n";
    for (const auto& w : array_member(reply, "warnings")) {
        if (!w.is_string()) wrong_type(w, "warnings[]", "a string");
        out += "warning: " + printable(w.as_string()) + "\n";
    }
    return out;
}

std::string format_clear(const JsonValue& reply, const std::string& mac) {
    std::string out;
    const auto& changes = array_member(reply, "changes");
    for (const auto& e : changes) {
        const JsonValue& c = element_object(e, "changes");
        out += "cleared " + text(c, "mac") + " vlan " + count(c, "vlan") + ": " + text(c, "from") +
               " -> " + text(c, "to") + "\n";
    }
    auto still = flag(reply, "still_prohibited_by_policy");
    if (changes.empty() && !(still && *still))
        out += mac + ": no sticky verdict to lift (" + plural(count(reply, "devices"), "device") +
               " with this MAC in the inventory)\n";
    if (still && *still)
        out += mac +
               " is still prohibited: the policy in force prohibits it (clear lifts only the "
               "sticky verdict; an exception in the policy allows a device)\n";
    return out;
}

}  // namespace camfence::daemon
