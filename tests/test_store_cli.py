"""`triage` and `crashes` around the crash store: the report is never lost to a store error,
errors name the database, and many concurrent triage runs store every crash."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus import syz_log
from hotfence.cli import main
from hotfence.store import CrashStore
from hotfence.triage.cli import EXIT_NOT_STORED

WARN = "WARNING in rds_rdma_extra_size"


def many_crashes_log(n: int) -> str:
    """`n` distinct crashes: the real report 575 with a different pid in each copy."""
    base = syz_log("575")
    return "".join(base.replace("15540", str(100000 + i)) for i in range(n))


def _hotfence() -> str:
    return str(Path(sys.executable).with_name("hotfence"))


@pytest.fixture
def log(tmp_path: Path) -> Path:
    p = tmp_path / "rds.log"
    p.write_text(syz_log("575"))
    return p


def test_missing_directory_warns_prints_report_and_exits_not_stored(tmp_path, log):
    db = tmp_path / "nonexistent" / "x.sqlite"
    r = CliRunner().invoke(main, ["triage", "-o", "json", "--db", str(db), str(log)])
    assert r.exit_code == EXIT_NOT_STORED == 3
    assert json.loads(r.stdout)["files"][0]["reports"][0]["title"] == WARN  # report in full
    assert f"crash store {db}: directory {db.parent} does not exist" in r.stderr
    assert "Traceback" not in r.output
    assert not db.parent.exists()


def test_corrupt_database_warns_and_keeps_the_report(tmp_path, log):
    db = tmp_path / "bad.sqlite"
    db.write_bytes(b"\x00garbage" * 512)
    r = CliRunner().invoke(main, ["triage", "--db", str(db), str(log)])
    assert r.exit_code == EXIT_NOT_STORED
    assert WARN in r.stdout
    assert f"crash store {db}: file is not a database" in r.stderr
    assert db.read_bytes() == b"\x00garbage" * 512  # untouched


def test_crashes_on_bad_database_is_a_clear_error(tmp_path):
    db = tmp_path / "bad.sqlite"
    db.write_bytes(b"garbage" * 512)
    r = CliRunner().invoke(main, ["crashes", "--db", str(db)])
    assert r.exit_code == 2
    assert r.stderr.strip() == f"hotfence crashes: crash store {db}: file is not a database"
    r = CliRunner().invoke(main, ["crashes", "--db", str(tmp_path / "no" / "x.sqlite")])
    assert r.exit_code == 2 and "does not exist" in r.stderr and "Traceback" not in r.output


def test_triage_from_two_hosts_gives_one_group_with_both(store_url, log):
    for host in ("node-a", "node-b"):
        for _ in range(2):  # a second run on the same host stores nothing new
            r = CliRunner().invoke(main, ["triage", "--db", store_url, "--host-id", host, str(log)])
            assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["crashes", "--db", store_url], env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    with CrashStore.open(store_url) as store:
        (group,) = store.groups()
    assert (group.title, group.count, group.hosts) == (WARN, 2, ["node-a", "node-b"])
    assert WARN in r.stdout and "node-a,node-b" in r.stdout


def test_host_id_from_environment(tmp_path, log):
    db = tmp_path / "c.sqlite"
    r = CliRunner().invoke(
        main, ["triage", "--db", str(db), str(log)], env={"HOTFENCE_HOST_ID": "from-env"}
    )
    assert r.exit_code == 0, r.output
    with CrashStore.open(db) as store:
        assert [h.machine_id for h in store.hosts()] == ["from-env"]


def test_eight_concurrent_triage_runs_of_2000_reports_store_every_row(tmp_path):
    log = tmp_path / "many.log"
    log.write_text(many_crashes_log(2000))
    db = tmp_path / "fleet.sqlite"
    procs = [
        subprocess.Popen(
            [_hotfence(), "triage", "-o", "json", "--db", str(db), "--host-id", f"h{i}",
             str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]  # fmt: skip
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert len(json.loads(out)["files"][0]["reports"]) == 2000
    con = sqlite3.connect(db)
    per_host = dict(
        con.execute(
            "SELECT host.hostname, COUNT(*) FROM crash JOIN host ON host.id = crash.host_id "
            "GROUP BY host.hostname"
        ).fetchall()
    )
    con.close()
    assert per_host == {f"h{i}": 2000 for i in range(8)}
