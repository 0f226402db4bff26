"""`hotfence agent --db`: collects the previous boot's crashes once per boot, beside its
fencing, and a collection that fails never stops the agent.

The agent runs as a subprocess against the private Docker engine, with a real pstore
capture (tests/data/pstore) as its pstore directory and no /var/crash or journal.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from docker_helpers import requires_docker
from hotfence.store import CrashStore
from test_agent import free_port, scrape, wait_until

CAPTURE = Path(__file__).parent / "data" / "pstore" / "6.1.0-56-amd64" / "sysfs-pstore"
TITLE = "kernel panic: sysrq triggered crash"


class Agent:
    def __init__(self, docker_engine, tmp: Path, db: str, port: int):
        (tmp / "policies").mkdir(exist_ok=True)
        env = dict(docker_engine.env(), XDG_DATA_HOME=str(tmp / "xdg"), HOTFENCE_HOST_ID="node-a")
        env.pop("HOTFENCE_DB", None)
        self.log = tmp / "agent.log"
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "hotfence"), "agent",
             "--policy-dir", str(tmp / "policies"), "--metrics-port", str(port),
             "--db", db, "--no-journal", "--crash-dir", str(tmp / "no-crash-dir"),
             "--pstore-dir", str(tmp / "pstore")],
            env=env, stdout=subprocess.DEVNULL, stderr=open(self.log, "a"),
        )  # fmt: skip
        self.port = port

    def metric(self, name: str) -> float | None:
        try:
            return scrape(self.port).get((name, ()))
        except OSError:
            return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)


def boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


@requires_docker
def test_agent_collects_once_per_boot(docker_engine, tmp_path):
    shutil.copytree(CAPTURE, tmp_path / "pstore")
    db = tmp_path / "crashes.sqlite"
    state = tmp_path / "xdg" / "hotfence" / "agent-collected.json"
    port = free_port()

    def run_agent() -> dict[str, float | None]:
        agent = Agent(docker_engine, tmp_path, str(db), port)
        try:
            assert wait_until(lambda: agent.metric("hotfence_agent_collect_done") == 1, 120), (
                agent.log.read_text()
            )
            assert agent.proc.poll() is None
            return {
                n: agent.metric(f"hotfence_agent_collect_{n}_total")
                for n in ("runs", "errors", "found", "stored")
            }
        finally:
            agent.stop()

    # First start in this boot: the pstore panic is stored, the boot remembered.
    assert run_agent() == {"runs": 1, "errors": 0, "found": 1, "stored": 1}
    assert json.loads(state.read_text()) == {"boot_id": boot_id(), "store": str(db)}
    with CrashStore.open(db) as store:
        (row,) = store.crashes()
        assert (row.title, row.source_kind) == (TITLE, "pstore")
    # Restarted within the boot: nothing is read again.
    log_before = (tmp_path / "agent.log").read_text()
    assert run_agent() == {"runs": 0, "errors": 0, "found": 0, "stored": 0}
    restart_log = (tmp_path / "agent.log").read_text()[len(log_before) :]
    assert f"boot {boot_id()} already collected into {db}" in restart_log
    # The remembered boot lost: collected again, and the store still counts it once.
    state.unlink()
    assert run_agent() == {"runs": 1, "errors": 0, "found": 1, "stored": 0}
    with CrashStore.open(db) as store:
        assert store.count() == 1


@requires_docker
@pytest.mark.parametrize(
    "db, reason",
    [
        ("/nonexistent-dir/crashes.sqlite", "directory /nonexistent-dir does not exist"),
        # Nothing listens on port 1: `hotfence collect` exits 3, the agent retries later.
        ("postgresql://hotfence@127.0.0.1:1/crashes", "cannot be written; retrying in 30 s"),
    ],
)
def test_a_failing_collection_is_logged_and_counted_and_the_agent_runs_on(
    docker_engine, tmp_path, db, reason
):
    (tmp_path / "pstore").mkdir()
    agent = Agent(docker_engine, tmp_path, db, free_port())
    try:
        assert wait_until(
            lambda: (agent.metric("hotfence_agent_collect_errors_total") or 0) >= 1
        ), agent.log.read_text()
        assert agent.metric("hotfence_agent_collect_done") == 0
        assert agent.proc.poll() is None  # still fencing and serving its metrics
        assert reason in agent.log.read_text()
        assert not (tmp_path / "xdg" / "hotfence" / "agent-collected.json").exists()
    finally:
        agent.stop()
    assert agent.proc.returncode == 0, agent.log.read_text()
