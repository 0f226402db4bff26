"""The `hotfence` command line: a thin layer that gathers each feature's commands.

Each feature owns its own click commands (``hotfence/<feature>/..._cli.py``); this module
only names them. A command's module is imported when that command runs, so
`hotfence fence status` does not pay for loading triage, and the other way round (this
matters most inside the TCG guest, where every import is slow).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hotfence import __version__, console
from hotfence.console import EXIT_NO_PERMISSION

if TYPE_CHECKING:
    from hotfence.triage.analyze import KnownBugMatcher

# command name -> (module, attribute); a feature adds one line here.
COMMANDS: dict[str, tuple[str, str]] = {
    "triage": ("hotfence.triage.cli", "triage"),
    "explain": ("hotfence.fence.explain_cli", "explain"),
    "patch": ("hotfence.known.cli", "patch"),
    "crashes": ("hotfence.fleet.crashes_cli", "crashes"),
    "serve": ("hotfence.fleet.serve_cli", "serve"),
    "collect": ("hotfence.fleet.collect_cli", "collect_cmd"),
    "watch": ("hotfence.watch.cli", "watch"),
    "lab": ("hotfence.lab.cli", "lab"),
    "vmcore": ("hotfence.triage.vmcore_cli", "vmcore"),
    "agent": ("hotfence.agent.cli", "agent"),
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
    "export": ("hotfence.oci.export_cli", "export"),
}

# One line each for `hotfence --help` and `hotfence fence --help`, so listing the commands
# imports none of them and no summary is cut at the terminal's width. A command missing
# here is listed with the first sentence of its own help.
SUMMARIES: dict[str, str] = {
    "triage": "Crash reports from kernel logs and vmcores, with known bugs.",
    "explain": "What a socket call would get, and which policy rule decides.",
    "patch": "Known kernel bugs and their virtual patches.",
    "crashes": "Stored crashes grouped by title, most recent first.",
    "serve": "Read-only fleet dashboard, JSON API and /metrics over the crash store.",
    "collect": "Store the crashes the previous boot left (kdump, pstore, journal).",
    "watch": "Stream every socket creation on the host, with its verdict.",
    "lab": "Boot stock Debian kernels under QEMU to record real crashes.",
    "vmcore": "A live drgn session on a crash dump, and kmem ADDR lookups.",
    "fence": "Enforce socket policy in the kernel (cgroup-BPF, BPF-LSM, seccomp).",
    "fence run": "Enforce a policy on a cgroup until Ctrl-C, then summarise.",
    "fence apply": "Enforce a policy on a cgroup persistently (pinned).",
    "fence status": "The fences applied on this host and what each rule enforces.",
    "fence remove": "Remove the fence from a cgroup.",
    "fence prune": "Remove the fences that enforce nothing (cgroup gone, hooks detached).",
    "fence counters": "Per-rule hit and deny counters of a cgroup's fence.",
    "fence events": "The deny/audit events of a cgroup's fence.",
    "fence exec": "Run a command under a policy enforced by seccomp (no root).",
    "fence export": "A policy as a seccomp profile for docker run --security-opt.",
    "agent": "Keep the running containers that policies select fenced.",
}

# Linux capability numbers (include/uapi/linux/capability.h).
CAPABILITIES = {"CAP_NET_ADMIN": 12, "CAP_SYS_ADMIN": 21, "CAP_PERFMON": 38, "CAP_BPF": 39}

# Commands that load BPF programs or read pinned fences, and the capabilities they need.
# Loading cgroup-sock programs needs CAP_BPF + CAP_NET_ADMIN, pinning to bpffs and cgroupfs
# writes CAP_SYS_ADMIN; tracepoint programs (watch) need CAP_PERFMON.
_FENCE_CAPS = ("CAP_BPF", "CAP_NET_ADMIN", "CAP_SYS_ADMIN")
PRIVILEGED: dict[str, tuple[str, ...]] = {
    "fence run": _FENCE_CAPS,
    "fence apply": _FENCE_CAPS,
    "fence remove": _FENCE_CAPS,
    "fence prune": _FENCE_CAPS,
    "fence status": _FENCE_CAPS,
    "fence counters": _FENCE_CAPS,
    "fence events": _FENCE_CAPS,
    "patch apply": _FENCE_CAPS,
    "agent": _FENCE_CAPS,
    "watch": ("CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN"),
}


def effective_capabilities() -> set[str]:
    """Names of the capabilities in CAPABILITIES that this process holds (CapEff)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            line = next(x for x in f if x.startswith("CapEff:"))
    except (OSError, StopIteration):
        return set()
    mask = int(line.split()[1], 16)
    return {name for name, bit in CAPABILITIES.items() if mask >> bit & 1}


def _require_capabilities(
    path: str, needed: tuple[str, ...], callback: Callable[..., Any]
) -> Callable[..., Any]:
    """Wrap a command's callback: without its capabilities, one line and EXIT_NO_PERMISSION.

    The kernel would refuse later with EPERM from deep inside libbpf, which reads as if
    the kernel lacked BPF support; saying which capability is missing is the useful answer.
    """

    @functools.wraps(callback)
    def checked(*args: Any, **kwargs: Any) -> Any:
        missing = [c for c in needed if c not in effective_capabilities()]
        if missing:
            console.fail(
                f"needs root ({' + '.join(missing)} missing); run it with sudo",
                EXIT_NO_PERMISSION,
            )
        return callback(*args, **kwargs)

    return checked


def _guard(path: str, cmd: click.Command) -> None:
    """Put the capability check on `cmd` (and the subcommands of a group) where PRIVILEGED says."""
    needed = PRIVILEGED.get(path)
    if needed and cmd.callback is not None and not getattr(cmd, "_caps_checked", False):
        cmd.callback = _require_capabilities(path, needed, cmd.callback)
        cmd._caps_checked = True  # type: ignore[attr-defined]
    if isinstance(cmd, click.Group) and not isinstance(cmd, LazyGroup):
        for sub_name, sub in cmd.commands.items():
            _guard(f"{path} {sub_name}", sub)


class LazyGroup(console.Group):
    """A group whose subcommands are imported on first use (listing them imports none)."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy:
            return super().get_command(ctx, name)
        module_name, attr = self.lazy[name]
        cmd: click.Command = getattr(importlib.import_module(module_name), attr)
        _guard(" ".join([*ctx.command_path.split()[1:], name]), cmd)
        return cmd

    def summary(self, ctx: click.Context, name: str) -> str | None:
        prefix = " ".join([*ctx.command_path.split()[1:], name])
        return SUMMARIES.get(prefix) or super().summary(ctx, name)


EPILOG = """\b
Conventions (docs/cli.md): data on stdout, messages on stderr; -o json where a
command has data; exit 0 ok, 1 failure or findings, 2 usage or bad input,
77 missing privilege, 130 interrupted. NO_COLOR turns colour off.
Shell completion (bash): eval "$(_HOTFENCE_COMPLETE=bash_source hotfence)"
"""


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="hotfence")
@click.option("-q", "--quiet", is_flag=True, help="Only data and errors: no notes or spinners.")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (repeatable).")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: int) -> None:
    """From a kernel crash to a live, precise socket fence."""
    if quiet and verbose:
        raise click.UsageError("-q and -v contradict each other")
    console.set_verbosity(ctx, -1 if quiet else verbose)
    # Features below plug into each other here, never by importing upwards: triage
    # finds crashes, and the known-bug catalogue (a layer above it) matches them.
    ctx.obj = {"known_bugs": _load_known_bugs}


def _load_known_bugs(extra_dirs: list[Path] | None) -> KnownBugMatcher:
    # Imported only when a command asks for known-bug matching.
    from hotfence.known.catalog import load_catalog
    from hotfence.known.match import CatalogMatcher

    catalog = load_catalog(extra_dirs)
    for warning in catalog.warnings:  # e.g. an unreadable $HOME: said once, not a traceback
        click.echo(f"hotfence: warning: {warning}", err=True)
    return CatalogMatcher(catalog)


@main.group(cls=LazyGroup, lazy=FENCE_COMMANDS)
def fence() -> None:
    """Enforce socket policy in the kernel (cgroup-BPF, BPF-LSM, seccomp)."""
