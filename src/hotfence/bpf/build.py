"""hotfence's BPF objects: compiled once at build time, only found and loaded at run time.

(And hotfence-hook, the agent's C client, HELPER_SOURCES: same compiler, same place.)

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
import tempfile
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
# Native programs built beside the objects, with the same clang, stamps and lock:
# hotfence-hook, the agent client of hotfence-runc's hooks (oci/hotfence-hook.c says why).
HELPER_SOURCES = (PACKAGE_DIR / "oci" / "hotfence-hook.c",)


class BuildError(RuntimeError):
    """A BPF object could not be built or found; the message says which and why."""


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    objects: dict[str, Path]  # "fence_cgroup" -> .../fence_cgroup.bpf.o (built ones only)
    rebuilt: bool  # at least one object was compiled by this call
    errors: dict[str, str] = field(default_factory=dict)  # source name -> compiler message
    helpers: dict[str, Path] = field(default_factory=dict)  # "hotfence-hook" -> its program


def sources() -> list[Path]:
    return sorted((p for d in SOURCE_DIRS for p in d.glob("*.bpf.c")), key=lambda p: p.name)


def vmlinux_h(arch: str | None = None) -> Path:
    return INCLUDE_DIR / (arch or kernel_arch()) / "vmlinux.h"


def headers(arch: str | None = None, vmlinux: Path | None = None) -> list[Path]:
    """Every header an object may include, vmlinux.h of ``arch`` (or ``vmlinux``) among them."""
    own = sorted((p for d in SOURCE_DIRS for p in d.glob("*.h")), key=lambda p: p.name)
    return [*own, vmlinux or vmlinux_h(arch)]


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


def _common_stamp(arch: str, clang: str, vmlinux: Path) -> str:
    """Inputs every object depends on: the headers (vmlinux.h included) and the compiler."""
    h = hashlib.sha256(arch.encode())
    for p in headers(arch, vmlinux):
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


def build(
    out_dir: Path | None = None,
    force: bool = False,
    arch: str | None = None,
    vmlinux: Path | None = None,
) -> BuildResult:
    """Build (or reuse) every ``*.bpf.c`` against the repository's ``vmlinux.h``.

    Each object is rebuilt only when its source, a header or clang changed (a stamp per
    object). A source that fails to compile is reported in ``errors`` and does not stop
    the others; a missing clang or vmlinux.h raises BuildError. ``vmlinux`` replaces
    the repository's header (generate_vmlinux_h builds against a kernel's whole BTF).
    """
    arch = arch or kernel_arch()
    vmlinux = vmlinux or vmlinux_h(arch)
    if not vmlinux.is_file():
        raise BuildError(
            f"{vmlinux} does not exist: generate it once on a {arch} kernel with "
            "BTF (`python -m hotfence.bpf.build --vmlinux-h`) and commit it"
        )
    out_dir = out_dir or objects_dir()
    clang = _tool("clang")
    # DWARF is a developer's aid; libbpf needs only .BTF and .BTF.ext (line info included),
    # which llvm-strip -g keeps. Objects shrink about sevenfold.
    strip = shutil.which("llvm-strip")
    common = _common_stamp(arch, clang, vmlinux)
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
                str(vmlinux.parent),
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
        helpers, helpers_rebuilt = _build_helpers(out_dir, clang, force, errors)
    return BuildResult(out_dir, objects, rebuilt or helpers_rebuilt, errors, helpers)


def _build_helpers(
    out_dir: Path, clang: str, force: bool, errors: dict[str, str]
) -> tuple[dict[str, Path], bool]:
    """The native helpers (HELPER_SOURCES), for the machine that builds (a wheel is per
    architecture anyway, as its BPF objects are), and whether one was compiled."""
    built: dict[str, Path] = {}
    rebuilt = False
    version = subprocess.run([clang, "--version"], capture_output=True, text=True).stdout
    for src in HELPER_SOURCES:
        name = src.name.removesuffix(".c")
        out = out_dir / name
        stamp_file = out_dir / f"{name}.{STAMP}"
        stamp = hashlib.sha256(version.encode() + src.read_bytes()).hexdigest()
        if not force and out.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            built[name] = out
            continue
        tmp = out.with_suffix(".tmp")
        try:
            _run([clang, "-O2", "-Wall", "-Wextra", "-Werror", str(src), "-o", str(tmp)],
                 f"clang {src.name}")  # fmt: skip
        except BuildError as exc:
            errors[name] = str(exc)
            stamp_file.unlink(missing_ok=True)
            continue
        tmp.replace(out)  # atomic: a hook starting now runs the old one or the new one
        stamp_file.write_text(stamp)
        built[name] = out
        rebuilt = True
    return built, rebuilt


# What the programs use from vmlinux.h without a CO-RE relocation, so min_core_btf keeps
# none of it: map types and update flags (compile-time constants of the UAPI) and the
# typedefs libbpf's bpf_helper_defs.h names in its prototypes.
_UAPI_CONSTANTS = ("BPF_MAP_TYPE_HASH", "BPF_ANY", "BPF_F_NO_PREALLOC")
_HELPER_TYPEDEFS = ("__be16", "__be32", "__wsum", "__s64", "__s16", "__s8", "bool")


def _blocks(c_dump: str) -> list[str]:
    """The top-level declarations of a ``bpftool btf dump ... format c`` output."""
    return [b.strip("\n") for b in c_dump.split("\n\n") if b.strip()]


def _trimmed(full: str, minimal: str) -> str:
    """``minimal`` plus the declarations of ``full`` the programs use without relocation."""
    have = set(_blocks(minimal))
    extra = []
    for block in _blocks(full):
        if block in have:
            continue
        constant = block.startswith("enum") and any(f"\t{c} = " in block for c in _UAPI_CONSTANTS)
        typedef = block.startswith("typedef") and block.rstrip(";").split()[-1] in _HELPER_TYPEDEFS
        if constant or typedef:
            extra.append(block)
    tail = "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop"
    head, _, rest = minimal.rpartition(tail)
    return head + "\n\n".join(extra) + "\n\n" + tail + rest


def generate_vmlinux_h(btf: Path = RUNNING_BTF, arch: str | None = None) -> Path:
    """Write ``bpf/include/<arch>/vmlinux.h`` from a kernel's BTF (done once, then committed).

    Only what the programs read is kept, as libbpf's ``bpftool gen min_core_btf`` finds
    it: the programs are compiled against the kernel's whole BTF dumped as C, the types
    and members their CO-RE relocations name are kept (with padding that keeps the
    kernel's offsets), and the UAPI constants and helper typedefs they use without
    relocation are added back. A program that reads a new field therefore needs this run
    again. Any kernel with those types will do: CO-RE matches fields by name at load
    time, so the objects do not depend on which kernel this header came from.
    """
    if not btf.exists():
        raise BuildError(
            f"{btf} does not exist: the kernel was built without CONFIG_DEBUG_INFO_BTF"
        )
    arch = arch or kernel_arch()
    bpftool = _tool("bpftool")
    with tempfile.TemporaryDirectory(prefix="hotfence-vmlinux-") as tmp:
        work = Path(tmp)
        full = _run([bpftool, "btf", "dump", "file", str(btf), "format", "c"], "bpftool btf dump")
        (work / "vmlinux.h").write_text(full.stdout)
        result = build(work / "objects", force=True, arch=arch, vmlinux=work / "vmlinux.h")
        if result.errors:
            raise BuildError(
                "the programs do not compile against the whole BTF:\n"
                + "\n".join(result.errors.values())
            )
        objects = [str(p) for p in sorted(result.objects.values())]
        _run(
            [bpftool, "gen", "min_core_btf", str(btf), str(work / "min.btf"), *objects],
            "bpftool gen min_core_btf",
        )
        minimal = _run(
            [bpftool, "btf", "dump", "file", str(work / "min.btf"), "format", "c"],
            "bpftool btf dump",
        )
        text = _trimmed(full.stdout, minimal.stdout)
    out = vmlinux_h(arch)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".h.tmp")
    tmp_out.write_text(
        f"/* Generated by `python -m hotfence.bpf.build --vmlinux-h` from {btf}"
        f" (Linux {os.uname().release}): the kernel types hotfence's programs use. */\n{text}"
    )
    tmp_out.replace(out)
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
        print(f"hotfence.bpf.build: {name} failed: {err}", file=sys.stderr)
    state = "built" if result.rebuilt else "up to date"
    helpers = f" and {', '.join(result.helpers)}" if result.helpers else ""
    print(f"hotfence.bpf.build: {len(result.objects)} objects{helpers} {state} in {result.out_dir}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
