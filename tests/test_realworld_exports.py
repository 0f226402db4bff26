"""Real kernel logs as a fleet's log platform exports them: the rows an operator found a
crash in, downloaded as CSV or fetched as JSON (tests/data/realworld/README.md, "Exported
from log platforms"). Each export holds repo logs rewritten in the platform's format;
triaged, it must give the reports and facts of the logs it holds, each host's apart.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import pytest
import yaml

from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input
from hotfence.triage.reader import raw_blocks
from test_realworld_wrap import _facts

DATA = Path(__file__).parent / "data" / "realworld"
EXPORTS = DATA / "exports"
# Kibana Discover's CSV report, newest first: db01's hung task and db02's warning, their
# lines interleaved in the same second
KIBANA = EXPORTS / "kibana-discover-two-hosts.csv"
# `aws logs filter-log-events` of the CloudWatch agent's /var/log/messages stream
CLOUDWATCH = EXPORTS / "cloudwatch-filter-log-events.json"
# Grafana Loki's query_range response: promtail's /var/log/messages of two hosts, each
# stream newest first, its times in nanoseconds
LOKI = EXPORTS / "loki-query-range.json"
# `gcloud logging read`'s default YAML, newest first: a GCE VM's syslog entries
GCLOUD = EXPORTS / "gcloud-logging-read.yaml"
# Azure Monitor's Syslog table as CSV, newest first: every program's rows, the kernel's
# among them
AZURE = EXPORTS / "azure-monitor-syslog.csv"


def _log_facts(*names: str) -> list[tuple[object, ...]]:
    want = [_facts(r) for name in names for r in parse_log((DATA / name).read_bytes())]
    assert want
    return want


def _read(path: Path) -> str:
    return b"".join(raw_blocks(io.BytesIO(path.read_bytes()), str(path))).decode()


def test_a_kibana_csv_report_of_two_hosts_reads_as_each_hosts_log() -> None:
    result = triage_input(str(KIBANA))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _log_facts(
        "rhel6-syslog-hung-task.log", "rhel6-syslog-old-warning.log"
    )


def test_a_kibana_csv_report_reads_as_its_messages_oldest_first() -> None:
    with KIBANA.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["message"].startswith("[<ffffffff8100c28a>] child_rip")  # newest first
    db01 = [row["message"] for row in reversed(rows) if row["host.name"] == "db01"]
    db02 = [row["message"] for row in reversed(rows) if row["host.name"] == "db02"]
    assert _read(KIBANA).splitlines() == db01 + db02


def test_a_cloudwatch_filter_log_events_document_reads_as_the_syslog_file() -> None:
    result = triage_input(str(CLOUDWATCH))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _log_facts("rhel6-syslog-hung-task.log")
    events = json.loads(CLOUDWATCH.read_text())["events"]
    assert _read(CLOUDWATCH).splitlines() == [event["message"] for event in events]


def _aws_cli_text(doc: dict[str, object]) -> str:
    """An AWS CLI response as `--output text` prints it (aws-cli awscli/text.py
    format_text()): a dict's scalar values first, tab-separated in its keys' sorted
    order; then each of its lists of dicts, a line per element: the list's key upper-cased,
    then the element's values of the keys any element has a scalar of (sorted, "" where
    it has none)."""
    scalars = [str(v) for k, v in sorted(doc.items()) if not isinstance(v, dict | list)]
    lines = ["\t".join(scalars)] if scalars else []
    for key, value in sorted(doc.items()):
        if isinstance(value, list):
            keys = sorted(
                {k for e in value for k, v in e.items() if not isinstance(v, dict | list)}
            )
            lines += ["\t".join([key.upper()] + [str(e.get(k, "")) for k in keys]) for e in value]
    return "".join(line + "\n" for line in lines)


# The events' fields as the commands return them: filter-log-events' (eventId among them),
# and get-log-events' of one stream, which names no stream and no event id.
@pytest.mark.parametrize("dropped", [(), ("eventId", "logStreamName")])
def test_cloudwatch_events_as_the_aws_clis_text_read_as_the_syslog_file(
    dropped: tuple[str, ...], tmp_path: Path
) -> None:
    doc = json.loads(CLOUDWATCH.read_text())
    for event in doc["events"]:
        for key in dropped:
            del event[key]
    doc["nextToken"] = "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXYgdt7Q1zMEaTWkBK"
    path = tmp_path / "events.txt"
    path.write_text(_aws_cli_text(doc))
    assert path.read_text().splitlines()[1].startswith("EVENTS\t")
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _log_facts("rhel6-syslog-hung-task.log")
    assert _read(path).splitlines() == [event["message"] for event in doc["events"]]


def test_a_loki_query_response_reads_as_each_hosts_syslog_file() -> None:
    result = triage_input(str(LOKI))
    assert result.error is None
    # db02's warning was logged (04:12) before db01's hung task (05:01)
    assert [_facts(r) for r in result.reports] == _log_facts(
        "rhel6-syslog-old-warning.log", "rhel6-syslog-hung-task.log"
    )
    streams = json.loads(LOKI.read_text())["data"]["result"]
    lines = [line for stream in reversed(streams) for _, line in reversed(stream["values"])]
    assert _read(LOKI).splitlines() == lines


def test_a_gcloud_logging_read_yaml_reads_as_the_syslog_file() -> None:
    result = triage_input(str(GCLOUD))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _log_facts("rhel6-syslog-hung-task.log")
    entries = list(yaml.safe_load_all(GCLOUD.read_text()))
    assert _read(GCLOUD).splitlines() == [e["textPayload"] for e in reversed(entries)]


def test_an_azure_syslog_export_reads_as_the_kernels_rows_alone() -> None:
    # the programs' rows say "WARNING:" and "INFO:" too: their ProcessName leaves them out
    result = triage_input(str(AZURE))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _log_facts("ubuntu-syslog-false-alarms.log")
    with AZURE.open(newline="") as f:
        kernel = [row for row in csv.DictReader(f) if row["ProcessName"] == "kernel"]
    assert _read(AZURE).splitlines() == [row["SyslogMessage"] for row in reversed(kernel)]


def _console_lines(name: str) -> list[str]:
    text = (DATA / name).read_text()
    return [line[line.index("[") :] for line in text.splitlines() if "] " in line[:40]]


# Each host's console line by line, as a shipper's reader prints a line with the stream
# it came from: Loki's logcli (pkg/logcli/output/default.go: "%s %s %s" of the entry's
# time, its stream's labels and the line) and the AWS CLI's `aws logs tail`
# (awscli/customizations/logs/tail.py DetailedLogEventsFormatter: "%s %s %s" of the
# event's time, isoformat(timespec="microseconds") in UTC, its log stream and message)
SHIPPED_BY: dict[str, str] = {
    "logcli query": '2026-11-28T05:00:{second:02d}Z {{host="{host}", job="varlogs"}} {line}',
    "aws logs tail": "2026-11-28T05:00:{second:02d}.000000+00:00 {host} {line}",
}
TWO_HOSTS = {"web01": "x86-6.12.115-null-deref.log", "web02": "x86-6.1-soft-lockup.log"}


@pytest.mark.parametrize("reader", sorted(SHIPPED_BY))
def test_two_hosts_lines_interleaved_by_a_reader_read_as_each_hosts_log(reader: str) -> None:
    # the two consoles' lines one after the other, as a query of both hosts returns them
    logs = {host: _console_lines(name) for host, name in TWO_HOSTS.items()}
    rows = []
    for i in range(max(map(len, logs.values()))):
        for host, lines in logs.items():
            if i < len(lines):
                rows.append(SHIPPED_BY[reader].format(second=i % 60, host=host, line=lines[i]))
    got = [_facts(r) for r in parse_log("\n".join(rows).encode())]
    want = _log_facts(*TWO_HOSTS.values())
    assert len(got) == len(want)
    assert all(facts in got for facts in want)


@pytest.mark.parametrize(
    "text",
    [
        # a CSV naming a message column but no time nor host: no platform's export
        "id,message\n1,BUG: not a kernel line\n",
        # the journal's own JSON stays lines.py's (its records name their transport)
        '{"__CURSOR": "s=1", "_TRANSPORT": "kernel", "MESSAGE": "BUG: x"}\n',
        # a JSON document holding no line
        '{"kind": "compute#instance", "status": "RUNNING"}\n',
    ],
)
def test_what_is_no_export_reads_as_it_is(text: str) -> None:
    assert _read_text(text) == text


class _FirstReadOnly(io.RawIOBase):
    """A stream whose data after its first read must not be needed yet."""

    def __init__(self, first: bytes) -> None:
        self.first: bytes | None = first

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.first is None:
            raise AssertionError("read past the first block")
        first, self.first = self.first, None
        return first


@pytest.mark.parametrize("name", ["x86-6.12.115-null-deref.log", "rhel6-syslog-hung-task.log"])
def test_a_console_or_syslog_log_is_not_held_as_an_export(name: str) -> None:
    # a dmesg's first line starts with "[": no JSON array, its blocks stream on
    data = (DATA / name).read_bytes()
    data = data[data.index(b"[") :] if name.startswith("x86") else data
    blocks = raw_blocks(_FirstReadOnly(data), name)  # type: ignore[arg-type]
    assert next(blocks) == data


def _read_text(text: str) -> str:
    return b"".join(raw_blocks(io.BytesIO(text.encode()), "x")).decode()


@pytest.mark.parametrize("name", ["x86-6.12.115-null-deref.log", "arm64-6.1.0-50-mod-null.log"])
def test_rows_of_one_millisecond_read_in_their_printk_order(name: str, tmp_path: Path) -> None:
    # Kibana's CSV report writes each row's time to the millisecond (the default
    # dateFormat "MMM D, YYYY @ HH:mm:ss.SSS") and sorts newest first; the rows of one
    # millisecond come in whatever order the search broke the tie in (elastic/ecs#1064:
    # events of one @timestamp lose their order). A report's lines are printed
    # microseconds apart: their own printk times order them.
    boot = 1764240000.0
    rows = []
    for line in (DATA / name).read_text().splitlines():
        at = re.match(r"\[ *(\d+\.\d+)\]", line)
        if at is None:
            continue
        stamp = time.gmtime(boot + float(at[1]))
        millis = int(float(at[1]) % 1 * 1000)
        rows.append(
            [time.strftime("%b %d, %Y @ %H:%M:%S", stamp) + f".{millis:03d}", "web01", line]
        )
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["@timestamp", "host.name", "message"])
    writer.writerows(reversed(rows))  # newest first, a tie's rows reversed too
    export = tmp_path / "kibana.csv"
    export.write_text(out.getvalue())
    result = triage_input(str(export))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _log_facts(name)
