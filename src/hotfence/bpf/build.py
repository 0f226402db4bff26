"""hotfence's BPF objects: compiled once at build time, only found and loaded at run time.

Build time: every ``*.bpf.c`` of the package (the feature probes here in ``bpf/``, the
fence programs in ``fence/``, the watch programs in ``watch/``) is compiled with
``clang -O2 -g -target bpf`` against the ``vmlinux.h`` kept in the repository under
``bpf/include/<arch>/``. The objects are CO-RE: libbpf relocates every kernel field they
read against the running kernel's own BTF when it loads them, so one build loads on every
kernel that has BTF (6.1 to 6.18 are tested), as bcc's libbpf-tools do. A wheel build
runs this from ``setup.py`` and installs the objects as package data (``bpf/objects/``).

Run time: :func:`object_path` only finds an object (``$HOTFENCE_BPF_BUILD`` when set,
else the installed package data); nothing at run time needs clang, bpftool or the BTF.

In a checkout (the dev path), each object is rebuilt only when its stamp (its source, the
headers and the clang version) changed; a file lock serialises concurrent builds::

    python -m hotfence.bpf.build [--out DIR] [--force]
    python -m hotfence.bpf.build --vmlinux-h [--btf FILE]   # regenerate vmlinux.h
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hotfence.linux.kernel import kernel_arch

log = logging.getLogger(__name__)

BPF_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = BPF_DIR.parent
# Each layer owns its programs; bpf/ itself keeps only the feature probes and the headers
# every program shares (core_fixes.h).
SOURCE_DIRS = (BPF_DIR, PACKAGE_DIR / "fence", PACKAGE_DIR / "watch")
INCLUDE_DIR = BPF_DIR / "include"
INSTALLED_DIR = BPF_DIR / "objects"
RUNNING_BTF = Path("/sys/kernel/btf/vmlinux")
STAMP = "stamp"  # <name>.stamp next to <name>.bpf.o


class BuildError(RuntimeError):
    """A BPF object could not be built or found; the message says which and why."""


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    objects: dict[str, Path]  # "fence_cgroup" -> .../fence_cgroup.bpf.o (built ones only)
    rebuilt: bool  # at least one object was compiled by this call
    errors: dict[str, str] = field(default_factory=dict)  # source name -> compiler message


def sources() -> list[Path]:
    return sorted((p for d in SOURCE_DIRS for p in d.glob("*.bpf.c")), key=lambda p: p.name)


def vmlinux_h(arch: str | None = None) -> Path:
    return INCLUDE_DIR / (arch or kernel_arch()) / "vmlinux.h"


def headers(arch: str | None = None) -> list[Path]:
    """Every header an object may include, vmlinux.h of ``arch`` among them."""
    own = sorted((p for d in SOURCE_DIRS for p in d.glob("*.h")), key=lambda p: p.name)
    return [*own, vmlinux_h(arch)]


def objects_dir() -> Path:
    """Where the objects are: ``$HOTFENCE_BPF_BUILD``, else the installed package data."""
    env = os.environ.get("HOTFENCE_BPF_BUILD")
    return Path(env) if env else INSTALLED_DIR


def object_path(name: str) -> Path:
    """The compiled ``<name>.bpf.o``; never compiles anything."""
    path = objects_dir() / f"{name}.bpf.o"
    if not path.is_file():
        raise BuildError(
            f"no BPF object {path}: this hotfence was installed without its compiled "
            "programs (build the wheel where clang is installed, or in a checkout run "
            "`python -m hotfence.bpf.build`)"
        )
    return path


def _tool(name: str) -> str:
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
    )
    if not path:
        raise BuildError(
            f"{name} not found on PATH: install it (Debian package "
            f"{'bpftool' if name == 'bpftool' else 'clang'}; scripts/setup.sh does this)"
        )
    return path


def _common_stamp(arch: str, clang: str) -> str:
    """Inputs every object depends on: the headers (vmlinux.h included) and the compiler."""
    h = hashlib.sha256(arch.encode())
    for p in headers(arch):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    h.update(subprocess.run([clang, "--version"], capture_output=True, text=True).stdout.encode())
    return h.hexdigest()


def _stamp(common: str, src: Path) -> str:
    return hashlib.sha256(common.encode() + src.read_bytes()).hexdigest()


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    # Several processes (tests, CLIs) may build at once; one builds, the others wait.
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"{what} failed ({' '.join(cmd)}):\n{proc.stderr.strip()}")
    return proc


def build(out_dir: Path | None = None, force: bool = False, arch: str | None = None) -> BuildResult:
    """Build (or reuse) every ``*.bpf.c`` against the repository's ``vmlinux.h``.

    Each object is rebuilt only when its source, a header or clang changed (a stamp per
    object). A source that fails to compile is reported in ``errors`` and does not stop
    the others; a missing clang or vmlinux.h raises BuildError.
    """
    arch = arch or kernel_arch()
    if not vmlinux_h(arch).is_file():
        raise BuildError(
            f"{vmlinux_h(arch)} does not exist: generate it once on a {arch} kernel with "
            "BTF (`python -m hotfence.bpf.build --vmlinux-h`) and commit it"
        )
    out_dir = out_dir or objects_dir()
    clang = _tool("clang")
    # DWARF is a developer's aid; libbpf needs only .BTF and .BTF.ext (line info included),
    # which llvm-strip -g keeps. Objects shrink about sevenfold.
    strip = shutil.which("llvm-strip")
    common = _common_stamp(arch, clang)
    objects: dict[str, Path] = {}
    errors: dict[str, str] = {}
    rebuilt = False
    with _locked(out_dir):
        for src in sources():
            name = src.name.removesuffix(".bpf.c")
            obj = out_dir / f"{name}.bpf.o"
            stamp_file = out_dir / f"{name}.{STAMP}"
            stamp = _stamp(common, src)
            if (
                not force
                and obj.exists()
                and stamp_file.exists()
                and stamp_file.read_text() == stamp
            ):
                objects[name] = obj
                continue
            tmp = obj.with_suffix(".o.tmp")
            cmd = [
                clang,
                "-O2",
                "-g",
                "-Wall",
                "-Werror",
                "-target",
                "bpf",
                f"-D__TARGET_ARCH_{arch}",
                "-I",
                str(vmlinux_h(arch).parent),
                "-I",
                str(BPF_DIR),
                "-I",
                str(src.parent),
                "-c",
                str(src),
                "-o",
                str(tmp),
            ]
            try:
                _run(cmd, f"clang {src.name}")
                if strip:
                    _run([strip, "-g", str(tmp)], f"llvm-strip {tmp.name}")
            except BuildError as exc:
                errors[name] = str(exc)
                stamp_file.unlink(missing_ok=True)
                continue
            tmp.replace(obj)  # atomic: a concurrent loader never sees half an object
            stamp_file.write_text(stamp)
            objects[name] = obj
            rebuilt = True
    return BuildResult(out_dir, objects, rebuilt, errors)


def generate_vmlinux_h(btf: Path = RUNNING_BTF, arch: str | None = None) -> Path:
    """Write ``bpf/include/<arch>/vmlinux.h`` from a kernel's BTF (done once, then committed).

    Any kernel with the types the programs read will do: CO-RE matches fields by name at
    load time, so the objects do not depend on which kernel this header came from.
    """
    if not btf.exists():
        raise BuildError(
            f"{btf} does not exist: the kernel was built without CONFIG_DEBUG_INFO_BTF"
        )
    dump = _run(
        [_tool("bpftool"), "btf", "dump", "file", str(btf), "format", "c"], "bpftool btf dump"
    )
    out = vmlinux_h(arch)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".h.tmp")
    tmp.write_text(
        f"/* Generated by `python -m hotfence.bpf.build --vmlinux-h` from {btf}"
        f" (Linux {os.uname().release}); do not edit. */\n{dump.stdout}"
    )
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hotfence.bpf.build", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=None, help="build directory")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument(
        "--vmlinux-h", action="store_true", help="regenerate bpf/include/<arch>/vmlinux.h"
    )
    parser.add_argument(
        "--btf", type=Path, default=RUNNING_BTF, help="BTF for --vmlinux-h (default: running)"
    )
    args = parser.parse_args(argv)
    try:
        if args.vmlinux_h:
            print(f"hotfence.bpf.build: wrote {generate_vmlinux_h(args.btf)}")
        result = build(args.out, args.force)
    except BuildError as exc:
        print(f"hotfence.bpf.build: {exc}", file=sys.stderr)
        return 1
    for name, err in result.errors.items():
        print(f"hotfence.bpf.build: {name}.bpf.c failed: {err}", file=sys.stderr)
    state = "built" if result.rebuilt else "up to date"
    print(f"hotfence.bpf.build: {len(result.objects)} objects {state} in {result.out_dir}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
