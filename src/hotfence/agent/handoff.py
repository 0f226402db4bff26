"""The agent's hand-off socket: createRuntime hooks ask the agent to apply their fence.

A hook started per container pays Python's start-up plus the fence backends' and libbpf's
imports before it can load anything; the agent has paid them once. So a hook connects
to this root-only unix socket, sends one JSON request and waits for one JSON reply:

    {"op": "apply", "policy_file": PATH, "pid": PID, "container": ID, "allow_partial": BOOL}
    -> {"ok": true, "cgroup": PATH, "cgroup_id": N, "message": TEXT}
    {"op": "remove", "cgroup_id": N}  (poststop: the fence of a container that is gone)
    -> {"ok": true, "removed": BOOL}
    either -> {"ok": false, "error": TEXT}

The agent applies the fence exactly as the hook would (:func:`hotfence.oci.hook.
fence_container`) before it replies, so the fence is attached before the hook returns.
What the hook does without an answer is :func:`hotfence.oci.hook._ask_agent`'s.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("hotfence.agent")
MAX_REQUEST = 64 * 1024  # a request is a few hundred bytes
# op -> the fields it needs, with their types
OPS: dict[str, tuple[tuple[str, type], ...]] = {
    "apply": (("policy_file", str), ("pid", int), ("allow_partial", bool)),
    "remove": (("cgroup_id", int),),
}


class HandoffError(RuntimeError):
    """The socket cannot be served (another agent serves it, or the path is unusable)."""


Handler = Callable[[dict[str, Any]], dict[str, Any]]


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def _read_request(conn: socket.socket) -> dict[str, Any]:
    data = b""
    while len(data) <= MAX_REQUEST:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
        if data.endswith(b"\n"):
            break
    if len(data) > MAX_REQUEST:
        raise ValueError(f"request larger than {MAX_REQUEST} bytes")
    req = json.loads(data)
    fields = OPS.get(str(req.get("op"))) if isinstance(req, dict) else None
    if fields is None:
        raise ValueError(f"not a request: {data[:200]!r}")
    for field, kind in fields:
        if not isinstance(req.get(field), kind):
            raise ValueError(f"request field {field!r} missing or not {kind.__name__}")
    return dict(req)


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    handler: Handler


class _Request(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(30)
        try:
            if _peer_uid(conn) != os.geteuid():
                reply: dict[str, Any] = {"ok": False, "error": "only root may hand fences over"}
            else:
                reply = self.server.handler(_read_request(conn))
        except (OSError, ValueError) as exc:
            reply = {"ok": False, "error": f"bad request: {exc}"}
        with contextlib.suppress(OSError):  # the hook gave up waiting: it applies the fence
            conn.sendall(json.dumps(reply).encode())


def _claim(path: str) -> None:
    """Remove a socket file no agent listens on any more (a killed agent's); refuse to take
    over one another agent serves."""
    if not os.path.exists(path):
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
        return
    except OSError as exc:
        raise HandoffError(f"{path}: {exc.strerror}") from None
    finally:
        probe.close()
    raise HandoffError(f"{path}: another agent serves this socket")


class HandoffServer:
    """Serves ``path`` (mode 0600) in background threads until :meth:`close`."""

    def __init__(self, path: str, handler: Handler):
        self.path = path
        os.makedirs(os.path.dirname(path) or ".", mode=0o755, exist_ok=True)
        _claim(path)
        old = os.umask(0o177)  # never a moment with the socket open to others
        try:
            self.server = _Server(path, _Request)
        except OSError as exc:
            raise HandoffError(f"{path}: {exc.strerror}") from None
        finally:
            os.umask(old)
        self.server.handler = handler
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
