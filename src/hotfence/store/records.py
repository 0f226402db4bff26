"""Plain typed records at the store's boundary.

The store sits below triage in the layer contract, so it never sees a triage `Report`:
callers hand it these records (triage builds them from its reports) and get these back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class SourceKind(str, enum.Enum):
    """Where a crash was read from."""

    file = "file"
    journal = "journal"
    pstore = "pstore"
    vmcore = "vmcore"


@dataclass(frozen=True)
class HostIdentity:
    """The machine a crash happened on. `machine_id` is the key: hostnames get reused."""

    hostname: str
    machine_id: str
    kernel_release: str | None = None
    distribution: str | None = None


@dataclass(frozen=True)
class KnownBugRef:
    """A known-bug catalogue entry a crash matched, with the mitigations it offers."""

    bug_id: str
    summary: str = ""
    mitigations: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrashRecord:
    """One crash to store. `text` identifies it: the same text from one host counts once."""

    title: str
    type: str
    text: str
    report_json: str  # the full report, as `triage -o json` gives it
    source_kind: SourceKind = SourceKind.file
    source_path: str = ""
    kernel_release: str | None = None
    known_bugs: tuple[KnownBugRef, ...] = ()


@dataclass
class HostRow:
    id: int
    hostname: str
    machine_id: str
    kernel_release: str | None
    distribution: str | None
    first_seen: float
    last_seen: float
    crash_count: int = 0


@dataclass
class CrashGroup:
    """All crashes with one title, across the fleet."""

    title: str
    type: str
    count: int
    first_seen: float
    last_seen: float
    hosts: list[str]
    kernels: list[str]
    known_bugs: list[KnownBugRef] = field(default_factory=list)


@dataclass
class CrashRow:
    id: int
    title: str
    type: str
    hostname: str
    host_id: int
    kernel_release: str | None
    source_kind: str
    source_path: str
    seen_at: float
    known_bug_ids: list[str]
    report_json: str | None = None  # only CrashStore.crash() loads the full report


@dataclass
class DailyCount:
    title: str
    day: int  # days since 1970-01-01 (UTC)
    count: int


@dataclass
class GroupHostCount:
    title: str
    hostname: str
    machine_id: str
    count: int
