#!/usr/bin/env bash
# The whole test suite: unit, corpus, kernel (cgroup-BPF on this host) and guest tests.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest "$@"
