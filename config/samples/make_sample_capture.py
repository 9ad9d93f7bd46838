#!/usr/bin/python3
"""Generates site-edge.pcap, the sample capture the demo audits: a SPAN of a site edge where
camera VLANs 100-199 (and untagged frames) meet the core (10.0.0.0/8, 2001:db8:100::/48) and
the NVR network (172.16.50.0/24). Deterministic: same bytes on every run.

Devices on the camera side:
  44:19:b6:10:00:01  Hikvision bullet camera, VLAN 110: RTSP to the NVR, tries the core, and
                     calls home to the Hik-Connect cloud
  44:19:b6:00:00:01  Hikvision camera covered by an exception (replacement CHG-1234)
  58:8f:cf:20:00:07  Ezviz doorbell (Hikvision subsidiary), untagged, to the internet
  08:ed:ed:30:00:02  Dahua dome camera, VLAN 120, over IPv6 to the core, fragmented uploads
  00:40:8c:40:00:03  Axis camera, VLAN 110: RTSP to the NVR, NTP and syslog to the core
  02:1a:2b:50:00:04  a device with a locally administered MAC, VLAN 130, to the core
Plus return traffic from the core and NVR, ARP, and office PCs on VLAN 20 (not a camera VLAN).
Usage: make_sample_capture.py OUT.pcap"""
import sys

from scapy.all import ARP, IP, IPv6, TCP, UDP, Dot1Q, Ether, IPv6ExtHdrFragment, Raw, fragment6, wrpcap

GW = "00:1b:21:aa:bb:01"        # edge router, camera side
NVR_MAC = "00:1b:21:aa:bb:02"
HIK = "44:19:b6:10:00:01"
HIK_EXC = "44:19:b6:00:00:01"
EZVIZ = "58:8f:cf:20:00:07"
DAHUA = "08:ed:ed:30:00:02"
AXIS = "00:40:8c:40:00:03"
LOCAL = "02:1a:2b:50:00:04"
PC = "3c:52:82:60:00:05"

frames = []


def add(pkt):
    frames.append(pkt)


def v(vlan):
    return Dot1Q(vlan=vlan)


for i in range(6):
    # Hikvision: RTSP to the NVR (quarantined), attempts on the core (dropped), cloud (quarantined)
    add(Ether(src=HIK, dst=NVR_MAC) / v(110) / IP(src="192.168.110.21", dst="172.16.50.10") /
        TCP(sport=554, dport=50000 + i, flags="PA") / Raw(b"RTSP/1.0 200 OK\r\n\r\n"))
    add(Ether(src=HIK, dst=GW) / v(110) / IP(src="192.168.110.21", dst="10.20.0.5") /
        TCP(sport=40000 + i, dport=445, flags="S"))
    add(Ether(src=NVR_MAC, dst=HIK) / v(110) / IP(src="172.16.50.10", dst="192.168.110.21") /
        TCP(sport=50000 + i, dport=554, flags="A"))
    # The excepted Hikvision camera keeps recording to the NVR until it is replaced
    add(Ether(src=HIK_EXC, dst=NVR_MAC) / v(110) / IP(src="192.168.110.22", dst="172.16.50.10") /
        UDP(sport=8000, dport=6000) / Raw(b"\x80" * 40))
    # Axis: RTSP to the NVR and NTP to the core, forwarded
    add(Ether(src=AXIS, dst=NVR_MAC) / v(110) / IP(src="192.168.110.30", dst="172.16.50.10") /
        UDP(sport=8000, dport=6002) / Raw(b"\x80" * 40))
    add(Ether(src=AXIS, dst=GW) / v(110) / IP(src="192.168.110.30", dst="10.0.0.123") / UDP(sport=123, dport=123))
    # Office PC on VLAN 20: not a camera VLAN, passed untouched
    add(Ether(src=PC, dst=GW) / v(20) / IP(src="192.168.20.50", dst="10.20.0.5") / TCP(sport=51000 + i, dport=445))

# Hikvision cloud call-home (Hik-Connect, P2P) and DNS
add(Ether(src=HIK, dst=GW) / v(110) / IP(src="192.168.110.21", dst="203.0.113.80") / UDP(sport=6001, dport=8800))
add(Ether(src=HIK, dst=GW) / v(110) / IP(src="192.168.110.21", dst="10.0.0.53") / UDP(sport=5353, dport=53) /
    Raw(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07litedev\x0bhik-connect\x03com\x00\x00\x01\x00\x01"))
# Ezviz doorbell, untagged, to its cloud and to the core
for i in range(3):
    add(Ether(src=EZVIZ, dst=GW) / IP(src="192.168.1.40", dst="198.51.100.7") / TCP(sport=41000 + i, dport=443, flags="S"))
add(Ether(src=EZVIZ, dst=GW) / IP(src="192.168.1.40", dst="10.1.1.1") / TCP(sport=41010, dport=80, flags="S"))
# ARP from the Ezviz device for the core gateway (dropped) and the router answering
add(Ether(src=EZVIZ, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=EZVIZ, psrc="192.168.1.40", pdst="10.1.1.1"))
# Dahua over IPv6 to the core: a fragmented upload and the core's reply
for frag in fragment6(IPv6(src="2001:db8:120::2", dst="2001:db8:100::10") / IPv6ExtHdrFragment(id=7) /
                      UDP(sport=37777, dport=9000) / Raw(b"D" * 2400), 1280):
    add(Ether(src=DAHUA, dst=GW) / v(120) / frag)
add(Ether(src=GW, dst=DAHUA) / v(120) / IPv6(src="2001:db8:100::10", dst="2001:db8:120::2") / TCP(sport=443, dport=52000))
# Locally administered MAC to the core on VLAN 130: quarantined by unregistered-to-core
for i in range(2):
    add(Ether(src=LOCAL, dst=GW) / v(130) / IP(src="192.168.130.9", dst="10.30.0.1") / TCP(sport=42000 + i, dport=22, flags="S"))
# A runt: a cut-off frame on the span port
add(Raw(b"\x44\x19\xb6\x10\x00"))

for n, pkt in enumerate(frames):
    pkt.time = 1795000000 + n * 0.01
wrpcap(sys.argv[1], frames, linktype=1)  # Ethernet, even for the runt
