"""The crash lab's recorded logs (tests/lab/*.log, real serial consoles of Debian's 6.1
kernel under QEMU) against the facts in tests/lab/expected.yaml.

Three layers: plain-text facts (no parser involved); triage with
``hotfence.triage.parser.parse_log`` (tests named ``test_parse_log_*``); and one live
re-recording in a guest, which proves the lab itself still works.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import drgn
import pytest
import yaml

from hotfence.store import CrashStore
from hotfence.store.records import HostIdentity
from hotfence.triage import analyze, parser
from hotfence.triage.tostore import crash_record

LAB = Path(__file__).parent / "lab"
EXPECTED: dict[str, dict] = yaml.safe_load((LAB / "expected.yaml").read_text())["logs"]
KINDS = sorted(EXPECTED)


def _log(kind: str) -> str:
    return (LAB / EXPECTED[kind]["file"]).read_text()


def _base(function: str) -> str:
    """`out_of_memory.cold` -> `out_of_memory` (compiler clone suffixes)."""
    return function.split(".")[0]


# ------------------------------------------------------------- plain-text facts --


def test_every_log_has_facts_and_every_fact_a_log() -> None:
    logs = {p.name for p in LAB.glob("*.log")}
    assert logs == {e["file"] for e in EXPECTED.values()}
    from hotfence.lab.crashlab import KINDS as LAB_KINDS

    assert set(EXPECTED) == set(LAB_KINDS)  # every kind the lab knows is recorded


@pytest.mark.parametrize("kind", KINDS)
def test_recorded_log_shows_the_facts(kind: str) -> None:
    e, log = EXPECTED[kind], _log(kind)
    assert e["problems"] == [], f"{kind} was recorded with problems: {e['problems']}"
    for needle in e["must_contain"]:
        assert needle in log, f"{e['file']}: missing {needle!r}"
    # the real Debian kernel, as booted by the harness
    assert f"Linux version {e['kernel']}" in log
    assert "Debian" in log and "console=ttyS0" in log
    for word in e["cmdline_extra"]:
        assert word in log  # on the "Command line:" line
    assert ("Kernel panic - not syncing" in log) == e["panicked"]
    assert log.count("Out of memory: Killed process") >= e["min_oom_kills"]
    assert "\x1b" not in log  # terminal escapes stripped
    if e["function"]:
        assert e["function"] in log


def test_crash_kinds_are_the_ones_the_issue_asks_for() -> None:
    types = {EXPECTED[k]["type"] for k in KINDS}
    assert {"NULL-POINTER-DEREFERENCE", "BUG", "WARNING", "HANG", "DoS"} <= types
    # on 6.1 sysrq-c is a panic: no oops, no kernel-mode RIP (only the user-mode one)
    after = _log("sysrq-c").split("sysrq: Trigger a crash")[1]
    assert EXPECTED["sysrq-c"]["panicked"] and "Oops:" not in after and "RIP: 0010:" not in after
    assert not EXPECTED["warn"]["panicked"]
    assert EXPECTED["oom"]["min_oom_kills"] >= 3


def test_lab_rejects_a_log_that_lacks_its_facts() -> None:
    from hotfence.lab.crashlab import KINDS as LAB_KINDS
    from hotfence.lab.crashlab import check_log, clean_console

    null = LAB_KINDS["null-deref"]
    good = _log("null-deref")
    assert check_log(null, good, panicked=True) == []
    cut = good.replace("RIP: 0010:hotfence_crash_null_deref", "RIP: 0010:somewhere_else")
    assert check_log(null, cut, panicked=True) == ["missing 'RIP: 0010:hotfence_crash_null_deref'"]
    assert "the kernel did not panic" in check_log(null, good, panicked=False)
    oom = LAB_KINDS["oom"]
    assert any(
        "OOM kills" in p for p in check_log(oom, _log("oom").replace("Killed process", "X"), True)
    )
    assert clean_console("\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS") == "SeaBIOS"


# ------------------------------------------------------------ triage: parse_log --


def _report(kind: str):
    reports = parser.parse_log(_log(kind))
    assert reports, f"parse_log found no crash in {EXPECTED[kind]['file']}"
    return reports


@pytest.mark.parametrize("kind", KINDS)
def test_parse_log_title_and_type(kind: str) -> None:
    e = EXPECTED[kind]
    rep = _report(kind)[0]
    assert rep.title == e["title"]
    assert rep.type == e["type"]
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.kernel_release is None or e["kernel"] in rep.kernel_release


@pytest.mark.parametrize("kind", KINDS)
def test_parse_log_faulting_function(kind: str) -> None:
    e = EXPECTED[kind]
    rep = _report(kind)[0]
    if e["function_at"] == "rip":
        assert rep.rip is not None, "no RIP parsed"
        assert _base(rep.rip.function) == e["function"]
    else:
        assert e["function"] in [_base(f.function) for f in rep.frames]


@pytest.mark.parametrize("kind", [k for k in KINDS if EXPECTED[k]["fault_insn"]])
def test_triage_decodes_the_faulting_instruction(kind: str) -> None:
    """parse_log + the Code: disassembly (hotfence.triage.analyze.triage_text)."""
    rep = analyze.triage_text(_log(kind))[0]
    assert rep.code is not None and rep.code.error is None, "Code: bytes not decoded"
    faulting = [i.text for i in rep.code.instructions if i.faulting]
    assert len(faulting) == 1 and re.search(EXPECTED[kind]["fault_insn"], faulting[0]), faulting


def test_parse_log_sees_the_oom_cascade() -> None:
    # the kills differ only in their numbers: one entry of the context, counted
    # ("... (3 times, [4.181802] to [6.647962])", parser._Events.between)
    rep = _report("oom")[-1]
    (kills,) = [c for c in rep.context if "Killed process" in c]
    m = re.search(r" \((\d+) times, \[[\d.]+\] to \[[\d.]+\]\)$", kills)
    assert m is not None and int(m.group(1)) >= EXPECTED["oom"]["min_oom_kills"]
    assert int(m.group(1)) == _log("oom").count("Out of memory: Killed process")


def _rerun_noise(log: str, seed: int) -> str:
    """The same crash as another boot would print it: other timestamps, PIDs, addresses."""
    rnd = random.Random(seed)
    shift = rnd.uniform(1, 500)
    log = re.sub(r"\[ *(\d+\.\d+)\]", lambda m: f"[{float(m.group(1)) + shift:12.6f}]", log)
    log = re.sub(
        r"\b(PID: |pid:|\[sh:|task sh:)(\d+)",
        lambda m: m.group(1) + str(rnd.randint(100, 30000)),
        log,
    )
    return re.sub(
        r"\bffff[0-9a-f]{12}\b",
        lambda m: "ffff" + "".join(rnd.choice("0123456789abcdef") for _ in range(12)),
        log,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_parse_log_titles_dedup_across_reruns(kind: str) -> None:
    titles = {parser.parse_log(_rerun_noise(_log(kind), seed))[0].title for seed in range(3)}
    assert titles == {EXPECTED[kind]["title"]}


def test_crash_store_groups_reruns_of_each_lab_crash(tmp_path: Path) -> None:
    """Reruns (other timestamps/PIDs/addresses) group under one title per crash kind in
    the crash store; the very same log stored twice counts once. Kinds that crash in the
    same function (socket-proto and netns: hotfence_crash_proto_connect, reached from
    user space or from a pernet init) are one bug, so one group."""
    host = HostIdentity("lab", "lab-machine")
    with CrashStore.open(tmp_path / "crashes.sqlite") as store:
        for kind in KINDS:
            for seed in (None, 1, 2):
                text = _log(kind) if seed is None else _rerun_noise(_log(kind), seed)
                record = crash_record(parser.parse_log(text)[0], f"{kind}-{seed}")
                assert store.add(host, [record]) == 1
            again = crash_record(parser.parse_log(_log(kind))[0], "again")
            assert store.add(host, [again]) == 0
        groups = {g.title: g for g in store.groups()}
    assert set(groups) == {EXPECTED[k]["title"] for k in KINDS}
    kinds_per_title = Counter(EXPECTED[k]["title"] for k in KINDS)
    assert {t: g.count for t, g in groups.items()} == {t: 3 * n for t, n in kinds_per_title.items()}


# ------------------------------------------------------------ live re-recording --


@pytest.mark.guest
def test_lab_rerecords_a_crash_live(tmp_path: Path) -> None:
    """Builds hotfence_crash.ko against the Debian headers and crashes a fresh guest."""
    from hotfence.lab.crashlab import record

    (rec,) = record(["null-deref"], tmp_path, progress=print)
    assert rec.problems == []
    assert rec.panicked
    log = (tmp_path / rec.file).read_text()
    assert log != _log("null-deref")  # a real rerun: other timestamps, addresses
    assert parser.parse_log(log)[0].title == EXPECTED["null-deref"]["title"]
    written = yaml.safe_load((tmp_path / "expected.yaml").read_text())["logs"]
    assert written["null-deref"]["title"] == EXPECTED["null-deref"]["title"]


@pytest.fixture(scope="module")
def vmcore_capture(tmp_path_factory):
    from hotfence.lab.crashlab import take_vmcore

    cap = take_vmcore("panic", tmp_path_factory.mktemp("vmcore"), memory_mb=128)
    yield cap
    cap.vmcore.unlink()  # 128 MiB; pytest keeps old tmp dirs around


@pytest.mark.guest
def test_lab_takes_a_vmcore_with_vmcoreinfo(vmcore_capture) -> None:
    """A crashed guest's memory over QMP: an ELF core with the kernel's VMCOREINFO, which
    drgn recognises as a Linux kernel core."""
    from hotfence.lab.crashlab import read_vmcoreinfo

    cap = vmcore_capture
    with cap.vmcore.open("rb") as fh:
        assert fh.read(4) == b"\x7fELF"
    assert cap.vmcore.stat().st_size >= 128 << 20  # all guest RAM (paging: false)
    info = read_vmcoreinfo(cap.vmcore)
    assert info["OSRELEASE"] == cap.kernel
    assert "SYMBOL(init_uts_ns)" in info and "BUILD-ID" in info
    assert (
        "Kernel panic - not syncing: hotfence_crash: panic requested by sh" in cap.log.read_text()
    )
    assert cap.module is not None and cap.module.exists()
    prog = drgn.Program()
    prog.set_core_dump(str(cap.vmcore))
    assert prog.flags & drgn.ProgramFlags.IS_LINUX_KERNEL


@pytest.mark.guest
def test_vmcore_stack_with_the_debug_vmlinux(vmcore_capture) -> None:
    """With Debian's -dbg vmlinux (fetched once, then cached), drgn
    walks the crashed task's stack into the module with file:line."""
    from hotfence.lab.debkernel import GuestKernelError, prepare_debug_vmlinux, prepare_kernel

    try:
        vmlinux = prepare_debug_vmlinux(prepare_kernel(vmcore_capture.kernel))
    except GuestKernelError as exc:
        if "download" not in str(exc):
            raise  # fetched but unusable: a real failure
        pytest.skip(
            f"debug vmlinux linux-image-{vmcore_capture.kernel}-dbg absent and apt cannot fetch it: {exc}"
        )
    prog = drgn.Program()
    prog.set_core_dump(str(vmcore_capture.vmcore))
    prog.load_debug_info([str(vmlinux), str(vmcore_capture.module)])
    assert prog["init_uts_ns"].name.release.string_().decode() == vmcore_capture.kernel
    frames = {}
    for f in prog.crashed_thread().stack_trace():
        try:
            frames[f.name] = f.source()
        except LookupError:  # assembly entry stubs have a symbol but no DWARF line
            frames[f.name] = None
    assert "panic" in frames
    src_file, line, _col = frames["hotfence_crash_panic"]
    assert src_file == "src/hotfence/lab/module/hotfence_crash.c" and line > 0


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_lab_log_is_one_report(kind):
    """Each lab run crashes once: its panic ("Fatal exception" after the register dump
    that x86 prints again after the end trace) belongs to the oops, not a second report."""
    from hotfence.triage.parser import parse_log

    reports = parse_log((LAB / EXPECTED[kind]["file"]).read_bytes())
    assert len(reports) == 1, [r.title for r in reports]
