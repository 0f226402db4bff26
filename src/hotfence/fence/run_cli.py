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
import dataclasses
import json
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click

from hotfence import console
from hotfence.bpf.build import BuildError
from hotfence.bpf.libbpf import LibbpfError
from hotfence.containers.cgroups import nspid
from hotfence.containers.engine import ContainerInfo
from hotfence.containers.options import any_given, target_from_options, target_options
from hotfence.containers.target import Target, container_of
from hotfence.fence import abi, backends, runs
from hotfence.fence.backends import Coverage, ProbeResult, RuleCoverage, pinning, probe
from hotfence.fence.backends.cgroupfs import FenceError, resolve_cgroup
from hotfence.fence.backends.maps import RuleCounter
from hotfence.fence.backends.pinning import Applied, AppliedState, Liveness
from hotfence.fence.compiled import CompiledPolicy, Hook
from hotfence.fence.service import (
    ApplyResult,
    CoverageError,
    apply_policy,
    check_coverage,
    coverage_summary,
)
from hotfence.linux import names
from hotfence.linux.clock import WallClock, boot_seconds

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
        console.error(f"warning: {warning}")
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
    console.note(f"backend {sel.name}: {sel.reason}")
    return sel, coverages


def apply_and_report(
    policy: CompiledPolicy,
    target: str,
    policy_file: str,
    allow_partial: bool,
    every_rule: bool,
    output: str = "text",
    extra: dict[str, object] | None = None,
) -> ApplyResult:
    """Apply through :func:`~hotfence.fence.service.apply_policy` and print the outcome
    (``extra`` joins the JSON document); shared by `fence apply` and `patch apply`."""
    try:
        result = apply_policy(policy, target, policy_file, allow_partial)
    except CoverageError as exc:
        raise click.ClickException(str(exc)) from None
    except FAIL as exc:
        raise click.ClickException(
            f"{exc} (the previous policy, if any, is still in force)"
        ) from None
    console.note(f"backend {result.selection.name}: {result.selection.reason}")
    if output == "json":
        console.print_json({**result.as_dict(), **(extra or {})})
        return result
    click.echo(result.headline())
    for line in coverage_summary(result.coverages, every_rule):
        click.echo(line)
    return result


def hook_name(hook: int) -> str:
    """``socket_create``, ``bind``, ``connect``: the hook an event was decided at."""
    return Hook(hook).name.lower() if hook in {h.value for h in Hook} else f"hook{hook}"


def _call_text(ev: abi.FenceEvent) -> str:
    fam = names.family_name(ev.family)
    proto = names.protocol_name(ev.family, ev.protocol)
    if ev.hook == Hook.SOCKET_CREATE:
        return f"socket({fam}, {names.type_name(ev.type)}, {proto})"
    return f"{hook_name(ev.hook)}({fam}, {proto}, port {ev.port})"


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


# The kernel stamps fence events with CLOCK_BOOTTIME (bpf_ktime_get_boot_ns: it keeps
# counting across suspend and is never set back).
EVENT_CLOCK = WallClock(time.CLOCK_BOOTTIME)


def event_time(ev: abi.FenceEvent) -> str:
    """The wall-clock time of an event, ISO-8601 in UTC."""
    return EVENT_CLOCK.iso(ev.boot_ns)


def event_fields(
    ev: abi.FenceEvent, rule: str, cgroup_path: str, target: Target | None = None
) -> list[str]:
    """An event as text fields (console.print_record lays them out)."""
    where = []
    if target is not None and target.container is not None:
        where = [f"container={target.container.name}", f"container_pid={nspid(ev.tgid)}"]
    return [
        event_time(ev),
        boot_seconds(ev.boot_ns),
        ev.verdict,
        _call_text(ev),
        f"pid={ev.tgid}",
        f"tid={ev.pid}",
        f"comm={ev.comm}",
        f"uid={ev.uid}",
        f"cgroup={cgroup_path}",
        *where,
        f"netns={ev.netns}",
        f"rule={rule}",
    ]


def event_dict(
    ev: abi.FenceEvent, rule_name: str, target: Target | None = None
) -> dict[str, object]:
    """An event for JSON: numbers and, like `watch`, names for family, type and protocol
    (from the same linux.names functions), the hook's name and the verdict."""
    d: dict[str, object] = {"time": event_time(ev), **ev.__dict__}
    d.update(
        family_name=names.family_name(ev.family),
        type_name=names.type_name(ev.type),
        protocol_name=names.protocol_name(ev.family, ev.protocol),
        hook_name=hook_name(ev.hook),
    )
    d["rule"] = rule_name
    if target is not None:
        d.update(target.summary())
        # The pid as the container sees it; None once the process has exited.
        d["container_pid"] = nspid(ev.tgid) if target.container is not None else None
    return d


def _emitter(
    as_json: bool,
    label: Callable[[int], tuple[str, str]],
    cgroup_path: str,
    target: Target | None = None,
) -> Callable[[abi.FenceEvent], None]:
    """A ring-buffer callback printing each event as a line or as JSON."""

    def emit(ev: abi.FenceEvent) -> None:
        name, text = label(ev.rule_id)
        if as_json:
            click.echo(json.dumps(event_dict(ev, name, target)))
        else:
            console.print_record(event_fields(ev, text, cgroup_path, target))

    return emit


def counter_rows(
    counts: dict[int, RuleCounter], rules: list[dict[str, Any]], default: str
) -> list[dict[str, Any]]:
    """Per-rule counters as `fence counters` prints them; ``rules`` are RuleInfo fields."""
    by_id = {r["rule_id"]: r for r in rules}
    rows: list[dict[str, Any]] = []
    for rule_id, c in sorted(counts.items()):
        name: str
        summary: str
        if rule_id == abi.HF_DEFAULT_RULE:
            name, summary = "default", f"{default} (no rule matched)"
        else:
            r = by_id.get(rule_id, {})
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
    return rows


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
@console.output_option()
@target_options
def run(
    policy: str,
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    allow_partial: bool,
    output: str,
) -> None:
    """Enforce POLICY on a cgroup in the foreground, streaming deny/audit events.

    stdout carries the events (one JSON object per line with `-o json`), each with its
    wall-clock time and seconds since boot; stderr says when enforcement starts and, at
    the end, each rule's hits. Ctrl-C detaches, summarises and exits 130; SIGTERM
    detaches with status 0.
    """
    as_json = output == "json"
    compiled = _compile(policy)
    tgt = resolve_target(compiled, cgroup, container, pid)
    target = str(tgt.cgroup)
    sel, _ = _check_coverage(compiled, allow_partial)
    stop = interrupted = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop, interrupted
        stop = True
        interrupted = interrupted or signum == signal.SIGINT

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with sel.backend.load(target) as fence:
            fence.maps.install(compiled)
            fence.attach()
            verb = "enforcing" if compiled.enforce else "auditing"
            # Said even with -q: it is the one sign that enforcement has started.
            console.error(
                f"{verb} {compiled.name!r} on {fence.cgroup.path} via {sel.name} "
                f"({console.plural(len(compiled.rules), 'rule')})"
            )
            cg_path = str(fence.cgroup.path)
            # What `fence status` and `fence counters` read of this run (nothing is pinned).
            now = time.time()
            record = runs.RunRecord.for_this_process(
                cgroup=cg_path,
                cgroup_id=fence.cgroup.id,
                backend=sel.name,
                policy=compiled.name,
                policy_file=str(Path(policy).resolve()),
                enforce=compiled.enforce,
                default=compiled.default.name.lower(),
                started=now,
                updated=now,
            )
            rule_fields: list[dict[str, Any]] = [
                {"rule_id": r.rule_id, "name": r.name, "summary": r.summary, "source": r.source}
                for r in compiled.rules
            ]

            def update_record() -> None:
                stats = fence.maps.stats()
                record.rules = counter_rows(fence.maps.counters(), rule_fields, record.default)
                record.events, record.lost, record.updated = stats.events, stats.lost, time.time()
                record.write()

            update_record()
            ring = fence.maps.events(
                _emitter(as_json, lambda rid: policy_rule_label(compiled, rid), cg_path, tgt)
            )
            lost_seen = 0
            try:
                while not stop:
                    ring.poll(200)
                    sys.stdout.flush()
                    if time.time() - record.updated >= runs.UPDATE_SECONDS:
                        update_record()
                    lost = fence.maps.stats().lost
                    if lost != lost_seen:
                        console.error(
                            f"{console.plural(lost - lost_seen, 'event')} lost "
                            f"(ring buffer full), {lost} in total"
                        )
                        lost_seen = lost
            finally:
                ring.free()
                record.remove()
            counts, stats = fence.maps.counters(), fence.maps.stats()
            fence.detach()
            console.error(f"detached {compiled.name!r} from {cg_path}")
            deny_word = "denies" if compiled.enforce else "would-deny"
            for r in compiled.rules:
                c = counts[r.rule_id]
                console.note(f"{r.name}: {console.plural(c.hits, 'hit')}, {c.denies} {deny_word}")
            console.note(f"{console.plural(stats.events, 'event')}, {stats.lost} lost")
    except FAIL as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if interrupted:
        sys.exit(console.EXIT_INTERRUPTED)


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
@console.output_option()
@target_options
def apply(
    policy: str,
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    allow_partial: bool,
    output: str,
    every_rule: bool = False,
) -> None:
    """Enforce POLICY on a cgroup persistently (pinned in bpffs); re-applying swaps atomically."""
    compiled = _compile(policy)
    tgt = resolve_target(compiled, cgroup, container, pid)
    apply_and_report(
        compiled,
        str(tgt.cgroup),
        str(Path(policy).resolve()),
        allow_partial,
        every_rule,
        output,
        {"container": tgt.container.summary() if tgt.container is not None else None},
    )
    if tgt.container is not None and output == "text":
        click.echo(f"  {tgt.container.text()}")


# The exit status of `status` when a fence is DETACHED or STALE: docs/cli.md's 1, "findings
# it reports by status".
NOT_ENFORCING = 1


def _checked() -> list[tuple[Applied, Liveness]]:
    return [entry for b in backends.pinned() for entry in b.status()]


@click.command("status")
@console.output_option()
@click.option("--rules", "every_rule", is_flag=True, help="Show the coverage of every rule (text).")
@click.option("--cgroup", "cgroup", help="Only the fence of this cgroup.")
@target_options
def status(
    output: str, every_rule: bool, cgroup: str | None, container: str | None, pid: int | None
) -> None:
    """What is applied where, checked against the kernel; plus backend probes.

    Each fence is ACTIVE (every hook attached to the cgroup it was made for), DETACHED
    (the cgroup is there, some hook is not attached to it) or STALE (the cgroup is gone
    or was re-created: nothing fences the path). Exit status 0 when every fence is
    ACTIVE, 1 when any is not; `fence prune` removes the ones that enforce nothing.
    Each fence's coverage is summarised in a few lines; --rules lists every rule.
    """
    probes = probe()
    entries = _checked()
    running = runs.running()
    if any_given(cgroup, container, pid):
        only = target_from_options(cgroup, container, pid)
        only_id = only.cgroup.stat().st_ino
        entries = [(a, live) for a, live in entries if a.cgroup_id == only_id]
        running = [r for r in running if r.cgroup_id == only_id]
        if not entries and not running:
            raise click.ClickException(f"{only.text()}: no fence applied")
    owners = {a.cgroup_id: _owner(a.state.cgroup if a.state else None) for a, _ in entries}
    if output == "json":
        console.print_json(
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
                # `fence run` fences: enforcing while their process runs, nothing pinned
                "running": [dataclasses.asdict(r) for r in running],
            }
        )
    else:
        _print_status(probes, entries, every_rule, owners, bool(running))
        _print_runs(running)
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
    any_running: bool = False,
) -> None:
    click.echo("backends:")
    for p in probes:
        click.echo(f"  {p.backend:11} {'available' if p.available else 'unavailable'}: {p.reason}")
    if not entries:
        if not any_running:
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


def _print_runs(running: list[runs.RunRecord]) -> None:
    for r in running:
        mode = "enforce" if r.enforce else "audit"
        click.echo(
            f"{r.cgroup} (id {r.cgroup_id}): {r.policy!r} ({mode}, default {r.default}) "
            f"via {r.backend}, RUNNING in the foreground as `fence run` pid {r.pid}; "
            f"from {r.policy_file}"
        )
        rules = sum(row["rule_id"] != abi.HF_DEFAULT_RULE for row in r.rules)
        click.echo(
            f"  {console.plural(rules, 'rule')}; enforced until that process ends; "
            f"counters: hotfence fence counters --cgroup {r.cgroup}"
        )


@click.command("prune")
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
@console.output_option()
def prune(dry_run: bool, output: str) -> None:
    """Remove the pins and state of fences that enforce nothing (cgroup gone, no hook attached)."""
    pruned: list[dict[str, object]] = []
    text = output == "text"
    verb = "would remove" if dry_run else "removed"
    for a, live in _checked():
        if not pinning.prunable(live):
            continue
        where = a.state.cgroup if a.state else f"cgroup id {a.cgroup_id}"
        if not dry_run:
            try:
                backends.get(a.backend).remove(a.cgroup_id)
            except FAIL as exc:
                raise click.ClickException(f"{where}: {exc}") from None
        pruned.append(
            {
                "backend": a.backend,
                "cgroup": a.state.cgroup if a.state else None,
                "cgroup_id": a.cgroup_id,
                "reasons": list(live.reasons),
            }
        )
        if text:
            click.echo(f"{verb} {a.backend} fence of {where} ({'; '.join(live.reasons)})")
    empty = pinning.prune_unused_state(dry_run)
    gone_runs = runs.prune(dry_run)
    if output == "json":
        console.print_json(
            {
                "dry_run": dry_run,
                "fences": pruned,
                "empty_state_dirs": empty,
                "gone_run_records": [str(p) for p in gone_runs],
            }
        )
        return
    if gone_runs:
        click.echo(
            f"{verb} {console.plural(len(gone_runs), 'record')} of `fence run`s whose process "
            "is gone (killed: the kernel detached their fences)"
        )
    if empty:
        click.echo(
            f"{verb} {console.plural(empty, 'state directory', 'state directories')} "
            "that recorded nothing (left by a killed run)"
        )
    if not pruned and not empty and not gone_runs:
        console.note("nothing to prune")


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
@console.output_option()
def remove(
    cgroup: str | None, cgroup_id: int | None, container: str | None, pid: int | None, output: str
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
    if output == "json":
        console.print_json({"removed": sorted(ids), "cgroup": cgroup})
    else:
        click.echo(f"removed the fence from {what}")


def _fenced_by(cgroup: str) -> backends.Backend:
    """The backend whose fence is applied on ``cgroup`` (cgroup-BPF when none is)."""
    cg = resolve_cgroup(cgroup)
    pinned = backends.pinned()
    return next((b for b in pinned if b.pin_dir(cg).exists()), pinned[-1])


@click.command("counters")
@click.option("--cgroup", "cgroup", help="cgroup v2 directory with an applied fence.")
@target_options
@console.output_option()
def counters(cgroup: str | None, container: str | None, pid: int | None, output: str) -> None:
    """Per-rule hits and denies (would-deny in audit mode) of an applied fence."""
    tgt = _applied_target(cgroup, container, pid)
    cgroup = str(tgt.cgroup)
    run_record = _run_on(cgroup)
    run_info: dict[str, object] | None = None
    shared = False
    uncounted = 0  # only a shared object can run out of counters (hf_cg_counters)
    if run_record is not None:
        # A `fence run` fence: its own record, as of its last update.
        policy: str | None = run_record.policy
        enforce = run_record.enforce
        rows, events, lost = run_record.rules, run_record.events, run_record.lost
        run_info = {"pid": run_record.pid, "as_of": _iso(run_record.updated)}
        console.note(
            f"counters of `fence run` pid {run_record.pid}, as of {run_info['as_of']} "
            f"(it updates them every {runs.UPDATE_SECONDS:g} s)"
        )
    else:
        try:
            got = _fenced_by(cgroup).counters(cgroup)
        except FAIL as exc:
            raise click.ClickException(str(exc)) from None
        state = got.state
        policy, enforce = (state.policy, state.enforce) if state else (None, True)
        default = state.default if state else "?"
        rows = counter_rows(got.counts, state.rules if state else [], default)
        events, lost, shared = got.stats.events, got.stats.lost, got.shared
        uncounted = got.stats.uncounted
    deny_word = "denies" if enforce else "would-deny"
    if output == "json":
        console.print_json(
            {
                **tgt.summary(),
                "policy": policy,
                "rules": rows,
                "events": events,
                "lost_events": lost,
                "ring_buffer_shared": shared,
                "uncounted_calls": uncounted,
                "run": run_info,
            }
        )
        return
    click.echo(f"{'hits':>10} {deny_word:>10}  rule")
    for row in rows:
        click.echo(f"{row['hits']:>10} {row['denies']:>10}  {row['name']}: {row['summary']}")
    if shared:
        click.echo(
            f"events: {events} delivered to the ring buffer this fence shares with the other "
            f"fences of its policy (hotfence agent's), {lost} lost"
        )
    else:
        click.echo(f"events: {events} delivered to the ring buffer, {lost} lost")
    if uncounted:
        click.echo(
            f"not counted: {console.plural(uncounted, 'call')} of the policy's fences whose "
            "cgroup found the shared counter map full (the calls were still decided)"
        )


def _run_on(cgroup: str) -> runs.RunRecord | None:
    """The `fence run` enforcing on ``cgroup``, when no pinned fence is applied there."""
    try:
        cg = resolve_cgroup(cgroup)
    except FenceError:
        return None
    if any(b.pin_dir(cg).exists() for b in backends.pinned()):
        return None
    return next((r for r in runs.running() if r.cgroup_id == cg.id), None)


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, tz=UTC).isoformat(timespec="seconds")


class _Enough(Exception):
    """Raised from the ring-buffer callback once ``--count`` events were printed."""


@click.command("events")
@click.option("--cgroup", "cgroup", help="cgroup v2 directory with an applied fence.")
@target_options
@console.output_option()
@click.option("--count", type=int, help="Stop after this many events.")
@click.option("--duration", type=float, help="Stop after this many seconds.")
def events(
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    output: str,
    count: int | None,
    duration: float | None,
) -> None:
    """Stream the deny/audit events of an applied (pinned) fence.

    The events wait in the fence's ring buffer until someone reads them; one reader at a
    time gets each event. Each carries the time of the decision (wall clock, ISO-8601
    UTC, and seconds since boot), so a backlog is not mistaken for live calls. Lost
    events (ring full) are reported, never dropped silently: the first line says how
    many were lost before this reader started. `-o json` writes one JSON object per
    event, with names beside the numbers (family, type, protocol, hook), as `watch`
    does. Ctrl-C stops with status 130; --count and --duration with 0.
    """
    as_json = output == "json"
    tgt = _applied_target(cgroup, container, pid)
    cgroup = str(tgt.cgroup)
    try:
        cg = resolve_cgroup(cgroup)
        maps, state = _fenced_by(cgroup).events(cgroup)
    except FAIL as exc:
        raise click.ClickException(str(exc)) from None
    stop = interrupted = False
    seen = 0

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop, interrupted
        stop = True
        interrupted = interrupted or signum == signal.SIGINT

    emit = _emitter(as_json, lambda rid: state_rule_label(state, rid), str(cg.path), tgt)
    # The agent's fences of one policy share one object, and its ring buffer: the events
    # of the other cgroups are read here too (and so gone for any other reader).
    shared = maps.counts_by_cgroup()
    others = 0

    def counted(ev: abi.FenceEvent) -> None:
        nonlocal seen, stop, others
        if shared and ev.cgroup_id != cg.id:
            others += 1
            return
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
        console.note(
            f"reading events of {state.policy if state else '?'!r} on {cg.path}; "
            f"{lost_seen} lost before this reader started (ring buffer full)"
        )
        if shared:
            console.note(
                "this fence shares its ring buffer with the other fences of its policy (one "
                "object per policy, attached by hotfence agent): their events are read and "
                "skipped here, and only tasks directly in this cgroup are shown"
            )
        while not stop and (duration is None or time.monotonic() - start < duration):
            with contextlib.suppress(_Enough):
                ring.poll(200)
            sys.stdout.flush()
            lost = maps.stats().lost
            if lost != lost_seen:
                console.error(
                    f"{console.plural(lost - lost_seen, 'event')} lost (ring buffer full), "
                    f"{lost} in total"
                )
                lost_seen = lost
    finally:
        ring.free()
        maps.close()
        for s, h in old.items():
            signal.signal(s, h)
    console.note(f"{console.plural(seen, 'event')} read")
    if others:
        console.note(f"{console.plural(others, 'event')} of other cgroups skipped")
    if interrupted:
        sys.exit(console.EXIT_INTERRUPTED)
