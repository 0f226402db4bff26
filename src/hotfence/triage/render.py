"""Turn triage results into terminal text (rich), one JSON document, or Markdown.

The JSON document is ``{"version", "files": [...], "groups": [...]}``; each report is
``dataclasses.asdict`` of :class:`hotfence.triage.model.Report`. The schema is
documented in docs/triage-json.md. Groups collect identical titles across all files
so an operator sees at once which crash recurs.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from hotfence import console as conventions

# msgspec and rich (~20 ms of imports) are loaded by the renderer that uses them, and the
# model's dataclasses are annotations here: the command line imports this module for
# FORMATS, and `triage --help` needs none of them.
if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from hotfence.triage.model import Disassembly, FileResult, Frame, KnownBugMatch, Report
    from hotfence.triage.source import SourceLines

JSON_VERSION = 1
FORMATS = ("text", "json", "markdown")


@dataclass
class Group:
    """All reports with one title, across every input file."""

    title: str
    type: str
    count: int = 0
    files: list[str] = field(default_factory=list)


def group_titles(results: list[FileResult]) -> list[Group]:
    """Identical titles grouped with their report count and the files they occur in,
    most frequent first (ties by title, so the order is stable)."""
    groups: dict[str, Group] = {}
    for res in results:
        for rep in res.reports:
            _add_to_groups(groups, res.path, rep)
    return _sorted_groups(groups)


def _add_to_groups(groups: dict[str, Group], path: str, rep: Report) -> None:
    g = groups.setdefault(rep.title, Group(rep.title, rep.type))
    g.count += 1
    if path not in g.files:
        g.files.append(path)


def _sorted_groups(groups: dict[str, Group]) -> list[Group]:
    return sorted(groups.values(), key=lambda g: (-g.count, g.title))


# -- shared text helpers ----------------------------------------------------------------


def frame_text(frame: Frame) -> str:
    """``func+0xoff/0xsize [module]`` as the kernel prints it."""
    s = frame.function
    if frame.offset is not None:
        s += f"+{frame.offset:#x}"
        if frame.size is not None:
            s += f"/{frame.size:#x}"
    if frame.module:
        s += f" [{frame.module}]"
    return s


def frame_source(frame: Frame) -> str:
    if frame.file:
        return f"{frame.file}:{frame.line}" if frame.line is not None else frame.file
    return ""


def inline_lines(frame: Frame) -> list[str]:
    """``func file:line [inline]`` for each inlined location of a symbolised frame,
    innermost first, as decode_stacktrace.sh prints them before the frame itself."""
    return [
        f"{loc.function} {loc.file}:{loc.line} [inline]" for loc in frame.locations if loc.inlined
    ]


def where(report: Report) -> str:
    if report.rip is None:
        return ""
    s = frame_text(report.rip)
    src = frame_source(report.rip)
    return f"{s} {src}".strip()


def disassembly_lines(code: Disassembly) -> list[tuple[str, bool]]:
    """(line, faulting) for each instruction, objdump-style offsets."""
    return [
        (f"{ins.address:4x}:  {ins.hex:<24} {ins.text}", ins.faulting) for ins in code.instructions
    ]


# -- JSON -------------------------------------------------------------------------------


def to_json(results: list[FileResult], extra: dict[str, Any] | None = None) -> str:
    """The one JSON document of a run (docs/triage-json.md); ``extra`` adds top-level keys."""
    out = io.StringIO()
    write_json(results, out, extra)
    return out.getvalue()


def write_json(
    results: Iterable[FileResult], out: IO[str], extra: dict[str, Any] | None = None
) -> None:
    """Write the document of :func:`to_json` to ``out`` one report at a time.

    The document of a large log is several times the size of its reports (300 MB for
    24,000 reports): built whole, it and its copies were most of the CLI's memory. Each
    report is encoded by msgspec (the dataclasses directly, fields in order, as
    ``dataclasses.asdict`` gives them) and indented for its depth; the bytes are those
    of formatting the whole document with ``indent=2`` (tests/test_render_json.py).
    """
    import msgspec

    enc = msgspec.json.Encoder()

    def value(obj: Any, depth: int) -> str:
        # Formatted alone, then shifted right: JSON strings hold no raw newline.
        text = msgspec.json.format(enc.encode(obj), indent=2).decode()
        return text.replace("\n", "\n" + "  " * depth)

    groups: dict[str, Group] = {}
    out.write('{\n  "version": ' + value(JSON_VERSION, 1) + ',\n  "files": ')
    n_files = 0
    for res in results:
        out.write(",\n    {\n" if n_files else "[\n    {\n")
        n_files += 1
        out.write('      "path": ' + value(res.path, 3) + ",\n")
        out.write('      "error": ' + value(res.error, 3) + ',\n      "reports": ')
        for i, rep in enumerate(res.reports):
            out.write(",\n        " if i else "[\n        ")
            out.write(value(rep, 4))
            _add_to_groups(groups, res.path, rep)
        out.write("\n      ]\n    }" if res.reports else "[]\n    }")
    out.write("\n  ]" if n_files else "[]")
    out.write(',\n  "groups": ' + value(_sorted_groups(groups), 1))
    for key, obj in (extra or {}).items():
        out.write(",\n  " + value(key, 1) + ": " + value(obj, 1))
    out.write("\n}")


# -- Markdown ---------------------------------------------------------------------------


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("`", "'")


def to_markdown(results: list[FileResult], sources: SourceLines | None = None) -> str:
    out: list[str] = ["# hotfence triage", ""]
    for res in results:
        out += [f"## `{_md_escape(res.path)}`", ""]
        if res.error:
            out += [f"**error:** {_md_escape(res.error)}", ""]
            if not res.reports:
                continue
        if not res.reports:
            out += ["No crash found.", ""]
            continue
        for rep in res.reports:
            out += _md_report(rep, sources)
    groups = group_titles(results)
    if groups:
        out += ["## Titles", "", "| count | type | title | files |", "| ---: | --- | --- | --- |"]
        for g in groups:
            files = ", ".join(f"`{_md_escape(f)}`" for f in g.files)
            out.append(f"| {g.count} | {g.type} | {_md_escape(g.title)} | {files} |")
        out.append("")
    return "\n".join(out)


def _md_report(rep: Report, sources: SourceLines | None = None) -> list[str]:
    out = [f"### {_md_escape(rep.title)}", ""]
    facts = [
        (
            "type",
            rep.type
            + (" (corrupted: " + (rep.corrupted_reason or "yes") + ")" if rep.corrupted else ""),
        )
    ]
    if rep.alt_titles:
        facts.append(("also", "; ".join(rep.alt_titles)))
    if where(rep):
        facts.append(("where", where(rep)))
    if rep.looping_function:
        facts.append(("looping in", rep.looping_function))
    if rep.guilty_file:
        facts.append(("guilty file", rep.guilty_file))
    task = _task(rep)
    if task:
        facts.append(("task", task))
    if _memcg(rep):
        facts.append(("memory cgroup", _memcg(rep)))
    if rep.kernel_release:
        facts.append(("kernel", rep.kernel_release))
    if rep.hardware:
        facts.append(("hardware", rep.hardware))
    if rep.taint_flags:
        facts.append(("taint", f"{rep.taint} ({', '.join(rep.taint_flags)})"))
    if _modules(rep):
        facts.append(("modules", _modules(rep)))
    facts.append(("lines", f"{rep.start_line}-{rep.end_line}"))
    out += [f"- **{k}:** {_md_escape(v)}" for k, v in facts]
    out.append("")
    if rep.context:
        out += ["Earlier in the log:", "", "```"] + rep.context + ["```", ""]
    if rep.rip is not None or rep.frames:
        out += ["```", *_trace_lines(rep), "```", ""]
    src = source_lines(rep, sources)
    if src:
        out += ["Source:", "", "```", *src, "```", ""]
    if rep.code is not None:
        out += _md_code(rep.code)
    for m in rep.known_bugs:
        label = "Known bug" if m.certainty == "matched" else f"{m.certainty.capitalize()} known bug"
        out += [f"**{label} `{m.bug_id}`**: {_md_escape(m.summary)}{_affected_text(m)}", ""]
        out += [f"- evidence: {_md_escape(e)}" for e in m.evidence]
        out += [f"- missing: {_md_escape(e)}" for e in m.missing]
        out += [f"- mitigation: {_md_escape(x)}" for x in m.mitigations]
        out.append("")
    return out


def _affected_text(m: KnownBugMatch) -> str:
    if m.affected is None:
        return ""
    return (
        " (this kernel is in the affected range)"
        if m.affected
        else " (this kernel is outside the affected range)"
    )


def _md_code(code: Disassembly) -> list[str]:
    head = f"Code ({code.arch}"
    head += f", {code.realigned} bytes skipped)" if code.realigned else ")"
    if code.error and not code.instructions:
        return [f"{head}: {code.error}", ""]
    lines = [
        ("* " if f else "  ") + line + ("  <-- faulting" if f else "")
        for line, f in disassembly_lines(code)
    ]
    return [head + ":", "", "```", *lines, "```", ""]


def _trace_lines(rep: Report) -> list[str]:
    out: list[str] = []
    if rep.rip is not None:
        out += [f"RIP: {line}" for line in inline_lines(rep.rip)]
        out.append(f"RIP: {frame_text(rep.rip)} {frame_source(rep.rip)}".rstrip())
    if rep.frames:
        out.append("Call Trace:")
    for f in rep.frames:
        out += [f" {line}" for line in inline_lines(f)]
        mark = "? " if f.unreliable else ""
        tail = " [inline]" if f.inline else ""
        out.append(f" {mark}{frame_text(f)} {frame_source(f)}".rstrip() + tail)
    return out


def _modules(rep: Report) -> str:
    """``36 loaded, tainting: overlay(T); last unloaded: x`` (empty without a list)."""
    if not rep.modules and rep.last_unloaded_module is None:
        return ""
    text = f"{len(rep.modules)} loaded"
    if rep.tainting_modules:
        text += ", tainting: " + " ".join(rep.tainting_modules)
    if rep.last_unloaded_module is not None:
        text += f"; last unloaded: {rep.last_unloaded_module}"
    return text


def _memcg(rep: Report) -> str:
    """An OOM kill's victim's memory cgroup, and the one whose limit it hit when that was
    a cgroup's ("" for other reports)."""
    if rep.task_memcg is None:
        return ""
    if rep.oom_memcg is None:
        return rep.task_memcg
    return f"{rep.task_memcg} (limit of {rep.oom_memcg})"


def _task(rep: Report) -> str:
    parts = []
    if rep.comm:
        parts.append(rep.comm)
    if rep.pid is not None:
        parts.append(f"pid {rep.pid}")
    if rep.cpu is not None:
        parts.append(f"cpu {rep.cpu}")
    return ", ".join(parts)


# -- terminal ---------------------------------------------------------------------------


def source_lines(rep: Report, sources: SourceLines | None) -> list[str]:
    """``function file:line | text`` for each symbolised RIP location whose source we
    have, innermost first: the lines the CPU was executing, through every inline."""
    if sources is None or rep.rip is None:
        return []
    out = []
    for loc in rep.rip.locations:
        text = sources.line(loc.file, loc.line)
        if text is not None:
            out.append(f"{loc.function} {loc.file}:{loc.line} | {text}")
    return out


# Titles are what `crashes` and known-bug signatures match on: never wrapped or cut.
TITLE_COLUMNS = (
    conventions.Column("COUNT"),
    conventions.Column("TYPE"),
    conventions.Column("FILES"),
    conventions.Column("TITLE", long=True, whole=True),
)


def to_terminal(
    results: list[FileResult], console: Console, sources: SourceLines | None = None
) -> None:
    """Readable report per crash: title, type, where, task, taint, trace, disassembly."""
    from rich.rule import Rule
    from rich.text import Text

    for res in results:
        console.print(Rule(Text(res.path, style="bold")))
        if res.error:
            console.print(Text(f"error: {res.error}", style="bold red"))
            if not res.reports:  # an input that failed part-way still shows what it had
                continue
        if not res.reports:
            console.print(Text("no crash found", style="green"))
            continue
        for i, rep in enumerate(res.reports, 1):
            _term_report(rep, i, len(res.reports), console, sources)
    groups = group_titles(results)
    # A summary only says something new when there are several crashes to group.
    if sum(g.count for g in groups) > 1:
        console.print(Text("Titles across all inputs", style="bold"))
        table = conventions.render_table(
            TITLE_COLUMNS,
            [(str(g.count), g.type, str(len(g.files)), g.title) for g in groups],
            width=console.width,
            terminal=console.is_terminal,
        )
        console.print(Text(table), soft_wrap=True)


def _term_report(
    rep: Report, index: int, total: int, console: Console, sources: SourceLines | None = None
) -> None:
    # One print per report: rich's print costs ~50 us a call whatever its size, and a
    # report has dozens of lines (1 s of 2.4 for the 612 reports of the benchmark log).
    from rich.text import Text

    out = [Text.assemble((f"[{index}/{total}] ", "dim"), (rep.title, "bold red"))]
    rows: list[tuple[str, Text]] = [("type", Text(rep.type))]
    if rep.corrupted:
        rows.append(("corrupted", Text(rep.corrupted_reason or "yes", style="yellow")))
    for alt in rep.alt_titles:
        rows.append(("also", Text(alt)))
    if where(rep):
        rows.append(("where", Text(where(rep), style="cyan")))
    if rep.looping_function:
        rows.append(("looping in", Text(rep.looping_function, style="bold")))
    if rep.guilty_file:
        rows.append(("guilty file", Text(rep.guilty_file, style="bold")))
    if _task(rep):
        rows.append(("task", Text(_task(rep))))
    if _memcg(rep):
        rows.append(("memory cgroup", Text(_memcg(rep))))
    if rep.kernel_release:
        rows.append(("kernel", Text(rep.kernel_release)))
    if rep.hardware:
        rows.append(("hardware", Text(rep.hardware)))
    if rep.taint is not None:
        words = ", ".join(rep.taint_flags) if rep.taint_flags else "not tainted"
        rows.append(("taint", Text(f"{rep.taint.strip()} ({words})")))
    if _modules(rep):
        rows.append(("modules", Text(_modules(rep))))
    rows.append(("lines", Text(f"{rep.start_line}-{rep.end_line}")))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        out.append(Text.assemble((f"  {key:<{width}}  ", "dim"), value))
    if rep.context:
        out.append(Text("  earlier in the log:", style="dim"))
        for line in rep.context:
            out.append(Text(f"    {line}", style="yellow"))
    trace = _trace_lines(rep)
    if trace:
        out.append(Text("  trace:", style="dim"))
        for line in trace:
            style = "dim" if line.lstrip().startswith("?") else ""
            out.append(Text(f"    {line}", style=style))
    src = source_lines(rep, sources)
    if src:
        out.append(Text("  source:", style="dim"))
        for line in src:
            out.append(Text(f"    {line}", style="cyan"))
    if rep.code is not None:
        code = rep.code
        label = f"  code ({code.arch}" + (
            f", {code.realigned} bytes skipped)" if code.realigned else ")"
        )
        if code.error and not code.instructions:
            out.append(Text(f"{label}: {code.error}", style="dim"))
        else:
            out.append(Text(label + ":", style="dim"))
            for line, faulting in disassembly_lines(code):
                if faulting:
                    out.append(Text(f"  > {line}   <-- faulting", style="bold reverse red"))
                else:
                    out.append(Text(f"    {line}"))
    for m in rep.known_bugs:
        out.append(
            Text.assemble(
                (
                    "  known bug " if m.certainty == "matched" else f"  {m.certainty} known bug ",
                    "dim",
                ),
                (m.bug_id, "bold magenta"),
                f": {m.summary}{_affected_text(m)}",
            )
        )
        for e in m.evidence:
            out.append(Text(f"    evidence: {e}"))
        for e in m.missing:
            out.append(Text(f"    missing: {e}", style="yellow"))
        for x in m.mitigations:
            out.append(Text(f"    mitigation: {x}", style="green"))
    console.print(Text("\n").join(out))
    console.print()


def render(
    results: list[FileResult], fmt: str, out: IO[str], sources: SourceLines | None = None
) -> None:
    """Write ``results`` to ``out`` in ``fmt`` (one of FORMATS). Only the terminal's text
    goes through a rich console, made here: JSON and Markdown are written as they are,
    and a run that writes them does not import rich's console (~20 ms of start-up)."""
    if fmt == "json":
        write_json(results, out)
        out.write("\n")
    elif fmt == "markdown":
        out.write(to_markdown(results, sources) + "\n")
    elif fmt == "text":
        from rich.console import Console

        to_terminal(results, Console(file=out, highlight=False, soft_wrap=True), sources)
    else:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
