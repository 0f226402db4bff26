"""The shipped known-bug catalogue against real crash logs: each entry's evidence.

Every entry with a signature must match the real crash logs of its bug (syzbot's reports
in the shared corpus, or the realworld logs) and nothing else in the whole corpus: the
table below is the complete list of what each entry matches, so an entry that starts
matching another bug's crash fails here and must be narrowed. The same-subsystem cases
say which neighbouring crashes an entry must leave alone, and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from corpus import SYZ, syz_log
from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log

REALWORLD = Path(__file__).parent / "data" / "realworld"

# bug id -> {log: certainty}: every report each entry matches across the syzkaller corpus
# ("syz/<case>") and the realworld logs ("rw/<name>"), and how sure the match is.
EXPECTED: dict[str, dict[str, str]] = {
    "af-alg-crash": {"syz/130": "possible", "syz/139": "possible", "syz/751": "possible"},
    "af-rds-crash": {
        "syz/202": "matched",  # suspicious RCU usage in rds_tcp_conn_alloc
        "syz/203": "matched",  # suspicious RCU usage in rds_loop_conn_alloc
        "syz/206": "matched",  # sleeping function called ... in rds_loop_conn_alloc
        "syz/575": "matched",  # WARNING in rds_rdma_extra_size
    },
    "ip6mr-sk-done-netns-setup": {
        "rw/centos7-dockerd-ip6mr": "matched",
        "rw/centos7-dockerd-ip6mr-cut": "probable",
    },
    # socket-family-classes.yaml: narrowed to the code a socket of the family reaches
    "sctp-crash": {
        "syz/37": "matched",  # bad unlock balance in sctp_sendmsg
        "syz/125": "matched",  # bad usercopy in sctp_getsockopt
        "syz/157": "matched",  # refcount bug in sctp_wfree
        "syz/286": "matched",  # rcu stall in sctp_generate_heartbeat_event
        "syz/397": "matched",  # held lock freed in sctp_sendmsg
        "syz/583": "matched",  # kernel BUG in sctp_packet_transmit
        "syz/635": "matched",  # KMSAN: uninit-value in sctp_epaddr_lookup_transport
    },
    "af-packet-crash": {"syz/640": "matched"},  # WARNING in packet_release
    "af-x25-crash": {"syz/392": "matched"},  # general protection fault in x25_connect
    "af-tipc-socket-crash": {"syz/148": "matched"},  # gpf in tipc_subscrb_subscrp_delete
    "af-kcm-crash": {"syz/173": "matched"},  # ODEBUG bug in unreserve_psock
    "af-nfc-llcp-socket-crash": {"syz/284": "matched"},  # rcu stall in llcp_sock_sendmsg
    "nf-tables-netlink-crash": {"syz/464": "matched"},  # rcu stall in nf_tables_getgen
}


def _corpus_reports() -> list[tuple[str, Report]]:
    out = []
    for path in sorted((SYZ / "report").iterdir(), key=lambda p: p.name):
        out += [(f"syz/{path.name}", r) for r in parse_log(syz_log(path.name))]
    for path in sorted(REALWORLD.glob("*.log")):
        out += [(f"rw/{path.stem}", r) for r in parse_log(path.read_bytes())]
    return out


@pytest.fixture(scope="module")
def corpus_matches() -> dict[str, dict[str, set[str]]]:
    """bug id -> log -> the certainties of its matches in that log's reports."""
    catalog = load_catalog(extra_dirs=[])
    found: dict[str, dict[str, set[str]]] = {}
    for log, report in _corpus_reports():
        for m in match_all(catalog, report):
            found.setdefault(m.bug_id, {}).setdefault(log, set()).add(m.certainty)
    return found


def test_every_entry_matches_exactly_its_own_crash_logs(corpus_matches) -> None:
    got = {
        bug: {log: "/".join(sorted(c)) for log, c in logs.items()}
        for bug, logs in corpus_matches.items()
    }
    assert got == EXPECTED


def test_every_signature_entry_has_real_evidence_or_is_a_known_gap() -> None:
    # Entries whose bug has no log in the repository or the corpus, kept from before
    # this table existed; a new entry must come with its crash log instead.
    without_logs = {
        "af-packet-set-ring-cve-2017-7308",
        "af-packet-tpacket-rcv-cve-2020-14386",
        "af-vsock-race-cve-2021-26708",
        "af-rds-tcp-kill-sock-cve-2019-11815",
        "nf-tables-verdict-cve-2024-1086",
    }
    catalog = load_catalog(extra_dirs=[])
    with_signature = {e.id for e in catalog.entries.values() if e.signature}
    assert with_signature - without_logs == set(EXPECTED)


# (case, entry that must NOT match it, why): crashes of the same subsystem reached a
# way the entry's fence does not stop, or a different bug in the same code.
SAME_SUBSYSTEM_NON_MATCHES = [
    ("170", "af-tipc-socket-crash", "tipc_bearer_find via TIPC generic netlink"),
    ("709", "af-tipc-socket-crash", "tipc_nl_node_reset_link_stats via generic netlink"),
    ("695", "af-nfc-llcp-socket-crash", "nfc_llcp_unregister_device: device removal"),
    ("464", "nf-tables-verdict-cve-2024-1086", "a stall in nf_tables_getgen, not the CVE"),
    ("721", "nf-tables-netlink-crash", "ila_nf_input: a netfilter hook, not nf_tables"),
    ("583", "af-packet-crash", "sctp_packet_transmit is SCTP, not AF_PACKET"),
    ("52", "sctp-crash", "memory leak in inet6_create"),
    ("224", "af-kcm-crash", "xfrm_state_walk_done"),
]


@pytest.mark.parametrize(("case", "bug_id", "why"), SAME_SUBSYSTEM_NON_MATCHES)
def test_neighbouring_crashes_are_not_matched(case: str, bug_id: str, why: str) -> None:
    catalog = load_catalog(extra_dirs=[])
    catalog.get(bug_id)  # the entry exists: a renamed id must not pass silently
    reports = parse_log(syz_log(case))
    assert reports, case
    for report in reports:
        assert bug_id not in {m.bug_id for m in match_all(catalog, report)}, (report.title, why)


# bug id -> the socket() triple its virtual patch denies, and whether cgroup-BPF (which
# sees only AF_INET/AF_INET6) can enforce it on a kernel without BPF-LSM.
PATCHES = {
    "sctp-crash": ({(2, 132), (10, 132)}, True),
    "af-packet-crash": ({(17, None)}, False),
    "af-x25-crash": ({(9, None)}, False),
    "af-tipc-socket-crash": ({(30, None)}, False),
    "af-kcm-crash": ({(41, None)}, False),
    "af-nfc-llcp-socket-crash": ({(39, None)}, False),
    "nf-tables-netlink-crash": ({(16, 12)}, False),
}


@pytest.mark.parametrize("bug_id", sorted(PATCHES))
def test_virtual_patch_denies_the_trigger_and_says_what_enforces_it(bug_id: str) -> None:
    from hotfence.fence.backends import Coverage, cgroup, lsm
    from hotfence.fence.backends.seccomp import SeccompBackend
    from hotfence.fence.compiled import ANY, Action
    from hotfence.fence.compiler import compile_policy
    from hotfence.fence.policy import parse_policy

    entry = load_catalog(extra_dirs=[]).get(bug_id)
    assert entry.virtual_patch is not None
    policy = compile_policy(parse_policy(yaml.safe_dump(entry.virtual_patch), bug_id))
    assert policy.enforce and policy.default is Action.ALLOW
    denied = {
        (k.family, None if k.protocol == ANY else k.protocol)
        for k, v in policy.create.items()
        if v.action is Action.DENY
    }
    want, cgroup_enforces = PATCHES[bug_id]
    assert denied == want
    assert all(k.kern == 0 for k in policy.create)  # kernel sockets are never blocked
    by_cgroup = {c.coverage for c in cgroup.coverage(policy)}
    if cgroup_enforces:
        assert by_cgroup == {Coverage.FULL}
    else:
        (gap,) = cgroup.coverage(policy)
        assert gap.coverage is Coverage.NONE and "only runs for AF_INET/AF_INET6" in gap.reason
    # Where cgroup-BPF cannot, BPF-LSM and seccomp can: every family at socket().
    assert {c.coverage for c in lsm.coverage(policy)} == {Coverage.FULL}
    assert {c.coverage for c in SeccompBackend().coverage(policy)} == {Coverage.FULL}
