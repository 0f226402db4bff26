"""`hotfence vmcore shell CORE --vmlinux V`: drgn's REPL on a crash dump, with the
objects of hotfence's report already bound to names.

What no automatic section answers is asked here, with drgn's helpers
(``from drgn.helpers.linux import *`` is in scope): the session starts where the
report ends, on the very objects it printed.
"""

from __future__ import annotations

import sys
from typing import Any

import click

EXIT_UNREADABLE = 2

BOUND = {
    "prog": "the drgn Program over the core",
    "report": "hotfence's VmcoreReport (the JSON report's data)",
    "task": "struct task_struct * that crashed",
    "frames": "its stack: drgn StackFrames, frames[i]['var'] reads a local",
    "regs": "the crash site's exception-frame registers (dict), or None",
    "socket": "struct socket * the crashing frames were given, or None",
    "sk": "struct sock *, or None",
    "net": "struct net *, or None",
}


@click.group("vmcore")
def vmcore() -> None:
    """Crash dumps (vmcores): a live drgn session on a core."""


@vmcore.command("shell")
@click.argument("core", type=click.Path(dir_okay=False))
@click.option(
    "--vmlinux",
    required=True,
    type=click.Path(dir_okay=False),
    help="DWARF vmlinux of the crashed kernel (Debian: linux-image-*-dbg)",
)
@click.option("--modules", "modules_dir", type=click.Path(file_okay=False),
              help="directory searched for the .ko files of loaded modules")  # fmt: skip
def shell(core: str, vmlinux: str, modules_dir: str | None) -> None:
    """drgn's REPL with CORE loaded and the report's objects bound: task, frames, regs,
    socket, sk, net, report (see the banner)."""
    import drgn.cli

    from hotfence.triage.vmcore import VmcoreError, open_session

    try:
        sess = open_session(core, vmlinux, modules_dir)
    except VmcoreError as exc:
        click.echo(f"hotfence vmcore: cannot use {exc.path}: {exc.reason}", err=True)
        sys.exit(EXIT_UNREADABLE)
    names: dict[str, Any] = {
        "report": sess.report, "task": sess.task, "frames": sess.frames, "regs": sess.regs,
        "socket": sess.objects.get("socket"), "sk": sess.objects.get("sock"),
        "net": sess.objects.get("net"),
    }  # fmt: skip
    r = sess.report
    lines = [f">>> # hotfence: {r.panic_message or 'no panic message'}"]
    lines += [f">>> # {name:<7} {what}" for name, what in BOUND.items()]

    def banner(default: str) -> str:
        return default + "\n" + "\n".join(lines)

    def bind(globals_: dict[str, Any]) -> dict[str, Any]:
        return {**globals_, **names}

    drgn.cli.run_interactive(sess.prog, banner_func=banner, globals_func=bind)
