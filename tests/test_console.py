"""hotfence.console: the conventions every command shares (docs/cli.md).

A toy group stands in for the real commands here, so each convention is checked on its
own; tests/test_cli_conventions.py checks the real commands.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from hotfence import console
from hotfence.console import Column, plural, render_table, unknown_name

# --- words -----------------------------------------------------------------------------


def test_plural() -> None:
    assert plural(0, "event") == "0 events"
    assert plural(1, "event") == "1 event"
    assert plural(2, "event") == "2 events"
    assert plural(1, "policy", "policies") == "1 policy"
    assert plural(3, "policy", "policies") == "3 policies"


def test_unknown_name_offers_the_close_names_only() -> None:
    families = ["unix", "inet", "inet6", "netlink", "packet", "alg", "vsock", "rds", "can"]
    families += [f"family{i}" for i in range(40)]
    msg = unknown_name("family", "inet7", families, more="or a number")
    assert msg.startswith("unknown family 'inet7'; did you mean ")
    assert "inet6" in msg and "netlink" not in msg
    assert "or a number" not in msg  # a suggestion is enough


def test_unknown_name_without_a_close_name() -> None:
    short = unknown_name("call", "frobnicate", ["socket", "bind", "connect", "sendto"])
    assert short == "unknown call 'frobnicate'; valid: socket, bind, connect, sendto"
    many = [f"name{i:02d}" for i in range(48)]
    msg = unknown_name("family", "zzz", many, more="or a number")
    assert (
        msg
        == "unknown family 'zzz'; 48 valid names, e.g. name00, name01, name02, name03, name04; or a number"
    )


def test_unknown_name_is_case_insensitive_and_keeps_the_spelling() -> None:
    assert "did you mean TriageX?" in unknown_name("command", "triagex", ["TriageX", "watch"])


# --- tables ------------------------------------------------------------------------------

COLUMNS = (Column("ID"), Column("STATE"), Column("SUMMARY", long=True))
ROWS = [
    ("af-packet-tpacket-rcv-cve-2020-14386", "no", "AF_PACKET tpacket_rcv() arithmetic bug " * 3),
    ("a", "", "short"),
]


def test_piped_table_is_one_record_per_line_and_aligned() -> None:
    text = render_table(COLUMNS, ROWS, width=80, terminal=False)
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[0].split() == ["ID", "STATE", "SUMMARY"]
    assert lines[1].startswith("af-packet-tpacket-rcv-cve-2020-14386  no     AF_PACKET")
    assert lines[1].endswith("arithmetic bug")  # the whole summary, not cut at 80
    assert lines[2].split()[:3] == ["a", "-", "short"]  # empty cells stay a field for awk
    # every column starts at the same offset on every line
    assert {line.index(line.split()[1]) for line in lines} == {lines[0].index("STATE")}


def test_terminal_table_puts_the_long_field_under_its_record() -> None:
    text = render_table(COLUMNS, ROWS, width=60, terminal=True)
    lines = text.splitlines()
    assert all(cell_len(line) <= 60 for line in lines), text
    assert lines[0].split() == ["ID", "STATE"] and lines[1].strip() == "SUMMARY"
    assert lines[2].split() == ["af-packet-tpacket-rcv-cve-2020-14386", "no"]
    wrapped = []
    for line in lines[3:]:
        if not line.startswith("    "):
            break
        wrapped.append(line.strip())
    assert " ".join(wrapped) == ROWS[0][2].strip()


def test_terminal_table_that_fits_is_the_plain_form() -> None:
    rows = [("id-1", "ok", "fine")]
    assert render_table(COLUMNS, rows, width=80, terminal=True) == render_table(
        COLUMNS, rows, width=80, terminal=False
    )


def test_several_long_fields_are_labelled() -> None:
    cols = (Column("ID"), Column("AFFECTED", long=True), Column("SUMMARY", long=True))
    rows = [("x" * 30, ">=4.6,<5.9 " * 5, "words " * 20)]
    lines = render_table(cols, rows, width=50, terminal=True).splitlines()
    assert lines[0] == "ID"
    assert lines[1] == "x" * 30
    assert lines[2].startswith("    affected: >=4.6,<5.9")
    assert any(line.startswith("    summary: words") for line in lines)


def test_a_whole_field_is_never_wrapped_even_past_the_width() -> None:
    title = "BUG: unable to handle kernel NULL pointer dereference in some_long_function_name"
    cols = (Column("KIND"), Column("TITLE", long=True, whole=True), Column("NOTE", long=True))
    lines = render_table(cols, [("null-deref", title, "words " * 20)], width=60, terminal=True)
    out = lines.splitlines()
    assert out[:3] == ["KIND", "null-deref", f"    title: {title}"]
    assert all(len(line) <= 60 for line in out[3:])  # the prose still wraps


ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-", min_size=1, max_size=40)
words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz()/_", min_size=1, max_size=30),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ids, st.sampled_from(["yes", "no", ""]), words), max_size=8))
def test_no_field_is_ever_cut(rows: list[tuple[str, str, list[str]]]) -> None:
    table = [(i, s, " ".join(w)) for i, s, w in rows]
    for terminal in (False, True):
        lines = render_table(COLUMNS, table, width=80, terminal=terminal).splitlines()
        if terminal:  # ids of 40 and words of 30 characters always fit in 80 columns
            assert all(cell_len(line) <= 80 for line in lines)
        ids_seen = [line.split()[0] for line in lines if line and not line.startswith(" ")][1:]
        assert ids_seen == [i for i, _, _ in table]  # every id whole, first on its line
        summary_words = " ".join(lines).split()
        for _, _, text in table:
            for word in text.split():
                assert word in summary_words  # no word broken


# --- the group: errors, exit statuses, Ctrl-C, -q/-v --------------------------------------


@click.group(cls=console.Group)
@click.option("-q", "--quiet", is_flag=True)
@click.option("-v", "--verbose", count=True)
@click.pass_context
def toy(ctx: click.Context, quiet: bool, verbose: int) -> None:
    console.set_verbosity(ctx, -1 if quiet else verbose)


@toy.command()
@click.argument("n", type=int)
def count(n: int) -> None:
    console.note(f"counting {plural(n, 'item')}")
    console.detail("detail only with -v")
    with console.status("counting"), console.progress("counting", n) as advance:
        for _ in range(n):
            advance(1)
    click.echo(str(n))


@toy.command()
def interrupt() -> None:
    raise KeyboardInterrupt


@toy.command()
def refuse() -> None:
    console.fail("no such thing", console.EXIT_USAGE)


@toy.command()
def broken() -> None:
    raise click.ClickException("the store is locked")


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(toy, list(args))


def test_data_on_stdout_notes_on_stderr() -> None:
    result = invoke("count", "2")
    assert result.exit_code == 0
    assert result.stdout == "2\n"
    assert result.stderr == "hotfence count: counting 2 items\n"  # no spinner off a terminal


def test_quiet_and_verbose() -> None:
    assert invoke("-q", "count", "1").stderr == ""
    verbose = invoke("-v", "count", "1").stderr.splitlines()
    assert verbose == [
        "hotfence count: counting 1 item",
        "hotfence count: detail only with -v",
        "hotfence count: counting",  # the step a spinner would show, named
        "hotfence count: counting",
    ]


def test_spinners_stay_off_with_quiet_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "is_terminal", lambda stream: True)
    result = invoke("-q", "count", "3")
    assert result.exit_code == 0 and result.stderr == "" and result.stdout == "3\n"


def test_usage_error_is_one_prefixed_line_and_exit_2() -> None:
    result = invoke("count", "many")
    assert result.exit_code == console.EXIT_USAGE
    assert result.stdout == ""
    first, hint = result.stderr.splitlines()
    assert first.startswith("hotfence count: Invalid value for 'N': 'many' is not a valid integer")
    assert hint == "hotfence count: see 'hotfence count --help'"
    assert "Error:" not in result.stderr and "Usage:" not in result.stderr


def test_unknown_subcommand_says_did_you_mean() -> None:
    result = invoke("cuont", "1")
    assert result.exit_code == console.EXIT_USAGE
    assert result.stderr.splitlines()[0] == "hotfence: unknown command 'cuont'; did you mean count?"


def test_ctrl_c_exits_130_without_aborted() -> None:
    result = invoke("interrupt")
    assert result.exit_code == console.EXIT_INTERRUPTED
    assert result.stderr.strip() == "hotfence interrupt: interrupted"


def test_fail_and_click_exceptions_use_the_same_prefix() -> None:
    result = invoke("refuse")
    assert (result.exit_code, result.stderr) == (2, "hotfence refuse: no such thing\n")
    result = invoke("broken")
    assert (result.exit_code, result.stderr) == (1, "hotfence broken: the store is locked\n")


def test_output_option_accepts_text_and_json_only() -> None:
    @click.command()
    @console.output_option()
    def cmd(output: str) -> None:
        if output == "json":
            console.print_json({"ok": True})
        else:
            click.echo("ok")

    runner = CliRunner()
    assert runner.invoke(cmd, ["-o", "json"]).stdout == '{\n  "ok": true\n}\n'
    assert runner.invoke(cmd, ["--output", "text"]).stdout == "ok\n"
    assert runner.invoke(cmd, []).stdout == "ok\n"
    assert runner.invoke(cmd, ["-o", "yaml"]).exit_code == 2


def test_no_color_turns_colour_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr("sys.stderr", io.StringIO())
    rich_console = console.stderr_console()
    rich_console.print("[red]bad[/red]")
    assert rich_console.no_color
    assert not re.search(r"\x1b\[[0-9;]*m", rich_console.file.getvalue())  # type: ignore[attr-defined]


# --- completion ----------------------------------------------------------------------------


def test_complete_files_offers_directories_and_matching_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "a.yaml").write_text("")
    (tmp_path / "pol" / "b.txt").write_text("")
    (tmp_path / "pol" / "sub").mkdir()
    (tmp_path / "pol" / ".hidden.yaml").write_text("")
    monkeypatch.chdir(tmp_path)
    complete = console.complete_files(".yaml", ".yml")
    ctx = click.Context(click.Command("x"))
    items = complete(ctx, click.Option(["--p"]), "pol/")
    assert [(i.value, i.type) for i in items] == [("pol/sub/", "dir"), ("pol/a.yaml", "plain")]
    assert [i.value for i in complete(ctx, click.Option(["--p"]), "po")] == ["pol/"]
    assert complete(ctx, click.Option(["--p"]), "nonexistent/x") == []


# --- streamed records -------------------------------------------------------------------------

FIELDS = [
    "2026-11-26T14:42:04.123456+00:00",
    "boot+2743.030123s",
    "socket(inet6, dgram|SOCK_CLOEXEC|SOCK_NONBLOCK, udp)",
    "= fd 3",
    "pid=4242",
    "cgroup=/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123.scope",
]


def test_a_piped_record_is_one_line_whatever_its_length() -> None:
    assert console.render_record(FIELDS, width=80, terminal=False) == " ".join(FIELDS)


def test_a_record_on_a_narrow_terminal_is_packed_without_splitting_a_field() -> None:
    text = console.render_record(FIELDS, width=80, terminal=True)
    lines = text.splitlines()
    assert len(lines) > 1 and lines[0].startswith(FIELDS[0])
    assert all(line.startswith("    ") for line in lines[1:])
    # every field whole on one line, in order; only a field wider than 76 runs past 80
    assert " ".join(x.strip() for x in lines) == " ".join(FIELDS)
    for f in FIELDS:
        assert any(f in line for line in lines)
    assert all(cell_len(line) <= 80 or len(line.split()) == 1 for line in lines)


@given(st.lists(st.text(alphabet="abc=/._-", min_size=1, max_size=50), max_size=12))
def test_packing_keeps_the_fields_and_their_order(fields: list[str]) -> None:
    text = console.render_record(fields, width=40, terminal=True)
    assert text.split() == fields


def test_wall_clock_matches_datetime_for_any_stamp() -> None:
    import time
    from datetime import UTC, datetime

    from hotfence.linux.clock import WallClock, boot_seconds

    clock = WallClock(time.CLOCK_BOOTTIME)
    for stamp in (0, 999, 1_000_000_000, 2_743_030_123_456, 10**15 + 1):
        want = datetime.fromtimestamp((stamp + clock.offset_ns) // 1000 / 1e6, tz=UTC)
        assert clock.iso(stamp) == want.isoformat(timespec="microseconds")
    now = clock.iso(time.clock_gettime_ns(time.CLOCK_BOOTTIME))
    assert abs(datetime.fromisoformat(now).timestamp() - time.time()) < 5
    assert boot_seconds(2_743_030_123_456) == "boot+2743.030123s"


@pytest.mark.parametrize("kind", ["status", "progress"])
def test_data_written_under_a_spinner_stays_on_stdout(kind: str) -> None:
    """stderr a terminal (the spinner shows), stdout a pipe: the data still goes to stdout."""
    import os
    import pty
    import subprocess
    import sys

    code = (
        "import time\n"
        "from hotfence import console\n"
        f"with console.{kind}('working', **({{'total': 2}} if '{kind}' == 'progress' else {{}}))"
        " as step:\n"
        "    time.sleep(0.3)\n"
        "    print('data line', flush=True)\n"
        "    time.sleep(0.3)\n"
    )
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=secondary, text=True
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert out == "data line\n"
    terminal = b"".join(chunks).decode()
    assert "working" in terminal and "data line" not in terminal


# --- start-up -----------------------------------------------------------------------------


def test_importing_the_conventions_loads_no_live_display() -> None:
    # Every command's --help and usage errors import this module: rich's console, live
    # display and progress bars are loaded only when something is drawn.
    probe = (
        "import sys\n"
        "import hotfence.console\n"
        "print(sorted(m for m in ('rich.console', 'rich.live', 'rich.progress', 'rich.spinner')"
        " if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == "[]"


def test_status_and_progress_draw_once_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # The deferred imports still happen: on a terminal the spinner and the bar are drawn.
    monkeypatch.setattr(console, "_animated", lambda: True)
    with console.status("working"):
        pass
    with console.progress("reading", 10, unit="bytes") as advance:
        advance(5)
    from rich.console import Console

    assert isinstance(console.stderr_console(), Console)
