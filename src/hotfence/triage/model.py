"""Typed records that triage hands to its renderers (terminal, JSON, Markdown).

These dataclasses are the boundary between parsing and output: the parser fills them,
``render`` turns them into text, and ``-o json`` is ``dataclasses.asdict`` of them
(see docs/triage-json.md for the schema).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class SourceLocation:
    """A `file:line` from DWARF, with the function it belongs to."""

    function: str
    file: str
    line: int
    inlined: bool = False  # True for every entry of an inline chain but the outermost


@dataclass
class Frame:
    """One line of a call trace (or the RIP): `func+0xoff/0xsize [module]`."""

    function: str
    offset: int | None = None
    size: int | None = None
    module: str | None = None
    unreliable: bool = False  # the kernel printed `?` before it
    inline: bool = False  # the log itself said `[inline]` (already symbolised log)
    file: str | None = None  # `file.c:123` as printed in the log, or found via --vmlinux
    line: int | None = None
    address: int | None = None
    locations: list[SourceLocation] = field(default_factory=list)  # from --vmlinux, innermost first


@dataclass
class Instruction:
    address: int  # offset from the first decoded byte (or absolute if RIP known)
    size: int
    hex: str
    text: str  # "mov rax, qword ptr [rdi + 8]"
    faulting: bool = False


@dataclass
class Disassembly:
    """The `Code:` bytes decoded; `realigned` says how many leading bytes were skipped."""

    arch: str
    bytes_hex: str
    fault_offset: int | None
    realigned: int
    instructions: list[Instruction] = field(default_factory=list)
    error: str | None = None


@dataclass
class KnownBugMatch:
    """A known-bug catalogue entry this report matches, with the evidence that matched.

    ``certainty`` is ``matched`` when every part of the entry's signature held,
    ``probable`` when the crash was identified (title and faulting function) but part of
    the evidence is absent from the log (a lost call trace), and ``possible`` when a
    weaker part held alone; ``missing`` names what did not hold.
    """

    bug_id: str
    summary: str
    evidence: list[str] = field(default_factory=list)
    certainty: str = "matched"  # "matched" | "probable" | "possible"
    missing: list[str] = field(default_factory=list)
    affected: bool | None = None  # kernel in the entry's affected ranges (None: unknown)
    mitigations: list[str] = field(default_factory=list)  # "kind: action", effective ones only


@dataclass
class Report:
    """One crash found in a log."""

    title: str
    type: str  # e.g. "NULL-POINTER-DEREFERENCE", "WARNING", "HANG" (see triage.types)
    alt_titles: list[str] = field(default_factory=list)
    corrupted: bool = False
    corrupted_reason: str | None = None
    start: int = 0  # byte offsets in the log (after decompression)
    end: int = 0
    start_line: int = 0  # 1-based line numbers
    end_line: int = 0
    rip: Frame | None = None
    # lockups: the function the watchdog caught the CPU looping in (the lockup's RIP)
    looping_function: str | None = None
    frames: list[Frame] = field(default_factory=list)
    cpu: int | None = None
    pid: int | None = None
    comm: str | None = None
    kernel_release: str | None = None
    hardware: str | None = None
    # An OOM kill's memory cgroups: the one whose limit was hit (None when the whole
    # system ran out) and the killed task's, which on a container host name the pod and
    # the container (mm/oom_kill.c dump_oom_summary(), before 4.19 memcontrol.c's "Task
    # in ... killed as a result of limit of ...")
    oom_memcg: str | None = None
    task_memcg: str | None = None
    taint: str | None = None  # the raw flag string, e.g. "G        W  O"
    taint_flags: list[str] = field(default_factory=list)  # decoded words
    # print_modules()'s "Modules linked in:" (triage.modules): names in its order, those
    # it printed with taint flags as "name(FLAGS)", and its "[last unloaded: name]"
    modules: list[str] = field(default_factory=list)
    tainting_modules: list[str] = field(default_factory=list)
    last_unloaded_module: str | None = None
    guilty_file: str | None = None
    context: list[str] = field(default_factory=list)  # notable earlier events (OOM, alloc failure)
    code: Disassembly | None = None
    known_bugs: list[KnownBugMatch] = field(default_factory=list)
    text: str = ""  # the report's own lines, prefixes stripped


@dataclass
class FileResult:
    path: str
    reports: Sequence[Report] = field(default_factory=list)  # a ReportSpill for a log
    error: str | None = None
