// The discovery-protocol parsers: SADP and WS-Discovery over the XML scanner, DHIP over the
// JSON scanner, and the fixed layout of the older Dahua discovery on UDP 5050. Message
// formats as documented by public scanners (UniversalScanner Hikvision.cs, Dahua1.cs,
// Dahua2.cs; ethodump-ng hikvision.py, dhip.py) and the WS-Discovery / ONVIF specifications.
#include "dataplane/fingerprint/discovery.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

#include "dataplane/fingerprint/text_scan.h"

namespace camfence::fingerprint {

namespace {

// Values are decoded up to this many bytes before printable() cuts them to kMaxValueBytes.
// printable() turns a control character of up to 3 bytes into a 1-byte '?', so 3 times the
// bound and one more character always reach its cut: the result is the same as decoding all.
constexpr std::size_t kDecodeBytes = 4 * kMaxValueBytes;

std::string_view as_text(Bytes bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::uint32_t le16(Bytes b, std::size_t at) {
    return std::to_integer<std::uint32_t>(b[at]) | std::to_integer<std::uint32_t>(b[at + 1]) << 8;
}

std::uint32_t le32(Bytes b, std::size_t at) {
    return le16(b, at) | le16(b, at + 2) << 16;
}

bool full(const std::vector<Observation>& out) {
    return out.size() >= kMaxObservations;
}

void record(std::vector<Observation>& out, Protocol protocol, std::string_view field,
            std::string_view decoded) {
    if (full(out)) return;
    std::string value = printable(decoded);
    if (value.empty()) return;
    out.push_back({protocol, std::string(field), std::move(value)});
}

// Records XML character data: trimmed, entities decoded. `scratch` is reused across values.
void record_xml(std::vector<Observation>& out, Protocol protocol, std::string_view field,
                std::string_view raw, std::string& scratch) {
    raw = trim_xml_space(raw);
    if (raw.empty()) return;
    scratch.clear();
    append_xml_text(raw, kDecodeBytes, scratch);
    record(out, protocol, field, scratch);
}

// The element (or JSON key) names a parser records, matched exactly; the field is the name.
template <std::size_t N>
std::string_view find_name(const std::array<std::string_view, N>& names, std::string_view name) {
    for (auto n : names)
        if (n == name) return n;
    return {};
}

// --- SADP ---------------------------------------------------------------------------------

// What a ProbeMatch or Hello says about the device. DeviceType is a numeric model class,
// DeviceDescription the model ("DS-2CD2042WD-I"), DeviceSN model + date + serial; the OEM
// elements say whose badge a Hikvision device wears.
constexpr std::array<std::string_view, 9> kSadpFields = {
    "Types",       "DeviceType",      "DeviceDescription", "DeviceSN", "MAC",
    "IPv4Address", "SoftwareVersion", "DetailOEMCode",     "OEMInfo"};

// --- DHIP ---------------------------------------------------------------------------------

constexpr std::array<std::string_view, 7> kDhipDeviceInfoFields = {
    "DeviceType", "DeviceClass", "SerialNo", "Version", "Vendor", "Manufacturer", "mac"};

bool path_is(const JsonMember& m, std::initializer_list<std::string_view> keys) {
    if (m.depth != keys.size()) return false;
    std::size_t i = 0;
    for (auto k : keys)
        if (m.path[i++] != k) return false;
    return true;
}

// The observation field for a DHIP JSON member, or "" to skip it.
std::string_view dhip_field(const JsonMember& m) {
    if (m.depth == 0) {
        if (m.key == "method") return "method";
        if (m.key == "mac") return "mac";  // replies carry the MAC at the top level
        return {};
    }
    if (path_is(m, {"params", "deviceInfo"})) {
        if (m.key == "IPv4Address") return "IPv4Address";  // some firmware: a plain string
        return find_name(kDhipDeviceInfoFields, m.key);
    }
    if (path_is(m, {"params", "deviceInfo", "IPv4Address"}) && m.key == "IPAddress")
        return "IPv4Address";
    return {};
}

// --- Dahua 5050 ---------------------------------------------------------------------------

// Layout of the reply's fixed part, as UniversalScanner's Dahua1.cs reads it (all
// little-endian): magic 0x00b3 at 0, the length of section 2 at 2 (u16), the length of
// section 3 at 20 (u16), a NUL-padded model at 40 (16 bytes), the IPv4 address at 56 in
// network order. Section 2 follows the 120 bytes: the MAC as 17 characters, then a longer
// model that supersedes the one at 40. Section 3: "Key:Value" lines, SerialNo among them.
constexpr std::size_t kDahua5050Request = 32;
constexpr std::size_t kDahua5050Fixed = 120;
constexpr std::size_t kDahua5050ModelAt = 40;
constexpr std::size_t kDahua5050ModelBytes = 16;
constexpr std::size_t kDahua5050AddressAt = 56;
constexpr std::size_t kDahua5050MacBytes = 17;  // "00:11:22:33:44:55"

std::string_view until_nul(std::string_view s) {
    return s.substr(0, s.find('\0'));
}

// --- WS-Discovery -------------------------------------------------------------------------

constexpr std::array<std::string_view, 6> kWsdMessages = {
    "Hello", "Bye", "Probe", "ProbeMatches", "Resolve", "ResolveMatches"};

}  // namespace

bool parse_sadp(Bytes udp_payload, std::vector<Observation>& out) {
    XmlScanner xml(as_text(udp_payload));
    XmlElement e;
    if (!xml.next(e)) return false;
    bool probe = e.local == "Probe";
    if (!probe && e.local != "ProbeMatch" && e.local != "Hello") return false;

    // A Probe is a host searching: its Types says what it asks for (inquiry); any MAC or
    // address in it is the searcher's placeholder, not a device's identity.
    std::string scratch;
    while (!full(out) && xml.next(e)) {
        if (!e.simple || e.depth == 0) continue;
        std::string_view field = probe ? (e.local == "Types" ? kSadpFields[0] : std::string_view{})
                                       : find_name(kSadpFields, e.local);
        if (!field.empty()) record_xml(out, Protocol::sadp, field, e.text, scratch);
    }
    return true;
}

bool parse_dhip(Bytes udp_payload, std::vector<Observation>& out) {
    constexpr std::size_t kHeader = 32;
    if (udp_payload.size() < kHeader) return false;
    std::string_view text = as_text(udp_payload);
    if (le32(udp_payload, 0) != kHeader || text.substr(4, 4) != "DHIP") return false;
    // The body length is written twice; a sender that disagrees with itself, or claims more
    // than the datagram holds, is not believed. Bytes past the stated length are ignored.
    std::uint32_t body = le32(udp_payload, 16);
    if (body != le32(udp_payload, 24) || body > udp_payload.size() - kHeader) return false;

    JsonScanner json(text.substr(kHeader, body));
    JsonMember m;
    std::string scratch;
    while (!full(out) && json.next(m)) {
        if (m.kind != JsonKind::string) continue;
        std::string_view field = dhip_field(m);
        if (field.empty()) continue;
        scratch.clear();
        append_json_string(m.value, kDecodeBytes, scratch);
        record(out, Protocol::dhip, field, scratch);
    }
    return true;
}

bool parse_dahua5050(Bytes udp_payload, std::vector<Observation>& out) {
    std::string_view text = as_text(udp_payload);
    if (text.size() >= kDahua5050Request &&
        text.starts_with(std::string_view("\xa3\x01\x00\x01", 4))) {
        record(out, Protocol::dahua5050, "message", "search");
        return true;
    }
    if (text.size() < kDahua5050Fixed || !text.starts_with(std::string_view("\xb3\x00", 2)))
        return false;

    // Section lengths come from the sender: substr() clamps them to what was received.
    std::size_t section2_len = le16(udp_payload, 2);
    std::size_t section3_len = le16(udp_payload, 20);
    std::string_view section2 = text.substr(kDahua5050Fixed, section2_len);
    std::string_view section3 = text.substr(kDahua5050Fixed + section2.size(), section3_len);

    std::string_view model =
        until_nul(section2.substr(std::min(section2.size(), kDahua5050MacBytes)));
    if (model.empty()) model = until_nul(text.substr(kDahua5050ModelAt, kDahua5050ModelBytes));
    record(out, Protocol::dahua5050, "DeviceType", model);

    // Four octets: at most "255.255.255.255", 15 characters.
    auto octet = [&](std::size_t i) {
        return std::to_integer<unsigned>(udp_payload[kDahua5050AddressAt + i]);
    };
    char address[16];
    int written = std::snprintf(address, sizeof address, "%u.%u.%u.%u", octet(0), octet(1),
                                octet(2), octet(3));
    std::string_view dotted(address, written > 0 ? static_cast<std::size_t>(written) : 0);
    if (dotted != "0.0.0.0") record(out, Protocol::dahua5050, "IPv4Address", dotted);

    record(out, Protocol::dahua5050, "MAC", until_nul(section2.substr(0, kDahua5050MacBytes)));

    while (!section3.empty() && !full(out)) {
        auto eol = section3.find('\n');
        std::string_view line = section3.substr(0, eol);
        section3.remove_prefix(eol == std::string_view::npos ? section3.size() : eol + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto colon = line.find(':');
        if (colon != std::string_view::npos && line.substr(0, colon) == "SerialNo")
            record(out, Protocol::dahua5050, "SerialNo", until_nul(line.substr(colon + 1)));
    }
    return true;
}

bool parse_wsd(Bytes udp_payload, std::vector<Observation>& out) {
    XmlScanner xml(as_text(udp_payload));
    XmlElement e;
    if (!xml.next(e) || e.local != "Envelope") return false;

    // The message is the first child of the SOAP Body.
    std::string_view message;
    bool in_body = false;
    while (xml.next(e)) {
        if (e.depth == 1) in_body = e.local == "Body";
        if (in_body && e.depth == 2) {
            message = find_name(kWsdMessages, e.local);
            break;
        }
    }
    if (message.empty()) return false;  // no body, or some other SOAP message
    record(out, Protocol::wsd, "message", message);

    // Probe and Resolve come from a host searching: their Types and Scopes are what it looks
    // for, not what it is.
    if (message == "Probe" || message == "Resolve") return true;

    std::string scratch;
    while (!full(out) && xml.next(e)) {
        if (e.depth <= 1) break;  // past the Body
        if (!e.simple || e.depth < 3) continue;
        if (e.local == "Types") record_xml(out, Protocol::wsd, "Types", e.text, scratch);
        if (e.local == "XAddrs") record_xml(out, Protocol::wsd, "XAddrs", e.text, scratch);
        if (e.local != "Scopes") continue;
        // A whitespace-separated list of URIs; one observation each, as sent.
        std::string_view scopes = e.text;
        for (auto scope = next_list_item(scopes); !scope.empty() && !full(out);
             scope = next_list_item(scopes))
            record_xml(out, Protocol::wsd, "scope", scope, scratch);
    }
    return true;
}

}  // namespace camfence::fingerprint
