"""`hotfence fence export POLICY [-o docker-seccomp]`: a policy as a Docker seccomp profile.

For ``docker run --security-opt seccomp=FILE``: the policy's socket() rules, every family
(no cgroup fence is involved), merged into ``--base`` (Docker's default profile as JSON,
e.g. moby's ``profiles/seccomp/default.json``) the same way ``hotfence-runc`` merges them
into a container's profile (:mod:`hotfence.oci.profile`). The coverage report on stderr
says what seccomp cannot hold: bind/connect ports, kernel sockets.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from hotfence import console
from hotfence.fence.backends import seccomp as seccomp_backend
from hotfence.fence.exec_cli import load_policy, parse_errno, render_plan
from hotfence.fence.policy import PolicyError
from hotfence.oci import profile


@click.command("export")
@click.argument("policy", type=click.Path(exists=True, dir_okay=False))
# The one form is JSON, so `-o json` is accepted for it too: every command takes it.
@console.output_option("docker-seccomp", "json")
@click.option(
    "--base",
    type=click.Path(exists=True, dir_okay=False),
    help="The profile to merge into, e.g. Docker's default profile (JSON). Without it the "
    "profile allows every other system call, and replaces Docker's default.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the profile here, not to stdout."
)
@click.option("--errno", "errno_name", default="EPERM", show_default=True, help="Deny errno.")
@click.option(
    "--allow-partial", is_flag=True, help="Export even if some rules cannot be held by seccomp."
)
def export(
    policy: str,
    output: str,
    base: str | None,
    out: str | None,
    errno_name: str,
    allow_partial: bool,
) -> None:
    """Write POLICY's socket() rules as a container seccomp profile, for
    `docker run --security-opt seccomp=FILE` (`-o docker-seccomp`, the default, is JSON)."""
    deny_errno = parse_errno(errno_name)
    try:
        compiled = load_policy(policy)
    except PolicyError as exc:
        raise click.ClickException(f"invalid policy, nothing written:\n{exc}") from None
    plan = seccomp_backend.plan(compiled, deny_errno)
    for line in render_plan(plan)[:1] + [
        line for line in render_plan(plan)[1:] if not line.startswith("  note:")
    ]:
        click.echo(line.replace("this process tree only", "the container"), err=True)
    if plan.unenforceable and not allow_partial:
        raise click.ClickException(
            f"{console.plural(len(plan.unenforceable), 'rule')} cannot be held by a seccomp profile "
            "(use --allow-partial to export the rest); nothing written"
        )
    base_profile: dict[str, Any] | None = None
    if base is not None:
        try:
            base_profile = json.loads(Path(base).read_text())
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"{base}: not a readable JSON profile: {exc}") from None
        if not isinstance(base_profile, dict) or "defaultAction" not in base_profile:
            raise click.ClickException(f"{base}: not a seccomp profile (no defaultAction)")
    try:
        merged = profile.merge(base_profile, compiled, deny_errno, leave=())
    except profile.MergeError as exc:
        raise click.ClickException(f"{base}: {exc}; nothing written") from None
    notes = list(merged.notes)
    if base is None:
        notes.append(
            "no --base: this profile allows every other system call; it replaces Docker's "
            "default profile, whose other restrictions the container then loses"
        )
    for n in notes:
        click.echo(f"  note: {n}", err=True)
    text = json.dumps(merged.seccomp, indent=1) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    tmp = Path(out).with_name(f".{Path(out).name}.{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, out)
    console.note(f"wrote {out}")
