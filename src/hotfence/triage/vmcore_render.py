"""Render a :class:`VmcoreReport` as text, JSON or Markdown.

The crash-style sections (``sys``, ``bt -l``, ``dis -rl``, ``ps``, ``kmem -i``, ``log``)
are plain lines built once here and shown in the terminal or in Markdown code blocks;
the structured reports after them go through the log renderers unchanged, so a vmcore
and a console log of the same crash read alike. JSON: docs/triage-json.md (``vmcore``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from hotfence.triage.model import FileResult
from hotfence.triage.render import to_json, to_markdown, to_terminal
from hotfence.triage.source import SourceLines
from hotfence.triage.vmcore import MemorySummary, VmcoreDisassembly, VmcoreReport


def sys_lines(vr: VmcoreReport) -> list[str]:
    """The ``crash> sys`` banner: what crashed, where, with which files."""
    task = f"{vr.crashed_comm} (pid {vr.crashed_pid})" if vr.crashed_pid is not None else "unknown"
    rows = [
        ("DUMPFILE", vr.vmcore),
        ("VMLINUX", vr.vmlinux),
        ("MODULES", ", ".join(vr.modules) or "none"),
        ("RELEASE", vr.kernel_release),
        ("PANIC", vr.panic_message or "none found in the log"),
        ("PANIC CPU", "none" if vr.panic_cpu is None else str(vr.panic_cpu)),
        ("TASK", task),
        ("TAINT", vr.taint or "not tainted"),
    ]
    return [f"{k:>10}: {v}" for k, v in rows]


def stack_lines(vr: VmcoreReport) -> list[str]:
    """``bt -l``: one line per frame, then its ``file: line`` (inline frames share a PC)."""
    out: list[str] = []
    top_pc = vr.stack[0].pc if vr.stack else None  # where the CPU stopped, not a fault
    for e in vr.stack:
        if e.user:
            out.append(f"#{e.index:<2} [{e.sp:016x}] user space at {e.pc:016x}")
            continue
        name = e.function + (f"+{e.offset:#x}" if e.offset is not None and not e.inline else "")
        where = "[inline]" if e.inline else f"[{e.sp:016x}]"
        tail = f" [{e.module}]" if e.module else ""
        if e.interrupted and e.pc != top_pc:
            tail += "  (exception frame: pc is the faulting instruction)"
        out.append(f"#{e.index:<2} {where} {name} at {e.pc:016x}{tail}")
        if e.file:
            out.append(f"    {e.file}: {e.line}")
    return out


def dis_lines(dis: VmcoreDisassembly) -> list[str]:
    """``dis -rl``: a ``file: line`` header whenever the source line changes, then
    ``address <func+off>: bytes  insn``; the PC is marked."""
    out: list[str] = []
    mod = f" [{dis.module}]" if dis.module else ""
    out.append(
        f"{dis.function}{mod}: {dis.start:#x}, {dis.size} bytes, pc {dis.function}+{dis.pc - dis.start:#x}"
    )
    if dis.skipped:
        out.append(f"... {dis.skipped} earlier instructions not shown")
    last: tuple[str | None, int | None] = (None, None)
    for ln in dis.lines:
        if ln.file and (ln.file, ln.line) != last:
            out.append(f"{ln.file}: {ln.line}")
            last = (ln.file, ln.line)
        mark = "  <-- pc" if ln.is_pc else ""
        out.append(
            f"{'>' if ln.is_pc else ' '} {ln.address:#x} <{dis.function}+{ln.offset}>:  "
            f"{ln.hex:<30} {ln.text}{mark}"
        )
    return out


def ps_lines(vr: VmcoreReport) -> list[str]:
    """``ps``: ``>`` marks tasks on a CPU at the crash, ``*`` the one that crashed."""
    out = ["      PID    PPID  CPU  ST  COMM"]
    for t in vr.tasks:
        mark = "*" if t.crashed else (">" if t.active else " ")
        out.append(f"{mark} {t.pid:>7} {t.ppid:>7}  {t.cpu:>3}  {t.state:<2}  {t.comm}")
    return out


def kmem_lines(mem: MemorySummary) -> list[str]:
    """``kmem -i``: pages, size and share of total RAM for each counter."""

    def size(pages: int) -> str:
        b = mem.bytes(pages)
        for unit, div in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
            if b >= div:
                return f"{b / div:.1f} {unit}"
        return f"{b} B"

    def pct(pages: int) -> str:
        return f"{100 * pages / mem.total_pages:.0f}% of TOTAL MEM" if mem.total_pages else ""

    rows = [
        ("PRESENT", mem.present_pages, "physical RAM"),
        ("TOTAL MEM", mem.total_pages, ""),
        ("FREE", mem.free_pages, pct(mem.free_pages)),
        ("USED", mem.used_pages, pct(mem.used_pages)),
        ("SHARED", mem.shared_pages, pct(mem.shared_pages)),
        ("CACHED", mem.cached_pages, pct(mem.cached_pages)),
        ("SLAB", mem.slab_pages, pct(mem.slab_pages)),
        ("TOTAL HUGE", mem.total_huge_pages, ""),
        ("TOTAL SWAP", mem.total_swap_pages, ""),
        ("SWAP FREE", mem.free_swap_pages, ""),
    ]
    out = [f"{'':>12}  {'PAGES':>10}  {'TOTAL':>10}  PERCENTAGE"]
    out += [f"{k:>12}  {p:>10}  {size(p):>10}  {x}".rstrip() for k, p, x in rows]
    return out


def sections(vr: VmcoreReport) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each crash-style section, in crash's usual reading order."""
    out = [("sys", sys_lines(vr)), ("bt -l (crashed task)", stack_lines(vr))]
    if vr.disassembly is not None:
        out.append(("dis -rl (around the crash pc)", dis_lines(vr.disassembly)))
    out.append(("ps", ps_lines(vr)))
    if vr.memory is not None:
        out.append(("kmem -i", kmem_lines(vr.memory)))
    out.append((f"log ({len(vr.log)} lines)", vr.log))
    return out


def vmcore_json(vr: VmcoreReport) -> dict[str, Any]:
    """The ``vmcore`` object of the JSON document: the report without ``reports``
    (those are under ``files[0].reports`` like any log's)."""
    d = dataclasses.asdict(vr)
    d.pop("reports")
    return d


def render_vmcore(
    vr: VmcoreReport, fmt: str, console: Console, sources: SourceLines | None = None
) -> None:
    """Write the vmcore sections then the structured reports in ``fmt``."""
    results = [FileResult(path=vr.vmcore, reports=vr.reports)]
    if fmt == "json":
        console.file.write(to_json(results, extra={"vmcore": vmcore_json(vr)}) + "\n")
    elif fmt == "markdown":
        out = [f"# hotfence vmcore `{vr.vmcore}`", ""]
        for head, lines in sections(vr):
            out += [f"## {head}", "", "```", *lines, "```", ""]
        console.file.write("\n".join(out) + "\n" + to_markdown(results, sources) + "\n")
    elif fmt == "text":
        for head, lines in sections(vr):
            console.print(Rule(Text(f"crash> {head}", style="bold")))
            for line in lines:
                style = "bold red" if line.startswith((">", "*")) or "<-- pc" in line else ""
                console.print(Text(line, style=style))
        to_terminal(results, console, sources)
    else:
        raise ValueError(f"unknown format {fmt!r}")
