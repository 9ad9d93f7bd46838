#!/usr/bin/python3
"""Writes the seed corpus for fuzz_frame: one raw frame per file, covering every header
combination the parser knows, so the fuzzer starts from deep paths. Run with /usr/bin/python3
(Debian's scapy): tests/fuzz/make_frame_seeds.py tests/fuzz/seeds/frame"""
import os
import sys

from scapy.all import (ARP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw)

HIK = "44:19:b6:01:02:03"
CORE = "00:11:22:33:44:55"
seeds = {
    "ipv4_tcp": Ether(src=HIK, dst=CORE) / IP(src="192.168.1.64", dst="10.1.1.1") / TCP(sport=1024, dport=80),
    "dot1q_udp": Ether(src=HIK, dst=CORE) / Dot1Q(vlan=120) / IP(src="192.168.1.64", dst="10.1.1.1") / UDP(sport=5000, dport=53),
    "qinq_ipv6": Ether(src=HIK, dst=CORE) / Dot1AD(vlan=10) / Dot1Q(vlan=120) / IPv6(src="2001:db8:1::5", dst="2001:db8:100::1") / TCP(),
    "ipv6_ext": Ether(src=HIK, dst=CORE) / IPv6(src="2001:db8:1::5", dst="2001:db8:100::1") / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / IPv6ExtHdrDestOpt() / UDP(),
    "ipv6_frag": Ether(src=HIK, dst=CORE) / IPv6(src="2001:db8:1::5", dst="2001:db8:100::1") / IPv6ExtHdrFragment(offset=0, m=1) / UDP() / Raw(b"x" * 16),
    "ipv4_frag_later": Ether(src=HIK, dst=CORE) / IP(src="192.168.1.64", dst="10.1.1.1", frag=10, flags=0) / Raw(b"y" * 16),
    "arp": Ether(src=HIK, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=HIK, psrc="192.168.1.64", pdst="10.1.1.1"),
    "downstream": Ether(src=CORE, dst=HIK) / IP(src="10.1.1.1", dst="192.168.1.64") / TCP(sport=80, dport=1024),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, pkt in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes(pkt))
