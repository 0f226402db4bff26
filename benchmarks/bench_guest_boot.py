"""Guest harness speed: boot-to-agent time and first-command latency (figures printed).

Boots Debian's stock kernel under QEMU (TCG unless KVM is usable) a few times in each
mode and prints per-boot figures and the median:

    .venv/bin/python benchmarks/bench_guest_boot.py [--boots N]

* busybox: initramfs only (what the crash lab uses)
* hostroot: plus the host's / over 9p with a tmpfs overlay (what the LSM tests use);
  also times `python -c pass` and `python -c "import hotfence"` with the host venv.
"""

from __future__ import annotations

import argparse
import statistics
import time

from hotfence.lab.debkernel import prepare_kernel
from hotfence.lab.guest import GuestConfig, GuestSession, kvm_usable


def one_boot(hostroot: bool, kernel) -> dict[str, float]:
    t0 = time.monotonic()
    with GuestSession(GuestConfig(hostroot=hostroot), kernel=kernel) as g:
        fig = {"boot": g.boot_seconds or float("nan")}
        fig["echo"] = g.run("echo ok").seconds
        if hostroot:
            fig["python -c pass"] = g.run("python -c pass").seconds
            fig["import hotfence"] = g.run('python -c "import hotfence.lab.guest"').seconds
    fig["boot..poweroff"] = time.monotonic() - t0
    return fig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boots", type=int, default=3)
    args = ap.parse_args()
    kernel = prepare_kernel()
    print(f"kernel {kernel.kver}; accel {'kvm' if kvm_usable()[0] else 'tcg'} ({kvm_usable()[1]})")
    for hostroot in (False, True):
        mode = "hostroot" if hostroot else "busybox"
        runs = [one_boot(hostroot, kernel) for _ in range(args.boots)]
        for key in runs[0]:
            vals = [r[key] for r in runs]
            print(
                f"{mode:8} {key:16} median {statistics.median(vals):6.2f} s   runs "
                + " ".join(f"{v:.2f}" for v in vals)
            )


if __name__ == "__main__":
    main()
