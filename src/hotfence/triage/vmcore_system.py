"""The machine's state in a vmcore beyond the crashed stack: tasks, memory, namespaces.

Each reader follows one of crash's commands, through drgn's helpers:

=========================  ==============  ==========================================
reader                     crash command   drgn helpers / kernel objects
=========================  ==============  ==========================================
``read_tasks``             ``ps``          ``for_each_task``, ``task_rss``, ``mm``
``group_stacks``           ``foreach bt``  ``prog.stack_trace(task)`` per task
``read_memory``            ``kmem -i``     ``vmstat``, ``vm_committed_as``, bdev inodes
``read_slabs``             ``kmem -s``     ``for_each_slab_cache``, ``slab_cache_usage``
``slab_info``              ``kmem ADDR``   ``slab_object_info``
``read_netns``             ``net -n``      ``for_each_net``, ``cleanup_list``, frames
``task_sockets``           ``net -s``      ``for_each_file``, ``SOCKET_I``
``read_modules``           ``mod``         ``for_each_module``
``wall_offset``            ``log -T``      ``offs_real`` (timekeeper)
=========================  ==============  ==========================================
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import drgn

# Frames that say only "this task is asleep": a group is named after the first other one.
SCHED = frozenset({
    "__schedule", "schedule", "schedule_timeout", "schedule_hrtimeout_range_clock",
    "schedule_hrtimeout_range", "schedule_preempt_disabled", "io_schedule", "context_switch",
    "__switch_to", "__switch_to_asm", "do_wait_for_common", "__wait_for_common",
    "wait_for_completion", "wait_for_common", "rwsem_down_read_slowpath",
    "rwsem_down_write_slowpath", "__mutex_lock", "__mutex_lock_slowpath",
    "__preempt_count_add", "__preempt_count_sub", "delay_tsc", "__const_udelay",
})  # fmt: skip
# The crashing task's way from a fault to panic(): a summary starts below them, where
# the crash happened.
CRASHING = frozenset({
    "panic", "oops_end", "die", "die_addr", "page_fault_oops", "kernelmode_fixup_or_oops",
    "handle_page_fault", "exc_page_fault", "asm_exc_page_fault", "do_trap", "do_error_trap",
    "handle_bug", "exc_invalid_op", "asm_exc_invalid_op", "exc_general_protection",
    "asm_exc_general_protection",
})  # fmt: skip
TOP_SLABS = 12


@dataclass
class TaskEntry:
    """One task as ``ps`` prints it; ``active``: running on ``cpu`` at the crash."""

    pid: int
    ppid: int
    cpu: int
    state: str  # task_state_to_char: R S D T t X Z P I
    comm: str
    address: int = 0  # struct task_struct *
    vsz_kb: int = 0  # mm->total_vm, as ps VSZ (0 for kernel threads)
    rss_kb: int = 0  # file + anon + shmem resident pages
    active: bool = False
    crashed: bool = False


@dataclass
class StackGroup:
    """Tasks whose kernel stacks are identical (function names, inline ones included)."""

    count: int
    functions: list[str]  # innermost first
    pids: list[int]
    comms: list[str]  # distinct, in pid order
    states: list[str]  # distinct
    crashed: bool = False  # the crashed task is one of them

    @property
    def summary(self) -> str:
        """``hotfence_crash_netns_init ← ops_init ← setup_net ← copy_net_ns ← …``: from
        the first frame that is not scheduling, waiting or on the way from a fault to
        panic(), six deep, then the syscall if any."""
        core = [f for f in self.functions if f not in SCHED and f not in CRASHING]
        core = core or self.functions[:1]
        shown = core[:6]
        syscall = next((f for f in self.functions if f.startswith("__x64_sys_")), None)
        if syscall and syscall not in shown:
            shown += ["…", syscall]
        elif len(core) > 6:
            shown.append("…")
        return " ← ".join(shown)


@dataclass
class MemorySummary:
    """``kmem -i``: page counts from the kernel's global counters (4 KiB pages on x86-64)."""

    page_size: int
    present_pages: int  # sum of node_present_pages: physical RAM without holes
    total_pages: int  # totalram_pages(): RAM the page allocator manages (present - reserved)
    free_pages: int  # vm_zone_stat[NR_FREE_PAGES]
    used_pages: int  # total - free
    shared_pages: int  # vm_node_stat[NR_SHMEM]
    buffers_pages: int  # block-device page cache (nr_blockdev_pages)
    cached_pages: int  # vm_node_stat[NR_FILE_PAGES] - swap cache - buffers
    slab_pages: int  # reclaimable + unreclaimable slab
    total_huge_pages: int
    total_swap_pages: int
    free_swap_pages: int
    committed_pages: int  # vm_committed_as: address space promised to processes
    commit_limit_pages: int  # overcommit limit (vm_commit_limit)

    def bytes(self, pages: int) -> int:
        return pages * self.page_size


@dataclass
class SlabCache:
    """One slab cache, as ``kmem -s`` prints it."""

    name: str
    address: int
    object_size: int
    slab_size: int  # bytes per slab (pages per slab * page size)
    active_objs: int
    total_objs: int
    slabs: int

    @property
    def total_bytes(self) -> int:
        return self.slabs * self.slab_size


@dataclass
class SlabInfo:
    """``kmem ADDR`` for a slab address: its cache, object and whether it is in use."""

    address: int
    cache: str | None
    object_address: int
    allocated: bool | None  # None: the allocator cannot tell


@dataclass
class SocketEntry:
    """A socket among a task's open files."""

    fd: int
    address: int  # struct socket *
    sk: int
    family: str | int
    type: str | int
    protocol: int
    netns_inum: int


@dataclass
class NetNamespace:
    """One network namespace and what it is doing."""

    address: int
    inum: int
    refcount: int
    state: str  # "listed" (in net_namespace_list), "setting up", "cleanup"
    tasks: list[int] = field(default_factory=list)  # pids whose stacks hold it


@dataclass
class NetnsSummary:
    """``net_namespace_list``, ``cleanup_list`` and namespaces being set up in stacks."""

    count: int  # in net_namespace_list
    setting_up: int
    cleaning_up: int
    namespaces: list[NetNamespace] = field(default_factory=list)
    crashed_task_netns: int | None = None  # inum of the crashed task's namespace
    crashed_task_sockets: list[SocketEntry] = field(default_factory=list)


@dataclass
class ModuleEntry:
    """A loaded module (``mod``)."""

    name: str
    address: int  # struct module *
    base: int  # start of its core text
    size: int
    debuginfo: str | None  # the .ko drgn loaded for it


# -- ps and stacks -----------------------------------------------------------------------


def all_tasks(prog: drgn.Program) -> list[drgn.Object]:
    """Each CPU's idle task (pid 0), then every thread of ``init_task.tasks``."""
    from drgn.helpers.linux.cpumask import for_each_online_cpu
    from drgn.helpers.linux.pid import for_each_task
    from drgn.helpers.linux.sched import idle_task

    return [idle_task(prog, cpu) for cpu in for_each_online_cpu(prog)] + list(for_each_task(prog))


def read_tasks(
    prog: drgn.Program, tasks: list[drgn.Object], crashed: drgn.Object | None
) -> list[TaskEntry]:
    """Every task (``ps``): ``active`` marks ``cpu_curr``; VSZ and RSS in KiB."""
    from drgn.helpers.linux.cpumask import for_each_online_cpu
    from drgn.helpers.linux.mm import task_rss
    from drgn.helpers.linux.sched import cpu_curr, task_cpu, task_state_to_char

    current = {cpu_curr(prog, cpu).value_() for cpu in for_each_online_cpu(prog)}
    crashed_addr = crashed.value_() if crashed is not None else None
    kb = prog["PAGE_SIZE"].value_() // 1024 if _has(prog, "PAGE_SIZE") else 4
    out = []
    for task in tasks:
        mm = task.mm.read_()
        vsz = mm.total_vm.value_() * kb if mm else 0
        rss = task_rss(prog, task).total * kb if mm else 0
        out.append(TaskEntry(
            pid=task.pid.value_(), ppid=task.real_parent.pid.value_(), cpu=task_cpu(task),
            state=task_state_to_char(task), comm=task.comm.string_().decode(errors="replace"),
            address=task.value_(), vsz_kb=vsz, rss_kb=rss,
            active=task.value_() in current, crashed=task.value_() == crashed_addr,
        ))  # fmt: skip
    return out


def task_stacks(prog: drgn.Program, tasks: list[drgn.Object]) -> dict[int, list[drgn.StackFrame]]:
    """Each task's kernel frames (by task address); a task drgn cannot unwind is left out."""
    import drgn

    out = {}
    for task in tasks:
        try:
            frames = [f for f in prog.stack_trace(task) if f.pc >= 0xFFFF_8000_0000_0000]
        except (ValueError, LookupError, drgn.FaultError):
            continue
        out[task.value_()] = frames
    return out


def group_stacks(
    tasks: list[TaskEntry], stacks: dict[int, list[drgn.StackFrame]]
) -> list[StackGroup]:
    """Tasks grouped by identical stacks, largest group first (``foreach bt``, folded)."""
    groups: dict[tuple[str, ...], list[TaskEntry]] = defaultdict(list)
    for t in tasks:
        frames = stacks.get(t.address)
        if not frames:
            continue
        key = tuple(f.name or f"{f.pc:#x}" for f in frames)
        groups[key].append(t)
    out = []
    for key, members in groups.items():
        members.sort(key=lambda t: t.pid)
        out.append(StackGroup(
            count=len(members), functions=list(key), pids=[t.pid for t in members],
            comms=list(dict.fromkeys(t.comm for t in members)),
            states=list(dict.fromkeys(t.state for t in members)),
            crashed=any(t.crashed for t in members),
        ))  # fmt: skip
    out.sort(key=lambda g: (-g.count, not g.crashed, g.pids[0]))
    return out


# -- memory ------------------------------------------------------------------------------


def _has(prog: drgn.Program, name: str) -> bool:
    try:
        prog[name]
    except KeyError:
        return False
    return True


def _blockdev_pages(prog: drgn.Program) -> int:
    """nr_blockdev_pages(): the page cache of the block devices' inodes (BUFFERS)."""
    from drgn.helpers.linux.list import list_for_each_entry

    sb = prog["blockdev_superblock"]
    return sum(
        inode.i_mapping.nrpages.value_()
        for inode in list_for_each_entry("struct inode", sb.s_inodes.address_of_(), "i_sb_list")
    )


def read_memory(prog: drgn.Program) -> MemorySummary:
    """``kmem -i`` from the global counters: ``_totalram_pages``, ``vm_zone_stat`` (free),
    ``vm_node_stat`` (shmem, file pages, slab), hugetlb ``hstates``, swap, the block
    devices' page cache, ``vm_committed_as`` and each online node's ``node_present_pages``."""
    from drgn.helpers.linux.hugetlb import hugetlb_total_pages
    from drgn.helpers.linux.mm import totalram_pages
    from drgn.helpers.linux.mmzone import for_each_online_pgdat
    from drgn.helpers.linux.percpu import percpu_counter_sum_positive
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
    buffers = _blockdev_pages(prog)
    # vm_commit_limit(): (totalram - hugetlb) * overcommit_ratio% + swap
    ratio = prog["sysctl_overcommit_ratio"].value_()
    limit = (total - hugetlb_total_pages(prog)) * ratio // 100 + swap_total
    return MemorySummary(
        page_size=page_size, present_pages=present, total_pages=total, free_pages=free, used_pages=total - free,
        shared_pages=node("NR_SHMEM"), buffers_pages=buffers,
        cached_pages=node("NR_FILE_PAGES") - total_swapcache_pages(prog) - buffers,
        slab_pages=slab, total_huge_pages=hugetlb_total_pages(prog),
        total_swap_pages=swap_total, free_swap_pages=swap_free,
        committed_pages=percpu_counter_sum_positive(prog["vm_committed_as"].address_of_()),
        commit_limit_pages=limit,
    )  # fmt: skip


def read_slabs(prog: drgn.Program, top: int = TOP_SLABS) -> list[SlabCache]:
    """The ``top`` slab caches by bytes of slabs (``kmem -s``, sorted)."""
    from drgn.helpers.linux.slab import (
        for_each_slab_cache,
        slab_cache_pages_per_slab,
        slab_cache_usage,
    )

    page = prog["PAGE_SIZE"].value_() if _has(prog, "PAGE_SIZE") else 4096
    out = []
    for cache in for_each_slab_cache(prog):
        usage = slab_cache_usage(cache)
        out.append(SlabCache(
            name=cache.name.string_().decode(errors="replace"), address=cache.value_(),
            object_size=cache.object_size.value_(),
            slab_size=slab_cache_pages_per_slab(cache) * page,
            active_objs=usage.active_objs, total_objs=usage.num_objs, slabs=usage.num_slabs,
        ))  # fmt: skip
    out.sort(key=lambda c: -c.total_bytes)
    return out[:top]


def slab_info(prog: drgn.Program, address: int) -> SlabInfo | None:
    """``kmem ADDR`` for a slab address (None: not slab memory)."""
    import drgn
    from drgn.helpers.linux.slab import slab_object_info

    try:
        info = slab_object_info(prog, address)
    except (ValueError, drgn.FaultError):
        return None
    if info is None:
        return None
    cache = info.slab_cache
    return SlabInfo(
        address=address,
        cache=cache.name.string_().decode(errors="replace") if cache else None,
        object_address=info.address,
        allocated=info.allocated,
    )


@dataclass
class AddressInfo:
    """``kmem ADDR``: what an address is, from the most to the least specific."""

    address: int
    kind: str  # "slab", "symbol", "page" (direct map), "vmalloc", "unknown"
    symbol: str | None = None  # kernel or module symbol holding it (name+off)
    slab: SlabInfo | None = None
    page: int | None = None  # struct page *
    pfn: int | None = None
    page_flags: str | None = None  # decoded page flags (PG_slab|PG_head...)


def address_info(prog: drgn.Program, address: int) -> AddressInfo:
    """``kmem ADDR`` (crash): the slab cache and object holding ``address`` and whether
    it is allocated; else the symbol; else the page (direct map or vmalloc) and its flags."""
    import drgn
    from drgn.helpers.linux.mm import (
        decode_page_flags,
        in_direct_map,
        page_to_pfn,
        virt_to_page,
        vmalloc_to_page,
    )

    info = AddressInfo(address=address, kind="unknown")
    try:
        sym = prog.symbol(address)
        off = address - sym.address
        info.kind, info.symbol = "symbol", f"{sym.name}+{off:#x}" if off else sym.name
    except LookupError:
        pass
    slab = slab_info(prog, address)
    if slab is not None:
        info.kind, info.slab = "slab", slab
    try:
        if in_direct_map(prog, address):
            page = virt_to_page(prog, address)
            if info.kind == "unknown":
                info.kind = "page"
        else:
            page = vmalloc_to_page(prog, address)
            if info.kind == "unknown":
                info.kind = "vmalloc"
        info.page, info.pfn = page.value_(), page_to_pfn(page).value_()
        info.page_flags = decode_page_flags(page)
    except (drgn.FaultError, ValueError, LookupError):
        if info.kind in ("page", "vmalloc"):
            info.kind = "unknown"
    return info


# -- network namespaces ------------------------------------------------------------------


def _sock_family(sk: drgn.Object) -> tuple[str | int, str | int]:
    from hotfence.triage.vmcore_objects import AF_NAMES, SOCK_TYPES

    fam = sk.__sk_common.skc_family.value_()
    typ = sk.sk_type.value_()
    return AF_NAMES.get(fam, fam), SOCK_TYPES.get(typ, typ)


def task_sockets(prog: drgn.Program, task: drgn.Object) -> list[SocketEntry]:
    """The sockets among ``task``'s open files (``net -s``)."""
    from drgn.helpers.linux.fs import for_each_file
    from drgn.helpers.linux.net import SOCKET_I

    socket_fops = prog["socket_file_ops"].address_of_().value_()
    out = []
    for fd, file in for_each_file(task):
        if file.f_op.value_() != socket_fops:
            continue
        sock = SOCKET_I(file.f_inode)
        sk = sock.sk
        if not sk:
            continue
        fam, typ = _sock_family(sk)
        out.append(SocketEntry(
            fd=fd, address=sock.value_(), sk=sk.value_(), family=fam, type=typ,
            protocol=sk.sk_protocol.value_(), netns_inum=sk.__sk_common.skc_net.net.ns.inum.value_(),
        ))  # fmt: skip
    return out


def read_netns(
    prog: drgn.Program,
    stacks: dict[int, list[drgn.StackFrame]],
    tasks: list[TaskEntry],
    crashed: drgn.Object | None,
) -> NetnsSummary:
    """Listed namespaces (``net_namespace_list``), those queued for cleanup
    (``cleanup_list``, by ``net->cleanup_list``) and those being set up: a ``struct net
    *`` in a ``setup_net`` / ``copy_net_ns`` frame that is not listed yet."""
    import drgn
    from drgn.helpers.linux.llist import llist_for_each_entry
    from drgn.helpers.linux.net import for_each_net

    nets: dict[int, NetNamespace] = {}
    for net in for_each_net(prog):
        nets[net.value_()] = NetNamespace(
            net.value_(), net.ns.inum.value_(), net.ns.count.refs.counter.value_(), "listed"
        )
    listed = len(nets)
    cleaning = 0
    for net in llist_for_each_entry("struct net", prog["cleanup_list"].first, "cleanup_list"):
        cleaning += 1
        nets.setdefault(
            net.value_(),
            NetNamespace(
                net.value_(), net.ns.inum.value_(), net.ns.count.refs.counter.value_(), "cleanup"
            ),
        ).state = "cleanup"
    pid_of = {t.address: t.pid for t in tasks}
    setting_up = 0
    for addr, frames in stacks.items():
        for frame in frames:
            if frame.name not in ("setup_net", "copy_net_ns", "ops_init"):
                continue
            try:
                net = frame["net"]
                if net.absent_ or not net.value_():
                    continue
                key = net.value_()
                if key not in nets:
                    setting_up += 1
                    nets[key] = NetNamespace(
                        key, net.ns.inum.value_(), net.ns.count.refs.counter.value_(), "setting up"
                    )
            except (KeyError, LookupError, drgn.FaultError):
                continue
            if pid_of.get(addr) is not None and pid_of[addr] not in nets[key].tasks:
                nets[key].tasks.append(pid_of[addr])
            break
    summary = NetnsSummary(
        count=listed, setting_up=setting_up, cleaning_up=cleaning, namespaces=list(nets.values())
    )
    if crashed is not None:
        nsproxy = crashed.nsproxy.read_()
        if nsproxy:
            summary.crashed_task_netns = nsproxy.net_ns.ns.inum.value_()
        with contextlib.suppress(LookupError, drgn.FaultError):
            summary.crashed_task_sockets = task_sockets(prog, crashed)
    return summary


# -- modules and clock -------------------------------------------------------------------


def read_modules(prog: drgn.Program) -> list[ModuleEntry]:
    """The loaded modules (``mod``), in load order, with the debug file drgn matched."""
    import drgn
    from drgn.helpers.linux.module import for_each_module, module_address_regions

    debug = {}
    for m in prog.modules():
        if isinstance(m, drgn.RelocatableModule) and m.debug_file_path:
            debug[m.name] = m.debug_file_path
    out = []
    for mod in for_each_module(prog):
        name = mod.name.string_().decode(errors="replace")
        regions = module_address_regions(mod)
        base, size = regions[0] if regions else (0, 0)
        out.append(ModuleEntry(name, mod.value_(), base, size, debug.get(name)))
    return out[::-1]


def wall_offset_ns(prog: drgn.Program) -> int | None:
    """Nanoseconds to add to a printk timestamp for wall-clock time (``log -T``):
    realtime - monotonic (the timekeeper's ``offs_real``)."""
    from drgn.helpers.linux.timekeeping import ktime_get_coarse_ns, ktime_get_coarse_real_ns

    try:
        return int(ktime_get_coarse_real_ns(prog).value_() - ktime_get_coarse_ns(prog).value_())
    except (LookupError, AttributeError):
        return None


def as_dict(obj: Any) -> Any:
    """dataclasses.asdict, plus StackGroup's summary."""
    import dataclasses

    d = dataclasses.asdict(obj)
    if isinstance(obj, StackGroup):
        d["summary"] = obj.summary
    return d
