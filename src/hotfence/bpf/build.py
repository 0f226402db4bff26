"""Build the BPF objects for a kernel: vmlinux.h from its BTF, then clang -target bpf.

Reads the kernel's BTF (``/sys/kernel/btf/vmlinux`` for the running kernel, or a guest
kernel's vmlinux / raw BTF file) with ``bpftool btf dump ... format c`` and compiles every
``*.bpf.c`` next to this file with ``clang -O2 -g -target bpf`` (CO-RE), into a build
directory outside git: ``$HOTFENCE_BPF_BUILD`` or ``~/.cache/hotfence/bpf/<tag>``.

A build is reused while a stamp (hash of sources, headers, BTF identity and clang
version) matches; anything changed rebuilds.

    python -m hotfence.bpf.build [--btf FILE] [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SOURCE_DIR = Path(__file__).resolve().parent
RUNNING_BTF = Path("/sys/kernel/btf/vmlinux")
STAMP = "build.stamp"


class BuildError(RuntimeError):
    """The BPF objects could not be built; the message says which tool and why."""


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    objects: dict[str, Path]  # "fence_cgroup" -> .../fence_cgroup.bpf.o
    rebuilt: bool


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
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
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


def _stamp(btf: Path, clang: str) -> str:
    h = hashlib.sha256()
    for p in sources() + headers():
        h.update(p.name.encode())
        h.update(p.read_bytes())
    h.update(_btf_identity(btf).encode())
    h.update(subprocess.run([clang, "--version"], capture_output=True, text=True).stdout.encode())
    return h.hexdigest()


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"{what} failed ({' '.join(cmd)}):\n{proc.stderr.strip()}")
    return proc


def build(btf: Path = RUNNING_BTF, out_dir: Path | None = None, force: bool = False) -> BuildResult:
    """Build (or reuse) every ``*.bpf.c`` against ``btf``; returns the object paths."""
    if not btf.exists():
        raise BuildError(f"{btf} does not exist: the kernel was built without CONFIG_DEBUG_INFO_BTF")
    out_dir = out_dir or default_out_dir(btf)
    clang = _tool("clang")
    stamp = _stamp(btf, clang)
    objects = {p.name.removesuffix(".bpf.c"): out_dir / p.name.replace(".bpf.c", ".bpf.o") for p in sources()}
    stamp_file = out_dir / STAMP
    if (
        not force
        and stamp_file.exists()
        and stamp_file.read_text() == stamp
        and all(o.exists() for o in objects.values())
    ):
        return BuildResult(out_dir, objects, rebuilt=False)

    bpftool = _tool("bpftool")
    out_dir.mkdir(parents=True, exist_ok=True)
    vmlinux_h = out_dir / "vmlinux.h"
    dump = _run([bpftool, "btf", "dump", "file", str(btf), "format", "c"], "bpftool btf dump")
    vmlinux_h.write_text(dump.stdout)
    arch = {"x86_64": "x86", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    for src in sources():
        obj = objects[src.name.removesuffix(".bpf.c")]
        tmp = obj.with_suffix(".o.tmp")
        _run(
            [
                clang, "-O2", "-g", "-Wall", "-Werror", "-target", "bpf",
                f"-D__TARGET_ARCH_{arch}",
                "-I", str(out_dir), "-I", str(SOURCE_DIR),
                "-c", str(src), "-o", str(tmp),
            ],
            f"clang {src.name}",
        )
        tmp.replace(obj)  # atomic: a concurrent loader never sees half an object
    stamp_file.write_text(stamp)
    return BuildResult(out_dir, objects, rebuilt=True)


def object_path(name: str) -> Path:
    """Path of a built object for the running kernel, building it first if needed."""
    result = build()
    if name not in result.objects:
        raise BuildError(f"no BPF source {name}.bpf.c in {SOURCE_DIR}")
    return result.objects[name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hotfence.bpf.build", description=__doc__.splitlines()[0])
    parser.add_argument("--btf", type=Path, default=RUNNING_BTF, help="kernel BTF (default: running kernel)")
    parser.add_argument("--out", type=Path, default=None, help="build directory")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    try:
        result = build(args.btf, args.out, args.force)
    except BuildError as exc:
        print(f"hotfence.bpf.build: {exc}", file=sys.stderr)
        return 1
    state = "built" if result.rebuilt else "up to date"
    print(f"hotfence.bpf.build: {len(result.objects)} objects {state} in {result.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
