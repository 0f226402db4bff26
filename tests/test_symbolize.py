"""Symbolisation on a real ELF: tests/data/symbolize/sample.c built with `gcc -g -O2`.

Expected lines come from the MARK comments in the source, expected instructions from
disassembling the built functions, and every address of the sample's functions is
cross-checked against binutils' `addr2line -i -f` (the reference for inline chains).
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import subprocess
from pathlib import Path

import capstone
import pytest

from corpus import SYZ
from hotfence.triage.guilty import files_in_text, frame_files, guilty_file, guilty_in_text
from hotfence.triage.model import Frame, SourceLocation
from hotfence.triage.symbolize import ElfDebugInfo, SymbolizeError, Symbolizer

SOURCE = Path(__file__).parent / "data" / "symbolize" / "sample.c"
GUILTY = str(SYZ / "guilty")


def marks() -> dict[str, int]:
    out = {}
    for no, line in enumerate(SOURCE.read_text().splitlines(), 1):
        m = re.search(r"MARK:(\w+)", line)
        if m:
            out[m.group(1)] = no
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert shutil.which("gcc"), "gcc is installed by scripts/setup.sh"
    d = tmp_path_factory.mktemp("sym")
    subprocess.run(["gcc", "-g", "-O2", "-o", str(d / "sample"), str(SOURCE)], check=True)
    # the same code as a relocatable object with one section per function: the shape
    # of a kernel module (.ko), where every section starts at address 0
    mods = d / "modules" / "kernel" / "drivers"
    mods.mkdir(parents=True)
    subprocess.run(
        [
            "gcc",
            "-g",
            "-O2",
            "-c",
            "-ffunction-sections",
            "-o",
            str(mods / "sample_mod.ko"),
            str(SOURCE),
        ],
        check=True,
    )
    (d / "modules" / "sample_xz.ko.xz").write_bytes(
        lzma.compress((mods / "sample_mod.ko").read_bytes())
    )
    return d


def _function_insns(elf: ElfDebugInfo, name: str) -> list[tuple[int, int, str]]:
    """(address, size, text) of every instruction of function ``name``, via .symtab."""
    sym = elf.symbol_address(name)
    assert sym is not None and sym.size > 0
    code = elf.read_code(sym.address, sym.size)
    assert code is not None and len(code) == sym.size
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    return [(a, s, f"{m} {o}".strip()) for a, s, m, o in md.disasm_lite(code, sym.address)]


def _volatile_load(elf: ElfDebugInfo) -> tuple[int, int]:
    """Offset and size of table_get, and the offset of its `it->value` load (disp 4)."""
    sym = elf.symbol_address("table_get")
    assert sym is not None
    loads = [
        a
        for a, _, t in _function_insns(elf, "table_get")
        if re.fullmatch(r"mov e\w+, dword ptr \[r\w+ \+ 4\]", t)
    ]
    assert len(loads) == 1, _function_insns(elf, "table_get")
    return loads[0] - sym.address, sym.size


def _chain(locs: list[SourceLocation]) -> list[tuple[str, int, bool]]:
    return [(loc.function, loc.line, loc.inlined) for loc in locs]


def test_rip_in_inlined_code_gives_the_inline_chain(built: Path) -> None:
    sym = Symbolizer(str(built / "sample"))
    assert sym.vmlinux is not None
    off, size = _volatile_load(sym.vmlinux)
    rip = Frame("table_get", off, size)
    sym.symbolize_frame(rip, is_rip=True)
    m = marks()
    assert _chain(rip.locations) == [
        ("read_value", m["read_value"], True),
        ("lookup", m["lookup_call"], True),
        ("table_get", m["table_get_call"], False),
    ]
    assert all(loc.file.endswith("sample.c") for loc in rip.locations)
    # the frame's own file:line is the outermost (non-inline) location
    assert (rip.file, rip.line) == (rip.locations[-1].file, m["table_get_call"])
    assert rip.address == sym.vmlinux.symbol_address("table_get").address + off


def test_return_address_frame_looks_up_the_call(built: Path) -> None:
    sym = Symbolizer(str(built / "sample"))
    elf = sym.vmlinux
    assert elf is not None
    start = elf.symbol_address("caller")
    target = elf.symbol_address("table_get")
    assert start is not None and target is not None
    calls = [
        (a, s)
        for a, s, t in _function_insns(elf, "caller")
        if t.startswith(("call", "jmp")) and t.endswith(hex(target.address))
    ]
    assert calls, "caller must call table_get"
    ret = calls[0][0] + calls[0][1] - start.address
    frame = Frame("caller", ret, start.size)
    sym.symbolize_frame(frame)
    assert _chain(frame.locations) == [("caller", marks()["caller_call"], False)]


def test_module_frame_in_relocatable_object(built: Path) -> None:
    """A frame `[sample_mod]` is looked up in <modules>/.../sample_mod.ko, whose
    functions each live in their own section starting at 0."""
    exe = ElfDebugInfo(str(built / "sample"))
    off, size = _volatile_load(exe)
    sym = Symbolizer(modules_dir=str(built / "modules"))
    ko = sym._module("sample_mod")
    assert ko is not None and ko.relocatable
    off_ko, size_ko = _volatile_load(ko)
    rip = Frame("table_get", off_ko, size_ko, module="sample_mod")
    sym.symbolize_frame(rip, is_rip=True)
    m = marks()
    assert _chain(rip.locations) == [
        ("read_value", m["read_value"], True),
        ("lookup", m["lookup_call"], True),
        ("table_get", m["table_get_call"], False),
    ]
    # main and caller overlap table_get in section offsets; they must still resolve
    main = Frame("main", 1, None, module="sample-mod")  # '-' and '_' are the same
    sym.symbolize_frame(main, is_rip=True)
    assert main.locations and main.locations[-1].function == "main"
    # modules shipped compressed (.ko.xz) are read too
    packed = Frame("table_get", off_ko, size_ko, module="sample_xz")
    sym.symbolize_frame(packed, is_rip=True)
    assert _chain(packed.locations) == _chain(rip.locations)
    # a frame of a module we do not have stays unsymbolised
    other = Frame("foo", 1, 2, module="not_here")
    sym.symbolize_frame(other)
    assert other.locations == [] and other.address is None


def _addr2line(path: Path, addrs: list[int]) -> list[list[tuple[str, str, int]]]:
    """addr2line -i -f for many addresses; one (function, basename, line) list each."""
    out = subprocess.run(
        ["addr2line", "-i", "-f", "-a", "-e", str(path)] + [hex(a) for a in addrs],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    result: list[list[tuple[str, str, int]]] = []
    i = 0
    while i < len(out):
        if re.fullmatch(r"0x[0-9a-f]+", out[i]):
            result.append([])
            i += 1
            continue
        func, loc = out[i], out[i + 1].split(" ")[0]
        file, _, line = loc.rpartition(":")
        result[-1].append((func, os.path.basename(file), int(line) if line.isdigit() else 0))
        i += 2
    return result


@pytest.mark.skipif(shutil.which("addr2line") is None, reason="binutils addr2line not installed")
def test_every_address_agrees_with_addr2line(built: Path) -> None:
    elf = ElfDebugInfo(str(built / "sample"))
    addrs = []
    for name in ("table_get", "table_get.cold", "caller", "main"):
        if elf.symbol_address(name) is not None:
            addrs.extend(
                range(
                    elf.symbol_address(name).address,
                    elf.symbol_address(name).address + elf.symbol_address(name).size,
                )
            )
    assert len(addrs) > 30
    ref = _addr2line(built / "sample", addrs)
    assert len(ref) == len(addrs)
    inlined = 0
    for addr, expect in zip(addrs, ref):
        got = [(loc.function, os.path.basename(loc.file), loc.line) for loc in elf.locations(addr)]
        assert got == expect, hex(addr)
        inlined += len(got) > 1
    assert inlined > 0, "the sample must exercise inline chains"


def test_bare_address_frame_is_named(built: Path) -> None:
    sym = Symbolizer(str(built / "sample"))
    assert sym.vmlinux is not None
    caller = sym.vmlinux.symbol_address("caller")
    assert caller is not None
    frame = Frame("", address=caller.address + 5)
    sym.symbolize_frame(frame, is_rip=True)
    assert (frame.function, frame.offset, frame.size) == ("caller", 5, caller.size)
    assert frame.locations and frame.locations[-1].function == "caller"


def test_symbol_at_and_size_disambiguation(built: Path) -> None:
    elf = ElfDebugInfo(str(built / "sample"))
    s = elf.symbol_address("caller")
    assert s is not None
    assert elf.symbol_at(s.address + 2) == (s, 2)
    assert elf.symbol_address("caller", size=s.size + 1000) == s  # falls back to the only one
    assert elf.symbol_address("no_such_function") is None


def test_bad_elf_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "vmlinux"
    bad.write_text("not an elf\n")
    with pytest.raises(SymbolizeError) as exc:
        Symbolizer(str(bad))
    assert str(bad) in str(exc.value)
    with pytest.raises(SymbolizeError) as exc:
        Symbolizer(str(tmp_path / "missing"))
    assert "missing" in str(exc.value)


def test_guilty_file_skips_generic_frames(built: Path) -> None:
    frames = [
        Frame("kasan_report", file="mm/kasan/report.c", line=1),
        Frame("skb_put", file="include/linux/skbuff.h", line=2),
        Frame("ip6mr_cache_report", file="net/ipv6/ip6mr.c", line=3),
        Frame("sock_sendmsg", file="net/socket.c", line=4),
    ]
    assert guilty_file(frame_files(None, frames)) == "net/ipv6/ip6mr.c"
    assert guilty_file(["lib/dump_stack.c", "mm/slub.c"]) == "lib/dump_stack.c"
    assert guilty_file([]) is None


def test_guilty_file_and_text_share_one_policy() -> None:
    # The same trace, once as files of symbolised frames and once as a symbolised log:
    # one walk decides both (the corpus checks the text side: test_corpus.test_guilty_file).
    files = ["mm/kasan/report.c", "include/linux/skbuff.h", "net/ipv6/ip6mr.c", "net/socket.c"]
    text = "".join(f" f{i}+0x1/0x2 {f}:{i + 10}\n" for i, f in enumerate(files))
    assert guilty_file(files) == guilty_in_text("KASAN: x", text) == "net/ipv6/ip6mr.c"
    generic = ["lib/dump_stack.c", "mm/slub.c"]
    text = "".join(f" f{i}+0x1/0x2 {f}:{i + 10}\n" for i, f in enumerate(generic))
    assert guilty_file(generic) == guilty_in_text("KASAN: x", text) == "lib/dump_stack.c"
    assert files_in_text(text) == generic
