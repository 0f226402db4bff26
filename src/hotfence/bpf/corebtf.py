"""The running kernel's BTF cut down to what one BPF object's CO-RE relocations use.

libbpf resolves an object's CO-RE relocations (``BPF_CORE_READ`` and friends) against
the kernel's BTF, and reads and parses all of ``/sys/kernel/btf/vmlinux`` (~5 MB) to do
so, on every load: for the fence object that is more than half of the ~22 ms a load
takes here, and the agent loads one per fenced container. ``bpftool gen min_core_btf``
(BTFGen, as BTFHub uses it) writes the few types the relocations actually touch (a few
hundred bytes); handed to libbpf as ``btf_custom_path``, a load takes ~9 ms.

The cut is made once per boot and object (``/run`` is a tmpfs: a new kernel starts with
none) and kept beside the fence state. Without bpftool, or if it fails, objects load
against the full vmlinux BTF as before: this only saves time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from hotfence.linux import rundir

log = logging.getLogger(__name__)

VMLINUX_BTF = Path("/sys/kernel/btf/vmlinux")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def cache_dir() -> Path:
    # Beside the fence state, so a test's private state directory gets a private cache too.
    return Path(rundir.beside_state("core-btf"))


# (object path, its size and mtime) -> the cut, or None when none can be made
_made: dict[tuple[str, int, int], Path | None] = {}


def core_btf(object_path: Path) -> Path | None:
    """The minimal BTF for ``object_path``'s relocations on this kernel, made if needed."""
    st = object_path.stat()
    key = (str(object_path), st.st_size, st.st_mtime_ns)
    if key not in _made:
        _made[key] = _make(object_path)
    return _made[key]


def _bpftool() -> str | None:
    # Debian puts it in /usr/sbin, not on a plain user's PATH.
    return shutil.which("bpftool", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def _make(object_path: Path) -> Path | None:
    bpftool = _bpftool()
    if bpftool is None or not VMLINUX_BTF.exists():
        log.debug("no bpftool or no %s: %s loads with the full BTF", VMLINUX_BTF, object_path.name)
        return None
    # The object's bytes and the boot name the cut: a rebuilt object or a new kernel
    # (after a reboot, with a cache directory that outlived it) never use a stale one.
    digest = hashlib.sha256(object_path.read_bytes())
    digest.update(BOOT_ID.read_bytes() if BOOT_ID.exists() else b"")
    out = cache_dir() / f"{object_path.stem}-{digest.hexdigest()[:16]}.btf"
    if out.exists():
        return out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=".btf")
        os.close(fd)
        try:
            subprocess.run(
                [bpftool, "gen", "min_core_btf", str(VMLINUX_BTF), tmp, str(object_path)],
                check=True,
                capture_output=True,
                timeout=30,
            )
            os.replace(tmp, out)  # whole or not at all, for other processes reading it
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except (OSError, subprocess.SubprocessError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        log.warning(
            "bpftool gen min_core_btf %s: %s %s (loads use the full kernel BTF)",
            object_path.name,
            exc,
            err.decode(errors="replace").strip(),
        )
        return None
    return out
