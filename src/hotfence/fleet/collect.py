"""What the last crash left behind: kdump's vmcore and its dmesg (RHEL's and Debian's
layouts), pstore records, and the previous boot's kernel journal.

A vmcore (ELF, or makedumpfile's kdump-compressed and flattened formats, which drgn
reads through libkdumpfile) is analysed with drgn (hotfence.triage.vmcore) when the
debug vmlinux of its kernel is found: ``--vmlinux``, else where the distributions' debug
packages install it, for the release the core's VMCOREINFO names. Without one, the
core's dmesg file still gives the crash; a note says which files were looked for.

Every source is triaged and stored under this host. The store keys a crash by host and
report text, and triage strips each source's line prefixes (kdump's `[ time]`,
pstore's `<level>`, the journal's `date host kernel:`), so the same crash found in
several sources, or again at the next boot while pstore still holds it, is stored once.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotfence.known.catalog import Catalog
from hotfence.known.match import CatalogMatcher
from hotfence.store import CrashStore, HostIdentity, SourceKind
from hotfence.triage.analyze import triage_text
from hotfence.triage.model import Report
from hotfence.triage.reader import InputError, ReadLimits, open_input, pstore_records, raw_blocks
from hotfence.triage.tostore import crash_record
from hotfence.triage.vmcore import KDUMP_COMPRESSED, MAKEDUMPFILE_FLAT, analyze_vmcore

CRASH_DIR = Path("/var/crash")
# The pstore mount, and where systemd-pstore.service moves its records at boot (joined
# into <time>/<record>/dmesg.txt), which empties the mount before we may run.
PSTORE_DIRS = (Path("/sys/fs/pstore"), Path("/var/lib/systemd/pstore"))
JOURNAL_CMD = ("journalctl", "-k", "-b", "-1", "--no-pager", "-q")
# pstore record kinds that carry kernel log text (pmsg and ftrace records do not).
PSTORE_LOG_PREFIXES = ("dmesg", "console")
# Where Debian's linux-image-*-dbg (and Ubuntu's -dbgsym, Fedora's kernel-debuginfo)
# install the DWARF vmlinux of a release: the paths drgn and crash look in.
DEBUG_VMLINUX = (
    "/usr/lib/debug/boot/vmlinux-{release}",
    "/usr/lib/debug/lib/modules/{release}/vmlinux",
)
# Debian's kdump-tools: dump.<YYYYMMDDHHMM> (makedumpfile -c -d 31: kdump-compressed)
# and dmesg.<YYYYMMDDHHMM> (makedumpfile --dump-dmesg).
KDUMP_TOOLS_DUMP = re.compile(r"dump\.\d{12}")
KDUMP_TOOLS_DMESG = re.compile(r"dmesg\.\d{12}")
# One source larger than this is a damaged or hostile file, not a crash log.
MAX_SOURCE_BYTES = 256 * 1024 * 1024


@dataclass
class Source:
    kind: SourceKind
    path: str  # a file, or the journal command as typed
    data: bytes


@dataclass
class CoreSource:
    """A kdump vmcore and the debug vmlinux of its kernel; read when collected (a core is
    the crashed machine's memory, far too large to hold like a log)."""

    path: str
    vmlinux: str
    kind: SourceKind = SourceKind.vmcore


@dataclass
class SourceResult:
    kind: SourceKind
    path: str
    found: int = 0  # crash reports triage found in it
    stored: int = 0  # of those, new to the store
    titles: list[str] = field(default_factory=list)
    error: str | None = None  # the source could not be analysed (a damaged core...)


@dataclass
class Collected:
    results: list[SourceResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # sources that were absent or unreadable


def _read(path: Path, notes: list[str]) -> bytes | None:
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            notes.append(f"{path}: larger than {MAX_SOURCE_BYTES} bytes, skipped")
            return None
        return path.read_bytes()
    except OSError as exc:
        notes.append(f"{path}: {exc.strerror or exc}")
        return None


def _pstore_sources(pstore_dir: Path, notes: list[str]) -> list[Source]:
    """The kernel-log records under ``pstore_dir``. A dump larger than the backend's
    record is several ``dmesg-<backend>-<id>`` files: each file alone splits the crash
    (its header in one, its trace in the next), so they are read as one source, as
    `hotfence triage DIR` does, with each dump's parts put back in the order logged."""
    files = [
        str(path)
        for path in sorted(pstore_dir.rglob("*"))
        if path.name.startswith(PSTORE_LOG_PREFIXES) and path.is_file()
    ]
    sources = []
    for item in pstore_records(files):
        if isinstance(item, str):
            data = _read(Path(item), notes)
            if data is not None:
                sources.append(Source(SourceKind.pstore, item, data))
            continue
        try:
            with open_input(item) as stream:
                limits = ReadLimits(max_bytes=MAX_SOURCE_BYTES)
                data = b"".join(raw_blocks(stream, item.path, limits))
        except InputError as exc:
            notes.append(str(exc))
            continue
        sources.append(Source(SourceKind.pstore, item.path, data))
    return sources


def core_release(vmcore: Path) -> str:
    """The kernel release in the core's VMCOREINFO (no debug info needed to read it).

    Raises ValueError naming the file when the core cannot say (not an ELF core, no
    VMCOREINFO note, drgn missing)."""
    try:
        import drgn
    except ImportError as exc:
        raise ValueError(
            f"{vmcore}: drgn not installed ({exc}); pip install 'hotfence[vmcore]'"
        ) from exc
    try:
        with vmcore.open("rb") as fh:
            magic = fh.read(len(MAKEDUMPFILE_FLAT))
    except OSError as exc:
        raise ValueError(f"{vmcore}: {exc.strerror or exc}") from exc
    compressed = magic.startswith((KDUMP_COMPRESSED, MAKEDUMPFILE_FLAT))
    if compressed and not getattr(drgn, "_with_libkdumpfile", False):
        raise ValueError(
            f"{vmcore}: makedumpfile's compressed format, and this drgn was built without "
            "libkdumpfile (convert it with makedumpfile -E into an ELF vmcore)"
        )
    prog = drgn.Program()
    try:
        prog.set_core_dump(str(vmcore))
        # drgn builds UTS_RELEASE from VMCOREINFO's OSRELEASE, before any debug info.
        return str(prog["UTS_RELEASE"].string_().decode(errors="replace"))
    except (OSError, ValueError, LookupError, drgn.FaultError) as exc:
        raise ValueError(f"{vmcore}: no kernel release readable from it ({exc})") from exc


def _core_source(
    path: Path, vmlinux: Path | None, debug_vmlinux: Sequence[str], notes: list[str]
) -> CoreSource | None:
    if vmlinux is not None:
        return CoreSource(str(path), str(vmlinux))
    try:
        release = core_release(path)
    except ValueError as exc:
        notes.append(f"{exc}; not analysed")
        return None
    looked = [Path(t.format(release=release)) for t in debug_vmlinux]
    for candidate in looked:
        if candidate.is_file():
            return CoreSource(str(path), str(candidate))
    tried = ", ".join(map(str, looked))
    notes.append(
        f"{path}: no debug vmlinux for {release} (looked for {tried}; --vmlinux PATH), not analysed"
    )
    return None


def _kdump_files(stamp: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(cores, dmesg files, incomplete captures) of one ``/var/crash/<stamp>/``.

    RHEL's kdump writes ``vmcore`` (``vmcore.flat`` when makedumpfile -F streamed it)
    and ``vmcore-dmesg.txt``; Debian's kdump-tools ``dump.<stamp>`` and
    ``dmesg.<stamp>``. A capture still being written (or cut short by a reset) is
    ``vmcore-incomplete`` / ``dump-incomplete``.
    """
    cores, dmesgs, partial = [], [], []
    for f in sorted(p for p in stamp.iterdir() if p.is_file()):
        if f.name in ("vmcore", "vmcore.flat") or KDUMP_TOOLS_DUMP.fullmatch(f.name):
            cores.append(f)
        elif f.name == "vmcore-dmesg.txt" or KDUMP_TOOLS_DMESG.fullmatch(f.name):
            dmesgs.append(f)
        elif f.name in ("vmcore-incomplete", "dump-incomplete"):
            partial.append(f)
    return cores, dmesgs, partial


def _crash_dir_sources(
    crash_dir: Path, vmlinux: Path | None, debug_vmlinux: Sequence[str], notes: list[str]
) -> list[Source | CoreSource]:
    """kdump's <stamp>/ directories: the vmcore first (drgn-symbolised frames), then its
    dmesg file, whose same crash the store then counts once."""
    sources: list[Source | CoreSource] = []
    for stamp in sorted(p for p in crash_dir.iterdir() if p.is_dir()):
        cores, dmesgs, partial = _kdump_files(stamp)
        for core in cores:
            found = _core_source(core, vmlinux, debug_vmlinux, notes)
            if found is not None:
                sources.append(found)
        for f in partial:
            notes.append(
                f"{f}: an incomplete capture (the capture kernel did not finish), not read"
            )
        for dmesg in dmesgs:
            data = _read(dmesg, notes)
            if data is not None:
                sources.append(Source(SourceKind.vmcore, str(dmesg), data))
    return sources


def find_sources(
    crash_dir: Path | None = CRASH_DIR,
    pstore_dirs: Sequence[Path] = PSTORE_DIRS,
    journal_cmd: Sequence[str] | None = JOURNAL_CMD,
    vmlinux: Path | None = None,
    debug_vmlinux: Sequence[str] = DEBUG_VMLINUX,
) -> tuple[list[Source | CoreSource], list[str]]:
    """Sources in the order their crashes are attributed: the fullest record first.

    ``vmlinux`` is the debug vmlinux for every core; without it, each core's is looked
    for at ``debug_vmlinux`` (``{release}`` from the core's VMCOREINFO)."""
    sources: list[Source | CoreSource] = []
    notes: list[str] = []
    if crash_dir is not None:
        if crash_dir.is_dir():
            sources += _crash_dir_sources(crash_dir, vmlinux, debug_vmlinux, notes)
        else:
            notes.append(f"{crash_dir}: no such directory (kdump not set up?)")
    for pstore_dir in pstore_dirs:
        if pstore_dir.is_dir():
            sources += _pstore_sources(pstore_dir, notes)
        else:
            notes.append(f"{pstore_dir}: no such directory")
    if journal_cmd:
        cmd = " ".join(journal_cmd)
        try:
            run = subprocess.run(list(journal_cmd), capture_output=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            notes.append(f"{cmd}: {exc}")
        else:
            if run.returncode == 0:
                sources.append(Source(SourceKind.journal, cmd, run.stdout))
            else:
                reason = run.stderr.decode(errors="replace").strip().splitlines()
                notes.append(f"{cmd}: {reason[-1] if reason else f'exit status {run.returncode}'}")
    return sources, notes


def collect(
    store: CrashStore,
    host: HostIdentity,
    sources: Sequence[Source | CoreSource],
    catalog: Catalog | None = None,
    now: float | None = None,
) -> list[SourceResult]:
    """Triage every source and store its crashes; each source in its own transaction."""
    results = []
    matcher = CatalogMatcher(catalog) if catalog is not None else None
    for src in sources:
        reports: list[Report]
        if isinstance(src, CoreSource):
            try:
                reports = analyze_vmcore(src.path, src.vmlinux, catalog=matcher).reports
            except Exception as exc:
                # One damaged core (truncated, another kernel's vmlinux, a format drgn
                # cannot read) must not stop the other sources from being collected.
                err = f"{type(exc).__name__}: {exc}"
                results.append(SourceResult(src.kind, src.path, error=err))
                continue
        else:
            reports = triage_text(src.data, catalog=matcher)
        records = [crash_record(r, src.path, src.kind) for r in reports]
        stored = store.add(host, records, now=now) if records else 0
        results.append(
            SourceResult(src.kind, src.path, len(reports), stored, [r.title for r in reports])
        )
    return results
