"""`hotfence lab ...`: the guest-kernel harness and crash lab from the command line."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from hotfence import console as conventions
from hotfence.lab import crashlab, kdump, pstore
from hotfence.lab.debkernel import (
    GuestKernelError,
    prepare_debug_vmlinux,
    prepare_kernel,
    vmlinux_h,
)
from hotfence.lab.guest import GuestConfig, GuestError, kvm_usable, run_in_guest


@click.group(cls=conventions.Group)
def lab() -> None:
    """Boot Debian's stock kernel under QEMU; record real crashes from it."""


# KIND is what `lab record --kind` and `lab vmcore --kind` take, so it is never cut; the
# title and the description are prose and go last (on a narrow terminal, under the kind).
KINDS_COLUMNS = (
    conventions.Column("KIND"),
    conventions.Column("TYPE"),
    conventions.Column("PANICS"),
    conventions.Column("TITLE", long=True, whole=True),
    conventions.Column("DESCRIPTION", long=True),
)


@lab.command("kinds")
@conventions.output_option()
def kinds(output: str) -> None:
    """List the crash kinds the lab can record (pass a KIND to `lab record --kind`).

    TITLE is the title triage gives the recorded crash; PANICS says whether it ends the
    guest's boot (only those work with `lab vmcore`).
    """
    if output == "json":
        conventions.print_json(
            [
                {
                    "kind": k.name,
                    "type": k.type,
                    "title": k.title,
                    "description": k.description,
                    "panics": k.panics,
                    "function": k.function,
                }
                for k in crashlab.KINDS.values()
            ]
        )
        return
    conventions.print_table(
        KINDS_COLUMNS,
        [
            (k.name, k.type, "yes" if k.panics else "no", k.title, k.description)
            for k in crashlab.KINDS.values()
        ],
    )


@lab.command("record")
@click.option(
    "--kind", "kinds_", multiple=True, help="crash kind (repeatable; default: all, see `lab kinds`)"
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("tests/lab"),
    show_default=True,
    help="directory for <kind>.log and expected.yaml",
)
@click.option(
    "--kver", help="Debian kernel ABI, e.g. 6.1.0-56-amd64 (default: newest 6.1 apt offers)"
)
@conventions.output_option()
def record(kinds_: tuple[str, ...], out: Path, kver: str | None, output: str) -> None:
    """Crash a guest once per kind and record its serial console.

    One line per recording (`-o json`: a list of the recordings, as expected.yaml holds
    them); exit 1 when a recording does not show what the lab expects.
    """
    names = list(kinds_) or list(crashlab.KINDS)
    for name in names:
        if name not in crashlab.KINDS:
            raise click.BadParameter(
                conventions.unknown_name("crash kind", name, list(crashlab.KINDS)),
                param_hint="--kind",
            )

    def recorded(line: str) -> None:
        if output == "text":
            click.echo(line)

    try:
        with conventions.status(f"recording {conventions.plural(len(names), 'crash', 'crashes')}"):
            recs = crashlab.record(names, out, kver, progress=recorded)
    except (crashlab.LabError, GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    if output == "json":
        conventions.print_json([dataclasses.asdict(r) for r in recs])
    bad = [r for r in recs if r.problems]
    if bad:
        raise click.ClickException(
            f"{conventions.plural(len(bad), 'recording')} not showing what the lab expects: "
            + ", ".join(r.kind for r in bad)
        )


@lab.command("vmcore")
@click.option(
    "--kind", "kind_", default="null-deref", show_default=True, help="a crash kind that panics"
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="directory for <kind>.vmcore (ELF, guest RAM size) and <kind>.vmcore.log",
)
@click.option("--kver", help="Debian kernel ABI (default: newest 6.1 apt offers)")
@click.option("--memory", default=256, show_default=True, help="guest RAM in MiB (= core size)")
@click.option(
    "--debug-vmlinux", is_flag=True, help="also fetch the matching DWARF vmlinux (-dbg, ~860 MB)"
)
@conventions.output_option()
def vmcore(
    kind_: str, out: Path, kver: str | None, memory: int, debug_vmlinux: bool, output: str
) -> None:
    """Crash a guest and dump its memory over QMP as an ELF core for drgn / crash."""
    try:
        with conventions.status(f"crashing a guest ({kind_}) and dumping its memory"):
            cap = crashlab.take_vmcore(kind_, out, kver, memory)
        info = crashlab.read_vmcoreinfo(cap.vmcore)
        vmlinux = prepare_debug_vmlinux(prepare_kernel(cap.kernel)) if debug_vmlinux else None
    except (crashlab.LabError, GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    if output == "json":
        conventions.print_json(
            {
                "vmcore": str(cap.vmcore),
                "bytes": cap.vmcore.stat().st_size,
                "seconds": cap.seconds,
                "log": str(cap.log),
                "kind": cap.kind,
                "kernel": cap.kernel,
                "release": info.get("OSRELEASE"),
                "build_id": info.get("BUILD-ID"),
                "module": str(cap.module) if cap.module else None,
                "vmlinux": str(vmlinux) if vmlinux else None,
            }
        )
        return
    click.echo(
        f"vmcore   {cap.vmcore} ({cap.vmcore.stat().st_size >> 20} MiB, {cap.seconds} s)\n"
        f"log      {cap.log}\nrelease  {info.get('OSRELEASE')}  build-id {info.get('BUILD-ID')}"
    )
    if vmlinux:
        click.echo(f"vmlinux  {vmlinux}")


@lab.command("pstore")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="directory for sysfs-pstore/<record> and serial.log",
)
@click.option("--kver", help="Debian kernel ABI (default: newest 6.1 apt offers)")
@conventions.output_option()
def pstore_cmd(out: Path, kver: str | None, output: str) -> None:
    """Panic a guest with ramoops loaded; copy what the next boot finds in /sys/fs/pstore."""
    try:
        with conventions.status("panicking a guest and rebooting it to read pstore"):
            cap = pstore.capture(kver)
    except (GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    paths = pstore.write_capture(cap, out)
    if output == "json":
        conventions.print_json(
            {
                "kernel": cap.kernel,
                "files": [{"path": str(p), "bytes": p.stat().st_size} for p in paths],
            }
        )
        return
    for path in paths:
        click.echo(f"{path} ({path.stat().st_size} bytes)")
    click.echo(f"kernel {cap.kernel}")


@lab.command("kdump")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="directory for var-crash/<stamp>/{dump,dmesg}.<stamp> and serial.log",
)
@click.option("--kver", help="Debian kernel ABI (default: newest 6.1 apt offers)")
@conventions.output_option()
def kdump_cmd(out: Path, kver: str | None, output: str) -> None:
    """Panic a guest with a kexec capture kernel loaded; copy what it saved, as kdump-tools
    lays out /var/crash (needs the kexec-tools and makedumpfile packages on this host)."""
    try:
        with conventions.status("panicking a guest into its kdump capture kernel"):
            cap = kdump.capture(kver)
    except (GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    paths = kdump.write_capture(cap, out)
    if output == "json":
        conventions.print_json(
            {
                "kernel": cap.kernel,
                "seconds": cap.seconds,
                "files": [{"path": str(p), "bytes": p.stat().st_size} for p in paths],
            }
        )
        return
    for path in paths:
        click.echo(f"{path} ({path.stat().st_size} bytes)")
    click.echo(f"kernel {cap.kernel}, {cap.seconds} s")


@lab.command("run")
@click.argument("command", nargs=-1, required=True)
@click.option("--kver", help="Debian kernel ABI (default: newest 6.1 apt offers)")
@click.option("--no-hostroot", is_flag=True, help="busybox only, without the host's / over 9p")
@click.option("--memory", default=1024, show_default=True, help="guest RAM in MiB")
@click.option(
    "--append", "append", multiple=True, help="extra kernel command-line word (repeatable)"
)
@click.option("--console", is_flag=True, help="print the serial console too")
@click.option("--timeout", default=300.0, show_default=True)
def run(
    command: tuple[str, ...],
    kver: str | None,
    no_hostroot: bool,
    memory: int,
    append: tuple[str, ...],
    console: bool,
    timeout: float,
) -> None:
    """Boot the guest, run COMMAND (a shell command line) in it, exit with its code."""
    config = GuestConfig(kver=kver, hostroot=not no_hostroot, memory_mb=memory, append=list(append))
    try:
        cwd = str(Path.cwd()) if config.hostroot else "/"  # busybox-only guests lack host paths
        with conventions.status("booting the guest and running the command"):
            res = run_in_guest(" ".join(command), timeout=timeout, config=config, cwd=cwd)
    except (GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    if console:
        click.echo(res.console, err=True)
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    sys.stdout.flush()
    conventions.note(
        f"kernel {res.kernel_release}, boot {res.boot_seconds:.2f} s, "
        f"total {res.total_seconds:.2f} s, exit {res.exit_code}"
    )
    sys.exit(res.exit_code if res.exit_code is not None else 125)


@lab.command("kernel")
@click.option("--kver", help="Debian kernel ABI (default: newest 6.1 apt offers)")
@click.option(
    "--vmlinux-h",
    "header",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the guest kernel's vmlinux.h (from its BTF) here",
)
@conventions.output_option()
def kernel(kver: str | None, header: Path | None, output: str) -> None:
    """Fetch and unpack the guest kernel; print its paths and the accelerator choice."""
    try:
        k = prepare_kernel(kver)
        if header:
            vmlinux_h(k, header)
    except GuestKernelError as exc:
        raise click.ClickException(str(exc)) from exc
    usable, why = kvm_usable()
    if output == "json":
        conventions.print_json(
            {
                "kernel": k.kver,
                "vmlinux": str(k.vmlinux),
                "modules": str(k.modules_dir),
                "accel": "kvm" if usable else "tcg",
                "accel_reason": why,
                "header": str(header) if header else None,
            }
        )
        return
    click.echo(
        f"kernel   {k.kver}\nvmlinux  {k.vmlinux}\nmodules  {k.modules_dir}\n"
        f"accel    {'kvm' if usable else 'tcg'} ({why})"
    )
    if header:
        click.echo(f"header   {header}")
