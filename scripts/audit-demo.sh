#!/usr/bin/env bash
# The offline audit demo (the README's "audit a capture" section). Builds camfenced and runs the offline audit of the bundled
# sample capture (config/samples/site-edge.pcap, a SPAN of a site edge) against the example
# site policy (config/policy.yaml): which devices are prohibited, on what evidence, and what
# the policy does to their traffic. Outputs land in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
bash scripts/hugepages.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build camfenced >/dev/null

out=out/demo
rm -rf "$out"
mkdir -p "$out"
bin=build/daemon/camfenced

echo "== 1. Validate the site policy"
"$bin" --check --policy config/policy.yaml
echo
echo "== 2. Audit the sample capture against it"
"$bin" --policy config/policy.yaml --audit config/samples/site-edge.pcap \
  --report "$out/report.json" --pcap-out "$out"
echo
echo "== 3. Outputs"
echo "  report:          $out/report.json"
for a in forward drop quarantine; do
  n=$(/usr/bin/python3 - "$out/$a.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
pos, n = 24, 0
while pos + 16 <= len(data):
    pos += 16 + struct.unpack_from("<I", data, pos + 8)[0]
    n += 1
print(n)
PY
)
  printf '  %-16s %s (%s frames)\n' "$a:" "$out/$a.pcap" "$n"
done
echo
echo "Next: edit config/policy.yaml (or write your own), check it with"
echo "  $bin --check --policy FILE"
echo "and audit a capture of your own edge with"
echo "  $bin --policy FILE --audit EDGE.pcap --report report.json --pcap-out DIR"
