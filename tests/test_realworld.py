"""Real-world log shapes (tests/data/realworld): every distribution's header, every
architecture's registers and trace, syslog files that mix programs and kernel.

Table-driven: ``expected.yaml`` beside the logs says what each log's crash must yield;
the README there says where each log comes from.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from corpus import SYZ, syz_log
from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.triage.fields import call_trace, parse_frame, stall_own_lines, task_fields
from hotfence.triage.lines import from_userspace, journal_host
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks
from hotfence.triage.reader import ReadLimits, line_blocks
from test_realworld_arch import reworded
from test_realworld_wrap import _facts

DATA = Path(__file__).parent / "data" / "realworld"
LAB = Path(__file__).parent / "lab"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((DATA / "expected.yaml").read_text())["logs"]


def _reports(name: str) -> list[Report]:
    return parse_log((DATA / f"{name}.log").read_bytes())


def _titles_beside(lines: str, log: str, at: int = 0) -> tuple[list[str], str]:
    """The report titles of ``log`` with ``lines`` put in at ``at``, and the title of
    ``log``'s one report alone: lines that are no report add none beside a real one."""
    (alone,) = parse_log(log)
    return [r.title for r in parse_log(log[:at] + lines + log[at:])], alone.title


def _wall_message(msg: str) -> str:
    """rsyslog's wall message of a kernel record to logged-in users' terminals (its
    WallFmt template: "Message from syslogd@HOST at TIME ...", then " TAG:MSG")."""
    return f"\r\n\aMessage from syslogd@bench at Nov 24 10:00:02 ...\r\n kernel:{msg}\n"


def test_every_log_has_facts_and_every_fact_a_log() -> None:
    assert {p.stem for p in DATA.glob("*.log")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_log_yields_its_facts(name: str) -> None:
    e = EXPECTED[name]
    reports = _reports(name)
    assert len(reports) == e["reports"], [r.title for r in reports]
    if not reports:
        return  # a log with no crash in it (e.g. SysRq backtraces): nothing else to check
    rep = reports[0]
    assert rep.title == e["title"]
    if "type" in e:
        assert rep.type == e["type"]
    if "first_line" in e:
        assert rep.text.splitlines()[0] == e["first_line"]
    if "corrupted" in e:
        assert rep.corrupted is e["corrupted"], rep.corrupted_reason
    for field, attr in (
        ("release", "kernel_release"),
        ("comm", "comm"),
        ("pid", "pid"),
        ("cpu", "cpu"),
        ("taint", "taint"),
        ("oom_memcg", "oom_memcg"),
        ("task_memcg", "task_memcg"),
    ):
        if field in e:
            assert getattr(rep, attr) == e[field], field
    if "taint_flags" in e:
        assert rep.taint_flags == e["taint_flags"]
    for alt in e.get("alt_titles_include", []):
        assert alt in rep.alt_titles, rep.alt_titles
    if "looping_function" in e:
        assert rep.looping_function == e["looping_function"]
    if "rip" in e:
        assert rep.rip is not None and rep.rip.function == e["rip"]
    functions = [f.function for f in rep.frames]
    if "frames" in e:
        assert functions[: len(e["frames"])] == e["frames"]
    for fn in e.get("frames_include", []):
        assert fn in functions
    for line in e.get("context", []):
        assert line in rep.context
    if "modules" in e:
        want = e["modules"]
        assert len(rep.modules) == want["count"], rep.modules
        assert rep.modules[: len(want.get("first", []))] == want.get("first", [])
        assert rep.tainting_modules == want.get("tainting", [])
        assert rep.last_unloaded_module == want.get("last_unloaded")


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "known" in EXPECTED[n]))
def test_known_bug_matched_with_its_certainty(name: str) -> None:
    want = EXPECTED[name]["known"]
    rep = _reports(name)[0]
    matches = {m.bug_id: m for m in match_all(load_catalog(extra_dirs=[]), rep)}
    assert want["id"] in matches
    m = matches[want["id"]]
    assert m.certainty == want["certainty"]
    if "missing" in want:
        assert any(want["missing"] in x for x in m.missing), m.missing
    else:
        assert m.missing == []


def test_lost_call_trace_header_still_gives_frames() -> None:
    # The same oops with its "Call Trace:" line present and dropped: same frames.
    log = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    at = log.index("[4211.003295]")
    with_header = log[:at] + "[4211.003290] Call Trace:\n" + log[at:]
    lost = [f.function for f in parse_log(log)[0].frames]
    kept = [f.function for f in parse_log(with_header)[0].frames]
    assert lost == kept and "setup_net" in lost


def test_a_fault_header_printk_split_into_pieces_reads_whole() -> None:
    # x86 show_fault_oops() before 4.20 prints "BUG: unable to handle kernel ", the kind
    # and " at %p" as continuations, then "IP:" and the address's " [<%p>] %pS": when
    # another CPU prints between them, each piece starts a line of its own (a 4.9 VM's in
    # docker/for-win#1110). The CentOS 7 oops so split keeps its title, type and RIP.
    log = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    whole = (
        "[4211.002598] BUG: unable to handle kernel NULL pointer dereference at 0000000000000010\n"
        "[4211.002645] IP: [<ffffffffc0a3b1e4>] ip6mr_sk_done+0x34/0x120 [ipv6]\n"
    )
    split = (
        "[4211.002598] BUG: unable to handle kernel \n"
        "[4211.002599] NULL pointer dereference at 0000000000000010\n"
        "[4211.002645] IP:\n"
        "[4211.002646]  [<ffffffffc0a3b1e4>] ip6mr_sk_done+0x34/0x120 [ipv6]\n"
    )
    assert log.count(whole) == 1
    want = [_facts(r) for r in parse_log(log)]
    reports = parse_log(log.replace(whole, split))
    assert [_facts(r) for r in reports] == want
    assert reports[0].rip is not None and reports[0].rip.function == "ip6mr_sk_done"
    assert want[0][0] == "BUG: unable to handle kernel NULL pointer dereference in ip6mr_sk_done"
    # (and the paging request's, the other kind show_fault_oops() names)
    paging = log.replace(whole, split).replace("NULL pointer dereference", "paging request")
    assert (
        _facts(parse_log(paging)[0])[0]
        == "BUG: unable to handle kernel paging request in ip6mr_sk_done"
    )


def test_a_xen_pv_guests_segment_selectors_keep_the_faulting_function() -> None:
    """x86_64 __show_regs() prints "RIP: %04lx:" with the code segment; a Xen PV guest's
    kernel runs in Xen's flat segments (RPL cleared by Xen): "RIP: e030:", "RSP: e02b:".
    A general protection fault prints no "IP:" line, so RIP's line alone names the function:
    syzkaller's 4.8 GPF report with its selectors rewritten to the Xen PV ones."""
    native = syz_log("13")
    assert native.count("RIP: 0010:[<") == 1 and native.count("RSP: 0018:") == 1
    xen = native.replace("RIP: 0010:[<", "RIP: e030:[<").replace("RSP: 0018:", "RSP: e02b:")
    (want,) = parse_log(native.encode())
    (rep,) = parse_log(xen.encode())
    assert want.title == "general protection fault in logfs_init_inode"
    assert rep.title == want.title
    assert rep.rip is not None and rep.rip.function == "logfs_init_inode.isra.6"


@pytest.mark.parametrize("entry", ["entry_SYSCALL_64_fastpath", "system_call_fastpath"])
def test_a_lockup_entered_by_a_pre_4_12_syscall_is_titled_by_the_syscall(entry: str) -> None:
    """Before 4.12 x86_64's entry_64.S called the syscall table straight from its fast
    path: no do_syscall_64 frame, the trace ends "SyS_rmdir" then "entry_SYSCALL_64_fastpath"
    (4.1-4.11) or "system_call_fastpath" (2.6.x-3.x, RHEL 6/7). syzkaller's soft lockup in
    rmdir in that wording is still titled by the syscall, not "in corrupted"."""
    text = syz_log("266")
    text, dropped = re.subn(r"(?m)^.* do_syscall_64\+0x[0-9a-f]+/0x[0-9a-f]+\n", "", text)
    assert dropped == 1
    for new, old in (
        ("SyS_rmdir+", "__x64_sys_rmdir+"),
        (entry + "+", "entry_SYSCALL_64_after_hwframe+"),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    (rep,) = parse_log(text.encode())
    assert rep.title == "BUG: soft lockup in rmdir"
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames][-2:] == ["SyS_rmdir", entry]


def _as_kmsg_records(text: str, host: str = "") -> str:
    """Each printk line of a console log as /dev/kmsg writes it (printk.c
    info_print_ext_header(): "level,seq,usec,flag;text"), optionally as a netconsole
    receiver's syslog relays it: its date and the sender's host, no identifier."""
    out = []
    for seq, ln in enumerate(text.splitlines(keepends=True)):
        m = _PRINTK_TIME.match(ln)
        if m is None:
            out.append(ln)
            continue
        usec = round(float(m.group(1)) * 1e6)
        head = f"Nov 26 21:40:07 {host} " if host else ""
        out.append(f"{head}4,{seq},{usec},-;{ln[m.end() :]}")
    return "".join(out)


@pytest.mark.parametrize("host", ["", "guest"])
def test_an_oops_read_from_dev_kmsg_or_netconsole_reads_as_the_console_one(host: str) -> None:
    console = (LAB / "null-deref.log").read_text()
    kmsg = _as_kmsg_records(console, host)
    assert ",-;RIP: 0010:" in kmsg and _PRINTK_TIME.search(kmsg) is None
    (want,) = parse_log(console.encode())
    (rep,) = parse_log(kmsg.encode())
    assert rep.title == want.title and rep.title.endswith("in hotfence_crash_null_deref")
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert len(rep.frames) > 3
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release, rep.taint) == (
        want.cpu,
        want.pid,
        want.comm,
        want.kernel_release,
        want.taint,
    )


@pytest.mark.parametrize(
    ("name", "header"),
    [
        # x86 __die_header()'s "Oops: %04lx [#%d]" (before 6.11's "Oops: Oops:")
        ("centos7-dockerd-ip6mr", "Oops: 0000 [#1]"),
        # MIPS die()'s "%s[#%d]:" (arch/mips/kernel/traps.c)
        ("mips-4.19-oops", "Oops[#1]:"),
        # s390 die()'s "%s: %04x ilc:%d [#%d] " (arch/s390/kernel/dumpstack.c)
        ("s390x-5.10-oops", "Oops: 0004 ilc:2 [#1]"),
    ],
)
def test_a_kmsg_record_that_starts_with_a_report_header_starts_the_report(
    name: str, header: str
) -> None:
    # A report whose first record is die()'s own header (the fault's line before it
    # lost, or a paste begun there): a /dev/kmsg record's text follows the ";" of its
    # "level,seq,usec,flag;" head, where a console line's follows "] ".
    lines = (DATA / f"{name}.log").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if header in line)
    console = "".join(lines[start:])
    want = parse_log(console.encode())
    assert want
    kmsg = _as_kmsg_records(console)
    assert f",-;{header}" in kmsg
    assert [_facts(r) for r in parse_log(kmsg.encode())] == [_facts(r) for r in want]


def test_userspace_lines_alone_are_no_reports() -> None:
    log = (DATA / "ubuntu-syslog-false-alarms.log").read_text()
    userspace = "".join(ln + "\n" for ln in log.splitlines() if " kernel: " not in ln)
    assert "WARNING:" in userspace and "INFO:" in userspace
    assert parse_log(userspace) == []
    # The same messages straight on a console, without syslog's identifier: no oops
    # around them (no task header, registers or trace), so still no report.
    bare = "".join(ln.split(": ", 1)[1] + "\n" for ln in userspace.splitlines())
    assert parse_log(bare) == []


@pytest.mark.parametrize("glue", ["", " "])  # the kernel's console, util-linux dmesg
def test_caller_ids_in_either_spacing_keep_the_report(glue: str) -> None:
    # A real lab recording (Debian 6.1) with a caller id added to every printk line.
    lab = (LAB / "null-deref.log").read_text()
    tagged = "".join(
        (ln.replace("] ", "]" + glue + "[  T117] ", 1) if ln.startswith("[") else ln) + "\n"
        for ln in lab.splitlines()
    )
    plain, with_ids = parse_log(lab)[0], parse_log(tagged)[0]
    assert with_ids.title == plain.title
    assert (with_ids.comm, with_ids.pid, with_ids.kernel_release) == ("sh", 117, "6.1.0-56-amd64")
    assert [f.function for f in with_ids.frames] == [f.function for f in plain.frames]
    assert with_ids.frames


def test_a_task_id_on_every_line_takes_no_older_reports_taint() -> None:
    """A caller id on every line (one task printed them all) reads a report's prefix 50 of
    that task's lines back: an RCU stall that prints no header of its own took the taint
    of the header of the report before it, 22 s earlier ("G    B      OE", the B its SLUB
    report added). Each report's taint is its own header's, as without the ids."""
    log = (DATA / "s390x-6.1.0-50-mod-slub-poison.log").read_text()
    tagged = "".join(
        (ln.replace("] ", "][ T123] ", 1) if ln.startswith("[") else ln) + "\n"
        for ln in log.splitlines()
    )
    plain, with_ids = parse_log(log), parse_log(tagged)
    assert [r.title for r in with_ids] == [r.title for r in plain]
    assert [r.taint for r in with_ids] == [r.taint for r in plain]
    assert [r.taint for r in with_ids][:3] == ["G           OE", "G    B      OE", None]


def test_release_from_the_boot_banner_when_the_report_names_none() -> None:
    # An MCE prints no task header; the kernel that booted last before it is the one.
    lab = (LAB / "null-deref.log").read_text()
    banner = next(ln for ln in lab.splitlines() if "Linux version " in ln)
    banner = banner[banner.index("[") :]  # after the BIOS text glued to it
    mce = (DATA / "x86-mce-fatal.log").read_text()
    later = banner.replace("6.1.0-56-amd64", "6.12.9-amd64")
    (rep,) = parse_log(banner + "\n" + mce + later + "\n")
    assert rep.kernel_release == "6.1.0-56-amd64"
    assert parse_log(mce)[0].kernel_release is None  # nothing to go on: unknown, not guessed


def test_journal_json_records_of_programs_are_no_reports() -> None:
    # journalctl -o json: one record per line; _TRANSPORT says who wrote it.
    record = (
        '{"__REALTIME_TIMESTAMP":"1700820004123456","_TRANSPORT":"syslog",'
        '"SYSLOG_IDENTIFIER":"openvpn","_PID":"812",'
        '"MESSAGE":"WARNING: this configuration may cache passwords in memory"}\n'
    )
    kernel_log = (DATA / "arm64-6.1-oops.log").read_text()
    assert parse_log(record * 3) == []
    assert [r.title for r in parse_log(record + kernel_log + record)] == [
        EXPECTED["arm64-6.1-oops"]["title"]
    ]


def test_arm_frame_pointer_unwinder_register_lines_do_not_end_the_trace() -> None:
    # "Backtrace:" (CONFIG_FRAME_POINTER) prints the saved registers under each entry.
    log = (DATA / "arm-3.4-oops.log").read_text()
    lines = log.splitlines()
    out = []
    for ln in lines:
        out.append(ln)
        if ") from [<" in ln:
            out.append(ln.split("]", 1)[0] + "]  r5:c6b8e900 r4:00000007")
    functions = [f.function for f in parse_log("\n".join(out) + "\n")[0].frames]
    assert functions == EXPECTED["arm-3.4-oops"]["frames"] + ["vfs_write", "sys_write"]


def test_context_keeps_kernel_failures_before_the_crash_and_not_programs() -> None:
    log = (DATA / "arm64-6.1-oops.log").read_text()
    before = (
        "[   40.001000] mlx5_core 0000:01:00.0: Failed to allocate EQ buffer\n"
        "[   40.002000] oom_reaper: reaped process 77 (java), now anon-rss:0kB, file-rss:0kB\n"
        "[   40.003000] IPv6: Failed to initialize the ICMP6 control socket (err -12).\n"
    )
    program = "Nov 24 10:00:01 host dockerd[900]: Failed to initialize network controller\n"
    (rep,) = parse_log(program + before + log)
    assert rep.context == [ln.split("] ", 1)[1] for ln in before.splitlines()]


def test_taint_letters_by_vendor() -> None:
    from hotfence.triage.taint import decode_taint

    assert decode_taint("G              N") == ["in-kernel test has been run"]
    assert decode_taint("G              N", suse=True) == ["unsupported module loaded (SUSE)"]
    # after Red Hat's "-" placeholders, T is its technology preview, not randstruct
    assert decode_taint("G               T") == ["built with struct randomization plugin"]
    assert decode_taint("G  ------------ T") == ["Red Hat technology preview code in use"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_probable_match_is_shown_as_probable_with_what_is_missing(fmt: str) -> None:
    import json

    from click.testing import CliRunner

    from hotfence.cli import main

    log = str(DATA / "centos7-dockerd-ip6mr-cut.log")
    res = CliRunner().invoke(main, ["triage", "--no-store", "-o", fmt, log])
    assert res.exit_code == 0, res.output
    out = res.stdout
    if fmt == "json":
        (match,) = json.loads(out)["files"][0]["reports"][0]["known_bugs"]
        assert match["certainty"] == "probable"
        assert any("setup_net" in m for m in match["missing"])
        return
    assert "robable known bug" in out and "ip6mr-sk-done-netns-setup" in out
    assert "missing: call trace (lost from the log) lacks setup_net" in out
    assert "Known bug `ip6mr" not in out  # never presented as a plain match


def test_context_is_the_events_right_before_the_crash() -> None:
    # A day of allocation failures of one kind (differing only in numbers: one entry,
    # from the first, counted), then the ones that led to the crash.
    old = "".join(
        f"[{10 + i:5d}.000000] kworker/0:{i}: page allocation failure: order:{i % 4}, mode:0x40\n"
        for i in range(40)
    )
    log = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    (want,) = parse_log(log)
    (rep,) = parse_log(old + log)
    assert rep.context == [
        "kworker/0:0: page allocation failure: order:0, mode:0x40 (40 times, [10.000000] to "
        "[49.000000])",
        *want.context,
    ]
    assert want.context[-1] == "IPv6: Failed to initialize the ICMP6 control socket (err -12)."
    assert "SLUB: Unable to allocate memory on node -1 (gfp=0x80d0)" in want.context


@pytest.mark.parametrize(
    ("line", "function"),
    [
        # 32-bit ARM 5.x+ without CONFIG_BACKTRACE_VERBOSE (recorded armhf logs)
        (" show_stack from dump_stack_lvl+0x40/0x4c", "show_stack"),
        (
            " nmi_trigger_cpumask_backtrace from __handle_sysrq+0x8c/0x178",
            "nmi_trigger_cpumask_backtrace",
        ),
        (" foo from bar+0x10/0x20 [mymod]", "foo"),
        # %ps of a module's symbol carries the module: "f [mod] from g+0x1/0x2 [mod]"
        (
            " hotfence_crash_do [hotfence_crash] from hotfence_crash_write+0xc8/0x100 [hotfence_crash]",
            "hotfence_crash_do",
        ),
        # the verbose form, which the same unwinder prints with addresses
        ("[<c0123>] (show_stack) from [<c0456>] (dump_stack_lvl+0x40/0x4c)", "show_stack"),
    ],
)
def test_arm_from_entries_parse(line: str, function: str) -> None:
    fr = parse_frame(line)
    assert fr is not None and fr.function == function
    if " [hotfence_crash] from" in line:
        assert fr.module == "hotfence_crash"


@pytest.mark.parametrize(
    "line",
    [
        "data from the disk+0x1/0x2 was lost",  # prose, not anchored entries
        " show_stack from dump_stack_lvl",  # no offset: not the unwinder's %pS
        "Exception stack(0xe0825fa8 to 0xe0825ff0)",
        "5fa0:                   000001d4 018c7aa8 00000001 018c7aa8",
    ],
)
def test_non_entries_are_not_frames(line: str) -> None:
    assert parse_frame(line) is None


def test_ppc_interrupt_line_is_the_interrupted_function() -> None:
    fr = parse_frame("--- interrupt: 300 at __arch_clear_user+0x140/0x168")
    assert fr is not None and fr.function == "__arch_clear_user"
    # the user-space address of a syscall's interrupt frame names no function
    assert parse_frame("--- interrupt: 3000 at 0x100c4180") is None


def test_soft_lockup_in_vmlinux_keeps_the_entry_point_title() -> None:
    # The same lockup with the loop in built-in code: the RIP is still the looping
    # function, but the title is the frame above the dispatch anchor (syzkaller's rule,
    # which the corpus's built-in loops need), here the work function.
    text = (DATA / "x86-6.1-soft-lockup.log").read_text()
    builtin = text.replace(
        "RIP: 0010:mydrv_wait_ready+0x2e/0x60 [mydrv]", "RIP: 0010:mydrv_wait_ready+0x2e/0x60"
    )
    assert builtin != text
    (rep,) = parse_log(builtin.encode())
    assert rep.title == "BUG: soft lockup in mydrv_reset_work"
    assert rep.looping_function == "mydrv_wait_ready"
    assert "BUG: soft lockup in mydrv_wait_ready" not in rep.alt_titles


def test_soft_lockup_in_a_generic_helper_keeps_the_entry_point_title() -> None:
    # caught in a spinlock helper: the lock is not the bug, whoever loops on it is
    text = (DATA / "x86-6.1-soft-lockup.log").read_text()
    spin = text.replace("mydrv_wait_ready+0x2e/0x60 [mydrv]", "_raw_spin_lock+0x2e/0x60")
    (rep,) = parse_log(spin.encode())
    assert rep.title == "BUG: soft lockup in mydrv_reset_work"
    assert rep.looping_function == "_raw_spin_lock"


_OTHER_CPU_BACKTRACES = """\
[ 5112.001285] Sending NMI from CPU 0 to CPUs 1-2:
[ 5112.001286] NMI backtrace for cpu 1
[ 5112.001287] CPU: 1 PID: 912 Comm: nginx Tainted: G           OE      6.6.13-amd64 #1  Debian 6.6.13-1
[ 5112.001288] RIP: 0010:tcp_sendmsg_locked+0x1d6/0x230
[ 5112.001289] Call Trace:
[ 5112.001290]  <TASK>
[ 5112.001291]  tcp_sendmsg+0x46/0x50
[ 5112.001292]  __sys_sendto+0x178/0x350
[ 5112.001293]  </TASK>
[ 5112.001294] NMI backtrace for cpu 2 skipped: idling at intel_idle+0x62/0xb0
"""


def test_hard_lockup_all_cpu_backtraces_keep_the_locked_cpu() -> None:
    # hardlockup_all_cpu_backtrace: the other CPUs' backtraces follow the locked one's
    # (kernel/watchdog.c trigger_allbutself_cpu_backtrace) and must not take over
    text = (DATA / "x86-6.6-hard-lockup-buddy.log").read_text()
    panic = "[ 5112.001290] Kernel panic"
    assert panic in text
    (rep,) = parse_log(text.replace(panic, _OTHER_CPU_BACKTRACES + panic).encode())
    assert rep.title == "BUG: hard lockup in mydrv_poll_work"
    assert (rep.cpu, rep.pid, rep.comm) == (3, 8812, "kworker/3:1")
    assert rep.rip is not None and rep.rip.function == "native_queued_spin_lock_slowpath"


# kernel/rcu/tree_stall.h (6.6) print_other_cpu_stall(): the header, one
# print_cpu_stall_info() line per stalled CPU, then rcu_dump_cpu_stacks(), which asks
# each stalled CPU in turn (trigger_single_cpu_backtrace(): lib/nmi_backtrace.c's
# "Sending NMI from CPU %d to CPUs %*pbl:"). nmi_cpu_backtrace() answers "NMI backtrace
# for cpu %d skipped: idling at %pS" alone for a CPU in its idle loop, else "NMI
# backtrace for cpu %d" and show_regs().
_RCU_STALL_TWO_CPUS = """\
[ 5112.001201] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:
[ 5112.001202] rcu: \t1-...!: (0 ticks this GP) idle=cf8/0/0x0 softirq=20/20 fqs=0
[ 5112.001203] rcu: \t3-...0: (5 ticks this GP) idle=a14/1/0x4000000000000000 softirq=2020/2021 fqs=0
[ 5112.001204] \t(detected by 0, t=5252 jiffies, g=-1127, q=10 ncpus=4)
[ 5112.001205] Sending NMI from CPU 0 to CPUs 1:
[ 5112.001206] NMI backtrace for cpu 1 skipped: idling at default_idle+0x1e/0x130
[ 5112.001230] Sending NMI from CPU 0 to CPUs 3:
"""


def test_an_rcu_stall_is_named_by_the_stalled_cpu_that_printed_its_backtrace() -> None:
    # Of two stalled CPUs, CPU 1 idles (its answer is the "skipped" line alone) and CPU 3
    # answers with x86's show_regs(): its trace runs through the NMI's own entries
    # ("<NMI>" .. "</NMI>", arch/x86/kernel/dumpstack.c) and no timer interrupt, and
    # where the CPU was looping is past them: the hard-lockup log's backtrace of CPU 3.
    lines = (DATA / "x86-6.6-hard-lockup-buddy.log").read_text().splitlines(keepends=True)
    start = next(i for i, t in enumerate(lines) if "NMI backtrace for cpu 3" in t)
    end = next(i for i, t in enumerate(lines) if "Kernel panic - not syncing" in t)
    dump = "".join(lines[start:end])
    (rep,) = parse_log((_RCU_STALL_TWO_CPUS + dump).encode())
    assert (rep.title, rep.corrupted) == ("INFO: rcu detected stall in mydrv_poll_work", False)
    assert (rep.cpu, rep.pid, rep.comm) == (3, 8812, "kworker/3:1")
    assert rep.rip is not None and rep.rip.function == "native_queued_spin_lock_slowpath"
    # the idling CPU answering after the other one: the same
    idle = _RCU_STALL_TWO_CPUS.splitlines(keepends=True)
    swapped = "".join(idle[:4] + idle[6:]) + dump + "".join(idle[4:6])
    (rep,) = parse_log(swapped.encode())
    assert rep.title == "INFO: rcu detected stall in mydrv_poll_work"
    # only idling answers: no CPU's trace names the stall
    (rep,) = parse_log("".join(idle[:6]).encode())
    assert (rep.title, rep.corrupted) == ("INFO: rcu detected stall in corrupted", True)


def test_hard_lockup_without_the_locked_cpus_backtrace_claims_no_task() -> None:
    # the NMI backtrace of cpu 3 lost: what is left is the panicking CPU 0's idle loop,
    # which is no evidence about the lockup (no title, task or frames from it)
    lines = (DATA / "x86-6.6-hard-lockup-buddy.log").read_text().splitlines(keepends=True)
    start = next(i for i, t in enumerate(lines) if "Sending NMI from CPU 0" in t)
    end = next(i for i, t in enumerate(lines) if "Kernel panic - not syncing" in t)
    (rep,) = parse_log("".join(lines[:start] + lines[end:]).encode())
    assert rep.corrupted
    assert rep.title == "BUG: hard lockup in corrupted"
    assert rep.cpu == 3
    assert rep.pid is None and rep.comm is None
    assert rep.frames == [] and rep.rip is None and rep.looping_function is None


@pytest.mark.parametrize(
    ("header", "first_line", "title", "type_"),
    [
        # mm/kfence/report.c kfence_report_error(): each error's first line, then the
        # access trace with no "Call Trace:" header
        (
            "out-of-bounds write in mydrv_poll+0x3c/0x90 [mydrv]",
            "Out-of-bounds write at 0x00000000a4c1e2f7 (8B right of kfence-#83):",
            "KFENCE: out-of-bounds write in mydrv_poll",
            "KFENCE-WRITE",
        ),
        (
            "out-of-bounds read in mydrv_poll+0x3c/0x90 [mydrv]",
            "Out-of-bounds read at 0x00000000a4c1e2f7 (1B left of kfence-#83):",
            "KFENCE: out-of-bounds read in mydrv_poll",
            "KFENCE-READ",
        ),
        (
            "invalid read in mydrv_poll+0x3c/0x90 [mydrv]",
            "Invalid read at 0x00000000a4c1e2f7:",
            "KFENCE: invalid read in mydrv_poll",
            "KFENCE-READ",
        ),
        (
            "memory corruption in mydrv_poll+0x3c/0x90 [mydrv]",
            "Corrupted memory at 0x00000000a4c1e2f7 [ ! . . . . . . . ] (in kfence-#83):",
            "KFENCE: memory corruption in mydrv_poll",
            "KFENCE-MEMORY-CORRUPTION",
        ),
    ],
)
def test_kfence_error_kinds_keep_their_access_trace(
    header: str, first_line: str, title: str, type_: str
) -> None:
    text = (DATA / "x86-6.1-kfence-uaf.log").read_text()
    old_header = "use-after-free read in mydrv_poll+0x3c/0x90 [mydrv]"
    old_first = "Use-after-free read at 0x00000000a4c1e2f7 (in kfence-#83):"
    assert old_header in text and old_first in text
    (rep,) = parse_log(text.replace(old_header, header).replace(old_first, first_line).encode())
    assert (rep.title, rep.type) == (title, type_)
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames][:2] == ["mydrv_poll", "do_sys_poll"]


def _kmsan_as_its_own_tree_printed_it() -> str:
    """The recorded x86 6.1 sysctl check's dump_stack() as google/kmsan's tree (2017-2021,
    the kernels syzbot's KMSAN instances ran before it was merged in 6.1) printed a
    report: mm/kmsan/kmsan_report.c kmsan_report() writes its "===" line and "BUG: KMSAN:
    uninit-value in %pS", then dump_stack() (the task's CPU line, "Call Trace:" and
    entries, kmsan_report and __msan_warning among them), a blank line, and
    kmsan_print_origin()'s "Uninit was created at:" and the origin's stack. The check's
    message line and its __register_sysctl_table / _printk entries are replaced by
    KMSAN's (offsets made up), the origin's entries are the allocator's and the module's."""
    lines = (DATA / "x86-6.1.0-56-sysctl-check.log").read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if "sysctl table check failed" in ln)
    end = next(i for i, ln in enumerate(lines) if i > start and "</TASK>" in ln)
    report = [
        "[    7.216430] =====================================================",
        "[    7.216434] BUG: KMSAN: uninit-value in hotfence_crash_sysctl+0x22/0x40 [hotfence_crash]",
    ]
    for ln in lines[start + 1 : end + 1]:
        if "__register_sysctl_table" in ln:
            ln = ln.replace("__register_sysctl_table+0x3cd/0x600", "kmsan_report+0x1d3/0x2a0")
        elif "? _printk" in ln:
            ln = ln.replace("? _printk+0x68/0x83", "__msan_warning+0x5f/0xa0")
        report.append(ln)
    report += [
        "[    7.236290] ",
        "[    7.236292] Uninit was created at:",
        "[    7.236294]  kmsan_internal_poison_shadow+0x5c/0xf0",
        "[    7.236296]  kmsan_slab_alloc+0x8d/0x130",
        "[    7.236298]  __kmalloc+0x2b5/0x4a0",
        "[    7.236300]  hotfence_crash_sysctl+0x12/0x40 [hotfence_crash]",
        "[    7.236302]  hotfence_crash_do+0x164/0x220 [hotfence_crash]",
        "[    7.236304] =====================================================",
    ]
    return "\n".join(lines[:start] + report + lines[end + 1 :]) + "\n"


def test_a_kmsan_report_with_its_dump_stack_is_titled_by_the_access() -> None:
    """Before KMSAN was merged (6.1) its tree's reports put dump_stack() between the
    header and the origin: the access's trace comes after "Call Trace:", not right under
    the header. The title names the first function of that trace past KMSAN's own
    entries, not the "Uninit was created at:" line that ends it."""
    (rep,) = parse_log(_kmsan_as_its_own_tree_printed_it())
    assert (rep.title, rep.type, rep.corrupted) == (
        "KMSAN: uninit-value in hotfence_crash_sysctl",
        "KMSAN-UNINIT-VALUE",
        False,
    ), rep.corrupted_reason
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == ("sh", 117, 0, "6.1.0-56-amd64")
    functions = [f.function for f in rep.frames]
    assert functions[:4] == [
        "dump_stack_lvl",
        "kmsan_report",
        "__msan_warning",
        "hotfence_crash_sysctl",
    ]


def test_a_report_whose_task_line_follows_it_keeps_its_own_task() -> None:
    """KFENCE (mm/kfence/report.c) prints the task line after the traces, at the end: the
    previous report's task line, in the lines before, is not this report's."""
    before = (DATA / "x86-6.1-kfence-uaf.log").read_text()
    kfence = (DATA / "riscv64-6.12.117+deb13-mod-kfence-uaf.log").read_text()
    # Right after the first one, as KFENCE reports come in a burst: its boot lines cut.
    kfence = kfence[kfence.rindex("\n", 0, kfence.index("=====\n")) + 1 :]
    first, second = parse_log((before + kfence).encode())
    own = EXPECTED["riscv64-6.12.117+deb13-mod-kfence-uaf"]
    assert (first.pid, second.title) == (1201, own["title"])  # the logs' own facts
    assert (second.comm, second.pid, second.cpu) == (own["comm"], own["pid"], own["cpu"])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("\t", " "),  # stack_depot_print() indents the tracks by one space
        ("INFO: ", ""),  # newer mm/slub.c prints the facts without the prefix
        ("): Redzone overwritten", "): Right Redzone overwritten"),  # 6.2+ wording
    ],
)
def test_slub_debug_report_stays_one_report(old: str, new: str) -> None:
    text = (DATA / "x86-6.1-slub-redzone.log").read_text()
    assert old in text
    (rep,) = parse_log(text.replace(old, new).encode())
    assert rep.title.startswith("SLUB: ") and rep.title.endswith(" in mydrv_release")
    assert (rep.comm, rep.pid) == ("mydrv-test", 512)
    assert not rep.corrupted, rep.corrupted_reason


def _short_monotonic(syslog: str) -> str:
    """The syslog fixture as ``journalctl -o short-monotonic`` prints the same records:
    "[  1234.567890] host ident[pid]: message", the kernel's ident being ``kernel``."""
    out: list[str] = []
    ts = 1000.0
    for line in syslog.splitlines():
        kernel = re.match(r"\w{3} +\d+ [\d:]+ (\S+) kernel: \[ *([\d.]+)\] (.*)", line)
        if kernel is not None:
            ts = float(kernel[2])
            out.append(f"[{ts:12.6f}] {kernel[1]} kernel: {kernel[3]}")
            continue
        program = re.match(r"\w{3} +\d+ [\d:]+ (\S+) (.*)", line)
        assert program is not None, line
        ts += 0.000001
        out.append(f"[{ts:12.6f}] {program[1]} {program[2]}")
    return "\n".join(out) + "\n"


def test_short_monotonic_journal_programs_are_not_the_kernel() -> None:
    # journalctl -o short-monotonic gives programs' and the kernel's lines one shape; the
    # host its "kernel:" lines name tells them apart: a program's WARNING:/BUG: lines,
    # even inside the kernel's report, neither start nor split a report
    journal = _short_monotonic((DATA / "ubuntu-syslog-false-alarms.log").read_text())
    lines = journal.splitlines(keepends=True)
    at = next(i for i, t in enumerate(lines) if "RSP:" in t)
    lines[at:at] = [
        "[ 1234.567990] buildhost gnome-shell[1500]: WARNING: Some code accessed a property\n",
        "[ 1234.567991] buildhost pool[1600]: BUG: soft lockup - CPU#1 stuck for 22s! [x:5]\n",
    ]
    for text in (journal, "".join(lines)):
        (rep,) = parse_log(text.encode())
        assert rep.title == "WARNING in skb_warn_bad_offload"
        assert (rep.comm, rep.pid, rep.kernel_release) == ("kworker/2:1", 4242, "5.15.0-91-generic")
        assert [f.function for f in rep.frames if not f.unreliable][:2] == [
            "__skb_gso_segment",
            "validate_xmit_skb",
        ]


def test_short_monotonic_programs_entries_amid_a_call_trace_are_not_its_lines() -> None:
    # A busy host's journal: a driver's line printed amid the trace (the kernel's trace
    # reads past one such line), with a program's entry right before it. The entry is
    # another writer's, as a syslog line of another ident is, and no second line of no
    # frame in a row that would end the trace.
    journal = _short_monotonic((DATA / "ubuntu-syslog-false-alarms.log").read_text())
    (want,) = parse_log(journal.encode())
    lines = journal.splitlines(keepends=True)
    at = next(i for i, t in enumerate(lines) if "Call Trace:" in t) + 3
    stamp = lines[at][: lines[at].index("]") + 1]
    busy = [
        *lines[:at],
        f"{stamp} buildhost systemd[1]: Started Session 12 of user root.\n",
        f"{stamp} buildhost kernel: mmc0: new HS200 MMC card at address 0001\n",
        *lines[at:],
    ]
    (rep,) = parse_log("".join(busy).encode())
    assert rep.title == want.title
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert len(rep.frames) > 3


def test_console_lines_shaped_like_a_journal_stay_the_kernels() -> None:
    # "[ t] usb 1-1: ..." has the short-monotonic shape; with no "host kernel:" line in
    # the log it is the kernel's own, and so is a report that follows the same shape
    text = (DATA / "x86-6.1-soft-lockup.log").read_text()
    assert journal_host(text) is None
    assert not from_userspace("[ 2876.100000] usb 1-1: WARNING: no power", journal_host(text))
    usb = "[ 2876.100000] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n"
    (rep,) = parse_log((usb + text).encode())
    assert rep.title == "BUG: soft lockup in mydrv_wait_ready"


# 3.12's warn_slowpath_common() and 4.x's __warn() print "WARNING: CPU: N PID: N at
# file:line f" where 2.6.32 printed "WARNING: at file:line f() (Not tainted)"; the trace of
# such a kernel without frame pointers is still all "?" entries.
_OLD_WARNING = "WARNING: at net/core/dev.c:1915 skb_gso_segment+0x220/0x310() (Not tainted)"
_CPU_PID_WARNING = "WARNING: CPU: 3 PID: 0 at net/core/dev.c:1915 skb_gso_segment+0x220/0x310()"


def test_a_warning_whose_trace_is_all_guesses_is_titled_by_its_own_line() -> None:
    text = (DATA / "rhel6-syslog-old-warning.log").read_text()
    assert _OLD_WARNING in text
    (rep,) = parse_log(text.replace(_OLD_WARNING, _CPU_PID_WARNING).encode())
    # __ratelimit, the first "?" entry that is no WARN helper, is a stale return address
    assert rep.title == "WARNING in skb_gso_segment"
    assert not rep.corrupted, rep.corrupted_reason
    assert all(f.unreliable for f in rep.frames) and len(rep.frames) == 7
    assert (rep.cpu, rep.pid, rep.comm) == (3, 0, "swapper")


def test_a_warning_trace_with_one_reliable_frame_is_titled_from_it() -> None:
    text = (DATA / "rhel6-syslog-old-warning.log").read_text()
    reliable = text.replace(_OLD_WARNING, _CPU_PID_WARNING).replace(
        "] ? dev_queue_xmit+", "] dev_queue_xmit+"
    )
    (rep,) = parse_log(reliable.encode())
    assert rep.title == "WARNING in dev_queue_xmit"


@pytest.mark.parametrize(
    ("case", "new", "old"),
    [
        # 3.x kernel/rcutree.c print_other_cpu_stall(): the flavour's name was "rcu_sched_state"
        (
            "145",
            "INFO: rcu_sched detected stalls on CPUs/tasks:",
            "INFO: rcu_sched_state detected stalls on CPUs/tasks:",
        ),
        # ... and print_cpu_stall(): "INFO: %s detected stall on CPU %d (t=%lu jiffies)"
        (
            "263",
            "rcu: INFO: rcu_sched self-detected stall on CPU",
            "INFO: rcu_sched_state detected stall on CPU 0 (t=105008 jiffies)",
        ),
        # 2.6.29-2.6.3x: "INFO: RCU detected CPU %d stall (t=%lu jiffies)"
        (
            "263",
            "rcu: INFO: rcu_sched self-detected stall on CPU",
            "INFO: RCU detected CPU 0 stall (t=105008 jiffies)",
        ),
    ],
)
def test_an_rcu_stall_in_older_kernels_wording_is_a_stall(case: str, new: str, old: str) -> None:
    text = syz_log(case)
    assert new in text
    expected = re.search(r"^TITLE: (.*)$", (SYZ / "report" / case).read_text(), re.M)
    assert expected is not None
    (rep,) = parse_log(text.replace(new, old).encode())
    assert (rep.title, rep.type) == (expected[1], "HANG")


# The scheduling-clock tick that runs RCU's stall check, as a cloud guest's trace shows
# it: not the local APIC timer of a KVM guest (smp_apic_timer_interrupt, then the
# apic_timer_interrupt entry) but the hypervisor's own vector. Each pair is the handler
# and the entry stub, with offsets as real guests of these clouds printed them.
_GUEST_TIMER_ENTRIES = {
    # Hyper-V / Azure, 5.0-5.7: arch/x86/entry/entry_64.S "apicinterrupt3
    # HYPERV_STIMER0_VECTOR hv_stimer0_callback_vector hv_stimer0_vector_handler"
    "hyperv-stimer0": (
        "hv_stimer0_vector_handler+0x5a/0x70",
        "hv_stimer0_callback_vector+0xf/0x20",
    ),
    # Hyper-V, 5.8 on: arch/x86/kernel/cpu/mshyperv.c DEFINE_IDTENTRY_SYSVEC(sysvec_hyperv_stimer0)
    "hyperv-sysvec": ("sysvec_hyperv_stimer0+0x31/0x80", "asm_sysvec_hyperv_stimer0+0x12/0x20"),
    # Xen PV (dom0: XenServer, Citrix Hypervisor), 4.x: entry_64.S
    # ENTRY(xen_do_hypervisor_callback) calls xen_evtchn_do_upcall()
    "xen-pv": ("xen_evtchn_do_upcall+0x27/0x40", "xen_do_hypervisor_callback+0x29/0x40"),
    # Xen HVM (EC2's Xen instances), 5.8 on: arch/x86/xen/enlighten_hvm.c
    # DEFINE_IDTENTRY_SYSVEC(sysvec_xen_hvm_callback)
    "xen-hvm": ("sysvec_xen_hvm_callback+0x72/0x80", "asm_sysvec_xen_hvm_callback+0x12/0x20"),
}


@pytest.mark.parametrize("guest", sorted(_GUEST_TIMER_ENTRIES))
def test_an_rcu_stall_in_a_cloud_guest_is_titled_as_on_kvm(guest: str) -> None:
    """A self-detected stall is printed from the tick interrupt; below its entry are the
    RIP and trace of the code that stalled. A Xen or Hyper-V guest's tick arrives through
    the hypervisor's vector, and the same stall has the same title there."""
    text = syz_log("263")
    handler, entry = _GUEST_TIMER_ENTRIES[guest]
    text = reworded(
        text,
        {"smp_apic_timer_interrupt+0x16d/0x6a0": handler, "apic_timer_interrupt+0xf/0x20": entry},
    )
    assert "apic_timer_interrupt" not in text
    expected = re.search(r"^TITLE: (.*)$", (SYZ / "report" / "263").read_text(), re.M)
    assert expected is not None
    (rep,) = parse_log(text.encode())
    assert (rep.title, rep.type) == (expected[1], "HANG")
    assert not rep.corrupted, rep.corrupted_reason


@pytest.mark.parametrize(
    ("case", "syscall"),
    [
        ("266", "[ 1144.853253]  __x64_sys_rmdir+0x36/0x40\n"),
        ("421", "[  351.815689][    C1]  __x64_sys_exit_group+0x44/0x50\n"),
    ],
)
def test_a_stall_in_a_syscall_through_x64_sys_call_is_titled_by_the_syscall(
    case: str, syscall: str
) -> None:
    """Since 6.9 and the April 2024 stable kernels (5.10.215, 5.15.154, 6.1.85, 6.6.26:
    Ubuntu, RHEL 8.10/9.4, Amazon Linux, Azure), do_syscall_x64() calls the syscall
    through x64_sys_call() (arch/x86/entry/syscall_64.c), a switch a GCC build keeps out
    of line: its frame stands between the syscall and do_syscall_64, as in a 5.15.0-107
    Ubuntu soft lockup's "__x64_sys_exit_group+0x18/0x20 / x64_sys_call+0x1937/0x1fa0 /
    do_syscall_64+0x56/0xb0". The stall is the syscall's, as without that frame."""
    text = syz_log(case)
    stamp = syscall.rpartition("]")[0] + "]"
    text = reworded(text, {syscall: syscall + stamp + "  x64_sys_call+0x1937/0x1fa0\n"})
    expected = re.search(r"^TITLE: (.*)$", (SYZ / "report" / case).read_text(), re.M)
    assert expected is not None
    (rep, *_) = parse_log(text.encode())
    assert any(f.function == "x64_sys_call" for f in rep.frames)
    assert (rep.title, rep.type) == (expected[1], "HANG")


def test_module_frames_of_2_6_x86_64_printk_address_keep_their_module() -> None:
    """x86_64's printk_address() of 2.6.16-2.6.2x (RHEL 5) printed a module's symbol as
    " [<addr>] :mod:func+0x1/0x2", where i386 printed "func+0x1/0x2 [mod]": the RHEL 5
    i386 oops with its entries and "EIP is at" line in the x86_64 build's shape."""
    text = (DATA / "el5-i386-oops.log").read_text()
    entry = re.compile(r"^( \[<[0-9a-f]+>\] )(\w+\+0x[0-9a-f]+/0x[0-9a-f]+) \[(\w+)\]$", re.M)
    assert len(entry.findall(text)) == 1
    # __show_regs() "RIP: %04lx:[<%016lx>] " then printk_address(); die() "RIP " then it
    rips = {
        "EIP is at ext3_journal_start_sb+0x13/0x50 [ext3]": (
            "RIP: 0010:[<f8a1e0a3>]  [<f8a1e0a3>] :ext3:ext3_journal_start_sb+0x13/0x50"
        ),
        "EIP: [<f8a1e0a3>] ext3_journal_start_sb+0x13/0x50 [ext3] SS:ESP 0068:f6d2ce84": (
            "RIP  [<f8a1e0a3>] :ext3:ext3_journal_start_sb+0x13/0x50 RSP <00000000f6d2ce84>"
        ),
    }
    x86_64 = entry.sub(r"\1:\3:\2", text)
    x86_64 = reworded(x86_64, rips)
    (rep,) = parse_log(x86_64.encode())
    own = EXPECTED["el5-i386-oops"]
    assert rep.title == own["title"]
    assert rep.rip is not None
    assert (rep.rip.function, rep.rip.module) == ("ext3_journal_start_sb", "ext3")
    assert [f.function for f in rep.frames][:3] == own["frames"]
    assert rep.frames[0].module == "ext3"


# 32-bit ARM's unwinder (CONFIG_ARM_UNWIND) prints no "Call trace:" header. Before 5.x,
# and with CONFIG_BACKTRACE_VERBOSE since, arch/arm/kernel/traps.c dump_backtrace_entry()
# prints each entry with its addresses: "[<%08lx>] (%ps) from [<%08lx>] (%pS)".
_ARM_QUIET_ENTRY = re.compile(
    r"(?m)^(\[ *[0-9.]+\]) +([A-Za-z_][\w.]*) from ([A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+)$"
)


def test_a_headerless_arm_trace_with_addresses_titles_the_report() -> None:
    text = (DATA / "armhf-6.1.0-50-hung-task.log").read_text()
    verbose, n = _ARM_QUIET_ENTRY.subn(r"\1 [<c0a1b2c4>] (\2) from [<c0a1b8f0>] (\3)", text)
    assert n > 9 and "Call trace:" not in verbose
    reports = parse_log(verbose.encode())
    assert len(reports) == EXPECTED["armhf-6.1.0-50-hung-task"]["reports"]
    rep = reports[0]
    assert rep.title == "INFO: task hung in mnt_want_write"
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames][:5] == [
        "__schedule",
        "schedule",
        "percpu_rwsem_wait",
        "__percpu_down_read",
        "mnt_want_write",
    ]


# Without hardlockup_panic, 3.x-4.x kernel/watchdog.c watchdog_overflow_callback() reports
# a hard lockup through WARN(1, "Watchdog detected hard LOCKUP on cpu %d") instead of
# panic(): warn_slowpath_common() prints the cut-here line, "WARNING: CPU: %d PID: %d at
# %s:%d %pS()", the message, then the trace and "---[ end trace %016llx ]---".
_HARD_LOCKUP_PANIC = (
    "NMI watchdog: Watchdog detected hard LOCKUP on cpu 5\n",
    "Kernel panic - not syncing: Hard LOCKUP\n",
)
_HARD_LOCKUP_WARN = (
    "------------[ cut here ]------------\n",
    "WARNING: CPU: 5 PID: 23451 at kernel/watchdog.c:393 watchdog_overflow_callback+0x121/0x140()\n",
    "Watchdog detected hard LOCKUP on cpu 5\n",
)


def test_a_hard_lockup_reported_through_warn_is_one_hang() -> None:
    lines = (DATA / "rhel7-hard-lockup-nmi-panic.log").read_text().splitlines(keepends=True)
    stamp = lines[0][: lines[0].index("]") + 2]
    assert [ln[len(stamp) :] for ln in lines[:2]] == list(_HARD_LOCKUP_PANIC)
    body = "".join(lines[2:])
    for old, new in (
        ("panic+0xe8/0x21f", "warn_slowpath_common+0x68/0xa0"),
        ("nmi_panic+0x3f/0x40", "warn_slowpath_fmt+0x5c/0x80"),
    ):
        assert old in body
        body = body.replace(old, new)
    body = re.sub(r"Kernel Offset: .*", "---[ end trace 2e4f6a5c1d3b7e90 ]---", body)
    text = "".join(stamp + ln for ln in _HARD_LOCKUP_WARN) + body
    (rep,) = parse_log(text.encode())  # the WARN's message line starts no report of its own
    assert rep.title == "BUG: hard lockup in mydrv_tx_complete"
    assert rep.type == "HANG"
    assert not rep.corrupted, rep.corrupted_reason
    assert (rep.cpu, rep.pid, rep.comm) == (5, 23451, "java")
    assert rep.kernel_release == "3.10.0-1160.el7.x86_64"


# util-linux dmesg -e / -H (print_record(), DMESG_TIMEFTM_RELTIME) prints "[%b%e %H:%M] "
# for a message in a new minute and "[  %+8.06f] " (the seconds since the previous
# message) for the others: how many operators paste an oops.
_PRINTK_TIME = re.compile(r"(?m)^\[ *(\d+\.\d+)\] ")


def _as_dmesg_reltime(text: str, month: str = "Nov", point: str = ".") -> str:
    out, last = [], None
    for ln in text.splitlines(keepends=True):
        m = _PRINTK_TIME.match(ln)
        if m is None:
            out.append(ln)
            continue
        t = float(m.group(1))
        if last is None:
            stamp = f"[{month}26 21:40] "  # the recording took under a minute: one break
        else:
            delta = t - last
            stamp = f"[  {delta:+8.06f}] " if delta < 10 else f"[ {delta:+9.06f}] "
            stamp = stamp.replace(".", point)
        last = t
        out.append(stamp + ln[m.end() :])
    return "".join(out)


# dmesg in the reader's locale (dmesg calls setlocale(LC_ALL, "")): short_ctime()'s
# strftime("%b") names the month as glibc's locale data abbreviates it (ru_RU "ноя",
# zh_CN "11月", fr_FR "nov."), and printf's "%f" writes the LC_NUMERIC decimal point, a
# comma in ru_RU, de_DE, fr_FR: "[  +0,000022] ", the shape a Russian openSUSE user
# pasted (github.com/bol-van/zapret issue 1336).
@pytest.mark.parametrize(
    ("month", "point"),
    [("Nov", "."), ("ноя", ","), ("Nov", ","), ("11月", "."), ("nov.", ","), ("Kas", ".")],
)
def test_an_oops_pasted_from_dmesg_reltime_reads_as_the_console_one(month: str, point: str) -> None:
    console = (LAB / "null-deref.log").read_text()
    reltime = _as_dmesg_reltime(console, month, point)
    assert f"[  +0{point}000" in reltime and f"[{month}26 21:40] " in reltime
    (want,) = parse_log(console.encode())
    (rep,) = parse_log(reltime.encode())
    assert rep.title == want.title
    assert rep.title.endswith("in hotfence_crash_null_deref")
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert len(rep.frames) > 3
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (
        want.cpu,
        want.pid,
        want.comm,
        want.kernel_release,
    )


# powerpc's own hard lockup detector (arch/powerpc/kernel/watchdog.c) prints the locked
# CPU's line, print_modules() and show_regs() as the soft lockup detector does: the same
# recorded registers and trace after "Watchdog CPU:%d Hard LOCKUP" (wd_lockup_ipi(),
# 4.13-4.15; "CPU %d Hard LOCKUP" since) or "CPU %d self-detected hard LOCKUP @ %pS"
# (soft_nmi_interrupt()).
_PPC_SOFT_LOCKUP = "watchdog: BUG: soft lockup - CPU#1 stuck for 6s! [sh:85]"


@pytest.mark.parametrize(
    "line",
    [
        "Watchdog CPU:1 Hard LOCKUP",
        # 4.16+ wd_lockup_ipi(): the CPU another one found stuck, pr_fmt "watchdog: "
        "watchdog: CPU 1 Hard LOCKUP",
        "watchdog: CPU 1 self-detected hard LOCKUP @ hotfence_crash_softlockup+0x3c/0x70"
        " [hotfence_crash]",
    ],
)
def test_a_powerpc_hard_lockup_is_a_hang_titled_where_it_spun(line: str) -> None:
    text = (DATA / "ppc64le-6.1.0-50-mod-softlockup.log").read_text()
    assert text.count(_PPC_SOFT_LOCKUP) == 1
    (rep,) = parse_log(text.replace(_PPC_SOFT_LOCKUP, line).encode())
    assert rep.title == "BUG: hard lockup in hotfence_crash_softlockup"
    assert rep.type == "HANG"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.looping_function == "hotfence_crash_softlockup"
    assert (rep.cpu, rep.pid, rep.comm) == (1, 85, "sh")
    assert [f.function for f in rep.frames][:3] == [
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
    ]


def test_a_powerpc_stall_names_the_task_of_the_cpu_that_answered_no_ipi() -> None:
    # An RCU stall whose stalled CPU answers no backtrace IPI: raise_backtrace_ipi()'s
    # "irq_soft_mask: ... current: 86 (sh)" names the task, and no header follows. The
    # recording without its times (a console at loglevel without printk.time) keeps the
    # stall's report whole.
    text = (DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text()
    bare = re.sub(r"(?m)^\[ *\d+\.\d+\] ", "", text)
    stall = next(r for r in parse_log(bare.encode()) if r.title.startswith("INFO: rcu"))
    assert stall.title == "INFO: rcu detected stall in proc_reg_write"
    assert (stall.cpu, stall.pid, stall.comm) == (1, 86, "sh")


# On a serial console a program's output without a newline is followed directly by the
# kernel's next line: "...partial text[    2.247555] Kernel panic - ...". Here /init's
# shell is the program; its words are made up, the kernel lines are the recording's.
def test_kernel_lines_glued_after_a_programs_output_stay_the_reports() -> None:
    text = (DATA / "arm64-6.1.0-50-kill-init.log").read_text()
    glued = text
    for line, fragment in (
        ("[    2.247555] Kernel panic", "sh: exiting with stat"),
        ("[    2.248123] Hardware name", "us 3"),
        ("[    2.249167]  do_exit+", "/init: line 4: "),
    ):
        assert glued.count(f"\n{line}") == 1
        glued = glued.replace(f"\n{line}", f"\n{fragment}{line}")
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(glued.encode())
    assert rep.title == want.title == "kernel panic: Attempted to kill init!"
    assert not rep.corrupted, rep.corrupted_reason
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (1, 1, "init", "6.1.0-50-arm64")
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert "do_exit" in [f.function for f in rep.frames]


def test_a_syslog_copy_glued_in_fifo_loads_before_kernel_lines_starts_no_report() -> None:
    """A Debian 11 VM's serial console (GoogleCloudPlatform/compute-image-packages#905)
    carries a syslog daemon's copy of the hung-task report too, written to the same
    UART as printk's lines, 16 bytes (its FIFO) at a time: each load lands at the start
    of one of the kernel's lines, "INFO: task jbd2/" before "[34315.188943]
    __rq_qos_throttle+0x23/0x30". printk stamps every line it prints, so a header in
    the part before the stamp is that program's copy, no report of its own: the
    recorded i386 hung task with the copy of its first line glued so is the one
    report it is, with its trace whole."""
    text = (DATA / "i386-6.1.0-50-hung-task.log").read_text()
    (want, *_) = parse_log(text)
    assert want.title == "INFO: task hung in mnt_want_write"
    lines = text.split("\n")
    at = next(i for i, ln in enumerate(lines) if "INFO: task touch:103 blocked" in ln)
    # (rsyslog's traditional file format, the message's own leading space kept)
    copy = "Jan  1 00:00:12 debian12 kernel: " + lines[at] + "\n"
    loads = [copy[i : i + 16] for i in range(0, len(copy), 16)]
    assert loads[3] == "INFO: task touch"
    for n, load in enumerate(loads):
        lines[at + 5 + n] = load + lines[at + 5 + n]  # (the last one ends the copy's line)
    glued = "\n".join(lines)
    got = parse_log(glued)
    assert [(r.title, r.pid, r.comm, r.kernel_release) for r in got] == [
        (r.title, r.pid, r.comm, r.kernel_release) for r in parse_log(text)
    ]
    assert [f.function for f in got[0].frames] == [f.function for f in want.frames]


# journalctl and syslog daemons write the month with strftime's "%b", in the locale of
# whoever reads or writes the log: glibc's ru_RU, de_DE, fr_FR and es_ES abbreviations,
# its CJK locales' number and "月" / "월" (localedata/locales abmon: zh_CN "4月",
# ja_JP and zh_TW " 4月", ko_KR " 4월", padded to two places with a space), hi_IN's
# whole word (five letters, fifteen bytes), th_TH's dotted "มี.ค." and vi_VN's "Thg 3".
_LOCALE_MONTHS = [
    *("апр", "Mär", "févr.", "dic"),
    *("4月", " 4月", " 4월", "12月"),
    *("मार्च", "มี.ค.", "Thg 3", "Thg 12"),
]


@pytest.mark.parametrize("month", _LOCALE_MONTHS)
def test_a_journal_in_another_locale_is_read_as_the_kernels(month: str) -> None:
    console = (LAB / "null-deref.log").read_text()
    # journalctl -k: "%b %d %H:%M:%S host kernel: " instead of the printk time
    journal = _PRINTK_TIME.sub(f"{month} 17 13:18:15 node-a kernel: ", console)
    assert journal.count(" node-a kernel: ") > 300
    (want,) = parse_log(console.encode())
    (rep,) = parse_log(journal.encode())
    assert rep.title == want.title
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.pid, rep.comm, rep.kernel_release) == (want.pid, want.comm, want.kernel_release)


# glibc's legacy CJK locales (localedata/SUPPORTED: zh_CN.GBK, zh_CN.GB18030, zh_TW.BIG5,
# ja_JP.EUC-JP, ko_KR.EUC-KR) write the same "%b" in their own charset: "月" and "월" are
# two bytes there, not UTF-8's three. The kernel's own text stays ASCII.
@pytest.mark.parametrize(
    ("month", "charset"),
    [("4月", "gbk"), (" 4月", "gb18030"), (" 4月", "big5"), (" 4月", "euc-jp"), (" 4월", "euc-kr")],
)
def test_a_journal_in_a_legacy_cjk_charset_is_read_as_the_kernels(month: str, charset: str) -> None:
    console = (LAB / "null-deref.log").read_text()
    journal = _PRINTK_TIME.sub(f"{month} 17 13:18:15 node-a kernel: ", console)
    assert len(month.encode(charset)) == len(month.encode()) - 1
    (want,) = parse_log(console.encode())
    (rep,) = parse_log(journal.encode(charset))
    assert rep.title == want.title
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.pid, rep.comm, rep.kernel_release) == (want.pid, want.comm, want.kernel_release)


# A Go daemon's recovered panic in the same file, one journal entry a line with its
# identifier and pid: k8s.io/apimachinery pkg/util/runtime logPanic()'s klog.Errorf
# ("Observed a panic: %#v (%v)\n%s") behind klog's header ("%c%02d%02d %02d:%02d:%02d.%06d
# %7d %s:%d] "), then the stack, runtime/traceback.go's "goroutine N [running]:" first.
_DAEMON_GO_PANIC = (
    "Nov 24 10:16:02 buildhost kubelet[9519]: E1124 10:16:02.512103    9519 runtime.go:69]"
    ' Observed a panic: "invalid memory address or nil pointer dereference" (runtime error:'
    " invalid memory address or nil pointer dereference)\n"
    "Nov 24 10:16:02 buildhost kubelet[9519]: goroutine 603 [running]:\n"
)


@pytest.mark.parametrize("month", _LOCALE_MONTHS)
def test_programs_lines_in_another_locale_are_no_reports(month: str) -> None:
    text = (DATA / "ubuntu-syslog-false-alarms.log").read_text() + _DAEMON_GO_PANIC
    assert text.count("Nov 24 ") == text.count("\n")  # every line is syslog's
    (rep,) = parse_log(text.replace("Nov 24 ", f"{month} 24 ").encode())
    assert rep.title == EXPECTED["ubuntu-syslog-false-alarms"]["title"]


@pytest.mark.parametrize("month", _LOCALE_MONTHS)
def test_programs_lines_alone_in_another_locale_are_no_reports(month: str) -> None:
    # journalctl -u kubelet or grep of one daemon: no kernel line tells the file is a
    # journal, so each line's own date and identifier must, in the reader's locale too.
    text = (DATA / "ubuntu-syslog-false-alarms.log").read_text() + _DAEMON_GO_PANIC
    programs = "".join(ln for ln in text.splitlines(keepends=True) if " kernel: " not in ln)
    assert programs.count("Nov 24 ") == programs.count("\n") == 9
    assert parse_log(programs.replace("Nov 24 ", f"{month} 24 ").encode()) == []


# Two consoles captured into one log (console=ttyS0 console=hvc0, a BMC's serial-over-LAN
# beside the serial log) print every printk record twice in a row, time and all.
def test_an_oops_printed_twice_by_two_consoles_is_one_report() -> None:
    console = (LAB / "null-deref.log").read_text()
    doubled = "".join(ln + ln for ln in console.splitlines(keepends=True))
    (want,) = parse_log(console.encode())
    (rep,) = parse_log(doubled.encode())
    assert rep.title == want.title
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.cpu, rep.pid, rep.comm) == (want.cpu, want.pid, want.comm)


# More ways the same records reach an operator: journalctl's -o short-full ("%a %F %T %Z"
# wall time), -o short-unix (seconds since the epoch) and -o short-delta (monotonic time
# and "<delta>", systemd logs-show.c output_timestamp_monotonic()); util-linux dmesg -d
# ("[%5ld.%06ld <%12.06f>] ", DMESG_TIMEFTM_TIME_DELTA); an ISO time with a space for
# its "T" (RFC 3339 5.6 allows it "for the sake of readability"; rsyslog's date-pgsql
# property format "YYYY-MM-DD HH:MM:SS"), with or without a host, as a report of RTNL
# assertions in cfg80211_switch_netns() mailed to the lists was: "2021-03-16
# 11:27:14.269 kernel: ".
@pytest.mark.parametrize(
    "prefix",
    [
        "Sat 2026-11-28 13:02:16 CET node-a kernel: ",
        "Сб 2026-11-28 13:02:16 MSK node-a kernel: ",
        "2026-11-28 13:02:16.334 kernel: ",
        "2026-11-28 13:02:16 node-a kernel: ",
        "1795870936.334241 node-a kernel: ",
        "[{t:12.6f} <    0.000151>] node-a kernel: ",
        "[{t:12.6f} <    0.000151>] ",
    ],
)
def test_journal_and_dmesg_time_formats_are_read_as_the_kernels(prefix: str) -> None:
    console = (LAB / "null-deref.log").read_text()
    text = _PRINTK_TIME.sub(lambda m: prefix.format(t=float(m.group(1))), console)
    assert len(_PRINTK_TIME.findall(console)) > 300 and not _PRINTK_TIME.search(text)
    (want,) = parse_log(console.encode())
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.pid, rep.comm, rep.kernel_release) == (want.pid, want.comm, want.kernel_release)


# Before 5.x mm/oom_kill.c printed a kill on two lines: oom_kill_process() announced the
# victim, "%s: Kill process %d (%s) score %u or sacrifice child" (2.6.36-4.x; 2.6.35's
# "%s: Kill process %d (%s) with score %lu or sacrifice child", 2.6.18-2.6.34's "%s: kill
# process %d (%s) score %li or a child"), and __oom_kill_process() the kill, "Killed
# process %d (%s) total-vm:%lukB, ..." (a child's pid when one was sacrificed). 5.x+
# prints the one line "Out of memory: Killed process ...".
_OOM_KILLED = "Out of memory: Killed process 86 (dd) total-vm:"


@pytest.mark.parametrize(
    "announce",
    [
        "Kill process 86 (dd) score 912 or sacrifice child",
        "Kill process 86 (dd) with score 912 or sacrifice child",
        "kill process 86 (dd) score 912 or a child",
    ],
)
@pytest.mark.parametrize("victim", ["86 (dd)", "87 (dd)"])
def test_an_oom_kill_in_the_two_line_wording_is_one_report(victim: str, announce: str) -> None:
    text = (DATA / "arm64-6.1.0-50-oom.log").read_text()
    line = next(ln for ln in text.splitlines(keepends=True) if _OOM_KILLED in ln)
    stamp = line[: line.index("]") + 2]
    two = f"{stamp}Out of memory: {announce}\n" + line.replace(
        "Out of memory: Killed process 86 (dd)", f"Killed process {victim}"
    )
    (rep,) = parse_log(text.replace(line, two).encode())
    want = EXPECTED["arm64-6.1.0-50-oom"]
    assert rep.title == want["title"] and rep.type == "OOM-KILL"
    assert (rep.pid, rep.comm, rep.cpu) == (want["pid"], want["comm"], want["cpu"])
    assert [f.function for f in rep.frames][: len(want["frames"])] == want["frames"]
    assert "Killed process" in rep.text.splitlines()[-1]


# dump_header() names the task that ran out of memory first, "%s invoked oom-killer:
# gfp_mask=..." with current->comm (mm/oom_kill.c, every era), then dump_stack(). Before
# the generic dump_stack_print_info() (3.10) some arches' dump_stack() printed no task
# line at all: arm's (arch/arm/kernel/traps.c) only dump_backtrace(), as x86's of the
# 2.6.1x-2.6.2x era (RHEL 5's) only the trace. The task is the invoking line's.
def test_an_oom_kill_without_a_task_line_names_the_invoking_task() -> None:
    # (the dump's own lines: dd's page allocation failure after the kill keeps its own)
    text = (DATA / "armhf-6.1.0-50-oom.log").read_text()
    lines = text.splitlines(keepends=True)
    invoked = next(i for i, ln in enumerate(lines) if " invoked oom-killer: " in ln)
    assert "] CPU: 0 PID: 84 Comm: dd " in lines[invoked + 1]
    assert "] Hardware name: " in lines[invoked + 2]
    old = "".join(lines[: invoked + 1] + lines[invoked + 3 :])
    (rep,) = parse_log(old.encode())
    want = EXPECTED["armhf-6.1.0-50-oom"]
    assert rep.title == want["title"] and rep.type == "OOM-KILL"
    assert (rep.comm, rep.pid, rep.cpu) == ("dd", None, None)
    assert [f.function for f in rep.frames][: len(want["frames"])] == want["frames"]


# 2.6.9-2.6.1x's out_of_memory() opened the dump without the task: "oom-killer: gfp_mask=
# 0x%x, order=%d" (mm/oom_kill.c), then dump_stack() and show_mem(); the kill "Out of
# Memory: Killed process %d (%s)." The report spans the dump from that line on.
def test_an_oom_dump_opened_without_the_task_is_the_kills_report() -> None:
    text = (DATA / "armhf-6.1.0-50-oom.log").read_text()
    lines = text.splitlines(keepends=True)
    invoked = next(i for i, ln in enumerate(lines) if " invoked oom-killer: " in ln)
    stamp = lines[invoked][: lines[invoked].index("]") + 2]
    lines[invoked] = f"{stamp}oom-killer: gfp_mask=0x201d2, order=0\n"
    (rep,) = parse_log("".join(lines).encode())
    want = EXPECTED["armhf-6.1.0-50-oom"]
    assert rep.title == want["title"] and rep.type == "OOM-KILL"
    assert rep.text.startswith("oom-killer: gfp_mask=0x201d2, order=0\n")
    assert (rep.comm, rep.pid, rep.cpu) == (want["comm"], want["pid"], want["cpu"])
    assert [f.function for f in rep.frames][: len(want["frames"])] == want["frames"]
    # the prefilter, cutting the log into chunks between the dump's start and the kill
    data = "".join(lines).encode()
    (streamed,) = triage_blocks(line_blocks([data], ReadLimits()), chunk_bytes=2048)
    assert (streamed.start, streamed.text) == (rep.start, rep.text)


# RHEL 6 (2.6.32) named the victim's owner before its comm in the kill line, mm/oom_kill.c
# oom_kill_task(): "Killed process %d, UID %d, (%s) total-vm:%lukB, anon-rss:%lukB, ...".
# Alone (a log grepped for "Killed process") or after the announcement, it is the kill.
@pytest.mark.parametrize("announced", [True, False])
def test_a_rhel6_oom_kill_line_naming_the_uid_is_the_kill(announced: bool) -> None:
    text = (DATA / "arm64-6.1.0-50-oom.log").read_text()
    line = next(ln for ln in text.splitlines(keepends=True) if _OOM_KILLED in ln)
    stamp = line[: line.index("]") + 2]
    rhel6 = f"{stamp}Killed process 86, UID 0, (dd) total-vm:1050664kB, anon-rss:460856kB\n"
    if announced:
        rhel6 = f"{stamp}Out of memory: Kill process 86 (dd) score 912 or sacrifice child\n" + rhel6
    (rep,) = parse_log(text.replace(line, rhel6).encode())
    want = EXPECTED["arm64-6.1.0-50-oom"]
    assert rep.title == want["title"] and rep.type == "OOM-KILL"
    assert rep.text.splitlines()[-1].startswith("Killed process 86, UID 0, (dd)")
    (alone,) = parse_log(rhel6.splitlines(keepends=True)[-1].encode())
    assert (alone.title, alone.type, alone.pid, alone.comm) == (
        want["title"],
        "OOM-KILL",
        None,
        None,
    )


# journalctl -o json: one record per printk record, its text in MESSAGE (JSON-escaped)
# and its printk time in _SOURCE_MONOTONIC_TIMESTAMP (systemd journald-kmsg.c); the
# kernel's records say _TRANSPORT=kernel, programs' records another transport.
def _journal_json(transport: str, message: str, usec: int, ident: str) -> str:
    import json

    record = {
        "__REALTIME_TIMESTAMP": str(1795870936000000 + usec),
        "_SOURCE_MONOTONIC_TIMESTAMP": str(usec),
        "_TRANSPORT": transport,
        "SYSLOG_IDENTIFIER": ident,
        "MESSAGE": message,
    }
    return json.dumps(record) + "\n"


def test_a_journal_json_oops_reads_as_the_consoles() -> None:
    console = (LAB / "null-deref.log").read_text()
    records = []
    for m in _PRINTK_TIME.finditer(console):
        usec = round(float(m.group(1)) * 1e6)
        message = console[m.end() : console.index("\n", m.end())]
        records.append(_journal_json("kernel", message, usec, "kernel"))
        if message.startswith("Call Trace:"):  # a program's record in the middle
            records.append(_journal_json("stdout", "WARNING: No swap limit", usec, "dockerd"))
    oops = next(i for i, r in enumerate(records) if "NULL pointer dereference" in r)
    # a kernel failure and a program's just before it: only the kernel's is context
    failure = "IPv6: Failed to initialize the ICMP6 control socket (err -12)."
    records[oops:oops] = [
        _journal_json("kernel", failure, 1_990_000, "kernel"),
        _journal_json("syslog", "Failed to initialize network controller", 1_990_001, "dockerd"),
    ]
    (want,) = parse_log(console.encode())
    (rep,) = parse_log("".join(records).encode())
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert rep.frames
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (
        want.cpu,
        want.pid,
        want.comm,
        want.kernel_release,
    )
    assert rep.taint_flags == want.taint_flags
    assert failure in rep.context and "Failed to initialize network controller" not in str(
        rep.context
    )
    assert "dockerd" not in rep.text and '"MESSAGE"' not in rep.text


def test_a_journal_json_header_whose_message_is_a_byte_array_starts_its_report() -> None:
    """journalctl -o json writes a MESSAGE holding a control byte or a byte that is not
    UTF-8 as the array of its bytes (systemd src/shared/logs-show.c json_escape()), and
    journald keeps a kernel record's bytes as printk wrote them (journald-kmsg.c unescapes
    /dev/kmsg's "\\xNN"): the recorded soft lockup of a task whose name (prctl
    PR_SET_NAME takes any bytes) holds ESC, its header "... [sh\\x1b:87]" an array of
    numbers. Through the parser and the CLI's prefilter alike, it is the console's."""
    import json

    console = (DATA / "arm64-6.1.0-50-mod-softlockup.log").read_text()
    console = console.replace("[sh:87]", "[sh\x1b:87]").replace("Comm: sh ", "Comm: sh\x1b ")
    records = []
    for m in _PRINTK_TIME.finditer(console):
        message = console[m.end() : console.index("\n", m.end())]
        value: object = list(message.encode()) if "\x1b" in message else message
        usec = round(float(m.group(1)) * 1e6)
        record = {"_SOURCE_MONOTONIC_TIMESTAMP": str(usec), "_TRANSPORT": "kernel"}
        records.append(json.dumps({**record, "MESSAGE": value}, separators=(",", ":")))
    journal = ("\n".join(records) + "\n").encode()
    assert b'"MESSAGE":[119,97,116,99,104,100,111,103,58,32,66,85,71,58' in journal
    (want,) = parse_log(console.encode())
    assert want.comm == "sh\x1b"
    (rep,) = parse_log(journal)
    assert _facts(rep) == _facts(want)
    (streamed,) = triage_blocks(line_blocks([journal], ReadLimits()), chunk_bytes=2048)
    assert _facts(streamed) == _facts(want)


def test_programs_unstamped_lines_on_a_stamped_console_are_no_context() -> None:
    # printk prefixes every line of a record, so on a console whose kernel lines carry
    # the printk time a line without one is a program's output sharing the console.
    log = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    program = "mount: Failed to allocate loop device: No such device\n"
    (want,) = parse_log(log)
    (rep,) = parse_log(program + log)
    assert rep.context == want.context and want.context
    assert "page allocation failure" in want.context[0]
    # with no printk time anywhere, a line is judged by its text alone, as before
    bare = re.sub(r"(?m)^\[ *\d+\.\d+\] ", "", log)
    (plain,) = parse_log(program + bare)
    assert plain.context[0] == program.strip() and plain.context[1:] == want.context


# util-linux dmesg -x prints each record's facility and level first ("%-6s:%-6s: ");
# the kernel's records are "kern", and a program's write to /dev/kmsg (a test harness,
# systemd, an init script) is "user" or the facility it chose, whatever its text says.
def _decoded(log: str, facility: str) -> str:
    return "".join(f"{facility:<6}:warn  : {ln}\n" for ln in log.splitlines())


def test_dmesg_decoded_records_of_programs_are_no_reports_nor_context() -> None:
    name = "arm64-6.1.0-50-mod-warn"
    log = (DATA / f"{name}.log").read_text()
    want = EXPECTED[name]
    assert parse_log(_decoded(log, "user")) == []  # the kernel's text echoed by a program
    assert parse_log(_decoded(log, "daemon")) == []
    program = _decoded("[    9.000000] init[1]: Failed to allocate a loop device", "user")
    failure = _decoded("[    9.000001] mlx5_core 0000:01:00.0: Failed to allocate EQ", "kern")
    # (after the boot banner: a failure before it is the last boot's, no context)
    kern = _decoded(log, "kern").splitlines(keepends=True)
    boot = next(i for i, ln in enumerate(kern) if "Linux version " in ln) + 1
    (rep,) = parse_log("".join(kern[:boot]) + program + failure + "".join(kern[boot:]))
    assert rep.title == want["title"] and not rep.corrupted
    assert (rep.pid, rep.comm) == (want["pid"], want["comm"])
    assert [f.function for f in rep.frames][: len(want["frames"])] == want["frames"]
    assert rep.context == ["mlx5_core 0000:01:00.0: Failed to allocate EQ"]


@pytest.mark.parametrize(
    "diagnostic",
    [
        # GCC / Clang diagnostics (diagnostic_build_prefix()): with a location, and
        # the driver's or compiler proper's own name when there is none
        "/var/lib/dkms/hotfence/1.0/build/crash.c:3:10: fatal error: linux/foo.h: No such file",
        "cc1: fatal error: crash.c: No such file or directory",
        "/usr/bin/gcc-12: fatal error: no input files",
    ],
)
def test_a_compilers_fatal_error_beside_a_crash_is_no_report(diagnostic: str) -> None:
    # A module's failed build pasted above the oops it was meant to debug.
    build = f"make -C /lib/modules/6.1.0-56-amd64/build M=/build modules\n{diagnostic}\n"
    got, want = _titles_beside(build, (LAB / "null-deref.log").read_text())
    assert got == [want]
    # the Go runtime's own line, which the fuzzer's processes print, is still one
    assert [r.title for r in parse_log("fatal error: runtime: bad p\n")] == ["go runtime error"]


def test_a_go_programs_klog_lines_are_no_reports_nor_context() -> None:
    # klog/glog "Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg" (kubelet, CNI plugins,
    # most Go programs around containers), pasted with the oops they came with.
    lab = (LAB / "null-deref.log").read_text()
    klog = (
        "E1124 10:00:02.123456     901 runtime.go:78] Observed a panic: runtime error\n"
        "W1124 10:00:02.223456     901 cni.go:333] Failed to allocate address for pod\n"
    )
    got, want = _titles_beside(klog, lab)
    assert got == [want]
    bare = _PRINTK_TIME.sub("", lab)  # a console without printk times: no prefix at all
    (rep,) = parse_log(klog + bare)
    assert rep.title == want and rep.context == []
    assert from_userspace(klog.splitlines()[0]) and not from_userspace(lab.splitlines()[-1])


@pytest.mark.parametrize(
    "record",
    [
        # docker's json-file log driver: one JSON object a line of a container's output
        '{"log":"panic: runtime error: invalid memory address\\n","stream":"stderr",'
        '"time":"2026-11-24T10:00:02.123456789Z"}',
        # a Go program's structured log (zap's JSON encoder)
        '{"level":"error","ts":1795856402.1,"caller":"x/y.go:78","msg":"Observed a panic: boom"}',
        # logrus' text formatter, dockerd's and containerd's own log lines
        'time="2026-11-24T10:00:02.123456789Z" level=error msg="panic: runtime error"',
    ],
)
def test_container_runtimes_log_records_are_no_reports(record: str) -> None:
    assert parse_log(record + "\n") == []
    got, want = _titles_beside(record + "\n", (LAB / "null-deref.log").read_text())
    assert got == [want]
    assert from_userspace(record)
    # a log shipper's record that names the kernel as its source is not a program's
    assert not from_userspace('{"ident":"kernel","message":"BUG: soft lockup - CPU#0"}')


@pytest.mark.parametrize(
    "line",
    [
        # MediaTek's AEE driver at every boot: aee_ipanic_init()'s LOGI("ipanic: startup,
        # partition assgined %s\n", ...), mrdump_panic_init()'s pr_debug(); MStar's
        # ipanic_header_check() after a boot with no saved panic
        "ipanic: startup, partition assgined expdb",
        "ipanic: startup",
        "ipanic: No panic data available[Magic header]",
    ],
)
def test_a_word_ending_in_panic_colon_is_no_go_panic(line: str) -> None:
    # The Go runtime's printpanics() writes "panic: " at the start of its line; a driver's
    # "ipanic:" tag is a word of its own, printed by the kernel on every boot of a
    # MediaTek or MStar device (Android's last_kmsg, an MT7621 router's console).
    text = (DATA / "arm64-6.1.0-50-mod-null.log").read_text()
    got, want = _titles_beside(f"[    0.345678] {line}\n", text, at=text.index("\n") + 1)
    assert got == [want]
    assert parse_log(f"{line}\n".encode()) == []


def test_a_soft_lockup_line_alone_names_its_cpu() -> None:
    # watchdog_timer_fn() runs on the CPU it checks and prints "BUG: soft lockup - CPU#%d
    # stuck for %us! [%s:%d]" with smp_processor_id(). rsyslog's wall message to logged-in
    # users keeps that line alone, without the register dump and its "CPU: N" header.
    text = (DATA / "armhf-6.1.0-50-mod-softlockup.log").read_text()
    line = next(ln for ln in text.splitlines() if "soft lockup - CPU#" in ln)
    msg = line.split("] ", 1)[1]
    (rep,) = parse_log((_wall_message(msg) + "\r").encode())
    want = EXPECTED["armhf-6.1.0-50-mod-softlockup"]
    assert rep.type == "HANG" and rep.title.startswith("BUG: soft lockup")
    assert (rep.cpu, rep.comm, rep.pid) == (1, want["comm"], want["pid"])
    (full,) = _reports("armhf-6.1.0-50-mod-softlockup")
    assert full.cpu == 1  # the same CPU the header names


def test_a_wall_copy_of_a_line_the_syslog_paste_also_holds_is_no_second_report() -> None:
    # rsyslog writes an emergency record to /var/log/syslog and, as a wall message, to the
    # terminals of logged-in users: a terminal paste of a crash holds the die() line
    # twice, the wall copy first, before the syslog lines of its report (a RockPro64 forum
    # paste). The copy has the record's own printk time and text: that record, no report
    # of its own.
    text = (DATA / "armhf-6.1.0-50-mod-null.log").read_text()
    (want,) = _reports("armhf-6.1.0-50-mod-null")
    die = next(ln for ln in text.splitlines() if "Internal error: " in ln)
    syslog = "".join("Nov 24 10:00:02 bench kernel: " + ln for ln in text.splitlines(True))
    first = syslog.index("Nov 24 10:00:02 bench kernel: [    2.175672] Unhandled fault")
    wall = _wall_message(die)
    (rep,) = parse_log((syslog[:first] + wall + syslog[first:]).encode())
    assert (rep.title, rep.comm, rep.pid, rep.cpu) == (want.title, "sh", 85, 0)
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    # alone, the wall copy is still the report it names
    (alone,) = parse_log(wall.encode())
    assert alone.title.startswith("Internal error")


@pytest.mark.parametrize("space", ["", " "])
def test_an_i386_machine_check_in_wall_messages_is_one_report(space: str) -> None:
    # i386 before 2.6.31 (arch/i386/kernel/cpu/mcheck/p6.c intel_machine_check()) prints
    # each line of a machine check at KERN_EMERG: "CPU %d: Machine Check Exception:", a
    # "Bank %d: ..." line per bank, then panic()'s "Kernel panic - not syncing: CPU
    # context corrupt". rsyslog sends every emergency record to the users' terminals,
    # each its own wall message (tools/omusrmsg.c, template_WallFmt: "\r\n\7Message from
    # syslogd@%HOSTNAME% at %timegenerated% ...\r\n %syslogtag%%msg%\n\r"; %msg% may
    # start with a space): a terminal paste holds the record's lines one per broadcast,
    # each behind " kernel:". They are the one machine check the console printed.
    name = "i386-2.6-mce-context-corrupt"
    (want,) = _reports(name)
    records = [ln.split("] ", 1)[1] for ln in (DATA / f"{name}.log").read_text().splitlines()]
    wall = "".join(
        f"\r\n\aMessage from syslogd@bench at Nov 24 10:00:02 ...\r\n kernel:{space}{rec}\n\r"
        for rec in records
    )
    blocks = (wall.encode()[i : i + 64] for i in range(0, len(wall), 64))
    for reps in (parse_log(wall.encode()), list(triage_blocks(line_blocks(blocks, ReadLimits())))):
        (rep,) = reps
        assert (rep.title, rep.type, rep.cpu, rep.corrupted) == (
            want.title,
            want.type,
            want.cpu,
            want.corrupted,
        )
        assert rep.text.splitlines() == records


def test_an_i386_oops_without_its_closing_eip_line_is_titled_by_eip_is_at() -> None:
    # i386 2.6 show_registers() prints "EIP:    0060:[<pc>]    Tainted: ..." (no function)
    # and then print_symbol("EIP is at %s"); die()'s closing "EIP: [<pc>] f SS:ESP" line came
    # later in 2.6 (2.6.9 has none) and is the last line a dying machine's syslog keeps.
    text = (DATA / "el5-i386-oops.log").read_text()
    cut = text[: text.index("EIP: [<")]
    assert "EIP is at ext3_journal_start_sb" in cut
    (rep,) = parse_log(cut.encode())
    want = EXPECTED["el5-i386-oops"]
    assert rep.title == want["title"] and not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == want["rip"]
    assert [f.function for f in rep.frames][:3] == want["frames"]


@pytest.mark.parametrize(
    ("case", "comm", "pid", "cpu"),
    [
        # sched_show_task()'s "%-15.15s %c  running task    %5lu %5d %6d 0x%08lx" line
        ("287", "kworker/u4:2", 2030, 1),
        # a 4.x tree's "R running task on cpu   0     0  7831   4518 0x2002000c ..." line
        ("298", "syz-executor2", 7831, 0),
    ],
)
def test_an_rcu_stall_names_the_task_its_task_dump_shows(
    case: str, comm: str, pid: int, cpu: int
) -> None:
    # A self-detected stall of these kernels prints no "CPU: N PID: N Comm:" header:
    # rcu's dump_cpu_task() says "Task dump for CPU %d:" and sched_show_task() the task
    # running there, the same facts a 3.10 (RHEL 7) stall in /var/log/messages carries.
    log = syz_log(case)
    assert "Task dump for CPU" in log and "Comm:" not in log
    (rep, *_) = parse_log(log)
    assert rep.title.startswith("INFO: rcu detected stall in ")
    assert (rep.comm, rep.pid, rep.cpu) == (comm, pid, cpu)


@pytest.mark.parametrize(
    ("name", "stalled"),
    [
        # powerpc's watchdog caught CPU 1; RCU's backtrace IPI to it goes unanswered twice
        ("ppc64le-6.1.0-50-mod-hardlockup", 1),
    ],
)
def test_an_rcu_stall_whose_cpu_sends_no_backtrace_names_the_stalled_cpu(
    name: str, stalled: int
) -> None:
    # kernel/rcu/tree_stall.h print_cpu_stall_info() lists each stalled CPU as
    # "\t%d-%c%c%c%c: (%lu %s) idle=..." ("rcu: \t0-...!: (1 GPs behind) idle=..."); a CPU
    # spinning with interrupts off answers no "NMI backtrace for cpu N", so that line is
    # the only one of the report that names the CPU.
    stalls = [
        r for r in parse_log((DATA / f"{name}.log").read_bytes()) if "rcu detected stall" in r.title
    ]
    assert stalls
    for rep in stalls:
        assert f"rcu: \t{stalled}-..." in rep.text and "NMI backtrace for cpu" not in rep.text
        assert rep.cpu == stalled


def test_an_rcu_stall_is_not_the_task_of_its_grace_period_kthread_dump() -> None:
    # kernel/rcu/tree_stall.h rcu_check_gp_kthread_starvation(): after the stalled CPUs
    # comes "RCU grace-period kthread stack dump:" and sched_show_task() of RCU's own
    # kthread, the starved victim ("task:rcu_sched state:I ..."), not a task of the
    # stalled CPU. The stall's whole output, from its header to that dump:
    log = (DATA / "riscv64-6.12.117+deb13-mod-hardlockup.log").read_text()
    start = log.index("rcu: INFO: rcu_sched detected stalls")
    stall = [_PRINTK_TIME.sub("", ln) for ln in log[start:].splitlines()]
    stall = stall[: stall.index("Call Trace:")]
    assert stall[-2] == "rcu: RCU grace-period kthread stack dump:"
    assert stall[-1].startswith("task:rcu_sched ")
    fields = task_fields(stall)
    assert (fields.comm, fields.pid, fields.cpu) == (None, None, 0)


def test_an_rcu_stall_is_not_the_task_where_its_kthread_last_ran() -> None:
    # After the kthread's own dump, rcu_check_gp_kthread_starvation() says "Stack dump
    # where RCU GP kthread last ran:" and dump_cpu_task() dumps that CPU: here CPU 1, the
    # detecting CPU itself ("CPU: 1 UID: 0 PID: 0 Comm: swapper/1 ..."), while CPU 0 is
    # the one that stalled. Only the next CPU's dump would be the stall's again.
    log = (DATA / "riscv64-6.12.117+deb13-mod-hardlockup.log").read_text()
    start = log.index("rcu: INFO: rcu_sched detected stalls")
    stall = [_PRINTK_TIME.sub("", ln) for ln in log[start:].splitlines()]
    stall = stall[: stall.index("NMI backtrace for cpu 0")]
    assert "rcu: Stack dump where RCU GP kthread last ran:" in stall
    assert any(ln.startswith("CPU: 1 UID: 0 PID: 0 Comm: swapper/1 ") for ln in stall)
    fields = task_fields(stall)
    assert (fields.comm, fields.pid, fields.cpu) == (None, None, 0)
    assert fields.release == "6.12.117+deb13-riscv64"


def test_an_rcu_stall_has_not_the_frames_of_its_grace_period_kthread() -> None:
    # The stall's trace is a stalled CPU's; RCU's kthread's own trace (and that of the CPU
    # it last ran on) is the starved victim's. CPU 0 of the riscv64 log answers no NMI:
    # its stall has no trace of its own.
    log = (DATA / "riscv64-6.12.117+deb13-mod-hardlockup.log").read_text()
    start = log.index("rcu: INFO: rcu_sched detected stalls")
    stall = [_PRINTK_TIME.sub("", ln) for ln in log[start:].splitlines()]
    stall = stall[: stall.index("NMI backtrace for cpu 0")]
    own, _ = stall_own_lines(stall)
    assert call_trace(stall) and call_trace(own) == []
    assert own[0] == "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:"


def test_the_stalled_cpus_dump_after_the_wait_for_its_backtrace_is_the_stalls() -> None:
    # nmi_trigger_cpumask_backtrace() (lib/nmi_backtrace.c) prints "Sending NMI from CPU
    # %d to CPUs %*pbl:" and waits up to 10 s for their backtraces; on QEMU printk time
    # jumps 20-30 s meanwhile. The ppc64le log's second RCU stall waits 23 s for CPU 1,
    # which then dumps itself as its interrupts come back on ("watchdog: CPU 1 became
    # unstuck", arch/powerpc/kernel/watchdog.c wd_smp_clear_cpu_pending()): the stall's,
    # as the same log without times reads it.
    console = (DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text()
    assert re.search(
        r"\] Sending NMI from CPU 0 to CPUs 1:\n\[  117\.\d+\] watchdog: CPU 1 became", console
    )
    want = parse_log(_PRINTK_TIME.sub("", console))[2]
    got = parse_log(console)[2]
    assert (got.title, got.corrupted) == ("INFO: rcu detected stall in proc_reg_write", False)
    assert (got.title, got.pid, got.comm, got.cpu) == (want.title, want.pid, want.comm, want.cpu)
    assert got.end_line - got.start_line == want.end_line - want.start_line
    # The riscv64 log's stall with the stalled CPU's late "NMI backtrace for cpu 0" (43 s
    # on) moved up to take the place of its kthread-starved part: the answer is the
    # stall's. The same dump naming another CPU than the one asked is none: the pause
    # ends the report there, as it ends it before the kthread-starved part.
    log = (DATA / "riscv64-6.12.117+deb13-mod-hardlockup.log").read_text()
    asked = log.index("\n", log.index("Sending NMI from CPU 1 to CPUs 0:", log.index("rcu: INFO:")))
    starved = log.index("\n", asked + 1)
    answer = log.index("[   80.601221] NMI backtrace for cpu 0")
    dump = log[answer : log.index("\n", log.index("handle_exception+")) + 1]
    moved = log[: asked + 1] + dump + log[starved + 1 : answer]
    stall = parse_log(moved)[1]
    assert stall.title == "INFO: rcu detected stall in proc_reg_write", stall.title
    assert (stall.pid, stall.comm, stall.cpu, stall.corrupted) == (140, "sh", 0, False)
    other = moved.replace("NMI backtrace for cpu 0", "NMI backtrace for cpu 1")
    stall = parse_log(other)[1]
    assert (stall.title, stall.pid) == ("INFO: rcu detected stall in corrupted", None)


def test_an_rcu_stalls_late_backtrace_after_its_kthread_part_is_the_stalls() -> None:
    # kernel/rcu/tree_stall.h print_other_cpu_stall() (6.12): rcu_dump_cpu_stacks() asks
    # the stalled CPU 0 ("Sending NMI from CPU 1 to CPUs 0:") and waits up to 10 s
    # (lib/nmi_backtrace.c); no answer comes, and the same report goes on 30 s later with
    # rcu_check_gp_kthread_expired_fqs_timer()'s "kthread timer wakeup didn't happen"
    # and the kthread's dumps. CPU 0 spins with interrupts off: riscv's backtrace IPI
    # (arch/riscv/kernel/smp.c ipi_cpu_backtrace()) is taken 13 s after that, when they
    # come back on, and "NMI backtrace for cpu 0" answers the call still open: the
    # stall's, the CPU it asked. The hard lockup's report before it stays as it was.
    name = "riscv64-6.12.117+deb13-mod-hardlockup"
    lockup, stall = _reports(name)
    assert (lockup.title, lockup.pid) == ("BUG: hard lockup in corrupted", None)
    assert (stall.title, stall.corrupted) == ("INFO: rcu detected stall in proc_reg_write", False)
    assert (stall.pid, stall.comm, stall.cpu) == (140, "sh", 0)
    assert stall.rip is not None and stall.rip.function == "hotfence_crash_hardlockup"
    assert "kthread timer wakeup didn't happen" in stall.text
    # a late backtrace of a CPU the stall did not ask for answers nothing: the pause
    # before it ends the report
    log = (DATA / f"{name}.log").read_text()
    other = parse_log(log.replace("NMI backtrace for cpu 0", "NMI backtrace for cpu 1"))[1]
    assert (other.title, other.pid) == ("INFO: rcu detected stall in corrupted", None)
    # nor is a pause after the call the wait when the lines after it are not RCU's going
    # on: the report ends there, as before
    cut = log.replace("rcu_sched kthread timer wakeup didn't happen", "rcu_sched timer late")
    cut = cut.replace("rcu_sched kthread starved for", "rcu_sched starved for")
    alone = parse_log(cut)[1]
    assert (alone.title, alone.end_line) == ("INFO: rcu detected stall in corrupted", 213)


def test_dmesg_iso_time_lines_read_as_the_consoles() -> None:
    # util-linux dmesg --time-format iso (DMESG_TIMEFTM_ISO8601) puts the record's wall
    # time first, "2013-06-13T22:11:00,123456+01:00 ", the microseconds after a comma, and
    # no host or identifier: every line is the kernel's, whatever its first word.
    import datetime

    console = (LAB / "null-deref.log").read_text()
    boot = datetime.datetime(
        2026, 11, 24, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    lines = []
    for m in _PRINTK_TIME.finditer(console):
        wall = boot + datetime.timedelta(seconds=float(m.group(1)))
        stamp = wall.strftime("%Y-%m-%dT%H:%M:%S,%f") + "+01:00"
        lines.append(f"{stamp} {console[m.end() : console.index(chr(10), m.end())]}\n")
    (want,) = parse_log(console.encode())
    (rep,) = parse_log("".join(lines).encode())
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (
        want.cpu,
        want.pid,
        want.comm,
        want.kernel_release,
    )
    assert not from_userspace(lines[0]) and not any(from_userspace(ln) for ln in lines)
    # journald and syslog daemons write the fraction after a dot, then host and identifier
    assert from_userspace("2026-11-24T10:00:01.123456+0100 host dockerd[901]: WARNING: x")


@pytest.mark.parametrize(
    "stamp",
    [
        "Thu Nov 24 10:00:01 2026",
        # util-linux record_ctime() formats with strftime(_("%a %b %e %H:%M:%S %Y")): the
        # day and month names of the reader's locale (de_DE, fr_FR, ru_RU, es_ES)
        "Do Nov 24 10:00:01 2026",
        "jeu. nov. 24 10:00:01 2026",
        "Чт ноя 24 10:00:01 2026",
        "mar dic  3 10:00:01 2026",
    ],
)
def test_dmesg_ctime_lines_in_any_locale_read_as_the_consoles(stamp: str) -> None:
    console = (LAB / "null-deref.log").read_text()
    (want,) = parse_log(console.encode())
    localised = _PRINTK_TIME.sub(lambda m: f"[{stamp}] ", console)
    (rep,) = parse_log(localised.encode())
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []
    assert (rep.pid, rep.comm, rep.kernel_release) == (want.pid, want.comm, want.kernel_release)


@pytest.mark.parametrize(
    "notice",
    [
        "net_ratelimit: 45 callbacks suppressed",  # lib/ratelimit.c ___ratelimit()
        "printk: 12 messages suppressed.",  # 2.6.x __printk_ratelimit()
        "** 3 printk messages dropped **",  # a console that fell behind
    ],
)
def test_a_rate_limit_notice_inside_a_trace_does_not_end_it(notice: str) -> None:
    # Another CPU's rate-limit notice printed between two entries of the trace.
    lines = (LAB / "null-deref.log").read_text().splitlines()
    (want,) = parse_log("\n".join(lines) + "\n")
    at = next(i for i, ln in enumerate(lines) if "Call Trace:" in ln) + 3
    noisy = [*lines[:at], f"[    1.996001] {notice}", *lines[at:]]
    (rep,) = parse_log("\n".join(noisy) + "\n")
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert len(rep.frames) == 8


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_log_with_its_spaces_squeezed_yields_the_same_facts(name: str) -> None:
    # Forum posts and HTML mail archives show a pasted log with every run of spaces
    # squeezed to one and lines left-trimmed: no indent after the printk time, no column
    # padding. The kernel's words are all there, so are the facts (32-bit ARM's headerless
    # " f from g+0x1/0x2" trace was lost: it was found by its indent).
    text = (DATA / f"{name}.log").read_text(errors="replace")
    squeezed = "".join(re.sub(" {2,}", " ", ln).strip() + "\n" for ln in text.splitlines())
    want, got = _reports(name), parse_log(squeezed.encode())
    assert len(got) == len(want)
    for w, g in zip(want, got, strict=True):
        assert (g.title, g.comm, g.pid, g.cpu, g.kernel_release) == (
            w.title,
            w.comm,
            w.pid,
            w.cpu,
            w.kernel_release,
        )
        assert g.taint_flags == w.taint_flags and g.corrupted == w.corrupted
        assert [f.function for f in g.frames] == [f.function for f in w.frames]


@pytest.mark.parametrize("case", ["85", "89"])
def test_a_bad_page_reports_task_survives_its_spaces_squeezed(case: str) -> None:
    # mm/page_alloc.c bad_page() prints "BUG: Bad page state in process %s  pfn:%05lx",
    # mm/memory.c print_bad_pte() "BUG: Bad page map in process %s  pte:..": two spaces
    # after the task's name, one where a forum post or an HTML archive squeezed them.
    text = syz_log(case)
    squeezed = "".join(re.sub(" {2,}", " ", ln).strip() + "\n" for ln in text.splitlines())
    want, got = parse_log(text.encode()), parse_log(squeezed.encode())
    assert want[0].comm is not None
    assert [_facts(r) for r in got] == [_facts(r) for r in want]


_STAMPED = sorted(
    name
    for name, facts in EXPECTED.items()
    if facts.get("reports") != 0
    and _PRINTK_TIME.search((DATA / f"{name}.log").read_text("latin-1")) is not None
)


@pytest.mark.parametrize("name", _STAMPED)
def test_a_copy_started_at_the_reports_first_word_yields_the_same_facts(name: str) -> None:
    # Q&A posts and issue threads hold an oops copied from a terminal by a selection
    # made from its first word: the header line comes without the "[%5lu.%06lu] " that
    # print_time() (kernel/printk/printk.c) put before it, every line after it with
    # theirs. The same copy made from the line's start gives the facts to keep. (The
    # header read alone ended the report at the next, stamped, line: a bare report
    # "in corrupted" and a second from its "Oops:" or "CPU:" line on.)
    lines = (DATA / f"{name}.log").read_text("latin-1").split("\n")
    first = _reports(name)[0].start_line - 1
    copy = lines[first:]
    cut = [_PRINTK_TIME.sub("", copy[0], count=1), *copy[1:]]
    want, got = parse_log("\n".join(copy)), parse_log("\n".join(cut))
    assert len(got) == len(want)
    for w, g in zip(want, got, strict=True):
        assert (g.title, g.type, g.comm, g.pid, g.cpu, g.kernel_release) == (
            w.title,
            w.type,
            w.comm,
            w.pid,
            w.cpu,
            w.kernel_release,
        )
        assert g.corrupted == w.corrupted
        assert [f.function for f in g.frames] == [f.function for f in w.frames]


def test_two_copies_started_at_their_first_words_are_two_reports() -> None:
    # Two oopses pasted one after the other, each copied from its first word: the
    # second bare header, with stamped lines after it, is a report of its own, not a
    # program's line interjected in the first report's stamped stream.
    pastes = []
    for name in ("x86-6.1-kfence-uaf", "x86-6.1-soft-lockup"):
        lines = (DATA / f"{name}.log").read_text("latin-1").split("\n")
        rep = _reports(name)[0]
        copy = lines[rep.start_line - 1 : rep.end_line]
        pastes.append([_PRINTK_TIME.sub("", copy[0], count=1), *copy[1:]])
    whole = parse_log("\n".join(pastes[0] + pastes[1]))
    alone = [parse_log("\n".join(paste))[0] for paste in pastes]
    assert [(r.title, r.comm, r.pid) for r in whole] == [(r.title, r.comm, r.pid) for r in alone]
    assert [[f.function for f in r.frames] for r in whole] == [
        [f.function for f in r.frames] for r in alone
    ]


def test_level_prefixed_lines_without_a_time_read_as_the_consoles() -> None:
    # /proc/kmsg and dmesg -r give each record as "<level>" + time + text; a kernel that
    # prints no time (printk.time=0, RHEL 5/6's default) leaves "<4>Call Trace:".
    name = "el5-i386-oops"
    text = (DATA / f"{name}.log").read_text()
    levelled = "".join(f"<4>{ln}\n" for ln in text.splitlines())
    (want,) = _reports(name)
    (rep,) = parse_log(levelled.encode())
    assert rep.title == EXPECTED[name]["title"] and not rep.corrupted, rep.corrupted_reason
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (0, 2711, "bash", "2.6.18-8.el5")
    assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []


def test_rfc5424_syslog_lines_read_as_the_consoles() -> None:
    # RFC 5424 (rsyslog's RSYSLOG_SyslogProtocol23Format, syslog-ng's syslog-protocol, a
    # log server's spool): "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG". The kernel's
    # records have PRI 0-7 (facility kern) and APP "kernel"; journald leaves out the time.
    console = (LAB / "null-deref.log").read_text()
    (want,) = parse_log(console.encode())
    kern = "<4>1 2026-11-24T10:00:01.123456+00:00 bench kernel - - - "
    prog = '<28>1 2026-11-24T10:00:01.123456+00:00 bench dockerd 901 - [meta x="1"] '
    lines = [kern + _PRINTK_TIME.sub("", ln) for ln in console.splitlines()]
    at = next(i for i, ln in enumerate(lines) if "Call Trace:" in ln)
    lines.insert(at, prog + "WARNING: No swap limit support")  # a program's, not a report
    (rep,) = parse_log(("\n".join(lines) + "\n").encode())
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (
        want.cpu,
        want.pid,
        want.comm,
        want.kernel_release,
    )
    assert from_userspace(lines[at]) and not from_userspace(lines[at + 1])


@pytest.mark.parametrize(
    "log",
    [
        LAB / "null-deref.log",
        DATA / "riscv64-6.12.117+deb13-kmemleak.log",
        DATA / "x86-6.1-slub-redzone.log",
        DATA / "arm64-6.1.0-50-mod-warn.log",
    ],
)
@pytest.mark.parametrize("as_bytes", [True, False])
def test_rfc5424_lines_with_a_bom_before_msg_read_as_without(log: Path, as_bytes: bool) -> None:
    # RFC 5424 6.4: a MSG in UTF-8 may start with a BOM, which rsyslog's
    # RSYSLOG_SyslogProtocol23Format and syslog-ng's syslog-protocol (with a utf-8
    # MSG) write: "<4>1 TIMESTAMP HOST kernel - - - \ufeffunreferenced object ...". The
    # report headers behind it (kmemleak's, SLUB's, whose kinds pin their first word to
    # what a prefix ends with) start their reports as they do without it.
    console = _PRINTK_TIME.sub("", log.read_text())
    kern = "<4>1 2026-11-24T10:00:01.123456+00:00 bench kernel - - - "
    plain = "".join(kern + ln + "\n" for ln in console.splitlines())
    bom = plain.replace(" - - - ", " - - - \ufeff")
    want = [_facts(r) for r in parse_log(plain.encode())]
    assert want and want == [_facts(r) for r in parse_log(console.encode())]
    got = parse_log(bom.encode() if as_bytes else bom)
    assert [_facts(r) for r in got] == want


def test_a_pre_2_6_24_soft_lockup_line_names_its_cpu() -> None:
    # 2.6.9-2.6.2x kernel/softlockup.c softlockup_tick(): "BUG: soft lockup detected on
    # CPU#%d!", then dump_stack(), which printed no task header on those kernels.
    text = (DATA / "armhf-6.1.0-50-mod-softlockup.log").read_text()
    line = next(ln for ln in text.splitlines() if "soft lockup - CPU#" in ln)
    old = re.sub(
        r"soft lockup - CPU#(\d+) stuck for \d+s! \[.*\]", r"soft lockup detected on CPU#\1!", line
    )
    assert old.endswith("BUG: soft lockup detected on CPU#1!")
    (rep,) = parse_log((old + "\n").encode())
    assert rep.title.startswith("BUG: soft lockup") and rep.cpu == 1


@pytest.mark.parametrize(
    "log", [LAB / "null-deref.log", DATA / "arm64-6.1-oops.log", DATA / "x86-6.1-soft-lockup.log"]
)
def test_dmesg_json_records_read_as_the_consoles(log: Path) -> None:
    # util-linux dmesg --json (print_record() through lib/jsonwrt.c, pretty): an object per
    # record, a member per line, the record's text in "msg" with JSON's escapes. Each
    # object closes on a row of its own ("      }", then ",{" for the next one): the
    # module list's record is followed by no cut name's rest.
    import json

    console = log.read_text()
    (want,) = parse_log(console.encode())
    records = [
        f'      {{\n         "pri": 4,\n         "time": {m.group(1):>12},\n'
        f'         "msg": {json.dumps(console[m.end() : console.index(chr(10), m.end())])}\n'
        "      }"
        for m in _PRINTK_TIME.finditer(console)
    ]
    text = '{\n   "dmesg": [\n' + ",".join(records) + "\n   ]\n}\n"
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []
    assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (
        want.cpu,
        want.pid,
        want.comm,
        want.kernel_release,
    )
    assert '"msg"' not in rep.text and '"pri"' not in rep.text
    assert (rep.modules, rep.tainting_modules) == (want.modules, want.tainting_modules)
    assert rep.modules


def test_an_old_x86_64_kernel_bug_line_is_titled_by_its_function() -> None:
    # x86_64 handle_BUG() up to 2.6.2x (RHEL 5, SLES 10) printed "----------- [cut here ]
    # --------- [please bite here ] ---------" and "Kernel BUG at %.50s:%d", where later
    # kernels print "------------[ cut here ]------------" and "kernel BUG at %s:%d!".
    lab = (LAB / "bug.log").read_text()
    (want,) = parse_log(lab.encode())
    assert want.title.startswith("kernel BUG in ")
    old = re.sub(
        r"kernel BUG at (\S+):(\d+)!",
        lambda m: f"Kernel BUG at {m.group(1)[:50]}:{m.group(2)}",
        lab,
    ).replace(
        "------------[ cut here ]------------",
        "----------- [cut here ] --------- [please bite here ] ---------",
    )
    assert "Kernel BUG at src/hotfence/lab/module/hotfence_crash.c:68\n" in old
    (rep,) = parse_log(old.encode())
    assert (rep.title, rep.type, rep.corrupted) == (want.title, "BUG", False)
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


@pytest.mark.parametrize(
    "line",
    [
        # 2.6.3x arch/x86/kernel/apic/nmi.c (RHEL 6): die_nmi("BUG: NMI Watchdog detected
        # LOCKUP", ...) and its " on CPU%d, ip %08lx, registers:"
        "BUG: NMI Watchdog detected LOCKUP on CPU0, ip ffffffffc0246122, registers:",
        # 2.6.x arch/x86_64/kernel/nmi.c (RHEL 5): "NMI Watchdog detected LOCKUP on CPU %d"
        "NMI Watchdog detected LOCKUP on CPU 0",
        # 2.6.x arch/i386/kernel/traps.c die_nmi(): " on CPU%d, eip %08lx, registers:"
        "NMI Watchdog detected LOCKUP on CPU0, eip c0246122, registers:",
    ],
)
def test_an_old_nmi_watchdog_lockup_is_a_hard_lockup(line: str) -> None:
    # The NMI watchdog before the perf-based one printed its own line, then the locked
    # CPU's registers and trace: the recorded soft lockup's report with its first line in
    # those words is that shape (RIP in the looping module function).
    lab = (LAB / "softlockup.log").read_text()
    first = "watchdog: BUG: soft lockup - CPU#0 stuck for 6s! [sh:117]"
    assert first in lab
    (rep,) = parse_log(lab.replace(first, line).encode())
    assert rep.title == "BUG: hard lockup in hotfence_crash_softlockup"
    assert (rep.type, rep.cpu, rep.comm, rep.pid) == ("HANG", 0, "sh", 117)
    assert rep.looping_function == "hotfence_crash_softlockup" and not rep.corrupted


def test_a_pre_2_6_20_warn_on_is_a_warning_titled_by_its_function() -> None:
    # WARN_ON() up to 2.6.19 (include/asm-generic/bug.h; RHEL 5's 2.6.18) printed "BUG:
    # warning at %s:%d/%s()" and dump_stack(), where 2.6.32 prints "WARNING: at %s:%d
    # %pS() (...)": the RHEL 6 syslog warning with its line in the older wording.
    text = (DATA / "rhel6-syslog-old-warning.log").read_text()
    assert _OLD_WARNING in text
    older = "BUG: warning at net/core/dev.c:1915/skb_gso_segment()"
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(text.replace(_OLD_WARNING, older).encode())
    assert (
        (rep.title, rep.type)
        == ("WARNING in skb_gso_segment", "WARNING")
        == (want.title, want.type)
    )
    assert not rep.corrupted and len(rep.frames) == len(want.frames) == 7


def test_a_2_6_9_badness_warn_on_is_a_warning_titled_by_its_function() -> None:
    # WARN_ON() up to 2.6.1x (include/asm-generic/bug.h; RHEL 4's 2.6.9): "Badness in %s at
    # %s:%d" and dump_stack(): the RHEL 6 syslog warning with its line in those words.
    text = (DATA / "rhel6-syslog-old-warning.log").read_text()
    oldest = "Badness in skb_gso_segment at net/core/dev.c:1915"
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(text.replace(_OLD_WARNING, oldest).encode())
    assert (
        (rep.title, rep.type)
        == (want.title, want.type)
        == ("WARNING in skb_gso_segment", "WARNING")
    )
    assert not rep.corrupted and len(rep.frames) == 7
    assert [r.title for r in parse_log(b"[  1.000000] Badness in foo\n")] == []  # no file:line


@pytest.mark.parametrize("whole", [False, True])
def test_a_2_6_2x_warn_on_naming_its_bare_function_is_titled_by_it(whole: bool) -> None:
    # WARN_ON() of 2.6.19-2.6.25 (include/asm-generic/bug.h) printed "WARNING: at %s:%d
    # %s()" with __FUNCTION__, a bare name, then dump_stack(); no "[ cut here ]", no
    # module list, no end marker (2.6.26's warn_on_slowpath() brought those). The RHEL 6
    # syslog warning with its line in those words, and (whole) without the later lines.
    text = (DATA / "rhel6-syslog-old-warning.log").read_text()
    older = "WARNING: at net/core/dev.c:1915 skb_gso_segment()"
    text = text.replace(_OLD_WARNING, older)
    if whole:
        later = ("[ cut here ]", "Hardware name:", "Modules linked in:", "---[ end trace")
        text = "".join(x for x in text.splitlines(True) if not any(w in x for w in later))
        assert text.splitlines()[0].endswith(older)
    (want,) = parse_log((DATA / "rhel6-syslog-old-warning.log").read_bytes())
    (rep,) = parse_log(text.encode())
    assert (rep.title, rep.type) == ("WARNING in skb_gso_segment", "WARNING")
    assert (rep.comm, rep.pid, rep.kernel_release) == ("swapper", 0, "2.6.32-504.el6.x86_64")
    assert not rep.corrupted
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


# mm/page_alloc.c bad_page() before 2.6.28 named the task in quotes and had no "BUG: ":
# "Bad page state in process '%s'", the page's fields, "Trying to fix it up, but a
# reboot is needed" and "Backtrace:" before dump_stack() (2.6.16-2.6.27, RHEL 5's
# 2.6.18); 2.6.9-2.6.15 printed "Bad page state at %s (in process '%s', page %p)" and
# the fix-up line after the trace. Since 2.6.28: "BUG: Bad page state in process %s
# pfn:%05lx". The RHEL 6 syslog's trace under each wording reads as one report alike.
_BAD_PAGE_FIELDS = "page:ffffea0000d9a8c0 flags:0x0040000000000008 mapping:0000000000000000"


@pytest.mark.parametrize(
    ("header", "after"),
    [
        (
            [
                "Bad page state in process 'swapper'",
                f"{_BAD_PAGE_FIELDS} mapcount:0 count:0",
                "Trying to fix it up, but a reboot is needed",
                "Backtrace:",
            ],
            [],
        ),
        (
            [
                "Bad page state at free_hot_cold_page (in process 'swapper', page ffffea0000d9a8c0)",
                "flags:0x0040000000000008 mapping:0000000000000000 mapcount:0 count:0",
                "Backtrace:",
            ],
            ["Trying to fix it up, but a reboot is needed"],
        ),
    ],
)
def test_a_pre_2_6_28_bad_page_state_reads_as_the_later_wording(
    header: list[str], after: list[str]
) -> None:
    lines = (DATA / "rhel6-syslog-old-warning.log").read_text().splitlines()
    stamp = lines[0][: lines[0].index("kernel: ") + len("kernel: ")]
    pid = next(i for i, ln in enumerate(lines) if "kernel: Pid: 0, comm: swapper" in ln)
    trace = [ln for ln in lines[pid:] if "---[ end trace" not in ln]

    def log(first: list[str], last: list[str], under: list[str] = trace) -> bytes:
        return "".join(f"{ln}\n" for ln in [stamp + h for h in first] + under + last).encode()

    later = ["BUG: Bad page state in process swapper  pfn:3662a", f"{_BAD_PAGE_FIELDS} index:0x0"]
    (want,) = parse_log(log(later, []))
    assert want.title.startswith("BUG: Bad page state in ")
    (rep,) = parse_log(log(header, [stamp + a for a in after]))
    assert (rep.title, rep.type, rep.comm, rep.pid, rep.kernel_release) == (
        want.title,
        want.type,
        "swapper",
        0,
        "2.6.32-504.el6.x86_64",
    )
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert rep.corrupted == want.corrupted
    # x86_64's dump_stack() in 2.6.18 printed no "Pid:" line: the header names the task
    (bare,) = parse_log(log(header, [stamp + a for a in after], trace[1:]))
    assert (bare.title, bare.comm) == (want.title, "swapper")


# mm/memory.c print_bad_pte() in 2.6.14-2.6.28 (RHEL 5's 2.6.18): "Bad pte = %08llx,
# process = %s, vm_flags = %lx, vaddr = %lx" ("???" for another mm's task), then
# dump_stack(); since 2.6.29 "BUG: Bad page map in process %s  pte:%08llx pmd:%08llx".
@pytest.mark.parametrize(("process", "comm"), [("swapper", "swapper"), ("???", None)])
def test_a_pre_2_6_29_bad_pte_reads_as_the_later_bad_page_map(
    process: str, comm: str | None
) -> None:
    lines = (DATA / "rhel6-syslog-old-warning.log").read_text().splitlines()
    stamp = lines[0][: lines[0].index("kernel: ") + len("kernel: ")]
    pid = next(i for i, ln in enumerate(lines) if "kernel: Pid: 0, comm: swapper" in ln)
    trace = [ln for ln in lines[pid + 1 :] if "---[ end trace" not in ln]

    def log(first: str) -> bytes:
        return "".join(f"{ln}\n" for ln in [stamp + first, *trace]).encode()

    (want,) = parse_log(log("BUG: Bad page map in process swapper  pte:00000060 pmd:3662a067"))
    assert want.title == "BUG: Bad page map"
    old = f"Bad pte = 00000060, process = {process}, vm_flags = 100073, vaddr = 853a001"
    (rep,) = parse_log(log(old))
    assert (rep.title, rep.type, rep.comm) == (want.title, want.type, comm)
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert rep.corrupted == want.corrupted


def test_a_spinlock_debug_report_names_its_task_and_cpu() -> None:
    # lib/spinlock_debug.c spin_dump(): "BUG: spinlock %s on CPU#%d, %s/%d", the spinning
    # task and CPU; this corpus report's header was lost.
    log = syz_log("64")
    assert "BUG: spinlock lockup suspected on CPU#2, syz-executor/12636" in log
    assert "Comm:" not in log
    (rep, *_) = parse_log(log)
    assert (rep.comm, rep.pid, rep.cpu) == ("syz-executor", 12636, 2)


def test_a_pre_3_x_spinlock_lockup_is_a_lockup_suspected() -> None:
    # __spin_lock_debug() before 3.x: "BUG: spinlock lockup on CPU#%d, %s/%d, %p", later
    # spin_dump(lock, "lockup suspected"): a corpus report's first line in the old words.
    log = syz_log("68")
    line = "BUG: spinlock recursion on CPU#0, syz-executor7/5032"
    assert line in log
    old = log.replace(line, "BUG: spinlock lockup on CPU#0, syz-executor7/5032, ffff88006c122d00")
    (rep, *_) = parse_log(old)
    assert (rep.title, rep.type) == (
        "BUG: spinlock lockup suspected in wake_up_new_task",
        "LOCKDEP",
    )
    assert (rep.comm, rep.pid, rep.cpu) == ("syz-executor7", 5032, 0)


def test_a_sleeping_in_atomic_report_names_its_task_without_a_header() -> None:
    # ___might_sleep(): "in_atomic(): %d, irqs_disabled(): %d, pid: %d, name: %s"; this
    # corpus report's dump_stack() header was lost.
    log = syz_log("56")
    assert "pid: 3658, name: syz-fuzzer" in log and "Comm:" not in log
    (rep, *_) = parse_log(log)
    assert (rep.comm, rep.pid) == ("syz-fuzzer", 3658)


@pytest.mark.parametrize(
    ("line", "comm", "pid"),
    [
        ("BUG: scheduling while atomic: syz-fuzzer/2188/0x00000101", "syz-fuzzer", 2188),
        # __schedule_bug() in 2.6.18: "%s/0x%08x/%d" (comm, preempt count, pid)
        ("BUG: scheduling while atomic: syz-fuzzer/0x00000101/2188", "syz-fuzzer", 2188),
    ],
)
def test_a_scheduling_while_atomic_line_names_its_task(line: str, comm: str, pid: int) -> None:
    # The corpus report without its "CPU: N PID: N Comm:" header (2.6.x dump_stack()
    # printed none), its first line in each kernel's order.
    log = syz_log("641")
    header = next(ln for ln in log.splitlines() if "Comm: syz-fuzzer" in ln)
    first = "BUG: scheduling while atomic: syz-fuzzer/2188/0x00000101"
    (rep, *_) = parse_log(log.replace(header + "\n", "").replace(first, line))
    assert rep.title == "BUG: scheduling while atomic in simple_recursive_removal"
    assert (rep.comm, rep.pid) == (comm, pid)


@pytest.mark.parametrize("everywhere", [True, False])
def test_no_break_spaces_of_a_pasted_page_read_as_spaces(everywhere: bool, tmp_path: Path) -> None:
    # A log copied from a web page carries U+00A0 where the kernel printed spaces (HTML
    # keeps a run of spaces only as "&nbsp;"): everywhere, or in the leading runs only.
    console = (LAB / "null-deref.log").read_text()
    (want,) = parse_log(console.encode())
    if everywhere:
        pasted = console.replace(" ", "\u00a0")
    else:
        pasted = re.sub(r"(?m)(?<=\] )( +)", lambda m: "\u00a0" * len(m.group(1)), console)
    assert "\u00a0" in pasted
    for log in (pasted.encode(), pasted):  # bytes (UTF-8) and str input
        (rep,) = parse_log(log)
        assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
        assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []
        assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release, rep.taint_flags) == (
            want.cpu,
            want.pid,
            want.comm,
            want.kernel_release,
            want.taint_flags,
        )
        assert (rep.start_line, rep.end_line) == (want.start_line, want.end_line)
    # the CLI's streaming path (prefilter) finds the same report in the file
    from hotfence.triage.prefilter import triage_input

    (tmp_path / "pasted.log").write_bytes(pasted.encode())
    (streamed,) = triage_input(str(tmp_path / "pasted.log")).reports
    assert streamed.title == want.title and len(streamed.frames) == len(want.frames)


@pytest.mark.parametrize(
    "grep",
    [
        lambda i, ln: f"{21000 + i}{':' if i % 3 == 0 else '-'}{ln}",  # grep -n -A: match / context
        lambda i, ln: f"/var/log/messages{':' if i % 3 == 0 else '-'}{ln}",  # grep -H
        lambda i, ln: f"messages-20261124:{i + 1}:{ln}",  # grep -Hn
        lambda i, ln: f"{21000 + i:6d}\t{ln}",  # cat -n
    ],
)
def test_grep_and_cat_n_output_of_a_syslog_file_reads_as_the_file(grep: Any) -> None:
    # A /var/log/messages pasted from a terminal as grep or cat -n printed it, the kernel
    # lines without a printk time (RHEL 7's rsyslog from the journal writes none). A
    # program's WARNING: line in it stays a program's.
    console = (LAB / "null-deref.log").read_text()
    (want,) = parse_log(console.encode())
    lines = [
        f"Nov 24 10:00:01 bench kernel: {_PRINTK_TIME.sub('', ln)}" for ln in console.splitlines()
    ]
    at = next(i for i, ln in enumerate(lines) if "Call Trace:" in ln)
    lines.insert(at, "Nov 24 10:00:01 bench dockerd[901]: WARNING: No swap limit support")
    (rep,) = parse_log("".join(grep(i, ln) + "\n" for i, ln in enumerate(lines)).encode())
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []
    assert (rep.pid, rep.comm, rep.kernel_release) == (want.pid, want.comm, want.kernel_release)


def test_an_apache_error_log_line_is_no_dmesg_ctime_line() -> None:
    # dmesg -T prints whole seconds; Apache's error log starts "[%a %b %d %H:%M:%S.%usec %Y]",
    # a program's line a paste may hold beside the kernel's.
    from hotfence.triage.lines import parse_prefix

    apache = "[Thu Nov 24 10:11:12.123456 2026] [core:error] [pid 123] AH00052: child pid 1234 exit"
    assert parse_prefix(apache) == (apache, "", None)
    assert parse_prefix("[Thu Nov 24 10:11:12 2026] Call Trace:")[:2] == ("Call Trace:", "console")


def test_a_machine_check_panic_printing_several_records_is_one_report() -> None:
    """mce_panic() (arch/x86/kernel/cpu/mce/core.c) prints every pending record before the
    final one, each with print_mce()'s "CPU %d: Machine Check%s: %Lx Bank %d: %016Lx" line,
    then "Machine check: <why>" and the panic: one machine check, not one report a record.
    The fatal MCE log with a second CPU's record of the same bank printed ahead of it."""
    log = (DATA / "x86-mce-fatal.log").read_text().splitlines(keepends=True)
    record = [ln for ln in log[:4] if "RIP !INEXACT!" not in ln]
    assert "CPU 7: Machine Check Exception:" in record[0] and "APIC e " in record[-1]
    other = [ln.replace("CPU 7:", "CPU 3:").replace("APIC e ", "APIC 6 ") for ln in record]
    (want,) = parse_log("".join(log))
    reps = parse_log("".join(other + log))
    assert [r.title for r in reps] == [want.title]
    assert reps[0].type == "HARDWARE-ERROR"
    assert "Kernel panic - not syncing: Fatal machine check" in reps[0].text
    # two machine checks far apart (a corrected error logged long before) stay two
    filler = ["[ 9021.441001] e1000e 0000:00:19.0 eth0: NIC Link is Up\n"] * 200
    assert len(parse_log("".join(other + filler + log))) == 2


def test_a_hard_lockup_panic_whose_watchdog_line_was_lost_names_the_locked_function() -> None:
    """Since 4.5 (and RHEL 7's backport) the perf NMI watchdog prints "Watchdog detected
    hard LOCKUP on cpu %d", then panics with nmi_panic(regs, "Hard LOCKUP") on the locked
    CPU (kernel/watchdog.c, watchdog_hld.c). A paste that starts at the panic still holds
    the NMI's stack and, after "<<EOE>>" / "</NMI>", where the CPU spun: a hard lockup
    titled by that function. The buddy detector (6.5+) panics on the CPU that noticed,
    whose own stack has no NMI part: its panic alone names no culprit."""
    name = "rhel7-hard-lockup-nmi-panic"
    log = (DATA / f"{name}.log").read_text()
    watchdog, rest = log.split("\n", 1)
    assert "Watchdog detected hard LOCKUP" in watchdog
    assert rest.splitlines()[0].endswith("Kernel panic - not syncing: Hard LOCKUP")
    (rep,) = parse_log(rest)
    want = EXPECTED[name]
    assert (rep.title, rep.type) == (want["title"], want["type"])
    assert (rep.comm, rep.pid, rep.cpu) == (want["comm"], want["pid"], want["cpu"])
    buddy = (DATA / "x86-6.6-hard-lockup-buddy.log").read_text()
    panic_only = buddy[buddy.index("[ 5112.001290] Kernel panic") :]
    (other,) = parse_log(panic_only)
    assert other.title == "kernel panic: Hard LOCKUP" and other.comm == "swapper/0"


def test_a_pre_kcfi_cfi_failure_is_titled_by_the_failing_caller() -> None:
    """Clang CFI before kCFI (5.7-6.0, Android's GKI kernels): kernel/cfi.c
    handle_cfi_failure() WARN_RATELIMIT(1, "CFI failure (target: %pS):\\n") from the check
    handler (WARNING ... at kernel/cfi.c:29 __cfi_check_fail), or without
    CONFIG_CFI_PERMISSIVE panic("CFI failure (target: %pS)\\n"). Either is a CFI report
    titled by the caller outside the check machinery. The lab's real WARN and SysRq
    panic recordings with their message lines rewritten into that wording."""
    warn = (LAB / "warn.log").read_text()
    at = "] WARNING: CPU: 0 PID: 117 at src/hotfence/lab/module/hotfence_crash.c:74 "
    assert warn.count(at) == 1 and warn.count("RIP: 0010:hotfence_crash_warn+") == 1
    warn = re.sub(
        r"(?m)^(\[ *[\d.]+\]) WARNING: CPU: 0 PID: 117 at \S+ \S+ \[hotfence_crash\]$",
        r"\1 CFI failure (target: hotfence_crash_warn+0x0/0x30 [hotfence_crash]):\n"
        r"\1 WARNING: CPU: 0 PID: 117 at kernel/cfi.c:29 __cfi_check_fail+0x2e/0x40",
        warn,
    )
    warn = re.sub(
        r"RIP: 0010:hotfence_crash_warn\+\S+ \[hotfence_crash\]",
        "RIP: 0010:__cfi_check_fail+0x2e/0x40",
        warn,
    )
    (rep,) = parse_log(warn)
    assert (rep.title, rep.type) == ("CFI failure in hotfence_crash_do", "CFI")
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 117, 0)
    sysrq = (LAB / "sysrq-c.log").read_text()
    panic = "Kernel panic - not syncing: sysrq triggered crash"
    assert sysrq.count(panic) == 1
    sysrq = sysrq.replace(
        panic, "Kernel panic - not syncing: CFI failure (target: 0xffffffffc0201000)"
    )
    (rep,) = parse_log(sysrq)
    assert (rep.title, rep.type) == ("CFI failure in sysrq_handle_crash", "CFI")


def test_a_rip_with_no_symbol_is_no_function_named_value() -> None:
    """2.6-4.x x86 print the faulting address with printk_address(): " [<%p>] %pB", so a
    call through a bad pointer reads "IP: [<0000000000000010>] 0x10" and "RIP:
    0010:[<0000000000000010>]  [<0000000000000010>] 0x10"; show_registers() then cannot
    read the code there: "Code:  Bad RIP value.". That line is no register line naming a
    function "value": the frameless RIP leaves the title to the call trace. syzkaller's
    4.1 call through NULL, its four "(null)" prints rewritten for a NULL+0x10 target."""
    text = syz_log("247")
    for old, new in (
        ("dereference at           (null)", "dereference at 0000000000000010"),
        ("IP: [<          (null)>]           (null)", "IP: [<0000000000000010>] 0x10"),
        (
            "RIP: 0010:[<0000000000000000>]  [<          (null)>]           (null)",
            "RIP: 0010:[<0000000000000010>]  [<0000000000000010>] 0x10",
        ),
        ("RIP  [<          (null)>]           (null)", "RIP  [<0000000000000010>] 0x10"),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    assert "Code:  Bad RIP value." in text
    (want,) = parse_log(syz_log("247").encode())
    (rep,) = parse_log(text.encode())
    assert want.title == "BUG: unable to handle kernel NULL pointer dereference in inet_sendmsg"
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert "bad-access in value" not in rep.alt_titles


def test_kmem_dump_obj_stacks_under_arm_register_lines_are_not_the_trace() -> None:
    """32-bit ARM's __show_regs() (arch/arm/kernel/process.c, 5.12+) prints "Register rN
    information:" and mem_dump_obj() for r0-r12; for a slab object kmem_dump_obj()
    (mm/slab_common.c) adds "... allocated at f+0x1/0x2", the allocating stack, " Free
    path:" and the freeing stack, before the oops' own headerless backtrace. The
    list_del corruption of the recorded armhf poison log: its trace is the freeing CPU's."""
    reports = _reports("armhf-6.1.0-50-mod-slub-poison")
    rep = reports[1]
    assert "Register r3 information: slab task_struct" in rep.text
    assert rep.title == "BUG: corrupted list in free_to_partial_list"
    assert (rep.comm, rep.pid, rep.cpu) == ("exe", 86, 0)
    assert [f.function for f in rep.frames][:4] == [
        "__list_del_entry_valid",
        "free_to_partial_list",
        "__kmem_cache_free",
        "security_task_free",
    ]


@pytest.mark.parametrize(
    ("case", "header", "note"),
    [
        # mm/page_alloc.c bad_page(): "BUG: Bad page state: %lu messages suppressed"
        ("725", "[   65.499023][ T5098] BUG: Bad page state in process", "Bad page state: 3"),
        # mm/memory.c print_bad_pte(): "BUG: Bad page map: %lu messages suppressed"
        ("85", "[   40.438790] BUG: Bad page map in process", "Bad page map: 31"),
    ],
)
# (a mail client's wrap may cut the note after its count: "... BUG: Bad page map: 31"
# going on "messages suppressed", unprefixed)
@pytest.mark.parametrize("rest", [" messages suppressed", "\nmessages suppressed"])
def test_a_bad_page_ratelimit_note_is_no_report_of_its_own(
    case: str, header: str, note: str, rest: str
) -> None:
    """The bad-page reporters allow 60 reports a minute; the first one let through after
    a quiet spell is preceded by how many were dropped, on its own "BUG:" line. That
    line belongs to the report after it: syzkaller's logs with the note put back."""
    text = syz_log(case)
    assert text.count(header) == 1
    stamp = header.split("] BUG:")[0] + "]"
    noted = text.replace(header, f"{stamp} BUG: {note}{rest}\n{header}")
    want = parse_log(text.encode())
    reps = parse_log(noted.encode())
    assert [r.title for r in reps] == [r.title for r in want]
    assert [r.frames for r in reps] == [r.frames for r in want]


def test_a_pre_4_6_kasan_reports_slab_object_dump_is_part_of_it() -> None:
    """KASAN before 4.6 printed a slab object through SLUB's object_err() (4.4
    mm/kasan/report.c print_address_description(): object_err(cache, page, object,
    "kasan: bad access detected")): slab_bug()'s "BUG <cache> (...): <why>" line and
    print_trailer()'s "INFO:" track, slab and object lines, under KASAN's own "BUG: KASAN:
    %s in %pS at addr %p" and "%s of size %zu by task %s/%d". The recorded 6.1 SLUB report
    rewritten so: KASAN's lines before it, its reason KASAN's, its "INFO: 0x..." fact
    line gone (object_err() prints none). No SLUB kind is there to take the "INFO:" lines
    in: they are still no reports of their own."""
    slub = (DATA / "x86-6.1-slub-redzone.log").read_text()
    bug = "BUG kmalloc-128 (Tainted: G    B             ): Redzone overwritten\n"
    fact = re.search(r"(?m)^.* INFO: 0x[0-9a-f]+-0x[0-9a-f]+ @offset=.*\n", slub)
    assert bug in slub and fact is not None and "INFO: Allocated in " in slub
    kasan = (
        "[  77.201001] BUG: KASAN: slab-out-of-bounds in mydrv_release+0x20/0x40 [mydrv]"
        " at addr ffff8880058e7e80\n[  77.201002] Write of size 4 by task mydrv-test/512\n"
    )
    slub = slub.replace(fact[0], "").replace(
        bug, bug.replace("Redzone overwritten", "kasan: bad access detected")
    )
    (rep,) = parse_log(kasan + slub)
    assert rep.title == "KASAN: slab-out-of-bounds Write in mydrv_release"
    assert (rep.comm, rep.pid, rep.cpu) == ("mydrv-test", 512, 0)


@pytest.mark.parametrize(
    "words", ["use after free", "out of bounds access", "out of bounds on stack"]
)
def test_a_4_0_to_4_3_kasan_report_is_titled_as_the_4_4_one(words: str) -> None:
    """4.0-4.3 mm/kasan/report.c print_error_description() printed pr_err("BUG: KASan: %s
    in %pS at addr %p\n") with the bug type in words ("use after free", "out of bounds
    access", "out of bounds on stack"), 4.4 the same line as "BUG: KASAN:". The pre-4.6
    rewrite of the recorded 6.1 SLUB report above in either spelling: the same report,
    the same title, type, task and frames (syzkaller's KASAN rules: its catch-all "BUG:
    KASAN: (.*)" format, a corrupted one, as hyphenated types are not these words)."""
    slub = (DATA / "x86-6.1-slub-redzone.log").read_text()
    bug = "BUG kmalloc-128 (Tainted: G    B             ): Redzone overwritten\n"
    fact = re.search(r"(?m)^.* INFO: 0x[0-9a-f]+-0x[0-9a-f]+ @offset=.*\n", slub)
    assert bug in slub and fact is not None
    slub = slub.replace(fact[0], "").replace(
        bug, bug.replace("Redzone overwritten", "kasan: bad access detected")
    )
    line = (
        f"[  77.201001] BUG: {{}}: {words} in mydrv_release+0x20/0x40 [mydrv]"
        " at addr ffff8880058e7e80\n[  77.201002] Write of size 4 by task mydrv-test/512\n"
    )
    (want,) = parse_log(line.format("KASAN") + slub)
    (rep,) = parse_log(line.format("KASan") + slub)
    assert rep.title == want.title == f"KASAN: {words} in mydrv_release [mydrv] at addr ADDR"
    assert (rep.type, rep.corrupted, rep.corrupted_reason) == (
        want.type,
        want.corrupted,
        want.corrupted_reason,
    )
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu) == ("mydrv-test", 512, 0)
    assert rep.frames == want.frames


@pytest.mark.parametrize("origin", ["kernel", "KASAN", "KFENCE", "UBSAN", "KCSAN", "KMSAN"])
def test_a_panic_on_warn_panic_naming_its_origin_is_that_panic(origin: str) -> None:
    """kernel/panic.c check_panic_on_warn() (6.2, and the stable trees it went to) names
    who warned: panic("%s: panic_on_warn set ...\\n", origin), "kernel" from __warn(),
    the sanitizer's name from its report. The panic ends the report it follows (syzkaller
    corpus 391, a KASAN report, in that wording) and, when the console lost that report
    (corpus 697 from the panic on, as recorded with "kernel: "), is titled as the panic
    that follows a lost report always was."""
    old = "Kernel panic - not syncing: panic_on_warn set ..."
    new = f"Kernel panic - not syncing: {origin}: panic_on_warn set ..."
    kasan = syz_log("391")
    assert old in kasan
    (want,) = parse_log(kasan.encode())
    (rep,) = parse_log(kasan.replace(old, new).encode())
    assert (rep.title, rep.corrupted, rep.end_line) == (want.title, False, want.end_line)
    warn = syz_log("697")
    lost = warn[warn.index("Kernel panic - not syncing: kernel: ") :]
    (rep,) = parse_log(lost.replace("kernel: panic_on_warn", f"{origin}: panic_on_warn").encode())
    assert (rep.title, rep.type, rep.corrupted) == ("kernel panic: panic_on_warn set", "DoS", True)
    (alone,) = parse_log(syz_log("140")[syz_log("140").index(old) :].encode())
    assert alone.title == rep.title


@pytest.mark.parametrize("case", ["659", "680"])
def test_an_arm64_die_panic_alone_is_the_panic_after_a_lost_report(case: str) -> None:
    """arm64 die() panics with its own words first, panic("%s: Fatal exception", str):
    "Oops: Fatal exception" after a bad access, "Oops - BUG: Fatal exception" after a
    BUG(). When the console lost the report before it (syzkaller corpus 659 and 680 from
    their panic line on) it is titled as x86's plain "Fatal exception" panic alone is
    (corpus 578 from its panic line on): the panic after a report that was lost."""
    text = syz_log(case)
    lost = text[text.index("Kernel panic - not syncing: ") :]
    assert re.match(r"Kernel panic - not syncing: Oops(?: - BUG)?: Fatal exception", lost)
    x86 = syz_log("578")
    (want,) = parse_log(x86[x86.index("Kernel panic - not syncing: Fatal exception") :].encode())
    (rep,) = parse_log(lost.encode())
    assert (rep.title, rep.type, rep.corrupted) == (want.title, want.type, True)
    assert want.title == "kernel panic: Fatal exception"
    whole = parse_log(text.encode())[0]
    assert whole.title != want.title  # the whole report keeps its own title


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")]
)
def test_a_log_saved_as_utf16_reads_as_the_log(encoding: str, bom: bytes, tmp_path: Path) -> None:
    """Windows PowerShell 5's ">" and Out-File write "Unicode", UTF-16LE with its byte-order
    mark and CRLF line ends: `adb shell dmesg > dmesg.txt` run there saves an Android
    device's log that way (and gzip keeps it so). Read through the CLI's path, it is the
    recorded log."""
    from hotfence.triage.prefilter import triage_input

    name = "arm64-6.1.0-50-mod-null"
    text = (DATA / f"{name}.log").read_text()
    saved = bom + text.replace("\n", "\r\n").encode(encoding)
    (tmp_path / "dmesg.txt").write_bytes(saved)
    (tmp_path / "dmesg.txt.gz").write_bytes(gzip.compress(saved))
    (want,) = _reports(name)
    for path in ("dmesg.txt", "dmesg.txt.gz"):
        got = triage_input(str(tmp_path / path))
        assert got.error is None
        (rep,) = got.reports
        assert (rep.title, rep.comm, rep.pid, rep.kernel_release, rep.corrupted) == (
            want.title,
            want.comm,
            want.pid,
            want.kernel_release,
            False,
        )
        assert [f.function for f in rep.frames] == [f.function for f in want.frames] != []


@pytest.mark.parametrize(
    ("case", "comm", "pid", "detector"),
    [
        # khungtaskd's NMI backtrace of every CPU, its own CPU 1 first
        ("367", "syz-executor.0", 6102, "khungtaskd"),
        # "Sending NMI to all CPUs:": CPU 0's running task, then khungtaskd's CPU
        ("254", "init", 2293, "syz-executor491"),
    ],
)
def test_a_hung_task_is_the_task_it_names_not_the_cpus_after_it(
    case: str, comm: str, pid: int, detector: str
) -> None:
    """kernel/hung_task.c: khungtaskd reports "INFO: task %s:%d blocked for more than %ld
    seconds." with the sleeping task's stack, then (hung_task_all_cpu_backtrace, as on
    syzbot's kernels, syzkaller corpus 367 and 254) has every CPU print an NMI backtrace
    under its own "CPU: N PID: N Comm:" header. The report is about the task named, which
    ran on no CPU; the same log with the backtraces cut off says so too."""
    text = syz_log(case)
    assert f"INFO: task {comm}:{pid} blocked" in text
    assert f"Comm: {detector} " in text
    (rep, *_) = parse_log(text.encode())
    assert (rep.comm, rep.pid, rep.cpu) == (comm, pid, None)
    assert rep.kernel_release is not None  # the kernel's facts are still read
    alone = text[: text.index("NMI backtrace for cpu")]
    (short, *_) = parse_log(alone.encode())
    assert (short.comm, short.pid, short.cpu) == (comm, pid, None)
    assert short.title == rep.title


_HUNG_TASK = re.compile(r"INFO: task (.+):(\d+) blocked for more than")


def test_every_corpus_hung_task_is_the_task_it_names_on_no_cpu() -> None:
    """The hung task rule above over the whole corpus: every "INFO: task hung" report is
    the task its first line names, on no CPU, whatever task or CPU header comes right
    before it (corpus 235: another task's fault injection dump "CPU: 1 PID: 20679 Comm:
    syz-executor1" one line before khungtaskd's report, whose own lines name the hung
    task but no CPU)."""
    seen = 0
    for path in sorted((SYZ / "report").iterdir()):
        for rep in parse_log(syz_log(path.name).encode()):
            m = _HUNG_TASK.match(rep.text)
            if not rep.title.startswith("INFO: task hung") or m is None:
                continue
            assert (rep.comm, rep.pid, rep.cpu) == (m.group(1), int(m.group(2)), None), path.name
            seen += 1
    assert seen >= 40


_IO_ERROR_4X = "blk_update_request: I/O error, dev loop0, sector 0"


@pytest.mark.parametrize(
    "line",
    [
        _IO_ERROR_4X,  # block/blk-core.c blk_update_request(), 4.x-5.17 (corpus 5)
        # blk_print_req_error(), 5.18 on: blk_errors[BLK_STS_IOERR].name, then the request
        "I/O error, dev loop0, sector 0 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
        "end_request: I/O error, dev loop0, sector 0",  # 2.6.x-3.x end_that_request_*()
        "Buffer I/O error on dev loop0, logical block 0, async page read",  # fs/buffer.c
        # the same functions for another status than BLK_STS_IOERR: block/blk-core.c
        # blk_errors[] names each ("critical medium", "timeout", "critical target"...)
        "critical medium error, dev loop0, sector 0 op 0x0:(READ) flags 0x0 phys_seg 1 prio "
        "class 2",
        "blk_update_request: timeout error, dev loop0, sector 0",
        "end_request: critical target error, dev loop0, sector 0",
    ],
)
def test_a_disk_error_before_a_crash_is_its_context(line: str, tmp_path: Path) -> None:
    """An I/O error the block layer or the buffer cache logged right before a crash is
    the failure the crash's code path was handling (a filesystem's BUG(), a jbd2 thread
    hung on the dead disk): syzkaller corpus 5 logs one before its KASAN report. It is
    the crash's context, in every kernel's wording, through the CLI's prefilter too."""
    from hotfence.triage.prefilter import triage_input

    text = reworded(syz_log("5"), {_IO_ERROR_4X: line})
    (rep,) = parse_log(text.encode())
    assert rep.context == [line]
    assert rep.title == "KASAN: invalid-free in selinux_tun_dev_free_security"
    (tmp_path / "kern.log").write_text(text)
    got = triage_input(str(tmp_path / "kern.log"))
    assert [r.context for r in got.reports] == [[line]]


@pytest.mark.parametrize(
    "blocker",
    [
        # kernel/hung_task.c debug_show_blocker(), one line per lock kind
        "INFO: task sh:117 is blocked on a mutex likely owned by task sh:116.",
        "INFO: task sh:117 blocked on a semaphore likely last held by task sh:116",
        "INFO: task sh:117 <writer> blocked on an rw-semaphore likely owned by task sh:116 <reader>",
    ],
)
def test_a_hung_tasks_lock_owner_is_part_of_its_report(blocker: str) -> None:
    """With CONFIG_DETECT_HUNG_TASK_BLOCKER, khungtaskd follows a hung task's stack with
    the likely owner of the lock it waits on: one "INFO: task ... blocked on a <lock>
    likely owned by task ..." line, then the owner's sched_show_task() dump. That is the hung task's report going on,
    not a report of its own. The lab's hung task (6.1) with such a line and the task's
    own dump (its real lines, as sched_show_task() prints any task) after its trace."""
    text = (LAB / "hung-task.log").read_text()
    lines = text.splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if "] task:sh " in ln)
    last = next(i for i, ln in enumerate(lines) if i > first and "</TASK>" in ln)
    stamp = lines[last].split("]", 1)[0] + "] "
    owner = [stamp + blocker + "\n"] + lines[first : last + 1]
    composed = "".join(lines[: last + 1] + owner + lines[last + 1 :])
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(composed.encode())
    assert (rep.title, rep.comm, rep.pid, rep.corrupted) == (want.title, "sh", 117, False)
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert rep.end_line > want.end_line  # the owner's dump is in it


def test_a_hung_task_whose_every_entry_is_a_guess_is_still_that_task() -> None:
    """x86's show_trace_log_lvl() prints an entry it cannot place on the frame-pointer
    chain as printk_stack_address()'s "? %pBb": a kernel without frame pointers or ORC
    prints every entry of a sleeping task's trace so. The recorded hung task with every
    entry guessed: its trace names nothing for sure (syzkaller drops "?" lines: the
    title is corrupted), the lines left are too few for hung_task_panic's panic to be
    cut, and that panic's header is khungtaskd's. The report is the hung task's still."""
    text = (LAB / "hung-task.log").read_text()
    start = text.index("INFO: task sh:117 blocked")
    end = text.index("RIP: 0033:", start)
    trace = re.sub(r"^(\[ *\d+\.\d+\])  (?=\w+\+0x)", r"\1  ? ", text[start:end], flags=re.M)
    assert trace.count("  ? ") == 16 and "blocked" in trace
    guessed = text[:start] + trace + text[end:]
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(guessed.encode())
    assert (want.comm, want.pid, want.cpu) == ("sh", 117, None)
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu)
    assert rep.kernel_release == want.kernel_release == "6.1.0-56-amd64"
    assert rep.title == "INFO: task hung in corrupted" and rep.corrupted
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert all(f.unreliable for f in rep.frames)


def test_an_rcu_tasks_trace_stall_is_an_rcu_stall_named_from_its_task() -> None:
    """RCU Tasks Trace's stall warning (kernel/rcu/tasks.h show_stalled_task_trace(), 6.1:
    "INFO: rcu_tasks_trace detected stalls on tasks:" once, then "P%d: %c%c%c%c nesting:
    %d%c%c cpu: %d%s" and sched_show_task() for each task holding the grace period up,
    blocked ones included) put in place of the recorded i386 6.1 hung task's first
    report, whose task dump (sched_show_task(), the same function) it keeps: an RCU stall,
    named from that task's trace as a hung task is, not a report titled by its line."""
    text = (DATA / "i386-6.1.0-50-hung-task.log").read_text()
    want = parse_log(text.encode())
    start = text.index("[   12.213438] INFO: task touch:103 blocked")
    end = text.index("[   12.214087] task:touch ", start)
    stall = (
        "[   12.213438] INFO: rcu_tasks_trace detected stalls on tasks:\n"
        "[   12.213718] P103: .... nesting: 1N  cpu: 0\n"
    )
    got = parse_log((text[:start] + stall + text[end:]).encode())
    assert len(got) == len(want) == 4
    rep, hung = got[0], want[0]
    assert hung.title == "INFO: task hung in mnt_want_write"
    assert (rep.title, rep.type, rep.corrupted) == (
        "INFO: rcu detected stall in mnt_want_write",
        "HANG",
        False,
    )
    assert (rep.comm, rep.pid) == (hung.comm, hung.pid) == ("touch", 103)
    assert [f.function for f in rep.frames] == [f.function for f in hung.frames]
    assert [r.title for r in got[1:]] == [r.title for r in want[1:]]


def _pre_4_19_memcg_oom() -> tuple[Report, str, str]:
    """The recorded 6.18 memcg OOM kill's report, and its log in the pre-4.19 wording
    (mem_cgroup_print_oom_info()'s "Task in %s killed as a result of limit of %s" before
    the "memory: usage" line, no "oom-kill:" summary) with that line's printk time."""
    text = (DATA / "x86-6.18.44-memcg-oom.log").read_text()
    (want,) = parse_log(text)
    lines = text.splitlines(keepends=True)
    (summary,) = [ln for ln in lines if "] oom-kill:constraint=" in ln]
    (usage,) = [ln for ln in lines if "] memory: usage " in ln]
    stamp = usage.split("] ", 1)[0] + "] "
    task_in = f"Task in {want.task_memcg} killed as a result of limit of {want.oom_memcg}\n"
    old = reworded(text, {summary: "", usage: stamp + task_in + usage})
    return want, old, stamp


def test_a_pre_4_19_memcg_oom_kill_names_its_cgroups() -> None:
    """Before 4.19 a memory cgroup's OOM dump named the cgroups in
    mem_cgroup_print_oom_info() (mm/memcontrol.c): "Task in %s killed as a result of limit
    of %s", printed right before its "memory: usage" line, and no "oom-kill:" summary
    line. The recorded 6.18 memcg OOM kill in that wording names the same pod and
    container."""
    want, old, _ = _pre_4_19_memcg_oom()
    (rep,) = parse_log(old)
    assert (rep.oom_memcg, rep.task_memcg) == (want.oom_memcg, want.task_memcg)
    assert want.task_memcg is not None and want.task_memcg.startswith(f"{want.oom_memcg}/")
    assert (rep.title, rep.pid, rep.comm) == (want.title, want.pid, want.comm)


def test_a_pre_4_19_memcg_oom_kill_pasted_from_its_cgroup_line_names_its_cgroups() -> None:
    """The same kill in the pre-4.19 wording pasted from its "Task in ..." line on (the
    cgroup's part of the dump, the "invoked oom-killer" line and the stack above it left
    out, as kubedirector#356's paste of a pod's OOM): the kill still names its cgroups."""
    want, old, stamp = _pre_4_19_memcg_oom()
    pasted = old[old.index(stamp + "Task in ") :]
    (rep,) = parse_log(pasted)
    assert want.task_memcg is not None
    assert (rep.oom_memcg, rep.task_memcg) == (want.oom_memcg, want.task_memcg)
    assert (rep.title, rep.type) == (want.title, want.type)
    # (without the "Task in" line the cgroup's stats line names the limit alone, see
    # test_a_memcg_oom_kill_pasted_from_its_stats_line_names_its_limit; the kill alone,
    # no cgroup line before it, names none)
    rest = old[old.index(stamp + "Task in ") :].split("\n", 1)[1]
    (untold,) = parse_log(rest)
    assert (untold.oom_memcg, untold.task_memcg) == (want.oom_memcg, None)
    kill = rest[rest.rindex("\n", 0, rest.index("] Memory cgroup out of memory:")) + 1 :]
    (bare,) = parse_log(kill)
    assert (bare.oom_memcg, bare.task_memcg) == (None, None)


def test_a_memcg_oom_kill_pasted_from_its_stats_line_names_its_limit() -> None:
    """The same kill in the pre-4.19 wording pasted from its "Memory cgroup stats for
    %s:" line on (mem_cgroup_print_oom_info()'s walk of the limit's cgroup tree, which
    starts at that cgroup; the "Task in" and usage lines above it left out, as
    kubernetes#56891's paste of a pod's OOM on 3.10): the kill names the limit's cgroup,
    and no victim's cgroup, which no line left names."""
    want, old, _ = _pre_4_19_memcg_oom()
    assert want.oom_memcg is not None
    pasted = old[old.rindex("\n", 0, old.index("] Memory cgroup stats for ")) + 1 :]
    (rep,) = parse_log(pasted)
    assert (rep.oom_memcg, rep.task_memcg) == (want.oom_memcg, None)
    assert (rep.title, rep.type, rep.start_line) == (want.title, want.type, 1)
    # (a kill after another kill, its dump's lines cut, names none: the stats lines are
    # the first one's)
    kill = pasted[pasted.rindex("\n", 0, pasted.index("] Memory cgroup out of memory:")) + 1 :]
    (first, second) = parse_log(pasted + kill.replace("process 25482", "process 25483"))
    assert (first.oom_memcg, second.oom_memcg, second.task_memcg) == (want.oom_memcg, None, None)


@pytest.mark.parametrize("name", ["x86-6.18.44-memcg-oom", "arm64-6.1.0-50-oom"])
def test_an_oom_kill_grepped_out_of_its_dump_names_its_cgroups(name: str) -> None:
    """A kill as `dmesg | grep -E 'oom-kill|Killed process'` leaves it, as container
    hosts' operators post it: dump_oom_summary()'s one line (mm/oom_kill.c, 4.19 on:
    "oom-kill:constraint=...,oom_memcg=...,task_memcg=...,task=%s,pid=%d,uid=%d", or
    ",global_oom" for the system's) right before __oom_kill_process()'s "Killed process
    %d (%s)" of the same victim, the dump around them gone. The summary is the kill's:
    it names the same cgroups as the whole dump does."""
    text = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(text)
    grepped = "".join(
        ln for ln in text.splitlines(keepends=True) if "oom-kill:" in ln or "Killed process" in ln
    )
    assert grepped.count("\n") == 2
    (rep,) = parse_log(grepped)
    assert want.task_memcg is not None
    assert (rep.oom_memcg, rep.task_memcg) == (want.oom_memcg, want.task_memcg)
    assert (rep.title, rep.type) == (want.title, want.type)


def _no_victim_memcg_oom() -> tuple[Report, str, str]:
    """The recorded 6.18 memcg OOM kill's report, and its log as an OOM killer that found
    no victim prints it (systemd#40208's shape): mm/oom_kill.c out_of_memory() calls
    dump_header() itself (no oom_kill_process() frame on the stack), prints no
    "oom-kill:" summary and no kill, and ends with pr_warn("Out of memory and no killable
    processes...\n") (4.19 on), at the summary's printk time; and that time's stamp."""
    text = (DATA / "x86-6.18.44-memcg-oom.log").read_text()
    (want,) = parse_log(text)
    lines = text.splitlines(keepends=True)
    (caller,) = [ln for ln in lines if " oom_kill_process.cold+" in ln]
    (summary,) = [ln for ln in lines if "] oom-kill:constraint=" in ln]
    (kill,) = [ln for ln in lines if "] Memory cgroup out of memory: Killed process" in ln]
    stamp = summary.split("] ", 1)[0] + "] "
    gone = stamp + "Out of memory and no killable processes...\n"
    return want, reworded(text, {caller: "", summary: gone, kill: ""}), stamp


def test_a_memcg_oom_with_no_victim_is_its_dumps_report() -> None:
    """An OOM killer that found no process to kill (all of the cgroup's unkillable, as
    systemd's own manager with a small MemoryMax= in systemd#40208) prints its dump and
    "Out of memory and no killable processes...", no "Killed process" line: the dump is
    still a report, titled as the OOM kills are, naming the task whose charge failed."""
    want, text, _ = _no_victim_memcg_oom()
    (rep,) = parse_log(text)
    assert (rep.title, rep.type, rep.corrupted) == (
        "memory cgroup out of memory and no killable processes",
        "OOM-KILL",
        False,
    )
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu) == ("python3", 25482, 0)
    assert rep.kernel_release == want.kernel_release
    assert rep.oom_memcg == want.oom_memcg and rep.task_memcg is None
    assert [f.function for f in rep.frames] == [
        f.function for f in want.frames if f.function != "oom_kill_process.cold"
    ]
    assert (rep.start_line, rep.text.splitlines()[-1]) == (
        1,
        "Out of memory and no killable processes...",
    )


def test_a_global_oom_with_no_victim_is_the_panics_context() -> None:
    """The system's own OOM with no victim panics (out_of_memory(), 4.19 on: "System is
    deadlocked on memory"; 2.6.x-4.18: the message itself, "Kernel panic - not syncing:
    Out of memory and no killable processes..."): the panic is the report, the dump its
    context, as an OOM kill before a crash is; one that does not panic (sysrq-f's) is
    the dump's report, named for no cgroup."""
    _, text, stamp = _no_victim_memcg_oom()
    text = text.replace(" mem_cgroup_out_of_memory+", " __alloc_pages_may_oom+")
    text = "".join(ln for ln in text.splitlines(keepends=True) if "emory cgroup stats" not in ln)
    (sysrq,) = parse_log(text)
    assert (sysrq.title, sysrq.type, sysrq.oom_memcg) == (
        "out of memory and no killable processes",
        "OOM-KILL",
        None,
    )
    panic = stamp + "Kernel panic - not syncing: System is deadlocked on memory\n"
    (rep,) = parse_log(text + panic)
    assert rep.title == "kernel panic: System is deadlocked on memory"
    assert any("Out of memory and no killable processes" in c for c in rep.context)
    gone = stamp + "Out of memory and no killable processes...\n"
    old = text.replace(gone, stamp + "Kernel panic - not syncing: " + gone.split("] ", 1)[1])
    (rep,) = parse_log(old)
    assert rep.title == "kernel panic: Out of memory and no killable processes..."


@pytest.mark.parametrize(
    ("case", "die"),
    [
        ("344", "kernel stack overflow (double-fault): "),
        ("614", "kernel stack overflow (double-fault): "),
        ("629", "stack guard page: "),
    ],
)
def test_a_stack_overflow_whose_guard_page_line_was_lost_is_still_that_overflow(
    case: str, die: str
) -> None:
    """arch/x86/kernel/traps.c handle_stack_overflow() prints "BUG: [%s ]stack guard page
    was hit at %p (stack is %p..%p)", then die()s with its caller's message: "kernel
    stack overflow (double-fault)" in older kernels, "stack guard page" in newer ones
    (__die()'s "%s: %04lx [#%d]"). Three of syzkaller's corpus reports of those, with the
    BUG line lost: the die line still says what overflowed, and the report is the one
    syzkaller titled from the whole log, not the panic after it, nor nothing."""
    text = (SYZ / "report" / case).read_text()
    title = text.split("\n", 1)[0].removeprefix("TITLE: ")
    lines = [line for line in syz_log(case).splitlines() if "stack guard page was hit" not in line]
    assert any(die in line for line in lines)
    whole = parse_log(syz_log(case).encode())
    cut = parse_log(("\n".join(lines) + "\n").encode())
    assert [(r.title, r.corrupted) for r in whole] == [(title, case == "344")]
    assert [(r.title, r.type, r.corrupted) for r in cut] == [(title, "UNKNOWN", case == "344")]
    assert (cut[0].comm, cut[0].pid) == (whole[0].comm, whole[0].pid)
    assert [f.function for f in cut[0].frames] == [f.function for f in whole[0].frames]


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("i386-6.1.0-50-kill-init", "i386-6.1.0-50-sysrq-crash"),
        ("x86-6.12.115-null-deref", "x86-6.12.115-sysrq-c"),
        ("mipsel-6.1.0-50-kill-init", "mipsel-6.1.0-50-mod-bug"),
        ("riscv64-6.12.117+deb13-mod-null", "riscv64-6.12.117+deb13-sysrq-crash"),
    ],
)
@pytest.mark.parametrize("before", [0, 1, 5])
def test_the_next_boots_crash_right_after_a_panic_is_its_own_report(
    first: str, then: str, before: int
) -> None:
    """kernel/panic.c panic() ends with "Rebooting in %d seconds.." (panic_timeout > 0)
    or nothing (panic=-1) and restarts; init/main.c start_kernel() prints the banner
    ("Linux version ...") first in the next boot. A console that keeps only the kernel's
    loudest lines (loglevel, a quiet boot) holds little between them, so the next boot's
    crash may come a few lines after the panic: it is a report of its own, not that
    panic's tail. Two recorded boots of one kernel: the first log whole, then the second
    log's banner and its crash (and ``before`` lines before it)."""
    log = _lines_of(first)
    nxt = _lines_of(then)
    banner = next(i for i, line in enumerate(nxt) if "Linux version " in line)
    alone = [r.title for r in parse_log(("\n".join(log) + "\n").encode())]
    (crash,) = parse_log(("\n".join(nxt) + "\n").encode())
    cut = nxt[: banner + 1] + nxt[crash.start_line - 1 - before :]
    data = ("\n".join([*log, *cut]) + "\n").encode()
    both = parse_log(data)
    assert [r.title for r in both] == [*alone, crash.title]
    assert both[-1].start_line == len(log) + banner + 2 + before
    found = triage_blocks(line_blocks([data], ReadLimits()), chunk_bytes=1 << 20)
    assert [r.title for r in found] == [*alone, crash.title]


def _lines_of(name: str) -> list[str]:
    return (DATA / f"{name}.log").read_text().splitlines()


@pytest.mark.parametrize(
    ("handler_line", "title"),
    [
        # 2.6's "[<%p>]" then print_symbol()'s " (%s)": the symbol with its offset
        ("[<81c33d8c>] (c0_compare_interrupt+0x0/0x98)", "c0_compare_interrupt"),
        # a module's handler with a threaded one (3.x+ " threaded [<%p>] %ps")
        (
            "[<c00f6010>] e1000_intr [e1000e] threaded [<c00f6200>] e1000_thread [e1000e]",
            "e1000_intr",
        ),
        # early boot, before the pointer-hashing key: %p prints "(ptrval)"
        ("[<(ptrval)>] c0_compare_interrupt", "c0_compare_interrupt"),
    ],
)
def test_irq_nobody_cared_titled_by_its_first_handler(handler_line: str, title: str) -> None:
    # kernel/irq/spurious.c __report_bad_irq(): the handlers' lines as each era prints them
    log = reworded(
        (DATA / "mipsel-6.1.0-50-irq-nobody-cared.log").read_text(),
        {"[<81c33d8c>] c0_compare_interrupt": handler_line},
    )
    (rep,) = parse_log(log)
    assert (rep.title, rep.corrupted) == (f"irq nobody cared in {title}", False)


def test_irq_nobody_cared_line_alone_is_no_report() -> None:
    # The message without the dump after it (a console cut there, a quote in a program's
    # output) is no report: the kind needs the trace.
    line = '[    9.022901] irq 7: nobody cared (try booting with the "irqpoll" option)\n'
    titles, alone = _titles_beside(line, (DATA / "arm64-6.1.0-50-mod-warn.log").read_text())
    assert titles == [alone]


# kernel/workqueue.c wq_watchdog_timer_fn() (6.1): one timer run prints "BUG: workqueue
# lockup - pool" with pr_cont_pool_info() for each stuck pool, then show_all_workqueues()
# once for all of them (show_one_workqueue()'s "workqueue %s: flags=0x%x", show_pwq()'s
# "  pwq %d: cpus=..." with its "in-flight:" and "pending:" rows, show_one_worker_pool()'s
# "pool %d: ... hung=%us workers=%d"). Put in after the recorded soft lockup of
# kworker/1:0 (pid 2231, in mydrv_reset_work): CPU 1's two pools, normal and highpri,
# stuck behind it, 9 s later.
_WQ_EVENT = [
    "[ 2885.120031] BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 31s!",
    "[ 2885.120107] BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=-20 stuck for 31s!",
    "[ 2885.120153] Showing busy workqueues and worker pools:",
    "[ 2885.120160] workqueue events: flags=0x0",
    "[ 2885.120163]   pwq 2: cpus=1 node=0 flags=0x0 nice=0 active=2/256 refcnt=3",
    "[ 2885.120170]     in-flight: 2231:mydrv_reset_work [mydrv]",
    "[ 2885.120178]     pending: vmstat_shepherd",
    "[ 2885.120190] workqueue events_highpri: flags=0x10",
    "[ 2885.120193]   pwq 3: cpus=1 node=0 flags=0x0 nice=-20 active=1/256 refcnt=2",
    "[ 2885.120199]     pending: mix_interrupt_randomness",
    "[ 2885.120210] pool 2: cpus=1 node=0 flags=0x0 nice=0 hung=31s workers=3 idle: 20 2258",
]


def _with_wq_event(event: list[str]) -> bytes:
    log = (DATA / "x86-6.1-soft-lockup.log").read_text()
    return (log.rstrip("\n") + "\n" + "\n".join(event) + "\n").encode()


@pytest.mark.parametrize("consoles", [1, 2])
def test_one_workqueue_watchdog_run_over_many_pools_is_one_report(consoles: int) -> None:
    # (two consoles: every line twice, as github.com/AmpereComputing/ampere-lts-kernel
    # issue 71's capture has them)
    event = [row for row in _WQ_EVENT for _ in range(consoles)]
    data = _with_wq_event(event)
    streamed = triage_blocks(line_blocks([data], ReadLimits()), chunk_bytes=2048)
    for reps in (parse_log(data), streamed):
        assert [r.title for r in reps] == [
            "BUG: soft lockup in mydrv_wait_ready",
            "BUG: workqueue lockup",
        ]
        lockup = reps[1]
        # (the last line's second copy is the same record again: read once)
        assert (lockup.start_line, lockup.end_line) == (15, 14 + len(event) - (consoles - 1))
        assert "pool cpus=1 node=0 flags=0x0 nice=-20 stuck" in lockup.text
        assert "hung=31s" in lockup.text


def test_workqueue_lockups_of_two_watchdog_runs_are_two_reports() -> None:
    # a grep of the log leaves the pool lines of two runs (wq_watchdog_thresh, 30 s,
    # apart) back to back: each run is a report
    later = _WQ_EVENT[0].replace("2885.120031", "2915.120044").replace("31s", "61s")
    data = _with_wq_event([_WQ_EVENT[0], later])
    titles = [(r.title, r.start_line) for r in parse_log(data)][1:]
    assert titles == [("BUG: workqueue lockup", 15), ("BUG: workqueue lockup", 16)]


# systemd's status lines on a console without printk time (src/core/show-status.c
# status_vprintf(), src/core/job.c job_done_messages[]), as the recorded riscv64 hung task
# would read with printk.time=0: right after check_hung_task()'s header, or after the
# report's last trace line, before the next report.
@pytest.mark.parametrize(
    "status",
    [
        "[FAILED] Failed to start systemd-udevd.service - Rule-based Manager for Device Events.",
        "[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39msystemd-journald.service\x1b[0m.",
        "         Starting systemd-journald.service - Journal Service...",
    ],
)
@pytest.mark.parametrize("after", ["header", "trace"])
def test_systemd_status_line_is_none_of_a_bare_hung_task_report(status: str, after: str) -> None:
    log = (DATA / "riscv64-6.12.117+deb13-hung-task.log").read_text()
    lines = [re.sub(r"^\[ *\d+\.\d+\] ", "", ln) for ln in log.split("\n")]
    first = next(i for i, ln in enumerate(lines) if "blocked for more than 3 " in ln)
    second = next(i for i, ln in enumerate(lines) if "blocked for more than 6 " in ln)
    lines.insert(first + 1 if after == "header" else second, status)
    reps = parse_log("\n".join(lines).encode())
    hung = reps[0]
    assert (hung.title, hung.pid, hung.comm) == ("INFO: task hung in mnt_want_write", 151, "touch")
    # (the report's last trace line is the line before the next header, or before the
    # status line put in there)
    assert (hung.start_line, hung.end_line) == (first + 1, second + (after == "header"))
    assert "systemd" not in hung.text and len(hung.frames) == 11
    assert reps[1].start_line == second + 2


def test_workqueue_lockup_report_ends_before_the_next_message() -> None:
    # github.com/openrisc/linux issue 12: the pool lines of show_all_workqueues() are the
    # report's last (kernel/workqueue.c, oopses._WQ_LOCKUP_ROWS); SUNRPC's
    # rpc_check_timeout() "%s: server %s not responding, still trying" 10 ms later is
    # another message, none of the lockup's
    nfs = "[ 2885.130014] nfs: server 10.0.0.27 not responding, still trying"
    (soft, lockup) = parse_log(_with_wq_event([*_WQ_EVENT, nfs]))
    assert (lockup.title, lockup.start_line, lockup.end_line) == (
        "BUG: workqueue lockup",
        15,
        14 + len(_WQ_EVENT),
    )
    assert "not responding" not in lockup.text
    assert soft.title == "BUG: soft lockup in mydrv_wait_ready"


def test_workqueue_lockup_report_ends_after_its_hog_backtraces() -> None:
    # kernel/workqueue.c show_cpu_pools_hogs() (6.5+, commit cd2440d66fec) after the pool
    # lines: "Showing backtraces of running workers in stalled CPU-bound worker pools:",
    # then for each running worker of a stalled pool show_cpu_pool_hog()'s "pool %d:" and
    # sched_show_task() (oopses._WQ_HOG_ROWS). The recorded soft lockup's worker
    # (x86-6.1-soft-lockup.log: its "Workqueue:" line and trace) so shown after the
    # lockup's pool lines; the message 10 ms later is none of the lockup's
    soft_lines = (DATA / "x86-6.1-soft-lockup.log").read_text().splitlines()
    rows = [ln.split("] ", 1)[1] for ln in soft_lines]
    call = rows.index("Call Trace:")
    trace = [next(r for r in rows if r.startswith("Workqueue: ")), *rows[call:]]
    assert trace[-1].strip() == "</TASK>"
    hog = [
        "Showing backtraces of running workers in stalled CPU-bound worker pools:",
        "pool 2:",
        "task:kworker/1:0     state:R  running task     stack:0     pid:2231  ppid:2     "
        " flags:0x00004008",
        *trace,
    ]
    stamped = [f"[ 2885.1202{i:02d}] {row}" for i, row in enumerate(hog)]
    nfs = "[ 2885.130014] nfs: server 10.0.0.27 not responding, still trying"
    (soft, lockup) = parse_log(_with_wq_event([*_WQ_EVENT, *stamped, nfs]))
    assert (lockup.title, lockup.start_line, lockup.end_line) == (
        "BUG: workqueue lockup",
        15,
        14 + len(_WQ_EVENT) + len(hog),
    )
    assert "not responding" not in lockup.text
    assert [f.function for f in lockup.frames][:2] == ["mydrv_reset_work", "process_one_work"]


@pytest.mark.parametrize(
    ("cpus", "cpu"),
    [("1 node=0", 1), ("0-1 node=0", None), ("0,2 node=0", None), ("1", 1), ("0-3", None)],
)
def test_workqueue_lockup_names_the_cpu_of_a_one_cpu_pool(cpus: str, cpu: int | None) -> None:
    # kernel/workqueue.c wq_watchdog_timer_fn()'s "BUG: workqueue lockup - pool" and
    # pr_cont_pool_info()'s " cpus=%*pbl" (the pool's cpumask as a list), " node=%d" only
    # for a pool with a node (github.com/openrisc/linux issue 12's unbound "pool cpus=0
    # flags=0x4"; starfive-tech/linux issue 18's "pool cpus=0-1 flags=0x4"): a pool of
    # one CPU stalled on that CPU; a pool over several names none of them
    first = _WQ_EVENT[0].replace("cpus=1 node=0", "cpus=" + cpus)
    (soft, lockup) = parse_log(_with_wq_event([first, *_WQ_EVENT[1:]]))
    assert (lockup.title, lockup.cpu, lockup.pid) == ("BUG: workqueue lockup", cpu, None)
    assert (soft.cpu, soft.pid) == (1, 2231)


# RCU stall headers of older kernels that name the stalled CPU themselves, no per-CPU
# line after them (kernel/rcutree.c; a CPU's own stall: print_cpu_stall(), the other
# CPUs': print_other_cpu_stall()): 2.6.29-2.6.31, 2.6.32-3.2, 3.3-4.x without
# CONFIG_RCU_CPU_STALL_INFO (print_cpu_stall_info() printing " %d" in braces).
_OLD_RCU_HEADERS = [
    "INFO: RCU detected CPU 0 stall (t=4294967/8348 jiffies)",
    "INFO: rcu_sched_state detected stall on CPU 0 (t=8348 jiffies)",
    "INFO: rcu_sched self-detected stall on CPU { 0}  (t=8348 jiffies g=795 c=794 q=12)",
    "INFO: rcu_sched detected stalls on CPUs/tasks: { 0} (detected by 1, t=8348 jiffies)",
    "INFO: rcu_preempt detected stalls on CPUs/tasks: { P412 0} (detected by 1, t=8348 jiffies,"
    " g=795, c=794, q=12)",
]


def _riscv64_stall() -> tuple[list[str], int, str]:
    """The recorded riscv64 RCU stall's log lines, the index of its "detected stalls on
    CPUs/tasks:" header and that header's printk time prefix ("[   37.284004] ")."""
    lines = (DATA / "riscv64-6.12.117+deb13-mod-hardlockup.log").read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if "detected stalls on CPUs/tasks:" in ln)
    return lines, at, lines[at].split("]")[0] + "] "


@pytest.mark.parametrize("header", _OLD_RCU_HEADERS)
def test_an_old_rcu_stall_header_names_its_stalled_cpu(header: str) -> None:
    # The recorded riscv64 stall of CPU 0 (detected by CPU 1), its header and per-CPU
    # lines in an older kernel's words, the log cut after them (a syslog grep keeps no
    # more: github.com/openzfs/zfs issue 557's "INFO: rcu_sched_state detected stall on
    # CPU 0 (t=105060 jiffies)" lines)
    lines, at, stamp = _riscv64_stall()
    old = "\n".join([*lines[:at], stamp + header]) + "\n"
    stalls = [r for r in parse_log(old.encode()) if r.title.startswith("INFO: rcu detected stall")]
    assert [(r.start_line, r.cpu) for r in stalls] == [(at + 1, 0)]
    # a stall of another CPU is that CPU's
    other = old.replace("CPU 0 ", "CPU 3 ").replace("{ 0}", "{ 3}").replace("P412 0}", "P412 3}")
    (stall,) = [r for r in parse_log(other.encode()) if r.start_line == at + 1]
    assert stall.cpu == 3


@pytest.mark.parametrize(
    "cpus", ["{ 0-.... }", "{ 0-...D }", "{ 0-... }", "{ P412 0-.... }", "{ 0-.... 1-.... }"]
)
def test_an_expedited_rcu_stall_header_names_its_stalled_cpu(cpus: str) -> None:
    # kernel/rcu/tree_exp.h synchronize_rcu_expedited_wait() (6.12): "INFO: %s detected
    # expedited stalls on CPUs/tasks: {", " P%d" of each blocked task, " %d-%c%c%c%c" of
    # each stalled CPU, " } %lu jiffies s: %lu root: %#lx/%c", then "blocking rcu_node
    # structures" and each CPU's dump_cpu_task() or backtrace. The recorded riscv64
    # stall of CPU 0 so printed, the log cut before any dump (the first CPU named is
    # the report's, as the per-CPU lines of a normal stall give theirs)
    lines, at, stamp = _riscv64_stall()
    header = (
        f"rcu: INFO: rcu_sched detected expedited stalls on CPUs/tasks: {cpus} 8348 jiffies"
        " s: 1189 root: 0x1/."
    )
    blocking = "rcu: blocking rcu_node structures (internal RCU debug):"
    log = "\n".join([*lines[:at], stamp + header, stamp + blocking]) + "\n"
    (stall,) = [r for r in parse_log(log.encode()) if r.start_line == at + 1]
    assert (stall.title, stall.cpu) == ("INFO: rcu detected stall in corrupted", 0)


def test_an_rcu_stall_copied_from_its_headers_message_keeps_its_cpu_lines() -> None:
    # A copy of the log that starts at the stall header's message leaves the header bare,
    # RCU's lines after it stamped (github.com/Openvario/meta-openvario issue 304: "rcu:
    # INFO: rcu_sched detected stalls on CPUs/tasks:" then "[55275.529886] rcu:
    # 1-...0: (0 ticks this GP) ..."). Those lines are the stall's own
    # (kernel/rcu/tree_stall.h print_cpu_stall_info(), print_other_cpu_stall()'s
    # "(detected by"): they name its CPU, though no task, register or trace follows
    # (the stalled CPU answered no backtrace). The recorded riscv64 stall so copied, cut
    # after them; a line of another message after the bare header is still none of it.
    lines, at, _ = _riscv64_stall()
    bare = lines[at].split("] ", 1)[1]
    assert bare.startswith("rcu: INFO: rcu_sched detected stalls")
    (stall,) = parse_log(("\n".join([bare, *lines[at + 1 : at + 3]]) + "\n").encode())
    assert (stall.start_line, stall.end_line, stall.cpu) == (1, 3, 0)
    module = next(ln for ln in lines if "hotfence_crash: triggering hardlockup" in ln)
    other = "\n".join([bare, module]) + "\n"
    (stall,) = [r for r in parse_log(other.encode()) if r.start_line == 1]
    assert (stall.end_line, stall.cpu) == (1, None)


def test_a_bare_stall_header_is_no_copy_of_a_later_one_of_the_same_words() -> None:
    # RCU prints its stall header in the same words at every stall
    # (kernel/rcu/tree_stall.h print_other_cpu_stall()). A copy of the log cut at the
    # first one's message leaves it bare, its CPU lines stamped; a later stall's header,
    # the log's last line (github.com/Openvario/meta-openvario issue 304's first three
    # lines), is no stamped copy of it: its CPU lines' times (37.28 s) are before that
    # header's (100.33 s). The recorded riscv64 stall so copied, its header again 63 s on.
    lines, at, _ = _riscv64_stall()
    stamp, bare = lines[at].split("] ", 1)
    later = "[%12.6f] " % (float(stamp.strip("[ ")) + 63.05) + bare
    log = "\n".join([bare, *lines[at + 1 : at + 3], later]) + "\n"
    reps = parse_log(log.encode())
    assert [(r.start_line, r.end_line, r.cpu) for r in reps] == [(1, 3, 0), (4, 4, None)]
    # the stall read without printk times, then with them (journalctl -k, then dmesg),
    # stays one report, the stamped copy's
    plain = [ln.split("] ", 1)[1] for ln in lines[at : at + 3]]
    again = "\n".join([*plain, *lines[at : at + 3]]) + "\n"
    assert [(r.start_line, r.cpu) for r in parse_log(again.encode())] == [(4, 0)]


@pytest.mark.parametrize(
    "pieces", [[" 0-...."], [" 0-...D", " 1-...."], [" P412", " 0-...."], [" P412 0-...."]]
)
def test_an_expedited_rcu_stall_header_split_at_its_pieces_names_its_cpu(
    pieces: list[str],
) -> None:
    # kernel/rcu/tree_exp.h synchronize_rcu_expedited_wait() (6.12) prints its CPU list
    # with pr_cont(): "INFO: %s detected expedited stalls on CPUs/tasks: {", then
    # rcu_print_task_exp_stall()'s " P%d" and each CPU's " %d-%c%c%c%c", then " } %lu
    # jiffies s: ...". A console that could not join the pieces prints each as its own
    # line. The recorded riscv64 stall of CPU 0 so printed and cut
    # before any dump (fields._stall_list_joined)
    lines, at, stamp = _riscv64_stall()
    header = "rcu: INFO: rcu_sched detected expedited stalls on CPUs/tasks: {"
    close = " } 8348 jiffies s: 1189 root: 0x1/."
    blocking = "rcu: blocking rcu_node structures (internal RCU debug):"
    split = [header, *pieces, close, blocking]
    log = "\n".join([*lines[:at], *(stamp + ln for ln in split)]) + "\n"
    (stall,) = [r for r in parse_log(log.encode()) if r.start_line == at + 1]
    assert (stall.title, stall.cpu, stall.end_line) == (
        "INFO: rcu detected stall in corrupted",
        0,
        at + len(split),
    )


@pytest.mark.parametrize(
    "header",
    [
        "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { P412 } 8348 jiffies"
        " s: 117 root: 0x0/T",
        "INFO: rcu_preempt detected stalls on CPUs/tasks: { P412} (detected by 1, t=8348"
        " jiffies, g=795, c=794, q=12)",
        "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { P412 P977 } 8348"
        " jiffies s: 117 root: 0x0/T",
    ],
)
def test_an_rcu_stall_of_a_blocked_task_names_its_pid(header: str) -> None:
    # github.com/skiffos/SkiffOS issue 147 (5.10 rpi): "rcu: INFO: rcu_preempt detected
    # expedited stalls on CPUs/tasks: { P392 } 21382 jiffies s: 117 root: 0x0/T", no CPU
    # in the braces: the grace period waits on a task preempted in its read-side critical
    # section (kernel/rcu/tree_exp.h rcu_print_task_exp_stall()'s " P%d"; kernel/rcutree.c
    # print_other_cpu_stall()'s, 2.6.32-4.x), the one task the report names. The recorded
    # riscv64 stall's header so printed, the log cut after it
    lines, at, stamp = _riscv64_stall()
    log = "\n".join([*lines[:at], stamp + header]) + "\n"
    (stall,) = [r for r in parse_log(log.encode()) if r.start_line == at + 1]
    assert (stall.title, stall.cpu, stall.pid, stall.comm) == (
        "INFO: rcu detected stall in corrupted",
        None,
        412,
        None,
    )


def test_an_all_qses_seen_stall_names_the_cpu_of_the_task_it_shows() -> None:
    # github.com/cyring/CoreFreq issue 93 (4.19 Xen guest): "rcu: (detected by 3, ...)",
    # "rcu: All QSes seen, last rcu_preempt kthread activity ...", then "swapper/3 R
    # running task ..." and its trace. kernel/rcu/tree_stall.h print_other_cpu_stall()
    # (through 5.7) shows the current task of the CPU that detected the stall when no CPU
    # holds the grace period up any more (sched_show_task(current)): the report's CPU.
    # The recorded riscv64 stall so printed, CPU 1's idle task and trace after it
    lines, at, stamp = _riscv64_stall()
    idle = next(i for i, ln in enumerate(lines) if ln.endswith("] default_idle_call+0x36/0xd4"))
    stall = [
        "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
        "rcu: \t(detected by 1, t=8348 jiffies, g=-795, q=12 ncpus=2)",
        "rcu: All QSes seen, last rcu_sched kthread activity 8345 (4294900000-4294891655),"
        " jiffies_till_next_fqs=1, root ->qsmask 0x0",
        "swapper/1       R  running task        0     0      1 0x00000000",
        "Call Trace:",
        *(ln.split("] ", 1)[1] for ln in lines[idle : idle + 4]),
    ]
    log = "\n".join([*lines[:at], *(stamp + ln for ln in stall)]) + "\n"
    (rep,) = [r for r in parse_log(log.encode()) if r.start_line == at + 1]
    assert (rep.cpu, rep.pid, rep.comm) == (1, 0, "swapper/1")
    assert [f.function for f in rep.frames][:2] == ["default_idle_call", "do_idle"]
    # 5.8 on shows no task there: the CPU that detected the stall is no CPU of its
    bare = "\n".join([*lines[:at], *(stamp + ln for ln in stall[:3])]) + "\n"
    (rep,) = [r for r in parse_log(bare.encode()) if r.start_line == at + 1]
    assert (rep.cpu, rep.pid, rep.comm) == (None, None, None)
