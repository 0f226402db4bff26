"""vmcore figures: time to take a crash dump in the lab, its size raw and zstd, and the
time each part of ``hotfence triage --vmcore`` takes (figures printed).

    .venv/bin/python benchmarks/vmcore_analysis.py [--kind null-deref] [--memory 256] [--runs 3]
    .venv/bin/python benchmarks/vmcore_analysis.py --vmcore CORE --vmlinux VMLINUX

Without --vmcore it crashes a guest (hotfence lab vmcore) into a temp directory and
uses Debian's -dbg vmlinux (fetched once, ~860 MB). Each analysis run opens the core
afresh, as the CLI does. Then crash's start-up on the same core (``echo q | crash -s``)
and the ratio: crash 8.0.6 from the trixie chroot (--crash-chroot, made by
scripts/record_crash_reference.sh) when there, else the host's crash, else the figure
recorded in issue 12.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
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
    """One full report as the CLI builds it, each section timed on its own."""
    from hotfence.triage import vmcore_objects as vo
    from hotfence.triage import vmcore_system as vs

    fig: dict[str, float] = {}
    (prog, _used), fig["open + load DWARF"] = timed(
        vm.open_vmcore, core, vmlinux, vm.find_module_files(core)
    )
    log, fig["log"] = timed(vm.read_log, prog)
    trace = vm.crashed_trace(prog)
    stack, fig["bt -l"] = timed(vm.read_stack, prog, trace)
    site = vm.crash_site(stack)
    assert site is not None
    _, fig["dis -rl"] = timed(vm.disassemble_at, prog, site.pc, site.return_address)
    _, fig["objects"] = timed(vo.read_objects, trace, site.index)
    task = vm.crashed_task(prog)
    tasks_obj = vs.all_tasks(prog)
    tasks, fig["ps"] = timed(vs.read_tasks, prog, tasks_obj, task)
    stacks, fig["foreach bt"] = timed(vs.task_stacks, prog, tasks_obj)
    _, fig["group stacks"] = timed(vs.group_stacks, tasks, stacks)
    _, fig["net namespaces"] = timed(vs.read_netns, prog, stacks, tasks, task)
    _, fig["kmem -i"] = timed(vs.read_memory, prog)
    _, fig["kmem -s"] = timed(vs.read_slabs, prog)
    _, fig["mod"] = timed(vs.read_modules, prog)
    _, fig["reports"] = timed(vm.log_reports, prog, log)
    fig["total (sum)"] = sum(fig.values())
    _, fig["analyze_vmcore (fresh)"] = timed(vm.analyze_vmcore, core, vmlinux)
    return fig


# crash 8.0.6's start-up on a 256 MiB lab core of this kernel (issue 12: median of runs of
# `echo q | crash -s VMLINUX CORE`), used when no crash 8.0.6 runs here.
RECORDED_CRASH_STARTUP = 8.98
# the trixie chroot scripts/record_crash_reference.sh makes: Debian 12's crash 8.0.2
# cannot read 6.1.192's task list, trixie's 8.0.6 needs trixie's glibc
CRASH_CHROOT = Path.home() / ".cache/hotfence/crash-trixie"
# bind the core and vmlinux into the chroot in a private mount namespace (nothing stays
# mounted), then run crash there; $1 core, $2 vmlinux, $3 chroot
_IN_CHROOT = """set -e
mount --make-rprivate /
mount --bind -o ro "$1" "$3/mnt/core/vmcore"
mount --bind -o ro "$2" "$3/mnt/core/vmlinux"
exec chroot "$3" crash -s /mnt/core/vmlinux /mnt/core/vmcore"""


def crash_command(core: Path, vmlinux: Path, chroot: Path | None) -> tuple[list[str], str] | None:
    """``crash -s VMLINUX CORE`` and crash's version: from ``chroot`` when it holds crash,
    else the host's crash, else None."""
    if chroot is not None and (chroot / "usr/bin/crash").exists():
        (chroot / "mnt/core").mkdir(parents=True, exist_ok=True)
        for name in ("vmcore", "vmlinux"):
            (chroot / "mnt/core" / name).touch()
        version = subprocess.run(
            ["chroot", str(chroot), "dpkg-query", "-W", "-f", "${Version}", "crash"],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        argv = ["unshare", "-m", "--", "sh", "-c", _IN_CHROOT, "sh"]
        return [*argv, str(core), str(vmlinux), str(chroot)], f"crash {version} in {chroot}"
    exe = shutil.which("crash")
    if exe is None:
        return None
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return [exe, "-s", str(vmlinux), str(core)], f"{' '.join(version.stdout.split()[:2])} ({exe})"


def crash_startup(argv: list[str], runs: int) -> float | None:
    """Median seconds for crash to load the core and quit, if it gets through its
    start-up (8.0.2 fails on 6.1.192's task list)."""
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        proc = subprocess.run(
            argv, input="q\n", capture_output=True, text=True, timeout=300, check=False
        )
        if proc.returncode != 0:
            print(f"crash failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
            return None
        times.append(time.monotonic() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", default="null-deref")
    ap.add_argument("--memory", type=int, default=256, help="guest RAM in MiB")
    ap.add_argument("--vmcore", type=Path)
    ap.add_argument("--vmlinux", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--crash-chroot", type=Path, default=CRASH_CHROOT,
        help="trixie chroot holding crash 8.0.6 (scripts/record_crash_reference.sh makes it)",
    )  # fmt: skip
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
            print(f"  {key:<24} {statistics.median(r[key] for r in runs) * 1000:8.1f} ms")
        full = statistics.median(r["analyze_vmcore (fresh)"] for r in runs)
        crash = crash_command(core, vmlinux, args.crash_chroot)
        measured = None
        if crash is not None:
            print(f"crash: {crash[1]}")
            measured = crash_startup(crash[0], args.runs)
        ref, what = (
            (measured, "crash start-up measured here")
            if measured is not None
            else (RECORDED_CRASH_STARTUP, "crash 8.0.6 start-up recorded in issue 12")
        )
        print(f"full report {full:.2f} s vs {what} {ref:.2f} s: {ref / full:.1f}x faster")


if __name__ == "__main__":
    main()
