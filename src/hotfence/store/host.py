"""This machine's identity, as the store records it with each crash."""

from __future__ import annotations

import os
import shlex
import socket
from pathlib import Path

from hotfence.store.records import HostIdentity


def _os_release(path: Path = Path("/etc/os-release")) -> str | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            parts = shlex.split(value, posix=True)
            fields[key.strip()] = parts[0] if parts else ""
    return fields.get("PRETTY_NAME") or fields.get("NAME")


def _machine_id() -> str | None:
    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            value = Path(p).read_text().strip()
        except OSError:
            continue
        if value:
            return value
    return None


def local_host(host_id: str | None = None) -> HostIdentity:
    """This host: hostname, machine-id, running kernel release, distribution.

    `host_id` (or $HOTFENCE_HOST_ID) replaces the hostname and machine-id, for hosts
    without a machine-id (some containers) and for tests that play several hosts.
    """
    override = host_id or os.environ.get("HOTFENCE_HOST_ID") or None
    hostname = override or socket.gethostname()
    machine_id = override or _machine_id() or f"hostname:{hostname}"
    return HostIdentity(
        hostname=hostname,
        machine_id=machine_id,
        kernel_release=os.uname().release,
        distribution=_os_release(),
    )
