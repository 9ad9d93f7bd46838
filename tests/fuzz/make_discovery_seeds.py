#!/usr/bin/python3
"""Writes the seed corpora of fuzz_sadp, fuzz_dhip and fuzz_wsd: a few messages of each
discovery protocol, shaped like the ones devices and search tools send (the same shapes as
tests/unit/fingerprint_discovery_test.cc), so the fuzzers start from deep paths.
Run from the repository root: tests/fuzz/make_discovery_seeds.py tests/fuzz/seeds"""
import json
import os
import struct
import sys

SADP = {
    "probe.xml": '<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>1E0C9F4B-3A4D-4E0B-9A2C-'
                 '6C1D2E3F4A5B</Uuid><Types>inquiry</Types></Probe>',
    "probe_sadp_tool.xml": '<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>3F2504E0-4F89-'
                           '11D3-9A0C-0305E82C3301</Uuid><MAC>ff-ff-ff-ff-ff-ff</MAC>'
                           '<Types>inquiry</Types></Probe>',
    "probe_match.xml": '<?xml version="1.0" encoding="UTF-8"?>\r\n' + "\r\n".join([
        "<ProbeMatch><Uuid>7A1C3B52-0D4E-4F8A-9B6C-2E1D0F3A4B5C</Uuid>",
        "<Types>inquiry</Types>",
        "<DeviceType>139264</DeviceType>",
        "<DeviceDescription>DS-2CD2042WD-I</DeviceDescription>",
        "<DeviceSN>DS-2CD2042WD-I20170412AAWR123456789</DeviceSN>",
        "<CommandPort>8000</CommandPort>",
        "<HttpPort>80</HttpPort>",
        "<MAC>c0-56-e3-12-34-56</MAC>",
        "<IPv4Address>192.168.1.64</IPv4Address>",
        "<IPv4SubnetMask>255.255.255.0</IPv4SubnetMask>",
        "<IPv4Gateway>192.168.1.1</IPv4Gateway>",
        "<IPv6Address>::</IPv6Address>",
        "<DHCP>false</DHCP>",
        "<SoftwareVersion>V5.5.0build 170725</SoftwareVersion>",
        "<DSPVersion>V7.3 build 170630</DSPVersion>",
        "<Activated>true</Activated>",
        "<DetailOEMCode>1</DetailOEMCode>",
        "</ProbeMatch>",
    ]) + "\r\n",
    "hello_oem.xml": '<?xml version="1.0" encoding="UTF-8"?><Hello><Uuid>X</Uuid>'
                     '<DeviceType>261</DeviceType><DeviceDescription>TVN-2104 &amp; '
                     '&#x54;ruVision</DeviceDescription><DeviceSN>TVN21040420190101CCRR000000001'
                     '</DeviceSN><MAC>28-57-be-00-00-01</MAC><OEMInfo>Interlogix</OEMInfo>'
                     '<DetailOEMCode>4</DetailOEMCode></Hello>',
}


def dhip(body):
    body = body.encode() if isinstance(body, str) else body
    return struct.pack("<I4s8xI4xI4x", 32, b"DHIP", len(body), len(body)) + body


REPLY = {
    "mac": "4c:11:bf:12:34:56", "method": "client.notifyDevInfo",
    "params": {"deviceInfo": {
        "AlarmInputChannels": 1, "DeviceClass": "IPC", "DeviceType": "IPC-HFW4431R-Z",
        "HttpPort": 80,
        "IPv4Address": {"DefaultGateway": "192.168.1.1", "DhcpEnable": False,
                        "IPAddress": "192.168.1.108", "SubnetMask": "255.255.255.0"},
        "IPv6Address": {"IPAddress": "fd00::1/64", "LinkLocalAddress": "fe80::4e11:bfff:fe12:3456/64"},
        "MachineName": "4F01234PAZ12345", "Manufacturer": "Private", "Port": 37777,
        "SerialNo": "4F01234PAZ12345", "Vendor": "Dahua", "Version": "2.622.0000000.16.R"}},
}


def dahua5050_reply(model, ip, section2, section3):
    fixed = bytearray(120)
    fixed[0:2] = b"\xb3\x00"
    struct.pack_into("<H", fixed, 2, len(section2))
    struct.pack_into("<I", fixed, 4, 0x58)
    struct.pack_into("<I", fixed, 16, 2)
    struct.pack_into("<H", fixed, 20, len(section3))
    fixed[40:40 + len(model)] = model
    fixed[56:60] = bytes(ip)
    return bytes(fixed) + section2 + section3


DHIP = {
    "search.bin": dhip('{ "method" : "DHDiscover.search", "params" : { "mac" : "", "uni" : 1 } }\r\n'),
    "search_compact.bin": dhip('{"method":"DHDiscover.search","params":{"mac":"","uni":1}}\n'),
    # json.dumps writes '/' plainly; devices escape it, so the seed does too.
    "reply.bin": dhip(json.dumps(REPLY, separators=(", ", " : ")).replace("/", "\\/")),
    "reply_escapes.bin": dhip('{"method":"client.notifyDevInfo","params":{"deviceInfo":'
                              '{"DeviceType":"IPC\\u002DHDW\\ud83d\\udcf7","IPv4Address":"10.0.0.2",'
                              '"mac":"3c:ef:8c:00:00:01"}}}'),
    "dahua5050_search.bin": b"\xa3\x01\x00\x01" + bytes(12) + b"\x02" + bytes(15),
    "dahua5050_reply.bin": dahua5050_reply(b"DH-IPC-HFW1320S", [192, 168, 1, 108],
                                           b"4c:11:bf:12:34:56DH-IPC-HFW1320SP-W",
                                           b"SerialNo:3G01234PAW00123\r\n"),
}

ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
            'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
            'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
            'xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
            '<SOAP-ENV:Header><wsa:MessageID>urn:uuid:aaaaaaaa-bbbb-cccc-dddd-c056e3123456'
            '</wsa:MessageID><wsa:Action SOAP-ENV:mustUnderstand="true">'
            'http://schemas.xmlsoap.org/ws/2005/04/discovery/{action}</wsa:Action>'
            '</SOAP-ENV:Header><SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>')

HIK_SCOPES = " ".join("onvif://www.onvif.org/" + s for s in [
    "type/video_encoder", "Profile/Streaming", "Profile/G", "Profile/T",
    "MAC/c0:56:e3:12:34:56", "hardware/DS-2CD2042WD-I", "name/HIKVISION%20DS-2CD2042WD-I",
    "location/city/hangzhou"])
DAHUA_SCOPES = "\n        ".join("onvif://www.onvif.org/" + s for s in [
    "location/country/china", "name/Dahua", "hardware/IPC-HFW2431S-S-S2", "Profile/Streaming",
    "type/Network_Video_Transmitter", "extension/unique_identifier"])
MATCH = ('<wsa:EndpointReference><wsa:Address>urn:uuid:1</wsa:Address></wsa:EndpointReference>'
         '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>{scopes}</d:Scopes>'
         '<d:XAddrs>{xaddrs}</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion>')


def envelope(action, body):
    return ENVELOPE.replace("{action}", action).replace("{body}", body)


WSD = {
    "probe_matches_hikvision.xml": envelope("ProbeMatches", "<d:ProbeMatches><d:ProbeMatch>" + MATCH.format(
        scopes=HIK_SCOPES, xaddrs="http://192.168.1.64/onvif/device_service "
                                  "http://[fe80::c256:e3ff:fe12:3456]/onvif/device_service") +
        "</d:ProbeMatch></d:ProbeMatches>"),
    "hello_dahua.xml": envelope("Hello", "<d:Hello>" + MATCH.format(
        scopes="\n        " + DAHUA_SCOPES + "\n      ",
        xaddrs="http://192.168.1.108/onvif/device_service") + "</d:Hello>"),
    "probe.xml": envelope("Probe", '<d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types>'
                                   '<d:Scopes MatchBy="x"/></d:Probe>'),
    "bye.xml": envelope("Bye", "<d:Bye><wsa:EndpointReference><wsa:Address>urn:uuid:1</wsa:Address>"
                               "</wsa:EndpointReference></d:Bye>"),
    "probe_matches_2009.xml": '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body>'
                              '<ProbeMatches xmlns="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01">'
                              '<ProbeMatch><XAddrs>http://192.168.1.10/onvif/device</XAddrs>'
                              '<Scopes>onvif://www.onvif.org/name/Dahua onvif://www.onvif.org/name/A&amp;B'
                              '</Scopes></ProbeMatch></ProbeMatches></Body></Envelope>',
}

root = sys.argv[1]
for directory, seeds in (("sadp", SADP), ("dhip", DHIP), ("wsd", WSD)):
    os.makedirs(os.path.join(root, directory), exist_ok=True)
    for name, payload in seeds.items():
        with open(os.path.join(root, directory, name), "wb") as f:
            f.write(payload.encode() if isinstance(payload, str) else payload)
