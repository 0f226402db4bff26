"""A list of reports whose size does not grow the process: encoded, then on disk.

A 2 GB log holds some 24,000 crash reports; as objects they took about 20 KB each,
half a gigabyte held from the parse until the output was written. A :class:`ReportSpill`
keeps each report msgpack-encoded (msgspec, the dataclasses directly: 3-5 times
smaller) in a ``SpooledTemporaryFile`` that stays in memory up to ``max_memory`` bytes
and moves to a temporary file (``$TMPDIR``) past it, so memory is bounded by that cap
and one report at a time. Reading decodes a report again (a few microseconds); what
the reader changes on a decoded report is not written back.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import msgspec

from hotfence.triage.model import Report

# Encoded reports kept in memory before the spill moves to disk: a few thousand reports,
# so a log of ordinary size never touches the disk.
MAX_MEMORY = 32 << 20

_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Report)


class ReportSpill(Sequence[Report]):
    """An append-only sequence of reports, stored encoded (see the module docstring)."""

    def __init__(self, reports: Iterable[Report] = (), max_memory: int = MAX_MEMORY) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=max_memory)
        self._offsets: list[int] = [0]  # report i is bytes offsets[i]:offsets[i + 1]
        self.extend(reports)

    def append(self, report: Report) -> None:
        data = _ENCODER.encode(report)
        self._file.seek(self._offsets[-1])
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def extend(self, reports: Iterable[Report]) -> None:
        for report in reports:
            self.append(report)

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
        start, end = self._offsets[index], self._offsets[index + 1]
        self._file.seek(start)
        return _DECODER.decode(self._file.read(end - start))

    def __iter__(self) -> Iterator[Report]:
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        self._file.close()
