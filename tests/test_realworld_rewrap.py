"""Real kernel logs (tests/data/realworld) quoted in a mail reply and wrapped again by
the reply's client: a paste quoted ("> ", RFC 3676 4.5) then cut at 72-73 columns, and a
paste wrapped at 78 by the first mailer, quoted, then rewrapped at 72 (rows of three
lengths). Each must give the reports and facts of the log unquoted and unwrapped.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input
from test_realworld_wrap import _bugzilla_comment, _bugzilla_syslog, _flag_facts, _uax14_wrap

DATA = Path(__file__).parent / "data" / "realworld"


def _wrap(line: str, width: int) -> list[str]:
    """``line`` as a mail client wraps it at ``width`` columns: at spaces, a word longer
    than the width left whole."""
    return textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]


def _quoted_wrapped(text: str, width: int, quote: str = "> ") -> str:
    """``text`` quoted by a reply (``quote`` before every line) and wrapped at ``width``
    columns, quote included, each row of a line's rest quoted again (a quote-aware
    client: Thunderbird, mutt without format=flowed)."""
    return "\n".join(
        "\n".join(quote + row for row in _wrap(line, width - len(quote)))
        if line
        else quote.rstrip()
        for line in text.split("\n")
    )


def _rewrapped_reply(text: str, width: int = 72, first: int = 78, quote: str = "> ") -> str:
    """``text`` wrapped at ``first`` columns by the mail it was sent in, then quoted by a
    reply and wrapped again at ``width`` (``_quoted_wrapped``): a first row the quote
    pushed past ``width`` goes on in a short row before the first wrap's next row."""
    sent = "\n".join(row for line in text.split("\n") for row in _wrap(line, first))
    return _quoted_wrapped(sent, width, quote)


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
@pytest.mark.parametrize(
    ("name", "cut"),
    [
        # 6.1 arch/arm64/mm/fault.c die_kernel_fault(): "Unable to handle kernel %s at
        # virtual address %016lx"
        ("arm64-6.1-oops", "Unable to handle kernel\n{q}NULL\n{q}pointer dereference"),
        # kernel/panic.c panic(): "Kernel panic - not syncing: %s"
        ("armhf-6.1.0-50-kill-init", "Kernel panic - not\n{q}syncing:\n{q}Attempted"),
        # 3.10 arch/x86/mm/fault.c show_fault_oops(): "BUG: unable to handle kernel NULL
        # pointer dereference at %p"
        ("centos7-dockerd-ip6mr", "to handle\n{q}kernel NULL\n{q}pointer dereference at"),
        # lib/dump_stack.c dump_stack_print_info(): "CPU: %d PID: %d Comm: %.20s %s%s %s
        # %.*s", the release after the taint
        ("arm64-6.1-cfi-failure", "Comm:\n{q}xdp-loader\n{q}Not tainted 6.1.0-26-arm64"),
    ],
)
def test_a_syslog_file_wrapped_quoted_and_rewrapped_reads_as_the_log(
    name: str, cut: str, quote: str
) -> None:
    """A /var/log/messages paste wrapped at 78 by the mail it came in, quoted by a reply
    and rewrapped at 72 by the reply's client: the first wrap's cut row, read with the
    short row the second wrap cut off it, is the row whose cut the next row's first word
    proves (extract._rewrapped_cut). The header, the task and release are the log's."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _rewrapped_reply(messages, quote=quote)
    assert cut.format(q=quote) in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert want
    assert [_flag_facts(r) for r in parse_log(mailed)] == want


@pytest.mark.parametrize("quote", ["> ", ">> "])
@pytest.mark.parametrize(
    ("name", "cut"),
    [
        # 6.1 arch/powerpc/kernel/watchdog.c watchdog_smp_panic(): "CPU %d detected hard
        # LOCKUP on other CPUs %*pbl"
        ("ppc64le-6.1.0-50-mod-hardlockup", "CPU 1 detected\n{q}hard\n{q}LOCKUP on other"),
        # 6.12 mm/kmemleak.c print_unreferenced(): "unreferenced object 0x%08lx (size %zu):"
        ("riscv64-6.12.117+deb13-kmemleak", "0xff60000003991ac0\n{q}(size\n{q}32):"),
        # 6.x arch/x86/kernel/cpu/mce/core.c __print_mce(): "CPU %d: Machine Check%s: ..."
        ("x86-mce-fatal", "[Hardware Error]:\n{q}CPU 7:\n{q}Machine Check Exception:"),
        # 6.1 mm/oom_kill.c __oom_kill_process(): "%s: Killed process %d (%s) total-vm:..."
        ("arm64-6.1.0-50-oom", "Out of memory: Killed\n{q}process 86\n{q}(dd) total-vm:"),
        # ... with "Memory cgroup out of memory", and dump_header()'s "%s invoked
        # oom-killer: gfp_mask=%#x(%pGg), ..." (6.18)
        ("x86-6.18.44-memcg-oom", "Memory cgroup out of\n{q}memory:\n{q}Killed process"),
        ("x86-6.18.44-memcg-oom", "python3 invoked\n{q}oom-killer:\n{q}gfp_mask="),
    ],
)
def test_a_header_a_reply_rewrapped_past_a_short_row_is_found(
    name: str, cut: str, quote: str, tmp_path: Path
) -> None:
    """A header's row that the first wrap cut and the reply's rewrap cut again: the words
    that make it a header (the scan's needle, the kill line's "(comm)", the dump's
    "oom-killer: gfp_mask=") are two rows down, past the short row the rewrap left. The
    three rows are one line (scan._rewrapped_header, extract.unwrapped_line), and the
    report, its kill and its dump are the log's, by parse_log and on the CLI's path (the
    prefilter reads the needle's row with the two after it, prefilter._cut_header)."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _rewrapped_reply(messages, quote=quote)
    assert cut.format(q=quote) in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert want
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
@pytest.mark.parametrize("width", [72, 73])
def test_a_task_dump_a_reply_wrapped_in_its_comms_padding_names_the_task(
    width: int, quote: str
) -> None:
    """6.1 kernel/sched/core.c sched_show_task(): "task:%-15.15s state:%c", the comm padded
    to 15 columns. A syslog paste quoted by a reply and wrapped by its client at 72-73,
    which drops the whole run of blanks it broke in: "task:init" goes on "state:R
    running task ..." with no width left to prove the cut. The padded comm and "state:"
    do (extract._CUT_TASK_COMM_RE): each RCU stall's task is init, pid 1, as in the
    log."""
    name = "s390x-6.1.0-50-mod-slub-poison"
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _quoted_wrapped(messages, width, quote)
    assert f"] task:init\n{quote}state:R  running task" in mailed
    want = parse_log(messages)
    stalls = [r for r in want if r.title.startswith("INFO: rcu detected stall")]
    assert stalls and all((r.comm, r.pid) == ("init", 1) for r in stalls)
    assert [_flag_facts(r) for r in parse_log(mailed)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
@pytest.mark.parametrize("width", [72, 73])
def test_a_sysctl_check_a_reply_wrapped_after_check_is_found(
    width: int, quote: str, tmp_path: Path
) -> None:
    """fs/proc/proc_sysctl.c sysctl_err() (6.1): "sysctl table check failed: %s/%s %pV"
    after a syslog prefix and a printk time, quoted by a reply and wrapped by its client:
    "sysctl table check" goes on "failed: hotfence/bad No proc_handler", no row holds
    the whole needle. The report is found (scan's "table check"), by parse_log and on
    the CLI's path (prefilter), and is the log's."""
    name = "x86-6.1.0-56-sysctl-check"
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _quoted_wrapped(messages, width, quote)
    if width == 72 or quote != "> ":
        assert f"] sysctl table check\n{quote}failed: hotfence/bad" in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert len(want) == 1 and want[0][0][0].startswith("sysctl table check failed in ")
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
@pytest.mark.parametrize("width", [72, 73])
def test_a_dumped_objects_stack_a_reply_wrapped_at_its_indent_stays_apart(
    width: int, quote: str
) -> None:
    """mm/slab_common.c kmem_dump_obj() (6.1) prints each frame of an object's stacks as
    "    %pS" after arm's "Register r3 information: slab task_struct ...". A syslog paste
    quoted by a reply and wrapped by its client, which drops the run of blanks it broke
    in, leaves the prefix alone on its row and the frame unindented in the next. The row
    is the frame's line again, four blanks before it: the oops's trace is the "from"
    backtrace, as in the log, not the dumped object's allocation stack."""
    name = "armhf-6.1.0-50-mod-slub-poison"
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _quoted_wrapped(messages, width, quote)
    assert f"[    2.857128]\n{quote}kernel_clone+0xac/0x3c4\n" in mailed
    want = parse_log(messages)
    bug = next(r for r in want if r.title == "BUG: corrupted list in free_to_partial_list")
    assert [f.function for f in bug.frames[:2]] == [
        "__list_del_entry_valid",
        "free_to_partial_list",
    ]
    assert [_flag_facts(r) for r in parse_log(mailed)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        # 2.6.32 arch/x86/kernel/process_64.c __show_regs(): "Pid: %d, comm: %.20s %s %s
        # %.*s %s", print_tainted()'s flags and RHEL 6's marker before the release
        ("rhel6-irq-marker-frames", "Tainted: G\n> W\n> ---------------  H 2.6.32-754"),
        # 6.1 lib/dump_stack.c dump_stack_print_info(): "CPU: %d PID: %d Comm: %.20s %s%s
        # %s %.*s"
        ("armhf-6.1.0-50-mod-warn-80col-no-time", "Tainted: G\n> OE\n> 6.1.0-50-armmp #1"),
    ],
)
def test_a_task_header_a_reply_rewrapped_in_its_taint_keeps_its_release(
    name: str, cut: str
) -> None:
    """A task header wrapped at 78 by the first mail inside its taint's run of spaces,
    quoted and rewrapped at 72 by a reply that drops the whole run it broke in: the next
    flags go on alone in a short row, the release in the row after. The flags' row is
    the header's rest (extract._TAINT_FLAGS_REST_RE), and the release's row after it:
    the release, taint and modules are the log's."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _rewrapped_reply(messages)
    assert cut in mailed
    want = parse_log(messages)
    assert want and want[0].kernel_release
    got = parse_log(mailed)
    assert [(*_flag_facts(r), r.modules) for r in got] == [
        (*_flag_facts(r), r.modules) for r in want
    ]


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
@pytest.mark.parametrize(
    "name",
    ["mips64el-6.1.0-50-kill-init", "mipsel-6.1.0-50-kill-init", "s390x-6.1.0-50-mod-slub-poison"],
)
def test_a_boot_banner_a_reply_rewrapped_past_its_release_names_it_on_the_cli_path(
    name: str, quote: str, tmp_path: Path
) -> None:
    """init/version.c linux_banner (6.1): "Linux version " UTS_RELEASE " (" ... after a
    syslog prefix and a printk time, wrapped at 78 by the first mail after the release and
    rewrapped at 72 by a reply: the release alone in a short row between "Linux version"
    and "(debian-kernel@...". parse_log reads the three rows as the banner; the CLI's
    path carries the banner alone to the segment of a report that names no release
    (prefilter._whole_banner), so the carried line must hold the three rows: the release
    is the log's on both paths."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _rewrapped_reply(messages, quote=quote)
    assert f"] Linux version\n{quote}6.1.0-50-" in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert want and all(w[0][6] for w in want)
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize(
    "name", ["mips-4.19-bug", "mips64el-6.1.0-50-mod-bug", "mipsel-6.1.0-50-mod-bug"]
)
def test_a_mips_bug_a_reply_wrapped_before_detected_is_found(name: str, tmp_path: Path) -> None:
    """4.19 and 6.1 arch/mips/kernel/traps.c do_trap_or_bp(): BUG()'s break goes to
    die_if_kernel("Kernel bug detected", regs), die() printing "%s[#%d]:": no report_bug()
    line before it, the line is the report's header. After a syslog prefix and a printk
    time, quoted "> > " by a reply and wrapped at 72, it is cut "... Kernel bug" then
    "> > detected[#1]:", the needle "[#" in the rest alone. The two rows are one header,
    as the whole line is, though such a line after a "kernel BUG at" goes on with that
    report (oopses.REPORT_START_IGNORES): the report is the log's, by parse_log and on
    the CLI's path (the prefilter reads the needle's row with the rows before it)."""
    quote = "> > "
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _quoted_wrapped(messages, 72, quote)
    assert f"] Kernel bug\n{quote}detected[#1]:\n" in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert len(want) == 1 and want[0][0][0].startswith("kernel BUG in ")
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize("width", [72, 73])
def test_a_mips_bug_after_report_bug_a_reply_wrapped_stays_one_report(width: int) -> None:
    """The MIPS BUG() with lib/bug.c report_bug()'s "kernel BUG at %s:%u!" before its
    die() line, quoted and wrapped so: "Kernel bug detected[#1]:" goes on with that
    report (oopses.REPORT_START_IGNORES), one report, as in the log."""
    quote = "> > "
    name = "mips-4.19-bug-report-bug"
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _quoted_wrapped(messages, width, quote)
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert len(want) == 1
    assert [_flag_facts(r) for r in parse_log(mailed)] == want


def _rewrapped_bare(text: str, width: int = 72, first: int = 78, quote: str = "> ") -> str:
    """``text`` wrapped at ``first`` by the mail it was sent in, then quoted by a reply
    and wrapped again at ``width`` by a wrap unaware of the quote (an editor's hard wrap,
    Text::Wrap): a row the quote pushed past ``width`` goes on in a row of no quote."""
    sent = [row for line in text.split("\n") for row in _wrap(line, first)]
    return "\n".join(
        "\n".join(_wrap(quote + row, width)) if row else quote.rstrip() for row in sent
    )


@pytest.mark.parametrize("quote", ["> ", ">> "])
@pytest.mark.parametrize(
    ("name", "cut"),
    [
        # 6.6 kernel/watchdog.c watchdog_hardlockup_check(): "Watchdog detected hard
        # LOCKUP on cpu %d"
        ("x86-6.6-hard-lockup-buddy", "Watchdog\ndetected hard\n{q}LOCKUP on cpu 3"),
        ("riscv64-6.12.117+deb13-mod-hardlockup", "Watchdog\ndetected hard\n{q}LOCKUP on"),
        # 6.x arch/x86/kernel/cpu/mce/core.c __print_mce(): HW_ERR "CPU %d: Machine
        # Check%s: %Lx Bank %d: %016Lx"
        ("x86-mce-fatal", "[Hardware Error]:\nCPU 7:\n{q}Machine Check Exception:"),
    ],
)
def test_a_header_a_quote_unaware_rewrap_cut_past_an_unquoted_row_is_found(
    name: str, cut: str, quote: str, tmp_path: Path
) -> None:
    """A syslog paste wrapped at 78 by the first mail, quoted by a reply and rewrapped at
    72 by a wrap unaware of the quote: the header's row goes on in a row of no quote, and
    the words that make it a header in the first wrap's next row, quoted again. The
    unquoted row between two rows quoted alike is the rest of the row before it
    (scan._unquoted_rest): the report and its facts are the log's, by parse_log and on
    the CLI's path."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    mailed = _rewrapped_bare(messages, quote=quote)
    assert cut.format(q=quote) in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert want
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize("width", [67, 68, 69, 70])
def test_a_header_a_mail_wrap_cut_after_its_hyphen_is_found(width: int, tmp_path: Path) -> None:
    """A /var/log/messages paste wrapped by a mail client breaking lines by UAX #14, which
    may break after a hyphen (LB21): soft_nmi_interrupt()'s "CPU %d self-detected hard
    LOCKUP @ %pS" (6.1 arch/powerpc/kernel/watchdog.c, after its "watchdog: " pr_fmt) at
    67-70 columns goes on "detected hard LOCKUP @ __delay+0x50/0x70" after "... watchdog:
    CPU 1 self-". The two rows, read as one with no blank between them, are the header
    (scan._wrapped_header, extract._hyphen_cut): the hard lockup is the log's first report,
    by parse_log and on the CLI's path, never lost to the RCU stall after it."""
    messages, _ = _bugzilla_syslog((DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text())
    mailed = "\n".join("\n".join(_uax14_wrap(line, width)) for line in messages.split("\n"))
    assert "] watchdog: CPU 1 self-\ndetected hard LOCKUP @ __delay" in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert want[0][0][0] == "BUG: hard lockup in hotfence_crash_hardlockup"
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "mail.txt").write_text(mailed)
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "mail.txt")).reports] == want


@pytest.mark.parametrize("width", [66, 67, 68])
@pytest.mark.parametrize(
    "name", ["ppc64le-6.1.0-50-mod-hardlockup", "riscv64-6.12.117+deb13-mod-hardlockup"]
)
def test_an_rcu_stall_a_narrow_wrap_cut_keeps_its_late_nmi_answer(name: str, width: int) -> None:
    """An RCU stall's "Sending NMI from CPU %d to CPUs %*pbl:" (lib/nmi_backtrace.c
    nmi_trigger_cpumask_backtrace()) waits for the stalled CPU's answer, which comes late
    when it spins with interrupts off: after the 6.12 kernel/rcu/tree_stall.h "%s kthread
    timer wakeup didn't happen ..." part on riscv, then "NMI backtrace for cpu %d"
    (nmi_cpu_backtrace()); right after the wait on powerpc, "CPU %d became unstuck
    TB:%lld" (6.1 arch/powerpc/kernel/watchdog.c wd_smp_clear_cpu_pending()) and the
    CPU's dump. A /var/log/messages paste wrapped at 66-68 columns cuts each of them
    before the words that tell it: "... rcu: rcu_sched" then "kthread timer wakeup ...",
    "... NMI backtrace for" (or "... for cpu") then "0", "... watchdog: CPU 1" then
    "became unstuck TB:...". The stall still reads on to the stalled CPU's dump: its
    task, taint and frames, titled by them, never "in corrupted"."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text())
    mailed = _bugzilla_comment(messages, width)
    assert re.search(r"\] (?:NMI backtrace for(?: cpu)?|watchdog: CPU 1)\n", mailed)
    want = [_flag_facts(r) for r in parse_log(messages)]
    stalls = [w for w in want if w[0][0] == "INFO: rcu detected stall in proc_reg_write"]
    assert stalls and all(w[0][3] == "sh" for w in stalls)
    assert [_flag_facts(r) for r in parse_log(mailed)] == want


@pytest.mark.parametrize("aware", [True, False])
@pytest.mark.parametrize(
    ("name", "width"),
    [
        ("x86-6.6-hard-lockup-buddy", 66),
        ("x86-6.6-hard-lockup-buddy", 70),
        ("ppc64le-6.1.0-50-mod-hardlockup", 68),
        ("arm64-6.1.0-50-oom", 66),
        ("x86-6.1-slub-redzone", 68),
        ("mips64el-6.1.0-50-kill-init", 68),
    ],
)
def test_a_syslog_file_wrapped_quoted_and_rewrapped_narrow_reads_as_the_log(
    name: str, width: int, aware: bool, tmp_path: Path
) -> None:
    """A /var/log/messages paste wrapped at 78 by the mail it came in, quoted by a reply
    and rewrapped at 66-70 by its client (quote-aware or not): each row of the first wrap
    is cut again, its end left in a short row ("... [ 5112.001240] CPU: 3 PID: 8812",
    "> Comm:", "> kworker/3:1 Tainted: ...", 6.6 lib/dump_stack.c
    dump_stack_print_info()) whose next word would have fitted in the reply's width. Read
    with the row before it, it is the first wrap's row, no sign against the narrow wrap
    (extract._first_wrap_row): the cut headers, task and trace rows go on, and the
    reports and facts are the log's ("BUG: hard lockup in mydrv_poll_work" by kworker/3:1,
    never "kernel panic: Hard"), by parse_log and on the CLI's path."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    rewrap = _rewrapped_reply if aware else _rewrapped_bare
    mailed = rewrap(messages, width)
    # (a prefixed row the reply cut, the first wrap's short end, its next row quoted)
    assert re.search(r"\] [^\n]*\n(?:> )?[^\n]{1,20}\n> \S", mailed)
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert want
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize("aware", [True, False])
@pytest.mark.parametrize(
    ("name", "cut"),
    [
        # lib/nmi_backtrace.c nmi_trigger_cpumask_backtrace(): "Sending NMI from CPU %d
        # to CPUs %*pbl:"; 6.1 arch/powerpc/kernel/stacktrace.c raise_backtrace_ipi():
        # "CPU %d didn't respond to backtrace IPI, inspecting paca."
        ("ppc64le-6.1.0-50-mod-hardlockup", "] CPU 1 didn't\n> respond to backtrace\n"),
        # 6.12 kernel/rcu/tree_stall.h print_other_cpu_stall(): "INFO: %s detected
        # stalls on CPUs/tasks:" after pr_fmt's "rcu: "
        ("riscv64-6.12.117+deb13-mod-hardlockup", "] rcu: INFO:\n> rcu_sched detected\n"),
    ],
)
def test_an_rcu_stall_a_narrow_rewrap_of_a_quote_cuts_keeps_its_late_answer(
    name: str, cut: str, aware: bool, tmp_path: Path
) -> None:
    """A /var/log/messages paste wrapped at 78 by its mail, quoted by a reply and
    rewrapped at 66 (quote-aware or not) cuts an RCU stall's lines sooner than one wrap
    does: its header after "rcu: INFO:", its call for backtraces after "Sending NMI
    from", powerpc's late answer after "CPU 1 didn't". The stall still waits for the
    stalled CPU's answer after the call and reads on to its trace: titled by it, with
    its task and taint, never "in corrupted", by parse_log and on the CLI's path."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    rewrap = _rewrapped_reply if aware else _rewrapped_bare
    mailed = rewrap(messages, 66)
    assert "] Sending NMI from\n" in mailed
    if not aware:
        cut = cut.replace("\n> ", "\n")
    assert cut in mailed
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert "INFO: rcu detected stall in proc_reg_write" in [w[0][0] for w in want]
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize("aware", [True, False])
@pytest.mark.parametrize("name", ["ppc64le-6.1.0-50-oom", "ppc64le-6.1-do-irq-stack-overflow"])
def test_a_powerpc_nip_line_a_narrow_rewrap_of_a_quote_cut_after_lr_keeps_the_trace(
    name: str, aware: bool, tmp_path: Path
) -> None:
    """6.1 arch/powerpc/kernel/process.c __show_regs() prints "NIP:  "REG" LR: "REG" CTR:
    "REG"": a /var/log/messages paste wrapped at 78 by its mail, quoted by a reply and
    rewrapped at 68 cuts it after the name and again after "LR:" ("> ... [   12.323496]
    NIP:", "> c00000000009ea88 LR:", "> c00000000091f5e0 CTR: 0000000000000200"). The
    name alone, then its value and "LR:", still prove the cut: the trace entries after
    the exception frame's dump stay the trace's, by parse_log and on the CLI's path."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    rewrap = _rewrapped_reply if aware else _rewrapped_bare
    mailed = rewrap(messages, 68)
    assert re.search(r"\] NIP:\n(?:> )?[0-9a-f]{16} LR:\n", mailed)
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert len(want[-1][2]) > 12
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want


@pytest.mark.parametrize("shape", ["reply", "double", "double-bare"])
@pytest.mark.parametrize("name", ["rhel6-mce-fatal", "i386-2.6-mce-context-corrupt"])
def test_a_machine_check_a_reply_rewrapped_at_66_cut_after_machine_is_found(
    name: str, shape: str, tmp_path: Path
) -> None:
    """RHEL 6's print_mce() (arch/x86/kernel/cpu/mcheck/mce.c) and 2.6 i386
    k7_machine_check() print "CPU %d: Machine Check Exception: ...": a /var/log/messages
    paste quoted by a reply and wrapped at 66 (once, or after its mail's wrap at 78,
    quote-aware or not) cuts it after "Machine" ("> ... [ 9021.441001] CPU 7: Machine"
    then "> Check Exception:                5 Bank 4: be00000000800400"), where neither
    row held a header's needle. The machine check is the report, not the panic after it,
    by parse_log and on the CLI's path."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    if shape == "reply":
        mailed = _quoted_wrapped(messages, 66)
    else:
        mailed = (_rewrapped_reply if shape == "double" else _rewrapped_bare)(messages, 66)
    assert re.search(r"\] CPU 7: Machine\n(?:> )?Check Exception:", mailed)
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert want[0][0][0] == "MCE: machine check in bank NUM status ADDR"
    assert [_flag_facts(r) for r in parse_log(mailed)] == want
    (tmp_path / "reply.txt").write_text(mailed, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(tmp_path / "reply.txt")).reports] == want
