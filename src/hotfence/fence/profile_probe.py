"""Build a model.KernelProfile for the running kernel by calling socket() on it.

What the reference model needs to know about a kernel and cannot derive from its
version: which families ``net_families[]`` holds (built in or auto-loadable), which
(type, protocol) pairs ``inetsw[]`` / ``inetsw6[]`` hold, which netlink protocols are
registered, whether vsock has a datagram transport, and two sysctls. Each is observed
with ``socket()`` (errno tells a missing family, EAFNOSUPPORT, from one that refused
the arguments) and from /proc/sys.

Side effect: on a kernel with modules, ``request_module("net-pf-N")`` may load a family's
module, exactly as any unprivileged socket() call could. Run it as root (so CAP_NET_RAW
does not hide raw sockets), ideally in the network namespace the model should describe,
and before any policy is attached.
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

from hotfence.fence.model import KernelProfile, ProtoSw
from hotfence.linux import names

_libc = ctypes.CDLL(None, use_errno=True)

# Any answer but these means the family's create function ran: the family is there.
_ABSENT = {errno.EAFNOSUPPORT}


def try_socket(family: int, type_: int, protocol: int) -> int:
    """0 if socket() succeeded (the fd is closed again), else its errno."""
    fd = _libc.socket(family, type_, protocol)
    if fd >= 0:
        os.close(fd)
        return 0
    return ctypes.get_errno()


def probe_families() -> frozenset[int]:
    present = set()
    for family in range(names.AF_MAX):
        # Several types: a family's create may reject one type with EAFNOSUPPORT-free errors
        # but we only need one answer that is not EAFNOSUPPORT.
        for type_ in (names.SOCK_STREAM, names.SOCK_DGRAM, names.SOCK_RAW, names.SOCK_SEQPACKET):
            if try_socket(family, type_, 0) not in _ABSENT:
                present.add(family)
                break
    return frozenset(present)


def probe_protosw(family: int) -> tuple[ProtoSw, ...]:
    """inetsw[] entries of ``family`` as socket() reveals them, permanent ones first."""
    v6 = family == names.AF_INET6
    suffix = "v6" if v6 else ""
    # An entry exists if the look-up passed: success, or a failure from a later step.
    later = {0, errno.EACCES, errno.ENOPROTOOPT, errno.EPERM}
    entries: list[ProtoSw] = []
    for type_ in sorted(names.TYPES):
        if type_ == names.SOCK_PACKET:
            continue
        wildcard = all(try_socket(family, type_, p) in later for p in (1, 6, 17, 250))
        if wildcard:
            entries.append(
                ProtoSw(
                    type_,
                    names.IPPROTO_IP,
                    names.protocol_name(family, 255).upper() + suffix,
                    False,
                )
            )
            continue
        for protocol in sorted(names.IP_PROTOCOLS):
            if protocol == 0 or try_socket(family, type_, protocol) not in later:
                continue
            permanent = (type_, protocol) in (
                (names.SOCK_STREAM, names.IPPROTO_TCP),
                (names.SOCK_DGRAM, names.IPPROTO_UDP),
            )
            init = None
            if type_ == names.SOCK_DGRAM and protocol in (names.IPPROTO_ICMP, names.IPPROTO_ICMPV6):
                init = "ping"
            elif protocol == names.IPPROTO_MPTCP:
                init = "mptcp"
            name = "PING" if init == "ping" else names.protocol_name(family, protocol).upper()
            entries.append(ProtoSw(type_, protocol, name + suffix, permanent, init=init))
    # Per type, permanent entries first (inet_register_protosw keeps them at the head);
    # the order of the others cannot be observed and only matters for protocol 0.
    entries.sort(key=lambda e: (e.type, not e.permanent))
    return tuple(entries)


def probe_netlink() -> frozenset[int]:
    return frozenset(
        p
        for p in range(names.NETLINK_MAX_LINKS)
        if try_socket(names.AF_NETLINK, names.SOCK_RAW, p) != errno.EPROTONOSUPPORT
    )


def _sysctl(path: str, default: str) -> str:
    try:
        return Path("/proc/sys", path).read_text().strip()
    except OSError:
        return default


def probe_kernel_profile() -> KernelProfile:
    """A KernelProfile describing the running kernel in the caller's network namespace."""
    families = probe_families()
    low, high = (int(v) for v in _sysctl("net/ipv4/ping_group_range", "1 0").split())
    return KernelProfile(
        name=f"linux {os.uname().release} (probed)",
        families=families,
        inet_protosw=probe_protosw(names.AF_INET) if names.AF_INET in families else (),
        inet6_protosw=probe_protosw(names.AF_INET6) if names.AF_INET6 in families else (),
        netlink_protocols=probe_netlink() if names.AF_NETLINK in families else frozenset(),
        vsock_dgram_transport=(
            names.AF_VSOCK in families
            and try_socket(names.AF_VSOCK, names.SOCK_DGRAM, 0) != errno.ENODEV
        ),
        mptcp_enabled=_sysctl("net/mptcp/enabled", "1") != "0",
        ping_group_range=(low, high),
        ip_unprivileged_port_start=int(_sysctl("net/ipv4/ip_unprivileged_port_start", "1024")),
    )


if __name__ == "__main__":  # python -m hotfence.fence.profile_probe: show what was found
    profile = probe_kernel_profile()
    print(profile.name)
    print("families:", ", ".join(names.family_name(f) for f in sorted(profile.families)))
    for label, table in (("inetsw", profile.inet_protosw), ("inetsw6", profile.inet6_protosw)):
        print(f"{label}:", ", ".join(f"{names.type_name(e.type)}/{e.name}" for e in table))
    print(
        "netlink:",
        ", ".join(
            names.protocol_name(names.AF_NETLINK, p) for p in sorted(profile.netlink_protocols)
        ),
    )
    print(
        "vsock dgram transport:",
        profile.vsock_dgram_transport,
        " mptcp:",
        profile.mptcp_enabled,
        " ping_group_range:",
        profile.ping_group_range,
    )
