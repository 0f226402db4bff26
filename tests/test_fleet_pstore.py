"""`hotfence collect` on a real pstore capture (tests/data/pstore, `hotfence lab pstore`),
and live: a lab guest panics with ramoops loaded, and the boots after it collect the
record from the real /sys/fs/pstore once, not again at the next boot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotfence.cli import main
from hotfence.store import CrashStore
from hotfence.triage.analyze import triage_text

CAPTURE = Path(__file__).parent / "data" / "pstore" / "6.1.0-56-amd64"
TITLE = "kernel panic: sysrq triggered crash"


def collect_args(db: Path, pstore: Path | str) -> list[str]:
    return ["collect", "--db", str(db), "--host-id", "guest", "--no-journal",
            "--crash-dir", "/nonexistent-crash-dir", "--pstore-dir", str(pstore)]  # fmt: skip


def test_capture_is_a_ramoops_panic_record() -> None:
    (record,) = (CAPTURE / "sysfs-pstore").iterdir()
    assert record.name == "dmesg-ramoops-0"
    text = record.read_text()
    assert text.startswith("Panic#1 Part1\n<5>[    0.000000] Linux version 6.1.0-56-amd64")
    # the same crash as the guest's serial console showed before the warm reset
    serial = (CAPTURE / "serial.log").read_text()
    assert serial.count("SeaBIOS") == 2
    assert [r.title for r in triage_text(serial.encode())] == [TITLE]


def test_collect_stores_the_real_pstore_panic_once(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    record = CAPTURE / "sysfs-pstore" / "dmesg-ramoops-0"
    runs = [CliRunner().invoke(main, collect_args(db, CAPTURE / "sysfs-pstore")) for _ in range(2)]
    for r in runs:
        assert r.exit_code == 0, r.output
    first, second = (r.stdout.splitlines() for r in runs)
    assert first == [
        f"pstore\t{record}\t1 found, 1 new\t{TITLE}",
        "collected 1 crash report from 1 source, 1 new",
    ]
    assert second == [
        f"pstore\t{record}\t1 found, 0 new\t{TITLE}",
        "collected 1 crash report from 1 source, 0 new",
    ]
    with CrashStore.open(str(db)) as store:
        rows = store.crashes()
    assert [(r.title, r.source_kind) for r in rows] == [(TITLE, "pstore")]


@pytest.mark.guest
def test_guest_collects_its_pstore_panic_once_across_reboots(tmp_path: Path) -> None:
    """Boot 1 panics; boot 2 collects from /sys/fs/pstore twice; a sysrq-b warm reboot
    (no new record) and boot 3 collects the same record again: stored once in all."""
    from hotfence.lab import pstore
    from hotfence.lab.guest import GuestSession

    # The store must outlive each boot, so it is kept on the host share; SQLite cannot
    # lock a database on 9p ("disk I/O error"), so each run works on a copy in /run.
    db = "/run/crashes.sqlite"  # the guest's own tmpfs (its /tmp shows the host's)
    collect = (
        "{ cp $HOTFENCE_OUT/crashes.sqlite /run/ 2>/dev/null || true; } && hotfence "
        + " ".join(collect_args(Path(db), "/sys/fs/pstore"))
        + " && cp /run/crashes.sqlite $HOTFENCE_OUT/"
    )
    with GuestSession(pstore.pstore_config()) as guest:
        assert guest.run(pstore.LOAD_RAMOOPS).exit_code == 0
        pstore.restart(guest, pstore.PANIC, boots=2)
        outs = [guest.run(collect, timeout=300) for _ in range(2)]
        pstore.restart(guest, pstore.REBOOT, boots=3)
        outs.append(guest.run(collect, timeout=300))
        records = pstore.read_records(guest)
        db_bytes = outs[-1].outputs["crashes.sqlite"]
        console = guest.console
    assert console.count("SeaBIOS") == 3  # two warm resets, QEMU never restarted
    assert list(records) == ["dmesg-ramoops-0"]
    assert records["dmesg-ramoops-0"].startswith(b"Panic#1 Part1\n")
    for res in outs:
        assert res.exit_code == 0, res.stderr
    lines = [res.stdout.splitlines() for res in outs]
    assert lines[0] == [
        f"pstore\t/sys/fs/pstore/dmesg-ramoops-0\t1 found, 1 new\t{TITLE}",
        "collected 1 crash report from 1 source, 1 new",
    ]
    assert lines[1][-1] == lines[2][-1] == "collected 1 crash report from 1 source, 0 new"
    (tmp_path / "c.sqlite").write_bytes(db_bytes)
    with CrashStore.open(str(tmp_path / "c.sqlite")) as store:
        rows = store.crashes()
    assert [(r.title, r.source_kind) for r in rows] == [(TITLE, "pstore")]


@pytest.mark.guest
def test_lab_pstore_command_rerecords_the_capture(tmp_path: Path) -> None:
    """`hotfence lab pstore` writes a capture laid out as the fixture, from a real rerun."""
    res = CliRunner().invoke(main, ["lab", "pstore", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert re.fullmatch(r"kernel 6\.1\.\S+-amd64", res.stdout.splitlines()[-1])
    assert sorted(p.name for p in (tmp_path / "sysfs-pstore").iterdir()) == ["dmesg-ramoops-0"]
    record = (tmp_path / "sysfs-pstore" / "dmesg-ramoops-0").read_text()
    assert record != (CAPTURE / "sysfs-pstore" / "dmesg-ramoops-0").read_text()  # a rerun
    assert [r.title for r in triage_text(record.encode())] == [TITLE]
    assert (tmp_path / "serial.log").read_text().count("SeaBIOS") == 2
