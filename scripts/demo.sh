#!/usr/bin/env bash
# The README's run command: the camfence lab on one machine.
#
# Builds camfenced and camfencectl, creates network namespaces (scripts/lab-net.sh): on the
# camera side a Hikvision camera, an Ezviz device (a Hikvision subsidiary), an Axis camera
# and a device with a locally administered MAC; on the core side an NVR/server. camfenced
# runs inline between them on DPDK af_packet ports. Real traffic (ping, TCP, a UDP stream)
# then shows what the policy (config/lab/policy.yaml) does: the prohibited cameras cannot
# reach the core nor be reached from it, the Axis camera can, the unknown device is
# quarantined onto VLAN 999. It prints the inventory, the flows, and the metrics.
#
#   scripts/demo.sh          run, then keep the appliance up until Ctrl-C
#   scripts/demo.sh --once   a bounded run that tears everything down at the end
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

once=0
case "${1:-}" in
  --once) once=1 ;;
  "") ;;
  -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
  *) echo "usage: scripts/demo.sh [--once]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (network namespaces, hugepages)" >&2; exit 2; }

bash scripts/deps.sh
bash scripts/hugepages.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build -j"${CAMFENCE_JOBS:-2}" camfenced camfencectl >/dev/null

work="$root/out/lab"
bin="$root/build/daemon"
py=/usr/bin/python3
probe="$root/scripts/lab_probe.py"
metrics=127.0.0.1:9720
rm -rf "$work"
mkdir -p "$work"
ctl() { "$bin/camfencectl" --socket "$work/control.sock" "$@"; }

cat >"$work/camfence.yaml" <<YAML
# Written by scripts/demo.sh: the lab appliance.
dataplane:
  eal_args: ["--in-memory", "-l", "0-1", "--no-pci", "--log-level", "pmd:error", "--log-level", "lib.eal:error"]
  ports:
    - {name: cam0,  device: "net_af_packet0,iface=cfc1,qdisc_bypass=0", side: camera}
    - {name: core0, device: "net_af_packet1,iface=cfk1,qdisc_bypass=0", side: core}
  workers: 1
control:
  socket: $work/control.sock
  metrics: $metrics
  state_dir: $work/state
policy: $root/config/lab/policy.yaml
YAML

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "== Tearing down the lab"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  bash scripts/lab-net.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== 1. The lab network (scripts/lab-net.sh)"
bash scripts/lab-net.sh up | sed 's/^/  /'
echo
echo "== 2. camfenced --config $work/camfence.yaml"
"$bin/camfenced" --check --config "$work/camfence.yaml" | sed 's/^/  /'
"$bin/camfenced" --config "$work/camfence.yaml" >"$work/camfenced.log" 2>&1 &
daemon=$!
for _ in $(seq 1 100); do
  ctl --json status >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/camfenced.log"; exit 1; }
  sleep 0.2
done
echo "  running (pid $daemon); events: $work/camfenced.log, state: $work/state"

ip netns exec cf-core "$py" "$probe" tcp-echo-server 8080 &
pids+=($!)
sleep 0.5

echo
echo "== 3. Traffic through the appliance"
cams=("cf-hik|10.77.1.11|Hikvision camera" "cf-ezviz|10.77.1.12|Ezviz device"
      "cf-axis|10.77.1.13|Axis camera" "cf-laa|10.77.1.14|locally administered MAC")
result() { if "$@" >/dev/null 2>&1; then echo "passes"; else echo "BLOCKED"; fi; }
printf '  %-26s %-26s %-18s %s\n' FROM TO TRAFFIC RESULT
for c in "${cams[@]}"; do
  IFS='|' read -r ns ip what <<<"$c"
  printf '  %-26s %-26s %-18s %s\n' "$what" "NVR 10.77.0.10" "ping" \
    "$(result ip netns exec "$ns" "$py" "$probe" ping 10.77.0.10 --count 2)"
  printf '  %-26s %-26s %-18s %s\n' "$what" "NVR 10.77.0.10" "TCP :8080" \
    "$(result ip netns exec "$ns" "$py" "$probe" tcp 10.77.0.10 8080 --timeout 1)"
  printf '  %-26s %-26s %-18s %s\n' "NVR 10.77.0.10" "$what" "ping" \
    "$(result ip netns exec cf-core "$py" "$probe" ping "$ip" --count 2)"
done
# A UDP stream from every camera (1000 datagrams each), counted where it lands.
ip netns exec cf-core "$py" "$probe" udp-count 9999 --seconds 4 >"$work/udp-received" &
counter=$!
ip netns exec cf-core "$py" "$probe" sniff-vlan eth0 --seconds 4 --src 02:cf:00:00:00:14 \
  >"$work/laa-vlans" &
sniffer=$!
sleep 0.5
for c in "${cams[@]}"; do
  IFS='|' read -r ns ip what <<<"$c"
  ip netns exec "$ns" "$py" "$probe" udp-send 10.77.0.10 9999 --count 1000 --rate 1000 &
done
wait "$counter" "$sniffer"
echo "  UDP stream, 1000 datagrams from each camera: $(cat "$work/udp-received") reached the NVR"
echo "  frames from the locally administered device seen on the core side, by VLAN:" \
  "$(awk '{printf "%s%s: %s", (NR>1?", ":""), ($1==0?"untagged":"VLAN " $1), $2}' "$work/laa-vlans")"

echo
echo "== 4. The inventory: camfencectl devices"
ctl devices | sed 's/^/  /'
echo
echo "== 5. camfencectl status"
ctl status | sed 's/^/  /'
echo
echo "== 6. Metrics: http://$metrics/metrics (a few of them)"
curl -s "http://$metrics/metrics" |
  grep -E '^camfence_(frames_total|devices\{class="prohibited"|port_rx_packets_total|policy_generation)' |
  grep -v ' 0$' | sed 's/^/  /'

if [ "$once" -eq 1 ]; then
  exit 0
fi
echo
echo "The appliance keeps running. Try, in another shell:"
echo "  $bin/camfencectl --socket $work/control.sock devices"
echo "  ip netns exec cf-axis $py $probe ping 10.77.0.10"
echo "  edit config/lab/policy.yaml, then: $bin/camfencectl --socket $work/control.sock reload"
echo "  curl -s http://$metrics/metrics | grep camfence_"
echo "Ctrl-C stops it and removes the lab."
wait "$daemon"
