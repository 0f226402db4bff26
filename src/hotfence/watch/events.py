"""The watch event record (struct watch_event in bpf/watch_core.h) and its decoded form."""

from __future__ import annotations

import errno
import json
import struct
from dataclasses import dataclass

from hotfence.fence import names

# struct watch_event: u64 ts_ns, cgroup_id; u32 pid, tgid, uid, netns; s32 family, type,
# protocol, ret; char comm[16]; u32 kern, pad.  Keep in step with watch_core.h.
RECORD = struct.Struct("<QQIIIIiiii16sII")
KERNEL_RESULT = "created"  # a kernel socket has no fd; reaching post_create means it was made


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

    @classmethod
    def unpack(cls, record: bytes) -> "SocketEvent":
        *fields, comm, kern, _pad = RECORD.unpack_from(record)
        return cls(*fields, comm.split(b"\0", 1)[0].decode(errors="replace"), bool(kern))

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
        if self.kern:
            return KERNEL_RESULT
        if self.ret >= 0:
            return f"fd {self.ret}"
        return errno.errorcode.get(-self.ret, str(-self.ret))


def describe(event: SocketEvent) -> dict:
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
        "ret": event.ret,
        "result": event.result,
    }


class JsonLineEncoder:
    """Turns raw records into JSON lines equal to ``json.dumps(describe(e) | {"cgroup": path})``.

    The name fields of a (family, type, protocol) triple, a comm and a cgroup path repeat
    across events, so their JSON fragments are made once with json.dumps and cached;
    each line is then one unpack and one format. This is what lets `watch --json`
    keep up with hundreds of thousands of events per second.
    """

    def __init__(self, cgroup_path, annotate=None):
        self._cgroup_path = cgroup_path  # cgroup id -> path
        self._annotate = annotate  # (family, type, protocol) -> extra JSON fragment, or None
        self._calls: dict[tuple[int, int, int, int], str] = {}
        self._comms: dict[bytes, str] = {}
        self._cgroups: dict[int, str] = {}

    def _call(self, family: int, type_: int, protocol: int, kern: int) -> str:
        key = (family, type_, protocol, kern)
        frag = self._calls.get(key)
        if frag is None:
            e = SocketEvent(0, 0, 0, 0, 0, 0, family, type_, protocol, 0, "", bool(kern))
            d = describe(e)
            part = {k: d[k] for k in ("family", "family_name", "type", "type_name", "flags", "protocol", "protocol_name", "kern")}
            frag = json.dumps(part, separators=(",", ":"))[1:-1]
            if self._annotate is not None:
                frag += "," + self._annotate(family, type_, protocol)
            self._calls[key] = frag
        return frag

    def _result(self, ret: int, kern: int) -> str:
        if kern:
            return json.dumps(KERNEL_RESULT)
        return json.dumps(f"fd {ret}" if ret >= 0 else errno.errorcode.get(-ret, str(-ret)))

    def encode(self, record: bytes) -> str:
        ts, cg, pid, tgid, uid, netns, family, type_, protocol, ret, comm, kern, _pad = RECORD.unpack_from(record)
        c = self._comms.get(comm)
        if c is None:
            c = self._comms[comm] = json.dumps(comm.split(b"\0", 1)[0].decode(errors="replace"))
        g = self._cgroups.get(cg)
        if g is None:
            g = self._cgroups[cg] = json.dumps(self._cgroup_path(cg))
        result = f'"fd {ret}"' if ret >= 0 and not kern else self._result(ret, kern)
        return (
            f'{{"ts_ns":{ts},"pid":{pid},"tgid":{tgid},"comm":{c},"uid":{uid},"cgroup_id":{cg},'
            f'"netns":{netns},{self._call(family, type_, protocol, kern)},"ret":{ret},"result":{result},"cgroup":{g}}}'
        )
