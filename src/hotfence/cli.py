"""The `hotfence` command line: a thin layer that gathers each feature's commands.

Each feature owns its own click commands (``hotfence/<feature>/..._cli.py``); this module
only names them. A command's module is imported when that command runs, so
`hotfence fence status` does not pay for loading triage, and the other way round (this
matters most inside the TCG guest, where every import is slow).
"""

from __future__ import annotations

import importlib

import click

from hotfence import __version__

# command name -> (module, attribute); a feature adds one line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "triage": ("hotfence.triage.cli", "triage"),
    "explain": ("hotfence.fence.explain_cli", "explain"),
    "patch": ("hotfence.known.cli", "patch"),
    "crashes": ("hotfence.known.cli", "crashes"),
    "watch": ("hotfence.watch.cli", "watch"),
    "lab": ("hotfence.lab.cli", "lab"),
}

# `hotfence fence ...` subcommands.
FENCE_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("hotfence.fence.run_cli", "run"),
    "apply": ("hotfence.fence.run_cli", "apply"),
    "status": ("hotfence.fence.run_cli", "status"),
    "remove": ("hotfence.fence.run_cli", "remove"),
    "prune": ("hotfence.fence.run_cli", "prune"),
    "counters": ("hotfence.fence.run_cli", "counters"),
    "events": ("hotfence.fence.run_cli", "events"),
    "exec": ("hotfence.fence.exec_cli", "exec_"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module_name, attr = self.lazy[name]
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hotfence")
def main() -> None:
    """From a kernel crash to a live, precise socket fence."""


@main.group(cls=LazyGroup, lazy=FENCE_COMMANDS)
def fence() -> None:
    """Enforce socket policy in the kernel (cgroup-BPF, BPF-LSM, seccomp)."""
