// The LAN discovery protocols cameras and recorders answer on: what a device calls itself
// (model, serial, firmware, MAC, OEM code) when a search tool or an NVR asks, and what a host
// searching for them sends. Each parser takes one UDP payload, appends at most
// kMaxObservations - out.size() observations to `out` in the order the message carries them,
// and returns whether the payload is a message of that protocol at all. A payload that is not
// adds nothing. Empty values are not recorded. None of them throws or reads past the span.
#pragma once

#include <vector>

#include "dataplane/fingerprint/observation.h"

namespace camfence::fingerprint {

// Hikvision SADP, UDP 37020: an XML document whose root is <Probe> (a host searching; records
// "Types", e.g. "inquiry"), <ProbeMatch> or <Hello> (a device answering or announcing itself;
// records "Types", "DeviceType", "DeviceDescription", "DeviceSN", "MAC", "IPv4Address",
// "SoftwareVersion", "DetailOEMCode", "OEMInfo", each named after its element).
bool parse_sadp(Bytes udp_payload, std::vector<Observation>& out);

// Dahua DHIP discovery, UDP 37810: a 32-byte header (header length 32 and "DHIP" at 0 and 4,
// body length at 16 and again at 24, little-endian) and a JSON body. Records "method" (e.g.
// "DHDiscover.search", "client.notifyDevInfo"), the top-level "mac" of a reply, and from
// params.deviceInfo: "DeviceType", "DeviceClass", "SerialNo", "Version", "Vendor",
// "Manufacturer", "mac", and "IPv4Address" (the string, or IPv4Address.IPAddress). A header
// whose lengths disagree with each other or with the payload is not DHIP: false.
bool parse_dhip(Bytes udp_payload, std::vector<Observation>& out);

// The older Dahua discovery, UDP 5050. The 32-byte search request (a3 01 00 01 ...) records
// "message" = "search". A reply (b3 00, a 120-byte fixed part, then a MAC/model section and a
// "Key:Value" text section whose lengths the fixed part gives) records "DeviceType",
// "IPv4Address", "MAC" and "SerialNo".
bool parse_dahua5050(Bytes udp_payload, std::vector<Observation>& out);

// ONVIF WS-Discovery, UDP 3702: a SOAP envelope whose body holds a discovery message. Records
// "message" (Hello, Bye, Probe, ProbeMatches, Resolve, ResolveMatches), then for the messages
// a device sends: "Types" and "XAddrs" as sent, and one "scope" per scope URI, unaltered
// (onvif://www.onvif.org/name/HIKVISION%20DS-2CD2042WD stays percent-encoded).
bool parse_wsd(Bytes udp_payload, std::vector<Observation>& out);

}  // namespace camfence::fingerprint
