"""Read the logs that `hotfence triage` is given: files, compressed files, directories, stdin.

Inputs are console logs, dmesg, `vmcore-dmesg.txt` or `journalctl -k` output, possibly
compressed. Compression is recognised by the file's magic bytes (gzip ``1f 8b``, xz
``fd 37 7a 58 5a 00``), not its name, so a rotated ``kern.log.1`` that is really gzip
still reads. Bytes are decoded as UTF-8 with ``errors="replace"``: a console log often
contains line noise, and a bad byte must never hide the crash next to it.

Policy for unreadable input: each bad path yields an :class:`InputError` in its place and
the remaining paths are still read; the CLI reports every error on stderr (naming the
file) and exits 2 at the end. A partially triaged run is more useful to an operator than
none, and the exit status still says that something was missed.
"""

from __future__ import annotations

import gzip
import lzma
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

STDIN = "-"

_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"


@dataclass
class LogText:
    """One log, decompressed: its display path (``-`` for stdin) and its bytes.

    The bytes are kept (not only text) so report offsets can be byte offsets in the
    decompressed log, which is what an operator's ``dd``/``tail -c`` understands.
    """

    path: str
    data: bytes

    @property
    def text(self) -> str:
        return decode(self.data)


class InputError(Exception):
    """A path that could not be read or decompressed; ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def decode(data: bytes) -> str:
    """Decode log bytes leniently (invalid UTF-8 becomes U+FFFD)."""
    return data.decode("utf-8", errors="replace")


def decompress(data: bytes, path: str) -> bytes:
    """Undo gzip or xz compression recognised by magic bytes; other data is returned as is.

    Raises InputError naming ``path`` when the stream is corrupt. A truncated stream (a
    log copied while still being written) keeps what could be decompressed.
    """
    if data.startswith(_GZIP_MAGIC):
        try:
            return gzip.decompress(data)
        except EOFError:
            # Truncated gzip: keep the decompressed prefix, the crash may be in it.
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
        except (OSError, zlib.error) as exc:
            raise InputError(path, f"corrupt gzip data ({exc})") from exc
    if data.startswith(_XZ_MAGIC):
        try:
            return lzma.decompress(data)
        except lzma.LZMAError as exc:
            partial = _xz_prefix(data)
            if partial:
                return partial
            raise InputError(path, f"corrupt xz data ({exc})") from exc
    return data


def _xz_prefix(data: bytes) -> bytes:
    """What a truncated/corrupt xz stream yields before the error."""
    dec = lzma.LZMADecompressor()
    try:
        return dec.decompress(data)
    except lzma.LZMAError:
        return b""


def read_bytes(path: str, stdin: BinaryIO | None = None) -> bytes:
    """Raw bytes of one file or of stdin (``-``), decompressed. Raises InputError."""
    if path == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return decompress(stream.read(), "<stdin>")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError as exc:
        raise InputError(path, "no such file or directory") from exc
    except IsADirectoryError as exc:
        raise InputError(path, "is a directory") from exc
    except PermissionError as exc:
        raise InputError(path, "permission denied") from exc
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from exc
    return decompress(data, path)


def expand(paths: Iterable[str]) -> Iterator[str | InputError]:
    """Each path in order; a directory becomes its regular files, recursively, sorted.

    Sorting makes a run reproducible (the same JSON for the same tree). A path that
    does not exist is yielded as an InputError so the caller can report it in place.
    """
    for path in paths:
        if path == STDIN:
            yield path
        elif os.path.isdir(path):
            found: list[str] = []
            for root, dirs, files in os.walk(path, onerror=None):
                dirs.sort()
                found.extend(os.path.join(root, name) for name in files)
            for name in sorted(found):
                if os.path.isfile(name):
                    yield name
        elif os.path.exists(path):
            yield path
        else:
            yield InputError(path, "no such file or directory")


def read_inputs(
    paths: Iterable[str], stdin: BinaryIO | None = None
) -> Iterator[LogText | InputError]:
    """Every input (see :func:`expand`) decompressed, or an InputError in its place."""
    for item in expand(paths):
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield LogText(item, read_bytes(item, stdin))
        except InputError as exc:
            yield exc
