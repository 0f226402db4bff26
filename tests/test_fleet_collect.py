"""`hotfence collect`: kdump, pstore and previous-boot journal sources, each crash once.

The sources are laid out as the kernel and kdump leave them, from logs the crash lab
recorded from real Debian kernels (tests/lab): vmcore-dmesg.txt holds the `[ time]`
console lines, a ramoops dmesg record is a `Oops#1 Part1` header then `<level>[ time]`
lines (fs/pstore/platform.c, kmsg_dump with syslog prefixes), and `journalctl -k`
prints `date host kernel:` before each line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotfence.cli import main
from hotfence.fleet.collect import collect, find_sources
from hotfence.store import CrashStore, HostIdentity
from hotfence.triage.analyze import triage_text
from test_realworld_wrap import PSTORE, _pstore_parts

LAB = Path(__file__).parent / "lab"
NULL = "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref"
PANIC = "kernel panic: hotfence_crash: panic requested by sh"
WARN = "WARNING in hotfence_crash_warn"
HOST = HostIdentity("guest", "guest-machine-id", "6.1.0-56-amd64", "Debian GNU/Linux 12")


def kernel_lines(name: str) -> list[str]:
    return [ln for ln in (LAB / name).read_text().splitlines() if ln.startswith("[")]


def ramoops_record(name: str, reason: str = "Oops") -> str:
    return f"{reason}#1 Part1\n" + "".join(f"<4>{ln}\n" for ln in kernel_lines(name))


def journal_text(name: str) -> str:
    return "".join(
        re.sub(r"^\[\s*[\d.]+\]\s?", "Nov 26 12:00:00 guest kernel: ", ln) + "\n"
        for ln in kernel_lines(name)
    )


def lay_out(tmp_path: Path) -> tuple[Path, Path, Path]:
    crash = tmp_path / "crash"
    (crash / "127.0.0.1-2026-11-26-12:00:00").mkdir(parents=True)
    (crash / "127.0.0.1-2026-11-26-12:00:00" / "vmcore-dmesg.txt").write_text(
        "\n".join(kernel_lines("null-deref.log")) + "\n"
    )
    pstore = tmp_path / "pstore"
    pstore.mkdir()
    # The same oops as kdump saw, and a later panic only pstore kept.
    (pstore / "dmesg-ramoops-0").write_text(ramoops_record("null-deref.log"))
    (pstore / "dmesg-ramoops-1").write_text(ramoops_record("panic.log", "Panic"))
    (pstore / "pmsg-ramoops-0").write_text("user space message, not a kernel log\n")
    journal = tmp_path / "journal.txt"
    journal.write_text(journal_text("warn.log") + journal_text("null-deref.log"))
    return crash, pstore, journal


def test_each_crash_is_stored_once_across_sources_and_boots(tmp_path):
    crash, pstore, journal = lay_out(tmp_path)
    db = tmp_path / "c.sqlite"
    runs = []
    with CrashStore.open(db) as store:
        for _boot in range(2):  # pstore and /var/crash still hold the records next boot
            sources, notes = find_sources(crash, [pstore], ["cat", str(journal)])
            assert notes == []
            runs.append(collect(store, HOST, sources))
        rows = store.crashes()
    first, second = runs
    assert [(r.kind.value, Path(r.path).name, r.found, r.stored) for r in first] == [
        ("vmcore", "vmcore-dmesg.txt", 1, 1),
        # one source: pstorefs' records of one backend are read together (a dump of
        # several parts is several records); the oops kdump already gave, and the panic
        ("pstore", "dmesg-ramoops-{0..1}", 2, 1),
        ("journal", "journal.txt", 2, 1),  # the warning is new, the oops is not
    ]
    assert [r.stored for r in second] == [0, 0, 0]
    assert sorted((r.title, r.source_kind) for r in rows) == [
        (NULL, "vmcore"),
        (WARN, "journal"),
        (PANIC, "pstore"),
    ]


def test_a_pstore_dump_in_several_records_is_collected_as_one_crash(tmp_path):
    # The real ramoops record of a 6.1.0-56 panic, split the way pstore_dump() writes a
    # dump larger than the backend's record (fs/pstore/platform.c: Part1 holds the end):
    # collected record by record, the panic's header and its trace were two crashes.
    record = (PSTORE / "dmesg-ramoops-0").read_text()
    (want,) = triage_text(record)
    pstore = tmp_path / "pstore"
    pstore.mkdir()
    parts = _pstore_parts(record, 1024, ramoops_header=False)
    for n, part in enumerate(parts):
        (pstore / f"dmesg-ramoops-{n}").write_text(part)
    sources, notes = find_sources(None, [pstore], None)
    assert notes == []
    assert [Path(s.path).name for s in sources] == [f"dmesg-ramoops-{{0..{len(parts) - 1}}}"]
    with CrashStore.open(tmp_path / "c.sqlite") as store:
        (result,) = collect(store, HOST, sources)
        rows = store.crashes()
    assert (result.found, result.stored, result.titles) == (1, 1, [want.title])
    assert [r.title for r in rows] == [want.title]


def test_missing_sources_are_notes_not_errors(tmp_path):
    sources, notes = find_sources(
        tmp_path / "no-crash", [tmp_path / "no-pstore"], [sys.executable, "-c", "raise SystemExit('No such boot ID in journal')"]
    )  # fmt: skip
    assert sources == []
    assert [n.split(":")[0] for n in notes[:2]] == [
        str(tmp_path / "no-crash"),
        str(tmp_path / "no-pstore"),
    ]
    assert notes[2].endswith("No such boot ID in journal")


def test_collect_command_twice_stores_nothing_new_the_second_time(tmp_path):
    crash, pstore, _ = lay_out(tmp_path)
    db = tmp_path / "c.sqlite"
    args = ["collect", "--db", str(db), "--host-id", "guest", "--no-journal",
            "--crash-dir", str(crash), "--pstore-dir", str(pstore)]  # fmt: skip
    first = CliRunner().invoke(main, args)
    second = CliRunner().invoke(main, args)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert first.stdout.splitlines()[-1] == "collected 3 crash reports from 2 sources, 2 new"
    assert second.stdout.splitlines()[-1] == "collected 3 crash reports from 2 sources, 0 new"
    r = CliRunner().invoke(main, ["collect", "--db", str(tmp_path / "no" / "x.sqlite"),
                                  "--no-journal", "--crash-dir", str(crash), "--pstore-dir", str(pstore)])  # fmt: skip
    assert r.exit_code == 3 and "does not exist" in r.stderr and "Traceback" not in r.output


def test_systemd_unit_verifies(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    unit = (Path(__file__).parent.parent / "deploy" / "hotfence-collect.service").read_text()
    assert "ExecStart=/usr/local/bin/hotfence collect\n" in unit
    hotfence = Path(sys.executable).with_name("hotfence")
    good = tmp_path / "good" / "hotfence-collect.service"
    bad = tmp_path / "bad" / "hotfence-collect.service"
    good.parent.mkdir()
    bad.parent.mkdir()
    good.write_text(unit.replace("/usr/local/bin/hotfence", str(hotfence)))
    bad.write_text(unit.replace("/usr/local/bin/hotfence", "hotfence-not-installed"))
    ok = subprocess.run([analyze, "verify", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    # verify does catch a unit that cannot start, so the pass above means something.
    assert subprocess.run([analyze, "verify", str(bad)], capture_output=True).returncode != 0
