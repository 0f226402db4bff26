"""The package build compiles hotfence's BPF programs into the wheel.

hotfence only loads its BPF objects at run time (hotfence.bpf.build.object_path), so a
host with libbpf alone runs every fence and watch command: clang is needed here, where
the wheel is built, and nowhere else. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SRC = Path(__file__).resolve().parent / "src"


class BuildPyWithBpf(build_py):
    """build_py, then every ``*.bpf.c`` into ``hotfence/bpf/objects/`` of the build."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            # An editable install loads from the checkout, where `python -m
            # hotfence.bpf.build` (scripts/setup.sh, the test session) keeps them.
            return
        sys.path.insert(0, str(SRC))
        from hotfence.bpf import build

        out = Path(self.build_lib) / "hotfence" / "bpf" / "objects"
        result = build.build(out_dir=out, force=True)
        if result.errors:
            raise SystemExit(
                "BPF build failed:\n" + "\n".join(f"{n}: {e}" for n, e in result.errors.items())
            )
        for leftover in (*out.glob(f"*.{build.STAMP}"), out / ".lock"):
            leftover.unlink(missing_ok=True)  # build bookkeeping, not package data


setup(cmdclass={"build_py": BuildPyWithBpf})
