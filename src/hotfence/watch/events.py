"""The watch event record (struct watch_event in watch/watch_abi.h) and its decoded form."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass

from hotfence.linux import names

# struct watch_event (abi.WatchEvent) as one struct format: one unpack per record on the
# hot path. tests/test_watch_guest.py checks it reads what abi.WatchEvent holds.
RECORD = struct.Struct("<QQIIIIiiii16sIIiI")
KERNEL_RESULT = "created"  # a kernel socket has no fd; reaching post_create means it was made
# watch_event.call: how the socket was asked for (WATCH_* in watch_abi.h)
CALLS = ("socket", "socketpair", "io_uring")
SOCKET, SOCKETPAIR, IO_URING = range(len(CALLS))


def call_name(call: int) -> str:
    return CALLS[call] if 0 <= call < len(CALLS) else f"call {call}"


def result_text(ret: int, kern: bool = False, call: int = 0, fd2: int = -1) -> str:
    """What became of the call: "fd 3", "fds 3 4" (socketpair), an errno name, or "created"."""
    if kern:
        return KERNEL_RESULT
    if ret < 0:
        return names.errno_name(-ret)
    if call == SOCKETPAIR:
        return f"fds {ret} {fd2}"
    if call == IO_URING and fd2:
        # IORING_FILE_INDEX_ALLOC (0xffffffff) returns the slot it chose; else res is 0.
        return f"fixed file {ret if fd2 == -1 else fd2 - 1}"
    return f"fd {ret}"


@dataclass(slots=True)
class SocketEvent:
    ts_ns: int
    cgroup_id: int
    pid: int
    tgid: int
    uid: int
    netns: int
    family: int
    type: int  # as passed, flags included
    protocol: int
    ret: int  # fd, or -errno
    comm: str
    kern: bool = False  # only the LSM source (lsm/socket_post_create) sees kernel sockets
    call: int = 0  # index into CALLS
    fd2: int = -1  # socketpair: the second fd; io_uring: the fixed-file slot asked for (0: none)
    compat: bool = False  # a 32-bit call (ia32 process, or int $0x80)

    @classmethod
    def unpack(cls, record: bytes) -> SocketEvent:
        (
            ts,
            cg,
            pid,
            tgid,
            uid,
            netns,
            family,
            type_,
            protocol,
            ret,
            comm,
            kern,
            call,
            fd2,
            compat,
        ) = RECORD.unpack_from(record)
        return cls(
            ts,
            cg,
            pid,
            tgid,
            uid,
            netns,
            family,
            type_,
            protocol,
            ret,
            comm.split(b"\0", 1)[0].decode(errors="replace"),
            bool(kern),
            call,
            fd2,
            bool(compat),
        )

    @property
    def base_type(self) -> int:
        return self.type & names.SOCK_TYPE_MASK

    @property
    def flags(self) -> list[str]:
        out = []
        if self.type & names.SOCK_CLOEXEC:
            out.append("SOCK_CLOEXEC")
        if self.type & names.SOCK_NONBLOCK:
            out.append("SOCK_NONBLOCK")
        return out

    @property
    def result(self) -> str:
        return result_text(self.ret, self.kern, self.call, self.fd2)


def describe(event: SocketEvent) -> dict[str, object]:
    """The event as a JSON-ready dict: names and numbers for family, type and protocol."""
    return {
        "ts_ns": event.ts_ns,
        "pid": event.pid,
        "tgid": event.tgid,
        "comm": event.comm,
        "uid": event.uid,
        "cgroup_id": event.cgroup_id,
        "netns": event.netns,
        "family": event.family,
        "family_name": names.family_name(event.family),
        "type": event.base_type,
        "type_name": names.type_name(event.base_type),
        "flags": event.flags,
        "protocol": event.protocol,
        "protocol_name": names.protocol_name(event.family, event.protocol),
        "kern": event.kern,
        "call": call_name(event.call),
        "compat": event.compat,
        "ret": event.ret,
        "fd2": event.fd2,
        "result": event.result,
    }


class JsonLineEncoder:
    """Turns raw records into JSON lines equal to ``json.dumps(describe(e) | {"cgroup": path})``.

    The name fields of a (family, type, protocol) triple, a comm and a cgroup path repeat
    across events, so their JSON fragments are made once with json.dumps and cached;
    each line is then one unpack and one format. This is what lets `watch -o json`
    keep up with hundreds of thousands of events per second.
    """

    def __init__(
        self,
        cgroup_path: Callable[[int], str],
        annotate: Callable[[int, int, int, int, int, int], str] | None = None,
        wall_clock: Callable[[int], str] | None = None,
    ):
        self._cgroup_path = cgroup_path  # cgroup id -> path
        # (cgroup_id, netns, family, type, protocol, kern) -> extra JSON fragment, or None
        self._annotate = annotate
        # ts_ns -> ISO-8601 wall-clock time ("time"); without one, events carry ts_ns only
        self._wall_clock = wall_clock
        self._calls: dict[tuple[int, int, int, int], str] = {}
        self._comms: dict[bytes, str] = {}
        self._cgroups: dict[int, str] = {}

    def _call(self, family: int, type_: int, protocol: int, kern: int) -> str:
        key = (family, type_, protocol, kern)
        frag = self._calls.get(key)
        if frag is None:
            e = SocketEvent(0, 0, 0, 0, 0, 0, family, type_, protocol, 0, "", bool(kern))
            d = describe(e)
            part = {
                k: d[k]
                for k in (
                    "family",
                    "family_name",
                    "type",
                    "type_name",
                    "flags",
                    "protocol",
                    "protocol_name",
                    "kern",
                )
            }
            frag = json.dumps(part, separators=(",", ":"))[1:-1]
            self._calls[key] = frag
        return frag

    def encode(self, record: bytes) -> str:
        (
            ts,
            cg,
            pid,
            tgid,
            uid,
            netns,
            family,
            type_,
            protocol,
            ret,
            comm,
            kern,
            call,
            fd2,
            compat,
        ) = RECORD.unpack_from(record)
        c = self._comms.get(comm)
        if c is None:
            c = self._comms[comm] = json.dumps(comm.split(b"\0", 1)[0].decode(errors="replace"))
        g = self._cgroups.get(cg)
        if g is None:
            g = self._cgroups[cg] = json.dumps(self._cgroup_path(cg))
        if ret >= 0 and not kern and call == SOCKET:  # the common case, without a function call
            result = f'"fd {ret}"'
        else:
            result = json.dumps(result_text(ret, bool(kern), call, fd2))
        verdict = (
            ""
            if self._annotate is None
            else "," + self._annotate(cg, netns, family, type_, protocol, kern)
        )
        when = "" if self._wall_clock is None else f'"time":"{self._wall_clock(ts)}",'
        return (
            f'{{{when}"ts_ns":{ts},"pid":{pid},"tgid":{tgid},"comm":{c},"uid":{uid},"cgroup_id":{cg},'
            f'"netns":{netns},{self._call(family, type_, protocol, kern)}{verdict},"call":"{call_name(call)}",'
            f'"compat":{"true" if compat else "false"},"ret":{ret},"fd2":{fd2},"result":{result},"cgroup":{g}}}'
        )
