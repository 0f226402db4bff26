"""hotfence-runc's createRuntime hook handing the fence to `hotfence agent` (and what it does
when the agent is not there, refuses, or dies mid-request), against the private dockerd."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docker_helpers import requires_docker
from hotfence.fence.backends import cgroup as cg_backend
from kernel_helpers import requires_cgroup_bpf
from test_oci_runtime import FENCED, leftover_fences, run_probe, selected


@contextlib.contextmanager
def agent(
    docker_engine, log: Path, prefix: tuple[str, ...] = (), cgroup: Path | None = None, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`hotfence agent` on the engine's policy directory and hand-off socket, until ready
    (run by ``prefix``, started in ``cgroup``)."""

    def enter() -> None:
        if cgroup is not None:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))

    proc = subprocess.Popen(
        [*prefix, str(Path(sys.executable).parent / "hotfence"), "agent", "--policy-dir",
         str(docker_engine.policy_dir), "--metrics-port", "0"],
        env={**docker_engine.env(), **env}, stdout=subprocess.DEVNULL, stderr=open(log, "a"),
        preexec_fn=enter,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "taking fences over" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not docker_engine.agent_socket.exists()  # the agent took its socket away


# --- the socket itself (no kernel, no engine) ---------------------------------------


def ask(path: Path, payload: bytes) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(10)
        c.connect(str(path))
        c.sendall(payload)
        c.shutdown(socket.SHUT_WR)
        return json.loads(c.recv(65536))


@pytest.fixture
def served():
    from hotfence.agent.handoff import HandoffServer

    seen: list[dict] = []

    def handler(req: dict) -> dict:
        seen.append(req)
        return {"ok": True, "op": req["op"]}

    # Searchable by anyone (pytest's tmp_path is not): only the socket's mode keeps others out.
    d = Path(tempfile.mkdtemp(prefix="hf-handoff-"))
    d.chmod(0o755)
    server = HandoffServer(str(d / "run" / "agent.sock"), handler)
    yield Path(server.path), seen
    server.close()
    shutil.rmtree(d)


def test_the_socket_is_root_only_and_checks_each_request(served):
    path, seen = served
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ok = {"op": "apply", "policy_file": "/p.yaml", "pid": 1, "allow_partial": False}
    assert ask(path, json.dumps(ok).encode() + b"\n") == {"ok": True, "op": "apply"}
    assert ask(path, b'{"op": "remove", "cgroup_id": 7}') == {"ok": True, "op": "remove"}
    bad = ask(path, json.dumps({**ok, "pid": "1"}).encode())
    assert not bad["ok"] and "'pid'" in bad["error"]
    assert "not a request" in ask(path, b'{"op": "rm", "cgroup_id": 7}')["error"]
    assert "bad request" in ask(path, b"not json")["error"]
    assert [r["op"] for r in seen] == ["apply", "remove"]  # only valid requests get through
    # Another user cannot even connect (mode 0600): nobody hands fences over but root.
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755
    code = (
        "import os, socket, sys; os.setgid(65534); os.setuid(65534); "
        "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert proc.returncode != 0 and "PermissionError" in proc.stderr, proc.stderr


def test_a_second_agent_refuses_a_served_socket_and_takes_a_dead_ones(served, tmp_path):
    from hotfence.agent.handoff import HandoffError, HandoffServer

    path, _ = served
    with pytest.raises(HandoffError, match="another agent serves"):
        HandoffServer(str(path), lambda r: {"ok": True})
    # What a kill -9 leaves: the file, nobody listening. The next agent takes it over.
    stale = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(stale))
    s.close()
    server = HandoffServer(str(stale), lambda r: {"ok": True, "again": True})
    try:
        assert ask(stale, b'{"op": "remove", "cgroup_id": 1}') == {"ok": True, "again": True}
    finally:
        server.close()
    assert not stale.exists()


# --- hotfence-hook, the agent's C client (no kernel, no engine) ---------------------------


def client() -> str:
    from hotfence.oci.common import hook_client

    path = hook_client()
    assert path, "hotfence-hook was not built (python -m hotfence.bpf.build)"
    return path


@pytest.fixture
def answering(served):
    """A hand-off socket whose agent answers hotfence-hook's steps as told (``reply``)."""
    from hotfence.agent.handoff import HandoffServer

    path, _ = served
    seen: list[dict] = []
    reply = {"exit": 0, "stderr": "ready\n"}
    server = HandoffServer(str(path.parent / "steps.sock"), lambda r: seen.append(r) or reply)
    yield Path(server.path), seen, reply
    server.close()


def test_the_client_hands_the_wrappers_create_to_the_agent(answering, tmp_path):
    path, seen, reply = answering
    env = {**os.environ, "HOTFENCE_AGENT_SOCKET": str(path)}
    argv = ["--root", "/r", "create", "--bundle", "b", 'id "quoted" \\ tab\t é']
    run = [client(), "prepare", "/policies"]
    proc = subprocess.run([*run, *argv], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (0, "ready\n")
    assert seen == [{"op": "prepare", "argv": ["--policy-dir", "/policies", *argv],
                     "cwd": str(tmp_path)}]  # fmt: skip
    reply.update(exit=1, stderr="refused: reason\n")  # the agent refuses: so does the client
    proc = subprocess.run([*run, *argv], env=env, capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (1, "refused: reason\n")
    # No agent: exit 3, nothing said (the sh front then starts Python).
    env["HOTFENCE_AGENT_SOCKET"] = str(tmp_path / "none.sock")
    proc = subprocess.run([*run, *argv], env=env, capture_output=True, text=True)
    assert (proc.returncode, proc.stderr) == (3, "")


def test_the_client_hands_a_hook_and_its_state_to_the_agent(answering, tmp_path):
    path, seen, reply = answering
    env = {**os.environ, "HOTFENCE_AGENT_SOCKET": str(path)}
    state = {"ociVersion": "1.0.2", "id": "c1", "pid": 42, "bundle": "/b", "status": "created",
             "annotations": {"k": "v \"q\" \\ \u00e9",
                             # what kubectl apply leaves: up to Kubernetes' 256 KiB
                             "kubectl.kubernetes.io/last-applied-configuration": "x" * 250_000}}  # fmt: skip
    proc = subprocess.run(
        [client(), "hook", sys.executable, "apply", "/p.yaml", "--failure", "open"],
        env=env, input=json.dumps(state), capture_output=True, text=True,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (0, "ready\n")
    assert seen[0]["op"] == "hook" and seen[0]["state"] == state
    assert seen[0]["argv"] == ["apply", "/p.yaml", "--failure", "open"]
    # A poststop hook runs with no state (stdin is /dev/null): the agent gets {}.
    subprocess.run([client(), "hook", sys.executable, "remove-recorded", "{}"], env=env,
                   stdin=subprocess.DEVNULL, check=True)  # fmt: skip
    assert seen[1]["state"] == {} and seen[1]["argv"] == ["remove-recorded", "{}"]


def test_the_clients_poststop_claims_the_record_and_the_agent_removes_it(answering, tmp_path):
    from hotfence.oci import common

    path, seen, _ = answering
    env = {**os.environ, "HOTFENCE_AGENT_SOCKET": str(path)}
    record = '{"cgroup": "/sys/fs/cgroup/x", "cgroup_id": 7}'
    (tmp_path / common.ID_FILE).write_text(record)
    proc = subprocess.run([client(), "poststop", str(tmp_path), sys.executable], env=env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert list(tmp_path.iterdir()) == []  # claimed before it returned
    deadline = time.monotonic() + 10  # the removal is a background child's
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == [{"op": "hook", "argv": ["remove-recorded", record], "cwd": str(Path.cwd()),
                     "state": {}}]  # fmt: skip


@contextlib.contextmanager
def hung_agent(path: Path) -> Iterator[list[socket.socket]]:
    """An agent that takes every request and never answers."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        s.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(s.accept()[0])

    t = threading.Thread(target=serve)
    t.start()
    try:
        yield held
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        s.close()
        path.unlink()


def test_a_hung_agent_costs_the_timeout_then_the_work_is_done_without_it(tmp_path, monkeypatch):
    """HOTFENCE_HANDOFF_TIMEOUT (20 s unless set) bounds the wait for an agent that hangs:
    a hook then does the work in Python, with the state it read; the wrapper's create,
    which the agent may or may not have done, refuses the container (fail closed)."""
    sock = tmp_path / "agent.sock"
    fake_python = tmp_path / "python"
    fake_python.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" >{tmp_path}/args\ncat >{tmp_path}/state\n'
    )
    fake_python.chmod(0o755)
    env = {**os.environ, "HOTFENCE_AGENT_SOCKET": str(sock), "HOTFENCE_HANDOFF_TIMEOUT": "1"}
    with hung_agent(sock) as held:
        t0 = time.monotonic()
        proc = subprocess.run([client(), "hook", str(fake_python), "apply", "/p.yaml"],
                              env=env, input='{"pid": 42}', capture_output=True, text=True)  # fmt: skip
        waited = time.monotonic() - t0
        assert proc.returncode == 0 and "did not answer; doing it here" in proc.stderr
        assert (tmp_path / "args").read_text().split() == [
            "-m", "hotfence.oci.runtime", "hook", "apply", "/p.yaml"]  # fmt: skip
        assert (tmp_path / "state").read_text() == '{"pid": 42}'
        proc = subprocess.run([client(), "prepare", "/policies", "create", "id"], env=env,
                              capture_output=True, text=True)  # fmt: skip
        assert proc.returncode == 1 and "fail closed" in proc.stderr
        # The Python hook's own hand-off gives up after the same timeout.
        from hotfence.oci import hook

        monkeypatch.setenv("HOTFENCE_AGENT_SOCKET", str(sock))
        monkeypatch.setenv("HOTFENCE_HANDOFF_TIMEOUT", "1")
        assert hook._ask_agent({"op": "remove", "cgroup_id": 1}) is None
        assert len(held) == 3
    assert 1 <= waited < 10


def test_a_container_its_hook_fenced_starts_without_asking_the_engine(tmp_path):
    """The agent's hook books the fence (hook.InAgent.fenced_by_hook), named from the
    bundle: the start event then takes it as it is, or drops it when the cgroup is gone.
    After a policy change, or with the cgroup re-created, the start event asks the engine
    again. A container the agent's
    wrapper step found no policy for is not looked up either."""
    from hotfence.agent.core import Agent
    from hotfence.oci.meta import ContainerMeta

    asked: list[str] = []

    class Engine:
        class api:  # as docker.DockerClient's attribute
            @staticmethod
            def inspect_container(cid: str) -> dict[str, object]:
                asked.append(cid)
                return {"State": {"Pid": 0}}  # not running (any more)

    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "p.yaml").write_text(selected(name="p"))
    agent = Agent(str(policies), Engine())
    agent.load_policies()
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    config = {"annotations": {"io.kubernetes.cri-o.ContainerName": "web"}}
    (bundle / "config.json").write_text(json.dumps(config))
    cg = tmp_path / "cgroup"  # stands in for the container's cgroup: only its inode is read
    cg.mkdir()
    done = {"cgroup": str(cg), "cgroup_id": cg.stat().st_ino, "policy": "p", "message": ""}
    agent.fenced_by_hook("c1", str(bundle), os.getpid(), str(policies / "p.yaml"), done)
    f = agent.fence("c1")
    assert f is not None and (f.name, f.policy, f.cgroup_id) == ("web", "p", cg.stat().st_ino)
    assert asked == []
    # The cgroup at that path is another one now: the engine is asked.
    cg.rename(tmp_path / "removed")  # kept, so the new directory gets another inode
    cg.mkdir()
    assert agent.fence("c1") is None and asked == ["c1"]
    # Booked again, then the policy files change: asked again.
    done["cgroup_id"] = cg.stat().st_ino
    agent.fenced_by_hook("c1", str(bundle), os.getpid(), str(policies / "p.yaml"), done)
    assert agent.fence("c1") is not None and asked == ["c1"]
    (policies / "q.yaml").write_text(selected(name="q"))
    assert agent.load_policies()
    assert agent.fence("c1") is None and asked == ["c1", "c1"]
    # Booked, and the container is gone (its cgroup with it) before its start event is
    # read: nothing to fence, nothing to ask.
    agent.load_policies()
    agent.fenced_by_hook("c1", str(bundle), os.getpid(), str(policies / "p.yaml"), done)
    cg.rmdir()
    assert agent.fence("c1") is None and asked == ["c1", "c1"]
    cg.mkdir()
    # A hook that used another policy directory books nothing.
    agent.unfence("c1")  # (nothing pinned: removes nothing)
    agent.fenced_by_hook("c2", str(bundle), os.getpid(), str(tmp_path / "other.yaml"), done)
    assert "c2" not in agent.fenced
    # The wrapper's create found no policy of this directory for c3: its start asks nothing;
    # one that read another directory says nothing for the agent's.
    agent._prepared("c3", str(policies), None)
    agent._prepared("c4", str(tmp_path), None)
    assert agent.fence("c3") is None and agent.fence("c4") is None
    assert asked == ["c1", "c1", "c4"]
    # The wrapper's create, run in the agent, said who c5 is: its hook books it under that
    # name without reading the bundle (gone here) again.
    agent._prepared("c5", str(policies), ContainerMeta(id="c5", name="api"))
    agent.fenced_by_hook(
        "c5", str(tmp_path / "nowhere"), os.getpid(), str(policies / "p.yaml"), done
    )
    assert agent.fenced["c5"].name == "api" and not agent._prepared_who


# --- through a real engine ----------------------------------------------------------


@pytest.fixture
def sel_policy(docker_engine):
    p = docker_engine.policy_dir / "handoff.yaml"
    p.write_text(selected(name="handoff"))
    yield p
    p.unlink(missing_ok=True)


def from_hooks(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "(from its hook)" in line]


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_selected_containers_are_fenced_by_the_agent(docker_engine, sel_policy, tmp_path):
    log = tmp_path / "agent.log"
    link = docker_engine.agent_socket.parent / "hotfence-hook"
    with agent(docker_engine, log):
        # The sh front finds the agent's C client here, and has the agent prepare bundles.
        assert link.resolve() == Path(client())
        results = []
        for _ in range(2):  # two in a row: each its own fence, on its own cgroup
            proc = run_probe(docker_engine, docker_engine.image)
            assert proc.returncode == 0, proc.stderr
            results.append(proc.stdout.splitlines()[:4])
        assert results == [FENCED, FENCED]  # their first socket() calls, each
        applied = [line for line in from_hooks(log) if "applied" in line]
        assert len(applied) == 2, log.read_text()
        assert all("applied 'handoff'" in line for line in applied)
        cgroups = {line.split(" on ")[1].split(" via ")[0] for line in applied}
        assert len(cgroups) == 2  # two cgroups, two fences
        # The poststop hooks had the agent remove them (in the background: docker run
        # does not wait for it).
        assert leftover_fences(docker_engine) == []
        removed = [line for line in from_hooks(log) if "fence removed" in line]
        assert len(removed) == 2, log.read_text()
        # Every step went to the agent: no Python started for these containers.
        prepared = [ln for ln in log.read_text().splitlines() if "hotfence-hook create" in ln]
        assert len(prepared) == 2 and all("policy " in ln for ln in prepared), log.read_text()
    assert not link.exists()  # gone with the agent: the sh front starts Python again


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_an_agent_in_its_own_cgroup_namespace_fences_containers(
    docker_engine, sel_policy, tmp_path
):
    """As in a Kubernetes pod: the agent in a private cgroup namespace (rooted at a cgroup
    of its own), the host's tree mounted. It reads the container's cgroup as
    ``/../hotfence-docker-.../<id>`` and must still fence that cgroup, not refuse."""
    from hotfence.containers.cgroups import Mounts

    home = Mounts.read().v2 / f"hf-agent-ns-{os.getpid()}"
    home.mkdir()
    log = tmp_path / "agent.log"
    try:
        with agent(docker_engine, log, ("unshare", "--cgroup"), home) as proc:
            theirs = os.stat(f"/proc/{proc.pid}/ns/cgroup").st_ino
            assert theirs != os.stat("/proc/self/ns/cgroup").st_ino  # really its own
            # Its namespace is rooted at ``home``: it sees itself at "/", containers at "/../".
            assert f"0::/{home.name}\n" in Path(f"/proc/{proc.pid}/cgroup").read_text()
            run = run_probe(docker_engine, docker_engine.image)
            assert run.returncode == 0, (run.stderr, log.read_text())
            assert run.stdout.splitlines()[:4] == FENCED
            applied = [ln for ln in from_hooks(log) if "applied 'handoff'" in ln]
            where = f"on {home.parent}{docker_engine.cgroup_parent}/"  # the host's path
            assert len(applied) == 1 and where in applied[0], log.read_text()
        assert leftover_fences(docker_engine) == []
    finally:
        home.rmdir()


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_the_agent_keeps_a_hooks_fence_from_a_configmap_directory(docker_engine, tmp_path):
    """Policies from a ConfigMap are links (``p.yaml -> ..data/p.yaml``). The hook records
    the real path; the agent, seeing the container start, must take that fence as the one
    its own file asks for, not apply it again (which would zero its counters). Its hook
    booked the fence already, so the start event asks the engine nothing."""
    from test_agent import publish

    d = docker_engine.policy_dir
    assert not list(d.iterdir())  # publish() below owns this directory for the test
    publish(d, {"cm.yaml": selected(name="cm")}, 1)
    log = tmp_path / "agent.log"
    name = f"hf-cm-{os.getpid()}"
    try:
        with agent(docker_engine, log):
            docker_engine.run_detached(name, runtime="hotfence")
            assert wait_for_line(log, f"{name}: fenced by its hook with 'cm'"), log.read_text()
            text = log.read_text()
            assert "applied 'cm'" in text and "fenced container" not in text, text

    finally:
        docker_engine.docker("rm", "-f", name, check=False)
        for p in sorted(d.iterdir(), key=lambda p: not p.is_symlink()):
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    assert leftover_fences(docker_engine) == []


def wait_for_line(log: Path, text: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_the_agents_containers_share_one_object_and_count_apart(
    docker_engine, sel_policy, tmp_path
):
    # The agent attaches one fence object per policy to every container it selects
    # (cg_backend.SHARED): one program, yet counters and events stay per container.
    from hotfence.bpf import libbpf
    from hotfence.fence.backends.cgroupfs import resolve_cgroup

    log = tmp_path / "agent.log"
    names = [f"hf-spare-{c}-{os.getpid()}" for c in "ab"]
    with agent(docker_engine, log):
        try:
            ids = [docker_engine.run_detached(n, runtime="hotfence") for n in names]
            found = (re.search(r"container (\w+) \(from its hook\).* on (.+) via ", line)
                     for line in from_hooks(log))  # fmt: skip
            cgroup_of = {m[1]: m[2] for m in found if m}
            cgroups = [cgroup_of[i[:12]] for i in ids]
            progs = {
                libbpf.link_info(
                    cg_backend.pin_dir(resolve_cgroup(cg)) / "link_hf_sock_create"
                ).prog_id
                for cg in cgroups
            }
            assert len(progs) == 1  # one object, attached to both
            for name, calls in zip(names, (3, 1), strict=True):
                for _ in range(calls):
                    out = docker_engine.docker("exec", name, "/sockprobe", "10", "3", "58")
                    assert out.stdout.splitlines()[0] == "errno 1"
            hits = [sum(c.hits for c in cg_backend.counters(cg).counts.values()) for cg in cgroups]
            # The shared ring buffer holds a's 3 events before b's: b's reader skips them.
            events = subprocess.run(
                [str(Path(sys.executable).parent / "hotfence"), "fence", "events",
                 "--cgroup", cgroups[1], "--count", "1", "--duration", "20", "-o", "json"],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert events.returncode == 0, events.stderr
            got = [json.loads(line) for line in events.stdout.splitlines()]
            assert [e["cgroup_id"] for e in got] == [resolve_cgroup(cgroups[1]).id]
            assert "shares its ring buffer" in events.stderr
            assert "3 events of other cgroups skipped" in events.stderr, events.stderr
            assert hits == [3, 1], (hits, log.read_text())
        finally:
            docker_engine.docker("rm", "-f", *names, check=False)


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_an_agent_that_cannot_apply_stops_the_container_with_its_reason(
    docker_engine, sel_policy, tmp_path
):
    # The agent's fence state directory is unusable, so every apply it makes fails: the
    # hook (which could apply the fence itself) must obey the refusal, not fall back.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    log = tmp_path / "agent.log"
    with agent(docker_engine, log, HOTFENCE_STATE_DIR=str(blocker / "fence")):
        proc = run_probe(docker_engine, docker_engine.image)
    assert proc.returncode != 0
    assert "hotfence agent:" in proc.stderr and "not-a-dir" in proc.stderr, proc.stderr
    assert "fence not applied" in log.read_text()


@contextlib.contextmanager
def fake_agent(path: Path, answer: bool) -> Iterator[None]:
    """A socket at the agent's path: not listening (a killed agent's leftover), or one that
    takes the request and closes without answering (an agent dying mid-request)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    stop = threading.Event()
    t = None
    if answer:
        s.listen()
        s.settimeout(0.2)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = s.accept()
                except TimeoutError:
                    continue
                conn.recv(65536)
                conn.close()

        t = threading.Thread(target=serve)
        t.start()
    try:
        yield
    finally:
        stop.set()
        if t is not None:
            t.join()
        s.close()
        path.unlink()


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
@pytest.mark.parametrize("dies_mid_request", [False, True], ids=["refused", "dies"])
def test_without_an_answering_agent_the_hook_fences_in_process(
    docker_engine, sel_policy, dies_mid_request
):
    with fake_agent(docker_engine.agent_socket, dies_mid_request):
        proc = run_probe(docker_engine, docker_engine.image)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:4] == FENCED
    assert leftover_fences(docker_engine) == []  # the poststop hook removed it itself
