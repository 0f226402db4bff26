"""The shipped known-bug catalogue against real crash logs: each entry's evidence.

Every entry with a signature must match the real crash logs of its bug (syzbot's reports
in the shared corpus, or the realworld logs) and nothing else in the whole corpus: the
table below is the complete list of what each entry matches, so an entry that starts
matching another bug's crash fails here and must be narrowed. The same-subsystem cases
say which neighbouring crashes an entry must leave alone, and why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from corpus import SYZ, syz_log
from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from kernel_helpers import requires_cgroup_bpf, run_socket_calls, scratch_cgroup

REALWORLD = Path(__file__).parent / "data" / "realworld"
EPERM, AF_INET, AF_INET6, SOCK_STREAM, IPPROTO_TCP, IPPROTO_MPTCP = 1, 2, 10, 1, 6, 262

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
    # socket-family-fixed.yaml
    "mptcp-pm-del-add-timer-uaf-cve-2025-40257": {"syz/737": "matched"},
    "af-xdp-xskq-create-zero-size": {"syz/697": "matched"},
    "bluetooth-l2cap-sock-teardown-uaf": {
        "syz/539": "matched",  # WARNING: locking bug in l2cap_sock_teardown_cb (5.4.83)
        "syz/572": "matched",  # KASAN: invalid-access Read in l2cap_sock_teardown_cb (arm64)
    },
    "sctp-sendmsg-peeloff-cve-2017-6353": {"syz/37": "matched"},  # bad unlock balance
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
    "af-netrom-crash": {"syz/391": "matched"},  # KASAN: use-after-free Read in nr_release
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
    ("406", "bluetooth-l2cap-sock-teardown-uaf", "hci_register_dev: HCI device code"),
    ("50", "mptcp-pm-del-add-timer-uaf-cve-2025-40257", "__tcp_select_window: plain TCP"),
    ("547", "mptcp-pm-del-add-timer-uaf-cve-2025-40257", "stall in tcp_setsockopt"),
    ("52", "sctp-crash", "memory leak in inet6_create"),
    ("397", "sctp-sendmsg-peeloff-cve-2017-6353", "held lock freed in sctp_sendmsg on 4.3"),
    ("583", "sctp-sendmsg-peeloff-cve-2017-6353", "kernel BUG in sctp_packet_transmit"),
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


@pytest.mark.parametrize(
    ("case", "bug_id", "evidence"),
    [
        (
            "737",
            "mptcp-pm-del-add-timer-uaf-cve-2025-40257",
            "call trace has mptcp_pm_del_add_timer",
        ),
        ("697", "af-xdp-xskq-create-zero-size", "call trace has xskq_create, xsk_setsockopt"),
        ("572", "bluetooth-l2cap-sock-teardown-uaf", "l2cap_sock_teardown_cb, l2cap_chan_timeout"),
    ],
)
def test_fixed_bugs_match_with_their_trace(case: str, bug_id: str, evidence: str) -> None:
    catalog = load_catalog(extra_dirs=[])
    (match,) = [m for m in match_all(catalog, parse_log(syz_log(case))[0]) if m.bug_id == bug_id]
    assert match.certainty == "matched" and match.missing == []
    assert any(evidence in e for e in match.evidence), match.evidence
    assert f"virtual-patch: hotfence patch apply {bug_id} --cgroup <container cgroup>" in (
        match.mitigations
    )


def test_patch_show_gives_the_fix_and_leaves_the_unknown_range_unknown() -> None:
    from click.testing import CliRunner

    from hotfence.cli import main

    bug_id = "mptcp-pm-del-add-timer-uaf-cve-2025-40257"
    res = CliRunner().invoke(main, ["patch", "show", bug_id])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert "CVE: CVE-2025-40257" in lines
    assert "fixed upstream by: 426358d9be7c, b4cd80b03389" in lines
    assert any(line.startswith("affected: unknown") for line in lines)
    assert f"  - virtual-patch: hotfence patch apply {bug_id} --cgroup <container cgroup>" in lines
    listed = CliRunner().invoke(main, ["patch", "list", "-o", "json"])
    assert listed.exit_code == 0, listed.output
    assert set(PATCHES) <= {e["id"] for e in json.loads(listed.stdout)}


def test_new_entries_cite_their_fix_and_only_confirmed_cves() -> None:
    catalog = load_catalog(extra_dirs=[])
    facts = {
        "mptcp-pm-del-add-timer-uaf-cve-2025-40257": (["CVE-2025-40257"], "426358d9be7c"),
        "af-xdp-xskq-create-zero-size": ([], "a12bbb3cccf0"),
        "bluetooth-l2cap-sock-teardown-uaf": ([], "1bff51ea59a9"),
        # the fix's subject is cited; its commit id could not be confirmed
        "sctp-sendmsg-peeloff-cve-2017-6353": (["CVE-2017-6353"], None),
    }
    for bug_id, (cves, fix) in facts.items():
        entry = catalog.get(bug_id)
        assert entry.cve == cves
        assert fix in entry.fixes if fix else entry.fixes == []
        assert entry.affected == []  # no confirmed range: left out, not guessed
        assert entry.affects("6.1.0-56-amd64") is None


# bug id -> the socket() (family, type, protocol) its virtual patch denies (None: any),
# and whether cgroup-BPF (which sees only AF_INET/AF_INET6) can enforce it on a kernel
# without BPF-LSM.
PATCHES = {
    "mptcp-pm-del-add-timer-uaf-cve-2025-40257": ({(2, None, 262), (10, None, 262)}, True),
    "sctp-crash": ({(2, None, 132), (10, None, 132)}, True),
    "sctp-sendmsg-peeloff-cve-2017-6353": ({(2, 5, 132), (10, 5, 132)}, True),
    "af-xdp-xskq-create-zero-size": ({(44, None, None)}, False),
    "bluetooth-l2cap-sock-teardown-uaf": ({(31, None, None)}, False),
    "af-packet-crash": ({(17, None, None)}, False),
    "af-x25-crash": ({(9, None, None)}, False),
    "af-netrom-crash": ({(6, None, None)}, False),
    "af-tipc-socket-crash": ({(30, None, None)}, False),
    "af-kcm-crash": ({(41, None, None)}, False),
    "af-nfc-llcp-socket-crash": ({(39, None, None)}, False),
    "nf-tables-netlink-crash": ({(16, None, 12)}, False),
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
        (
            k.family,
            None if k.type == ANY else k.type,
            None if k.protocol == ANY else k.protocol,
        )
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


@pytest.mark.kernel
@requires_cgroup_bpf
def test_mptcp_patch_denies_mptcp_sockets_in_its_cgroup_only(tmp_path, monkeypatch) -> None:
    """On this kernel (no BPF-LSM) cgroup-BPF enforces the MPTCP patch: MPTCP sockets get
    EPERM inside the fenced cgroup, plain TCP still works there, and a cgroup beside it
    is untouched."""
    from click.testing import CliRunner

    from hotfence.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # where patch apply writes the policy
    bug_id = "mptcp-pm-del-add-timer-uaf-cve-2025-40257"
    calls = [
        ("socket", AF_INET, SOCK_STREAM, IPPROTO_MPTCP),
        ("socket", AF_INET6, SOCK_STREAM, IPPROTO_MPTCP),
        ("socket", AF_INET, SOCK_STREAM, IPPROTO_TCP),
    ]
    with scratch_cgroup("mptcp") as fenced, scratch_cgroup("beside") as beside:
        assert run_socket_calls(fenced, calls).results == [0, 0, 0]  # MPTCP works here
        res = CliRunner().invoke(main, ["patch", "apply", bug_id, "--cgroup", str(fenced)])
        try:
            assert res.exit_code == 0, res.output
            assert "applied 'deny-mptcp'" in res.stdout and "via cgroup" in res.stdout
            assert "1 enforced, 0 partial, 0 NOT ENFORCED" in res.stdout
            assert run_socket_calls(fenced, calls).results == [EPERM, EPERM, 0]
            assert run_socket_calls(beside, calls).results == [0, 0, 0]
        finally:
            removed = CliRunner().invoke(main, ["fence", "remove", "--cgroup", str(fenced)])
            assert removed.exit_code == 0, removed.output
        assert run_socket_calls(fenced, calls).results == [0, 0, 0]


@pytest.mark.kernel
@requires_cgroup_bpf
def test_a_patch_is_applied_only_where_the_kernel_enforces_it(tmp_path, monkeypatch) -> None:
    """AF_XDP is outside what cgroup-BPF sees. Without BPF-LSM, `patch apply` must say so
    and apply nothing rather than report a fence that stops nothing; with BPF-LSM it is
    applied through it."""
    from click.testing import CliRunner

    from hotfence.cli import main
    from hotfence.fence.backends import cgroup as backend
    from hotfence.fence.backends import probe
    from hotfence.fence.model import Backend

    (lsm_probe,) = [p for p in probe() if p.backend == Backend.LSM.value]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with scratch_cgroup("xdp") as cg:
        res = CliRunner().invoke(
            main, ["patch", "apply", "af-xdp-xskq-create-zero-size", "--cgroup", str(cg)]
        )
        if lsm_probe.available:
            try:
                assert res.exit_code == 0 and "via lsm" in res.stdout, res.output
            finally:
                CliRunner().invoke(main, ["fence", "remove", "--cgroup", str(cg)])
            return
        assert res.exit_code != 0, res.output
        assert "cannot be enforced by cgroup" in res.stderr
        assert "only runs for AF_INET/AF_INET6" in res.stderr
        assert cg.stat().st_ino not in {a.cgroup_id for a in backend.applied()}
