"""`hotfence lab ...`: the guest-kernel harness and crash lab from the command line."""

from __future__ import annotations

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
def record(kinds_: tuple[str, ...], out: Path, kver: str | None) -> None:
    """Crash a guest once per kind and record its serial console."""
    try:
        recs = crashlab.record(list(kinds_) or None, out, kver)
    except (crashlab.LabError, GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    bad = [r for r in recs if r.problems]
    if bad:
        raise click.ClickException(
            f"{len(bad)} recording(s) do not show what the lab expects: "
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
def vmcore(kind_: str, out: Path, kver: str | None, memory: int, debug_vmlinux: bool) -> None:
    """Crash a guest and dump its memory over QMP as an ELF core for drgn / crash."""
    try:
        cap = crashlab.take_vmcore(kind_, out, kver, memory)
        info = crashlab.read_vmcoreinfo(cap.vmcore)
        click.echo(
            f"vmcore   {cap.vmcore} ({cap.vmcore.stat().st_size >> 20} MiB, {cap.seconds} s)\n"
            f"log      {cap.log}\nrelease  {info.get('OSRELEASE')}  build-id {info.get('BUILD-ID')}"
        )
        if debug_vmlinux:
            click.echo(f"vmlinux  {prepare_debug_vmlinux(prepare_kernel(cap.kernel))}")
    except (crashlab.LabError, GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc


@lab.command("pstore")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="directory for sysfs-pstore/<record> and serial.log",
)
@click.option("--kver", help="Debian kernel ABI (default: newest 6.1 apt offers)")
def pstore_cmd(out: Path, kver: str | None) -> None:
    """Panic a guest with ramoops loaded; copy what the next boot finds in /sys/fs/pstore."""
    try:
        cap = pstore.capture(kver)
    except (GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in pstore.write_capture(cap, out):
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
def kdump_cmd(out: Path, kver: str | None) -> None:
    """Panic a guest with a kexec capture kernel loaded; copy what it saved, as kdump-tools
    lays out /var/crash (needs the kexec-tools and makedumpfile packages on this host)."""
    try:
        cap = kdump.capture(kver)
    except (GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in kdump.write_capture(cap, out):
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
        res = run_in_guest(" ".join(command), timeout=timeout, config=config, cwd=cwd)
    except (GuestKernelError, GuestError) as exc:
        raise click.ClickException(str(exc)) from exc
    if console:
        click.echo(res.console, err=True)
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    sys.stdout.flush()
    click.echo(
        f"lab: kernel {res.kernel_release}, boot {res.boot_seconds:.2f} s, total {res.total_seconds:.2f} s, "
        f"exit {res.exit_code}",
        err=True,
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
def kernel(kver: str | None, header: Path | None) -> None:
    """Fetch and unpack the guest kernel; print its paths and the accelerator choice."""
    try:
        k = prepare_kernel(kver)
        if header:
            vmlinux_h(k, header)
    except GuestKernelError as exc:
        raise click.ClickException(str(exc)) from exc
    usable, why = kvm_usable()
    click.echo(
        f"kernel   {k.kver}\nvmlinux  {k.vmlinux}\nmodules  {k.modules_dir}\n"
        f"accel    {'kvm' if usable else 'tcg'} ({why})"
    )
    if header:
        click.echo(f"header   {header}")
