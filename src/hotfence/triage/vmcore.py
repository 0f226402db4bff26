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
``read_tasks``         ``ps``          ``init_task.tasks``, per-CPU ``runqueues``
``read_memory``        ``kmem -i``     ``_totalram_pages``, ``vm_zone_stat``,
                                       ``vm_node_stat``, ``total_swap_pages``
=====================  ==============  ==============================================

The log then goes through the ordinary log triage (``parse_log`` + ``enrich``), and
every frame of the resulting reports is symbolised through drgn, which knows where
each module was loaded in this very core (no ``func+off`` guessing against a ``.ko``).
drgn is an optional dependency (``pip install 'hotfence[vmcore]'``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import capstone

from hotfence.triage.analyze import KnownBugMatcher, enrich
from hotfence.triage.guilty import frame_files, guilty_file
from hotfence.triage.model import Frame, Report, SourceLocation
from hotfence.triage.parser import parse_log

if TYPE_CHECKING:
    import drgn


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


@dataclass
class TaskEntry:
    """One task as ``ps`` prints it; ``active``: running on ``cpu`` at the crash."""

    pid: int
    ppid: int
    cpu: int
    state: str  # task_state_to_char: R S D T t X Z P I
    comm: str
    active: bool = False
    crashed: bool = False


@dataclass
class MemorySummary:
    """``kmem -i``: page counts from the kernel's global counters (4 KiB pages on x86-64)."""

    page_size: int
    present_pages: int  # sum of node_present_pages: physical RAM without holes
    total_pages: int  # totalram_pages(): RAM the page allocator manages (present - reserved)
    free_pages: int  # vm_zone_stat[NR_FREE_PAGES]
    used_pages: int  # total - free
    shared_pages: int  # vm_node_stat[NR_SHMEM]
    cached_pages: int  # vm_node_stat[NR_FILE_PAGES] - swap cache
    slab_pages: int  # reclaimable + unreclaimable slab
    total_huge_pages: int
    total_swap_pages: int
    free_swap_pages: int

    def bytes(self, pages: int) -> int:
        return pages * self.page_size


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
    stack: list[StackEntry] = field(default_factory=list)
    disassembly: VmcoreDisassembly | None = None
    tasks: list[TaskEntry] = field(default_factory=list)
    memory: MemorySummary | None = None
    reports: list[Report] = field(default_factory=list)


# -- opening ------------------------------------------------------------------------------


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
                magic = fh.read(4)
        except OSError as exc:
            raise VmcoreError(str(path), f"cannot read the {what}: {exc.strerror}") from exc
        if magic != b"\x7fELF":
            hint = (
                (
                    " (makedumpfile's compressed formats: convert with makedumpfile -E; QEMU: "
                    "dump-guest-memory without a format)"
                )
                if what == "vmcore"
                else ""
            )
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


def read_stack(prog: drgn.Program) -> list[StackEntry]:
    """The crashed thread's stack with ``file:line:column`` and inline frames (``bt -l``).

    drgn unwinds with the DWARF CFI (and ORC for assembly), through exception frames:
    an ``interrupted`` entry's registers were saved by an interrupt or fault, so its
    ``pc`` is the faulting instruction itself, not a return address.
    """
    out: list[StackEntry] = []
    for i, frame in enumerate(prog.crashed_thread().stack_trace()):
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
        )
        if not user:
            entry.module = _module_of(prog, pc)
            try:
                sym = frame.symbol()
                entry.offset = pc - sym.address
                # drgn names a PC without DWARF or symbol "0x..."; the symbol is better
                if not frame.is_inline and sym.name and entry.function.startswith(("?", "0x")):
                    entry.function = sym.name
            except LookupError:
                pass
            try:
                entry.file, entry.line, col = frame.source()
                entry.column = col or None
            except LookupError:  # assembly without line info, or no DWARF (stock modules)
                pass
        out.append(entry)
    return out


def crash_pc(stack: list[StackEntry]) -> int | None:
    """The faulting PC: the first kernel frame interrupted by an exception after the top
    one (the top frame's registers are where the panicking CPU stopped, not the fault);
    with no exception frame (a plain ``panic()``), the top kernel frame's PC."""
    kernel = [e for e in stack if not e.user]
    if not kernel:
        return None
    # The top PC may appear several times (its inline chain); skip all of them.
    for e in kernel:
        if e.pc != kernel[0].pc and e.interrupted and not e.inline:
            return e.pc
    return kernel[0].pc


def _source_of(prog: drgn.Program, address: int) -> tuple[str | None, int | None]:
    try:
        locs = prog.source_location(address)
    except LookupError:
        return None, None
    if not locs:
        return None, None
    return locs[0].filename, locs[0].line


def disassemble_at(prog: drgn.Program, pc: int) -> VmcoreDisassembly | None:
    """The function containing ``pc`` from its text in the core, like ``dis -rl``: from
    the function's start up to ``pc`` (then a few more), each instruction with its
    innermost ``file:line``. Capstone decodes; drgn maps addresses to source."""
    drgn = _import_drgn()
    try:
        sym = prog.symbol(pc)
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
        if addr > pc:
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
                text=f"{mnem} {ops}".strip(),
                file=file,
                line=line,
                is_pc=addr == pc,
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
    )


def read_tasks(prog: drgn.Program) -> list[TaskEntry]:
    """Every task (``ps``): each CPU's idle task (``runqueues.idle``, pid 0), then the
    ``init_task.tasks`` list with every thread; ``active`` marks ``cpu_curr``."""
    from drgn.helpers.linux.cpumask import for_each_online_cpu
    from drgn.helpers.linux.pid import for_each_task
    from drgn.helpers.linux.sched import cpu_curr, idle_task, task_cpu, task_state_to_char

    current = {cpu_curr(prog, cpu).value_() for cpu in for_each_online_cpu(prog)}
    crashed = crashed_task(prog)
    crashed_addr = crashed.value_() if crashed is not None else None
    tasks = [idle_task(prog, cpu) for cpu in for_each_online_cpu(prog)] + list(for_each_task(prog))
    out = []
    for task in tasks:
        out.append(TaskEntry(
            pid=task.pid.value_(), ppid=task.real_parent.pid.value_(), cpu=task_cpu(task),
            state=task_state_to_char(task), comm=task.comm.string_().decode(errors="replace"),
            active=task.value_() in current, crashed=task.value_() == crashed_addr,
        ))  # fmt: skip
    return out


def read_memory(prog: drgn.Program) -> MemorySummary:
    """``kmem -i`` from the global counters: ``_totalram_pages``, ``vm_zone_stat`` (free),
    ``vm_node_stat`` (shmem, file pages, slab), hugetlb ``hstates`` and swap, plus each
    online node's ``node_present_pages`` (the RAM the machine had, before reservations)."""
    from drgn.helpers.linux.hugetlb import hugetlb_total_pages
    from drgn.helpers.linux.mm import totalram_pages
    from drgn.helpers.linux.mmzone import for_each_online_pgdat
    from drgn.helpers.linux.swap import total_swapcache_pages
    from drgn.helpers.linux.vmstat import global_node_page_state, nr_free_pages

    def node(name: str) -> int:
        return global_node_page_state(prog, prog.constant(name))

    page_size = prog["PAGE_SIZE"].value_() if _has(prog, "PAGE_SIZE") else 4096
    total = totalram_pages(prog)
    free = nr_free_pages(prog)
    # Slab counters are kept in bytes since 5.9 (NR_SLAB_*_B) but read back in pages.
    slab = node("NR_SLAB_RECLAIMABLE_B") + node("NR_SLAB_UNRECLAIMABLE_B")
    swap_total = prog["total_swap_pages"].value_()
    swap_free = prog["nr_swap_pages"].counter.value_()
    present = sum(pgdat.node_present_pages.value_() for pgdat in for_each_online_pgdat(prog))
    return MemorySummary(
        page_size=page_size, present_pages=present, total_pages=total, free_pages=free, used_pages=total - free,
        shared_pages=node("NR_SHMEM"), cached_pages=node("NR_FILE_PAGES") - total_swapcache_pages(prog),
        slab_pages=slab, total_huge_pages=hugetlb_total_pages(prog),
        total_swap_pages=swap_total, free_swap_pages=swap_free,
    )  # fmt: skip


def _has(prog: drgn.Program, name: str) -> bool:
    try:
        prog[name]
    except KeyError:
        return False
    return True


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


def analyze_vmcore(
    vmcore: str | os.PathLike,
    vmlinux: str | os.PathLike,
    modules_dir: str | os.PathLike | None = None,
    catalog: KnownBugMatcher | None = None,
) -> VmcoreReport:
    """Open the vmcore and read everything :class:`VmcoreReport` holds."""
    core, vml = Path(vmcore), Path(vmlinux)
    prog, used = open_vmcore(
        core, vml, find_module_files(core, Path(modules_dir) if modules_dir else None)
    )
    release = prog["init_uts_ns"].name.release.string_().decode(errors="replace")
    message, cpu, taint = panic_info(prog)
    task = crashed_task(prog)
    log = read_log(prog)
    stack = read_stack(prog) if task is not None else []
    pc = crash_pc(stack)
    return VmcoreReport(
        vmcore=str(core), vmlinux=str(vml), modules=used, kernel_release=release,
        panic_message=message, panic_cpu=cpu,
        crashed_pid=task.pid.value_() if task is not None else None,
        crashed_comm=task.comm.string_().decode(errors="replace") if task is not None else None,
        taint=taint, log=log, stack=stack,
        disassembly=disassemble_at(prog, pc) if pc is not None else None,
        tasks=read_tasks(prog), memory=read_memory(prog),
        reports=log_reports(prog, log, catalog),
    )  # fmt: skip
