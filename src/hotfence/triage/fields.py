"""Step 4 of parsing a log: the structured fields of one report's lines.

The faulting frame (``RIP:`` and the other architectures' equivalents), the call trace,
and the task / CPU / kernel release / taint / hardware named by the header lines.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Frame
from .modules import linked_modules
from .oopses import (
    I386_DUMP_STACK_HINTS,
    I386_DUMP_STACK_RE,
    RISCV_HEADERLESS_TRACE_RE,
    RISCV_REPORT_RE,
    RISCV_STACK_START,
)
from .scan import is_stack_start
from .taint import (
    ARM_CUT_MODULE_ENTRY,
    PAGER_CUT_CALLER,
    PAGER_CUT_FROM,
    PAGER_MARK,
    VERBOSE_FLAG_RE,
    cut_by_pager,
    extract_taint,
)

# One stack entry: x86 "[<pc>] ? func+0x1/0x2 [mod]" (one or two [<pc>], "?" unreliable),
# arm64/x86 5.x " func+0x1/0x2", powerpc "[sp] [pc] .func+0x1/0x2 (unreliable)" (ELFv1
# dot names), decode_stacktrace's "[< inline >]" placeholder, symbolised " file.c:12".
# (a "%p" printed before the hashing key is ready: "(ptrval)", see oopses {{PC}})
# powerpc's show_stack() printed its "[sp] [pc]" in capitals up to 2.6.2x
# (arch/powerpc/kernel/process.c, 2.6.18: "["REG"] ["REG"] " with REG "%016lX" on
# 64-bit, "%08lX" on 32-bit): "[C0000000877136B0] [C000000000081230] .softlockup_tick".
_PC = r"\[<?\s*(?:(?:0x)?[0-9a-f]+|[0-9A-F]{8,16}|inline|\(_*ptrval_*\))\s*>?\]"
# x86_64 printk_address() of 2.6.16-2.6.2x put a module's name before the symbol:
# " [<ffffffff8802c8e9>] :jbd:log_wait_commit+0xa3/0xf5" (RHEL 5).
# Amlogic's 4.9 trees (CONFIG_AMLOGIC_VMAP, arch/arm64/kernel/traps.c and
# drivers/amlogic/memory_ext/vmap_stack.c dump_backtrace_entry()) put the frame pointer and
# the frame's size before the pc: "[%016lx+%4ld][<%016lx>] %pS", "[%08lx+%4ld][<%p>] %pS"
# on arm: "[ffffff80201c7800+  32][<ffffff80091f0e2c>] vmalloc_to_page+0xd8/0xe4".
_AMLOGIC_FP = r"(?:\[[0-9a-f]{8,16}\+ *\d+\])?"
# s390's early boot print_stacktrace() (arch/s390/boot/pgm_check_info.c, as RHEL 9's 5.14
# has it; under print_pgm_check_info()'s registers) puts each frame's stack pointer first:
# "(sp:%016lx [<%016lx>] %pS)" for the first entry, " sp:%016lx [<%016lx>] %pS" after.
_S390_BOOT_SP = r"(?:sp:[0-9a-f]{16} )?"
_BEFORE_PC = _AMLOGIC_FP + _S390_BOOT_SP
_FRAME_RE = re.compile(
    r"^\s*" + _BEFORE_PC + r"(?:" + _PC + r"\s*){0,2}(?P<q>\?\s+)?(?:" + _PC + r"\s*)?"
    r"(?::(?P<mod2>[\w.\-]+):)?\.?"
    r"(?P<func>[A-Za-z_$][\w.$]*)\+0x(?P<off>[0-9a-f]+)/0x(?P<size>[0-9a-f]+)"
    r"(?:\s+\[(?P<mod>[\w.\-]+)(?:\s+[0-9a-f]+)?\])?"
    r"(?:\s+(?P<file>[\w/.\-+]+\.[a-zA-Z]+):(?P<line>\d+))?(?P<inl>\s+\[inline\])?"
    # decode_stacktrace.sh leaves an entry it could not resolve (no module path given)
    # as it was but prints the module last, unbracketed: "f+0x2c/0x50 hotfence_crash"
    r"(?:\s+(?P<bare_mod>[\w\-]+)\s*$)?"
)
# An entry decode_stacktrace.sh could not resolve, alone on its line: "f+0x1/0x2 mod".
_BARE_ENTRY_RE = re.compile(
    r"^(?:\?\s+)?[A-Za-z_][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[?[\w.\-]+\]?)?\s*$"
)
# Symbolised logs print inlined callers without an offset: "__dump_stack lib/dump_stack.c:16
# [inline]", older decode_stacktrace "[< inline >] rcu_lock_acquire include/linux/rcupdate.h:486".
# The entry alone, nothing after its line, is one too: syzkaller's symbolizeLine()
# (pkg/report/linux.go) puts the inlined function and its location where "f+0x1/0x2"
# stood, and a paste that lost the " [inline]" after it keeps "__dump_stack
# lib/dump_stack.c:88" (github.com/google/syzkaller/pull/3881): a trace's entry has its
# offset, a line with a name and a location alone is an inlined caller's.
_INLINE_RE = re.compile(
    r"^\s*(?P<pc>" + _PC + r"\s*)?(?P<func>[A-Za-z_][\w.]*)\s+(?P<file>[\w/.\-+]+\.[a-zA-Z]+):"
    r"(?P<line>\d+)(?:(?P<inl>\s+\[inline\])|(?P<alone>\s*$))?"
)
# scripts/decode_stacktrace.sh's output, which the 0-day robot's and LKFT's reports print:
# each "func+0x1/0x2" is replaced by "func (file:line)" (parse_symbol()), the locations
# addr2line -i gives, inlined callees first and the function's own last, each maybe with
# "(discriminator N)", "??:?" when unknown; the "[<pc>]" addresses are dropped (powerpc's
# "[sp] [pc]" stay: they have no "<>") and a module's name follows without its brackets
# (handle_line(): "$symbol $module").
_LOC = r"(?:[\w/.\-+]+|\?\?):(?:\d+|\?)(?: \(discriminator \d+\))?"
# The same script run with an addr2line that pretty-prints (binutils addr2line -p -i,
# translate_addresses(): each inlining caller's location on a line of its own after
# " (inlined by) ") joins those lines with a space as it joins plain -i's: "f (a.h:37
# (inlined by) b.c:12)", one or two spaces before the marker.
_LOC_SEP = r"(?: {1,2}\(inlined by\))? "
_DECODED = (
    r"^\s*(?:" + _PC + r"\s*){0,2}(?P<q>\?\s+)?(?:[0-9a-f]{4}:)?\.?(?P<func>[A-Za-z_$][\w.$]*)"
    r" \((?P<locs>" + _LOC + r"(?:" + _LOC_SEP + _LOC + r")*)\)(?:\s+\[?(?P<mod>[\w.\-]+)\]?)?\s*$"
)


# Compiled on first use (functools.cache): a log without a crash parses no frame.
# Exact: the pattern compiled later matches the same.
@functools.cache
def _decoded_re() -> re.Pattern[str]:
    return re.compile(_DECODED)


_DECODED_LOC_RE = re.compile(r"([\w/.\-+]+):(\d+)")
# 32-bit ARM's entries (below) through the same script: the "[<pc>]" words go, the caller
# is decoded, the callee (the entry) keeps its shape: "f from g (a.c:1)", "(f) from g
# (a.c:1)", "(f+0x1/0x2) from g (a.c:1)"; a module's f "f [mod]" / "(f [mod])".
_ARM_DECODED_FRAME_RE = re.compile(
    r"^\s*(?P<open>\()?(?!null\) )(?P<func>[A-Za-z_][\w.]*)(?:\+0x(?P<off>[0-9a-f]+)/0x(?P<size>[0-9a-f]+))?"
    r"(?: \[(?P<mod>[\w.\-]+)\])?(?(open)\)) from [A-Za-z_][\w.]* \((?:"
    + _LOC
    + r"(?: "
    + _LOC
    + r")*)\)(?:\s+\[?[\w.\-]+\]?)?\s*$"
)
# x86_64 printk_address() of 2.6.0-2.6.1x (RHEL 4's 2.6.9): "<%016lx>{%s%s%s%s%+ld}", the
# address, a module's ":mod:" and the symbol with its offset in decimal, no size:
# "<ffffffff8013e3c6>{do_exit+1371}". show_trace() printed several to a line after
# "Call Trace:", wrapping at ~50 columns ("\n       "); __show_regs() one after the PC:
# "RIP: 0010:[<ffffffff8013e3c6>] <ffffffff8013e3c6>{do_exit+1371}".
_OLD_X86_64_ENTRY = (
    r"<[0-9a-f]{8,16}>\{(?::(?P<mod>[\w.\-]+):)?(?P<func>[A-Za-z_][\w.$]*)(?P<off>[+-]\d+)\}"
)
_OLD_X86_64_FRAME_RE = re.compile(r"^\s*(?:" + _PC + r"\s*)?" + _OLD_X86_64_ENTRY)
_OLD_X86_64_ENTRIES_RE = re.compile(_OLD_X86_64_ENTRY)
# i386 print_addr_and_symbol() of 2.6.17 (arch/i386/kernel/traps.c) with
# CONFIG_STACK_BACKTRACE_COLS above 1 (Fedora Core 4's kernels: 2): " <%08lx> " and
# print_symbol()'s "%s" for each entry, that many to a line, where one column printed
# " [<%08lx>] ": " <c0447823> softlockup_tick+0x9f/0xb2  <c042b497> update_pro...".
_I386_COLS_ENTRY = r"<([0-9a-f]{8})> ([A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w.\-]+\])?)"
_I386_COLS_ENTRIES_RE = re.compile(_I386_COLS_ENTRY)
# Two such entries on one line: a trace so printed (not one such entry of another shape)
_I386_COLS_LINE_RE = re.compile(r"(?m)^ *" + _I386_COLS_ENTRY + r" +<[0-9a-f]{8}> [A-Za-z_]")
# sparc die_if_kernel(): "Caller[%016lx]: %pS" for each register window (sparc32
# "Caller[%08lx]"), the only trace before show_regs() printed show_stack()'s, and
# the same frames again after it since.
_SPARC_CALLER_RE = re.compile(r"^\s*Caller\[[0-9a-f]+\]: ")
# 32-bit ARM unwind_backtrace(): "[<c0123>] (func+0x1/0x2) from [<c0456>] (caller+0x3/0x4)",
# since 3.x "(func) from"; the entry is the callee, the caller is the next line's entry.
# A NULL pc is no function: old kernels' pointer() (lib/vsprintf.c, 2.6.27-4.x: "if (!ptr)
# return string(buf, end, "(null)", ...)") printed "(null)" for "%pS" of 0 (sparc64
# show_stack() "[%016lx] %pS" of 2.6.2x: " [0000000000000000] (null)", x86's "[<%p>] %pS",
# ARM's "(%pS) from"); such an entry is an unknown one (_ADDRESS_ONLY_RE), not a frame.
_ARM_FRAME_RE = re.compile(
    r"^\s*"
    + _PC
    + r"\s+\((?!null\))(?P<func>[A-Za-z_][\w.]*)(?:\+0x(?P<off>[0-9a-f]+)/0x(?P<size>[0-9a-f]+))?"
    r"(?:\s+\[(?P<mod>[\w.\-]+)\])?\)(?: from |$)"
)
# The same unwinder since 5.x without CONFIG_BACKTRACE_VERBOSE (Debian's armmp): " %ps
# from %pS", "unwind_backtrace from show_stack+0x18/0x1c"; again the entry is the callee.
# %ps names a module's symbol "f [mod]": "hotfence_crash_do [hotfence_crash] from ...".
# A pager may cut the line in its caller (see taint.PAGER_MARK: "... from hotfence_cr>"):
# the callee before " from " is whole, and the entry one.
# Cut in the callee's module (taint.ARM_CUT_MODULE_ENTRY: " f [hotfen>"), the callee is
# whole and its module's name lost. powerpc show_regs()'s "NIP ["REG"] %pS" and "LR
# ["REG"] %pS" (6.1 arch/powerpc/kernel/process.c) cut by the pager in or right after
# their address ("NIP [c0080000004a00>", "LR [c0080000004a009c] >") have that shape too:
# a register's name before its value, no callee (its function, if any, is cut away).
_ARM_NOADDR_FRAME_RE = re.compile(
    r"^\s*(?!(?:NIP|LR) \[[0-9a-f])(?P<func>[A-Za-z_][\w.]*)(?:(?: \[(?P<mod>[\w.\-]+)\])? (?:from (?:[A-Za-z_][\w.]*"
    r"\+0x[0-9a-f]+/0x[0-9a-f]+(?:\s+\[[\w.\-]+\])?\s*$|"
    + PAGER_CUT_CALLER
    + ")|"
    + PAGER_CUT_FROM
    + ")|"
    + ARM_CUT_MODULE_ENTRY
    + ")"
)
# powerpc show_stack() at an exception frame: "--- interrupt: 300 at f+0x140/0x168" (5.x+;
# before, "--- Exception: 300 at f+0x1/0x2" then "    LR = g+0x3/0x4"). The interrupted
# function is a frame; the register dump printed after it is skipped and the trace goes on.
_PPC_INTERRUPT_RE = re.compile(r"^\s*--- (?:interrupt|Exception): [0-9a-f]+ at (?P<rest>\S.*)$")
# powerpc xmon's backtrace (the "t" command, arch/powerpc/xmon/xmon.c xmon_show_stack()):
# "[%lx] " the stack pointer (or "[link register   ] " for an LR no frame saved), then
# xmon_print_symbol()'s pc with no brackets round it: "[c000000004de3960] c0080000004a0a54
# f+0x55c/0xba0 [mod] (unreliable)". Read without the pc, it is show_stack()'s entry.
_XMON_FRAME_PC_RE = re.compile(
    r"^\[(?:[0-9a-f]{8,16}|link register   )\] ([0-9a-f]{8,16} )(?=[A-Za-z_.$])"
)
# crash's "bt" of a dump's task (x86_64.c x86_64_print_stack_entry(), the other arches'
# back-trace commands alike): " #%d [%lx] %s at %lx" of the frame's stack address,
# function and pc, " [%s]" after a module's (" #0 [ffffc90000593b58] machine_kexec at
# ffffffff8106a4f3", "#10 [...] vfs_write at ...").
_CRASH_BT_FRAME_RE = re.compile(
    r"^\s*#\d+ \[[0-9a-f]+\] (?P<func>[A-Za-z_][\w.]*) at [0-9a-f]+(?: \[(?P<mod>[\w.\-]+)\])?\s*$"
)
# hexagon do_show_stack() (arch/hexagon/kernel/traps.c, 3.2 on): "[%p] 0x%lx: %s + 0x%lx"
# of the frame pointer, the pc, kallsyms_lookup()'s name and the offset (no size), then "
# (FP out of bounds!)" and " [%s] " of a module's: "[c2f3bd08] 0xc0012345: f + 0x14".
_HEXAGON_FRAME_RE = re.compile(
    r"^\s*\[(?:[0-9a-f]{8}|\(_*ptrval_*\))\] 0x[0-9a-f]+: (?P<func>[A-Za-z_][\w.]*) \+ "
    r"0x(?P<off>[0-9a-f]+)(?: \(FP out of bounds!\))?(?: \[(?P<mod>[\w.\-]+)\])?\s*$"
)
# User-mode Linux show_trace() of 2.6.11-2.6.2x (arch/um/kernel/sysrq.c, and
# print_context_stack() of arch/um/sys-i386/sysrq.c) prints the stack slot it read before
# each entry: "%08lx:  [<%08lx>]" then print_symbol(" %s"), "60433888:  [<6001a10a>]
# panic_exit+0x2a/0x50". Without the slot it is print_ip_sym()'s entry.
_UML_SLOT_RE = re.compile(r"^[0-9a-f]{8}(?:[0-9a-f]{8})?:  (?=\[<)")
# "?" entries the unwinder could not name ("? 0xffffffffa03dc000"), and those of a NULL pc
# old kernels printed "(null)" (see _ARM_FRAME_RE; ARM's "(null) from [<pc>] (caller)"):
# the trace goes on.
_ADDRESS_ONLY_RE = re.compile(
    r"^\s*(?:(?:"
    + _PC
    + r"\s*)?(?:\?\s+)?(?:0x)?[0-9a-f]{8,}|"
    + _PC
    + r"\s+\(null\)(?: from .*)?)\s*$"
)
# Context markers x86 prints around nested stacks; old kernels put the first frame of the
# stack on the same line ("<IRQ>  [<ffffffff8163a0fe>] dump_stack+0x19/0x1b"). 4.9's
# show_trace_log_lvl() (arch/x86/kernel/dumpstack.c) printk()s "<%s> " without a newline
# and the next entry as a record of its own (no KERN_CONT, which 4.9 made mandatory): a
# console prints that entry's time after the marker, on its line (" <IRQ> [    8.010195]
#  [<ffffffff811c9935>] dump_stack+0x63/0x8e").
_MARKERS_RE = re.compile(
    r"^\s*(?:<<?/?(?:IRQ|TASK|NMI|EOI|EOE|SOFTIRQ|#DF|DB|MCE|NMI_EOE)>>?\s*)+"
    r"(?:\[ *\d+\.\d+\]\s)?"
)  # 3.x printed "<<EOE>>" at the end of an exception stack
# The faulting instruction's line, per architecture: x86 "RIP: 0010:f+0x1/0x2", i386 2.6
# "EIP is at f", powerpc "NIP [c000...] f", ARM "PC is at f", arm64 "pc : f", riscv
# "epc : f", MIPS "epc   : ffffffff80123 f", LoongArch "  ERA: 90000000012 f", s390
# "Krnl PSW : 0704... 0000... (f+0x1/0x2)" (early boot's "PSW : ... (f+0x1/0x2)").
# sparc64 show_regs() "TPC: <f+0x1/0x2>" (the TSTATE line before it has "TPC: %016lx"),
# sparc32's (arch/sparc/kernel/process_32.c) "PC: <%pS>" (after "PSR: ... PC: %08lx").
# m68k show_registers() "PC: [<%08lx>] %pS"; parisc show_regs() " IAOQ[0]: %pS"; csky
# show_regs() (arch/csky/kernel/ptrace.c, 4.20 on) "PC: 0x%08lx (%pS)".
# ARC show_regs() names no function in its "ERET: 0x%08lx": show_ecr_verbose()
# (arch/arc/kernel/troubleshoot.c) names it for a data TLB miss, "Invalid %s @ 0x%08lx
# by insn @ %pS" (as 5.x prints it; the bare "0x%08lx" of older kernels is no frame).
_RIP_LINE_RE = re.compile(
    r"^\s*(?:RIP|EIP is at|EIP|IP|NIP|pc is at|pc|PC is at|ip is at|PC(?=: \[<)|epc|ERA"
    r"|Krnl PSW|T?PC(?=: <)|PC: 0x[0-9a-f]{8}(?= \()"
    # s390's early boot print_pgm_check_info() (arch/s390/boot/pgm_check_info.c):
    # "PSW : %016lx %016lx (%pS)", no "Krnl" (die()'s "User PSW" names no function)
    r"|PSW(?= : [0-9a-f]{16} [0-9a-f]{16} \()"
    r"|IAOQ\[0\]|Invalid (?:Read|Write|EX) @ 0x[0-9a-f]+ by insn @"
    # x86 ex_handler_msr() (arch/x86/mm/extable.c, 5.17+): "unchecked MSR access error:
    # RDMSR from 0x%x at rIP: 0x%lx (%pS)", the instruction that faulted
    r"|unchecked MSR access error: .*? at rIP: 0x[0-9a-f]+(?= \())\s*:?\s"
)
# (powerpc xmon excprint()'s "    pc: %016lx: %s+%#lx/%#lx", xmon_print_symbol(): the
# address, a colon, then the function, which die() had not printed yet)
_RIP_REST_RE = re.compile(r"^(?:[0-9a-f]{4}:|[0-9a-f]{8,16}: +|(?:[0-9a-f]{8,}\s+)+\(?)")
_TRACE_MARKER_RE = re.compile(
    r"^\s*(?:<<?/?(?:IRQ|TASK|NMI|EOI|EOE|SOFTIRQ)>>?|\.\.\.|-+\[ end trace|\s*$"
    # Rate-limit notices another CPU prints into the middle of a trace: lib/ratelimit.c
    # ___ratelimit() "%s: %d callbacks suppressed", printk's "printk: %d messages
    # suppressed." and a console's "** %u printk messages dropped **". Not trace lines,
    # and not its end either.
    r"|[\w.]+: \d+ (?:callbacks|messages) suppressed\.?\s*$|\*\* \d+ printk messages dropped \*\*"
    # crash's "bt" names the function an exception frame interrupted before its
    # registers: "    [exception RIP: hotfence_crash_null_deref+23]"
    r"|\s*\[exception RIP: "
    # The DWARF2 unwinder of 2.6.18-2.6.20 (CONFIG_STACK_UNWIND) hands over to the stack
    # scan amid the trace (arch/i386/kernel/traps.c show_trace_log_lvl(), arch/x86_64/
    # kernel/traps.c show_trace()): "DWARF2 unwinder stuck at %s" after the entries it
    # unwound, then "Leftover inexact backtrace:", or "Inexact backtrace:" when it unwound
    # none; the scan's entries that follow are the same trace's. ("Full inexact backtrace
    # again:" starts the trace over from its top: the trace ends there.)
    r"|DWARF2 unwinder stuck at |(?:Leftover i|I)nexact backtrace:\s*$)"
)
_REGS_RE = re.compile(
    r"^\s*(?:R[A-Z0-9]{1,3}|[A-Z]S|CR\d|DR\d|Code|ORIG_RAX|EFLAGS)\s*:"
    # 32-bit ARM's frame-pointer unwinder prints the saved registers under each entry:
    # " r7:00000063 r6:c086a3f8 r5:00000000 r4:00000007"
    r"|^\s*(?:r\d{1,2}|sl|fp|ip):[0-9a-f]{8}\b"
    # ...and, at an exception entry, the exception frame as a hex dump:
    # "Exception stack(0xc1401f18 to 0xc1401f60)", "1f20: 00fa9c51 c031fc80 ..." (dump_mem()
    # prints a word, "????????" for one it could not read, or its blank for each column: a
    # row with none is one whose words a mail client's wrap moved, after the blanks, to an
    # unprefixed line of their own). arm64's 4.x dump_backtrace() does the same after each
    # exception entry (in_exception_text()), its dump_mem() a 64-bit word a column, " %016lx"
    # or " ????????????????" (arch/arm64/kernel/traps.c, 4.9): "7e40: 0000000000000001
    # ffffff8008e18764 ...", the trace's entries going on after it. journalctl's pager
    # (taint.PAGER_MARK) cuts a row in a word: "9c60:            c11a56b>".
    r"|^\s*Exception stack\(0x[0-9a-f]+ to 0x[0-9a-f]+\)"
    r"|^[0-9a-f]{4}:(?: +(?:[0-9a-f]{8}|\?{8})(?:[0-9a-f]{8}|\?{8})?)*"
    r"(?: +[0-9a-f?]*" + re.escape(PAGER_MARK) + r")?\s*$"
    # powerpc __show_regs() inside a trace: "MSR:  8000... <SF,EE>", "CFAR: ...", "GPR00: ...",
    # "LR [c0000000009a1c] f+0x10/0x20" (the NIP line is a RIP line), 3.x "    LR = f+0x1/0x2"
    r"|^\s*(?:MSR|CFAR|DAR|DSISR|IRQMASK|GPR\d\d|SOFTE|CTR|XER)\s*:|^\s*LR (?:\[|= )"
    r"|^\s*--- (?:interrupt|Exception): [0-9a-f]+\s*$"
)

# The taint block of a header: "Not tainted" or "Tainted: " + flags, as print_tainted()
# prints them (letters, spaces, Red Hat's "-" placeholders).
_TAINT = r"(?:Not tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)"
# A kernel release: "6.1.0-56-amd64", "3.10.0-957.21.3.el7.x86_64", "5.15.0-91-generic".
_REL = r"(?P<rel>\d+\.\d+[\w.\-+~]*)"
# Lines that name task, CPU and kernel together, newest kernels first. Each is written
# from the kernel's own format string:
_HEADER_RES = (
    # lib/dump_stack.c dump_stack_print_info() (3.10+), with RHEL's "Kdump: loaded " and
    # 6.x's "UID: N": "CPU: 12 PID: 48172 Comm: dockerd Kdump: loaded Tainted: G ... 3.10.0"
    re.compile(
        r"CPU: ?(?P<cpu>\d+),? (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: (?P<comm>.{1,20}?) "
        r"(?:Kdump: loaded )?" + _TAINT + r" +" + _REL
    ),
    # x86 __show_regs() up to 3.9: "Pid: 1234, comm: bash Not tainted 2.6.32-431.el6.x86_64 #1"
    re.compile(
        r"Pid: (?P<pid>\d+), comm: +(?P<comm>.{1,20}?) (?:Kdump: loaded )?" + _TAINT + r" +" + _REL
    ),
    # The release is whatever the build set (KERNELRELEASE): syzbot's 6.x kernels print
    # "CPU: 0 UID: 0 PID: 8436 Comm: syz.2.690 Not tainted syzkaller #0 PREEMPT(none)". The
    # version string after it starts "#N" (scripts/mkcompile_h), which anchors the match.
    re.compile(
        r"CPU: ?(?P<cpu>\d+),? (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: (?P<comm>.{1,20}?) "
        r"(?:Kdump: loaded )?" + _TAINT + r" +(?P<rel>[^\s#(]\S*) #\d"
    ),
)
# dump_stack_print_info()'s header cut after its taint, the release and the newline lost
# (a serial receiver's overrun drops the bytes it had no room for, and the rest of a
# later line follows: "... Comm: systemd-udevd Not tainted 4[    8.387289] Hardware ..."):
# the task, pid and CPU are whole before the taint.
_CUT_HEADER_RE = re.compile(
    r"CPU: ?(?P<cpu>\d+),? (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: (?P<comm>.{1,20}?) "
    r"(?:Kdump: loaded )?(?:Not tainted|Tainted: )"
)
# The same header cut by a pager before its taint (see taint.PAGER_MARK): "CPU: 1 PID: 1
# Comm: init Tai>". dump_stack_print_info() prints the name ("%.20s") and one blank
# before what follows it: a name is whole where a blank ends it and the text from there
# to the cut begins one of those followers; "Comm: ini>" names no task. x86's
# __show_regs() before 3.10 (2.6.32 arch/x86/kernel/process_32.c: "Pid: %d, comm: %s %s
# (%s %.*s) %s", the comm then print_tainted()) is cut alike: "Pid: 2231, comm: pulse N>".
_PAGER_CUT_TASK_RE = re.compile(
    r"(?:CPU: ?(?P<cpu>\d+),? (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: "
    r"|Pid: (?P<old_pid>\d+), comm: +)(?P<rest>.*)" + re.escape(PAGER_MARK) + "$"
)
_AFTER_COMM = ("Kdump: loaded Tainted: ", "Kdump: loaded Not tainted", "Tainted: ", "Not tainted")
# Older and other architectures print the three facts on separate lines.
_RELEASE_RES = (
    # i386 2.6 die(): "EFLAGS: 00010246   (2.6.18-8.el5 #1)"; ARM __show_regs():
    # "CPU: 0    Not tainted  (3.4.0 #1)"; powerpc show_regs(): "TRAP: 0300   Not tainted  (3.10.0)"
    re.compile(r"(?:" + _TAINT + r"|EFLAGS: [0-9a-f]+) +\(" + _REL + r"[ )]"),
    re.compile(r"(?:" + _TAINT + r") +" + _REL + r" #\d"),
    # kernel/locking/lockdep.c print_kernel_ident(), under lockdep's and RCU-lockdep's
    # titles: "%s %.*s %s", release, the version's first word, print_tainted():
    # "4.11.0-rc4+ #198 Not tainted", "5.15.0-91-generic #101-Ubuntu Tainted: G        W".
    # The version's first word is "#" and the build's count, or KBUILD_BUILD_VERSION when
    # the build set it (scripts/mkcompile_h): "5.0.0-2106051013-generic #appstreamdebug".
    re.compile(r"^" + _REL + r" #\S+ " + _TAINT + r"\s*$"),
    # crash's "sys" of a dump (kernel.c display_sys_stats()): "     RELEASE: %s", utsname's
    re.compile(r"^\s*RELEASE: " + _REL + r"\s*$"),
)
# SUSE's version string after the release: "#1 SMP PREEMPT_DYNAMIC Wed Jun 5 (1a2b3c4) SLE15-SP4".
_SUSE_BUILD_RE = re.compile(r"\bSLE\d|openSUSE")
# crash's header of a task it shows ("bt", "set"; task.c print_task_header()):
# "PID: %-7ld  TASK: %lx  CPU: %-3s  COMMAND: \"%s\"".
_CRASH_TASK_RE = re.compile(
    r'^\s*PID: (?P<pid>\d+)\s+TASK: [0-9a-f]+\s+CPU: (?P<cpu>\d+)\s+COMMAND: "(?P<comm>[^"]{1,20})"'
)
_CPU_RES = (
    # (a pid right before a pager's mark at the line's end, taint.PAGER_MARK, is cut: at
    # 51..54 columns journalctl's pager leaves "CPU: 0 UID: 0 PID: 14>" of "PID: 142" and
    # __warn()'s "WARNING: CPU: 0 PID: 11>" of "PID: 117": the CPU before it is whole)
    re.compile(
        r"CPU: ?(?P<cpu>\d+),? (?:UID: \d+ )?PID: (?:(?P<pid>\d+)(?!\d|"
        + re.escape(PAGER_MARK)
        + r"\s*$)|(?=\d+"
        + re.escape(PAGER_MARK)
        + r"\s*$))"
    ),
    _CRASH_TASK_RE,
    re.compile(r"^CPU:? +(?P<cpu>\d+)(?: |$)"),  # i386/ARM "CPU:    0", x86_64 2.6 "CPU 3 "
    re.compile(r"^Cpu (?P<cpu>\d+)\s*$"),  # MIPS __show_regs() before 3.10: "Cpu %d"
    # sh show_regs() before 3.10: "CPU : %d        \t\t%s  (%s %.*s)", then the taint
    re.compile(r"^CPU : (?P<cpu>\d+)\s"),
    re.compile(r"^CPU #: (?P<cpu>\d+)\s*$"),  # openrisc show_registers()
    re.compile(r"^Pid: \d+, CPU (?P<cpu>\d+), comm: "),  # ia64 show_regs() before 3.10
    # alpha die_if_kernel() on SMP: "CPU %d " then "%s(%d): %s %ld"
    re.compile(r"^CPU (?P<cpu>\d+) \S.{0,15}\(\d+\): [A-Z][A-Za-z ]* -?\d+\s*$"),
    re.compile(r"THREAD: [0-9a-f]+ +CPU: (?P<cpu>\d+)"),  # powerpc show_regs()
    re.compile(r"^CPU#(?P<cpu>\d+), \S.{0,15}?/\d+, Call Trace:"),  # hexagon do_show_stack()
    # powerpc's watchdog names the locked CPU, whose registers follow (arch/powerpc/
    # kernel/watchdog.c): "CPU %d self-detected hard LOCKUP @ %pS" (4.16+), 4.13-4.15
    # "Watchdog CPU:%d Hard LOCKUP"
    re.compile(r"(?:^Watchdog CPU:|\bCPU )(?P<cpu>\d+)(?: self-detected hard| Hard) LOCKUP\b"),
    # powerpc xmon excprint(): "cpu 0x%x: Vector: %lx %s at [%px]", the CPU in hex
    re.compile(r"^cpu 0x(?P<hexcpu>[0-9a-f]+): Vector: [0-9a-f]+ "),
    re.compile(r"EFLAGS: [0-9a-f]+ CPU: (?P<cpu>\d+)"),  # i386 2.6.2x-3.x __show_regs()
    re.compile(r"NMI backtrace for cpu (?P<cpu>\d+)"),
    # kernel/panic.c __warn() since 6.19: "WARNING: %s:%d at %pS, CPU#%d: %s/%d"
    re.compile(r"^WARNING: (?:.* )?at .+, CPU#(?P<cpu>\d+): "),
    re.compile(r"^Task dump for CPU (?P<cpu>\d+):"),  # rcu dump_cpu_task(), the stalled CPU
    # kernel/rcu/tree_stall.h print_cpu_stall_info(), one line per stalled CPU before any
    # backtrace of it: "\t%d-%c%c%c%c: (%lu %s) idle=..." since 4.15 ("rcu: \t0-...!: (1
    # GPs behind)"), three flags before, none in 3.x ("\t%d: (%lu %s) idle="). A CPU
    # spinning with interrupts off answers no "NMI backtrace for cpu N": this names it.
    re.compile(
        r"^\s*(?:rcu: )?\s*(?P<cpu>\d+)(?:-[.A-Za-z0-9!?]{3,4})?: \(\d+ (?:ticks this GP|GPs behind)\)"
    ),
    # RCU's stall headers before that line, which name the stalled CPU themselves:
    # kernel/rcutree.c print_cpu_stall() (2.6.32-3.2), the CPU that found itself stalled:
    # "INFO: %s detected stall on CPU %d (t=%lu jiffies)" (the flavour "rcu_sched_state",
    # "rcu_bh_state"...; 2.6.29-2.6.31: "INFO: RCU detected CPU %d stall (t=%lu/%lu
    # jiffies)"); 3.3-4.x without CONFIG_RCU_CPU_STALL_INFO, print_cpu_stall_info()'s " %d"
    # in braces: "INFO: %s self-detected stall on CPU { %d}  (t=..."; print_other_cpu_stall()
    # (2.6.32-4.x): "INFO: %s detected stalls on CPUs/tasks: {", the blocked tasks' " P%d",
    # each stalled CPU's " %d", "} (detected by %d, ...": the first stalled CPU. And the
    # expedited stall's, every version's (kernel/rcu/tree_exp.h, 4.9-6.x; tree.c
    # synchronize_sched_expedited_wait(), 4.5-4.8): "INFO: %s detected expedited stalls
    # on CPUs/tasks: {", the blocked tasks' " P%d", each stalled CPU's " %d-%c%c%c[%c]"
    # (online, in the mask at init, at hotplug[, deferred quiescent state]), "} %lu
    # jiffies s: ...", no line of a CPU's after it
    re.compile(
        r"INFO: (?:rcu_\w+|RCU) (?:detected stall on CPU |detected CPU |self-detected stall on "
        r"CPU \{ |detected (?:expedited )?stalls on CPUs/tasks: \{(?: P\d+)* )"
        r"(?P<cpu>\d+)(?: \(t=| stall \(t=|[ }]|-[.A-Za-z])"
    ),
    re.compile(r"NMI Watchdog detected LOCKUP on CPU ?(?P<cpu>\d+)"),  # 2.6.x die_nmi()
    # kernel/watchdog.c watchdog_timer_fn() runs on the CPU it checks and names it
    # (smp_processor_id()): the one fact of a soft lockup a syslog wall message keeps;
    # 2.6.9-2.6.2x kernel/softlockup.c said "BUG: soft lockup detected on CPU#%d!" and
    # dump_stack() then printed no task header at all
    re.compile(r"soft lockup (?:- |detected on )CPU#(?P<cpu>\d+)(?: stuck for|!)"),
    re.compile(r"\bCPU (?P<cpu>\d+): Machine Check"),  # x86 print_mce()
    # kernel/locking/spinlock_debug.c spin_dump() / rwlock_bug(): the CPU that found it
    re.compile(r"BUG: (?:spinlock|rwlock) .+ on CPU#(?P<cpu>\d+), "),
)
_SCHED_SHOW_TASK_RES = (
    # sched_show_task() since 5.10: "task:%-15.15s state:%c", ... "pid:%-5d"; Android's
    # logcat of the kernel buffer takes "task" for the record's tag and drops the spaces
    # after its ":" (logd LogKlog::log()), which reads back as "task: init  state:R"
    re.compile(r"^task: ?(?P<comm>\S+)\s+state:.*\bpid:\s*(?P<pid>\d+)"),
    # sched_show_task() before 5.10: "%-15.15s %c", then " running task    " (or a saved pc
    # before 4.x; some 4.x trees " running task on cpu %d"), "%5lu %5d %6d 0x%08lx": the
    # task an RCU stall's "Task dump for CPU N:" (rcu dump_cpu_task()) shows running there
    re.compile(
        r"^(?P<comm>\S.{0,14}?) +[A-Za-z] +(?:running(?: task(?: on cpu +\d+)?)? +"
        r"|[0-9a-f]{8,16} +)?\d+ +(?P<pid>\d+) +\d+ 0x[0-9a-f]{8,}\b"
    ),
)
# Other places that name the task: the old "Pid: N, comm: X" and "Process X (pid: N" of
# die() on i386/ARM/s390/MIPS, powerpc's "TASK = ...[N] 'X'", KASAN's "by task comm/pid",
# hung-task and sched dumps, the soft-lockup "[comm:pid]" suffix.
_TASK_RES = (
    _CRASH_TASK_RE,
    # The first lines of reports that name the current task themselves, for kernels whose
    # dump_stack() printed no task header (32-bit ARM, MIPS, powerpc before 3.10's
    # dump_stack_print_info()) and for consoles that lost it. A comm may hold "/".
    # kernel/sched/core.c __might_sleep() (__might_resched() since 5.15 adds non_block):
    # "in_atomic(): %d, irqs_disabled(): %d, [non_block: %d, ]pid: %d, name: %s"
    re.compile(
        r"in_atomic\(\): \d+, irqs_disabled\(\): \d+, (?:non_block: \d+, )?"
        r"pid: (?P<pid>\d+), name: (?P<comm>\S.{0,19}?)\s*$"
    ),
    # powerpc xmon excprint(), the task the debugger caught: "    pid   = %d, comm = %s"
    re.compile(r"^ +pid += (?P<pid>\d+), comm = (?P<comm>\S.{0,19}?)\s*$"),
    # __schedule_bug(): "BUG: scheduling while atomic: %s/%d/0x%08x" (2.6.18: "%s/0x%08x/%d")
    re.compile(r"BUG: scheduling while atomic: (?P<comm>.{1,20}?)/(?P<pid>\d+)/0x[0-9a-f]+"),
    re.compile(r"BUG: scheduling while atomic: (?P<comm>.{1,20}?)/0x[0-9a-f]+/(?P<pid>\d+)"),
    # kernel/locking/spinlock_debug.c: "BUG: spinlock %s on CPU#%d, %s/%d", rwlock_bug()
    # "BUG: rwlock %s on CPU#%d, %s/%d, %p"
    re.compile(
        r"BUG: (?:spinlock|rwlock) .+ on CPU#\d+, (?P<comm>.{1,20}?)/(?P<pid>\d+)(?:,|\s*$)"
    ),
    # lib/smp_processor_id.c check_preemption_disabled():
    # "BUG: using %s%s() in preemptible [%08x] code: %s/%d"
    re.compile(
        r"BUG: using \w+\(\) in preemptible \[[0-9a-f]+\] code: "
        r"(?P<comm>.{1,20}?)/(?P<pid>\d+)\s*$"
    ),
    # kernel/panic.c __warn() since 6.19 names the warning task itself (a comm may hold
    # "/"): "WARNING: mm/slub.c:1127 at object_err+0x236/0x248, CPU#1: kworker/u4:6/16250"
    re.compile(r"^WARNING: (?:.* )?at .+, CPU#\d+: (?P<comm>\S.{0,19}?)/(?P<pid>\d+)\s*$"),
    # x86's frame-pointer unwinder (arch/x86/kernel/unwind_frame.c unwind_next_frame(),
    # its bad_address: block, 4.9+) names the task whose stack it walked: "WARNING:
    # kernel stack regs at %p in %s:%d has bad 'bp' value %p", "WARNING: kernel stack
    # frame pointer at %p in %s:%d has bad value %p" (a comm may hold ":")
    re.compile(
        r"^WARNING: kernel stack (?:regs|frame pointer) at [0-9a-f]+ in "
        r"(?P<comm>\S.{0,19}?):(?P<pid>\d+) has bad "
    ),
    # kernel/workqueue.c process_one_work(): "BUG: workqueue leaked lock or atomic: %s/0x%08x/%d"
    re.compile(
        r"BUG: workqueue leaked lock or atomic: (?P<comm>.{1,20}?)/0x[0-9a-f]+/(?P<pid>\d+)"
    ),
    # mm/page_alloc.c bad_page(): "BUG: Bad page state in process %s  pfn:%05lx"; mm/memory.c
    # print_bad_pte(): "BUG: Bad page map in process %s  pte:%08llx pmd:%08llx" (no pid);
    # a web page or forum post squeezes the two spaces to one
    re.compile(r"BUG: Bad page (?:state|map) in process (?P<comm>.{1,20}?)  ?(?:pfn|pte):"),
    # ... before 2.6.28: "Bad page state in process '%s'", 2.6.9-2.6.15's "Bad page state
    # at %s (in process '%s', page %p)"
    re.compile(r"Bad page state (?:at \w+ \()?in process '(?P<comm>[^']{1,20})'"),
    # mm/memory.c print_bad_pte() before 2.6.29: "Bad pte = %08llx, process = %s, ..."
    # ("???" when the page table is another mm's)
    re.compile(r"Bad pte = [0-9a-f]+, process = (?!\?\?\?,)(?P<comm>[^,]{1,20}), vm_flags = "),
    # kernel/locking/lockdep.c, each report about the current task: "%s/%d is trying to
    # acquire lock:" (deadlocks), "... is trying to release lock (" (unlock imbalance),
    # "... is trying to lock:" (nested lock), "... just changed the state of lock:" (irq
    # inversion), "... [HC0[0]:SC1[1]:HE1:SE0] takes:" (usage), "... is freeing memory",
    # "... is leaving the kernel with locks still held!", "... is exiting with locks"
    re.compile(
        r"^(?P<comm>\S.{0,19}?)/(?P<pid>\d+) (?:\[HC\d\[\d+\]:SC\d\[\d+\]:HE\d:SE\d\] )?"
        r"(?:is trying to (?:acquire|release|lock)\b|just changed the state of lock:|takes:"
        r"|is freeing memory |is (?:leaving the kernel|exiting) with locks still held!)"
    ),
    # (a line a pager cut, "Pid: 2231, comm: pulseaudio N>", names its task only where
    # _read_task_before_cut() finds the name whole)
    re.compile(
        r"Pid: (?P<pid>\d+), comm: +(?P<comm>\S.{0,19}?)"
        r"(?: +(?:Kdump:|Not tainted|Tainted:)|(?<!" + re.escape(PAGER_MARK) + r")\s*$)"
    ),
    # sh die() (traps.c): "Process: %s (pid: %d, stack limit = %p)"
    re.compile(r"[Pp]rocess:? (?P<comm>.{1,20}?) \(pid: (?P<pid>\d+)[,)]"),
    # sh show_regs() before dump_stack_print_info() (2.6.x-3.x process_32.c): "Pid : %d,
    # Comm: %20s", later "Pid : %d, Comm: \t\t%s"
    re.compile(r"^Pid : (?P<pid>\d+), Comm:\s+(?P<comm>\S.{0,19}?)\s*$"),
    re.compile(r"TASK = [0-9a-f]+\[(?P<pid>\d+)\] '(?P<comm>[^']{1,20})'"),
    # csky show_regs() (arch/csky/kernel/ptrace.c, 4.20 on; die() prints no other task
    # line) and m68k nommu dump() (arch/m68k/68000/ints.c, traps.c of the nommu CPUs):
    # "CURRENT PROCESS:", then "COMM=%s PID=%d"
    re.compile(r"^COMM=(?P<comm>\S.{0,15}?) PID=(?P<pid>\d+)\s*$"),
    # hexagon do_show_stack() (arch/hexagon/kernel/traps.c): "CPU#%d, %s/%d, Call Trace:"
    re.compile(r"^CPU#\d+, (?P<comm>\S.{0,15}?)/(?P<pid>\d+), Call Trace:"),
    # ia64 show_regs() before 3.10 (process.c): "Pid: %d, CPU %d, comm: %20s"
    re.compile(r"^Pid: (?P<pid>\d+), CPU \d+, comm: +(?P<comm>\S.{0,19}?)\s*$"),
    # alpha die_if_kernel(): "CPU %d " (SMP) and "%s(%d): %s %ld", the trap's words and
    # cause ("sh(1377): Oops 1")
    re.compile(r"^(?:CPU \d+ )?(?P<comm>\S.{0,15}?)\((?P<pid>\d+)\): [A-Z][A-Za-z ]* -?\d+\s*$"),
    # parisc die_if_kernel() of a trap in the kernel: "%s (pid %d): %s (code %ld)"
    re.compile(r"^(?P<comm>\S.{0,15}?) \(pid (?P<pid>\d+)\): \S.* \(code \d+\)\s*$"),
    # sparc die_if_kernel(): "%s(%d): %s [#%d]", the task, then what it died of
    re.compile(r"^(?P<comm>\S.{0,15}?)\((?P<pid>\d+)\): \S.* \[#\d+\]\s*$"),
    # KASAN "by task %s/%d": a comm holds slashes ("kworker/0:1", "ksoftirqd/0"): the
    # pid is the number after the last one.
    re.compile(r"by task (?P<comm>\S+)/(?P<pid>\d+)(?!\S)"),
    re.compile(r"INFO: task (?P<comm>.+):(?P<pid>\d+) (?:blocked|can't die)"),
    # mm/kmemleak.c print_unreferenced(): the task that allocated the leaked object,
    # '  comm "%s", pid %d, jiffies %lu' (pr_warn()'s "kmemleak: " before it in the log;
    # a forum's paste of the file loses the indent)
    re.compile(r'^(?:kmemleak: )? *comm "(?P<comm>[^"]{1,20})", pid (?P<pid>\d+), jiffies \d+'),
    *_SCHED_SHOW_TASK_RES,
    re.compile(r"soft lockup - CPU#\d+ stuck for \d+s! \[(?P<comm>.+):(?P<pid>\d+)\]"),
    # powerpc raise_backtrace_ipi() (arch/powerpc/kernel/stacktrace.c, since 4.18): a CPU
    # that answers no backtrace IPI (an RCU stall's or the SMP watchdog's) gets "CPU %d
    # didn't respond to backtrace IPI, inspecting paca.", then "irq_soft_mask: 0x%02x
    # in_mce: %d in_nmi: %d" + pr_cont(" current: %d (%s)\n", pid, comm) and show_stack()
    # of that task, with no header of its own: the one line naming the stuck task
    re.compile(
        r"^irq_soft_mask: 0x[0-9a-f]+ in_mce: \d+ in_nmi: \d+ "
        r"current: (?P<pid>\d+) \((?P<comm>\S.{0,19}?)\)\s*$"
    ),
)
_HW_RE = re.compile(
    r"Hardware name: (?P<hw>.*\S)"
    # Before 3.10, x86's __show_regs() named the machine at the end of its task line, after
    # the version's first word: x86_64 2.6.2x "... #1 %s" (DMI product), show_regs_common()
    # (2.6.35-3.9, RHEL 6) "... #1 %s %s/%s" (vendor, product, board); i386 "... (%s %.*s)
    # %s" with the release and version in parentheses.
    r"|Pid: \d+, comm: .{1,20}? (?:Kdump: loaded )?"
    + _TAINT
    + r" +\(?\d+\.\d+\S* #\S+ +(?P<pid_hw>\S.*\S)"
)


def _arm_frame(m: re.Match[str]) -> Frame:
    """A 32-bit ARM entry's frame: its offset and size are optional."""
    return Frame(
        function=m.group("func"),
        offset=int(m.group("off"), 16) if m.group("off") else None,
        size=int(m.group("size"), 16) if m.group("size") else None,
        module=m.group("mod"),
    )


def parse_frame(text: str) -> Frame | None:
    """The frame of one stack-trace line, any architecture; None if it holds none."""
    if text.startswith("kmemleak: "):
        # mm/kmemleak.c with kmemleak.verbose=1: pr_warn() puts its pr_fmt before each
        # of a leaked object's lines, "kmemleak:     [<ffffffff8123>] f+0x1/0x2"
        text = text[10:]
    if text[:1] in " <" and "<" in text[:12]:
        text = _MARKERS_RE.sub(" ", text, count=1)
    if " from " in text:
        m = _ARM_DECODED_FRAME_RE.match(text)
        if m is not None:
            return _arm_frame(m)
    elif text.startswith("(") and text.endswith(")"):
        text = " " + text[1:-1]  # s390 puts the first entry of a trace in parentheses
    if "Caller[" in text and text[:9].lstrip().startswith("Caller["):  # `in` first: cheaper
        text = _SPARC_CALLER_RE.sub(" ", text, count=1)
    if (text[8:11] == ":  " or text[16:19] == ":  ") and (
        slot := _UML_SLOT_RE.match(text)
    ) is not None:
        text = " " + text[slot.end() :]
    if text[:1] == "[" and (xmon := _XMON_FRAME_PC_RE.match(text)) is not None:
        text = text[: xmon.start(1)] + text[xmon.end(1) :]
    m = _FRAME_RE.match(text)
    if m is not None:
        # Most lines of every trace end here: the groups fetched in one call, not ten.
        func, off, size, mod, mod2, bare_mod, q, inl, file, line = m.group(
            "func", "off", "size", "mod", "mod2", "bare_mod", "q", "inl", "file", "line"
        )
        return Frame(
            function=func,
            offset=int(off, 16),
            # (a pager's cut right after it, "f+0x200/0x2>", may have shortened it)
            size=None
            if m.end("size") == len(text) - 1 and text[-1] == PAGER_MARK
            else int(size, 16),
            module=mod or mod2 or bare_mod,
            unreliable=q is not None or text.endswith(" (unreliable)"),
            inline=inl is not None,
            file=file,
            line=int(line) if line else None,
        )
    m = _decoded_re().match(text) if " (" in text else None
    if m is not None:
        # the function's own location is the last (addr2line -i prints the inlined first)
        locs = _DECODED_LOC_RE.findall(m.group("locs"))
        return Frame(
            function=m.group("func"),
            module=m.group("mod"),
            unreliable=m.group("q") is not None,
            file=locs[-1][0] if locs else None,
            line=int(locs[-1][1]) if locs else None,
        )
    m = _OLD_X86_64_FRAME_RE.match(text) if ">{" in text else None
    if m is not None:
        return Frame(function=m.group("func"), offset=int(m.group("off")), module=m.group("mod"))
    m = _ARM_FRAME_RE.match(text)
    if m is not None:
        return _arm_frame(m)
    m = _PPC_INTERRUPT_RE.match(text)
    if m is not None:
        return parse_frame(" " + m.group("rest"))
    m = _ARM_NOADDR_FRAME_RE.match(text)
    if m is not None:
        return Frame(function=m.group("func"), module=m.group("mod"))
    m = _CRASH_BT_FRAME_RE.match(text) if "#" in text[:6] else None
    if m is not None:
        return Frame(function=m.group("func"), module=m.group("mod"))
    m = _HEXAGON_FRAME_RE.match(text) if " + 0x" in text else None
    if m is not None:
        return Frame(function=m["func"], offset=int(m["off"], 16), module=m["mod"])
    m = _INLINE_RE.match(text)
    if m is not None and (
        m.group("inl") or m.group("alone") is not None or "inline" in (m.group("pc") or "")
    ):
        return Frame(
            function=m.group("func"), inline=True, file=m.group("file"), line=int(m.group("line"))
        )
    m = _CUT_OFFSET_ENTRY_RE.match(text) if text[-1:] == PAGER_MARK else None
    if m is not None:
        off = m.group("off")
        return Frame(
            function=m.group("func"),
            offset=int(off, 16) if off else None,
            module=m.group("mod2"),
            unreliable=m.group("q") is not None,
        )
    return None


# A trace entry journalctl's pager (less -S) cut after its name's "+" and ended in its
# mark (taint.PAGER_MARK): "%pS" prints "f+0x1/0x2" (kernel/kallsyms.c __sprint_symbol()),
# so the "+" ends the name, whole: " hotfence_crash_write+0xb>", " vfs_write+0xc4/>". The
# offset counts only where a "/" follows it; the size and module are lost. (An entry cut
# in its name, " entry_SYSCALL_64_after_h>", names no function for sure: no frame.)
_CUT_OFFSET_ENTRY_RE = re.compile(
    r"^\s*" + _BEFORE_PC + r"(?:" + _PC + r"\s*){0,2}(?P<q>\?\s+)?(?:" + _PC + r"\s*)?"
    r"(?::(?P<mod2>[\w.\-]+):)?\.?"
    r"(?P<func>[A-Za-z_$][\w.$]*)\+(?:0x(?:(?P<off>[0-9a-f]+)/(?:0x?[0-9a-f]*)?|[0-9a-f]*))?"
    + re.escape(PAGER_MARK)
    + "$"
)


# A trace header with the trace's first entry after it on the same line: m68k show_trace()
# prints "Call Trace:" then each entry as pr_cont(" [<%08lx>] %pS\n").
_HEADED_ENTRY_RE = re.compile(r"(?:Call [Tt]race:|Backtrace:)(?= *\[<?[0-9a-f]+>?\] +\S)")


# x86 show_fault_oops() before 4.20 (arch/x86/mm/fault.c, 2.6.x-4.19) prints its header
# in pieces: printk(KERN_ALERT "BUG: unable to handle kernel "), then KERN_CONT "NULL
# pointer dereference" or "paging request" and " at %p\n"; then printk(KERN_ALERT "IP:")
# and printk_address()'s " [<%p>] %pS\n" (a pr_cont() in 4.9, dumpstack.c). When another
# CPU prints between the pieces (a WARNING's stack dump on CPU 1 in docker/for-win#1110,
# 4.9.49), printk ends the line and each continuation starts one of its own: "BUG: unable
# to handle kernel" / "NULL pointer dereference at 0000000000000020", "IP:" /
# " [<ffffffff89106ac3>] migrate_task_rq_fair+0x1c/0x4b". Each pair is read as the one
# line the kernel meant.
_CUT_FAULT_RE = re.compile(
    r"BUG: unable to handle kernel *\n *(?:NULL pointer dereference|paging request) at "
    r"|^ *IP: *\n ?\[<[0-9a-f]+>\] +\S",
    re.M,
)
_CUT_FAULT_HEAD_RE = re.compile(r"BUG: unable to handle kernel *$")
_FAULT_KIND_RE = re.compile(r" *(?:NULL pointer dereference|paging request) at ")
_CUT_FAULT_IP_RE = re.compile(r" *IP: *$")
_FAULT_IP_ENTRY_RE = re.compile(r" ?\[<[0-9a-f]+>\] +\S")


def _fault_pieces_joined(texts: list[str]) -> list[str]:
    """``texts`` with show_fault_oops()'s pieces on lines of their own (see above) each
    joined to the line they continue."""
    out: list[str] = []
    i = 0
    while i < len(texts):
        t = texts[i]
        nxt = texts[i + 1] if i + 1 < len(texts) else ""
        if (_CUT_FAULT_HEAD_RE.search(t) and _FAULT_KIND_RE.match(nxt)) or (
            _CUT_FAULT_IP_RE.match(t) and _FAULT_IP_ENTRY_RE.match(nxt)
        ):
            out.append(t.rstrip() + " " + nxt.lstrip())
            i += 2
            continue
        out.append(t)
        i += 1
    return out


def _i386_cols_split(texts: list[str]) -> list[str]:
    """``texts`` of a 2.6.17 i386 trace printed several entries to a line (above), each
    entry on a line of its own as one column prints it, " [<%08lx>] %s"."""
    out: list[str] = []
    for t in texts:
        entries = list(_I386_COLS_ENTRIES_RE.finditer(t))
        if not entries or t[: entries[0].start()].strip():
            out.append(t)
            continue
        out += [f" [<{m[1]}>] {m[2]}" for m in entries]
    return out


def one_entry_a_line(texts: list[str]) -> list[str]:
    """``texts`` with each line of several old x86_64 trace entries split into one line
    per entry (what is around them, "Call Trace:" or an "<IRQ>" marker, on lines of their
    own), and a trace header's first entry on a line of its own, as every other kernel
    prints a trace: one frame to a line; and x86's fault header and IP line, when printk
    split their pieces, each whole on one line (_CUT_FAULT_RE)."""
    # Searches of the joined lines instead of a generator step per line (neither marker
    # holds a newline, so none can span the join of two lines).
    joined = "\n".join(texts)
    if ("handle kernel" in joined or "IP:" in joined) and _CUT_FAULT_RE.search(joined):
        texts = _fault_pieces_joined(texts)
    if "> " in joined and _I386_COLS_LINE_RE.search(joined):
        texts = _i386_cols_split(texts)
    if ">{" not in joined and "race: " not in joined:
        return texts
    out: list[str] = []
    for t in texts:
        entries = list(_OLD_X86_64_ENTRIES_RE.finditer(t)) if ">{" in t else []
        if len(entries) < 2 and not (entries and is_stack_start(t)):
            h = _HEADED_ENTRY_RE.search(t) if not entries and "race: " in t else None
            if h is not None and parse_frame(t[h.end() :]) is not None:
                out += [t[: h.end()], t[h.end() :]]
            else:
                out.append(t)
            continue
        pos = 0
        for m in entries:
            if t[pos : m.start()].strip():
                out.append(t[pos : m.start()].rstrip())
            out.append(" " + m.group(0))
            pos = m.end()
        if t[pos:].strip():
            out.append(t[pos:].rstrip())
    return out


def rip_frame(lines: list[str]) -> Frame | None:
    """The faulting function from the first RIP-like line that names one."""
    for t in lines:
        m = _RIP_LINE_RE.match(t)
        if m is not None:
            rest = _RIP_REST_RE.sub("", t[m.end() :].strip(), count=1)
            rest = rest.removeprefix("<").removesuffix(">")  # sparc's "TPC: <f+0x1/0x2>"
            # decode_stacktrace's "f (a.c:1)" whole; s390's "(f+0x1/0x2)" without its ")"
            fr = parse_frame(rest) or parse_frame(rest.rstrip(")"))
            if fr is None and t.endswith(PAGER_MARK):
                fr = _cut_size_frame(rest, lines)
            if fr is not None:
                fr.unreliable = False
                if fr.module is None and t.endswith(PAGER_MARK):
                    fr.module = _cut_module(t, lines) or _entry_module(fr.function, lines)
                return fr
            if t.endswith(PAGER_MARK) and _cut_name_or_none(rest):
                # The faulting function's line (x86 show_ip() "RIP: %04x:%pS", 6.1
                # arch/x86/kernel/dumpstack.c) cut in or before its name: the next RIP
                # line is another frame's (a #CP's trace holds the "RIP:" of the code it
                # interrupted, a user one after the syscall), never this function's.
                return None
    return None


def _cut_name_or_none(rest: str) -> bool:
    """Is ``rest`` (a RIP line's text after its prefix, the mark kept) a function's name
    a pager cut, or nothing left of one?"""
    rest = rest.removesuffix(PAGER_MARK).strip()
    return not rest or _CUT_NAME_RE.match(rest) is not None


def cut_rip_home(lines: list[str], func: str) -> bool | None:
    """Is the RIP line's function ``func`` a module's, where a pager cut that line before
    a module's name could show (see _CUT_SIZE_FRAME_RE)? True when the cut left " [" or
    a trace entry of ``func`` shows one after it ("%pS" and "%ps" print a module's
    function "f+0x1/0x2 [mod]", "f [mod]"); False when the line is whole or an entry of
    ``func`` shows none (vmlinux's); None when nothing tells (every entry of it cut too,
    or none printed: x86 lists no entry for the interrupted function)."""
    line = next((t for t in lines if _RIP_LINE_RE.match(t) and rip_frame([t])), None)
    if line is None or not line.endswith(PAGER_MARK):
        return False
    if _CUT_MODULE_RE.search(line):
        return True
    entry = re.compile(r"^\s*(?:\[<[0-9a-f]+>\]\s*)?(?:\? )?" + re.escape(func) + r"(?=[+ ])")
    for t in lines:
        if func not in t or _RIP_LINE_RE.match(t) or (e := entry.match(t)) is None:
            continue
        rest = _ENTRY_REST_RE.match(t, e.end())
        if rest is not None:
            return rest.group(1) is not None
    return None


def cut_rip_name(lines: list[str]) -> str | None:
    """What a pager left of the function's name on the first RIP line, where it cut that
    line in the name (MIPS __show_regs() "epc   : %0*lx %pS", 6.1 arch/mips/kernel/
    traps.c: "epc   : c00f6138 hotfence_crash_softl>"); None when it cut no name."""
    for t in lines:
        m = _RIP_LINE_RE.match(t)
        if m is not None:
            if not t.endswith(PAGER_MARK) or rip_frame([t]) is not None:
                return None
            rest = _RIP_REST_RE.sub("", t[m.end() : -1].strip(), count=1)
            return rest if _CUT_NAME_RE.match(rest) else None
    return None


_CUT_NAME_RE = re.compile(r"[A-Za-z_][\w.]*$")


# riscv show_regs() (6.12 arch/riscv/kernel/process.c) prints "epc : %pS" and " ra : %pS",
# then __show_regs()'s rows, the first "epc : %016lx ra : %016lx sp : %016lx" (its
# address in group 1).
_RISCV_EPC_RE = re.compile(r"\s*epc : (?:([0-9a-f]{16}) ra : )?")
_RISCV_ENTRY_PC_RE = re.compile(r"\[<([0-9a-f]{8,16})>\] ")
# An "epc : %pS" line a quote cut in or right after the name, before its "+0x": the
# name's start is left, which the trace's entry of the pc (below) must start with. (A
# whole line, or one cut in its offset, rip_frame() reads; a pc kallsyms does not know,
# "epc : 0xffffffff01e6c266", names nothing; one a pager cut and ended in its mark,
# taint.PAGER_MARK, titles a corrupted report, titles._cut_in_name, and is left so.)
_RISCV_CUT_NAME_RE = re.compile(r"[A-Za-z_][\w.]*")


def riscv_trace_rip(lines: list[str]) -> Frame | None:
    """The faulting function of a riscv report (oopses.RISCV_REPORT_RE) whose "epc : %pS"
    line a quote cut, with the registers ("[...]", "[ snip ]") or alone: the first entry
    of the headerless trace show_regs() prints after them (oopses.RISCV_HEADERLESS_TRACE_RE);
    None where the PC line is there, or the trace is not that one. die() calls
    show_regs(), and so do __warn() (6.12 kernel/panic.c) for a WARN()'s ebreak trap and
    watchdog_timer_fn() (6.12 kernel/watchdog.c) for a soft lockup's interrupted context:
    the function a lockup looped in, too.

    show_regs() calls dump_backtrace(regs, NULL) for a kernel context: walk_stackframe()
    (6.12 arch/riscv/kernel/stacktrace.c) starts at instruction_pointer(regs), the pc
    "epc :" names, and print_trace_address() prints it first, "[<%px>] %pS" by
    print_ip_sym(); a pc in no kernel text ends the frame-pointer walk before any entry
    (ARCH_WANT_FRAME_POINTERS makes FRAME_POINTER riscv's default), and entries come from
    the same walk whatever stack the fault was on (no "?" guesses, no IRQ-stack markers:
    the exception frames it crosses, handle_exception's, come after). show_stack()'s trace
    (dump_stack(), a blocked task's) is under its own "Call Trace:" and starts at the
    unwinder's callers or at __switch_to: no pc of a fault, so a report whose first trace
    has a header gets none. Where the quote kept __show_regs()'s "epc : %016lx" row, the
    entry is the pc only at that address. An "epc : %pS" line a quote cut in or after its
    name ("epc : hotfence_crash_soft") names the pc no more than a cut one does: the entry
    is it where its name starts so.
    """
    epc = None
    cut = None  # what is left of an "epc : %pS" line cut in or after the name
    for t in lines:
        if "epc :" in t and (m := _RISCV_EPC_RE.match(t)) is not None:
            if m.group(1) is None:
                left = t[m.end() :].rstrip()
                if _RISCV_CUT_NAME_RE.fullmatch(left) is None:
                    return None  # the PC line itself: rip_frame() reads it, or it names none
                cut = left
            else:
                epc = m.group(1)
    report = "\n".join(lines)
    if RISCV_REPORT_RE.search(report) is None or RISCV_HEADERLESS_TRACE_RE.search(report) is None:
        return None
    for i, t in enumerate(lines):
        if is_stack_start(t):
            if RISCV_STACK_START.search(t) is None:
                return None  # show_stack()'s "Call Trace:" (above)
            entry = lines[i + 1] if i + 1 < len(lines) else ""
        elif t.startswith("[<") and _is_entry_line(t):
            entry = t
            if RISCV_HEADERLESS_TRACE_RE.match("\n".join(lines[i : i + 2])) is None:
                return None
        else:
            continue
        pc = _RISCV_ENTRY_PC_RE.match(entry)
        if pc is None or entry.endswith(PAGER_MARK):
            return None  # (a name or module a pager cut: not the pc's whole symbol)
        if epc is not None and int(pc.group(1), 16) != int(epc, 16):
            return None
        fr = parse_frame(entry)
        if fr is None or (cut is not None and not fr.function.startswith(cut)):
            return None
        fr.unreliable = False
        return fr
    return None


def riscv_headerless_start(lines: list[str]) -> int | None:
    """Where riscv's headerless show_regs() trace starts when a quote cut the registers
    with their "status:" line (the stack start that heads it otherwise) to "[...]": its
    first entry (oopses.RISCV_HEADERLESS_TRACE_RE), where no stack start comes before it;
    a later "Call Trace:" is another's (a soft lockup's panic(), dump_stack()). None
    where a stack start comes first. For a report riscv_trace_rip() read its pc from."""
    for i, t in enumerate(lines):
        if is_stack_start(t):
            return None
        if t.startswith("[<") and RISCV_HEADERLESS_TRACE_RE.match("\n".join(lines[i : i + 2])):
            return i
    return None


# arm64 __show_regs() (6.1 arch/arm64/kernel/process.c) starts with print_pstate()'s
# "pstate: %08llx (nzcv ...)", then "pc : %pS" and "lr : %pS".
_ARM64_PSTATE_RE = re.compile(r"pstate: [0-9a-f]{8} \(")
_ARM64_PC_RE = re.compile(r"\s*pc : ")
# dump_stack()'s own entries, which start a "Call trace:" not printed from registers
_ARM64_DUMP_STACK_OWN = frozenset(("dump_backtrace", "show_stack", "dump_stack_lvl", "dump_stack"))


def arm64_trace_rip(lines: list[str]) -> Frame | None:
    """The faulting (or looping) function of an arm64 report whose "pc : %pS" line a
    quote cut: the first entry of the trace show_regs() prints after the registers; None
    where a pc line is there, or no "pstate:" line tells that show_regs() printed them.

    show_regs() (6.1 arch/arm64/kernel/process.c) is __show_regs() then
    dump_backtrace(regs, NULL, ...), whose "Call trace:" (6.1 arch/arm64/kernel/
    stacktrace.c) is unwound from regs: unwind_init_from_regs() starts at regs->pc, the
    pc "pc :" names, printed first. die(), __warn() (a WARN()'s BRK trap) and a soft
    lockup's watchdog_timer_fn() all call it; dump_stack()'s "Call trace:" instead starts
    at dump_backtrace() and show_stack() (_ARM64_DUMP_STACK_OWN): no pc there.
    """
    at = next((i for i, t in enumerate(lines) if _ARM64_PSTATE_RE.match(t)), None)
    if at is None:
        return None
    for i in range(at + 1, len(lines)):
        t = lines[i]
        if _ARM64_PC_RE.match(t):
            return None  # (rip_frame() reads it, or it names none: a bare pc)
        if not is_stack_start(t):
            continue
        if t.strip() != "Call trace:" or i + 1 == len(lines):
            return None
        entry = lines[i + 1]
        if entry.endswith(PAGER_MARK):
            return None  # (a name or module a pager cut: not the pc's whole symbol)
        fr = parse_frame(entry)
        if fr is None or fr.function in _ARM64_DUMP_STACK_OWN:
            return None
        fr.unreliable = False
        return fr
    return None


# 32-bit ARM __show_regs() (6.1 arch/arm/kernel/process.c) prints "PC is at %pS", "LR is
# at %pS", "pc : [<%08lx>]    lr : [<%08lx>]    psr: %08lx", the general registers, then
# "Flags: %s  IRQs o%s  FIQs o%s  Mode %s  ISA %s  Segment %s" (2.6-6.x; "nZCv" and the
# rest); rows a quote may cut with the first three. __die() (6.1 arch/arm/kernel/traps.c)
# goes on with "Process %.*s (pid: %d, stack limit = 0x%p)" (2.6-6.x), the "Stack:" dump
# and the trace from the registers: where a quote cut all of __show_regs()' rows, that
# line still tells the trace is the registers'.
_ARM_FLAGS_RE = re.compile(
    r"\s*(?:Flags: [nN][zZ][cC][vV][qQ]?  IRQs o(?:n|ff)  FIQs o"
    r"|Process .+ \(pid: \d+, stack limit = 0x[0-9a-f]+\))"
)
_ARM_PC_RE = re.compile(r"\s*(?:PC is at |pc : \[<)")
# An ARM trace entry journalctl's pager (less -S) cut before its " from ", in or right
# after the pc's name (taint.PAGER_MARK): " hotfence_crash_null_de>", "[<bf000060>]
# (hotfence_cr>"
_ARM_CUT_WHERE_RE = re.compile(
    r"\s*(?:\[<[0-9a-f]{8}>\] \()?[A-Za-z_][\w.]*(?:\+[^\s>]*)?(?: \[[\w.\-]*\]?)?"
    + re.escape(PAGER_MARK)
    + "$"
)
# dump_stack()'s own entries, which start an ARM trace not printed from registers
_ARM_DUMP_STACK_OWN = frozenset(
    ("unwind_backtrace", "dump_backtrace", "show_stack", "dump_stack_lvl", "dump_stack")
)


def arm_trace_rip(lines: list[str]) -> Frame | None:
    """The faulting (or looping) function of a 32-bit ARM report whose "PC is at %pS" and
    "pc : [<%08lx>]" lines a quote cut: the first entry of the trace printed from the
    registers after them; None where a PC line is there, or no "Flags:" line tells that
    __show_regs() printed the registers (nor __die()'s "Process ... stack limit" line
    after them, where a quote cut them all).

    show_regs() (6.1 arch/arm/kernel/process.c) is __show_regs() then dump_backtrace(regs,
    NULL, ...); __die() (6.1 arch/arm/kernel/traps.c) prints __show_regs(), the "Stack:"
    dump, then dump_backtrace(regs, tsk, ...). unwind_backtrace() (6.1 arch/arm/kernel/
    unwind.c) starts at regs->ARM_pc and prints each entry by dump_backtrace_entry(where,
    from, ...), " %ps from %pS" (before 5.x "[<%08lx>] (%pS) from [<%08lx>] (%pS)"):
    the first entry's "where" is the pc. die(), a soft lockup's watchdog_timer_fn() (6.1
    kernel/watchdog.c) and a BUG()'s trap all print it; dump_stack()'s trace instead
    starts at unwind_backtrace() and show_stack() (_ARM_DUMP_STACK_OWN): no pc there.
    """
    at = None
    for i, t in enumerate(lines):
        if _ARM_PC_RE.match(t):
            return None  # (rip_frame() reads it, or it names none: a bare pc)
        if at is None and _ARM_FLAGS_RE.match(t):
            at = i
    if at is None:
        return None
    for t in lines[at + 1 :]:
        if " from " not in t or not _is_entry_line(t):
            if _ARM_CUT_WHERE_RE.match(t):
                return None  # (the first entry, a pager cut in its pc's name)
            continue
        fr = parse_frame(t)
        if fr is None or fr.function in _ARM_DUMP_STACK_OWN:
            return None
        fr.unreliable = False
        return fr
    return None


# What follows a function's name in a trace entry that says whether it is a module's:
# its "[" (group 1), or its offset and size whole with nothing after them, or ARM's
# " from " after a "%ps" with no module (dump_backtrace_entry(), 6.1 arch/arm/kernel/traps.c).
_ENTRY_REST_RE = re.compile(r"(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?(?:( \[)|\s*$| from )")


# A RIP line's "%pS" names a module's function "f+0x1/0x2 [mod]" (kernel/kallsyms.c
# __sprint_symbol()), x86's "RIP: 0010:f+0x22/0x50 [hotfence_crash]" past 80 columns:
# journalctl's pager (less -S) cuts it in the module's name and ends it in its mark
# (taint.PAGER_MARK), "... [ho>". The function is still a module's. Cut right after the
# blank before the bracket ("f+0x30/0x50 >"), it is a module's too: the line prints
# "%pS" alone, and only a module's name follows the offset.
_CUT_MODULE_RE = re.compile(r"/0x[0-9a-f]+ (?:\[([\w\-]*))?" + re.escape(PAGER_MARK) + "$")


# ... or cut in the offset or the size, the function whole where "+" follows it: 32-bit
# ARM __show_regs() "PC is at %pS" (arch/arm/kernel/process.c, 6.1) at 66-72 columns,
# "PC is at hotfence_crash_softlockup+0x28/0>" (the offset whole before its "/"). What
# followed is lost; the unwinder's entry for the same function (dump_backtrace_entry(),
# 6.1 arch/arm/kernel/traps.c: " %ps from %pS", "f [mod] from g+0x1/0x2") still names
# its module, whole or cut (the one "Modules linked in:" lists by that start).
_CUT_SIZE_FRAME_RE = re.compile(
    r"^(?P<func>[A-Za-z_][\w.]*)\+(?:0x(?P<off>[0-9a-f]+)/)?[0-9a-fx]*(?:"
    + re.escape(PAGER_MARK)
    + ")?$"
)


def _cut_size_frame(rest: str, lines: list[str]) -> Frame | None:
    """The frame of a RIP line's ``rest`` a pager cut in its size (see above; the mark
    may be gone with sparc's "<...>"), its module the one a trace entry of that function
    names; None for another cut."""
    m = _CUT_SIZE_FRAME_RE.match(rest)
    if m is None:
        return None
    func = m.group("func")
    off = m.group("off")
    return Frame(
        function=func, offset=int(off, 16) if off else None, module=_entry_module(func, lines)
    )


def _entry_module(func: str, lines: list[str]) -> str | None:
    """The module a trace entry of ``func`` names, whole or cut (the one "Modules linked
    in:" lists by that start); None when no entry names one."""
    entry = re.compile(
        r"^\s*(?:\[<[0-9a-f]+>\]\s*)?"
        + re.escape(func)
        + r"(?:\+0x[0-9a-f]+/0x[0-9a-f]+)? \[(?:(?P<mod>[\w\-]+)\]|(?P<part>[\w\-]*)"
        + re.escape(PAGER_MARK)
        + "$)"
    )
    for t in lines:
        if func in t and (e := entry.match(t)) is not None:
            return e.group("mod") or _listed_module(e.group("part"), lines)
    return None


def _cut_module(line: str, lines: list[str]) -> str | None:
    """The module whose name the pager cut at the end of ``line`` (see above): the one
    module of the report's "Modules linked in:" list (print_modules()) whose name starts
    with what is left of it (the only one, when nothing is); None when the cut leaves no
    blank after the offset, or none or several do."""
    m = _CUT_MODULE_RE.search(line)
    return None if m is None else _listed_module(m.group(1) or "", lines)


def _listed_module(part: str, lines: list[str]) -> str | None:
    """The one module of the report's "Modules linked in:" list whose name starts with
    ``part``; None when none or several do."""
    listed = linked_modules(lines)
    if listed is None:
        return None
    names = {n for n in listed.names if n.startswith(part)}
    return names.pop() if len(names) == 1 else None


def call_trace(lines: list[str], headed: bool = True, at: int | None = None) -> list[Frame]:
    """Frames of the first stack trace of the report (``?`` entries kept, marked).

    The trace starts after its header (``Call Trace:``, ``Backtrace:``...) or, when a
    console lost that line, at the first line shaped like a stack entry. Sanitizers print
    the report's own trace without such a header, ahead of headed traces that are not it
    (``_own_trace_start``), which only reads ``lines`` that start with the report's
    header (``headed``). ``at``: where a headerless trace the caller found starts
    (riscv_headerless_start).
    """
    start = at if at is not None else _own_trace_start(lines) if headed else None
    if start is None:
        start = next((i + 1 for i, t in enumerate(lines) if is_stack_start(t)), None)
    if start is None and any(h in t for t in lines for h in I386_DUMP_STACK_HINTS):
        # i386's headerless dump_stack() (oopses.I386_DUMP_STACK_RE): not an entry-shaped
        # line before it, lockdep's "at: [<c0163b9e>] f+0x76/0xa4" of the lock
        start = next((i for i, t in enumerate(lines) if I386_DUMP_STACK_RE.match(t)), None)
    if start is None:
        track = False  # inside a SLUB "Allocated in ..." / "Freed in ..." track
        for i, t in enumerate(lines):
            if _SLUB_TRACK_RE.match(t):
                track = True
            elif not _is_entry_line(t) and not (track and _CUT_TRACK_ENTRY_RE.match(t)):
                track = False
            elif not track:
                start = i
                break
        if start is None:
            return []
    frames: list[Frame] = []
    callers = False
    window = lines[start : start + 400]
    for i, t in enumerate(window):
        fr = parse_frame(t)
        if fr is not None:
            if "Caller[" in t and not callers and t[:9].lstrip().startswith("Caller["):
                if frames:
                    break  # sparc's Caller[] lines again after show_stack()'s trace
                callers = True
            frames.append(fr)
            continue
        if (
            _TRACE_MARKER_RE.match(t)
            or _REGS_RE.match(t)
            or _RIP_LINE_RE.match(t)
            or _ADDRESS_ONLY_RE.match(t)
        ):
            continue
        if frames and not _interleaved(t, window[i + 1 : i + 1 + _INTERLEAVED_RUN]):
            break
    return frames


# Lines other CPUs may print between two entries of a trace, one after another: a
# device's suspend/resume timing (drivers/base/power/main.c initcall_debug_start() and
# initcall_debug_report(), pm_print_times: "PM: calling %pS @ %i, parent: %s", "PM: %pS
# returned %d after %Ld usecs", dev_info()'s "driver device: " before them) comes from
# each device's async_resume() worker while the oopsing one prints its trace. A run of
# more than one line is read past only when each is a device's message (dev_printk()'s
# "%s %s: " of driver and device): anything else there (sysrq's "Show Blocked State",
# sched_show_task()'s "task:%-15.15s state:%c") may head another trace.
_INTERLEAVED_RUN = 3
_DEV_LINE_RE = re.compile(r"[\w.-]+ [\w.:@-]+: ")


def _interleaved(t: str, after: list[str]) -> bool:
    """Is ``t``, amid a trace, another CPU's message that a console printed between two
    of its entries? On a console without caller ids (CONFIG_PRINTK_CALLER) nothing else
    tells them apart: a line that is no entry, no stack's heading (those end with ":",
    "Allocated by task 5:", lockdep's "-> #1 (...):", start a stack, "Call Trace:", or
    head a SLUB track, "INFO: Freed in f+0x1/0x2 age=5 ...") with an entry right after
    it, or devices' messages with one after them (``_INTERLEAVED_RUN``)."""
    for n, line in enumerate(after):
        if _is_entry_line(line):
            run = (t, *after[:n])
            return (
                not _RIP_LINE_RE.match(line)
                and all(_foreign_line(x) for x in run)
                and (n == 0 or all(_DEV_LINE_RE.match(x) for x in run))
            )
    return False


def _foreign_line(t: str) -> bool:
    """Can ``t`` be another CPU's line between two entries (_interleaved)?"""
    return not t.rstrip().endswith(":") and not is_stack_start(t) and not _SLUB_TRACK_RE.match(t)


# mm/slub.c print_track(): the allocating and freeing tasks' stacks, printed before the
# checking task's own (which has no header on 32-bit ARM): not the report's trace. Nor are
# the stacks of mm/slab_common.c kmem_dump_obj() ("... allocated at f+0x1/0x2", its
# entries, " Free path:" and its entries), which 32-bit ARM's __show_regs() prints for
# every register that points into a slab object ("Register r3 information: slab ...").
# journalctl's pager (less -S) cuts those heads before their "age=" or "allocated at"
# ("Allocated in hotfence_crash_slub_poison+0x38/0xd4>", "Register r3 information: slab
# task_struct start c>"): each is still a track's head, and kmem_dump_obj() (mm/
# slab_common.c, 5.12-6.x) prints " allocated at %pS" only when it knows the caller, its
# entries either way. 32-bit ARM's __show_regs() (arch/arm/kernel/process.c, since 5.12)
# heads each with "Register r%d information:", then mem_dump_obj()'s " slab%s %s ...".
# An entry of a SLUB track (mm/slub.c print_track(), 6.1: stack_trace_print()'s " %pS"
# lines, indented) that journalctl's pager (less -S) cut and ended in its mark
# (taint.PAGER_MARK): " link_path_walk.part.0.cons>", " hotfence_crash_do+0x100/0x174
# [hotfe>". No entry by its shape, but still the track's: the entries after it are too,
# not the report's own trace.
_CUT_TRACK_ENTRY_RE = re.compile(
    r"\s+[A-Za-z_][\w.]*(?:\+[^\s>]*)?(?: \[[\w.\-]*)?" + re.escape(PAGER_MARK) + "$"
)
_SLUB_TRACK_RE = re.compile(
    r"(?:INFO: )?(?:Allocated|Freed) in (?:.+ age=\d|\S.*" + re.escape(PAGER_MARK) + r"$)"
    r"|.* allocated at [\w.]+(?:\+0x[0-9a-f]+/0x[0-9a-f]+| \(.*\))\s*$|\s*Free path:\s*$"
    r"|Register r\d+ information: slab"
)

# mm/kfence/report.c kfence_report_error(): the line naming the bad access, right before
# stack_trace_print() of the access. With no_hash_pointers and a fault's registers its
# footer is show_regs(), whose "Call Trace:" is the fault context's unwind (the faulting
# function left out, "?" guesses in): not the report's trace.
_KFENCE_ACCESS_RE = re.compile(
    r"^\s*(?:(?:Out-of-bounds|Use-after-free) (?:read|write) at 0x[0-9a-f]+ \("
    r"|Corrupted memory at 0x[0-9a-f]+ |Invalid (?:read|write) at 0x[0-9a-f]+:"
    r"|Invalid free of 0x[0-9a-f]+[ :])"
)


def _own_trace_start(lines: list[str]) -> int | None:
    """Where a sanitizer's own, headerless trace starts, if the report has one.

    KMSAN's ``kmsan_report()`` calls ``stack_trace_print()`` right under ``BUG: KMSAN:
    ...``; the headed traces after it (``Uninit was stored to memory at:``) are the value's
    history. Two entries there, the first a reliable one, make that trace: a lone line is
    another CPU's output interleaved by the console. KFENCE prints its trace under the
    line naming the access (``_KFENCE_ACCESS_RE``), two lines below its title.
    """
    if len(lines) > 2 and _is_entry_line(lines[1]) and _is_entry_line(lines[2]):
        first = parse_frame(lines[1])
        if first is not None and not first.unreliable:
            return 1
    return next((i + 1 for i, t in enumerate(lines[1:6], 1) if _KFENCE_ACCESS_RE.match(t)), None)


def _is_entry_line(t: str) -> bool:
    """A stack entry by its own shape: indented or ``[<pc>]``-led, not a register line.

    ARM's " f from g+0x1/0x2" is one by its words alone: a page that squeezed runs of
    spaces (a forum post, an HTML mail archive) leaves no indent after the printk time.
    So is an entry decode_stacktrace.sh printed, with no indent at all: resolved
    ("f (file.c:12) mod", the words of the line re-joined) or not ("f+0x1/0x2 mod"),
    the entry being the whole line.
    """
    if t[:1] not in " [<(":
        if t.startswith("Caller["):
            return parse_frame(t) is not None  # sparc's die_if_kernel() entries
        return (
            _ARM_NOADDR_FRAME_RE.match(t) is not None
            or (" (" in t and _decoded_re().match(t) is not None)
            or (" from " in t and _ARM_DECODED_FRAME_RE.match(t) is not None)
            or _BARE_ENTRY_RE.match(t) is not None
        )
    return not _RIP_LINE_RE.match(t) and not _REGS_RE.match(t) and parse_frame(t) is not None


@dataclass
class TaskFields:
    """What the report's lines say about the task, CPU and kernel that crashed."""

    cpu: int | None = None
    pid: int | None = None
    comm: str | None = None
    release: str | None = None
    taint: str | None = None  # the raw flag string
    # A line has said "Tainted: ..." or "Not tainted": a None taint is then the kernel's
    # word (no flag set), not a gap another line may fill.
    taint_said: bool = False
    hardware: str | None = None
    suse: bool = False  # the header names a SUSE build ("... #1 SLE15-SP4 35a3c2e")
    # The CPU of a line that a pager cut in its pid ("WARNING: CPU: 0 PID: 8>"): a later
    # line's whole pid on that CPU (dump_stack_print_info()'s "CPU: 0 PID: 83 Comm: s>")
    # is the one the cut lost.
    cut_pid_cpu: int | None = None


def task_fields(
    own: list[str], prefix: Sequence[str] = (), near: Sequence[bool] | None = None
) -> TaskFields:
    """Task, CPU, release, taint and hardware named by the report's ``own`` lines, and
    what they leave unsaid by the lines before it (``prefix``, nearest first).

    The report's own lines decide: an older report's full header in the prefix (in a log
    of two kernels without a banner between them, another kernel's) must not outweigh
    the report's own older-style or partial one. ``near`` (a flag a prefix line; None:
    all of them) says which prefix lines may name the report's task: the CPU, PID, comm
    and taint come from those alone (a line printed long before the report is another
    task's, parser._near; and print_tainted() prints the flags of its moment, which a
    report in between adds to: a SLUB report's "B", a WARNING's "W"), the release and
    hardware from every line. A caller id on every line reaches 50 of the task's lines
    back (extract._PREFIX_LINES_TASK), into the header of an earlier report.
    """
    out = _fields_of(own)
    if prefix and (
        out.cpu is None
        or out.pid is None
        or out.comm is None
        or out.release is None
        or out.hardware is None
        or not out.taint_said
    ):
        more = _fields_of(prefix)
        task = more
        if near is not None and not all(near):
            task = _fields_of([t for t, is_near in zip(prefix, near, strict=True) if is_near])
        # A CPU and a PID go with their comm: another task's are none of this one's.
        if out.comm is None or out.comm == task.comm:
            out.cpu = task.cpu if out.cpu is None else out.cpu
            out.pid = task.pid if out.pid is None else out.pid
            out.comm = task.comm
        out.release = more.release if out.release is None else out.release
        out.hardware = more.hardware if out.hardware is None else out.hardware
        if not out.taint_said:
            out.taint, out.taint_said = task.taint, task.taint_said
        out.suse = out.suse or more.suse
    if not out.suse and out.taint is not None:
        out.suse = any(
            letter in out.taint and _before(out.release, since)
            for letter, since in _SUSE_LETTERS_BEFORE.items()
        )
    return out


def _fields_of(texts: Sequence[str]) -> TaskFields:
    """The first full header (``CPU: N PID: N Comm: X ... Tainted: ... RELEASE``) in
    ``texts`` decides; what it lacks comes from the first line of the other shapes that
    has it. The dumps of an RCU stall's grace-period kthread and of the CPU it last ran
    on, and those of the CPUs a panic stopped, name the kernel, not the report's task or
    CPU (``own_cpu_lines``)."""
    own, elsewhere = own_cpu_lines(texts)
    out = _fields_in(own)
    if elsewhere:
        other = _fields_in(elsewhere)
        out.release = other.release if out.release is None else out.release
        out.hardware = other.hardware if out.hardware is None else out.hardware
        if not out.taint_said:
            out.taint, out.taint_said = other.taint, other.taint_said
        out.suse = out.suse or other.suse
    return out


# kernel/rcu/tree_stall.h rcu_check_gp_kthread_starvation(), after the stalled CPUs (a
# self-detected stall's own dump comes after it): "RCU grace-period kthread stack dump:"
# and sched_show_task() of RCU's own kthread, the starved victim ("task:rcu_sched
# state:I ..." and its trace), then "Stack dump where RCU GP kthread last ran:" and
# dump_cpu_task() of that CPU, which need not be a stalled one: the NMI sender's "Sending
# NMI from CPU %d to CPUs %d:", then "NMI backtrace for cpu %d" (lib/nmi_backtrace.c;
# "... skipped: idling at %pS" alone) or "Task dump for CPU %d:", or the detecting CPU's
# own header straight away. The next of those lines starts another CPU's dump.
_GP_KTHREAD_DUMP = "RCU grace-period kthread stack dump:"
_GP_KTHREAD_LAST_RAN = "Stack dump where RCU GP kthread last ran:"
_GP_KTHREAD_OFFLINE = "RCU GP kthread last ran on offline CPU"
_CPU_DUMP_START_RE = re.compile(
    r"^(?:(?P<sender>Sending NMI from CPU \d+ to CPUs )|(?P<intro>NMI backtrace for cpu \d+"
    r"|Task dump for CPU \d+:)|CPU: ?\d+,? (?:UID: \d+ )?PID: \d+ )"
)


# arch/arm/kernel/smp.c ipi_cpu_stop() (and arm64's before 4.x): each CPU that panic()'s
# smp_send_stop() halts prints "CPU%u: stopping", then dump_stack(): its own header and
# IPI trace. From there on the lines are other CPUs' dumps; the release and taint their
# headers state are still the system's.
_CPU_STOPPING_RE = re.compile(r"^CPU\d+: stopping\s*$")


def own_cpu_lines(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """A report's lines without other CPUs' dumps (an RCU stall's ``stall_own_lines``,
    the CPUs a panic stopped), and those dumps."""
    own, dumps = stall_own_lines(texts)
    # (one search of the joined lines rules out most reports: the line holds ": stopping")
    stop = (
        next((i for i, t in enumerate(own) if _CPU_STOPPING_RE.match(t)), None)
        if ": stopping" in "\n".join(own)
        else None
    )
    if stop is None:
        return own, dumps
    return own[:stop], dumps + own[stop:]


def stall_own_lines(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """A report's lines without the dumps of an RCU stall's grace-period kthread and of
    the CPU it last ran on, and those dumps."""
    # Two searches of the joined lines instead of a generator step per line (neither
    # marker holds a newline, so none can span the join of two lines).
    joined = "\n".join(texts)
    if _GP_KTHREAD_DUMP not in joined and _GP_KTHREAD_LAST_RAN not in joined:
        return list(texts), []
    own: list[str] = []
    dumps: list[str] = []
    mode = ""  # "": the stall's; "kthread": the kthread's dump; "cpu": its last CPU's
    started = header_may_follow = False
    for t in texts:
        if mode == "kthread" and (
            _GP_KTHREAD_OFFLINE in t or _CPU_DUMP_START_RE.match(t) is not None
        ):
            mode = ""  # another CPU's dump
        elif mode == "cpu":
            m = _CPU_DUMP_START_RE.match(t)
            is_header = m is not None and m.group("sender") is None and m.group("intro") is None
            if started and m is not None and not (header_may_follow and is_header):
                mode = ""  # another CPU's dump
            elif not started and m is not None and m.group("sender") is None:
                started = True
                header_may_follow = m.group("intro") is not None
                if "skipped:" in t:  # that CPU idled: the line is all its dump
                    dumps.append(t)
                    mode = ""
                    continue
            else:
                header_may_follow = False
        if _GP_KTHREAD_LAST_RAN in t:
            mode, started = "cpu", False
        elif _GP_KTHREAD_DUMP in t:
            mode = "kthread"
        (dumps if mode else own).append(t)
    return own, dumps


def _fields_in(texts: Sequence[str]) -> TaskFields:
    """``_fields_of`` of lines that are all the report's task's."""
    out = TaskFields()
    # Every header and taint pattern holds "ainted" ("Not tainted", "Tainted: "), every
    # release pattern that or "EFLAGS: ", every CPU pattern "CPU" or "pu " ("Cpu ", "cpu ")
    # but RCU's stalled-CPU line, "GP" ("ticks this GP", "GPs behind"): a line holding none
    # of them (most of a report) is passed over without a regex.
    for t in texts:
        if out.release is None and ("ainted" in t or t.endswith(PAGER_MARK)):
            _read_header(out, t)
        if out.hardware is None:
            m = _HW_RE.search(t)
            if m is not None:
                out.hardware = m.group("hw") or m.group("pid_hw")
        elif out.release is not None:
            break  # both known: the rest of a long report has nothing more to give
    slab_bug = None  # a SLUB report's first line: its taint is the last resort
    stall_task = None  # an RCU stall header's blocked task, where it names no CPU
    for i, t in enumerate(texts):
        if (
            "ainted" in t
            or "CPU" in t
            or "pu " in t
            or "EFLAGS: " in t
            or "GP" in t
            or "RELEASE: " in t
        ):
            if slab_bug is None and t.startswith("BUG ") and _SLAB_BUG_RE.match(t):
                slab_bug = t
                continue
            if t.endswith("{") and out.cpu is None and _SPLIT_STALL_HEAD_RE.search(t):
                t = _stall_list_joined(texts, i)
            if stall_task is None and out.cpu is None and "stalls on CPUs/tasks: { P" in t:
                m = _STALL_TASK_ONLY_RE.search(t)
                stall_task = int(m.group("pid")) if m is not None else None
            said = out.taint_said
            _read_separate_lines(out, t)
            if slab_bug is not None and not said and out.taint_said and out.taint is None:
                out.taint = _flags_past_cut(t, slab_bug)
    if slab_bug is not None and not out.taint_said:
        _read_taint(out, slab_bug)
    if out.comm is None:
        m = next((m for t in texts if (m := _first(_TASK_RES, t)) is not None), None)
        if m is not None:
            out.comm = m.group("comm").strip()
            if out.pid is None and "pid" in m.re.groupindex:
                out.pid = int(m.group("pid"))
    if out.comm is None and out.pid is None and out.cpu is None and stall_task is not None:
        out.pid = stall_task  # the task that holds the grace period up: the stall's
    if out.cpu is None and out.comm is not None:
        out.cpu = _qses_seen_current_cpu(texts)
    return out


# kernel/rcu/tree_stall.h print_other_cpu_stall() (kernel/rcu/tree.c before 5.2) of a
# stall no CPU holds up any more: "(detected by %d, t=..." of smp_processor_id(), then
# pr_err("All QSes seen, last %s kthread activity ...") and, "in this case, the current
# CPU might be at fault", sched_show_task(current), the task running on the detecting
# CPU, until 5.8 (commit "rcu: Remove self-stack-trace when all quiescent states seen").
_DETECTED_BY_RE = re.compile(r"^\s*(?:rcu: )?\s*\(detected by (?P<cpu>\d+), t=")


def _qses_seen_current_cpu(texts: Sequence[str]) -> int | None:
    """The CPU of the task an "All QSes seen" stall shows (above): the one that detected
    the stall, when the line after "All QSes seen" is that task's (sched_show_task())."""
    at = next((i for i, t in enumerate(texts) if "All QSes seen, " in t), None)
    if at is None or at + 1 >= len(texts) or _first(_SCHED_SHOW_TASK_RES, texts[at + 1]) is None:
        return None
    for t in texts[:at]:
        m = _DETECTED_BY_RE.match(t)
        if m is not None:
            return int(m.group("cpu"))
    return None


# RCU's stall headers list the stalled CPUs and the tasks that block the grace period in
# braces, each with its own pr_cont(): kernel/rcu/tree_exp.h synchronize_rcu_expedited_wait()
# (4.9-6.x) pr_err("INFO: %s detected expedited stalls on CPUs/tasks: {"), then
# rcu_print_task_exp_stall()'s " P%d" of each blocked task, " %d-%c%c%c%c" of each CPU,
# pr_cont(" } %lu jiffies s: %lu root: %#lx/%c\n"); kernel/rcutree.c print_other_cpu_stall()
# (2.6.32-4.x) "INFO: %s detected stalls on CPUs/tasks: {", " P%d" (rcu_print_task_stall()),
# " %d", "} (detected by %d, ...". A console that could not join the pieces into one
# record shows each as a line of its own: "... CPUs/tasks: {", " 0-....", " } 2650
# jiffies s: 3093 root: 0x1/.".
_SPLIT_STALL_HEAD_RE = re.compile(
    r"INFO: (?:rcu_\w+|RCU) detected (?:expedited )?stalls on CPUs/tasks: \{$"
)
_STALL_PIECE_RE = re.compile(r"^\s*(?:(?:P\d+|\d+(?:-[.A-Za-z]{3,4})?)\s*)+$")
# A header that names blocked tasks and no CPU: the grace period waits on a task preempted
# inside its RCU read-side critical section, whose pid is all the report names of it
# ("{ P392 } 21382 jiffies s: 117 root: 0x0/T", "{ P392} (detected by 2, ..."; the
# first where there are more).
_STALL_TASK_ONLY_RE = re.compile(
    r"detected (?:expedited )?stalls on CPUs/tasks: \{ P(?P<pid>\d+)(?: P\d+)* ?\}"
)


def _stall_list_joined(texts: Sequence[str], at: int) -> str:
    """The stall header ``texts[at]``, split after its "{", with the pieces of its list on
    the lines after it (_STALL_PIECE_RE) and the closing "}" line joined back to it."""
    parts = [texts[at]]
    for t in texts[at + 1 : at + 1 + _STALL_LIST_LINES]:
        if t.lstrip().startswith("}"):
            parts.append(t.strip())
            break
        if _STALL_PIECE_RE.match(t) is None:
            break
        parts.append(t.strip())
    return " ".join(parts)


# (a piece a line: a few dozen stalled CPUs at most before the list is taken as cut)
_STALL_LIST_LINES = 64


# Upstream print_tainted() prints "N" (TAINT_TEST) only since 6.0 and "X" (TAINT_AUX) only
# since 4.15 (kernel/panic.c taint_flags[]); before them the only kernels printing an N or
# an X are SUSE's (TAINT_NO_SUPPORT, an unsupported module; TAINT_EXTERNAL_SUPPORT, an
# externally supported one), whether or not the header names the SLE build (SLES 11 and
# 12 headers name none: "... X 3.0.101-63-default #1").
_SUSE_LETTERS_BEFORE = {"N": (6, 0), "X": (4, 15)}
_RELEASE_VERSION_RE = re.compile(r"(\d+)\.(\d+)")


def _before(release: str | None, version: tuple[int, int]) -> bool:
    m = _RELEASE_VERSION_RE.match(release or "")
    return m is not None and (int(m.group(1)), int(m.group(2))) < version


def _read_header(out: TaskFields, t: str) -> None:
    m = _first(_HEADER_RES, t)
    if m is not None and cut_by_pager(t, m.end("rel")):
        # a pager cut the line in its release ("... 6.1.0-56-" of "6.1.0-56-amd64"): the
        # task, pid, CPU and taint before it are whole, the release is lost
        if out.comm is None:
            _read_task(out, m)
            _read_taint(out, t)
        return
    if m is None:
        if out.comm is None:
            cut = _CUT_HEADER_RE.search(t)
            if cut is not None:  # the release is lost: the task the header names is not
                _read_task(out, cut)
            elif t.endswith(PAGER_MARK):
                _read_task_before_cut(out, t)
        return
    if out.comm is not None and out.release is None:
        # a cut header named the report's task; a later whole one (another CPU's dump,
        # "CPU3: stopping") still tells the release
        out.release = m.group("rel")
        _read_taint(out, t)
        return
    _read_task(out, m)
    out.release = m.group("rel")
    _read_taint(out, t)
    out.suse = _SUSE_BUILD_RE.search(t, m.end()) is not None


def _read_task(out: TaskFields, m: re.Match[str]) -> None:
    """The task, pid and CPU (when the shape prints one) a header line's match names."""
    if "cpu" in m.re.groupindex:
        out.cpu = int(m.group("cpu"))
    out.pid = int(m.group("pid"))
    out.comm = m.group("comm")


def _read_task_before_cut(out: TaskFields, t: str) -> None:
    """The CPU, pid and task of a header a pager cut before its taint, when the task's
    name is whole (the shortest one followed by a blank and the start of a follower)."""
    m = _PAGER_CUT_TASK_RE.search(t)
    if m is None:
        return
    rest = m.group("rest")
    for blank in range(1, min(len(rest), 21)):
        if rest[blank] == " " and any(w.startswith(rest[blank + 1 :]) for w in _AFTER_COMM):
            if m.group("cpu") is not None:
                out.cpu = int(m.group("cpu"))
            out.pid, out.comm = int(m.group("pid") or m.group("old_pid")), rest[:blank]
            return


def _read_separate_lines(out: TaskFields, t: str) -> None:
    """Older and other architectures' lines that carry one of the facts each."""
    if out.release is None:
        m = _first(_RELEASE_RES, t)
        if m is not None:
            out.release = m.group("rel")
    if not out.taint_said and "ainted" in t:
        _read_taint(out, t)
    if out.cpu is None:
        m = _first(_CPU_RES, t)
        if m is not None:
            hexcpu = m.group("hexcpu") if "hexcpu" in m.re.groupindex else None
            out.cpu = int(hexcpu, 16) if hexcpu is not None else int(m.group("cpu"))
            if out.pid is None and "pid" in m.re.groupindex:
                if m.group("pid") is not None:
                    out.pid = int(m.group("pid"))
                elif m.re is _CPU_RES[0]:
                    out.cut_pid_cpu = out.cpu
    elif out.pid is None and out.cut_pid_cpu is not None:
        m = _CPU_RES[0].search(t)
        if m is not None and m.group("pid") is not None and int(m.group("cpu")) == out.cut_pid_cpu:
            out.pid = int(m.group("pid"))


# mm/slub.c slab_bug(): "BUG %s (%s): %pV", the cache and print_tainted() of before the
# report: slab_err() and object_err() add_taint(TAINT_BAD_PAGE) only after it, so the
# dump_stack() header that follows says "G    B" where this line says "G". Any later line
# that states the taint (the header, 6.12's "Tainted: [B]=BAD_PAGE, ..."; one a pager cut
# in its flags leaves it unknown) is the report's; this line's flags only when none does.
_SLAB_BUG_RE = re.compile(
    r"BUG \S+ \((?:Not tainted|Tainted: [A-Z?\- ]*)(?:\)|" + re.escape(PAGER_MARK) + "$)"
)
_FLAG_COLUMNS_RE = re.compile(r"[A-Z?\- ]*")


# print_tainted()'s column of TAINT_BAD_PAGE ("B"), after P/G, F, S, R and M (kernel/panic.c
# taint_flags[], the same order since 2.6)
_BAD_PAGE_COLUMN = 5


def _flags_past_cut(header: str, slab_bug: str) -> str | None:
    """The taint of a line a pager cut in its flags ("Tainted: G    B  >", 6.12's
    "Tainted: [B]=BAD_PAGE, [O]=OOT_MODU>") after a SLUB report's first line, whose flags
    are whole. Flags are never cleared, and the one the report sets after its first line
    is B (TAINT_BAD_PAGE): the SLUB line's flags are the later line's when they hold B
    already and agree with what the cut left, and print_tainted() giving each flag its own
    column, a header whose own columns run past B's holds the SLUB line's past the cut.
    None otherwise: the cut may have taken the B, or the two do not line up."""
    cut = header[header.find("Tainted: ") + len("Tainted: ") : -len(PAGER_MARK)]
    start = slab_bug.find("Tainted: ")
    older, closed, _ = slab_bug[start + len("Tainted: ") :].partition(")")
    if start < 0 or not closed or not cut or not _FLAG_COLUMNS_RE.fullmatch(older):
        return None  # "Not tainted", or flags the pager cut too: nothing past the cut
    if cut.startswith("["):  # 6.12 taint_verbose: the letters in the columns' order
        letters = set(VERBOSE_FLAG_RE.findall(cut))
        return older.rstrip() if "B" in older and letters <= set(older) else None
    if not _FLAG_COLUMNS_RE.fullmatch(cut):
        return None
    if any(c != " " and c != cut[i] for i, c in enumerate(older[: len(cut)])):
        return None  # a flag of the older line the header lacks: not the same columns
    if "B" not in older and len(cut) <= _BAD_PAGE_COLUMN:
        return None
    return (cut + older[len(cut) :]).rstrip() or None


def _read_taint(out: TaskFields, t: str) -> None:
    # print_tainted() (kernel/panic.c) prints "Not tainted" when no flag is set. The first
    # line to say either decides: the report's own lines come first, and flags are never
    # cleared within a boot, so an older "Tainted: ..." after a report's own "Not tainted"
    # is another boot's or another kernel's. A line a pager cut in its flags said them
    # too: an older line's are fewer, so the taint stays unknown.
    out.taint = extract_taint(t)
    out.taint_said = (
        out.taint is not None or "Not tainted" in t or ("Tainted: " in t and t.endswith(PAGER_MARK))
    )


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    # A loop, not next() over a generator: this runs on every line of every report.
    for r in patterns:
        m = r.search(text)
        if m is not None:
            return m
    return None
