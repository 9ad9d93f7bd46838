// What a device says about itself on the wire, as read by the passive protocol parsers in
// this directory. Parsers are pure functions over the bytes of one frame's payload: they
// never trust a length without a bounds check, never allocate without a bound, and never
// throw. Catalog signatures (policy/) turn observations into evidence; the device registry
// (daemon/) turns evidence into verdicts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camfence::fingerprint {

enum class Protocol : std::uint8_t {
    sadp,       // Hikvision SADP, UDP 37020 (XML)
    dhip,       // Dahua DHIP discovery, UDP 37810 (32-byte header + JSON)
    dahua5050,  // older Dahua discovery, UDP 5050
    wsd,        // ONVIF WS-Discovery, UDP 3702 (SOAP/XML)
    http,       // HTTP response headers and body markers
    rtsp,       // RTSP response headers
    dhcp,       // DHCP options 12, 55, 60, 61
    dns,        // DNS query names
    tls_sni,    // TLS ClientHello server_name
    tls_cert,   // TLS 1.0-1.2 server certificate subject
};

std::string_view to_string(Protocol p);

struct Observation {
    Protocol protocol;
    // What was read: "DeviceType", "DeviceDescription", "DeviceSN", "MAC", "SoftwareVersion",
    // "DetailOEMCode", "method", "DeviceClass", "scope", "Server", "realm", "body",
    // "hostname" (opt 12), "vendor_class" (opt 60), "param_list" (opt 55), "client_id"
    // (opt 61), "qname", "sni", "subject".
    std::string field;
    // The value as sent, made printable (control bytes and invalid UTF-8 become '?') and cut
    // to kMaxValueBytes.
    std::string value;

    friend bool operator==(const Observation&, const Observation&) = default;
};

inline constexpr std::size_t kMaxValueBytes = 256;
inline constexpr std::size_t kMaxObservations = 32;  // per frame: a parser stops there

using Bytes = std::span<const std::byte>;

// A value for Observation::value: printable, bounded.
std::string printable(std::string_view raw);

}  // namespace camfence::fingerprint
