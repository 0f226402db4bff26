"""The crash store (SQLite or PostgreSQL), below triage: it takes and returns plain records."""

from hotfence.store.crashes import CrashStore, head_revision
from hotfence.store.engine import StoreError, default_path
from hotfence.store.records import (
    CrashGroup,
    CrashRecord,
    CrashRow,
    DailyCount,
    GroupHostCount,
    HostIdentity,
    HostRow,
    KnownBugRef,
    SourceKind,
)

__all__ = [
    "CrashGroup",
    "CrashRecord",
    "CrashRow",
    "CrashStore",
    "DailyCount",
    "GroupHostCount",
    "HostIdentity",
    "HostRow",
    "KnownBugRef",
    "SourceKind",
    "StoreError",
    "default_path",
    "head_revision",
]
