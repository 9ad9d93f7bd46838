#!/usr/bin/python3
"""Writes the benchmark capture: 1024 camera-side frames of 60 bytes (64 on the wire with the
FCS), a mix that exercises every branch of the fast path against config/policy.yaml:
  45% Axis cameras (clear) to core and NVR zones        -> forward (default)
  15% Hikvision/Dahua/Ezviz cameras to core             -> drop (prohibited-to-core)
  10% Hikvision cameras to the internet                 -> quarantine (tag inserted)
  10% locally administered MACs on VLAN 120 to core     -> quarantine (tag rewritten)
  10% 802.1Q / QinQ tagged clear traffic, IPv6 (no payload) included -> forward
  10% frames on a non-camera VLAN                       -> forward untouched
Usage: make_bench_capture.py OUT.pcap"""
import random
import sys

from scapy.all import IP, IPv6, TCP, UDP, Dot1AD, Dot1Q, Ether, Raw, wrpcap

rng = random.Random(20261129)
GW = "00:11:22:33:44:55"


def pad(pkt):
    raw = bytes(pkt)
    assert len(raw) <= 60, pkt.summary()
    return Ether(raw + b"\0" * (60 - len(raw)))


def mac(prefix, i):
    return "%s:%02x:%02x:%02x" % (prefix, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff)


frames = []
for i in range(1024):
    r = rng.random()
    host = "192.168.%d.%d" % (i // 250, 1 + i % 250)
    if r < 0.45:
        dst = rng.choice(["10.%d.0.1" % (i % 200), "172.16.50.%d" % (1 + i % 200)])
        p = Ether(src=mac("00:40:8c", i), dst=GW) / IP(src=host, dst=dst) / UDP(sport=5000 + i, dport=554)
    elif r < 0.60:
        oui = rng.choice(["44:19:b6", "58:8f:cf", "08:ed:ed"])
        p = Ether(src=mac(oui, i), dst=GW) / IP(src=host, dst="10.1.%d.1" % (i % 200)) / TCP(sport=40000 + i, dport=443)
    elif r < 0.70:
        p = Ether(src=mac("44:19:b6", i), dst=GW) / IP(src=host, dst="203.0.113.%d" % (i % 250)) / UDP(sport=6000, dport=8800)
    elif r < 0.80:
        p = Ether(src=mac("02:00:00", i), dst=GW) / Dot1Q(vlan=120) / IP(src=host, dst="10.2.0.1") / UDP(sport=7000, dport=80)
    elif r < 0.90:
        if i % 2:
            p = Ether(src=mac("00:40:8c", i), dst=GW) / Dot1AD(vlan=10) / Dot1Q(vlan=150) / IP(src=host, dst="10.3.0.1") / UDP()
        else:
            p = Ether(src=mac("00:40:8c", i), dst=GW) / Dot1Q(vlan=160) / IPv6(src="2001:db8:1::%x" % i, dst="2001:db8:100::1", nh=59)
    else:
        p = Ether(src=mac("44:19:b6", i), dst=GW) / Dot1Q(vlan=300) / IP(src=host, dst="10.4.0.1") / UDP()
    frames.append(pad(p))

wrpcap(sys.argv[1], frames)
