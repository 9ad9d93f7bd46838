// The discovery-protocol parsers (SADP, DHIP, Dahua 5050, WS-Discovery), the scanners under
// them and printable(): exact observations for messages shaped like the ones devices and
// search tools send (after the public scanner sources cited in discovery.cc), then hostile
// input: every truncation, lying length fields, megabyte documents, deep nesting, bad UTF-8,
// NUL bytes, unterminated markup and entity bombs. Every payload is parsed from an exact-size
// heap copy so the sanitizer build catches a read past its end.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/fingerprint/discovery.h"
#include "dataplane/fingerprint/observation.h"
#include "dataplane/fingerprint/text_scan.h"
#include "tests/fixtures/utf8_check.h"

namespace {

namespace fp = camfence::fingerprint;
using namespace std::string_literals;
using fp::kMaxObservations;
using fp::kMaxValueBytes;
using fp::Observation;
using fp::Protocol;

using Parser = bool (*)(fp::Bytes, std::vector<Observation>&);

// "field=value" lines: what Catch prints when a comparison fails.
using Lines = std::vector<std::string>;

Lines lines(const std::vector<Observation>& observations) {
    Lines out;
    for (const auto& o : observations)
        out.push_back(o.field + "=" + o.value);
    return out;
}

std::vector<std::byte> heap_copy(std::string_view payload) {
    std::vector<std::byte> bytes(payload.size());
    for (std::size_t i = 0; i < payload.size(); ++i)
        bytes[i] = static_cast<std::byte>(payload[i]);
    return bytes;
}

using camfence::testing::clean_utf8;

// What holds for every parse, whatever the input: a bounded number of bounded, printable,
// non-empty values, all of the parser's protocol; nothing added when the payload is not ours.
void check_invariants(bool ok, const std::vector<Observation>& out, Protocol protocol) {
    REQUIRE(out.size() <= kMaxObservations);
    if (!ok) REQUIRE(out.empty());
    for (const auto& o : out) {
        REQUIRE(o.protocol == protocol);
        REQUIRE(!o.field.empty());
        REQUIRE(!o.value.empty());
        REQUIRE(o.value.size() <= kMaxValueBytes);
        REQUIRE(clean_utf8(o.value));
    }
}

struct Parsed {
    bool ok = false;
    std::vector<Observation> out;
};

Parsed parse(Parser parser, std::string_view payload, Protocol protocol) {
    auto bytes = heap_copy(payload);
    Parsed p;
    p.ok = parser(bytes, p.out);
    check_invariants(p.ok, p.out, protocol);
    return p;
}

bool is_prefix(const Lines& part, const Lines& whole) {
    return part.size() <= whole.size() && std::equal(part.begin(), part.end(), whole.begin());
}

struct Case {
    std::string description;
    std::string payload;
    bool ok;
    Lines expected;
};

void run_table(Parser parser, Protocol protocol, const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        INFO(c.description);
        auto p = parse(parser, c.payload, protocol);
        CHECK(p.ok == c.ok);
        CHECK(lines(p.out) == c.expected);
    }
}

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

// Every prefix of a message parses without harm; the observations of a prefix are the first
// observations of the whole (a value is only read once it is complete), and the prefix counts
// as the protocol once it holds `recognised_at` bytes.
void check_truncations(Parser parser, Protocol protocol, const std::string& message,
                       std::size_t recognised_at) {
    auto whole = lines(parse(parser, message, protocol).out);
    for (std::size_t n = 0; n <= message.size(); ++n) {
        INFO("truncated to " << n << " of " << message.size() << " bytes");
        auto p = parse(parser, std::string_view(message).substr(0, n), protocol);
        REQUIRE(p.ok == (n >= recognised_at));
        REQUIRE(is_prefix(lines(p.out), whole));
    }
}

// ---- message builders ----------------------------------------------------------------------

void put_le(std::string& s, std::size_t at, std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        s[at + i] = static_cast<char>(v >> (8 * i) & 0xFF);
}

struct DhipHeader {
    std::uint32_t header_length = 32;
    std::string magic = "DHIP";
    std::int64_t length = -1;   // -1: the body's length
    std::int64_t length2 = -1;  // -1: same as length
};

// A DHIP datagram as UniversalScanner Dahua2.cs and the public write-ups frame it: a 32-byte
// little-endian header (0x20, "DHIP", zeros, the body length at 16 and again at 24), then JSON.
std::string dhip(std::string_view body, DhipHeader h = {}) {
    std::string s(32, '\0');
    put_le(s, 0, h.header_length, 4);
    s.replace(4, 4, h.magic);
    auto length = static_cast<std::uint32_t>(h.length < 0 ? body.size() : h.length);
    put_le(s, 16, length, 4);
    put_le(s, 24, h.length2 < 0 ? length : static_cast<std::uint32_t>(h.length2), 4);
    return s + std::string(body);
}

// The 32-byte search request of the older Dahua discovery (UniversalScanner Dahua1.cs).
std::string dahua5050_request() {
    std::string s(32, '\0');
    s[0] = '\xa3';
    s[1] = '\x01';
    s[2] = '\x00';
    s[3] = '\x01';
    s[16] = '\x02';
    return s;
}

struct Dahua5050Reply {
    std::string model = "IPC-HFW1320S";  // the 16-byte field at 40
    std::uint8_t ip[4] = {192, 168, 1, 108};
    std::string section2 = "4c:11:bf:12:34:56";
    std::string section3 = "";
    std::int64_t section2_length = -1;  // -1: as built
    std::int64_t section3_length = -1;
};

// A reply laid out as Dahua1.cs reads it: magic b3 00, section 2 length at 2, 0x58 at 4,
// version 2 at 16, section 3 length at 20, model at 40, IPv4 at 56; 120 bytes, then sections.
std::string dahua5050_reply(const Dahua5050Reply& r) {
    std::string s(120, '\0');
    s[0] = '\xb3';
    put_le(
        s, 2,
        static_cast<std::uint32_t>(r.section2_length < 0 ? r.section2.size() : r.section2_length),
        2);
    put_le(s, 4, 0x58, 4);
    put_le(s, 16, 2, 4);
    put_le(
        s, 20,
        static_cast<std::uint32_t>(r.section3_length < 0 ? r.section3.size() : r.section3_length),
        2);
    s.replace(40, std::min<std::size_t>(r.model.size(), 16), r.model.substr(0, 16));
    for (int i = 0; i < 4; ++i)
        s[56 + i] = static_cast<char>(r.ip[i]);
    return s + r.section2 + r.section3;
}

// ---- realistic messages ---------------------------------------------------------------------

// The search a SADP client multicasts (UniversalScanner Hikvision.cs sends this shape).
const std::string kSadpProbe =
    R"(<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>1E0C9F4B-3A4D-4E0B-9A2C-6C1D2E3F4A5B</Uuid><Types>inquiry</Types></Probe>)";

// A camera's answer: one element per CRLF-terminated line, in the order of the public
// self-test capture and ethodump-ng's field list.
const std::string kSadpProbeMatch =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<ProbeMatch><Uuid>7A1C3B52-0D4E-4F8A-9B6C-2E1D0F3A4B5C</Uuid>\r\n"
    "<Types>inquiry</Types>\r\n"
    "<DeviceType>139264</DeviceType>\r\n"
    "<DeviceDescription>DS-2CD2042WD-I</DeviceDescription>\r\n"
    "<DeviceSN>DS-2CD2042WD-I20170412AAWR123456789</DeviceSN>\r\n"
    "<CommandPort>8000</CommandPort>\r\n"
    "<HttpPort>80</HttpPort>\r\n"
    "<MAC>c0-56-e3-12-34-56</MAC>\r\n"
    "<IPv4Address>192.168.1.64</IPv4Address>\r\n"
    "<IPv4SubnetMask>255.255.255.0</IPv4SubnetMask>\r\n"
    "<IPv4Gateway>192.168.1.1</IPv4Gateway>\r\n"
    "<IPv6Address>::</IPv6Address>\r\n"
    "<IPv6Gateway>::</IPv6Gateway>\r\n"
    "<IPv6MaskLen>64</IPv6MaskLen>\r\n"
    "<DHCP>false</DHCP>\r\n"
    "<AnalogChannelNum>0</AnalogChannelNum>\r\n"
    "<DigitalChannelNum>1</DigitalChannelNum>\r\n"
    "<SoftwareVersion>V5.5.0build 170725</SoftwareVersion>\r\n"
    "<DSPVersion>V7.3 build 170630</DSPVersion>\r\n"
    "<BootTime>2021-03-02 10:11:12</BootTime>\r\n"
    "<Encrypt>true</Encrypt>\r\n"
    "<ResetAbility>false</ResetAbility>\r\n"
    "<DiskNumber>0</DiskNumber>\r\n"
    "<Activated>true</Activated>\r\n"
    "<PasswordResetAbility>true</PasswordResetAbility>\r\n"
    "<PasswordResetModeSecond>true</PasswordResetModeSecond>\r\n"
    "<DetailOEMCode>1</DetailOEMCode>\r\n"
    "<SupportSecurityQuestion>true</SupportSecurityQuestion>\r\n"
    "<SupportHCPlatform>true</SupportHCPlatform>\r\n"
    "<HCPlatformEnable>false</HCPlatformEnable>\r\n"
    "<IsModifyVerificationCode>true</IsModifyVerificationCode>\r\n"
    "<DeviceLock>true</DeviceLock>\r\n"
    "</ProbeMatch>\r\n";

const Lines kSadpProbeMatchLines = {
    "Types=inquiry",
    "DeviceType=139264",
    "DeviceDescription=DS-2CD2042WD-I",
    "DeviceSN=DS-2CD2042WD-I20170412AAWR123456789",
    "MAC=c0-56-e3-12-34-56",
    "IPv4Address=192.168.1.64",
    "SoftwareVersion=V5.5.0build 170725",
    "DetailOEMCode=1",
};

// DHDiscover.search as UniversalScanner Dahua2.cs writes it, CRLF included in the length.
const std::string kDhipSearchBody =
    "{ \"method\" : \"DHDiscover.search\", \"params\" : { \"mac\" : \"\", \"uni\" : 1 } }\r\n";

// client.notifyDevInfo in the spacing and member order of a published reply (IPv4Address and
// IPv6Address nested, '/' escaped as "\/").
const std::string kDhipReplyBody =
    R"({ "mac" : "4c:11:bf:12:34:56", "method" : "client.notifyDevInfo", "params" : { "deviceInfo" : { )"
    R"("AlarmInputChannels" : 1, "AlarmOutputChannels" : 1, "DeviceClass" : "IPC", )"
    R"("DeviceType" : "IPC-HFW4431R-Z", "HttpPort" : 80, "IPv4Address" : { "DefaultGateway" : )"
    R"("192.168.1.1", "DhcpEnable" : false, "IPAddress" : "192.168.1.108", "SubnetMask" : )"
    R"("255.255.255.0" }, "IPv6Address" : { "DefaultGateway" : "", "DhcpEnable" : false, )"
    R"("IPAddress" : "fd00::1\/64", "LinkLocalAddress" : "fe80::4e11:bfff:fe12:3456\/64" }, )"
    R"("MachineName" : "4F01234PAZ12345", "Manufacturer" : "Private", "Port" : 37777, )"
    R"("RemoteVideoInputChannels" : 0, "SerialNo" : "4F01234PAZ12345", "Vendor" : "Dahua", )"
    R"("Version" : "2.622.0000000.16.R", "VideoInputChannels" : 1, "VideoOutputChannels" : 0 } } })";

const Lines kDhipReplyLines = {
    "mac=4c:11:bf:12:34:56",
    "method=client.notifyDevInfo",
    "DeviceClass=IPC",
    "DeviceType=IPC-HFW4431R-Z",
    "IPv4Address=192.168.1.108",
    "Manufacturer=Private",
    "SerialNo=4F01234PAZ12345",
    "Vendor=Dahua",
    "Version=2.622.0000000.16.R",
};

// A Hikvision ProbeMatches with the scope set Hikvision firmware announces.
const std::string kWsdHikvisionProbeMatches =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    "\n"
    R"(<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" )"
    R"(xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" )"
    R"(xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" )"
    R"(xmlns:dn="http://www.onvif.org/ver10/network/wsdl" )"
    R"(xmlns:tds="http://www.onvif.org/ver10/device/wsdl">)"
    "<SOAP-ENV:Header>"
    "<wsa:MessageID>urn:uuid:aaaaaaaa-bbbb-cccc-dddd-c056e3123456</wsa:MessageID>"
    "<wsa:RelatesTo>uuid:2f3c1d5e-6a7b-4c8d-9e0f-1a2b3c4d5e6f</wsa:RelatesTo>"
    R"(<wsa:To SOAP-ENV:mustUnderstand="true">)"
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>"
    R"(<wsa:Action SOAP-ENV:mustUnderstand="true">)"
    "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>"
    "</SOAP-ENV:Header>"
    "<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>"
    "<wsa:EndpointReference><wsa:Address>urn:uuid:aaaaaaaa-bbbb-cccc-dddd-c056e3123456"
    "</wsa:Address></wsa:EndpointReference>"
    "<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>"
    "<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming "
    "onvif://www.onvif.org/Profile/G onvif://www.onvif.org/Profile/T "
    "onvif://www.onvif.org/MAC/c0:56:e3:12:34:56 onvif://www.onvif.org/hardware/DS-2CD2042WD-I "
    "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2042WD-I "
    "onvif://www.onvif.org/location/city/hangzhou</d:Scopes>"
    "<d:XAddrs>http://192.168.1.64/onvif/device_service "
    "http://[fe80::c256:e3ff:fe12:3456]/onvif/device_service</d:XAddrs>"
    "<d:MetadataVersion>10</d:MetadataVersion>"
    "</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>";

const Lines kWsdHikvisionLines = {
    "message=ProbeMatches",
    "Types=dn:NetworkVideoTransmitter tds:Device",
    "scope=onvif://www.onvif.org/type/video_encoder",
    "scope=onvif://www.onvif.org/Profile/Streaming",
    "scope=onvif://www.onvif.org/Profile/G",
    "scope=onvif://www.onvif.org/Profile/T",
    "scope=onvif://www.onvif.org/MAC/c0:56:e3:12:34:56",
    "scope=onvif://www.onvif.org/hardware/DS-2CD2042WD-I",
    "scope=onvif://www.onvif.org/name/HIKVISION%20DS-2CD2042WD-I",
    "scope=onvif://www.onvif.org/location/city/hangzhou",
    "XAddrs=http://192.168.1.64/onvif/device_service "
    "http://[fe80::c256:e3ff:fe12:3456]/onvif/device_service",
};

// A Dahua camera announcing itself, pretty-printed, scopes on separate lines.
const std::string kWsdDahuaHello =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"\n"
    "    xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"\n"
    "    xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">\n"
    "  <s:Header>\n"
    "    <a:MessageID>uuid:7dffd1ac-a95b-4479-ae60-0128450c7104</a:MessageID>\n"
    "    <a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>\n"
    "    <a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action>\n"
    "    <d:AppSequence InstanceId=\"1\" MessageNumber=\"1\"/>\n"
    "  </s:Header>\n"
    "  <s:Body>\n"
    "    <d:Hello>\n"
    "      <a:EndpointReference>\n"
    "        <a:Address>uuid:503b687a-b9d7-474f-a2d0-a18c8b25a464</a:Address>\n"
    "      </a:EndpointReference>\n"
    "      <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>\n"
    "      <d:Scopes>\n"
    "        onvif://www.onvif.org/location/country/china\n"
    "        onvif://www.onvif.org/name/Dahua\n"
    "\tonvif://www.onvif.org/hardware/IPC-HFW2431S-S-S2\n"
    "        onvif://www.onvif.org/Profile/Streaming\n"
    "        onvif://www.onvif.org/type/Network_Video_Transmitter\n"
    "        onvif://www.onvif.org/extension/unique_identifier\n"
    "      </d:Scopes>\n"
    "      <d:XAddrs>http://192.168.1.108/onvif/device_service</d:XAddrs>\n"
    "      <d:MetadataVersion>1</d:MetadataVersion>\n"
    "    </d:Hello>\n"
    "  </s:Body>\n"
    "</s:Envelope>\n";

// The Probe ONVIF clients multicast: default namespaces, no prefixes.
const std::string kWsdProbe =
    R"(<?xml version="1.0" encoding="utf-8"?><Envelope xmlns:dn="http://www.onvif.org/ver10/network/wsdl" )"
    R"(xmlns="http://www.w3.org/2003/05/soap-envelope"><Header><wsa:MessageID )"
    R"(xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">uuid:f6a1b2c3-d4e5-4f60-8172-93a4b5c6d7e8)"
    R"(</wsa:MessageID><wsa:To xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">)"
    R"(urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action )"
    R"(xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">)"
    R"(http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action></Header><Body><Probe )"
    R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" )"
    R"(xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><Types>dn:NetworkVideoTransmitter</Types>)"
    R"(<Scopes /></Probe></Body></Envelope>)";

std::string sadp_match_with(std::string_view elements) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ProbeMatch>" + std::string(elements) +
           "</ProbeMatch>\r\n";
}

std::string dhip_device_info(std::string_view members) {
    return dhip(
        R"({"mac":"4c:11:bf:12:34:56","method":"client.notifyDevInfo","params":{"deviceInfo":{)" +
        std::string(members) + "}}}");
}

std::string wsd_hello_with(std::string_view hello_children) {
    return R"(<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" )"
           R"(xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Body><d:Hello>)" +
           std::string(hello_children) + "</d:Hello></s:Body></s:Envelope>";
}

struct SeenElement {
    std::string local, text;
    bool simple;
    std::size_t depth;
    bool operator==(const SeenElement&) const = default;
};

}  // namespace

// ---- printable, to_string ---------------------------------------------------------------------

TEST_CASE("printable keeps UTF-8 text and replaces controls and invalid bytes", "[fingerprint]") {
    struct Row {
        std::string description, raw, expected;
    };
    const std::vector<Row> rows = {
        {"empty", "", ""},
        {"ASCII", "DS-2CD2042WD-I", "DS-2CD2042WD-I"},
        {"NUL", "AB\0CD"s, "AB?CD"},
        {"escape sequence", "\x1b[31mred", "?[31mred"},
        {"CR LF tab", "a\r\n\tb", "a???b"},
        {"DEL", "a\x7f", "a?"},
        {"C1 control (NEL)", "a\xc2\x85z", "a?z"},
        {"two- and three-byte characters", "caf\xc3\xa9 \xe6\xb5\xb7\xe5\xba\xb7",
         "caf\xc3\xa9 \xe6\xb5\xb7\xe5\xba\xb7"},
        {"four-byte character", "\xf0\x9f\x93\xb7", "\xf0\x9f\x93\xb7"},
        {"right-to-left override", "abc\xe2\x80\xaetxt", "abc?txt"},
        {"line separator", "a\xe2\x80\xa8z", "a?z"},
        {"stray continuation byte", "a\x80z", "a?z"},
        {"invalid lead bytes", "\xff\xfe\xc0\xc1\xf5", "?????"},
        {"truncated sequence", "ab\xe6\xb5", "ab??"},
        {"truncated sequence then ASCII", "\xe6\xb5z", "??z"},
        {"overlong slash", "\xc0\xaf", "??"},
        {"overlong three-byte", "\xe0\x80\xaf", "???"},
        {"surrogate", "\xed\xa0\x80", "???"},
        {"past U+10FFFF", "\xf4\x90\x80\x80", "????"},
        {"cut at the bound", std::string(300, 'a'), std::string(kMaxValueBytes, 'a')},
        {"a character that would straddle the bound is dropped",
         std::string(kMaxValueBytes - 1, 'a') + "\xc3\xa9", std::string(kMaxValueBytes - 1, 'a')},
        {"a character that ends on the bound is kept",
         std::string(kMaxValueBytes - 2, 'a') + "\xc3\xa9z",
         std::string(kMaxValueBytes - 2, 'a') + "\xc3\xa9"},
    };
    for (const auto& row : rows) {
        INFO(row.description);
        auto value = fp::printable(row.raw);
        CHECK(value == row.expected);
        CHECK(value.size() <= kMaxValueBytes);
        CHECK(clean_utf8(value));
    }
}

TEST_CASE("every protocol has a name", "[fingerprint]") {
    CHECK(fp::to_string(Protocol::sadp) == "sadp");
    CHECK(fp::to_string(Protocol::dhip) == "dhip");
    CHECK(fp::to_string(Protocol::dahua5050) == "dahua5050");
    CHECK(fp::to_string(Protocol::wsd) == "wsd");
    CHECK(fp::to_string(Protocol::http) == "http");
    CHECK(fp::to_string(Protocol::rtsp) == "rtsp");
    CHECK(fp::to_string(Protocol::dhcp) == "dhcp");
    CHECK(fp::to_string(Protocol::dns) == "dns");
    CHECK(fp::to_string(Protocol::tls_sni) == "tls_sni");
    CHECK(fp::to_string(Protocol::tls_cert) == "tls_cert");
}

// ---- the scanners -----------------------------------------------------------------------------

TEST_CASE("the XML scanner yields start tags with depth and simple text", "[fingerprint]") {
    std::string doc =
        "\xef\xbb\xbf<?xml version=\"1.0\"?><!-- <Fake>x</Fake> --><!DOCTYPE r>"
        "<a:Root x=\"1>2\" y='/'><Item>one</Item><b:Item >t&amp;o</b:Item ><Empty/>"
        "<Mixed>text<Child>c</Child></Mixed><![CDATA[<NotATag>]]><Mismatch>x</Other>"
        "< NotAName><Last>z</Last></a:Root>";
    fp::XmlScanner xml(doc);
    fp::XmlElement e;
    std::vector<SeenElement> seen;
    while (xml.next(e))
        seen.push_back({std::string(e.local), std::string(e.text), e.simple, e.depth});
    std::vector<SeenElement> expected = {
        {"Root", "", false, 0},     {"Item", "one", true, 1}, {"Item", "t&amp;o", true, 1},
        {"Empty", "", true, 1},     {"Mixed", "", false, 1},  {"Child", "c", true, 2},
        {"Mismatch", "", false, 1}, {"Last", "z", true, 1},
    };
    REQUIRE(seen.size() == expected.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
        INFO("element " << i << ": " << seen[i].local);
        CHECK(seen[i] == expected[i]);
    }
}

TEST_CASE("XML text decoding handles the predefined entities and character references",
          "[fingerprint]") {
    struct Row {
        std::string raw, expected;
    };
    const std::vector<Row> rows = {
        {"a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;", "a <b> & \"c\" 'd'"},
        {"&#65;&#x42;&#x0043;&#0000068;", "ABCD"},
        {"&#xe9;&#x6D77;&#x1F4F7;", "\xc3\xa9\xe6\xb5\xb7\xf0\x9f\x93\xb7"},
        {"&#xD800;&#x110000;&#1114112;", "???"},
        {"values that would wrap a 32-bit counter: &#4294967361;&#x100000041;",
         "values that would wrap a 32-bit counter: ??"},
        {"&#0;", "\0"s},
        {"&lol9; &unknown; & &; &#; &#x; &#12a;", "&lol9; &unknown; & &; &#; &#x; &#12a;"},
        {"&#99999999999999999999999;", "&#99999999999999999999999;"},
        {"&amp;lt;", "&lt;"},
    };
    for (const auto& row : rows) {
        INFO(row.raw);
        std::string out;
        fp::append_xml_text(row.raw, 1024, out);
        CHECK(out == row.expected);
    }
    std::string out;
    fp::append_xml_text(repeat("&#x6D77;", 1000), 10, out);
    CHECK(out.size() == 10);
}

TEST_CASE("the JSON scanner yields scalar members with their path", "[fingerprint]") {
    std::string text =
        R"({"a":"1","o":{"b":2,"arr":[1,"x",{"c":true}],"d":{"e":"\"q\""}},"f":null, junk "g" : "3"})";
    fp::JsonScanner json(text);
    fp::JsonMember m;
    std::vector<std::string> seen;
    while (json.next(m)) {
        std::string path;
        for (auto k : m.path)
            path += std::string(k) + "/";
        seen.push_back(path + std::string(m.key) + "=" + std::string(m.value) + " depth " +
                       std::to_string(m.depth) + " kind " +
                       std::to_string(static_cast<int>(m.kind)));
    }
    CHECK(seen == std::vector<std::string>{
                      "a=1 depth 0 kind 0",
                      "o/b=2 depth 1 kind 1",
                      "o/arr//c=true depth 3 kind 2",
                      "o/d/e=\\\"q\\\" depth 2 kind 0",
                      "f=null depth 0 kind 2",
                      "g=3 depth 0 kind 0",
                  });
}

TEST_CASE("JSON string decoding handles every escape", "[fingerprint]") {
    struct Row {
        std::string raw, expected;
    };
    const std::vector<Row> rows = {
        {R"(plain)", "plain"},
        {R"(\"\\\/\b\f\n\r\t)", "\"\\/\b\f\n\r\t"},
        {R"(IPC\u002DHDW)", "IPC-HDW"},
        {R"(\u00e9\u6d77)", "\xc3\xa9\xe6\xb5\xb7"},
        {R"(\ud83d\udcf7)", "\xf0\x9f\x93\xb7"},
        {R"(\ud83d)", "?"},
        {R"(\udcf7x)", "?x"},
        {R"(\ud83d\u0041)", "?A"},
        {R"(\u0000)", "\0"s},
        {R"(\x \u12 \uZZZZ)", "? ?12 ?ZZZZ"},
        {R"(end\)", "end?"},
    };
    for (const auto& row : rows) {
        INFO(row.raw);
        std::string out;
        fp::append_json_string(row.raw, 1024, out);
        CHECK(out == row.expected);
    }
}

// ---- SADP -------------------------------------------------------------------------------------

TEST_CASE("SADP: searches and answers", "[fingerprint]") {
    run_table(
        fp::parse_sadp, Protocol::sadp,
        {
            {"a client's inquiry", kSadpProbe, true, {"Types=inquiry"}},
            {"SADP Tool's inquiry: the broadcast MAC is the searcher's placeholder",
             R"(<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>3F2504E0-4F89-11D3-9A0C-0305E82C3301</Uuid>)"
             "<MAC>ff-ff-ff-ff-ff-ff</MAC><Types>inquiry</Types></Probe>",
             true,
             {"Types=inquiry"}},
            {"a camera's ProbeMatch", kSadpProbeMatch, true, kSadpProbeMatchLines},
            {"an NVR's Hello, OEM-badged",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Hello><Uuid>X</Uuid>"
             "<DeviceType>261</DeviceType><DeviceDescription>TVN-2104 &amp; "
             "&#x54;ruVision</DeviceDescription><DeviceSN>TVN21040420190101CCRR000000001"
             "</DeviceSN><MAC>28-57-be-00-00-01</MAC><OEMInfo>Interlogix</OEMInfo>"
             "<DetailOEMCode>4</DetailOEMCode></Hello>",
             true,
             {"DeviceType=261", "DeviceDescription=TVN-2104 & TruVision",
              "DeviceSN=TVN21040420190101CCRR000000001", "MAC=28-57-be-00-00-01",
              "OEMInfo=Interlogix", "DetailOEMCode=4"}},
            {"BOM, comment and whitespace before the root",
             "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- SADP -->\n  <ProbeMatch>"
             "<DeviceSN> DS-7608NI-K2/8P0820200101CCRR000000002 </DeviceSN></ProbeMatch>",
             true,
             {"DeviceSN=DS-7608NI-K2/8P0820200101CCRR000000002"}},
            {"empty and whitespace-only elements are not recorded",
             sadp_match_with("<DeviceType></DeviceType><DeviceSN> \r\n </DeviceSN><MAC/>"),
             true,
             {}},
            {"an element with children is not a value",
             sadp_match_with("<DeviceSN><Part>A</Part></DeviceSN><MAC>aa</MAC>"),
             true,
             {"MAC=aa"}},
            {"prefixed names match by local name",
             R"(<h:ProbeMatch xmlns:h="urn:x"><h:DeviceDescription>DS-2CD2143G0-I</h:DeviceDescription></h:ProbeMatch>)",
             true,
             {"DeviceDescription=DS-2CD2143G0-I"}},
            {"a WS-Discovery envelope is not SADP", kWsdHikvisionProbeMatches, false, {}},
            {"a ProbeMatches root is not SADP",
             "<ProbeMatches><DeviceSN>x</DeviceSN></ProbeMatches>",
             false,
             {}},
            {"empty payload", "", false, {}},
            {"XML declaration only", "<?xml version=\"1.0\"?>", false, {}},
            {"not XML", "GET / HTTP/1.1\r\n\r\n", false, {}},
            {"JSON", R"({"method":"DHDiscover.search"})", false, {}},
            {"binary SADP", std::string("\x21\x02\x01\x42\x00\x00\x00\x00", 8), false, {}},
        });
}

TEST_CASE("SADP: hostile input", "[fingerprint]") {
    SECTION("every truncation of an answer") {
        check_truncations(fp::parse_sadp, Protocol::sadp, kSadpProbeMatch,
                          kSadpProbeMatch.find("<ProbeMatch>") + 12);
    }
    SECTION("every truncation of a search") {
        check_truncations(fp::parse_sadp, Protocol::sadp, kSadpProbe,
                          kSadpProbe.find("<Probe>") + 7);
    }
    SECTION("a megabyte of elements stops at kMaxObservations") {
        std::string doc = "<ProbeMatch>";
        for (std::size_t i = 0; doc.size() < (1u << 20); ++i)
            doc += "<DeviceSN>SN" + std::to_string(i) + "</DeviceSN><Other>x</Other>";
        auto p = parse(fp::parse_sadp, doc, Protocol::sadp);
        CHECK(p.ok);
        REQUIRE(p.out.size() == kMaxObservations);
        CHECK(p.out.front().value == "SN0");
        CHECK(p.out.back().value == "SN" + std::to_string(kMaxObservations - 1));
    }
    SECTION("observations already in the vector count towards the cap") {
        std::vector<Observation> out(kMaxObservations - 2,
                                     Observation{Protocol::dns, "qname", "x"});
        auto bytes = heap_copy(kSadpProbeMatch);
        CHECK(fp::parse_sadp(bytes, out));
        REQUIRE(out.size() == kMaxObservations);
        CHECK(out[kMaxObservations - 2].value == "inquiry");
        CHECK(out[kMaxObservations - 1].value == "139264");
    }
    SECTION("a megabyte value is cut to kMaxValueBytes") {
        auto p = parse(fp::parse_sadp,
                       sadp_match_with("<DeviceDescription>" + std::string(1u << 20, 'A') +
                                       "</DeviceDescription>"),
                       Protocol::sadp);
        REQUIRE(p.out.size() == 1);
        CHECK(p.out[0].value == std::string(kMaxValueBytes, 'A'));
    }
    SECTION("a value of three-byte characters is cut on a character boundary") {
        auto p = parse(fp::parse_sadp,
                       sadp_match_with("<DeviceDescription>" + repeat("\xe6\xb5\xb7", 1000) +
                                       "</DeviceDescription>"),
                       Protocol::sadp);
        REQUIRE(p.out.size() == 1);
        CHECK(p.out[0].value == repeat("\xe6\xb5\xb7", kMaxValueBytes / 3));
    }
    SECTION("deep nesting neither recurses nor hides later elements") {
        std::string doc = "<ProbeMatch>" + repeat("<a>", 200000) + "<DeviceSN>deep</DeviceSN>" +
                          repeat("</a>", 200000) + "<MAC>c0-56-e3-00-00-01</MAC></ProbeMatch>";
        auto p = parse(fp::parse_sadp, doc, Protocol::sadp);
        CHECK(p.ok);
        CHECK(lines(p.out) == Lines{"DeviceSN=deep", "MAC=c0-56-e3-00-00-01"});
    }
    SECTION("deep nesting that never closes") {
        auto p =
            parse(fp::parse_sadp, "<ProbeMatch>" + repeat("<a><b x='1'>", 200000), Protocol::sadp);
        CHECK(p.ok);
        CHECK(p.out.empty());
    }
    run_table(
        fp::parse_sadp, Protocol::sadp,
        {
            {"invalid UTF-8 in a value",
             sadp_match_with("<DeviceDescription>DS-\xff\xfe-2CD\xc3</DeviceDescription>"
                             "<DeviceSN>\xc0\xaf\xed\xa0\x80</DeviceSN>"),
             true,
             {"DeviceDescription=DS-?\?-2CD?", "DeviceSN=?????"}},
            {"NUL bytes in a value and before the root",
             "\0\0<ProbeMatch><DeviceSN>AB\0CD</DeviceSN></ProbeMatch>"s,
             true,
             {"DeviceSN=AB?CD"}},
            {"terminal escapes and controls",
             sadp_match_with("<DeviceDescription>\x1b[2J\x1b]0;owned\x07</DeviceDescription>"),
             true,
             {"DeviceDescription=?[2J?]0;owned?"}},
            {"an unterminated element",
             "<ProbeMatch><DeviceSN>abc</DeviceSN><MAC>c0-56",
             true,
             {"DeviceSN=abc"}},
            {"an unterminated start tag",
             "<ProbeMatch><DeviceSN>abc</DeviceSN><MAC attr=\"x>y</MAC>",
             true,
             {"DeviceSN=abc"}},
            {"an unterminated root tag", "<ProbeMatch attr='x", false, {}},
            {"an unterminated comment hides the root",
             "<!-- <ProbeMatch><DeviceSN>x</DeviceSN>",
             false,
             {}},
            {"a mismatched end tag",
             sadp_match_with("<DeviceSN>abc</MAC><MAC>m</MAC>"),
             true,
             {"MAC=m"}},
            {"a lone '<' in text",
             sadp_match_with("<DeviceSN>a < b</DeviceSN><MAC>m</MAC>"),
             true,
             {"MAC=m"}},
            {"an entity bomb is never expanded",
             "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
             "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
             "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
             "<!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
             "]><ProbeMatch><DeviceDescription>&lol9;</DeviceDescription></ProbeMatch>",
             true,
             {"DeviceDescription=&lol9;"}},
            {"an external entity is never fetched",
             "<!DOCTYPE p [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
             "<ProbeMatch><DeviceSN>&xxe;</DeviceSN></ProbeMatch>",
             true,
             {"DeviceSN=&xxe;"}},
            {"a hundred thousand character references stay bounded",
             sadp_match_with("<DeviceSN>" + repeat("&#65;", 100000) + "</DeviceSN>"),
             true,
             {"DeviceSN=" + std::string(kMaxValueBytes, 'A')}},
            {"references to invalid code points",
             sadp_match_with("<DeviceSN>&#0;&#xD800;&#x110000;&#x1b;</DeviceSN>"),
             true,
             {"DeviceSN=????"}},
        });
}

// ---- DHIP -------------------------------------------------------------------------------------

TEST_CASE("DHIP: searches and answers", "[fingerprint]") {
    run_table(
        fp::parse_dhip, Protocol::dhip,
        {
            {"DHDiscover.search, spaced, CRLF-terminated",
             dhip(kDhipSearchBody),
             true,
             {"method=DHDiscover.search"}},
            {"DHDiscover.search, compact",
             dhip(R"({"method":"DHDiscover.search","params":{"mac":"","uni":1}})"
                  "\n"),
             true,
             {"method=DHDiscover.search"}},
            {"client.notifyDevInfo", dhip(kDhipReplyBody), true, kDhipReplyLines},
            {"an OEM camera answering",
             dhip_device_info(
                 R"("AlarmInputChannels":0,"DeviceClass":"IPC","DeviceType":"W461ASC","HttpPort":80,)"
                 R"("IPv4Address":{"DefaultGateway":"192.168.86.1","DhcpEnable":true,)"
                 R"("IPAddress":"192.168.86.81","SubnetMask":"255.255.255.0"},"MachineName":"X",)"
                 R"("Manufacturer":"Private","SerialNo":"ND0219071234567","Vendor":"LOREX",)"
                 R"("Version":"2.800.0000000.3.R")"),
             true,
             {"mac=4c:11:bf:12:34:56", "method=client.notifyDevInfo", "DeviceClass=IPC",
              "DeviceType=W461ASC", "IPv4Address=192.168.86.81", "Manufacturer=Private",
              "SerialNo=ND0219071234567", "Vendor=LOREX", "Version=2.800.0000000.3.R"}},
            {"IPv4Address as a plain string, mac inside deviceInfo",
             dhip(
                 R"({"method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"DH-XVR5108HS-X",)"
                 R"("IPv4Address":"192.168.1.108","mac":"3c:ef:8c:00:00:01"}}})"),
             true,
             {"method=client.notifyDevInfo", "DeviceType=DH-XVR5108HS-X",
              "IPv4Address=192.168.1.108", "mac=3c:ef:8c:00:00:01"}},
            {"members elsewhere in the tree are not the device's",
             dhip(
                 R"({"method":"x","params":{"DeviceType":"no","deviceInfo":{"Other":{"DeviceType":"no"}},)"
                 R"("extra":{"deviceInfo":{"SerialNo":"no"}}},"deviceInfo":{"SerialNo":"no"}})"),
             true,
             {"method=x"}},
            {"non-string values are not recorded",
             dhip_device_info(R"("DeviceType":1234,"SerialNo":null,"Version":["2.1"])"),
             true,
             {"mac=4c:11:bf:12:34:56", "method=client.notifyDevInfo"}},
            {"escapes are decoded, controls replaced",
             dhip_device_info(
                 R"("DeviceType":"IPC\u002DHDW\ud83d\udcf7","SerialNo":"A\u0000B\nC","Vendor":"\ud800x")"),
             true,
             {"mac=4c:11:bf:12:34:56", "method=client.notifyDevInfo",
              "DeviceType=IPC-HDW\xf0\x9f\x93\xb7", "SerialNo=A?B?C", "Vendor=?x"}},
            {"bytes past the stated length are ignored",
             dhip(R"({"method":"DHDiscover.search"})") + R"({"method":"smuggled"})",
             true,
             {"method=DHDiscover.search"}},
            {"a stated length that cuts the JSON",
             dhip(R"({"method":"DHDiscover.search","mac":"4c:11:bf:12:34:56"})",
                  DhipHeader{.length = 40}),
             true,
             {"method=DHDiscover.search"}},
            {"an empty body", dhip(""), true, {}},
            {"a body that is not JSON", dhip("\x01\x02garbage\xff"), true, {}},
        });
}

TEST_CASE("DHIP: headers are checked against the payload", "[fingerprint]") {
    const std::string body = R"({"method":"DHDiscover.search"})";
    const auto n = static_cast<std::int64_t>(body.size());
    run_table(
        fp::parse_dhip, Protocol::dhip,
        {
            {"shorter than the header", dhip(body).substr(0, 31), false, {}},
            {"wrong magic", dhip(body, {.magic = "DHIQ"}), false, {}},
            {"lower-case magic", dhip(body, {.magic = "dhip"}), false, {}},
            {"header length not 32", dhip(body, {.header_length = 0x21}), false, {}},
            {"header length zero", dhip(body, {.header_length = 0}), false, {}},
            {"length one past the payload", dhip(body, {.length = n + 1}), false, {}},
            {"length 0xFFFFFFFF", dhip(body, {.length = 0xFFFFFFFF}), false, {}},
            {"the two lengths disagree", dhip(body, {.length = n, .length2 = n - 1}), false, {}},
            {"the second length is 0xFFFFFFFF",
             dhip(body, {.length = n, .length2 = 0xFFFFFFFF}),
             false,
             {}},
            {"both lengths past the payload", dhip(body, {.length = n + 1000}), false, {}},
            {"both lengths zero: an empty message", dhip(body, {.length = 0}), true, {}},
            {"bare JSON without the header", body, false, {}},
        });
}

TEST_CASE("DHIP: hostile input", "[fingerprint]") {
    SECTION("every truncation of a datagram: the stated length no longer fits") {
        std::string frame = dhip(kDhipReplyBody);
        check_truncations(fp::parse_dhip, Protocol::dhip, frame, frame.size());
    }
    SECTION("every truncation of the JSON, with the lengths matching") {
        auto whole = lines(parse(fp::parse_dhip, dhip(kDhipReplyBody), Protocol::dhip).out);
        REQUIRE(whole == kDhipReplyLines);
        for (std::size_t n = 0; n <= kDhipReplyBody.size(); ++n) {
            INFO("JSON truncated to " << n);
            auto p = parse(fp::parse_dhip, dhip(kDhipReplyBody.substr(0, n)), Protocol::dhip);
            REQUIRE(p.ok);
            REQUIRE(is_prefix(lines(p.out), whole));
        }
    }
    SECTION("a megabyte of members stops at kMaxObservations") {
        std::string members;
        for (std::size_t i = 0; members.size() < (1u << 20); ++i)
            members += R"("SerialNo":"SN)" + std::to_string(i) + R"(","Port":37777,)";
        auto p = parse(fp::parse_dhip, dhip_device_info(members + R"("x":0)"), Protocol::dhip);
        CHECK(p.ok);
        REQUIRE(p.out.size() == kMaxObservations);
        CHECK(p.out[2].value == "SN0");
    }
    SECTION("a megabyte string is cut to kMaxValueBytes") {
        auto p = parse(fp::parse_dhip,
                       dhip_device_info(R"("DeviceType":")" + std::string(1u << 20, 'A') + "\""),
                       Protocol::dhip);
        REQUIRE(p.out.size() == 3);
        CHECK(p.out[2].value == std::string(kMaxValueBytes, 'A'));
    }
    SECTION("deep nesting neither recurses nor hides later members") {
        std::string body =
            R"({"a":)" + repeat("[{\"k\":", 100000) + "1" + repeat("}]", 100000) +
            R"(,"method":"client.notifyDevInfo","params":{"deviceInfo":{"SerialNo":"S1"}}})";
        auto p = parse(fp::parse_dhip, dhip(body), Protocol::dhip);
        CHECK(lines(p.out) == Lines{"method=client.notifyDevInfo", "SerialNo=S1"});
    }
    SECTION("a deviceInfo deeper than the kept path is not mistaken for the real one") {
        std::string body = "{" + repeat(R"("params":{"deviceInfo":{)", 10) +
                           R"("SerialNo":"deep")" + repeat("}}", 10) + "}";
        auto p = parse(fp::parse_dhip, dhip(body), Protocol::dhip);
        CHECK(p.out.empty());
    }
    run_table(
        fp::parse_dhip, Protocol::dhip,
        {
            {"an unterminated string ends the scan",
             dhip(R"({"method":"client.notifyDevInfo","mac":"4c:11)"),
             true,
             {"method=client.notifyDevInfo"}},
            {"an unterminated key ends the scan",
             dhip(R"({"method":"x","params":{"deviceInfo":{"SerialNo)"),
             true,
             {"method=x"}},
            {"a trailing backslash", dhip(R"({"method":"x\)"), true, {}},
            {"invalid UTF-8",
             dhip_device_info("\"DeviceType\":\"IPC-\xff\xfe\xc3\",\"Vendor\":\"\xed\xa0\x80\""),
             true,
             {"mac=4c:11:bf:12:34:56", "method=client.notifyDevInfo", "DeviceType=IPC-???",
              "Vendor=???"}},
            {"raw NUL bytes",
             dhip("{\"method\":\"a\0b\",\0\"mac\":\"m\"}"s),
             true,
             {"method=a?b", "mac=m"}},
            {"structural junk",
             dhip(R"(}}]]{:"method":::"x",,,,"mac"  :  "y"]]]]]})"),
             true,
             {"method=x", "mac=y"}},
        });
}

// ---- Dahua 5050 -------------------------------------------------------------------------------

TEST_CASE("Dahua 5050: searches and answers", "[fingerprint]") {
    run_table(
        fp::parse_dahua5050, Protocol::dahua5050,
        {
            {"the search request", dahua5050_request(), true, {"message=search"}},
            {"an answer with the model in the fixed part",
             dahua5050_reply({}),
             true,
             {"DeviceType=IPC-HFW1320S", "IPv4Address=192.168.1.108", "MAC=4c:11:bf:12:34:56"}},
            {"an answer with a longer model and a serial number",
             dahua5050_reply(
                 {.model = "DH-IPC-HFW1320S",
                  .section2 = "4c:11:bf:12:34:56DH-IPC-HFW1320SP-W",
                  .section3 = "Version:2.420.0000.0.R\r\nSerialNo:3G01234PAW00123\r\n"}),
             true,
             {"DeviceType=DH-IPC-HFW1320SP-W", "IPv4Address=192.168.1.108", "MAC=4c:11:bf:12:34:56",
              "SerialNo=3G01234PAW00123"}},
            {"a full 16-byte model has no NUL",
             dahua5050_reply({.model = "DHI-NVR4104HS-P-"}),
             true,
             {"DeviceType=DHI-NVR4104HS-P-", "IPv4Address=192.168.1.108", "MAC=4c:11:bf:12:34:56"}},
            {"no address",
             dahua5050_reply({.ip = {0, 0, 0, 0}}),
             true,
             {"DeviceType=IPC-HFW1320S", "MAC=4c:11:bf:12:34:56"}},
            {"section lengths past the payload are clamped",
             dahua5050_reply({.section2 = "4c:11:bf:12:34:56DH-IPC",
                              .section3 = "SerialNo:X",
                              .section2_length = 0xFFFF,
                              .section3_length = 0xFFFF}),
             true,
             {"DeviceType=DH-IPCSerialNo:X", "IPv4Address=192.168.1.108", "MAC=4c:11:bf:12:34:56"}},
            {"a section 2 shorter than a MAC",
             dahua5050_reply({.section2 = "4c:11", .section3 = "SerialNo:S\n"}),
             true,
             {"DeviceType=IPC-HFW1320S", "IPv4Address=192.168.1.108", "MAC=4c:11", "SerialNo=S"}},
            {"hostile bytes in the strings",
             dahua5050_reply({.model = "IPC\x1b\xff\0junk"s,
                              .section2 = "\0\0"s,
                              .section3 = "SerialNo:\xc3\x28\r\nSerialNo\r\n:x\n"}),
             true,
             {"DeviceType=IPC??", "IPv4Address=192.168.1.108", "SerialNo=?("}},
            {"a request one byte short", dahua5050_request().substr(0, 31), false, {}},
            {"an answer one byte short of the fixed part",
             dahua5050_reply({}).substr(0, 119),
             false,
             {}},
            {"another magic", "\xb3\x01" + dahua5050_reply({}).substr(2), false, {}},
            {"empty", "", false, {}},
            {"a DHIP datagram", dhip(kDhipSearchBody), false, {}},
        });
}

TEST_CASE("Dahua 5050: hostile input", "[fingerprint]") {
    std::string reply = dahua5050_reply({.section2 = "4c:11:bf:12:34:56DH-IPC-HFW1320SP-W",
                                         .section3 = "SerialNo:3G01234PAW00123\r\n"});
    for (std::size_t n = 0; n <= reply.size(); ++n) {
        INFO("truncated to " << n);
        auto p =
            parse(fp::parse_dahua5050, std::string_view(reply).substr(0, n), Protocol::dahua5050);
        REQUIRE(p.ok == (n >= 120));
    }
    std::string huge = dahua5050_reply(
        {.section2 = std::string(0xFFFF, 'M'), .section3 = repeat("SerialNo:S\n", 5000)});
    auto p = parse(fp::parse_dahua5050, huge, Protocol::dahua5050);
    CHECK(p.ok);
    CHECK(p.out.size() == kMaxObservations);
}

// ---- WS-Discovery -----------------------------------------------------------------------------

TEST_CASE("WS-Discovery: announcements, answers and searches", "[fingerprint]") {
    run_table(
        fp::parse_wsd, Protocol::wsd,
        {
            {"a Hikvision ProbeMatches", kWsdHikvisionProbeMatches, true, kWsdHikvisionLines},
            {"a Dahua Hello, one scope per line",
             kWsdDahuaHello,
             true,
             {"message=Hello", "Types=dn:NetworkVideoTransmitter tds:Device",
              "scope=onvif://www.onvif.org/location/country/china",
              "scope=onvif://www.onvif.org/name/Dahua",
              "scope=onvif://www.onvif.org/hardware/IPC-HFW2431S-S-S2",
              "scope=onvif://www.onvif.org/Profile/Streaming",
              "scope=onvif://www.onvif.org/type/Network_Video_Transmitter",
              "scope=onvif://www.onvif.org/extension/unique_identifier",
              "XAddrs=http://192.168.1.108/onvif/device_service"}},
            {"an ONVIF client's Probe", kWsdProbe, true, {"message=Probe"}},
            {"a Resolve is a search too",
             R"(<s:Envelope xmlns:s="e"><s:Body><d:Resolve xmlns:d="x"><d:Scopes>onvif://x</d:Scopes>)"
             "</d:Resolve></s:Body></s:Envelope>",
             true,
             {"message=Resolve"}},
            {"a Bye",
             R"(<s:Envelope xmlns:s="e"><s:Body><d:Bye><a:EndpointReference><a:Address>urn:uuid:1)"
             "</a:Address></a:EndpointReference></d:Bye></s:Body></s:Envelope>",
             true,
             {"message=Bye"}},
            {"WS-Discovery 1.1, default namespaces, two matches",
             R"(<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body><ProbeMatches )"
             R"(xmlns="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"><ProbeMatch><XAddrs>)"
             "http://192.168.1.10/onvif/device</XAddrs><Scopes>onvif://www.onvif.org/name/Dahua"
             "</Scopes></ProbeMatch><ProbeMatch><Scopes>onvif://www.onvif.org/name/Uniview"
             "</Scopes></ProbeMatch></ProbeMatches></Body></Envelope>",
             true,
             {"message=ProbeMatches", "XAddrs=http://192.168.1.10/onvif/device",
              "scope=onvif://www.onvif.org/name/Dahua",
              "scope=onvif://www.onvif.org/name/Uniview"}},
            {"a ResolveMatches",
             R"(<s:Envelope xmlns:s="e"><s:Body><d:ResolveMatches><d:ResolveMatch>)"
             "<d:XAddrs>http://10.0.0.5/onvif/device_service</d:XAddrs>"
             "</d:ResolveMatch></d:ResolveMatches></s:Body></s:Envelope>",
             true,
             {"message=ResolveMatches", "XAddrs=http://10.0.0.5/onvif/device_service"}},
            {"entities in scopes are decoded, percent-encoding kept",
             wsd_hello_with("<d:Scopes MatchBy=\"x\">onvif://www.onvif.org/name/A&amp;B%20C "
                            "onvif://www.onvif.org/location/country/china</d:Scopes>"),
             true,
             {"message=Hello", "scope=onvif://www.onvif.org/name/A&B%20C",
              "scope=onvif://www.onvif.org/location/country/china"}},
            {"empty Scopes and Types",
             wsd_hello_with("<d:Types/><d:Scopes>  </d:Scopes>"),
             true,
             {"message=Hello"}},
            {"Scopes in the header are not the device's",
             R"(<s:Envelope><s:Header><d:Scopes>onvif://header</d:Scopes></s:Header><s:Body>)"
             "<d:Hello><d:Scopes>onvif://body</d:Scopes></d:Hello></s:Body></s:Envelope>",
             true,
             {"message=Hello", "scope=onvif://body"}},
            {"another SOAP message",
             R"(<s:Envelope><s:Body><trt:GetProfilesResponse><trt:Profiles token="p"/>)"
             "</trt:GetProfilesResponse></s:Body></s:Envelope>",
             false,
             {}},
            {"an envelope without a body", "<s:Envelope><s:Header/></s:Envelope>", false, {}},
            {"a SADP answer", kSadpProbeMatch, false, {}},
            {"a discovery element outside an envelope",
             "<d:Hello><d:Scopes>onvif://x</d:Scopes></d:Hello>",
             false,
             {}},
            {"empty", "", false, {}},
        });
}

TEST_CASE("WS-Discovery: hostile input", "[fingerprint]") {
    SECTION("every truncation of an answer") {
        check_truncations(fp::parse_wsd, Protocol::wsd, kWsdHikvisionProbeMatches,
                          kWsdHikvisionProbeMatches.find("<d:ProbeMatches>") + 16);
    }
    SECTION("every truncation of an announcement") {
        check_truncations(fp::parse_wsd, Protocol::wsd, kWsdDahuaHello,
                          kWsdDahuaHello.find("<d:Hello>") + 9);
    }
    SECTION("a megabyte of scopes stops at kMaxObservations") {
        std::string scopes;
        for (std::size_t i = 0; scopes.size() < (1u << 20); ++i)
            scopes += "onvif://www.onvif.org/name/N" + std::to_string(i) + " ";
        auto p = parse(fp::parse_wsd, wsd_hello_with("<d:Scopes>" + scopes + "</d:Scopes>"),
                       Protocol::wsd);
        CHECK(p.ok);
        REQUIRE(p.out.size() == kMaxObservations);
        CHECK(p.out[1].value == "onvif://www.onvif.org/name/N0");
    }
    SECTION("a megabyte of matches stops at kMaxObservations") {
        std::string matches;
        while (matches.size() < (1u << 20))
            matches +=
                "<d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types>"
                "<d:XAddrs>http://192.168.1.64/onvif/device_service</d:XAddrs>"
                "</d:ProbeMatch>";
        auto p = parse(fp::parse_wsd,
                       "<s:Envelope><s:Body><d:ProbeMatches>" + matches +
                           "</d:ProbeMatches></s:Body></s:Envelope>",
                       Protocol::wsd);
        CHECK(p.ok);
        CHECK(p.out.size() == kMaxObservations);
    }
    SECTION("a megabyte scope URI is cut to kMaxValueBytes") {
        auto p = parse(fp::parse_wsd,
                       wsd_hello_with("<d:Scopes>onvif://" + std::string(1u << 20, 'x') +
                                      " onvif://next</d:Scopes>"),
                       Protocol::wsd);
        REQUIRE(p.out.size() == 3);
        CHECK(p.out[1].value.size() == kMaxValueBytes);
        CHECK(p.out[2].value == "onvif://next");
    }
    SECTION("deep nesting inside the message") {
        auto p =
            parse(fp::parse_wsd,
                  wsd_hello_with(repeat("<x:e>", 200000) + "<d:Scopes>onvif://deep</d:Scopes>" +
                                 repeat("</x:e>", 200000) + "<d:XAddrs>http://a/</d:XAddrs>"),
                  Protocol::wsd);
        CHECK(lines(p.out) == Lines{"message=Hello", "scope=onvif://deep", "XAddrs=http://a/"});
    }
    SECTION("deep nesting before the body") {
        auto p = parse(fp::parse_wsd, "<s:Envelope>" + repeat("<s:Body>", 200000) + "<d:Hello/>",
                       Protocol::wsd);
        CHECK(!p.ok);
    }
    run_table(fp::parse_wsd, Protocol::wsd,
              {
                  {"invalid UTF-8 and NUL in a scope",
                   wsd_hello_with(
                       "<d:Scopes>onvif://www.onvif.org/name/\xff\xc3\0X onvif://ok</d:Scopes>"s),
                   true,
                   {"message=Hello", "scope=onvif://www.onvif.org/name/???X", "scope=onvif://ok"}},
                  {"an unterminated Scopes element",
                   wsd_hello_with("<d:Types>t</d:Types><d:Scopes>onvif://a onvif://b"),
                   true,
                   {"message=Hello", "Types=t"}},
                  {"an unterminated attribute value",
                   "<s:Envelope><s:Body><d:Hello x=\"<d:Scopes>onvif://a</d:Scopes>",
                   false,
                   {}},
                  {"an entity bomb in a DOCTYPE",
                   "<!DOCTYPE s [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>" +
                       wsd_hello_with("<d:Scopes>&b; onvif://x</d:Scopes>"),
                   true,
                   {"message=Hello", "scope=&b;", "scope=onvif://x"}},
                  {"a comment and CDATA inside Scopes make it not a value",
                   wsd_hello_with("<d:Scopes><!-- c -->onvif://a</d:Scopes>"
                                  "<d:XAddrs><![CDATA[http://b/]]></d:XAddrs>"),
                   true,
                   {"message=Hello"}},
              });
}
