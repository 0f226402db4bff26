"""What the last crash left behind: kdump's vmcore-dmesg.txt, pstore records, and the
previous boot's kernel journal.

Every source is triaged and stored under this host. The store keys a crash by host and
report text, and triage strips each source's line prefixes (kdump's `[ time]`,
pstore's `<level>`, the journal's `date host kernel:`), so the same crash found in
several sources, or again at the next boot while pstore still holds it, is stored once.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotfence.known.catalog import Catalog
from hotfence.known.match import CatalogMatcher
from hotfence.store import CrashStore, HostIdentity, SourceKind
from hotfence.triage.analyze import triage_text
from hotfence.triage.tostore import crash_record

CRASH_DIR = Path("/var/crash")
# The pstore mount, and where systemd-pstore.service moves its records at boot (joined
# into <time>/<record>/dmesg.txt), which empties the mount before we may run.
PSTORE_DIRS = (Path("/sys/fs/pstore"), Path("/var/lib/systemd/pstore"))
JOURNAL_CMD = ("journalctl", "-k", "-b", "-1", "--no-pager", "-q")
# pstore record kinds that carry kernel log text (pmsg and ftrace records do not).
PSTORE_LOG_PREFIXES = ("dmesg", "console")
# One source larger than this is a damaged or hostile file, not a crash log.
MAX_SOURCE_BYTES = 256 * 1024 * 1024


@dataclass
class Source:
    kind: SourceKind
    path: str  # a file, or the journal command as typed
    data: bytes


@dataclass
class SourceResult:
    kind: SourceKind
    path: str
    found: int = 0  # crash reports triage found in it
    stored: int = 0  # of those, new to the store
    titles: list[str] = field(default_factory=list)


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


def find_sources(
    crash_dir: Path | None = CRASH_DIR,
    pstore_dirs: Sequence[Path] = PSTORE_DIRS,
    journal_cmd: Sequence[str] | None = JOURNAL_CMD,
) -> tuple[list[Source], list[str]]:
    """Sources in the order their crashes are attributed: the fullest record first."""
    sources: list[Source] = []
    notes: list[str] = []
    if crash_dir is not None:
        if crash_dir.is_dir():
            for path in sorted(crash_dir.glob("*/vmcore-dmesg.txt")):
                data = _read(path, notes)
                if data is not None:
                    sources.append(Source(SourceKind.vmcore, str(path), data))
        else:
            notes.append(f"{crash_dir}: no such directory (kdump not set up?)")
    for pstore_dir in pstore_dirs:
        if pstore_dir.is_dir():
            for path in sorted(pstore_dir.rglob("*")):
                if path.name.startswith(PSTORE_LOG_PREFIXES) and path.is_file():
                    data = _read(path, notes)
                    if data is not None:
                        sources.append(Source(SourceKind.pstore, str(path), data))
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
    sources: list[Source],
    catalog: Catalog | None = None,
    now: float | None = None,
) -> list[SourceResult]:
    """Triage every source and store its crashes; each source in its own transaction."""
    results = []
    matcher = CatalogMatcher(catalog) if catalog is not None else None
    for src in sources:
        reports = triage_text(src.data, catalog=matcher)
        records = [crash_record(r, src.path, src.kind) for r in reports]
        stored = store.add(host, records, now=now) if records else 0
        results.append(
            SourceResult(src.kind, src.path, len(reports), stored, [r.title for r in reports])
        )
    return results
