"""Real pstore captures: a lab guest panics with ramoops loaded, warm-resets, and the next
boot finds the panic in /sys/fs/pstore, as a host with pstore would after a crash.

Debian's kernel builds ramoops as a module (CONFIG_PSTORE_RAM=m) and has no
CONFIG_PSTORE_CONSOLE, so the guest reserves 1 MiB of RAM with ``memmap=`` and loads
ramoops over it with module parameters (busybox modprobe), at every boot before anything
can crash. ``GuestConfig(reboot=True)`` drops QEMU's ``-no-reboot``: panic=-1 then
makes a warm system reset, which keeps RAM, so the region and its records survive into
the next boot. A reboot with sysrq-b does the same without writing a new record
(ramoops only dumps oopses and panics), which is how a test sees the same record again
one boot later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hotfence.lab.guest import GuestConfig, GuestError, GuestSession, check

RAMOOPS_ADDR = 0x30000000  # 768 MiB: above the kernel image, below the initrd at the top
RAMOOPS_SIZE = 0x100000
RECORD_SIZE = 0x20000  # one panic's dmesg (ramoops sets kmsg_bytes to it)
MEMORY_MB = 1024  # RAMOOPS_ADDR must lie inside the guest's RAM

LOAD_RAMOOPS = (
    f"modprobe ramoops mem_address={RAMOOPS_ADDR:#x} mem_size={RAMOOPS_SIZE:#x} "
    f"record_size={RECORD_SIZE:#x} console_size=0 ftrace_size=0 pmsg_size=0"
)
MOUNT_PSTORE = "mount -t pstore pstore /sys/fs/pstore"
COPY_RECORDS = (
    "mkdir -p $HOTFENCE_OUT/pstore && cp /sys/fs/pstore/* $HOTFENCE_OUT/pstore/ && "
    "ls /sys/fs/pstore"
)
PANIC = "echo c > /proc/sysrq-trigger"
REBOOT = "echo b > /proc/sysrq-trigger"  # emergency restart: a warm reset, no new record
BOOT_TIMEOUT = 400.0


@dataclass
class PstoreCapture:
    kernel: str
    records: dict[str, bytes]  # /sys/fs/pstore of the boot after the panic, by file name
    console: str  # the serial console of both boots


def pstore_config(kver: str | None = None) -> GuestConfig:
    """A guest whose panics and reboots keep the ramoops region."""
    return GuestConfig(
        kver=kver,
        memory_mb=MEMORY_MB,
        reboot=True,
        append=[f"memmap={RAMOOPS_SIZE // 1024}K${RAMOOPS_ADDR:#x}"],
        boot_timeout=BOOT_TIMEOUT,
    )


def restart(session: GuestSession, command: str, boots: int) -> None:
    """Run ``command`` (a panic or a reboot) and wait for boot number ``boots`` to come up
    and load ramoops over the kept region."""
    session.submit(command)
    if not session.wait_ready(boots, timeout=BOOT_TIMEOUT):
        raise GuestError(
            f"no boot {boots} after `{command}`; console tail:\n{session.console[-3000:]}"
        )
    check(session.run(LOAD_RAMOOPS), f"boot {boots}", session)
    check(session.run(MOUNT_PSTORE), f"boot {boots}", session)


def read_records(session: GuestSession) -> dict[str, bytes]:
    """Copy /sys/fs/pstore out of the guest (mounted by :func:`restart`)."""
    res = check(session.run(COPY_RECORDS), "copying /sys/fs/pstore", session)
    return {k.split("/", 1)[1]: v for k, v in res.outputs.items() if k.startswith("pstore/")}


def capture(kver: str | None = None) -> PstoreCapture:
    """Boot, load ramoops, panic (sysrq-c), and read the records the next boot finds."""
    with GuestSession(pstore_config(kver)) as session:
        check(session.run(LOAD_RAMOOPS), "boot 1", session)
        restart(session, PANIC, boots=2)
        records = read_records(session)
        assert session.kernel is not None
        kernel = session.kernel.kver
        console = session.console
    if not records:
        raise GuestError("the boot after the panic found /sys/fs/pstore empty")
    return PstoreCapture(kernel, records, console)


def write_capture(cap: PstoreCapture, out: Path) -> list[Path]:
    """``out/sysfs-pstore/<record>`` as /sys/fs/pstore held them, and ``out/serial.log``."""
    root = out / "sysfs-pstore"
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in sorted(cap.records.items()):
        (root / name).write_bytes(data)
        written.append(root / name)
    (out / "serial.log").write_text(cap.console)
    return [*written, out / "serial.log"]
