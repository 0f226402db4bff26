"""seccomp backend: real socket() calls in a confined child vs. CompiledPolicy.decide_create.

The child loads the filter, execs a fresh Python that makes raw socket(2) system calls
(with SOCK_CLOEXEC / SOCK_NONBLOCK and garbage in the upper register half mixed in) and
prints the errnos as JSON.  The same calls made by an unconfined process give what the
kernel does without the fence: a call the policy denies must fail with the configured
errno in the child, every other call must behave exactly as unconfined.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotfence.fence import libseccomp as scmp
from hotfence.fence import model
from hotfence.fence.backends import seccomp as backend
from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    Action,
    CompiledPolicy,
    CreateKey,
    Hook,
    PortKey,
    RuleInfo,
    Verdict,
)
from hotfence.fence.compiler import compile_file

SOCK_CLOEXEC, SOCK_NONBLOCK = 0o2000000, 0o4000
U32 = 0xFFFFFFFF

# Raw syscalls through ctypes so that flags and the upper 32 bits reach the kernel as given.
PROBE = textwrap.dedent("""
    import ctypes, json, os, sys
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    NR = {"socket": 41, "socketpair": 53, "io_uring_setup": 425}
    out = []
    for name, a, b, c in json.loads(sys.argv[1]):
        pair = (ctypes.c_int * 2)()
        extra = [ctypes.byref(pair)] if name == "socketpair" else []
        if name == "io_uring_setup":
            params = ctypes.create_string_buffer(120)
            rc = libc.syscall(NR[name], ctypes.c_long(a), params)
        else:
            rc = libc.syscall(NR[name], ctypes.c_long(a), ctypes.c_long(b), ctypes.c_long(c), *extra)
        out.append(0 if rc >= 0 else ctypes.get_errno())
        if rc >= 0:
            for fd in ([pair[0], pair[1]] if name == "socketpair" else [rc]):
                os.close(fd)
    print(json.dumps(out))
""")

# Loads the filter for a policy given as JSON, then execs the probe: the fence must
# survive exec, as it does for `hotfence fence exec`.
CONFINE = textwrap.dedent("""
    import json, os, sys
    from hotfence.fence.backends import seccomp as seccomp_backend
    from hotfence.fence.compiled import Action, CompiledPolicy, CreateKey, RuleInfo, Verdict
    d = json.loads(sys.argv[1])
    policy = CompiledPolicy(
        name="t", enforce=d["enforce"], default=Action(d["default"]),
        rules=[RuleInfo(i, f"rules[{i}]", "test", "t") for i in range(len(d["create"]))],
        create={CreateKey(*k): Verdict(i, Action(a)) for i, (k, a) in enumerate(d["create"])},
    )
    seccomp_backend.install(policy, d["errno"], allow_partial=True)
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[2], sys.argv[3]])
""")


def probe(calls: list[tuple[str, int, int, int]]) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(calls)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def probe_confined(
    policy: CompiledPolicy, deny_errno: int, calls: list[tuple[str, int, int, int]]
) -> list[int]:
    spec = {
        "enforce": policy.enforce,
        "default": int(policy.default),
        "errno": deny_errno,
        "create": [
            [[k.family, k.type, k.protocol, k.kern], int(v.action)]
            for k, v in policy.create.items()
        ],
    }
    out = subprocess.run(
        [sys.executable, "-c", CONFINE, json.dumps(spec), PROBE, json.dumps(calls)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def policy_of(
    create: dict[CreateKey, Action], default: Action = Action.ALLOW, enforce: bool = True
) -> CompiledPolicy:
    keys = list(create)
    return CompiledPolicy(
        name="t",
        enforce=enforce,
        default=default,
        rules=[
            RuleInfo(i, f"rules[{i}]", "test", "t", frozenset({Hook.SOCKET_CREATE}))
            for i in range(len(keys))
        ],
        create={k: Verdict(i, a) for i, (k, a) in enumerate(create.items())},
    )


def expected_action(policy: CompiledPolicy, family: int, type_: int, protocol: int) -> Action:
    """The LSM backend's verdict, i.e. for what security_socket_create() is called with."""
    family, type_ = family & U32, type_ & 0xF  # the kernel takes ints; flags are masked off
    if (family, type_) == (2, 10):  # __sock_create: (AF_INET, SOCK_PACKET) becomes AF_PACKET
        family = 17
    if family in (2, 10) and protocol == 0 and type_ in (1, 2):  # looked up as TCP / UDP
        protocol = 6 if type_ == 1 else 17
    if family == 17:  # fence_lsm.bpf.c: packet_create keeps 16 bits of an ethertype
        protocol &= 0xFFFF
    return policy.effective_action(policy.decide_create(family, type_, protocol, False))


def expected_denied(policy: CompiledPolicy, family: int, type_: int, protocol: int) -> bool:
    return policy.enforce and expected_action(policy, family, type_, protocol) == Action.DENY


# Families the host kernel has (unix, inet, inet6, netlink, packet, alg, vsock) and one
# it does not; types and protocols that mean something for several of them.
FAMILIES = [1, 2, 10, 16, 17, 38, 40, 44]
TYPES = [1, 2, 3, 5, 10]
PROTOS = [0, 1, 6, 17, 58, 768]  # 768 = htons(ETH_P_ALL) for packet sockets

keys = st.builds(
    CreateKey,
    family=st.sampled_from(FAMILIES + [ANY]),
    type=st.sampled_from(TYPES + [ANY]),
    protocol=st.sampled_from(PROTOS + [ANY]),
    kern=st.sampled_from([0, 1, ANY_KERN]),
).map(
    lambda k: k if k.family != ANY else CreateKey(ANY, ANY, ANY, k.kern)
)  # only shape the lookup tries
policies = st.builds(
    policy_of,
    st.dictionaries(keys, st.sampled_from(list(Action)), min_size=1, max_size=8),
    st.sampled_from([Action.ALLOW, Action.DENY]),
    st.booleans(),
)
FLAGS = [0, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_CLOEXEC | SOCK_NONBLOCK]


@st.composite
def grid_calls(draw: st.DrawFn) -> list[tuple[str, int, int, int]]:
    """Every grid triple once, each made through socket() or socketpair(), with drawn
    SOCK_* flags and (sometimes) garbage in the upper half of the family register."""
    out = []
    for f in FAMILIES:
        for t in TYPES:
            for p in PROTOS:
                name = draw(st.sampled_from(["socket", "socket", "socket", "socketpair"]))
                high = draw(st.sampled_from([0, 0, 0xDEAD])) << 32
                out.append((name, f | high, t | draw(st.sampled_from(FLAGS)), p))
    return out


def test_complement_is_exact() -> None:
    for points, width in [([6], U32), ([], 0xF), ([1, 2, 3, 5], 0xF), ([0, 255, 65534], 0xFFFF)]:
        blocks = backend.complement(points, width)
        for v in list(range(0, 300)) + [65533, 65534, 65535, width]:
            if v > width:
                continue
            hits = sum(b.contains(v) for b in blocks)
            assert hits == (0 if v in points else 1), (points, v)
    assert len(backend.complement([6])) <= 62


def seccomp_action(policy: CompiledPolicy, action: Action, deny_errno: int = errno.EPERM) -> int:
    if action == Action.ALLOW:
        return scmp.ACT_ALLOW
    return scmp.act_errno(deny_errno) if action == Action.DENY and policy.enforce else scmp.ACT_LOG


def grid(extra: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Every (family, type, protocol) the policies can name, plus drawn odd values."""
    return [(f, t, p) for f in FAMILIES for t in TYPES for p in PROTOS] + extra


odd_calls = st.lists(
    st.tuples(st.integers(0, 64), st.integers(0, 15), st.integers(0, 0xFFFF_FFFF)), max_size=20
)


def test_packet_protocols_are_compared_on_the_16_bits_the_kernel_keeps():
    """packet_create keeps an ethertype's 16 bits: 0x10300 is 0x0300 and 0x10000 is 0, for
    the filter as for the BPF programs (found by hypothesis: (17, 0, 0x10000) was denied by
    the default where the LSM fence allows protocol 0)."""
    policy = policy_of(
        {CreateKey(17, ANY, 0, ANY_KERN): Action.ALLOW,
         CreateKey(17, ANY, 0x0300, ANY_KERN): Action.DENY},
        default=Action.DENY,
    )  # fmt: skip
    p = backend.plan(policy, errno.EPERM)
    deny, allow = scmp.act_errno(errno.EPERM), scmp.ACT_ALLOW
    for proto, want in ((0, allow), (0x10000, allow), (0x0300, deny), (0x10300, deny),
                        (0xFFFF0300, deny), (0x0301, deny), (0x10301, deny)):  # fmt: skip
        assert p.action_for(17, 3, proto) == want, hex(proto)
        assert p.action_for(2, 10, proto) == want, hex(proto)  # (AF_INET, SOCK_PACKET)


@settings(max_examples=200, deadline=None)
@given(
    policies,
    odd_calls,
    st.integers(0, 0xFFFF_FFFF),
    st.sampled_from([0, SOCK_CLOEXEC, SOCK_NONBLOCK]),
)
def test_plan_equals_decide_create(
    policy: CompiledPolicy, extra: list[tuple[int, int, int]], high: int, flags: int
) -> None:
    """Pure check of the cell construction on every call the drawn policy can name."""
    p = backend.plan(policy, errno.EPERM)
    for f, t, proto in grid(extra):
        got = p.action_for(f | (high << 32), t | flags, proto)
        assert got == seccomp_action(policy, expected_action(policy, f, t, proto)), (f, t, proto)


@settings(max_examples=60, deadline=None)
@given(policies, odd_calls, st.sampled_from([0, SOCK_CLOEXEC, SOCK_NONBLOCK]))
def test_plan_agrees_with_reference_model_lsm_hook(
    policy: CompiledPolicy, extra: list[tuple[int, int, int]], flags: int
) -> None:
    """Where the reference model's socket path reaches security_socket_create, seccomp's
    action is the policy decision the model makes there for the LSM backend."""
    p = backend.plan(policy, errno.EPERM)
    for f, t, proto in grid(extra):
        explained = model.explain_socket(
            model.SocketCall(f, t | flags, proto), policy, model.Backend.LSM
        )
        if explained.decision is None:  # the kernel fails the call before the hook (EINVAL, ...)
            continue
        assert p.action_for(f, t | flags, proto) == seccomp_action(
            policy, explained.decision.action
        ), (f, t, proto)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(policies, grid_calls())
def test_kernel_errno_equals_decide_create(
    policy: CompiledPolicy, cs: list[tuple[str, int, int, int]]
) -> None:
    deny_errno = errno.EHOSTDOWN  # not something socket() returns on its own
    free = probe(cs)
    fenced = probe_confined(policy, deny_errno, cs)
    for call, got, base in zip(cs, fenced, free):
        want = deny_errno if expected_denied(policy, *call[1:]) else base
        assert got == want, f"{call}: confined errno {got}, expected {want} (unconfined {base})"
        assert base != deny_errno


def test_deny_raw_icmpv6_eperm_in_child_only() -> None:
    policy = policy_of({CreateKey(10, 3, 58, ANY_KERN): Action.DENY})
    raw6 = ("socket", 10, 3, 58)
    cs = [
        raw6,
        ("socket", 10, 3 | SOCK_CLOEXEC | SOCK_NONBLOCK, 58),
        ("socket", 10 | (1 << 40), 3, 58),
        ("socket", 10, 2, 17),
        ("socket", 2, 3, 1),
    ]
    assert probe_confined(policy, errno.EPERM, cs) == [errno.EPERM, errno.EPERM, errno.EPERM, 0, 0]
    assert probe(cs) == [0, 0, 0, 0, 0]  # the parent side is untouched


def test_default_deny_with_allowed_family_covers_socketpair_and_io_uring() -> None:
    policy = policy_of({CreateKey(2, ANY, ANY, 0): Action.ALLOW}, default=Action.DENY)
    cs = [
        ("socket", 2, 1, 0),
        ("socket", 1, 1, 0),
        ("socketpair", 1, 1, 0),
        ("io_uring_setup", 4, 0, 0),
    ]
    assert probe_confined(policy, errno.EACCES, cs) == [0, errno.EACCES, errno.EACCES, errno.EACCES]


def test_audit_mode_denies_nothing() -> None:
    policy = policy_of(
        {CreateKey(10, 3, 58, ANY_KERN): Action.DENY}, default=Action.DENY, enforce=False
    )
    cs = [("socket", 10, 3, 58), ("socket", 1, 1, 0), ("io_uring_setup", 4, 0, 0)]
    assert probe_confined(policy, errno.EPERM, cs) == probe(cs)
    assert {c.action for c in backend.plan(policy).cells} == {scmp.ACT_LOG}


def test_coverage_marks_kern_and_port_rules_unenforceable() -> None:
    rules = [
        RuleInfo(
            0,
            "raw6",
            "p.yaml:3",
            "deny socket(inet6, raw, icmpv6)",
            frozenset({Hook.SOCKET_CREATE}),
        ),
        RuleInfo(1, "kalg", "p.yaml:7", "deny kernel socket(alg)", frozenset({Hook.SOCKET_CREATE})),
        RuleInfo(2, "no22", "p.yaml:11", "deny connect tcp 22", frozenset({Hook.CONNECT})),
    ]
    policy = CompiledPolicy(
        name="p",
        enforce=True,
        default=Action.ALLOW,
        rules=rules,
        create={
            CreateKey(10, 3, 58, ANY_KERN): Verdict(0, Action.DENY),
            CreateKey(38, ANY, ANY, 1): Verdict(1, Action.DENY),
        },
        ports={PortKey(int(Hook.CONNECT), 2, 6, 22): Verdict(2, Action.DENY)},
    )
    p = backend.plan(policy)
    assert [c.enforceable for c in p.coverage] == [True, False, False]
    assert "kernel sockets" in p.coverage[1].how and "sockaddr" in p.coverage[2].how
    with pytest.raises(backend.UnenforceableError, match=r"kalg \(p.yaml:7\).*no22 \(p.yaml:11\)"):
        backend.install(policy)  # raises before loading anything into this process
    assert any("socketcall" in n for n in p.notes)


def test_filter_sets_badarch_errno_and_nnp() -> None:
    p = backend.plan(policy_of({CreateKey(38, ANY, ANY, ANY_KERN): Action.DENY}))
    with backend.build_filter(p) as filt:
        pfc = filt.export_pfc()
        bpf = filt.export_bpf()
    assert "action ERRNO(38);" in pfc.split("# invalid architecture action")[1]  # ENOSYS
    assert '"socket"' in pfc and '"socketpair"' in pfc
    assert len(bpf) % 8 == 0 and len(bpf) // 8 <= backend.BPF_MAXINSNS


IA32_GETPID = r"""
#include <stdio.h>
int main(void) {
    long ret;
    /* ia32 getpid (nr 20) through int 0x80 from a 64-bit process */
    __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    printf("%ld\n", ret);
    return 0;
}
"""


def test_ia32_syscalls_fail_with_enosys(tmp_path: Path) -> None:
    src, exe = tmp_path / "ia32.c", tmp_path / "ia32"
    src.write_text(IA32_GETPID)
    subprocess.run(["gcc", "-O0", "-o", str(exe), str(src)], check=True, timeout=60)
    assert int(subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout) > 0
    code = textwrap.dedent(f"""
        import os
        from hotfence.fence.backends import seccomp as b
        from hotfence.fence.compiled import Action, CompiledPolicy, CreateKey, Verdict
        b.install(CompiledPolicy("t", True, Action.ALLOW, [], {{CreateKey(38, 0xFFFF, 0xFFFF, 2): Verdict(0, Action.DENY)}}))
        os.execv({str(exe)!r}, [{str(exe)!r}])
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == -errno.ENOSYS


# --- `hotfence fence exec` end to end, with policy files through the real compiler ------

REPO = Path(__file__).resolve().parents[1]
HOTFENCE = [sys.executable, "-c", "from hotfence.cli import main; main()"]


def fence_exec(*args: str, no_caps: bool = False) -> subprocess.CompletedProcess[str]:
    # Dropping every capability (bounding set included) rather than switching uid keeps
    # the venv, which may live under /root, readable while CAP_SYS_ADMIN is gone.
    prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"] if no_caps else []
    return subprocess.run(
        [*prefix, *HOTFENCE, "fence", "exec", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_cli_deny_raw_icmpv6_with_flags_and_custom_errno() -> None:
    cs = [("socket", 10, 3, 58), ("socket", 10, 3 | SOCK_NONBLOCK, 58), ("socket", 10, 2, 17)]
    out = fence_exec(
        "examples/policies/deny-raw-icmpv6.yaml",
        "--errno",
        "EACCES",
        "--",
        sys.executable,
        "-c",
        PROBE,
        json.dumps(cs),
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [errno.EACCES, errno.EACCES, 0]
    assert "enforced     no-raw-icmpv6" in out.stderr and "fails with EACCES" in out.stderr
    assert probe(cs) == [0, 0, 0]


def test_cli_works_without_privileges() -> None:
    cs = [("socket", 38, 5, 0), ("socket", 1, 1, 0)]
    out = fence_exec(
        "examples/policies/deny-af-alg.yaml",
        "--",
        sys.executable,
        "-c",
        PROBE + "\nst = open('/proc/self/status').read()"
        "\nprint(st.split('NoNewPrivs:')[1].split()[0], st.split('CapEff:')[1].split()[0])",
        json.dumps(cs),
        no_caps=True,
    )
    assert out.returncode == 0, out.stderr
    errnos, status = out.stdout.splitlines()
    assert json.loads(errnos) == [errno.EPERM, 0] and status == "1 0000000000000000"


def test_cli_refuses_unenforceable_rules_unless_allow_partial(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    out = fence_exec("examples/policies/web-ports.yaml", "--", "touch", str(marker))
    assert out.returncode == 1 and not marker.exists()
    assert "NOT ENFORCED listen-web" in out.stderr and "web-ports.yaml:11" in out.stderr
    assert "--allow-partial" in out.stderr
    out = fence_exec(
        "examples/policies/web-ports.yaml", "--allow-partial", "--", "touch", str(marker)
    )
    assert out.returncode == 0 and marker.exists()


def test_cli_kernel_rule_is_unenforceable(tmp_path: Path) -> None:
    policy = tmp_path / "kern.yaml"
    policy.write_text(
        textwrap.dedent("""\
        apiVersion: hotfence/v1
        kind: SocketPolicy
        metadata: {name: kern}
        spec:
          mode: enforce
          default: allow
          rules:
            - name: no-kernel-alg
              action: deny
              socket: {family: alg, kern: kernel}
    """)
    )
    out = fence_exec(str(policy), "--", "true")
    assert out.returncode == 1
    assert "NOT ENFORCED no-kernel-alg" in out.stderr and "kernel sockets" in out.stderr
    assert "kern.yaml:8" in out.stderr  # the rule starts on line 8


def test_cli_audit_mode_logs_only() -> None:
    cs = [("socket", 17, 3, 0), ("socket", 2, 3, 1)]
    out = fence_exec(
        "examples/policies/audit-raw.yaml", "--", sys.executable, "-c", PROBE, json.dumps(cs)
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == probe(cs) == [0, 0]
    assert "logged (SCMP_ACT_LOG)" in out.stderr


def test_cli_bad_errno_and_missing_command() -> None:
    out = fence_exec("examples/policies/deny-af-alg.yaml", "--errno", "EBOGUS", "--", "true")
    assert out.returncode == 2 and "--errno" in out.stderr
    out = fence_exec("examples/policies/deny-af-alg.yaml")
    assert out.returncode == 2 and "missing CMD" in out.stderr
    out = fence_exec("examples/policies/deny-af-alg.yaml", "--", "/nonexistent/cmd")
    assert out.returncode == 127 and "cannot run" in out.stderr


def test_export_needs_no_temporary_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    # A container whose /tmp is unusable: tempfile would fail; the export must not care.
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", "/nonexistent-hotfence-tmp")
    p = backend.plan(compile_file(REPO / "examples/policies/deny-af-alg.yaml"))
    with backend.build_filter(p) as filt:
        via_memfd = filt.export_bpf()
        assert len(via_memfd) % 8 == 0 and via_memfd
        # and where memfd_create is refused (old kernel, a seccomp profile): a pipe
        monkeypatch.setattr(os, "memfd_create", _refused)
        assert filt.export_bpf() == via_memfd
        assert "socket" in filt.export_pfc()


def _refused(*_args: object) -> int:
    raise OSError(errno.ENOSYS, "memfd_create refused")


def test_cli_refuses_container_clients(tmp_path: Path) -> None:
    for client in ("docker", "/usr/bin/podman", "nerdctl"):
        out = fence_exec("examples/policies/deny-af-alg.yaml", "--", client, "run", "img")
        assert out.returncode == 1
        assert "is a container client" in out.stderr and "fence only the client" in out.stderr
        assert "docker-seccomp" in out.stderr
    # A symlink with another name to a client is a client too.
    link = tmp_path / "dkr"
    link.symlink_to(shutil.which("docker") or "/usr/bin/docker")
    out = fence_exec("examples/policies/deny-af-alg.yaml", "--", str(link), "version")
    assert out.returncode == 1 and "(docker)" in out.stderr
    # --client-ok: the operator means the client itself.
    out = fence_exec(
        "examples/policies/deny-af-alg.yaml", "--client-ok", "--", str(link), "--version"
    )
    assert out.returncode == 0 and "Docker version" in out.stdout
