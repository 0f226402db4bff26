"""`hotfence fence exec POLICY -- CMD...`: run one command tree under a seccomp socket fence.

No privileges needed: the filter is loaded with no_new_privs into this process, which
then execs CMD, so CMD and all its descendants are confined and nothing else is.
The coverage report goes to stderr so that CMD's stdout stays its own.
"""

from __future__ import annotations

import errno as errno_mod
import os
import shutil
import sys
from pathlib import Path

import click

from hotfence.fence.backends import seccomp as backend
from hotfence.fence.compiled import CompiledPolicy


def parse_errno(value: str) -> int:
    """``EPERM`` / ``eperm`` / ``1`` -> 1; anything else is a click error."""
    if value.isdigit() and 0 < int(value) < 4096:
        return int(value)
    number = getattr(errno_mod, value.upper(), None)
    if isinstance(number, int) and value.upper() in errno_mod.errorcode.values():
        return number
    raise click.BadParameter(
        f"{value!r} is not an errno name (e.g. EPERM, EACCES) or number 1..4095",
        param_hint="--errno",
    )


# Clients whose containers run under a daemon, not as children of the client.
CONTAINER_CLIENTS = ("docker", "podman", "nerdctl", "ctr", "crictl", "kubectl")


def container_client(program: str) -> str | None:
    """Which container client ``program`` is (by its name or what it links to), if any."""
    found = shutil.which(program) or program
    for name in (Path(program).name, Path(found).name, Path(os.path.realpath(found)).name):
        if name in CONTAINER_CLIENTS:
            return name
    return None


def load_policy(path: str) -> CompiledPolicy:
    """Validate and compile a SocketPolicy file with the project's one compiler."""
    # Imported here: the compiler is its own feature and may be absent from a partial build.
    from hotfence.fence.compiler import compile_file

    return compile_file(path)


def render_plan(p: backend.SeccompPlan) -> list[str]:
    """The coverage report: one line per rule saying whether seccomp enforces it and how."""
    mode = "enforce" if p.policy.enforce else "audit (nothing is denied, matches are logged)"
    lines = [
        f"policy {p.policy.name!r}, mode {mode}, backend seccomp (this process tree only), "
        f"{len(p.cells)} filter cells"
    ]
    for c in p.coverage:
        status = "enforced    " if c.enforceable else "NOT ENFORCED"
        lines.append(f"  {status} {c.rule.name}: {c.rule.summary} [{c.rule.source}] - {c.how}")
    lines += [f"  note: {n}" for n in p.notes]
    return lines


@click.command("exec")
@click.argument("policy", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--allow-partial", is_flag=True, help="Run even if some rules cannot be enforced by seccomp."
)
@click.option(
    "--errno",
    "errno_name",
    default="EPERM",
    show_default=True,
    help="Errno a denied socket() gets (name or number).",
)
@click.option(
    "--print-filter", is_flag=True, help="Print libseccomp's pseudo-code for the filter and exit."
)
@click.option(
    "--client-ok",
    is_flag=True,
    help="Run a container client (docker, podman...) anyway, fencing only the client itself.",
)
@click.argument("cmd", nargs=-1, type=click.UNPROCESSED)
def exec_(
    policy: str,
    allow_partial: bool,
    errno_name: str,
    print_filter: bool,
    client_ok: bool,
    cmd: tuple[str, ...],
) -> None:
    """Run CMD with POLICY's socket() rules enforced by a seccomp filter (no privileges needed)."""
    deny_errno = parse_errno(errno_name)
    if not cmd and not print_filter:
        raise click.UsageError("missing CMD: hotfence fence exec POLICY -- CMD [ARGS...]")
    client = container_client(cmd[0]) if cmd else None
    if client and not client_ok:
        raise click.ClickException(
            f"{cmd[0]!r} is a container client ({client}): its containers are started by a "
            "daemon outside this process tree (dockerd, containerd, a CRI runtime), so fence "
            "exec would fence only the client. "
            "Fence the container instead: `hotfence fence export POLICY --out FILE` (a "
            "docker-seccomp profile) for `docker run --security-opt seccomp=FILE`, a selector "
            "policy with "
            "`--runtime hotfence`, or `fence apply --container NAME` "
            "(docs/containers.md); --client-ok runs it anyway"
        )
    p = backend.plan(load_policy(policy), deny_errno)
    for line in render_plan(p):
        click.echo(line, err=True)
    if p.unenforceable and not allow_partial:
        raise click.ClickException(str(backend.UnenforceableError(p)))
    try:
        filt = backend.build_filter(p)
    except (backend.FilterTooLargeError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    with filt:
        if print_filter:
            click.echo(filt.export_pfc(), nl=False)
            return
        filt.load()
    sys.stderr.flush()
    try:
        os.execvp(cmd[0], list(cmd))
    except OSError as exc:
        click.echo(f"hotfence fence exec: cannot run {cmd[0]!r}: {exc.strerror}", err=True)
        sys.exit(127 if exc.errno == errno_mod.ENOENT else 126)
