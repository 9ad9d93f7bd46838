// The stream and infrastructure protocol parsers (HTTP/RTSP banners, DHCP, DNS, TLS) over real
// messages from independent encoders (tests/fixtures/fingerprint_stream_vectors.h), over
// messages built here to hit one rule each, and over hostile bytes: every truncation of every
// valid message, every byte of it overwritten, compression loops, bogus lengths, huge inputs
// and invalid UTF-8. Whatever the input, a parser emits at most kMaxObservations, each value
// printable and at most kMaxValueBytes, and never a value its whole message would not give.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/fingerprint/banner.h"
#include "dataplane/fingerprint/dhcp.h"
#include "dataplane/fingerprint/dns.h"
#include "dataplane/fingerprint/observation.h"
#include "dataplane/fingerprint/tls.h"
#include "tests/fixtures/fingerprint_stream_vectors.h"

namespace {

namespace fp = camfence::fingerprint;
namespace t = camfence::test;
using fp::Observation;
using fp::Protocol;

using Buf = std::vector<std::uint8_t>;
using Parser = bool (*)(fp::Bytes, std::vector<Observation>&);

fp::Bytes bytes(const Buf& b) {
    return std::as_bytes(std::span(b));
}

template <std::size_t N>
Buf buf(const std::uint8_t (&a)[N]) {
    return Buf(a, a + N);
}

Buf buf(std::string_view s) {
    return Buf(s.begin(), s.end());
}

Observation obs(Protocol p, std::string field, std::string value) {
    return Observation{p, std::move(field), std::move(value)};
}

std::string describe(const std::vector<Observation>& out) {
    std::string s;
    for (const auto& o : out)
        s += std::string(fp::to_string(o.protocol)) + " " + o.field + "=[" + o.value + "] ";
    return s;
}

struct Run {
    bool recognized;
    std::vector<Observation> out;
};

Run run(Parser parse, const Buf& input) {
    // An exact-size heap copy so a sanitizer sees any read past the end.
    auto copy = std::make_unique<std::uint8_t[]>(input.size());
    std::copy(input.begin(), input.end(), copy.get());
    Run r;
    r.recognized = parse(std::as_bytes(std::span(copy.get(), input.size())), r.out);
    return r;
}

// What every output must satisfy, whatever the input.
void check_invariants(const std::vector<Observation>& out) {
    REQUIRE(out.size() <= fp::kMaxObservations);
    for (const auto& o : out) {
        INFO(describe(out));
        CHECK(!o.value.empty());
        CHECK(o.value.size() <= fp::kMaxValueBytes);
        CHECK(fp::printable(o.value) == o.value);
    }
}

bool contains(const std::vector<Observation>& all, const Observation& o) {
    return std::find(all.begin(), all.end(), o) != all.end();
}

// Every prefix and every one-byte corruption of a valid message: invariants always, and a
// prefix never yields a value the whole message does not (no value cut by the segment).
void check_hostile_variants(Parser parse, const Buf& message) {
    const Run whole = run(parse, message);
    for (std::size_t n = 0; n < message.size(); ++n) {
        Buf prefix(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(n));
        const Run cut = run(parse, prefix);
        INFO("prefix of " << n << " bytes: " << describe(cut.out));
        check_invariants(cut.out);
        for (const auto& o : cut.out)
            CHECK(contains(whole.out, o));
    }
    for (std::size_t i = 0; i < message.size(); ++i) {
        for (std::uint8_t value : Buf{0x00, 0x01, 0x3f, 0x7f, 0x80, 0xc0, 0xff}) {
            Buf corrupt = message;
            corrupt[i] = value;
            check_invariants(run(parse, corrupt).out);
        }
    }
}

// ---- builders for messages that break one rule ---------------------------------------------

Buf cat(std::initializer_list<Buf> parts) {
    Buf out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

Buf u16(std::size_t v) {
    return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

Buf u24(std::size_t v) {
    return {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
}

Buf with_u8_length(const Buf& b) {
    return cat({{static_cast<std::uint8_t>(b.size())}, b});
}
Buf with_u16_length(const Buf& b) {
    return cat({u16(b.size()), b});
}
Buf with_u24_length(const Buf& b) {
    return cat({u24(b.size()), b});
}

// DHCP: a BOOTREQUEST (or `op`) with the magic cookie and the given option bytes.
Buf dhcp(const Buf& options, std::uint8_t op = 1) {
    Buf m(236, 0);
    m[0] = op;
    m[1] = 1;  // Ethernet
    m[2] = 6;
    return cat({m, {0x63, 0x82, 0x53, 0x63}, options});
}

Buf dhcp_option(std::uint8_t code, const Buf& data) {
    return cat({{code}, with_u8_length(data)});
}

// DNS: a header with the given QDCOUNT, then the raw bytes of the questions.
Buf dns(std::size_t qdcount, const Buf& body) {
    return cat({{0xab, 0xcd, 0x01, 0x00}, u16(qdcount), {0, 0, 0, 0, 0, 0}, body});
}

Buf dns_name(std::initializer_list<std::string_view> labels) {
    Buf out;
    for (auto l : labels)
        out = cat({out, with_u8_length(buf(l))});
    out.push_back(0);
    return out;
}

const Buf kQtypeA = {0x00, 0x01, 0x00, 0x01};

// TLS: records and handshake messages.
Buf record(const Buf& fragment, std::uint8_t type = 22, std::uint8_t minor = 3) {
    return cat({{type, 3, minor}, with_u16_length(fragment)});
}

Buf handshake(std::uint8_t type, const Buf& body) {
    return cat({{type}, with_u24_length(body)});
}

Buf extension(std::size_t type, const Buf& data) {
    return cat({u16(type), with_u16_length(data)});
}

Buf sni_extension(std::string_view host) {
    return extension(0, with_u16_length(cat({{0}, with_u16_length(buf(host))})));
}

Buf client_hello(const Buf& extensions) {
    return handshake(1, cat({{3, 3},
                             Buf(32, 0x5a),
                             with_u8_length(Buf(32, 0x11)),
                             with_u16_length({0x13, 0x01, 0xc0, 0x2f}),
                             {1, 0},
                             with_u16_length(extensions)}));
}

Buf server_hello() {
    return handshake(2, cat({{3, 3}, Buf(32, 0x33), {0}, {0xc0, 0x2f}, {0}}));
}

Buf der(std::uint8_t tag, const Buf& content) {
    const std::size_t n = content.size();
    if (n < 0x80) return cat({{tag, static_cast<std::uint8_t>(n)}, content});
    if (n < 0x100) return cat({{tag, 0x81, static_cast<std::uint8_t>(n)}, content});
    return cat({{tag, 0x82}, u16(n), content});
}

// AttributeTypeAndValue for id-at `attribute` (2.5.4.attribute).
Buf atv(std::uint8_t attribute, std::string_view value, std::uint8_t string_tag = 0x0c) {
    return der(0x30, cat({der(0x06, {0x55, 0x04, attribute}), der(string_tag, buf(value))}));
}

Buf rdn(std::initializer_list<Buf> atvs) {
    return der(0x31, cat(atvs));
}

Buf name(std::initializer_list<Buf> rdns) {
    return der(0x30, cat(rdns));
}

// A certificate shaped like X.509 v3 (or v1, without the version field) around `subject`;
// the signature and key are filler.
Buf certificate(const Buf& subject, bool with_version = true) {
    const Buf algorithm =
        der(0x30, cat({der(0x06, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02})}));
    const Buf issuer = name({rdn({atv(3, "issuer")})});
    const Buf validity =
        der(0x30, cat({der(0x17, buf("200101000000Z")), der(0x17, buf("300101000000Z"))}));
    const Buf key = der(0x30, cat({algorithm, der(0x03, Buf(66, 0x04))}));
    const Buf version = with_version ? der(0xa0, der(0x02, {2})) : Buf{};
    const Buf tbs = der(
        0x30, cat({version, der(0x02, {0x12, 0x34}), algorithm, issuer, validity, subject, key}));
    return der(0x30, cat({tbs, algorithm, der(0x03, Buf(72, 0x00))}));
}

Buf certificate_message(const Buf& cert) {
    return handshake(11, with_u24_length(with_u24_length(cert)));
}

Buf server_flight(const Buf& cert) {
    return record(cat({server_hello(), certificate_message(cert), handshake(14, {})}));
}

std::size_t find(const Buf& haystack, const Buf& needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end());
    REQUIRE(it != haystack.end());
    return static_cast<std::size_t>(it - haystack.begin());
}

std::size_t find_last(const Buf& haystack, const Buf& needle) {
    auto it = std::find_end(haystack.begin(), haystack.end(), needle.begin(), needle.end());
    REQUIRE(it != haystack.end());
    return static_cast<std::size_t>(it - haystack.begin());
}

// ---- tables --------------------------------------------------------------------------------

struct Case {
    const char* description;
    Buf input;
    bool recognized;
    std::vector<Observation> expected;
};

void check_table(Parser parse, const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        SECTION(c.description) {
            const Run r = run(parse, c.input);
            INFO(describe(r.out));
            CHECK(r.recognized == c.recognized);
            CHECK(r.out == c.expected);
            check_invariants(r.out);
        }
    }
}

std::vector<Observation> banner(std::initializer_list<std::pair<const char*, const char*>> fields,
                                Protocol p = Protocol::http) {
    std::vector<Observation> out;
    for (auto [f, v] : fields)
        out.push_back(obs(p, f, v));
    return out;
}

}  // namespace

TEST_CASE("parse_http_response reads Server, realm and body markers", "[fingerprint]") {
    const auto rtsp = Protocol::rtsp;
    check_table(
        fp::parse_http_response,
        {
            {"Hikvision camera: App-webs/",
             buf("HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: 0\r\n\r\n"), true,
             banner({{"Server", "App-webs/"}})},
            {"Hikvision web server, Digest realm after qop, realm= inside a quoted nonce",
             buf("HTTP/1.1 401 Unauthorized\r\nServer: Hikvision-Webs\r\nWWW-Authenticate: "
                 "Digest qop=\"auth\", realm=\"IP Camera(C1234)\", nonce=\"realm=evil\"\r\n\r\n"),
             true, banner({{"Server", "Hikvision-Webs"}, {"realm", "IP Camera(C1234)"}})},
            {"Hikvision NVR: DNVRS-Webs", buf("HTTP/1.0 200 OK\r\nServer: DNVRS-Webs\r\n\r\n"),
             true, banner({{"Server", "DNVRS-Webs"}})},
            {"Hikvision DVR, lower-case name, no space after the colon",
             buf("HTTP/1.1 200 OK\r\nserver:DVRDVS-Webs\r\n\r\n"), true,
             banner({{"Server", "DVRDVS-Webs"}})},
            {"RTSP Digest and Basic realm=\"Hikvision\": one observation",
             buf("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest "
                 "realm=\"Hikvision\", nonce=\"ab12\", stale=\"FALSE\"\r\nWWW-Authenticate: Basic "
                 "realm=\"Hikvision\"\r\n\r\n"),
             true, banner({{"realm", "Hikvision"}}, rtsp)},
            {"RTSP Dahua Rtsp Server",
             buf("RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Dahua Rtsp Server\r\nPublic: OPTIONS, "
                 "DESCRIBE\r\n\r\n"),
             true, banner({{"Server", "Dahua Rtsp Server"}}, rtsp)},
            {"Dahua web UI: no Server, body markers",
             buf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<script>rpc('/RPC2_Login', "
                 "{\"method\":\"global.login\"});</script>"),
             true, banner({{"body", "/RPC2_Login"}, {"body", "global.login"}})},
            {"folded value, space before the colon, tabs, bare LF",
             buf("HTTP/1.1 200 OK\nSERVER \t:\t DNVRS-Webs \n\t (truvision)  \nX: y\n\n"), true,
             banner({{"Server", "DNVRS-Webs (truvision)"}})},
            {"value only on the folded line",
             buf("HTTP/1.1 200 OK\r\nServer:\r\n App-webs/\r\n\r\n"), true,
             banner({{"Server", "App-webs/"}})},
            {"several challenges in one field, unquoted and escaped realms",
             buf("HTTP/1.1 401 X\r\nWWW-Authenticate: Basic realm=Cam, Digest realm=\"a\\\"b\", "
                 "nonce=\"x\", Newauth REALM = \"c\"\r\n\r\n"),
             true, banner({{"realm", "Cam"}, {"realm", "a\"b"}, {"realm", "c"}})},
            {"realm only as an auth param, not a Server value or another header",
             buf("HTTP/1.1 200 OK\r\nX-Realm: realm=\"no\"\r\nServer: realm=\"no\"\r\n\r\n"), true,
             banner({{"Server", "realm=\"no\""}})},
            {"header cut by the segment: the unterminated line is not read",
             buf("HTTP/1.1 401 X\r\nServer: App-webs/\r\nWWW-Authenticate: Digest realm=\"Hik"),
             true, banner({{"Server", "App-webs/"}})},
            {"segment ends at a field's line end: a fold may follow, not read",
             buf("HTTP/1.1 200 OK\r\nServer: App-webs/\r\n"),
             true,
             {}},
            {"segment ends inside a fold: not read",
             buf("HTTP/1.1 200 OK\r\nServer: App-webs/\r\n (mo"),
             true,
             {}},
            {"segment ends inside the blank line: read",
             buf("HTTP/1.1 200 OK\r\nServer: App-webs/\r\n\r"), true,
             banner({{"Server", "App-webs/"}})},
            {"body markers only after a complete header",
             buf("HTTP/1.1 200 OK\r\nX-Note: /RPC2_Login global.login\r\n"),
             true,
             {}},
            {"invalid UTF-8 and control bytes become '?'",
             buf("HTTP/1.1 200 OK\r\nServer: \xff\xfe"
                 "Cam\x01\x1b[2J\r\n\r\n"),
             true, banner({{"Server", "??Cam??[2J"}})},
            {"empty Server: nothing", buf("HTTP/1.1 200 OK\r\nServer:   \r\n\r\n"), true, {}},
            {"status line only", buf("HTTP/1.1 200 OK"), true, {}},
            {"HTTP/1.x minor versions", buf("HTTP/1.2 200 OK\r\nServer: s\r\n\r\n"), true,
             banner({{"Server", "s"}})},
            {"request, not a response", buf("GET / HTTP/1.1\r\nHost: cam\r\n\r\n"), false, {}},
            {"RTSP request", buf("OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 1\r\n\r\n"), false, {}},
            {"HTTP/2 preface-like", buf("HTTP/2 200\r\nserver: x\r\n\r\n"), false, {}},
            {"RTSP/2.0", buf("RTSP/2.0 200 OK\r\nServer: x\r\n\r\n"), false, {}},
            {"no space after the version", buf("HTTP/1.1\r\nServer: x\r\n\r\n"), false, {}},
            {"empty", {}, false, {}},
        });
}

TEST_CASE("parse_http_response is bounded on huge and hostile input", "[fingerprint]") {
    std::string many = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 5000; ++i)
        many += "Server: s" + std::to_string(i) + "\r\nWWW-Authenticate: Basic realm=r" +
                std::to_string(i) + "\r\n";
    many += "\r\n/RPC2_Login";
    const Run r = run(fp::parse_http_response, buf(many));
    CHECK(r.recognized);
    CHECK(r.out.size() == fp::kMaxObservations);
    CHECK(r.out.front() == obs(Protocol::http, "Server", "s0"));
    check_invariants(r.out);

    const std::string long_value(100000, 'A');
    const Run l =
        run(fp::parse_http_response,
            buf("HTTP/1.1 200 OK\r\nServer: " + long_value + "\r\n" + std::string(50000, ' ') +
                "more\r\nWWW-Authenticate: Digest realm=\"" + long_value + "\"\r\n\r\n"));
    REQUIRE(l.out.size() == 2);
    CHECK(l.out[0].value == std::string(fp::kMaxValueBytes, 'A'));
    CHECK(l.out[1].value == std::string(fp::kMaxValueBytes, 'A'));

    // Observations already in `out` count towards the cap.
    std::vector<Observation> out(fp::kMaxObservations - 1, obs(Protocol::dns, "qname", "x"));
    fp::parse_http_response(
        bytes(buf("HTTP/1.1 200 OK\r\nServer: a\r\nServer: b\r\n\r\n/RPC2_Login")), out);
    CHECK(out.size() == fp::kMaxObservations);
    CHECK(out.back() == obs(Protocol::http, "Server", "a"));

    for (const char* seed :
         {"HTTP/1.1 401 Unauthorized\r\nServer: Hikvision-Webs\r\nWWW-Authenticate: Digest "
          "realm=\"Hikvision\", nonce=\"a\"\r\n\r\n<a href=/RPC2_Login>global.login</a>",
          "RTSP/1.0 200 OK\nServer: Dahua Rtsp Server\n (x)\n\n"})
        check_hostile_variants(fp::parse_http_response, buf(seed));
}

TEST_CASE("parse_dhcp reads options 12, 60, 55 and 61", "[fingerprint]") {
    const auto d = [](const char* field, const char* value) {
        return obs(Protocol::dhcp, field, value);
    };
    Buf params;
    for (int i = 1; i <= 255; ++i)
        params.push_back(static_cast<std::uint8_t>(i));
    std::string params_text;  // entries 1..N that fit in kMaxValueBytes
    for (int i = 1; i <= 255; ++i) {
        std::string next = (params_text.empty() ? "" : ",") + std::to_string(i);
        if (params_text.size() + next.size() > fp::kMaxValueBytes) break;
        params_text += next;
    }
    const Buf long_id(200, 0xab);
    std::string long_id_hex;
    while (long_id_hex.size() < fp::kMaxValueBytes)
        long_id_hex += "ab";

    check_table(
        fp::parse_dhcp,
        {
            {"scapy DHCPDISCOVER",
             buf(t::kDhcpDiscover),
             true,
             {d("hostname", "IPC"), d("vendor_class", "udhcp 1.20.2"),
              d("param_list", "1,3,6,12,15,28,42"), d("client_id", "01bc325f8ad4e1")}},
            {"scapy DHCPOFFER: recognized, nothing to observe", buf(t::kDhcpOffer), true, {}},
            {"order of first appearance, pads between options",
             dhcp(cat({dhcp_option(55, {1, 121, 3}),
                       {0, 0, 0},
                       dhcp_option(60, buf("MSFT 5.0")),
                       dhcp_option(12, buf("NVR")),
                       {255}})),
             true,
             {d("param_list", "1,121,3"), d("vendor_class", "MSFT 5.0"), d("hostname", "NVR")}},
            {"split options are concatenated (RFC 3396)",
             dhcp(cat({dhcp_option(12, buf("DS-2CD")),
                       dhcp_option(61, {1, 0x44}),
                       dhcp_option(12, buf("2042WD")),
                       dhcp_option(61, {0x19, 0xb6}),
                       {255}})),
             true,
             {d("hostname", "DS-2CD2042WD"), d("client_id", "014419b6")}},
            {"options after the end option are not read",
             dhcp(cat({dhcp_option(12, buf("a")), {255}, dhcp_option(60, buf("b"))})),
             true,
             {d("hostname", "a")}},
            {"no end option", dhcp(dhcp_option(12, buf("cam"))), true, {d("hostname", "cam")}},
            {"an option running past the payload stops the walk",
             dhcp(cat({dhcp_option(60, buf("v")), {12, 10, 'a', 'b'}})),
             true,
             {d("vendor_class", "v")}},
            {"a code with no length byte",
             dhcp(cat({dhcp_option(12, buf("h")), {60}})),
             true,
             {d("hostname", "h")}},
            {"empty options are not emitted",
             dhcp(cat({dhcp_option(12, {}), dhcp_option(55, {}), {255}})),
             true,
             {}},
            {"option overload (52) is not followed",
             [] {
                 Buf m = dhcp(cat({dhcp_option(52, {3}), {255}}));
                 const Buf in_sname = dhcp_option(12, buf("hidden"));
                 std::copy(in_sname.begin(), in_sname.end(), m.begin() + 44);
                 return m;
             }(),
             true,
             {}},
            {"invalid UTF-8 and controls in text options",
             dhcp(cat({dhcp_option(12, {'c', 0xff, 'a', 0x00, 'm'}),
                       dhcp_option(60, {0xe2, 0x80, 0xae, 'x'})})),
             true,
             {d("hostname", "c?a?m"), d("vendor_class", "?x")}},
            {"255 parameters: cut at a whole entry",
             dhcp(dhcp_option(55, params)),
             true,
             {d("param_list", params_text.c_str())}},
            {"long client id: cut at a whole byte",
             dhcp(dhcp_option(61, long_id)),
             true,
             {d("client_id", long_id_hex.c_str())}},
            {"BOOTREPLY with client options",
             dhcp(dhcp_option(12, buf("r")), 2),
             true,
             {d("hostname", "r")}},
            {"op neither request nor reply", dhcp(dhcp_option(12, buf("x")), 3), false, {}},
            {"wrong magic cookie",
             [] {
                 Buf m = dhcp(dhcp_option(12, buf("x")));
                 m[239] = 0x64;
                 return m;
             }(),
             false,
             {}},
            {"BOOTP without options", Buf(236, 1), false, {}},
            {"shorter than the fixed header", Buf(100, 1), false, {}},
        });
}

TEST_CASE("parse_dhcp is bounded on huge and hostile input", "[fingerprint]") {
    // Thousands of instances of every wanted option: each is concatenated up to a bound.
    Buf options;
    for (int i = 0; i < 2000; ++i) {
        for (std::uint8_t code : Buf{12, 60, 55, 61}) {
            const Buf option = dhcp_option(code, Buf(255, 'x'));
            options.insert(options.end(), option.begin(), option.end());
        }
    }
    const Run r = run(fp::parse_dhcp, dhcp(options));
    CHECK(r.recognized);
    REQUIRE(r.out.size() == 4);
    CHECK(r.out[0].value == std::string(fp::kMaxValueBytes, 'x'));
    check_invariants(r.out);

    std::vector<Observation> out(fp::kMaxObservations, obs(Protocol::dns, "qname", "x"));
    CHECK(fp::parse_dhcp(bytes(buf(t::kDhcpDiscover)), out));
    CHECK(out.size() == fp::kMaxObservations);

    check_hostile_variants(fp::parse_dhcp, buf(t::kDhcpDiscover));
    check_hostile_variants(
        fp::parse_dhcp,
        dhcp(cat({dhcp_option(12, buf("IPC")), {0}, dhcp_option(55, {1, 3}), {255}})));
}

TEST_CASE("parse_dns_query reads question names", "[fingerprint]") {
    const auto q = [](const char* name) { return obs(Protocol::dns, "qname", name); };
    std::string label63(63, 'a');
    std::string label61(61, 'b');
    std::string name255 = label63 + "." + label63 + "." + label63 + "." + label61;
    // 40 distinct questions: only kMaxDnsQuestions are read.
    Buf forty;
    std::vector<Observation> first_sixteen;
    for (int i = 0; i < 40; ++i) {
        std::string n = "q" + std::to_string(i);
        forty = cat({forty, dns_name({n, "example"}), kQtypeA});
        if (i < static_cast<int>(fp::kMaxDnsQuestions))
            first_sixteen.push_back(q((n + ".example").c_str()));
    }

    check_table(
        fp::parse_dns_query,
        {
            {"scapy: litedev.hik-connect.com",
             buf(t::kDnsQueryLitedev),
             true,
             {q("litedev.hik-connect.com")}},
            {"scapy: mixed case, EDNS", buf(t::kDnsQueryEasy4ip), true, {q("easy4ipcloud.com")}},
            {"scapy: a compressed response",
             buf(t::kDnsResponseDev),
             true,
             {q("dev.hik-connect.com")}},
            {"scapy: mDNS, three questions with compression",
             buf(t::kMdnsQueryThree),
             true,
             {q("_http._tcp.local"), q("_onvif._tcp.local"), q("ipc.local")}},
            {"second question compressed into the first",
             dns(2, cat({dns_name({"litedev", "hik-connect", "com"}),
                         kQtypeA,
                         {3, 'a', 'p', 'i', 0xc0, 20},
                         kQtypeA})),
             true,
             {q("litedev.hik-connect.com"), q("api.hik-connect.com")}},
            {"repeated names: one observation",
             dns(2, cat({dns_name({"a", "b"}), kQtypeA, {0xc0, 12}, kQtypeA})),
             true,
             {q("a.b")}},
            {"pointer to itself", dns(1, cat({{0xc0, 12}, kQtypeA})), false, {}},
            {"two pointers to each other",
             dns(2, cat({dns_name({"ok"}), kQtypeA, {0xc0, 22, 0xc0, 20}, kQtypeA})),
             true,
             {q("ok")}},
            {"label then a pointer back to its own start",
             dns(1, cat({{1, 'a', 0xc0, 12}, kQtypeA})),
             false,
             {}},
            {"forward pointer", dns(1, cat({{0xc0, 14}, dns_name({"fwd"}), kQtypeA})), false, {}},
            {"pointer past the end", dns(1, cat({{0xc0, 0xff}, kQtypeA})), false, {}},
            {"pointer into the header",
             dns(2, cat({dns_name({"ok"}), kQtypeA, {0xc0, 4}, kQtypeA})),
             true,
             {q("ok")}},
            {"pointer cut after its first byte", dns(1, {0xc0}), false, {}},
            {"extended label type 0x40", dns(1, cat({{0x40, 'a'}, {0}, kQtypeA})), false, {}},
            {"reserved label type 0x80", dns(1, cat({{0x80, 'a'}, {0}, kQtypeA})), false, {}},
            {"label running past the end", dns(1, {10, 'a', 'b'}), false, {}},
            {"a name of exactly 255 bytes",
             dns(1, cat({dns_name({label63, label63, label63, label61}), kQtypeA})),
             true,
             {q(name255.c_str())}},
            {"a name of 256 bytes",
             dns(1, cat({dns_name({label63, label63, label63, label61 + "b"}), kQtypeA})),
             false,
             {}},
            {"a name of 256 bytes reached through a pointer",
             dns(2, cat({dns_name({label63, label63, label63}),
                         kQtypeA,
                         {62},
                         Buf(62, 'c'),
                         {0xc0, 12},
                         kQtypeA})),
             true,
             {q((label63 + "." + label63 + "." + label63).c_str())}},
            {"question cut before its type and class", dns(1, dns_name({"cut"})), false, {}},
            {"the root name", dns(1, cat({{0}, kQtypeA})), true, {}},
            {"dots, controls and bad UTF-8 inside labels",
             dns(1, cat({dns_name({"A.B", std::string("c\x01\xff", 3)}), kQtypeA})),
             true,
             {q("a?b.c??")}},
            {"QDCOUNT 65535 with three questions",
             dns(65535, cat({dns_name({"one"}), kQtypeA, dns_name({"two"}), kQtypeA,
                             dns_name({"three"}), kQtypeA})),
             true,
             {q("one"), q("two"), q("three")}},
            {"QDCOUNT capped", dns(40, forty), true, first_sixteen},
            {"QDCOUNT 0", dns(0, cat({dns_name({"x"}), kQtypeA})), false, {}},
            {"header only", dns(1, {}), false, {}},
            {"shorter than a header", Buf{0, 1, 0, 0, 0, 1}, false, {}},
        });
}

// Question 1: one name whose label bytes hold the name "x" (01 78 00) followed by `n` pointers,
// the first to that "x", each next one to the one before. Question 2: a pointer to the last.
// Every jump goes backwards; question 2 takes n + 1 pointers to reach "x".
Buf dns_pointer_chain(std::size_t n) {
    constexpr std::size_t kLabel = 61;  // data bytes per label: no pointer straddles two labels
    auto offset = [](std::size_t k) { return 12 + 1 + k + k / kLabel; };  // of label byte k
    Buf data = {1, 'x', 0};
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t target = i == 0 ? offset(0) : offset(3 + 2 * (i - 1));
        data.push_back(static_cast<std::uint8_t>(0xc0 | target >> 8));
        data.push_back(static_cast<std::uint8_t>(target));
    }
    Buf q1;
    for (std::size_t k = 0; k < data.size(); k += kLabel) {
        const std::size_t length = std::min(kLabel, data.size() - k);
        q1.push_back(static_cast<std::uint8_t>(length));
        q1.insert(q1.end(), data.begin() + static_cast<std::ptrdiff_t>(k),
                  data.begin() + static_cast<std::ptrdiff_t>(k + length));
    }
    q1.push_back(0);
    const std::size_t last = offset(3 + 2 * (n - 1));
    return dns(2,
               cat({q1,
                    kQtypeA,
                    {static_cast<std::uint8_t>(0xc0 | last >> 8), static_cast<std::uint8_t>(last)},
                    kQtypeA}));
}

TEST_CASE("parse_dns_query bounds the pointers one name may follow", "[fingerprint]") {
    const Observation x = obs(Protocol::dns, "qname", "x");
    for (std::size_t n : {1, 10, 31}) {
        const Run r = run(fp::parse_dns_query, dns_pointer_chain(n));
        INFO(n << " pointers: " << describe(r.out));
        REQUIRE(r.out.size() == 2);  // question 1's odd name, then "x"
        CHECK(r.out[1] == x);
    }
    for (std::size_t n : {32, 40, 100}) {
        const Run r = run(fp::parse_dns_query, dns_pointer_chain(n));
        INFO(n << " pointers: " << describe(r.out));
        CHECK(r.recognized);
        CHECK(r.out.size() == 1);
        CHECK(!contains(r.out, x));
    }
}

TEST_CASE("parse_dns_query is bounded on hostile input", "[fingerprint]") {
    // A message full of pointer chains: every question's name is a long backward chain.
    Buf body = dns_name({"root"});
    for (int i = 0; i < 3000; ++i) {
        const std::size_t target = 12 + body.size() - 2;
        body.push_back(static_cast<std::uint8_t>(0xc0 | target >> 8));
        body.push_back(static_cast<std::uint8_t>(target));
    }
    const Run r = run(fp::parse_dns_query, dns(65535, body));
    check_invariants(r.out);

    std::vector<Observation> out(fp::kMaxObservations - 1, obs(Protocol::http, "Server", "x"));
    CHECK(fp::parse_dns_query(bytes(buf(t::kMdnsQueryThree)), out));
    CHECK(out.size() == fp::kMaxObservations);
    CHECK(out.back() == obs(Protocol::dns, "qname", "_http._tcp.local"));

    for (const Buf& m : {buf(t::kDnsQueryLitedev), buf(t::kDnsQueryEasy4ip),
                         buf(t::kDnsResponseDev), buf(t::kMdnsQueryThree)})
        check_hostile_variants(fp::parse_dns_query, m);
}

TEST_CASE("parse_tls_client_hello reads the server name", "[fingerprint]") {
    const auto s = [](const char* name) { return obs(Protocol::tls_sni, "sni", name); };
    const Buf hello =
        client_hello(cat({extension(10, {0, 2, 0, 29}), sni_extension("Dev.Hik-Connect.COM.")}));
    check_table(
        fp::parse_tls_client_hello,
        {
            {"OpenSSL ClientHello, mixed case",
             buf(t::kTlsClientHelloOpenssl),
             true,
             {s("litedev.hik-connect.com")}},
            {"scapy ClientHello", buf(t::kTlsClientHelloScapy), true, {s("easy4ipcloud.com")}},
            {"no server_name", buf(t::kTlsClientHelloNoSni), true, {}},
            {"built: lower-cased, trailing dot dropped",
             record(hello),
             true,
             {s("dev.hik-connect.com")}},
            {"ClientHello split over three records",
             [&] {
                 return cat({record(Buf(hello.begin(), hello.begin() + 10)),
                             record(Buf(hello.begin() + 10, hello.begin() + 60)),
                             record(Buf(hello.begin() + 60, hello.end()))});
             }(),
             true,
             {s("dev.hik-connect.com")}},
            {"SNI beyond the segment",
             [&] {
                 Buf r = record(hello);
                 r.resize(r.size() - 3);
                 return r;
             }(),
             true,
             {}},
            {"a non-host_name entry before the host_name",
             record(client_hello(
                 extension(0, with_u16_length(cat({{7},
                                                   with_u16_length(buf("other")),
                                                   {0},
                                                   with_u16_length(buf("cam.example"))}))))),
             true,
             {s("cam.example")}},
            {"server_name list length past the extension",
             record(client_hello(extension(0, cat({u16(200), {0}, with_u16_length(buf("x"))})))),
             true,
             {}},
            {"host_name length past the list",
             record(client_hello(extension(0, with_u16_length(cat({{0}, u16(50), buf("x")}))))),
             true,
             {}},
            {"extension length past the extensions",
             record(client_hello(cat({u16(0), u16(500), buf("abc")}))),
             true,
             {}},
            {"session id length past the message",
             record(handshake(1, cat({{3, 3}, Buf(32, 0), {200}, Buf(10, 0)}))),
             true,
             {}},
            {"bad UTF-8 in the host name",
             record(client_hello(sni_extension("a\xff\x01.B"))),
             true,
             {s("a??.b")}},
            {"record header only", Buf{22, 3, 1, 0, 200}, true, {}},
            {"handshake header cut", record({1, 0}), true, {}},
            {"a ServerHello", record(server_hello()), false, {}},
            {"application data record", record(hello, 23), false, {}},
            {"record version 3.5", record(hello, 22, 5), false, {}},
            {"SSL 2.0 record version",
             [&] {
                 Buf r = record(hello);
                 r[1] = 2;
                 return r;
             }(),
             false,
             {}},
            {"zero-length record", Buf{22, 3, 3, 0, 0}, false, {}},
            {"record longer than TLS allows", cat({{22, 3, 3, 0x48, 0x01}, hello}), false, {}},
            {"four bytes", Buf{22, 3, 3, 0}, false, {}},
        });
}

TEST_CASE("parse_tls_certificate reads the first certificate's subject", "[fingerprint]") {
    const auto c = [](const char* subject) { return obs(Protocol::tls_cert, "subject", subject); };
    const char* dahua = "CN=192.168.1.108,OU=DAHUATECH,O=DAHUA,L=HANGZHOU";
    const Buf plain = certificate(
        name({rdn({atv(6, "CN", 0x13)}), rdn({atv(10, "DAHUA")}), rdn({atv(3, "192.168.1.108")})}));
    std::string long_cn(300, 'z');
    check_table(
        fp::parse_tls_certificate,
        {
            {"OpenSSL flight, one message per record", buf(t::kTlsServerFlightDahua), true,
             {c(dahua)}},
            {"OpenSSL flight, one record", buf(t::kTlsServerFlightDahuaCoalesced), true,
             {c(dahua)}},
            {"OpenSSL flight, 64-byte records", buf(t::kTlsServerFlightDahuaFragments), true,
             {c(dahua)}},
            {"OpenSSL flight, EC certificate", buf(t::kTlsServerFlightHikvision), true,
             {c("C=CN,O=HIKVISION,CN=hikvision.com")}},
            {"multi-valued RDN, skipped attributes, BMPString, RFC 4514 escapes",
             buf(t::kTlsServerFlightOddSubject), true,
             {c("OU=Cams\\+NVR+O=Acme\\, Inc.,ST=Zh\xc3\xa8ji\xc4\x81ng,CN=\\#1 camera\\ ")}},
            {"built: PrintableString and UTF8String", server_flight(plain), true,
             {c("C=CN,O=DAHUA,CN=192.168.1.108")}},
            {"Certificate first, no ServerHello", record(certificate_message(plain)), true,
             {c("C=CN,O=DAHUA,CN=192.168.1.108")}},
            {"no version field (v1)",
             server_flight(certificate(name({rdn({atv(3, "v1")})}), false)), true,
             {c("CN=v1")}},
            {"unknown string type and unknown attribute are skipped",
             server_flight(certificate(name({rdn({atv(3, "skip", 0x04)}), rdn({atv(5, "SN1")}),
                                             rdn({atv(11, "kept")})}))),
             true, {c("OU=kept")}},
            {"nothing known: no observation",
             server_flight(certificate(name({rdn({atv(5, "SN1")})}))), true, {}},
            {"invalid UTF-8 in a value",
             server_flight(certificate(name({rdn({atv(10, "\xff\xfe" "DAHUA\x07")})}))), true,
             {c("O=??DAHUA?")}},
            {"odd-length BMPString, lone surrogate",
             server_flight(
                 certificate(name({rdn({atv(3, std::string("\x00h\xd8\x00\x00", 5), 0x1e)})}))),
             true, {c("CN=h?")}},
            {"long subject cut to kMaxValueBytes",
             server_flight(certificate(name({rdn({atv(3, long_cn)})}))), true,
             {c(("CN=" + long_cn).substr(0, fp::kMaxValueBytes).c_str())}},
            {"TLS 1.3 (no Certificate in the clear)", record(server_hello()), true, {}},
            {"a ServerHello cut before the Certificate",
             [] {
                 Buf r = server_flight(certificate(name({rdn({atv(3, "x")})})));
                 r.resize(5 + 10);
                 return r;
             }(),
             true, {}},
            {"certificate length does not match its DER length",
             record(handshake(11, with_u24_length(cat({u24(plain.size() + 1), plain, {0}})))),
             true, {}},
            {"certificate list length does not match the message",
             record(handshake(11, cat({u24(plain.size() + 10), with_u24_length(plain)}))), true,
             {}},
            {"a four-byte DER length",
             record(certificate_message(cat({{0x30, 0x84, 0, 0, 0, 4}, {2, 1, 1, 0}}))), true,
             {}},
            {"indefinite DER length",
             record(certificate_message(cat({{0x30, 0x80}, Buf(plain.begin() + 4, plain.end())}))),
             true, {}},
            {"an RDN SET longer than its Name",
             [&] {
                 Buf cert = plain;
                 // The subject is the second Name; make its SET claim more than it holds.
                 const std::size_t at = find(cert, {0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06});
                 cert[at + 1] = 0x7f;
                 return server_flight(cert);
             }(),
             true, {}},
            {"a ClientHello", buf(t::kTlsClientHelloOpenssl), false, {}},
            {"not TLS", buf("HTTP/1.1 200 OK\r\n\r\n"), false, {}},
        });
}

TEST_CASE("parse_tls_certificate reads a subject whose certificate the segment cuts",
          "[fingerprint]") {
    const Buf flight = buf(t::kTlsServerFlightDahuaCoalesced);
    // Self-signed: the issuer is the same Name, so the subject's end is the second HANGZHOU.
    const std::size_t subject_end = find_last(flight, buf("HANGZHOU")) + 8;
    // Cut inside the subject: nothing. Cut after it (the key and signature missing): the subject.
    for (std::size_t n : {subject_end - 1, subject_end, subject_end + 40}) {
        const Run r = run(fp::parse_tls_certificate, Buf(flight.begin(), flight.begin() + n));
        INFO("cut at " << n << " of " << flight.size() << ", subject ends at " << subject_end);
        CHECK(r.recognized);
        if (n < subject_end)
            CHECK(r.out.empty());
        else
            CHECK(r.out == std::vector{obs(Protocol::tls_cert, "subject",
                                           "CN=192.168.1.108,OU=DAHUATECH,O=DAHUA,L=HANGZHOU")});
    }
    // The later cuts are inside the certificate, before its key and signature.
    const Buf cert_der = buf(t::kTlsDahuaCertificateDer);
    CHECK(subject_end + 40 < find(flight, cert_der) + cert_der.size());
}

TEST_CASE("the TLS parsers are bounded on hostile input", "[fingerprint]") {
    for (const Buf& m : {buf(t::kTlsClientHelloOpenssl), buf(t::kTlsClientHelloScapy),
                         record(client_hello(sni_extension("a.example")))})
        check_hostile_variants(fp::parse_tls_client_hello, m);
    for (const Buf& m : {buf(t::kTlsServerFlightDahua), buf(t::kTlsServerFlightDahuaFragments),
                         buf(t::kTlsServerFlightOddSubject)})
        check_hostile_variants(fp::parse_tls_certificate, m);

    // A segment of thousands of one-byte records: joined up to a bound.
    Buf many;
    const Buf hello = client_hello(sni_extension("many.example"));
    for (std::uint8_t b : hello) {
        const Buf one = record({b});
        many.insert(many.end(), one.begin(), one.end());
    }
    const Run r = run(fp::parse_tls_client_hello, many);
    CHECK(r.recognized);
    CHECK(r.out == std::vector{obs(Protocol::tls_sni, "sni", "many.example")});
    Buf huge;
    for (int i = 0; i < 20000; ++i) {
        const Buf one = record({0x0b});
        huge.insert(huge.end(), one.begin(), one.end());
    }
    check_invariants(run(fp::parse_tls_certificate, huge).out);
    check_invariants(run(fp::parse_tls_client_hello, huge).out);

    std::vector<Observation> full(fp::kMaxObservations, obs(Protocol::dns, "qname", "x"));
    CHECK(fp::parse_tls_client_hello(bytes(buf(t::kTlsClientHelloOpenssl)), full));
    CHECK(fp::parse_tls_certificate(bytes(buf(t::kTlsServerFlightDahua)), full));
    CHECK(full.size() == fp::kMaxObservations);
}
