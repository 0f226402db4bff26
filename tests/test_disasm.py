"""`Code:` line decoding: against syzkaller's expected listings and against objdump.

What is compared (capstone and objdump print the same instruction differently):
- instruction offsets and byte lengths, exactly;
- which instruction is the faulting one, and how many leading bytes were skipped;
- mnemonic and operands after :func:`norm`: whitespace removed, comments (``//``, ``@``,
  ``#`` after the operands) dropped, AT&T size suffixes (``movq`` vs ``mov``) ignored,
  every numeric literal rewritten as one canonical integer (``$3`` == ``$0x3``,
  ``#-32`` == ``#-0x20``; branch targets modulo 2**32 because objdump prints the
  offset of a raw 32-bit binary blob), implicit x86 scale ``,1)`` the implicit
  ``%es:``/``%ds:`` of string instructions and zero displacements dropped, ``callq`` /
  ``retq`` / ``jmpq`` suffixes ignored.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import SYZ
from hotfence.triage.analyze import enrich
from hotfence.triage.disasm import (
    CodeParseError,
    disassemble,
    disassemble_report,
    find_code_line,
    guess_arch,
    parse_code,
)
from hotfence.triage.parser import parse_log

CORPUS = str(SYZ)
DECOMPILE = os.path.join(CORPUS, "decompile")
CASES = sorted(glob.glob(os.path.join(DECOMPILE, "*", "*.in")))

_NUM = re.compile(r"(?<![\w%])(-?)(0x[0-9a-fA-F]+|\d+)\b")


def _canon_number(m: re.Match[str]) -> str:
    value = int(m.group(2), 0)
    if m.group(1):
        value = -value
    return str(value % (1 << 32))


_PREFIXES = {
    "lock",
    "rep",
    "repe",
    "repz",
    "repne",
    "repnz",
    "cs",
    "ds",
    "es",
    "fs",
    "gs",
    "ss",
    "data16",
    "notrack",
    "bnd",
}


def norm(text: str) -> tuple[str, str]:
    """(mnemonic, operands) in a syntax-neutral form, see the module docstring."""
    text = re.split(r"\s{2,}#|\s(?://|@|;)", text, maxsplit=1)[0].strip()
    words = text.split()
    prefixes = []
    while len(words) > 1 and words[0] in _PREFIXES:
        prefixes.append(words.pop(0))
    mnem = " ".join(prefixes + words[:1])
    ops = " ".join(words[1:])
    ops = re.sub(r"\s+", "", ops)
    ops = ops.replace("#", "")
    # objdump spells out the implicit string-instruction segments, capstone does not
    ops = ops.replace("%es:(%rdi)", "(%rdi)").replace("%ds:(%rsi)", "(%rsi)")
    ops = re.sub(r",1\)", ")", ops)
    ops = _NUM.sub(_canon_number, ops)
    ops = re.sub(r"(?<![\w)])0\(", "(", ops)  # a zero displacement is the same address
    return mnem, ops


def same_mnemonic(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(long_) == len(short) + 1 and long_.startswith(short) and long_[-1] in "bwlq"


def expected_listing(out_text: str) -> tuple[int, list[tuple[int, str, str, bool]]] | None:
    """(bytes skipped, [(offset, hex, instruction, trapping)]) from a .out file, or None."""
    lines = out_text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"Code disassembly \(best guess\)(?:, (\d+) bytes skipped)?:", line)
        if m:
            skipped = int(m.group(1) or 0)
            rows = []
            for row in lines[i + 1 :]:
                cols = row.split("\t")
                if len(cols) < 3:
                    break
                trapping = cols[0].startswith("*")
                off = int(cols[0].lstrip("* ").rstrip(":"), 16)
                insn = " ".join(c.strip() for c in cols[2:] if c.strip())
                insn = insn.replace(" <-- trapping instruction", "")
                rows.append((off, cols[1].strip(), insn, trapping))
            return skipped, rows
    return None


@pytest.mark.parametrize("path", CASES, ids=lambda p: os.path.relpath(p, DECOMPILE))
def test_decompile_corpus(path: str) -> None:
    text = open(path, encoding="utf-8", errors="replace").read()
    out = open(path[:-3] + ".out", encoding="utf-8", errors="replace").read()
    expected = expected_listing(out)
    dis = disassemble_report(text, syntax="att")
    if expected is None:
        # syzkaller printed no listing (user-space Code:, WARNING's ud2, unreadable
        # opcodes...). We still must not fail, and a marked line must align.
        if dis is not None and dis.fault_offset is not None and dis.error is None:
            assert sum(i.faulting for i in dis.instructions) == 1
        return
    skipped, rows = expected
    assert dis is not None and dis.error is None
    assert dis.realigned == skipped
    got = [(i.address, i.hex.replace(" ", ""), i.text, i.faulting) for i in dis.instructions]
    # objdump groups arm words as one hex string, x86 as spaced bytes; compare bytes in
    # memory order only for x86 (arm words are printed as integers).
    assert [g[0] for g in got[: len(rows)]] == [r[0] for r in rows]
    for (off, hexs, insn, trap), (_goff, ghex, gtext, gtrap) in zip(rows, got):
        if dis.arch.startswith(("x86", "i386")):
            assert ghex == hexs.replace(" ", ""), off
        em, eo = norm(insn)
        gm, go = norm(gtext)
        assert same_mnemonic(em, gm) or (em, gm) in {("bls", "bls")}, (off, insn, gtext)
        assert eo == go, (off, insn, gtext)
        assert trap == gtrap, off


def test_fault_marked_with_parentheses_and_words() -> None:
    cb = parse_code("d2bfd001 f2df7fe1 (39000274)")
    assert cb.width == 4 and cb.fault_offset == 8
    assert cb.data[8:12] == bytes.fromhex("74020039")


def test_realigns_when_first_bytes_cut_an_instruction() -> None:
    # "48 8b 83 18 02 00 00" (mov 0x218(%rbx),%rax) cut after its first two bytes,
    # then "31 d2" (xor), faulting "48 f7 f5" (div). Start 0 would decode "83 18 02"
    # as a different instruction that swallows bytes; the right cut is 5.
    dis = disassemble("8b 83 18 02 00 00 31 d2 <48> f7 f5 c3", syntax="att")
    assert dis.error is None
    fault = [i for i in dis.instructions if i.faulting]
    assert len(fault) == 1
    assert norm(fault[0].text) == ("divq", "%rbp")
    assert fault[0].address + dis.realigned == 8
    # and nothing before the fault is undecodable
    assert all(i.text != "(bad)" for i in dis.instructions if i.address < fault[0].address)


def test_ud1_with_modrm_keeps_the_stream_aligned() -> None:
    # From a real UBSAN trap: "67 48 0f b9 3a" is ud1 (%edx),%rdi (5 bytes). Decoding it
    # as 4 bytes would turn the following "eb 11" (jmp) into garbage.
    dis = disassemble("48 8d 3d 8b 0e 33 0b <67> 48 0f b9 3a eb 11 e8 6f 1c 2b fd", syntax="att")
    assert dis.error is None
    fault = next(i for i in dis.instructions if i.faulting)
    assert (fault.size, fault.text) == (5, "ud1 (%edx), %rdi")
    nxt = dis.instructions[dis.instructions.index(fault) + 1]
    assert norm(nxt.text)[0] == "jmp"


def test_bad_bytes_after_the_fault_do_not_stop_decoding() -> None:
    dis = disassemble("31 d2 <48> f7 f5 06 06 c3")  # 06 is invalid in 64-bit mode
    texts = [i.text for i in dis.instructions]
    assert texts[-3:] == ["(bad)", "(bad)", "ret"]
    assert [i.faulting for i in dis.instructions].count(True) == 1


def test_unable_to_access_gives_error() -> None:
    dis = disassemble("Unable to access opcode bytes at RIP 0xffffffffffffffd6.")
    assert dis.error and "no opcode bytes in the log: Unable to access" in dis.error


def test_bad_rip_value_is_the_kernel_s_words_not_a_parser_message() -> None:
    # "Bad" is three hex digits: the first word alone does not tell it from bytes.
    dis = disassemble("Bad RIP value.")
    assert dis.error == "no opcode bytes in the log: Bad RIP value."
    assert dis.instructions == []


@pytest.mark.parametrize("bad", ["", "zz", "<0f", "<0f> <0b>", "0f 0b0b"])
def test_parse_errors(bad: str) -> None:
    with pytest.raises(CodeParseError):
        parse_code(bad)


def test_user_space_code_line_is_skipped() -> None:
    text = "RIP: 0033:0x4665d9\nCode: 0f 05 <48> 3d 01 f0 ff ff\nRSP: 002b:0\n"
    assert find_code_line(text) is None
    text = "RIP: 0010:foo+0x1/0x2\nCode: 0f 05 <48> 3d 01 f0 ff ff\n" + text
    assert find_code_line(text) == "0f 05 <48> 3d 01 f0 ff ff"


def _all_corpus_code_lines() -> list[tuple[str, str]]:
    found = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "report", "*"))):
        text = open(path, encoding="utf-8", errors="replace").read()
        prev = ""
        for line in text.splitlines():
            m = re.search(r"Code: ((?:[<(]?[0-9a-f]{2}[>)]?(?: |$)){20,})$", line.strip())
            if m and "0033:" not in prev:
                found.append((os.path.basename(path), m.group(1)))
            prev = line
    return found


@pytest.mark.skipif(shutil.which("objdump") is None, reason="binutils objdump not installed")
def test_boundaries_agree_with_objdump_on_corpus() -> None:
    """Every x86 kernel Code: line in the report corpus: capstone and objdump must split
    the realigned bytes into the same instructions up to and including the fault, and
    agree on the faulting instruction's mnemonic and operands."""
    lines = _all_corpus_code_lines()
    assert len(lines) > 100
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        blob = os.path.join(tmp, "code.bin")
        for name, code in lines:
            dis = disassemble(code, arch="x86_64", syntax="att")
            if dis.error is not None:
                continue
            data = bytes.fromhex(dis.bytes_hex)[dis.realigned :]
            with open(blob, "wb") as fh:
                fh.write(data)
            res = subprocess.run(
                ["objdump", "-D", "-z", "-b", "binary", "-mi386", "-Mx86-64", blob],
                capture_output=True,
                text=True,
                check=True,
            )
            ref = {}
            for row in res.stdout.splitlines():
                cols = row.split("\t")
                if len(cols) >= 3 and re.match(r"^\s*[0-9a-f]+:$", cols[0]):
                    ref[int(cols[0].strip().rstrip(":"), 16)] = " ".join(
                        c.strip() for c in cols[2:]
                    )
            fault = next(i for i in dis.instructions if i.faulting)
            for ins in dis.instructions:
                if ins.address > fault.address:
                    break
                assert ins.address in ref, (name, code, ins)
            em, eo = norm(ref[fault.address])
            gm, go = norm(fault.text)
            assert same_mnemonic(em, gm) and eo == go, (name, ref[fault.address], fault.text)
            checked += 1
    print(f"objdump agreement on {checked} corpus Code: lines")
    assert checked > 100


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(min_size=1, max_size=4), max_size=70),
    st.integers(0, 80),
    st.sampled_from(["x86_64", "i386", "arm64", "arm", "thumb", "riscv64", "mips", None]),
)
def test_disassemble_never_raises(chunks: list[bytes], mark: int, arch: str | None) -> None:
    """Any Code: line shape (random widths, marker anywhere or nowhere) gives a
    Disassembly, with at most one faulting instruction, never an exception."""
    toks = [c.hex() for c in chunks]
    if toks and mark < len(toks):
        toks[mark] = f"<{toks[mark]}>"
    dis = disassemble(" ".join(toks), arch=arch)
    assert sum(i.faulting for i in dis.instructions) <= 1
    if dis.error is None and dis.fault_offset is not None:
        assert sum(i.faulting for i in dis.instructions) == 1


def test_thumb_halfwords_and_arch_guess() -> None:
    # 2-byte tokens are Thumb: movs r0, #0 ; bx lr ; (nop) faulting
    dis = disassemble("2000 4770 (bf00)")
    assert dis.arch == "thumb" and dis.error is None
    assert [(i.text, i.faulting) for i in dis.instructions] == [
        ("movs r0, #0", False),
        ("bx lr", False),
        ("nop", True),
    ]
    assert guess_arch(4, "pstate: 20400009 (nzCv daif +PAN -UAO -TCO BTYPE=--)") == "arm64"
    assert guess_arch(4, "pc : [<808f355c>]    lr : [<808f3548>]    psr: 20060013") == "arm"
    assert guess_arch(1, "EIP: 0060:[<c1234567>] EFLAGS: 00010246") == "i386"
    assert guess_arch(1, "RIP: 0010:foo+0x1/0x2") == "x86_64"
    with pytest.raises(CodeParseError):
        guess_arch(3)


_REALWORLD = os.path.join(os.path.dirname(__file__), "data", "realworld")


# riscv's dump_kernel_instr() prints halfwords, "(%04hx)" the faulting one; MIPS's
# show_code() and powerpc's show_instructions() ("Instruction dump:", two lines under it)
# print words, "<%08x>" the faulting one. Those shapes are Thumb's and arm64's: the
# register dump beside them says which architecture it is.
@pytest.mark.parametrize(
    ("log", "arch", "faulting"),
    [
        # recorded on Debian 13's riscv64 kernel: a load from NULL + 8 (badaddr 0x8) ...
        ("riscv64-6.12.117+deb13-mod-null", "riscv64", "c.ld a0, 8(s1)"),
        # ... and BUG(), riscv's ebreak
        ("riscv64-6.12.117+deb13-mod-bug", "riscv64", "c.ebreak"),
        # MIPS 4.19: SysRq c's store to NULL, and BUG()'s "break BRK_BUG" (512)
        ("mips-4.19-oops", "mips", "sb $v1, ($zero)"),
        ("mips-4.19-bug", "mips", "break 0x200"),
        # recorded on Debian 12's ppc64le kernel: show_instructions()' "Instruction dump:"
        # lines, a load from NULL + 8 and BUG()'s trap
        ("ppc64le-6.1.0-50-mod-null", "ppc64", "ld r3, 8(r31)"),
        ("ppc64le-6.1.0-50-mod-bug", "ppc64", "tdnei r9, 0"),
    ],
)
def test_riscv_mips_and_powerpc_code_decodes_in_its_own_instruction_set(
    log: str, arch: str, faulting: str
) -> None:
    with open(os.path.join(_REALWORLD, f"{log}.log"), "rb") as f:
        (rep,) = parse_log(f.read())
    dis = disassemble_report(rep.text)
    assert dis is not None and dis.error is None
    assert dis.arch == arch
    assert [i.text for i in dis.instructions if i.faulting] == [faulting]
    assert enrich(rep).code == dis  # what triage's output carries


def test_a_loongarch_code_line_is_not_decoded_as_another_machines() -> None:
    """The MIPS oops with its "epc" line in LoongArch's wording ("era   : %0*lx %pS"):
    capstone 5 has no LoongArch, so the Code: line is left undecoded, with the reason."""
    with open(os.path.join(_REALWORLD, "mips-4.19-oops.log"), "rb") as f:
        text = f.read().decode()
    mips = "epc   : 8035a1bc sysrq_handle_crash+0x1c/0x28"
    assert mips in text
    (rep,) = parse_log(text.replace(mips, "era   : 8035a1bc sysrq_handle_crash+0x1c/0x28").encode())
    dis = disassemble_report(rep.text)
    assert dis is not None and dis.arch == "loongarch64"
    assert dis.instructions == [] and dis.error is not None and "loongarch64" in dis.error


def test_riscv_and_mips_register_dumps_name_their_arch() -> None:
    riscv = "epc : ffffffff01e6c064 ra : ffffffff01e6c3ba sp : ff2000000057bc90"
    assert guess_arch(2, riscv) == "riscv64"
    assert (
        guess_arch(2, "status: 0000000200000120 badaddr: 0000000000000008 cause: 0d") == "riscv64"
    )
    assert guess_arch(4, "$ 0   : 00000000 00000001 00000001 00000000") == "mips"
    assert guess_arch(4, "$ 0   : 0000000000000000 ffffffff80a1b2c3") == "mips64"
    assert guess_arch(4, "epc   : 8035a1bc sysrq_handle_crash+0x1c/0x28") == "mips"
    # LoongArch prints MIPS's rows and Code: words, its "era" where MIPS has "epc"
    # (arch/loongarch/kernel/traps.c __show_regs()): no MIPS decoding of them
    assert guess_arch(4, "$ 0   : 00000000 00000001\nera   : 9000000000e1a2b4 f+0x4/0x8") == (
        "loongarch64"
    )
    assert guess_arch(4, "NIP:  c000000000353484 LR: c00000000033720c CTR: 0") == "ppc64"
    assert guess_arch(4, "NIP:  c0012345 LR: c0012300 CTR: 00000000") == "ppc"
    # without them the words stay arm64's, the halfwords Thumb's
    assert guess_arch(4, "") == "arm64" and guess_arch(2, "") == "thumb"
    # a 32-bit riscv-like "(....)" halfword line realigns onto a 4-byte instruction's start
    dis = disassemble("0001 4501 (8082)", arch="riscv64")
    assert [(i.text, i.faulting) for i in dis.instructions][-1] == ("c.jr ra", True)


# s390's show_code() (arch/s390/kernel/dis.c) prints its own decoding under "Krnl Code:":
# "%016lx: " address, the instruction's bytes, a tab, mnemonic and operands; ">" before
# the PSW address's line, "#" before the line of the instruction that ends there.
@pytest.mark.parametrize(
    ("log", "faulting", "after"),
    [
        # a store into the guard page (its "lay" moved %r15 there): the translation
        # exception leaves the PSW at the store, the '>' line
        ("s390x-6.1.0-50-mod-stack-overflow", "stg %r14,152(%r15)", "xc 160(256,%r15),160(%r15)"),
        # BUG() and WARN_ON() are monitor calls: the PSW ('>') is past the "mc" ('#')
        ("s390x-6.1.0-50-mod-bug", "mc 0,0", "bcr 0,%r7"),
        ("s390x-6.1.0-50-mod-warn", "mc 0,0", "brc 15,000003ff7fd0253a"),
        ("s390x-6.1.0-50-mod-slub-poison", "mc 0,0", "lgr %r3,%r2"),
    ],
)
def test_s390_krnl_code_is_the_kernel_s_own_decoding(log: str, faulting: str, after: str) -> None:
    import capstone

    with open(os.path.join(_REALWORLD, f"{log}.log"), "rb") as f:
        (rep,) = [r for r in parse_log(f.read()) if "Krnl Code:" in r.text]
    dis = disassemble_report(rep.text)
    assert dis is not None and dis.error is None and dis.arch == "s390x"
    assert len(dis.instructions) == 8  # show_code()'s eight lines, none lost
    (i,) = [n for n, ins in enumerate(dis.instructions) if ins.faulting]
    assert dis.instructions[i].text == faulting and dis.instructions[i + 1].text == after
    assert dis.fault_offset == dis.instructions[i].address
    assert dis.bytes_hex == " ".join(ins.hex for ins in dis.instructions)
    assert enrich(rep).code == dis
    # capstone reads the same bytes as the same instructions, one for one (its names
    # for relative branches are the extended ones: "j" for "brc 15", "cgije" for "cgij")
    md = capstone.Cs(capstone.CS_ARCH_SYSZ, capstone.CS_MODE_BIG_ENDIAN)
    cs = list(md.disasm_lite(bytes.fromhex(dis.bytes_hex), 0))
    assert [(a, s) for a, s, _, _ in cs] == [(x.address, x.size) for x in dis.instructions]
    for (_, _, mnem, _), x in zip(cs, dis.instructions, strict=True):
        kernel = x.text.split()[0]
        assert mnem.startswith(kernel) or (kernel.startswith("br") and mnem[0] == "j"), x


def test_s390_krnl_code_without_tabs_with_an_unknown_opcode_and_bad_psw() -> None:
    """The recorded mod-bug block with its tabs turned to spaces (a console or mailer
    that expands them), one mnemonic the kernel's table lacked ("unknown", print_insn()),
    and show_code()'s "Krnl Code: Bad PSW." when it could read no bytes."""
    with open(os.path.join(_REALWORLD, "s390x-6.1.0-50-mod-bug.log"), "rb") as f:
        text = f.read().decode()
    assert "\tmc\t0,0" in text
    (rep,) = parse_log(text.replace("\tmc\t0,0", "\tunknown").expandtabs(8).encode())
    assert "\t" not in rep.text and "unknown" in rep.text
    dis = disassemble_report(rep.text)
    assert dis is not None and dis.error is None
    texts = [ins.text for ins in dis.instructions]
    assert texts[:4] == [
        "srp 4(11,%r0),3055(%r14),0",
        "srp 4(11,%r0),2036,0",
        "mc 0, 0",  # capstone's words where the kernel had none
        "bcr 0,%r7",
    ]
    # die()'s "monitor event: 0040": the PSW is past the faulting "mc"
    assert [ins.faulting for ins in dis.instructions].index(True) == 2
    start = text.index("Krnl Code:")
    end = text.index("Call Trace:", start)
    (rep,) = parse_log((text[:start] + "Krnl Code: Bad PSW.\n" + text[end:]).encode())
    dis = disassemble_report(rep.text)
    assert dis is not None and dis.instructions == [] and dis.arch == "s390x"
    assert dis.error == "no opcode bytes in the log: Bad PSW."


def test_s390_krnl_code_bytes_of_kernels_before_show_code() -> None:
    """Before dis.c's show_code() (2007), arch/s390/kernel/traps.c show_registers()
    printed "%s Code: " and the 20 bytes from the PSW address, "%02x " each, undecoded
    (" Bad PSW." where it could read no more). The recorded stack overflow's block in
    that wording: the bytes from its '>' line on, decoded by capstone, the first one the
    faulting instruction; cut short by a Bad PSW, what is left is still read."""
    with open(os.path.join(_REALWORLD, "s390x-6.1.0-50-mod-stack-overflow.log"), "rb") as f:
        text = f.read().decode()
    (rep,) = parse_log(text.encode())
    new = disassemble_report(rep.text)
    assert new is not None
    (fault,) = [n for n, ins in enumerate(new.instructions) if ins.faulting]
    psw_on = bytes.fromhex("".join(ins.hex for ins in new.instructions[fault:]).replace(" ", ""))
    lines = text.splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if "Krnl Code:" in ln)
    stamp = lines[first][: lines[first].index("Krnl Code:")]
    for tail, count in (("", 4), (" Bad PSW.", 1)):
        shown = psw_on[:20] if not tail else psw_on[:8]
        old = stamp + "Krnl Code: " + "".join(f"{b:02x} " for b in shown) + tail + "\n"
        (rep,) = parse_log("".join(lines[:first] + [old] + lines[first + 8 :]).encode())
        dis = disassemble_report(rep.text)
        assert dis is not None and dis.error is None and dis.arch == "s390x"
        assert dis.fault_offset == 0 and dis.bytes_hex == shown.hex(" ")
        good = [ins for ins in dis.instructions if ins.text != "(bad)"]
        assert len(good) == count
        assert good[0].faulting and good[0].text == "stg %r14, 0x98(%r15)"
        assert [(i.size, i.hex) for i in good] == [
            (i.size, i.hex) for i in new.instructions[fault : fault + count]
        ]


def test_s390_krnl_code_with_a_line_lost_is_read_up_to_the_gap() -> None:
    """show_code() prints the instructions one after the other, each line's address the
    end of the line before: a console that lost one of them leaves a block whose later
    lines cannot be placed. The recorded BUG's block without its second line: only the
    first instruction is read, no faulting one is claimed, and the error says why."""
    with open(os.path.join(_REALWORLD, "s390x-6.1.0-50-mod-bug.log"), "rb") as f:
        lines = f.read().decode().splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if "Krnl Code:" in ln)
    assert "000003ff7fd0259a: f0a0000407f4" in lines[first + 1]
    (rep,) = parse_log("".join(lines[: first + 1] + lines[first + 2 :]).encode())
    dis = disassemble_report(rep.text)
    assert dis is not None and [i.text for i in dis.instructions] == ["srp 4(11,%r0),3055(%r14),0"]
    assert dis.fault_offset is None and not any(i.faulting for i in dis.instructions)
    assert dis.error == "the instruction at 3ff7fd025a0 does not follow the one before it"


def test_s390_old_krnl_code_bytes_past_a_monitor_call_claim_no_faulting_one() -> None:
    """The recorded BUG's block in the pre-show_code() wording: its bytes start at the
    PSW, which die()'s "monitor event: 0040" says is past the faulting instruction (the
    "mc" before it): decoded, and none of them called the faulting one."""
    with open(os.path.join(_REALWORLD, "s390x-6.1.0-50-mod-bug.log"), "rb") as f:
        text = f.read().decode()
    assert "monitor event: 0040 ilc:2 [#1]" in text
    lines = text.splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if "Krnl Code:" in ln)
    # from the '>' line on: 0707 0707 c00400004dbc ebeff0880024 a7290007, 20 bytes
    psw_on = bytes.fromhex("07070707c00400004dbcebeff0880024a7290007")
    stamp = lines[first][: lines[first].index("Krnl Code:")]
    old = stamp + "Krnl Code: " + "".join(f"{b:02x} " for b in psw_on) + "\n"
    (rep,) = parse_log("".join(lines[:first] + [old] + lines[first + 8 :]).encode())
    dis = disassemble_report(rep.text)
    assert dis is not None and dis.error is None and dis.bytes_hex == psw_on.hex(" ")
    assert [i.text.split()[0] for i in dis.instructions] == ["bcr", "bcr", "brcl", "stmg", "lghi"]
    assert dis.fault_offset is None and not any(i.faulting for i in dis.instructions)
