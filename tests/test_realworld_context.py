"""What the kernel prints before a crash is the crash's context (issue 11, item 6).

The logs are real: ``x86-6.18.44-pod-context.log`` and ``-ext4-remount-ro.log`` were
recorded from this project's host kernel; ``x86-6.1.0-56-host-trouble.log``,
``-nmi-unknown.log``, ``-pcie-aer.log``, ``-scsi-medium-error.log``,
``-md-disk-failure.log``, ``-xfs-corruption.log``, ``-xfs-shutdown.log``,
``-nvme-timeout.log`` and ``-tcp-mem.log`` from Debian 6.1 in the lab (see
``data/realworld/README.md``).
Each event line must land in the next report's context, through the parser and through
the CLI's prefilter alike, must not be a report of its own, and must be seen by a
known-bug entry's ``preceded_by``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus import syz_log
from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.triage.model import KnownBugMatch, Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import KEEP, REACH, triage_input
from test_prefilter import FILLER, _same
from test_realworld_arch import reworded

DATA = Path(__file__).parent / "data" / "realworld"
LAB = Path(__file__).parent / "lab"

# (log, a line it printed before its report, the regex a catalogue entry would ask for)
EVENTS = [
    pytest.param(
        "x86-6.18.44-pod-context",
        "cgroup: fork rejected by pids controller in /hotfence-g7-pod",
        r"fork rejected by pids controller",
        id="pids-fork-rejected",
    ),
    pytest.param(
        "x86-6.18.44-pod-context",
        "EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #12: comm ls: "
        "Directory block failed checksum",
        r"EXT4-fs error \(device \S+\): htree_dirblock_to_tree",
        id="ext4-error",
    ),
    pytest.param(
        "x86-6.18.44-ext4-remount-ro",
        "Aborting journal on device loop0-8.",
        r"Aborting journal on device \S+",
        id="jbd2-abort",
    ),
    pytest.param(
        "x86-6.18.44-ext4-remount-ro",
        "EXT4-fs (loop0): Remounting filesystem read-only",
        r"EXT4-fs \(\S+\): Remounting filesystem read-only",
        id="ext4-remount-ro",
    ),
    pytest.param(
        "x86-6.1.0-56-host-trouble",
        "nf_conntrack: nf_conntrack: table full, dropping packet",
        r"nf_conntrack: table full",
        id="conntrack-table-full",
    ),
    pytest.param(
        "x86-6.1.0-56-host-trouble",
        "mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: 9c0000000001009f",
        r"\[Hardware Error\]: CPU \d+: Machine Check: ",
        id="mce-corrected",
    ),
    pytest.param(
        "x86-6.1.0-56-nmi-unknown",
        "Uhhuh. NMI received for unknown reason 21 on CPU 0.",
        r"NMI received for unknown reason",
        id="nmi-unknown",
    ),
    pytest.param(
        "x86-6.1.0-56-pcie-aer",
        "pcieport 0000:00:1c.0: PCIe Bus Error: severity=Uncorrected (Non-Fatal), "
        "type=Transaction Layer, (Receiver ID)",
        r"PCIe Bus Error: severity=Uncorrected",
        id="pcie-aer",
    ),
    pytest.param(
        "x86-6.1.0-56-scsi-medium-error",
        "critical medium error, dev sda, sector 4660 op 0x0:(READ) flags 0x800 phys_seg 1 "
        "prio class 2",
        r"critical medium error, dev ",
        id="scsi-medium-error",
    ),
    pytest.param(
        "x86-6.1.0-56-md-disk-failure",
        "md/raid1:md0: Disk failure on loop1, disabling device.",
        r"md/raid\d*:\S+: Disk failure on",
        id="md-disk-failure",
    ),
    pytest.param(
        "x86-6.1.0-56-xfs-corruption",
        "XFS (loop0): Metadata corruption detected at xfs_buf_ioend+0x14d/0x5e0 [xfs], "
        "xfs_inode block 0x80 xfs_inode_buf_verify",
        r"XFS \(\S+\): Metadata corruption detected at .*xfs_inode_buf_verify",
        id="xfs-corruption",
    ),
    pytest.param(
        "x86-6.1.0-56-xfs-shutdown",
        "XFS (loop0): Log I/O Error (0x6) detected at xfs_fs_goingdown+0x57/0xb0 [xfs] "
        "(fs/xfs/xfs_fsops.c:498).  Shutting down filesystem.",
        r"XFS \(\S+\): .*Shutting down filesystem",
        id="xfs-shutdown",
    ),
    pytest.param(
        "x86-6.1.0-56-nvme-timeout",
        "nvme nvme0: I/O 596 QID 1 timeout, reset controller",
        r"nvme\d+: I/O \d+ QID \d+ timeout, reset controller",
        id="nvme-timeout",
    ),
    pytest.param(
        "x86-6.1.0-56-tcp-mem",
        "TCP: out of memory -- consider tuning tcp_mem",
        r"TCP: out of memory",
        id="tcp-mem",
    ),
]


def _entry(context: list[str], line: str) -> str:
    """The entry of ``context`` that shows ``line``: the line itself, or the first of its
    kind with how many times and when it was printed (parser._Events.between)."""
    (entry,) = [c for c in context if c == line or c.startswith(f"{line} (")]
    return entry


def _preceded_by_match(tmp_path: Path, rep: Report, pattern: str) -> KnownBugMatch:
    """The one match of ``rep`` with a catalogue entry (written to ``tmp_path``) for its
    title after a context line that ``pattern`` finds (``preceded_by``)."""
    (tmp_path / "after-event.yaml").write_text(
        "id: crash-after-event\nsummary: this crash after this event\n"
        f"signature:\n  title: ['^{re.escape(rep.title)}$']\n"
        f"  preceded_by: ['{pattern}']\n"
    )
    (m,) = match_all(load_catalog(extra_dirs=[tmp_path], builtin=False), rep)
    return m


def _stamped(log: str, line: str) -> str:
    """The first raw line of ``log`` that printed ``line``."""
    return next(r for r in (DATA / f"{log}.log").read_text().splitlines() if r.endswith(line))


@pytest.mark.parametrize(("log", "line", "pattern"), EVENTS)
def test_an_event_before_a_report_is_its_context(
    log: str, line: str, pattern: str, tmp_path: Path
) -> None:
    """The event is in the report's context, whether the log is parsed whole or through
    the CLI's prefilter, and a catalogue entry whose ``preceded_by`` asks for it names
    it as evidence."""
    path = DATA / f"{log}.log"
    (rep,) = parse_log(path.read_bytes())
    entry = _entry(rep.context, line)
    (got,) = triage_input(str(path)).reports
    assert got.context == rep.context
    m = _preceded_by_match(tmp_path, rep, pattern)
    assert f"preceded by {entry!r}" in m.evidence
    assert m.missing == [] and m.certainty == "matched"


@pytest.mark.parametrize(("log", "line", "pattern"), EVENTS)
def test_an_event_alone_is_no_report(log: str, line: str, pattern: str) -> None:
    """The kernel printed the event as one line of information: no crash by itself."""
    assert parse_log((_stamped(log, line) + "\n").encode()) == []


@pytest.mark.parametrize(("log", "line", "pattern"), EVENTS)
def test_an_event_before_an_oops_is_its_context(log: str, line: str, pattern: str) -> None:
    """The recorded event line put in front of the lab's real NULL dereference (Debian
    6.1 under QEMU) is that oops's context, and only its context."""
    lab = (LAB / "null-deref.log").read_text()
    at = lab.index("BUG: kernel NULL pointer dereference")
    at = lab.rindex("\n", 0, at) + 1
    (want,) = parse_log(lab.encode())
    (rep,) = parse_log((lab[:at] + _stamped(log, line) + "\n" + lab[at:]).encode())
    assert rep.context == [*want.context, line]
    assert (rep.title, rep.frames) == (want.title, want.frames)


def test_an_allocation_stall_before_an_oom_kill_is_its_context() -> None:
    """4.9-4.14 warned of an allocation that kept stalling in reclaim with the same
    warn_alloc() (mm/page_alloc.c) that prints an allocation failure: "%s: %pV, mode:
    %#x(%pGg), nodemask=%*pbl" with "page allocation stalls for %ums, order:%u" for
    %pV. Debian 6.1's real armhf OOM log printed a failure after its kill; rewritten
    into 4.14's stall wording and moved before the kill's dump, where a stall comes, it
    is the kill's context."""
    text = (DATA / "armhf-6.1.0-50-oom.log").read_text()
    lines = text.splitlines(keepends=True)
    (failure,) = [ln for ln in lines if ": page allocation failure: " in ln]
    (invoked,) = [ln for ln in lines if " invoked oom-killer: " in ln]
    stamp, rest = failure.split("] ", 1)
    comm, mode = rest.split(": page allocation failure: order:0, ")
    mode = mode.split(",cpuset=")[0]
    stall = f"{comm}: page allocation stalls for 10008ms, order:0, {mode}"
    composed = reworded(text, {failure: "", invoked: f"{stamp}] {stall}\n{invoked}"})
    (rep,) = parse_log(composed.encode())
    assert rep.type == "OOM-KILL" and rep.context == [stall]
    assert parse_log(f"{stamp}] {stall}\n".encode()) == []


def test_a_flood_of_one_warning_does_not_hide_an_older_event(tmp_path: Path) -> None:
    """net_ratelimit() lets ten "table full" lines through every five seconds for as long
    as the table stays full: the recorded burst printed twice more before the crash
    would push the machine check before it out of a context of 20 lines. A message
    printed again is shown once, with how many times and when, in the parser and the
    CLI alike."""
    text = (DATA / "x86-6.1.0-56-host-trouble.log").read_text()
    lines = text.splitlines(keepends=True)
    burst = [ln for ln in lines if "table full, dropping packet" in ln]
    assert len(burst) == 10
    stamp = re.compile(r"^\[ *(\d+\.\d+)\]")
    again = [
        stamp.sub(lambda m, d=d: f"[{float(m.group(1)) + d:12.6f}]", ln)
        for d in (0.5, 1.0)
        for ln in burst
    ]
    flood = reworded(text, {burst[-1]: burst[-1] + "".join(again)})
    (rep,) = parse_log(flood.encode())
    assert rep.context == [
        "mce: [Hardware Error]: Machine check events logged",
        "mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: 9c0000000001009f",
        "mce: [Hardware Error]: TSC a28e11cd9 ADDR 1234000 MISC 8c",
        "mce: [Hardware Error]: PROCESSOR 2:60fb1 TIME 1795767274 SOCKET 0 APIC 0 microcode "
        "1000065",
        "nf_conntrack: nf_conntrack: table full, dropping packet (30 times, [17.116353] to "
        "[18.175062])",
    ]
    (tmp_path / "kern.log").write_text(flood)
    (got,) = triage_input(str(tmp_path / "kern.log")).reports
    assert got.context == rep.context


def _nvme_flood_after(cause: str) -> str:
    """The recorded NVMe log with ``cause``, a recorded line of another log, printed
    right before its first abort."""
    text = (DATA / "x86-6.1.0-56-nvme-timeout.log").read_text()
    first = next(ln for ln in text.splitlines(keepends=True) if "QID 1 timeout, aborting" in ln)
    return reworded(text, {first: _stamped_before(cause, first) + first})


def _stamped_lines_before(lines: list[str], raw: str) -> str:
    """``lines`` stamped a millisecond apart, the last a millisecond before ``raw``."""
    stamp = float(raw[1:].split("]", 1)[0])
    return "".join(
        f"[{stamp - 0.001 * (len(lines) - i):12.6f}] {line}\n" for i, line in enumerate(lines)
    )


def _stamped_before(line: str, raw: str) -> str:
    """``line`` stamped a millisecond before the printk time of ``raw``."""
    return _stamped_lines_before([line], raw)


AER = (
    "pcieport 0000:00:1c.0: PCIe Bus Error: severity=Uncorrected (Non-Fatal), "
    "type=Transaction Layer, (Receiver ID)"
)
NVME_FOLDED = [
    "nvme nvme0: I/O 588 (I/O Cmd) QID 1 timeout, aborting (42 times, [20.037211] to [41.425458])",
    "nvme nvme0: I/O 596 QID 1 timeout, reset controller (2 times, [23.757396] to [45.505441])",
]


def test_a_flood_of_numbered_lines_does_not_hide_its_cause(tmp_path: Path) -> None:
    """pci.c nvme_timeout() names each timed-out command, so the recorded 42 aborts are
    42 different lines, and they pushed whatever came before them out of a window of 20
    lines. The recorded PCIe error (aer.c aer_print_error()) of the link the disk sits
    behind, put before them, is the crash's cause: lines that differ only in their
    numbers are one entry, with how many and when, and the cause stays, in the parser,
    the CLI's prefilter and a catalogue entry's ``preceded_by`` alike."""
    composed = _nvme_flood_after(AER)
    (rep,) = parse_log(composed.encode())
    assert rep.context == [AER, *NVME_FOLDED]
    (tmp_path / "kern.log").write_text(composed)
    (got,) = triage_input(str(tmp_path / "kern.log")).reports
    assert got.context == rep.context
    m = _preceded_by_match(tmp_path, rep, "PCIe Bus Error: severity=Uncorrected")
    assert f"preceded by {AER!r}" in m.evidence


def test_io_errors_at_growing_sectors_are_one_entry() -> None:
    """block/blk-core.c blk_print_req_error() prints one line per failed request, each
    at its own sector: the recorded medium error at 30 sectors of a failing region
    (after the recorded machine check) is one entry, from its first sector on."""
    text = (DATA / "x86-6.1.0-56-scsi-medium-error.log").read_text()
    (medium,) = [ln for ln in text.splitlines(keepends=True) if "critical medium error" in ln]
    stamp = float(medium[1:].split("]", 1)[0])
    mce = "mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: 9c0000000001009f"
    errors = [
        f"[{stamp + i * 0.01:12.6f}] " + medium.split("] ", 1)[1].replace("4660", str(4660 + 8 * i))
        for i in range(30)
    ]
    (rep,) = parse_log(reworded(text, {medium: _stamped_before(mce, medium) + "".join(errors)}))
    first = medium.split("] ", 1)[1].strip()
    assert rep.context == [mce, f"{first} (30 times, [{stamp:.6f}] to [{stamp + 0.29:.6f}])"]


def test_more_kinds_than_shown_keep_the_first_and_the_last() -> None:
    """Thirty disks failing one after the other (the recorded medium error, rewritten to
    each disk: another disk's failure is another event) after the recorded PCIe error:
    the context shows at most 20 entries, the first event printed and the latest ones,
    in the parser and through the CLI's prefilter, with the disks cut apart by more
    lines than a parse reaches (so the stream carries them across cuts)."""
    text = (DATA / "x86-6.1.0-56-scsi-medium-error.log").read_text()
    (medium,) = [ln for ln in text.splitlines(keepends=True) if "critical medium error" in ln]
    stamp = float(medium[1:].split("]", 1)[0])
    disks = [f"sd{chr(97 + i // 26) if i >= 26 else ''}{chr(97 + i % 26)}" for i in range(30)]
    quiet = [ln for ln in text.splitlines(keepends=True) if "] ACPI: " in ln]
    assert len(quiet) > 25  # each gap is longer than a parse reaches (prefilter.REACH + KEEP)
    pieces = []
    for i, disk in enumerate(disks):
        pieces.append(
            f"[{stamp + i:12.6f}] " + medium.split("] ", 1)[1].replace("dev sda", f"dev {disk}")
        )
        pieces += [f"[{stamp + i:12.6f}] " + q.split("] ", 1)[1] for q in quiet] * 130
    composed = reworded(text, {medium: _stamped_before(AER, medium) + "".join(pieces)})
    (rep,) = parse_log(composed.encode())
    shown = [medium.split("] ", 1)[1].strip().replace("dev sda", f"dev {d}") for d in disks]
    assert rep.context == [AER, *shown[-19:]]
    for chunk in (1 << 30, 100 << 10):
        _same(composed.encode(), chunk, 4096)


def _cli_context(out: str, fmt: str) -> list[str]:
    """The "earlier in the log" entries of ``hotfence triage``'s one report."""
    if fmt == "json":
        (rep,) = json.loads(out)["files"][0]["reports"]
        return list(rep["context"])
    lines = out.splitlines()
    at = next(i for i, ln in enumerate(lines) if "arlier in the log:" in ln)
    if fmt == "markdown":  # a fenced block: "Earlier in the log:", "", "```", ..., "```"
        body = lines[at + 3 :]
        return body[: body.index("```")]
    shown = []  # the text format's entries, four spaces in, up to the next field
    for ln in lines[at + 1 :]:
        if not ln.startswith("    "):
            break
        shown.append(ln[4:])
    return shown


_CLI_LOGS = sorted({p.values[0] for p in EVENTS}) + ["aer-before-nvme-flood", "stdin"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("source", _CLI_LOGS)
def test_the_cli_shows_the_context_of_the_parse(source: str, fmt: str, tmp_path: Path) -> None:
    """What ``hotfence triage`` prints as "earlier in the log", in every format, through
    its prefilter (a file, or standard input), is the context of the parse of the whole
    log: the same entries, folded ones with their counts and times, nothing more."""
    from click.testing import CliRunner

    from hotfence.cli import main

    if source in ("aer-before-nvme-flood", "stdin"):
        data = _nvme_flood_after(AER).encode()
    else:
        data = (DATA / f"{source}.log").read_bytes()
    (rep,) = parse_log(data)
    assert rep.context
    log = tmp_path / "kern.log"
    log.write_bytes(data)
    args = ["triage", "--no-store", "-o", fmt, "-" if source == "stdin" else str(log)]
    res = CliRunner().invoke(main, args, input=data if source == "stdin" else None)
    assert res.exit_code == 0, res.output
    assert _cli_context(res.stdout, fmt) == rep.context


def test_a_cut_trace_with_its_cause_before_it_is_a_probable_match(tmp_path: Path) -> None:
    """Issue 11 items 6 and 7 on real logs: the recorded NVMe controller reset put in
    front of the lab's NULL dereference, whose console was lost right after the
    register dump (no ``Call Trace:``). An entry naming the title, the faulting function,
    a trace function and the reset as its cause matches as "probable": title, function
    and earlier event held, the trace is named as what was lost."""
    reset = _stamped("x86-6.1.0-56-nvme-timeout", "I/O 596 QID 1 timeout, reset controller")
    lab = (LAB / "null-deref.log").read_text()
    at = lab.rindex("\n", 0, lab.index("BUG: kernel NULL pointer dereference")) + 1
    cut = lab.index("\n", lab.index("] PKRU: ")) + 1  # the last line before the trace
    (rep,) = parse_log((lab[:at] + reset + "\n" + lab[at:cut]).encode())
    assert rep.frames == [] and rep.rip is not None
    (tmp_path / "nvme-reset-oops.yaml").write_text(
        "id: oops-after-nvme-reset\nsummary: this module's oops after a controller reset\n"
        "signature:\n"
        "  title: ['NULL pointer dereference in hotfence_crash_null_deref']\n"
        "  rip: [hotfence_crash_null_deref]\n"
        "  trace: [proc_reg_write]\n"
        "  preceded_by: ['QID \\d+ timeout, reset controller']\n"
    )
    (m,) = match_all(load_catalog(extra_dirs=[tmp_path], builtin=False), rep)
    assert m.certainty == "probable"
    assert "faulting function hotfence_crash_null_deref" in m.evidence
    assert f"preceded by {reset.split('] ', 1)[1]!r}" in m.evidence
    assert m.missing == ["call trace (lost from the log) lacks proc_reg_write"]


def test_programs_lines_naming_an_event_in_a_syslog_file_are_no_context() -> None:
    """The recorded log as rsyslog writes the kernel's lines to /var/log/messages
    (RSYSLOG_TraditionalFileFormat: "%TIMESTAMP% %HOSTNAME% %syslogtag%%msg%", tag
    "kernel:"), with two programs' lines that quote event messages amid them: the
    context is the kernel's events only, as in the console log."""
    text = (DATA / "x86-6.1.0-56-host-trouble.log").read_text()
    lines = []
    for raw in text.splitlines():
        lines.append(f"Nov 27 08:00:01 node1 kernel: {raw}")
        if raw.endswith("] nf_conntrack: nf_conntrack: table full, dropping packet"):
            lines.append(
                "Nov 27 08:00:01 node1 kubelet[812]: E1127 08:00:01.5 prober.go:104] "
                '"Probe errored" err="nf_conntrack: table full, dropping packet"'
            )
            lines.append(
                "Nov 27 08:00:01 node1 mdadm[900]: Fail event on /dev/md0: Disk failure on sdb1"
            )
    (want,) = parse_log(text.encode())
    (got,) = parse_log(("\n".join(lines) + "\n").encode())
    assert got.context == want.context
    assert not any("Probe errored" in c or "Fail event" in c for c in got.context)


# The recorded NVMe log's last line before its crash, "nvme nvme0: I/O 576 QID 1 timeout,
# reset controller" (pci.c nvme_timeout()), rewritten into the driver's other failure
# lines: (new message, the regex a catalogue entry would ask for).
NVME_FAILURES = [
    # pci.c nvme_timeout() calls nvme_warn_reset() instead when the timed-out
    # controller's CSTS reports a fatal status (4.10 on).
    pytest.param(
        "nvme nvme0: controller is down; will reset: CSTS=0x3, PCI_STATUS=0x10",
        r"nvme\d+: controller is down; will reset",
        id="controller-down",
    ),
    # pci.c nvme_remove_dead_ctrl() when the reset that followed failed (4.5 on) ...
    pytest.param(
        "nvme nvme0: Removing after probe failure status: -19",
        r"nvme\d+: Removing after probe failure",
        id="removing-after-probe-failure",
    ),
    # ... which later kernels' nvme_reset_work() prints in these words.
    pytest.param(
        "nvme nvme0: Disabling device after reset failure: -19",
        r"nvme\d+: Disabling device after reset failure",
        id="disabling-after-reset-failure",
    ),
    # core.c nvme_log_error(): a command the disk completed with an error, with
    # nvme.h's non-verbose opcode and status names ("I/O Cmd", "I/O Error") ...
    pytest.param(
        "nvme0n1: I/O Cmd(0x2) @ LBA 4660, 8 blocks, I/O Error (sct 0x0 / sc 0x7)",
        r"nvme\d+n\d+: .* @ LBA \d+, \d+ blocks, .*\(sct 0x",
        id="io-error-sct",
    ),
    # ... and CONFIG_NVME_VERBOSE_ERRORS's (nvme_get_opcode_str(),
    # nvme_get_error_status_str(); "DNR" when the Do Not Retry bit is set).
    pytest.param(
        "nvme0n1: Read(0x2) @ LBA 4660, 8 blocks, Unrecovered Read Error (sct 0x2 / sc 0x81) DNR",
        r"Unrecovered Read Error \(sct 0x",
        id="io-error-verbose",
    ),
    # core.c nvme_wait_ready(): the reset that the timeout started waited out CAP.TO for
    # the controller to clear CSTS.RDY and gave up ("Device not ready; aborting %s,
    # CSTS=0x%x", "reset" or "initialisation"; before 5.x without the CSTS).
    pytest.param(
        "nvme nvme0: Device not ready; aborting reset, CSTS=0x1",
        r"nvme\d+: Device not ready; aborting reset",
        id="device-not-ready",
    ),
]
_NVME_LAST = "nvme nvme0: I/O 576 QID 1 timeout, reset controller"


@pytest.mark.parametrize(("line", "pattern"), NVME_FAILURES)
def test_an_nvme_failure_before_a_crash_is_its_context(
    line: str, pattern: str, tmp_path: Path
) -> None:
    """The NVMe driver's controller and command failures are the crash's context, in the
    parser and through the CLI's prefilter, are no report alone, and a catalogue entry's
    ``preceded_by`` sees them."""
    text = (DATA / "x86-6.1.0-56-nvme-timeout.log").read_text()
    (stamped,) = [ln for ln in text.splitlines() if ln.endswith(_NVME_LAST)]
    composed = reworded(text, {stamped: stamped.replace(_NVME_LAST, line)})
    (rep,) = parse_log(composed.encode())
    assert rep.context[-1] == line
    (tmp_path / "kern.log").write_text(composed)
    (got,) = triage_input(str(tmp_path / "kern.log")).reports
    assert got.context == rep.context
    assert parse_log((stamped.replace(_NVME_LAST, line) + "\n").encode()) == []
    m = _preceded_by_match(tmp_path, rep, pattern)
    assert f"preceded by {line!r}" in m.evidence


def _retimed(lines: list[str], seconds: float) -> list[str]:
    return [
        re.sub(r"^\[ *(\d+\.\d+)\]", lambda m: f"[{float(m.group(1)) + seconds:12.6f}]", ln)
        for ln in lines
    ]


def test_a_cascade_of_oom_kills_does_not_hide_what_came_before() -> None:
    """mm/oom_kill.c prints each kill with its victim's pid and sizes: the lab's recorded
    cascade (three kill dumps, then panic_on_oom's panic), its dumps printed twice more
    (a longer cascade), after the recorded allocation failure of Debian's armhf OOM
    log. The kills are one entry counted nine times, the oom-killer invocations one
    counted ten times, and the allocation failure before them is still shown."""
    lines = (LAB / "oom.log").read_text().splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if " invoked oom-killer: " in ln)
    last = max(i for i, ln in enumerate(lines) if "Out of memory: Killed process" in ln)
    failure = next(
        ln.split("] ", 1)[1]
        for ln in (DATA / "armhf-6.1.0-50-oom.log").read_text().splitlines(keepends=True)
        if ": page allocation failure: " in ln
    )
    dumps = lines[first : last + 1]
    composed = "".join(
        [*lines[:first], _stamped_before(failure.strip(), lines[first]), *dumps]
        + [*_retimed(dumps, 10), *_retimed(dumps, 20), *_retimed(lines[last + 1 :], 20)]
    )
    (rep,) = parse_log(composed.encode())
    assert rep.title == "kernel panic: Out of memory: system-wide panic_on_oom is enabled"
    assert rep.context[0] == failure.strip()
    assert [c.rsplit(" (", 1)[1].split(",")[0] for c in rep.context[1:]] == [
        "10 times",
        "9 times",
        "9 times",
    ]
    assert rep.context[3].startswith("Out of memory: Killed process 120 (tail) ")


def test_errors_of_two_pci_devices_are_two_events() -> None:
    """aer.c names the device that reported the error by its address (pci_name(),
    "0000:00:1c.0"): the recorded PCIe error printed again by the same root port is one
    entry, counted; by another port (rewritten to 0000:00:1d.0) another entry."""
    text = (DATA / "x86-6.1.0-56-pcie-aer.log").read_text()
    (aer,) = [ln for ln in text.splitlines(keepends=True) if AER in ln]
    again = _retimed([aer], 0.5)[0]
    other = _retimed([aer], 1.0)[0].replace("0000:00:1c.0", "0000:00:1d.0")
    (rep,) = parse_log(reworded(text, {aer: aer + again + other}).encode())
    stamp = float(aer[1:].split("]", 1)[0])
    assert rep.context == [
        f"{AER} (2 times, [{stamp:.6f}] to [{stamp + 0.5:.6f}])",
        AER.replace("0000:00:1c.0", "0000:00:1d.0"),
    ]


# A USB host controller given up for dead: drivers/usb/host/xhci-ring.c xhci_hc_died()
# ("xHCI host controller not responding, assume dead", xhci_err() of the controller's
# device), then drivers/usb/core/hcd.c usb_hc_died() ("HC died; cleaning up", dev_err()
# of the same device, for any host controller driver), after which every device on its
# buses is disconnected.
USB_DEAD = "xhci_hcd 0000:00:01.0: xHCI host controller not responding, assume dead"
USB_DIED = "xhci_hcd 0000:00:01.0: HC died; cleaning up"
# drivers/usb/core/hub.c hub_port_init(): one failed try of a device's enumeration
# ("device descriptor read/%s, error %d", -71 EPROTO), which the hub driver retries
# with a port reset and the other scheme: a loose cable or a flaky device at every
# plug-in, on any healthy machine. No cause of a crash, and no context.
USB_DESCRIPTOR = "usb 1-1: device descriptor read/64, error -71"


def test_a_dead_usb_host_controller_before_a_crash_is_its_context(tmp_path: Path) -> None:
    """Debian's recorded ppc64le hung task (its guest's USB host controller is
    0000:00:01.0: quirk_usb_early_handoff() runs for USB controllers only) with the
    controller given up for dead before the first report, after a device's failed
    enumeration: the controller's death is the report's context, in the parser and
    through the CLI's prefilter, no report alone, seen by ``preceded_by``; the failed
    descriptor read is not."""
    _assert_hung_tasks_context(
        tmp_path, [USB_DESCRIPTOR, USB_DEAD, USB_DIED], [USB_DEAD, USB_DIED], "HC died; cleaning up"
    )


def _assert_hung_tasks_context(
    tmp_path: Path, events: list[str], context: list[str], pattern: str
) -> None:
    """``events`` printed right before the first report of Debian's recorded ppc64le hung
    task: ``context`` (of them) is that report's context, in the parser and through the
    CLI's prefilter, and no other report's; no event is a report alone; a catalogue
    entry's ``preceded_by`` ``pattern`` names the last of ``context`` as evidence."""
    text = (DATA / "ppc64le-6.1.0-50-hung-task.log").read_text()
    first = next(ln for ln in text.splitlines(keepends=True) if "] INFO: task touch:99 " in ln)
    stamped = _stamped_lines_before(events, first)
    composed = reworded(text, {first: stamped + first})
    (rep, *later) = parse_log(composed.encode())
    assert rep.context == context
    assert rep.title == "INFO: task hung in mnt_want_write" and len(later) == 3
    (tmp_path / "kern.log").write_text(composed)
    got = triage_input(str(tmp_path / "kern.log")).reports
    assert [r.context for r in got] == [context, [], [], []]
    for line in stamped.splitlines():
        assert parse_log((line + "\n").encode()) == []
    m = _preceded_by_match(tmp_path, rep, pattern)
    assert f"preceded by {context[-1]!r}" in m.evidence


# The swap device failing under memory pressure: mm/page_io.c end_swap_bio_write() and
# end_swap_bio_read() (swap_readpage()'s completion) print "Write-error on swap-device
# (%u:%u:%llu)" and "Read-error on swap-device (%u:%u:%llu)" (major, minor, sector; 2.6.x
# "%Lu") and go on: a page read back wrong or not at all is what a task, or the kernel,
# trips on next.
SWAP_WRITE = "Write-error on swap-device (253:1:26712)"
SWAP_READ = "Read-error on swap-device (253:1:26712)"


def test_a_failing_swap_device_before_a_crash_is_its_context(tmp_path: Path) -> None:
    """Debian's recorded ppc64le hung task with its swap device failing before the first
    report: both errors are the report's context, in the parser and through the CLI's
    prefilter, no report alone, and seen by ``preceded_by``."""
    _assert_hung_tasks_context(
        tmp_path, [SWAP_WRITE, SWAP_READ], [SWAP_WRITE, SWAP_READ], r"Read-error on swap-device"
    )


@pytest.mark.parametrize(
    "superblock",
    [
        # fs/jbd2/journal.c jbd2_write_superblock() when the write of the journal's
        # superblock failed: "JBD2: Error %d detected when updating journal superblock
        # for %s." (3.x-5.x) ...
        "JBD2: Error -5 detected when updating journal superblock for loop0-8.",
        # ... "JBD2: I/O error when updating journal superblock for %s." (6.x) ...
        "JBD2: I/O error when updating journal superblock for loop0-8.",
        # ... and 2.6's "JBD2: I/O error detected when updating journal superblock ..."
        "JBD2: I/O error detected when updating journal superblock for loop0-8.",
    ],
)
def test_a_failing_disk_under_ext4_is_the_crashs_context(superblock: str, tmp_path: Path) -> None:
    """The recorded ext4 that went read-only (6.18.44), its loop disk failing writes
    first: block/blk-core.c blk_print_req_error() "I/O error, dev loop0, sector %llu op
    0x%x:(%s) flags 0x%x phys_seg %u prio class %u" for each failed request, fs/buffer.c
    end_buffer_async_write() "Buffer I/O error on dev loop0, logical block %llu, lost
    async page write" for each of its 1 KiB blocks, eight of each; then, after the
    journal's abort, the failed update of its superblock. Each numbered flood is one
    entry with its count and times, and the whole chain is the OOM kill's context, in
    the parser and through the CLI's prefilter."""
    text = (DATA / "x86-6.18.44-ext4-remount-ro.log").read_text()
    lines = text.splitlines(keepends=True)
    (warning,) = [ln for ln in lines if "] EXT4-fs warning (device loop0)" in ln]
    (abort,) = [ln for ln in lines if ln.endswith("] Aborting journal on device loop0-8.\n")]
    start = float(warning[1:].split("]", 1)[0]) - 0.004
    after_abort = float(abort[1:].split("]", 1)[0]) + 0.001  # before the remount's line
    failed = []
    for i in range(8):
        stamp = start + 0.0004 * i
        failed.append(
            f"[{stamp:12.6f}] I/O error, dev loop0, sector {2058 + 2 * i} op 0x1:(WRITE) "
            "flags 0x800 phys_seg 1 prio class 2\n"
        )
        failed.append(
            f"[{stamp + 0.0002:12.6f}] Buffer I/O error on dev loop0, logical block "
            f"{1029 + i}, lost async page write\n"
        )
    composed = reworded(
        text,
        {
            warning: "".join(failed) + warning,
            abort: abort + f"[{after_abort:12.6f}] {superblock}\n",
        },
    )
    (rep,) = parse_log(composed.encode())
    last = start + 0.0004 * 7
    assert rep.context == [
        "I/O error, dev loop0, sector 2058 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2 "
        f"(8 times, [{start:.6f}] to [{last:.6f}])",
        "Buffer I/O error on dev loop0, logical block 1029, lost async page write "
        f"(8 times, [{start + 0.0002:.6f}] to [{last + 0.0002:.6f}])",
        "EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #12: comm ls: "
        "Directory block failed checksum",
        "Aborting journal on device loop0-8.",
        superblock,
        "EXT4-fs (loop0): Remounting filesystem read-only",
    ]
    (tmp_path / "kern.log").write_text(composed)
    (got,) = triage_input(str(tmp_path / "kern.log")).reports
    assert got.context == rep.context


def _as_syslog(text: str) -> str:
    """The recorded console as a syslog file whose kernel lines came from the journal:
    journald keeps a kernel record's text without printk's time (its MESSAGE field) and
    rsyslog writes it in RSYSLOG_TraditionalFileFormat ("%TIMESTAMP% %HOSTNAME%
    %syslogtag%%msg%", whole seconds, tag "kernel:"); the wall clock of a boot at 08:00
    on Nov 27, each line at its printk time. (The guest's programs' lines on the console,
    without printk's time, are no kernel records.)"""
    out = []
    for raw in text.splitlines():
        m = re.match(r"\[ *(\d+)\.\d+\] ?(.*)", raw)
        if m is None:
            continue
        minutes, seconds = divmod(int(m.group(1)), 60)
        out.append(f"Nov 27 08:{minutes:02d}:{seconds:02d} node1 kernel: {m.group(2)}")
    return "\n".join(out) + "\n"


def test_a_flood_in_a_syslog_file_is_folded_with_its_wall_clock_times(tmp_path: Path) -> None:
    """The recorded "table full" burst printed twice more (as in the flood test above),
    in a syslog file without printk times: the lines carry only syslog's stamp, so the
    folded entry gives its first and last time by that clock, in the parser and through
    the CLI's prefilter."""
    text = (DATA / "x86-6.1.0-56-host-trouble.log").read_text()
    lines = text.splitlines(keepends=True)
    burst = [ln for ln in lines if "table full, dropping packet" in ln]
    again = [*_retimed(burst, 0.5), *_retimed(burst, 1.0)]
    flood = _as_syslog(reworded(text, {burst[-1]: burst[-1] + "".join(again)}))
    (rep,) = parse_log(flood.encode())
    assert rep.title == "kernel panic: sysrq triggered crash"
    assert rep.context[-1] == (
        "nf_conntrack: nf_conntrack: table full, dropping packet (30 times, Nov 27 08:00:17 "
        "to Nov 27 08:00:18)"
    )
    (tmp_path / "messages").write_text(flood)
    (got,) = triage_input(str(tmp_path / "messages")).reports
    assert got.context == rep.context


# net/core/dev.c netdev_wait_allrefs() (netdev_wait_allrefs_any() since 5.17) waits for a
# dying network namespace's devices to drop their last references, and every ten seconds
# prints pr_emerg("unregister_netdevice: waiting for %s to become free. Usage count =
# %d\n"): one record, nothing of the report after it. A container host whose pods'
# namespaces leak a reference prints it for hours, between everything else it logs.
_WAITING_LO = "unregister_netdevice: waiting for lo to become free. Usage count = 1"


def test_an_oom_kill_after_a_waiting_netdevice_is_a_report_of_its_own() -> None:
    """The project host's recorded memory cgroup OOM kill (6.18.44), four seconds after
    the wait's line: the wait's report is its one line, the kill a report of its own,
    as it is alone, through the parser and through the CLI's prefilter alike."""
    memcg = (DATA / "x86-6.18.44-memcg-oom.log").read_text()
    (want,) = parse_log(memcg.encode())
    first = float(memcg[1 : memcg.index("]")])
    composed = f"[{first - 4:12.6f}] {_WAITING_LO}\n{memcg}".encode()
    wait, kill = parse_log(composed)
    assert wait.title == "unregister_netdevice: waiting for DEV to become free"
    assert (wait.text, wait.end_line) == (_WAITING_LO, wait.start_line)
    assert (kill.title, kill.type, kill.comm, kill.pid, kill.frames) == (
        want.title,
        want.type,
        want.comm,
        want.pid,
        want.frames,
    )
    _same(composed, 1 << 12, 4096)


# lib/ref_tracker.c ref_tracker_dir_print() (6.0+, CONFIG_NET_DEV_REFCNT_TRACKER) after
# each wait line: "%s@%pK has %d/%d users at" and the holder's stack_depot_snprint()
# entries, indented, in the wait's record.
_TRACKER = (
    "ref_tracker: netdev@ffff888052f24618 has 1/1 users at\n"
    "     xfrm_dev_state_add+0x3a5/0x1080\n"
    "     xfrm_add_sa+0x34ff/0x5fa0\n"
    "     xfrm_user_rcv_msg+0x58e/0xc00\n"
)


def _waits(times: list[float], tracker: bool = False) -> str:
    after = "".join(f"{{stamp}} {ln}\n" for ln in _TRACKER.splitlines()) if tracker else ""
    out = []
    for t in times:
        stamp = f"[{t:12.6f}]"
        out.append(f"{stamp} {_WAITING_LO}\n" + after.format(stamp=stamp))
    return "".join(out)


@pytest.mark.parametrize("tracker", [False, True], ids=["4.x", "6.x-ref-tracker"])
def test_a_wait_printed_every_ten_seconds_is_one_report(tracker: bool) -> None:
    """netdev_wait_allrefs() prints the line again every ten seconds for as long as the
    device waits (6.x with ref_tracker's holders after it): one wait, one report, at its
    first line. The same device's line fifteen minutes later is another wait (the next
    namespace's "lo"), a report of its own, with the project host's recorded memcg OOM
    kill between them as its context. Through the parser and the CLI's prefilter alike."""
    memcg = (DATA / "x86-6.18.44-memcg-oom.log").read_text()
    first = float(memcg[1 : memcg.index("]")])
    last = float(memcg[memcg.rindex("\n[", 0, len(memcg) - 1) + 2 :].split("]")[0])
    before = _waits([first - 64, first - 53.9, first - 43.8, first - 33.7], tracker)
    later = _waits([last + 900, last + 910.05], tracker)
    composed = (before + memcg + later).encode()
    wait, again = parse_log(composed)
    assert (wait.title, wait.text, wait.start_line) == (
        "unregister_netdevice: waiting for DEV to become free",
        _WAITING_LO,
        1,
    )
    assert (again.title, again.text) == (wait.title, _WAITING_LO)
    assert again.start_line == (before + memcg).count("\n") + 1
    assert any("Killed process 25482 (python3)" in event for event in again.context)
    _same(composed, 1 << 12, 4096)


@pytest.mark.parametrize("tracker", [False, True], ids=["4.x", "6.x-ref-tracker"])
def test_a_wait_printed_for_a_minute_in_a_syslog_file_is_one_report(tracker: bool) -> None:
    """The same prints in a syslog file without printk times: a report takes in the
    prints up to a pause in syslog's whole-second stamps (10.05 s apart, one gap reads
    11 s), and the print after it is ten seconds from the report's last print, a minute
    from its first: still one wait, one report, through the parser and the CLI's
    prefilter alike (a docker host's "waiting for lo" as journalctl -k shows it)."""
    times = [46.744 + 10.05 * i for i in range(9)]
    composed = _as_syslog(_waits(times, tracker)).encode()
    (wait,) = parse_log(composed)
    assert (wait.title, wait.start_line) == (
        "unregister_netdevice: waiting for DEV to become free",
        1,
    )
    _same(composed, 1 << 12, 4096)


def test_a_wait_printed_again_past_a_long_stretch_of_log_is_still_one_report() -> None:
    """Ten seconds of a busy host's log between two prints of the wait (more lines than
    the prefilter keeps between two points, so it parses them apart): still one wait,
    one report, both ways."""
    busy = "".join(
        f"[{100 + (i + 1) * 0.0015:12.6f}] " + FILLER[i % len(FILLER)].format(n=i % 9999) + "\n"
        for i in range(REACH + KEEP + 100)
    )
    composed = (_waits([100.0]) + busy + _waits([110.0])).encode()
    (wait,) = parse_log(composed)
    assert (wait.title, wait.start_line) == (
        "unregister_netdevice: waiting for DEV to become free",
        1,
    )
    _same(composed, 1 << 20, 1 << 16)


# kernel/fork.c check_mm(), freeing an exited task's mm, prints pr_alert("BUG: Bad
# rss-counter state mm:%p type:%s val:%ld\n") (3.x-4.x "idx:%d") for each counter left
# wrong, 4.x then "BUG: non-zero nr_ptes on freeing mm: %ld\n", 4.16 on "BUG: non-zero
# pgtables_bytes on freeing mm: %ld\n": single lines, no trace.
_RSS = "BUG: Bad rss-counter state"
_PGTABLES = "BUG: non-zero pgtables_bytes on freeing mm"
_CHECK_MM = {
    "type": [
        (_RSS, f"{_RSS} mm:00000000b4a60fca type:MM_FILEPAGES val:5"),
        (_RSS, f"{_RSS} mm:00000000b4a60fca type:MM_ANONPAGES val:1"),
        (_PGTABLES, f"{_PGTABLES}: 24576"),
    ],
    "idx": [
        (_RSS, f"{_RSS} mm:ffff8801b2a1d000 idx:0 val:1"),
        (_RSS, f"{_RSS} mm:ffff8801b2a1d000 idx:1 val:2"),
        ("BUG: non-zero nr_ptes on freeing mm", "BUG: non-zero nr_ptes on freeing mm: 2"),
    ],
}


@pytest.mark.parametrize("shape", sorted(_CHECK_MM))
def test_a_bad_rss_counter_line_is_a_report_of_its_own_line(shape: str) -> None:
    """check_mm()'s lines put into the lab's real NULL dereference (Debian 6.1 under
    QEMU) right before its clocksource and module lines, at their time: each line is a
    report of its one line ("BUG:" heads reports whose lines go on, these do not), the
    clocksource and module lines none of theirs, the oops after them as it is alone."""
    lab = (LAB / "null-deref.log").read_text()
    at = lab.index("[    1.942155] tsc: Refined TSC clocksource calibration")
    (want,) = parse_log(lab.encode())
    lines = _CHECK_MM[shape]
    composed = lab[:at] + "".join(f"[    1.942155] {line}\n" for _, line in lines) + lab[at:]
    *checks, rep = parse_log(composed.encode())
    assert [(c.title, c.text, c.end_line - c.start_line) for c in checks] == [
        (title, line, 0) for title, line in lines
    ]
    assert (rep.title, rep.frames, rep.comm, rep.pid) == (
        want.title,
        want.frames,
        want.comm,
        want.pid,
    )
    _same(composed.encode(), 1 << 12, 4096)


@pytest.mark.parametrize(("log", "line", "pattern"), EVENTS)
def test_an_event_after_a_waiting_netdevice_is_the_next_reports_context(
    log: str, line: str, pattern: str
) -> None:
    """The wait's line, then a recorded event line, in front of the lab's real NULL
    dereference (Debian 6.1 under QEMU), all at the oops's time: the event is the
    oops's context, not a line of the wait's report."""
    lab = (LAB / "null-deref.log").read_text()
    at = lab.index("BUG: kernel NULL pointer dereference")
    at = lab.rindex("\n", 0, at) + 1
    stamp = lab[at : lab.index("]", at) + 1]
    (want,) = parse_log(lab.encode())
    composed = f"{lab[:at]}{stamp} {_WAITING_LO}\n{stamp} {line}\n{lab[at:]}"
    wait, rep = parse_log(composed.encode())
    assert wait.text == _WAITING_LO
    assert rep.context == [*want.context, line]
    assert (rep.title, rep.frames) == (want.title, want.frames)


def _restamped(lines: list[str], seconds: float) -> list[str]:
    """``lines`` with each printk time moved by ``seconds``."""
    out = []
    for ln in lines:
        m = re.match(r"\[ *(\d+\.\d+)\]", ln)
        out.append(f"[{float(m.group(1)) + seconds:12.6f}]{ln[m.end() :]}" if m else ln)
    return out


def test_an_oom_kill_right_after_a_hung_task_is_a_report_of_its_own() -> None:
    """The lab's recorded hung task (Debian 6.1; kernel/hung_task.c check_hung_task()
    panics only with hung_task_panic set: here the report up to its trace's "</TASK>",
    as a host without it prints it), then two seconds later the first kill dump of the
    lab's recorded OOM cascade on the same kernel. mm/oom_kill.c dump_header() starts
    every dump with "%s invoked oom-killer: ...": no line of the hung task's report. The
    kill is a report of its own, as it is alone."""
    hung = (LAB / "hung-task.log").read_text().splitlines(keepends=True)
    oom = (LAB / "oom.log").read_text().splitlines(keepends=True)
    end = next(i for i, ln in enumerate(hung) if ln.rstrip().endswith("</TASK>"))
    first = next(i for i, ln in enumerate(oom) if " invoked oom-killer: " in ln)
    kill = next(i for i, ln in enumerate(oom) if "Killed process" in ln)
    (want_hung,) = parse_log("".join(hung[: end + 1]).encode())
    (want_kill,) = parse_log("".join(oom[: kill + 1]).encode())

    def stamp(line: str) -> float:
        return float(line[1 : line.index("]")])

    dump = _restamped(oom[first : kill + 1], stamp(hung[end]) + 2 - stamp(oom[first]))
    composed = "".join(hung[: end + 1] + dump).encode()
    got = parse_log(composed)
    assert [(r.title, r.comm, r.pid) for r in got] == [
        (want_hung.title, want_hung.comm, want_hung.pid),
        (want_kill.title, want_kill.comm, want_kill.pid),
    ]
    assert got[0].end_line == want_hung.end_line
    assert got[1].frames == want_kill.frames
    _same(composed, 1 << 12, 4096)


def test_an_oom_dump_printed_into_a_trace_leaves_the_trace_whole() -> None:
    """Without caller ids another CPU's dump_header() can print into the middle of a
    report's trace: corpus 334's panic trace has "syz-executor642 invoked oom-killer"
    and its cpuset line between two of its frames, and goes on with its own frames to
    ret_from_fork after them. That is no OOM kill's dump starting (it would go on with
    dump_stack()'s task header): the panic's text keeps its whole trace."""
    log = syz_log("334")
    (rep,) = parse_log(log.encode())
    assert rep.title == "kernel panic: corrupted stack end in wb_workfn"
    assert "invoked oom-killer" in rep.text
    assert rep.text.index("invoked oom-killer") < rep.text.index(" ret_from_fork+0x3a/0x50")


# fs/xfs/xfs_error.c xfs_error_report(): xfs_alert_tag(mp, XFS_PTAG_ERROR_REPORT, "Internal
# error %s at line %d of file %s.  Caller %pS", ...), the device's "XFS (%s): " before it
# (fs/xfs/xfs_message.c); its xfs_stack_trace() dump is what makes it a report of its own
# (x86-6.1-xfs-internal-error-stack.log). Tag, line and caller made up.
_XFS_INTERNAL_ERROR = (
    "XFS (loop0): Internal error xfs_iunlink_remove at line 2038 of file fs/xfs/xfs_inode.c."
    "  Caller xfs_ifree+0x33/0x130 [xfs]"
)


def test_an_xfs_internal_error_without_its_stack_is_the_next_oopses_context() -> None:
    """The line alone (a log kept to its XFS lines, or a kernel that dumped no stack for
    it) is no report; before the lab's real NULL dereference it is that oops's context,
    and the oops's trace is not read as the stack of the XFS line."""
    lab = (LAB / "null-deref.log").read_text()
    at = lab.index("BUG: kernel NULL pointer dereference")
    at = lab.rindex("\n", 0, at) + 1
    stamp = lab[at : lab.index("]", at) + 1]
    line = f"{stamp} {_XFS_INTERNAL_ERROR}\n"
    assert parse_log(line.encode()) == []
    (want,) = parse_log(lab.encode())
    (rep,) = parse_log((lab[:at] + line + lab[at:]).encode())
    assert rep.context == [*want.context, _XFS_INTERNAL_ERROR]
    assert (rep.title, rep.frames) == (want.title, want.frames)


def test_a_btrfs_transaction_abort_before_its_warning_is_the_warnings_context() -> None:
    """fs/btrfs/transaction.h btrfs_abort_transaction() (4.x on): WARN(1, KERN_ERR "BTRFS:
    Transaction aborted (error %d)\\n", error) for an error it did not expect, whose
    message __warn_printk() prints between "cut here" and the "WARNING:" line; the
    filesystem goes read-only. Put there in the lab's real WARN (Debian 6.1 under QEMU),
    the line is the warning's context and the warning keeps its title."""
    lab = (LAB / "warn.log").read_text()
    at = lab.index("WARNING: CPU:")
    at = lab.rindex("\n", 0, at) + 1
    stamp = lab[at : lab.index("]", at) + 1]
    (want,) = parse_log(lab.encode())
    line = "BTRFS: Transaction aborted (error -28)"
    (rep,) = parse_log((lab[:at] + f"{stamp} {line}\n" + lab[at:]).encode())
    assert line in rep.context
    assert (rep.title, rep.frames) == (want.title, want.frames)


# A storage path failing under a task, before the hung task (or the crash) it causes,
# as each transport prints it:
STORAGE_PATH_FAILURES = [
    # net/sunrpc/clnt.c call_timeout() (rpc_check_timeout() in 5.x): the NFS or lockd
    # client's RPC to its server timed out; "still trying" on a hard mount, "timed out"
    # on a soft one
    pytest.param(
        "nfs: server nas1 not responding, still trying",
        r"nfs: server \S+ not responding",
        id="nfs-still-trying",
    ),
    pytest.param(
        "nfs: server nas1 not responding, timed out",
        r"nfs: server \S+ not responding",
        id="nfs-timed-out",
    ),
    pytest.param(
        "lockd: server 10.0.0.1 not responding, still trying",
        r"lockd: server \S+ not responding",
        id="lockd-still-trying",
    ),
    # drivers/scsi/scsi_transport_iscsi.c iscsi_conn_error_event(): the iSCSI connection
    # broke ("detected conn error (%d)", iscsi_cls_conn_printk() of "connection<sid>:<cid>")
    # and, its target not back within replacement_timeout, session_recovery_timedout()
    # ("session recovery timed out after %d secs") fails its commands
    pytest.param(
        "connection1:0: detected conn error (1020)",
        r"connection\d+:\d+: detected conn error",
        id="iscsi-conn-error",
    ),
    pytest.param(
        "session1: session recovery timed out after 120 secs",
        r"session\d+: session recovery timed out",
        id="iscsi-recovery-timeout",
    ),
    # drivers/scsi/scsi_lib.c scsi_device_state_check() (scsi_prep_state_check() before
    # 5.x): a command for a disk the SCSI layer has set offline (sdev_printk() of it)
    pytest.param(
        "sd 3:0:0:1: rejecting I/O to offline device",
        r"rejecting I/O to offline device",
        id="scsi-offline",
    ),
    # drivers/md/dm-mpath.c fail_path(): DMWARN("%s: Failing path %s.", the table's
    # device, the path's) (before 4.x DMWARN("Failing path %s.", ...)), one path of a
    # multipath map lost
    pytest.param(
        "device-mapper: multipath: 253:2: Failing path 8:32.",
        r"multipath: .*Failing path",
        id="multipath-failing-path",
    ),
    # drivers/ata/libata-eh.c ata_eh_link_report(): a command the disk did not complete
    # or failed, "exception Emask 0x%x SAct 0x%x SErr 0x%x action 0x%x" ("frozen" when
    # the port was frozen for a reset), before the failed command's lines
    pytest.param(
        "ata1.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x6 frozen",
        r"ata[\d.]+: exception Emask",
        id="ata-exception",
    ),
    # OpenZFS module/zfs/zio.c zio_suspend(): cmn_err(CE_WARN, "Pool '%s' has encountered
    # an uncorrectable I/O failure and has been suspended.\n"), which the SPL's
    # vcmn_err() prints as "WARNING: %s"; every write to the pool blocks from then on
    pytest.param(
        "WARNING: Pool 'tank' has encountered an uncorrectable I/O failure and has been suspended.",
        r"Pool \S+ has encountered an uncorrectable I/O failure",
        id="zfs-pool-suspended",
    ),
]


@pytest.mark.parametrize(("line", "pattern"), STORAGE_PATH_FAILURES)
def test_a_failing_storage_path_before_a_hung_task_is_its_context(
    line: str, pattern: str, tmp_path: Path
) -> None:
    """The lab's recorded hung task with the failure put right before it is that hung
    task's context, in the parser and through the CLI's prefilter; alone it is no
    report, and a catalogue entry's ``preceded_by`` sees it."""
    text = (LAB / "hung-task.log").read_text()
    (first,) = [ln for ln in text.splitlines(keepends=True) if "INFO: task sh:117 blocked" in ln]
    composed = reworded(text, {first: _stamped_before(line, first) + first})
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(composed.encode())
    assert rep.context == [*want.context, line]
    assert (rep.title, rep.comm, rep.pid) == (want.title, want.comm, want.pid)
    (tmp_path / "kern.log").write_text(composed)
    (got,) = triage_input(str(tmp_path / "kern.log")).reports
    assert got.context == rep.context
    assert parse_log(_stamped_before(line, first).encode()) == []
    m = _preceded_by_match(tmp_path, rep, pattern)
    assert f"preceded by {line!r}" in m.evidence


# fs/xfs/xfs_message.c assfail(): a failed ASSERT() of an XFS built with CONFIG_XFS_DEBUG
# or CONFIG_XFS_WARN prints xfs_emerg(mp, "Assertion failed: %s, file: %s, line: %d")
# ("XFS (loop0): " before it, "XFS: " without a mount), then BUG() when
# fs.xfs.bug_on_assert (CONFIG_XFS_ASSERT_FATAL) is set, WARN_ON(1) when not.
XFS_ASSERT = "XFS (loop0): Assertion failed: 0, file: fs/xfs/xfs_buf_item_recover.c, line: 414"


@pytest.mark.parametrize("log", ["bug", "warn"])
def test_a_failed_xfs_assertion_before_its_bug_or_warning_is_its_context(log: str) -> None:
    """The lab's recorded BUG() and WARN_ON() with XFS's assertion message put right
    before their "cut here" line: the report is the BUG's or the WARNING's as recorded,
    the assertion its context; alone the message is no report."""
    text = (LAB / f"{log}.log").read_text()
    (cut,) = [ln for ln in text.splitlines(keepends=True) if "[ cut here ]" in ln]
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(reworded(text, {cut: _stamped_before(XFS_ASSERT, cut) + cut}).encode())
    assert rep.context == [*want.context, XFS_ASSERT]
    assert (rep.title, rep.frames) == (want.title, want.frames)
    assert parse_log(_stamped_before(XFS_ASSERT, cut).encode()) == []
