"""`hotfence agent` against the private Docker engine: reconcile, restart, kill -9, metrics."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from docker_helpers import forget_policy_dir, requires_docker
from hotfence.fence.backends import cgroup as cg_backend
from kernel_helpers import requires_cgroup_bpf

POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {name: agent-sel}
spec:
  mode: enforce
  default: allow
  selector: {name: 'hf-agentsel-*'}
  rules:
    - {name: no-raw-icmpv6, action: deny, socket: {family: inet6, type: raw, protocol: icmpv6}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AgentProc:
    def __init__(self, docker_engine, policy_dir: Path, port: int, log: Path, host: str = ""):
        self.log = log
        env = docker_engine.env()
        if host:
            env["DOCKER_HOST"] = host
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "hotfence"), "agent", "--policy-dir",
             str(policy_dir), "--metrics-port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=open(log, "a"),
        )  # fmt: skip

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


def raw6(docker_engine, name: str) -> str:
    return docker_engine.docker("exec", name, "/sockprobe", "10", "3", "58").stdout.split("\n")[0]


def wait_until(predicate, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_agent_fences_restarts_survives_kill_and_prunes(docker_engine, tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(POLICY)
    sel, other = f"hf-agentsel-{os.getpid()}", f"hf-agentother-{os.getpid()}"
    docker_engine.run_detached(sel)
    docker_engine.run_detached(other)
    assert raw6(docker_engine, sel) == "ok"  # nothing fences it before the agent runs
    port = free_port()
    log = tmp_path / "agent.log"
    agent = AgentProc(docker_engine, policies, port, log)
    try:
        # Reconcile at start: the running selected container is fenced, the other is not.
        assert wait_until(lambda: raw6(docker_engine, sel) == "errno 1"), log.read_text()
        assert raw6(docker_engine, other) == "ok"
        # A restart gives the container a new cgroup; the start event re-fences it.
        docker_engine.docker("restart", "-t", "1", sel)
        assert wait_until(lambda: raw6(docker_engine, sel) == "errno 1"), log.read_text()
        m = scrape(port)
        denies = [
            v
            for (name, labels), v in m.items()
            if name == "hotfence_rule_denies_total" and ("container", sel) in labels
            and ("rule", "no-raw-icmpv6") in labels
        ]  # fmt: skip
        assert denies and denies[0] >= 1, m
        # Every call was counted (the shared counter map has room): none reported lost.
        uncounted = [
            v for (name, labels), v in m.items()
            if name == "hotfence_uncounted_calls_total" and ("container", sel) in labels
        ]  # fmt: skip
        assert uncounted == [0], m
        assert m[("hotfence_agent_applies_total", ())] >= 2
        assert m[("hotfence_agent_apply_errors_total", ())] == 0
        assert m[("hotfence_fences", (("state", "active"),))] >= 1

        # kill -9: the pinned fence stays in force without the agent.
        agent.stop(signal.SIGKILL)
        assert [raw6(docker_engine, sel) for _ in range(3)] == ["errno 1"] * 3
        sel_id = docker_engine.docker("inspect", "-f", "{{.Id}}", sel).stdout.strip()
        # While it is down the container restarts: runc re-creates its cgroup, the kernel
        # detaches the old fence (no event reaches the agent). The restarted agent fences
        # the new cgroup and prunes the fence of the old one.
        old_ids = {
            a.cgroup_id for a in cg_backend.applied() if a.state and sel_id in a.state.cgroup
        }
        assert len(old_ids) == 1
        docker_engine.docker("restart", "-t", "1", sel)
        assert raw6(docker_engine, sel) == "ok"  # the gap that reconcile closes
        agent = AgentProc(docker_engine, policies, port, log)
        assert wait_until(lambda: raw6(docker_engine, sel) == "errno 1"), log.read_text()
        assert wait_until(lambda: not old_ids & {a.cgroup_id for a in cg_backend.applied()}), (
            log.read_text()
        )
        agent.stop(signal.SIGKILL)
        # While it is down the container goes away; the restarted agent prunes its fence.
        cgroup = next(
            a.state.cgroup
            for a in cg_backend.applied()
            if a.state and a.state.cgroup.endswith(
                docker_engine.docker("inspect", "-f", "{{.Id}}", sel).stdout.strip()
            )
        )  # fmt: skip
        docker_engine.docker("rm", "-f", sel)
        agent = AgentProc(docker_engine, policies, port, log)
        assert wait_until(
            lambda: not any(a.state and a.state.cgroup == cgroup for a in cg_backend.applied())
        ), log.read_text()
        assert "removed a stale fence" in log.read_text() or "removed the fence" in log.read_text()
    finally:
        agent.stop()
        forget_policy_dir(policies)
        docker_engine.docker("rm", "-f", sel, other, check=False)
        for a in cg_backend.applied():
            if a.state and docker_engine.cgroup_parent in a.state.cgroup:
                cg_backend.remove(a.cgroup_id)


def test_the_systemd_unit_runs_the_agent_with_options_it_takes(tmp_path):
    import configparser
    import shlex

    from hotfence.agent.cli import agent

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(Path(__file__).resolve().parents[1] / "deploy" / "hotfence-agent.service")
    argv = shlex.split(unit["Service"]["ExecStart"])
    assert Path(argv[0]).name == "hotfence" and argv[1] == "agent"
    assert unit["Service"]["Restart"] == "always"
    args = argv[2:]
    args[args.index("--policy-dir") + 1] = str(tmp_path)  # the real one exists on the host
    ctx = agent.make_context("agent", args)
    assert ctx.params["metrics_port"] == 9469


# --- the policy directory as a Kubernetes ConfigMap mount ---------------------------------

CM_POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {{name: {name}}}
spec:
  mode: enforce
  default: allow
  selector: {{name: 'hf-agentcm-*'}}
  rules:
    - {{name: {rule}, action: deny, socket: {{family: inet6, type: {type}, protocol: {proto}}}}}
"""
DENY_RAW6 = CM_POLICY.format(name="cm-raw", rule="no-raw-icmpv6", type="raw", proto="icmpv6")
DENY_UDP6 = CM_POLICY.format(name="cm-udp", rule="no-udp6", type="dgram", proto="udp")
BAD = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {name: bad}
spec:
  mode: enforce
  default: allow
  rules:
    - {name: r, action: dny, socket: {family: inet6}}
"""


def publish(d: Path, files: dict[str, str], version: int) -> None:
    """What kubelet does on a ConfigMap update: a new timestamped directory, the ``..data``
    symlink swapped to it with one rename, and one ``KEY -> ..data/KEY`` link per key."""
    ts = d / f"..2026_11_26_13_00_{version:02d}.{os.getpid()}"
    ts.mkdir()
    for key, text in files.items():
        (ts / key).write_text(text)
    tmp = d / "..data_tmp"
    tmp.symlink_to(ts.name)
    old = (d / "..data").resolve() if (d / "..data").is_symlink() else None
    os.replace(tmp, d / "..data")
    for key in files:
        if not (d / key).is_symlink():
            (d / key).symlink_to(f"..data/{key}")
    for link in d.iterdir():
        if not link.name.startswith("..") and link.name not in files:
            link.unlink()
    if old is not None:
        for f in old.iterdir():
            f.unlink()
        old.rmdir()


def test_scan_reads_a_configmap_mount_and_keeps_the_good_files(tmp_path):
    from hotfence.agent.core import scan_policies

    d = tmp_path / "cm"
    d.mkdir()
    publish(d, {"p.yaml": DENY_RAW6}, 1)
    first = scan_policies(str(d), {})
    assert list(first) == [str(d / "p.yaml")]  # not ..data nor the timestamped directory
    assert first[str(d / "p.yaml")].selector == {"name": "hf-agentcm-*"}
    assert scan_policies(str(d), first) == first  # nothing changed, nothing re-read

    publish(d, {"p.yaml": DENY_UDP6, "bad.yaml": BAD}, 2)
    second = scan_policies(str(d), first)
    good, bad = second[str(d / "p.yaml")], second[str(d / "bad.yaml")]
    assert good.stamp != first[str(d / "p.yaml")].stamp and not good.error
    assert bad.selector is None
    assert f"{d / 'bad.yaml'}:8: spec.rules[0].action" in bad.error, bad.error

    publish(d, {"bad.yaml": BAD}, 3)  # a key removed from the ConfigMap
    assert list(scan_policies(str(d), second)) == [str(d / "bad.yaml")]


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_agent_follows_configmap_swaps_and_kill_9_never_lifts_enforcement(docker_engine, tmp_path):
    d = tmp_path / "cm"
    d.mkdir()
    publish(d, {"p.yaml": DENY_RAW6}, 1)
    sel = f"hf-agentcm-{os.getpid()}"
    docker_engine.run_detached(sel, options=("--cgroupns", "host"))
    port = free_port()
    log = tmp_path / "agent.log"
    agent = AgentProc(docker_engine, d, port, log)

    def probe(*triple: str) -> str:
        return docker_engine.docker("exec", sel, "/sockprobe", *triple).stdout.split("\n")[0]

    try:
        assert wait_until(lambda: probe("10", "3", "58") == "errno 1"), log.read_text()
        assert probe("10", "2", "17") == "ok"
        # It can leave its cgroup (threat model): the agent says so, in the log and metrics.
        assert "shares the host cgroup namespace" in log.read_text()
        host_ns = [
            v for (name, labels), v in scrape(port).items()
            if name == "hotfence_fence_host_cgroupns" and ("container", sel) in labels
        ]  # fmt: skip
        assert host_ns == [1]
        live = [
            v for (name, labels), v in scrape(port).items()
            if name == "hotfence_fence_active" and ("container", sel) in labels
        ]  # fmt: skip
        assert live == [1]
        # An update swaps ..data: the new policy replaces the old one on the container.
        publish(d, {"p.yaml": DENY_UDP6}, 2)
        assert wait_until(lambda: probe("10", "2", "17") == "errno 1"), log.read_text()
        assert probe("10", "3", "58") == "ok"
        # A bad file arrives: reported with file:line, counted, and p.yaml stays in force.
        publish(d, {"p.yaml": DENY_UDP6, "bad.yaml": BAD}, 3)
        bad_line = f"{d / 'bad.yaml'}:8: spec.rules[0].action"
        assert wait_until(lambda: bad_line in log.read_text()), log.read_text()
        m = scrape(port)
        assert m[("hotfence_policy_file_invalid", (("file", str(d / "bad.yaml")),))] == 1
        assert m[("hotfence_policy_file_invalid", (("file", str(d / "p.yaml")),))] == 0
        assert probe("10", "2", "17") == "errno 1"
        # p.yaml itself turns bad: the fence it made stays as it was.
        publish(d, {"p.yaml": BAD.replace("name: bad", "name: cm-udp")}, 4)
        assert wait_until(lambda: f"{d / 'p.yaml'}:8: spec.rules" in log.read_text())
        assert wait_until(lambda: "keeps its fence" in log.read_text()), log.read_text()
        assert probe("10", "2", "17") == "errno 1"
        # ... also for an agent restarted meanwhile, which still serves that fence's metrics.
        agent.stop(signal.SIGKILL)
        mark = len(log.read_text())
        agent = AgentProc(docker_engine, d, port, log)
        assert wait_until(lambda: "keeps its fence" in log.read_text()[mark:]), log.read_text()
        assert wait_until(
            lambda: [
                v for (name, labels), v in scrape(port).items()
                if name == "hotfence_fence_active" and ("container", sel) in labels
            ] == [1]
        )  # fmt: skip
        assert probe("10", "2", "17") == "errno 1"

        # p.yaml good again: re-applied while a process in the container loops socket();
        # the swap is atomic, so not one call may succeed.
        def loop(seconds: int) -> subprocess.Popen:
            return subprocess.Popen(
                ["docker", "exec", sel, "/sockprobe", "-l", str(seconds), "10", "2", "17"],
                env=docker_engine.env(), stdout=subprocess.PIPE, text=True,
            )  # fmt: skip

        def result(looper: subprocess.Popen) -> tuple[int, int]:
            out, _ = looper.communicate(timeout=60)
            calls, ok = (int(w) for w in out.split()[1::2])
            assert calls > 100 and ok == 0, out
            return calls, ok

        applies = log.read_text().count("agent: fenced ")
        looper = loop(6)
        time.sleep(1)
        publish(d, {"p.yaml": DENY_UDP6}, 5)
        assert wait_until(lambda: log.read_text().count("agent: fenced ") > applies)
        result(looper)
        assert scrape(port)[("hotfence_policy_file_invalid", (("file", str(d / "p.yaml")),))] == 0

        # kill -9 and restart while it loops again: the fence is pinned, and the restarted
        # agent finds it in force and leaves it (its counters too).
        looper = loop(15)
        time.sleep(2)
        agent.stop(signal.SIGKILL)
        time.sleep(1)
        mark = len(log.read_text())
        agent = AgentProc(docker_engine, d, port, log)
        assert wait_until(lambda: sel in log.read_text()[mark:]), log.read_text()
        calls, _ = result(looper)
        assert "already in force" in log.read_text()[mark:]
        m = scrape(port)
        assert m[("hotfence_fences", (("state", "active"),))] >= 1
        udp = [
            v for (name, labels), v in m.items()
            if name == "hotfence_rule_denies_total" and ("container", sel) in labels
            and ("rule", "no-udp6") in labels
        ]  # fmt: skip
        assert udp and udp[0] >= calls, m  # counters kept across the agent's restart
    finally:
        agent.stop()
        forget_policy_dir(d)
        docker_engine.docker("rm", "-f", sel, check=False)
        for a in cg_backend.applied():
            if a.state and docker_engine.cgroup_parent in a.state.cgroup:
                cg_backend.remove(a.cgroup_id)


def test_the_kubernetes_manifests_run_the_agent_as_documented(tmp_path):
    """deploy/kubernetes.yaml, parsed: no real cluster is available to apply it."""
    import yaml

    from hotfence.agent.cli import agent
    from hotfence.fence.policy import load_policy

    root = Path(__file__).resolve().parents[1]
    docs = list(yaml.safe_load_all((root / "deploy" / "kubernetes.yaml").read_text()))
    by_kind = {d["kind"]: d for d in docs}
    assert [(d["apiVersion"], d["kind"]) for d in docs] == [
        ("v1", "Namespace"),
        ("v1", "ConfigMap"),
        ("apps/v1", "DaemonSet"),
        ("node.k8s.io/v1", "RuntimeClass"),
    ]
    assert by_kind["RuntimeClass"]["handler"] == "hotfence"
    assert "deploy/kubernetes.yaml" in (root / "docs" / "containers.md").read_text()

    # Every ConfigMap key is a valid selector policy.
    cm = by_kind["ConfigMap"]
    for key, text in cm["data"].items():
        (tmp_path / key).write_text(text)
        assert load_policy(tmp_path / key).model.spec.selector is not None

    ds = by_kind["DaemonSet"]
    pod = ds["spec"]["template"]["spec"]
    assert (
        ds["spec"]["selector"]["matchLabels"].items()
        <= ds["spec"]["template"]["metadata"]["labels"].items()
    )
    assert pod["hostPID"] is True  # containers' cgroups come from /proc/PID/cgroup
    assert pod["hostNetwork"] is True  # 127.0.0.1 is then the node's loopback
    (c,) = pod["containers"]
    assert c["securityContext"]["privileged"] is True
    host_paths = {v["name"]: v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
    assert sorted(host_paths.values()) == ["/run", "/sys/fs/bpf", "/sys/fs/cgroup"]
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    for name, path in host_paths.items():
        assert mounts[name]["mountPath"] == path
    assert mounts["bpffs"]["mountPropagation"] == "Bidirectional"
    (cm_volume,) = [v for v in pod["volumes"] if "configMap" in v]
    assert cm_volume["configMap"]["name"] == cm["metadata"]["name"]
    assert cm["metadata"]["namespace"] == ds["metadata"]["namespace"]

    # The command is one the agent accepts, on the mounted policy directory.
    argv = c["command"]
    assert argv[:2] == ["hotfence", "agent"]
    policy_dir = argv[argv.index("--policy-dir") + 1]
    assert mounts[cm_volume["name"]]["mountPath"] == policy_dir
    args = argv[2:]
    args[args.index("--policy-dir") + 1] = str(tmp_path)
    port = agent.make_context("agent", args).params["metrics_port"]
    (ports,) = c["ports"]
    assert (ports["containerPort"], ports["hostIP"]) == (port, "127.0.0.1")
    probe = c["livenessProbe"]["httpGet"]
    assert (probe["host"], probe["port"], probe["path"]) == ("127.0.0.1", port, "/metrics")


def test_host_cgroupns_comes_from_the_engine_else_from_proc():
    from hotfence.agent.core import shares_host_cgroupns

    assert shares_host_cgroupns({"HostConfig": {"CgroupnsMode": "host"}}, 0) is True
    assert shares_host_cgroupns({"HostConfig": {"CgroupnsMode": "private"}}, os.getpid()) is False
    assert shares_host_cgroupns({"HostConfig": {}}, os.getpid()) is True  # our own namespace
    assert shares_host_cgroupns({}, 2**22 + 1) is False  # no such pid: unknown, no warning


class EngineProxy:
    """A unix-socket forwarder to the engine. Stopping it ends the agent's event stream and
    refuses its connections, as an engine restart does, without touching the engine."""

    def __init__(self, path: Path, target: str):
        self.path, self.target = path, target
        self.socks: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(self.path))
        listener.listen(16)
        self.socks = [listener]
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        for s in self.socks:  # shutdown wakes the accept() and recv() blocked on them
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.path.unlink(missing_ok=True)


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_agent_reconnects_to_a_restarted_engine_and_fences_what_it_missed(docker_engine, tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(POLICY.replace("hf-agentsel-*", "hf-agentrc-*"))
    first, missed = f"hf-agentrc-a-{os.getpid()}", f"hf-agentrc-b-{os.getpid()}"
    proxy = EngineProxy(tmp_path / "engine.sock", docker_engine.host.removeprefix("unix://"))
    proxy.start()
    port = free_port()
    log = tmp_path / "agent.log"
    docker_engine.run_detached(first)
    agent = AgentProc(docker_engine, policies, port, log, host=f"unix://{proxy.path}")
    try:
        assert wait_until(lambda: raw6(docker_engine, first) == "errno 1"), log.read_text()
        proxy.stop()  # the engine "restarts": the stream ends, connections are refused
        assert wait_until(lambda: "event stream ended" in log.read_text()), log.read_text()
        docker_engine.run_detached(missed)  # its start event never reaches the agent
        assert raw6(docker_engine, missed) == "ok"
        assert agent.proc.poll() is None  # still running, still serving metrics
        assert scrape(port)[("hotfence_agent_engine_reconnects_total", ())] >= 1
        proxy.start()
        assert wait_until(lambda: raw6(docker_engine, missed) == "errno 1"), log.read_text()
        assert raw6(docker_engine, first) == "errno 1"
    finally:
        agent.stop()
        proxy.stop()
        forget_policy_dir(policies)
        docker_engine.docker("rm", "-f", first, missed, check=False)
        for a in cg_backend.applied():
            if a.state and docker_engine.cgroup_parent in a.state.cgroup:
                cg_backend.remove(a.cgroup_id)
