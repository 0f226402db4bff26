"""The conventions every hotfence command follows (docs/cli.md lists them for users).

- Data, the command's result, goes to stdout; everything meant for a person (notes,
  spinners, progress, errors) goes to stderr, so ``hotfence ... | jq`` and ``| grep`` see
  only data.
- ``-o/--output text|json`` picks the form of the data (``output_option``).
- Errors are one line, ``hotfence <command>: message`` (``error``, ``fail``), and exit
  statuses mean the same thing in every command (``EXIT_*``).
- ``-q`` silences notes and spinners, ``-v`` adds detail (``note``, ``detail``); colour
  follows ``NO_COLOR`` and is never written to a pipe (rich decides both).
- Tables are laid out for 80 columns without cutting the ids a user types next, and are
  one record per line when stdout is not a terminal (``print_table``).

This module sits below every feature in the layer contract: it knows click and rich, and
nothing of hotfence.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.shell_completion import CompletionItem
from rich.cells import cell_len

# rich's console, live display and progress bars (~30 ms of imports) are loaded by the
# functions that draw them: every command's --help and usage errors go without them.
if TYPE_CHECKING:
    from rich.console import Console

# Exit statuses, the same in every command.
EXIT_OK = 0
EXIT_FAILURE = 1  # what the command defines as failure or findings (its --help says which)
EXIT_USAGE = 2  # bad usage or bad input (click's own usage errors exit 2 as well)
EXIT_NO_PERMISSION = 77  # missing capability (sysexits.h EX_NOPERM)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, what a shell reports)

OUTPUT_FORMATS = ("text", "json")

_VERBOSITY = "hotfence.verbosity"  # key in the root context's meta, shared by every subcommand
_COMMAND = "hotfence.command"  # the deepest command resolved so far, for error prefixes

F = TypeVar("F", bound=Callable[..., Any])


# --- who is speaking, and how loudly ------------------------------------------------------


def set_verbosity(ctx: click.Context, level: int) -> None:
    """-1 quiet, 0 normal, 1+ verbose; subcommand contexts share the root's meta."""
    ctx.meta[_VERBOSITY] = level


def verbosity() -> int:
    ctx = click.get_current_context(silent=True)
    return 0 if ctx is None else int(ctx.meta.get(_VERBOSITY, 0))


def command_name(ctx: click.Context | None = None) -> str:
    """``hotfence fence apply``: the prefix of every message a command writes.

    The root's own name is replaced by ``hotfence`` so the prefix is the same under
    ``python -m hotfence`` and under a test runner that names the group otherwise.
    """
    if ctx is None:
        ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "hotfence"
    resolved = ctx.meta.get(_COMMAND)
    own = " ".join(["hotfence", *ctx.command_path.split()[1:]])
    # An error raised after a subcommand was resolved belongs to that subcommand.
    if isinstance(resolved, str) and (resolved == own or resolved.startswith(own + " ")):
        return resolved
    return own


def error(message: str, ctx: click.Context | None = None) -> None:
    """The one error line: ``hotfence <command>: message`` on stderr."""
    click.echo(f"{command_name(ctx)}: {message}", err=True)


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print the error line and exit with ``code`` (one of the EXIT_* statuses)."""
    error(message)
    sys.exit(code)


def note(message: str) -> None:
    """A line for the person at the terminal (stderr); ``-q`` silences it."""
    if verbosity() >= 0:
        click.echo(f"{command_name()}: {message}", err=True)


def detail(message: str) -> None:
    """A line shown only with ``-v``."""
    if verbosity() > 0:
        click.echo(f"{command_name()}: {message}", err=True)


# --- terminals, colour, spinners ------------------------------------------------------------


def is_terminal(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def terminal_width() -> int:
    """Columns of the terminal; $COLUMNS wins, 80 when nothing says."""
    return shutil.get_terminal_size((80, 24)).columns


def stderr_console() -> Console:
    """A rich console for people. rich turns colour off for NO_COLOR, TERM=dumb and pipes."""
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=False)


def _animated() -> bool:
    """Spinners and bars only on a terminal, and not with -q."""
    return verbosity() >= 0 and is_terminal(sys.stderr)


@contextlib.contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner on stderr while a slow step runs (a BPF build, a download, a boot).

    Off a terminal nothing animates; with -v the step is still named on its own line.
    """
    if not _animated():
        detail(message)
        yield
        return
    from rich.live import Live
    from rich.spinner import Spinner

    # rich would send what is written to stdout meanwhile through its stderr console:
    # data must stay on stdout even when only stderr is a terminal.
    spinner = Spinner("dots", text=message)
    with Live(spinner, console=stderr_console(), transient=True, redirect_stdout=False):
        yield


@contextlib.contextmanager
def progress(
    description: str, total: float | None, *, unit: str = "items"
) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr; yields ``advance(amount)``. ``unit="bytes"`` shows sizes."""
    if not _animated():
        detail(description)
        yield lambda amount: None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    if unit == "bytes":
        columns += [DownloadColumn(), TransferSpeedColumn()]
    else:
        columns += [TaskProgressColumn()]
    columns.append(TimeRemainingColumn())
    with Progress(*columns, console=stderr_console(), transient=True, redirect_stdout=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda amount: bar.advance(task, amount)


# --- data on stdout ------------------------------------------------------------------------


def db_option() -> Callable[[F], F]:
    """``--db``: the crash store, for every command that reads or writes it."""
    return click.option(
        "--db",
        default=None,
        metavar="PATH|URL",
        help="Crash store: a SQLite file or a postgresql:// URL "
        "(default: $HOTFENCE_DB or ~/.local/share/hotfence/crashes.sqlite).",
    )


def output_option(*formats: str) -> Callable[[F], F]:
    """``-o/--output``: text for people (default), json for programs, or the formats given."""
    choices = formats or OUTPUT_FORMATS
    return click.option(
        "-o",
        "--output",
        "output",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Form of the data on stdout: " + ", ".join(choices) + ".",
    )


def print_json(data: object) -> None:
    """The whole JSON document on stdout, nothing else there."""
    click.echo(json.dumps(data, indent=2, default=str))


@dataclass(frozen=True)
class Column:
    """A table column. ``long`` marks free text (a summary, a title): it goes after the
    short fields, and on a narrow terminal onto lines of its own under its record."""

    header: str
    long: bool = False
    # A long field the user copies whole (a crash title): on a narrow terminal it gets
    # its own line unwrapped, even past the width, because a wrapped title greps as two.
    whole: bool = False


def render_table(
    columns: Sequence[Column], rows: Iterable[Sequence[str]], *, width: int, terminal: bool
) -> str:
    """Rows as aligned text; nothing is ever cut.

    Piped (``terminal`` False) every record is one line, whatever its length, so grep and
    awk see whole records. On a terminal narrower than the records, short fields stay on
    the record's line and each long field is wrapped on indented lines below it.
    """
    order = [i for i, c in enumerate(columns) if not c.long] + [
        i for i, c in enumerate(columns) if c.long
    ]
    cols = [columns[i] for i in order]
    body = [[(row[i] or "-") for i in order] for row in rows]
    widths = [
        max([cell_len(c.header)] + [cell_len(r[j]) for r in body]) for j, c in enumerate(cols)
    ]

    def line(cells: Sequence[str], ws: Sequence[int]) -> str:
        padded = [c + " " * (w - cell_len(c)) for c, w in zip(cells, ws)]
        return "  ".join(padded).rstrip()

    full = sum(widths) + 2 * (len(widths) - 1)
    if not terminal or full <= width or not any(c.long for c in cols):
        header = line([c.header for c in cols], widths)
        return "\n".join([header, *(line(r, widths) for r in body)])
    short = [j for j, c in enumerate(cols) if not c.long]
    long_ = [j for j, c in enumerate(cols) if c.long]
    short_widths = [widths[j] for j in short]
    wrap = textwrap.TextWrapper(
        width=max(width - 4, 20),
        initial_indent="    ",
        subsequent_indent="    ",
        break_long_words=False,  # an id or a path is never split
        break_on_hyphens=False,
    )

    # With several long fields each wrapped line says which it is.
    def label(j: int) -> str:
        return f"{cols[j].header.lower()}: " if len(long_) > 1 else ""

    out = [line([cols[j].header for j in short], short_widths)]
    if len(long_) == 1:
        out.append("    " + cols[long_[0]].header)
    for r in body:
        out.append(line([r[j] for j in short], short_widths))
        for j in long_:
            if cols[j].whole:
                out.append("    " + label(j) + r[j])
            else:
                out.extend(wrap.wrap(label(j) + r[j]))
    return "\n".join(out)


def print_table(columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> None:
    """A table on stdout, laid out for the terminal there or as one record per line."""
    terminal = is_terminal(sys.stdout)
    click.echo(render_table(columns, rows, width=terminal_width(), terminal=terminal))


def render_record(fields: Sequence[str], *, width: int, terminal: bool) -> str:
    """One record of a stream (an event), as fields separated by spaces.

    Piped, the record is one line however long, so grep returns it whole. On a terminal
    narrower than the record the fields are packed onto indented continuation lines;
    a field (a path, a call) is never split, even one wider than the terminal.
    """
    fields = [f for f in fields if f]
    if not terminal or cell_len(" ".join(fields)) <= width:
        return " ".join(fields)
    lines: list[str] = []
    current = ""
    for f in fields:
        if current and cell_len(current) + 1 + cell_len(f) > width:
            lines.append(current)
            current = "    " + f
        else:
            current = f"{current} {f}" if current else f
    lines.append(current)
    return "\n".join(lines)


def print_record(fields: Sequence[str]) -> None:
    """A streamed record on stdout, laid out for the terminal there (``render_record``)."""
    terminal = is_terminal(sys.stdout)
    click.echo(render_record(fields, width=terminal_width(), terminal=terminal))


# --- words -----------------------------------------------------------------------------------


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """``plural(1, "event")`` -> "1 event"; ``plural(2, "event")`` -> "2 events"."""
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


def _either(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def unknown_name(
    what: str, value: object, choices: Sequence[str], *, listed: int = 10, more: str = ""
) -> str:
    """``unknown family 'inet7'; did you mean inet or inet6?``

    Close names (difflib) are offered first; a short list of choices is given whole; a
    long one is summarised, because 48 names do not help anyone find the one they meant.
    ``more`` names other accepted forms ("or a number").
    """
    text = str(value)
    head = f"unknown {what} {text!r}"
    by_lower = {c.lower(): c for c in choices}
    close = [by_lower[c] for c in difflib.get_close_matches(text.lower(), list(by_lower), n=3)]
    if close:
        return f"{head}; did you mean {_either(close)}?"
    tail = f"; {more}" if more else ""
    if len(choices) <= listed:
        return f"{head}; valid: {', '.join(choices)}{tail}"
    sample = ", ".join(choices[: min(5, listed)])
    return f"{head}; {len(choices)} valid names, e.g. {sample}{tail}"


# --- the command group ------------------------------------------------------------------------


class Group(click.Group):
    """A click group that keeps the conventions for everything below it.

    At the root it turns every error into the one-line form and Ctrl-C into exit 130
    without click's "Aborted!"; at every level it answers an unknown subcommand with
    "did you mean".
    """

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if (
            name
            and not name.startswith("-")
            and not ctx.resilient_parsing
            and self.get_command(ctx, name) is None
        ):
            raise click.UsageError(unknown_name("command", name, self.list_commands(ctx)), ctx)
        cmd_name, cmd, rest = super().resolve_command(ctx, args)
        if cmd_name is not None:
            ctx.meta[_COMMAND] = f"{command_name(ctx)} {cmd_name}"
        return cmd_name, cmd, rest

    def summary(self, ctx: click.Context, name: str) -> str | None:
        """The line `--help` shows for a subcommand; None hides it."""
        cmd = self.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            return None
        # The whole first sentence: write_dl wraps it instead of cutting it at "...".
        return cmd.get_short_help_str(limit=200)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            summary = self.summary(ctx, name)
            if summary is not None:
                rows.append((name, summary))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is not None:
            return super().invoke(ctx)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(err=True)  # end the line the terminal echoed ^C on
            error("interrupted", ctx)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except click.exceptions.Abort:
            error("aborted", ctx)
            raise click.exceptions.Exit(EXIT_FAILURE) from None
        except click.UsageError as exc:
            _show_usage_error(exc, ctx)
            raise click.exceptions.Exit(exc.exit_code) from None
        except click.ClickException as exc:
            error(exc.format_message(), ctx)
            raise click.exceptions.Exit(exc.exit_code) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is not None:
            return super().parse_args(ctx, args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # an option of the root itself
            _show_usage_error(exc, ctx)
            raise click.exceptions.Exit(exc.exit_code) from None


_OUTPUT_FLAGS_BEFORE_O = ("--json", "--format")


def _show_usage_error(exc: click.UsageError, fallback: click.Context) -> None:
    # The command whose usage was wrong, not the deepest one resolved: `hotfence -q -v
    # explain` is a mistake of `hotfence`.
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        exc.show()  # a bare group: its help, on stderr as click does, exit 2
        return
    ctx = exc.ctx or fallback
    name = " ".join(["hotfence", *ctx.command_path.split()[1:]])
    message = exc.format_message()
    if (
        isinstance(exc, click.NoSuchOption)
        and exc.option_name in _OUTPUT_FLAGS_BEFORE_O
        and any("--output" in p.opts for p in ctx.command.params)
    ):
        # Scripts written before every command took -o say --json / --format: name the
        # replacement rather than leave the user to find it in --help.
        message += " Output formats are chosen with -o/--output (e.g. -o json)."
    click.echo(f"{name}: {message}", err=True)
    click.echo(f"{name}: see '{name} --help'", err=True)


# --- completion ---------------------------------------------------------------------------------


def complete_files(*suffixes: str) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    """shell_complete for options that take files of these suffixes (and directories)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        base = Path(incomplete).expanduser()
        directory, prefix = (base, "") if incomplete.endswith(os.sep) else (base.parent, base.name)
        try:
            found = sorted(directory.iterdir())
        except OSError:
            return []
        # Directories first: click's bash script resets its reply on a "dir" item and lets
        # bash add directory names, then appends the plain items after it.
        found.sort(key=lambda p: not p.is_dir())
        items = []
        for path in found:
            if not path.name.startswith(prefix) or (
                path.name.startswith(".") and not prefix.startswith(".")
            ):
                continue
            shown = os.path.join(os.path.dirname(incomplete), path.name)
            if path.is_dir():
                items.append(CompletionItem(shown + os.sep, type="dir"))
            elif path.name.endswith(suffixes):
                items.append(CompletionItem(shown))
        return items

    return complete
