#!/usr/bin/env bash
# Benchmark: the camfence worker loop vs dpdk-testpmd io forwarding on the same vdevs, in the
# same run: net_pcap (infinite_rx, a mixed capture of 64-byte frames) -> net_null (no-rx),
# one forwarding lcore each. Prints both rates (median of per-second samples, interleaved
# rounds), instructions per frame of parse+classify (callgrind), and last `ratio: X`
# (camfence / testpmd). Informational: it never fails on a low figure.
# Usage: scripts/bench.sh [SECONDS_PER_RUN] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
rounds="${2:-2}"

bash scripts/deps.sh
bash scripts/hugepages.sh 1024
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }

cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAMFENCE_WERROR=ON >/dev/null
ninja -C build-bench -j2 camfence_bench classify_bench >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 tests/bench/make_bench_capture.py "$work/mix64.pcap"
policy=config/policy.yaml

# Median of the port-0 Rx-pps samples, skipping the first two (start-up).
median_rx() {
  grep -E '^ *Rx-pps: *[0-9]+' "$1" | awk '{print $2}' | awk '$1 > 0' | tail -n +3 | sort -n |
    awk '{v[NR]=$1} END {if (NR==0) print 0; else print v[int((NR+1)/2)]}'
}

run_testpmd() {
  timeout -s INT "$((secs + 4))" dpdk-testpmd -l 0-1 --no-pci --in-memory --no-telemetry \
    --log-level=pmd:error --vdev "net_pcap0,rx_pcap=$work/mix64.pcap,infinite_rx=1" \
    --vdev net_null0,no-rx=1 -- --forward-mode=io --nb-cores=1 --stats-period 1 \
    >"$work/testpmd.log" 2>&1 || true
  # testpmd prints both ports; keep port 0's Rx lines only.
  awk '/NIC statistics for port 0/{p=1} /NIC statistics for port 1/{p=0} p' "$work/testpmd.log" >"$work/testpmd.p0"
  median_rx "$work/testpmd.p0"
}

run_camfence() {
  build-bench/tests/bench/camfence_bench "$policy" "$work/mix64.pcap" "$((secs + 2))" >"$work/camfence.log" 2>&1
  median_rx "$work/camfence.log"
}

tp=()
cf=()
for r in $(seq "$rounds"); do
  tp+=("$(run_testpmd)")
  cf+=("$(run_camfence)")
  echo "round $r: testpmd io ${tp[-1]} pps, camfence ${cf[-1]} pps"
done
best() { printf '%s\n' "$@" | sort -n | tail -n 1; }
tp_best=$(best "${tp[@]}")
cf_best=$(best "${cf[@]}")
grep '^frames:' "$work/camfence.log" || true

# Instructions per frame for parse + classify, independent of machine noise: the callgrind
# total of classify_bench at N rounds minus at 0 rounds (policy and capture loading).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    build-bench/tests/bench/classify_bench "$policy" "$work/mix64.pcap" "$1" 2>&1 >/dev/null |
    awk '/refs:/ {gsub(",", "", $NF); print $NF}'
}
n=200
i0=$(instructions 0)
i1=$(instructions "$n")
ipf=$(( (i1 - i0) / (1024 * n) ))

awk -v t="$tp_best" -v c="$cf_best" -v i="$ipf" 'BEGIN {
  printf "testpmd io:  %.2f Mpps\ncamfence:    %.2f Mpps\nparse+classify: %s instructions/frame (callgrind)\n", t/1e6, c/1e6, i
  printf "ratio: %.2f\n", (t > 0 ? c/t : 0) }'
