#!/usr/bin/env bash
# lab-net.sh: the network-namespace topology for the camfence lab demo and end-to-end tests.
#
#   cf-hik   eth0 44:47:cc:00:00:11 10.77.1.11/16 --cfv-hik---+
#   cf-ezviz eth0 64:f2:fb:00:00:12 10.77.1.12/16 --cfv-ezviz-+
#   cf-axis  eth0 ac:cc:8e:00:00:13 10.77.1.13/16 --cfv-axis--+-- bridge cfcam
#   cf-laa   eth0 02:cf:00:00:00:14 10.77.1.14/16 --cfv-laa---+       |
#                                                                   cfc0
#                                                                     | veth
#                                                                   cfc1   DPDK camera port
#                                                                          (net_af_packet iface=cfc1)
#                                                        [ camfence appliance ]
#                                                                   cfk1   DPDK core port
#                                                                     | veth  (net_af_packet iface=cfk1)
#   cf-core  eth0 00:16:3e:c0:7e:01 10.77.0.10/16 -------------------+
#
# cfc1 and cfk1 stay in the root namespace, up, promiscuous, with no IP, no ARP and no
# forwarding: only the appliance joins the two sides. `up --direct` adds a plain kernel
# bridge cfdirect over cfc1+cfk1 to check the topology without the appliance.
#
# Kernel/veth notes (see /work/shared/FACTS.md, network namespaces):
#   - DPDK must open the ports as net_af_packetN,iface=cfc1,qdisc_bypass=0 (and cfk1).
#   - tx checksum offload is switched off on every veth end, else TCP through DPDK fails.
#   - This kernel has no 802.1Q: all hosts here talk untagged.
#
# Usage: lab-net.sh up [--direct] | down | status | direct-off | selftest
# Needs: iproute2 (ip, ss), ethtool, procps (sysctl), util-linux (flock), python3 (selftest).
set -euo pipefail

# ---------------------------------------------------------------------------- names
readonly CAM_BR=cfcam          # bridge joining the camera namespaces and the uplink
readonly DIRECT_BR=cfdirect    # optional bypass bridge cfc1<->cfk1 (self-test only)
readonly CAM_UPLINK=cfc0       # camera-bridge end of the uplink veth
readonly CAM_PORT=cfc1         # DPDK camera port (root namespace)
readonly CORE_PORT=cfk1        # DPDK core port (root namespace)
readonly CORE_NS=cf-core
readonly CORE_MAC=00:16:3e:c0:7e:01
readonly CORE_IP=10.77.0.10
readonly PREFIX_LEN=16
readonly MTU=1500

# Camera devices: namespace|root-side veth|MAC of eth0 in the namespace|IPv4|what it is
readonly CAMERAS=(
  "cf-hik|cfv-hik|44:47:cc:00:00:11|10.77.1.11|Hikvision camera (OUI 44:47:CC)"
  "cf-ezviz|cfv-ezviz|64:f2:fb:00:00:12|10.77.1.12|Ezviz device (OUI 64:F2:FB, Hikvision)"
  "cf-axis|cfv-axis|ac:cc:8e:00:00:13|10.77.1.13|Axis camera (OUI AC:CC:8E)"
  "cf-laa|cfv-laa|02:cf:00:00:00:14|10.77.1.14|locally administered MAC"
)

# Fixed, locally administered MACs for the root-side lab interfaces so that nothing in the
# lab changes between runs (the bridge would otherwise take the lowest port MAC).
declare -rA ROOT_MAC=(
  [cfcam]=02:cf:fe:00:00:01 [cfdirect]=02:cf:fe:00:00:02
  [cfc0]=02:cf:fe:00:00:c0 [cfc1]=02:cf:fe:00:00:c1 [cfk1]=02:cf:fe:00:00:f1
  [cfv-hik]=02:cf:fe:00:00:11 [cfv-ezviz]=02:cf:fe:00:00:12
  [cfv-axis]=02:cf:fe:00:00:13 [cfv-laa]=02:cf:fe:00:00:14
)

# Selftest ports in cf-core.
readonly TCP_PORT=8080
readonly UDP_PORT=9999

readonly LOCK_FILE=/run/lock/camfence-lab-net.lock

# ---------------------------------------------------------------------------- helpers
log() { printf '[lab-net] %s\n' "$*"; }
die() { printf '[lab-net] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<EOF
usage: ${0##*/} COMMAND
  up [--direct]  create the lab topology (tears down leftovers first); --direct also joins
                 cfc1 and cfk1 with the kernel bridge cfdirect (topology check, no appliance)
  down           remove every lab namespace and interface (no error if absent)
  status         show namespaces, interfaces, MACs and IPs (exit 1 if the lab is not up)
  direct-off     remove the cfdirect bridge again
  selftest       up --direct, check ping/TCP/UDP camera->core, direct-off, check ping
                 fails, down
EOF
}

# Camera table fields -> variables ns, rif, mac, ip, what.
split_cam() { IFS='|' read -r ns rif mac ip what <<<"$1"; }

cam_namespaces() { local c ns rif mac ip what; for c in "${CAMERAS[@]}"; do split_cam "$c"; echo "$ns"; done; }
all_namespaces() { cam_namespaces; echo "$CORE_NS"; }
# Every root-namespace lab interface (deleting one end of a veth deletes its peer too).
root_ifaces() {
  local c ns rif mac ip what
  echo "$DIRECT_BR" "$CAM_BR" "$CAM_UPLINK" "$CAM_PORT" "$CORE_PORT"
  for c in "${CAMERAS[@]}"; do split_cam "$c"; echo "$rif"; done
}

link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qxF "$1"; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }
need_tools() {
  local t
  for t in "$@"; do command -v "$t" >/dev/null || die "missing tool '$t' (see header: Needs)"; done
}

# Serialise concurrent invocations (e.g. two test runs) so they never interleave half-made
# topologies. The lock is held until this process exits.
take_lock() {
  mkdir -p "${LOCK_FILE%/*}"
  exec 9>"$LOCK_FILE"
  flock -w 120 9 || die "another lab-net.sh holds $LOCK_FILE"
}

# sysctl in the root namespace (no NS) or in namespace NS: sysctl_set NS KEY VALUE
sysctl_set() {
  local ns=$1 key=$2 val=$3
  if [[ -z $ns ]]; then sysctl -qw "$key=$val"; else ip netns exec "$ns" sysctl -qw "$key=$val"; fi
}

# Make one interface deterministic: no IPv6 (no link-local, no RS/MLD/DAD chatter).
# Root-side interfaces additionally get no ARP and no IPv4 forwarding, so the root namespace
# never answers for its own addresses on a lab link and never routes between lab links.
quiet_iface() {
  local ns=$1 ifc=$2
  if [[ -d /proc/sys/net/ipv6 ]]; then
    sysctl_set "$ns" "net.ipv6.conf.$ifc.disable_ipv6" 1
  fi
  if [[ -z $ns ]]; then
    sysctl_set "" "net.ipv4.conf.$ifc.forwarding" 0
    ip link set dev "$ifc" arp off
  fi
}

# ethtool -K IFACE tx off (checksum offload), in the root namespace or in namespace NS.
tx_off() {
  local ns=$1 ifc=$2
  if [[ -z $ns ]]; then
    ethtool -K "$ifc" tx off >/dev/null
  else
    ip netns exec "$ns" ethtool -K "$ifc" tx off >/dev/null
  fi
}

# A fresh namespace with lo up and IPv6 disabled for everything created or moved into it.
make_ns() {
  local ns=$1
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  if [[ -d /proc/sys/net/ipv6 ]]; then
    sysctl_set "$ns" net.ipv6.conf.all.disable_ipv6 1
    sysctl_set "$ns" net.ipv6.conf.default.disable_ipv6 1
  fi
}

# A host: namespace NS with eth0 (MAC, IP/16) paired with ROOT_IF in the root namespace.
make_host() {
  local ns=$1 root_if=$2 mac=$3 ip=$4
  make_ns "$ns"
  ip link add "$root_if" address "${ROOT_MAC[$root_if]}" mtu "$MTU" type veth \
    peer name eth0 address "$mac" mtu "$MTU" netns "$ns"
  quiet_iface "" "$root_if"
  quiet_iface "$ns" eth0
  ip -n "$ns" addr add "$ip/$PREFIX_LEN" dev eth0
  tx_off "" "$root_if"
  tx_off "$ns" eth0
  ip -n "$ns" link set eth0 up
}

# A Linux bridge: no STP, no forwarding delay, no multicast snooping (unregistered and joined
# multicast such as SADP 239.255.255.250 is always flooded to the uplink), and no
# br_netfilter hooks (root iptables never sees lab frames).
make_bridge() {
  local br=$1
  ip link add "$br" address "${ROOT_MAC[$br]}" mtu "$MTU" type bridge \
    stp_state 0 forward_delay 0 mcast_snooping 0 \
    nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0
  quiet_iface "" "$br"
  ip link set dev "$br" up
}

# Wait until every port of bridge BR is forwarding (state 3) and has carrier.
wait_bridge() {
  local br=$1 p i
  for ((i = 0; i < 50; i++)); do
    local ok=1
    for p in /sys/class/net/"$br"/brif/*; do
      [[ -e $p ]] || continue
      [[ $(<"$p/state") == 3 && $(<"/sys/class/net/${p##*/}/carrier") == 1 ]] || ok=0
    done
    ((ok)) && return 0
    sleep 0.1
  done
  die "bridge $br: ports not forwarding after 5s"
}

# ---------------------------------------------------------------------------- commands
cmd_down() {
  local ifc ns pid removed=0
  for ifc in $(root_ifaces); do
    if link_exists "$ifc"; then ip link del dev "$ifc"; removed=$((removed + 1)); fi
  done
  for ns in $(all_namespaces); do
    ns_exists "$ns" || continue
    # Processes left in a lab namespace (e.g. selftest servers) would keep it alive after
    # `ip netns del`; end them by pid.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$ns"
    removed=$((removed + 1))
  done
  log "down: removed $removed lab namespaces/interfaces"
}

direct_on() {
  make_bridge "$DIRECT_BR"
  ip link set dev "$CAM_PORT" master "$DIRECT_BR"
  ip link set dev "$CORE_PORT" master "$DIRECT_BR"
  wait_bridge "$DIRECT_BR"
  log "direct: kernel bridge $DIRECT_BR joins $CAM_PORT and $CORE_PORT (no appliance)"
}

cmd_direct_off() {
  if link_exists "$DIRECT_BR"; then
    ip link del dev "$DIRECT_BR"
    log "direct-off: removed $DIRECT_BR; $CAM_PORT and $CORE_PORT are unjoined"
  else
    log "direct-off: $DIRECT_BR not present"
  fi
}

cmd_up() {
  local direct=0 c ns rif mac ip what ifc
  case "${1:-}" in
    "") ;;
    --direct) direct=1 ;;
    *) usage >&2; die "unknown option for up: $1" ;;
  esac

  cmd_down >/dev/null

  # Camera side: a bridge, one namespace per device, the uplink veth cfc0<->cfc1.
  make_bridge "$CAM_BR"
  for c in "${CAMERAS[@]}"; do
    split_cam "$c"
    make_host "$ns" "$rif" "$mac" "$ip"
    ip link set dev "$rif" master "$CAM_BR" up
    log "up: $ns eth0 $mac $ip/$PREFIX_LEN ($what) via $rif -> $CAM_BR"
  done
  ip link add "$CAM_UPLINK" address "${ROOT_MAC[$CAM_UPLINK]}" mtu "$MTU" type veth \
    peer name "$CAM_PORT" address "${ROOT_MAC[$CAM_PORT]}" mtu "$MTU"
  for ifc in "$CAM_UPLINK" "$CAM_PORT"; do quiet_iface "" "$ifc"; tx_off "" "$ifc"; done
  ip link set dev "$CAM_UPLINK" master "$CAM_BR" up
  ip link set dev "$CAM_PORT" promisc on up
  log "up: $CAM_BR uplink $CAM_UPLINK <-> $CAM_PORT (DPDK camera port, promisc, no IP)"

  # Core side: the NVR/server namespace and its root end cfk1.
  make_host "$CORE_NS" "$CORE_PORT" "$CORE_MAC" "$CORE_IP"
  ip link set dev "$CORE_PORT" promisc on up
  log "up: $CORE_NS eth0 $CORE_MAC $CORE_IP/$PREFIX_LEN via $CORE_PORT (DPDK core port, promisc, no IP)"

  wait_bridge "$CAM_BR"

  # The root namespace must not join the two sides on its own.
  for ifc in "$CAM_PORT" "$CORE_PORT"; do
    [[ -z $(ip -o addr show dev "$ifc") ]] || die "$ifc has an address"
    [[ ! -e /sys/class/net/$ifc/master ]] || die "$ifc is enslaved to $(basename "$(readlink /sys/class/net/"$ifc"/master)")"
  done

  if ((direct)); then direct_on; fi
  log "up: done; DPDK ports: net_af_packet0,iface=$CAM_PORT,qdisc_bypass=0 net_af_packet1,iface=$CORE_PORT,qdisc_bypass=0"
}

cmd_status() {
  local ns ifc up=1 line
  printf '%-9s %-10s %-18s %-16s %-6s %s\n' NAMESPACE IFACE MAC IPV4 STATE NOTE
  for ns in $(all_namespaces); do
    if ! ns_exists "$ns"; then printf '%-9s %s\n' "$ns" "(absent)"; up=0; continue; fi
    line=$(ip -n "$ns" -o link show dev eth0 2>/dev/null) || { printf '%-9s %s\n' "$ns" "(no eth0)"; up=0; continue; }
    printf '%-9s %-10s %-18s %-16s %-6s\n' "$ns" eth0 \
      "$(awk '{for (i = 1; i < NF; i++) if ($i == "link/ether") print $(i + 1)}' <<<"$line")" \
      "$(ip -n "$ns" -o -4 addr show dev eth0 | awk '{print $4}' | paste -sd, -)" \
      "$(ip -n "$ns" -o link show dev eth0 | sed -n 's/.* state \([A-Z]*\).*/\1/p')"
  done
  for ifc in $(root_ifaces); do
    if ! link_exists "$ifc"; then
      [[ $ifc == "$DIRECT_BR" ]] || { printf '%-9s %-10s %s\n' root "$ifc" "(absent)"; up=0; }
      continue
    fi
    local note="" master=""
    [[ -e /sys/class/net/$ifc/master ]] && master=$(basename "$(readlink "/sys/class/net/$ifc/master")")
    [[ -n $master ]] && note="master=$master"
    (( $(ip -d -o link show dev "$ifc" | sed -n 's/.* promiscuity \([0-9]*\).*/\1/p') > 0 )) && note+=" promisc"
    [[ -d /sys/class/net/$ifc/bridge ]] && note+=" bridge"
    printf '%-9s %-10s %-18s %-16s %-6s %s\n' root "$ifc" "$(<"/sys/class/net/$ifc/address")" \
      "$(ip -o -4 addr show dev "$ifc" | awk '{print $4}' | paste -sd, -)" \
      "$(<"/sys/class/net/$ifc/operstate")" "${note# }"
  done
  if ((up)); then
    if link_exists "$DIRECT_BR"; then log "status: lab up, DIRECT mode (cfdirect bypasses the appliance)"
    else log "status: lab up; $CAM_PORT/$CORE_PORT await the appliance"; fi
    return 0
  fi
  log "status: lab is not (fully) up"
  return 1
}

# ---------------------------------------------------------------------------- selftest
PY=""
ST_TMP=""
ST_PIDS=()
FAILS=0

pass() { log "  ok   $*"; }
fail() { log "  FAIL $*"; FAILS=$((FAILS + 1)); }

selftest_cleanup() {
  local pid
  for pid in "${ST_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${ST_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n $ST_TMP ]] && rm -rf "$ST_TMP"
  cmd_down
}

# ping1 NS IP: one ICMP echo from namespace NS, 1 s timeout (ping -c1 -W1). Uses ping when
# iputils-ping is installed (not in Debian 12 base), else an equivalent raw-socket probe
# in python3 (root).
ping1() {
  local ns=$1 dst=$2
  if command -v ping >/dev/null; then
    ip netns exec "$ns" ping -n -c1 -W1 "$dst" >/dev/null 2>&1
    return
  fi
  ip netns exec "$ns" "$PY" - "$dst" <<'PY' >/dev/null 2>&1
import os, select, socket, struct, sys, time
dst = sys.argv[1]
def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF
ident, seq = os.getpid() & 0xFFFF, 1
payload = b"camfence-lab-ping!"
hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq) + payload
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(pkt, (dst, 0))
deadline = time.monotonic() + 1.0
while (left := deadline - time.monotonic()) > 0:
    if not select.select([s], [], [], left)[0]:
        break
    data, addr = s.recvfrom(2048)
    icmp = data[(data[0] & 0x0F) * 4:]  # skip the IPv4 header
    if addr[0] != dst or len(icmp) < 8:
        continue
    typ, _code, _sum, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
    if typ == 0 and rid == ident and rseq == seq:  # our echo reply
        sys.exit(0)
sys.exit(1)
PY
}

# Wait up to 5 s for a file to appear.
wait_file() { local i; for ((i = 0; i < 50; i++)); do [[ -e $1 ]] && return 0; sleep 0.1; done; return 1; }

cmd_selftest() {
  local c ns rif mac ip what i got token ifc
  PY=/usr/bin/python3
  [[ -x $PY ]] || PY=$(command -v python3) || die "selftest needs python3"

  trap selftest_cleanup EXIT
  log "selftest: bringing the lab up with the direct bridge"
  cmd_up --direct

  ST_TMP=$(mktemp -d /tmp/cf-lab-selftest.XXXXXX)
  token="camfence-lab-$$-$RANDOM"
  mkdir "$ST_TMP/www"
  printf '%s\n' "$token" >"$ST_TMP/www/probe.txt"

  # TCP: a static HTTP server in cf-core. UDP: a receiver that logs "srcip payload" lines.
  ip netns exec "$CORE_NS" "$PY" -m http.server "$TCP_PORT" --bind "$CORE_IP" \
    --directory "$ST_TMP/www" >"$ST_TMP/http.log" 2>&1 &
  ST_PIDS+=($!)
  ip netns exec "$CORE_NS" "$PY" - "$CORE_IP" "$UDP_PORT" "$ST_TMP/udp.log" "$ST_TMP/udp.ready" \
    >"$ST_TMP/udp.err" 2>&1 <<'PY' &
import socket, sys
ip, port, log, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ip, port))
open(ready, "w").close()
with open(log, "a") as f:
    while True:
        data, addr = s.recvfrom(2048)
        f.write(f"{addr[0]} {data.decode(errors='replace')}\n")
        f.flush()
PY
  ST_PIDS+=($!)
  wait_file "$ST_TMP/udp.ready" || die "selftest: UDP receiver in $CORE_NS did not start ($(cat "$ST_TMP/udp.err"))"
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$CORE_NS" ss -Hltn "sport = :$TCP_PORT" | grep -q . && break
    sleep 0.1
  done
  ((i < 50)) || die "selftest: HTTP server in $CORE_NS did not start ($(cat "$ST_TMP/http.log"))"

  log "selftest: with $DIRECT_BR, every camera must reach $CORE_NS $CORE_IP"
  for c in "${CAMERAS[@]}"; do
    split_cam "$c"
    if ping1 "$ns" "$CORE_IP"; then
      pass "$ns: ping $CORE_IP"
    else
      fail "$ns: ping $CORE_IP"
    fi

    got=$(ip netns exec "$ns" "$PY" -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode())
' "http://$CORE_IP:$TCP_PORT/probe.txt" 2>&1) || true
    if [[ $got == "$token" ]]; then
      pass "$ns: TCP $CORE_IP:$TCP_PORT (HTTP GET)"
    else
      fail "$ns: TCP $CORE_IP:$TCP_PORT (HTTP GET) got: ${got:0:200}"
    fi

    ip netns exec "$ns" "$PY" -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.argv[1].encode(), (sys.argv[2], int(sys.argv[3])))
' "$token-$ns" "$CORE_IP" "$UDP_PORT" || true
    for ((i = 0; i < 30; i++)); do
      grep -qxF "$ip $token-$ns" "$ST_TMP/udp.log" 2>/dev/null && break
      sleep 0.1
    done
    if ((i < 30)); then pass "$ns: UDP $CORE_IP:$UDP_PORT from $ip"; else fail "$ns: UDP $CORE_IP:$UDP_PORT from $ip"; fi

    # The core must have learned the camera's own MAC (frames cross unchanged).
    got=$(ip -n "$CORE_NS" neigh show "$ip" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
    if [[ $got == "$mac" ]]; then pass "$ns: $CORE_NS sees $ip at $mac"; else fail "$ns: $CORE_NS sees $ip at '${got:-none}', want $mac"; fi
  done

  log "selftest: without $DIRECT_BR, nothing may join the camera and core sides"
  cmd_direct_off
  for ifc in "$CAM_PORT" "$CORE_PORT"; do
    if [[ -e /sys/class/net/$ifc/master ]]; then fail "$ifc still enslaved"; fi
  done
  for c in "${CAMERAS[@]}"; do
    split_cam "$c"
    if ping1 "$ns" "$CORE_IP"; then
      fail "$ns: ping $CORE_IP succeeded without the appliance"
    else
      pass "$ns: ping $CORE_IP fails"
    fi
  done
  split_cam "${CAMERAS[0]}"
  if ping1 "$CORE_NS" "$ip"; then
    fail "$CORE_NS: ping $ip succeeded without the appliance"
  else
    pass "$CORE_NS: ping $ip fails"
  fi

  trap - EXIT
  selftest_cleanup
  if ((FAILS)); then die "selftest: $FAILS check(s) failed"; fi
  log "selftest: all checks passed"
}

# ---------------------------------------------------------------------------- main
main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) need_root; need_tools ip ethtool sysctl flock; take_lock; cmd_up "$@" ;;
    down) need_root; need_tools ip flock; take_lock; cmd_down ;;
    direct-off) need_root; need_tools ip flock; take_lock; cmd_direct_off ;;
    status) need_tools ip; cmd_status ;;
    selftest) need_root; need_tools ip ethtool sysctl flock ss; take_lock; cmd_selftest ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
