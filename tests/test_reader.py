"""Reading triage inputs in bounded memory: bombs, devices, FIFOs, odd directory entries.

The hostile inputs run in a child process under RLIMIT_AS, so a regression ends in a
failed assertion (MemoryError or a kill) instead of an out-of-memory host.
"""

from __future__ import annotations

import gzip
import io
import json
import lzma
import os
import random
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from hotfence.triage.prefilter import triage_input
from hotfence.triage.reader import (
    InputError,
    ReadLimits,
    Skipped,
    expand,
    is_log_name,
    line_blocks,
    open_input,
    raw_blocks,
)

LAB = Path(__file__).parent / "lab"
CRASH = LAB / "null-deref.log"
REPO = Path(__file__).resolve().parents[1]
PSTORE = REPO / "tests" / "data" / "pstore"
# A real ramoops record (Linux 6.1), as pstore showed it decompressed
PSTORE_RECORD = PSTORE / "6.1.0-56-amd64" / "sysfs-pstore" / "dmesg-ramoops-0"
MEMORY_LIMIT = 600 << 20  # address space of the child: python + libs + bounded buffers


def _cli(
    *args: str, limit: int | None = MEMORY_LIMIT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`hotfence triage ARGS` in a child whose address space is capped at ``limit``."""

    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    code = "from hotfence.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "triage", "--no-store", "-o", "json", *args],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _doc(proc: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(proc.stdout)


# --- compression bombs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def xz_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crash log, then 512 MiB of zeros (no newline), xz-compressed to ~80 KB."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.log.xz"
    zeros = b"\0" * (64 << 20)
    comp = lzma.LZMACompressor(preset=0)
    with path.open("wb") as fh:
        fh.write(comp.compress(CRASH.read_bytes()))
        for _ in range(8):
            fh.write(comp.compress(zeros))
        fh.write(comp.flush())
    assert path.stat().st_size < 1 << 20
    return path


def test_xz_bomb_stops_at_the_size_cap_and_keeps_the_crash(xz_bomb: Path) -> None:
    proc = _cli("--max-input-size", "64M", str(xz_bomb), str(CRASH))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"cannot read {xz_bomb}: more than {64 << 20} bytes once decompressed" in proc.stderr
    # the line of zeros was cut, and said so, naming file and line
    zeros_line = CRASH.read_bytes().count(b"\n") + 1
    assert f"{xz_bomb}:{zeros_line}: line longer than" in proc.stderr
    bomb_res, plain = _doc(proc)["files"]
    # the crash before the zeros is still reported, and the next input is read
    assert bomb_res["reports"] and bomb_res["reports"][0]["title"] == plain["reports"][0]["title"]


def test_xz_bomb_without_a_cap_streams_in_bounded_memory(xz_bomb: Path) -> None:
    # The default cap (16 GiB) is far: all 512 MiB are read, in a 600 MB address space
    # (reading it whole, as before, needed more than twice that).
    proc = _cli(str(xz_bomb))
    assert proc.returncode == 0, proc.stderr
    assert _doc(proc)["files"][0]["reports"]


# --- what is read at all ---------------------------------------------------------------------


def test_dev_zero_is_refused_at_once() -> None:
    proc = _cli("/dev/zero", str(CRASH), timeout=60)
    assert proc.returncode == 2
    assert "cannot read /dev/zero: is a device, not read" in proc.stderr
    assert "hotfence triage -" in proc.stderr  # how to read it anyway
    assert _doc(proc)["files"][1]["reports"]


@pytest.mark.parametrize("kmsg", ["/dev/kmsg", "/proc/kmsg"])
def test_kmsg_says_how_to_read_the_kernel_log(kmsg: str) -> None:
    # /proc/kmsg is a "regular" file whose read waits for, and consumes, new messages.
    proc = _cli(kmsg, timeout=60)
    assert proc.returncode == 2
    assert f"{kmsg}: is the live kernel log device" in proc.stderr
    assert "dmesg | hotfence triage -" in proc.stderr


def test_fifo_without_a_writer_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = _cli(str(fifo), timeout=60)  # before: blocked forever in open()
    assert proc.returncode == 2
    assert f"cannot read {fifo}: is a FIFO (named pipe), not read" in proc.stderr


def test_stdin_is_the_explicit_way_to_stream(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from hotfence.cli import main; main()"]
        + ["triage", "--no-store", "-o", "json", "-"],
        input=zstandard.ZstdCompressor().compress(CRASH.read_bytes()),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["files"][0]["reports"]


def test_directory_reports_what_it_skipped(tmp_path: Path) -> None:
    d = tmp_path / "logs"
    (d / "sub").mkdir(parents=True)
    (d / "kern.log").write_bytes(CRASH.read_bytes())
    (d / "messages.1.gz").write_bytes(gzip.compress(CRASH.read_bytes()))
    (d / "dmesg").write_text("[    1.0] nothing\n")
    (d / "README.md").write_text("# BUG: unable to handle page fault in the docs\n")
    (d / "notes.yaml").write_text("x: 1\n")
    os.mkfifo(d / "fifo.log")
    os.symlink("loop-b", d / "loop-a")
    os.symlink("loop-a", d / "loop-b")
    os.symlink("/nonexistent-hotfence", d / "dangling.log")
    os.symlink(d / "sub", d / "link-to-sub")
    items = list(expand([str(d)]))
    read = [i for i in items if isinstance(i, str)]
    skipped = {Path(i.path).name: i.reason for i in items if isinstance(i, Skipped)}
    assert [Path(p).name for p in read] == ["dmesg", "kern.log", "messages.1.gz"]
    assert set(skipped) == {
        "README.md",
        "notes.yaml",
        "fifo.log",
        "loop-a",
        "loop-b",
        "dangling.log",
        "link-to-sub",
    }
    assert "FIFO" in skipped["fifo.log"] and "not a log file name" in skipped["README.md"]
    assert "symbolic links" in skipped["loop-a"] or "too many levels" in skipped["loop-a"]
    proc = _cli(str(d))
    assert proc.returncode == 0, proc.stderr
    assert f"skipped {d / 'README.md'}: not a log file name" in proc.stderr
    assert f"skipped {d / 'fifo.log'}: is a FIFO" in proc.stderr
    assert [Path(f["path"]).name for f in _doc(proc)["files"]] == [
        "dmesg",
        "kern.log",
        "messages.1.gz",
    ]


def test_samples_directory_does_not_triage_its_readme() -> None:
    proc = _cli(str(REPO / "samples"))
    assert proc.returncode == 0, proc.stderr
    paths = [f["path"] for f in _doc(proc)["files"]]
    assert paths and all(p.endswith(".log") for p in paths)
    assert "README.md: not a log file name" in proc.stderr


@pytest.mark.parametrize(
    ("name", "log"),
    [
        ("kern.log", True),
        ("kern.log.3", True),
        ("kern.log.2.gz", True),
        ("vmcore-dmesg.txt", True),
        ("console.zst", True),
        ("dmesg", True),
        ("1234", True),
        ("README.md", False),
        ("policy.yaml", False),
        ("run.sh", False),
        ("trace.json.gz", False),
        ("system@0005f1.journal", False),
        # a pstore record the kernel could not decompress (fs/pstore/inode.c)
        ("dmesg-ramoops-0.enc.z", True),
        ("dmesg-efi-175790343601001.enc.z", True),
        ("backup.enc.z", False),
    ],
)
def test_log_names(name: str, log: bool) -> None:
    assert is_log_name(name) is log


# --- decompression and lines ------------------------------------------------------------------


@pytest.mark.parametrize("pack", ["gzip", "xz", "zstd", "gzip-members", "xz-streams"])
def test_every_compression_streams_to_the_same_bytes(pack: str) -> None:
    # (random bytes, without the UTF-8 no-break space the reader reads as a space)
    noise = random.Random(2).randbytes(3 << 19).replace(b"\xc2\xa0", b"\xc2\xa1")
    raw = noise + CRASH.read_bytes()
    half = len(raw) // 2
    packed = {
        "gzip": lambda: gzip.compress(raw),
        "xz": lambda: lzma.compress(raw),
        "zstd": lambda: zstandard.ZstdCompressor().compress(raw),
        "gzip-members": lambda: gzip.compress(raw[:half]) + gzip.compress(raw[half:]),
        "xz-streams": lambda: lzma.compress(raw[:half]) + lzma.compress(raw[half:]),
    }[pack]()
    blocks = list(raw_blocks(io.BytesIO(packed), "x"))
    assert b"".join(blocks) == raw and max(map(len, blocks)) <= 1 << 20


def test_size_cap_is_an_input_error_after_the_blocks_before_it() -> None:
    out = []
    with pytest.raises(InputError, match="more than 1000 bytes once decompressed"):
        for block in raw_blocks(io.BytesIO(gzip.compress(b"x" * 5000)), "big.gz", ReadLimits(1000)):
            out.append(block)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(max_size=30).filter(lambda b: b"\n" not in b), max_size=12),
    st.booleans(),
    st.integers(1, 9),
    st.integers(2, 40),
)
def test_line_blocks_cut_long_lines_and_keep_offsets(
    lines: list[bytes], newline_at_end: bool, block: int, max_line: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if newline_at_end and lines else b"")
    pieces = [data[i : i + block] for i in range(0, len(data), block)]
    got = list(line_blocks(pieces, ReadLimits(max_line=max_line)))
    kept = data.split(b"\n")
    assert b"".join(b.data for b in got) == b"\n".join(line[:max_line] for line in kept)
    starts = [0]
    for i, ch in enumerate(data):
        if ch == 0x0A:
            starts.append(i + 1)
    offset, number = 0, 1
    for b in got:
        assert (b.offset, b.line) == (offset, number)
        for cut in b.cuts:
            assert cut.offset == starts[cut.line - 1] + max_line
            assert cut.dropped == len(kept[cut.line - 1]) - max_line
        offset += len(b.data) + sum(c.dropped for c in b.cuts)
        number += b.data.count(b"\n")
    assert offset == len(data)


def test_out_of_memory_on_one_input_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotfence.triage import prefilter
    from hotfence.triage.analyze import triage_paths

    hog = tmp_path / "hog.log"
    hog.write_bytes(CRASH.read_bytes() + b"[    9.000000] MEMORY-HOG\n" * 10)
    feed = prefilter.StreamTriage.feed

    def feed_or_fail(self: prefilter.StreamTriage, block: object) -> None:
        if b"MEMORY-HOG" in block.data:  # type: ignore[attr-defined]
            raise MemoryError
        feed(self, block)  # type: ignore[arg-type]

    monkeypatch.setattr(prefilter.StreamTriage, "feed", feed_or_fail)
    first, second = triage_paths([str(hog), str(CRASH)])
    assert first.error is not None and "out of memory" in first.error
    assert second.error is None and second.reports


# --- pstore records the kernel could not decompress ---------------------------------------------


def _titles_and_frames(path: Path) -> list[tuple[str, list[str]]]:
    result = triage_input(str(path))
    assert result.error is None, result.error
    return [(r.title, [f.function for f in r.frames]) for r in result.reports]


@pytest.mark.parametrize("kind", ["6.5", "crypto-deflate", "zlib-window-12"])
def test_a_pstore_record_left_compressed_reads_as_the_record(kind: str) -> None:
    # PSTORE_RECORD deflated as each kernel's pstore does (tests/data/pstore/README.md)
    path = PSTORE / "enc-z" / kind / "dmesg-ramoops-0.enc.z"
    with open_input(str(path)) as stream:
        assert b"".join(raw_blocks(stream, str(path))) == PSTORE_RECORD.read_bytes()
    want = _titles_and_frames(PSTORE_RECORD)
    assert want and _titles_and_frames(path) == want


def test_a_pstore_directory_walk_reads_a_compressed_record() -> None:
    found = list(expand([str(PSTORE / "enc-z" / "6.5")]))
    assert found == [str(PSTORE / "enc-z" / "6.5" / "dmesg-ramoops-0.enc.z")]


def test_a_pstore_record_compressed_otherwise_names_what_is_read(tmp_path: Path) -> None:
    # A record no deflate wrote (here the text itself: the 4.x-6.4 kernels' lzo, lz4 and
    # 842 are no more readable) is an error that names the file and what is read.
    path = tmp_path / "dmesg-ramoops-0.enc.z"
    path.write_bytes(PSTORE_RECORD.read_bytes())
    proc = _cli(str(path), str(CRASH))
    assert proc.returncode == 2, proc.stderr
    assert f"cannot read {path}: a pstore record compressed in no way read here" in proc.stderr
    assert "deflate" in proc.stderr and "lz4" in proc.stderr
    assert _doc(proc)["files"][1]["reports"]
