"""Container identity: every cgroup form, --container / --pid, and fencing a real container."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from docker_helpers import requires_docker
from hotfence.cli import main
from hotfence.containers import engine
from hotfence.containers.cgroups import (
    CgroupNotFound,
    ContainerError,
    Mounts,
    cgroup_of_pid,
    nspid,
    resolve_v2_dir,
)
from hotfence.containers.target import container_of, resolve_target
from hotfence.fence.backends import cgroup as cg_backend
from kernel_helpers import cgroup2_mount, requires_cgroup_bpf, run_socket_calls

ID = "f131cc0055284519389e62465a6f3427ce5e6bfcda20287287301046cab6ef22"
ID2 = "0a9d7b3e1f2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"


@pytest.fixture
def fake_mounts(tmp_path: Path) -> Mounts:
    """A hybrid host in miniature: a v2 mount and a v1 memory mount holding the same tree."""
    mounts = Mounts(v2=tmp_path / "unified", v1=(tmp_path / "memory",))
    for root in (mounts.v2, *mounts.v1):
        for rel in (f"docker/{ID}", f"system.slice/docker-{ID2}.scope", "mycontainer"):
            (root / rel).mkdir(parents=True)
            (root / rel / "cgroup.procs").write_text("")
    return mounts


# (what the operator pastes, with {v2}/{v1} standing for the mounts) -> v2 path relative to the root
FORMS = [
    ("{v2}/docker/" + ID, "docker/" + ID),
    ("{v2}/docker/" + ID + "/", "docker/" + ID),
    ("{v1}/docker/" + ID, "docker/" + ID),
    ("0::/docker/" + ID, "docker/" + ID),
    ("4:memory:/docker/" + ID, "docker/" + ID),
    ("1:name=systemd:/system.slice/docker-" + ID2 + ".scope", f"system.slice/docker-{ID2}.scope"),
    ("/docker/" + ID, "docker/" + ID),
    ("docker/" + ID, "docker/" + ID),
    ("/mycontainer", "mycontainer"),
    ("  0::/mycontainer\n", "mycontainer"),
]


@pytest.mark.parametrize(("given", "want"), FORMS)
def test_every_pasted_form_maps_to_the_v2_directory(fake_mounts, given, want):
    text = given.format(v2=fake_mounts.v2, v1=fake_mounts.v1[0])
    assert resolve_v2_dir(text, fake_mounts) == fake_mounts.v2 / want


# (given, a path the error must suggest)
NEAR_MISSES = [
    ("/docker/" + ID[:12], "docker/" + ID),  # short id
    ("/system.slice/" + ID2, f"system.slice/docker-{ID2}.scope"),  # id without decoration
    ("/dockr/" + ID, "docker/" + ID),  # typo in the parent
    ("/mycontainr", "mycontainer"),  # typo in a name
]


@pytest.mark.parametrize(("given", "suggested"), NEAR_MISSES)
def test_a_missing_cgroup_says_did_you_mean(fake_mounts, given, suggested):
    with pytest.raises(CgroupNotFound) as exc:
        resolve_v2_dir(given, fake_mounts)
    assert fake_mounts.v2 / suggested in exc.value.candidates
    assert "did you mean" in str(exc.value) and given in str(exc.value)


def test_nothing_alike_has_no_suggestion(fake_mounts):
    with pytest.raises(CgroupNotFound) as exc:
        resolve_v2_dir("/nothing-like-it/at-all", fake_mounts)
    assert exc.value.candidates == [] and "did you mean" not in str(exc.value)


def test_pid_cgroup_and_nspid_from_proc(tmp_path, fake_mounts):
    proc = tmp_path / "proc"
    (proc / "42").mkdir(parents=True)
    (proc / "42" / "cgroup").write_text(
        f"4:memory:/docker/{ID}\n1:name=systemd:/docker/{ID}\n0::/docker/{ID}\n"
    )
    (proc / "42" / "status").write_text("Name:\tsockprobe\nNSpid:\t42\t7\t1\nNSsid:\t1\n")
    assert cgroup_of_pid(42, fake_mounts, proc) == fake_mounts.v2 / "docker" / ID
    assert nspid(42, proc) == 1
    assert nspid(43, proc) is None
    with pytest.raises(ContainerError, match="no such process"):
        cgroup_of_pid(43, fake_mounts, proc)
    (proc / "42" / "cgroup").write_text("0::/elsewhere\n")
    with pytest.raises(ContainerError, match="another cgroup namespace"):
        cgroup_of_pid(42, fake_mounts, proc)


def test_pid_cgroup_from_a_private_cgroup_namespace(tmp_path, fake_mounts):
    """hotfence agent in a pod: its own cgroup namespace, the host's tree mounted. /proc
    shows paths relative to the pod's namespace root, found by this process's own place."""
    proc = tmp_path / "proc"
    (proc / "self" / "ns").mkdir(parents=True)
    (proc / "self" / "ns" / "cgroup").write_text("")  # its inode: not the initial namespace's
    (proc / "self" / "cgroup").write_text("0::/agent\n")  # the agent, below its ns root
    pod = fake_mounts.v2 / "kubepods" / "pod-agent"
    (pod / "agent").mkdir(parents=True)
    (pod / "agent" / "cgroup.procs").write_text(f"1\n{os.getpid()}\n")
    (fake_mounts.v2 / "kubepods" / "pod-web" / "c1").mkdir(parents=True)
    (proc / "42").mkdir()
    (proc / "42" / "cgroup").write_text("0::/../pod-web/c1\n")
    assert cgroup_of_pid(42, fake_mounts, proc) == fake_mounts.v2 / "kubepods" / "pod-web" / "c1"
    (proc / "42" / "cgroup").write_text("0::/../../../outside\n")  # above the mount
    with pytest.raises(ContainerError, match="another cgroup namespace"):
        cgroup_of_pid(42, fake_mounts, proc)


def test_k8s_identity_from_labels_or_annotations():
    assert engine.k8s_identity({}) is None
    docker_labels = {
        "io.kubernetes.pod.namespace": "shop",
        "io.kubernetes.pod.name": "web-1",
        "io.kubernetes.container.name": "nginx",
    }
    assert engine.k8s_identity(docker_labels) == engine.K8sIdentity("shop", "web-1", "nginx")
    containerd = {
        "io.kubernetes.cri.sandbox-namespace": "kube-system",
        "io.kubernetes.cri.sandbox-name": "dns-0",
    }
    assert engine.k8s_identity(containerd) == engine.K8sIdentity("kube-system", "dns-0", None)


def test_exactly_one_target_option():
    with pytest.raises(ContainerError, match="exactly one"):
        resolve_target()
    with pytest.raises(ContainerError, match="--cgroup, --container"):
        resolve_target(cgroup="/x", pid=1)


def test_the_root_cgroup_is_refused():
    with pytest.raises(ContainerError, match="refusing to fence the root cgroup"):
        resolve_target(cgroup="0::/")


# --- a real Docker engine ----------------------------------------------------------------

RAW6 = ("10", "3", "58")  # socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)
POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {name: no-raw-icmpv6}
spec:
  mode: enforce
  default: allow
  rules:
    - {name: no-raw-icmpv6, action: deny, socket: {family: inet6, type: raw, protocol: icmpv6}}
"""


def hf(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def probe(docker_engine, name: str) -> list[str]:
    """The socket() result of raw ICMPv6 made by a new process inside container ``name``."""
    return docker_engine.docker("exec", name, "/sockprobe", *RAW6).stdout.split("\n")[:1]


@pytest.fixture
def container(docker_engine, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", docker_engine.host)
    container_of.cache_clear()
    name = docker_engine.name("id")
    cid = docker_engine.run_detached(name)
    yield name, cid
    docker_engine.docker("rm", "-f", name, check=False)


@pytest.mark.kernel
@requires_docker
def test_container_name_id_pid_and_cgroup_forms_agree(docker_engine, container):
    name, cid = container
    info = engine.find_container(name)
    assert (info.id, info.name, info.runtime) == (cid, name, "runc")
    assert info.image == docker_engine.image and info.pid > 0
    want = cgroup2_mount() / docker_engine.cgroup_parent.lstrip("/") / cid
    by_name = resolve_target(container=name)
    assert by_name.cgroup == want
    assert by_name.relative == f"{docker_engine.cgroup_parent}/{cid}"
    for t in (
        resolve_target(container=cid[:12]),
        resolve_target(pid=info.pid),
        resolve_target(cgroup=f"0::{docker_engine.cgroup_parent}/{cid}"),
        resolve_target(cgroup=f"/sys/fs/cgroup/memory{docker_engine.cgroup_parent}/{cid}"),
    ):
        assert t.cgroup == want
        assert t.container is not None and t.container.id == cid  # identified from the path
    assert by_name.summary()["container"] == {
        "id": cid,
        "name": name,
        "image": docker_engine.image,
        "runtime": "runc",
    }
    # Docker 20.10 on a hybrid host: containers share the host cgroup namespace.
    assert any("--cgroupns private" in w for w in by_name.warnings())
    private = docker_engine.name("cgns")
    docker_engine.run_detached(private, options=("--cgroupns", "private"))
    try:
        t = resolve_target(container=private)
        assert t.container is not None and t.container.cgroupns == "private"
        assert t.warnings() == []
    finally:
        docker_engine.docker("rm", "-f", private)
    with pytest.raises(ContainerError, match=f"did you mean {name}"):
        resolve_target(container=name[:-1] + "x")


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_apply_by_container_name_fences_that_container_only(docker_engine, container, tmp_path):
    name, cid = container
    other = docker_engine.name("other")
    docker_engine.run_detached(other)
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    cgroup = resolve_target(container=name).cgroup
    try:
        assert probe(docker_engine, name) == ["ok"]
        code, out = hf("fence", "apply", str(policy), "--container", name)
        assert code == 0, out
        assert f"on {cgroup}" in out and f"container {name} ({cid[:12]}" in out
        assert probe(docker_engine, name) == ["errno 1"]  # EPERM inside the fenced container
        assert probe(docker_engine, other) == ["ok"]  # another container untouched
        host = run_socket_calls(None, [("socket", 10, 3, 58)], netns=False)
        assert host.results == [0]  # the host untouched

        code, out = hf("fence", "counters", "--container", name, "-o", "json")
        assert code == 0, out
        doc = json.loads(out)
        assert doc["cgroup"] == str(cgroup) and doc["container"]["name"] == name
        assert doc["rules"][0]["denies"] >= 1

        code, out = hf("fence", "status", "--container", name, "-o", "json")
        assert code == 0, out
        (entry,) = json.loads(out)["applied"]
        assert entry["container"]["id"] == cid
        assert any("--cgroupns private" in w for w in entry["warnings"])
        code, out = hf("fence", "status", "--container", other)
        assert code != 0 and "no fence applied" in out

        code, out = hf("fence", "remove", "--container", name)
        assert code == 0, out
        assert probe(docker_engine, name) == ["ok"]
    finally:
        cg_backend.remove(cgroup)
        docker_engine.docker("rm", "-f", other, check=False)


HOTFENCE = str(Path(sys.executable).parent / "hotfence")


def exec_probe_and_hold(docker_engine, name: str) -> tuple[subprocess.Popen, list[str]]:
    """`docker exec NAME sockprobe -s 10 <raw icmpv6>`: the result and the pid inside, while
    the process lives on (so its NSpid can still be read when the event is handled)."""
    proc = subprocess.Popen(
        ["docker", "exec", name, "/sockprobe", "-s", "10", *RAW6],
        env=docker_engine.env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, [proc.stdout.readline().strip(), proc.stdout.readline().strip()]


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_watch_and_events_by_container_give_the_pid_inside(docker_engine, container, tmp_path):
    name, cid = container
    other = docker_engine.name("noise")
    docker_engine.run_detached(other)
    env = docker_engine.env()
    watch = subprocess.Popen(
        [HOTFENCE, "watch", "-o", "json", "--container", name, "--count", "1", "--duration", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert watch.stderr is not None
    assert "tracing socket()" in watch.stderr.readline()
    docker_engine.docker("exec", other, "/sockprobe", *RAW6)  # filtered out: another container
    held, (result, inside) = exec_probe_and_hold(docker_engine, name)
    out, err = watch.communicate(timeout=60)
    held.kill()
    held.wait()
    assert result == "ok", result
    (event,) = [json.loads(line) for line in out.splitlines()]
    cgroup = resolve_target(container=name).cgroup
    assert event["cgroup"] == f"{docker_engine.cgroup_parent}/{cid}"
    assert event["container"]["name"] == name and event["container"]["id"] == cid
    assert f"pid {event['container_pid']}" == inside  # NSpid, as the container sees it
    assert event["tgid"] != event["container_pid"]

    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    try:
        code, out = hf("fence", "apply", str(policy), "--container", name)
        assert code == 0, out
        events = subprocess.Popen(
            [HOTFENCE, "fence", "events", "--container", name, "-o", "json", "--count", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert events.stderr is not None
        assert "reading events" in events.stderr.readline()
        held, (result, inside) = exec_probe_and_hold(docker_engine, name)
        out, err = events.communicate(timeout=60)
        held.kill()
        held.wait()
        assert result == "errno 1"
        ev = json.loads(out)
        assert ev["verdict"] == "deny" and ev["rule"] == "no-raw-icmpv6"
        assert ev["cgroup"] == str(cgroup) and ev["container"]["name"] == name
        assert f"pid {ev['container_pid']}" == inside
    finally:
        cg_backend.remove(cgroup)
        docker_engine.docker("rm", "-f", other, check=False)


def test_a_dead_engine_is_a_clear_error_and_leaves_cgroups_unnamed(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    container_of.cache_clear()
    with pytest.raises(ContainerError, match=f"{tmp_path}/no-such.sock"):
        resolve_target(container="web")
    assert engine.container_of_cgroup(f"/docker/{ID}") is None
    monkeypatch.delenv("DOCKER_HOST")
    monkeypatch.setattr(engine, "DEFAULT_SOCKETS", (tmp_path / "a.sock", tmp_path / "b.sock"))
    with pytest.raises(ContainerError, match="no container engine found"):
        resolve_target(container="web")


def complete(line: str) -> list[str]:
    """What bash completion offers for the last word of ``line``."""
    words = line.split(" ")
    env = {
        "_HOTFENCE_COMPLETE": "bash_complete",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),  # the index of the word being completed
    }
    result = CliRunner().invoke(main, [], prog_name="hotfence", env=env)
    assert result.exit_code == 0, result.output
    return [item.split(",", 1)[1] for item in result.stdout.splitlines() if item]


def test_container_completion_without_an_engine_offers_nothing_quietly(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    assert complete("hotfence fence counters --container w") == []


@pytest.mark.kernel
@requires_docker
def test_container_names_complete_from_the_engine(docker_engine, container):
    name, _ = container
    for line in (
        f"hotfence fence apply p.yaml --container {name[:-2]}",
        "hotfence watch --container ",
    ):
        assert name in complete(line)
    assert complete(f"hotfence fence status --container {name}-no") == []
