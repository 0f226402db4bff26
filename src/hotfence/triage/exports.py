"""A log platform's export of a fleet's log rows, read as the kernel log it holds.

A fleet's hosts ship their logs to a platform; an operator finds a crash there and
exports the rows, one log line a row (or one record holding several lines), newest
first by default and often of many hosts:

* CSV with a header row: Kibana Discover's "Share > CSV Reports" (``"@timestamp",
  "host.name","message"``, every field quoted, a quote doubled; the time in the space's
  dateFormat, "MMM D, YYYY @ HH:mm:ss.SSS" by default), Graylog's "Export to CSV"
  (``"timestamp","source","message"``), Splunk's CSV export (``_time``, ``host``,
  ``_raw``: the syslog line as received), CloudWatch Logs Insights' "Download as CSV"
  (``@timestamp,@message``), Azure Monitor's Syslog table (``TimeGenerated [UTC]``,
  ``Computer``, ``Facility``, ``SeverityLevel``, ``SyslogMessage``, ``ProcessName``),
  Datadog's Log Explorer (``Date``, ``Host``, ``Service``, ``Message``);
* JSON documents: ``aws logs filter-log-events`` / ``get-log-events`` (``{"events":
  [{"timestamp": <ms>, "message": ..., "logStreamName": ...}]}``), ``aws logs
  get-query-results`` (``{"results": [[{"field": "@timestamp", "value": ...}, ...]]}``),
  ``gcloud logging read --format=json`` (a list of LogEntry: ``textPayload`` or
  ``jsonPayload.message``, ``timestamp``; its default output, YAML, the same entries
  each a document), Elasticsearch's ``_search`` response
  (``{"hits": {"hits": [{"_source": {...}}]}}``), Datadog's Logs API (``{"data":
  [{"attributes": {"message": ...}}]}``), Grafana Loki's query API (``/loki/api/v1/
  query_range``, what ``logcli query -o raw`` and a ``curl`` of it fetch: ``{"data":
  {"resultType": "streams", "result": [{"stream": {labels}, "values": [["<ns>",
  line], ...]}]}}``, newest first by default);
* the AWS CLI's ``--output text`` of ``aws logs filter-log-events`` / ``get-log-events``:
  an "EVENTS" line per event, its fields tab-separated, the message one of them;
* NDJSON, one record a line: Elasticsearch hits or documents as ``jq -c`` or an export
  tool writes them, Filebeat's and fluent-bit's file outputs, ``logcli query
  --output=jsonl`` (``{"labels": {...}, "line": ..., "timestamp": ...}``).

Read as they are, a CSV row is the line in quotes after a time and a host, a JSON record
is one line (or a whole document one line) of escaped text: a report's lines lose the
shape the parser reads (frames after "Call Trace:", a register dump's rows in order).
Such an export is read as the kernel lines it holds, oldest first (by each row's time,
the platform's order when a row has none), one host's lines after another's, the rows a
program other than the kernel wrote (a program or facility field says whose) left out.
A message keeps whatever the platform kept: a syslog line's date, host and "kernel:"
(Splunk's ``_raw``, the CloudWatch agent's lines) are lines.py's to read.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# The fields that hold a row's line, most specific first (names compared in lower case;
# a record's nested objects as their dotted paths, ECS's "host.name" either way): the
# platforms' own names above, and the ones Logstash, Filebeat and fluent-bit write.
MESSAGE_FIELDS = (
    "message",
    "@message",
    "_raw",
    "textpayload",
    "syslogmessage",
    "full_message",
    "line",
)
HOST_FIELDS = (
    "host.name",
    "host.hostname",
    "hostname",
    "host",
    "labels.host",
    "labels.hostname",
    "labels.instance",
    "labels.node_name",
    "computer",
    "source",
    "labels.compute.googleapis.com/resource_name",
    "resource.labels.instance_id",
    "logstreamname",
    "@logstream",
)
TIME_FIELDS = ("@timestamp", "timestamp", "_time", "timegenerated", "time", "date")
# Whose line a row is, where the platform keeps it apart from the message: the syslog
# program (ECS "process.name", Graylog's "application_name", Azure's "ProcessName",
# fluent-bit's syslog parser "ident", rsyslog's "programname", journald's identifier)
# and facility (Azure's "Facility", rsyslog's "syslogfacility-text", ECS's).
PROGRAM_FIELDS = (
    "process.name",
    "syslog.appname",
    "application_name",
    "processname",
    "programname",
    "program",
    "ident",
    "syslog_identifier",
)
FACILITY_FIELDS = ("facility", "syslogfacility-text", "log.syslog.facility.name")
KERNEL_PROGRAM = "kernel"
KERNEL_FACILITIES = frozenset(("kern", "kernel", "0"))
# The objects a record nests its fields in: an Elasticsearch hit's "_source", a
# LogEntry's "jsonPayload", a Datadog log's "attributes" (and its own "attributes").
_CONTAINERS = ("", "_source.", "jsonpayload.", "attributes.", "attributes.attributes.")
# The lists a JSON document holds its records in (CloudWatch's "events" and "results",
# Datadog's "data"); an Elasticsearch response's are its "hits" "hits".
_RECORD_LISTS = ("events", "results", "data")
# Times the platforms write that ISO 8601 is not: Kibana's default dateFormat ("MMM D,
# YYYY @ HH:mm:ss.SSS") and the Azure portal's export ("M/D/YYYY, h:mm:ss.SSS AM")
_TIME_FORMATS = ("%b %d, %Y @ %H:%M:%S.%f", "%m/%d/%Y, %I:%M:%S.%f %p", "%m/%d/%Y, %I:%M:%S %p")
# A time since the epoch past each of these is in nanoseconds (Loki's), microseconds or
# milliseconds (CloudWatch's), not seconds
_EPOCH_UNITS = ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3))
# "TimeGenerated [UTC]": Azure names a time column with its zone
_COLUMN_NOTE_RE = re.compile(r"\s*\[[^\]]*\]$")
# The journal's own JSON (journalctl -o json) is lines.py's: its records name their
# transport and the kernel's printk time
_JOURNAL_KEYS = ("__CURSOR", "_TRANSPORT", "__REALTIME_TIMESTAMP")


@dataclass(frozen=True)
class Row:
    """One exported row: when (seconds since the epoch, None if it has no time the
    platform wrote), which host, and the line (or lines) it holds."""

    time: float | None
    host: str
    text: str


Fields = Mapping[str, object]


def _flat(record: Mapping[object, object], prefix: str = "") -> dict[str, object]:
    """``record``'s fields by their lower-case names, nested ones by dotted paths too."""
    out: dict[str, object] = {}
    for key, value in record.items():
        name = prefix + str(key).lower()
        if isinstance(value, Mapping):
            out.update(_flat(value, name + "."))
        out.setdefault(name, value)
    return out


def _first(fields: Fields, names: tuple[str, ...]) -> object:
    for container in _CONTAINERS:
        for name in names:
            value = fields.get(container + name)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return value
    return None


def _seconds(value: object) -> float | None:
    """A row's time as seconds since the epoch (a time without a zone read as UTC)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return _date_seconds(text)
    else:
        return None
    for above, per_second in _EPOCH_UNITS:
        if number > above:
            return number / per_second
    return number


def _date_seconds(text: str) -> float | None:
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        for form in _TIME_FORMATS:
            try:
                when = datetime.datetime.strptime(text, form)
                break
            except ValueError:
                continue
        else:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when.timestamp()


def _kernel_row(fields: Fields) -> bool:
    """Is the row the kernel's, as far as its program and facility fields tell?"""
    program = _first(fields, PROGRAM_FIELDS)
    if program is not None and str(program).strip().lower() != KERNEL_PROGRAM:
        return False
    facility = _first(fields, FACILITY_FIELDS)
    return facility is None or str(facility).strip().lower() in KERNEL_FACILITIES


def _row(fields: Fields) -> Row | None:
    """The row of a record's fields; None when no field holds a line."""
    text = _first(fields, MESSAGE_FIELDS)
    if not isinstance(text, str):
        return None
    host = _first(fields, HOST_FIELDS)
    return Row(_seconds(_first(fields, TIME_FIELDS)), "" if host is None else str(host), text)


def _column(name: str) -> str:
    return _COLUMN_NOTE_RE.sub("", name.strip().lstrip("\ufeff")).lower()


def csv_header(line: str) -> list[str] | None:
    """The column names of an export's CSV header row, or None when ``line`` is not
    one (it names no column that holds a row's line, or no time nor host)."""
    try:
        names = [_column(name) for name in next(csv.reader([line]))]
    except (csv.Error, StopIteration):
        return None
    if len(names) < 2 or not any(name in MESSAGE_FIELDS for name in names):
        return None
    if not any(name in TIME_FIELDS or name in HOST_FIELDS for name in names):
        return None
    return names


def _csv_rows(text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    names = [_column(name) for name in next(reader, [])]
    for values in reader:
        fields = dict(zip(names, values, strict=False))
        row = _row(fields)
        if row is not None and _kernel_row(fields):
            yield row


def _journal(record: Mapping[str, object]) -> bool:
    return any(key in record for key in _JOURNAL_KEYS)


def ndjson_record(line: str) -> bool:
    """Is ``line`` an exported record (a JSON object holding a row's line) that no other
    reader reads (the journal's JSON is lines.py's)?"""
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and not _journal(record) and _row(_flat(record)) is not None


def _fields(record: object) -> Fields | None:
    """A JSON record's fields; CloudWatch Insights' rows are lists of field and value."""
    if isinstance(record, list):
        pairs = [p for p in record if isinstance(p, dict) and "field" in p and "value" in p]
        return {str(p["field"]).lower(): p["value"] for p in pairs} if pairs else None
    if isinstance(record, dict) and not _journal(record):
        return _flat(record)
    return None


def _loki_records(result: list[object]) -> list[object]:
    """The entries of a Loki query's streams, each as logcli's ``--output=jsonl`` writes
    one: its stream's labels, its time and its line."""
    records: list[object] = []
    for stream in result:
        if not isinstance(stream, dict) or not isinstance(stream.get("values"), list):
            continue
        labels = stream.get("stream")
        for entry in stream["values"]:
            if isinstance(entry, list) and len(entry) >= 2:
                records.append({"labels": labels, "timestamp": entry[0], "line": entry[1]})
    return records


def _document_records(doc: object) -> list[object]:
    if isinstance(doc, dict):
        data = doc.get("data")
        if isinstance(data, dict) and isinstance(data.get("result"), list):
            return _loki_records(data["result"])
        hits = doc.get("hits")
        if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
            return list(hits["hits"])
        for key in _RECORD_LISTS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
        return []
    return list(doc) if isinstance(doc, list) else []


def _record_rows(records: list[object]) -> list[tuple[Fields, Row]]:
    """The records that hold a line: each one's fields and row, whoever wrote it."""
    out: list[tuple[Fields, Row]] = []
    for record in records:
        fields = _fields(record)
        row = _row(fields) if fields is not None else None
        if fields is not None and row is not None:
            out.append((fields, row))
    return out


def _kernel_rows(rows: list[tuple[Fields, Row]]) -> list[Row]:
    """The rows of ``rows`` (``_record_rows``) that the kernel wrote."""
    return [row for fields, row in rows if _kernel_row(fields)]


def _ndjson_records(text: str) -> list[object]:
    records: list[object] = []
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a record cut short where the export ended
    return records


# `gcloud logging read`'s default output: each LogEntry a YAML document, "---" between
# them, its fields sorted (gcloud's resource printer), "insertId" the first of a log
# line's entry.
_GCLOUD_YAML_RE = re.compile(r"(?:---\n)?insertId: ")


def gcloud_yaml_start(text: str) -> bool:
    """Does ``text`` start as `gcloud logging read` prints its entries?"""
    return _GCLOUD_YAML_RE.match(text) is not None


def _yaml_records(text: str) -> list[object] | None:
    # (imported here: `hotfence triage --help` reads the reader's limits, and loads no
    # YAML; libyaml's loader when PyYAML has it, as lines.py reads a LAVA record)
    import yaml

    try:
        return list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError:
        return None


# `aws logs filter-log-events` and `get-log-events` with `--output text` (aws-cli
# awscli/text.py format_text()): the response's own scalars first, on a line of their own
# (filter-log-events' nextToken; get-log-events' nextBackwardToken and nextForwardToken),
# then a line per event: "EVENTS" and the event's fields tab-separated, in their names'
# sorted order: eventId, ingestionTime, logStreamName, message, timestamp (ms since the
# epoch); get-log-events' events, of one stream, have no eventId and no logStreamName.
_AWS_TEXT_EVENT = "EVENTS\t"
_AWS_TEXT_TOKENS_RE = re.compile(r"\S+(?:\t\S+)*")
_AWS_EVENT_ID_RE = re.compile(r"\d{20,}")  # (an ingestion time has 13 digits)


def aws_text_start(text: str) -> bool:
    """Does ``text`` start as the AWS CLI's text output of a log events response?"""
    first, _, rest = text.partition("\n")
    if first.startswith(_AWS_TEXT_EVENT):
        return True
    return _AWS_TEXT_TOKENS_RE.fullmatch(first) is not None and rest.startswith(_AWS_TEXT_EVENT)


def _aws_text_rows(text: str) -> Iterator[Row]:
    for line in text.splitlines():
        if not line.startswith(_AWS_TEXT_EVENT):
            continue  # the response's tokens, "SEARCHEDLOGSTREAMS" lines
        fields = line.split("\t")[1:]
        if _AWS_EVENT_ID_RE.fullmatch(fields[0]):
            fields = fields[1:]
        if len(fields) < 3 or not fields[0].isdigit() or not fields[-1].isdigit():
            continue
        # (a filter-log-events event names its stream; one message's own tabs aside, its
        # line has a field more than a get-log-events event's)
        named = len(fields) > 3
        stream = fields[1] if named else ""
        message = "\t".join(fields[2 if named else 1 : -1])
        yield Row(_seconds(int(fields[-1])), stream, message)


def export_rows(text: str) -> list[Row] | None:
    """The rows of ``text`` when it is a platform's export (CSV, a JSON document or
    NDJSON), in the platform's order; None when it is none."""
    stripped = text.lstrip("\ufeff \t\r\n")
    first_line = stripped.split("\n", 1)[0]
    if csv_header(first_line) is not None:
        try:
            return list(_csv_rows(stripped))
        except csv.Error:
            return None
    if aws_text_start(stripped):
        return list(_aws_text_rows(stripped))
    if gcloud_yaml_start(stripped):
        records = _yaml_records(stripped)
        return None if records is None else _kernel_rows(_record_rows(records))
    if not stripped.startswith(("{", "[")):
        return None
    if ndjson_record(first_line):
        return _kernel_rows(_record_rows(_ndjson_records(stripped)))
    try:
        doc = json.loads(stripped)
    except ValueError:
        return None
    rows = _record_rows(_document_records(doc))
    if not rows:
        return None  # some other JSON: read as it is
    return _kernel_rows(rows)


def oldest_first(rows: list[Row]) -> list[Row]:
    """``rows`` in the order they were logged: by time when every row has one, rows of
    one time by their lines' own printk times when each has one, else in the platform's
    order (Elasticsearch breaks a tie of a sorted search by index order, ``_shard_doc``
    ascending, the order the rows were shipped in); else as the platform gave them (the
    reader's later step puts a log printed newest first back in order by its lines' own
    stamps, as it does a reversed journal).

    A platform's time is often no finer than a millisecond (Kibana's default dateFormat,
    CloudWatch's), and a report's lines are printed microseconds apart: many rows share
    one, and a newest-first search may give them in either order (elastic/ecs#1064)."""
    if any(row.time is None for row in rows):
        return rows
    # (here, not at the top: `hotfence triage --help` imports the reader, not lines.py)
    from .lines import parse_prefix

    ordered = sorted(rows, key=lambda row: row.time or 0.0)
    out: list[Row] = []
    for _, tied in itertools.groupby(ordered, key=lambda row: row.time):
        same = list(tied)
        printk = [parse_prefix(row.text)[2] for row in same] if len(same) > 1 else []
        if printk and all(t is not None for t in printk):
            order = sorted(range(len(same)), key=lambda i: printk[i] or 0.0)
            same = [same[i] for i in order]
        out.extend(same)
    return out


def kernel_log(rows: list[Row]) -> str:
    """The kernel log ``rows`` hold: each host's lines oldest first, one host's after
    another's (hosts in the order their first line was logged)."""
    by_host: dict[str, list[str]] = {}
    for row in oldest_first(rows):
        lines = row.text.replace("\r\n", "\n").removesuffix("\n").split("\n")
        by_host.setdefault(row.host, []).extend(lines)
    return "".join(line + "\n" for lines in by_host.values() for line in lines)
