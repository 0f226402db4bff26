"""The commands that follow docs/cli.md, rendered as a user meets them.

Each command's text output is rendered at 80 columns, piped (click's runner) and on a
real terminal (a pty of 80x24), and every id, path or title the user needs for the next
command must be whole on one line; `-o json` must leave nothing but JSON on stdout.
Commands owned by other areas join the lists here as they adopt the conventions.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from hotfence import console
from hotfence.cli import SUMMARIES, main
from hotfence.fleet.crashes_cli import COLUMNS as CRASHES_COLUMNS
from hotfence.known.catalog import MitigationKind, load_catalog
from hotfence.lab.crashlab import KINDS
from hotfence.store import CrashStore

REPO = Path(__file__).resolve().parent.parent
DENY_ICMPV6 = str(REPO / "examples" / "policies" / "deny-raw-icmpv6.yaml")
WEB = str(REPO / "examples" / "policies" / "web-ports.yaml")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

EXPLAIN_CALLS = [
    ["--policy", DENY_ICMPV6, "socket", "inet6", "raw", "icmpv6"],
    ["--policy", WEB, "connect", "inet", "tcp", "80"],
    ["--policy", WEB, "--backend", "bpf-lsm", "bind", "inet6", "tcp", "22"],
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="hotfence", env={"COLUMNS": "80"})
    return result.exit_code, result.stdout, result.stderr


def run_on_terminal(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`python -m hotfence ARGS` with stdout and stderr on an 80x24 pty."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    environ.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotfence", *args],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=environ,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    code = proc.wait(timeout=60)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


def whole_on_a_line(needle: str, text: str) -> bool:
    return any(needle in line for line in text.splitlines())


def explain_needles(call: list[str]) -> list[str]:
    """What the next step needs from an explanation: the deciding rule and where it is."""
    code, out, err = run("explain", "-o", "json", *call)
    assert code == 0 and err == "", err
    data = json.loads(out)
    rule = data["decision"]["rule"]
    return [data["errno_name"], data["description"], rule["name"], rule["source"]]


def text_cases() -> list[tuple[list[str], list[str]]]:
    catalog = load_catalog()
    patched = [e.id for e in catalog.entries.values() if e.virtual_patch]
    cases = [
        (["patch", "list"], patched),
        (["patch", "list", "--all"], list(catalog.entries)),
        (["--help"], [SUMMARIES[name] for name in ("triage", "explain", "patch", "fence")]),
        (["fence", "--help"], [SUMMARIES[f"fence {n}"] for n in ("run", "apply", "exec")]),
    ]
    for entry in catalog.entries.values():
        commands = [
            m.action
            for m in entry.mitigations
            if m.kind is MitigationKind.VIRTUAL_PATCH and m.effective
        ]
        cases.append(
            (["patch", "show", entry.id], [entry.id, catalog.sources[entry.id], *commands])
        )
    for call in EXPLAIN_CALLS:
        cases.append((["explain", *call], explain_needles(call)))
    # The kind is what `lab record --kind` takes; the title is what triage will call it.
    cases.append((["lab", "kinds"], [n for k in KINDS.values() for n in (k.name, k.title)]))
    return cases


CASES = text_cases()


@pytest.mark.parametrize("args,needles", CASES, ids=[" ".join(a[:3]) for a, _ in CASES])
def test_piped_text_keeps_every_id_whole(args: list[str], needles: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 0, err
    assert out and not ANSI.search(out)
    for needle in needles:
        assert whole_on_a_line(needle, out), f"{needle!r} is not whole on a line:\n{out}"


TERMINAL_CASES = [
    (args, needles)
    for args, needles in CASES
    if args[:2] != ["patch", "show"]
    or args[2] in ("af-alg-crash", "ip6mr-sk-done-netns-setup", "nf-tables-verdict-cve-2024-1086")
]


@pytest.mark.parametrize(
    "args,needles", TERMINAL_CASES, ids=[" ".join(a[:3]) for a, _ in TERMINAL_CASES]
)
def test_terminal_text_fits_80_columns_without_cutting(args: list[str], needles: list[str]) -> None:
    code, out = run_on_terminal(*args)
    assert code == 0, out
    text = ANSI.sub("", out)
    for line in text.splitlines():
        # Only a command to copy, too long to sit beside its label, may run past 80.
        command = any(n in line and cell_len(n) > 60 for n in needles)
        assert cell_len(line) <= 80 or command, f"wider than 80 columns: {line!r}"
    for needle in needles:
        assert whole_on_a_line(needle, text), f"{needle!r} is not whole on a line:\n{text}"


def test_no_color_means_no_escape_codes_on_a_terminal() -> None:
    code, out = run_on_terminal("patch", "list", env={"NO_COLOR": "1"})
    assert code == 0 and "\x1b[" not in out


JSON_CASES = [
    ["patch", "list"],
    ["patch", "list", "--all"],
    ["patch", "show", "af-alg-crash"],
    ["patch", "show", "ip6mr-sk-done-netns-setup"],
    *(["explain", *call] for call in EXPLAIN_CALLS),
    ["lab", "kinds"],
]


@pytest.mark.parametrize("args", JSON_CASES, ids=[" ".join(a[:3]) for a in JSON_CASES])
def test_json_output_is_all_of_stdout(args: list[str]) -> None:
    code, out, err = run(*args, "-o", "json")
    assert code == 0, err
    json.loads(out)  # raises on anything else on stdout
    assert err == ""


def test_lab_kinds_json_and_text_agree() -> None:
    _, text, _ = run("lab", "kinds")
    _, out, _ = run("lab", "kinds", "-o", "json")
    kinds = json.loads(out)
    assert [line.split()[0] for line in text.splitlines()[1:]] == [k["kind"] for k in kinds]
    assert [k["kind"] for k in kinds] == list(KINDS)
    warn = next(k for k in kinds if k["kind"] == "warn")
    assert warn["panics"] is False and warn["title"] == KINDS["warn"].title


def test_patch_list_json_and_text_agree() -> None:
    _, text, _ = run("patch", "list", "--all")
    _, out, _ = run("patch", "list", "--all", "-o", "json")
    entries = json.loads(out)
    assert [line.split()[0] for line in text.splitlines()[1:]] == [e["id"] for e in entries]
    nf = next(e for e in entries if e["id"] == "nf-tables-verdict-cve-2024-1086")
    assert nf["cve"] == ["CVE-2024-1086"] and nf["affected"][0]["fixed"]
    assert nf["source"].endswith(".yaml:" + nf["source"].rsplit(":", 1)[1])


def test_json_from_a_real_process_parses() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hotfence", "patch", "show", "af-alg-crash", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout)["id"] == "af-alg-crash"


# --- crashes, over a store of real lab crashes ---------------------------------------------

LAB = REPO / "tests" / "lab"
# Each log triaged on these hosts; null-deref's title is longer than a terminal is wide,
# socket-proto matches the lab's known bug.
STORED = {"null-deref.log": ("node-a", "node-b"), "socket-proto.log": ("node-c",)}
KNOWN = LAB / "known-bugs"
BUG = "hotfence-lab-proto-253"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("crashes") / "crashes.sqlite")
    for name, hosts in STORED.items():
        for host in hosts:
            code, _, err = run(
                "triage", "--db", db, "--host-id", host, "--known-bugs", str(KNOWN), str(LAB / name)
            )
            assert code == 0, err
    return db


def stored_titles(db: str) -> list[str]:
    with CrashStore.open(db) as s:
        titles = [g.title for g in s.groups()]
    assert len(titles) == 2 and max(len(t) for t in titles) > 80  # the test means something
    return titles


def test_crashes_piped_is_one_line_per_group_with_the_title_whole(store: str) -> None:
    code, out, err = run("crashes", "--db", store)
    assert code == 0 and err == "", err
    assert not ANSI.search(out)
    header, *rows = out.splitlines()
    assert header.split() == [
        "COUNT", "FIRST-SEEN", "LAST-SEEN", "TYPE", "HOSTS", "KERNELS", "KNOWN-BUGS", "TITLE"
    ]  # fmt: skip
    titles = stored_titles(store)
    assert len(rows) == len(titles)
    hosts = {KINDS[n.removesuffix(".log")].title: ",".join(h) for n, h in STORED.items()}
    for title, row in zip(titles, rows):
        assert row.endswith(title)  # grep for a title returns its whole record
        count, first, last, type_, row_hosts, kernels, bugs, *_ = row.split()
        assert (count, row_hosts) == (str(len(hosts[title].split(","))), hosts[title])
        assert first <= last and kernels.startswith("6.1.0-")
        assert bugs == (BUG if title == KINDS["socket-proto"].title else "-")


def test_crashes_on_a_terminal_fits_80_columns_without_cutting(store: str) -> None:
    code, out = run_on_terminal("crashes", "--db", store)
    assert code == 0, out
    text = ANSI.sub("", out)
    titles = stored_titles(store)
    for line in text.splitlines():
        # A title longer than the terminal keeps its own line, whole, rather than wrap.
        assert cell_len(line) <= 80 or any(t in line for t in titles), line
    for needle in [*titles, "node-a,node-b", BUG]:
        assert whole_on_a_line(needle, text), f"{needle!r} is not whole on a line:\n{text}"


def test_crashes_json_is_all_of_stdout_and_agrees_with_the_store(store: str) -> None:
    code, out, err = run("crashes", "--db", store, "-o", "json")
    assert code == 0 and err == ""
    groups = json.loads(out)
    assert [g["title"] for g in groups] == stored_titles(store)
    by_hosts = {tuple(g["hosts"]): g for g in groups}
    assert by_hosts[("node-a", "node-b")]["count"] == 2
    assert by_hosts[("node-c",)]["type"] == KINDS["socket-proto"].type
    assert [b["id"] for b in by_hosts[("node-c",)]["known_bugs"]] == [BUG]
    assert all(g["first_seen"] <= g["last_seen"] for g in groups)


def test_crashes_on_an_empty_store_says_so_on_stderr(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.sqlite")
    code, out, err = run("crashes", "--db", db, "-o", "json")
    assert (code, json.loads(out)) == (0, [])
    code, out, err = run("crashes", "--db", db)
    assert code == 0 and out.split() == [c.header for c in CRASHES_COLUMNS]
    assert err.startswith("hotfence crashes: no crashes stored")


def test_crashes_unreadable_store_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "bad.sqlite"
    db.write_bytes(b"garbage" * 512)
    code, out, err = run("crashes", "--db", str(db), "-o", "json")
    assert (code, out) == (console.EXIT_USAGE, "")
    assert err == f"hotfence crashes: crash store {db}: file is not a database\n"


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,first_line,usage",
    [
        (
            ["explain", "socket", "inet7", "raw"],
            "hotfence explain: unknown family 'inet7'; did you mean inet or inet6?",
            True,
        ),
        (
            ["explain", "sockt", "inet", "raw"],
            "hotfence explain: unknown call 'sockt'; did you mean socket?",
            True,
        ),
        (
            ["patch", "show", "af-alg"],
            "hotfence patch show: unknown bug id 'af-alg'; did you mean af-alg-crash?",
            False,
        ),
        (["trige", "x"], "hotfence: unknown command 'trige'; did you mean triage?", True),
        (["fence", "aply"], "hotfence fence: unknown command 'aply'; did you mean apply?", True),
        (["-q", "-v", "explain"], "hotfence: -q and -v contradict each other", True),
        (["lab", "kind"], "hotfence lab: unknown command 'kind'; did you mean kinds?", True),
        (["crashes", "-o", "yaml"], None, True),
    ],
)
def test_bad_input_is_one_prefixed_line_and_exit_2(
    args: list[str], first_line: str | None, usage: bool
) -> None:
    code, out, err = run(*args)
    assert code == console.EXIT_USAGE
    assert out == ""
    lines = err.splitlines()
    if first_line is None:  # click's own wording; only the prefix is ours
        first_line = lines[0]
        assert first_line.startswith(f"hotfence {args[0]}: "), first_line
    assert lines[0] == first_line
    if usage:  # a usage mistake points at the help; a mistyped id does not need it
        command = first_line.split(":")[0]
        assert lines[1:] == [f"{command}: see '{command} --help'"]
    else:
        assert lines[1:] == []


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["triage", "--format", "json", "x.log"], True),
        (["crashes", "--json"], True),
        (["lab", "run", "--json"], False),  # runs a shell in the guest: it has no -o
    ],
)
def test_the_old_output_flags_name_the_new_one(args: list[str], hint: bool) -> None:
    code, out, err = run(*args)
    assert code == console.EXIT_USAGE
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"hotfence {' '.join(a for a in args[:2] if not a.startswith('-'))}: ")
    assert ("-o/--output" in first) == hint, first


def test_family_typo_does_not_list_every_family() -> None:
    _, _, err = run("explain", "socket", "xyzzy", "raw")
    assert err.startswith("hotfence explain: unknown family 'xyzzy'; 46 valid names, e.g. ")
    assert len(err.splitlines()[0]) < 120


def test_help_lists_every_command_uncut_without_importing_them() -> None:
    probe = (
        "import sys\n"
        "from hotfence.cli import main\n"
        "main(['--help'], prog_name='hotfence', standalone_mode=False)\n"
        "print([m for m in sys.modules if m.startswith('hotfence.') and m.endswith('cli')])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert proc.returncode == 0, proc.stderr
    *help_lines, imported = proc.stdout.splitlines()
    assert imported == "['hotfence.cli']"
    assert not any(line.endswith("...") for line in help_lines[1:])  # no summary cut
    for name in ("crashes", "explain", "fence", "lab", "patch", "triage", "watch"):
        assert any(line.split()[:1] == [name] for line in help_lines)


# --- Ctrl-C ---------------------------------------------------------------------------------


def blocked_reading_stdin(pid: int) -> bool:
    """The process sits in read(0, ...): /proc/PID/syscall starts with "0 0x0"."""
    try:
        fields = Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return fields[:2] == ["0", "0x0"]


def test_ctrl_c_exits_130_with_one_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotfence", "triage", "--no-store", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not blocked_reading_stdin(proc.pid):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "triage never waited on stdin"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == console.EXIT_INTERRUPTED, err
    assert err.strip() == "hotfence triage: interrupted"
    assert out == ""


def test_triage_reading_a_terminal_says_how_to_end_it() -> None:
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotfence", "triage", "--no-store", "-o", "json", "-"],
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(secondary)
    try:
        assert proc.stderr is not None
        hint = proc.stderr.readline()
        assert (
            hint == "hotfence triage: reading a kernel log from the terminal; end it with Ctrl-D\n"
        )
        os.write(primary, b"\x04")  # Ctrl-D on an empty line: end of input
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(primary)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert json.loads(out)["files"] == [{"path": "-", "error": None, "reports": []}]


# --- completion -----------------------------------------------------------------------------


def complete(line: str) -> list[str]:
    words = line.split(" ")
    result = CliRunner().invoke(
        main,
        [],
        prog_name="hotfence",
        env={
            "_HOTFENCE_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
    )
    assert result.exit_code == 0, result.output
    return [item.split(",", 1)[1] for item in result.stdout.splitlines()]


def test_completion_of_commands_bug_ids_names_and_policy_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    assert complete("hotfence tri") == ["triage"]
    assert complete("hotfence patch show af-a") == ["af-alg-crash"]
    assert complete("hotfence explain so") == ["socket"]
    assert complete("hotfence explain socket ine") == ["inet", "inet6"]
    assert complete("hotfence explain socket inet6 raw icm") == ["icmp", "icmpv6"]
    assert complete("hotfence explain connect inet t") == ["tcp"]
    policies = complete("hotfence explain --policy examples/policies/deny-")
    assert "examples/policies/deny-raw-icmpv6.yaml" in policies
    assert all(p.endswith((".yaml", ".yml")) for p in policies)


def test_subcommand_help_wraps_summaries_instead_of_cutting() -> None:
    code, out, _ = run("patch", "--help")
    assert code == 0
    assert not any(line.endswith("...") for line in out.splitlines()[1:])
    flat = " ".join(out.split())
    assert "List catalogue entries; by default those that come with a virtual patch." in flat


def test_bare_group_shows_its_help_on_stderr() -> None:
    for args in ([], ["patch"]):
        code, out, err = run(*args)
        assert code == console.EXIT_USAGE and out == ""
        assert err.startswith(f"Usage: hotfence {' '.join(args)}".rstrip() + " [OPTIONS]")


def test_one_policy_problem_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    code, out, err = run("explain", "--policy", str(missing), "socket", "inet", "raw")
    assert code == console.EXIT_USAGE and out == ""
    assert err.startswith(f"hotfence explain: invalid policy: {missing}: ")
    assert len(err.splitlines()) == 1
