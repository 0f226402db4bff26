"""The crash store on SQLite and PostgreSQL: dedupe, fleet groups, migrations, errors."""

from __future__ import annotations

import json
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from corpus import syz_log
from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.store import CrashStore, HostIdentity, SourceKind, StoreError, head_revision
from hotfence.store.schema import metadata
from hotfence.triage.parser import parse_log
from hotfence.triage.tostore import crash_record

H1 = HostIdentity("node-a", "machine-a", "6.1.0-18-amd64", "Debian GNU/Linux 12 (bookworm)")
H2 = HostIdentity("node-b", "machine-b", "6.6.15", "Ubuntu 24.04 LTS")
ALG = "KASAN: use-after-free Read in aead_recvmsg"


def records(*logs: str):
    catalog = load_catalog(extra_dirs=[])
    out = []
    for name in logs:
        for rep in parse_log(syz_log(name)):
            rep.known_bugs = match_all(catalog, rep)
            out.append(crash_record(rep, f"/var/log/{name}.log"))
    return out


def test_same_report_counts_once_per_host_and_groups_span_hosts(store_url):
    recs = records("130", "575")
    with CrashStore.open(store_url) as store:
        assert store.add(H1, recs + recs[:1], now=100.0) == 2  # a repeat in one batch too
        assert store.add(H1, recs, now=200.0) == 0  # the same log again: nothing new
        assert store.add(H2, recs[:1], now=86400.0 * 3) == 1  # the same crash, another host
        groups = {g.title: g for g in store.groups()}
        assert store.count() == 3
    alg = groups[ALG]
    assert (alg.count, alg.first_seen, alg.last_seen) == (2, 100.0, 86400.0 * 3)
    assert alg.hosts == ["node-a", "node-b"]
    # The report's own kernel release wins over the host's running kernel.
    assert len(alg.kernels) == 1 and alg.kernels[0] not in ("6.1.0-18-amd64", "6.6.15")
    assert [b.bug_id for b in alg.known_bugs] == ["af-alg-crash"]
    assert any(m.startswith("virtual-patch:") for m in alg.known_bugs[0].mitigations)
    assert groups["WARNING in rds_rdma_extra_size"].hosts == ["node-a"]


def test_rows_keep_host_source_and_full_report(store_url):
    recs = records("130")
    with CrashStore.open(store_url) as store:
        store.add(H1, recs, now=100.0)
        (listed,) = store.crashes(title=ALG)
        row = store.crash(listed.id)
        hosts = store.hosts()
        host = store.host(row.host_id)
        days = store.daily_counts()
        per_host = store.group_host_counts()
    assert row is not None and listed.report_json is None  # lists leave the JSON out
    assert (row.hostname, row.source_kind, row.source_path) == (
        "node-a",
        "file",
        "/var/log/130.log",
    )
    assert row.known_bug_ids == ["af-alg-crash"]
    report = json.loads(row.report_json)
    assert report["title"] == ALG and report["frames"] and report["text"]
    assert [(h.hostname, h.machine_id, h.distribution, h.crash_count) for h in hosts] == [
        ("node-a", "machine-a", "Debian GNU/Linux 12 (bookworm)", 1)
    ]
    assert host is not None and host.kernel_release == "6.1.0-18-amd64"
    assert [(d.title, d.day, d.count) for d in days] == [(ALG, 0, 1)]
    assert [(c.title, c.hostname, c.count) for c in per_host] == [(ALG, "node-a", 1)]


def test_migrated_schema_is_the_declared_schema(store_url):
    with CrashStore.open(store_url) as store, store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert store.revision() == head_revision()
    assert diff == []


def test_read_only_store_refuses_writes(store_url):
    with CrashStore.open(store_url) as store:
        store.add(H1, records("130"))
    with CrashStore.open(store_url, readonly=True) as ro:
        assert ro.count() == 1
        with pytest.raises(StoreError, match="read-only"):
            ro.add(H2, records("575"))
        # Not only the API: the connection itself cannot write.
        with pytest.raises(Exception, match="(?i)read.?only"), ro.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM crash")
    with CrashStore.open(store_url) as store:
        assert store.count() == 1


# The table and rows exactly as the pre-Alembic store.py wrote them.
LEGACY_SCHEMA = """
CREATE TABLE IF NOT EXISTS crash (
    digest      TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    type        TEXT NOT NULL,
    host        TEXT NOT NULL,
    kernel      TEXT,
    source      TEXT,
    seen_at     REAL NOT NULL,
    report_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS crash_title ON crash(title);
"""


def test_pre_alembic_sqlite_store_is_migrated_not_lost(tmp_path):
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.executescript(LEGACY_SCHEMA)
    rows = [
        ("d1", ALG, "KASAN", "h1", "5.10.0", "a.log", 100.0, "text one"),
        ("d2", ALG, "KASAN", "h2", None, "b.log", 300.0, "text two"),
        ("d3", "WARNING in x", "WARNING", "h1", "5.10.0", "a.log", 200.0, "text three"),
    ]
    con.executemany("INSERT INTO crash VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()

    with CrashStore.open(db) as store:
        assert store.revision() == head_revision()
        groups = {g.title: g for g in store.groups()}
        three = store.crash(store.crashes(title="WARNING in x")[0].id)
        hosts = {h.hostname: h for h in store.hosts()}
        # New crashes go in beside the migrated ones.
        assert store.add(H1, records("575"), now=400.0) == 1
    assert (groups[ALG].count, groups[ALG].hosts, groups[ALG].first_seen) == (
        2,
        ["h1", "h2"],
        100.0,
    )
    assert groups[ALG].kernels == ["5.10.0"]
    assert three is not None and json.loads(three.report_json or "")["text"] == "text three"
    assert (three.source_kind, three.source_path, three.seen_at) == ("file", "a.log", 200.0)
    assert (hosts["h1"].machine_id, hosts["h1"].first_seen, hosts["h1"].last_seen) == (
        "legacy:h1",
        100.0,
        200.0,
    )


def test_explicit_path_in_missing_directory_is_an_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "nope" / "x.sqlite"
    with pytest.raises(StoreError) as err:
        CrashStore.open(missing)
    assert err.value.database == str(missing)
    assert "does not exist" in err.value.reason
    assert not missing.parent.exists()


def test_corrupt_file_and_bad_url_are_errors_naming_the_database(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all\n" * 100)
    with pytest.raises(StoreError, match="file is not a database") as err:
        CrashStore.open(bad)
    assert err.value.database == str(bad)
    with pytest.raises(StoreError) as err:
        CrashStore.open("postgresql://u:secret@127.0.0.1:1/x")
    assert "secret" not in str(err.value) and "127.0.0.1:1" in str(err.value)


def test_source_kinds_are_recorded(store_url):
    from dataclasses import replace

    (rec,) = records("130")
    with CrashStore.open(store_url) as store:
        store.add(H1, [replace(rec, source_kind=SourceKind.pstore, source_path="/sys/fs/pstore/x")])
        (row,) = store.crashes()
    assert (row.source_kind, row.source_path) == ("pstore", "/sys/fs/pstore/x")


def test_read_only_open_of_an_unmigrated_store_says_how_to_migrate(tmp_path):
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.executescript(LEGACY_SCHEMA)
    con.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match=r"schema revision is none, this hotfence needs 0002"):
        CrashStore.open(db, readonly=True)
    assert db.read_bytes() == before  # serve never migrates
    with CrashStore.open(db):
        pass
    with CrashStore.open(db, readonly=True) as ro:
        assert ro.revision() == head_revision()
