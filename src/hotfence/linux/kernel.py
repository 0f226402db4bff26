"""The running kernel's architecture, as the kernel's own source tree names it.

BPF programs are compiled per kernel architecture (``-D__TARGET_ARCH_x86`` selects the
``pt_regs`` layout in libbpf's bpf_tracing.h), and the ``vmlinux.h`` they include is the
one of that architecture. ``uname -m`` names the machine instead (``x86_64``), so the two
must be mapped.
"""

from __future__ import annotations

import os

# uname -m -> arch/<name> in the kernel tree (and libbpf's __TARGET_ARCH_<name>).
_KERNEL_ARCH = {
    "x86_64": "x86",
    "i686": "x86",
    "aarch64": "arm64",
    "armv7l": "arm",
    "riscv64": "riscv",
    "s390x": "s390",
    "ppc64le": "powerpc",
    "loongarch64": "loongarch",
}


class UnsupportedArch(ValueError):
    """A machine name with no known kernel architecture."""


def kernel_arch(machine: str | None = None) -> str:
    """The kernel's name for ``machine`` (default: this host's ``uname -m``)."""
    machine = machine or os.uname().machine
    try:
        return _KERNEL_ARCH[machine]
    except KeyError:
        raise UnsupportedArch(
            f"unknown machine {machine!r}: expected one of {', '.join(sorted(_KERNEL_ARCH))}"
        ) from None
