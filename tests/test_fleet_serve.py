"""`hotfence serve`: crash groups across hosts in HTML and JSON, /metrics, read-only."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from corpus import syz_log
from hotfence.cli import main
from hotfence.fleet.serve import create_app
from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.store import CrashStore, HostIdentity
from hotfence.triage.parser import parse_log
from hotfence.triage.tostore import crash_record

ALG = "KASAN: use-after-free Read in aead_recvmsg"
RDS = "WARNING in rds_rdma_extra_size"
DAY = 86400.0
HOSTS = [
    HostIdentity("node-a", "machine-a", "6.1.0-18-amd64", "Debian GNU/Linux 12 (bookworm)"),
    HostIdentity("node-b", "machine-b", "6.6.15", "Ubuntu 24.04 LTS"),
]


def fill(db: str) -> None:
    """Two hosts: both crashed in af_alg (on different days), node-a also in rds."""
    catalog = load_catalog(extra_dirs=[])

    def recs(case: str):
        out = []
        for rep in parse_log(syz_log(case)):
            rep.known_bugs = match_all(catalog, rep)
            out.append(crash_record(rep, f"/var/log/{case}.log"))
        return out

    with CrashStore.open(db) as store:
        store.add(HOSTS[0], recs("130") + recs("575"), now=20000 * DAY + 10)
        store.add(HOSTS[1], recs("130"), now=20002 * DAY + 10)


@pytest.fixture
def fleet_db(store_url: str) -> str:
    fill(store_url)
    return store_url


@pytest.fixture
def client(fleet_db: str):
    store = CrashStore.open(fleet_db, readonly=True)
    with store, TestClient(create_app(store)) as c:
        yield c


def test_api_groups_span_hosts_with_known_bug_mitigations(client):
    groups = {g["title"]: g for g in client.get("/api/groups").json()}
    alg = groups[ALG]
    assert (alg["count"], alg["hosts"]) == (2, ["node-a", "node-b"])
    assert alg["first_seen"] == 20000 * DAY + 10 and alg["last_seen"] == 20002 * DAY + 10
    (bug,) = alg["known_bugs"]
    assert bug["bug_id"] == "af-alg-crash"
    assert any(m.startswith("virtual-patch:") for m in bug["mitigations"])
    assert groups[RDS]["hosts"] == ["node-a"]


def test_api_drill_down_to_group_crash_and_host(client):
    detail = client.get("/api/group", params={"title": ALG}).json()
    assert [c["hostname"] for c in detail["crashes"]] == ["node-b", "node-a"]
    assert [(d["day"], d["count"]) for d in detail["daily"]] == [
        ("2024-10-04", 1),
        ("2024-10-06", 1),
    ]
    crash = client.get(f"/api/crashes/{detail['crashes'][0]['id']}").json()
    assert crash["report"]["title"] == ALG and crash["report"]["frames"]
    host = client.get(f"/api/hosts/{crash['host_id']}").json()
    assert host["host"]["machine_id"] == "machine-b"
    assert [c["title"] for c in host["crashes"]] == [ALG]
    assert {h["hostname"]: h["crash_count"] for h in client.get("/api/hosts").json()} == {
        "node-a": 2,
        "node-b": 1,
    }
    assert client.get("/api/group", params={"title": "no such"}).status_code == 404
    assert client.get("/api/crashes/999999").status_code == 404
    assert client.get("/api/hosts/0").status_code == 422


def test_html_pages_show_groups_chart_and_report(client):
    page = client.get("/").text
    assert ALG in page and RDS in page
    assert page.count('class="bar"') == 3  # day 20000: two groups; day 20002: one
    assert "virtual-patch: hotfence patch apply af-alg-crash" in page
    crash_id = client.get("/api/group", params={"title": ALG}).json()["crashes"][0]["id"]
    group = client.get("/group", params={"title": ALG}).text
    assert f'href="/crash/{crash_id}"' in group and "node-a" in group and "node-b" in group
    report = client.get(f"/crash/{crash_id}").text
    assert 'id="trace"' in report and "aead_recvmsg" in report and 'id="report-text"' in report
    assert client.get("/host/1").status_code == 200
    assert client.get("/crash/999999").status_code == 404


def test_openapi_document_lists_the_api(client):
    doc = client.get("/openapi.json").json()
    assert {"/api/groups", "/api/group", "/api/crashes/{crash_id}", "/api/hosts"} <= set(
        doc["paths"]
    )
    assert all(set(ops) == {"get"} for ops in doc["paths"].values())


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_no_request_changes_the_store(client, fleet_db, method):
    for path in ["/", "/api/groups", "/api/crashes/1", "/api/hosts/1", "/metrics", "/x"]:
        r = client.request(method, path, content=b"{}")
        assert r.status_code == 405, (method, path)
    with CrashStore.open(fleet_db, readonly=True) as store:
        assert store.count() == 3


def test_metrics_count_crashes_per_group_and_host(client):
    r = client.get("/metrics")
    assert r.headers["content-type"].startswith("text/plain")
    samples = {
        (s.labels["group"], s.labels["host"]): s.value
        for fam in text_string_to_metric_families(r.text)
        if fam.name == "hotfence_crashes"
        for s in fam.samples
        if s.name == "hotfence_crashes_total"
    }
    assert samples == {(ALG, "node-a"): 1, (ALG, "node-b"): 1, (RDS, "node-a"): 1}
    gauges = {
        fam.name: fam.samples[0].value
        for fam in text_string_to_metric_families(r.text)
        if fam.type == "gauge"
    }
    assert gauges == {"hotfence_crash_groups": 2, "hotfence_crashed_hosts": 2}


def test_serve_on_a_bad_store_is_a_clear_error(tmp_path):
    r = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "none.sqlite")])
    assert r.exit_code == 2
    assert "no such database file" in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "none.sqlite").exists()


def test_report_json_is_kept_whole(client, fleet_db):
    with CrashStore.open(fleet_db, readonly=True) as store:
        (listed,) = store.crashes(title=RDS)
        row = store.crash(listed.id)
    assert row is not None and row.report_json
    api = client.get(f"/api/crashes/{row.id}").json()["report"]
    assert api == json.loads(row.report_json)


def test_chart_stacks_rare_groups_into_one_bar_per_day():
    from hotfence.fleet.chart import PALETTE, build
    from hotfence.store import DailyCount

    counts = [DailyCount(f"group {g}", day, g + 1) for g in range(40) for day in (100, 101)]
    c = build(counts)
    assert len(c.bars) == 2 * len(PALETTE)  # the top groups and "other", on each day
    assert c.legend[-1][1] == f"{40 - len(PALETTE) + 1} other groups"
    assert c.max_count == sum(range(1, 41))
    day0 = [b for b in c.bars if b.label.startswith("1970-04-11")]
    assert abs(sum(b.height for b in day0) - (c.baseline - 10)) < 0.1  # stack fills the axis


def chart_total(html: str) -> int:
    """The crashes the page's chart draws: the sum of its bars' tooltip counts."""
    import re

    svg = html[html.index('<svg id="daily-chart"') : html.index("</svg>")]
    return sum(int(n) for n in re.findall(r"<title>[^<]*: (\d+)</title>", svg))


def test_a_new_crash_shows_on_the_next_request(client, fleet_db):
    before = {g["title"]: g["count"] for g in client.get("/api/groups").json()}
    assert client.get("/api/groups").json()  # served from the summaries now
    # The charts are cached with the summaries (fleet and per group) and follow them.
    charts = [client.get("/").text, client.get("/group", params={"title": RDS}).text]
    assert [chart_total(h) for h in charts] == [sum(before.values()), 1]
    log = parse_log(syz_log("575"))
    with CrashStore.open(fleet_db) as store:
        store.add(HOSTS[1], [crash_record(r, "/var/log/again.log") for r in log], now=20003 * DAY)
    after = {g["title"]: g for g in client.get("/api/groups").json()}
    assert (before[RDS], after[RDS]["count"]) == (1, 2)
    assert after[RDS]["hosts"] == ["node-a", "node-b"]
    group_page = client.get("/group", params={"title": RDS}).text
    assert "node-b" in group_page
    assert [chart_total(client.get("/").text), chart_total(group_page)] == [
        sum(before.values()) + 1,
        2,
    ]
