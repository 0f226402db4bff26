"""`hotfence collect` on kdump's vmcores: analysed with drgn when a debug vmlinux is
found, and the same crash from the vmcore and its vmcore-dmesg.txt counted once.

The guest tests lay a real lab core (tests/test_vmcore.py's cache: a Debian 6.1 guest
that oopsed in hotfence_crash.ko, dumped over QMP) out as kdump leaves it,
``var/crash/<stamp>/vmcore``, with the vmcore-dmesg.txt that makedumpfile --dump-dmesg
would write beside it: the core's own printk buffer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotfence.cli import main
from hotfence.fleet.collect import CoreSource, Source, collect, find_sources
from hotfence.store import CrashStore, HostIdentity, SourceKind
from test_vmcore import CachedCore, cached_core

STAMP = "127.0.0.1-2026-11-26-12:00:00"
NULL = "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref"
HOST = HostIdentity("guest", "guest-machine-id", "6.1.0-56-amd64", "Debian GNU/Linux 12")


def _debug_paths(root: Path) -> tuple[str, str]:
    return (
        str(root / "usr/lib/debug/boot/vmlinux-{release}"),
        str(root / "usr/lib/debug/lib/modules/{release}/vmlinux"),
    )


# ------------------------------------------------------------------ without a guest --


def test_unreadable_core_is_a_note_and_the_dmesg_still_a_source(tmp_path):
    stamp = tmp_path / "crash" / STAMP
    stamp.mkdir(parents=True)
    (stamp / "vmcore").write_bytes(b"\x7fELF not really" * 100)
    (stamp / "vmcore.flat").write_bytes(b"makedumpfile flat")
    (stamp / "vmcore-dmesg.txt").write_text("[    1.000000] no crash here\n")
    sources, notes = find_sources(
        tmp_path / "crash", [], None, debug_vmlinux=_debug_paths(tmp_path)
    )
    assert [(type(s), s.path) for s in sources] == [(Source, str(stamp / "vmcore-dmesg.txt"))]
    assert any(
        n.startswith(f"{stamp / 'vmcore'}: no kernel release readable") and "not analysed" in n
        for n in notes
    ), notes
    # makedumpfile -F's flattened stream is a core drgn reads too: this one is damaged.
    assert any(
        n.startswith(f"{stamp / 'vmcore.flat'}: no kernel release readable") for n in notes
    ), notes


def test_a_core_that_fails_analysis_is_an_error_and_the_others_are_stored(tmp_path):
    junk = tmp_path / "vmcore"
    junk.write_bytes(b"not an ELF core")
    log = Path(__file__).parent / "lab" / "null-deref.log"
    good = Source(SourceKind.vmcore, str(log), log.read_bytes())
    with CrashStore.open(tmp_path / "c.sqlite") as store:
        results = collect(store, HOST, [CoreSource(str(junk), str(junk)), good])
        assert results[0].error is not None and str(junk) in results[0].error
        assert (results[0].found, results[0].stored) == (0, 0)
        assert results[1].error is None and results[1].stored == 1
        assert store.count() == 1


# ------------------------------------------------------------------ with a guest --


@pytest.fixture(scope="module")
def kdump(tmp_path_factory) -> tuple[CachedCore, Path]:
    """``<tmp>/var/crash/<stamp>/{vmcore,vmcore-dmesg.txt}`` from the cached lab core."""
    from hotfence.triage.vmcore import open_vmcore, read_log

    core = cached_core("null-deref", tmp_path_factory.mktemp("collect-core"))
    crash = core.vmcore.parent / "var" / "crash"
    stamp = crash / STAMP
    stamp.mkdir(parents=True)
    core.vmcore.rename(stamp / "vmcore")
    prog, _ = open_vmcore(stamp / "vmcore", core.vmlinux, [])
    (stamp / "vmcore-dmesg.txt").write_text("\n".join(read_log(prog)) + "\n")
    return core, crash


@pytest.mark.guest
def test_debug_vmlinux_found_by_the_cores_release(kdump, tmp_path):
    core, crash = kdump
    boot, modules = _debug_paths(tmp_path)
    release_path = Path(modules.format(release=core.kernel))
    release_path.parent.mkdir(parents=True)
    release_path.symlink_to(core.vmlinux)
    sources, notes = find_sources(crash, [], None, debug_vmlinux=(boot, modules))
    assert notes == []
    assert sources[0] == CoreSource(str(crash / STAMP / "vmcore"), str(release_path))
    assert isinstance(sources[1], Source) and sources[1].path.endswith("vmcore-dmesg.txt")


@pytest.mark.guest
def test_no_debug_vmlinux_is_a_note_naming_the_files_looked_for(kdump, tmp_path):
    core, crash = kdump
    boot, modules = _debug_paths(tmp_path)
    sources, notes = find_sources(crash, [], None, debug_vmlinux=(boot, modules))
    assert [s.path for s in sources] == [str(crash / STAMP / "vmcore-dmesg.txt")]
    (note,) = notes
    assert note.startswith(f"{crash / STAMP / 'vmcore'}: no debug vmlinux for {core.kernel}")
    assert boot.format(release=core.kernel) in note
    assert modules.format(release=core.kernel) in note


@pytest.mark.guest
def test_vmcore_and_its_dmesg_are_one_crash_collected_once(kdump, tmp_path):
    core, crash = kdump
    db = tmp_path / "c.sqlite"
    args = ["collect", "--db", str(db), "--host-id", "guest", "--no-journal",
            "--crash-dir", str(crash), "--pstore-dir", str(tmp_path / "no-pstore"),
            "--vmlinux", str(core.vmlinux)]  # fmt: skip
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    vmcore_line = f"vmcore\t{crash / STAMP / 'vmcore'}\t1 found, 1 new\t{NULL}"
    dmesg_line = f"vmcore\t{crash / STAMP / 'vmcore-dmesg.txt'}\t1 found, 0 new\t{NULL}"
    assert lines == [vmcore_line, dmesg_line, "collected 2 crash reports from 2 sources, 1 new"]
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[-1] == "collected 2 crash reports from 2 sources, 0 new"
    with CrashStore.open(db) as store:
        (row,) = store.crashes()
        assert (row.title, row.source_kind) == (NULL, "vmcore")
        assert row.source_path == str(crash / STAMP / "vmcore")
        # The record kept is the vmcore's: its frames carry drgn's file:line, which the
        # vmcore-dmesg.txt text alone (no vmlinux given to triage) does not.
        full = store.crash(row.id)
        assert full is not None
        frames = json.loads(full.report_json)["frames"]
        located = {f["function"]: f["file"] for f in frames if f["file"]}
        assert located.get("vfs_write") == "fs/read_write.c", frames
