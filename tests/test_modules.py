"""print_modules()'s list in reports (hotfence.triage.modules), on the realworld logs."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from hotfence.triage.modules import linked_modules
from hotfence.triage.parser import parse_log

DATA = Path(__file__).parent / "data" / "realworld"


def _split_modules_line(log: str, at_name: str) -> str:
    """``log`` with its ``Modules linked in:`` record split before module ``at_name``, as
    3.x/4.x printk stored a pr_cont() run longer than its continuation buffer: the rest
    as a record of its own, with its own prefix and the space printed before the name
    (kernel/printk/printk.c cont_add() flushing a full cont buffer)."""
    lines = log.splitlines(keepends=True)
    for i, line in enumerate(lines):
        head, sep, listed = line.partition("Modules linked in:")
        if sep:
            before, _, after = listed.partition(f" {at_name} ")
            prefix = head  # the record's printk time (and syslog) prefix, as printed
            lines[i] = f"{head}{sep}{before}\n{prefix} {at_name} {after}"
            return "".join(lines)
    raise AssertionError("no Modules linked in: line")


def test_a_list_split_over_two_records_is_read_whole() -> None:
    log = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    whole = parse_log(log)[0]
    split = parse_log(_split_modules_line(log, "dm_thin_pool"))[0]
    assert len(whole.modules) == 36
    assert split.modules == whole.modules
    assert split.tainting_modules == ["overlay(T)"]
    assert split.title == whole.title


def test_a_syslog_list_split_over_two_records_is_read_whole() -> None:
    log = (DATA / "rhel6-syslog-old-warning.log").read_text()
    whole = parse_log(log)[0]
    split = parse_log(_split_modules_line(log, "ipv6"))[0]
    assert whole.modules[:3] == ["bonding", "8021q", "garp"]
    assert split.modules == whole.modules


def _squeezed_mail(log: str, width: int) -> str:
    """``log`` as an LKFT report on a list archive shows it: each line with its record's
    level, "<4>[  211.002701] ", wrapped by the mail client at ``width`` columns, then
    the time's padding squeezed by the archive's HTML ("<4>[ 211.002701] ")."""
    rows = []
    for line in log.splitlines():
        m = re.match(r"\[ *(\d+\.\d+)\] ?(.*)", line)
        # (the times made three digits long, as in a test run minutes after boot)
        row = f"<4>[{float(m[1]) - 4000:12.6f}] {m[2]}" if m else line
        rows += textwrap.wrap(row, width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(re.sub(r"^<4>\[ +", "<4>[ ", r) for r in rows) + "\n"


def test_a_list_a_mail_wrapped_over_rows_of_a_squeezed_log_is_read_whole() -> None:
    """print_modules() prints one line; a mail client's wrap carries its names on over
    bare rows. Where an archive squeezed the printk time's blanks, a cut row is shorter
    than the wrap: "<4>[ 203.133483] Modules linked in: btrfs blake2b_generic libcrc32c"
    (67 columns) goes on "xor xor_neon ...". Every row of names is the list's."""
    log = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    whole = parse_log(log)[0]
    mail = _squeezed_mail(log, 69)
    assert re.search(r"^<4>\[ \d{3}\.\d{6}\] Modules linked in: .*\n[a-z]", mail, re.M)
    wrapped = parse_log(mail)[0]
    assert len(whole.modules) == 36
    assert wrapped.modules == whole.modules
    assert wrapped.tainting_modules == ["overlay(T)"]
    assert wrapped.rip is not None and whole.rip is not None
    assert wrapped.rip.function == whole.rip.function


def test_a_list_cut_mid_name_by_a_terminal_keeps_no_part_of_a_name() -> None:
    """A terminal (a tmux pane, a wide console) wraps a prefixed log's list line at its
    width, mid-name, the rest on a row without the prefix: "... sha256_generic cf" then
    "g80211 ...". One row that wide is no proof of the width, nor are rows of names
    that no list end follows; the name the row ends with may be cut, and is not kept."""
    log = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    whole = parse_log(log)[0]
    line = next(ln for ln in log.splitlines() if "Modules linked in:" in ln)
    width = line.index(" dm_thin_pool ") + len(" dm_thin")  # inside "dm_thin_pool"
    # The rest over two more rows (a narrower pane than the first row's width): the row
    # after the first rest is no list end, so no row proves the cut (_modules_row_cut).
    cut = log.replace(line, f"{line[:width]}\n{line[width : width + 50]}\n{line[width + 50 :]}")
    assert "] Modules linked in: " in cut and "\n_pool dm_persistent_data" in cut
    rep = parse_log(cut)[0]
    kept = whole.modules[: whole.modules.index("dm_thin_pool")]
    assert rep.modules == kept and "dm_thin" not in rep.modules
    assert rep.tainting_modules == ["overlay(T)"]
    assert rep.title == whole.title


def test_the_last_unloaded_module_in_a_record_of_its_own_is_read() -> None:
    """3.5-4.x printk stores a pr_cont() piece that no longer fits its continuation
    buffer as a record of its own (cont_add()): the split may come right before
    print_modules()'s " [last unloaded: %s]", alone on its line."""
    log = (DATA / "rhel6-irq-marker-frames.log").read_text()
    whole = parse_log(log)[0]
    assert whole.last_unloaded_module == "scsi_wait_scan"
    split = log.replace(" [last unloaded: ", "\n [last unloaded: ", 1)
    rep = parse_log(split)[0]
    assert rep.last_unloaded_module == "scsi_wait_scan"
    assert rep.modules == whole.modules
    assert rep.title == whole.title


def test_flags_last_unloaded_and_what_ends_the_list() -> None:
    mods = linked_modules(
        [
            "Modules linked in: nvidia(POE) zfs(PO) veth foo(-) [last unloaded: ipmi_si(E)]",
            " CPU: 0 PID: 1 Comm: init Tainted: P           OE     6.1.0 #1",
        ]
    )
    assert mods is not None
    assert mods.names == ["nvidia", "zfs", "veth", "foo"]
    assert mods.tainting == ["nvidia(POE)", "zfs(PO)", "foo(-)"]
    assert mods.last_unloaded == "ipmi_si"
    # A trace line after the list is not more of it.
    mods = linked_modules(["Modules linked in: veth", " ? do_syscall_64+0x1/0x2"])
    assert mods is not None and mods.names == ["veth"]
    assert linked_modules(["Modules linked in:"]) is not None
    assert linked_modules(["CPU: 0 PID: 1"]) is None


def test_a_list_run_into_the_task_header_ends_before_it() -> None:
    # An 80-column console's rows joined back: the list's last row was exactly 80 wide,
    # so the task header after it reads as its rest ("... dm_log dm_modCPU: 4 PID: ...").
    log = (DATA / "ppc64-rhel7-elfv1-oops.log").read_text()
    whole = parse_log(log)[0]
    bare = re.sub(r"(?m)^\[ *\d+\.\d+\] ", "", log)
    rows = [ln[i : i + 80] for ln in bare.splitlines() for i in range(0, max(len(ln), 1), 80)]
    wrapped = parse_log("\n".join(rows) + "\n")[0]
    assert len(whole.modules) == 15
    assert wrapped.modules == whole.modules
    assert wrapped.tainting_modules == ["mydrv(OF)"]
    mods = linked_modules(["Modules linked in: veth [last unloaded: x]CPU: 0 PID: 1 Comm: sh"])
    assert mods is not None and mods.names == ["veth"] and mods.last_unloaded == "x"


def test_the_last_unloaded_module_after_the_unloaded_tainted_ones() -> None:
    # CONFIG_MODULE_UNLOAD_TAINT_TRACKING: print_unloaded_tainted_modules() prints its
    # record between the names and print_modules()'s " [last unloaded: %s%s]", which
    # ends that record (x86's "CR2:" after it, as in the 6.12 log).
    log = (DATA / "x86-6.12.115-null-deref.log").read_text()
    whole = parse_log(log)[0]
    head, sep, rest = log.partition("9pnet netfs\n")
    tracked = (
        f"{head}{sep}[    4.893530] Unloaded tainted modules: nvidia(POE):1 zfs(PO):2"
        f" [last unloaded: nvidia(POE)]\n{rest}"
    )
    rep = parse_log(tracked)[0]
    assert (
        rep.modules == whole.modules == ["hotfence_crash", "9p", "9pnet_virtio", "9pnet", "netfs"]
    )
    assert rep.tainting_modules == ["hotfence_crash(OE)"]
    assert whole.last_unloaded_module is None
    assert rep.last_unloaded_module == "nvidia"
    assert rep.title == whole.title
    # The record split in two, its last unloaded one on the rest.
    mods = linked_modules(
        [
            "Modules linked in: veth",
            "Unloaded tainted modules: a(OE):1",
            " b(OE):2 [last unloaded: b(OE)]",
            "CPU: 0 PID: 1 Comm: sh",
        ]
    )
    assert mods is not None and mods.names == ["veth"] and mods.last_unloaded == "b"
