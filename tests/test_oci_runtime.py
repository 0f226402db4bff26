"""hotfence-runc: selectors, the seccomp merge, and fencing containers from their first instruction."""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docker_helpers import requires_docker
from hotfence.fence import libseccomp as scmp
from hotfence.fence.backends import cgroup as cg_backend
from hotfence.fence.backends.seccomp import U32, Block
from hotfence.fence.compiler import compile_policy
from hotfence.fence.policy import PolicyError, parse_policy
from hotfence.oci import bundle, common, meta, profile, runtime
from kernel_helpers import requires_cgroup_bpf

AF_INET, AF_INET6, AF_UNIX, AF_PACKET, AF_ALG, AF_VSOCK = 2, 10, 1, 17, 38, 40
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "policies"

SELECTED = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {{name: {name}}}
spec:
  mode: enforce
  default: allow
  failure: {failure}
  selector: {selector}
  rules:
    - {{name: no-raw-icmpv6, action: deny, socket: {{family: inet6, type: raw, protocol: icmpv6}}}}
    - {{name: no-alg, action: deny, socket: {{family: alg}}}}
    - {{name: no-packet, action: deny, socket: {{family: packet}}}}
"""


def selected(name="sel", selector="{image: 'hotfence-test/sockprobe:*'}", failure="closed"):
    return SELECTED.format(name=name, selector=selector, failure=failure)


# --- policy selector -------------------------------------------------------------------


def test_selector_and_failure_parse():
    p = parse_policy(selected(selector="{name: 'web-*', labels: {app: web}}", failure="open"))
    s = p.model.spec.selector
    assert s is not None and s.name == "web-*" and s.labels == {"app": "web"}
    assert p.model.spec.failure == "open"


def test_an_empty_selector_is_refused_with_its_line():
    with pytest.raises(PolicyError) as exc:
        parse_policy(selected(selector="{}"), "p.yaml")
    assert "p.yaml:8" in str(exc.value) and "every container" in str(exc.value)


def test_a_misspelt_selector_field_is_refused():
    with pytest.raises(PolicyError, match="p.yaml:8"):
        parse_policy(selected(selector="{nmae: web}"), "p.yaml")


# --- who a container is ----------------------------------------------------------------


def test_docker_identity_from_the_record_beside_etc_hostname(tmp_path):
    record_dir = tmp_path / "containers" / ("a" * 64)
    record_dir.mkdir(parents=True)
    (record_dir / "hostname").write_text("aaaa\n")
    (record_dir / "config.v2.json").write_text(
        json.dumps({"Name": "/web-1", "Config": {"Image": "shop/web:2", "Labels": {"app": "web"}}})
    )
    config = {"mounts": [{"destination": "/etc/hostname", "source": str(record_dir / "hostname")}]}
    who = meta.from_bundle(config, "a" * 64)
    assert (who.name, who.image, who.labels) == ("web-1", "shop/web:2", {"app": "web"})
    sel = parse_policy(selected(selector="{name: 'web-*', image: 'shop/*', labels: {app: w*}}"))
    assert meta.matches(sel.model.spec.selector.model_dump(exclude_none=True), who)
    other = parse_policy(selected(selector="{name: 'web-*', labels: {tier: db}}"))
    assert not meta.matches(other.model.spec.selector.model_dump(exclude_none=True), who)


def test_cri_o_identity_from_annotations():
    config = {
        "annotations": {
            "io.kubernetes.pod.namespace": "shop",
            "io.kubernetes.pod.name": "web-7d9",
            "io.kubernetes.container.name": "nginx",
            "io.kubernetes.cri-o.ImageName": "nginx:1.25",
            "io.kubernetes.cri-o.Labels": json.dumps({"app": "web", "tier": "front"}),
        }
    }
    who = meta.from_bundle(config, "b" * 64)
    assert (who.name, who.image, who.k8s_namespace, who.k8s_pod) == (
        "nginx",
        "nginx:1.25",
        "shop",
        "web-7d9",
    )
    yes = parse_policy(selected(selector="{k8s: {namespace: shop, podLabels: {app: web}}}"))
    no = parse_policy(selected(selector="{k8s: {namespace: kube-*}}"))
    assert meta.matches(yes.model.spec.selector.model_dump(exclude_none=True), who)
    assert not meta.matches(no.model.spec.selector.model_dump(exclude_none=True), who)
    assert not meta.matches(
        yes.model.spec.selector.model_dump(exclude_none=True), meta.from_bundle({}, "c" * 64)
    )


# --- runc's command line ---------------------------------------------------------------

CREATE = [
    "--root", "/run/docker/runtime-runc/moby",
    "--log", "/b/log.json",
    "--log-format", "json",
    "--systemd-cgroup",
    "create",
    "--bundle", "/b",
    "--pid-file", "/b/init.pid",
    "--console-socket", "/tmp/c.sock",
    "cid0",
]  # fmt: skip


def test_runc_arguments():
    ours, args = runtime._split(["--policy-dir", "/p", "--runc", "/usr/sbin/runc", *CREATE])
    assert ours == {"policy-dir": "/p", "runc": "/usr/sbin/runc"} and args == CREATE
    at, cmd = runtime._command(args)
    assert (cmd, args[at]) == ("create", "create")
    assert common.bundle_and_id(args, at) == ("/b", "cid0")
    assert common.runc_log(args) == "/b/log.json"
    assert runtime._command(["--root", "/r", "state", "x"])[1] == "state"
    assert common.bundle_and_id(["create", "-b=x", "id"], 0)[1] == "id"


# --- the seccomp merge -----------------------------------------------------------------


@given(
    st.integers(min_value=0, max_value=8),  # log2 of the block size
    st.integers(min_value=0, max_value=1000),
    st.sets(st.integers(min_value=0, max_value=1300), max_size=6),
)
def test_split_out_covers_exactly_the_block_minus_the_points(bits, base, points):
    size = 1 << bits
    block = Block(U32 & ~(size - 1), (base // size) * size)
    parts = profile.split_out(block, set(points))
    for v in range(block.value, block.value + size):
        hits = sum(p.contains(v) for p in parts)
        assert hits == (0 if v in points else 1), v
    assert all(p.contains(p.value) and block.contains(p.value) for p in parts)


def verdict(cells, family, type_, proto):
    from hotfence.fence.backends.seccomp import Cell

    hits = [c for c in cells if Cell.matches(c, family, type_, proto)]
    assert len(hits) == 1, (family, type_, proto, hits)
    return hits[0].action


@pytest.mark.parametrize(
    ("call", "expect"),
    [
        ((AF_ALG, 5, 0), "deny"),
        ((AF_PACKET, 3, 0x300), "deny"),
        ((AF_INET6, 3, 58), "allow"),  # the cgroup fence's job, not seccomp's
        ((AF_INET, 1, 0), "allow"),
        ((AF_UNIX, 1, 0), "allow"),
        ((AF_VSOCK, 1, 0), "allow"),
        ((0xFFFFFFFF, 1, 0), "allow"),
    ],
)
def test_seccomp_cells_leave_inet_to_cgroup_bpf(call, expect):
    compiled = compile_policy(parse_policy(selected()))
    cells = profile.cells_beside_cgroup_bpf(compiled, 1)
    want = scmp.ACT_ALLOW if expect == "allow" else scmp.act_errno(1)
    assert verdict(cells, *call) == want


def test_each_inet_family_is_one_allow_cell_however_the_policy_cuts_it():
    # The raw-ICMPv6 rule cuts AF_INET6 by type and protocol; seccomp leaves all of it to
    # the cgroup fence, so one cell (one OCI rule for runc to compile) allows it.
    compiled = compile_policy(parse_policy(selected()))
    cells = profile.cells_beside_cgroup_bpf(compiled, 1)
    for fam in (AF_INET, AF_INET6):
        (cell,) = [c for c in cells if c.family is not None and c.family.contains(fam)]
        assert (cell.family.mask, cell.type, cell.protocol) == (U32, None, None)
        assert cell.action == scmp.ACT_ALLOW
    # Disjoint still: every call matches exactly one cell.
    for call in itertools.product((0, 1, 2, 10, 16, 17, 38, 40, 0xFFFF), (1, 2, 3, 5), (0, 58)):
        verdict(cells, *call)


def test_a_deny_all_default_still_leaves_inet_to_the_cgroup_fence():
    compiled = compile_policy(parse_policy(selected().replace("default: allow", "default: deny")))
    cells = profile.cells_beside_cgroup_bpf(compiled, 1)
    assert verdict(cells, AF_INET, 1, 0) == scmp.ACT_ALLOW
    assert verdict(cells, AF_UNIX, 1, 0) == scmp.act_errno(1)


DOCKER_LIKE = {
    "defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
        {"names": ["read", "socket", "socketpair", "socketcall", "io_uring_setup"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
    ],
}  # fmt: skip


def test_merge_replaces_the_unconditional_socket_allow_with_cells():
    compiled = compile_policy(parse_policy(selected()))
    merged = profile.merge(DOCKER_LIKE, compiled)
    rules = merged.seccomp["syscalls"]
    assert rules[0] == {"names": ["read"], "action": "SCMP_ACT_ALLOW"}  # the rest kept
    assert rules[1]["names"] == ["ptrace"]
    socket_rules = [r for r in rules if "socket" in r["names"]]
    assert socket_rules and all(r["args"] for r in socket_rules)  # never unconditional
    assert all(a["op"] == "SCMP_CMP_MASKED_EQ" for r in socket_rules for a in r["args"])
    denied = [r for r in socket_rules if r["action"] == "SCMP_ACT_ERRNO"]
    assert {r["args"][0]["valueTwo"] for r in denied} == {AF_ALG, AF_PACKET}
    assert {"names": ["io_uring_setup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1} in rules
    assert not any("socketcall" in r["names"] for r in rules)  # falls to the default: fails
    assert DOCKER_LIKE["syscalls"][0]["names"][1] == "socket"  # the input is not modified


def test_merge_refuses_conditional_socket_rules_and_fills_an_unconfined_container():
    compiled = compile_policy(parse_policy(selected()))
    conditional = {
        **DOCKER_LIKE,
        "syscalls": [
            {
                "names": ["socket"],
                "action": "SCMP_ACT_ALLOW",
                "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}],
            }
        ],
    }
    with pytest.raises(profile.MergeError, match="conditional rules for socket"):
        profile.merge(conditional, compiled)
    unconfined = profile.merge(None, compiled).seccomp
    assert unconfined["defaultAction"] == "SCMP_ACT_ALLOW"
    assert all(r["action"] == "SCMP_ACT_ERRNO" for r in unconfined["syscalls"])
    assert {"names": ["socketcall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1} in unconfined[
        "syscalls"
    ]


def test_coverage_names_the_mechanism_of_each_rule():
    compiled = compile_policy(parse_policy(selected()))
    assert [c.text() for c in bundle.coverage(compiled)] == [
        "no-raw-icmpv6: cgroup-bpf",
        "no-alg: seccomp",
        "no-packet: seccomp",
    ]
    only_alg = textwrap.dedent(
        """\
        apiVersion: hotfence/v1
        kind: SocketPolicy
        metadata: {name: alg}
        spec:
          mode: enforce
          default: allow
          selector: {name: x}
          rules: [{action: deny, socket: {family: alg}}]
        """
    )
    assert not bundle.needs_cgroup_fence(compile_policy(parse_policy(only_alg)))
    assert bundle.needs_cgroup_fence(compiled)


# --- a real Docker engine --------------------------------------------------------------

PROBE = ["10", "3", "58", "38", "5", "0", "17", "3", "0", "2", "2", "0"]
FENCED = ["errno 1", "errno 1", "errno 1", "ok"]


def run_probe(docker_engine, image: str, *extra: str, runtime: str = "hotfence"):
    return docker_engine.docker(
        "run", "--rm", "--runtime", runtime, "--network", "none", *extra, image, *PROBE,
        check=False, timeout=180,
    )  # fmt: skip


@pytest.fixture
def policy_file(docker_engine):
    files: list[Path] = []

    def write(text: str, name: str = "sel.yaml") -> Path:
        p = docker_engine.policy_dir / name
        p.write_text(text)
        files.append(p)
        return p

    yield write
    for p in files:
        p.unlink(missing_ok=True)


def leftover_fences(docker_engine, wait: float = 30) -> list[str]:
    """The fences still pinned under the engine's cgroup parent once the poststop hooks'
    background removals had ``wait`` seconds to finish."""
    import time

    deadline = time.monotonic() + wait
    while True:
        left = [
            a.state.cgroup
            for a in cg_backend.applied()
            if a.state is not None and docker_engine.cgroup_parent in a.state.cgroup
        ]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_20_selected_containers_are_fenced_from_their_first_socket_call(docker_engine, policy_file):
    policy_file(selected())
    other_image = "hotfence-test/other:1"
    docker_engine.docker("tag", docker_engine.image, other_image)
    results = []
    for _ in range(20):
        proc = run_probe(docker_engine, docker_engine.image)
        assert proc.returncode == 0, proc.stderr
        results.append(proc.stdout.splitlines()[:4])
    assert results == [FENCED] * 20  # every call the probe makes first, in every container
    # A container the selector does not match, same runtime: untouched.
    proc = run_probe(docker_engine, other_image)
    assert proc.returncode == 0, proc.stderr
    raw6, alg, packet, udp = proc.stdout.splitlines()[:4]
    assert raw6 == "ok" and alg != "errno 1" and packet == "ok" and udp == "ok"
    # And plain runc, same image: untouched too.
    plain = docker_engine.docker("run", "--rm", "--network", "none", docker_engine.image, *PROBE)
    assert plain.stdout.splitlines()[0] == "ok"
    # Each container's fence went with it (poststop hook).
    assert leftover_fences(docker_engine) == []


@pytest.mark.kernel
@requires_docker
@requires_cgroup_bpf
def test_fail_closed_unless_the_policy_says_open(docker_engine, policy_file, tmp_path):
    # Docker's own default profile, as it reached runc, plus a conditional socket() rule:
    # hotfence cannot merge its cells with that, so the container must not start.
    default = docker_engine.default_seccomp()
    default["syscalls"].append(
        {
            "names": ["socket"],
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": 13,
            "args": [{"index": 0, "value": AF_VSOCK, "op": "SCMP_CMP_EQ"}],
        }
    )
    prof_failing = tmp_path / "conditional.json"
    prof_failing.write_text(json.dumps(default))
    policy_file(selected())
    proc = run_probe(
        docker_engine, docker_engine.image, "--security-opt", f"seccomp={prof_failing}"
    )
    assert proc.returncode != 0
    assert "hotfence" in proc.stderr and "conditional rules for socket" in proc.stderr
    assert "fail closed" in proc.stderr

    policy_file(selected(failure="open"))
    proc = run_probe(
        docker_engine, docker_engine.image, "--security-opt", f"seccomp={prof_failing}"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "ok"  # started, and (as the log says) unfenced


@pytest.mark.kernel
@requires_docker
def test_an_invalid_policy_file_stops_containers_with_its_line(docker_engine, policy_file):
    policy_file(selected().replace("mode: enforce", "mode: enforcing"), "bad.yaml")
    proc = run_probe(docker_engine, docker_engine.image)
    assert proc.returncode != 0
    assert "bad.yaml:5" in proc.stderr and "mode" in proc.stderr


def test_a_hook_that_cannot_apply_fails_with_its_reason(tmp_path):
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotfence.oci.runtime",
            "hook",
            "apply",
            str(tmp_path / "gone.yaml"),
        ],
        input=json.dumps({"pid": os.getpid(), "bundle": str(tmp_path)}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1  # runc then fails the create: the container does not start
    assert "fence not applied, container stopped" in proc.stderr and "gone.yaml" in proc.stderr
    assert not (tmp_path / common.ID_FILE).exists()
    # failure: open (the wrapper passes it on): the container starts, and the log says so.
    proc = subprocess.run(
        [sys.executable, "-m", "hotfence.oci.runtime", "hook", "apply", str(tmp_path / "gone.yaml"),
         "--failure", "open"],
        input=json.dumps({"pid": os.getpid(), "bundle": str(tmp_path)}),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and "WITHOUT its cgroup fence" in proc.stderr


def test_failure_open_reaches_the_hook():
    import sys

    compiled_open = parse_policy(selected(failure="open"))
    config: dict = {}
    bundle.edit_config(config, compiled_open, compile_policy(compiled_open), "/b")
    (create,) = config["hooks"]["createRuntime"]
    assert create["args"][-2:] == ["--failure", "open"]
    closed = parse_policy(selected())
    config = {}
    bundle.edit_config(config, closed, compile_policy(closed), "/b")
    assert "--failure" not in config["hooks"]["createRuntime"][0]["args"]
    (poststop,) = config["hooks"]["poststop"]
    # The hooks go through hotfence-hook (the agent's client) where this install has it.
    client = common.hook_client()
    assert client, "hotfence-hook was not built (python -m hotfence.bpf.build)"
    assert poststop["path"] == client
    assert poststop["args"] == [client, "poststop", "/b", sys.executable]
    assert create["path"] == client and create["args"][1:3] == ["hook", sys.executable]
    assert json.loads(config["annotations"]["org.hotfence.coverage"])["rules"] == {
        "no-raw-icmpv6": ["cgroup-bpf"],
        "no-alg": ["seccomp"],
        "no-packet": ["seccomp"],
    }


# --- fence export -o docker-seccomp ------------------------------------------------------

PORTS = """\
    - {name: no-smtp, action: deny, connect: {family: inet, protocol: tcp, ports: [25]}}
"""


def export(*args: str):
    import subprocess
    import sys

    return subprocess.run(
        [
            str(Path(sys.executable).parent / "hotfence"),
            "fence",
            "export",
            "-o",
            "docker-seccomp",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_refuses_what_seccomp_cannot_hold(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text(selected() + PORTS)
    out = tmp_path / "profile.json"
    proc = export(str(policy), "--out", str(out))
    assert proc.returncode == 1 and "cannot be held" in proc.stderr and not out.exists()
    assert "NOT ENFORCED no-smtp" in proc.stderr and "bind/connect" in proc.stderr
    proc = export(str(policy), "--out", str(out), "--allow-partial")
    assert proc.returncode == 0, proc.stderr
    assert "replaces Docker's default profile" in proc.stderr
    assert json.loads(out.read_text())["defaultAction"] == "SCMP_ACT_ALLOW"


@pytest.mark.kernel
@requires_docker
def test_exported_profile_fences_a_docker_run(docker_engine, tmp_path):
    base = tmp_path / "docker-default.json"
    base.write_text(json.dumps(docker_engine.default_seccomp()))
    policy = tmp_path / "p.yaml"
    policy.write_text(selected())
    out = tmp_path / "profile.json"
    proc = export(str(policy), "--base", str(base), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "enforced     no-raw-icmpv6" in proc.stderr and "replaces" not in proc.stderr
    got = docker_engine.docker(
        "run", "--rm", "--network", "none", "--security-opt", f"seccomp={out}",
        docker_engine.image, *PROBE,
    ).stdout.splitlines()  # fmt: skip
    assert got[:4] == FENCED  # every family by seccomp alone, inet6 included
    # The rest of Docker's default profile still holds, call for call.
    changed = {"socket", "socketpair", "socketcall", "io_uring_setup"}

    def allowed(doc):
        return {
            n
            for r in doc["syscalls"]
            if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args")
            for n in r["names"]
        } - changed

    exported = json.loads(out.read_text())
    assert allowed(exported) == allowed(json.loads(base.read_text()))
    assert exported["defaultAction"] == "SCMP_ACT_ERRNO"


def test_selector_index_validates_a_file_once_until_it_changes(tmp_path, monkeypatch):
    from hotfence.oci import selectors

    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    d = tmp_path / "policies"
    d.mkdir()
    (d / "a.yaml").write_text(selected(selector="{name: 'web-*'}"))
    (d / "plain.yaml").write_text(
        selected().replace("  selector: {image: 'hotfence-test/sockprobe:*'}\n", "")
    )
    (d / "notes.txt").write_text("not a policy")
    (first,) = selectors.entries(str(d))
    assert (first.selector, first.failure) == ({"name": "web-*"}, "closed")

    def no_validation(path):
        raise AssertionError(f"{path} validated again")

    monkeypatch.setattr(selectors, "_validate", no_validation)
    assert selectors.entries(str(d)) == [first]  # from the index
    monkeypatch.undo()
    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    (d / "a.yaml").write_text(selected(selector="{name: 'db-*'}", failure="open") + "\n")
    (changed,) = selectors.entries(str(d))
    assert (changed.selector, changed.failure) == ({"name": "db-*"}, "open")
    (d / "a.yaml").write_text(selected().replace("mode: enforce", "mode: on"))
    with pytest.raises(selectors.SelectorError, match=r"a.yaml:5"):
        selectors.entries(str(d))


# --- plans: what a selected container's create and hook reuse --------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_a_compiled_policy_survives_its_json_form(name):
    from hotfence.fence.compiler import compile_file
    from hotfence.oci import prepared

    compiled = compile_file(EXAMPLES / name)
    assert prepared.decode(json.loads(json.dumps(prepared.encode(compiled)))) == compiled


def _docker_like_bundle(tmp_path: Path, name: str, seccomp: dict | None) -> Path:
    record = tmp_path / "containers" / name
    record.mkdir(parents=True)
    (record / "hostname").write_text(name)
    (record / "config.v2.json").write_text(
        json.dumps({"Name": "/" + name, "Config": {"Image": "hotfence-test/sockprobe:1"}})
    )
    b = tmp_path / "bundles" / name
    b.mkdir(parents=True)
    config: dict = {
        "mounts": [{"destination": "/etc/hostname", "source": str(record / "hostname")}]
    }
    if seccomp is not None:
        config["linux"] = {"seccomp": seccomp}
    (b / "config.json").write_text(json.dumps(config))
    return b


def test_the_second_create_of_a_policy_reuses_its_plan(tmp_path, monkeypatch):
    from hotfence.oci import prepared, wrap

    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    policies = tmp_path / "policies"
    policies.mkdir()
    policy = policies / "sel.yaml"
    policy.write_text(selected())
    docker_default = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [{"names": ["socket", "read"], "action": "SCMP_ACT_ALLOW"}],
    }

    def create(name: str, seccomp: dict | None) -> dict:
        b = _docker_like_bundle(tmp_path, name, seccomp)
        assert wrap.prepare(["create", "--bundle", str(b), name], 0, str(policies))
        return json.loads((b / "config.json").read_text())

    first = create("c1", docker_default)
    assert first["hooks"]["createRuntime"][0]["args"][-2:] == ["apply", str(policy)]
    plans = []
    real_plan = wrap._plan
    monkeypatch.setattr(wrap, "_plan", lambda *a: plans.append(a[0]) or real_plan(*a))
    second = create("c2", docker_default)
    # From the plan; only the bundle differs (mounts, and where poststop finds the record).
    assert second["hooks"]["poststop"][0]["args"][2] == str(tmp_path / "bundles" / "c2")
    second["hooks"]["poststop"][0]["args"][2] = first["hooks"]["poststop"][0]["args"][2]
    assert plans == [] and second == {**first, "mounts": second["mounts"]}
    # The hook reads the compiled policy from the plan too: no policy schema, no compiler.
    from hotfence.fence.compiler import compile_file

    expected = compile_file(policy)
    monkeypatch.setattr("hotfence.fence.compiler.compile_file", None)
    assert prepared.compiled_policy(str(policy)) == expected
    monkeypatch.undo()
    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    monkeypatch.setattr(wrap, "_plan", lambda *a: plans.append(a[0]) or real_plan(*a))
    # Another input profile is merged anew; so is every profile once the policy changes.
    unconfined = create("c3", None)
    assert plans == [str(policy)] and unconfined["linux"]["seccomp"]["defaultAction"] == (
        "SCMP_ACT_ALLOW"
    )
    policy.write_text(selected(name="sel2", failure="open"))
    changed = create("c4", docker_default)
    assert plans == [str(policy)] * 2 and changed != {**first, "mounts": changed["mounts"]}
    assert prepared.compiled_policy(str(policy)).name == "sel2"


def test_restore_of_a_selected_container_is_refused(tmp_path, monkeypatch, capsys):
    from hotfence.oci import wrap

    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "sel.yaml").write_text(selected())
    b = _docker_like_bundle(tmp_path, "c1", None)
    before = (b / "config.json").read_text()
    argv = ["restore", "--image-path", "/ck", "--bundle", str(b), "c1"]
    assert not wrap.prepare(argv, 0, str(policies), restore=True)
    assert "restore" in capsys.readouterr().err and (b / "config.json").read_text() == before
    (policies / "sel.yaml").write_text(selected(selector="{name: 'other-*'}"))
    assert wrap.prepare(argv, 0, str(policies), restore=True)  # not selected: runc's


def test_a_merge_that_fails_is_never_cached(tmp_path, monkeypatch):
    from hotfence.oci import wrap

    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "sel.yaml").write_text(selected())
    conditional = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
        ],
    }  # fmt: skip
    for name in ("c1", "c2"):
        b = _docker_like_bundle(tmp_path, name, conditional)
        before = (b / "config.json").read_text()
        assert not wrap.prepare(["create", "--bundle", str(b), name], 0, str(policies))
        assert (b / "config.json").read_text() == before


def test_poststop_claims_the_record_and_says_when_it_cannot(tmp_path):
    import os
    import subprocess
    import sys

    def remove() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hotfence.oci.runtime", "hook", "remove"],
            input=json.dumps({"pid": 1, "bundle": str(tmp_path), "status": "stopped"}),
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "HOTFENCE_STATE_DIR": str(tmp_path / "state" / "fence")},
        )  # fmt: skip

    proc = remove()  # no fence recorded: nothing to do
    assert proc.returncode == 0 and proc.stderr == ""
    (tmp_path / common.ID_FILE).write_text("{")
    proc = remove()
    assert proc.returncode == 1 and "fence not removed" in proc.stderr and "prune" in proc.stderr
    assert list(tmp_path.glob(common.ID_FILE + "*")) == []  # claimed: never read twice


def test_in_the_agent_both_poststop_routes_remove_through_the_agents_books(tmp_path):
    """The agent runs a hooks.d ``remove`` and the C client's ``remove-recorded`` with the
    same hook code: each removal goes to its remove_fence (metrics, fenced list), once."""
    import io

    from hotfence.oci import hook

    class Agent:
        removed: list[int] = []

        def remove_fence(self, cgroup_id: int) -> int:
            self.removed.append(cgroup_id)
            return 1

    agent, err = Agent(), io.StringIO()
    stopped = {"pid": 1, "bundle": str(tmp_path), "status": "stopped"}
    (tmp_path / common.ID_FILE).write_text(json.dumps({"cgroup": "/x", "cgroup_id": 41}))
    assert hook.run(["remove"], stopped, err, agent=agent) == 0
    assert hook.run(["remove"], stopped, err, agent=agent) == 0  # claimed: nothing left
    assert hook.run(["remove-recorded", '{"cgroup_id": 42}'], {}, err, agent=agent) == 0
    assert agent.removed == [41, 42] and err.getvalue() == ""

    class Failing(Agent):
        def remove_fence(self, cgroup_id: int) -> int:
            raise OSError("bpffs is read-only")

    assert hook.run(["remove-recorded", '{"cgroup_id": 43}'], {}, err, agent=Failing()) == 1
    assert "fence not removed (bpffs is read-only); fence prune removes it" in err.getvalue()


def test_poststop_claims_the_record_before_it_returns(tmp_path):
    """The wrapper's poststop hook (hotfence-hook poststop) takes the record synchronously
    (a container re-created in the bundle writes its own) and leaves the removal to a
    background child, so runc delete (and docker run --rm) waits for no Python start."""
    import subprocess

    from hotfence.oci import prepared

    hook = prepared._poststop(str(tmp_path))
    env = {**dict(e.split("=", 1) for e in hook["env"]),
           "HOTFENCE_STATE_DIR": str(tmp_path / "state" / "fence"),
           "HOTFENCE_AGENT_SOCKET": str(tmp_path / "no-agent.sock")}  # fmt: skip

    def poststop() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            hook["args"], executable=hook["path"], env=env, capture_output=True, text=True,
            input=json.dumps({"pid": 1, "bundle": str(tmp_path), "status": "stopped"}),
            timeout=60,
        )  # fmt: skip

    proc = poststop()  # no fence recorded: nothing to do, nothing said
    assert proc.returncode == 0 and proc.stdout == proc.stderr == ""
    (tmp_path / common.ID_FILE).write_text("{")  # unreadable: the removal itself fails
    proc = poststop()
    assert proc.returncode == 0 and proc.stdout == proc.stderr == ""
    # Claimed and gone before the hook returned (the engine removes the bundle next).
    assert list(tmp_path.glob(common.ID_FILE + "*")) == []


def test_the_hook_probes_the_kernel_once_per_boot(tmp_path, monkeypatch):
    from hotfence.fence import backends
    from hotfence.fence.backends import ProbeResult
    from hotfence.oci import hook as hook_mod

    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    calls = []
    fake = [ProbeResult("cgroup-bpf", True, "loaded"), ProbeResult("bpf-lsm", False, "no")]
    monkeypatch.setattr(backends, "probe", lambda: calls.append(1) or fake)
    assert hook_mod._probes() == fake and hook_mod._probes() == fake and len(calls) == 1
    monkeypatch.setenv("HOTFENCE_BPF_BUILD", str(tmp_path / "other-objects"))
    assert hook_mod._probes() == fake and len(calls) == 2  # other objects: probed again


# --- the hooks.d path (Podman, CRI-O): the hook chooses the policy itself ----------------

CRIO_ANNOTATIONS = {
    "io.kubernetes.pod.namespace": "shop",
    "io.kubernetes.pod.name": "web-1",
    "io.kubernetes.container.name": "nginx",
    "io.kubernetes.cri-o.ImageName": "nginx:1.25",
}


def hook(*args: str, state: dict, env: dict):
    import subprocess
    import sys

    return subprocess.run(
        [str(Path(sys.executable).parent / "hotfence-runc"), *args],
        input=json.dumps(state),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_hooks_d_entry():
    import os

    proc = hook("hooks-d", "--policy-dir", "/etc/hf", state={}, env=dict(os.environ))
    entry = json.loads(proc.stdout)
    assert entry["version"] == "1.0.0" and entry["stages"] == ["createRuntime", "poststop"]
    assert entry["when"] == {"always": True}
    assert Path(entry["hook"]["path"]).exists()
    assert entry["hook"]["args"][-4:] == ["hook", "select", "--policy-dir", "/etc/hf"]


@pytest.mark.kernel
@requires_cgroup_bpf
def test_hooks_d_select_fences_the_cgroup_of_a_selected_container(tmp_path):
    import os
    import subprocess
    import time

    from kernel_helpers import run_socket_calls, scratch_cgroup

    env = {**os.environ, "HOTFENCE_STATE_DIR": str(tmp_path / "state" / "fence")}
    policies = tmp_path / "policies"
    policies.mkdir()
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "config.json").write_text(json.dumps({"annotations": CRIO_ANNOTATIONS}))
    inet_only = selected(selector="{k8s: {namespace: shop, pod: 'web-*'}}").split(
        "    - {name: no-alg"
    )[0]
    with scratch_cgroup("hooksd") as cg:
        init = subprocess.Popen(
            ["sh", "-c", f"echo $$ > {cg}/cgroup.procs && exec sleep 60"],
        )
        try:
            for _ in range(100):
                if (cg / "cgroup.procs").read_text().strip():
                    break
            state = {"id": "c" * 64, "pid": init.pid, "bundle": str(bundle)}
            # Not selected: nothing happens.
            (policies / "p.yaml").write_text(inet_only.replace("namespace: shop", "namespace: db"))
            proc = hook("hook", "select", "--policy-dir", str(policies), state=state, env=env)
            assert proc.returncode == 0 and proc.stderr == ""
            assert run_socket_calls(cg, [("socket", AF_INET6, 3, 58)]).results == [0]
            # Selected: the cgroup fence is applied.
            (policies / "p.yaml").write_text(inet_only)
            proc = hook("hook", "select", "--policy-dir", str(policies), state=state, env=env)
            assert proc.returncode == 0, proc.stderr
            assert f"applied 'sel' on {cg}" in proc.stderr
            assert run_socket_calls(cg, [("socket", AF_INET6, 3, 58)]).results == [1]
            proc = hook("hook", "remove", state=state, env=env)
            assert proc.returncode == 0, proc.stderr
            assert not (bundle / common.ID_FILE).exists()  # claimed before the hook returned
            for _ in range(300):  # the removal itself runs in the background
                if run_socket_calls(cg, [("socket", AF_INET6, 3, 58)]).results == [0]:
                    break
                time.sleep(0.1)
            assert run_socket_calls(cg, [("socket", AF_INET6, 3, 58)]).results == [0]
            # A rule the cgroup fence cannot hold, and no seccomp merge here: fail closed...
            (policies / "p.yaml").write_text(selected(selector="{k8s: {namespace: shop}}"))
            proc = hook("hook", "select", "--policy-dir", str(policies), state=state, env=env)
            assert proc.returncode == 1 and "cannot enforce rule(s) no-alg" in proc.stderr
            assert run_socket_calls(cg, [("socket", AF_INET6, 3, 58)]).results == [0]
            # ...unless the policy says open.
            (policies / "p.yaml").write_text(
                selected(selector="{k8s: {namespace: shop}}", failure="open")
            )
            proc = hook("hook", "select", "--policy-dir", str(policies), state=state, env=env)
            assert proc.returncode == 0 and "WITHOUT its fence" in proc.stderr
        finally:
            init.kill()
            init.wait()
            cg_backend.remove(cg)


# --- the sh front: hotfence-runc execs runc itself unless a container starts ----------------

SH_FRONT = Path(runtime.__file__).with_name("hotfence-runc")


@pytest.fixture
def sh_front(tmp_path):
    """The sh front from the checkout, beside a stand-in Python half and runc that print
    their arguments: which one a call reaches, and with what."""
    d = tmp_path / "bin"
    d.mkdir()
    (d / "hotfence-runc").write_bytes(SH_FRONT.read_bytes())
    (d / "hotfence-runc-py").write_text('#!/bin/sh\necho "py $*"\n')
    (d / "runc").write_text('#!/bin/sh\necho "runc $*"\n')
    for f in d.iterdir():
        f.chmod(0o755)

    def run(*args: str, front: Path = d / "hotfence-runc") -> str:
        import subprocess

        env = {"PATH": "/usr/bin:/bin", "HOTFENCE_RUNC": str(d / "runc")}
        proc = subprocess.run([str(front), *args], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.replace(str(d / "runc"), "RUNC").strip()

    run.dir = d  # type: ignore[attr-defined]
    return run


# (runc's arguments, which command runc sees: the route follows from it)
ARG_SHAPES = [
    (["--root", "/r", "--log", "/l.json", "--log-format", "json", "start", "id"], "start"),
    (["--root", "/r", "--log", "create", "state", "x"], "state"),  # "create" is --log's value
    (["--root=/r", "--log=/l", "--log-format=json", "--systemd-cgroup", "create", "-b", "/b",
      "id"], "create"),
    (["-root", "/r", "-log-format", "json", "-debug", "run", "--bundle", "/b", "id"], "run"),
    (["--debug=false", "--systemd-cgroup=true", "--rootless", "auto", "delete", "--force",
      "create"], "delete"),
    (["--criu", "/usr/sbin/criu", "restore", "--bundle=/b", "id"], "restore"),
    (["--", "create", "--bundle", "/b", "id"], "create"),
    (["delete", "create"], "delete"),
    (["features"], "features"),
    (["frobnicate", "--bundle", "/b"], "frobnicate"),  # unknown command: runc says so
    (["--version"], ""),
    ([], ""),
    (["-", "create"], "-"),
]  # fmt: skip


@pytest.mark.parametrize("args,command", ARG_SHAPES)
def test_the_sh_front_finds_runcs_command_like_the_python_half(sh_front, args, command):
    at, found = runtime._command(args)
    assert found == command and (at == -1) == (command == "")
    out = sh_front(*args)
    if command in runtime.STARTING:
        assert out == f"py --runc RUNC {' '.join(args)}"
    else:
        assert out == f"runc {' '.join(args)}".strip()


def test_the_sh_front_passes_its_own_options_to_the_python_half_only(sh_front):
    ours = ["--policy-dir", "/etc/p d", "--runc", str(sh_front.dir / "runc")]
    assert sh_front(*ours, "--root", "/r", "kill", "id", "9") == "runc --root /r kill id 9"
    # Each argument arrives whole (the stand-in brackets them).
    (sh_front.dir / "hotfence-runc-py").write_text("#!/bin/sh\nprintf '<%s>' \"$@\"\n")
    assert (
        sh_front(*ours, "create", "--bundle", "/b", "id")
        == "<--runc><RUNC><--policy-dir></etc/p d><create><--bundle></b><id>"
    )
    # hotfence's own commands (the OCI hooks) are Python's.
    assert sh_front("hook", "remove") == "<--runc><RUNC><hook><remove>"


def test_an_unknown_runc_option_never_lets_a_create_through_unfenced(sh_front, tmp_path):
    import subprocess
    import sys

    # The sh front cannot tell whether --new takes a value: Python decides.
    assert sh_front("--new", "x", "state") == "py --runc RUNC --new x state"
    with pytest.raises(runtime.UnknownOption, match="--new"):
        runtime._command(["--new", "x", "create", "--bundle", "/b", "id"])
    assert runtime._command(["--new", "state", "x"]) == (1, "state")
    # The real Python half: refuses the create, in runc's log too; passes the rest to runc.
    py = [
        str(Path(sys.executable).parent / "hotfence-runc-py"),
        "--runc",
        str(sh_front.dir / "runc"),
    ]
    log = tmp_path / "log.json"
    proc = subprocess.run(
        [*py, "--log", str(log), "--new", "x", "create", "id"], capture_output=True, text=True
    )
    assert proc.returncode == 1 and proc.stdout == "" and "'--new'" in proc.stderr
    assert json.loads(log.read_text())["level"] == "error"
    proc = subprocess.run([*py, "--new", "x", "state"], capture_output=True, text=True)
    assert proc.stdout == "runc --new x state\n"


def test_the_sh_front_finds_its_python_half_through_a_symlink(sh_front, tmp_path):
    link = tmp_path / "elsewhere" / "hotfence-runc"
    link.parent.mkdir()
    link.symlink_to(sh_front.dir / "hotfence-runc")
    assert sh_front("create", "id", front=link) == "py --runc RUNC create id"
    (sh_front.dir / "hotfence-runc-py").unlink()  # a broken install: nothing starts
    import subprocess

    proc = subprocess.run([str(link), "create", "id"], capture_output=True, text=True)
    assert proc.returncode == 1 and "no hotfence-runc-py" in proc.stderr
    assert sh_front("state", "id", front=link) == "runc state id"  # the rest still works


@given(
    st.lists(
        st.sampled_from(
            ["--root", "--log=/l", "-log-format", "json", "--debug", "--systemd-cgroup",
             "--rootless", "--", "create", "run", "restore", "state", "start", "delete", "-b",
             "/b", "id", "--force", "--unknown", "-x"]
        ),
        max_size=7,
    )
)  # fmt: skip
def test_sh_and_python_agree_on_whether_a_call_starts_a_container(args):
    import subprocess
    import tempfile

    at, unknown = runtime._scan(args)
    command = args[at] if at < len(args) else ""
    # Python refuses or wraps what starts a container; the sh front also hands it every
    # call with an option it does not know (Python then refuses a create or execs runc).
    expect = "py" if command in runtime.STARTING or unknown else "runc"
    with tempfile.TemporaryDirectory() as d:
        for name, text in (("hotfence-runc-py", "echo py"), ("runc", "echo runc")):
            Path(d, name).write_text(f"#!/bin/sh\n{text}\n")
            Path(d, name).chmod(0o755)
        front = Path(d, "hotfence-runc")
        front.write_bytes(SH_FRONT.read_bytes())
        front.chmod(0o755)
        env = {"PATH": "/usr/bin:/bin", "HOTFENCE_RUNC": str(Path(d, "runc"))}
        out = subprocess.run([str(front), *args], capture_output=True, text=True, env=env).stdout
    assert out.strip() == expect, (args, command, unknown)


def test_the_installed_hotfence_runc_is_the_sh_front():
    import sys

    installed = Path(sys.executable).parent / "hotfence-runc"
    assert installed.read_bytes() == SH_FRONT.read_bytes(), (
        f"{installed} is stale: pip install -e . again"
    )


def test_the_installed_front_refuses_a_create_an_invalid_policy_dir_stops(tmp_path):
    import os
    import subprocess
    import sys

    fake_runc = tmp_path / "runc"
    fake_runc.write_text('#!/bin/sh\necho "runc $*"\n')
    fake_runc.chmod(0o755)
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "bad.yaml").write_text("kind: [")  # the wrapper refuses every create
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "config.json").write_text("{}")
    env = {**os.environ, "HOTFENCE_STATE_DIR": str(tmp_path / "state" / "fence")}
    front = [str(Path(sys.executable).parent / "hotfence-runc"), "--policy-dir", str(policies),
             "--runc", str(fake_runc)]  # fmt: skip

    def sh(*args: str):
        return subprocess.run([*front, *args], capture_output=True, text=True, env=env)

    for args in (["--root", "/r", "--log", "create", "state", "x"], ["delete", "create"], []):
        proc = sh(*args)
        assert proc.returncode == 0 and proc.stdout == f"runc {' '.join(args)}\n", proc
    proc = sh("--root", "/r", "create", "--bundle", str(bundle), "id0")
    assert proc.returncode == 1 and "bad.yaml" in proc.stderr and proc.stdout == ""
    (policies / "bad.yaml").unlink()
    proc = sh("--root", "/r", "create", "--bundle", str(bundle), "id0")  # nothing selects it
    assert proc.returncode == 0 and proc.stdout == f"runc --root /r create --bundle {bundle} id0\n"
    assert json.loads((bundle / "config.json").read_text()) == {}  # untouched


# --- containerd: the wrapper as ctr's runc binary ---------------------------------------------


@pytest.fixture
def private_containerd(tmp_path):
    """A containerd of this test's own (root, state, socket, no CRI plugin) whose runtime
    environment names the policy directory and fence state, and a cgroup parent for its
    containers; stopped by its pid and cleaned up."""
    import os
    import shutil
    import signal
    import subprocess
    import time

    from docker_helpers import _remove_cgroup_parent, _unmount_under
    from kernel_helpers import cgroup2_mount

    if os.geteuid() != 0 or not (shutil.which("containerd") and shutil.which("ctr")):
        pytest.skip("needs root, containerd and ctr (Debian: containerd, with docker.io)")
    root = tmp_path / "ctd"
    (root / "policies").mkdir(parents=True)
    sock = root / "c.sock"
    (root / "config.toml").write_text(
        f'version = 2\nroot = "{root}/root"\nstate = "{root}/state"\n'
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
        f'[grpc]\n  address = "{sock}"\n[ttrpc]\n  address = "{sock}.ttrpc"\n'
    )
    env = {
        **os.environ,
        "HOTFENCE_POLICY_DIR": str(root / "policies"),
        "HOTFENCE_STATE_DIR": str(root / "hotfence" / "fence"),
    }
    parent = f"/hotfence-ctd-{os.getpid()}"
    (cgroup2_mount() / parent.lstrip("/")).mkdir()  # type: ignore[operator]
    with open(root / "containerd.log", "w") as log:
        proc = subprocess.Popen(
            ["containerd", "--config", str(root / "config.toml")],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    try:
        for _ in range(300):
            if sock.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert sock.exists(), (root / "containerd.log").read_text()[-2000:]
        yield root, sock, parent, env
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _unmount_under(root)
        _remove_cgroup_parent(parent)


@pytest.mark.kernel
@requires_cgroup_bpf
def test_ctr_run_with_the_wrapper_as_runc_fences_the_selected_container(private_containerd):
    import os
    import subprocess
    import sys
    import time

    from kernel_helpers import helper_binary

    root, sock, parent, env = private_containerd
    rootfs = root / "rootfs"
    rootfs.mkdir()
    (rootfs / "sockprobe").write_bytes(helper_binary("sockprobe", "-static").read_bytes())
    (rootfs / "sockprobe").chmod(0o755)
    (root / "policies" / "sel.yaml").write_text(
        selected(selector="{labels: {org.example/app: web}}")
    )
    wrapper = Path(sys.executable).parent / "hotfence-runc"

    def ctr_run(cid: str, app: str) -> list[str]:
        # The shim writes the output to a file it opens at create, and `--rm` waits for
        # that copy: ctr's own stdout is a FIFO it opens while the task starts, and a task
        # that exits first loses its output (containerd issue #770), as one CI run did.
        # The file has stderr too: the wrapper, run as runc create with the container's
        # stdio, says nothing there when it fenced as asked (the application's log is its
        # own).
        out = root / f"{cid}.out"
        proc = subprocess.run(
            ["ctr", "-a", str(sock), "-n", "hotfence-test", "run", "--rm",
             "--log-uri", f"file://{out}",
             "--runc-binary", str(wrapper), "--cgroup", f"{parent}/{cid}",
             "--annotation", f"org.example/app={app}", "--rootfs", str(rootfs),
             cid, "/sockprobe", *PROBE],
            capture_output=True, text=True, timeout=180, env=env,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        lines = out.read_text().splitlines()
        assert len(lines) == 5 and lines[4].startswith("pid "), lines
        return lines[:4]

    # The annotation selects it: every first call is fenced (cgroup-BPF and seccomp).
    assert [ctr_run(f"sel{i}", "web") for i in range(3)] == [FENCED] * 3
    # Not selected: untouched (AF_ALG may be missing in the kernel: anything but EPERM).
    raw6, alg, packet, udp = ctr_run("other", "db")
    assert raw6 == "ok" and alg != "errno 1" and packet == "ok" and udp == "ok"
    # Each fence went with its container (poststop, in the background).
    state_dir = Path(env["HOTFENCE_STATE_DIR"])
    deadline = time.monotonic() + 30
    while any(state_dir.glob("*/slot*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(state_dir.glob("*/slot*.json")), os.listdir(state_dir)


def test_plans_of_policy_files_that_are_gone_are_pruned(tmp_path, monkeypatch):
    from hotfence.fence.compiler import compile_file
    from hotfence.oci import prepared

    monkeypatch.setenv("HOTFENCE_STATE_DIR", str(tmp_path / "state" / "fence"))
    kept, gone = tmp_path / "kept.yaml", tmp_path / "gone.yaml"
    for p in (kept, gone):
        p.write_text(selected())
        prepared.store(str(p), prepared.stamp(str(p)), compile_file(p), "k", {})
    runtime = Path(prepared.runtime_dir())
    assert len(list(runtime.glob("plan-*.json"))) == 2
    (runtime / "plan-unreadable.json").write_text("{")
    gone.unlink()
    assert prepared.prune() == 2  # the deleted policy's plan and the unreadable one
    assert [p.name for p in runtime.glob("plan-*.json")] == [Path(prepared._path(str(kept))).name]
    assert prepared.load(str(kept)) is not None
