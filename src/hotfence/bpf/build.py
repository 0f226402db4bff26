"""Build the BPF objects for a kernel: vmlinux.h from its BTF, then clang -target bpf.

Reads the kernel's BTF (``/sys/kernel/btf/vmlinux`` for the running kernel, or a guest
kernel's vmlinux / raw BTF file) with ``bpftool btf dump ... format c`` and compiles every
``*.bpf.c`` next to this file with ``clang -O2 -g -target bpf`` (CO-RE), into a build
directory outside git: ``$HOTFENCE_BPF_BUILD`` or ``~/.cache/hotfence/bpf/<tag>``.

Each object is reused while its stamp (hash of its source, the shared headers, the BTF
and the clang version) matches; anything changed rebuilds it. A file lock serialises
concurrent builds into the same directory.

    python -m hotfence.bpf.build [--btf FILE] [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SOURCE_DIR = Path(__file__).resolve().parent
RUNNING_BTF = Path("/sys/kernel/btf/vmlinux")
STAMP = "stamp"  # <name>.stamp next to <name>.bpf.o


class BuildError(RuntimeError):
    """The BPF objects could not be built; the message says which tool and why."""


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    objects: dict[str, Path]  # "fence_cgroup" -> .../fence_cgroup.bpf.o (built ones only)
    rebuilt: bool  # at least one object was compiled by this call
    errors: dict[str, str] = field(default_factory=dict)  # source name -> compiler message


def sources() -> list[Path]:
    return sorted(SOURCE_DIR.glob("*.bpf.c"))


def headers() -> list[Path]:
    return sorted(p for p in SOURCE_DIR.glob("*.h") if p.name != "vmlinux.h")


def default_out_dir(btf: Path = RUNNING_BTF) -> Path:
    env = os.environ.get("HOTFENCE_BPF_BUILD")
    if env:
        return Path(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = platform.release() if btf == RUNNING_BTF else f"btf-{_btf_identity(btf)[:16]}"
    return cache / "hotfence" / "bpf" / tag


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


def _btf_identity(btf: Path) -> str:
    # The BTF content identifies the kernel's types; hashing it is cheap (a few MB).
    h = hashlib.sha256()
    with open(btf, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _common_stamp(btf: Path, clang: str) -> str:
    """Inputs every object depends on: the shared headers, the kernel's BTF, the compiler."""
    h = hashlib.sha256()
    for p in headers():
        h.update(p.name.encode())
        h.update(p.read_bytes())
    h.update(_btf_identity(btf).encode())
    h.update(subprocess.run([clang, "--version"], capture_output=True, text=True).stdout.encode())
    return h.hexdigest()


def _stamp(common: str, src: Path) -> str:
    return hashlib.sha256(common.encode() + src.read_bytes()).hexdigest()


@contextlib.contextmanager
def _locked(out_dir: Path):
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


def build(btf: Path = RUNNING_BTF, out_dir: Path | None = None, force: bool = False) -> BuildResult:
    """Build (or reuse) every ``*.bpf.c`` against ``btf``.

    Each object is rebuilt only when its source, a shared header, the BTF or clang
    changed (a stamp per object). A source that fails to compile is reported in
    ``errors`` and does not stop the others; missing tools or BTF raise BuildError.
    """
    if not btf.exists():
        raise BuildError(
            f"{btf} does not exist: the kernel was built without CONFIG_DEBUG_INFO_BTF"
        )
    out_dir = out_dir or default_out_dir(btf)
    clang = _tool("clang")
    common = _common_stamp(btf, clang)
    arch = {"x86_64": "x86", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    objects: dict[str, Path] = {}
    errors: dict[str, str] = {}
    rebuilt = False
    with _locked(out_dir):
        vmlinux_h = out_dir / "vmlinux.h"
        btf_stamp = out_dir / "vmlinux.h.stamp"
        if (
            force
            or not vmlinux_h.exists()
            or not btf_stamp.exists()
            or btf_stamp.read_text() != common
        ):
            bpftool = _tool("bpftool")
            dump = _run(
                [bpftool, "btf", "dump", "file", str(btf), "format", "c"], "bpftool btf dump"
            )
            tmp = vmlinux_h.with_suffix(".h.tmp")
            tmp.write_text(dump.stdout)
            tmp.replace(vmlinux_h)
            btf_stamp.write_text(common)
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
                str(out_dir),
                "-I",
                str(SOURCE_DIR),
                "-c",
                str(src),
                "-o",
                str(tmp),
            ]
            try:
                _run(cmd, f"clang {src.name}")
            except BuildError as exc:
                errors[name] = str(exc)
                stamp_file.unlink(missing_ok=True)
                continue
            tmp.replace(obj)  # atomic: a concurrent loader never sees half an object
            stamp_file.write_text(stamp)
            objects[name] = obj
            rebuilt = True
    return BuildResult(out_dir, objects, rebuilt, errors)


def object_path(name: str) -> Path:
    """Path of a built object for the running kernel, building it first if needed."""
    result = build()
    if name in result.errors:
        raise BuildError(result.errors[name])
    if name not in result.objects:
        raise BuildError(f"no BPF source {name}.bpf.c in {SOURCE_DIR}")
    return result.objects[name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hotfence.bpf.build", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--btf", type=Path, default=RUNNING_BTF, help="kernel BTF (default: running kernel)"
    )
    parser.add_argument("--out", type=Path, default=None, help="build directory")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    try:
        result = build(args.btf, args.out, args.force)
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
