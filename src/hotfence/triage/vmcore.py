"""Read a kernel crash dump (vmcore) with drgn: what `crash` shows first, then triage.

A vmcore is the crashed machine's memory as an ELF core (kdump's ``/proc/vmcore``, or
QEMU's ``dump-guest-memory``) whose VMCOREINFO note tells drgn the kernel release,
KASLR offset and page tables. With the matching DWARF vmlinux (Debian:
``linux-image-<kver>-amd64-dbg``) and the ``.ko`` files of out-of-tree modules, each
helper below reads one kernel object, in the spirit of crash's commands:

=====================  ==============  ==============================================
helper                 crash command   kernel objects read
=====================  ==============  ==============================================
``read_log``           ``log``         the printk ringbuffer (``prb``)
``panic_info``         ``sys``         ``panic_cpu``, the log's panic line, taint mask
``read_stack``         ``bt -l``       the crashed task's registers (PRSTATUS) + stack
``disassemble_at``     ``dis -rl``     the function's text bytes in the core
=====================  ==============  ==============================================

The objects around the crash (socket, sock, net, the NULL pointer) come from
``vmcore_objects``; tasks, grouped stacks, namespaces, memory, slabs and modules from
``vmcore_system``. :func:`open_session` reads them all into a :class:`VmcoreReport`.

The log then goes through the ordinary log triage (``parse_log`` + ``enrich``), and
every frame of the resulting reports is symbolised through drgn, which knows where
each module was loaded in this very core (no ``func+off`` guessing against a ``.ko``).
drgn is an optional dependency (``pip install 'hotfence[vmcore]'``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import capstone

from hotfence.triage.analyze import KnownBugMatcher, enrich
from hotfence.triage.guilty import frame_files, guilty_file
from hotfence.triage.model import Frame, Report, SourceLocation
from hotfence.triage.parser import parse_log
from hotfence.triage.vmcore_objects import CrashObject, NullPointer, null_pointer, read_objects
from hotfence.triage.vmcore_system import (
    MemorySummary,
    ModuleEntry,
    NetnsSummary,
    SlabCache,
    SlabInfo,
    StackGroup,
    TaskEntry,
    all_tasks,
    group_stacks,
    read_memory,
    read_modules,
    read_netns,
    read_slabs,
    read_tasks,
    slab_info,
    task_stacks,
    wall_offset_ns,
)

if TYPE_CHECKING:
    import drgn


T = TypeVar("T")

# x86-64 kernel text and module space both live in the top half of the address space;
# a frame below it is the user-space caller that drgn unwinds into after a syscall.
KERNEL_SPACE = 0xFFFF_8000_0000_0000

DIS_AFTER = 4  # instructions shown after the PC (crash's dis -r stops at it)
DIS_MAX_BEFORE = 80  # long functions: the last instructions up to the PC


class VmcoreError(Exception):
    """The vmcore, the vmlinux or a module file cannot be used; names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class StackEntry:
    """One frame of the crashed task's stack, as ``bt -l`` prints it."""

    index: int
    function: str  # "?" when the PC has no symbol
    pc: int
    sp: int
    offset: int | None = None  # from the start of the containing symbol
    module: str | None = None  # None for vmlinux
    file: str | None = None
    line: int | None = None
    column: int | None = None
    inline: bool = False  # an inlined call inside the next (outer) entry; same pc
    interrupted: bool = False  # the registers come from an exception/interrupt frame
    user: bool = False  # a user-space PC (the syscall's caller)
    # Where crash's ``bt`` column points: the stack slot holding this frame's return
    # address (sp - 8); for an interrupted frame, the saved stack pointer itself.
    slot: int = 0
    # The CPU spinning in panic() after the crash (delay_tsc ...): not part of the crash.
    panic_loop: bool = False
    # An interrupted frame's registers, as the exception / interrupt saved them (pt_regs).
    registers: dict[str, int] | None = None


@dataclass
class DisasmLine:
    """One instruction of ``dis -rl``: address, ``func+off``, bytes, text, source line."""

    address: int
    offset: int
    hex: str
    text: str
    file: str | None = None
    line: int | None = None
    is_pc: bool = False


@dataclass
class VmcoreDisassembly:
    """The function holding the crash PC, disassembled from its bytes in the core."""

    function: str
    module: str | None
    start: int
    size: int
    pc: int
    lines: list[DisasmLine] = field(default_factory=list)
    skipped: int = 0  # instructions before the first shown one (long functions)
    return_address: bool = False  # pc is a return address; the marked line is its call


@dataclass
class VmcoreReport:
    """Everything read from one vmcore, then the structured reports of its log."""

    vmcore: str
    vmlinux: str
    modules: list[str]  # .ko files whose debug info drgn matched to loaded modules
    kernel_release: str
    panic_message: str | None
    panic_cpu: int | None
    crashed_pid: int | None
    crashed_comm: str | None
    taint: str
    log: list[str] = field(default_factory=list)
    boot_time: str | None = None  # wall clock at log time 0 (log -T), ISO 8601 UTC
    wall_offset_ns: int | None = None  # add to a log timestamp for wall-clock time
    stack: list[StackEntry] = field(default_factory=list)
    disassembly: VmcoreDisassembly | None = None
    objects: list[CrashObject] = field(default_factory=list)
    null_pointer: NullPointer | None = None
    stack_groups: list[StackGroup] = field(default_factory=list)
    netns: NetnsSummary | None = None
    tasks: list[TaskEntry] = field(default_factory=list)
    memory: MemorySummary | None = None
    slabs: list[SlabCache] = field(default_factory=list)
    slab_objects: list[SlabInfo] = field(default_factory=list)  # kmem ADDR of the objects
    modules_loaded: list[ModuleEntry] = field(default_factory=list)
    # sections this core could not give (section -> reason), shown instead of them
    unavailable: dict[str, str] = field(default_factory=dict)
    reports: list[Report] = field(default_factory=list)


# -- opening ------------------------------------------------------------------------------


# makedumpfile's output formats, which drgn reads through libkdumpfile: -c/-l/-p/-z
# write the kdump-compressed (diskdump) format, -F the flattened stream of it.
KDUMP_COMPRESSED = b"KDUMP   "
MAKEDUMPFILE_FLAT = b"makedumpfile"


def _import_drgn() -> Any:
    try:
        import drgn
    except ImportError as exc:
        raise VmcoreError("drgn", f"not installed ({exc}); pip install 'hotfence[vmcore]'") from exc
    return drgn


def find_module_files(vmcore: Path, modules_dir: Path | None = None) -> list[Path]:
    """``.ko`` files to offer drgn: the vmcore's own directory (where ``hotfence lab
    vmcore`` copies the module the guest ran), then ``modules_dir`` recursively."""
    found = sorted(vmcore.parent.glob("*.ko"))
    if modules_dir is not None:
        if not modules_dir.is_dir():
            raise VmcoreError(str(modules_dir), "not a directory")
        found += sorted(p for p in modules_dir.rglob("*.ko") if p not in found)
    return found


def open_vmcore(vmcore: Path, vmlinux: Path, modules: list[Path]) -> tuple[drgn.Program, list[str]]:
    """A drgn Program over ``vmcore`` with ``vmlinux``'s DWARF (and the given modules').

    Returns the program and the module files drgn actually matched (by build ID) to a
    module loaded in the core; the others are ignored, as crash's ``mod -S`` would.
    """
    drgn = _import_drgn()
    for path, what in ((vmcore, "vmcore"), (vmlinux, "vmlinux")):
        if not path.is_file():
            raise VmcoreError(
                str(path), f"{what} not found" if not path.exists() else f"{what} is not a file"
            )
        try:
            with path.open("rb") as fh:
                magic = fh.read(len(MAKEDUMPFILE_FLAT))
        except OSError as exc:
            raise VmcoreError(str(path), f"cannot read the {what}: {exc.strerror}") from exc
        if magic.startswith(b"\x7fELF"):
            continue
        if what == "vmcore" and magic.startswith((KDUMP_COMPRESSED, MAKEDUMPFILE_FLAT)):
            if not getattr(drgn, "_with_libkdumpfile", False):
                raise VmcoreError(
                    str(path),
                    "makedumpfile's compressed format, and this drgn was built without "
                    "libkdumpfile: convert it with makedumpfile -E (apt package makedumpfile)",
                )
            continue
        hint = " or makedumpfile's kdump-compressed format" if what == "vmcore" else ""
        raise VmcoreError(str(path), f"not an ELF file: a {what} must be ELF{hint}")
    prog = drgn.Program()
    try:
        prog.set_core_dump(str(vmcore))
    except (OSError, ValueError, drgn.FaultError) as exc:
        raise VmcoreError(str(vmcore), f"drgn cannot read it as a core dump: {exc}") from exc
    if not prog.flags & drgn.ProgramFlags.IS_LINUX_KERNEL:
        raise VmcoreError(
            str(vmcore),
            "no VMCOREINFO note: not a Linux kernel core "
            "(QEMU needs -device vmcoreinfo and the guest qemu_fw_cfg)",
        )
    try:
        prog.load_debug_info([str(vmlinux), *map(str, modules)])
    except drgn.MissingDebugInfoError:
        pass  # modules without a .ko here (stock Debian modules): their frames stay bare
    except (OSError, ValueError) as exc:
        raise VmcoreError(str(vmlinux), f"drgn cannot load debug info: {exc}") from exc
    main = prog.main_module()
    if main is None or main.debug_file_path is None:
        build_id = main.build_id.hex() if main is not None and main.build_id else "unknown"
        raise VmcoreError(
            str(vmlinux),
            f"does not match the vmcore or has no DWARF (the core's kernel "
            f"build ID is {build_id}; use the -dbg vmlinux of that exact build)",
        )
    _add_module_kallsyms(prog)
    used = [
        m.debug_file_path
        for m in prog.modules()
        if not isinstance(m, drgn.MainModule) and m.debug_file_path is not None
    ]
    return prog, used


def _add_module_kallsyms(prog: drgn.Program) -> None:
    """Name module code without a ``.ko`` from each ``struct module``'s own kallsyms
    (``mod->core_kallsyms``), as crash does: tried after the ELF symbols, so a module
    with debug info keeps its DWARF-era names and sizes."""
    from drgn.helpers.linux.kallsyms import load_module_kallsyms

    try:
        index = load_module_kallsyms(prog)
    except (LookupError, ValueError, _import_drgn().FaultError):
        return  # no module list in this core (or a layout drgn does not know): ELF only
    prog.register_symbol_finder("hotfence_module_kallsyms", index, enable_index=-1)


# -- crash's first commands ------------------------------------------------------------


def read_log(prog: drgn.Program) -> list[str]:
    """The kernel log from the printk ringbuffer (``prb``), one line per line, each with
    its ``[seconds.micros]`` stamp, as ``crash> log`` and ``dmesg`` print it."""
    from drgn.helpers.linux.printk import get_printk_records

    out: list[str] = []
    for rec in get_printk_records(prog):
        sec, nsec = divmod(rec.timestamp, 1_000_000_000)
        stamp = f"[{sec:5d}.{nsec // 1000:06d}]"
        for line in rec.text.decode(errors="replace").split("\n"):
            out.append(f"{stamp} {line}")
    return out


def panic_info(prog: drgn.Program) -> tuple[str | None, int | None, str]:
    """(panic message, panicking CPU, taint string): the log line drgn's ``panic_message``
    ranks first (``Kernel panic - ...``, then the fault line), ``panic_cpu`` (-1 while
    no CPU panicked) and the ``tainted_mask`` flags as ``print_tainted`` shows them."""
    from drgn.helpers.linux.panic import panic_message, tainted

    msg = panic_message(prog)
    cpu = prog["panic_cpu"].counter.value_()
    return (
        msg.decode(errors="replace") if msg is not None else None,
        cpu if cpu >= 0 else None,
        tainted(prog).strip(),
    )


def crashed_task(prog: drgn.Program) -> drgn.Object | None:
    """The ``struct task_struct *`` that crashed (from the core's PRSTATUS notes)."""
    try:
        return prog.crashed_thread().object
    except (ValueError, LookupError):
        return None


def _module_of(prog: drgn.Program, address: int) -> str | None:
    """The name of the loadable module whose memory holds ``address`` (None: vmlinux)."""
    drgn = _import_drgn()
    try:
        mod = prog.module(address)
    except LookupError:
        return None
    return None if isinstance(mod, drgn.MainModule) else mod.name


# Where panic() leaves the CPU after printing: its spin loop waits with mdelay().
PANIC_LOOP = frozenset({"delay_tsc", "delay_loop", "delay_halt", "__const_udelay", "__udelay"})


def crashed_trace(prog: drgn.Program) -> list[drgn.StackFrame]:
    """The crashed thread's drgn frames, down to the first user-space frame (past it,
    drgn unwinds user memory with kernel rules: garbage)."""
    out = []
    for frame in prog.crashed_thread().stack_trace():
        out.append(frame)
        if frame.pc < KERNEL_SPACE:
            break
    return out


def read_stack(prog: drgn.Program, trace: list[drgn.StackFrame]) -> list[StackEntry]:
    """The crashed thread's stack with ``file:line:column`` and inline frames (``bt -l``).

    drgn unwinds with the DWARF CFI (and ORC for assembly), through exception frames:
    an ``interrupted`` entry's registers were saved by an interrupt or fault, so its
    ``pc`` is the faulting instruction itself, not a return address. A frame is named
    by the ELF symbol holding its PC (``out_of_memory.cold``, ``foo.constprop.0``: the
    split-off part of a function the kernel log names too); inline frames keep DWARF's.
    """
    out: list[StackEntry] = []
    for i, frame in enumerate(trace):
        pc = frame.pc
        user = pc < KERNEL_SPACE
        entry = StackEntry(
            index=i,
            function="?" if user else (frame.name or "?"),
            pc=pc,
            sp=frame.sp,
            inline=frame.is_inline,
            interrupted=frame.interrupted,
            user=user,
            slot=frame.sp if frame.interrupted else frame.sp - 8,
        )
        if frame.interrupted and not frame.is_inline:
            entry.registers = {k: v for k, v in frame.registers().items() if k in PT_REGS}
        if not user:
            entry.module = _module_of(prog, pc)
            try:
                sym = frame.symbol()
                entry.offset = pc - sym.address
                if not frame.is_inline and sym.name:
                    entry.function = sym.name
            except LookupError:
                pass
            try:
                entry.file, entry.line, col = frame.source()
                entry.column = col or None
            except LookupError:  # assembly without line info, or no DWARF (stock modules)
                pass
        out.append(entry)
    _mark_panic_loop(out)
    return out


# The registers of struct pt_regs, in the order crash prints an exception frame.
PT_REGS = (
    "rip", "rsp", "rflags", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cs", "ss",
)  # fmt: skip


def _mark_panic_loop(stack: list[StackEntry]) -> None:
    """Flag the frames above ``panic`` when they are its wait loop (the CPU stopped
    there by the dump), so renderers can fold them."""
    names = [e.function for e in stack]
    if "panic" not in names:
        return
    top = names.index("panic")
    loop = stack[:top]
    if loop and all(e.function in PANIC_LOOP or e.inline for e in loop):
        for e in loop:
            e.panic_loop = True


# Functions on the path from a fault to the panic it caused: an exception frame below
# one of them is the crash itself (an oops, a watchdog's interrupt), not an ordinary
# page fault that the crashing code path happened to take.
FATAL_PATH = frozenset({"oops_end", "die", "die_addr", "watchdog_timer_fn", "nmi_panic"})


@dataclass
class CrashSite:
    """Where the crash happened: the faulting PC of the exception frame that led to the
    panic, or, for a plain ``panic()``, the return address in its caller."""

    index: int  # in the stack
    pc: int
    return_address: bool  # pc is a return address: the call before it is the site


def crash_site(stack: list[StackEntry]) -> CrashSite | None:
    """The crash site (see :class:`CrashSite`). An exception frame counts only when the
    frames above it include the fatal path (``oops_end``...): the OOM panic, say, is
    reached from an ordinary user page fault whose frame is not the crash."""
    kernel = [e for e in stack if not e.user]
    if not kernel:
        return None
    seen: set[str] = set()
    for e in kernel:
        # the top PC (and its inline chain) is where the CPU stopped, not a fault
        if e.pc != kernel[0].pc and e.interrupted and not e.inline and seen & FATAL_PATH:
            return CrashSite(e.index, e.pc, return_address=False)
        seen.add(e.function.split(".")[0])
    names = [e.function for e in kernel]
    if "panic" in names:
        below = [e for e in kernel[names.index("panic") + 1 :] if not e.inline]
        if below:
            return CrashSite(below[0].index, below[0].pc, return_address=True)
    top = kernel[0]
    return CrashSite(top.index, top.pc, return_address=False)


def crash_pc(stack: list[StackEntry]) -> int | None:
    """The PC :func:`crash_site` picks (None: no kernel frame)."""
    site = crash_site(stack)
    return site.pc if site is not None else None


def _source_of(prog: drgn.Program, address: int) -> tuple[str | None, int | None]:
    try:
        locs = prog.source_location(address)
    except LookupError:
        return None, None
    if not locs:
        return None, None
    return locs[0].filename, locs[0].line


_IMMEDIATE_TARGET = re.compile(r"^(0x[0-9a-f]+)$")
_RIP_RELATIVE = re.compile(r"\[rip ([+-]) (0x[0-9a-f]+|\d+)\]")


def _symbolic(prog: drgn.Program, address: int) -> str | None:
    """``<name+off>`` for an address in the core's symbols, as crash's ``dis`` shows it."""
    try:
        sym = prog.symbol(address)
    except LookupError:
        return None
    off = address - sym.address
    return f"<{sym.name}+{off:#x}>" if off else f"<{sym.name}>"


def symbolic_operands(prog: drgn.Program, mnemonic: str, ops: str, next_address: int) -> str:
    """Capstone's operands with symbols: a branch target ``0xffff... <hotfence_crash_pad>``,
    a RIP-relative operand followed by ``# 0xffff... <hotfence_null_obj>``."""
    if mnemonic.startswith(("call", "j")) and _IMMEDIATE_TARGET.match(ops):
        name = _symbolic(prog, int(ops, 16))
        return f"{ops} {name}" if name else ops
    m = _RIP_RELATIVE.search(ops)
    if m:
        disp = int(m.group(2), 0)
        target = next_address + (disp if m.group(1) == "+" else -disp)
        name = _symbolic(prog, target)
        return f"{ops}  # {target:#x}" + (f" {name}" if name else "")
    return ops


def disassemble_at(
    prog: drgn.Program, pc: int, return_address: bool = False
) -> VmcoreDisassembly | None:
    """The function containing ``pc`` from its text in the core, like ``dis -rl``: from
    the function's start up to ``pc`` (then a few more), each instruction with its
    innermost ``file:line`` and symbolic branch targets. Capstone decodes; drgn maps
    addresses to source and symbols. With ``return_address``, ``pc`` follows a call:
    the call instruction is the one marked."""
    drgn = _import_drgn()
    try:
        sym = prog.symbol(pc - 1 if return_address else pc)
    except LookupError:
        return None
    try:
        data = prog.read(sym.address, sym.size)
    except drgn.FaultError:
        return None
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    lines: list[DisasmLine] = []
    after = 0
    for addr, size, mnem, ops in md.disasm_lite(data, sym.address):
        marked = addr + size == pc if return_address else addr == pc
        if addr > pc or (return_address and addr == pc):
            after += 1
            if after > DIS_AFTER:
                break
        file, line = _source_of(prog, addr)
        off = addr - sym.address
        lines.append(
            DisasmLine(
                address=addr,
                offset=off,
                hex=data[off : off + size].hex(" "),
                text=f"{mnem} {symbolic_operands(prog, mnem, ops, addr + size)}".strip(),
                file=file,
                line=line,
                is_pc=marked,
            )
        )
    pc_index = next((i for i, ln in enumerate(lines) if ln.is_pc), len(lines))
    skipped = max(0, pc_index - DIS_MAX_BEFORE)
    return VmcoreDisassembly(
        function=sym.name,
        module=_module_of(prog, pc),
        start=sym.address,
        size=sym.size,
        pc=pc,
        lines=lines[skipped:],
        skipped=skipped,
        return_address=return_address,
    )


# -- structured reports -------------------------------------------------------------------


def symbolize_frame(prog: drgn.Program, frame: Frame, is_rip: bool = False) -> Frame:
    """Give a log frame (``func+0xoff/0xsize [module]``) its address in this core and the
    inline chain at it: drgn knows each symbol's loaded address, modules included."""
    if not frame.function or frame.offset is None:
        return frame
    try:
        syms = prog.symbols(frame.function)
    except LookupError:
        syms = []
    if frame.module:
        syms = [s for s in syms if _module_of(prog, s.address) == frame.module.replace("-", "_")]
    if frame.size is not None:
        syms = [s for s in syms if s.size == frame.size] or syms
    if not syms:
        return frame
    addr = syms[0].address + frame.offset
    frame.address = addr
    try:
        locs = prog.source_location(addr if is_rip else addr - 1)
    except LookupError:
        return frame
    chain = [
        SourceLocation(
            function=loc.name() or "??", file=loc.filename, line=loc.line, inlined=i < len(locs) - 1
        )
        for i, loc in enumerate(locs)
    ]
    if chain:
        frame.locations = chain
        if frame.file is None:
            frame.file, frame.line = chain[-1].file, chain[-1].line
    return frame


def log_reports(
    prog: drgn.Program, log: list[str], catalog: KnownBugMatcher | None = None
) -> list[Report]:
    """The log through the ordinary triage, every frame symbolised through drgn."""
    reports = parse_log("\n".join(log) + "\n")
    for rep in reports:
        enrich(rep, None, catalog)
        if rep.rip is not None:
            symbolize_frame(prog, rep.rip, is_rip=True)
        for f in rep.frames:
            symbolize_frame(prog, f)
        if rep.guilty_file is None:
            rep.guilty_file = guilty_file(frame_files(rep.rip, rep.frames))
    return reports


@dataclass
class Session:
    """An open vmcore and the drgn objects a report was built from (for the shell)."""

    prog: drgn.Program
    report: VmcoreReport
    task: drgn.Object | None
    frames: list[drgn.StackFrame]
    regs: dict[str, int] | None
    objects: dict[str, drgn.Object]


def open_session(
    vmcore: str | os.PathLike[str],
    vmlinux: str | os.PathLike[str],
    modules_dir: str | os.PathLike[str] | None = None,
    catalog: KnownBugMatcher | None = None,
) -> Session:
    """Open the vmcore and read everything :class:`VmcoreReport` holds."""
    core, vml = Path(vmcore), Path(vmlinux)
    prog, used = open_vmcore(
        core, vml, find_module_files(core, Path(modules_dir) if modules_dir else None)
    )
    release = prog["init_uts_ns"].name.release.string_().decode(errors="replace")
    message, cpu, taint = panic_info(prog)
    task = crashed_task(prog)
    log = read_log(prog)
    trace = crashed_trace(prog) if task is not None else []
    stack = read_stack(prog, trace)
    site = crash_site(stack)
    dis = disassemble_at(prog, site.pc, site.return_address) if site is not None else None
    objects: list[CrashObject] = []
    by_kind: dict[str, drgn.Object] = {}
    regs = None
    npointer = None
    if site is not None:
        objects, by_kind = read_objects(trace, site.index)
        regs = stack[site.index].registers
        if regs is not None and dis is not None and not site.return_address:
            npointer = null_pointer(prog, dis.start, site.pc, regs, by_kind)
    tasks_obj = all_tasks(prog)
    tasks = read_tasks(prog, tasks_obj, task)
    stacks = task_stacks(prog, tasks_obj)
    offset = wall_offset_ns(prog)
    slab_objects = [i for o in objects if (i := slab_info(prog, o.address)) is not None]
    unavailable: dict[str, str] = {}
    report = VmcoreReport(
        vmcore=str(core), vmlinux=str(vml), modules=used, kernel_release=release,
        panic_message=message, panic_cpu=cpu,
        crashed_pid=task.pid.value_() if task is not None else None,
        crashed_comm=task.comm.string_().decode(errors="replace") if task is not None else None,
        taint=taint, log=log, stack=stack, disassembly=dis,
        boot_time=_iso(offset) if offset is not None else None, wall_offset_ns=offset,
        objects=objects, null_pointer=npointer,
        stack_groups=group_stacks(tasks, stacks),
        netns=_optional(unavailable, "netns", read_netns, prog, stacks, tasks, task),
        tasks=tasks, memory=_optional(unavailable, "memory", read_memory, prog),
        slabs=_optional(unavailable, "slabs", read_slabs, prog) or [], slab_objects=slab_objects,
        modules_loaded=_optional(unavailable, "modules_loaded", read_modules, prog) or [],
        unavailable=unavailable, reports=log_reports(prog, log, catalog),
    )  # fmt: skip
    return Session(prog, report, task, trace, regs, by_kind)


def _optional(
    unavailable: dict[str, str], section: str, reader: Callable[..., T], *args: Any
) -> T | None:
    """``reader(*args)``, or None with the reason in ``unavailable[section]`` when this
    kernel lacks what the section reads (a symbol, a member: another version or config);
    the rest of the report does not depend on it."""
    drgn = _import_drgn()
    try:
        return reader(*args)
    except (LookupError, AttributeError, ValueError, drgn.FaultError) as exc:
        unavailable[section] = f"{type(exc).__name__}: {exc}"
        return None


def _iso(ns: int) -> str:
    import datetime

    t = datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.UTC)
    return t.isoformat(timespec="microseconds")


def analyze_vmcore(
    vmcore: str | os.PathLike[str],
    vmlinux: str | os.PathLike[str],
    modules_dir: str | os.PathLike[str] | None = None,
    catalog: KnownBugMatcher | None = None,
) -> VmcoreReport:
    """Open the vmcore and read everything :class:`VmcoreReport` holds."""
    return open_session(vmcore, vmlinux, modules_dir, catalog).report
