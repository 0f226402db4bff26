"""A private Docker engine for tests: its own dockerd, data root, exec root, socket, pid file
and cgroup parent, and a local image built with `docker import` (never pulled).

* :func:`docker_engine` (session fixture, imported by conftest.py) starts
  ``dockerd --iptables=false --bridge=none --cgroup-parent <own test cgroup>``, so every
  container lands under a cgroup this session made; at the end it stops that dockerd by the
  pid in its pid file, unmounts what it left, removes its directories and the cgroup parent
  in every hierarchy. Other docker daemons and their containers are never touched.
* The image ``hotfence-test/sockprobe`` holds ``/sockprobe`` (tests/helpers/sockprobe.c, a
  static binary that makes the socket() calls named on its command line before anything
  else) as its entrypoint, and ``/bin/true``.
* The engine registers the ``hotfence`` runtime (``hotfence-runc`` from this venv, the sh
  front) in its daemon.json, with ``<root>/policies`` as its policy directory.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kernel_helpers import cgroup2_mount, helper_binary

IMAGE = "hotfence-test/sockprobe:1"
_names = itertools.count()


def docker_skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "Docker tests need root"
    for tool in ("dockerd", "docker", "runc", "gcc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install docker.io)"
    if cgroup2_mount() is None:
        return "no cgroup2 mount"
    return None


requires_docker = pytest.mark.skipif(
    docker_skip_reason() is not None, reason=str(docker_skip_reason())
)


@dataclass
class DockerEngine:
    root: Path
    host: str  # unix:///.../docker.sock
    pid: int
    cgroup_parent: str  # relative to the cgroup roots, e.g. /hotfence-docker-123
    image: str = IMAGE

    @property
    def policy_dir(self) -> Path:
        """The policy directory of the ``hotfence`` runtime (daemon.json runtimeArgs, or
        dockerd's environment)."""
        return self.root / "policies"

    @property
    def agent_socket(self) -> Path:
        """Where this engine's hooks look for ``hotfence agent`` (dockerd's environment)."""
        return self.root / "agent.sock"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DOCKER_HOST": self.host,
            "HOTFENCE_AGENT_SOCKET": str(self.agent_socket),
        }

    def docker(self, *args: str, check: bool = True, timeout: float = 120):
        proc = subprocess.run(
            ["docker", *args], env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        return proc

    def name(self, tag: str) -> str:
        return f"hf-{tag}-{os.getpid()}-{next(_names)}"

    def default_seccomp(self) -> dict:
        """Docker's default seccomp profile as it reaches runc (from a container's bundle);
        dockerd builds it in and ships no file."""
        name = self.name("profile")
        cid = self.run_detached(name)
        try:
            bundle = self.root / "exec/containerd/daemon/io.containerd.runtime.v2.task/moby" / cid
            return json.loads((bundle / "config.json").read_text())["linux"]["seccomp"]
        finally:
            self.docker("rm", "-f", name)

    def run_detached(
        self, name: str, *args: str, runtime: str | None = None, options: tuple[str, ...] = ()
    ) -> str:
        """A running container (sockprobe -s 600 ...) named ``name``; returns its id."""
        rt = ["--runtime", runtime] if runtime else []
        out = self.docker(
            "run", "-d", "--network", "none", "--name", name, *rt, *options, self.image,
            "-s", "600", *args,
        )  # fmt: skip
        return out.stdout.strip()


def _wait_for(path: Path, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return
        if proc.poll() is not None:
            raise RuntimeError(f"dockerd exited ({proc.returncode}): {log.read_text()[-3000:]}")
        time.sleep(0.1)
    raise RuntimeError(f"dockerd did not create {path} in {timeout}s: {log.read_text()[-3000:]}")


def _build_image(engine: DockerEngine) -> None:
    rootfs = engine.root / "rootfs.tar"
    probe = helper_binary("sockprobe", "-static")
    true_src = engine.root / "true.c"
    true_src.write_text("int main(void) { return 0; }\n")
    true_bin = engine.root / "true"
    subprocess.run(["gcc", "-static", "-O2", "-o", str(true_bin), str(true_src)], check=True)
    with tarfile.open(rootfs, "w") as tar:
        tar.add(probe, arcname="sockprobe")
        tar.add(true_bin, arcname="bin/true")
    engine.docker("import", "-c", 'ENTRYPOINT ["/sockprobe"]', str(rootfs), engine.image)


def _stop(proc: subprocess.Popen, pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _unmount_under(root: Path) -> None:
    mounts = [
        line.split()[1].encode().decode("unicode_escape")
        for line in Path("/proc/mounts").read_text().splitlines()
    ]
    for m in sorted((m for m in mounts if m.startswith(str(root) + "/")), reverse=True):
        subprocess.run(["umount", "-l", m], check=False)


def _remove_cgroup_parent(rel: str) -> None:
    # runc made the parent in every hierarchy (cgroupfs driver on a hybrid host). A monitor
    # (conmon) may still be leaving its cgroup: the kernel frees it asynchronously.
    base = Path("/sys/fs/cgroup")
    for hier in [base / d for d in os.listdir(base)] + [cgroup2_mount() or base / "unified"]:
        p = hier / rel.lstrip("/")
        if not p.is_dir():
            continue
        for d in [*sorted((c for c in p.rglob("*") if c.is_dir()), reverse=True), p]:
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                raise RuntimeError(f"could not remove test cgroup {d}")


def forget_policy_dir(policy_dir: Path) -> None:
    """Remove the selector index hotfence-runc / the agent kept for a test's policy dir."""
    from hotfence.oci.selectors import _index_path

    Path(_index_path(str(policy_dir))).unlink(missing_ok=True)


def hotfence_runc() -> Path:
    return Path(sys.executable).parent / "hotfence-runc"


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[DockerEngine]:
    reason = docker_skip_reason()
    if reason:
        pytest.skip(reason)
    with private_dockerd() as engine:
        yield engine


@contextlib.contextmanager
def private_dockerd(policy_dir_in_env: bool = False) -> Iterator[DockerEngine]:
    """The engine of :func:`docker_engine`, for benchmarks too.

    ``policy_dir_in_env``: register the runtime by its path alone and name the policy
    directory in dockerd's environment, as a host using the default directory does (no
    runtimeArgs, so no script of dockerd's in front of every runtime call)."""
    root = Path(tempfile.mkdtemp(prefix="hfdk-"))
    sock, pidfile, log = root / "docker.sock", root / "dockerd.pid", root / "dockerd.log"
    cgroup_parent = f"/hotfence-docker-{os.getpid()}"
    (root / "policies").mkdir()
    # The hotfence runtime as an operator registers it; dockerd turns runtimeArgs into a
    # small script that passes them first.
    daemon_json = root / "daemon.json"
    daemon_json.write_text(
        json.dumps(
            {
                "runtimes": {
                    "hotfence": {"path": str(hotfence_runc())}
                    if policy_dir_in_env
                    else {
                        "path": str(hotfence_runc()),
                        "runtimeArgs": ["--policy-dir", str(root / "policies")],
                    },
                }
            }
        )
    )
    (cgroup2_mount() / cgroup_parent.lstrip("/")).mkdir()  # type: ignore[operator]
    argv = [
        "dockerd",
        "--data-root", str(root / "data"),
        "--exec-root", str(root / "exec"),
        "-H", f"unix://{sock}",
        "--pidfile", str(pidfile),
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        "--cgroup-parent", cgroup_parent,
        "--config-file", str(daemon_json),
    ]  # fmt: skip
    with open(log, "w") as logf:
        proc = subprocess.Popen(
            argv,
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # The hooks of this engine's containers ask the agents tests start, never a
            # host-wide one.
            env={
                **os.environ,
                "HOTFENCE_AGENT_SOCKET": str(root / "agent.sock"),
                **({"HOTFENCE_POLICY_DIR": str(root / "policies")} if policy_dir_in_env else {}),
            },
        )
    pid = proc.pid
    try:
        _wait_for(sock, proc, log)
        pid = int(pidfile.read_text())
        assert pid == proc.pid, "the pid file names another dockerd"
        engine = DockerEngine(root, f"unix://{sock}", pid, cgroup_parent)
        for _ in range(100):
            if engine.docker("version", check=False).returncode == 0:
                break
            time.sleep(0.2)
        _build_image(engine)
        yield engine
    finally:
        if proc.poll() is None:
            # Containers first, so the daemon's shutdown does not wait on them.
            ids = subprocess.run(
                ["docker", "ps", "-aq"],
                env={**os.environ, "DOCKER_HOST": f"unix://{sock}"},
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            if ids:
                subprocess.run(
                    ["docker", "rm", "-f", *ids],
                    env={**os.environ, "DOCKER_HOST": f"unix://{sock}"},
                    capture_output=True,
                    check=False,
                )
        _stop(proc, pid)
        forget_policy_dir(root / "policies")
        _unmount_under(root)
        shutil.rmtree(root, ignore_errors=True)
        _remove_cgroup_parent(cgroup_parent)
        # The plans the wrapper cached in /run for the policies just removed (it prunes
        # them itself only when it next writes one).
        from hotfence.oci import prepared

        prepared.prune()
