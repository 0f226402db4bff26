"""`hotfence explain`: what would this socket()/bind()/connect() get, and which rule decides.

Runs the reference model (``fence.model``) over a compiled policy; needs no kernel
support and no privileges.

    hotfence explain --policy P socket inet6 raw icmpv6 [--kern] [--backend bpf-lsm]
    hotfence explain --policy P connect inet6 tcp 443
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import asdict
from typing import Any

import click

from hotfence.fence import names
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

USAGE = """\b
CALL is one of:
  socket FAMILY TYPE [PROTOCOL]   e.g. socket inet6 raw icmpv6, socket alg seqpacket
  bind FAMILY PROTOCOL PORT       e.g. bind inet tcp 80
  connect FAMILY PROTOCOL PORT    e.g. connect inet6 tcp 443
  sendto FAMILY udp PORT          e.g. sendto inet udp 53 (connect rules apply)
Names are case-insensitive; AF_INET6 / SOCK_RAW|SOCK_CLOEXEC / IPPROTO_ICMPV6 and
numbers work too."""


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
        raise click.BadParameter(str(exc)) from None
    raise click.UsageError(f"unknown call {what!r}; valid: socket, bind, connect, sendto")


def _render_text(exp: Explanation, policy: CompiledPolicy | None) -> str:
    lines = [f"call:    {exp.call.describe()}"]
    if policy is not None:
        mode = "enforce" if policy.enforce else "audit"
        lines.append(
            f"policy:  {policy.name} ({policy.source}, mode {mode}, "
            f"default {policy.default.name.lower()}) on the {exp.backend.value} backend"
        )
    else:
        lines.append("policy:  none (the kernel alone)")
    lines.append("path:")
    width = max((len(s.function) for s in exp.steps), default=0)
    for step in exp.steps:
        detail = f"  [{step.detail}]" if step.detail else ""
        lines.append(f"  {step.function:<{width}}  {step.outcome:<15} {step.check}{detail}")
    for note in exp.notes:
        lines.append(f"note:    {note}")
    lines.append(f"verdict: {exp.verdict}")
    lines.append(f"errno:   {exp.errno_name}" + (f" ({exp.errno})" if exp.errno else ""))
    if exp.decision is not None:
        d = exp.decision
        if d.rule is not None:
            lines.append(
                f"rule:    {d.rule.name} at {d.rule.source}: {d.rule.summary} "
                f"(at {d.hook}: {d.effect})"
            )
        else:
            lines.append(
                f"rule:    none matched; policy default at {d.source} (at {d.hook}: {d.effect})"
            )
    elif policy is not None:
        lines.append("rule:    none (the policy was not consulted on this path)")
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


@click.command(epilog=USAGE, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("what", metavar="CALL")
@click.argument("args", nargs=-1)
@click.option(
    "--policy", "policy_path", type=click.Path(dir_okay=False), help="SocketPolicy YAML file."
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
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
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
    fmt: str,
) -> None:
    """Explain what a socket(), bind() or connect() call would get, step by step, and which
    policy rule decides (reference model of the kernel path; no kernel access needed)."""
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
            click.echo(f"hotfence explain: invalid policy:\n{exc}", err=True)
            sys.exit(2)
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
        raise click.BadParameter(str(exc), param_hint="--with-family") from None
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
    if fmt == "json":
        click.echo(json.dumps(_to_json(exp, policy), indent=2))
    else:
        click.echo(_render_text(exp, policy))
