"""Render a :class:`VmcoreReport` as text, JSON or Markdown.

The crash-style sections (``sys``, ``bt -l``, ``dis -rl``, the objects, ``foreach bt``
grouped, the network namespaces, ``ps``, ``kmem -i``, ``kmem -s``, ``mod``, ``log -T``)
are plain lines built once here and shown in the terminal or in Markdown code blocks;
the structured reports after them go through the log renderers unchanged, so a vmcore
and a console log of the same crash read alike. JSON: docs/triage-json.md (``vmcore``).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from hotfence.triage.model import FileResult
from hotfence.triage.render import to_json, to_markdown, to_terminal
from hotfence.triage.source import SourceLines
from hotfence.triage.vmcore import PT_REGS, VmcoreDisassembly, VmcoreReport
from hotfence.triage.vmcore_system import MemorySummary, as_dict


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


def register_lines(regs: dict[str, int]) -> list[str]:
    """An exception frame's registers, three to a line, as crash prints them."""
    names = [n for n in PT_REGS if n in regs]
    cells = [f"{n.upper():>3}: {regs[n]:016x}" for n in names]
    return ["    " + "  ".join(cells[i : i + 3]) for i in range(0, len(cells), 3)]


def stack_lines(vr: VmcoreReport) -> list[str]:
    """``bt -l``: one line per frame with crash's stack slot, then its ``file: line``
    (inline frames share a PC); the panic wait loop folded; exception frames with
    their registers."""
    out: list[str] = []
    top_pc = vr.stack[0].pc if vr.stack else None  # where the CPU stopped, not a fault
    loop = [e for e in vr.stack if e.panic_loop]
    if loop:
        names = " <- ".join(dict.fromkeys(e.function for e in loop))
        out.append(f"#{loop[0].index}-{loop[-1].index} panic wait loop ({names}): the CPU "
                   "spinning in panic() when the dump was taken, folded")  # fmt: skip
    for e in vr.stack:
        if e.panic_loop:
            continue
        if e.user:
            out.append(f"#{e.index:<2} [{e.slot:016x}] user space at {e.pc:016x}")
            continue
        name = e.function + (f"+{e.offset:#x}" if e.offset is not None and not e.inline else "")
        where = "[inline]" + " " * 10 if e.inline else f"[{e.slot:016x}]"
        tail = f" [{e.module}]" if e.module else ""
        if e.interrupted and e.pc != top_pc:
            tail += "  (exception frame: pc is the faulting instruction)"
        out.append(f"#{e.index:<2} {where} {name} at {e.pc:016x}{tail}")
        if e.file:
            out.append(f"    {e.file}: {e.line}")
        if e.registers and e.pc != top_pc:
            out += register_lines(e.registers)
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
    out = ["      PID    PPID  CPU       TASK        ST      VSZ     RSS  COMM"]
    for t in vr.tasks:
        mark = "*" if t.crashed else (">" if t.active else " ")
        out.append(
            f"{mark} {t.pid:>7} {t.ppid:>7}  {t.cpu:>3}  {t.address:016x}  {t.state:<2} "
            f"{t.vsz_kb:>8} {t.rss_kb:>7}  {t.comm}"
        )
    return out


def object_lines(vr: VmcoreReport) -> list[str]:
    """The socket / sock / net the crashing code was given, the NULL pointer, and which
    slab cache each object lives in (``kmem ADDR``)."""
    out: list[str] = []
    np = vr.null_pointer
    if np is not None:
        what = (
            f"{np.path} = {np.value:#x}, in {np.register}"
            if np.path
            else f"{np.register} = {np.value:#x}"
        )
        out.append(f"NULL pointer: {what}; the fault read {np.register}+{np.displacement:#x}")
        out += [f"    traced through {ld}" for ld in np.loads]
    slabs = {i.address: i for i in vr.slab_objects}
    for o in vr.objects:
        struct = f"struct {o.kind}"
        out.append(f"{struct} {o.address:016x}  (from {o.source})")
        fields = ", ".join(
            f"{k}={v:#x}" if k in POINTER_FIELDS and isinstance(v, int) else f"{k}={v}"
            for k, v in o.fields.items()
        )
        out.append(f"    {fields}")
        info = slabs.get(o.address)
        if info is not None:
            state = {True: "allocated", False: "FREE", None: "state unknown"}[info.allocated]
            out.append(f"    kmem: {info.cache} object {info.object_address:016x}, {state}")
    if not out:
        out.append("no struct socket / sock / net found in the crashing frames")
    return out


def group_lines(vr: VmcoreReport) -> list[str]:
    """``foreach bt``, folded: one line per distinct stack, with its task count."""
    out = []
    for g in vr.stack_groups:
        who = ", ".join(g.comms[:4]) + (f" +{len(g.comms) - 4}" if len(g.comms) > 4 else "")
        pids = ", ".join(map(str, g.pids[:8])) + (" ..." if len(g.pids) > 8 else "")
        mark = "*" if g.crashed else " "
        noun = "task " if g.count == 1 else "tasks"
        out.append(f"{mark}{g.count:>4} {noun} in {g.summary}")
        out.append(f"           {'/'.join(g.states)}  pid {pids}  ({who})")
    return out


def netns_lines(vr: VmcoreReport) -> list[str]:
    ns = vr.netns
    if ns is None:
        return []
    out = [
        f"{ns.count} in net_namespace_list, {ns.setting_up} being set up (setup_net in a "
        f"task's stack), {ns.cleaning_up} queued for cleanup (cleanup_list)"
    ]
    out.append("          NET        INUM  REFS  STATE       TASKS")
    for n in ns.namespaces:
        tasks = ", ".join(map(str, n.tasks))
        out.append(f"  {n.address:016x}  {n.inum:>10}  {n.refcount:>4}  {n.state:<10}  {tasks}")
    if ns.crashed_task_netns is not None:
        out.append(f"crashed task's netns: {ns.crashed_task_netns}")
    if ns.crashed_task_sockets:
        out.append("crashed task's sockets:")
        for s in ns.crashed_task_sockets:
            out.append(
                f"  fd {s.fd}: socket {s.address:016x} sk {s.sk:016x} {s.family} {s.type} "
                f"proto {s.protocol} netns {s.netns_inum}"
            )
    else:
        out.append("crashed task's sockets: none open")
    return out


def slab_lines(vr: VmcoreReport) -> list[str]:
    """``kmem -s``, the largest caches first."""
    out = ["  CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE      TOTAL SIZE  NAME"]
    for c in vr.slabs:
        out.append(
            f"  {c.address:016x} {c.object_size:>7} {c.active_objs:>10} {c.total_objs:>9} "
            f"{c.slabs:>6} {c.slab_size // 1024:>4}k {c.total_bytes / 2**20:>11.1f} MB  {c.name}"
        )
    return out


def module_lines(vr: VmcoreReport) -> list[str]:
    out = ["      MODULE          NAME                     BASE      SIZE  DEBUGINFO"]
    for m in vr.modules_loaded:
        out.append(
            f"  {m.address:016x}  {m.name:<20} {m.base:016x} {m.size:>7}  {m.debuginfo or '-'}"
        )
    return out


POINTER_FIELDS = frozenset({"sk", "socket", "file", "user_data"})
_STAMP = re.compile(r"^\[\s*(\d+)\.(\d{6})\] ")


def wall_log(vr: VmcoreReport) -> list[str]:
    """``log -T``: each line's monotonic stamp turned into wall-clock time (UTC)."""
    if vr.wall_offset_ns is None:
        return vr.log
    out = []
    for line in vr.log:
        m = _STAMP.match(line)
        if m is None:
            out.append(line)
            continue
        ns = (int(m.group(1)) * 1_000_000 + int(m.group(2))) * 1000 + vr.wall_offset_ns
        t = datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.UTC)
        # ctime's layout, as crash prints it: the day of the month padded with a space
        out.append(f"[{t:%a %b} {t.day:2d} {t:%H:%M:%S} UTC {t.year}] {line[m.end() :]}")
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

    limit = mem.commit_limit_pages
    committed = f"{100 * mem.committed_pages / limit:.0f}% of TOTAL LIMIT" if limit else ""
    rows = [
        ("PRESENT", mem.present_pages, "physical RAM"),
        ("TOTAL MEM", mem.total_pages, ""),
        ("FREE", mem.free_pages, pct(mem.free_pages)),
        ("USED", mem.used_pages, pct(mem.used_pages)),
        ("SHARED", mem.shared_pages, pct(mem.shared_pages)),
        ("BUFFERS", mem.buffers_pages, pct(mem.buffers_pages)),
        ("CACHED", mem.cached_pages, pct(mem.cached_pages)),
        ("SLAB", mem.slab_pages, pct(mem.slab_pages)),
        ("TOTAL HUGE", mem.total_huge_pages, ""),
        ("TOTAL SWAP", mem.total_swap_pages, ""),
        ("SWAP FREE", mem.free_swap_pages, ""),
        ("COMMIT LIMIT", mem.commit_limit_pages, ""),
        ("COMMITTED", mem.committed_pages, committed),
    ]
    out = [f"{'':>12}  {'PAGES':>10}  {'TOTAL':>10}  PERCENTAGE"]
    out += [f"{k:>12}  {p:>10}  {size(p):>10}  {x}".rstrip() for k, p, x in rows]
    return out


def sections(vr: VmcoreReport) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each crash-style section, in crash's usual reading order."""
    out = [("sys", sys_lines(vr)), ("bt -l (crashed task)", stack_lines(vr))]
    if vr.disassembly is not None:
        where = "the call that panicked" if vr.disassembly.return_address else "the crash pc"
        out.append((f"dis -rl (around {where})", dis_lines(vr.disassembly)))
    out.append(("objects (what the crashing code was given)", object_lines(vr)))
    out.append(("foreach bt (tasks grouped by identical stack)", group_lines(vr)))
    out.append(("net namespaces", _or_reason(vr, "netns", netns_lines(vr))))
    out.append(("ps", ps_lines(vr)))
    mem = kmem_lines(vr.memory) if vr.memory is not None else []
    out.append(("kmem -i", _or_reason(vr, "memory", mem)))
    out.append(
        (f"kmem -s (top {len(vr.slabs)} caches by size)", _or_reason(vr, "slabs", slab_lines(vr)))
    )
    out.append(("mod", _or_reason(vr, "modules_loaded", module_lines(vr))))
    out.append((f"log -T ({len(vr.log)} lines)", wall_log(vr)))
    return out


def _or_reason(vr: VmcoreReport, section: str, lines: list[str]) -> list[str]:
    reason = vr.unavailable.get(section)
    return [f"not available in this core: {reason}"] if reason else lines


def vmcore_json(vr: VmcoreReport) -> dict[str, Any]:
    """The ``vmcore`` object of the JSON document: the report without ``reports``
    (those are under ``files[0].reports`` like any log's)."""
    d = dataclasses.asdict(vr)
    d.pop("reports")
    d["stack_groups"] = [as_dict(g) for g in vr.stack_groups]
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
