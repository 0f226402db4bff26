"""`hotfence triage --vmcore`: a real crash dump of Debian's 6.1 kernel, read with drgn.

The lab crashes guests and dumps their memory over QMP: null-deref (hotfence_crash.ko
reads through a NULL pointer, ``oops=panic``), oom (panic_on_oom after memory hogs:
split functions, a user page fault on the way to the panic) and netns (namespaces pile
up in a pernet init, the next one crashes in a socket operation). The tests read each
core with Debian's -dbg vmlinux and check every section against what the lab knows:
the panic, the stack in the module with the source line, registers, the objects and
the NULL pointer, grouped stacks, namespaces, the log, the task list, the memory size
the guest was given, and the structured report (tests/lab/expected.yaml).

The core is cached (zstd) under ~/.cache/hotfence/vmcore/<kernel>-<module hash>/, so
a rerun with the same kernel and module build only decompresses it. Without the debug
vmlinux (858 MB download) the guest tests skip, naming the missing artifact, only when
apt cannot fetch it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hotfence.cli import main

LAB = Path(__file__).parent / "lab"
EXPECTED = yaml.safe_load((LAB / "expected.yaml").read_text())["logs"]["null-deref"]
MEMORY_MB = 256
MODULE_FILE = "src/hotfence/lab/module/hotfence_crash.c"  # the module's __FILE__ (prefix-mapped)


@dataclass
class CachedCore:
    vmcore: Path
    log: Path
    module: Path
    vmlinux: Path
    kernel: str
    module_source: str  # the source the cached module was built from
    take_seconds: float
    raw_bytes: int
    compressed_bytes: int


def _compress(src: Path, dst: Path) -> None:
    import zstandard

    tmp = dst.with_suffix(".tmp")
    with src.open("rb") as fin, tmp.open("wb") as fout:
        zstandard.ZstdCompressor(level=3, threads=-1).copy_stream(fin, fout)
    tmp.replace(dst)


def _decompress(src: Path, dst: Path) -> None:
    import zstandard

    with src.open("rb") as fin, dst.open("wb") as fout:
        zstandard.ZstdDecompressor().copy_stream(fin, fout)


def cached_core(kind: str, out: Path) -> CachedCore:
    """A vmcore of the lab crash ``kind`` with its log, module and debug vmlinux, taken
    once per kernel and module build, then decompressed from the cache into ``out``."""
    from hotfence.lab.crashlab import MODULE_NAME, MODULE_SRC, build_module, take_vmcore
    from hotfence.lab.debkernel import (
        GuestKernelError,
        cache_root,
        locked,
        prepare_debug_vmlinux,
        prepare_kernel,
    )

    kernel = prepare_kernel(with_headers=True)
    try:
        vmlinux = prepare_debug_vmlinux(kernel)
    except GuestKernelError as exc:
        if "download" not in str(exc):
            raise  # fetched but unusable: a real failure
        reason = (
            f"debug vmlinux linux-image-{kernel.kver}-dbg absent and apt cannot fetch it: {exc}"
        )
        print(f"\nSKIP vmcore tests: {reason}", file=sys.stderr)
        pytest.skip(reason)
    ko = build_module(kernel)
    key = hashlib.sha256(ko.read_bytes()).hexdigest()[:16]
    cache = cache_root().parent / "vmcore" / f"{kernel.kver}-{key}"
    cache.mkdir(parents=True, exist_ok=True)
    packed, meta_path = cache / f"{kind}.vmcore.zst", cache / f"{kind}.meta.json"
    with locked(cache / f".{kind}.lock"):
        if not (packed.exists() and meta_path.exists()):
            work = out / "take"
            cap = take_vmcore(kind, work, kernel.kver, memory_mb=MEMORY_MB)
            raw = cap.vmcore.stat().st_size
            t0 = time.monotonic()
            _compress(cap.vmcore, packed)
            packing = round(time.monotonic() - t0, 2)
            shutil.copyfile(cap.log, cache / f"{kind}.vmcore.log")
            shutil.copyfile(ko, cache / f"{MODULE_NAME}.ko")
            shutil.copyfile(MODULE_SRC / "hotfence_crash.c", cache / "hotfence_crash.c")
            meta_path.write_text(
                json.dumps(
                    {"take_seconds": cap.seconds, "raw_bytes": raw, "compress_seconds": packing}
                )
            )
            shutil.rmtree(work)
    meta = json.loads(meta_path.read_text())
    t0 = time.monotonic()
    _decompress(packed, out / f"{kind}.vmcore")
    print(
        f"\nvmcore cache {packed}: zstd {meta.get('compress_seconds')} s at capture, "
        f"decompressed in {time.monotonic() - t0:.2f} s",
        file=sys.stderr,
    )
    for name in (f"{kind}.vmcore.log", "hotfence_crash.ko"):
        shutil.copyfile(cache / name, out / name)
    return CachedCore(
        vmcore=out / f"{kind}.vmcore", log=out / f"{kind}.vmcore.log", module=out / "hotfence_crash.ko",
        vmlinux=vmlinux, kernel=kernel.kver, module_source=(cache / "hotfence_crash.c").read_text(),
        take_seconds=meta["take_seconds"], raw_bytes=meta["raw_bytes"], compressed_bytes=packed.stat().st_size,
    )  # fmt: skip


@pytest.fixture(scope="session")
def null_deref_core(tmp_path_factory) -> CachedCore:
    return cached_core("null-deref", tmp_path_factory.mktemp("vmcore"))


@pytest.fixture(scope="session")
def netns_core(tmp_path_factory) -> CachedCore:
    return cached_core("netns", tmp_path_factory.mktemp("vmcore-netns"))


@pytest.fixture(scope="session")
def oom_core(tmp_path_factory) -> CachedCore:
    return cached_core("oom", tmp_path_factory.mktemp("vmcore-oom"))


@pytest.fixture(scope="session")
def analysed(null_deref_core):
    from hotfence.triage.vmcore import analyze_vmcore

    t0 = time.monotonic()
    report = analyze_vmcore(null_deref_core.vmcore, null_deref_core.vmlinux)
    seconds = time.monotonic() - t0
    print(
        f"\nvmcore: take {null_deref_core.take_seconds} s (at capture), analyse {seconds:.2f} s, "
        f"core {null_deref_core.raw_bytes >> 20} MiB raw, {null_deref_core.compressed_bytes / 1e6:.1f} MB zstd",
        file=sys.stderr,
    )
    return report


def _deref_line(source: str) -> int:
    """The line of hotfence_crash_null_deref that dereferences the NULL pointer."""
    lines = source.splitlines()
    start = next(
        i for i, ln in enumerate(lines) if re.search(r"\bhotfence_crash_null_deref\(void\)", ln)
    )
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("}"):
            break
        if "->" in lines[i]:
            return i + 1
    raise AssertionError("no dereference in hotfence_crash_null_deref")


# ------------------------------------------------------------------ with a guest --


@pytest.mark.guest
def test_panic_message_and_crashed_task(null_deref_core, analysed) -> None:
    r = analysed
    assert r.kernel_release == null_deref_core.kernel
    assert r.panic_message == "Kernel panic - not syncing: Fatal exception"
    assert r.panic_cpu == 0
    assert r.crashed_comm == "sh" and r.crashed_pid is not None and r.crashed_pid > 1
    assert r.modules == [str(null_deref_core.module)]  # matched to the loaded module by build ID
    flags = r.taint.replace(" ", "")
    assert "O" in flags and "D" in flags  # out-of-tree module loaded; a task died in an oops


@pytest.mark.guest
def test_stack_reaches_the_faulting_line_in_the_module(null_deref_core, analysed) -> None:
    stack = analysed.stack
    names = [e.function for e in stack]
    assert "panic" in names and "hotfence_crash_null_deref" in names
    fault = stack[names.index("hotfence_crash_null_deref")]
    assert fault.module == "hotfence_crash" and fault.interrupted  # entered through the page fault
    assert (fault.file, fault.line) == (MODULE_FILE, _deref_line(null_deref_core.module_source))
    # below the fault: the write(2) that started it, through procfs, from user space
    below = names[names.index("hotfence_crash_null_deref") :]
    assert "proc_reg_write" in below and "vfs_write" in below
    assert stack[-1].user
    # inline frames share their outer frame's pc, as bt shows them
    for e in stack:
        if e.inline:
            assert stack[e.index + 1].pc == e.pc


@pytest.mark.guest
def test_disassembly_marks_the_faulting_load(null_deref_core, analysed) -> None:
    dis = analysed.disassembly
    assert (
        dis is not None
        and dis.function == "hotfence_crash_null_deref"
        and dis.module == "hotfence_crash"
    )
    pcs = [ln for ln in dis.lines if ln.is_pc]
    assert len(pcs) == 1
    assert re.match(EXPECTED["fault_insn"], pcs[0].text), pcs[0].text
    assert (pcs[0].file, pcs[0].line) == (MODULE_FILE, _deref_line(null_deref_core.module_source))
    assert (
        dis.lines[0].offset == 0 and dis.lines[0].address == dis.start
    )  # from the function's start


@pytest.mark.guest
def test_log_is_the_kernel_log(null_deref_core, analysed) -> None:
    text = "\n".join(analysed.log)
    for needle in EXPECTED["must_contain"]:
        assert needle in text
    assert all(re.match(r"\[ *\d+\.\d{6}\] ", ln) for ln in analysed.log)
    # the same records the serial console printed, minus what came before the kernel
    console = null_deref_core.log.read_text()
    assert "BUG: kernel NULL pointer dereference" in console
    assert analysed.log[-1].endswith("---[ end Kernel panic - not syncing: Fatal exception ]---")


@pytest.mark.guest
def test_ps_lists_init_and_the_crashing_shell(analysed) -> None:
    by_pid = {t.pid: t for t in analysed.tasks}
    assert by_pid[1].comm == "init" and by_pid[0].comm == "swapper/0"
    crashed = [t for t in analysed.tasks if t.crashed]
    assert (
        len(crashed) == 1
        and crashed[0].comm == "sh"
        and crashed[0].active
        and crashed[0].state == "R"
    )
    assert crashed[0].pid == analysed.crashed_pid
    assert by_pid[crashed[0].ppid].comm == "sh"  # the guest's shell ran the crash command
    assert any(t.comm == "kthreadd" and t.ppid == 0 for t in analysed.tasks)


@pytest.mark.guest
def test_kmem_matches_the_guest_memory(analysed) -> None:
    mem = analysed.memory
    assert mem is not None and mem.page_size == 4096
    guest = MEMORY_MB << 20
    assert 0.97 * guest <= mem.bytes(mem.present_pages) <= guest  # -m 256, minus BIOS holes
    assert (
        0.6 * guest <= mem.bytes(mem.total_pages) < mem.bytes(mem.present_pages)
    )  # minus reservations
    assert (
        mem.used_pages == mem.total_pages - mem.free_pages and 0 < mem.free_pages < mem.total_pages
    )
    assert mem.slab_pages > 0 and mem.total_swap_pages == 0


@pytest.mark.guest
def test_structured_report_as_log_triage_with_frames_from_the_core(analysed) -> None:
    rep = analysed.reports[0]
    assert (rep.title, rep.type) == (EXPECTED["title"], EXPECTED["type"])
    assert rep.rip is not None and rep.rip.function == EXPECTED["function"]
    assert rep.rip.file == MODULE_FILE and rep.guilty_file == MODULE_FILE
    assert rep.code is not None
    assert any(
        re.match(EXPECTED["fault_insn"], i.text) for i in rep.code.instructions if i.faulting
    )
    # The log's func+off, resolved in this core, are the very PCs drgn unwound.
    stack_pc = {e.function: e.pc for e in analysed.stack if not e.inline}
    assert rep.rip.address == stack_pc["hotfence_crash_null_deref"]
    reliable = [f for f in rep.frames if not f.unreliable and f.function in stack_pc]
    assert len(reliable) >= 4
    for f in reliable:
        assert f.address == stack_pc[f.function], f.function


@pytest.mark.guest
@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_cli_shows_every_section(null_deref_core, fmt: str) -> None:
    res = CliRunner().invoke(
        main,
        [
            "triage",
            "--no-store",
            "-o",
            fmt,
            "--vmcore",
            str(null_deref_core.vmcore),
            "--vmlinux",
            str(null_deref_core.vmlinux),
        ],
    )
    assert res.exit_code == 0, res.output
    out = res.output
    if fmt == "json":
        doc = json.loads(out)
        vm = doc["vmcore"]
        assert vm["panic_message"] == "Kernel panic - not syncing: Fatal exception"
        assert any(e["function"] == "hotfence_crash_null_deref" for e in vm["stack"])
        assert vm["disassembly"]["function"] == "hotfence_crash_null_deref"
        assert (
            vm["memory"]["total_pages"] > 0
            and any(t["pid"] == 1 for t in vm["tasks"])
            and vm["log"]
        )
        assert doc["files"][0]["reports"][0]["title"] == EXPECTED["title"]
        fault = next(e for e in vm["stack"] if e["function"] == "hotfence_crash_null_deref")
        assert fault["registers"]["rip"] == fault["pc"]
        assert vm["stack_groups"] and all(g["summary"] for g in vm["stack_groups"])
        assert vm["netns"]["count"] >= 1 and vm["slabs"] and vm["modules_loaded"]
        assert vm["memory"]["committed_pages"] > 0 and vm["boot_time"]
        return
    for head in (
        "sys", "bt -l", "dis -rl", "objects", "foreach bt", "net namespaces", "ps", "kmem -i",
        "kmem -s", "mod", "log -T",
    ):  # fmt: skip
        assert (f"## {head}" if fmt == "markdown" else f"crash> {head}") in out
    assert "hotfence_crash_null_deref+0x" in out and "<-- pc" in out and "TOTAL MEM" in out
    assert "<hotfence_crash_pad>" in out and "RIP: " in out and "panic wait loop" in out
    assert "COMMITTED" in out and "BUFFERS" in out
    assert EXPECTED["title"] in out


@pytest.mark.guest
def test_cli_wrong_vmlinux_is_a_clear_error(null_deref_core, tmp_path) -> None:
    from hotfence.lab.debkernel import prepare_kernel

    # the stripped vmlinux the guest boots: same build, but no DWARF
    plain = prepare_kernel(null_deref_core.kernel).vmlinux
    res = CliRunner().invoke(
        main,
        ["triage", "--no-store", "--vmcore", str(null_deref_core.vmcore), "--vmlinux", str(plain)],
    )
    assert res.exit_code == 2
    assert str(plain) in res.output and "DWARF" in res.output


@pytest.mark.guest
def test_modules_from_a_directory_or_none(null_deref_core, tmp_path) -> None:
    """The .ko is found under --modules when it is not next to the core; without it the
    module frames stay bare but the kernel's are still resolved."""
    from hotfence.triage.vmcore import analyze_vmcore

    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "null-deref.vmcore").symlink_to(null_deref_core.vmcore)
    mods = tmp_path / "mods" / "extra"
    mods.mkdir(parents=True)
    shutil.copyfile(null_deref_core.module, mods / "hotfence_crash.ko")

    bare = analyze_vmcore(alone / "null-deref.vmcore", null_deref_core.vmlinux)
    assert bare.modules == []
    fault = next(
        e for e in bare.stack if e.function == "hotfence_crash_null_deref"
    )  # named by kallsyms
    assert fault.module == "hotfence_crash" and fault.file is None
    assert any(e.function == "vfs_write" and e.file == "fs/read_write.c" for e in bare.stack)

    found = analyze_vmcore(alone / "null-deref.vmcore", null_deref_core.vmlinux, tmp_path / "mods")
    assert found.modules == [str(mods / "hotfence_crash.ko")]
    fault = next(e for e in found.stack if e.function == "hotfence_crash_null_deref")
    assert fault.file == MODULE_FILE


@pytest.fixture(scope="session")
def netns_analysed(netns_core):
    from hotfence.triage.vmcore import analyze_vmcore

    return analyze_vmcore(netns_core.vmcore, netns_core.vmlinux)


@pytest.fixture(scope="session")
def oom_analysed(oom_core):
    from hotfence.triage.vmcore import analyze_vmcore

    return analyze_vmcore(oom_core.vmcore, oom_core.vmlinux)


def _log_frames(log: list[str]) -> set[tuple[str, int]]:
    """(function, offset) of every ``func+0xoff/0xsize`` the kernel log printed."""
    out = set()
    for line in log:
        for m in re.finditer(r"\b([A-Za-z_][\w.]*)\+0x([0-9a-f]+)/0x[0-9a-f]+", line):
            out.add((m.group(1), int(m.group(2), 16)))
    return out


@pytest.mark.guest
def test_split_functions_are_named_by_their_symbol(oom_analysed) -> None:
    """out_of_memory.cold, __alloc_pages_slowpath.constprop.0: the name and offset the
    kernel log printed for the same frame, not the DWARF function's."""
    stack = [e for e in oom_analysed.stack if not e.inline and not e.user and not e.panic_loop]
    split = [e for e in stack if "." in e.function]
    assert any(e.function.endswith(".cold") for e in split)
    assert any(".constprop." in e.function or ".isra." in e.function for e in split)
    printed = _log_frames(oom_analysed.log)
    for e in split:
        assert (e.function, e.offset) in printed, (e.function, e.offset)


@pytest.mark.guest
def test_oom_disassembles_the_call_to_panic_not_a_user_fault(oom_analysed) -> None:
    dis = oom_analysed.disassembly
    assert dis is not None and dis.return_address
    caller = next(e for e in oom_analysed.stack if e.function.startswith("out_of_memory"))
    assert dis.function == caller.function and dis.pc == caller.pc
    marked = [ln for ln in dis.lines if ln.is_pc]
    assert len(marked) == 1 and re.match(r"^call 0x[0-9a-f]+ <panic>$", marked[0].text)
    # the user page fault the hog took on its way is in the stack, but not the crash
    assert any(e.interrupted and e.function.startswith("clear_user") for e in oom_analysed.stack)


@pytest.mark.guest
def test_stack_slots_registers_and_panic_loop(analysed) -> None:
    stack = analysed.stack
    panic = stack[[e.function for e in stack].index("panic")]
    assert panic.slot == panic.sp - 8  # where its return address is stored, as crash shows
    loop = [e for e in stack if e.panic_loop]
    assert loop and loop[-1].index == panic.index - 1
    assert any(e.function == "delay_tsc" for e in loop)
    fault = next(e for e in stack if e.function == "hotfence_crash_null_deref")
    regs = fault.registers
    assert regs is not None and regs["rip"] == fault.pc and regs["rsp"] == fault.sp
    assert set(regs) >= {"rax", "rbx", "rdi", "r15", "rflags"}


@pytest.mark.guest
def test_dis_operands_are_symbolic(analysed) -> None:
    dis = analysed.disassembly
    assert dis is not None
    calls = [ln.text for ln in dis.lines if ln.text.startswith("call")]
    assert any(re.match(r"^call 0x[0-9a-f]+ <hotfence_crash_pad>$", c) for c in calls), calls
    # the global the function loads the NULL pointer from, RIP-relative
    assert any("<hotfence_null_obj>" in ln.text for ln in dis.lines)


@pytest.mark.guest
def test_netns_crash_objects(netns_analysed) -> None:
    from hotfence.lab.crashlab import SOCKET_PROTO

    r = netns_analysed
    objs = {o.kind: o for o in r.objects}
    assert set(objs) == {"socket", "sock", "net"}
    socket, sock, net = objs["socket"], objs["sock"], objs["net"]
    assert socket.source.endswith("(sock)") and socket.fields["ops"] == "hotfence_proto_ops"
    assert socket.fields["type"] == "SOCK_DGRAM" and socket.fields["sk"] == sock.address
    assert (sock.fields["family"], sock.fields["protocol"]) == ("AF_INET", SOCKET_PROTO)
    assert sock.fields["kern"] is True and sock.fields["prot"] == "HOTFENCE"
    assert sock.fields["user_data"] == 0 and sock.fields["socket"] == socket.address
    # the namespace being set up: the socket's, not yet in net_namespace_list
    assert net.fields["inum"] == sock.fields["netns_inum"] and net.fields["listed"] is False
    assert r.null_pointer is not None and r.null_pointer.path == "sock->sk->sk_user_data"
    assert r.null_pointer.value == 0 and r.null_pointer.displacement == 8
    from hotfence.triage.vmcore_render import object_lines

    text = "\n".join(object_lines(r))
    assert f"netns_inum={net.fields['inum']}," in text and f"sk={sock.address:#x}," in text
    assert "NULL pointer: sock->sk->sk_user_data = 0x0, in rax" in text
    caches = {i.address: (i.cache, i.allocated) for i in r.slab_objects}
    assert caches[socket.address] == ("sock_inode_cache", True)
    assert caches[net.address] == ("net_namespace", True)


@pytest.mark.guest
def test_netns_pile_up_grouped_and_namespaces(netns_analysed) -> None:
    from hotfence.lab.crashlab import NETNS_WAITERS

    r = netns_analysed
    parked = [
        g for g in r.stack_groups if "hotfence_crash_netns_init" in g.functions and not g.crashed
    ]
    assert len(parked) == 1
    g = parked[0]
    assert g.count == NETNS_WAITERS and g.states == ["D"] and g.comms == ["unshare"]
    assert "copy_net_ns" in g.functions and g.summary.startswith("hotfence_crash_netns_init")
    crashed = [g for g in r.stack_groups if g.crashed]
    assert len(crashed) == 1 and crashed[0].pids == [r.crashed_pid]
    assert crashed[0].summary.startswith("hotfence_crash_proto_connect ← kernel_connect")
    assert sum(g.count for g in r.stack_groups) == len(r.tasks)
    ns = r.netns
    assert ns is not None and ns.count >= 1 and ns.cleaning_up == 0
    assert ns.setting_up == NETNS_WAITERS + 1  # the parked ones and the crashing one
    setting = [n for n in ns.namespaces if n.state == "setting up"]
    assert r.crashed_pid in {p for n in setting for p in n.tasks}
    assert set(g.pids) <= {p for n in setting for p in n.tasks}
    # unshare(2) had not switched the task yet: it is still in the initial namespace
    listed = {n.inum for n in ns.namespaces if n.state == "listed"}
    assert ns.crashed_task_netns in listed
    # nc -e gave it the accepted connection as stdin and stdout: one TCP socket, twice
    socks = ns.crashed_task_sockets
    assert [s.fd for s in socks] == [0, 1] and socks[0].address == socks[1].address
    assert (socks[0].type, socks[0].protocol) == ("SOCK_STREAM", 6)
    assert socks[0].family in ("AF_INET", "AF_INET6")
    assert socks[0].netns_inum == ns.crashed_task_netns


@pytest.mark.guest
def test_ps_memory_slabs_modules_and_wall_clock(netns_core, netns_analysed) -> None:
    import datetime

    r = netns_analysed
    crashed = next(t for t in r.tasks if t.crashed)
    assert crashed.address != 0 and crashed.vsz_kb >= crashed.rss_kb > 0
    assert all(t.vsz_kb == 0 for t in r.tasks if t.comm.startswith("kworker"))
    mem = r.memory
    assert mem is not None and mem.committed_pages > 0 and mem.commit_limit_pages > 0
    assert mem.buffers_pages >= 0 and mem.cached_pages >= 0
    sizes = [c.total_bytes for c in r.slabs]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) >= 5
    assert all(c.total_objs >= c.active_objs > 0 for c in r.slabs)
    mods = {m.name: m for m in r.modules_loaded}
    assert mods["hotfence_crash"].debuginfo == str(netns_core.module)
    assert mods["hotfence_crash"].base > 0 and mods["hotfence_crash"].size > 0
    assert r.boot_time is not None and r.wall_offset_ns is not None
    boot = datetime.datetime.fromisoformat(r.boot_time)
    taken = datetime.datetime.fromtimestamp(netns_core.vmcore.stat().st_mtime, tz=datetime.UTC)
    assert boot.year >= 2024 and boot <= taken  # the guest booted before its dump was written


@pytest.mark.guest
def test_vmcore_shell_binds_the_report_objects(netns_core, netns_analysed) -> None:
    """drgn's REPL, fed from stdin: the names hold the objects the report printed."""
    import subprocess

    objs = {o.kind: o.address for o in netns_analysed.objects}
    script = (
        "print('PID', task.pid.value_())\n"
        "print('SK', hex(sk.value_()), 'NET', hex(net.value_()), 'SOCKET', hex(socket.value_()))\n"
        "print('RIP', hex(regs['rip']), 'FRAMES', len(frames), 'STACK', len(report.stack))\n"
        "print('PROTO', sk.sk_protocol.value_())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", "from hotfence.cli import main; main()", "vmcore", "shell",
         str(netns_core.vmcore), "--vmlinux", str(netns_core.vmlinux)],
        input=script, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"PID {netns_analysed.crashed_pid}" in out
    assert f"SK {objs['sock']:#x} NET {objs['net']:#x} SOCKET {objs['socket']:#x}" in out
    fault = next(e for e in netns_analysed.stack if e.function == "hotfence_crash_proto_connect")
    stack_len = len(netns_analysed.stack)
    assert f"RIP {fault.pc:#x} FRAMES {stack_len} STACK {stack_len}" in out
    assert "PROTO 253" in out and "# sk " in proc.stderr  # the banner names what is bound


@pytest.mark.guest
def test_vmcore_kmem_command(netns_core, netns_analysed) -> None:
    objs = {o.kind: o.address for o in netns_analysed.objects}
    args = ["vmcore", "kmem", str(netns_core.vmcore), "--vmlinux", str(netns_core.vmlinux)]
    res = CliRunner().invoke(
        main, [*args, "-o", "json", f"{objs['net'] + 16:x}", "0", f"{objs['socket']:x}"]
    )
    assert res.exit_code == 0, res.output
    net, zero, sock = json.loads(res.output)
    assert net["kind"] == "slab" and net["slab"]["cache"] == "net_namespace"
    assert net["slab"]["object_address"] == objs["net"] and net["slab"]["allocated"] is True
    assert net["page"] is not None and net["pfn"] > 0
    assert zero["kind"] == "unknown" and zero["slab"] is None
    assert sock["slab"]["cache"] == "sock_inode_cache"
    res = CliRunner().invoke(main, [*args, "zz"])
    assert res.exit_code == 2 and "'zz' is not a hex address" in res.output


@pytest.mark.guest
def test_a_section_this_kernel_cannot_give_is_named_not_fatal(
    netns_core, monkeypatch, tmp_path
) -> None:
    """A reader that meets another kernel's layout (here: cleanup_list missing) leaves
    its section out with the reason; the rest of the report is built as usual."""
    from hotfence.triage import vmcore as vm
    from hotfence.triage.vmcore_render import render_vmcore

    def no_cleanup_list(*args):
        raise KeyError("cleanup_list")

    monkeypatch.setattr(vm, "read_netns", no_cleanup_list)
    r = vm.analyze_vmcore(netns_core.vmcore, netns_core.vmlinux)
    assert r.netns is None and "cleanup_list" in r.unavailable["netns"]
    assert r.objects and r.stack_groups and r.memory is not None and r.slabs
    out = tmp_path / "out.txt"
    with out.open("w") as fh:
        from rich.console import Console

        render_vmcore(r, "text", Console(file=fh, width=200))
    text = out.read_text()
    assert "crash> net namespaces" in text and "not available in this core: KeyError" in text


def test_vmcore_shell_errors_name_the_file(tmp_path) -> None:
    pytest.importorskip("drgn")
    text = tmp_path / "core.txt"
    text.write_text("not a core\n")
    res = CliRunner().invoke(main, ["vmcore", "shell", str(text), "--vmlinux", str(text)])
    assert res.exit_code == 2 and str(text) in res.output and "not an ELF file" in res.output


# --------------------------------------------------------------- without a guest --


def test_crash_site_skips_the_top_frames_inline_chain() -> None:
    from hotfence.triage.vmcore import StackEntry, crash_pc, crash_site

    def e(i: int, pc: int, name: str | None = None, **kw) -> StackEntry:
        return StackEntry(index=i, function=name or f"f{i}", pc=pc, sp=0, **kw)

    top = [
        e(0, 0xFFFFFFFF81000010, inline=True, interrupted=True),
        e(1, 0xFFFFFFFF81000010, interrupted=True),
    ]
    panic = e(2, 0xFFFFFFFF81000100, "panic")
    oops = e(3, 0xFFFFFFFF81000200, "oops_end.cold")
    fault = e(4, 0xFFFFFFFFC0000017, interrupted=True)
    user = e(6, 0x401000, user=True, interrupted=True)
    caller = e(5, 0xFFFFFFFFC0000100)
    assert crash_pc([*top, panic, oops, fault, caller, user]) == fault.pc
    # an exception frame without the oops path above it (a user page fault on the way
    # to an OOM panic) is not the crash: the call to panic() is
    site = crash_site([*top, panic, caller, fault, user])
    assert site is not None and (site.pc, site.return_address) == (caller.pc, True)
    # no panic and no exception frame: the top PC
    assert crash_pc([*top, caller, user]) == top[0].pc
    assert crash_pc([user]) is None and crash_pc([]) is None


def test_cli_vmcore_errors_name_the_file(tmp_path) -> None:
    pytest.importorskip("drgn")
    missing = tmp_path / "nope.vmcore"
    text = tmp_path / "vmcore.txt"
    text.write_text("not a core\n")
    runner = CliRunner()
    res = runner.invoke(
        main, ["triage", "--no-store", "--vmcore", str(missing), "--vmlinux", str(text)]
    )
    assert res.exit_code == 2 and str(missing) in res.output and "not found" in res.output
    res = runner.invoke(
        main, ["triage", "--no-store", "--vmcore", str(text), "--vmlinux", str(text)]
    )
    assert res.exit_code == 2 and str(text) in res.output and "not an ELF file" in res.output
    # an ELF that is not a core dump at all
    elf = Path(sys.executable).resolve()
    res = runner.invoke(main, ["triage", "--no-store", "--vmcore", str(elf), "--vmlinux", str(elf)])
    assert res.exit_code == 2 and str(elf) in res.output
    # usage errors
    assert runner.invoke(main, ["triage", "--vmcore", str(text)]).exit_code == 2  # no --vmlinux
    assert (
        runner.invoke(
            main, ["triage", "x.log", "--vmcore", str(text), "--vmlinux", str(text)]
        ).exit_code
        == 2
    )
    assert runner.invoke(main, ["triage"]).exit_code == 2


def test_missing_drgn_is_a_clear_error(tmp_path, monkeypatch) -> None:
    from hotfence.triage import vmcore

    monkeypatch.setitem(sys.modules, "drgn", None)  # import drgn -> ImportError
    core = tmp_path / "x.vmcore"
    core.write_bytes(b"\x7fELF")
    with pytest.raises(vmcore.VmcoreError) as err:
        vmcore.analyze_vmcore(core, core)
    assert err.value.path == "drgn" and "hotfence[vmcore]" in err.value.reason
