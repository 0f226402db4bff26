"""An installed wheel runs `fence apply`, `fence run` and `watch` with no clang or bpftool.

The wheel is built from a copy of the working tree (`pip wheel`, whose build step compiles
the BPF objects), installed into a fresh venv, and its `hotfence` is run with a PATH from
which clang, bpftool and the LLVM tools are removed, and without $HOTFENCE_BPF_BUILD: the
objects it loads must be the ones the wheel installed.

The venv gets the wheel only; its third-party dependencies are this test run's own (a
.pth line to this interpreter's site-packages) so the test needs no package index. A .pth
line adds a directory without processing the .pth files in it, so the checkout's editable
hotfence stays out of that venv.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from hotfence.fence.backends import cgroup as cg_backend
from kernel_helpers import requires_cgroup_bpf, run_socket_calls, scratch_cgroup

pytestmark = [pytest.mark.kernel, requires_cgroup_bpf]

REPO = Path(__file__).resolve().parents[1]
RAW6 = ("socket", socket.AF_INET6, socket.SOCK_RAW, 58)
UDP4 = ("socket", socket.AF_INET, socket.SOCK_DGRAM, 0)
HIDDEN = ("clang", "bpftool", "llvm")  # name prefixes kept off the PATH

POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata:
  name: wheel-deny-raw-icmpv6
spec:
  mode: enforce
  default: allow
  rules:
    - name: no-raw-icmpv6
      action: deny
      socket: {family: inet6, type: raw, protocol: icmpv6}
"""


def _run(cmd: list[str], **kwargs) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{' '.join(cmd)}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _copy_tree(dst: Path) -> None:
    """The working tree as git sees it (tracked and new files, nothing ignored)."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for rel in filter(None, files):
        src = REPO / rel.decode()
        if src.is_file():  # a file deleted but not yet committed is still listed
            (dst / rel.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel.decode())


def _bare_path(work: Path, venv_bin: Path) -> str:
    """The venv's bin, then every system tool except clang, bpftool and LLVM's."""
    farm = work / "bin"
    farm.mkdir()
    for d in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            if not name.startswith(HIDDEN) and not (farm / name).exists():
                (farm / name).symlink_to(Path(d) / name)
    return f"{venv_bin}:{farm}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """Environment whose `hotfence` is the installed wheel and whose PATH has no clang."""
    if shutil.which("clang") is None:
        pytest.skip("building the wheel needs clang")
    work = tmp_path_factory.mktemp("wheel")
    tree = work / "tree"
    _copy_tree(tree)
    # No build isolation: the build needs setuptools only, which this venv has, and
    # isolation would fetch it from an index.
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(work / "dist"), str(tree)]
    )
    (wheel,) = (work / "dist").glob("hotfence-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])
    site = _run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).strip()
    Path(site, "hotfence-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k != "HOTFENCE_BPF_BUILD"}
    env["PATH"] = _bare_path(work, venv / "bin")
    env["HOTFENCE_SITE"] = site
    return env


def _hf(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["hotfence", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def cgroup():
    with scratch_cgroup("wheel") as path:
        try:
            yield path
        finally:
            cg_backend.remove(path)  # never leave pins behind, whatever a test did


def test_the_installed_hotfence_has_no_compiler_and_loads_its_own_objects(installed):
    for tool in ("clang", "bpftool", "llvm-strip"):
        assert shutil.which(tool, path=installed["PATH"]) is None, tool
    where = _run(
        ["python", "-c", "import hotfence.bpf.build as b; print(b.object_path('watch'))"],
        env=installed,
    ).strip()
    assert where == f"{installed['HOTFENCE_SITE']}/hotfence/bpf/objects/watch.bpf.o"
    # hotfence-hook, the agent's C client, ships beside the objects, executable.
    client = _run(
        ["python", "-c", "from hotfence.oci.common import hook_client; print(hook_client())"],
        env=installed,
    ).strip()
    assert client == f"{installed['HOTFENCE_SITE']}/hotfence/bpf/objects/hotfence-hook"
    usage = subprocess.run([client], env=installed, capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: hotfence-hook" in usage.stderr


def test_fence_apply_status_remove(installed, cgroup, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    res = _hf(installed, "fence", "apply", str(policy), "--cgroup", str(cgroup))
    assert res.returncode == 0, res.stderr
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [errno.EPERM, 0]
    # This fence only: the host may hold other fences, and status exits 1 for any stale one.
    status = _hf(installed, "fence", "status", "--cgroup", str(cgroup))
    assert status.returncode == 0 and "wheel-deny-raw-icmpv6" in status.stdout, status
    res = _hf(installed, "fence", "remove", "--cgroup", str(cgroup))
    assert res.returncode == 0, res.stderr
    assert run_socket_calls(cgroup, [RAW6]).results == [0]


def test_fence_run_enforces_until_stopped(installed, cgroup, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    proc = subprocess.Popen(
        ["hotfence", "fence", "run", str(policy), "--cgroup", str(cgroup)],
        env=installed,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # stdout is for the events; stderr names the backend (and may warn) first
        first = proc.stderr.readline()
        while first and ": enforcing " not in first:
            first = proc.stderr.readline()
        assert first.startswith("hotfence fence run: enforcing 'wheel-deny-raw-icmpv6'"), (
            first + proc.stderr.read() if proc.poll() is not None else first
        )
        assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [errno.EPERM, 0]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert run_socket_calls(cgroup, [RAW6]).results == [0]


def test_watch_json(installed, cgroup):
    proc = subprocess.Popen(
        ["hotfence", "watch", "-o", "json", "--cgroup", str(cgroup), "--count", "2"]
        + ["--duration", "30"],
        env=installed,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stderr.readline()
    assert "tracing socket()" in line, line + (proc.stderr.read() if proc.poll() else "")
    child = run_socket_calls(cgroup, [UDP4, RAW6], netns=False)  # no `ip` netlink socket
    out, err = proc.communicate(timeout=40)
    events = [json.loads(x) for x in out.splitlines()]
    assert [(e["family_name"], e["type_name"], e["pid"]) for e in events] == [
        ("inet", "dgram", child.pid),
        ("inet6", "raw", child.pid),
    ], err
    assert "0 lost" in err


def test_the_installed_hotfence_runc_is_the_sh_front_with_its_python_half(installed, tmp_path):
    runc = shutil.which("hotfence-runc", path=installed["PATH"])
    assert runc is not None and Path(runc).read_bytes().startswith(b"#!/bin/sh\n")
    fake = tmp_path / "runc"
    fake.write_text('#!/bin/sh\necho "runc $*"\n')
    fake.chmod(0o755)
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "config.json").write_text("{}")
    env = {**installed, "HOTFENCE_RUNC": str(fake), "HOTFENCE_STATE_DIR": str(tmp_path / "st")}
    create = [runc, "--policy-dir", str(tmp_path / "p"), "create", "--bundle", str(bundle), "id"]
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "bad.yaml").write_text("kind: [")  # the Python half refuses the create
    proc = subprocess.run(create, env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "bad.yaml" in proc.stderr and proc.stdout == ""
    (tmp_path / "p" / "bad.yaml").unlink()  # nothing selects it now: runc, args unchanged
    assert _run(create, env=env) == f"runc create --bundle {bundle} id\n"
    assert _run([runc, "--root", "/r", "delete", "id"], env=env) == "runc --root /r delete id\n"
