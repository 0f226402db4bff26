"""The hooks.d path with a real Podman: a selected container is fenced before its first socket().

Podman runs here with its own storage, run root, hooks directory and cgroup parent, and
``--rootfs`` (no image, nothing pulled); the hooks.d entry is the one
``hotfence-runc hooks-d`` prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from docker_helpers import _remove_cgroup_parent, _unmount_under, forget_policy_dir
from kernel_helpers import cgroup2_mount, helper_binary, requires_cgroup_bpf

pytestmark = [
    pytest.mark.kernel,
    requires_cgroup_bpf,
    pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed"),
]

POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {name: podman-sel}
spec:
  mode: enforce
  default: allow
  selector: {labels: {hotfence.test: selected}}
  rules:
    - {name: no-raw-icmpv6, action: deny, socket: {family: inet6, type: raw, protocol: icmpv6}}
"""


@pytest.fixture(scope="module")
def podman() -> Iterator[list[str]]:
    root = Path(tempfile.mkdtemp(prefix="hfpm-"))
    (root / "rootfs").mkdir()
    shutil.copy(helper_binary("sockprobe", "-static"), root / "rootfs" / "sockprobe")
    (root / "policies").mkdir()
    (root / "policies" / "p.yaml").write_text(POLICY)
    (root / "hooks").mkdir()
    entry = subprocess.run(
        [str(Path(sys.executable).parent / "hotfence-runc"), "hooks-d", "--policy-dir", str(root / "policies")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    (root / "hooks" / "hotfence.json").write_text(entry)
    parent = f"/hotfence-podman-{os.getpid()}"
    (cgroup2_mount() / parent.lstrip("/")).mkdir()  # type: ignore[operator]
    # Podman's cgroupfs manager puts conmon under libpod_parent in every hierarchy.
    had_conmon_parent = {p.parent.name for p in Path("/sys/fs/cgroup").glob("*/libpod_parent")}
    argv = [
        "podman", "--root", str(root / "storage"), "--runroot", str(root / "run"),
        "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", "runc",
        "--hooks-dir", str(root / "hooks"),
        "run", "--rm", "--network", "none", "--cap-add", "NET_RAW",
        # the host's file limit is below Podman's default; runc could not set it
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
        "--cgroup-parent", parent,
    ]  # fmt: skip
    try:
        yield [*argv, "--rootfs", str(root / "rootfs")]
    finally:
        forget_policy_dir(root / "policies")
        _unmount_under(root)
        shutil.rmtree(root, ignore_errors=True)
        _remove_cgroup_parent(parent)
        _remove_conmon_parents(had_conmon_parent)


def _remove_conmon_parents(had: set[str]) -> None:
    """Remove the libpod_parent cgroups Podman made for conmon here, deepest first."""
    for made in Path("/sys/fs/cgroup").glob("*/libpod_parent"):
        if made.parent.name in had:
            continue
        for d in sorted((p for p in made.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            d.rmdir()
        made.rmdir()


def probe(argv: list[str], annotation: str) -> list[str]:
    proc = subprocess.run(
        [*argv[:-2], "--annotation", f"hotfence.test={annotation}", *argv[-2:], "/sockprobe", "10", "3", "58", "2", "2", "0"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_podman_hooks_d_fences_selected_containers_only(podman):
    from hotfence.fence.backends import cgroup as cg_backend

    for _ in range(3):
        assert probe(podman, "selected")[:2] == ["errno 1", "ok"]
    assert probe(podman, "other")[:2] == ["ok", "ok"]
    # The poststop stage of the same hook removed each fence with its container (in the
    # background: podman does not wait for it).
    import time

    parent = podman[podman.index("--cgroup-parent") + 1]
    deadline = time.monotonic() + 30
    while True:
        left = [a for a in cg_backend.applied() if a.state and parent in a.state.cgroup]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == []
