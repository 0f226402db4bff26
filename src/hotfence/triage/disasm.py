"""Decode the `Code:` line of a kernel oops with capstone and mark the faulting instruction.

The kernel prints the bytes around the faulting PC (``show_opcodes()`` on x86: 42 bytes
before, the faulting byte in ``<..>``, 21 after; arm/arm64 print 4-byte words, the
faulting one in ``(..)``; Thumb prints 2-byte halfwords). The bytes before the fault
usually start in the middle of an instruction, so like the kernel's
``scripts/decodecode`` and syzkaller's decompiler we retry from later start offsets and
keep the alignment whose decoding lands exactly on the faulting byte, preferring the
earliest start (the most bytes decoded) that has no undecodable byte before the fault.
s390 prints no ``Code:`` bytes but its own decoding (``Krnl Code:``), read as it is.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import capstone

from hotfence.triage.model import Disassembly, Instruction

# x86 instructions are at most 15 bytes, so a start cut further than that can never
# help: some earlier cut already decodes the same instruction stream.
MAX_X86_CUT = 15

ARCHES = ("x86_64", "i386", "arm64", "arm", "thumb", "riscv64", "mips", "mips64", "ppc64", "ppc")
# Instruction sets whose instructions vary in length: a Code: line's first bytes may cut
# one, so the decoding is retried from later starts, in steps of the smallest length.
# x86: 1 to 15 bytes; riscv with the C extension: 2 or 4 bytes.
_VARIABLE = {"x86_64": (1, MAX_X86_CUT), "i386": (1, MAX_X86_CUT), "riscv64": (2, 2)}
# Register dumps that name the architecture whose Code: words they come with:
# riscv show_regs() "epc : %016lx ra : %016lx sp : %016lx" (and "status: ... badaddr:
# ... cause: "); MIPS __show_regs() "$ 0   :" register rows and "epc   : %0*lx %pS", whose
# register width says MIPS32 or MIPS64.
_RISCV_REGS = re.compile(r"(?m)\bepc ?: [0-9a-f]{8,16} ra : |\bbadaddr: [0-9a-f]+ cause: ")
# powerpc's show_regs() "NIP:  %016lx LR: ..." (%08lx on 32-bit kernels): its words come
# as show_instructions()'s "Instruction dump:" lines, "<%08lx>" the faulting one.
_PPC_REGS = re.compile(r"\bNIP: +([0-9a-f]{8,16}) +LR: ")
_PPC_DUMP = "Instruction dump:"
# LoongArch's __show_regs() prints MIPS's "$ 0   :" rows and the same Code: words, but
# "era   : %0*lx %pS" and "CSR crmd:": an instruction set capstone 5 cannot decode.
_LOONGARCH_REGS = re.compile(r"(?m)^\s*era +: [0-9a-f]{8,16} |\bCSR crmd: ")
_MIPS_REGS = re.compile(r"(?m)^\s*(?:\$ ?0 +:((?: [0-9a-f]+)+)|epc +: [0-9a-f]{8,16} )")

_CODE_LINE = re.compile(r"Code:\s*(.*)$")
_TOKEN = re.compile(r"^[<(]?([0-9a-fA-F]{2,16})[>)]?$")
_USER_RIP = re.compile(r"RIP:\s*0033:")


class CodeParseError(ValueError):
    """The text after ``Code:`` is not a sequence of hex bytes/words with one fault marker."""


@dataclass
class CodeBytes:
    """The bytes of a `Code:` line in memory order, with the faulting byte's offset."""

    data: bytes
    fault_offset: int | None
    width: int  # bytes per printed token: 1 on x86, 4 on arm/arm64, 2 in Thumb


def parse_code(code: str) -> CodeBytes:
    """Parse the text after ``Code:`` (``48 8b <0f> 0b`` or ``d2bfd001 (39000274)``).

    Words wider than a byte are printed by the kernel as native integers; we assume a
    little-endian kernel (all of x86, and arm/arm64 as shipped) and lay them out in
    memory order.
    """
    tokens = code.split()
    if not tokens:
        raise CodeParseError("no opcode bytes")
    width = 0
    out = bytearray()
    fault: int | None = None
    for tok in tokens:
        m = _TOKEN.match(tok)
        if m is None or len(m.group(1)) % 2:
            raise CodeParseError(f"not a hex opcode token: {tok!r}")
        marked = tok[0] in "<("
        if marked != (tok[-1] in ">)"):
            raise CodeParseError(f"unbalanced fault marker: {tok!r}")
        digits = m.group(1)
        tok_width = len(digits) // 2
        if width == 0:
            width = tok_width
        elif tok_width != width:
            raise CodeParseError(f"mixed token widths ({width} and {tok_width} bytes): {tok!r}")
        if marked:
            if fault is not None:
                raise CodeParseError("more than one faulting-byte marker")
            fault = len(out)
        value = int(digits, 16)
        if width == 1:
            out.append(value)
        elif width == 2:
            out += struct.pack("<H", value)
        elif width == 4:
            out += struct.pack("<I", value)
        elif width == 8:
            out += struct.pack("<Q", value)
        else:
            raise CodeParseError(f"unsupported token width {width}: {tok!r}")
    return CodeBytes(bytes(out), fault, width)


def find_code_line(report_text: str) -> str | None:
    """The text after the first kernel-mode ``Code:`` line of a report, or None.

    A ``Code:`` right after ``RIP: 0033:`` shows user-space bytes (the syscall the task
    was in); it says nothing about the kernel bug, so it is skipped.
    """
    prev = ""
    lines = report_text.splitlines()
    for i, line in enumerate(lines):
        if line.rstrip().endswith(_PPC_DUMP):
            # powerpc show_instructions(): eight words a line, on the two lines after it
            words = [w for ln in lines[i + 1 : i + 3] for w in ln.split() if _TOKEN.match(w)]
            if words:
                return " ".join(words)
        idx = line.find("Code:")
        # "Krnl Code:" (s390) has another format; only bare "Code:" is ours.
        if (
            idx >= 0
            and not _USER_RIP.search(prev)
            and (idx == 0 or not line[:idx].rstrip().endswith("Krnl"))
        ):
            return line[idx + len("Code:") :].strip()
        prev = line
    return None


def guess_arch(width: int, report_text: str = "") -> str:
    """Which capstone mode fits a `Code:` line whose tokens are ``width`` bytes wide.

    Byte tokens are x86 (64-bit unless the oops shows 32-bit registers). Halfwords are
    riscv's dump_kernel_instr() when the registers are riscv's, else Thumb. 4-byte words
    are powerpc's (its "Instruction dump:") or MIPS's show_code() with their registers,
    else arm64 unless the register dump has the 32-bit ARM ``psr:`` / ``PC is at`` lines.
    """
    if width == 1:
        if "EIP:" in report_text and "RIP:" not in report_text:
            return "i386"
        return "x86_64"
    if width == 2:
        return "riscv64" if _RISCV_REGS.search(report_text) else "thumb"
    if width == 4:
        ppc = _PPC_REGS.search(report_text)
        if ppc is not None:
            return "ppc64" if len(ppc.group(1)) == 16 else "ppc"
        if "pstate:" in report_text:
            return "arm64"
        if "psr:" in report_text or "PC is at" in report_text:
            return "arm"
        if _LOONGARCH_REGS.search(report_text):
            return "loongarch64"  # _engine() says it cannot decode it
        if not _RISCV_REGS.search(report_text):
            mips = _MIPS_REGS.search(report_text)
            if mips is not None:
                wide = mips.group(1) is not None and len(mips.group(1).split()[0]) == 16
                return "mips64" if wide else "mips"
        return "arm64"
    raise CodeParseError(f"no known architecture prints {width}-byte opcode words")


_CS_MODES = {
    "x86_64": (capstone.CS_ARCH_X86, capstone.CS_MODE_64),
    "i386": (capstone.CS_ARCH_X86, capstone.CS_MODE_32),
    "arm64": (capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM),
    "arm": (capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM),
    "thumb": (capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB),
    "riscv64": (capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV64 | capstone.CS_MODE_RISCVC),
    # The kernel prints each instruction word as a number ("%08x"), whatever the CPU's
    # byte order; parse_code() lays it out little-endian, so decode it so.
    "ppc64": (capstone.CS_ARCH_PPC, capstone.CS_MODE_64 | capstone.CS_MODE_LITTLE_ENDIAN),
    "ppc": (capstone.CS_ARCH_PPC, capstone.CS_MODE_32 | capstone.CS_MODE_LITTLE_ENDIAN),
    "mips": (capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS32 | capstone.CS_MODE_LITTLE_ENDIAN),
    "mips64": (capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS64 | capstone.CS_MODE_LITTLE_ENDIAN),
}
_engines: dict[tuple[str, str], capstone.Cs] = {}


def _engine(arch: str, syntax: str) -> capstone.Cs:
    key = (arch, syntax)
    md = _engines.get(key)
    if md is None:
        if arch not in _CS_MODES:
            raise CodeParseError(f"unsupported architecture {arch!r} (known: {', '.join(ARCHES)})")
        md = capstone.Cs(*_CS_MODES[arch])
        if arch in ("x86_64", "i386") and syntax == "att":
            md.syntax = capstone.CS_OPT_SYNTAX_ATT
        _engines[key] = md
    return md


@dataclass
class _Decoded:
    offset: int
    size: int
    mnemonic: str
    operands: str
    bad: bool


def _decode_all(md: capstone.Cs, data: bytes, step: int) -> list[_Decoded]:
    """Decode all of ``data``; a byte (word) capstone rejects becomes one bad entry.

    capstone stops at the first invalid instruction, so we resume ``step`` bytes later,
    the way objdump prints ``(bad)`` and carries on.
    """
    out: list[_Decoded] = []
    pos = 0
    while pos < len(data):
        for off, size, mnem, ops in md.disasm_lite(data[pos:], pos):
            if mnem == "ud1" and md.arch == capstone.CS_ARCH_X86:
                fixed = _decode_ud1(md, data, off, size)
                if fixed is not None:
                    out.append(fixed)
                    pos = off + fixed.size
                    break  # restart the stream after the corrected length
            out.append(_Decoded(off, size, mnem, ops, False))
            pos = off + size
        else:
            if pos < len(data):
                size = min(step, len(data) - pos)
                out.append(_Decoded(pos, size, "(bad)", "", True))
                pos += size
            continue
    return out


def _decode_ud1(md: capstone.Cs, data: bytes, off: int, size: int) -> _Decoded | None:
    """Re-decode ``ud1`` (0f b9 /r), which capstone 5 decodes without its ModRM operand.

    Linux uses ``ud1`` with a ModRM byte for UBSAN/WARN traps (``67 48 0f b9 3a``); a
    length that ignores the ModRM byte desynchronises everything after it. ``imul``
    (0f af /r) has the same operand encoding, so decoding the same bytes with that
    opcode yields the right length and operands.
    """
    at = data.find(b"\x0f\xb9", off, off + size)
    if at < 0:
        return None
    patched = data[off:at] + b"\x0f\xaf" + data[at + 2 : off + 15]
    for _, fsize, _mnem, ops in md.disasm_lite(patched, off, 1):
        if fsize > size:
            return _Decoded(off, fsize, "ud1", ops, False)
    return None


def disassemble(
    code: str, arch: str | None = None, syntax: str = "intel", report_text: str = ""
) -> Disassembly:
    """Disassemble the text after ``Code:``; never raises (problems go to ``error``).

    ``arch`` defaults to :func:`guess_arch`; ``syntax`` is ``intel`` or ``att`` (x86
    only). Instruction addresses are offsets from the first decoded byte, i.e. after the
    ``realigned`` bytes that were skipped, as in objdump's and syzkaller's listings.
    """
    words = code.split()
    if words and sum(not _TOKEN.match(w) for w in words) * 2 >= len(words):
        # "Bad RIP value." / "Unable to access opcode bytes at RIP ...": the kernel
        # could not read the code; say so in its own words. ("Bad" alone is hex, so
        # the words are counted, not only the first.)
        return Disassembly(
            arch=arch or "unknown",
            bytes_hex="",
            fault_offset=None,
            realigned=0,
            error=f"no opcode bytes in the log: {code.strip()[:120]}",
        )
    try:
        parsed = parse_code(code)
        if arch is None:
            arch = guess_arch(parsed.width, report_text)
        md = _engine(arch, syntax)
    except CodeParseError as exc:
        return Disassembly(
            arch=arch or "unknown",
            bytes_hex="",
            fault_offset=None,
            realigned=0,
            error=f"{exc} in Code: line {code[:80]!r}",
        )
    data, fault = parsed.data, parsed.fault_offset
    cut_step, max_cut = _VARIABLE.get(arch, (0, 0))
    step = cut_step or (2 if arch == "thumb" else 4)
    cuts = range(0, min(fault, max_cut) + 1, cut_step) if (cut_step and fault is not None) else [0]

    best: tuple[int, int, list[_Decoded]] | None = None  # (bad count before fault, cut, insns)
    for cut in cuts:
        insns = _decode_all(md, data[cut:], step)
        if fault is None:
            best = (0, cut, insns)
            break
        target = fault - cut
        if not any(i.offset == target for i in insns):
            continue
        bad = sum(1 for i in insns if i.offset < target and i.bad)
        if best is None or bad < best[0]:
            best = (bad, cut, insns)
        if bad == 0:
            break

    error = None
    if best is None:
        # No start lands on the marked byte: show the plain decoding, unmarked.
        best = (0, 0, _decode_all(md, data, step))
        error = "no start offset decodes onto the faulting byte"
    _, cut, insns = best
    marked = None if fault is None else fault - cut
    instructions = [
        Instruction(
            address=i.offset,
            size=i.size,
            hex=data[cut + i.offset : cut + i.offset + i.size].hex(" "),
            text=f"{i.mnemonic} {i.operands}".strip(),
            faulting=(error is None and i.offset == marked),
        )
        for i in insns
    ]
    return Disassembly(
        arch=arch,
        bytes_hex=data.hex(" "),
        fault_offset=fault,
        realigned=cut,
        instructions=instructions,
        error=error,
    )


# s390's show_code() (arch/s390/kernel/dis.c) decodes the code itself: "Krnl Code:" then
# up to eight "%016lx: <bytes>\t<mnemonic>\t<operands>" lines (pr_cont'd under it), each
# led by '>' for the instruction at the PSW address, '#' for the one ending there, else a
# blank; "Krnl Code: Bad PSW." when it could not read them. ("User Code:" is user space.)
# Another marker character (public reports of newer kernels show a '*') is read as not
# the PSW's line rather than ending the block.
_KRNL_CODE = "Krnl Code:"
_S390_INSN = re.compile(r"^\s*([#>*]?)\s*([0-9a-f]{8,16}): ((?:[0-9a-f]{2,} ?)+)(.*)$")


@dataclass
class _S390Line:
    address: int
    data: bytes
    text: str
    marker: str


def s390_insn_length(first: int) -> int:
    """Bytes of the instruction whose first byte is ``first``: its top two bits say
    (00: 2, 01 and 10: 4, 11: 6), as the kernel's insn_length() computes it."""
    return (((first + 64) >> 7) + 1) << 1


def _s390_line(line: str) -> _S390Line | None:
    m = _S390_INSN.match(line)
    if m is None:
        return None
    digits = m.group(3).replace(" ", "")
    size = s390_insn_length(int(digits[:2], 16))
    if len(digits) < 2 * size:
        return None  # cut short: not an instruction the kernel printed whole
    # what is left of the hex run past the instruction's length belongs to the text
    # (a mnemonic such as "ae" is hex too), as in the kernel's "%02x...\t%s"
    text = (digits[2 * size :] + " " + m.group(4)).split()
    return _S390Line(
        int(m.group(2), 16),
        bytes.fromhex(digits[: 2 * size]),
        " ".join(text),
        m.group(1),
    )


@dataclass
class _S390Block:
    lines: list[_S390Line]
    error: str | None = None  # why the block was read only in part


def find_s390_code(report_text: str) -> _S390Block | str | None:
    """The instructions of a report's ``Krnl Code:`` block in order, the kernel's own
    words when it printed none (``Bad PSW.``), or None when the report has no block."""
    lines = report_text.splitlines()
    for i, line in enumerate(lines):
        idx = line.find(_KRNL_CODE)
        if idx < 0:
            continue
        first = line[idx + len(_KRNL_CODE) :]
        got: list[_S390Line] = []
        for cont in [first, *lines[i + 1 : i + 8]]:
            insn = _s390_line(cont)
            if insn is None:
                break
            # the block is contiguous: the next line starts where the last one ended
            end = got[-1].address + len(got[-1].data) if got else insn.address
            if insn.address != end:
                return _S390Block(
                    got, f"the instruction at {insn.address:x} does not follow the one before it"
                )
            got.append(insn)
        return _S390Block(got) if got else first.strip()
    return None


# Before dis.c's show_code() (added in 2007), show_registers() in arch/s390/kernel/traps.c
# printed the 20 bytes from the PSW address on, undecoded: "Krnl Code: " then "%02x "
# each, and " Bad PSW." where it could read no more.
_S390_OLD_CODE = re.compile(r"^((?:[0-9a-f]{2} )*[0-9a-f]{2}) *(?:Bad PSW\.)?$")


# Which instruction faulted: the PSW a program check saves points at the instruction
# itself only when the exception nullifies it (the DAT exceptions: segment and page
# translation 0x10/0x11, ASCE type and region translation 0x38-0x3b) or when the kernel
# rewinds it (arch/s390/mm/fault.c: a protection exception, 0x04); for the others
# (monitor event 0x40 of BUG() and WARN(), illegal operation 0x01, specification 0x06,
# data 0x07, ...) it points past it, at the '>' line, the faulting instruction being
# the one show_code() marks '#'. die() names the code: "%s: %04x ilc:%d [#%d]" (older
# "%s: %04lx [#%d]"); its 0x80 bit is PER's, 0x200 a transaction's.
_S390_DIE_CODE = re.compile(r": ([0-9a-f]{4}) (?:ilc:\d )?\[#\d+\]")
_S390_PSW_AT_FAULT = frozenset((0x04, 0x10, 0x11, 0x38, 0x39, 0x3A, 0x3B))


def _s390_psw_past_fault(report_text: str) -> bool | None:
    """Does the report's program check leave the PSW past the faulting instruction?
    None when no die() line names it."""
    m = _S390_DIE_CODE.search(report_text)
    if m is None:
        return None
    return int(m.group(1), 16) & 0x7F not in _S390_PSW_AT_FAULT


def _s390_bytes(text: str, psw_past_fault: bool | None) -> Disassembly:
    """The old ``Krnl Code:`` bytes decoded by capstone, the first instruction the PSW's
    (the faulting one, unless the program check left the PSW past it: then the faulting
    one is not among them); the kernel's words when they are no bytes ("Bad PSW.")."""
    m = _S390_OLD_CODE.match(text.strip())
    if m is None:
        return Disassembly(
            arch="s390x",
            bytes_hex="",
            fault_offset=None,
            realigned=0,
            error=f"no opcode bytes in the log: {text.strip()[:120]}",
        )
    data = bytes.fromhex(m.group(1))
    md = capstone.Cs(capstone.CS_ARCH_SYSZ, capstone.CS_MODE_BIG_ENDIAN)
    insns = _decode_all(md, data, 2)
    return Disassembly(
        arch="s390x",
        bytes_hex=data.hex(" "),
        fault_offset=None if psw_past_fault else 0,
        realigned=0,
        instructions=[
            Instruction(
                address=i.offset,
                size=i.size,
                hex=data[i.offset : i.offset + i.size].hex(" "),
                text=f"{i.mnemonic} {i.operands}".strip(),
                faulting=i.offset == 0 and not psw_past_fault,
            )
            for i in insns
        ],
    )


def disassemble_s390(found: _S390Block | str, report_text: str = "") -> Disassembly:
    """A ``Krnl Code:`` block as a Disassembly: the kernel's own decoding, the faulting
    instruction its ``>`` line (the PSW address, as RIP is x86's) or, when the program
    check left the PSW past it or the ``#`` line is BUG()'s or WARN()'s monitor call
    ("mc"), its ``#`` line; capstone decodes only what the kernel's tables did not know
    ("unknown")."""
    past = _s390_psw_past_fault(report_text)
    if isinstance(found, str):
        return _s390_bytes(found, past)
    block = found.lines
    base = block[0].address
    before = next((ln for ln in block if ln.marker == "#"), None)
    mark = "#" if before is not None and (past or before.text.startswith("mc ")) else ">"
    fault = next((ln.address - base for ln in block if ln.marker == mark), None)
    instructions = []
    for ln in block:
        text = ln.text
        if text in ("", "unknown"):
            md = capstone.Cs(capstone.CS_ARCH_SYSZ, capstone.CS_MODE_BIG_ENDIAN)
            decoded = [f"{m} {o}".strip() for _, _, m, o in md.disasm_lite(ln.data, ln.address, 1)]
            text = decoded[0] if decoded else "(bad)"
        instructions.append(
            Instruction(
                address=ln.address - base,
                size=len(ln.data),
                hex=ln.data.hex(" "),
                text=text,
                faulting=ln.marker == mark,
            )
        )
    return Disassembly(
        arch="s390x",
        bytes_hex=b"".join(ln.data for ln in block).hex(" "),
        fault_offset=fault,
        realigned=0,
        instructions=instructions,
        error=found.error,
    )


def disassemble_report(
    report_text: str, arch: str | None = None, syntax: str = "intel"
) -> Disassembly | None:
    """Disassembly of a report's kernel-mode ``Code:`` line, None if it has none."""
    s390 = find_s390_code(report_text) if _KRNL_CODE in report_text else None
    if s390 is not None:
        return disassemble_s390(s390, report_text)
    code = find_code_line(report_text)
    if code is None:
        return None
    return disassemble(code, arch=arch, syntax=syntax, report_text=report_text)
