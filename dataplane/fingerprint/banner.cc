// HTTP/RTSP response banners (banner.h). The header is read line by line, tolerating what
// embedded web servers send (bare LF, tabs, space before the colon, folded values), and a
// line is only read once its end is in the segment, so a value cut by the segment boundary is
// never mistaken for the whole value.
#include "dataplane/fingerprint/banner.h"

#include <array>
#include <string>
#include <string_view>

namespace camfence::fingerprint {
namespace {

// Raw bytes of a value kept before printable() cuts it: enough for kMaxValueBytes of output,
// small enough that a hostile folded header cannot make us copy much.
constexpr std::size_t kMaxRawValue = 4 * kMaxValueBytes;

constexpr std::array<std::string_view, 2> kBodyMarkers = {"/RPC2_Login", "global.login"};

std::string_view as_text(Bytes b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

void append_capped(std::string& to, std::string_view s) {
    if (to.size() < kMaxRawValue) to.append(s.substr(0, kMaxRawValue - to.size()));
}

void emit(std::vector<Observation>& out, Protocol protocol, std::string_view field,
          std::string_view raw) {
    if (raw.empty() || out.size() >= kMaxObservations) return;
    Observation o{protocol, std::string(field), printable(raw)};
    for (const auto& seen : out)
        if (seen == o) return;
    out.push_back(std::move(o));
}

// The realm parameter of every challenge in a WWW-Authenticate value, e.g.
// `Digest realm="Hikvision", nonce="..."` or `Basic realm=x, Digest realm="y"`. Parameters
// are tokenized so that "realm=" inside another parameter's quoted string is not a realm.
void emit_realms(std::string_view v, Protocol protocol, std::vector<Observation>& out) {
    auto is_delimiter = [](char c) { return is_space(c) || c == ',' || c == '=' || c == '"'; };
    std::size_t i = 0;
    while (i < v.size()) {
        if (is_space(v[i]) || v[i] == ',') {
            ++i;
            continue;
        }
        std::size_t start = i;
        while (i < v.size() && !is_delimiter(v[i]))
            ++i;
        std::string_view name = v.substr(start, i - start);
        while (i < v.size() && is_space(v[i]))
            ++i;
        if (i >= v.size()) break;
        if (v[i] != '=') {
            if (name.empty()) ++i;  // a stray '"': step over it
            continue;               // an auth-scheme: its parameters follow
        }
        ++i;
        while (i < v.size() && is_space(v[i]))
            ++i;
        std::string value;
        if (i < v.size() && v[i] == '"') {
            for (++i; i < v.size(); ++i) {
                if (v[i] == '"') {
                    ++i;
                    break;
                }
                if (v[i] == '\\' && i + 1 < v.size()) ++i;
                if (value.size() < kMaxRawValue) value.push_back(v[i]);
            }
        } else {
            start = i;
            while (i < v.size() && !is_space(v[i]) && v[i] != ',')
                ++i;
            append_capped(value, v.substr(start, i - start));
        }
        if (iequals(name, "realm")) emit(out, protocol, "realm", value);
    }
}

void emit_field(std::string_view name, std::string_view value, Protocol protocol,
                std::vector<Observation>& out) {
    value = trim(value);  // a field whose first line was empty starts with the fold's space
    if (iequals(name, "Server"))
        emit(out, protocol, "Server", value);
    else if (iequals(name, "WWW-Authenticate"))
        emit_realms(value, protocol, out);
}

bool is_wanted(std::string_view name) {
    return iequals(name, "Server") || iequals(name, "WWW-Authenticate");
}

}  // namespace

bool parse_http_response(Bytes tcp_payload, std::vector<Observation>& out) {
    const std::string_view text = as_text(tcp_payload);
    Protocol protocol;
    if (text.starts_with("HTTP/1.") && text.size() > 7 && text[7] >= '0' && text[7] <= '9')
        protocol = Protocol::http;
    else if (text.starts_with("RTSP/1.0"))
        protocol = Protocol::rtsp;
    else
        return false;
    if (text.size() < 9 || text[8] != ' ') return false;

    std::size_t pos = text.find('\n');
    if (pos == std::string_view::npos) return true;  // the status line alone
    ++pos;

    // The field being read: its name, and its value unfolded so far.
    std::string_view name;
    std::string value;
    bool in_field = false;
    bool header_complete = false;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            // Cut by the segment: the partial line is not read, and the field above it is
            // whole only if this line shows it is not a continuation.
            if (in_field && is_space(text[pos])) in_field = false;
            break;
        }
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (!line.empty() && is_space(line.front())) {  // obs-fold: continues the field above
            if (in_field) {
                append_capped(value, " ");
                append_capped(value, trim(line));
            }
            continue;
        }
        if (in_field) emit_field(name, value, protocol, out);
        in_field = false;
        if (line.empty()) {
            header_complete = true;
            break;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;  // not a field: skipped
        name = trim(line.substr(0, colon));
        if (!is_wanted(name)) continue;
        in_field = true;
        value.clear();
        append_capped(value, trim(line.substr(colon + 1)));
    }
    if (in_field && pos < text.size()) emit_field(name, value, protocol, out);

    if (header_complete) {
        const std::string_view body = text.substr(pos);
        for (std::string_view marker : kBodyMarkers)
            if (body.find(marker) != std::string_view::npos) emit(out, protocol, "body", marker);
    }
    return true;
}

}  // namespace camfence::fingerprint
