"""Boot a Debian stock kernel under QEMU and run shell commands inside it.

The guest is ``qemu-system-x86_64`` booting the uncompressed ``vmlinux`` through its PVH
entry with a small initramfs written by :mod:`hotfence.lab.initramfs`: busybox as
``/init``, the virtio / 9p / overlay modules (insmod'ed in dependency order), and a tiny
agent. Two 9p shares connect it to the host:

* ``hfout`` (read-write): a host temporary directory, ``/hotfence/out`` in the guest. The
  host drops numbered command scripts into ``cmd/``, the agent runs each and writes
  ``res/<n>.out``, ``.err`` and finally ``.rc``; scripts may write any other files under
  ``$HOTFENCE_OUT``, which come back as :attr:`CommandResult.outputs`.
* ``hostroot`` (read-only, optional): the host's ``/``. The guest chroots into an overlay
  of it with a tmpfs upper layer, so this project's venv, its Python and the system
  libbpf run unchanged inside, while writes stay in the guest.

Inside, proc, sysfs, devtmpfs, securityfs, bpffs, cgroup2, debugfs and tracefs are
mounted. The serial console (kernel log) is captured with host timestamps. QEMU always
runs under TCG here unless KVM is proven usable (see :func:`kvm_usable`), and the QEMU
process this module starts is always killed when the session ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotfence.lab.debkernel import GuestKernel, prepare_kernel
from hotfence.lab.initramfs import Initramfs, ModuleIndex, read_module

GUEST_IN = "/hotfence/in"  # files passed with ``files=`` (from the initramfs)
GUEST_OUT = "/hotfence/out"  # the read-write share; $HOTFENCE_OUT in commands
DEFAULT_LSM = "lockdown,capability,landlock,bpf"
BUSYBOX_CANDIDATES = ("/bin/busybox", "/usr/bin/busybox")
# Modules the harness itself needs, beyond what the caller asks for.
BASE_MODULES = ["virtio_pci", "9pnet_virtio", "9p"]
HOSTROOT_MODULES = ["overlay"]
READY_MARK = "hotfence-guest: ready"  # the agent's console line at each start

_KVM_GET_API_VERSION = 0xAE00


def _modname_ko(ko: Path) -> str:
    """``9p.ko.xz`` -> ``9p.ko``: the initramfs holds modules decompressed."""
    return ko.name.split(".ko")[0] + ".ko"


class GuestError(RuntimeError):
    """The guest could not be prepared or booted; the message says which step and shows the console tail."""


@dataclass
class GuestConfig:
    """How to boot: kernel, memory, accelerator, command line, what to share."""

    kver: str | None = None  # None: $HOTFENCE_GUEST_KVER or the newest 6.1 apt offers
    memory_mb: int = 1024
    cpus: int = 1
    accel: str = "auto"  # "auto" | "tcg" | "kvm"; auto means KVM only if kvm_usable()
    hostroot: bool = True  # chroot into an overlay of the host's / (needed to run the venv)
    modules: list[str] = field(default_factory=list)  # extra modules to insmod (with deps)
    append: list[str] = field(default_factory=list)  # extra kernel command-line words
    loglevel: int = 4  # console loglevel; the full log stays in dmesg
    lsm: str = DEFAULT_LSM
    extra_qemu_args: list[str] = field(default_factory=list)
    boot_timeout: float = 120.0
    # QMP socket + `-device vmcoreinfo` + qemu_fw_cfg in the guest, so that
    # GuestSession.dump_vmcore() can write an ELF core drgn reads.
    vmcore: bool = False
    # A panic (panic=-1) or reboot warm-resets the guest instead of ending QEMU: RAM is
    # kept, so a ramoops region survives into the next boot (see wait_ready).
    reboot: bool = False


@dataclass
class CommandResult:
    """One command run by the agent: its output, exit code and timing."""

    command: str
    exit_code: int | None  # None: the guest died or the command timed out
    stdout: str
    stderr: str
    seconds: float
    outputs: dict[str, bytes] = field(default_factory=dict)  # files it wrote under $HOTFENCE_OUT
    timed_out: bool = False


@dataclass
class GuestResult:
    """What :func:`run_in_guest` returns: the command's result plus the whole boot's console."""

    console: str
    exit_code: int | None
    stdout: str
    stderr: str
    boot_seconds: float | None  # QEMU start -> agent ready (None if it never got there)
    total_seconds: float
    outputs: dict[str, bytes]
    kernel_release: str | None
    qemu_returncode: int | None
    timed_out: bool


def kvm_usable() -> tuple[bool, str]:
    """Whether /dev/kvm is worth using: it must open, answer KVM_GET_API_VERSION (12), and
    the CPU must advertise vmx/svm. Software nested schemes (no vmx/svm flag, e.g. the
    kvm_pvm module measured on these machines) abort or crawl with a stock kernel, so
    they count as unusable. Returns (usable, reason)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        return False, f"/dev/kvm: {exc.strerror}"
    try:
        version = fcntl.ioctl(fd, _KVM_GET_API_VERSION)
    except OSError as exc:
        return False, f"/dev/kvm: KVM_GET_API_VERSION failed: {exc.strerror}"
    finally:
        os.close(fd)
    if version != 12:
        return False, f"/dev/kvm: API version {version}, expected 12"
    flags = set()
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if not flags & {"vmx", "svm"}:
        return (
            False,
            "/dev/kvm opens but the CPU has no vmx/svm flag (software nested virtualisation)",
        )
    return True, "hardware virtualisation (vmx/svm) and /dev/kvm API 12"


def _busybox() -> Path:
    for cand in BUSYBOX_CANDIDATES:
        p = Path(cand)
        if p.exists():
            # Only a static busybox runs in an initramfs without libc: no PT_INTERP.
            from elftools.elf.elffile import ELFFile

            with p.open("rb") as fh:
                if not any(seg.header.p_type == "PT_INTERP" for seg in ELFFile(fh).iter_segments()):
                    return p
    raise GuestError("no static busybox found (apt package busybox-static; see scripts/setup.sh)")


_INIT = r"""#!/bin/busybox sh
# hotfence guest /init: mount, load modules, mount the shares, run the agent, power off.
/bin/busybox mkdir -p /bin /sbin /proc /sys /dev /tmp /mnt
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "hotfence-guest: init $(uname -r)"
while read -r m; do
  insmod "/lib/modules/hotfence/$m" || echo "hotfence-guest: insmod $m failed"
done < /lib/modules/hotfence/order
mkdir -p /hotfence/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none hfout /hotfence/out \
  || echo "hotfence-guest: mounting the hfout share failed"
ROOT=/
if [ "$HOSTROOT" = 1 ]; then
  mkdir -p /mnt/lower /mnt/rw /newroot
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro hostroot /mnt/lower
  mount -t tmpfs -o mode=0755 tmpfs /mnt/rw
  mkdir -p /mnt/rw/upper /mnt/rw/work
  if mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /newroot; then
    ROOT=/newroot
  else
    echo "hotfence-guest: overlay failed; host root read-only"
    mount --bind /mnt/lower /newroot
    ROOT=/newroot
  fi
  mkdir -p $ROOT/hotfence 2>/dev/null
  mount -t tmpfs tmpfs $ROOT/hotfence
  mkdir -p $ROOT/hotfence/in $ROOT/hotfence/out
  cp -a /hotfence/in/. $ROOT/hotfence/in/ 2>/dev/null
  cp /hotfence/agent.sh $ROOT/hotfence/agent.sh
  mount --move /hotfence/out $ROOT/hotfence/out
  # The guest kernel's modules (with modules.dep/alias from the host cache) where the
  # kernel's autoload helper (busybox modprobe, run in this initramfs root) and commands
  # in the new root look for them; /hotfence/bin has busybox's modprobe & co there.
  KVER=$(uname -r)
  if [ -d "/mnt/lower$MODDIR" ]; then
    mkdir -p /lib/modules/$KVER $ROOT/lib/modules/$KVER
    mount --bind "/mnt/lower$MODDIR" /lib/modules/$KVER
    mount --bind "/mnt/lower$MODDIR" $ROOT/lib/modules/$KVER
    # usermode helpers run in this (initramfs) root, where busybox installed modprobe
    echo /bin/modprobe > /proc/sys/kernel/modprobe
  fi
  mkdir -p $ROOT/hotfence/bin
  cp /bin/busybox $ROOT/hotfence/bin/busybox
  for a in modprobe insmod rmmod lsmod depmod; do ln -s busybox $ROOT/hotfence/bin/$a; done
  mount -t proc proc $ROOT/proc
  mount -t sysfs sysfs $ROOT/sys
  mount -t devtmpfs devtmpfs $ROOT/dev
fi
mkdir -p $ROOT/dev/pts $ROOT/dev/shm
mount -t devpts devpts $ROOT/dev/pts
mount -t tmpfs tmpfs $ROOT/dev/shm
# A clean /run; with the host root, /tmp stays the overlay's (writes land in the guest's
# tmpfs upper layer) because the repository under test may itself live in /tmp (CI clones).
for d in /tmp /run; do
  [ "$HOSTROOT" = 1 ] && [ "$d" = /tmp ] && continue
  mkdir -p $ROOT$d 2>/dev/null
  mount -t tmpfs tmpfs $ROOT$d
done
mkdir -p /root 2>/dev/null
mount -t securityfs securityfs $ROOT/sys/kernel/security
mount -t debugfs debugfs $ROOT/sys/kernel/debug
mount -t tracefs tracefs $ROOT/sys/kernel/tracing
mount -t bpf bpf $ROOT/sys/fs/bpf
mount -t cgroup2 cgroup2 $ROOT/sys/fs/cgroup
ip link set lo up  # loopback for bind/connect tests; there is no other interface
echo "hotfence-guest: agent start"
chroot $ROOT /bin/sh /hotfence/agent.sh
echo "hotfence-guest: agent exit $?"
sync
poweroff -f
"""

_AGENT = r"""# hotfence guest agent: run $OUT/cmd/<n>.sh in order until $OUT/cmd/stop appears.
OUT=/hotfence/out
export HOTFENCE_OUT=$OUT HOTFENCE_IN=/hotfence/in HOTFENCE_GUEST=1 HOME=/root
export PATH=__PATH__ PYTHONDONTWRITEBYTECODE=1 LANG=C.UTF-8
mkdir -p $OUT/res
# After a warm reboot, carry on after the last command started (a panic leaves its
# <n>.out without <n>.rc), so the command that crashed the kernel is not run again.
n=0
while [ -e $OUT/res/$n.out ]; do n=$((n+1)); done
uname -r > $OUT/res/ready.tmp && mv $OUT/res/ready.tmp $OUT/res/ready
echo "hotfence-guest: ready"
while :; do
  if [ -f $OUT/cmd/$n.sh ]; then
    echo "hotfence-guest: run $n"
    (cd "$(cat $OUT/cmd/$n.cwd 2>/dev/null || echo /)" && exec /bin/sh $OUT/cmd/$n.sh) \
      > $OUT/res/$n.out 2> $OUT/res/$n.err < /dev/null
    echo $? > $OUT/res/$n.rc.tmp
    mv $OUT/res/$n.rc.tmp $OUT/res/$n.rc
    echo "hotfence-guest: done $n"
    n=$((n+1))
  elif [ -f $OUT/cmd/stop ]; then
    exit 0
  else
    sleep 0.05
  fi
done
"""

# With the host root, the venv running this code comes first on the guest's PATH.
_GUEST_PATH_HOSTROOT = f"{Path(sys.executable).parent}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/hotfence/bin"
_GUEST_PATH_BUSYBOX = "/bin:/sbin"


def build_initramfs(
    kernel: GuestKernel, config: GuestConfig, files: dict[str, bytes | Path]
) -> bytes:
    """The initramfs for one boot: busybox /init, the agent, modules in load order, files."""
    img = Initramfs()
    for d in ("bin", "sbin", "proc", "sys", "dev", "tmp", "mnt", "hotfence/in", "hotfence/out"):
        img.add_dir(d)
    img.add_chardev("dev/console", 5, 1)
    img.add_chardev("dev/null", 1, 3, 0o666)
    img.add_file("bin/busybox", _busybox().read_bytes(), 0o755)
    init = _INIT.replace(
        "#!/bin/busybox sh\n",
        f"#!/bin/busybox sh\nHOSTROOT={int(config.hostroot)}\nMODDIR='{kernel.modules_dir}'\n",
        1,
    )
    img.add_file("init", init.encode(), 0o755)
    path = _GUEST_PATH_HOSTROOT if config.hostroot else _GUEST_PATH_BUSYBOX
    img.add_file("hotfence/agent.sh", _AGENT.replace("__PATH__", path).encode(), 0o755)
    wanted = BASE_MODULES + (HOSTROOT_MODULES if config.hostroot else []) + list(config.modules)
    if config.vmcore:
        wanted.append("qemu_fw_cfg")  # tells QEMU where the guest's VMCOREINFO note is
    order = ModuleIndex(kernel.modules_dir).load_order(wanted)
    names = []
    for i, ko in enumerate(order):
        name = f"{i:02d}-{_modname_ko(ko)}"
        img.add_file(f"lib/modules/hotfence/{name}", read_module(ko))
        names.append(name)
    img.add_file("lib/modules/hotfence/order", ("\n".join(names) + "\n").encode())
    for rel, content in files.items():
        rel = rel.lstrip("/")
        if not rel or ".." in Path(rel).parts:
            raise ValueError(f"files: {rel!r} must be a relative path inside {GUEST_IN}")
        data = content.read_bytes() if isinstance(content, Path) else content
        perm = 0o755 if isinstance(content, Path) and os.access(content, os.X_OK) else 0o644
        img.add_file(f"hotfence/in/{rel}", data, perm)
    return img.to_bytes()


def qemu_command(
    kernel: GuestKernel, config: GuestConfig, initrd: Path, outdir: Path, qmp: Path | None = None
) -> list[str]:
    """The qemu-system-x86_64 argv for one boot (serial console on stdout)."""
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        raise GuestError(
            "qemu-system-x86_64 not found (apt package qemu-system-x86; see scripts/setup.sh)"
        )
    accel = config.accel
    if accel == "auto":
        accel = "kvm" if kvm_usable()[0] else "tcg"
    cmdline = [
        "console=ttyS0",
        f"loglevel={config.loglevel}",
        "panic=-1",  # reboot at once on panic; -no-reboot turns that into QEMU exiting
        f"lsm={config.lsm}",
        "rdinit=/init",
        "mitigations=off",  # fewer slow paths under TCG; not what the tests measure
        "nokaslr",  # stable addresses in recorded logs
        *config.append,
    ]
    argv = [
        qemu,
        "-accel", accel,
        "-cpu", "max" if accel == "tcg" else "host",
        "-m", str(config.memory_mb),
        "-smp", str(config.cpus),
        "-nographic", "-nodefaults", *([] if config.reboot else ["-no-reboot"]),
        "-serial", "stdio",
        "-kernel", str(kernel.vmlinux),
        "-initrd", str(initrd),
        "-append", " ".join(cmdline),
        "-fsdev", f"local,id=hfout,path={outdir},security_model=none",
        "-device", "virtio-9p-pci,fsdev=hfout,mount_tag=hfout",
    ]  # fmt: skip
    if config.hostroot:
        argv += [
            "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        ]  # fmt: skip
    if qmp is not None:
        argv += ["-qmp", f"unix:{qmp},server=on,wait=off"]
    if config.vmcore:
        argv += ["-device", "vmcoreinfo"]
    return argv + list(config.extra_qemu_args)


class GuestSession:
    """One booted guest that runs many commands (``with GuestSession() as g: g.run("...")``).

    Boots in ``start()`` (or ``__enter__``), waits for the agent, and ``close()`` stops
    the agent, waits for the power-off and kills QEMU if it lingers.
    """

    def __init__(
        self,
        config: GuestConfig | None = None,
        files: dict[str, bytes | Path] | None = None,
        kernel: GuestKernel | None = None,
    ):
        self.config = config or GuestConfig()
        self.files = files or {}
        self.kernel = kernel
        self.proc: subprocess.Popen[bytes] | None = None
        self._lines: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._next = 0
        self.started_at = 0.0
        self.boot_seconds: float | None = None
        self.kernel_release: str | None = None
        self.qmp_path: Path | None = None

    # -- lifecycle -------------------------------------------------------------
    def __enter__(self) -> GuestSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def outdir(self) -> Path:
        assert self._tmp is not None, "session not started"
        return Path(self._tmp.name) / "out"

    def start(self) -> None:
        if self.kernel is None:
            self.kernel = prepare_kernel(self.config.kver)
        self._tmp = tempfile.TemporaryDirectory(prefix="hotfence-guest-")
        work = Path(self._tmp.name)
        (work / "out" / "cmd").mkdir(parents=True)
        initrd = work / "initramfs.cpio"
        initrd.write_bytes(build_initramfs(self.kernel, self.config, self.files))
        self.qmp_path = work / "qmp.sock" if self.config.vmcore else None
        argv = qemu_command(self.kernel, self.config, initrd, self.outdir, self.qmp_path)
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill reaches only QEMU
            preexec_fn=_die_with_parent,
        )
        self._reader = threading.Thread(target=self._read_console, daemon=True)
        self._reader.start()
        ready = self.outdir / "res" / "ready"
        deadline = self.started_at + self.config.boot_timeout
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = (
                    "QEMU exited"
                    if self.proc.poll() is not None
                    else f"no agent after {self.config.boot_timeout:.0f} s"
                )
                self.close()
                raise GuestError(
                    f"guest boot failed ({why}); console tail:\n{self.console[-3000:]}"
                )
            time.sleep(0.05)
        self.boot_seconds = time.monotonic() - self.started_at
        self.kernel_release = ready.read_text().strip()

    def _read_console(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", errors="replace").replace("\r", "")
            with self._lock:
                self._lines.append((time.monotonic() - self.started_at, line))

    @property
    def console(self) -> str:
        """The serial console so far (kernel log and agent markers)."""
        with self._lock:
            return "".join(line for _, line in self._lines)

    def console_lines(self) -> list[tuple[float, str]]:
        """Console lines with the seconds since QEMU started when each arrived."""
        with self._lock:
            return list(self._lines)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for QEMU to exit by itself (e.g. after a panic); None if it is still running."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self, grace: float = 20.0) -> int | None:
        """Stop the agent, let the guest power off, and kill QEMU if it does not exit."""
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None and self._tmp is not None and grace > 0:
                (self.outdir / "cmd" / "stop").touch()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=grace)
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group of the QEMU we started
                self.proc.wait()
            rc = self.proc.returncode
            if self._reader is not None:
                self._reader.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        return rc

    # -- QMP and vmcore ---------------------------------------------------------
    def qmp(self, commands: list[tuple[str, dict[str, Any]]], timeout: float = 300.0) -> list[Any]:
        """Run QMP commands (name, arguments) in order; returns their ``return`` values.

        Needs ``GuestConfig(vmcore=True)``. Raises GuestError on a QMP error reply.
        """
        import json
        import socket

        if self.qmp_path is None:
            raise GuestError("QMP is only available with GuestConfig(vmcore=True)")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(self.qmp_path))
            stream = sock.makefile("rwb")

            def reply() -> dict[str, Any]:
                while True:  # skip asynchronous events (STOP, DUMP_COMPLETED, ...)
                    line = stream.readline()
                    if not line:
                        raise GuestError("QMP connection closed")
                    msg: dict[str, Any] = json.loads(line)
                    if "event" not in msg:
                        return msg

            reply()  # greeting
            results: list[Any] = []
            for name, args in [("qmp_capabilities", {})] + list(commands):
                stream.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
                stream.flush()
                msg = reply()
                if "error" in msg:
                    raise GuestError(f"QMP {name}: {msg['error'].get('desc', msg['error'])}")
                results.append(msg.get("return"))
            return results[1:]

    def dump_vmcore(self, path: Path, timeout: float = 300.0) -> Path:
        """Stop the guest and write its memory as an ELF core (``dump-guest-memory``,
        ``paging: false``; QEMU 7.2's kdump-zlib format is not readable by drgn)."""
        path = path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.qmp(
            [("stop", {}), ("dump-guest-memory", {"paging": False, "protocol": f"file:{path}"})],
            timeout,
        )
        return path

    def wait_ready(self, boots: int, timeout: float) -> bool:
        """Wait until the agent has started ``boots`` times (``GuestConfig(reboot=True)``:
        each warm reset boots it again); False on timeout or QEMU exit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.console.count(READY_MARK) >= boots:
                return True
            if not self.alive:
                break
            time.sleep(0.1)
        return self.console.count(READY_MARK) >= boots

    def wait_console(self, needle: str, timeout: float) -> bool:
        """Wait until ``needle`` appears on the console; False on timeout or QEMU exit."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.console:
                return True
            if not self.alive:
                return needle in self.console
            time.sleep(0.1)
        return False

    # -- commands --------------------------------------------------------------
    def submit(self, command: str, cwd: str = "/") -> int:
        """Queue a shell command (run by /bin/sh in the guest) and return its number."""
        if not self.alive:
            raise GuestError("guest is not running; console tail:\n" + self.console[-2000:])
        n = self._next
        self._next += 1
        cmd_dir = self.outdir / "cmd"
        (cmd_dir / f"{n}.cwd").write_text(cwd)
        tmp = cmd_dir / f".{n}.tmp"
        tmp.write_text(command + "\n")
        tmp.rename(cmd_dir / f"{n}.sh")  # atomic: the agent never sees a half-written script
        return n

    def result(self, n: int, command: str, timeout: float = 120.0) -> CommandResult:
        """Wait for command ``n`` to finish, the guest to die, or ``timeout`` seconds."""
        res = self.outdir / "res"
        rc_file = res / f"{n}.rc"
        t0 = time.monotonic()
        while not rc_file.exists():
            if not self.alive or time.monotonic() - t0 > timeout:
                return CommandResult(
                    command, None, _read(res / f"{n}.out"), _read(res / f"{n}.err"),
                    time.monotonic() - t0, self._outputs(), timed_out=self.alive,
                )  # fmt: skip
            time.sleep(0.02)
        return CommandResult(
            command, int(rc_file.read_text().strip() or -1), _read(res / f"{n}.out"), _read(res / f"{n}.err"),
            time.monotonic() - t0, self._outputs(),
        )  # fmt: skip

    def run(self, command: str, timeout: float = 120.0, cwd: str = "/") -> CommandResult:
        """Run a shell command in the guest and wait for it (see :meth:`result`)."""
        return self.result(self.submit(command, cwd), command, timeout)

    def _outputs(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for p in self.outdir.rglob("*"):
            rel = p.relative_to(self.outdir)
            if p.is_file() and rel.parts[0] not in ("cmd", "res"):
                out[str(rel)] = p.read_bytes()
        return out


def check(res: CommandResult, what: str, session: GuestSession) -> CommandResult:
    """``res`` if its command succeeded; else a GuestError with its output and the console
    tail, for the multi-boot recorders (pstore, kdump) that drive a session step by step."""
    if res.exit_code != 0:
        raise GuestError(
            f"{what}: `{res.command}` exited {res.exit_code}: {res.stdout}{res.stderr}\n"
            f"console tail:\n{session.console[-3000:]}"
        )
    return res


def _die_with_parent() -> None:
    """In the forked child before exec: SIGKILL QEMU if the Python process dies first,
    so that a killed test run leaves no guest behind (prctl PR_SET_PDEATHSIG)."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def _read(p: Path) -> str:
    try:
        return p.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def run_in_guest(
    script: str,
    files: dict[str, bytes | Path] | None = None,
    timeout: float = 120.0,
    config: GuestConfig | None = None,
    cwd: str = "/",
) -> GuestResult:
    """Boot a guest, run ``script`` with /bin/sh, power off; everything in one result.

    ``files`` land under ``/hotfence/in`` ($HOTFENCE_IN); files the script writes under
    ``$HOTFENCE_OUT`` come back in ``outputs``. If the script crashes the kernel,
    ``exit_code`` is None and ``console`` holds the panic.
    """
    session = GuestSession(config, files)
    t0 = time.monotonic()
    session.start()
    try:
        res = session.run(script, timeout=timeout, cwd=cwd)
    finally:
        qrc = session.close()
    return GuestResult(
        console=session.console, exit_code=res.exit_code, stdout=res.stdout, stderr=res.stderr,
        boot_seconds=session.boot_seconds, total_seconds=time.monotonic() - t0, outputs=res.outputs,
        kernel_release=session.kernel_release, qemu_returncode=qrc, timed_out=res.timed_out,
    )  # fmt: skip
