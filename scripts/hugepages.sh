#!/usr/bin/env bash
# Reserves 2 MiB hugepages for DPDK and mounts hugetlbfs. Idempotent; needs root.
# Usage: scripts/hugepages.sh [PAGES]   (default 512 = 1 GiB)
set -euo pipefail
pages="${1:-512}"
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ "$(id -u)" -ne 0 ]; then
  echo "hugepages: not root; DPDK will run with --no-huge" >&2
  exit 0
fi
# Best effort: where sysfs is read-only or mounting is refused (a container), DPDK falls back
# to --no-huge, so a failure here is a warning, not the end of the run.
if [ "$(cat "$nr" 2>/dev/null || echo 0)" -lt "$pages" ]; then
  echo "$pages" > "$nr" 2>/dev/null || echo "hugepages: cannot write $nr" >&2
fi
if ! grep -q ' hugetlbfs ' /proc/mounts; then
  { mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages; } 2>/dev/null ||
    echo "hugepages: cannot mount hugetlbfs on /dev/hugepages" >&2
fi
got=$(cat "$nr" 2>/dev/null || echo 0)
if [ "$got" -lt 64 ]; then
  echo "hugepages: only $got pages could be reserved; DPDK will fall back to --no-huge" >&2
fi
