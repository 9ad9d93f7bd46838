#!/usr/bin/env bash
# Installs the Debian 12 packages camfence needs to build, test and run. Idempotent: quiet
# and quick when everything is already there. Needs root (or sudo) when something is missing.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git clang clang-format libclang-rt-14-dev
  # libraries
  libdpdk-dev dpdk-dev dpdk libyaml-cpp-dev libboost-dev prometheus-cpp-dev libpcap-dev
  libsystemd-dev catch2
  # data
  ieee-data
  # tests and tools
  python3-scapy python3-pytest tcpdump iproute2 ethtool kmod procps util-linux curl
  # promtool (lints the metrics exposition; the e2e tests also run a Prometheus server)
  prometheus
  # the Debian package (tests/packaging): CPack's dependency scan (dpkg-shlibdeps, file),
  # lintian, a throwaway root (debootstrap), systemd-analyze for the unit, man for the pages,
  # logrotate -d for its snippet, strace for the unit's sandbox
  dpkg-dev file lintian debootstrap debian-archive-keyring systemd man-db python3-yaml
  logrotate strace
  # tests/fixtures/make_fingerprint_stream_vectors.py (the TLS certificate vectors)
  python3-cryptography
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
