"""Fence lifecycle on the running kernel: concurrent writers, kill -9 mid-apply, liveness.

Every writer here is a real `hotfence fence apply` process; faults are injected with
``HOTFENCE_FENCE_KILL_AT`` / ``HOTFENCE_FENCE_PAUSE_AT`` (``fence/backends/pinning.py``,
``checkpoint``). What the kernel enforces is read back with real socket calls.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotfence.fence.backends import cgroup as cg_backend
from hotfence.fence.backends import pinning
from hotfence.fence.backends.cgroupfs import resolve_cgroup
from kernel_helpers import requires_cgroup_bpf, run_socket_calls, scratch_cgroup

pytestmark = [pytest.mark.kernel, requires_cgroup_bpf]

REPO = Path(__file__).resolve().parents[1]
HOTFENCE = str(Path(sys.executable).parent / "hotfence")

RAW6 = ("socket", 10, 3, 58)
UDP4 = ("socket", 2, 2, 0)
# errno of [RAW6, UDP4] under each policy
VERDICTS = {"deny-raw6": [errno.EPERM, 0], "deny-udp4": [0, errno.EPERM], None: [0, 0]}

POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata:
  name: {name}
spec:
  mode: enforce
  default: allow
  rules:
    - name: r
      action: deny
      socket: {{family: {family}, type: {type}, protocol: {protocol}}}
"""


@pytest.fixture
def policies(tmp_path):
    out = {}
    for name, fam, typ, proto in (
        ("deny-raw6", "inet6", "raw", "icmpv6"),
        ("deny-udp4", "inet", "dgram", "udp"),
    ):
        p = tmp_path / f"{name}.yaml"
        p.write_text(POLICY.format(name=name, family=fam, type=typ, protocol=proto))
        out[name] = p
    return out


@pytest.fixture
def cgroup():
    with scratch_cgroup("life") as path:
        try:
            yield path
        finally:
            for i in pinning.find_by_path(str(path)):
                cg_backend.remove(i)
            if path.exists():
                cg_backend.remove(path)


def apply_proc(policy: Path, cgroup: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [HOTFENCE, "fence", "apply", str(policy), "--cgroup", str(cgroup)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )


def apply(policy: Path, cgroup: Path, **env: str) -> tuple[int, str]:
    proc = apply_proc(policy, cgroup, **env)
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def enforced(cgroup: Path) -> str | None:
    """Which policy the kernel enforces, from socket calls in the cgroup."""
    got = run_socket_calls(cgroup, [RAW6, UDP4]).results
    names = [n for n, want in VERDICTS.items() if want == got]
    assert names, f"verdicts {got} match no policy"
    return names[0]


def recorded(cgroup: Path) -> str | None:
    st = pinning.AppliedState.read(resolve_cgroup(cgroup).id)
    return st.policy if st else None


def entry(cgroup_id: int) -> tuple[pinning.Applied, pinning.Liveness]:
    (a,) = [a for a in cg_backend.applied() if a.cgroup_id == cgroup_id]
    return a, pinning.liveness(a)


# ---------------------------------------------------------------------------- concurrency


def test_stress_script_two_concurrent_applies_and_swaps():
    """scripts/fence_stress.py: each round races two first applies, then two swaps."""
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fence_stress.py"), "--rounds", "4"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4/4 rounds" in out.stdout


def test_second_writer_waits_for_the_lock(policies, cgroup):
    holder = apply_proc(policies["deny-raw6"], cgroup, HOTFENCE_FENCE_PAUSE_AT="locked:2")
    time.sleep(1.0)  # the first one holds the lock by now (it sleeps 2 s inside it)
    start = time.monotonic()
    code, out = apply(policies["deny-udp4"], cgroup)
    waited = time.monotonic() - start
    first, _ = holder.communicate(timeout=60)
    assert holder.returncode == 0 and "applied 'deny-raw6'" in first
    assert code == 0 and "swapped in 'deny-udp4'" in out, out
    assert waited > 0.5  # it queued behind the holder instead of racing it
    assert enforced(cgroup) == recorded(cgroup) == "deny-udp4"


def test_second_writer_gives_up_with_a_clear_message(policies, cgroup):
    holder = apply_proc(policies["deny-raw6"], cgroup, HOTFENCE_FENCE_PAUSE_AT="locked:3")
    time.sleep(1.0)
    code, out = apply(policies["deny-udp4"], cgroup, HOTFENCE_LOCK_TIMEOUT="0.3")
    holder.communicate(timeout=60)
    assert code != 0
    assert f"hotfence pid {holder.pid} is changing this fence" in out
    assert "gave up after 0.3s, nothing changed" in out
    assert enforced(cgroup) == recorded(cgroup) == "deny-raw6"


def test_lock_survives_remove_racing_apply(policies, cgroup):
    """remove deletes the state directory under the lock; a queued apply still gets it."""
    assert apply(policies["deny-raw6"], cgroup)[0] == 0
    remover = subprocess.Popen(
        [HOTFENCE, "fence", "remove", "--cgroup", str(cgroup)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    code, out = apply(policies["deny-udp4"], cgroup)
    remover.communicate(timeout=60)
    assert code == 0, out
    assert enforced(cgroup) == recorded(cgroup)


# ---------------------------------------------------------------------------- kill -9


@pytest.mark.parametrize(
    "point, live",
    [
        ("locked", "deny-raw6"),
        ("prepared", "deny-raw6"),
        ("mid-write", "deny-raw6"),
        ("before-flip", "deny-raw6"),
        ("flipped", "deny-udp4"),
    ],
)
def test_kill_during_swap_state_names_what_the_kernel_enforces(policies, cgroup, point, live):
    assert apply(policies["deny-raw6"], cgroup)[0] == 0
    code, out = apply(policies["deny-udp4"], cgroup, HOTFENCE_FENCE_KILL_AT=point)
    assert code == -signal.SIGKILL, out
    assert enforced(cgroup) == live
    assert recorded(cgroup) == live
    cg_id = resolve_cgroup(cgroup).id
    _, status = entry(cg_id)
    assert status.status == pinning.ACTIVE
    # The lock died with its holder, and the next swap completes.
    code, out = apply(policies["deny-udp4"], cgroup, HOTFENCE_LOCK_TIMEOUT="5")
    assert code == 0, out
    assert enforced(cgroup) == recorded(cgroup) == "deny-udp4"
    assert len(pinning.read_slots(cg_id)) == 1  # the old slot's state went with it


@pytest.mark.parametrize("point", ["prepared", "pinned-maps", "pinned-link"])
def test_kill_during_first_apply_is_reported_and_recovered(policies, cgroup, point):
    code, out = apply(policies["deny-raw6"], cgroup, HOTFENCE_FENCE_KILL_AT=point)
    assert code == -signal.SIGKILL, out
    cg_id = resolve_cgroup(cgroup).id
    a, status = entry(cg_id)
    # Whatever the kill left is named by the state, and never reported as active.
    assert a.state is not None and a.state.policy == "deny-raw6"
    assert status.status == pinning.DETACHED and "no link pinned" in "; ".join(status.reasons)
    assert status.attached == (1 if point == "pinned-link" else 0)
    code, out = apply(policies["deny-udp4"], cgroup)
    assert code == 0 and "applied 'deny-udp4'" in out, out
    assert enforced(cgroup) == recorded(cgroup) == "deny-udp4"
    assert entry(cg_id)[1].status == pinning.ACTIVE


def test_kill_while_replacing_a_fence_too_small_leaves_the_old_one(policies, cgroup):
    """A policy larger than the fence's maps replaces the fence (lifecycle.replace_pinned).
    Killed with the new fence attached but not yet pinned: the old one still holds."""
    big = policies["deny-udp4"].with_name("big.yaml")
    big.write_text(policies["deny-udp4"].read_text() + "".join(
        f"    - name: no-{port}\n      action: deny\n"
        f"      bind: {{family: inet6, protocol: tcp, ports: [{port}]}}\n"
        for port in range(10000, 11100)  # more rules than a standard fence holds
    ))  # fmt: skip
    assert apply(policies["deny-raw6"], cgroup)[0] == 0
    code, out = apply(big, cgroup, HOTFENCE_FENCE_KILL_AT="replacement-attached")
    assert code == -signal.SIGKILL, out
    assert enforced(cgroup) == recorded(cgroup) == "deny-raw6"
    assert entry(resolve_cgroup(cgroup).id)[1].status == pinning.ACTIVE
    code, out = apply(big, cgroup, HOTFENCE_LOCK_TIMEOUT="5")
    assert code == 0, out
    assert enforced(cgroup) == recorded(cgroup) == "deny-udp4"  # the big policy's name
    assert entry(resolve_cgroup(cgroup).id)[1].status == pinning.ACTIVE


# ---------------------------------------------------------------------------- liveness


def status_json() -> tuple[int, dict]:
    out = subprocess.run(
        [HOTFENCE, "fence", "status", "-o", "json"], capture_output=True, text=True, timeout=60
    )
    return out.returncode, json.loads(out.stdout)


def status_of(cgroup_id: int) -> tuple[int, dict | None]:
    code, data = status_json()
    mine = [e for e in data["applied"] if e["cgroup_id"] == cgroup_id]
    # The exit status covers every fence on the host, other tests' included.
    assert code == (0 if all(e["active"] for e in data["applied"]) else 1)
    return code, mine[0] if mine else None


@pytest.fixture
def bare_cgroup():
    """A cgroup the test may rmdir and mkdir again; pins left on it are removed."""
    with scratch_cgroup("gone") as path:
        yield path
        for i in pinning.find_by_path(str(path)):
            cg_backend.remove(i)
        path.mkdir(exist_ok=True)  # scratch_cgroup removes it


@pytest.mark.parametrize("recreate", [False, True])
def test_status_never_calls_a_fence_on_a_removed_cgroup_active(policies, bare_cgroup, recreate):
    cgroup = bare_cgroup
    assert apply(policies["deny-raw6"], cgroup)[0] == 0
    old_id = resolve_cgroup(cgroup).id
    code, e = status_of(old_id)
    assert e is not None and e["status"] == "ACTIVE" and e["active"]

    cgroup.rmdir()
    if recreate:
        cgroup.mkdir()
        assert resolve_cgroup(cgroup).id != old_id
        assert enforced(cgroup) is None  # the new cgroup is not fenced, whatever was recorded
    code, e = status_of(old_id)
    assert code == 1 and e is not None
    assert e["status"] == "STALE" and e["active"] is False
    reasons = " ".join(e["reasons"])
    assert ("was re-created" if recreate else "no longer exists") in reasons
    assert "every link detached by the kernel (link cgroup_id 0" in reasons

    text = subprocess.run([HOTFENCE, "fence", "status"], capture_output=True, text=True)
    line = next(x for x in text.stdout.splitlines() if f"(id {old_id})" in x)
    assert "STALE" in line and "all hooks attached" not in line
    assert "`hotfence fence prune` removes it" in text.stdout

    if recreate:
        out = subprocess.run([HOTFENCE, "fence", "prune"], capture_output=True, text=True)
        assert out.returncode == 0 and f"removed cgroup-bpf fence of {cgroup}" in out.stdout
    else:
        # remove --cgroup on a path that is gone finds the fence by its recorded path.
        out = subprocess.run(
            [HOTFENCE, "fence", "remove", "--cgroup", str(cgroup)], capture_output=True, text=True
        )
        assert out.returncode == 0, out.stdout + out.stderr
    assert status_of(old_id)[1] is None
    assert not pinning.pin_dir_of("cgroup-bpf", old_id).exists()
    assert not pinning.state_dir(old_id).exists()


def test_remove_of_an_unknown_gone_path_says_what_to_do(tmp_path):
    out = subprocess.run(
        [HOTFENCE, "fence", "remove", "--cgroup", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "no fence state records this path either" in out.stderr
    assert "remove --id" in out.stderr


def test_status_and_apply_summarise_a_large_policy(tmp_path, cgroup):
    rules = "".join(
        f"    - name: no-{port}\n      action: deny\n"
        f"      bind: {{family: inet6, protocol: tcp, ports: [{port}]}}\n"
        for port in range(10000, 12000)
    )
    policy = tmp_path / "big.yaml"
    policy.write_text(
        POLICY.format(name="big", family="inet6", type="raw", protocol="icmpv6") + rules
    )
    code, out = apply(policy, cgroup)
    assert code == 0, out[-2000:]
    lines = [x for x in out.splitlines() if not x.startswith("hotfence fence apply: backend")]
    assert len(lines) <= 5, out
    assert "coverage of 2001 rules: 2001 enforced, 0 partial, 0 NOT ENFORCED" in out
    text = subprocess.run([HOTFENCE, "fence", "status"], capture_output=True, text=True).stdout
    assert len(text.splitlines()) < 30
    full = subprocess.run(
        [HOTFENCE, "fence", "status", "--rules"], capture_output=True, text=True
    ).stdout
    assert sum("no-1" in x for x in full.splitlines()) == 2000


# ---------------------------------------------------------------------------- events


def test_events_carry_their_time_and_earlier_losses_come_first(policies, cgroup):
    from datetime import datetime

    assert apply(policies["deny-raw6"], cgroup)[0] == 0
    before = time.time()
    boot_before = time.clock_gettime(time.CLOCK_BOOTTIME)
    calls = 30_000  # more than the ring holds (1 MiB / 72-byte records): some are lost
    code = (
        f"import os, socket\nopen({str(cgroup / 'cgroup.procs')!r}, 'w').write(str(os.getpid()))\n"
        f"for _ in range({calls}):\n"
        "    try:\n        socket.socket(10, 3, 58).close()\n"
        "    except PermissionError:\n        pass\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    after = time.time()
    counted = cg_backend.counters(cgroup)
    assert counted.stats.lost > 0 and counted.stats.events + counted.stats.lost == calls
    time.sleep(1.0)  # the events are a second old when read: their time must say so
    out = subprocess.run(
        [HOTFENCE, "fence", "events", "--cgroup", str(cgroup), "-o", "json", "--count", "3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    first = out.stderr.splitlines()[0]
    assert f"; {counted.stats.lost} lost before this reader started" in first
    events = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(events) == 3
    for e in events:
        when = datetime.fromisoformat(e["time"]).timestamp()
        assert before - 0.01 <= when <= after + 0.01, (e["time"], before, after)
        assert boot_before * 1e9 <= e["boot_ns"] <= time.clock_gettime(time.CLOCK_BOOTTIME) * 1e9
    assert [e["boot_ns"] for e in events] == sorted(e["boot_ns"] for e in events)
    # --count stopped reading at 3: the rest of the backlog is still there for the next.
    text = subprocess.run(
        [HOTFENCE, "fence", "events", "--cgroup", str(cgroup), "--count", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    stamp, boot, verdict = text.split()[:3]
    assert datetime.fromisoformat(stamp).timestamp() <= after + 0.01
    assert boot.startswith("boot+") and boot.endswith("s") and verdict == "deny"


def test_a_bad_lock_timeout_is_a_clear_error(policies, cgroup):
    code, out = apply(policies["deny-raw6"], cgroup, HOTFENCE_LOCK_TIMEOUT="soon")
    assert code == 1 and "HOTFENCE_LOCK_TIMEOUT='soon': expected a number of seconds" in out
    assert enforced(cgroup) is None and recorded(cgroup) is None


def test_prune_removes_state_that_records_nothing():
    """A run killed right after taking the lock leaves only its lock file behind."""
    d = pinning.state_dir(4_000_000_000 + os.getpid())
    d.mkdir(parents=True)
    (d / "lock").write_text("")
    out = subprocess.run([HOTFENCE, "fence", "prune", "--dry-run"], capture_output=True, text=True)
    assert out.returncode == 0 and "would remove" in out.stdout and d.exists()
    out = subprocess.run([HOTFENCE, "fence", "prune"], capture_output=True, text=True)
    assert out.returncode == 0 and "that recorded nothing" in out.stdout, out
    assert not d.exists()


def test_a_state_directory_that_is_not_one_is_unreadable_state_not_a_crash(tmp_path, monkeypatch):
    # The agent walks every pinned fence at start; a state path it cannot read (here a
    # file where the directory should be) must come back as "no state", logged, as a
    # corrupt state file does, not as an OSError that ends the agent.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setattr(pinning, "STATE_DIR", blocker / "fence")
    with pytest.raises(cg_backend.FenceError, match="unreadable fence state"):
        pinning.read_slots(12345)
    assert pinning.read_quiet(12345) is None
