"""The `hotfence` command line: a thin layer that gathers each feature's commands.

Each feature owns its own click commands (``hotfence/<feature>/..._cli.py``); this module
only assembles them so that the features stay independent of one another.
"""

from __future__ import annotations

import importlib

import click

from hotfence import __version__

# (module, attribute) of every top-level command; a feature adds one line here.
COMMANDS: list[tuple[str, str]] = [
    ("hotfence.triage.cli", "triage"),
    ("hotfence.fence.explain_cli", "explain"),
    ("hotfence.known.cli", "patch"),
    ("hotfence.known.cli", "crashes"),
    ("hotfence.watch.cli", "watch"),
    ("hotfence.lab.cli", "lab"),
]

# (module, attribute) of every `hotfence fence ...` subcommand.
FENCE_COMMANDS: list[tuple[str, str]] = [
    ("hotfence.fence.run_cli", "run"),
    ("hotfence.fence.run_cli", "apply"),
    ("hotfence.fence.run_cli", "status"),
    ("hotfence.fence.run_cli", "remove"),
    ("hotfence.fence.run_cli", "counters"),
    ("hotfence.fence.exec_cli", "exec_"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hotfence")
def main() -> None:
    """From a kernel crash to a live, precise socket fence."""


@main.group()
def fence() -> None:
    """Enforce socket policy in the kernel (cgroup-BPF, BPF-LSM, seccomp)."""


def _add(group: click.Group, entries: list[tuple[str, str]]) -> None:
    for module_name, attr in entries:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # A feature still being built must not break the others' commands.
            if exc.name and exc.name.startswith("hotfence"):
                continue
            raise
        command = getattr(module, attr, None)
        if command is not None:
            group.add_command(command)


_add(main, COMMANDS)
_add(fence, FENCE_COMMANDS)
