"""`hotfence collect` on kdump captures in Debian's kdump-tools layout
(``/var/crash/<YYYYMMDDHHMM>/{dump,dmesg}.<YYYYMMDDHHMM>``) beside RHEL's
(``vmcore``, ``vmcore.flat``, ``vmcore-dmesg.txt``).

The recorded capture (tests/data/kdump, `hotfence lab kdump`) keeps the dmesg file a
real capture kernel wrote; the guest test takes a fresh capture, whose kdump-compressed
dump drgn reads through libkdumpfile, and collects it once, not twice.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotfence.cli import main
from hotfence.fleet.collect import find_sources
from hotfence.store import CrashStore
from hotfence.triage.analyze import triage_text

CAPTURE = Path(__file__).parent / "data" / "kdump" / "6.1.0-56-amd64"
STAMP = "202611261445"
DMESG = CAPTURE / "var-crash" / STAMP / f"dmesg.{STAMP}"
TITLE = "kernel panic: sysrq triggered crash"
RHEL_STAMP = "127.0.0.1-2026-11-26-14:45:00"


def collect_args(db: Path, crash_dir: Path, *extra: str) -> list[str]:
    return ["collect", "--db", str(db), "--host-id", "guest", "--no-journal",
            "--crash-dir", str(crash_dir), "--pstore-dir", "/nonexistent-pstore", *extra]  # fmt: skip


def test_capture_is_a_kdump_tools_dmesg_of_a_sysrq_panic() -> None:
    assert sorted(p.name for p in (CAPTURE / "var-crash" / STAMP).iterdir()) == [DMESG.name]
    text = DMESG.read_text()
    assert text.startswith("[    0.000000] Linux version 6.1.0-56-amd64")
    assert "Reserving 192MB of memory at" in text and "for crashkernel" in text
    assert "Comm: sh Kdump: loaded Not tainted 6.1.0-56-amd64" in text
    assert [r.title for r in triage_text(DMESG.read_bytes())] == [TITLE]
    # Both kernels wrote to the serial console: the capture kernel's agent came up.
    assert (CAPTURE / "serial.log").read_text().count("hotfence-guest: ready") == 2


def test_collect_reads_debians_layout_and_stores_the_crash_once(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    runs = [CliRunner().invoke(main, collect_args(db, CAPTURE / "var-crash")) for _ in range(2)]
    for r in runs:
        assert r.exit_code == 0, r.output
    assert runs[0].stdout.splitlines() == [
        f"vmcore\t{DMESG}\t1 found, 1 new\t{TITLE}",
        "collected 1 crash report from 1 source, 1 new",
    ]
    assert runs[1].stdout.splitlines()[-1] == "collected 1 crash report from 1 source, 0 new"
    with CrashStore.open(db) as store:
        assert [(r.title, r.source_path) for r in store.crashes()] == [(TITLE, str(DMESG))]


def test_debian_and_rhel_layouts_side_by_side(tmp_path: Path) -> None:
    crash = tmp_path / "crash"
    debian, rhel = crash / STAMP, crash / RHEL_STAMP
    debian.mkdir(parents=True)
    rhel.mkdir()
    shutil.copyfile(DMESG, debian / DMESG.name)
    (debian / "dump-incomplete").write_bytes(b"KDUMP   cut short by a reset")
    (debian / "dmesg.txt").write_text("not kdump-tools' name\n")
    shutil.copyfile(DMESG, rhel / "vmcore-dmesg.txt")
    sources, notes = find_sources(crash, [], None, debug_vmlinux=())
    assert [s.path for s in sources] == [
        str(rhel / "vmcore-dmesg.txt"),
        str(debian / DMESG.name),
    ]
    assert notes == [f"{debian / 'dump-incomplete'}: an incomplete capture (the capture kernel "
                     "did not finish), not read"]  # fmt: skip
    res = CliRunner().invoke(main, collect_args(tmp_path / "c.sqlite", crash))
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[-1] == "collected 2 crash reports from 2 sources, 1 new"


def test_a_compressed_core_without_libkdumpfile_is_a_note_saying_so(tmp_path, monkeypatch):
    import drgn

    stamp = tmp_path / "crash" / STAMP
    stamp.mkdir(parents=True)
    (stamp / f"dump.{STAMP}").write_bytes(b"KDUMP   " + bytes(100))
    monkeypatch.setattr(drgn, "_with_libkdumpfile", False, raising=False)
    sources, notes = find_sources(tmp_path / "crash", [], None, debug_vmlinux=())
    assert sources == []
    assert notes == [
        f"{stamp / f'dump.{STAMP}'}: makedumpfile's compressed format, and this drgn was "
        "built without libkdumpfile (convert it with makedumpfile -E into an ELF vmcore); "
        "not analysed"
    ]

    # Analysis says the same when asked directly (`triage --vmcore`, or --vmlinux given).
    from hotfence.triage.vmcore import VmcoreError, open_vmcore

    with pytest.raises(VmcoreError, match="built without libkdumpfile"):
        open_vmcore(stamp / f"dump.{STAMP}", DMESG, [])


@pytest.mark.guest
def test_guest_kdump_dump_is_analysed_with_drgn_and_collected_once(tmp_path: Path) -> None:
    """A fresh capture: Debian's dump.<stamp> (kdump-compressed) and dmesg.<stamp>, plus
    the same dump flattened (makedumpfile -F) as RHEL's vmcore.flat: one crash, stored
    from a core with drgn's file:line, and nothing new at the next boot's collect."""
    from hotfence.lab import kdump
    from hotfence.lab.debkernel import GuestKernelError, prepare_debug_vmlinux, prepare_kernel

    kernel = prepare_kernel()
    try:
        vmlinux = prepare_debug_vmlinux(kernel)
    except GuestKernelError as exc:
        if "download" not in str(exc):
            raise
        pytest.skip(f"debug vmlinux linux-image-{kernel.kver}-dbg absent and not fetchable: {exc}")
    cap = kdump.capture(kernel.kver)
    kdump.write_capture(cap, tmp_path)
    crash = tmp_path / "var-crash"
    (stamp,) = crash.iterdir()
    dump, dmesg = stamp / f"dump.{stamp.name}", stamp / f"dmesg.{stamp.name}"
    assert sorted(stamp.iterdir()) == [dmesg, dump]
    assert dump.read_bytes()[:8] == b"KDUMP   "
    flat = crash / RHEL_STAMP / "vmcore.flat"
    flat.parent.mkdir()
    with flat.open("wb") as out:
        subprocess.run(["makedumpfile", "-F", "-c", "-d", "31", str(dump)], stdout=out,
                       stderr=subprocess.PIPE, check=True)  # fmt: skip
    assert flat.read_bytes()[:12] == b"makedumpfile"

    db = tmp_path / "c.sqlite"
    args = collect_args(db, crash, "--vmlinux", str(vmlinux))
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        f"vmcore\t{flat}\t1 found, 1 new\t{TITLE}",
        f"vmcore\t{dump}\t1 found, 0 new\t{TITLE}",
        f"vmcore\t{dmesg}\t1 found, 0 new\t{TITLE}",
        "collected 3 crash reports from 3 sources, 1 new",
    ]
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[-1] == "collected 3 crash reports from 3 sources, 0 new"
    with CrashStore.open(db) as store:
        (row,) = store.crashes()
        full = store.crash(row.id)
    assert full is not None and row.source_path == str(flat)
    frames = json.loads(full.report_json)["frames"]
    located = {f["function"]: f["file"] for f in frames if f["file"]}
    assert located.get("sysrq_handle_crash") == "drivers/tty/sysrq.c", frames
    # The dump alone (Debian's layout, no flattened copy) gives the same drgn record.
    shutil.rmtree(flat.parent)
    res = CliRunner().invoke(
        main, collect_args(tmp_path / "d.sqlite", crash, "--vmlinux", str(vmlinux))
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == f"vmcore\t{dump}\t1 found, 1 new\t{TITLE}"
