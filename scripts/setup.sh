#!/usr/bin/env bash
# One-shot setup on a fresh Debian machine: system packages, .venv with hotfence,
# the BPF objects compiled (CO-RE), then the main job on the shipped sample logs.
# Usage: bash scripts/setup.sh [--no-demo]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-venv clang llvm bpftool libbpf-dev libbpf1 gcc make iproute2 xz-utils qemu-system-x86 busybox-static gcc-12 libelf1 libseccomp2 util-linux crash debootstrap docker.io podman postgresql chromium apache2-utils kexec-tools makedumpfile)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    # kexec-tools (for `hotfence lab kdump`'s guest) must not take over this host's reboots.
    echo "kexec-tools kexec-tools/load_kexec boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test,vmcore,dev,fleet]'

# promtool checks deploy/prometheus-rules.yaml (tests/test_prometheus_rules.py). It is
# taken out of Debian's prometheus package: no Prometheus server is installed or started.
if [ ! -x .venv/bin/promtool ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download -qq prometheus >/dev/null 2>&1) &&
    dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"; then
    install -m 0755 "$tmp/x/usr/bin/promtool" .venv/bin/promtool
  else
    echo "setup: promtool not installed (apt-get download prometheus failed)" >&2
  fi
  rm -rf "$tmp"
fi

# The editable install loads its BPF objects from the checkout: compile them once here
# (CO-RE, against the kept bpf/include/<arch>/vmlinux.h; a wheel build does the same in
# setup.py). Only this needs clang; running hotfence needs libbpf1 alone.
.venv/bin/python -m hotfence.bpf.build || echo "setup: BPF build failed; fence backends will say why" >&2

if [ "${1:-}" != "--no-demo" ]; then
  .venv/bin/hotfence triage samples/
fi
