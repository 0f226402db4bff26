"""The crash lab: real crashes of Debian's stock kernel, recorded as serial-console logs.

Each :class:`CrashKind` says how to crash the guest (a shell command, often writing to
``/proc/hotfence_crash`` of the test module in ``module/``), which kernel parameters it
needs, and the facts the lab knows about the result: crash type and title in syzkaller's
conventions, the faulting function, strings the log must contain. ``record`` boots one
guest per kind (a panic ends a boot), writes ``<kind>.log`` and ``expected.yaml``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hotfence.lab.debkernel import GuestKernel, locked, prepare_kernel
from hotfence.lab.guest import GuestConfig, GuestSession

MODULE_SRC = Path(__file__).parent / "module"
MODULE_NAME = "hotfence_crash"

_LOAD = f'insmod "$HOTFENCE_IN/{MODULE_NAME}.ko" && '

# busybox tail keeps the current "line" in memory, and /dev/zero has no newline:
# a memory hog without any extra binary. oom_score_adj makes it the OOM killer's choice.
_HOG = "(echo 1000 > /proc/self/oom_score_adj; exec tail /dev/zero)"

# The module's experimental inet protocol (socket(AF_INET, SOCK_DGRAM, 253)) crashes in
# connect(): only a user-space socket call reaches it. Python from the host root makes
# the calls (busybox has no way to pick a protocol number).
SOCKET_PROTO = 253
_PROTO_CONNECT = (
    'python3 -c "import socket; '
    f"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, {SOCKET_PROTO}); "
    "s.connect(('127.0.0.1', 9))\""
)

# The netns kind: three namespaces park in the module's pernet init (a pile-up in
# copy_net_ns), then a fourth crashes in a socket operation inside it. The crashing
# unshare runs from busybox nc's -e with an accepted TCP connection on its stdin and
# stdout, so the crashed task has sockets of its own, as a container's process would.
NETNS_WAITERS = 3
NETNS_PORT = 7777
_NETNS = (
    "echo netns > /proc/hotfence_crash && ip link set lo up && "
    f"for i in {' '.join(str(i) for i in range(NETNS_WAITERS))}; do unshare -n true & done; "
    f"sleep 3; (nc -l -p {NETNS_PORT} -e unshare -n true &); sleep 1; "
    f"nc 127.0.0.1 {NETNS_PORT} < /dev/null"
)


class LabError(RuntimeError):
    """A crash could not be produced or did not look like what the lab expects."""


@dataclass(frozen=True)
class CrashKind:
    """How to produce one kind of crash, and what the lab knows about its log."""

    name: str
    description: str
    command: str  # shell command run in the guest (busybox; module at $HOTFENCE_IN)
    type: str  # syzkaller crash type
    title: str  # syzkaller-style title
    function: str | None  # the function the crash is in (the lab put it there)
    must_contain: tuple[str, ...]  # plain-text facts every recorded log has
    append: tuple[str, ...] = ()  # extra kernel parameters
    panics: bool = True  # the crash ends the boot
    needs_module: bool = True
    min_oom_kills: int = 0
    timeout: float = 90.0
    # "rip": the oops RIP line is in ``function``; "trace": it is in the call trace
    # (panics, hung tasks and OOM have no faulting instruction).
    function_at: str = "rip"
    # regex for the faulting instruction as capstone prints it (Intel syntax), if known
    fault_insn: str | None = None
    # boot with the host root overlay (the project's Python inside), not busybox only
    hostroot: bool = False


KINDS: dict[str, CrashKind] = {
    k.name: k
    for k in [
        CrashKind(
            "sysrq-c",
            "SysRq 'c': the kernel's own deliberate crash (a panic, no oops on 6.1)",
            "echo c > /proc/sysrq-trigger",
            "DoS",
            "kernel panic: sysrq triggered crash",
            "sysrq_handle_crash",
            (
                "sysrq: Trigger a crash",
                "Kernel panic - not syncing: sysrq triggered crash",
                "Call Trace:",
                "sysrq_handle_crash",
            ),
            needs_module=False,
            function_at="trace",
        ),
        CrashKind(
            "null-deref",
            "read through a NULL struct pointer (offset 8) in a module function",
            _LOAD + "echo null > /proc/hotfence_crash",
            "NULL-POINTER-DEREFERENCE",
            "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref",
            "hotfence_crash_null_deref",
            (
                "BUG: kernel NULL pointer dereference, address: 0000000000000008",
                "RIP: 0010:hotfence_crash_null_deref",
                "Code:",
                "Call Trace:",
                "Kernel panic - not syncing: Fatal exception",
            ),
            append=("oops=panic",),
            fault_insn=r"^mov \w+, qword ptr \[r\w+ \+ 8\]$",
        ),
        CrashKind(
            "bug",
            "BUG_ON(true) in a module function",
            _LOAD + "echo bug > /proc/hotfence_crash",
            "BUG",
            "kernel BUG in hotfence_crash_bug",
            "hotfence_crash_bug",
            (
                "kernel BUG at",
                "hotfence_crash.c",
                "invalid opcode: 0000",
                "RIP: 0010:hotfence_crash_bug",
                "Code:",
                "Call Trace:",
            ),
            append=("oops=panic",),
            fault_insn=r"^ud2$",
        ),
        CrashKind(
            "warn",
            "WARN_ON(true) in a module function; the kernel carries on",
            _LOAD + "echo warn > /proc/hotfence_crash && echo warned",
            "WARNING",
            "WARNING in hotfence_crash_warn",
            "hotfence_crash_warn",
            (
                "WARNING: CPU: 0 PID:",
                "hotfence_crash.c",
                "hotfence_crash_warn",
                "RIP: 0010:hotfence_crash_warn",
                "Code:",
                "Call Trace:",
                "---[ end trace",
            ),
            panics=False,
            fault_insn=r"^ud2$",
        ),
        CrashKind(
            "gpf",
            "read of the non-canonical address 0xdead000000000100 in a module function",
            _LOAD + "echo gpf > /proc/hotfence_crash",
            "DoS",
            "general protection fault in hotfence_crash_gpf",
            "hotfence_crash_gpf",
            (
                "general protection fault, probably for non-canonical address 0xdead000000000100",
                "RIP: 0010:hotfence_crash_gpf",
                "Code:",
                "Call Trace:",
            ),
            append=("oops=panic",),
            fault_insn=r"^mov \w+, qword ptr \[r\w+\]$",
        ),
        CrashKind(
            "softlockup",
            "spin with preemption disabled until the soft-lockup watchdog fires",
            "echo 2 > /proc/sys/kernel/watchdog_thresh && "
            + _LOAD
            + "echo softlockup > /proc/hotfence_crash",
            # the loop is the module's own code: the RIP's function titles it
            # (syzkaller's entry-point title, proc_reg_write, is an alternative)
            "HANG",
            "BUG: soft lockup in hotfence_crash_softlockup",
            "hotfence_crash_softlockup",
            (
                "watchdog: BUG: soft lockup - CPU#0 stuck for",
                "RIP: 0010:hotfence_crash_softlockup",
                "Kernel panic - not syncing: softlockup: hung tasks",
            ),
            append=("softlockup_panic=1", "nmi_watchdog=0"),
        ),
        CrashKind(
            "hung-task",
            "uninterruptible wait on a completion nobody completes",
            "echo 2 > /proc/sys/kernel/hung_task_timeout_secs && "
            + _LOAD
            + "echo hung > /proc/hotfence_crash",
            "HANG",
            "INFO: task hung in hotfence_crash_hung",
            "hotfence_crash_hung",
            (
                "blocked for more than 2 seconds",
                "hotfence_crash_hung",
                "Call Trace:",
                "Kernel panic - not syncing: hung_task: blocked tasks",
            ),
            append=("hung_task_panic=1",),
            function_at="trace",
        ),
        CrashKind(
            "oom",
            "memory hogs killed one after another, then panic_on_oom on the next OOM",
            "for i in 1 2 3; do " + _HOG + "; done; echo 1 > /proc/sys/vm/panic_on_oom; " + _HOG,
            "DoS",
            "kernel panic: Out of memory: system-wide panic_on_oom is enabled",
            "out_of_memory",
            (
                "invoked oom-killer",
                "Out of memory: Killed process",
                "oom-kill:",
                "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled",
            ),
            needs_module=False,
            min_oom_kills=3,
            timeout=180.0,
            function_at="trace",
        ),
        CrashKind(
            "panic",
            "panic() called from a module function",
            _LOAD + "echo panic > /proc/hotfence_crash",
            "DoS",
            "kernel panic: hotfence_crash: panic requested by sh",
            "hotfence_crash_panic",
            (
                "Kernel panic - not syncing: hotfence_crash: panic requested by sh",
                "hotfence_crash_panic",
                "Call Trace:",
            ),
            function_at="trace",
        ),
        CrashKind(
            "socket-proto",
            f"connect() on socket(AF_INET, SOCK_DGRAM, {SOCKET_PROTO}), the module's experimental protocol, "
            "dereferences NULL: reachable from user space only through the socket layer",
            _LOAD + _PROTO_CONNECT,
            "NULL-POINTER-DEREFERENCE",
            "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_proto_connect",
            "hotfence_crash_proto_connect",
            (
                "BUG: kernel NULL pointer dereference, address: 0000000000000008",
                "RIP: 0010:hotfence_crash_proto_connect",
                "Code:",
                "Call Trace:",
                "__sys_connect",
                "Kernel panic - not syncing: Fatal exception",
            ),
            append=("oops=panic",),
            fault_insn=r"^mov \w+, qword ptr \[r\w+ \+ 8\]$",
            hostroot=True,
        ),
        CrashKind(
            "netns",
            f"{NETNS_WAITERS} new network namespaces wait in a pernet init, then the next one "
            "connects a kernel socket of the experimental protocol there, which dereferences NULL",
            _LOAD + _NETNS,
            "NULL-POINTER-DEREFERENCE",
            "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_proto_connect",
            "hotfence_crash_proto_connect",
            (
                "BUG: kernel NULL pointer dereference, address: 0000000000000008",
                "RIP: 0010:hotfence_crash_proto_connect",
                "hotfence_crash_netns_init",
                "copy_net_ns",
                "Call Trace:",
                "Kernel panic - not syncing: Fatal exception",
            ),
            append=("oops=panic",),
            fault_insn=r"^mov \w+, qword ptr \[r\w+ \+ 8\]$",
        ),
    ]
}


@dataclass
class Recording:
    """One recorded crash: the kind's facts plus what this boot looked like."""

    kind: str
    file: str
    description: str
    command: str
    cmdline_extra: list[str]
    type: str
    title: str
    function: str | None
    function_at: str
    fault_insn: str | None
    must_contain: list[str]
    panicked: bool
    min_oom_kills: int
    kernel: str
    seconds: float
    problems: list[str] = field(default_factory=list)


def module_digest() -> str:
    """A short hash of the module's source files (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(MODULE_SRC.iterdir()):
        if path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def build_module(kernel: GuestKernel) -> Path:
    """Build hotfence_crash.ko against the kernel's unpacked linux-headers; returns the .ko.

    The build directory and the .ko are named after the source's hash, in the kernel's
    cache directory (shared by every checkout on the machine): a checkout with another
    version of the module builds its own instead of replacing the one a guest of this
    checkout is running, and the same source always builds in the same path, which keeps
    the module's build ID stable, so a vmcore taken earlier still matches the cached .ko
    for drgn. Built once per source (under a lock, so concurrent builds wait). Debian
    builds 6.1 with gcc-12, which the headers' Makefile names.
    """
    digest = module_digest()
    build = kernel.root / "build" / f"{MODULE_NAME}-{digest}"
    out = kernel.root / f"{MODULE_NAME}-{digest}.ko"
    with locked(kernel.root / "build.lock"):
        if out.exists():
            return out
        if build.exists():
            shutil.rmtree(build)
        shutil.copytree(MODULE_SRC, build)
        proc = subprocess.run(
            # No module BTF: the lab never loads BPF against this module, and 6.12's
            # headers would otherwise need pahole on the host.
            ["make", "-C", str(kernel.headers_dir), f"M={build}",
             "CONFIG_DEBUG_INFO_BTF_MODULES=", "modules"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        ko = build / f"{MODULE_NAME}.ko"
        if proc.returncode != 0 or not ko.exists():
            raise LabError(
                f"building {MODULE_NAME}.ko against {kernel.headers_dir} failed:\n"
                f"{proc.stdout[-1500:]}{proc.stderr[-1500:]}"
            )
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(ko, tmp)
        tmp.replace(out)
    return out


_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|c)")


def clean_console(text: str) -> str:
    """The console without terminal escape sequences (SeaBIOS clears the screen)."""
    return _ESCAPES.sub("", text)


def check_log(kind: CrashKind, log: str, panicked: bool) -> list[str]:
    """What is wrong with a recorded log, judged by the facts the lab knows (empty: fine)."""
    problems = [f"missing {s!r}" for s in kind.must_contain if s not in log]
    if kind.panics and not panicked:
        problems.append("the kernel did not panic")
    kills = log.count("Out of memory: Killed process")
    if kills < kind.min_oom_kills:
        problems.append(f"{kills} OOM kills, expected at least {kind.min_oom_kills}")
    return problems


def record_kind(
    kind: CrashKind, kernel: GuestKernel, module: Path | None, out_dir: Path
) -> Recording:
    """Boot a guest, crash it as ``kind`` says, write ``<out_dir>/<kind>.log``."""
    config = GuestConfig(
        kver=kernel.kver, hostroot=kind.hostroot, memory_mb=256, loglevel=7,
        append=list(kind.append), boot_timeout=120.0,
    )  # fmt: skip
    files: dict[str, bytes | Path] = (
        {f"{MODULE_NAME}.ko": module} if kind.needs_module and module else {}
    )
    sess = GuestSession(config, files, kernel=kernel)
    t0 = time.monotonic()
    sess.start()
    try:
        res = sess.run(kind.command, timeout=kind.timeout)
        if not kind.panics:
            time.sleep(1.0)  # let the console drain the end of the report
        panicked = sess.wait_exit(5.0 if kind.panics else 0.1) is not None and res.exit_code is None
    finally:
        sess.close()
    log = clean_console(sess.console)
    path = out_dir / f"{kind.name}.log"
    path.write_text(log)
    problems = check_log(kind, log, panicked)
    if res.exit_code not in (None, 0):
        problems.append(f"command exited {res.exit_code}: {res.stderr.strip()[-300:]}")
    return Recording(
        kind=kind.name, file=path.name, description=kind.description, command=kind.command,
        cmdline_extra=list(kind.append), type=kind.type, title=kind.title, function=kind.function,
        function_at=kind.function_at, fault_insn=kind.fault_insn, must_contain=list(kind.must_contain),
        panicked=panicked, min_oom_kills=kind.min_oom_kills,
        kernel=kernel.kver, seconds=round(time.monotonic() - t0, 1), problems=problems,
    )  # fmt: skip


def record(
    kinds: list[str] | None,
    out_dir: Path,
    kver: str | None = None,
    progress: Callable[[str], object] = print,
) -> list[Recording]:
    """Record the given kinds (all by default) into ``out_dir`` and merge ``expected.yaml``."""
    names = kinds or list(KINDS)
    unknown = [n for n in names if n not in KINDS]
    if unknown:
        raise LabError(f"unknown crash kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    need_module = any(KINDS[n].needs_module for n in names)
    kernel = prepare_kernel(kver, with_headers=need_module)
    module = build_module(kernel) if need_module else None
    recs = []
    for name in names:
        rec = record_kind(KINDS[name], kernel, module, out_dir)
        progress(
            f"{name}: {rec.file} in {rec.seconds} s"
            + (f" PROBLEMS: {'; '.join(rec.problems)}" if rec.problems else " ok")
        )
        recs.append(rec)
    write_expected(out_dir / "expected.yaml", recs)
    return recs


def write_expected(path: Path, recs: list[Recording]) -> None:
    """Merge recordings into expected.yaml (kinds not re-recorded keep their entries)."""
    data: dict[str, Any] = {"logs": {}}
    if path.exists():
        data = yaml.safe_load(path.read_text()) or {"logs": {}}
    for rec in recs:
        entry = asdict(rec)
        entry.pop("kind")
        data.setdefault("logs", {})[rec.kind] = entry
    header = (
        "# Facts the crash lab knows about each recorded log (hotfence lab record).\n"
        "# type/title follow syzkaller's conventions; function is where the lab put the crash.\n"
    )
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, width=120))


@dataclass
class VmcoreCapture:
    """A crashed guest's memory as an ELF core, with its console log and kernel."""

    vmcore: Path
    log: Path
    kernel: str
    kind: str
    seconds: float
    module: Path | None  # the exact hotfence_crash.ko the guest ran (DWARF for drgn)


def take_vmcore(
    kind_name: str, out_dir: Path, kver: str | None = None, memory_mb: int = 256
) -> VmcoreCapture:
    """Crash a guest as ``kind_name`` says, then dump its memory over QMP.

    The guest boots with ``panic=0`` (stay in the panic loop rather than reboot) and
    ``-device vmcoreinfo`` with qemu_fw_cfg loaded, so the core carries VMCOREINFO
    (kernel release, KASLR offset, page tables) as drgn and crash expect. Writes
    ``<kind>.vmcore`` (ELF, guest RAM size), ``<kind>.vmcore.log`` and the module the
    guest ran (``hotfence_crash.ko``, with DWARF) into ``out_dir``.
    """
    kind = KINDS.get(kind_name)
    if kind is None:
        raise LabError(f"unknown crash kind {kind_name!r}; known: {', '.join(KINDS)}")
    if not kind.panics:
        raise LabError(f"{kind_name} does not panic; a vmcore is taken from a panicked guest")
    kernel = prepare_kernel(kver, with_headers=kind.needs_module)
    module = build_module(kernel) if kind.needs_module else None
    config = GuestConfig(
        kver=kernel.kver, hostroot=False, memory_mb=memory_mb, loglevel=7, vmcore=True,
        append=[*kind.append, "panic=0"],  # later words win: no reboot, keep the state
    )  # fmt: skip
    files: dict[str, bytes | Path] = {f"{MODULE_NAME}.ko": module} if module else {}
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    sess = GuestSession(config, files, kernel=kernel)
    sess.start()
    try:
        sess.submit(kind.command)
        if not sess.wait_console("---[ end Kernel panic", kind.timeout):
            raise LabError(
                f"{kind_name}: no kernel panic within {kind.timeout:.0f} s; console tail:\n"
                + clean_console(sess.console)[-2000:]
            )
        vmcore = sess.dump_vmcore(out_dir / f"{kind_name}.vmcore")
    finally:
        sess.close(grace=0)
    log = out_dir / f"{kind_name}.vmcore.log"
    log.write_text(clean_console(sess.console))
    ko = None
    if module is not None:
        ko = out_dir / f"{MODULE_NAME}.ko"
        shutil.copyfile(module, ko)
    return VmcoreCapture(vmcore, log, kernel.kver, kind_name, round(time.monotonic() - t0, 1), ko)


def read_vmcoreinfo(vmcore: Path) -> dict[str, str]:
    """The VMCOREINFO note of an ELF core (``OSRELEASE``, ``BUILD-ID``, ``SYMBOL(...)`` ...).

    An empty dict means the core has no VMCOREINFO (e.g. qemu_fw_cfg was not loaded), in
    which case drgn and crash cannot find the kernel's layout in it.
    """
    from elftools.elf.elffile import ELFFile
    from elftools.elf.segments import NoteSegment

    with vmcore.open("rb") as fh:
        for seg in ELFFile(fh).iter_segments():
            if not isinstance(seg, NoteSegment):
                continue
            for note in seg.iter_notes():
                if note["n_name"] == "VMCOREINFO":
                    desc = note["n_desc"]
                    text = desc.decode(errors="replace") if isinstance(desc, bytes) else str(desc)
                    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {}
