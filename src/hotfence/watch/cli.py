"""`hotfence watch`: stream socket creations as a live table or JSON lines."""

from __future__ import annotations

import signal
import struct
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

import click

from hotfence import console
from hotfence.console import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE
from hotfence.containers.options import any_given, target_from_options, target_options
from hotfence.containers.tags import ContainerTags
from hotfence.linux import names
from hotfence.linux.clock import WallClock, boot_seconds
from hotfence.watch.cgroups import CgroupNames
from hotfence.watch.events import JsonLineEncoder, SocketEvent, call_name
from hotfence.watch.tracer import SocketTracer, WatchUnavailable

if TYPE_CHECKING:
    from hotfence.watch.verdicts import FenceAnnotator, PolicyAnnotator

# struct watch_event from offset 8: u64 cgroup_id; u32 pid, tgid (see events.RECORD)
CGROUP_AND_TGID = struct.Struct("<QII")
# watch.bpf.c stamps events with bpf_ktime_get_ns(): CLOCK_MONOTONIC, seconds since boot
# without the time spent suspended (fence events use CLOCK_BOOTTIME, which counts it).
EVENT_CLOCK = time.CLOCK_MONOTONIC


def _filter(
    comm: str | None, family: int | None, denied_only: bool
) -> Callable[[SocketEvent], bool] | None:
    if comm is None and family is None and not denied_only:
        return None

    def keep(e: SocketEvent) -> bool:
        if comm is not None and e.comm != comm:
            return False
        if family is not None and e.family != family:
            return False
        return not (denied_only and e.ret >= 0)

    return keep


def _call(e: SocketEvent) -> str:
    flags = "".join("|" + f for f in e.flags)
    return (
        ("kernel " if e.kern else "")  # sock_create_kern(), seen by the bpf-lsm source only
        + ("32-bit " if e.compat else "")
        + f"{call_name(e.call)}({names.family_name(e.family)}, {names.type_name(e.base_type)}{flags}, "
        f"{names.protocol_name(e.family, e.protocol)})"
    )


def _json_verdict(
    annotator: PolicyAnnotator | FenceAnnotator,
) -> Callable[[int, int, int, int, int, int], str]:
    def fragment(cg: int, netns: int, family: int, type_: int, protocol: int, kern: int) -> str:
        return annotator.verdict(cg, netns, family, type_, protocol, kern).json_fragment

    return fragment


def event_fields(
    e: SocketEvent,
    clock: WallClock,
    cgroups: CgroupNames,
    annotator: PolicyAnnotator | FenceAnnotator | None,
    container: str,
) -> list[str]:
    """An event as text fields, the way `fence run` and `fence events` print theirs:
    time first, then the call and its result, then who made it and where."""
    fields = [
        clock.iso(e.ts_ns),
        boot_seconds(e.ts_ns),
        _call(e),
        f"= {e.result}",
        f"pid={e.tgid}",
        f"comm={e.comm}",
        f"uid={e.uid}",
        f"cgroup={cgroups.path(e.cgroup_id)}",
        f"netns={e.netns}",
    ]
    if annotator is not None:
        verdict = annotator.verdict(e.cgroup_id, e.netns, e.family, e.type, e.protocol, e.kern)
        fields.append(verdict.text().strip())
    fields.append(container.strip())
    return fields


@click.command()
@click.option(
    "--cgroup",
    help="Only callers in this cgroup (v2) or below; any form /proc/PID/cgroup or a v1 path shows.",
)
@target_options
@click.option("--comm", help="Only this command name.")
@click.option("--family", help="Only this family (name or number).")
@click.option("--denied-only", is_flag=True, help="Only calls that failed.")
@console.output_option()
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Say which rule of this policy decides each call (as the reference model computes it).",
)
@click.option(
    "--backend",
    type=click.Choice(["cgroup-bpf", "bpf-lsm"]),  # fence.model.Backend values
    default="cgroup-bpf",
    show_default=True,
    help="Backend whose hook the --policy verdicts are computed for.",
)
@click.option(
    "--no-fences",
    is_flag=True,
    help="Without --policy, watch shows the verdict of the fences applied on this host; this turns that off.",
)
@click.option(
    "--source",
    type=click.Choice(["auto", "bpf-lsm", "tracepoints"]),
    default="auto",
    show_default=True,
    help="Where events come from: bpf-lsm also sees kernel sockets; auto uses it when the kernel allows.",
)
@click.option(
    "--no-32bit",
    "no_32bit",
    is_flag=True,
    help="Do not watch 32-bit (ia32, int $0x80) calls: spares every system call on the host one "
    "BPF program run (benchmarks/watch_overhead.py); the first line then says they are not watched.",
)
@click.option("--count", type=int, help="Stop after this many events.")
@click.option("--duration", type=float, help="Stop after this many seconds.")
def watch(
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    comm: str | None,
    family: str | None,
    denied_only: bool,
    output: str,
    policy_file: str | None,
    backend: str,
    no_fences: bool,
    source: str,
    no_32bit: bool,
    count: int | None,
    duration: float | None,
) -> None:
    """Stream every socket creation (socket, socketpair, io_uring): pid, comm, uid, cgroup, netns,
    family/type/flags/protocol, result.

    Events the kernel could not deliver are counted and reported, never dropped silently.
    Each event has its wall-clock time (ISO-8601, UTC) and its seconds since boot (as
    dmesg counts them). `-o json` writes one JSON object per event. Ctrl-C stops, prints
    the summary and exits 130; SIGTERM, --count and --duration stop with status 0.
    """
    as_json = output == "json"
    fam = None
    if family is not None:
        try:
            fam = names.parse_family(family)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--family") from None
    keep = _filter(comm, fam, denied_only)
    if any_given(cgroup, container, pid):
        target = target_from_options(cgroup, container, pid, allow_root=True)
        cgroup = str(target.cgroup)
    annotator: PolicyAnnotator | FenceAnnotator | None = None
    if policy_file:
        from hotfence.fence.compiler import compile_file
        from hotfence.fence.model import Backend
        from hotfence.fence.policy import PolicyError
        from hotfence.watch.verdicts import PolicyAnnotator

        try:
            annotator = PolicyAnnotator(compile_file(policy_file), Backend(backend))
        except PolicyError as exc:
            console.fail(f"invalid policy:\n{exc}", EXIT_USAGE)
    try:
        tracer = SocketTracer(cgroup, source, without=frozenset({"32-bit"} if no_32bit else ()))
    except (WatchUnavailable, OSError) as exc:
        console.fail(f"unavailable: {exc}", EXIT_FAILURE)

    cgroups = CgroupNames()
    fence_note = None
    if annotator is None and not no_fences:
        from hotfence.watch.verdicts import FenceAnnotator, applied_fences

        fences = applied_fences()
        if fences:
            annotator = FenceAnnotator(fences, cgroups.path)
            fence_note = (
                f"verdicts of {console.plural(len(fences), 'applied fence')}: "
                + ", ".join(f"{f.policy.name} on {f.cgroup} ({f.backend.value})" for f in fences)
            )
    clock = WallClock(EVENT_CLOCK)
    encoder = JsonLineEncoder(
        cgroups.path, None if annotator is None else _json_verdict(annotator), clock.iso
    )
    # Every event names its container (and the pid inside it) when an engine knows one.
    tags = ContainerTags(cgroups.path)
    out = sys.stdout
    pending: list[bytes] = []
    delivered = shown = 0
    stop = False
    interrupted = False
    terminal, width = console.is_terminal(out), console.terminal_width()

    def on_signal(sig: int, _frame: FrameType | None) -> None:
        nonlocal stop, interrupted
        stop = True
        interrupted = interrupted or sig == signal.SIGINT

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with tracer:
        ring = tracer.open_ring(pending.append)
        # Tests wait for this line ("tracing socket()") before making calls: it comes after attach.
        console.note(f"tracing socket() {tracer.describe()}")
        if fence_note:
            console.note(fence_note)
        start = time.monotonic()
        lost_seen = 0
        while not stop:
            ring.poll(100)
            lines = []
            for raw in pending:
                delivered += 1
                # JSON lines without a filter never need the decoded event (the hot path).
                e = SocketEvent.unpack(raw) if keep is not None or not as_json else None
                if keep is not None and e is not None and not keep(e):
                    continue
                shown += 1
                if e is None or as_json:
                    line = encoder.encode(raw)
                    cg_id, _pid, tgid = CGROUP_AND_TGID.unpack_from(raw, 8)
                    lines.append(f"{line[:-1]},{tags.json_fragment(cg_id, tgid)}}}")
                else:
                    fields = event_fields(
                        e, clock, cgroups, annotator, tags.text(e.cgroup_id, e.tgid)
                    )
                    lines.append(console.render_record(fields, width=width, terminal=terminal))
                if count is not None and shown >= count:
                    stop = True
                    break
            pending.clear()
            if lines:
                out.write("\n".join(lines) + "\n")
                out.flush()
            lost = tracer.lost()
            if lost != lost_seen:
                console.error(
                    f"{console.plural(lost - lost_seen, 'event')} lost "
                    f"(ring buffer full; {lost} in all)"
                )
                lost_seen = lost
            if duration is not None and time.monotonic() - start >= duration:
                stop = True
        lost = tracer.lost()
    console.note(f"{console.plural(delivered, 'event')} delivered, {shown} shown, {lost} lost")
    if interrupted:
        sys.exit(EXIT_INTERRUPTED)
