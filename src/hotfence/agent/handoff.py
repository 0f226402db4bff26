"""The agent's hand-off socket: createRuntime hooks ask the agent to apply their fence.

A hook started per container pays Python's start-up plus the fence backends' and libbpf's
imports before it can load anything; the agent has paid them once. So a hook connects
to this root-only unix socket, sends one JSON request and waits for one JSON reply:

    {"op": "apply", "policy_file": PATH, "pid": PID, "container": ID, "allow_partial": BOOL}
    -> {"ok": true, "cgroup": PATH, "cgroup_id": N, "message": TEXT}
    {"op": "remove", "cgroup_id": N}  (poststop: the fence of a container that is gone)
    -> {"ok": true, "removed": BOOL}
    either -> {"ok": false, "error": TEXT}

``hotfence-hook`` (oci/hotfence-hook.c, no Python start at all) asks for whole steps of
``hotfence-runc``, and gets plain text back, the exit code on the first line and what the
step would have printed after it:

    {"op": "prepare", "argv": RUNC_ARGS, "cwd": DIR}  (the wrapper's create: edit the bundle)
    {"op": "hook", "argv": HOOK_ARGS, "cwd": DIR, "state": OCI_STATE}  (any of its hooks)
    -> "CODE\nTEXT"

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
# A hook's request carries the container's OCI state, annotations included (Kubernetes
# allows 256 KiB of them); hotfence-hook reads at most 1 MiB of state.
MAX_REQUEST = 2 * 1024 * 1024
# op -> the fields it needs, with their types
OPS: dict[str, tuple[tuple[str, type], ...]] = {
    "apply": (("policy_file", str), ("pid", int), ("allow_partial", bool)),
    "remove": (("cgroup_id", int),),
    "prepare": (("argv", list), ("cwd", str)),
    "hook": (("argv", list), ("cwd", str), ("state", dict)),
}
CLIENT_LINK = "hotfence-hook"
TEXT_OPS = ("prepare", "hook")  # answered "CODE\nTEXT": hotfence-hook parses no JSON


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
    if not all(isinstance(a, str) for a in req.get("argv", [])):
        raise ValueError("request field 'argv' is not a list of strings")
    return dict(req)


def _encode(reply: dict[str, Any], text: bool) -> bytes:
    if not text:
        return json.dumps(reply).encode()
    if "exit" in reply:
        return f"{reply['exit']}\n{reply.get('stderr', '')}".encode()
    return f"1\nhotfence agent: {reply.get('error')}\n".encode()


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    handler: Handler


class _Request(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(30)
        text = False  # until the request says it comes from hotfence-hook
        try:
            if _peer_uid(conn) != os.geteuid():
                reply: dict[str, Any] = {"ok": False, "error": "only root may hand fences over"}
            else:
                req = _read_request(conn)
                text = req["op"] in TEXT_OPS
                reply = self.server.handler(req)
        except (OSError, ValueError) as exc:
            reply = {"ok": False, "error": f"bad request: {exc}"}
        with contextlib.suppress(OSError):  # the hook gave up waiting: it applies the fence
            conn.sendall(_encode(reply, text))


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
    """Serves ``path`` (mode 0600) in background threads until :meth:`close`.

    ``client``: hotfence-hook, linked as ``hotfence-hook`` beside the socket while it is
    served, where the hotfence-runc sh front looks for it (it cannot ask Python where
    hotfence is installed without starting it)."""

    def __init__(self, path: str, handler: Handler, client: str | None = None):
        self.path = path
        self.link = os.path.join(os.path.dirname(path) or ".", CLIENT_LINK) if client else ""
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
        if client:
            tmp = f"{self.link}.{os.getpid()}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(client, tmp)
            os.replace(tmp, self.link)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        for path in (self.link, self.path):
            if path:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
