"""Fetch and unpack a Debian stock kernel for the guest harness, outside the repository.

Reads Debian's ``linux-image-<kver>`` / ``linux-headers-<kver>`` (+ the ``-common`` and
``linux-kbuild`` packages apt names as its dependencies) ``.deb`` packages, fetched with ``apt-get download`` and
unpacked with ``dpkg-deb -x`` into ``~/.cache/hotfence/guest/<kver>/`` (nothing is
installed into the host's /boot or /lib/modules). From the bzImage it extracts the
uncompressed ELF ``vmlinux`` (QEMU boots it through its PVH entry note, skipping the
in-kernel decompressor, which is slow under TCG), and can dump the kernel's BTF as a C header (``vmlinux.h``) without booting.
"""

from __future__ import annotations

import contextlib
import fcntl
import lzma
import os
import re
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# The Debian kernel flavour and series the harness uses; the ABI number (6.1.0-N) is
# resolved to the newest apt offers unless HOTFENCE_GUEST_KVER pins one.
DEFAULT_SERIES = "6.1.0"
DEFAULT_FLAVOUR = "amd64"
KVER_ENV = "HOTFENCE_GUEST_KVER"
CACHE_ENV = "HOTFENCE_GUEST_CACHE"

# XEN_ELFNOTE_PHYS32_ENTRY: the PVH entry point QEMU's -kernel loader looks for.
XEN_ELFNOTE_PHYS32_ENTRY = 18


class GuestKernelError(RuntimeError):
    """A guest kernel could not be fetched, unpacked or prepared; the message says which step."""


@dataclass(frozen=True)
class GuestKernel:
    """A Debian kernel unpacked under ``root`` (a dpkg-deb -x tree) plus derived files."""

    kver: str  # "6.1.0-56-amd64"
    root: Path  # the unpacked tree: boot/, lib/modules/<kver>/, usr/src/...
    vmlinux: Path  # uncompressed ELF with a PVH note, extracted from the bzImage

    @property
    def bzimage(self) -> Path:
        return self.root / "boot" / f"vmlinuz-{self.kver}"

    @property
    def config(self) -> Path:
        return self.root / "boot" / f"config-{self.kver}"

    @property
    def system_map(self) -> Path:
        return self.root / "boot" / f"System.map-{self.kver}"

    @property
    def modules_dir(self) -> Path:
        return self.root / "lib" / "modules" / self.kver

    @property
    def headers_dir(self) -> Path:
        """The ``make -C`` directory for out-of-tree modules (see :func:`prepare_headers`)."""
        return self.root / "usr" / "src" / f"linux-headers-{self.kver}"


def cache_root() -> Path:
    """Where unpacked kernels live: $HOTFENCE_GUEST_CACHE or ~/.cache/hotfence/guest."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hotfence" / "guest"


def _run(cmd: list[str], cwd: Path | None = None, what: str = "") -> str:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise GuestKernelError(
            f"{what or cmd[0]}: {cmd[0]} not found (install it via scripts/setup.sh)"
        ) from exc
    if proc.returncode != 0:
        raise GuestKernelError(
            f"{what or cmd[0]}: `{' '.join(cmd)}` exited {proc.returncode}: {proc.stderr.strip()[-800:]}"
        )
    return proc.stdout


def _deb_size(pkg: str) -> int | None:
    """The download size apt records for ``pkg`` (its ``Size:`` field), if it knows one."""
    try:
        out = _run(["apt-cache", "show", "--no-all-versions", pkg], what=f"apt-cache show {pkg}")
    except GuestKernelError:
        return None
    found = re.search(r"^Size: (\d+)$", out, re.M)
    return int(found.group(1)) if found else None


def _download(pkg: str, debdir: Path) -> None:
    """``apt-get download pkg`` into ``debdir``, with a progress bar on a terminal.

    apt writes the .deb (or its ``partial/`` file) as it arrives; its size is the
    progress. Kernel packages are 100 to 900 MB: minutes of silence otherwise.
    """
    from hotfence import console

    cmd = ["apt-get", "download", "-q", pkg]
    before = {p: p.stat().st_size for p in debdir.rglob("*") if p.is_file()}

    def arrived() -> int:
        total = 0
        for p in debdir.rglob(f"{pkg}_*"):
            with contextlib.suppress(OSError):  # renamed from partial/ meanwhile
                total += p.stat().st_size - before.get(p, 0)
        return total

    with console.progress(f"download {pkg}", _deb_size(pkg), unit="bytes") as advance:
        try:
            proc = subprocess.Popen(
                cmd, cwd=debdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        except FileNotFoundError as exc:
            raise GuestKernelError(
                f"download {pkg}: apt-get not found (install it via scripts/setup.sh)"
            ) from exc
        shown = 0
        while True:
            done = proc.poll() is not None
            now = arrived()
            advance(now - shown)
            shown = now
            if done:  # counted once more after apt exits: the bar ends on the whole file
                break
            time.sleep(0.25)
        _, err = proc.communicate()
    if proc.returncode != 0:
        raise GuestKernelError(
            f"download {pkg}: `{' '.join(cmd)}` exited {proc.returncode}: {err.strip()[-800:]}"
        )


def newest_kver(series: str = DEFAULT_SERIES, flavour: str = DEFAULT_FLAVOUR) -> str:
    """The newest ``<series>-N-<flavour>`` for which apt knows a linux-image package."""
    out = _run(["apt-cache", "pkgnames", f"linux-image-{series}-"], what="apt-cache")
    pat = re.compile(rf"^linux-image-({re.escape(series)}-(\d+)-{re.escape(flavour)})$")
    found = [(int(m.group(2)), m.group(1)) for m in map(pat.match, out.split()) if m]
    if not found:
        raise GuestKernelError(
            f"apt knows no linux-image-{series}-N-{flavour} package (run apt-get update?)"
        )
    return max(found)[1]


def selected_kver() -> str:
    """$HOTFENCE_GUEST_KVER if set, else the newest Debian 6.1 amd64 kernel apt offers."""
    return os.environ.get(KVER_ENV) or newest_kver()


def _packages(kver: str, with_headers: bool) -> list[str]:
    pkgs = [f"linux-image-{kver}"]
    if with_headers:
        headers = f"linux-headers-{kver}"
        out = _run(["apt-cache", "depends", headers], what=f"apt-cache depends {headers}")
        pkgs += [headers, *build_deps(out)]
    return pkgs


# "  Depends: linux-headers-6.12.115+deb12-common" / " |Depends: linux-kbuild-6.1"
_BUILD_DEP_RE = re.compile(
    r"^\s*\|?Depends: (linux-headers-\S+-common(?:-rt)?|linux-kbuild-\S+)\s*$", re.M
)


def build_deps(apt_depends: str) -> list[str]:
    """The ``-common`` headers and ``linux-kbuild`` packages a linux-headers package needs,
    from ``apt-cache depends`` output.

    Read from apt rather than derived from the release: 6.1 names them after the ABI and
    the series (``linux-headers-6.1.0-56-common``, ``linux-kbuild-6.1``), 6.12 after the
    full upstream version (``linux-headers-6.12.115+deb12-common``,
    ``linux-kbuild-6.12.115+deb12``), and no name pattern covers both.
    """
    found = list(dict.fromkeys(_BUILD_DEP_RE.findall(apt_depends)))
    if not any(p.startswith("linux-kbuild-") for p in found):
        raise GuestKernelError(f"apt-cache depends names no linux-kbuild package:\n{apt_depends}")
    return found


def _fetch_and_unpack(kver: str, root: Path, pkgs: list[str]) -> None:
    debdir = root / "debs"
    debdir.mkdir(parents=True, exist_ok=True)
    for pkg in pkgs:
        stamp = root / f".unpacked-{pkg}"
        if stamp.exists():
            continue
        have = sorted(debdir.glob(f"{pkg}_*.deb"))
        if not have:
            # apt-get download writes into the cwd; as root it warns about the _apt
            # sandbox user not being able to write there, which is harmless.
            _download(pkg, debdir)
            have = sorted(debdir.glob(f"{pkg}_*.deb"))
        if not have:
            raise GuestKernelError(f"download {pkg}: apt-get produced no .deb in {debdir}")
        _run(["dpkg-deb", "-x", str(have[-1]), str(root)], what=f"unpack {have[-1].name}")
        stamp.touch()


def extract_vmlinux(bzimage: bytes) -> bytes:
    """The uncompressed ELF vmlinux embedded in a bzImage.

    Like the kernel's scripts/extract-vmlinux: look for each compression magic in turn,
    try to decompress from there, and keep the first result that is an ELF image.
    """
    import zstandard

    # Debian builds 6.1 with xz, 6.12 with zstd.
    candidates: list[tuple[str, bytes]] = [
        ("xz", b"\xfd7zXZ\x00"),
        ("zstd", b"\x28\xb5\x2f\xfd"),
        ("gzip", b"\x1f\x8b\x08"),
    ]
    for kind, magic in candidates:
        pos = bzimage.find(magic)
        while pos >= 0:
            try:
                if kind == "xz":
                    out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(bzimage[pos:])
                elif kind == "zstd":
                    # a decompressobj stops at the end of the frame: the bzImage goes on
                    out = zstandard.ZstdDecompressor().decompressobj().decompress(bzimage[pos:])
                else:
                    out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bzimage[pos:])
            except (lzma.LZMAError, zlib.error, zstandard.ZstdError):
                out = b""
            if out[:4] == b"\x7fELF":
                return out
            pos = bzimage.find(magic, pos + 1)
    raise GuestKernelError("bzImage: no xz, zstd or gzip stream decompresses to an ELF vmlinux")


def pvh_entry(vmlinux: Path) -> int | None:
    """The XEN_ELFNOTE_PHYS32_ENTRY address of an ELF vmlinux, or None if it has none."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.segments import NoteSegment

    with vmlinux.open("rb") as fh:
        elf = ELFFile(fh)
        for seg in elf.iter_segments():
            if not isinstance(seg, NoteSegment):
                continue
            for note in seg.iter_notes():
                # pyelftools types n_type as str, but an unknown (Xen) type stays an int
                n_type: object = note["n_type"]
                if note["n_name"] == "Xen" and n_type == XEN_ELFNOTE_PHYS32_ENTRY:
                    desc = note["n_desc"]
                    raw = desc.encode("latin-1") if isinstance(desc, str) else bytes(desc)
                    entry: int = struct.unpack("<I", raw[:4])[0]
                    return entry
    return None


def prepare_kernel(
    kver: str | None = None, with_headers: bool = False, cache: Path | None = None
) -> GuestKernel:
    """Fetch (once) and unpack a Debian kernel; returns paths to everything the harness uses.

    ``with_headers`` also fetches linux-headers + common + kbuild, for building modules.
    """
    kver = kver or selected_kver()
    root = (cache or cache_root()) / kver
    root.mkdir(parents=True, exist_ok=True)
    # Several test runs may prepare the same kernel at once (the cache is per user).
    with locked(root.parent / f".{kver}.lock"):
        return _prepare_locked(kver, root, with_headers)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive flock on ``path`` for the duration of the ``with`` block."""
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _prepare_locked(kver: str, root: Path, with_headers: bool) -> GuestKernel:
    _fetch_and_unpack(kver, root, _packages(kver, with_headers))
    kernel = GuestKernel(kver=kver, root=root, vmlinux=root / f"vmlinux-{kver}")
    if not kernel.bzimage.exists():
        raise GuestKernelError(f"{kernel.bzimage}: missing after unpacking linux-image-{kver}")
    if not kernel.vmlinux.exists():
        tmp = kernel.vmlinux.with_suffix(".tmp")
        tmp.write_bytes(extract_vmlinux(kernel.bzimage.read_bytes()))
        if pvh_entry(tmp) is None:
            raise GuestKernelError(
                f"{tmp}: extracted vmlinux has no Xen PVH entry note; QEMU cannot boot it"
            )
        tmp.replace(kernel.vmlinux)
    depmod_stamp = root / ".depmod-done"
    if not depmod_stamp.exists():
        # The .deb ships no modules.dep/modules.alias (its postinst runs depmod). The
        # guest's busybox modprobe needs them for the kernel's module autoload
        # (socket(AF_ALG) -> request_module("net-pf-38")); busybox depmod writes both.
        busybox = shutil.which("busybox") or "/bin/busybox"
        _run([busybox, "depmod", "-b", str(root), kver], what="busybox depmod")
        depmod_stamp.touch()
    if with_headers:
        prepare_headers(kernel)
    return kernel


def prepare_headers(kernel: GuestKernel) -> None:
    """Make the unpacked headers usable with ``make -C`` from the cache directory.

    Debian's per-flavour headers Makefile includes the ``-common`` tree by its absolute
    /usr/src path, and ``lib/modules/<kver>/build`` points there too; rewrite both to
    the unpacked copies so that nothing under the host's /usr/src is needed.
    """
    abi = kernel.kver.rsplit("-", 1)[0]
    common = kernel.root / "usr" / "src" / f"linux-headers-{abi}-common"
    makefile = kernel.headers_dir / "Makefile"
    if not makefile.exists() or not common.is_dir():
        raise GuestKernelError(
            f"{kernel.headers_dir}: headers not unpacked (prepare_kernel(with_headers=True))"
        )
    text = makefile.read_text()
    wanted = f"include {common}/Makefile\n"
    if text != wanted:
        makefile.write_text(wanted)
    build = kernel.modules_dir / "build"
    if build.is_symlink() and Path(os.readlink(build)) != kernel.headers_dir:
        build.unlink()
        build.symlink_to(kernel.headers_dir)


def debug_vmlinux_path(kernel: GuestKernel) -> Path:
    """Where :func:`prepare_debug_vmlinux` puts the DWARF vmlinux (may not exist yet)."""
    return kernel.root / "usr" / "lib" / "debug" / "boot" / f"vmlinux-{kernel.kver}"


def prepare_debug_vmlinux(kernel: GuestKernel, keep_deb: bool = False) -> Path:
    """The kernel's vmlinux with DWARF, from ``linux-image-<kver>-dbg`` (about 860 MB).

    Only ``usr/lib/debug/boot/vmlinux-<kver>`` is extracted (the package also holds
    every module's debug info); the .deb is deleted afterwards unless ``keep_deb``.
    """
    out = debug_vmlinux_path(kernel)
    with locked(kernel.root.parent / f".{kernel.kver}.lock"):
        if out.exists():
            return out
        pkg = f"linux-image-{kernel.kver}-dbg"
        debdir = kernel.root / "debs"
        debdir.mkdir(parents=True, exist_ok=True)
        have = sorted(debdir.glob(f"{pkg}_*.deb"))
        if not have:
            _download(pkg, debdir)
            have = sorted(debdir.glob(f"{pkg}_*.deb"))
        if not have:
            raise GuestKernelError(f"download {pkg}: apt-get produced no .deb in {debdir}")
        member = f"./usr/lib/debug/boot/vmlinux-{kernel.kver}"
        deb = subprocess.Popen(
            ["dpkg-deb", "--fsys-tarfile", str(have[-1])], stdout=subprocess.PIPE
        )
        tar = subprocess.run(
            ["tar", "-x", "-C", str(kernel.root), member],
            stdin=deb.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        assert deb.stdout is not None
        deb.stdout.close()
        deb.wait()
        if tar.returncode != 0 or deb.returncode != 0 or not out.exists():
            raise GuestKernelError(
                f"{have[-1].name}: extracting {member} failed: {tar.stderr.strip()[-500:]}"
            )
        if not keep_deb:
            have[-1].unlink()
        return out


def vmlinux_h(kernel: GuestKernel, out: Path | None = None) -> Path:
    """Write the guest kernel's ``vmlinux.h`` (``bpftool btf dump file vmlinux format c``)."""
    out = out or kernel.root / "vmlinux.h"
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    text = _run(
        [bpftool, "btf", "dump", "file", str(kernel.vmlinux), "format", "c"],
        what="bpftool btf dump",
    )
    out.write_text(text)
    return out
