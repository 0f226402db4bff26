"""`hotfence vmcore shell CORE --vmlinux V`: drgn's REPL on a crash dump, with the
objects of hotfence's report already bound to names.

What no automatic section answers is asked here, with drgn's helpers
(``from drgn.helpers.linux import *`` is in scope): the session starts where the
report ends, on the very objects it printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hotfence.console import EXIT_USAGE, fail, output_option

EXIT_UNREADABLE = EXIT_USAGE

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
        fail(f"cannot use {exc.path}: {exc.reason}", EXIT_UNREADABLE)
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


@vmcore.command("kmem")
@click.argument("core", type=click.Path(dir_okay=False))
@click.argument("addresses", nargs=-1, required=True)
@click.option(
    "--vmlinux",
    required=True,
    type=click.Path(dir_okay=False),
    help="DWARF vmlinux of the crashed kernel (Debian: linux-image-*-dbg)",
)
@click.option(
    "--modules",
    "modules_dir",
    type=click.Path(file_okay=False),
    help="directory searched for the .ko files of loaded modules",
)
@output_option()
def kmem(
    core: str, addresses: tuple[str, ...], vmlinux: str, modules_dir: str | None, output: str
) -> None:
    """What each of ADDRESSES (hex) is in CORE, like crash's ``kmem ADDR``: slab cache,
    object and whether it is allocated, else symbol, else page and its flags."""
    import dataclasses
    import json

    from hotfence.triage.vmcore import VmcoreError, find_module_files, open_vmcore
    from hotfence.triage.vmcore_system import address_info

    values = []
    for a in addresses:
        try:
            values.append(int(a, 16))
        except ValueError:
            raise click.BadParameter(
                f"{a!r} is not a hex address", param_hint="ADDRESSES"
            ) from None
    try:
        prog, _ = open_vmcore(
            Path(core),
            Path(vmlinux),
            find_module_files(Path(core), Path(modules_dir) if modules_dir else None),
        )
    except VmcoreError as exc:
        fail(f"cannot use {exc.path}: {exc.reason}", EXIT_UNREADABLE)
    infos = [address_info(prog, v) for v in values]
    if output == "json":
        click.echo(json.dumps([dataclasses.asdict(i) for i in infos], indent=2))
        return
    for i in infos:
        click.echo(f"{i.address:016x}: {i.kind}")
        if i.slab is not None:
            state = {True: "allocated", False: "FREE", None: "state unknown"}[i.slab.allocated]
            click.echo(f"  slab cache {i.slab.cache}, object {i.slab.object_address:016x}, {state}")
        if i.symbol is not None:
            click.echo(f"  symbol {i.symbol}")
        if i.page is not None:
            click.echo(f"  page {i.page:016x} pfn {i.pfn:#x} flags {i.page_flags}")
