"""`hotfence triage` end to end through click: inputs, formats, exit status, --vmlinux."""

from __future__ import annotations

import gzip
import json
import lzma
import re
import subprocess
import sys
from pathlib import Path

import capstone
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import SYZ
from hotfence.cli import main
from hotfence.triage.analyze import triage_text
from hotfence.triage.model import FileResult
from hotfence.triage.reader import InputError, decompress
from hotfence.triage.render import group_titles, to_json, to_markdown

CORPUS = SYZ
CRASH = CORPUS / "decompile" / "amd64" / "4.in"  # divide error with a Code: line
SAMPLE = Path(__file__).parent / "data" / "symbolize" / "sample.c"

REPORT_KEYS = {
    "title",
    "alt_titles",
    "type",
    "corrupted",
    "corrupted_reason",
    "start",
    "end",
    "start_line",
    "end_line",
    "rip",
    "frames",
    "cpu",
    "pid",
    "comm",
    "kernel_release",
    "hardware",
    "taint",
    "taint_flags",
    "modules",
    "tainting_modules",
    "last_unloaded_module",
    "guilty_file",
    "context",
    "code",
    "text",
}
FRAME_KEYS = {
    "function",
    "offset",
    "size",
    "module",
    "unreliable",
    "inline",
    "file",
    "line",
    "address",
    "locations",
}


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, ["triage", *args], input=stdin, catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def run_json(*args: str, stdin: bytes | None = None) -> tuple[int, dict, str]:
    code, out, err = run("-o", "json", *args, stdin=stdin)
    return code, json.loads(out), err


def titles(doc: dict) -> list[list[str]]:
    return [[r["title"] for r in f["reports"]] for f in doc["files"]]


def test_json_schema_and_disassembly() -> None:
    code, doc, err = run_json(str(CRASH))
    assert code == 0, err
    assert set(doc) == {"version", "files", "groups"}
    (f,) = doc["files"]
    assert f["path"] == str(CRASH) and f["error"] is None
    rep = f["reports"][0]
    assert set(rep) >= REPORT_KEYS
    assert rep["title"] == "divide error in snd_pcm_lib_ioctl"
    assert all(set(fr) >= FRAME_KEYS for fr in rep["frames"])
    dis = rep["code"]
    assert dis["arch"] == "x86_64" and dis["fault_offset"] == 42
    faulting = [i for i in dis["instructions"] if i["faulting"]]
    assert [i["text"] for i in faulting] == ["div rbp"]
    assert doc["groups"] == [
        {
            "title": rep["title"],
            "type": rep["type"],
            "count": len(f["reports"]),
            "files": [str(CRASH)],
        }
    ]


def test_compressed_directory_and_stdin_inputs_agree(tmp_path: Path) -> None:
    raw = CRASH.read_bytes()
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "b.log.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "d" / "a.log.xz").write_bytes(lzma.compress(raw))
    (tmp_path / "d" / "quiet.log").write_text("[    0.000000] Linux version 6.1.0\n" * 50)
    renamed = tmp_path / "kern.log.1"  # gzip without a .gz name: found by magic bytes
    renamed.write_bytes(gzip.compress(raw))
    _, plain, _ = run_json(str(CRASH))
    expected = titles(plain)[0]
    assert expected

    code, doc, err = run_json(str(tmp_path / "d"), str(renamed))
    assert code == 0, err
    paths = [f["path"] for f in doc["files"]]
    # directories are walked recursively in sorted order
    assert paths == [
        str(tmp_path / "d" / "a.log.xz"),
        str(tmp_path / "d" / "quiet.log"),
        str(tmp_path / "d" / "sub" / "b.log.gz"),
        str(renamed),
    ]
    assert titles(doc) == [expected, [], expected, expected]
    # offsets are in the decompressed bytes
    assert doc["files"][0]["reports"][0]["end"] == plain["files"][0]["reports"][0]["end"]
    # identical titles across files are grouped with counts
    g = next(g for g in doc["groups"] if g["title"] == expected[0])
    assert g["count"] == 3 * expected.count(expected[0]) and len(g["files"]) == 3

    code, doc, err = run_json("-", stdin=gzip.compress(raw))
    assert code == 0, err
    assert doc["files"][0]["path"] == "-" and titles(doc) == [expected]


def test_missing_and_corrupt_inputs_exit_2_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 40)
    missing = tmp_path / "nope.log"
    code, doc, err = run_json(str(missing), str(CRASH), str(bad))
    assert code == 2
    assert f"cannot read {missing}: no such file or directory" in err
    assert f"cannot read {bad}" in err and "gzip" in err
    # the readable input is still triaged, and the errors are in the document too
    assert [f["error"] is None for f in doc["files"]] == [False, True, False]
    assert titles(doc)[1]


def test_truncated_compressed_logs_keep_their_prefix() -> None:
    raw = CRASH.read_bytes()
    for packed in (gzip.compress(raw), lzma.compress(raw)):
        prefix = decompress(packed[: len(packed) * 3 // 4], "kern.log.cut")
        assert prefix and raw.startswith(prefix)
    with pytest.raises(InputError) as exc:
        decompress(b"\xfd7zXZ\x00" + b"\x00" * 30, "broken.xz")
    assert exc.value.path == "broken.xz"


def test_no_crash_exits_0_with_no_reports(tmp_path: Path) -> None:
    log = tmp_path / "dmesg"
    log.write_text("[    1.000000] e1000e 0000:00:19.0 eth0: NIC Link is Up\n" * 100)
    code, doc, _ = run_json(str(log))
    assert code == 0 and titles(doc) == [[]] and doc["groups"] == []
    code, out, _ = run(str(log))
    assert code == 0 and "no crash found" in out


def test_text_and_markdown_formats() -> None:
    code, out, _ = run(str(CRASH))
    assert code == 0
    assert "divide error in snd_pcm_lib_ioctl" in out
    assert re.search(r"2a:\s+48 f7 f5\s+div rbp\s+<-- faulting", out)
    assert "sound/core/pcm_lib.c" in out  # guilty file
    code, out, _ = run("-o", "markdown", str(CRASH))
    assert code == 0
    assert "### divide error in snd_pcm_lib_ioctl" in out and "| count |" in out


def test_usage_errors() -> None:
    code, _, err = run()
    assert code == 2 and "PATH" in err
    code, _, err = run("-o", "yaml", str(CRASH))
    assert code == 2


# --- --vmlinux end to end on a real ELF ---------------------------------------------------


@pytest.fixture(scope="module")
def sample_elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("vmlinux")
    subprocess.run(["gcc", "-g", "-O2", "-o", str(d / "vmlinux"), str(SAMPLE)], check=True)
    return d / "vmlinux"


def _oops_for(elf_path: Path) -> tuple[str, dict[str, int]]:
    """A kernel-style oops whose RIP is the sample's `it->value` load in table_get and
    whose caller frame is the return address after caller's call, with real offsets."""
    from elftools.elf.elffile import ELFFile

    with open(elf_path, "rb") as fh:
        elf = ELFFile(fh)
        syms = {
            s.name: (s["st_value"], s["st_size"])
            for s in elf.get_section_by_name(".symtab").iter_symbols()
            if s["st_info"]["type"] == "STT_FUNC"
        }
        text = elf.get_section_by_name(".text")
        base, data = text["sh_addr"], text.data()
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)

    def insns(name: str) -> list[tuple[int, int, str]]:
        a, n = syms[name]
        return [
            (x, s, f"{m} {o}") for x, s, m, o in md.disasm_lite(data[a - base : a - base + n], a)
        ]

    tg, tg_size = syms["table_get"]
    load = next(
        a for a, _, t in insns("table_get") if re.fullmatch(r"mov e\w+, dword ptr \[r\w+ \+ 4\]", t)
    )
    ca, ca_size = syms["caller"]
    call = next((a, s) for a, s, t in insns("caller") if t.endswith(hex(tg)))
    code_bytes = data[load - base - 10 : load - base + 6]
    code = " ".join(f"<{b:02x}>" if i == 10 else f"{b:02x}" for i, b in enumerate(code_bytes))
    oops = (
        "[  100.000000] BUG: kernel NULL pointer dereference, address: 0000000000000004\n"
        "[  100.000001] #PF: supervisor read access in kernel mode\n"
        "[  100.000002] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
        "[  100.000003] CPU: 1 PID: 4242 Comm: sample Not tainted 6.1.0 #1\n"
        f"[  100.000004] RIP: 0010:table_get+{load - tg:#x}/{tg_size:#x}\n"
        f"[  100.000005] Code: {code}\n"
        "[  100.000006] RSP: 0018:ffffc90000f0fc10 EFLAGS: 00010246\n"
        "[  100.000007] Call Trace:\n"
        "[  100.000008]  <TASK>\n"
        f"[  100.000009]  caller+{call[0] + call[1] - ca:#x}/{ca_size:#x}\n"
        "[  100.000010]  </TASK>\n"
        "[  100.000011] ---[ end trace 0000000000000000 ]---\n"
    )
    marks = {}
    for no, line in enumerate(SAMPLE.read_text().splitlines(), 1):
        m = re.search(r"MARK:(\w+)", line)
        if m:
            marks[m.group(1)] = no
    return oops, marks


def test_vmlinux_symbolises_rip_and_frames(sample_elf: Path, tmp_path: Path) -> None:
    oops, marks = _oops_for(sample_elf)
    log = tmp_path / "console.log"
    log.write_text("[    0.000000] Linux version 6.1.0\n" + oops)
    code, doc, err = run_json("--vmlinux", str(sample_elf), str(log))
    assert code == 0, err
    rep = doc["files"][0]["reports"][0]
    assert rep["rip"]["function"] == "table_get"
    chain = [(loc["function"], loc["line"], loc["inlined"]) for loc in rep["rip"]["locations"]]
    assert chain == [
        ("read_value", marks["read_value"], True),
        ("lookup", marks["lookup_call"], True),
        ("table_get", marks["table_get_call"], False),
    ]
    caller = next(f for f in rep["frames"] if f["function"] == "caller")
    assert [(loc["function"], loc["line"]) for loc in caller["locations"]] == [
        ("caller", marks["caller_call"])
    ]
    assert rep["guilty_file"] and rep["guilty_file"].endswith("sample.c")
    faulting = [i["text"] for i in rep["code"]["instructions"] if i["faulting"]]
    assert len(faulting) == 1 and "+ 4]" in faulting[0]
    # the terminal format shows the inline chain the way decode_stacktrace.sh does
    code, out, _ = run("--vmlinux", str(sample_elf), str(log))
    assert f"read_value {rep['rip']['locations'][0]['file']}:{marks['read_value']} [inline]" in out
    # and the source lines the CPU was in, through every inline level
    src = SAMPLE.read_text().splitlines()
    for mark in ("read_value", "lookup_call", "table_get_call"):
        assert f"| {src[marks[mark] - 1].strip()}" in out


def test_unusable_vmlinux_exits_2_naming_it(tmp_path: Path) -> None:
    fake = tmp_path / "vmlinux"
    fake.write_text("not elf")
    code, _, err = run("--vmlinux", str(fake), str(CRASH))
    assert code == 2 and str(fake) in err


# --- robustness ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    try:
        data = decompress(data, "fuzz")
    except InputError:
        return
    reports = triage_text(data)
    res = [FileResult("fuzz", reports)]
    json.loads(to_json(res))
    to_markdown(res)
    group_titles(res)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_corpus_logs_never_raise(data: st.DataObject) -> None:
    raw = bytearray(CRASH.read_bytes())
    for _ in range(data.draw(st.integers(1, 20))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        op = data.draw(st.sampled_from(["flip", "cut", "dup"]))
        if op == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del raw[pos : pos + data.draw(st.integers(1, 200))]
        else:
            raw[pos:pos] = raw[pos : pos + data.draw(st.integers(1, 200))]
        if not raw:
            break
    reports = triage_text(bytes(raw))
    json.loads(to_json([FileResult("m", reports)]))


# What `hotfence triage` imports decides its start-up time (the TCG guest and operators'
# shells pay it on every run): each heavy dependency only on the path that uses it.
_IMPORTS_PROBE = """
import sys
from hotfence.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("sqlalchemy", "alembic", "pydantic", "yaml", "capstone", "elftools", "zstandard",
         "drgn", "hotfence.store", "hotfence.known", "hotfence.triage.parser", "rich.console")
print(" ".join(sorted(m for m in heavy if m in sys.modules)))
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["triage", "--help"], ""),
        # a log without a Code: line, not stored: parser, catalogue and (for the terminal's
        # text) rich's console only
        (
            ["triage", "--no-store", "-"],
            "hotfence.known hotfence.triage.parser pydantic rich.console yaml",
        ),
        # JSON and Markdown are written as they are: no console
        (
            ["triage", "--no-store", "-o", "json", "-"],
            "hotfence.known hotfence.triage.parser pydantic yaml",
        ),
        (
            ["triage", "--no-store", "-o", "markdown", "-"],
            "hotfence.known hotfence.triage.parser pydantic yaml",
        ),
    ],
)
def test_triage_imports_only_what_it_uses(args: list[str], expected: str) -> None:
    log = b"[    1.000000] Linux version 6.1.0 (x@y) #1 SMP\n[    2.000000] usb 1-1: new device\n"
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORTS_PROBE, *args],
        input=log,
        capture_output=True,
        check=True,
    )
    assert proc.stdout.decode().splitlines()[-1].strip() == expected


def test_triage_help_loads_no_renderer_or_parser() -> None:
    # `triage --help` reads the formats and limits off the renderer's and reader's
    # modules; msgspec, rich's console and the parser load only when a log is triaged.
    probe = (
        "import sys\n"
        "from hotfence.cli import main\n"
        "try:\n"
        "    main(['triage', '--help'], prog_name='hotfence')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('msgspec', 'rich.console', 'hotfence.triage.parser', 'hotfence.store')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    *help_lines, loaded = proc.stdout.splitlines()
    assert any("--output" in line for line in help_lines)
    assert loaded == "[]"
