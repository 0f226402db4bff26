"""vmcore figures: time to take a crash dump in the lab, its size raw and zstd, and the
time each part of ``hotfence triage --vmcore`` takes (figures printed).

    .venv/bin/python benchmarks/vmcore_analysis.py [--kind null-deref] [--memory 256] [--runs 3]
    .venv/bin/python benchmarks/vmcore_analysis.py --vmcore CORE --vmlinux VMLINUX

Without --vmcore it crashes a guest (hotfence lab vmcore) into a temp directory and
uses Debian's -dbg vmlinux (fetched once, ~860 MB). Each analysis run opens the core
afresh, as the CLI does.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import zstandard

from hotfence.triage import vmcore as vm


def timed(fn, *args):
    t0 = time.monotonic()
    out = fn(*args)
    return out, time.monotonic() - t0


def analyse_once(core: Path, vmlinux: Path) -> dict[str, float]:
    fig: dict[str, float] = {}
    (prog, _used), fig["open + load DWARF"] = timed(
        vm.open_vmcore, core, vmlinux, vm.find_module_files(core)
    )
    log, fig["log"] = timed(vm.read_log, prog)
    stack, fig["bt -l"] = timed(vm.read_stack, prog)
    pc = vm.crash_pc(stack)
    _, fig["dis -rl"] = timed(vm.disassemble_at, prog, pc)
    _, fig["ps"] = timed(vm.read_tasks, prog)
    _, fig["kmem -i"] = timed(vm.read_memory, prog)
    _, fig["reports"] = timed(vm.log_reports, prog, log)
    fig["total"] = sum(fig.values())
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", default="null-deref")
    ap.add_argument("--memory", type=int, default=256, help="guest RAM in MiB")
    ap.add_argument("--vmcore", type=Path)
    ap.add_argument("--vmlinux", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        core, vmlinux = args.vmcore, args.vmlinux
        if core is None:
            from hotfence.lab.crashlab import take_vmcore
            from hotfence.lab.debkernel import prepare_debug_vmlinux, prepare_kernel

            cap, wall = timed(take_vmcore, args.kind, Path(tmp), None, args.memory)
            print(
                f"take vmcore ({args.kind}, -m {args.memory}): {cap.seconds:.1f} s boot+crash+dump, {wall:.1f} s wall"
            )
            core = cap.vmcore
            vmlinux = vmlinux or prepare_debug_vmlinux(prepare_kernel(cap.kernel))
        if vmlinux is None:
            ap.error("--vmcore needs --vmlinux")
        raw = core.stat().st_size
        packed = Path(tmp) / "core.zst"
        with core.open("rb") as fin, packed.open("wb") as fout:
            _, zsec = timed(zstandard.ZstdCompressor(level=3, threads=-1).copy_stream, fin, fout)
        print(
            f"core: {raw / 2**20:.0f} MiB raw, {packed.stat().st_size / 1e6:.1f} MB zstd -3 ({zsec:.2f} s)"
        )
        runs = [analyse_once(core, vmlinux) for _ in range(args.runs)]
        print(f"analysis, median of {args.runs} runs:")
        for key in runs[0]:
            print(f"  {key:<18} {statistics.median(r[key] for r in runs) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
