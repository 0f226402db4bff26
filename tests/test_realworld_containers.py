"""Real kernel logs as a container engine stores a container's output: a ``dmesg`` sidecar
or a log shipper's container printed them, and the engine's log file is what an operator
has. Each file here was written by a real engine (tests/data/realworld/README.md, "Written
by container engines") from a container replaying a repo log; triaged, it must give the
reports and facts of the console log it holds.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input
from hotfence.triage.reader import raw_blocks
from test_realworld_wrap import _facts

DATA = Path(__file__).parent / "data" / "realworld"
# riscv64's hard lockup, its printk times cut off as `dmesg --notime` does, its pauses of
# over 10 s replayed as 11 s sleeps (README.md): only the engine's times show them.
CONSOLE = DATA / "riscv64-6.12.117+deb13-mod-hardlockup.log"
DOCKER_JSON = DATA / "docker" / "riscv64-6.12.117+deb13-mod-hardlockup-json.log"
CRI_LOCKUP = DATA / "cri" / "riscv64-6.12.117+deb13-mod-hardlockup-k8s-file.log"
# tests/lab/hung-task.log as `cat` printed it, some lines split where conmon's reads ended
CRI_HUNG_TASK = DATA / "cri" / "hung-task-k8s-file.log"
LAB = Path(__file__).parent / "lab"
# The CRI logging format's time, stream and tag (conmon's set_k8s_timestamp(): nine
# digits of fraction and the zone's offset; containerd: RFC3339Nano)
_CRI_PREFIX = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d) std(?:out|err) ([FP]) "
)
# `docker logs -t`'s time (RFC3339NanoFixed, daemon/logger/jsonfilelog)
_DOCKER_LOGS_T = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ")


def _console_facts() -> list[tuple[object, ...]]:
    want = [_facts(r) for r in parse_log(CONSOLE.read_bytes())]
    assert len(want) >= 2
    return want


def test_a_docker_json_file_log_reads_as_the_console() -> None:
    result = triage_input(str(DOCKER_JSON))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _console_facts()


def test_the_docker_json_file_lines_without_times_read_as_the_console() -> None:
    # The same lines without docker's times: nothing shows the pauses, and none of them
    # ends a report. Each is a wait of the kernel's for an answer it asked for
    # (lib/nmi_backtrace.c: up to 10 s after "Sending NMI from CPU %d to CPUs %*pbl:"),
    # after which the RCU stall's report goes on, and CPU 0's late answer is its
    # (extract._RCU_AFTER_WAIT_RE); the hard lockup's ends at the stall's header.
    records = [json.loads(line) for line in DOCKER_JSON.read_text().splitlines()]
    bare = "".join(rec["log"] for rec in records)
    assert [_facts(r) for r in parse_log(bare.encode())] == _console_facts()


def test_a_docker_json_file_log_reads_as_docker_logs_t_prints_it() -> None:
    records = [json.loads(line) for line in DOCKER_JSON.read_text().splitlines()]
    text = b"".join(raw_blocks(io.BytesIO(DOCKER_JSON.read_bytes()), "x")).decode()
    lines = text.splitlines(keepends=True)
    assert len(lines) == len(records)
    for line, rec in zip(lines, records, strict=True):
        stamp = _DOCKER_LOGS_T.match(line)
        assert stamp is not None, line
        assert line[stamp.end() :] == rec["log"]
        assert stamp[0].rstrip("Z ").startswith(rec["time"].rstrip("Z"))


class _Trickle:
    """A stream that hands out a few bytes a read and says how far it was read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.pos = data, step, 0

    def read(self, n: int = -1) -> bytes:
        out = self.data[self.pos : self.pos + min(n, self.step)]
        self.pos += len(out)
        return out


def test_a_docker_json_file_log_is_read_as_it_streams() -> None:
    data = DOCKER_JSON.read_bytes()
    source = _Trickle(data, 4096)
    blocks: Iterator[bytes] = raw_blocks(source, "x")  # type: ignore[arg-type]
    first = next(blocks)
    assert _DOCKER_LOGS_T.match(first.decode()) and source.pos < len(data)
    whole = first + b"".join(blocks)
    assert whole == b"".join(raw_blocks(io.BytesIO(data), "x"))


def test_a_line_too_long_for_a_docker_record_is_passed_on_as_it_is() -> None:
    # json-file's records hold at most 16 KiB of text; a longer line is no record (a
    # file appended to by another writer), passed on in blocks, not held whole.
    record = DOCKER_JSON.read_bytes().split(b"\n", 1)[0] + b"\n"
    stamped = b"".join(raw_blocks(io.BytesIO(record), "x"))
    long = b"x" * (5 << 20)
    blocks = list(raw_blocks(io.BytesIO(record + long + b"\n" + record), "x"))
    assert b"".join(blocks) == stamped + long + b"\n" + stamped
    assert max(map(len, blocks)) <= 2 << 20


def test_a_cri_log_file_reads_as_the_console() -> None:
    result = triage_input(str(CRI_LOCKUP))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == _console_facts()


def test_a_cri_log_file_joins_the_parts_of_a_line() -> None:
    records = CRI_HUNG_TASK.read_text().splitlines()
    assert any(_CRI_PREFIX.match(rec)[1] == "P" for rec in records)  # type: ignore[index]
    text = b"".join(raw_blocks(io.BytesIO(CRI_HUNG_TASK.read_bytes()), "x")).decode()
    lines = text.splitlines(keepends=True)
    full = [_CRI_PREFIX.match(line) for line in lines]
    assert all(m is not None and m[1] == "F" for m in full)
    assert len(lines) == sum(_CRI_PREFIX.match(rec)[1] == "F" for rec in records)  # type: ignore[index]
    console = (LAB / "hung-task.log").read_text()
    assert "".join(line[m.end() :] for line, m in zip(lines, full, strict=True) if m) == console


def test_a_line_split_by_the_engine_reads_as_the_console() -> None:
    # a call trace entry written in two records: read as two lines, the trace loses it
    want = [_facts(r) for r in parse_log((LAB / "hung-task.log").read_bytes())]
    result = triage_input(str(CRI_HUNG_TASK))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == want
