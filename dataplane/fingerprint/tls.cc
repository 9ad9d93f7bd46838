// TLS ClientHello SNI and server certificate subject (tls.h). Handshake messages are read
// from the handshake records at the start of the segment: one record's fragment in place, or,
// when the segment holds several handshake records, their fragments joined in a bounded stack
// buffer. The certificate is read with a minimal DER reader that checks every length against
// both the bytes present and the enclosing element, and accepts an element cut short by the
// segment only for the certificate and its TBSCertificate, whose subject may still be whole.
#include "dataplane/fingerprint/tls.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace camfence::fingerprint {
namespace {

constexpr std::uint8_t kContentHandshake = 22;
constexpr std::size_t kRecordHeaderBytes = 5;
constexpr std::size_t kMaxRecordBytes = (1u << 14) + 2048;  // TLSCiphertext bound, RFC 5246
constexpr std::size_t kMaxJoinedBytes = 1u << 14;           // handshake bytes joined from records

constexpr std::uint8_t kClientHello = 1;
constexpr std::uint8_t kServerHello = 2;
constexpr std::uint8_t kCertificate = 11;
constexpr std::size_t kMaxServerMessages = 8;  // ServerHello comes first; we want the next

constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint8_t kHostName = 0;

// Raw bytes of a subject kept before printable() cuts it to kMaxValueBytes.
constexpr std::size_t kMaxRawValue = 4 * kMaxValueBytes;

std::uint8_t byte_at(Bytes b, std::size_t i) {
    return std::to_integer<std::uint8_t>(b[i]);
}

// Big-endian integers and byte strings, each read only if the bytes are there.
class Reader {
  public:
    explicit Reader(Bytes bytes) : bytes_(bytes) {}

    std::size_t left() const { return bytes_.size(); }
    bool read(std::size_t width, std::size_t& value) {
        if (width > bytes_.size()) return false;
        value = 0;
        for (std::size_t i = 0; i < width; ++i)
            value = value << 8 | byte_at(bytes_, i);
        bytes_ = bytes_.subspan(width);
        return true;
    }
    bool take(std::size_t n, Bytes& out) {
        if (n > bytes_.size()) return false;
        out = bytes_.first(n);
        bytes_ = bytes_.subspan(n);
        return true;
    }
    bool skip(std::size_t n) {
        Bytes ignored;
        return take(n, ignored);
    }
    // Up to n bytes: what the segment holds of a vector whose end may be cut off.
    Bytes take_prefix(std::size_t n) {
        Bytes out = bytes_.first(std::min(n, bytes_.size()));
        bytes_ = bytes_.subspan(out.size());
        return out;
    }

  private:
    Bytes bytes_;
};

// The fragment length of a handshake record header at the start of `b`, if it is one.
std::optional<std::size_t> handshake_record_length(Bytes b) {
    if (b.size() < kRecordHeaderBytes) return std::nullopt;
    if (byte_at(b, 0) != kContentHandshake || byte_at(b, 1) != 3 || byte_at(b, 2) > 4)
        return std::nullopt;
    const std::size_t length = std::size_t{byte_at(b, 3)} << 8 | byte_at(b, 4);
    if (length == 0 || length > kMaxRecordBytes) return std::nullopt;
    return length;
}

// The handshake-layer bytes at the start of the payload as far as the segment goes (and at
// most kMaxJoinedBytes, however they are framed), or nullopt if the payload does not start
// with a handshake record.
std::optional<Bytes> handshake_bytes(Bytes payload,
                                     std::array<std::byte, kMaxJoinedBytes>& joined) {
    const auto first = handshake_record_length(payload);
    if (!first) return std::nullopt;
    const std::size_t after_first = kRecordHeaderBytes + *first;
    if (after_first >= payload.size() || !handshake_record_length(payload.subspan(after_first)))
        return payload.subspan(kRecordHeaderBytes)
            .first(std::min({*first, payload.size() - kRecordHeaderBytes, joined.size()}));

    std::size_t used = 0;
    std::size_t pos = 0;
    while (pos < payload.size()) {
        const auto length = handshake_record_length(payload.subspan(pos));
        if (!length) break;
        const std::size_t present = payload.size() - pos - kRecordHeaderBytes;
        const std::size_t n = std::min({*length, present, joined.size() - used});
        std::memcpy(joined.data() + used, payload.data() + pos + kRecordHeaderBytes, n);
        used += n;
        if (n < *length) break;  // cut by the segment, or the buffer is full
        pos += kRecordHeaderBytes + *length;
    }
    return Bytes(joined.data(), used);
}

void emit(std::vector<Observation>& out, Protocol protocol, std::string_view field,
          std::string_view raw) {
    if (raw.empty() || out.size() >= kMaxObservations) return;
    Observation o{protocol, std::string(field), printable(raw)};
    for (const auto& seen : out)
        if (seen == o) return;
    out.push_back(std::move(o));
}

// ---- ClientHello -------------------------------------------------------------------------

void emit_host_name(Bytes server_name_list, std::vector<Observation>& out) {
    Reader r(server_name_list);
    std::size_t list_length = 0;
    // The extension is whole here (the segment cut none of it): its list must fill it.
    if (!r.read(2, list_length) || list_length != r.left()) return;
    Reader names(server_name_list.subspan(2));
    std::size_t type = 0;
    std::size_t length = 0;
    Bytes name;
    while (names.read(1, type) && names.read(2, length) && names.take(length, name)) {
        if (type != kHostName) continue;
        std::string host;
        for (std::byte b : name) {
            auto c = std::to_integer<char>(b);
            host.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
        }
        if (host.ends_with('.')) host.pop_back();
        emit(out, Protocol::tls_sni, "sni", host);
        return;  // RFC 6066: one name per type
    }
}

void read_client_hello(Bytes body, std::vector<Observation>& out) {
    Reader r(body);
    std::size_t session_id = 0, cipher_suites = 0, compression = 0, extensions_length = 0;
    if (!r.skip(2 + 32) || !r.read(1, session_id) || !r.skip(session_id) ||
        !r.read(2, cipher_suites) || !r.skip(cipher_suites) || !r.read(1, compression) ||
        !r.skip(compression) || !r.read(2, extensions_length))
        return;
    Reader extensions(r.take_prefix(extensions_length));
    std::size_t type = 0;
    std::size_t length = 0;
    Bytes data;
    while (extensions.read(2, type) && extensions.read(2, length) &&
           extensions.take(length, data)) {
        if (type == kExtServerName) {
            emit_host_name(data, out);
            return;
        }
    }
}

// ---- Certificate subject -----------------------------------------------------------------

// One DER element: its tag, declared content length, and the content bytes present (fewer
// than declared when the element is cut short).
struct Der {
    std::uint8_t tag = 0;
    std::size_t header = 0;
    std::size_t length = 0;
    Bytes content;

    bool whole() const { return content.size() == length; }
    std::size_t size() const { return header + length; }
};

constexpr std::uint8_t kDerInteger = 0x02;
constexpr std::uint8_t kDerOid = 0x06;
constexpr std::uint8_t kDerUtf8String = 0x0C;
constexpr std::uint8_t kDerPrintableString = 0x13;
constexpr std::uint8_t kDerT61String = 0x14;
constexpr std::uint8_t kDerIa5String = 0x16;
constexpr std::uint8_t kDerVisibleString = 0x1A;
constexpr std::uint8_t kDerUniversalString = 0x1C;
constexpr std::uint8_t kDerBmpString = 0x1E;
constexpr std::uint8_t kDerSequence = 0x30;
constexpr std::uint8_t kDerSet = 0x31;
constexpr std::uint8_t kDerVersionTag = 0xA0;  // [0] EXPLICIT in TBSCertificate

// Reads the element at the start of `b`. Low tag numbers and definite lengths of up to three
// bytes only: a certificate needs nothing else.
bool read_der(Bytes b, Der& d) {
    if (b.size() < 2) return false;
    d.tag = byte_at(b, 0);
    if ((d.tag & 0x1F) == 0x1F) return false;
    const std::uint8_t first = byte_at(b, 1);
    d.header = 2;
    if (first < 0x80) {
        d.length = first;
    } else {
        const std::size_t width = first & 0x7F;
        if (width == 0 || width > 3 || b.size() < 2 + width) return false;
        d.length = 0;
        for (std::size_t i = 0; i < width; ++i)
            d.length = d.length << 8 | byte_at(b, 2 + i);
        d.header += width;
    }
    d.content = b.subspan(d.header).first(std::min(d.length, b.size() - d.header));
    return true;
}

// Reads the next element of `rest`, which must be whole, and steps past it.
bool next_whole(Bytes& rest, Der& d, std::uint8_t tag) {
    if (!read_der(rest, d) || d.tag != tag || !d.whole()) return false;
    rest = rest.subspan(d.size());
    return true;
}

std::string_view attribute_name(Bytes oid) {
    // id-at (2.5.4) attributes: 55 04 xx.
    if (oid.size() != 3 || byte_at(oid, 0) != 0x55 || byte_at(oid, 1) != 0x04) return {};
    switch (byte_at(oid, 2)) {
        case 3:
            return "CN";
        case 6:
            return "C";
        case 7:
            return "L";
        case 8:
            return "ST";
        case 10:
            return "O";
        case 11:
            return "OU";
        default:
            return {};
    }
}

void append_utf8(std::string& s, std::uint32_t cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = '?';  // a lone surrogate: nothing to encode
    if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        s.push_back(static_cast<char>(0xC0 | cp >> 6));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        s.push_back(static_cast<char>(0xE0 | cp >> 12));
        s.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x110000) {
        s.push_back(static_cast<char>(0xF0 | cp >> 18));
        s.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        s.push_back('?');
    }
}

// The attribute value as UTF-8 (or as sent, for the 8-bit string types), or nullopt for a
// type a name attribute should not have.
std::optional<std::string> decode_string(const Der& value) {
    std::string s;
    switch (value.tag) {
        case kDerUtf8String:
        case kDerPrintableString:
        case kDerT61String:
        case kDerIa5String:
        case kDerVisibleString:
            s.assign(reinterpret_cast<const char*>(value.content.data()), value.content.size());
            return s;
        case kDerBmpString:
        case kDerUniversalString: {
            const std::size_t width = value.tag == kDerBmpString ? 2 : 4;
            Reader r(value.content);
            std::size_t cp = 0;
            while (r.read(width, cp))
                append_utf8(s, static_cast<std::uint32_t>(std::min<std::size_t>(cp, 0x110000)));
            return s;
        }
        default:
            return std::nullopt;
    }
}

// RFC 4514 2.4, so that a value holding ',' or '+' cannot pass for another attribute.
void append_escaped(std::string& s, std::string_view v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        const bool special = c == '"' || c == '+' || c == ',' || c == ';' || c == '<' || c == '>' ||
                             c == '\\' || (i == 0 && (c == ' ' || c == '#')) ||
                             (i + 1 == v.size() && c == ' ');
        if (special) s.push_back('\\');
        s.push_back(c);
    }
}

// Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue).
bool render_name(Bytes rdns, std::string& subject) {
    Der rdn, atv, oid, value;
    while (!rdns.empty()) {
        if (!next_whole(rdns, rdn, kDerSet)) return false;
        bool first_in_rdn = true;
        for (Bytes atvs = rdn.content; !atvs.empty();) {
            if (!next_whole(atvs, atv, kDerSequence)) return false;
            Bytes fields = atv.content;
            if (!next_whole(fields, oid, kDerOid) || !read_der(fields, value) || !value.whole())
                return false;
            const std::string_view name = attribute_name(oid.content);
            const auto text = decode_string(value);
            if (name.empty() || !text || subject.size() >= kMaxRawValue) continue;
            if (!subject.empty()) subject.push_back(first_in_rdn ? ',' : '+');
            first_in_rdn = false;
            subject += name;
            subject.push_back('=');
            append_escaped(subject, *text);
        }
    }
    return true;
}

// The subject of a certificate whose first `present` bytes the segment holds out of
// `declared`. TBSCertificate: [0] version, serial, signature, issuer, validity, subject...
std::optional<std::string> certificate_subject(Bytes present, std::size_t declared) {
    Der cert, tbs, element;
    if (!read_der(present, cert) || cert.tag != kDerSequence || cert.size() != declared)
        return std::nullopt;
    if (!read_der(cert.content, tbs) || tbs.tag != kDerSequence || tbs.size() > cert.length)
        return std::nullopt;
    Bytes rest = tbs.content;
    if (!read_der(rest, element)) return std::nullopt;
    if (element.tag == kDerVersionTag && !next_whole(rest, element, kDerVersionTag))
        return std::nullopt;
    if (!next_whole(rest, element, kDerInteger) || !next_whole(rest, element, kDerSequence) ||
        !next_whole(rest, element, kDerSequence) || !next_whole(rest, element, kDerSequence) ||
        !next_whole(rest, element, kDerSequence))
        return std::nullopt;
    std::string subject;
    if (!render_name(element.content, subject)) return std::nullopt;
    return subject;
}

// Certificate (TLS 1.0-1.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
void read_certificate(Bytes body, std::size_t declared, std::vector<Observation>& out) {
    Reader r(body);
    std::size_t list_length = 0, cert_length = 0;
    if (!r.read(3, list_length) || list_length + 3 != declared || !r.read(3, cert_length) ||
        cert_length == 0 || cert_length + 3 > list_length)
        return;
    const Bytes cert = r.take_prefix(cert_length);
    if (auto subject = certificate_subject(cert, cert_length))
        emit(out, Protocol::tls_cert, "subject", *subject);
}

}  // namespace

bool parse_tls_client_hello(Bytes tcp_payload, std::vector<Observation>& out) {
    std::array<std::byte, kMaxJoinedBytes> joined;
    const auto handshake = handshake_bytes(tcp_payload, joined);
    if (!handshake) return false;
    Reader r(*handshake);
    std::size_t type = 0, length = 0;
    if (!r.read(1, type)) return true;  // may still be a ClientHello
    if (type != kClientHello) return false;
    if (r.read(3, length)) read_client_hello(r.take_prefix(length), out);
    return true;
}

bool parse_tls_certificate(Bytes tcp_payload, std::vector<Observation>& out) {
    std::array<std::byte, kMaxJoinedBytes> joined;
    const auto handshake = handshake_bytes(tcp_payload, joined);
    if (!handshake) return false;
    Reader r(*handshake);
    if (r.left() > 0) {
        const std::uint8_t first = byte_at(*handshake, 0);
        if (first != kServerHello && first != kCertificate) return false;
    }
    std::size_t type = 0, length = 0;
    for (std::size_t m = 0; m < kMaxServerMessages && r.read(1, type) && r.read(3, length); ++m) {
        const Bytes body = r.take_prefix(length);
        if (type == kCertificate) {
            read_certificate(body, length, out);
            break;
        }
        if (body.size() < length) break;  // cut by the segment before the Certificate
    }
    return true;
}

}  // namespace camfence::fingerprint
