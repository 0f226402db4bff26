"""A list of reports whose size does not grow the process: encoded, then on disk.

A 2 GB log holds some 24,000 crash reports; as objects they took about 20 KB each,
half a gigabyte held from the parse until the output was written. A :class:`ReportSpill`
keeps each report msgpack-encoded (msgspec, the dataclasses directly: 3-5 times
smaller) in memory up to ``max_memory`` bytes (4 MB) and in a temporary file (``$TMPDIR``)
past it, so memory is bounded by that cap and one report at a time (when no temporary
file can be made, they stay in memory: more memory rather than no answer). Reading
decodes a report again (a few microseconds); what the reader changes on a decoded
report is not written back.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, overload

import msgspec

from hotfence.triage.model import Report

# Encoded reports kept in memory before the spill moves to disk: some 800 reports (about
# 5 KB each), so a log of ordinary size never touches the disk. Not more: what is kept
# here is in the peak of every parse after it, and a cap of 32 MB was most of what a
# large log's run grew by (1 GB log: 178 MB peak RSS, 147 MB with this cap).
MAX_MEMORY = 4 << 20

_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Report)


class ReportSpill(Sequence[Report]):
    """A sequence of reports, appended (or one put in another's place), stored encoded
    (see the module docstring)."""

    def __init__(self, reports: Iterable[Report] = (), max_memory: int = MAX_MEMORY) -> None:
        self._file: IO[bytes] = io.BytesIO()
        self._max_memory = max_memory
        self.on_disk = False
        self._offsets: list[int] = [0]  # report i is bytes offsets[i]:offsets[i + 1]
        # a report put in another's place (``replace``): its index -> its bytes' span,
        # after the others' (the next report appended goes after it)
        self._moved: dict[int, tuple[int, int]] = {}
        self._end = 0
        self.extend(reports)

    def _write(self, report: Report) -> tuple[int, int]:
        """Encode ``report`` after every report's bytes: their span."""
        data = _ENCODER.encode(report)
        start = self._end
        if not self.on_disk and start + len(data) > self._max_memory:
            self._move_to_disk()
        self._file.seek(start)
        self._file.write(data)
        self._end = start + len(data)
        return start, self._end

    def append(self, report: Report) -> None:
        start, end = self._write(report)
        if start != self._offsets[-1]:
            # (a replaced report's bytes lie before it: this one's span is moved too)
            self._offsets.append(self._offsets[-1])
            self._moved[len(self) - 1] = (start, end)
            return
        self._offsets.append(end)

    def replace(self, index: int, report: Report) -> None:
        """Put ``report`` in the place of report ``index``: a later, fuller copy of it
        (prefilter.StreamTriage, as parser._best_copy has it in one parse)."""
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("report index out of range")
        self._moved[index] = self._write(report)

    def extend(self, reports: Iterable[Report]) -> None:
        for report in reports:
            self.append(report)

    def _move_to_disk(self) -> None:
        try:
            disk = tempfile.TemporaryFile()  # closed by close(), or when collected
        except OSError:
            # No usable $TMPDIR: keeping the reports in memory beats losing the run.
            self._max_memory = sys.maxsize
            return
        self._file.seek(0)
        shutil.copyfileobj(self._file, disk)
        self._file = disk
        self.on_disk = True

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> Report: ...

    @overload
    def __getitem__(self, index: slice) -> list[Report]: ...

    def __getitem__(self, index: int | slice) -> Report | list[Report]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("report index out of range")
        start, end = self._moved.get(index) or (self._offsets[index], self._offsets[index + 1])
        self._file.seek(start)
        return _DECODER.decode(self._file.read(end - start))

    def __iter__(self) -> Iterator[Report]:
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        self._file.close()
