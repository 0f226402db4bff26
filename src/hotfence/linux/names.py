"""Socket family / type / protocol names <-> numbers, as Linux x86_64 defines them (shared
by the fence policy, the reference model and watch's event decoding).

Sources: include/linux/socket.h (AF_*, AF_MAX = NPROTO = 46 up to at least 6.18),
include/linux/net.h (enum sock_type, SOCK_MAX, SOCK_TYPE_MASK, SOCK_CLOEXEC /
SOCK_NONBLOCK as O_CLOEXEC / O_NONBLOCK on x86), include/uapi/linux/in.h and in6.h
(IPPROTO_*, IPPROTO_MAX = 263), include/uapi/linux/netlink.h (NETLINK_*, MAX_LINKS = 32)
and include/uapi/linux/if_ether.h (ETH_P_*, which AF_PACKET takes in network byte order).

Every parser accepts, case-insensitively, the short name (``inet6``), the C name
(``AF_INET6`` / ``PF_INET6``, ``SOCK_RAW``, ``IPPROTO_ICMPV6``, ``NETLINK_ROUTE``) or a
number (``10``, ``0x0a``). Unknown names raise :class:`UnknownName`, which carries the
valid choices so that policy errors can list them.
"""

from __future__ import annotations

import errno as errno_mod

# --- families (include/linux/socket.h) -------------------------------------------------

AF_UNSPEC = 0
AF_UNIX = 1
AF_INET = 2
AF_INET6 = 10
AF_NETLINK = 16
AF_PACKET = 17
AF_RDS = 21
AF_ALG = 38
AF_VSOCK = 40
AF_XDP = 44
AF_MAX = 46  # == NPROTO: __sock_create rejects family >= NPROTO with EAFNOSUPPORT

FAMILIES: dict[int, str] = {
    0: "unspec",
    1: "unix",
    2: "inet",
    3: "ax25",
    4: "ipx",
    5: "appletalk",
    6: "netrom",
    7: "bridge",
    8: "atmpvc",
    9: "x25",
    10: "inet6",
    11: "rose",
    12: "decnet",
    13: "netbeui",
    14: "security",
    15: "key",
    16: "netlink",
    17: "packet",
    18: "ash",
    19: "econet",
    20: "atmsvc",
    21: "rds",
    22: "sna",
    23: "irda",
    24: "pppox",
    25: "wanpipe",
    26: "llc",
    27: "ib",
    28: "mpls",
    29: "can",
    30: "tipc",
    31: "bluetooth",
    32: "iucv",
    33: "rxrpc",
    34: "isdn",
    35: "phonet",
    36: "ieee802154",
    37: "caif",
    38: "alg",
    39: "nfc",
    40: "vsock",
    41: "kcm",
    42: "qipcrtr",
    43: "smc",
    44: "xdp",
    45: "mctp",
}
FAMILY_ALIASES: dict[str, int] = {"local": 1, "file": 1, "ipv4": 2, "ipv6": 10, "route": 16}

# --- types (include/linux/net.h) -------------------------------------------------------

SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOCK_RDM = 4
SOCK_SEQPACKET = 5
SOCK_DCCP = 6
SOCK_PACKET = 10
SOCK_MAX = 11  # __sock_create: type >= SOCK_MAX -> EINVAL
SOCK_TYPE_MASK = 0xF
SOCK_CLOEXEC = 0o2000000  # O_CLOEXEC on x86_64
SOCK_NONBLOCK = 0o4000  # O_NONBLOCK on x86_64

TYPES: dict[int, str] = {
    1: "stream",
    2: "dgram",
    3: "raw",
    4: "rdm",
    5: "seqpacket",
    6: "dccp",
    10: "packet",
}
TYPE_FLAGS: dict[int, str] = {SOCK_CLOEXEC: "cloexec", SOCK_NONBLOCK: "nonblock"}

# --- IP protocols (include/uapi/linux/in.h, in6.h) -------------------------------------

IPPROTO_IP = 0
IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_ICMPV6 = 58
IPPROTO_UDPLITE = 136
IPPROTO_RAW = 255
IPPROTO_MPTCP = 262
IPPROTO_MAX = 263  # inet_create / inet6_create: protocol >= IPPROTO_MAX -> EINVAL

IP_PROTOCOLS: dict[int, str] = {
    0: "ip",
    1: "icmp",
    2: "igmp",
    4: "ipip",
    6: "tcp",
    8: "egp",
    12: "pup",
    17: "udp",
    22: "idp",
    29: "tp",
    33: "dccp",
    41: "ipv6",
    43: "routing",
    44: "fragment",
    46: "rsvp",
    47: "gre",
    50: "esp",
    51: "ah",
    58: "icmpv6",
    59: "none",
    60: "dstopts",
    92: "mtp",
    94: "beetph",
    98: "encap",
    103: "pim",
    108: "comp",
    115: "l2tp",
    132: "sctp",
    135: "mh",
    136: "udplite",
    137: "mpls",
    143: "ethernet",
    144: "aggfrag",
    255: "raw",
    256: "smc",
    262: "mptcp",
}
IP_PROTOCOL_ALIASES: dict[str, int] = {"hopopts": 0, "ipip4": 4, "icmp6": 58, "ipv6-icmp": 58}

# --- netlink protocols (include/uapi/linux/netlink.h) ----------------------------------

NETLINK_MAX_LINKS = 32  # netlink_create: protocol >= MAX_LINKS -> EPROTONOSUPPORT

NETLINK_PROTOCOLS: dict[int, str] = {
    0: "route",
    1: "unused",
    2: "usersock",
    3: "firewall",
    4: "sock_diag",
    5: "nflog",
    6: "xfrm",
    7: "selinux",
    8: "iscsi",
    9: "audit",
    10: "fib_lookup",
    11: "connector",
    12: "netfilter",
    13: "ip6_fw",
    14: "dnrtmsg",
    15: "kobject_uevent",
    16: "generic",
    18: "scsitransport",
    19: "ecryptfs",
    20: "rdma",
    21: "crypto",
    22: "smc",
}
NETLINK_ALIASES: dict[str, int] = {"inet_diag": 4, "rtnetlink": 0, "genl": 16, "uevent": 15}

# --- AF_PACKET protocols: ETH_P_* in network byte order --------------------------------


def htons(value: int) -> int:
    return ((value & 0xFF) << 8) | ((value >> 8) & 0xFF)


ETH_P: dict[str, int] = {
    "all": 0x0003,
    "ip": 0x0800,
    "arp": 0x0806,
    "ipv6": 0x86DD,
    "8021q": 0x8100,
    "loop": 0x0060,
}
PACKET_PROTOCOLS: dict[int, str] = {htons(v): k for k, v in ETH_P.items()}


class UnknownName(ValueError):
    """A name that is not in the table; ``choices`` lists the valid names."""

    def __init__(self, what: str, value: object, choices: list[str]):
        self.what = what
        self.value = value
        self.choices = choices
        super().__init__(f"unknown {what} {value!r}; valid: {', '.join(choices)} or a number")


def _number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            return int(text, 0)
        except ValueError:
            return None
    return None


def _lookup(
    what: str,
    value: object,
    table: dict[int, str],
    aliases: dict[str, int],
    prefixes: tuple[str, ...],
) -> int:
    number = _number(value)
    if number is not None:
        return number
    if not isinstance(value, str):
        raise UnknownName(what, value, sorted(table.values()))
    text = value.strip().lower()
    for prefix in prefixes:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    by_name = {name: num for num, name in table.items()}
    by_name.update(aliases)
    if text in by_name:
        return by_name[text]
    raise UnknownName(what, value, sorted(table.values()))


def parse_family(value: object) -> int:
    """``inet6`` / ``AF_INET6`` / ``PF_INET6`` / ``10`` -> 10."""
    return _lookup("family", value, FAMILIES, FAMILY_ALIASES, ("af_", "pf_"))


def parse_type(value: object) -> int:
    """``raw`` / ``SOCK_RAW`` / ``3`` -> 3 (the base type, without flags)."""
    return _lookup("type", value, TYPES, {}, ("sock_",))


def parse_type_with_flags(value: object) -> int:
    """``raw|cloexec`` / ``SOCK_RAW|SOCK_NONBLOCK`` / ``0x80003`` -> the full type argument."""
    if isinstance(value, str) and "|" in value:
        total = 0
        for part in value.split("|"):
            part_l = part.strip().lower().removeprefix("sock_")
            flag = {v: k for k, v in TYPE_FLAGS.items()}.get(part_l)
            total |= flag if flag is not None else parse_type(part)
        return total
    return parse_type(value)


def protocol_table(family: int) -> tuple[dict[int, str], dict[str, int], tuple[str, ...]]:
    """The protocol namespace the ``protocol`` argument of socket() has in ``family``."""
    if family in (AF_INET, AF_INET6):
        return IP_PROTOCOLS, IP_PROTOCOL_ALIASES, ("ipproto_",)
    if family == AF_NETLINK:
        return NETLINK_PROTOCOLS, NETLINK_ALIASES, ("netlink_",)
    if family == AF_PACKET:
        return PACKET_PROTOCOLS, {}, ("eth_p_",)
    return {}, {}, ()


def parse_protocol(value: object, family: int | None) -> int:
    """Protocol name in the namespace of ``family`` (IPPROTO_*, NETLINK_*, ETH_P_*) or number.

    With ``family`` None (a rule over several families) only numbers and the IP names
    are accepted.
    """
    table, aliases, prefixes = protocol_table(family if family is not None else AF_INET)
    if not table:
        number = _number(value)
        if number is None:
            raise UnknownName(
                f"protocol for family {family_name(family or 0)}",
                value,
                ["a number (this family has no protocol names)"],
            )
        return number
    what = "protocol" if family is None else f"protocol for family {family_name(family)}"
    return _lookup(what, value, table, aliases, prefixes)


def family_name(family: int) -> str:
    return FAMILIES.get(family, str(family))


def type_name(type_: int) -> str:
    """Base type and flags: ``raw|cloexec``; unknown bits are shown in hex."""
    base = type_ & SOCK_TYPE_MASK if type_ >= 0 else type_
    parts = [TYPES.get(base, str(base))]
    if type_ >= 0:
        rest = type_ & ~SOCK_TYPE_MASK
        for bit, name in TYPE_FLAGS.items():
            if rest & bit:
                parts.append(name)
                rest &= ~bit
        if rest:
            parts.append(hex(rest))
    return "|".join(parts)


def protocol_name(family: int, protocol: int) -> str:
    table, _, _ = protocol_table(family)
    return table.get(protocol, str(protocol))


# Python's errorcode picks ENOTSUP for 95; the socket layer's name for it is EOPNOTSUPP.
_ERRNO_NAMES = {errno_mod.EOPNOTSUPP: "EOPNOTSUPP"}


def errno_name(err: int) -> str:
    """ "EPERM" for 1, ..., the number as text when it has no name."""
    return _ERRNO_NAMES.get(err) or errno_mod.errorcode.get(err, str(err))
