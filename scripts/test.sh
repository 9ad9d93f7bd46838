#!/usr/bin/env bash
# The README's test command: installs dependencies, prepares hugepages, builds both flavours
# and runs the whole suite through ctest. Exits non-zero on any failure.
#   build/           g++ -Werror: unit, integration, format check
#   build-sanitize/  clang ASan+UBSan -Werror: unit tests again, and the libFuzzer targets
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/deps.sh
bash scripts/hugepages.sh

jobs="${CAMFENCE_JOBS:-2}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAMFENCE_WERROR=ON >/dev/null
ninja -C build -j"$jobs"
CC=clang CXX=clang++ cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCAMFENCE_WITH_DPDK=OFF -DCAMFENCE_SANITIZE=ON -DCAMFENCE_FUZZ=ON -DCAMFENCE_WERROR=ON >/dev/null
ninja -C build-sanitize -j"$jobs"

passed=0
failed=0
status=0
for dir in build build-sanitize; do
  log="$root/$dir/ctest.log"
  if ctest --test-dir "$dir" --output-on-failure "$@" 2>&1 | tee "$log"; then :; else status=1; fi
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [ -z "$line" ]; then
    echo "test.sh: ctest in $dir printed no summary" >&2
    status=1
    continue
  fi
  total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
  nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed.*/\1/')
  passed=$((passed + total - nfail))
  failed=$((failed + nfail))
done
echo
echo "suite: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
