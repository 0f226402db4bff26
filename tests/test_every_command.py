"""Every `hotfence` command against docs/cli.md, found by walking the click group.

The commands are not listed by hand: a command added anywhere below `hotfence` fails
`test_every_command_is_exercised_here` until it is put in one of the groups below, each
of which is checked:

* RUN: run here, text piped at 80 columns: every id, path or title the next command
  needs (taken from the command's own `-o json`) is whole on one line; `-o json` stdout
  parses and stderr carries nothing of it.
* KERNEL: the same on the running kernel (root, cgroup-BPF), under the kernel marker.
* GUEST: need a QEMU guest or a crash dump, which the guest tests make (slow): the
  option is checked, and the command renders a capture of the real shape, piped, in
  text and JSON (the guest tests run the real thing).
* NO_DATA: write no data of their own (a REPL, a server, a command's own output):
  they have no `-o`, which is said here with the reason.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from hotfence.cli import main
from hotfence.known.catalog import load_catalog
from hotfence.lab.crashlab import KINDS
from kernel_helpers import requires_cgroup_bpf, run_socket_calls, scratch_cgroup

REPO = Path(__file__).resolve().parent.parent
LAB = REPO / "tests" / "lab"
WEB = str(REPO / "examples" / "policies" / "web-ports.yaml")
DENY_RAW6 = REPO / "examples" / "policies" / "deny-raw-icmpv6.yaml"
PSTORE = REPO / "tests" / "data" / "pstore" / "6.1.0-56-amd64" / "sysfs-pstore"
HOTFENCE = str(Path(sys.executable).parent / "hotfence")
RAW6 = ("socket", socket.AF_INET6, socket.SOCK_RAW, 58)

RUN = (
    "triage",
    "explain",
    "patch list",
    "patch show",
    "crashes",
    "collect",
    "lab kinds",
    "fence export",
)
KERNEL = (
    "fence apply",
    "fence status",
    "fence counters",
    "fence events",
    "fence prune",
    "fence remove",
    "fence run",
    "watch",
    "patch apply",
)
GUEST = ("lab record", "lab vmcore", "lab pstore", "lab kdump", "lab kernel", "vmcore kmem")
NO_DATA = {
    "fence exec": "runs CMD under seccomp: stdout is CMD's own",
    "lab run": "runs a command in the guest: stdout is that command's own",
    "vmcore shell": "an interactive drgn REPL",
    "serve": "a web server: its data is the HTTP API (/api, JSON)",
    "agent": "a service: its data is the Prometheus /metrics endpoint; logs go to stderr",
}


def walk(
    group: click.Group, ctx: click.Context, prefix: str = ""
) -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        path = f"{prefix} {name}".strip()
        if isinstance(cmd, click.Group):
            yield from walk(cmd, click.Context(cmd, parent=ctx, info_name=name), path)
        else:
            yield path, cmd


COMMANDS = dict(walk(main, click.Context(main, info_name="hotfence")))


def test_every_command_is_exercised_here() -> None:
    groups = [*RUN, *KERNEL, *GUEST, *NO_DATA]
    assert sorted(groups) == sorted(set(groups)), "a command is in two groups"
    assert sorted(COMMANDS) == sorted(groups)


def output_choices(cmd: click.Command) -> list[str] | None:
    option = next((p for p in cmd.params if "--output" in getattr(p, "opts", ())), None)
    if option is None:
        return None
    assert option.opts == ["-o", "--output"]
    assert isinstance(option.type, click.Choice)
    return list(option.type.choices)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_command_with_data_takes_o_json(path: str) -> None:
    choices = output_choices(COMMANDS[path])
    if path in NO_DATA:
        assert choices is None, f"{path} writes no data but takes -o"
    else:
        assert choices is not None and "json" in choices, f"{path}: no -o json"
        # text first (the default), except where the one form is already JSON
        assert choices[0] == ("docker-seccomp" if path == "fence export" else "text")


# --- running the commands ------------------------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The command piped (click's runner: stdout is not a terminal) at 80 columns."""
    result = CliRunner().invoke(
        main, list(args), prog_name="hotfence", env={"COLUMNS": "80", **(env or {})}
    )
    return result.exit_code, result.stdout, result.stderr


def whole_on_a_line(needle: str, text: str) -> bool:
    return any(needle in line for line in text.splitlines())


def check(
    args: list[str],
    needles: Callable[[Any], list[str]],
    stream: bool = False,
    between: Callable[[], object] | None = None,
) -> Any:
    """Run ``args`` as text and as ``-o json``; the JSON names what the text must keep whole.

    ``between`` runs after the JSON run (to undo it, for a command that changes things).
    Returns the parsed JSON (a list of objects for a stream: one per line).
    """
    code, out, err = run(*args, "-o", "json")
    assert code == 0, err
    data = [json.loads(line) for line in out.splitlines()] if stream else json.loads(out)
    if between is not None:
        between()
    code, text, err = run(*args)
    assert code == 0, err
    wanted = needles(data)
    assert wanted and all(wanted)  # the check means something
    for needle in wanted:
        assert whole_on_a_line(str(needle), text), f"{needle!r} not whole on a line:\n{text}"
    return data


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("every") / "crashes.sqlite")
    for name in ("null-deref.log", "socket-proto.log"):
        code, _, err = run("triage", "--db", db, "--host-id", "node-a", str(LAB / name))
        assert code == 0, err
    return db


def titles(data: dict[str, Any]) -> list[str]:
    return [r["title"] for f in data["files"] for r in f["reports"]]


RUN_CASES: dict[str, tuple[list[str], Callable[[Any], list[str]]]] = {
    "triage": (
        ["triage", "--no-store", str(LAB / "null-deref.log"), str(LAB / "socket-proto.log")],
        lambda d: [*titles(d), *(f["path"] for f in d["files"])],
    ),
    "explain": (
        ["explain", "--policy", WEB, "connect", "inet", "tcp", "80"],
        lambda d: [d["decision"]["rule"]["name"], d["decision"]["rule"]["source"]],
    ),
    "patch list": (["patch", "list", "--all"], lambda d: [e["id"] for e in d]),
    "patch show": (
        ["patch", "show", "nf-tables-verdict-cve-2024-1086"],
        lambda d: [d["id"], d["source"], *d["cve"]],
    ),
    "crashes": (["crashes"], lambda d: [g["title"] for g in d]),  # --db added below
    "collect": (
        ["collect", "--no-store-twice"],  # replaced below: the store is a fresh file
        lambda d: [d["sources"][0]["path"], *d["sources"][0]["titles"]],
    ),
    "lab kinds": (["lab", "kinds"], lambda d: [n for k in d for n in (k["kind"], k["title"])]),
}


@pytest.mark.parametrize("path", sorted(RUN))
def test_run_here_keeps_ids_whole_at_80_columns_and_json_parses(
    path: str, store: str, tmp_path: Path
) -> None:
    if path == "fence export":
        # The one form is JSON, on stdout; the coverage report goes to stderr.
        code, out, err = run("fence", "export", str(DENY_RAW6))
        assert code == 0 and "no-raw-icmpv6" in err
        assert json.loads(out)["defaultAction"] == "SCMP_ACT_ALLOW"
        assert json.loads(run("fence", "export", str(DENY_RAW6), "-o", "json")[1]) == json.loads(
            out
        )
        return
    args, needles = RUN_CASES[path]
    if path == "crashes":
        args = [*args, "--db", store]
    if path == "collect":
        args = ["collect", "--db", str(tmp_path / "c.sqlite"), "--host-id", "guest",
                "--no-journal", "--crash-dir", str(tmp_path), "--pstore-dir", str(PSTORE)]  # fmt: skip
    data = check(args, needles)
    if path == "triage":
        assert len(titles(data)) == 2
    if path == "patch list":
        assert {e["id"] for e in data} == set(load_catalog().entries)


# --- on the running kernel -------------------------------------------------------------------


def subprocess_lines(
    args: list[str], until: Callable[[str], bool], timeout: float = 30
) -> subprocess.Popen[str]:
    """Start `hotfence ARGS` and read stderr until a line satisfies ``until``."""
    proc = subprocess.Popen(
        [HOTFENCE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    while True:
        line = proc.stderr.readline()
        assert line, f"hotfence {' '.join(args)} ended: {proc.wait()}"
        if until(line):
            return proc
        assert time.monotonic() < deadline


@pytest.mark.kernel
@requires_cgroup_bpf
def test_fence_commands_on_the_kernel(tmp_path: Path) -> None:
    from hotfence.fence.backends import cgroup as cg_backend

    with scratch_cgroup("every") as cgroup:
        try:
            cg = str(cgroup)
            applied = check(
                ["fence", "apply", str(DENY_RAW6), "--cgroup", cg],
                lambda d: [d["cgroup"], d["pin_dir"], d["policy"]],
            )
            assert applied["backend"] == "cgroup-bpf"
            check(
                ["fence", "status", "--cgroup", cg],
                lambda d: [d["applied"][0]["state"]["cgroup"], d["applied"][0]["state"]["policy"]],
            )
            assert run_socket_calls(cgroup, [RAW6]).results == [errno.EPERM]
            counted = check(
                ["fence", "counters", "--cgroup", cg], lambda d: [r["name"] for r in d["rules"]]
            )
            assert counted["rules"][0]["denies"] == 1
            # The event waits in the ring for one reader: -o json takes it, text sees none
            # after; so a second call is made for the text form.
            code, out, err = run("fence", "events", "--cgroup", cg, "-o", "json", "--count", "1")
            assert code == 0, err
            (event,) = [json.loads(line) for line in out.splitlines()]
            assert (event["family_name"], event["hook_name"], event["verdict"]) == (
                "inet6", "socket_create", "deny"
            )  # fmt: skip
            assert run_socket_calls(cgroup, [RAW6]).results == [errno.EPERM]
            code, text, err = run("fence", "events", "--cgroup", cg, "--count", "1")
            assert code == 0, err
            for needle in (f"cgroup={cg}", "rule=no-raw-icmpv6 (", event["time"][:10]):
                assert whole_on_a_line(needle, text), text
            code, out, err = run("fence", "prune", "--dry-run", "-o", "json")
            assert code == 0 and json.loads(out)["dry_run"] is True, err
            removed = check(
                ["fence", "remove", "--cgroup", cg],
                lambda d: [str(d["cgroup"])],
                between=lambda: run("fence", "apply", str(DENY_RAW6), "--cgroup", cg),
            )
            assert removed["removed"]
        finally:
            cg_backend.remove(cgroup)


@pytest.mark.kernel
@requires_cgroup_bpf
def test_fence_run_and_watch_streams_on_the_kernel() -> None:
    with scratch_cgroup("every-run") as cgroup:
        for output in ("json", "text"):
            proc = subprocess_lines(
                ["fence", "run", str(DENY_RAW6), "--cgroup", str(cgroup), "-o", output],
                lambda line: ": enforcing " in line,
            )
            assert run_socket_calls(cgroup, [RAW6]).results == [errno.EPERM]
            assert proc.stdout is not None
            line = proc.stdout.readline()
            proc.send_signal(signal.SIGINT)
            rest, err = proc.communicate(timeout=30)
            assert proc.returncode == 130, err
            if output == "json":
                assert json.loads(line)["rule"] == "no-raw-icmpv6" and rest == ""
            else:
                assert f"cgroup={cgroup} " in line and "rule=no-raw-icmpv6 (" in line
        for output in ("json", "text"):
            proc = subprocess_lines(
                ["watch", "--cgroup", str(cgroup), "--count", "1", "-o", output],
                lambda line: "tracing socket()" in line,
            )
            child = run_socket_calls(cgroup, [RAW6], netns=False)  # no `ip` netlink socket
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == 0, err
            (line,) = out.splitlines()
            if output == "json":
                assert json.loads(line)["tgid"] == child.pid
            else:
                assert f"cgroup=/{cgroup.name} " in line and f"pid={child.pid} " in line


@pytest.mark.kernel
@requires_cgroup_bpf
def test_patch_apply_on_the_kernel() -> None:
    from hotfence.fence.backends import cgroup as cg_backend

    # The lab's bug: its patch denies an inet socket, which cgroup-BPF enforces here.
    bug, known = "hotfence-lab-proto-253", str(LAB / "known-bugs")
    with scratch_cgroup("every-patch") as cgroup:
        try:
            args = [
                "patch",
                "apply",
                bug,
                "--known-bugs",
                known,
                "--cgroup",
                str(cgroup),
                "--force",
            ]
            code, out, err = run(*args, "-o", "json")
            assert code == 0, err
            data = json.loads(out)
            assert data["bug_id"] == bug and data["cgroup"] == str(cgroup)
            code, text, err = run(*args)  # again: swaps the same policy in
            assert code == 0, err
            assert whole_on_a_line(str(cgroup), text) and whole_on_a_line(data["pin_dir"], text)
        finally:
            cg_backend.remove(cgroup)


# --- commands that need the guest: their rendering of a capture of the real shape ----------


def test_lab_record_renders_its_recordings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hotfence.lab import crashlab

    recs = [_recording(k) for k in ("null-deref", "warn")]

    def record(kinds, out, kver, progress=print):
        for r in recs:
            progress(f"{r.kind}: {out / r.file} in {r.seconds} s ok")
        return recs

    monkeypatch.setattr(crashlab, "record", record)
    data = check(
        ["lab", "record", "--kind", "null-deref", "--kind", "warn", "--out", str(tmp_path)],
        lambda d: [str(tmp_path / r["file"]) for r in d],
    )
    assert [r["title"] for r in data] == [KINDS["null-deref"].title, KINDS["warn"].title]
    code, _, err = run("lab", "record", "--kind", "nul-deref", "--out", str(tmp_path))
    assert code == 2 and "did you mean null-deref?" in err


def _recording(kind: str) -> Any:
    """A recording as `lab record` made it, from what tests/lab/expected.yaml keeps."""
    import yaml

    from hotfence.lab.crashlab import Recording

    facts = yaml.safe_load((LAB / "expected.yaml").read_text())["logs"][kind]
    names = {f.name for f in dataclasses.fields(Recording)}
    fields = {k: v for k, v in facts.items() if k in names}
    return Recording(**{"kind": kind, "kernel": "6.1.0-56-amd64", "seconds": 21.5, **fields})


def test_lab_vmcore_pstore_kdump_kernel_render(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from hotfence.lab import cli as lab_cli
    from hotfence.lab import crashlab, kdump, pstore
    from hotfence.lab.debkernel import GuestKernel

    core = tmp_path / "null-deref.vmcore"
    core.write_bytes(b"\0" * 4096)
    log = tmp_path / "null-deref.vmcore.log"
    cap = crashlab.VmcoreCapture(core, log, "6.1.0-56-amd64", "null-deref", 12.5, None)
    monkeypatch.setattr(crashlab, "take_vmcore", lambda *a, **k: cap)
    monkeypatch.setattr(
        crashlab, "read_vmcoreinfo", lambda p: {"OSRELEASE": "6.1.0-56-amd64", "BUILD-ID": "ab12"}
    )
    check(
        ["lab", "vmcore", "--out", str(tmp_path)],
        lambda d: [d["vmcore"], d["log"], d["release"], d["build_id"]],
    )

    records = {"dmesg-ramoops-0": (PSTORE / "dmesg-ramoops-0").read_bytes()}
    monkeypatch.setattr(
        pstore, "capture", lambda kver: pstore.PstoreCapture("6.1.0-56-amd64", records, "")
    )
    check(
        ["lab", "pstore", "--out", str(tmp_path / "p")], lambda d: [f["path"] for f in d["files"]]
    )

    capture_dir = REPO / "tests" / "data" / "kdump" / "6.1.0-56-amd64"
    files = {
        str(p.relative_to(capture_dir)): p.read_bytes()
        for p in sorted((capture_dir / "var-crash").rglob("*"))
        if p.is_file()
    }
    assert files, f"no kdump capture under {capture_dir}"
    monkeypatch.setattr(
        kdump, "capture", lambda kver: kdump.KdumpCapture("6.1.0-56-amd64", files, "", 41.0)
    )
    check(["lab", "kdump", "--out", str(tmp_path / "d")], lambda d: [f["path"] for f in d["files"]])

    root = tmp_path / "k" / "6.1.0-56-amd64"
    kernel = GuestKernel(kver="6.1.0-56-amd64", root=root, vmlinux=root / "vmlinux")
    monkeypatch.setattr(lab_cli, "prepare_kernel", lambda kver: kernel)
    monkeypatch.setattr(lab_cli, "kvm_usable", lambda: (False, "/dev/kvm absent"))
    check(["lab", "kernel"], lambda d: [d["kernel"], d["vmlinux"], d["modules"]])


def test_vmcore_kmem_renders_address_info(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hotfence.triage import vmcore, vmcore_system

    slab = vmcore_system.SlabInfo(
        address=0xFFFF888004A00010,
        cache="net_namespace",
        object_address=0xFFFF888004A00000,
        allocated=True,
    )
    info = vmcore_system.AddressInfo(
        address=0xFFFF888004A00010, kind="slab", slab=slab, symbol=None,
        page=0xFFFFEA0000128000, pfn=0x4A00, page_flags="PG_slab",
    )  # fmt: skip
    monkeypatch.setattr(vmcore, "open_vmcore", lambda *a: (None, None))
    monkeypatch.setattr(vmcore, "find_module_files", lambda *a: [])
    monkeypatch.setattr(vmcore_system, "address_info", lambda prog, value: info)
    core = tmp_path / "core"
    check(
        ["vmcore", "kmem", str(core), "--vmlinux", str(core), "ffff888004a00010"],
        lambda d: [f"{d[0]['slab']['object_address']:016x}", d[0]["slab"]["cache"]],
    )
