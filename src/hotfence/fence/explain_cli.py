"""`hotfence explain`: what would this socket()/bind()/connect() get, and which rule decides.

Runs the reference model (``fence.model``) over a compiled policy; needs no kernel
support and no privileges.

    hotfence explain --policy P socket inet6 raw icmpv6 [--kern] [--backend bpf-lsm]
    hotfence explain --policy P connect inet6 tcp 443
"""

from __future__ import annotations

import dataclasses
import sys
import textwrap
from dataclasses import asdict
from typing import Any

import click

from hotfence import console
from hotfence.fence.compiled import CompiledPolicy, Hook
from hotfence.fence.compiler import compile_file
from hotfence.fence.model import (
    Backend,
    Caller,
    Explanation,
    HookPoint,
    KernelProfile,
    PortCall,
    SocketCall,
    explain_port,
    explain_socket,
)
from hotfence.fence.policy import PolicyError
from hotfence.linux import names

CALLS = ("socket", "bind", "connect", "sendto")

USAGE = """\b
CALL is one of:
  socket FAMILY TYPE [PROTOCOL]   e.g. socket inet6 raw icmpv6, socket alg seqpacket
  bind FAMILY PROTOCOL PORT       e.g. bind inet tcp 80
  connect FAMILY PROTOCOL PORT    e.g. connect inet6 tcp 443
  sendto FAMILY udp PORT          e.g. sendto inet udp 53 (connect rules apply)
Names are case-insensitive; AF_INET6 / SOCK_RAW|SOCK_CLOEXEC / IPPROTO_ICMPV6 and
numbers work too."""


def _unknown(exc: names.UnknownName) -> str:
    """ "did you mean inet6?" rather than every family name."""
    choices = exc.choices
    if exc.what == "family":  # by number: the common families come first in a sample
        choices = [name for _, name in sorted(names.FAMILIES.items())]
    # A family without protocol names lists a sentence, not names; "or a number" is in it.
    more = "" if any(" " in c for c in choices) else "or a number"
    return console.unknown_name(exc.what, exc.value, choices, more=more)


def _parse_call(
    what: str, args: tuple[str, ...], kern: bool, port_in_use: bool, no_listener: bool
) -> SocketCall | PortCall:
    what = what.lower()
    try:
        if what == "socket":
            if len(args) not in (2, 3):
                raise click.UsageError("socket takes FAMILY TYPE [PROTOCOL]")
            family = names.parse_family(args[0])
            type_ = names.parse_type_with_flags(args[1])
            protocol = names.parse_protocol(args[2], family) if len(args) == 3 else 0
            return SocketCall(family, type_, protocol, kern)
        if what in ("bind", "connect", "sendto"):
            if len(args) != 3:
                raise click.UsageError(f"{what} takes FAMILY PROTOCOL PORT")
            family = names.parse_family(args[0])
            if family not in (names.AF_INET, names.AF_INET6):
                raise click.BadParameter(
                    f"{args[0]!r}: bind/connect/sendto are modelled for inet and inet6"
                )
            protocol = names.parse_protocol(args[1], names.AF_INET)
            if protocol not in (names.IPPROTO_TCP, names.IPPROTO_UDP):
                raise click.BadParameter(f"{args[1]!r}: valid protocols are tcp, udp")
            if what == "sendto" and protocol != names.IPPROTO_UDP:
                raise click.BadParameter(
                    f"{args[1]!r}: sendto is modelled for udp (tcp sends on a connection)"
                )
            try:
                port = int(args[2], 0)
            except ValueError:
                raise click.BadParameter(f"port {args[2]!r} is not a number") from None
            if not 0 <= port <= 65535:
                raise click.BadParameter(f"port {port} out of range 0..65535")
            return PortCall(
                Hook.BIND if what == "bind" else Hook.CONNECT,
                family,
                protocol,
                port,
                port_in_use=port_in_use,
                peer_listening=not no_listener,
                sendto=what == "sendto",
            )
    except names.UnknownName as exc:
        raise click.UsageError(_unknown(exc)) from None
    raise click.UsageError(console.unknown_name("call", what, CALLS))


STEP_COLUMNS = (
    console.Column("FUNCTION"),
    console.Column("OUTCOME"),
    console.Column("CHECK", long=True),
)


def _render_text(
    exp: Explanation, policy: CompiledPolicy | None, *, width: int, terminal: bool
) -> str:
    """One ``label: text`` line per field, so ``grep ^verdict:`` works on a pipe; on a
    terminal long fields wrap under their text, never inside a word, path or name."""
    lines: list[str] = []

    def field(label: str, text: str) -> None:
        head = f"{label + ':':<9}"
        if not terminal:
            lines.append(head + text)
            return
        lines.extend(
            textwrap.wrap(
                text,
                width=width,
                initial_indent=head,
                subsequent_indent=" " * len(head),
                break_long_words=False,
                break_on_hyphens=False,
            )
        )

    field("call", exp.call.describe())
    if policy is not None:
        mode = "enforce" if policy.enforce else "audit"
        field(
            "policy",
            f"{policy.name} ({policy.source}, mode {mode}, "
            f"default {policy.default.name.lower()}) on the {exp.backend.value} backend",
        )
    else:
        field("policy", "none (the kernel alone)")
    lines.append("path:")
    steps = [
        (s.function, s.outcome, s.check + (f"  [{s.detail}]" if s.detail else ""))
        for s in exp.steps
    ]
    table = console.render_table(STEP_COLUMNS, steps, width=width - 2, terminal=terminal)
    lines.extend("  " + line for line in table.splitlines())
    for note in exp.notes:
        field("note", note)
    field("verdict", exp.verdict)
    field("errno", exp.errno_name + (f" ({exp.errno})" if exp.errno else ""))
    if exp.decision is not None:
        d = exp.decision
        if d.rule is not None:
            field(
                "rule",
                f"{d.rule.name} at {d.rule.source}: {d.rule.summary} (at {d.hook}: {d.effect})",
            )
        else:
            field("rule", f"none matched; policy default at {d.source} (at {d.hook}: {d.effect})")
    elif policy is not None:
        field("rule", "none (the policy was not consulted on this path)")
    return "\n".join(lines)


def _to_json(exp: Explanation, policy: CompiledPolicy | None) -> dict[str, Any]:
    call = asdict(exp.call)
    if isinstance(exp.call, PortCall):
        call["hook"] = exp.call.hook.name.lower()
    decision = None
    if exp.decision is not None:
        d = exp.decision
        decision = {
            "hook": d.hook,
            "looked_up": d.looked_up,
            "action": d.action.name.lower(),
            "effect": d.effect,
            "source": d.source,
            "rule": None
            if d.rule is None
            else {
                "id": d.rule.rule_id,
                "name": d.rule.name,
                "source": d.rule.source,
                "summary": d.rule.summary,
            },
        }
    return {
        "call": call,
        "description": exp.call.describe(),
        "policy": None
        if policy is None
        else {"name": policy.name, "source": policy.source, "enforce": policy.enforce},
        "backend": exp.backend.value,
        "steps": [asdict(s) for s in exp.steps],
        "notes": list(exp.notes),
        "verdict": exp.verdict,
        "errno": exp.errno,
        "errno_name": exp.errno_name,
        "resolved_protocol": exp.resolved_protocol,
        "decision": decision,
    }


def _complete_call(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    return [c for c in CALLS if c.startswith(incomplete.lower())]


def _complete_args(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Names for the argument being typed: family, then type or protocol."""
    what = str(ctx.params.get("what") or "").lower()
    done: tuple[str, ...] = tuple(ctx.params.get("args") or ())
    choices: list[str] = []
    if what == "socket":
        if not done:
            choices = sorted(names.FAMILIES.values())
        elif len(done) == 1:
            choices = sorted(names.TYPES.values())
        elif len(done) == 2:
            try:
                choices = sorted(names.protocol_table(names.parse_family(done[0]))[0].values())
            except names.UnknownName:
                choices = []
    elif what in ("bind", "connect", "sendto"):
        if not done:
            choices = ["inet", "inet6"]
        elif len(done) == 1:
            choices = ["udp"] if what == "sendto" else ["tcp", "udp"]
    return [c for c in choices if c.startswith(incomplete.lower())]


@click.command(epilog=USAGE, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("what", metavar="CALL", shell_complete=_complete_call)
@click.argument("args", nargs=-1, shell_complete=_complete_args)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    shell_complete=console.complete_files(".yaml", ".yml"),
    help="SocketPolicy YAML file.",
)
@click.option(
    "--backend",
    type=click.Choice([b.value for b in Backend if b is not Backend.NONE]),
    default=Backend.CGROUP.value,
    show_default=True,
    help="Where the policy is enforced: cgroup-BPF (inet/inet6 only) or BPF-LSM (every family).",
)
@click.option(
    "--hook-point",
    type=click.Choice(["socket_create", "socket_post_create"]),
    default="socket_create",
    show_default=True,
    help="LSM backend: which LSM hook decides.",
)
@click.option(
    "--kern", is_flag=True, help="A kernel socket (sock_create_kern), not the socket() syscall."
)
@click.option("--cgroup", "cgroup", help="cgroup v2 path of the calling process.")
@click.option(
    "--scope-cgroup", help="cgroup the policy is applied to (default: the policy's spec.scope)."
)
@click.option(
    "--netns",
    type=click.Choice(["host", "other"]),
    default="host",
    show_default=True,
    help="Network namespace of the caller.",
)
@click.option("--no-cap-net-raw", is_flag=True, help="The caller lacks CAP_NET_RAW.")
@click.option(
    "--no-cap-net-bind-service", is_flag=True, help="The caller lacks CAP_NET_BIND_SERVICE."
)
@click.option("--no-free-fd", is_flag=True, help="The caller has no free file descriptor (EMFILE).")
@click.option("--gid", type=int, default=0, show_default=True, help="Effective gid of the caller.")
@click.option(
    "--ping-group-range",
    default="1 0",
    show_default=True,
    help="net.ipv4.ping_group_range of the caller's netns.",
)
@click.option(
    "--with-family",
    "with_families",
    multiple=True,
    help="Model a kernel that can load this family's module (repeatable), e.g. alg.",
)
@click.option("--port-in-use", is_flag=True, help="bind: the port is already taken.")
@click.option("--no-listener", is_flag=True, help="connect over TCP: nothing listens on the port.")
@click.option(
    "--socket-made-outside",
    is_flag=True,
    help="bind/connect/sendto: the socket was made outside the policy's cgroup (before the caller "
    "moved in, inherited, or passed in); cgroup-BPF then runs that cgroup's hooks instead.",
)
@console.output_option()
def explain(
    what: str,
    args: tuple[str, ...],
    policy_path: str | None,
    backend: str,
    hook_point: str,
    kern: bool,
    cgroup: str | None,
    scope_cgroup: str | None,
    netns: str,
    no_cap_net_raw: bool,
    no_cap_net_bind_service: bool,
    no_free_fd: bool,
    gid: int,
    ping_group_range: str,
    with_families: tuple[str, ...],
    port_in_use: bool,
    no_listener: bool,
    socket_made_outside: bool,
    output: str,
) -> None:
    """What a socket(), bind() or connect() call would get, and which rule decides.

    Walks the reference model of the kernel path step by step; needs no kernel access and
    no privileges. Exit status 0 whatever the verdict, 2 for bad usage or an invalid policy.
    """
    call = _parse_call(what, args, kern, port_in_use, no_listener)
    if socket_made_outside:
        if not isinstance(call, PortCall):
            raise click.UsageError("--socket-made-outside applies to bind, connect and sendto")
        call = dataclasses.replace(call, socket_from_outside=True)
    policy = None
    if policy_path is not None:
        try:
            policy = compile_file(policy_path)
        except PolicyError as exc:
            problems = str(exc)
            sep = "\n" if "\n" in problems else " "  # one problem fits the error line
            console.fail(f"invalid policy:{sep}{problems}", console.EXIT_USAGE)
    try:
        low, high = (int(v) for v in ping_group_range.split())
    except ValueError:
        raise click.BadParameter(
            f"{ping_group_range!r}: expected two numbers 'LOW HIGH'",
            param_hint="--ping-group-range",
        ) from None
    try:
        extra = frozenset(names.parse_family(f) for f in with_families)
    except names.UnknownName as exc:
        raise click.BadParameter(_unknown(exc), param_hint="--with-family") from None
    profile = KernelProfile(loadable_families=extra, ping_group_range=(low, high))
    caller = Caller(
        cap_net_raw=not no_cap_net_raw,
        cap_net_bind_service=not no_cap_net_bind_service,
        egid=gid,
        fd_available=not no_free_fd,
        cgroup=cgroup,
        host_netns=netns == "host",
    )
    chosen = Backend(backend)
    if isinstance(call, SocketCall):
        hook = None
        if chosen is Backend.LSM:
            hook = (
                HookPoint.LSM_SOCKET_CREATE
                if hook_point == "socket_create"
                else HookPoint.LSM_SOCKET_POST_CREATE
            )
        exp = explain_socket(
            call,
            policy,
            chosen,
            hook_point=hook,
            caller=caller,
            profile=profile,
            scope_cgroup=scope_cgroup,
        )
    else:
        exp = explain_port(
            call, policy, chosen, caller=caller, profile=profile, scope_cgroup=scope_cgroup
        )
    if output == "json":
        console.print_json(_to_json(exp, policy))
    else:
        terminal = console.is_terminal(sys.stdout)
        click.echo(_render_text(exp, policy, width=console.terminal_width(), terminal=terminal))
