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
if [ "$(cat "$nr")" -lt "$pages" ]; then
  echo "$pages" > "$nr"
fi
if ! grep -q ' hugetlbfs ' /proc/mounts; then
  mkdir -p /dev/hugepages
  mount -t hugetlbfs nodev /dev/hugepages
fi
got=$(cat "$nr")
if [ "$got" -lt 64 ]; then
  echo "hugepages: only $got pages could be reserved; DPDK will fall back to --no-huge" >&2
fi
