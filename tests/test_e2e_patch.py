"""End to end: a real socket-triggered crash -> triage names the known bug and its virtual
patch -> `hotfence patch apply` fences the trigger in a cgroup -> the crash is unreachable
there (issue 5, "end-to-end test").

The crash is the lab's ``socket-proto`` kind: the test module ``hotfence_crash`` registers
``socket(AF_INET, SOCK_DGRAM, 253)`` and its ``connect()`` dereferences NULL
(tests/lab/socket-proto.log, recorded from Debian's 6.1 kernel). Its catalogue entry,
``hotfence-lab-proto-253``, lives with the test data in tests/lab/known-bugs/.

* Host, no kernel: triage of the recorded log matches the entry with evidence and
  suggests ``hotfence patch apply hotfence-lab-proto-253``.
* Host kernel (6.18, outside the entry's 6.1 range): ``patch apply`` refuses and applies
  nothing; ``--force`` applies the cgroup-BPF fence anyway.
* The session's guest (Debian 6.1, the module inserted without triggering anything): the
  socket works in a test cgroup; an out-of-range apply changes nothing; the in-range
  ``patch apply`` makes socket() fail with EPERM inside the cgroup only, counted by
  ``fence counters``; finally connect() outside the cgroup crashes the kernel for real,
  and triage of that live console matches the same entry. The crash ends that guest, so
  the test takes ``disposable_guest`` and conftest.py runs it after the other guest tests.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from hotfence.cli import main
from kernel_helpers import requires_cgroup_bpf, scratch_cgroup

if TYPE_CHECKING:
    from hotfence.lab.guest import GuestSession

REPO = Path(__file__).resolve().parents[1]
# Runs in the guest: the errno of socket() for each (family, type, protocol), in a cgroup.
SOCKET_CALLS = REPO / "tests" / "guest" / "socket_calls.py"
LAB = REPO / "tests" / "lab"
KNOWN = LAB / "known-bugs"
BUG_ID = "hotfence-lab-proto-253"
RULE = "no-inet-dgram-253"
POLICY = "deny-inet-dgram-253"
EPERM, AF_INET, SOCK_DGRAM, IPPROTO_UDP, PROTO = 1, 2, 2, 17, 253


def cli(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


# ------------------------------------------------------------- triage suggests the patch --


def test_catalogue_entry_is_in_range_for_the_lab_kernel_only() -> None:
    from hotfence.known.catalog import load_catalog

    entry = load_catalog([KNOWN]).get(BUG_ID)
    assert entry.virtual_patch is not None
    assert entry.affects("6.1.0-56-amd64") is True
    assert entry.affects("6.18.44") is False and entry.affects("5.10.0-30-amd64") is False
    rules = entry.virtual_patch["spec"]["rules"]
    assert [r["socket"] for r in rules] == [
        {"family": "inet", "type": "dgram", "protocol": PROTO, "kern": "user"}
    ]


def test_triage_of_the_recorded_crash_names_the_bug_and_its_patch() -> None:
    code, out, err = cli(
        "triage",
        "--no-store",
        "-o",
        "json",
        "--known-bugs",
        str(KNOWN),
        str(LAB / "socket-proto.log"),
    )
    assert code == 0, err
    rep = json.loads(out)["files"][0]["reports"][0]
    assert (
        rep["title"]
        == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_proto_connect"
    )
    (match,) = [m for m in rep["known_bugs"] if m["bug_id"] == BUG_ID]
    evidence = " | ".join(match["evidence"])
    assert "faulting function hotfence_crash_proto_connect" in evidence
    assert "call trace has __sys_connect" in evidence
    assert re.search(r"title '.*' matches /", evidence)
    assert match["affected"] is True  # the log's kernel, 6.1.0-56-amd64
    assert any(
        m.startswith(f"virtual-patch: hotfence patch apply {BUG_ID} --cgroup")
        for m in match["mitigations"]
    )
    # and in the terminal report an operator reads
    code, text, _ = cli(
        "triage", "--no-store", "--known-bugs", str(KNOWN), str(LAB / "socket-proto.log")
    )
    assert code == 0 and f"known bug {BUG_ID}" in text and f"hotfence patch apply {BUG_ID}" in text


def test_without_the_lab_catalogue_the_crash_matches_nothing() -> None:
    # the evidence comes from the entry, not from the log alone
    code, out, err = cli("triage", "--no-store", "-o", "json", str(LAB / "socket-proto.log"))
    assert code == 0, err
    assert json.loads(out)["files"][0]["reports"][0]["known_bugs"] == []


# ------------------------------------------------------- host kernel: out of the range --


@pytest.mark.kernel
@requires_cgroup_bpf
def test_patch_apply_on_an_out_of_range_kernel_does_nothing_unless_forced() -> None:
    import os
    import platform

    from hotfence.fence.backends import cgroup as backend
    from hotfence.linux.kernelver import parse_version

    if (6, 1, 0) <= parse_version(f"{platform.release()} {platform.version()}") < (6, 2, 0):
        pytest.skip(
            f"host kernel {platform.release()} is inside the entry's range (covered in the guest)"
        )
    with scratch_cgroup("e2e") as cg:
        cg_id = os.stat(cg).st_ino
        code, out, err = cli(
            "patch", "apply", BUG_ID, "--cgroup", str(cg), "--known-bugs", str(KNOWN)
        )
        assert code == 1
        assert "outside the affected range [6.1.0, 6.2.0)" in err and "nothing applied" in err
        assert cg_id not in {a.cgroup_id for a in backend.applied()}
        code, out, err = cli(
            "patch", "apply", BUG_ID, "--cgroup", str(cg), "--known-bugs", str(KNOWN), "--force"
        )
        try:
            assert code == 0, err
            assert f"applied '{POLICY}'" in out
            (state,) = [a for a in backend.applied() if a.cgroup_id == cg_id]
            assert state.active and state.state.policy == POLICY
        finally:
            assert cli("fence", "remove", "--cgroup", str(cg))[0] == 0
        assert cg_id not in {a.cgroup_id for a in backend.applied()}


# ------------------------------------------------------------------ guest: the whole loop --

CRASH_CONNECT = (
    "import socket; "
    f"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, {PROTO}); s.connect(('127.0.0.1', 9))"
)


class E2EGuest:
    """The session's guest plus the crash module and the host-built BPF objects."""

    def __init__(self, session: GuestSession) -> None:
        from hotfence.bpf import build
        from hotfence.lab.crashlab import build_module
        from hotfence.lab.debkernel import prepare_kernel

        t0 = time.monotonic()
        self.kernel = prepare_kernel(with_headers=True)
        # Built on the host into the kernel's cache directory, which the guest reads
        # through its view of the host root, like the venv and the repository.
        self.module = build_module(self.kernel)
        # The host's CO-RE objects; HOTFENCE_BPF_BUILD points the guest's
        # build.object_path() at them.
        self.bpf_dir = build.objects_dir()
        self.prepare_seconds = time.monotonic() - t0
        self.session = session
        self.steps: list[tuple[str, float]] = []

    def sh(self, command: str, timeout: float = 300.0):
        res = self.session.run(
            f"export HOTFENCE_BPF_BUILD={self.bpf_dir}\n{command}",
            timeout=timeout,
            cwd=str(REPO),
        )
        self.steps.append((command.split("\n")[0][:60], res.seconds))
        return res

    def ok(self, command: str, timeout: float = 300.0) -> str:
        res = self.sh(command, timeout)
        assert res.exit_code == 0, (
            f"guest: {command}\nexit {res.exit_code}\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}"
        )
        return res.stdout

    def sockets(self, cgroup: str, calls: list[tuple[int, int, int]]) -> list[int]:
        out = self.ok(
            f"python3 {SOCKET_CALLS} {shlex.quote(cgroup)} {shlex.quote(json.dumps(calls))}"
        )
        return json.loads(out.strip().splitlines()[-1])


def oops_printed(console: str) -> bool:
    """The oops is on the console up to its last line.

    After "---[ end trace ]---" the kernel repeats the registers as an executive summary
    (oops_end() in arch/x86/kernel/dumpstack.c) ending with the CR2/CR3/CR4 line; the
    triage below reads the whole console, so it waits for that line, not a fixed time.
    """
    end = console.rfind("---[ end trace")
    return end >= 0 and re.search(r"CR2: \S+ CR3: \S+ CR4: \S+", console[end:]) is not None


@pytest.mark.guest
def test_virtual_patch_fences_the_socket_triggered_crash_in_a_guest(disposable_guest) -> None:
    g = E2EGuest(disposable_guest)
    t_boot = g.session.boot_seconds
    t0 = time.monotonic()
    apply_cmd = f"hotfence patch apply {BUG_ID} --known-bugs tests/lab/known-bugs --cgroup"
    try:
        assert g.ok("uname -r").strip() == g.kernel.kver
        # the module in, nothing triggered; the protocol is registered
        g.ok(f"insmod {g.module} && grep -q '^hotfence_crash ' /proc/modules")
        mount = g.ok("awk '$3 == \"cgroup2\" {print $2; exit}' /proc/mounts").strip()
        assert mount, "no cgroup2 mount in the guest"
        cg = f"{mount}/hotfence-e2e"
        g.ok(f"mkdir {cg}")
        calls = [(AF_INET, SOCK_DGRAM, PROTO), (AF_INET, SOCK_DGRAM, IPPROTO_UDP)]
        assert g.sockets(cg, calls) == [0, 0]  # reachable before the patch

        # an entry whose range excludes the kernel: says so, applies nothing
        res = g.sh(f"{apply_cmd} {cg} --kernel 5.10.0-30-amd64")
        assert res.exit_code == 1, res.stderr
        assert "outside the affected range" in res.stderr and "nothing applied" in res.stderr
        assert "no fence applied" in g.ok("hotfence fence status")
        assert g.sockets(cg, calls) == [0, 0]

        # the guest's own kernel (6.1) is in range: applies without --force
        out = g.ok(f"{apply_cmd} {cg}")
        assert f"applied '{POLICY}'" in out and "hotfence-e2e" in out
        assert g.sockets(cg, calls) == [EPERM, 0]  # the trigger is fenced, UDP is not
        assert g.sockets("", calls) == [0, 0]  # outside the cgroup: untouched

        status = g.ok("hotfence fence status")
        assert f"{cg} " in status and f"'{POLICY}'" in status and "all hooks attached" in status
        counts = json.loads(g.ok(f"hotfence fence counters -o json --cgroup {cg}"))
        rule = next(r for r in counts["rules"] if r["name"] == RULE)
        assert (rule["hits"], rule["denies"]) == (1, 1)  # the one socket(inet, dgram, 253) inside
        assert counts["lost_events"] == 0

        g.ok(f"hotfence fence remove --cgroup {cg} && rmdir {cg}")
        assert "no fence applied" in g.ok("hotfence fence status")

        # the crash is real: connect() outside any fence oopses in the module
        res = g.sh(f'python3 -c "{CRASH_CONNECT}"', timeout=120)
        assert res.exit_code != 0
        assert g.session.wait_console("RIP: 0010:hotfence_crash_proto_connect", 30), (
            g.session.console[-3000:]
        )
        deadline = time.monotonic() + 60
        while not oops_printed(g.session.console) and time.monotonic() < deadline:
            time.sleep(0.1)
        console = g.session.console
        assert oops_printed(console), console[-3000:]
    finally:
        g.session.close(grace=10)
    t_total = time.monotonic() - t0

    from hotfence.known.catalog import load_catalog
    from hotfence.known.match import CatalogMatcher
    from hotfence.lab.crashlab import clean_console
    from hotfence.triage.analyze import triage_text

    reports = triage_text(clean_console(console), catalog=CatalogMatcher(load_catalog([KNOWN])))
    rep = next(r for r in reports if r.rip and r.rip.function == "hotfence_crash_proto_connect")
    assert (
        rep.title
        == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_proto_connect"
    )
    assert [m.bug_id for m in rep.known_bugs] == [BUG_ID]
    assert rep.known_bugs[0].affected is True
    figure = (
        f"e2e guest: prepare {g.prepare_seconds:.1f} s, boot {t_boot:.1f} s, loop {t_total:.1f} s "
        f"(kernel {g.kernel.kver}); steps: " + ", ".join(f"{c!r} {s:.1f}s" for c, s in g.steps)
    )
    print("\n" + figure, file=sys.stderr)
