"""`hotfence patch list|show|apply`: the known-bug catalogue and its virtual patches."""

from __future__ import annotations

import os
import platform
import sys
import textwrap
from pathlib import Path

import click
import yaml

from hotfence import console as conventions
from hotfence.known.catalog import Affected, Catalog, Entry, load_catalog
from hotfence.yamlsource import SourceError


def _catalog(extra: tuple[str, ...]) -> Catalog:
    try:
        catalog = load_catalog([Path(d) for d in extra] if extra else None)
    except SourceError as exc:
        conventions.fail(f"invalid known-bug catalogue:\n{exc}", conventions.EXIT_USAGE)
    for warning in catalog.warnings:
        conventions.error(f"warning: {warning}")
    return catalog


def _entry(catalog: Catalog, bug_id: str) -> Entry:
    if bug_id not in catalog.entries:
        conventions.fail(
            conventions.unknown_name("bug id", bug_id, sorted(catalog.entries), listed=5),
            conventions.EXIT_USAGE,
        )
    return catalog.entries[bug_id]


def _complete_bug_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of BUG_ID from the catalogue (and the --known-bugs given so far)."""
    try:
        catalog = load_catalog([Path(d) for d in ctx.params.get("known") or ()] or None)
    except SourceError:
        return []  # a broken user entry must not break the shell; the command says why
    return sorted(i for i in catalog.entries if i.startswith(incomplete))


def _this_kernel() -> str:
    return f"{platform.release()} {platform.version()}"


def _spec(a: Affected) -> str:
    """[4.6, 5.9) as ">=4.6,<5.9": one token, so a piped row splits on whitespace."""
    parts = ([f">={a.introduced}"] if a.introduced else []) + ([f"<{a.fixed}"] if a.fixed else [])
    return ",".join(parts) or "all"


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _entry_json(entry: Entry, source: str, running: str) -> dict[str, object]:
    data = entry.model_dump(mode="json")
    data["source"] = source
    data["affects_this_kernel"] = entry.affects(running)
    return data


known_dirs = click.option(
    "--known-bugs",
    "known",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Directory of extra catalogue entries (default: ~/.config/hotfence/known-bugs).",
)


@click.group(cls=conventions.Group)
def patch() -> None:
    """Known kernel bugs and their virtual patches (socket policies that fence the trigger)."""


# AFFECTED can hold several ranges (nf-tables has three): on a narrow terminal it goes
# under the record with the summary, so the ID column never has to give way.
LIST_COLUMNS = (
    conventions.Column("ID"),
    conventions.Column("CVE"),
    conventions.Column("THIS-KERNEL"),
    conventions.Column("PATCH"),
    conventions.Column("AFFECTED", long=True),
    conventions.Column("SUMMARY", long=True),
)


@patch.command("list")
@known_dirs
@click.option("--all", "show_all", is_flag=True, help="Also list entries without a virtual patch.")
@conventions.output_option()
def list_(known: tuple[str, ...], show_all: bool, output: str) -> None:
    """List catalogue entries; by default those that come with a virtual patch.

    AFFECTED is the kernel range (">=4.6.0,<5.9.0"), THIS-KERNEL whether the running
    kernel is in it. Pass an ID to `hotfence patch show` or `hotfence patch apply`.
    """
    catalog = _catalog(known)
    running = _this_kernel()
    entries = [
        e
        for e in sorted(catalog.entries.values(), key=lambda e: e.id)
        if e.virtual_patch is not None or show_all
    ]
    if output == "json":
        conventions.print_json([_entry_json(e, catalog.sources[e.id], running) for e in entries])
        return
    conventions.print_table(
        LIST_COLUMNS,
        [
            (
                e.id,
                ",".join(e.cve),
                _yes_no(e.affects(running)),
                "yes" if e.virtual_patch else "no",
                ";".join(_spec(a) for a in e.affected) or "unknown",
                e.summary,
            )
            for e in entries
        ],
    )
    if not entries:
        conventions.note("no entries" + ("" if show_all else " with a virtual patch; try --all"))


@patch.command()
@known_dirs
@click.argument("bug_id", shell_complete=_complete_bug_ids)
@conventions.output_option()
def show(known: tuple[str, ...], bug_id: str, output: str) -> None:
    """Show one entry: explanation, signature, fixes, mitigations and its virtual patch."""
    catalog = _catalog(known)
    entry = _entry(catalog, bug_id)
    running = _this_kernel()
    if output == "json":
        conventions.print_json(_entry_json(entry, catalog.sources[entry.id], running))
        return
    # One "label: value" line per fact, whole, so a pipe can grep them; the prose of the
    # explanation is kept as the catalogue wrote it.
    # Piped, every fact and paragraph is one line (grep finds it whole). On a terminal
    # they wrap under their label, never inside a word, path or id.
    terminal = conventions.is_terminal(sys.stdout)
    width = conventions.terminal_width()

    def wrap(text: str, first: str = "", rest: str = "    ") -> list[str]:
        if not terminal:
            return [first + text]
        return textwrap.wrap(
            text,
            width=width,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )

    lines = [f"id: {entry.id}", *wrap(f"summary: {entry.summary}")]
    lines += wrap(f"defined at: {catalog.sources[entry.id]}")
    if entry.cve:
        lines += wrap("CVE: " + ", ".join(entry.cve))
    if entry.fixes:
        lines += wrap("fixed upstream by: " + ", ".join(entry.fixes))
    affected = ", ".join(str(a.range()) for a in entry.affected) or "unknown"
    lines += wrap(f"affected: {affected} (this kernel: {_yes_no(entry.affects(running))})")
    if entry.signature:
        sig = entry.signature
        for label, values in (
            ("title", sig.title),
            ("rip", sig.rip),
            ("trace", sig.trace),
            ("preceded by", sig.preceded_by),
        ):
            if values:
                lines += wrap(f"signature {label}: " + ", ".join(values))
    if entry.explanation:
        lines += ["", *wrap(" ".join(entry.explanation.split()), rest=""), ""]
    lines.append("mitigations:")
    for m in entry.mitigations:
        status = "" if m.effective else " (does not work)"
        head = f"  - {m.kind.value}: "
        if m.action.startswith("hotfence "):
            # A command to copy is never wrapped; if it does not fit beside its label it
            # gets a line of its own.
            text = f"{m.action}{status}"
            if terminal and len(head) + len(text) > width:
                lines += [head.rstrip(), "    " + text]
            else:
                lines.append(head + text)
        else:
            lines += wrap(f"{m.action}{status}", head)
        if m.note:
            lines += wrap(m.note, "    ")
    click.echo("\n".join(lines))


def patch_policy_file(entry: Entry) -> Path:
    """Write the entry's virtual patch as a policy file (so `fence status` can name it)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    path = base / "hotfence" / "patches" / f"{entry.id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Virtual patch for known bug {entry.id}: {entry.summary}\n# Written by `hotfence patch apply`.\n"
    path.write_text(header + yaml.safe_dump(entry.virtual_patch, sort_keys=False))
    return path


@patch.command()
@known_dirs
@click.argument("bug_id", shell_complete=_complete_bug_ids)
@click.option(
    "--cgroup", required=True, help="cgroup v2 directory to fence (a container's cgroup)."
)
@click.option(
    "--force",
    is_flag=True,
    help="Apply even when this kernel is outside the entry's affected range.",
)
@click.option(
    "--kernel", "release", help="Kernel release to check against (default: the running kernel)."
)
@conventions.output_option()
def apply(
    known: tuple[str, ...],
    bug_id: str,
    cgroup: str,
    force: bool,
    release: str | None,
    output: str,
) -> None:
    """Apply a known bug's virtual patch (a socket policy) to a cgroup, persistently."""
    catalog = _catalog(known)
    entry = _entry(catalog, bug_id)
    if entry.virtual_patch is None:
        why = next(
            (m.note for m in entry.mitigations if m.kind.value == "virtual-patch" and m.note), ""
        )
        conventions.fail(
            f"{bug_id} has no virtual patch{': ' + why if why else ''}", conventions.EXIT_USAGE
        )
    release = release or f"{platform.release()} {platform.version()}"
    affected = entry.affects(release)
    if affected is False and not force:
        ranges = ", ".join(str(a.range()) for a in entry.affected)
        conventions.fail(
            f"kernel {release} is outside the affected range {ranges} of {bug_id}; "
            "nothing applied (use --force to apply anyway)"
        )
    if affected is None:
        conventions.note(f"affected kernels of {bug_id} are unknown; applying")
    from hotfence.bpf.build import BuildError
    from hotfence.bpf.libbpf import LibbpfError
    from hotfence.fence.backends.cgroupfs import FenceError
    from hotfence.fence.compiler import compile_file
    from hotfence.fence.policy import PolicyError
    from hotfence.fence.service import apply_policy, coverage_summary

    policy_file = str(patch_policy_file(entry))
    try:
        result = apply_policy(compile_file(policy_file), cgroup, policy_file)
    except (FenceError, LibbpfError, BuildError, PolicyError) as exc:
        raise click.ClickException(f"{bug_id}: {exc}") from None
    conventions.note(f"backend {result.selection.name}: {result.selection.reason}")
    if output == "json":
        conventions.print_json({"bug_id": bug_id, **result.as_dict()})
        return
    click.echo(result.headline())
    for line in coverage_summary(result.coverages):
        click.echo(line)
