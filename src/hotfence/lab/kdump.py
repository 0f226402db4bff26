"""Real kdump captures: a lab guest loads a capture kernel with ``kexec -p``, panics, and
the capture kernel saves /proc/vmcore as Debian's kdump-tools does.

The guest boots with ``crashkernel=`` so the kernel reserves memory for the capture
kernel. With the host's root shared into the guest (kexec-tools and makedumpfile are
the host's Debian packages), the first boot loads the same Debian kernel and the same
lab initramfs as the capture kernel, with kdump's usual extra words (``irqpoll
nr_cpus=1 reset_devices``), and panics with sysrq-c. The kernel then boots the capture
kernel instead of rebooting; its lab agent runs kdump-tools' two commands on
/proc/vmcore:

* ``makedumpfile -c -d 31 /proc/vmcore dump.<stamp>`` (kdump-tools' default
  MAKEDUMP_ARGS: zlib-compressed kdump format, free / cache / user / zero pages left out)
* ``makedumpfile --dump-dmesg /proc/vmcore dmesg.<stamp>``

into ``var-crash/<YYYYMMDDHHMM>/``, the layout kdump-tools writes under /var/crash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from hotfence.lab.debkernel import prepare_kernel
from hotfence.lab.guest import GuestConfig, GuestError, GuestSession, check

MEMORY_MB = 768
# The capture kernel with the lab's initramfs (busybox, a few modules) and the host root
# over 9p fits easily; Debian's kdump-tools suggests 256M for a full distribution initrd.
CRASHKERNEL = "crashkernel=192M"
CAPTURE_APPEND = "irqpoll nr_cpus=1 reset_devices"  # what kdump-tools adds
BOOT_TIMEOUT = 600.0
# kdump-tools: KDUMP_STAMP=$(date +"%Y%m%d%H%M"), files dump.$STAMP and dmesg.$STAMP.
SAVE = (
    "STAMP=$(date -u +%Y%m%d%H%M) && D=$HOTFENCE_OUT/var-crash/$STAMP && mkdir -p $D && "
    "makedumpfile -c -d 31 /proc/vmcore $D/dump.$STAMP && "
    "makedumpfile --dump-dmesg /proc/vmcore $D/dmesg.$STAMP && ls -l $D"
)
PANIC = "echo c > /proc/sysrq-trigger"


@dataclass
class KdumpCapture:
    kernel: str
    files: dict[str, bytes]  # var-crash/<stamp>/<file> -> contents
    console: str  # serial console of both kernels
    seconds: float


def load_command(bzimage: Path, initrd: Path) -> str:
    """``kexec -p`` with this boot's command line minus ``crashkernel=`` plus kdump's words."""
    return (
        "CMDLINE=$(sed -e 's/crashkernel=[^ ]*//' /proc/cmdline) && "
        f'kexec -p {bzimage} --initrd={initrd} --append="$CMDLINE {CAPTURE_APPEND}" && '
        "cat /sys/kernel/kexec_crash_loaded"
    )


def capture(kver: str | None = None) -> KdumpCapture:
    """Boot, load the capture kernel, panic, save /proc/vmcore from the capture kernel."""
    kernel = prepare_kernel(kver)
    config = GuestConfig(
        kver=kernel.kver, memory_mb=MEMORY_MB, append=[CRASHKERNEL], boot_timeout=BOOT_TIMEOUT
    )
    t0 = time.monotonic()
    with GuestSession(config, kernel=kernel) as session:
        # The initramfs this boot came from lies beside the share, in the host's /tmp,
        # which the guest sees through the host root.
        initrd = session.outdir.parent / "initramfs.cpio"
        res = check(session.run(load_command(kernel.bzimage, initrd)), "kexec -p", session)
        if res.stdout.strip() != "1":
            raise GuestError(f"capture kernel not loaded (kexec_crash_loaded={res.stdout!r})")
        session.submit(PANIC)
        if not session.wait_ready(2, timeout=BOOT_TIMEOUT):
            raise GuestError(
                f"the capture kernel did not come up; console tail:\n{session.console[-3000:]}"
            )
        saved = check(session.run(SAVE, timeout=BOOT_TIMEOUT), "saving /proc/vmcore", session)
        files = {k: v for k, v in saved.outputs.items() if k.startswith("var-crash/")}
        console = session.console
    if not files:
        raise GuestError("the capture kernel saved nothing")
    return KdumpCapture(kernel.kver, files, console, round(time.monotonic() - t0, 1))


def write_capture(cap: KdumpCapture, out: Path) -> list[Path]:
    """``out/var-crash/<stamp>/{dump,dmesg}.<stamp>`` and ``out/serial.log``."""
    written = []
    for rel, data in sorted(cap.files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    (out / "serial.log").write_text(cap.console)
    return [*written, out / "serial.log"]
