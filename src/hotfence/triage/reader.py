"""Read the logs that `hotfence triage` is given: files, compressed files, directories, stdin.

Inputs are console logs, dmesg, `vmcore-dmesg.txt` or `journalctl -k` output, possibly
compressed. Compression is recognised by the file's magic bytes (gzip ``1f 8b``, xz
``fd 37 7a 58 5a 00``, zstd ``28 b5 2f fd``), not its name, so a rotated ``kern.log.1``
that is really gzip still reads. A log saved as UTF-16 (its byte-order mark says so) is
read as the same text in UTF-8; the JSON document of a cloud VM's serial console
(`aws ec2 get-console-output`, gcloud's `get-serial-port-output --format=json`) is read
as the console log it holds, a mail kept raw (a list archive's message, an mbox) as its
text parts with their transfer encoding undone, and a container's log file as its
engine's reader shows it (Docker's json-file as `docker logs -t`; the CRI format of
Kubernetes, CRI-O and Podman's k8s-file with each line's parts joined), a log
platform's export (Kibana's, Splunk's or Azure's CSV, CloudWatch's or gcloud's JSON,
NDJSON records: exports.py) as each host's kernel lines oldest first; a pstore dump's
parts read in record order (its end first) are put back in the order the kernel logged
them, and so is a journal printed newest first (`journalctl -r`); Android's `logcat -v
long` is read as `-v threadtime` prints the same records. A capture whose lines
end in carriage returns alone is read line by line, a web page's no-break spaces as the
spaces they stood for, and a log taken from a page's HTML source with its character
references read.

Memory stays bounded whatever the input: a log is never read whole. It is decompressed
incrementally and handed on as blocks of complete lines (:func:`line_blocks`), with two
caps that end one input with a clear message (and keep what was read before it):
:attr:`ReadLimits.max_bytes` of decompressed data (a 600 KB xz bomb holds 4 GiB) and
:attr:`ReadLimits.max_line` bytes in one line (longer lines are cut there, e.g. the run
of NUL bytes an unclean shutdown leaves in syslog; the cut is reported).

Only regular files are opened: a FIFO or a device named on the command line is refused
(``triage /dev/zero`` would never end, a FIFO with no writer blocks forever) and pointed
to stdin (``-``), the one explicit way to stream. A directory is walked for log-like
files; everything else in it is reported as skipped, with the reason. A pstore
directory's ``dmesg-<backend>-<id>`` records (the parts of its dumps) are read as one
input; a record pstore could not decompress (``.enc.z``) is inflated as the kernel
deflated it.

Policy for unreadable input: each bad path yields an :class:`InputError` in its place and
the remaining paths are still read; the CLI reports every error on stderr (naming the
file) and exits 2 at the end. A partially triaged run is more useful to an operator than
none, and the exit status still says that something was missed.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import json
import lzma
import os
import re
import stat
import sys
import typing
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from . import exports
from .wallclock import WallTime, wall_time

STDIN = "-"

_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

# Bytes read or produced per step: big enough that per-call overhead vanishes, small
# enough that a bomb's output never piles up (each step's output is bounded by it).
BLOCK = 1 << 20

# What a directory walk reads: names of logs (extensionless like `dmesg`, `messages` or
# syzkaller's numbered reports, rotated `kern.log.1`, and these suffixes, compressed or
# not). README.md, scripts or images beside the logs are skipped and reported, and so are
# journald's binary *.journal files (pipe `journalctl -k` instead).
LOG_SUFFIXES = (".log", ".txt", ".out", ".console", ".dmesg", ".kmsg")
COMPRESSED_SUFFIXES = (".gz", ".xz", ".zst")


@dataclass(frozen=True)
class ReadLimits:
    """Caps on one input. ``max_bytes`` counts decompressed bytes."""

    max_bytes: int = 16 << 30
    max_line: int = 1 << 20


DEFAULT_LIMITS = ReadLimits()


class InputError(Exception):
    """A path that could not be read or decompressed; ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, reason)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Skipped:
    """A directory entry that was not read, and why (the CLI lists these)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Records:
    """The pstore dmesg records of one directory, read as one input in record order
    (see pstore_records); ``path`` names them all for the reader."""

    path: str
    members: tuple[str, ...]


@dataclass
class LineCut:
    """A line longer than ``max_line``: what the parser saw of it, and what was dropped."""

    line: int  # 1-based line number
    offset: int  # where the dropped bytes began, in the decompressed log
    dropped: int  # bytes dropped (the line continues to its newline)


@dataclass
class Block:
    """Complete lines of a log, from decompressed offset ``offset`` and line ``line``.

    ``cuts`` are the long lines cut inside this block; ``data`` holds what remains, so
    an offset ``o`` in ``data`` is ``offset + o + sum(c.dropped for cuts before o)``.
    """

    offset: int
    line: int
    data: bytes
    cuts: list[LineCut] = field(default_factory=list)
    newlines: int = field(init=False)  # counted once: every stage needs it

    def __post_init__(self) -> None:
        self.newlines = self.data.count(b"\n")


# --- which paths are read ------------------------------------------------------------------


def is_log_name(name: str) -> bool:
    """Does a file name look like a kernel log (see LOG_SUFFIXES), or a pstore record?"""
    if name.endswith(PSTORE_COMPRESSED):
        return _PSTORE_RECORD_RE.fullmatch(name) is not None
    base = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        base = base.removesuffix(suffix)
    stem, dot, ext = base.rpartition(".")
    if ext.isdigit() and stem:  # rotated: kern.log.1, messages.3
        base = stem
    if base.endswith(LOG_SUFFIXES):
        return True
    return "." not in base.lstrip(".")  # dmesg, messages, console, 1234


# The live kernel log: reading waits for new messages (and /proc/kmsg consumes them).
_KMSG = ("/dev/kmsg", "/proc/kmsg")


def _special_reason(path: str, mode: int, named: bool = True) -> str | None:
    """Why a file is not read (None for a regular file); ``named``: on the command line,
    so the reason also says how to read it anyway."""
    if os.path.realpath(path) in _KMSG:
        why = "is the live kernel log device (reading it waits for new messages)"
        how = "run `dmesg | hotfence triage -` or `journalctl -k -b | hotfence triage -`"
        return f"{why}; {how}" if named else why
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        kind = "a FIFO (named pipe)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a regular file"
    why = f"is {kind}, not read (it may never end)"
    return f"{why}; to read it anyway: `cat {path} | hotfence triage -`" if named else why


def expand(paths: Iterable[str]) -> Iterator[str | Records | InputError | Skipped]:
    """Each path in order; a directory becomes its log-like files, recursively, sorted.

    Sorting makes a run reproducible (the same JSON for the same tree). A path named on
    the command line that cannot be read is an InputError in its place; an entry of a
    directory that is not read (not log-like, a FIFO, a device, a dangling or looping
    symlink) is a Skipped with the reason.
    """
    for path in paths:
        if path == STDIN:
            yield path
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            yield InputError(path, _strerror(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path)
            continue
        reason = _special_reason(path, st.st_mode)
        yield path if reason is None else InputError(path, reason)


def _walk(top: str) -> Iterator[str | Records | InputError | Skipped]:
    entries: list[str] = []
    problems: list[InputError] = []

    def onerror(exc: OSError) -> None:
        problems.append(InputError(exc.filename or top, _strerror(exc)))

    for root, dirs, files in os.walk(top, onerror=onerror):
        dirs.sort()
        entries.extend(os.path.join(root, name) for name in files)
        # os.walk lists symlinks to directories among `dirs` and does not follow them.
        entries.extend(os.path.join(root, d) for d in dirs if os.path.islink(os.path.join(root, d)))
    yield from problems
    readable: list[str] = []
    for path in sorted(entries):
        try:
            st = os.stat(path)
        except OSError as exc:
            yield Skipped(path, _strerror(exc))  # dangling link or symlink loop
            continue
        if stat.S_ISDIR(st.st_mode):
            yield Skipped(path, "symlink to a directory (not followed)")
            continue
        reason = _special_reason(path, st.st_mode, named=False)
        if reason is not None:
            yield Skipped(path, reason)
        elif not is_log_name(os.path.basename(path)):
            yield Skipped(path, "not a log file name (name it *.log to triage it)")
        else:
            readable.append(path)
    yield from pstore_records(readable)


# pstorefs names a record "<type>-<backend>-<id>" (fs/pstore/inode.c, pstore_mkfile()):
# a dump larger than the backend's record is several "dmesg-<backend>-<id>" files, its
# parts (see _PSTORE_PART_RE), ids in the order the backend wrote them (ramoops: its
# ring of record slots; efi: time, part, count). Read one by one, the part holding a
# crash's header has no trace and the next has a trace without its crash; read as one
# input in id order, the reader puts each dump's parts back in the order logged. A part
# pstore could not decompress is "dmesg-<backend>-<id>.enc.z" (see PSTORE_COMPRESSED).
_PSTORE_RECORD_RE = re.compile(r"dmesg-(\w+)-(\d+)(?:\.enc\.z)?")


def pstore_records(paths: list[str]) -> Iterator[str | Records]:
    """``paths`` in order, each directory's pstore dmesg records of one backend as one
    :class:`Records` where the first of them stood."""
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    keys: dict[str, tuple[str, str]] = {}
    for path in paths:
        m = _PSTORE_RECORD_RE.fullmatch(os.path.basename(path))
        if m is not None:
            keys[path] = (os.path.dirname(path), m[1])
            groups.setdefault(keys[path], []).append((int(m[2]), path))
    for path in paths:
        group = sorted(groups[keys[path]]) if path in keys else []
        if len(group) < 2:
            yield path
        elif path == min(p for _, p in group):  # where sorted names put the first
            directory, backend = keys[path]
            first, last = group[0][0], group[-1][0]
            if last - first == len(group) - 1:
                ids = f"{first}..{last}"
            else:
                ids = ",".join(str(i) for i, _ in group)
            name = os.path.join(directory, f"dmesg-{backend}-{{{ids}}}")
            yield Records(name, tuple(p for _, p in group))


def _strerror(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return (exc.strerror or str(exc)).lower()


# --- bytes of one input ----------------------------------------------------------------------


@contextlib.contextmanager
def open_input(path: str | Records, stdin: BinaryIO | None = None) -> Iterator[BinaryIO]:
    """The raw (maybe compressed) stream of one input; refuses non-regular files. The
    members of :class:`Records` are read one after the other as one stream."""
    if isinstance(path, Records):
        with contextlib.ExitStack() as stack:
            streams = [stack.enter_context(_open_record(p)) for p in path.members]
            yield typing.cast(BinaryIO, _Joined(streams))
        return
    if path == STDIN:
        yield stdin if stdin is not None else sys.stdin.buffer
        return
    with _open_record(path) as fh:
        yield fh


@contextlib.contextmanager
def _open_record(path: str) -> Iterator[BinaryIO]:
    """A file's stream; a pstore record left compressed, decompressed."""
    with _open_file(path) as fh:
        if path.endswith(PSTORE_COMPRESSED):
            yield typing.cast(BinaryIO, _PstoreInflated(fh, path))
        else:
            yield fh


# pstore keeps a dmesg record it could not decompress as the backend stored it, named
# "dmesg-<backend>-<id>.enc.z" (fs/pstore/inode.c pstore_mkfile(): record->compressed):
# read by a kernel without the compressor that wrote it (pstore.compress=none, no
# CONFIG_PSTORE_COMPRESS, or a 6.5+ kernel after one that used lzo or lz4). The kernel
# compressed it (fs/pstore/platform.c pstore_compress()) as
# * 6.5 on (commit 438b805003a0, the zlib library instead of the crypto API):
#   zlib_deflateInit2(Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, DEF_MEM_LEVEL, ...),
#   raw deflate (no header) with a 32 KiB window, inflated with -DEF_WBITS
#   (pstore_get_backend_records());
# * through the crypto API before it, compress= "deflate" (the default): crypto/deflate.c,
#   raw deflate with DEFLATE_DEF_WINBITS 11, read by the same inflate; "zstd": zstd
#   frames, which start with zstd's magic and read as any zstd data; "lzo", "lz4",
#   "lz4hc", "842": not read here;
# * before the crypto API: zlib_deflateInit2(6, Z_DEFLATED, WINDOW_BITS 12, MEM_LEVEL 4,
#   ...), a zlib stream (RFC 1950: its two header bytes, CM 8, a multiple of 31; no raw
#   deflate stream starts so but a stored block with stray padding bits).
PSTORE_COMPRESSED = ".enc.z"
_PSTORE_NOT_READ = (
    "a pstore record compressed in no way read here: deflate as pstore writes it (Linux "
    "6.5 on, the crypto API's deflate before, zlib before that), gzip, xz and zstd are "
    "read; the lzo, lz4, lz4hc and 842 of kernels before 6.5 are not"
)


def _zlib_header(head: bytes) -> bool:
    return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


class _PstoreInflated:
    """The text of a pstore record left compressed (``.enc.z``), inflated as it is read;
    data that starts with gzip's, xz's or zstd's magic is passed on for raw_blocks."""

    def __init__(self, stream: BinaryIO, path: str) -> None:
        self.stream = stream
        self.path = path
        self.dec: typing.Any = None  # zlib's decompressor, once the first bytes are read
        self.passing = False
        self.data = b""  # read and not yet given to the decompressor
        self.produced = False
        self.done = False

    def read(self, n: int = -1) -> bytes:
        if self.dec is None and not self.passing:
            head = _read(self.stream, self.path, BLOCK)
            if head.startswith((_GZIP_MAGIC, _XZ_MAGIC, _ZSTD_MAGIC)):
                self.passing = True
                return head
            wbits = zlib.MAX_WBITS if _zlib_header(head) else -zlib.MAX_WBITS
            self.dec, self.data = zlib.decompressobj(wbits), head
        if self.passing:
            return _read(self.stream, self.path, BLOCK)
        while not self.done:
            data = self.dec.unconsumed_tail or self.data or _read(self.stream, self.path, BLOCK)
            self.data = b""
            if not data:  # the input ended: what the decompressor still holds
                self.done = True
                out: bytes = self.dec.flush()
            else:
                try:
                    out = self.dec.decompress(data, BLOCK)
                except zlib.error as exc:
                    self.done = True
                    raise InputError(self.path, f"{_PSTORE_NOT_READ} ({exc})") from exc
                self.done = self.dec.eof  # bytes after the stream: the backend's, not text
            if out:
                self.produced = True
                return out
        if not self.produced:
            raise InputError(self.path, f"{_PSTORE_NOT_READ} (no data decompressed)")
        return b""


@contextlib.contextmanager
def _open_file(path: str) -> Iterator[BinaryIO]:
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not hang before the check below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if isinstance(exc, IsADirectoryError):
            raise InputError(path, "is a directory") from exc
        raise InputError(path, _strerror(exc)) from exc
    with os.fdopen(fd, "rb", buffering=0) as fh:
        reason = _special_reason(path, os.fstat(fd).st_mode)
        if reason is not None:
            raise InputError(path, reason)
        os.set_blocking(fd, True)
        yield fh


class _Joined:
    """Streams read one after the other, each ending its last line."""

    def __init__(self, streams: list[BinaryIO]) -> None:
        self.streams = streams
        self.last = b"\n"

    def read(self, n: int = -1) -> bytes:
        while self.streams:
            out = self.streams[0].read(n) or b""
            if out:
                self.last = out[-1:]
                return out
            self.streams.pop(0)
            if self.last != b"\n":  # a member's last line ends where the member does
                self.last = b"\n"
                return b"\n"
        return b""


def raw_blocks(stream: BinaryIO, path: str, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[bytes]:
    """Decompressed bytes of ``stream`` in blocks of at most BLOCK bytes.

    Raises InputError naming ``path`` when the data is corrupt (after the blocks that
    decompressed) or passes ``limits.max_bytes``. A truncated stream (a log copied while
    still being written) ends quietly after what could be decompressed.
    """
    head = _read(stream, path, BLOCK)
    if head.startswith(_GZIP_MAGIC):
        blocks = _inflate_gzip(head, stream, path)
    elif head.startswith(_XZ_MAGIC):
        blocks = _inflate_xz(head, stream, path)
    elif head.startswith(_ZSTD_MAGIC):
        blocks = _inflate_zstd(head, stream, path)
    else:
        blocks = _plain(head, stream, path)
    total = 0
    text = _mail_text(_export_binary(_line_feeds(_utf8(blocks))))
    docker = _container_log(text, _DOCKER_JSON_RE, _DockerLines())
    containers = _container_log(docker, _CRI_RE, _CriLines())
    exported = _exported(_console_output(containers))
    arrays = _journal_arrays(exported)
    for block in _oldest_first(_spaces(_unescaped(_pstore_parts(_logcat_long(arrays))))):
        total += len(block)
        if total > limits.max_bytes:
            raise InputError(
                path,
                f"more than {limits.max_bytes} bytes once decompressed (the limit, "
                "--max-input-size); the part before the limit was triaged",
            )
        yield block


# A capture whose lines end in a carriage return alone: a terminal program logging what
# the serial line sent with the tty's ONLCR off (the kernel's console writes "\r\n" only
# through a tty that adds the "\r"), or a file saved with classic Mac line ends. Read as
# it is, the whole log is one line, cut at the line limit. A first block that holds
# carriage returns and no line feed says the log is such: its carriage returns are read
# as line feeds.
def _line_feeds(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or with each carriage return a line feed when the log ends
    its lines with carriage returns alone."""
    first = next(blocks, b"")
    if b"\n" in first or first.count(b"\r") < 2:
        yield from _as_they_came(first, blocks)
        return
    yield first.replace(b"\r", b"\n")
    for block in blocks:
        yield block.replace(b"\r", b"\n")


# Android's logcat -v long (liblog logprint.c android_log_formatLogLine(), FORMAT_LONG)
# prints each record as "[ %s %5d:%5d %c/%-8s ]\n" of its date, pid, tid, priority letter
# and tag, then the message, then an empty line: "[ 11-24 21:45:00.000     0:    0
# E/BUG      ]", "unable to handle kernel paging request at ...", "". Its kernel records
# (logd's, pid and tid 0, the tag the words logd took from before the message's ":") are
# unreadable so: no line is whole, every other one is a header. A first block that opens
# with such a header says the log is one: each record is read as -v threadtime prints it,
# "%s %5d %5d %c %-8s: " then a line of the message (lines.py reads that form), the empty
# line after it dropped. (Only such a log pays for the rewrite, a line at a time.)
_LOGCAT_LONG_RE = re.compile(
    rb"\[ ((?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}(?:\d{3})?) +(\d+): *(\d+) "
    rb"([VDIWEFS])/(.*?) *\]\r?$"
)
# logcat's own lines before a buffer's records: "--------- beginning of kernel"
_LOGCAT_BEGINNING = b"--------- "


def _logcat_long_start(first: bytes) -> bool:
    """Does ``first`` open with a logcat -v long record (after logcat's own lines)?"""
    for line in first[:4096].split(b"\n")[:4]:
        if not line.startswith(_LOGCAT_BEGINNING):
            return _LOGCAT_LONG_RE.match(line) is not None
    return False


def _logcat_long(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or each logcat -v long record as -v threadtime's lines."""
    first = next(blocks, b"")
    if first[:1] not in (b"[", b"-") or not _logcat_long_start(first):
        yield from _as_they_came(first, blocks)
        return
    header: bytes | None = None  # the current record's threadtime prefix
    taken = False  # has the record's first message line been read
    held = b""
    for block in itertools.chain((first,), blocks):
        lines = (held + block).split(b"\n")
        held = lines.pop()  # (a line the next block ends)
        out: list[bytes] = []
        for line in lines:
            m = _LOGCAT_LONG_RE.match(line) if line[:2] == b"[ " else None
            if m is not None:
                date, pid, tid, prio, tag = m.groups()
                header = b"%s %5s %5s %s %-8s: " % (date, pid, tid, prio, tag)
                taken = False
            elif header is not None and (not taken or line.rstrip(b"\r")):
                out.append(header + line)
                taken = True
            elif header is not None:
                header = None  # the empty line that ends a record
            else:
                out.append(line)  # logcat's own lines, anything that is no record
        if out:
            yield b"\n".join(out) + b"\n"
    if held:
        yield header + held if header is not None else held


# journalctl -o export (systemd's Journal Export Format, logs-show.c output_export()) writes
# a field whose value is not printable text (a control character other than tab, a byte
# that is not UTF-8, a newline: utf8_is_printable_newline()) as binary: its name and a
# newline, the value's length as a 64-bit little-endian number, the value's bytes, then
# the newline that ends every field. A kernel record holds such bytes where a report
# prints a corrupted task's comm or a device's own strings, or its SGR colour codes. Each
# such field is read as the "NAME=value" line a text field is, a newline in the value
# starting another such line. Only a block of an export (a "__CURSOR=" field, which opens
# every entry) is searched; a value the block ends waits for the next one, up to this
# many bytes (journald's own limit on a field is larger, but no kernel record is).
_EXPORT_ENTRY = b"__CURSOR="
_EXPORT_BINARY_RE = re.compile(rb"^([A-Z_][A-Z0-9_]*)\n", re.M)
_EXPORT_BINARY_MOST = 1 << 20


def _export_binary(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` with each binary field of a journal export as a text field's line."""
    held = b""
    export = False  # (an export's later blocks are its too)
    for block in blocks:
        if held:
            block = held + block
            held = b""
        if not export and _EXPORT_ENTRY not in block:
            yield block
            continue
        export = True
        block, held = _export_fields(block)
        if block:
            yield block
    if held:
        yield held


def _export_fields(block: bytes) -> tuple[bytes, bytes]:
    """``block`` with its binary fields as text fields' lines, and the tail from a binary
    field whose value the block does not hold whole."""
    out: list[bytes] = []
    pos = 0
    for m in _EXPORT_BINARY_RE.finditer(block):
        if m.start() < pos:
            continue  # (inside a value read already)
        size_end = m.end() + 8
        if size_end > len(block):
            if len(block) - m.start() < _EXPORT_BINARY_MOST:
                out.append(block[pos : m.start()])
                return b"".join(out), block[m.start() :]
            break
        size = int.from_bytes(block[m.end() : size_end], "little")
        end = size_end + size
        if size >= _EXPORT_BINARY_MOST:
            continue  # no length: a line that is a word alone
        if end >= len(block):
            out.append(block[pos : m.start()])
            return b"".join(out), block[m.start() :]
        if block[end] != 0x0A:
            continue
        name = m.group(1) + b"="
        out += (block[pos : m.start()], name, block[size_end:end].replace(b"\n", b"\n" + name))
        pos = end
    out.append(block[pos:])
    return b"".join(out), b""


# journalctl -o json-pretty prints a field that is not valid UTF-8 or holds a control
# character other than tab and newline (a corrupted task's comm in a kernel record's
# MESSAGE, a device's own strings) as an array of its bytes as numbers, and pretty-prints
# that array an element a line (systemd 240 on: src/shared/json.c json_format(),
# JSON_FORMAT_PRETTY: "[\n", each number after the field's indent and a tab, ",\n"
# between them, "\n", the indent and "]"): '\t"MESSAGE" : [', '\t\t66,', ... '\t]'. Each
# such array is read as the one line -o json prints it on ('\t"MESSAGE" : [66, ...]'),
# which lines.py reads as the record's text. Only a block holding the array's opening
# pays for the rewrite; an array the block ends waits for the next one, up to this many
# bytes (journald keeps a record's text to LINE_MAX, 2048 bytes: 2048 lines of "\t\t255,").
_JOURNAL_ARRAY_OPEN = b'" : [\n'
_JOURNAL_ARRAY_RE = re.compile(
    rb'^([ \t]*"[A-Z_][A-Z0-9_]*" : )\[\n((?:[ \t]*\d{1,3},\n)*[ \t]*\d{1,3})\n[ \t]*\]', re.M
)
_JOURNAL_ARRAY_HELD_MOST = 1 << 20


def _journal_arrays(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` with each json-pretty byte array on one line."""
    held = b""
    for block in blocks:
        if held:
            block = held + block
            held = b""
        at = block.rfind(_JOURNAL_ARRAY_OPEN)
        if at == -1:
            yield block
            continue
        if b"]" not in block[at:] and len(block) - at < _JOURNAL_ARRAY_HELD_MOST:
            start = block.rfind(b"\n", 0, at) + 1
            block, held = block[:start], block[start:]  # an array the next block ends
        if block:
            yield _JOURNAL_ARRAY_RE.sub(_one_line_array, block)
    if held:
        yield _JOURNAL_ARRAY_RE.sub(_one_line_array, held)


def _one_line_array(m: re.Match[bytes]) -> bytes:
    numbers = b", ".join(n.strip(b" \t,") for n in m.group(2).split(b"\n"))
    return m.group(1) + b"[" + numbers + b"]"


# A log taken from a page's HTML source rather than from the page (a saved page's
# source, a scraper that kept the markup's text as it is): "<" and ">" are "&lt;" and
# "&gt;" there (HTML's character references), so x86's "<TASK>" / "<IRQ>" markers and
# 2.6's "[<ffffffff81234567>]" frames read as no shape of the kernel's. A first block
# holding such a reference and no "<" of its own says the log is escaped: its character
# references are read as the characters (Python's html.unescape()).
_ESCAPED_RE = re.compile(rb"&(?:lt|gt|amp);")
# the most bytes a character reference cut at a block's end can have before its ";"
_REFERENCE_MOST = 32


def _unescaped(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or with HTML's character references read when the log
    came escaped."""
    first = next(blocks, b"")
    if b"<" in first or _ESCAPED_RE.search(first) is None:
        yield from _as_they_came(first, blocks)
        return
    held = b""
    for block in itertools.chain((first,), blocks):
        block = held + block
        amp = block.rfind(b"&", max(0, len(block) - _REFERENCE_MOST))
        held = b""
        if amp != -1 and b";" not in block[amp:]:
            block, held = block[:amp], block[amp:]  # a reference the next block ends
        yield _unescape(block)
    if held:
        yield _unescape(held)


def _unescape(data: bytes) -> bytes:
    import html  # (imported by the few logs that came escaped, as email by mails)

    text = data.decode("utf-8", "surrogateescape")
    return html.unescape(text).encode("utf-8", "surrogateescape")


# A log copied from a web page may have a no-break space (U+00A0, UTF-8 "\xc2\xa0") for
# each space the kernel printed: a page that keeps a log's spacing with "&nbsp;" gives
# them all (lines.plain_line reads the ones a line has as spaces, but the one pass that
# finds report headers looks for "Kernel panic - not syncing" with its spaces). printk
# writes none: they are read as the spaces they stood for, one byte each (offsets are
# then those of the text with spaces).
_NBSP = b"\xc2\xa0"


def _spaces(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` with each UTF-8 no-break space read as a space."""
    held = b""
    for block in blocks:
        block = held + block
        held = b""
        if block.endswith(b"\xc2"):  # the first byte of one the next block ends
            block, held = block[:-1], block[-1:]
        if block:
            yield block.replace(_NBSP, b" ") if _NBSP in block else block
    if held:
        yield held


# A log saved as UTF-16 with its byte-order mark: Windows PowerShell 5's ">" and Out-File
# write "Unicode" (UTF-16LE) by default, so `adb shell dmesg > dmesg.txt` run there, and
# Notepad's "Unicode" save, give one. The parser reads bytes as UTF-8 (ASCII) text.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _as_they_came(first: bytes, blocks: Iterator[bytes]) -> Iterator[bytes]:
    """The blocks a transcoding step looked at the first of and leaves as they are."""
    if first:
        yield first
    yield from blocks


def _utf8(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or transcoded to UTF-8 when they start with a UTF-16 BOM
    (offsets are then those of the UTF-8 text)."""
    first = next(blocks, b"")
    if not first.startswith(_UTF16_BOMS):
        yield from _as_they_came(first, blocks)
        return
    dec = codecs.getincrementaldecoder("utf-16")(errors="replace")  # the BOM says the order
    for block in itertools.chain((first,), blocks):
        out = dec.decode(block)
        if out:
            yield out.encode("utf-8")
    tail = dec.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8")


# A container's log file as its engine writes it, one record a line of what the container
# printed (a `dmesg -w` sidecar, a log shipper's pod), each with the time the engine read
# it; a line too long for one record is in several, each but the last marked a part.
# Read as the engine's own reader shows them (`docker logs -t`, the kubelet's `kubectl
# logs`): each line whole, after the time of its first record, a time lines.py reads as
# a shipper's and wallclock.py as the line's wall-clock time, so a pause between reports
# shows even when the lines have no printk time. A record is at most a few times 16 KiB:
# a "line" longer than _RECORD_MAX is no record, and is passed on as it is.
_RECORD_MAX = 1 << 20


class _ContainerRecords(typing.Protocol):
    at_line_start: bool  # the record before ended its line

    def record(self, raw: bytes) -> bytes:
        """The text of one record (``raw``, without its newline), with the time before
        it at a line's start; a line that is no record as it is."""
        ...


def _no_record(lines: _ContainerRecords, raw: bytes) -> bytes:
    """A line that is no record (cut short where a copy of a file being written ended)."""
    head = b"" if lines.at_line_start else b"\n"
    lines.at_line_start = True
    return head + raw + b"\n"


def _container_log(
    blocks: Iterator[bytes], starts: re.Pattern[bytes], records: _ContainerRecords
) -> Iterator[bytes]:
    """``blocks`` as they are, or, when the first starts as ``starts`` does, a container
    log's lines as ``records`` reads them (a json-file log's as `docker logs -t` prints
    them, a CRI log's with each line's parts joined)."""
    first = next(blocks, b"")
    if starts.match(first):
        yield from _container_lines(first, blocks, records)
    else:
        yield from _as_they_came(first, blocks)


def _container_lines(
    first: bytes, blocks: Iterator[bytes], lines: _ContainerRecords
) -> Iterator[bytes]:
    """The lines of a container log's records (``first`` and ``blocks``), read record by
    record: memory stays that of a block and one record (offsets are those of the lines)."""
    rest = b""  # a record whose end is in a later block
    passing = False  # passing on a line too long to be a record, up to its end
    for block in itertools.chain((first,), blocks):
        if passing:
            end = block.find(b"\n") + 1
            yield block[:end] if end else block
            if not end:
                continue
            passing, block = False, block[end:]
        data = rest + block
        end = data.rfind(b"\n") + 1
        rest = data[end:]
        if end:
            yield b"".join(lines.record(raw) for raw in data[: end - 1].split(b"\n"))
        if len(rest) > _RECORD_MAX:
            yield (b"" if lines.at_line_start else b"\n") + rest
            rest, passing, lines.at_line_start = b"", True, True
    if rest:
        yield lines.record(rest)


# Docker's json-file log driver (its default; daemon/logger/jsonfilelog), the file
# /var/lib/docker/containers/<id>/<id>-json.log: {"log": ..., "stream": ..., "time": ...}
# a line, "log" first (jsonlog.JSONLogs.MarshalJSONBuf; "attrs" comes before "time" when
# the container has log labels). "log" is the line with its "\n", "time" when dockerd
# read it (RFC3339Nano, the fraction's trailing zeros dropped). A line longer than 16 KiB
# reaches the driver in parts (daemon/logger/copier.go), each a record whose "log" has
# no "\n" but the last's (jsonfilelog.marshalMessage()). Read as `docker logs -t` prints
# it: the time as RFC3339NanoFixed (nine digits of fraction), a space, the line.
_DOCKER_JSON_RE = re.compile(rb'\A\{"log":"')
_DOCKER_TIME_RE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")


def _docker_logs_time(value: object) -> str:
    """A record's "time" as `docker logs -t` prints it, and a space; "" if it has none."""
    m = _DOCKER_TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        return ""
    return f"{m[1]}.{(m[2] or '').ljust(9, '0')}{m[3]} "


@dataclass
class _DockerLines:
    """json-file records as the lines `docker logs -t` prints."""

    at_line_start: bool = True

    def record(self, raw: bytes) -> bytes:
        try:
            rec = json.loads(raw)
        except ValueError:
            rec = None
        text = rec.get("log") if isinstance(rec, dict) else None
        if not isinstance(text, str):
            return _no_record(self, raw)
        stamp = _docker_logs_time(rec.get("time")) if self.at_line_start else ""
        self.at_line_start = text.endswith("\n")
        return (stamp + text).encode("utf-8", "replace")


# The CRI logging format, the file of a Kubernetes container (/var/log/pods/.../0.log)
# and of Podman's k8s-file driver: "<time> <stream> <tag> <text>" a line. The writers:
# containerd's CRI plugin (pkg/cri/io/logger.go redirectLogs(): time RFC3339Nano, tag
# "P" for a part of a line longer than its max-container-log-line-size, 16 KiB, "F" for
# a line's last record), CRI-O's and Podman's conmon (src/ctr_logging.c write_k8s_log():
# each read of the container's pipe, 8 KiB at most, one record a line it holds, "P" for
# what it holds of a line that goes on; set_k8s_timestamp(): nine digits of fraction and
# the local offset, "2026-11-27T17:22:41.142616081+00:00"). The kubelet joins a line's
# parts (pkg/kubelet/kuberuntime/logs/logs.go, parseCRILog() and its "P" tag): a call
# trace entry conmon's read cut in two is one line again. Read so, in the format's own
# shape: each line whole, after the time and stream of its first part, tagged "F".
_CRI_RE = re.compile(
    rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d) (?:stdout|stderr) (?P<tag>[FP]) "
)


@dataclass
class _CriLines:
    """CRI log records as whole lines, each line's parts joined."""

    at_line_start: bool = True

    def record(self, raw: bytes) -> bytes:
        m = _CRI_RE.match(raw)
        if m is None:
            return _no_record(self, raw)
        head = raw[: m.start("tag")] + b"F " if self.at_line_start else b""
        self.at_line_start = m["tag"] == b"F"
        return head + raw[m.end() :] + (b"\n" if self.at_line_start else b"")


# A cloud VM's serial console as its provider's CLI prints it with JSON output, the
# console text one string in it (its "\r\n" line ends escaped), what an operator
# fetches when a host stops answering:
# * `aws ec2 get-console-output` (JSON is the AWS CLI's default output): the
#   GetConsoleOutput response, {"InstanceId": ..., "Timestamp": ..., "Output": ...}, the
#   text base64 in the API and decoded by the CLI; at most the last 64 KB;
# * `gcloud compute instances get-serial-port-output --format=json`: the SerialPortOutput
#   resource, {"contents": ..., "kind": "compute#serialPortOutput", "next": ...,
#   "selfLink": ..., "start": ...}; at most the last 1 MB.
# Read as lines, the whole console is one line (cut at max_line) of escaped text: no
# report. Such a document is a few MB at most; anything larger, or any other JSON, is
# read as it is.
_CONSOLE_OUTPUT_RE = re.compile(
    rb'\A\s*\{\s*"(?:InstanceId|Timestamp|Output|contents|kind|next|selfLink|start)"\s*:'
)
_CONSOLE_OUTPUT_MAX = 16 << 20
_GCE_SERIAL_KIND = "compute#serialPortOutput"


def _console_text(doc: object) -> str | None:
    """The console text of a provider's console-output document, or None."""
    if not isinstance(doc, dict):
        return None
    text = doc.get("Output") if "InstanceId" in doc else None
    if text is None and doc.get("kind") == _GCE_SERIAL_KIND:
        text = doc.get("contents")
    return text if isinstance(text, str) else None


def _held(
    first: bytes, blocks: Iterator[bytes], most: int
) -> Generator[bytes, None, list[bytes] | None]:
    """Hold ``first`` and the blocks after it while they total at most ``most`` bytes,
    to look at the input whole: its blocks when it ended within that. Past that, the
    blocks are yielded as they came (``yield from`` passes them on) and the result is
    None."""
    held = [first]
    size = len(first)
    for block in blocks:
        held.append(block)
        size += len(block)
        if size > most:
            yield from held
            yield from blocks
            return None
    return held


def _console_output(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or the console text of a console-output document."""
    first = next(blocks, b"")
    if not _CONSOLE_OUTPUT_RE.match(first):
        yield from _as_they_came(first, blocks)
        return
    held = yield from _held(first, blocks, _CONSOLE_OUTPUT_MAX)
    if held is None:
        return
    try:
        text = _console_text(json.loads(b"".join(held)))
    except ValueError:
        text = None
    if text is not None:
        yield text.encode("utf-8", "replace")
    else:
        yield from held


# A log platform's export of a fleet's rows (exports.py: CSV, a JSON document, NDJSON):
# read as the kernel log its rows hold, each host's lines oldest first. Held whole to be
# put in order, up to a size an export from a platform's UI or CLI stays within; a larger
# one is read as it is.
_EXPORT_MAX = 64 << 20


# A JSON array of records or rows ("[ {", "[[", "[]"): not a console log's "[    0.0]"
_JSON_ARRAY_RE = re.compile(rb"\[\s*[\[{\]]")
_JSON_OBJECT_RE = re.compile(rb'\{\s*"')
# the journal's keys, which its -o json-pretty prints first (lines.py reads it)
_JOURNAL_START_RE = re.compile(rb'\A\{\s*"(?:__CURSOR|__REALTIME_TIMESTAMP)"')


def _export_start(first: bytes) -> bool:
    """Does ``first``, an input's first block, start as an export does: a CSV header row
    naming a message column, an exported record a line, or a JSON document?"""
    head = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    if head[:1] == b"[":
        return _JSON_ARRAY_RE.match(head) is not None
    if head[:1] != b"{":
        return (
            exports.csv_header(line) is not None
            or exports.gcloud_yaml_start(line)
            or exports.aws_text_start(head[:4096].decode("utf-8", "replace"))
        )
    if line.rstrip().endswith("}"):  # a whole record on the line (NDJSON), or a document
        return exports.export_rows(line) is not None
    return _JSON_OBJECT_RE.match(head) is not None and _JOURNAL_START_RE.match(head) is None


def _exported(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or the kernel log a platform's export holds."""
    first = next(blocks, b"")
    if not _export_start(first):
        yield from _as_they_came(first, blocks)
        return
    held = yield from _held(first, blocks, _EXPORT_MAX)
    if held is None:
        return
    rows = exports.export_rows(b"".join(held).decode("utf-8", "replace"))
    if rows is None:
        yield from held
    else:
        yield exports.kernel_log(rows).encode("utf-8")


# A log mailed to a list and kept as the archive keeps the mail: lore.kernel.org's "raw"
# link, an mbox (a "From " line before each mail), a client's saved .eml. RFC 5322 header
# fields, an empty line, the body, which the sender's mailer often transfer-encoded (RFC
# 2045 6.7 quoted-printable: lines cut at 76 characters with an "=" soft break, "=" as
# "=3D"; 6.8 base64): git send-email sends a line longer than SMTP's 998 bytes (RFC 5321
# 4.5.3.1.6) quoted-printable, as a "Modules linked in:" line often is; others send any
# UTF-8 text base64; a log attached (MIME multipart, RFC 2046 5.1) is base64. Read as
# it is, a line of the log is cut into "=" ended pieces or is no text at all. A mail
# whose header says so is read as its text parts, decoded (Python's email package),
# one after the other; held whole up to a few MB, a larger one is read as it is.
_MAIL_HEAD_RE = re.compile(rb"\A(?:From [^\n]*\n)?(?:[!-9;-~]+:[^\n]*\n(?:[ \t][^\n]*\n)*)+\r?\n")
_MAIL_ENCODED_RE = re.compile(
    rb"^(?:content-transfer-encoding:[ \t]*(?:quoted-printable|base64)"
    rb"|content-type:[ \t]*multipart/)",
    re.IGNORECASE | re.MULTILINE,
)
_MAIL_MAX = 16 << 20


def _mail_parts(data: bytes) -> bytes | None:
    """The text of ``data``, a mail: its text/plain parts decoded (transfer encoding and
    charset) into UTF-8, or None when it has none."""
    # Imported here: the email package is ~40 ms of every run's start-up, and only a
    # log that came as a transfer-encoded mail is read with it.
    import email
    import email.policy

    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    texts = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_type() != "text/plain":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        try:
            text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        except LookupError:  # a charset Python does not know: its ASCII still reads
            text = payload.decode("utf-8", "replace")
        texts.append(text if text.endswith("\n") else text + "\n")
    return "".join(texts).encode("utf-8") if texts else None


# A quoted-printable body copied without its mail's header (a list archive's raw message
# pasted from its body on, a bug tracker's attachment of it): no header says so, but its
# shape does. RFC 2045 6.7: no encoded line is longer than 76 characters (rule 5; Python's
# email package with its default policy cuts at RFC 5322's 78), a longer line of the text
# is cut into lines that end in the "=" soft break (rule 5), and
# "=" itself, a byte past "~" or a space before a line's end is "=" and two upper-case hex
# digits (rules 1-3): "=3D", "=20", "=C3=A9", so no "=" stands otherwise. A kernel log's
# own "=" ("nr_cpu_ids=2", SLUB's "=====" rules of 77) does.
_QP_PROBE = 1 << 16
_QP_WIDTH = 78
_QP_SOFT_MIN = 70  # (an encoder cuts before an escape it would split: "...=3D" up to 3 short)
_QP_SOFT_BREAKS = 3
_QP_ESCAPE_RE = re.compile(rb"=[0-9A-F]{2}")
_QP_BARE_RE = re.compile(rb"=(?![0-9A-F]{2}|\r?\n|\r?\Z)")


def _quoted_printable_body(first: bytes) -> bool:
    """Does ``first``, the input's first block, read as a quoted-printable body (see
    above): no line over 78 characters, three soft breaks or more at 70 and on, an "=XX"
    escape and no other "="? (Two plain searches rule out nearly every log.)"""
    if b"=\n" not in first and b"=\r\n" not in first:
        return False
    probe = first[:_QP_PROBE]
    lines = probe.split(b"\n")
    if len(first) > _QP_PROBE:
        lines.pop()  # (the probe's last line may go on past it)
        probe = probe[: probe.rfind(b"\n") + 1]
    if _QP_ESCAPE_RE.search(probe) is None or _QP_BARE_RE.search(probe) is not None:
        return False
    soft = 0
    for line in lines:
        line = line.removesuffix(b"\r")
        if len(line) > _QP_WIDTH:
            return False
        if line.endswith(b"=") and len(line) >= _QP_SOFT_MIN:
            soft += 1
    return soft >= _QP_SOFT_BREAKS


def _mail_text(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, a transfer-encoded mail's text parts, or a quoted-printable
    body without its header decoded."""
    first = next(blocks, b"")
    head = _MAIL_HEAD_RE.match(first)
    if head is None and _quoted_printable_body(first):
        held = yield from _held(first, blocks, _MAIL_MAX)
        if held is not None:
            import quopri  # (as the email package: only for such a body)

            yield quopri.decodestring(b"".join(held))
        return
    if head is None or _MAIL_ENCODED_RE.search(head.group()) is None:
        yield from _as_they_came(first, blocks)
        return
    held = yield from _held(first, blocks, _MAIL_MAX)
    if held is None:
        return
    text = _mail_parts(b"".join(held))
    if text is not None:
        yield text
    else:
        yield from held


# A pstore dmesg dump (fs/pstore/platform.c, pstore_dump()): each backend record starts
# "<why>#<n> Part<m>" (why: kmsg_dump_reason_str(), or pstore's own names before 5.8)
# and holds the youngest records not yet written that fit (kmsg_dump_get_buffer() fills
# from the end of the log), so Part1 is the dump's end and Part2 comes before it. Read
# as files in record order (`cat /sys/fs/pstore/dmesg-ramoops-*`), a crash's header lands
# after its own end. Memory a ramoops region was copied from whole keeps the
# "====<sec>.<usec>-<C|D>" line ramoops writes before each record (fs/pstore/ram.c,
# ramoops_write_kmsg_hdr(); pstorefs strips it). A dump is kmsg_bytes long (10 KiB by
# default): held whole up to a few MB, the parts of each dump are put back oldest first.
_PSTORE_PART_RE = re.compile(
    rb"^(?:====\d+\.\d+(?:-[CD])?\n)?"
    rb"((?:Panic|Oops|Emergency|Shutdown|Restart|Halt|Poweroff|Kexec|Unknown)#\d+) Part(\d+)\n",
    re.MULTILINE,
)
_PSTORE_MAX = 16 << 20


def _oldest_part_first(data: bytes) -> bytes:
    """``data``, a run of pstore dump parts, with each dump's parts put in the order
    their records were logged (highest part number first); dumps stay in the order
    given. A dump is a run of parts of one "<why>#<n>" that names no part twice: the
    count starts again at each boot, so the next boot's Panic#1 is another dump."""
    heads = list(_PSTORE_PART_RE.finditer(data))
    out = [data[: heads[0].start()]]
    dump: dict[int, bytes] = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(data)
        part = data[head.start() : end]
        if not part.endswith(b"\n"):
            part += b"\n"
        number = int(head.group(2))
        if dump and (heads[i - 1].group(1) != head.group(1) or number in dump):
            out += [dump[n] for n in sorted(dump, reverse=True)]
            dump = {}
        dump[number] = part
    out += [dump[n] for n in sorted(dump, reverse=True)]
    return b"".join(out)


# A dump pasted whole may come after a few lines of its own: a blank line, the shell
# command that printed it, or the "==> NAME <==" header coreutils tail and head write
# before each file they print (tail.c write_header()). Lines stamped with printk's time
# before the first part header are a log of its own that quotes a dump.
_PSTORE_PREAMBLE_LINES = 3


def _starts_with_pstore_part(first: bytes) -> bool:
    """Does ``first``, an input's first block, start with a pstore dump's part header,
    after at most a short preamble of unstamped lines?"""
    end = -1
    for _ in range(_PSTORE_PREAMBLE_LINES + 1):
        end = first.find(b"\n", end + 1)
        if end == -1:
            end = len(first)
            break
    head = _PSTORE_PART_RE.search(first, 0, end + 1)
    return head is not None and _PRINTK_TIME_RE.search(first, 0, head.start()) is None


def _pstore_parts(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or a pstore dump's parts oldest first when the input
    starts with a dump's part header (after a short preamble, _starts_with_pstore_part)."""
    first = next(blocks, b"")
    if not _starts_with_pstore_part(first):
        yield from _as_they_came(first, blocks)
        return
    held = yield from _held(first, blocks, _PSTORE_MAX)
    if held is not None:
        yield _oldest_part_first(b"".join(held))


# A journal read newest first: `journalctl -r` (--reverse) walks the journal backwards
# (journalctl.c: sd_journal_previous() for each entry), so an oops reads from its
# "</TASK>" up to its header and the boot banner comes last. Whether a log runs
# backwards is told by its stamps: wall-clock times (wallclock.py) or, for `-o
# short-monotonic` and a console log through `tac`, the printk time. A log read forwards
# steps back only where a clock was set or a boot started; backwards it steps back at
# nearly every change of time. Held whole up to a few MB, such a log is put back in the
# order it was logged, an entry at a time: a journal entry's own further lines
# (journalctl indents a message's continuation lines under its first) stay under it,
# and the lines before the first stamped one (journalctl's "-- Logs begin at ... --")
# stay first.
_REVERSED_MAX = 16 << 20
_REVERSED_PROBE_LINES = 2000
# Steps back a log needs, and how many times its steps forward, to read as reversed
_REVERSED_STEPS = 2
_REVERSED_RATIO = 10
_REVERSED_SURE = 50
_REVERSED_UNSTAMPED = 200
_PRINTK_TIME_RE = re.compile(rb"\[ *(\d+\.\d+)\]")
# The lines a trace's frames follow: show_stack()'s "Call Trace:" (arm64 "Call trace:"),
# 32-bit ARM's "Backtrace:", lockdep's "stack backtrace:", KASAN's print_track() "%s by
# task %u:" and its aux stacks' "... work creation:", KFENCE's (mm/kfence/report.c) access
# line "... (in kfence-#%d):" and "%s by task %d on cpu %d at %lu.%06lus[ (... ago)]:",
# KMSAN's "Uninit was stored to memory at:" and "Uninit was created at:".
_TRACE_HEADER_RE = re.compile(
    rb"(?:Call [Tt]race|Backtrace|stack backtrace|(?:Allocated|Freed) by task \d+"
    rb"|work creation|kfence-#\d+\)|(?:allocated|freed) by task \d+ on cpu \d+ at [\d.]+s"
    rb"(?: \([\d.]+s ago\))?|Uninit was (?:stored to memory|created) at):\s*$"
)
# What opens a report's part and what closes it: the first of each says which comes
# first (x86 show_trace_log_lvl()'s "<TASK>" / "</TASK>" (5.17 on) and "<IRQ>" /
# "</IRQ>" (4.9 on), __warn()'s "[ cut here ]" before its "---[ end trace").
_TRACE_BRACKETS = ((b"<TASK>", b"</TASK>"), (b"<IRQ>", b"</IRQ>"), (b"[ cut here ]", b"end trace "))
# a frame ("func+0x1a/0x40", "? func+0x..") or the marker the trace of a task opens with;
# not a register's line of the same shape, which show_regs() prints before the trace
# (x86 "RIP: 0010:func+0x..", powerpc "NIP [..] func+0x.." and "LR [..] ..", arm64
# "pc : func+0x..", riscv " ra : func+0x..")
_FRAME_RE = re.compile(rb"\+0x[0-9a-f]+/0x[0-9a-f]+|<TASK>|<IRQ>")
_REGISTER_RE = re.compile(rb"(?<![\w.])(?:RIP|EIP|NIP|LR|pc|lr|epc|ra) *[:\[]")


# Lines a report prints one right after the other, always in the same order: the rows
# of a register dump, each row named by its first register, and a few pairs. Two of one
# family next to each other vote for the way the log runs, several per report, even
# where every line has the same stamp (a second's lines in a journal's whole-second
# short output). Only neighbours vote: x86 prints its rows again after "---[ end trace"
# (the summary's saved regs), so RSP's row may come after CR2's. The orders, with their
# printers: x86_64 __show_regs() (arch/x86/kernel/process_64.c) "RSP:", "RAX:", "RDX:",
# "RBP:", "R10:", "R13:"; i386 __show_regs() (process_32.c) "EAX:", "ESI:", " DS:"
# (lower case before 2.6.25); 32-bit ARM __show_regs() (arch/arm/kernel/process.c) "PC is
# at", "LR is at", "pc : [<..>]  lr : ..", "sp :", "r10:", "r7 :", "r3 :", "Flags:",
# "Control:", and arm64's (arch/arm64/kernel/process.c) "pc :", "lr :", "sp :", then
# "x29:" down to "x0 :"; powerpc show_regs() "GPR00:" up; MIPS and LoongArch
# __show_regs() "$ 0   :" up; riscv __show_regs() (arch/riscv/kernel/process.c) "epc :",
# " gp :", " t1 :", " s1 :", " a2 :", " a5 :", " s2 :", " s5 :", " s8 :", " s11:", " t5 :";
# x86 print_mce() (arch/x86/kernel/cpu/mce/core.c) "CPU %d: Machine Check", "RIP",
# "TSC", "PROCESSOR"; a report's head: __warn()'s and BUG()'s "[ cut here ]" (lib/bug.c),
# the fault's line (report_bug()'s "kernel BUG at", x86 page_fault_oops()'s "BUG: kernel
# NULL pointer dereference" or "BUG: unable to handle ..." then "#PF: supervisor ..."
# and "#PF: error_code" (arch/x86/mm/fault.c; "IP:" before 4.17), then dump_pagetable()'s
# "PGD" (i386 "*pde ="), die()'s "Oops:" line (x86 __die_header() "invalid opcode:",
# "general protection fault", arm and arm64 "Internal error:", MIPS and LoongArch die()
# "Oops[#1]:"), print_modules()'s "Modules linked in:", then dump_stack_print_info()'s
# (lib/dump_stack.c) "CPU: %d PID: %d Comm:" and "Hardware name:", and panic()'s last
# lines (kernel/panic.c): smp_send_stop()'s "SMP: stopping secondary CPUs" (arm64,
# arch/arm64/kernel/smp.c), the panic notifier's "Kernel Offset:" (arm64 and x86
# dump_kernel_offset()) and "---[ end Kernel panic"; x86_64's "RIP: 0010:" and, since 4.19's
# show_opcodes(), "Code:" before its "RSP:" row (before 4.19 "Code:" came after the
# trace or the user registers' "R13:" row: it votes only next to "RIP:" or "RSP:");
# check_hung_task() (kernel/hung_task.c) "INFO: task %s:%d blocked for more than",
# "      %s %s %.*s" (taint, release) and "\"echo 0 > ...\" disables this message.";
# a debugging check's banner: lockdep's (kernel/locking/lockdep.c) "WARNING: ..." (before
# 4.10 "[ INFO: ... ]"), print_kernel_ident()'s "<release> #<build> Tainted: ..." and a
# row of dashes, as SLUB's slab_bug() (mm/slub.c) "BUG <cache> (Tainted: ..): ..." and
# its dashes, then print_trailer()'s "INFO: Allocated in .. age=", "INFO: Freed in ..",
# "INFO: Slab 0x..", "INFO: Object 0x.." (no "INFO: " since 5.14); KASAN's (mm/kasan/
# report.c) "BUG: KASAN: ..." and its "Read of size" or "Write of size" line;
# and every hex dump's rows (print_hex_dump(), KASAN's shadow bytes
# around the buggy address, 32-bit ARM's dump_mem() stack) by their address, up.
# dump_stack_print_info()'s (lib/dump_stack.c) lines naming the task: "CPU: %d PID: %d
# Comm:", 6.x's "Tainted: [..]" line and "Hardware name:" (a report's head, and what a
# trace's header follows).
_TASK_LINES = rb"CPU: ?\d+ (?:UID: \d+ )?PID: \d+ Comm: |Tainted: \[|Hardware name: "
_ROW_RE = re.compile(
    rb"(?:^|[\s\]>:])(?:"
    rb"(?P<x86_64>RIP(?=: [0-9a-f]{4}:)|Code|RSP|RAX|RDX|RBP|R10|R13): "
    rb"|(?P<i386>EAX|ESI|DS|eax|esi|ds): "
    rb"|(?P<arm>PC is at |LR is at |pc : |lr : |sp : |[xr](?P<gpr>\d+) *: |Flags: |Control: )"
    rb"|GPR(?P<ppc>\d\d): "
    rb"|\$ ?(?P<mips>\d+) +: "
    rb"|(?P<riscv>epc|gp|t1|s1|a2|a5|s2|s5|s8|s11|t5) ?: "
    rb"|(?P<mce>CPU \d+: Machine Check|RIP(?: !INEXACT!)? [0-9a-f]{2}:<|TSC [0-9a-f]|PROCESSOR \d)"
    rb"|(?P<head>-+\[ cut here \]|kernel BUG at |BUG: (?:kernel NULL pointer|unable to handle)"
    rb"|IP: (?:\[<|[\w.]+\+0x)|#PF: (?:supervisor|user) |#PF: error_code|PGD |\*pde = "
    rb"|(?:Oops(?:\[#\d+\])?|invalid opcode|Internal error):(?:\s|$)|general protection fault[:,] "
    rb"|BUG: failure at |Kernel panic - not syncing|Modules linked in:"
    rb"|" + _TASK_LINES + rb"|SMP: stopping secondary CPUs|Kernel Offset: |---\[ end Kernel panic)"
    rb"|(?P<hung>INFO: task .{1,64}:\d+ blocked for more than |\s{3}(?:Not tainted|Tainted: )"
    rb'|"echo 0 > /proc/sys/kernel/hung_task_timeout_secs")'
    rb"|(?P<hexrow>[0-9a-f]{4,16}): +[0-9a-f]{2}"
    rb"|(?P<banner>WARNING: (?!CPU: )|\[ INFO: |BUG [\w.:-]+ \((?:Not tainted|Tainted: [^)]*)\): )"
    rb"|(?P<ident>\d[\w.+~-]* #\d+\S*(?: +(?:Not tainted|Tainted: .*))?\s*$)"
    rb"|(?P<dashes>-{20,}\s*$)"
    rb"|(?:INFO: )?(?:(?P<allocated>Allocated)|(?P<freed>Freed)) in \S+(?: \[\w+\])? age=\d+ cpu=\d+ pid=\d+"
    rb"|(?:INFO: )?(?:(?P<slab>Slab 0x[0-9a-f]+ objects=)|(?P<object>Object 0x[0-9a-f]+ @offset=))"
    rb"|(?P<kasan>BUG: KAS(?:AN|an): |(?:Read|Write) of size \d+ )"
    rb")"
)
# The places of a check's banner lines. A banner's last line is never followed by the
# next report's first (a trace stands between them), so no step here is read as two
# reports meeting (_next_report).
_BANNER_PLACES = {
    "banner": 0,
    "ident": 1,
    "dashes": 2,
    "allocated": 3,
    "freed": 4,
    "slab": 5,
    "object": 6,
}
_ROW_LABELS = {
    "x86_64": (b"RIP", b"Code", b"RSP", b"RAX", b"RDX", b"RBP", b"R10", b"R13"),
    "i386": (b"EAX", b"ESI", b"DS"),
    "arm": (b"PC is at ", b"LR is at ", b"pc : ", b"lr : ", b"sp : "),
    "riscv": (b"epc", b"gp", b"t1", b"s1", b"a2", b"a5", b"s2", b"s5", b"s8", b"s11", b"t5"),
    "mce": (b"CPU", b"RIP", b"TSC", b"PROCESSOR"),
    "head": (
        b"-",
        b"kernel BUG at ",
        b"BUG: ",
        b"IP: ",
        b"#PF: s",
        b"#PF: u",
        b"#PF: e",
        b"PGD ",
        b"*pde ",
        b"Oops",
        b"invalid opcode",
        b"Internal error",
        b"general protection fault",
        b"Kernel panic",
        b"Modules linked in:",
        b"CPU",
        b"Tainted",
        b"Hardware",
        b"SMP: stopping",
        b"Kernel Offset",
        b"---[ end Kernel panic",
    ),
    "hung": (b"INFO", b" ", b'"echo'),
}
_ARM_AFTER_GPRS = {b"Flags: ": 200, b"Control: ": 201}
# x86_64's places of "Code:", and of it with the rows it stands between since 4.19
_X86_CODE = _ROW_LABELS["x86_64"].index(b"Code")
_X86_CODE_NEXT = {_ROW_LABELS["x86_64"].index(label) for label in (b"RIP", b"Code", b"RSP")}


def _row(line: bytes) -> tuple[str, int] | None:
    """The family of ``line``'s register row (or ordered line) and its place in it."""
    m = _ROW_RE.search(line, 0, 200)
    if m is None:
        return None
    for family in ("ppc", "mips"):
        if m.group(family) is not None:
            return family, int(m.group(family))
    if m.group("hexrow") is not None:
        return "hexrow", int(m.group("hexrow"), 16)
    for group, place in _BANNER_PLACES.items():
        if m.group(group) is not None:
            return "banner", place
    if m.group("kasan") is not None:
        return "kasan", 0 if m.group("kasan").startswith(b"BUG") else 1
    if m.group("gpr") is not None:
        return "arm", 100 - int(m.group("gpr"))  # printed from the highest register down
    for family, labels in _ROW_LABELS.items():
        label = m.group(family)
        if label is None:
            continue
        if family == "arm" and label in _ARM_AFTER_GPRS:
            return family, _ARM_AFTER_GPRS[label]
        label = label.upper() if family == "i386" else label
        if label in labels:
            return family, labels.index(label)
        # (an ordered line's group holds more than its label: "CPU 7: Machine Check")
        return family, next(i for i, start in enumerate(labels) if label.startswith(start))
    return None


def _next_report(family: str, before: int, after: int) -> bool:
    """Is a step from place ``before`` to ``after`` of ``family`` where one report's
    lines end and the next one's begin: its last line followed by its first (or its first
    by its last, read backwards)? Reports of one kind in a row (a hung task check's
    "INFO: task ... blocked", "Tainted:", "echo 0 > ..." for each task it names) step
    back there in a log read forwards."""
    labels = _ROW_LABELS.get(family)
    if labels is None or family == "arm":  # (arm's places run past its labels)
        return False
    return {before, after} == {0, len(labels) - 1}


def _votes(family: str, before: int, after: int) -> bool:
    """Does a step from place ``before`` to ``after`` of ``family`` tell the way the
    log runs? Not between two reports (_next_report), nor x86_64's "Code:" line next to
    another than "RIP:" or "RSP:" (its place before 4.19)."""
    if _next_report(family, before, after):
        return False
    return (
        family != "x86_64" or _X86_CODE not in (before, after) or {before, after} <= _X86_CODE_NEXT
    )


def _frame_line(line: bytes) -> bool:
    return _FRAME_RE.search(line) is not None and _REGISTER_RE.search(line) is None


# What a trace's header follows: show_stack() is called after the lines that name the
# task and its state. dump_stack() prints dump_stack_print_info()'s (lib/dump_stack.c)
# "CPU: %d PID: %d Comm:", 6.x's "Tainted: [..]" line, "Hardware name:" and
# print_worker_info()'s "Workqueue:" (2.6/3.x x86 dump_stack(): "Pid: %d, comm:"); an
# oops show_regs()'s register rows (_row's register families, not x86's "Code:", which
# came after the trace before 4.19); sched_show_task() (kernel/sched/core.c) its task's
# line ("task:%-15.15s state:%c", before 5.9 "%-15.15s %c", then a saved pc or none and
# "%5lu %5d %6d 0x%08lx": the stack left is right after the state when 5 digits long,
# "I15016    11      2 0x80004000"); and before
# 4.x the stack's words (show_stack_log_lvl(): "Stack:", then rows of 8 or 16 hex digits
# a word). One of these right after the header, and no frame, says the log runs
# backwards, as frames before it do. Only show_stack()'s own header: lockdep's "stack
# backtrace:" comes before its dump_stack()'s "CPU:" line.
_SHOW_STACK_HEADER_RE = re.compile(rb"(?:Call [Tt]race|Backtrace):\s*$")
_BEFORE_TRACE_RE = re.compile(
    rb"(?:^|[\s\]>:])(?:"
    + _TASK_LINES
    + rb"|Workqueue: |Pid: \d+, comm: |task:.{1,15}? +state:\S|Stack:\s*$"
    rb"|.{1,15}? +[A-Za-z?] *(?:(?:[0-9a-f]{8}|[0-9a-f]{16}|running(?: task)?) +)?\d+ +\d+ +\d+"
    rb" 0x[0-9a-f]{8}\b"
    rb"|(?:[0-9a-f]{8} ){3}[0-9a-f]{8}\b|(?:[0-9a-f]{16} ){3}[0-9a-f]{16}\b)"
)
_REGISTER_FAMILIES = frozenset({"x86_64", "i386", "arm", "ppc", "mips", "riscv", "hexrow"})


def _before_trace(line: bytes) -> bool:
    if _BEFORE_TRACE_RE.search(line, 0, 200) is not None:
        return True
    row = _row(line)
    return (
        row is not None
        and row[0] in _REGISTER_FAMILIES
        and (row[0] != "x86_64" or row[1] != _X86_CODE)
    )


# A line's wall-clock time and printk time, either None when it has none
_When = tuple[WallTime | None, float | None]


# journalctl -o json (and json-seq after an RS, json-sse after "data: "): one record a
# line, each with its __REALTIME_TIMESTAMP (microseconds since the epoch), after the
# __CURSOR (systemd's output_json()). -o json-pretty spreads a record over lines: its
# field lines are no record's start and give no time.
_JSON_RECORD_TIME_RE = re.compile(rb'(?:\x1e|data: )?\{.{0,400}?"__REALTIME_TIMESTAMP" ?: ?"(\d+)"')


def _line_time(line: bytes) -> _When:
    """The wall-clock time ``line`` starts with and the printk time near its start (a
    journal's JSON record: its time, in seconds since the epoch)."""
    if line[:1] in b"{\x1ed":
        m = _JSON_RECORD_TIME_RE.match(line)
        if m is not None:
            return None, int(m.group(1)) / 1e6
    wall = wall_time(line[:120].decode("latin-1"))
    m = _PRINTK_TIME_RE.search(line, 0, 120)
    return wall, float(m.group(1)) if m is not None else None


def _step(before: _When, after: _When) -> int:
    """1 if ``after`` is later than ``before``, -1 if earlier, 0 if the same or not
    comparable. Wall-clock times decide; the printk time breaks a tie (a second's lines
    in a journal's short output) or stands alone."""
    wa, wb = before[0], after[0]
    if (
        wa is not None
        and wb is not None
        and wa.zone == wb.zone
        and type(wa.day) is type(wb.day)
        and not isinstance(wa.day, str)
    ):
        a, b = (wa.day, wa.seconds), (wb.day, wb.seconds)
        if a != b:
            return 1 if b > a else -1
    pa, pb = before[1], after[1]
    if pa is None or pb is None or pa == pb:
        return 0
    return 1 if pb > pa else -1


def _runs_backwards(first: bytes) -> bool:
    """Do the lines at the start of a log run newest first? Each step of the stamps
    votes, and so does each trace header: a trace's frames follow its "Call Trace:" line
    (show_stack()), so frames before it and none after it say the log runs backwards,
    and so does a line that comes before a trace (_before_trace) right after it. So do
    two neighbouring rows of a register dump (_row), and the first of each of
    _TRACE_BRACKETS' pairs, when a trace stands between them. (These are the votes a
    second's lines give in a journal's whole-second short output.)"""
    back = forward = 0
    last: _When | None = None
    last_row: tuple[int, str, int] | None = None  # the last row's line, family and place
    lines = first.split(b"\n", _REVERSED_PROBE_LINES)[:_REVERSED_PROBE_LINES]
    for i, line in enumerate(lines):
        if _TRACE_HEADER_RE.search(line) is not None and 0 < i < len(lines) - 1:
            above, below = lines[i - 1], lines[i + 1]
            before, after = _frame_line(above), _frame_line(below)
            back += before and not after
            forward += after and not before
            if _SHOW_STACK_HEADER_RE.search(line) is not None:
                before, after = _before_trace(above), _before_trace(below)
                back += after and not before
                forward += before and not after
        row = _row(line)
        if row is not None:
            family, place = row
            if (
                last_row is not None
                and last_row[0] == i - 1
                and last_row[1] == family
                and _votes(family, last_row[2], place)
            ):
                back += place < last_row[2]
                forward += place > last_row[2]
            last_row = (i, family, place)
        when = _line_time(line)
        if when == (None, None):
            if last is None and i >= _REVERSED_UNSTAMPED:
                return False  # no stamps to go by
            continue
        if last is not None:
            step = _step(last, when)
            back += step < 0
            forward += step > 0
            if forward > _REVERSED_SURE and back < forward:
                return False  # (most logs: forwards from their first lines)
        last = when
    for opens, closes in _TRACE_BRACKETS:
        opened = next((i for i, line in enumerate(lines) if opens in line), None)
        closed = next((i for i, line in enumerate(lines) if closes in line), None)
        # (only when they hold a trace between them, two frames in a row at least: a
        # quote may begin with one report's "---[ end trace" right before the next one's
        # "[ cut here ]" and its "WARNING: .. at func+0x..")
        if opened is not None and closed is not None:
            top, bottom = sorted((opened, closed))
            held = [_frame_line(line) for line in lines[top + 1 : bottom]]
            if any(a and b for a, b in zip(held, held[1:])):
                back += closed < opened
                forward += opened < closed
    return back >= _REVERSED_STEPS and back >= _REVERSED_RATIO * forward


def _entries_oldest_first(data: bytes) -> bytes:
    """``data``, a log newest first, with its entries in the order they were logged."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    lead: list[bytes] = []
    entries: list[list[bytes]] = []
    for line in lines:
        stamped = _line_time(line) != (None, None)
        if stamped or not entries or not line[:1].isspace():
            if not stamped and not entries:
                lead.append(line)
                continue
            entries.append([line])
        else:
            entries[-1].append(line)
    out = lead + [line for entry in reversed(entries) for line in entry]
    return b"".join(line + b"\n" for line in out)


def _oldest_first(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """``blocks`` as they are, or a log read newest first in the order it was logged."""
    first = next(blocks, b"")
    if not _runs_backwards(first):
        yield from _as_they_came(first, blocks)
        return
    held = yield from _held(first, blocks, _REVERSED_MAX)
    if held is not None:
        yield _entries_oldest_first(b"".join(held))


def _read(stream: BinaryIO, path: str, n: int) -> bytes:
    try:
        return stream.read(n) or b""
    except OSError as exc:
        raise InputError(path, _strerror(exc)) from exc


def _plain(head: bytes, stream: BinaryIO, path: str) -> Iterator[bytes]:
    data = head
    while data:
        yield data
        data = _read(stream, path, BLOCK)


def _inflate_gzip(head: bytes, stream: BinaryIO, path: str) -> Iterator[bytes]:
    dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
    data = head
    produced = False
    while True:
        try:
            out = dec.decompress(data, BLOCK)
        except zlib.error as exc:
            raise InputError(path, f"corrupt gzip data ({exc})") from exc
        if out:
            produced = True
            yield out
        if dec.eof:
            rest = dec.unused_data
            if not rest.startswith(_GZIP_MAGIC):  # concatenated members are one stream
                return
            dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = rest
            continue
        data = dec.unconsumed_tail
        if not data:
            data = _read(stream, path, BLOCK)
            if not data:
                if not produced:
                    raise InputError(path, "corrupt gzip data (no data decompressed)")
                return  # truncated: keep the decompressed prefix, the crash may be in it


def _inflate_xz(head: bytes, stream: BinaryIO, path: str) -> Iterator[bytes]:
    dec = lzma.LZMADecompressor()
    data = head
    produced = False
    while True:
        try:
            out = dec.decompress(data, BLOCK)
        except lzma.LZMAError as exc:
            if produced:
                return  # corrupt after a good prefix: keep the prefix
            raise InputError(path, f"corrupt xz data ({exc})") from exc
        if out:
            produced = True
            yield out
        if dec.eof:
            rest = dec.unused_data
            if not rest.startswith(_XZ_MAGIC):
                return
            dec = lzma.LZMADecompressor()
            data = rest
            continue
        data = b""
        if dec.needs_input:
            data = _read(stream, path, BLOCK)
            if not data:
                if not produced:
                    raise InputError(path, "corrupt xz data (no data decompressed)")
                return


def _inflate_zstd(head: bytes, stream: BinaryIO, path: str) -> Iterator[bytes]:
    import zstandard  # ~25 ms to import; only .zst inputs need it

    source = _Prefixed(head, stream)
    reader = zstandard.ZstdDecompressor().stream_reader(
        typing.cast(BinaryIO, source), read_across_frames=True
    )
    produced = False
    while True:
        try:
            out = reader.read(BLOCK)
        except zstandard.ZstdError as exc:
            if produced:
                return
            raise InputError(path, f"corrupt zstd data ({exc})") from exc
        if not out:
            return
        produced = True
        yield out


class _Prefixed:
    """A stream with bytes already read from it put back in front."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head = head
        self.stream = stream

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out
        return self.stream.read(n) or b""


def line_blocks(
    blocks: Iterable[bytes],
    limits: ReadLimits = DEFAULT_LIMITS,
    cuts_seen: list[LineCut] | None = None,
) -> Iterator[Block]:
    """Regroup decompressed blocks into :class:`Block` s of complete lines.

    A line longer than ``limits.max_line`` is cut there: its first ``max_line`` bytes
    stay and the rest up to the newline is dropped and recorded in the block's ``cuts``.
    The last line of a log may lack its newline. Each cut is also appended to
    ``cuts_seen`` as soon as it starts (its ``dropped`` grows while the line goes on), so
    a caller stopped by an error part-way still knows about it.
    """
    max_line = limits.max_line
    offset = 0  # decompressed offset of the current (incomplete) line
    line = 1  # its number
    tail = bytearray()  # its bytes so far (at most max_line)
    cut: LineCut | None = None  # set once the current line has been cut

    def extend(part: bytes) -> None:
        nonlocal cut
        if cut is not None:
            cut.dropped += len(part)
            return
        room = max_line - len(tail)
        if len(part) <= room:
            tail.extend(part)
        else:
            tail.extend(part[:room])
            cut = LineCut(line, offset + max_line, len(part) - room)
            if cuts_seen is not None:
                cuts_seen.append(cut)

    for block in blocks:
        last_nl = block.rfind(b"\n")
        if last_nl == -1:
            extend(block)
            continue
        first_nl = block.find(b"\n")
        extend(block[:first_nl])
        cuts = [cut] if cut is not None else []
        head = bytes(tail) + b"\n"
        middle_at = offset + len(head) + (cut.dropped if cut is not None else 0)
        middle, more = _cut_long_lines(
            block[first_nl + 1 : last_nl + 1], middle_at, line + 1, max_line
        )
        cuts += more
        if cuts_seen is not None:
            cuts_seen += more
        out = Block(offset, line, head + middle, cuts)
        yield out
        offset += len(out.data) + sum(c.dropped for c in cuts)
        line += out.newlines
        tail.clear()
        cut = None
        extend(block[last_nl + 1 :])
    if tail or cut is not None:
        yield Block(offset, line, bytes(tail), [cut] if cut is not None else [])


def _cut_long_lines(
    data: bytes, offset: int, line: int, max_line: int
) -> tuple[bytes, list[LineCut]]:
    """Cut every line of ``data`` longer than ``max_line`` (the rare case: checked cheaply)."""
    if len(data) <= max_line:
        return data, []
    parts: list[bytes] = []
    cuts: list[LineCut] = []
    pos = 0
    number = line
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl == -1 else nl
        if end - pos > max_line:
            parts.append(data[pos : pos + max_line])
            cuts.append(LineCut(number, offset + pos + max_line, end - pos - max_line))
            parts.append(data[end : nl + 1] if nl != -1 else b"")
        else:
            parts.append(data[pos : nl + 1] if nl != -1 else data[pos:])
        if nl == -1:
            break
        pos = nl + 1
        number += 1
    return b"".join(parts), cuts


# --- whole inputs (small logs, module files) ------------------------------------------------


def decompress(data: bytes, path: str) -> bytes:
    """Undo gzip, xz or zstd compression recognised by magic bytes; other data is returned as is.

    Raises InputError naming ``path`` when the stream is corrupt. A truncated stream
    keeps what could be decompressed.
    """
    import io

    return b"".join(raw_blocks(io.BytesIO(data), path, ReadLimits(max_bytes=1 << 62)))
