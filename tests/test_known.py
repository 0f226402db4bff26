"""The known-bug catalogue and its matching against real crash logs."""

from __future__ import annotations

import pytest

from corpus import syz_log
from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.linux.kernelver import VersionRange, in_any, parse_version
from hotfence.store import CrashStore
from hotfence.triage.parser import parse_log
from hotfence.yamlsource import SourceError


def test_builtin_catalogue_loads_with_the_seed_entries():
    catalog = load_catalog(extra_dirs=[])
    ip6mr = catalog.get("ip6mr-sk-done-netns-setup")
    assert set(ip6mr.fixes) == {"15e668070a64", "afe49de44c27"}
    # The seed's workaround is documented as not working; the boot parameter is.
    by_action = {m.action: m for m in ip6mr.mitigations}
    assert by_action["net.ipv6.conf.all.disable_ipv6=1"].effective is False
    assert by_action["ipv6.disable=1"].effective is True
    assert ip6mr.virtual_patch is None  # the trigger is a kernel socket
    assert catalog.get("copy-fail-af-alg").cve == ["CVE-2026-31431"]
    families = set()
    for e in catalog.entries.values():
        for rule in e.virtual_patch["spec"]["rules"] if e.virtual_patch else []:
            family = rule["socket"]["family"]  # one name or a list of them
            families |= set(family) if isinstance(family, list) else {family}
    assert {"alg", "rds", "packet", "vsock", "netlink", "inet", "xdp", "bluetooth"} <= families


def test_bad_user_entry_names_file_line_and_field(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "id: my-bug\nsummary: x\nmitigations:\n  - kind: prayer\n    action: hope\n"
    )
    with pytest.raises(SourceError) as err:
        load_catalog(extra_dirs=[tmp_path])
    text = str(err.value)
    assert "mine.yaml:4" in text and "mitigations[0].kind" in text and "kernel-upgrade" in text


def test_duplicate_id_across_files_is_an_error(tmp_path):
    (tmp_path / "dup.yaml").write_text("id: af-rds-crash\nsummary: again\n")
    with pytest.raises(SourceError, match=r"dup.yaml:1: id: 'af-rds-crash' already defined"):
        load_catalog(extra_dirs=[tmp_path])


def test_user_entries_are_added(tmp_path):
    (tmp_path / "mine.yaml").write_text("id: my-bug\nsummary: mine\nsignature:\n  rip: [my_func]\n")
    assert "my-bug" in load_catalog(extra_dirs=[tmp_path]).entries


def test_kernel_versions_and_ranges():
    assert parse_version("6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1") == (6, 1, 158)
    assert parse_version("5.15.0-91-generic") == (5, 15, 0)
    with pytest.raises(ValueError, match="not a kernel version"):
        parse_version("linux")
    fixed_in_61_76 = [VersionRange((3, 15, 0), (6, 1, 76)), VersionRange((6, 2, 0), (6, 6, 15))]
    assert in_any("6.1.75", fixed_in_61_76)
    assert not in_any("6.1.76", fixed_in_61_76)
    assert in_any("6.5.0", fixed_in_61_76)
    assert not in_any("6.6.15", fixed_in_61_76)


@pytest.mark.parametrize(
    ("case", "bug_id", "evidence"),
    [
        ("130", "af-alg-crash", "aead_recvmsg"),  # KASAN: use-after-free Read in aead_recvmsg
        ("575", "af-rds-crash", "rds_rdma_extra_size"),  # WARNING in rds_rdma_extra_size
    ],
)
def test_real_crash_logs_match_their_family_entry(case, bug_id, evidence):
    catalog = load_catalog(extra_dirs=[])
    report = parse_log(syz_log(case))[0]
    matches = {m.bug_id: m for m in match_all(catalog, report)}
    assert bug_id in matches
    assert any(evidence in e for e in matches[bug_id].evidence)
    assert any(m.startswith("virtual-patch:") for m in matches[bug_id].mitigations)


def test_unrelated_crash_matches_nothing():
    catalog = load_catalog(extra_dirs=[])
    report = parse_log(syz_log("413"))[0]  # KASAN in iowarrior_disconnect (USB driver)
    assert match_all(catalog, report) == []


def test_every_virtual_patch_is_a_valid_policy():
    import yaml

    from hotfence.fence.compiler import compile_policy
    from hotfence.fence.policy import parse_policy

    catalog = load_catalog(extra_dirs=[])
    patched = [e for e in catalog.entries.values() if e.virtual_patch]
    assert len(patched) >= 6
    for entry in patched:
        compiled = compile_policy(parse_policy(yaml.safe_dump(entry.virtual_patch), entry.id))
        assert compiled.enforce and compiled.rules
        # A virtual patch fences user sockets only: kernel sockets are never blocked.
        for key, _verdict in compiled.create.items():
            assert key.kern == 0, (entry.id, key)


def test_triage_cli_reports_known_bug_and_stores_crashes(tmp_path):
    import json

    from click.testing import CliRunner

    from corpus import SYZ
    from hotfence.cli import main

    log = tmp_path / "alg.log"
    log.write_text(syz_log("130"))
    db = tmp_path / "store.sqlite"
    runner = CliRunner()
    for _ in range(2):  # the second run must not count the same crash again
        result = runner.invoke(main, ["triage", "-o", "json", "--db", str(db), str(log)])
        assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["files"][0]["reports"][0]
    match = report["known_bugs"][0]
    assert match["bug_id"] == "af-alg-crash"
    assert (
        "virtual-patch: hotfence patch apply af-alg-crash --cgroup <container cgroup>"
        in match["mitigations"]
    )
    with CrashStore.open(db) as store:
        assert [(g.title, g.count) for g in store.groups()] == [
            ("KASAN: use-after-free Read in aead_recvmsg", 1)
        ]
    assert SYZ.is_dir()
