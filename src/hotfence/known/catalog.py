"""The known-bug catalogue: YAML entries shipped in hotfence/data/known-bugs plus the user's own.

An entry names a bug (CVE or upstream reference), how to recognise its crash
(signature), which kernels it affects, its fixes, and mitigations of several kinds;
one kind is a *virtual patch*: a SocketPolicy that fences the bug's trigger.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic

from hotfence.linux.kernelver import VersionRange, in_any, parse_version
from hotfence.yamlsource import SourceError, SourceIssue, load_yaml, validate


class MitigationKind(str, enum.Enum):
    UPGRADE = "kernel-upgrade"
    BOOT_PARAMETER = "boot-parameter"
    SYSCTL = "sysctl"
    RUNTIME = "runtime"
    VIRTUAL_PATCH = "virtual-patch"


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class Affected(_Strict):
    introduced: str | None = None
    fixed: str | None = None

    @pydantic.field_validator("introduced", "fixed")
    @classmethod
    def _version(cls, v: str | None) -> str | None:
        if v is not None:
            parse_version(v)
        return v

    def range(self) -> VersionRange:
        return VersionRange(
            parse_version(self.introduced) if self.introduced else None,
            parse_version(self.fixed) if self.fixed else None,
        )


class Signature(_Strict):
    """How a triaged report is recognised. `title` and `rip` identify; the others add evidence."""

    title: list[str] = []  # regexes searched in the report title and alt titles
    rip: list[str] = []  # function names, any of which may be the faulting function
    trace: list[str] = []  # every one must appear in the call trace (or as RIP)
    preceded_by: list[str] = []  # regexes over earlier events in the log (Report.context)

    @pydantic.field_validator("title", "preceded_by")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"bad regex {p!r}: {exc}") from None
        return patterns

    @pydantic.model_validator(mode="after")
    def _identifies(self) -> Signature:
        if not self.title and not self.rip:
            raise ValueError("a signature needs `title` or `rip` to identify the crash")
        return self


class Mitigation(_Strict):
    kind: MitigationKind
    action: str  # what to do, e.g. "ipv6.disable=1" or "hotfence patch apply ID"
    effective: bool = True  # False documents a popular workaround that does not work
    note: str = ""


class Entry(_Strict):
    id: str = pydantic.Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    summary: str
    cve: list[str] = []
    references: list[str] = []
    fixes: list[str] = []  # upstream commit ids
    affected: list[Affected] = []  # empty = not known; matching then ignores the kernel
    signature: Signature | None = None
    explanation: str = ""
    mitigations: list[Mitigation] = []
    virtual_patch: dict[str, Any] | None = None  # a SocketPolicy document

    def affects(self, release: str | None) -> bool | None:
        """True/False when the release is in/out of the affected ranges; None when unknown."""
        if not release or not self.affected:
            return None
        try:
            return in_any(release, [a.range() for a in self.affected])
        except ValueError:
            return None


@dataclass
class Catalog:
    entries: dict[str, Entry]
    sources: dict[str, str]  # id -> "file:line" it came from
    # Directories that could not be read (the shipped entries still load): the CLI
    # prints these, an unreadable $HOME must not end a triage in a traceback.
    warnings: list[str] = field(default_factory=list)

    def get(self, bug_id: str) -> Entry:
        try:
            return self.entries[bug_id]
        except KeyError:
            known = ", ".join(sorted(self.entries)) or "(none)"
            raise KeyError(f"no known bug {bug_id!r}; known: {known}") from None


def user_dir() -> Path:
    """Where users add their own entries: $HOTFENCE_KNOWN_BUGS or ~/.config/hotfence/known-bugs."""
    env = os.environ.get("HOTFENCE_KNOWN_BUGS")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hotfence" / "known-bugs"


def _builtin_files() -> list[Path]:
    root = resources.files("hotfence") / "data" / "known-bugs"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith((".yaml", ".yml")))


def load_catalog(extra_dirs: list[Path] | None = None, builtin: bool = True) -> Catalog:
    """Every entry from the shipped files and the user's directories.

    A file may hold one entry or a list of entries. All problems across all files are
    collected and raised together, so a bad file never yields a half-loaded catalogue.
    """
    files = _builtin_files() if builtin else []
    warnings: list[str] = []
    for d in extra_dirs if extra_dirs is not None else [user_dir()]:
        try:
            if d.is_dir():
                files += sorted(p for p in d.rglob("*") if p.suffix in (".yaml", ".yml"))
        except OSError as exc:
            warnings.append(
                f"known-bug directory {d} skipped: {exc.strerror or exc} "
                "(its entries are not used; set HOTFENCE_KNOWN_BUGS or --known-bugs)"
            )
    entries: dict[str, Entry] = {}
    sources: dict[str, str] = {}
    problems: list[SourceIssue] = []
    for f in files:
        try:
            doc = load_yaml(f)
            items = doc.data if isinstance(doc.data, list) else [doc.data]
            for i, item in enumerate(items):
                prefix = (i,) if isinstance(doc.data, list) else ()
                entry = validate(Entry, doc, item, prefix)
                where = doc.where(prefix)
                if entry.id in entries:
                    problems.append(
                        SourceIssue(
                            doc.file,
                            doc.line_of(prefix + ("id",)),
                            "id",
                            f"{entry.id!r} already defined at {sources[entry.id]}",
                        )
                    )
                    continue
                entries[entry.id] = entry
                sources[entry.id] = where
        except SourceError as exc:
            problems += exc.issues
    if problems:
        raise SourceError(problems)
    return Catalog(entries, sources, warnings)
