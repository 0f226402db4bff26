"""Helpers for tests that need the real kernel: a throwaway cgroup and child processes in it.

* :func:`scratch_cgroup` makes ``<cgroup2 mount>/hotfence-test-<pid>-<n>`` and removes it
  (after the children it held have exited).
* :func:`run_socket_calls` starts a Python child that moves itself into a cgroup,
  optionally into a fresh network namespace with ``lo`` up, performs socket() /
  bind() / connect() calls on loopback and reports the errno of each (0 = success).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_counter = itertools.count()

# The markers of the running test, set by conftest.py (None outside a test run).
current_markers: set[str] | None = None


def require_kernel_marker(what: str) -> None:
    """Fail a test that reaches the kernel without the marker `-m` selects kernel tests by."""
    if current_markers is not None and not current_markers & {"kernel", "guest"}:
        pytest.fail(
            f"{what} needs the running kernel: mark the test @pytest.mark.kernel "
            "so that `-m 'not kernel and not guest'` leaves it out",
            pytrace=False,
        )


def cgroup2_mount() -> Path | None:
    for line in Path("/proc/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == "cgroup2":
            return Path(fields[1])
    return None


def kernel_skip_reason() -> str | None:
    """Why cgroup-BPF tests cannot run here, or None if they can."""
    if os.geteuid() != 0:
        return "cgroup-BPF tests need root"
    if cgroup2_mount() is None:
        return "no cgroup2 mount in /proc/mounts"
    if not Path("/sys/kernel/btf/vmlinux").exists():
        return "kernel has no BTF (/sys/kernel/btf/vmlinux)"
    return None


requires_cgroup_bpf = pytest.mark.skipif(
    kernel_skip_reason() is not None, reason=str(kernel_skip_reason())
)


@contextlib.contextmanager
def scratch_cgroup(tag: str = "t") -> Iterator[Path]:
    require_kernel_marker("scratch_cgroup()")
    mount = cgroup2_mount()
    assert mount is not None
    path = mount / f"hotfence-test-{os.getpid()}-{tag}-{next(_counter)}"
    path.mkdir()
    try:
        yield path
    finally:
        # Children have exited by now, but the kernel frees the cgroup asynchronously.
        for _ in range(100):
            try:
                path.rmdir()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(
                f"could not remove test cgroup {path}: {(path / 'cgroup.procs').read_text()!r}"
            )


_CHILD = r"""
import ctypes, json, os, socket, subprocess, sys
cg, netns, ops = sys.argv[1], sys.argv[2] == "1", json.loads(sys.argv[3])
if cg:
    with open(os.path.join(cg, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
if netns:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
results = []
for op in ops:
    kind, family, type_, proto = op[:4]
    try:
        s = socket.socket(family, type_, proto)
        try:
            host = "127.0.0.1" if family == socket.AF_INET else "::1"
            if kind in ("bind", "connect"):
                getattr(s, kind)((host, op[4]))
            elif kind == "sendto":
                s.sendto(b"hotfence", (host, op[4]))
            elif kind == "fastopen":  # TCP fast open: sendto() that connects
                s.sendto(b"hotfence", socket.MSG_FASTOPEN, (host, op[4]))
        finally:
            s.close()
        results.append(0)
    except OSError as e:
        results.append(e.errno)
print(json.dumps({"pid": os.getpid(), "netns": os.stat("/proc/self/ns/net").st_ino,
                  "comm": open("/proc/self/comm").read().strip(), "results": results}))
"""


@dataclass(frozen=True)
class ChildReport:
    pid: int
    netns: int
    comm: str
    results: list[int]  # errno per call, 0 = success


def run_socket_calls(cgroup: Path | None, ops: list[tuple], netns: bool = True) -> ChildReport:
    """Run ``ops`` — ("socket"|"bind"|"connect"|"sendto"|"fastopen", family, type, proto[, port]) — in a child."""
    require_kernel_marker("run_socket_calls()")
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(cgroup or ""), "1" if netns else "0", json.dumps(ops)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"socket child failed ({proc.returncode}): {proc.stderr}")
    data = json.loads(proc.stdout)
    return ChildReport(data["pid"], data["netns"], data["comm"], data["results"])


HELPERS = Path(__file__).resolve().parent / "helpers"


def helper_binary(name: str, *flags: str) -> Path:
    """tests/helpers/<name>.c compiled with gcc (and ``flags``) into ~/.cache/hotfence/test-helpers.

    A cache path rather than pytest's tmp_path because the QEMU guest reads it too,
    through its view of the host's root; rebuilt when the source is newer.
    """
    src = HELPERS / f"{name}.c"
    out = (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "hotfence"
        / "test-helpers"
        / name
    )
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}")
        subprocess.run(["gcc", "-O2", "-Wall", *flags, "-o", str(tmp), str(src)], check=True)
        tmp.rename(out)
    return out


def compat_socket_binary() -> Path:
    """tests/helpers/compat_socket.c: static and not PIE, so its buffers have 32-bit addresses."""
    return helper_binary("compat_socket", "-static", "-no-pie")
