#!/usr/bin/python3
"""Traffic probes for the camfence lab (scripts/demo.sh, tests/e2e).

Run inside a lab namespace, e.g. `ip netns exec cf-hik python3 scripts/lab_probe.py ping 10.77.0.10`.
Only the Python standard library: the lab needs no ping, nc or iperf.

  ping DST [--count N] [--timeout S]        ICMP echo; exit 0 if any reply came back
  tcp DST PORT [--timeout S]                connect, send a line, expect it echoed; exit 0 on success
  udp-send DST PORT [--count N] [--rate PPS] [--size BYTES]
  tcp-echo-server PORT                      echo lines back (runs until killed)
  udp-count PORT --seconds S                print how many datagrams arrived
  sniff-vlan IFACE --seconds S [--src MAC]  print "vid count" per 802.1Q VLAN seen (raw socket)
"""
import argparse
import os
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping(dst, count=1, timeout=1.0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    replies = 0
    for seq in range(1, count + 1):
        payload = b"camfence-lab" + struct.pack("!d", time.time())
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq) + payload
        sock.sendto(pkt, (dst, 0))
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                break
            r, _, _ = select.select([sock], [], [], left)
            if not r:
                break
            data, addr = sock.recvfrom(2048)
            ihl = (data[0] & 0x0F) * 4
            t, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if t == 0 and rid == ident and rseq == seq and addr[0] == dst:
                replies += 1
                break
    return replies


def tcp(dst, port, timeout=2.0):
    try:
        with socket.create_connection((dst, port), timeout=timeout) as s:
            s.sendall(b"camfence\n")
            s.settimeout(timeout)
            return s.recv(64) == b"camfence\n"
    except OSError:
        return False


def udp_send(dst, port, count, rate, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    interval = 1.0 / rate if rate else 0
    start = time.time()
    for i in range(count):
        s.sendto(struct.pack("!I", i) + b"x" * max(0, size - 4), (dst, port))
        if interval:
            target = start + (i + 1) * interval
            delay = target - time.time()
            if delay > 0:
                time.sleep(delay)
    return count


def tcp_echo_server(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(16)
    while True:
        c, _ = srv.accept()
        c.settimeout(5)
        try:
            data = c.recv(64)
            if data:
                c.sendall(data)
        except OSError:
            pass
        c.close()


def udp_count(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.settimeout(0.2)
    n = 0
    end = time.time() + seconds
    while time.time() < end:
        try:
            s.recv(65536)
            n += 1
        except socket.timeout:
            pass
    return n


def sniff_vlan(iface, seconds, src=None):
    """Counts frames per outer 802.1Q VLAN id (0 = untagged) on a raw socket. The kernel
    strips a received tag into the packet's auxiliary data (rx VLAN offload): read it there."""
    SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID = 263, 8, 0x10
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((iface, 0))
    s.settimeout(0.2)
    want = bytes.fromhex(src.replace(":", "")) if src else None
    counts = {}
    end = time.time() + seconds
    while time.time() < end:
        try:
            data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(20))
        except socket.timeout:
            continue
        if want and data[6:12] != want:
            continue
        vid = 0
        for level, kind, cdata in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(cdata) >= 20:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", cdata[:20])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0x0FFF
        etype = struct.unpack("!H", data[12:14])[0]
        if vid == 0 and etype in (0x8100, 0x88A8):
            vid = struct.unpack("!H", data[14:16])[0] & 0x0FFF
        counts[vid] = counts.get(vid, 0) + 1
    return counts


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ping")
    a.add_argument("dst")
    a.add_argument("--count", type=int, default=1)
    a.add_argument("--timeout", type=float, default=1.0)
    a = sub.add_parser("tcp")
    a.add_argument("dst")
    a.add_argument("port", type=int)
    a.add_argument("--timeout", type=float, default=2.0)
    a = sub.add_parser("udp-send")
    a.add_argument("dst")
    a.add_argument("port", type=int)
    a.add_argument("--count", type=int, default=100)
    a.add_argument("--rate", type=float, default=0)
    a.add_argument("--size", type=int, default=64)
    a = sub.add_parser("tcp-echo-server")
    a.add_argument("port", type=int)
    a = sub.add_parser("udp-count")
    a.add_argument("port", type=int)
    a.add_argument("--seconds", type=float, required=True)
    a = sub.add_parser("sniff-vlan")
    a.add_argument("iface")
    a.add_argument("--seconds", type=float, required=True)
    a.add_argument("--src")
    args = p.parse_args()
    if args.cmd == "ping":
        n = ping(args.dst, args.count, args.timeout)
        print(f"{n}/{args.count} replies from {args.dst}")
        return 0 if n else 1
    if args.cmd == "tcp":
        ok = tcp(args.dst, args.port, args.timeout)
        print(f"tcp {args.dst}:{args.port} {'ok' if ok else 'failed'}")
        return 0 if ok else 1
    if args.cmd == "udp-send":
        udp_send(args.dst, args.port, args.count, args.rate, args.size)
        return 0
    if args.cmd == "tcp-echo-server":
        tcp_echo_server(args.port)
        return 0
    if args.cmd == "udp-count":
        print(udp_count(args.port, args.seconds))
        return 0
    if args.cmd == "sniff-vlan":
        for vid, n in sorted(sniff_vlan(args.iface, args.seconds, args.src).items()):
            print(vid, n)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
