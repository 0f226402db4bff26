"""`hotfence fence run|apply|status|remove|counters`: the cgroup-BPF fence from the shell.

* ``run POLICY --cgroup PATH``: enforce in the foreground; one line once enforcement is
  active, then one line per deny/audit event; SIGINT/SIGTERM detach. The links belong to
  this process, so they also go away if it is killed.
* ``apply POLICY --cgroup PATH``: enforce persistently (links and maps pinned in bpffs);
  applying again swaps the policy atomically.
* ``status`` (checked against the kernel; exit 1 when a fence is DETACHED or STALE),
  ``prune``, ``counters --cgroup PATH``, ``remove --cgroup PATH``.

Rules the backend cannot enforce at all are an error unless ``--allow-partial``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import click

from hotfence.bpf.build import BuildError
from hotfence.bpf.libbpf import LibbpfError
from hotfence.containers.cgroups import nspid
from hotfence.containers.engine import ContainerInfo
from hotfence.containers.options import any_given, target_from_options, target_options
from hotfence.containers.target import Target, container_of
from hotfence.fence import abi, backends
from hotfence.fence.backends import Coverage, ProbeResult, RuleCoverage, pinning, probe
from hotfence.fence.backends.cgroupfs import FenceError, resolve_cgroup
from hotfence.fence.backends.pinning import Applied, AppliedState, Liveness
from hotfence.fence.compiled import CompiledPolicy, Hook
from hotfence.fence.service import (
    ApplyResult,
    CoverageError,
    apply_policy,
    check_coverage,
    coverage_summary,
)

FAIL = (FenceError, LibbpfError, BuildError)


def _compile(path: str) -> CompiledPolicy:
    # Imported here: the compiler is its own feature and may be absent from a partial build.
    from hotfence.fence.compiler import compile_file
    from hotfence.fence.policy import PolicyError

    try:
        return compile_file(path)
    except PolicyError as exc:
        raise click.ClickException(f"invalid policy, nothing changed:\n{exc}") from None


def resolve_target(
    policy: CompiledPolicy | None, cgroup: str | None, container: str | None, pid: int | None
) -> Target:
    """The cgroup a fence command acts on, from its target options.

    The one place target options are read: ``--cgroup`` (any pasted form), ``--container``,
    ``--pid``, else the policy's ``spec.scope.cgroup``. Refuses the root cgroup and
    non-cgroups before anything else, and warns about an escape the container keeps.
    """
    if not any_given(cgroup, container, pid):
        cgroup = policy.scope_cgroup if policy is not None else None
        if not cgroup:
            raise click.UsageError(
                "no --cgroup, --container or --pid given and the policy has no spec.scope.cgroup"
            )
    target = target_from_options(cgroup, container, pid)
    try:
        resolve_cgroup(target.cgroup)
    except FenceError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in target.warnings():
        click.echo(f"hotfence: warning: {warning}", err=True)
    return target


def _applied_target(cgroup: str | None, container: str | None, pid: int | None) -> Target:
    """The target of a command that reads an applied fence (counters, events)."""
    if not any_given(cgroup, container, pid):
        raise click.UsageError("give one of --cgroup, --container or --pid")
    return target_from_options(cgroup, container, pid)


def _check_coverage(
    policy: CompiledPolicy, allow_partial: bool
) -> tuple[backends.Selection, list[RuleCoverage]]:
    # BPF-LSM when this kernel loads it (every family, kern flag, netns), else cgroup-BPF.
    try:
        sel, coverages = check_coverage(policy, allow_partial)
    except FAIL as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"hotfence: backend {sel.name}: {sel.reason}", err=True)
    return sel, coverages


def apply_and_report(
    policy: CompiledPolicy, target: str, policy_file: str, allow_partial: bool, every_rule: bool
) -> ApplyResult:
    """Apply through :func:`~hotfence.fence.service.apply_policy` and print the outcome;
    shared by `fence apply` and `patch apply`."""
    try:
        result = apply_policy(policy, target, policy_file, allow_partial)
    except CoverageError as exc:
        raise click.ClickException(str(exc)) from None
    except FAIL as exc:
        raise click.ClickException(
            f"{exc} (the previous policy, if any, is still in force)"
        ) from None
    click.echo(f"hotfence: backend {result.selection.name}: {result.selection.reason}", err=True)
    click.echo(result.headline())
    for line in coverage_summary(result.coverages, every_rule):
        click.echo(line)
    return result


def _call_text(ev: abi.FenceEvent) -> str:
    from hotfence.linux import names

    fam = names.family_name(ev.family)
    proto = names.protocol_name(ev.family, ev.protocol)
    if ev.hook == Hook.SOCKET_CREATE:
        return f"socket({fam}, {names.type_name(ev.type)}, {proto})"
    hook = Hook(ev.hook).name.lower() if ev.hook in (1, 2) else f"hook{ev.hook}"
    return f"{hook}({fam}, {proto}, port {ev.port})"


def policy_rule_label(policy: CompiledPolicy, rule_id: int) -> tuple[str, str]:
    """(name, "name (file:line)") of a rule of a compiled policy, or of its default."""
    if rule_id == abi.HF_DEFAULT_RULE:
        return (
            "default",
            f"default ({policy.default_source or policy.default.name.lower()})",
        )
    if rule_id < len(policy.rules):
        r = policy.rules[rule_id]
        return r.name, f"{r.name} ({r.source})"
    return f"rule {rule_id}", f"rule {rule_id}"


def state_rule_label(state: AppliedState | None, rule_id: int) -> tuple[str, str]:
    """The same for an applied fence, from the rules its state file recorded."""
    if rule_id == abi.HF_DEFAULT_RULE:
        return "default", f"default ({state.default if state else '?'})"
    r = {x["rule_id"]: x for x in (state.rules if state else [])}.get(rule_id)
    return (
        (r["name"], f"{r['name']} ({r['source']})") if r else (f"rule {rule_id}", f"rule {rule_id}")
    )


def event_time(ev: abi.FenceEvent) -> str:
    """The wall-clock time of an event, ISO-8601 in UTC, from its CLOCK_BOOTTIME stamp.

    The kernel stamps boot time (it keeps counting across suspend and is never set
    back); the wall clock is derived with the current offset between the two clocks.
    """
    offset = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    when = datetime.fromtimestamp(offset + ev.boot_ns / 1e9, tz=UTC)
    return when.isoformat(timespec="microseconds")


def format_event(
    ev: abi.FenceEvent, rule: str, cgroup_path: str, target: Target | None = None
) -> str:
    where = ""
    if target is not None and target.container is not None:
        where = f" container={target.container.name} container_pid={nspid(ev.tgid)}"
    return (
        f"{event_time(ev)} boot+{ev.boot_ns / 1e9:.6f}s "
        f"{ev.verdict} {_call_text(ev)} pid={ev.tgid} tid={ev.pid} comm={ev.comm} uid={ev.uid} "
        f"cgroup={cgroup_path}{where} netns={ev.netns} rule={rule}"
    )


def event_json(ev: abi.FenceEvent, rule_name: str, target: Target | None = None) -> str:
    d: dict[str, object] = {"time": event_time(ev), **ev.__dict__}
    d["rule"] = rule_name
    if target is not None:
        d.update(target.summary())
        # The pid as the container sees it; None once the process has exited.
        d["container_pid"] = nspid(ev.tgid) if target.container is not None else None
    return json.dumps(d)


def _emitter(
    as_json: bool,
    label: Callable[[int], tuple[str, str]],
    cgroup_path: str,
    target: Target | None = None,
) -> Callable[[abi.FenceEvent], None]:
    """A ring-buffer callback printing each event as a line or as JSON."""

    def emit(ev: abi.FenceEvent) -> None:
        name, text = label(ev.rule_id)
        click.echo(
            event_json(ev, name, target) if as_json else format_event(ev, text, cgroup_path, target)
        )

    return emit


@click.command("run")
@click.argument("policy", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--cgroup",
    "cgroup",
    help="cgroup v2 directory to fence (default: the policy's spec.scope.cgroup).",
)
@click.option(
    "--allow-partial", is_flag=True, help="Enforce even if some rules cannot be enforced here."
)
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines.")
@target_options
def run(
    policy: str,
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    allow_partial: bool,
    as_json: bool,
) -> None:
    """Enforce POLICY on a cgroup in the foreground, streaming deny/audit events."""
    compiled = _compile(policy)
    tgt = resolve_target(compiled, cgroup, container, pid)
    target = str(tgt.cgroup)
    sel, _ = _check_coverage(compiled, allow_partial)
    stop = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with sel.backend.load(target) as fence:
            fence.maps.install(compiled)
            fence.attach()
            verb = "enforcing" if compiled.enforce else "auditing"
            click.echo(
                f"hotfence: {verb} {compiled.name!r} on {fence.cgroup.path} via {sel.name} "
                f"({len(compiled.rules)} rules)"
            )
            sys.stdout.flush()
            cg_path = str(fence.cgroup.path)

            ring = fence.maps.events(
                _emitter(as_json, lambda rid: policy_rule_label(compiled, rid), cg_path, tgt)
            )
            lost_seen = 0
            try:
                while not stop:
                    ring.poll(200)
                    sys.stdout.flush()
                    lost = fence.maps.stats().lost
                    if lost != lost_seen:
                        click.echo(
                            f"hotfence: {lost - lost_seen} events lost (ring buffer full), "
                            f"{lost} in total",
                            err=True,
                        )
                        lost_seen = lost
            finally:
                ring.free()
            counts, stats = fence.maps.counters(), fence.maps.stats()
            fence.detach()
            click.echo(f"hotfence: detached {compiled.name!r} from {cg_path}", err=True)
            deny_word = "denies" if compiled.enforce else "would-deny"
            for r in compiled.rules:
                c = counts[r.rule_id]
                click.echo(f"hotfence: {r.name}: {c.hits} hits, {c.denies} {deny_word}", err=True)
            click.echo(f"hotfence: {stats.events} events, {stats.lost} lost", err=True)
    except FAIL as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@click.command("apply")
@click.argument("policy", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--cgroup",
    "cgroup",
    help="cgroup v2 directory to fence (default: the policy's spec.scope.cgroup).",
)
@click.option(
    "--allow-partial", is_flag=True, help="Apply even if some rules cannot be enforced here."
)
@click.option("--rules", "every_rule", is_flag=True, help="Show the coverage of every rule.")
@target_options
def apply(
    policy: str,
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    allow_partial: bool,
    every_rule: bool = False,
) -> None:
    """Enforce POLICY on a cgroup persistently (pinned in bpffs); re-applying swaps atomically."""
    compiled = _compile(policy)
    tgt = resolve_target(compiled, cgroup, container, pid)
    apply_and_report(
        compiled, str(tgt.cgroup), str(Path(policy).resolve()), allow_partial, every_rule
    )
    if tgt.container is not None:
        click.echo(f"  {tgt.container.text()}")


# The exit status of `status` when a fence is DETACHED or STALE: docs/cli.md's 1, "findings
# it reports by status".
NOT_ENFORCING = 1


def _checked() -> list[tuple[Applied, Liveness]]:
    return [entry for b in backends.pinned() for entry in b.status()]


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--rules", "every_rule", is_flag=True, help="Show the coverage of every rule.")
@click.option("--cgroup", "cgroup", help="Only the fence of this cgroup.")
@target_options
def status(
    as_json: bool, every_rule: bool, cgroup: str | None, container: str | None, pid: int | None
) -> None:
    """What is applied where, checked against the kernel; plus backend probes.

    Each fence is ACTIVE (every hook attached to the cgroup it was made for), DETACHED
    (the cgroup is there, some hook is not attached to it) or STALE (the cgroup is gone
    or was re-created: nothing fences the path). Exit status 0 when every fence is
    ACTIVE, 1 when any is not; `fence prune` removes the ones that enforce nothing.
    """
    probes = probe()
    entries = _checked()
    if any_given(cgroup, container, pid):
        only = target_from_options(cgroup, container, pid)
        entries = [(a, live) for a, live in entries if a.cgroup_id == only.cgroup.stat().st_ino]
        if not entries:
            raise click.ClickException(f"{only.text()}: no fence applied")
    owners = {a.cgroup_id: _owner(a.state.cgroup if a.state else None) for a, _ in entries}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "backends": [p.__dict__ for p in probes],
                    "applied": [
                        {
                            "cgroup_id": a.cgroup_id,
                            "pin_dir": str(a.pin_dir),
                            "links": a.links,
                            "status": live.status,
                            "reasons": list(live.reasons),
                            "active": live.enforcing,
                            "state": a.state.__dict__ if a.state else None,
                            "container": (o.summary() if (o := owners[a.cgroup_id]) else None),
                            "warnings": (o.warnings() if (o := owners[a.cgroup_id]) else []),
                        }
                        for a, live in entries
                    ],
                },
                indent=1,
            )
        )
    else:
        _print_status(probes, entries, every_rule, owners)
    if any(not live.enforcing for _, live in entries):
        sys.exit(NOT_ENFORCING)


def _owner(cgroup: str | None) -> ContainerInfo | None:
    """The container running in a fenced cgroup (None if none, or no engine knows it)."""
    return container_of(cgroup) if cgroup else None


def _print_status(
    probes: list[ProbeResult],
    entries: list[tuple[Applied, Liveness]],
    every_rule: bool,
    owners: dict[int, ContainerInfo | None],
) -> None:
    click.echo("backends:")
    for p in probes:
        click.echo(f"  {p.backend:11} {'available' if p.available else 'unavailable'}: {p.reason}")
    if not entries:
        click.echo("no fence applied")
        return
    for a, live in entries:
        s = a.state
        how = "all hooks attached" if live.enforcing else "; ".join(live.reasons)
        if s is None:
            click.echo(f"cgroup id {a.cgroup_id}: pinned at {a.pin_dir}, {live.status}: {how}")
        else:
            mode = "enforce" if s.enforce else "audit"
            click.echo(
                f"{s.cgroup} (id {a.cgroup_id}): {s.policy!r} ({mode}, default {s.default}) "
                f"via {s.backend}, {live.status}: {how}; from {s.policy_file}"
            )
        if not live.enforcing:
            hint = (
                "`hotfence fence prune` removes it"
                if pinning.prunable(live)
                else "apply the policy again, or `hotfence fence remove`"
            )
            click.echo(f"  NOT ENFORCED as recorded: {hint}")
        owner = owners[a.cgroup_id]
        if owner is not None:
            click.echo(f"  {owner.text()}")
            for warning in owner.warnings():
                click.echo(f"  warning: {warning}")
        if s is not None:
            coverages = [
                RuleCoverage(
                    c["rule_id"], c["name"], c["summary"], Coverage(c["coverage"]), c["reason"]
                )
                for c in s.coverage
            ]
            for line in coverage_summary(coverages, every_rule):
                click.echo(line)


@click.command("prune")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
def prune(dry_run: bool) -> None:
    """Remove the pins and state of fences that enforce nothing (cgroup gone, no hook attached)."""
    pruned = 0
    for a, live in _checked():
        if not pinning.prunable(live):
            continue
        where = a.state.cgroup if a.state else f"cgroup id {a.cgroup_id}"
        if not dry_run:
            try:
                backends.get(a.backend).remove(a.cgroup_id)
            except FAIL as exc:
                raise click.ClickException(f"{where}: {exc}") from None
        pruned += 1
        verb = "would remove" if dry_run else "removed"
        click.echo(f"hotfence: {verb} {a.backend} fence of {where} ({'; '.join(live.reasons)})")
    empty = pinning.prune_unused_state(dry_run)
    if empty:
        verb = "would remove" if dry_run else "removed"
        click.echo(
            f"hotfence: {verb} {empty} state director{'ies' if empty > 1 else 'y'} "
            "that recorded nothing (left by a killed run)"
        )
    if not pruned and not empty:
        click.echo("hotfence: nothing to prune")


def _fence_ids(cgroup: str) -> set[int]:
    """The cgroup ids whose fence ``--cgroup PATH`` means: the path's id, if it is a cgroup,
    and every id whose recorded state names the path (the cgroup was removed or re-made)."""
    ids = set(pinning.find_by_path(cgroup))
    try:
        ids.add(resolve_cgroup(cgroup).id)
    except FenceError as exc:
        if not ids:
            raise click.ClickException(
                f"{exc}; no fence state records this path either "
                "(`hotfence fence status` lists the ids; then `remove --id`)"
            ) from None
    return ids


@click.command("remove")
@click.option("--cgroup", "cgroup", help="cgroup v2 directory whose fence to remove.")
@click.option(
    "--id", "cgroup_id", type=int, help="cgroup id (from `status`), e.g. if the cgroup is gone."
)
@target_options
def remove(
    cgroup: str | None, cgroup_id: int | None, container: str | None, pid: int | None
) -> None:
    """Detach and unpin a fence left by `apply` (also when its cgroup is gone)."""
    if container is not None or pid is not None:
        if cgroup is not None or cgroup_id is not None:
            raise click.UsageError("give exactly one of --cgroup, --container, --pid or --id")
        cgroup = str(target_from_options(None, container, pid).cgroup)
    elif cgroup is not None:
        with contextlib.suppress(click.ClickException):
            # Any pasted form of a live cgroup; a gone one is looked up as given.
            cgroup = str(target_from_options(cgroup, None, None, identify=False).cgroup)
    if (cgroup is None) == (cgroup_id is None):
        raise click.UsageError("give exactly one of --cgroup, --container, --pid or --id")
    ids = _fence_ids(cgroup) if cgroup is not None else {cgroup_id or 0}
    try:
        existed = False
        for i in sorted(ids):
            existed = any([b.remove(i) for b in backends.pinned()]) or existed
    except FAIL as exc:
        raise click.ClickException(str(exc)) from None
    what = cgroup if cgroup is not None else f"cgroup id {cgroup_id}"
    if not existed:
        raise click.ClickException(f"{what}: no fence applied")
    click.echo(f"hotfence: removed the fence from {what}")


def _fenced_by(cgroup: str) -> backends.Backend:
    """The backend whose fence is applied on ``cgroup`` (cgroup-BPF when none is)."""
    cg = resolve_cgroup(cgroup)
    pinned = backends.pinned()
    return next((b for b in pinned if b.pin_dir(cg).exists()), pinned[-1])


@click.command("counters")
@click.option("--cgroup", "cgroup", help="cgroup v2 directory with an applied fence.")
@target_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def counters(cgroup: str | None, container: str | None, pid: int | None, as_json: bool) -> None:
    """Per-rule hits and denies (would-deny in audit mode) of an applied fence."""
    tgt = _applied_target(cgroup, container, pid)
    cgroup = str(tgt.cgroup)
    try:
        got = _fenced_by(cgroup).counters(cgroup)
    except FAIL as exc:
        raise click.ClickException(str(exc)) from None
    state, counts, stats = got.state, got.counts, got.stats
    rules = {r["rule_id"]: r for r in (state.rules if state else [])}
    deny_word = "denies" if (state is None or state.enforce) else "would-deny"
    rows: list[dict[str, object]] = []
    for rule_id, c in sorted(counts.items()):
        if rule_id == abi.HF_DEFAULT_RULE:
            name, summary = "default", f"{state.default if state else '?'} (no rule matched)"
        else:
            r = rules.get(rule_id, {})
            name, summary = r.get("name", f"rule {rule_id}"), r.get("summary", "")
        rows.append(
            {
                "rule_id": rule_id,
                "name": name,
                "summary": summary,
                "hits": c.hits,
                "denies": c.denies,
            }
        )
    if as_json:
        click.echo(
            json.dumps(
                {
                    **tgt.summary(),
                    "policy": state.policy if state else None,
                    "rules": rows,
                    "events": stats.events,
                    "lost_events": stats.lost,
                },
                indent=1,
            )
        )
        return
    click.echo(f"{'hits':>10} {deny_word:>10}  rule")
    for row in rows:
        click.echo(f"{row['hits']:>10} {row['denies']:>10}  {row['name']}: {row['summary']}")
    click.echo(f"events: {stats.events} delivered to the ring buffer, {stats.lost} lost")


class _Enough(Exception):
    """Raised from the ring-buffer callback once ``--count`` events were printed."""


@click.command("events")
@click.option("--cgroup", "cgroup", help="cgroup v2 directory with an applied fence.")
@target_options
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines.")
@click.option("--count", type=int, help="Stop after this many events.")
@click.option("--duration", type=float, help="Stop after this many seconds.")
def events(
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    as_json: bool,
    count: int | None,
    duration: float | None,
) -> None:
    """Stream the deny/audit events of an applied (pinned) fence.

    The events wait in the fence's ring buffer until someone reads them; one reader at a
    time gets each event. Each carries the time of the decision (wall clock, ISO-8601
    UTC, and seconds since boot), so a backlog is not mistaken for live calls. Lost
    events (ring full) are reported, never dropped silently: the first line says how
    many were lost before this reader started.
    """
    tgt = _applied_target(cgroup, container, pid)
    cgroup = str(tgt.cgroup)
    try:
        cg = resolve_cgroup(cgroup)
        maps, state = _fenced_by(cgroup).events(cgroup)
    except FAIL as exc:
        raise click.ClickException(str(exc)) from None
    stop = False
    seen = 0

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    emit = _emitter(as_json, lambda rid: state_rule_label(state, rid), str(cg.path), tgt)

    def counted(ev: abi.FenceEvent) -> None:
        nonlocal seen, stop
        emit(ev)
        seen += 1
        if count is not None and seen >= count:
            # Stop the poll here: the records after this one stay in the ring for the
            # next reader instead of being consumed and dropped.
            stop = True
            raise _Enough

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    start = time.monotonic()
    lost_seen = maps.stats().lost
    ring = maps.events(counted)
    try:
        # Said first: events that did not fit before anyone read them are gone for good,
        # and the ones that did wait in the ring, older than they look (see their time).
        click.echo(
            f"hotfence: reading events of {state.policy if state else '?'!r} on {cg.path}; "
            f"{lost_seen} lost before this reader started (ring buffer full)",
            err=True,
        )
        while not stop and (duration is None or time.monotonic() - start < duration):
            with contextlib.suppress(_Enough):
                ring.poll(200)
            sys.stdout.flush()
            lost = maps.stats().lost
            if lost != lost_seen:
                click.echo(
                    f"hotfence: {lost - lost_seen} events lost (ring buffer full), {lost} in total",
                    err=True,
                )
                lost_seen = lost
    finally:
        ring.free()
        maps.close()
        for s, h in old.items():
            signal.signal(s, h)
