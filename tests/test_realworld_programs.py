"""Programs' output beside the kernel's: a console, syslog file or journal shared by the
kernel and the programs it runs. Their crash dumps and warnings are never kernel reports.
Tested by composing the recorded real logs in ``data/realworld`` (see its README.md) with
program output written from those programs' own printing code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from test_realworld_embedded import reworded

DATA = Path(__file__).parent / "data" / "realworld"
_PRINTK_TIME = re.compile(r"(?m)^\[ *\d+\.\d+\] ?")

# A Go program's unrecovered panic as its runtime prints it to stderr: runtime/panic.go
# printpanics() "panic: " and the value, runtime/signal_unix.go's "[signal SIGSEGV: ...]"
# for a fault, then runtime/traceback.go goroutineheader() "goroutine N [running]:" and
# each frame as "func(args)" over "\tfile:line +0xpc". It exits with status 2.


def _same_report(text: str, plain: str, whole: bool = False) -> Report:
    """The one report of ``text`` (a log rewritten or with programs' lines added), checked
    to be ``plain``'s one report: its title, frames, cpu, task, release and taint, and
    with ``whole`` not corrupted."""
    (want,) = parse_log(plain.encode())
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title
    if whole:
        assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    facts = (rep.cpu, rep.pid, rep.comm, rep.kernel_release, rep.taint)
    assert facts == (want.cpu, want.pid, want.comm, want.kernel_release, want.taint)
    return rep


def _after_init(log: str, run_init: str, lines: str) -> str:
    """``log`` with ``lines`` after its line holding ``run_init`` (the kernel's "Run /init
    as init process", in the log's own prefix): programs run from there on."""
    at = log.index("\n", log.index(run_init + " as init process")) + 1
    return log[:at] + lines + log[at:]


_GO_PANIC = """\
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x4a5f20]

goroutine 1 [running]:
main.mountRoot(0x0)
\t/src/initrd/init/mount.go:88 +0x20
main.main()
\t/src/initrd/init/main.go:41 +0x1b4
"""
# runtime/proc.go checkdead(): fatal("all goroutines are asleep - deadlock!"), which
# runtime/panic.go fatal() prints after "fatal error: ", then the goroutines.
_GO_FATAL = """\
fatal error: all goroutines are asleep - deadlock!

goroutine 1 [chan receive]:
main.main()
\t/src/initrd/init/main.go:57 +0x3c
"""


def _init_died_of(dump: str) -> str:
    """The real arm64 log of /init exiting, its /init a Go program that died of ``dump``
    (on the console /init's stderr shares) with the Go runtime's exit status 2:
    kernel/exit.c prints "Attempted to kill init! exitcode=0x%08x" with the status << 8."""
    text = reworded(
        (DATA / "arm64-6.1.0-50-kill-init.log").read_text(),
        {"exitcode=0x00000300": "exitcode=0x00000200"},
    )
    panic_line = "[    2.247555] Kernel panic"
    assert text.count(panic_line) == 1
    return text.replace(panic_line, dump + panic_line)


def test_a_go_inits_panic_on_a_stamped_console_is_no_report() -> None:
    # printk stamps every line it prints, so the unstamped "panic:" and "fatal error:"
    # between the kernel's lines are /init's: the crash is the kernel's panic after them.
    (want,) = parse_log((DATA / "arm64-6.1.0-50-kill-init.log").read_bytes())
    for dump in (_GO_PANIC, _GO_FATAL, _GO_PANIC + _GO_FATAL):
        (rep,) = parse_log(_init_died_of(dump).encode())
        assert rep.title == want.title == "kernel panic: Attempted to kill init!"
        assert not rep.corrupted, rep.corrupted_reason
        assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (1, 1, "init", "6.1.0-50-arm64")
        assert [f.function for f in rep.frames] == [f.function for f in want.frames]
        assert "goroutine" not in rep.text and "panic: runtime" not in rep.text


def test_a_go_panic_in_a_log_without_printk_times_is_still_read_as_before() -> None:
    # Without the printk time no line tells the kernel's from a program's: the Go runtime's
    # crash stays the report syzkaller's console logs make of it (its corpus has them).
    bare = _PRINTK_TIME.sub("", _init_died_of(_GO_PANIC))
    reports = parse_log(bare.encode())
    assert reports[0].title == (
        "panic: runtime error: invalid memory address or nil pointer dereference"
    )


LAB = Path(__file__).parent / "lab"


def _no_hostname_journal(console: str) -> str:
    """A console log's kernel records as ``journalctl -o short-monotonic --no-hostname``
    prints them: "[%5llu.%06llu] " (the monotonic time, here the printk time the records
    carry), the identifier ("kernel") and ": ", no host (journalctl(1): --no-hostname
    leaves the host out of the short output modes)."""
    return re.sub(r"(?m)^(\[ *\d+\.\d+\]) ", r"\1 kernel: ", console)


def test_a_no_hostname_short_monotonic_journal_reads_as_the_console() -> None:
    console = (LAB / "null-deref.log").read_text()
    journal = _no_hostname_journal(console)
    assert journal.count("] kernel: ") > 300
    rep = _same_report(journal, console, whole=True)
    assert len(rep.frames) == 8


@pytest.mark.parametrize("lines", [2, 7, 12])
def test_a_short_excerpt_of_a_no_hostname_journal_reads_as_the_console(lines: int) -> None:
    # A paste of the oops alone, fewer kernel lines than the journal check probes: every
    # line after a monotonic time names "kernel", which no dmesg does
    console = (LAB / "null-deref.log").read_text()
    start = console.index("[    1.994694] BUG: kernel NULL pointer dereference")
    excerpt = "".join(console[start:].splitlines(keepends=True)[:lines])
    journal = _no_hostname_journal(excerpt)
    assert journal.count("] kernel: ") == lines
    _same_report(journal, excerpt)


@pytest.mark.parametrize("lines", [2, 7])
def test_a_short_no_hostname_journal_excerpt_with_programs_lines_reads_as_the_console(
    lines: int,
) -> None:
    # A paste of a journal's last seconds before the oops (systemd-centos-ci#720): the
    # programs' entries first, "[t] ident[pid]: " (journalctl --no-hostname names a
    # program by its identifier and pid, the kernel by "kernel"), then the oops. A dmesg
    # line is no program's entry of that shape unless its writer wrote it so.
    console = (LAB / "null-deref.log").read_text()
    start = console.index("[    1.994694] BUG: kernel NULL pointer dereference")
    excerpt = "".join(console[start:].splitlines(keepends=True)[:lines])
    programs = (
        "[    1.990001] systemd-resolved[412]: Sending query packet with id 37640.\n"
        "[    1.990002] systemd-resolved[412]: Received llmnr UDP packet of size 27.\n"
    )
    _same_report(programs + _no_hostname_journal(excerpt), excerpt)


def test_programs_lines_of_a_no_hostname_journal_are_no_reports() -> None:
    # The programs' entries of the same journal name their identifier and pid where the
    # kernel's name "kernel": containerd's Go panic and a program's WARNING are theirs.
    journal = _no_hostname_journal((LAB / "null-deref.log").read_text())
    programs = (
        "[    2.500001] containerd[812]: panic: runtime error: invalid memory address or nil"
        " pointer dereference\n"
        "[    2.500002] containerd[812]: goroutine 1 [running]:\n"
        "[    2.500003] openvpn[900]: WARNING: this configuration may cache passwords\n"
    )
    _same_report(_after_init(journal, "] kernel: Run /init", programs), journal)


def test_a_programs_kernel_record_does_not_make_dmesg_a_journal() -> None:
    # node-problem-detector's documented check of its rules writes "kernel: BUG: ..." to
    # /dev/kmsg, which dmesg prints after the printk time like a journal's kernel line. It
    # is no report, and the kernel's own "[ t] ACPI: ..." lines around it stay the kernel's.
    console = (LAB / "null-deref.log").read_text()
    test = "[    1.500000] kernel: BUG: unable to handle kernel NULL pointer dereference at TEST\n"
    _same_report(_after_init(console, "] Run /init", test), console)


@pytest.mark.parametrize("printk_time", [True, False])
def test_a_syslog_files_kernel_lines_with_date_and_host_cut_read_as_the_console(
    printk_time: bool,
) -> None:
    # "journalctl -k | cut -d' ' -f5-" (or awk, or a hand trimming a paste) keeps the
    # identifier and message of each line: "kernel: [ 1.2] BUG: ...", and "kernel: BUG:
    # ..." where the syslog daemon wrote no printk time (RHEL's rsyslog).
    console = (LAB / "null-deref.log").read_text()
    cut = re.sub(
        r"(?m)^(\[ *\d+\.\d+\] )",
        (lambda m: "kernel: " + m[1]) if printk_time else "kernel: ",
        console,
    )
    assert cut.count("\nkernel: ") > 300
    rep = _same_report(cut, console, whole=True)
    assert len(rep.frames) == 8


def _logcli(lines: list[tuple[int, str]], labels: str) -> str:
    """Lines as Grafana Loki's logcli prints a query's entries (pkg/logcli/output/
    default.go): "%s %s %s" of the entry's time (RFC 3339), its stream's labels padded to
    the widest set's length (here one set: no padding) and the line, TrimSpace'd."""
    return "".join(
        f"2026-11-27T08:{s // 60 % 60:02d}:{s % 60:02d}Z {labels} {line.strip()}\n"
        for s, line in lines
    )


def _console_records(console: str) -> list[tuple[int, str]]:
    """The stamped lines of a console log: (whole seconds of the printk time, text)."""
    return [(int(m[1]), m[2]) for m in re.finditer(r"(?m)^\[ *(\d+)\.\d+\] (.*)$", console)]


def test_logcli_output_reads_as_the_kernel_log() -> None:
    # The kernel's lines as Loki stored them from a syslog file with no printk times
    # (promtail tailing /var/log/messages) and from the journal (the MESSAGE alone,
    # its leading spaces gone to TrimSpace).
    console = (LAB / "null-deref.log").read_text()
    records = _console_records(console)
    syslog = [
        (s, f"Nov 27 08:{s // 60 % 60:02d}:{s % 60:02d} node-a kernel: {t}") for s, t in records
    ]
    for text in (
        _logcli(syslog, '{filename="/var/log/messages", host="node-a"}'),
        _logcli(records, '{job="systemd-journal", unit="kernel"}'),
    ):
        _same_report(text, console, whole=True)


def test_programs_lines_in_logcli_output_are_no_reports() -> None:
    # A syslog file's programs' lines in the same stream: their identifiers say whose.
    console = (LAB / "null-deref.log").read_text()
    records = _console_records(console)
    syslog = [
        (s, f"Nov 27 08:{s // 60 % 60:02d}:{s % 60:02d} node-a kernel: {t}") for s, t in records
    ]
    syslog[10:10] = [
        (1, "Nov 27 08:00:01 node-a containerd[812]: panic: runtime error: index out of range"),
        (1, "Nov 27 08:00:01 node-a openvpn[900]: WARNING: this configuration may cache passwords"),
    ]
    _same_report(_logcli(syslog, '{filename="/var/log/syslog", host="node-a"}'), console)


def test_a_kmsg_readers_iso_times_and_record_flags_read_as_the_console() -> None:
    # A /dev/kmsg reader's lines (github lkrg-org/lkrg#430): each record's time as RFC
    # 3339, its flags field ('-', or 'c' for a LOG_CONT record: printk.c
    # info_print_ext_header()) and its text, a trace entry's leading space kept. Here the
    # recorded 6.12 oops so, its module list's end a continued record as print_modules()'
    # pr_cont() leaves one past LOG_LINE_MAX.
    console = (DATA / "x86-6.12.115-null-deref.log").read_text()
    lines = []
    for s, text in _console_records(console):
        stamp = f"2026-11-27T08:{s // 60 % 60:02d}:{s % 60:02d}Z"
        if text.startswith("Modules linked in: ") and text.endswith(" 9pnet netfs"):
            head, tail = text.split(" 9pnet_virtio ")
            lines += [f"{stamp} - {head}\n", f"{stamp} c  9pnet_virtio {tail}\n"]
        else:
            lines.append(f"{stamp} - {text}\n")
    (want,) = parse_log(console.encode())
    rep = _same_report("".join(lines), console, whole=True)
    assert rep.rip is not None and want.rip is not None
    assert rep.rip.function == want.rip.function == "hotfence_crash_null_deref"
    assert rep.modules == want.modules
    assert len(rep.modules) == 5


def test_programs_go_crash_in_a_cut_syslog_file_is_no_report() -> None:
    # The same cut (RHEL's rsyslog, no printk time anywhere) keeps each program's tag,
    # "ident[pid]: " (RFC 3164 4.1.3): containerd's and kubelet's Go crashes are theirs.
    console = (LAB / "null-deref.log").read_text()
    cut = re.sub(r"\[ *\d+\.\d+\] ", "", re.sub(r"(?m)^\[ *\d+\.\d+\] ", "kernel: ", console))
    assert not re.search(r"\[ *\d+\.\d{6}\]", cut)
    programs = (
        "containerd[812]: panic: runtime error: invalid memory address or nil pointer"
        " dereference\n"
        "containerd[812]: [signal SIGSEGV: segmentation violation code=0x1 addr=0x18]\n"
        "containerd[812]: goroutine 1 [running]:\n"
        "kubelet[900]: fatal error: concurrent map writes\n"
    )
    _same_report(_after_init(cut, "kernel: Run /init", programs), cut)


def test_a_syslog_file_behind_kubectl_logs_timestamps_reads_as_the_file() -> None:
    # kubectl logs --timestamps (docker logs -t alike) puts the time the runtime read each
    # line (RFC 3339, nanoseconds) before a pod's output: here a pod tailing the node's
    # syslog file, written without printk times, its programs' lines among the kernel's.
    console = (LAB / "null-deref.log").read_text()
    lines = [
        f"Nov 27 08:{s // 60 % 60:02d}:{s % 60:02d} node-a kernel: {t}"
        for s, t in _console_records(console)
    ]
    lines[10:10] = [
        "Nov 27 08:00:01 node-a containerd[812]: panic: runtime error: index out of range",
        "Nov 27 08:00:01 node-a openvpn[900]: WARNING: this configuration may cache passwords",
    ]
    pod = "".join(
        f"2026-11-27T08:00:{i % 60:02d}.{i:09d}Z {line}\n" for i, line in enumerate(lines)
    )
    _same_report(pod, console, whole=True)


@pytest.mark.parametrize("runtime", ["kubectl-timestamps", "cri-log-file"])
def test_a_pods_dmesg_behind_the_runtimes_timestamps_reads_as_the_console(runtime: str) -> None:
    # A node debug pod running "dmesg --notime": kubectl logs --timestamps puts the
    # runtime's RFC3339NanoFixed time (nine digits) before each line; the container's
    # log file on the node (CRI logging format) the RFC3339Nano time, its trailing zeros
    # dropped, the stream and "F" (a full line).
    console = (LAB / "null-deref.log").read_text()
    out = []
    for i, (s, text) in enumerate(_console_records(console)):
        when = f"2026-11-27T08:{s // 60 % 60:02d}:{s % 60:02d}"
        if runtime == "kubectl-timestamps":
            out.append(f"{when}.{i + 1:09d}Z {text}\n")
        else:
            out.append(f"{when}.{i + 1}Z stdout F {text}\n")
    _same_report("".join(out), console, whole=True)


def test_a_chromeos_guests_kernel_relayed_into_the_hosts_messages_reads_as_the_console() -> None:
    # ChromeOS's /var/log/messages holds its VMs' logs (Crostini, ARCVM): platform2's
    # vm_tools/syslog forwarder (Forwarder::ForwardLogs()) sends each record under the tag
    # " VM(%cid): ", rsyslogd's imuxsock adds the sender's pid, and ChromeOS's template
    # writes the RFC 3339 time and the severity before it (sebanc/brunch#430). The guest
    # kernel's records keep their printk time; crosvm's lines and the guest's programs'
    # share the tag and are no part of the report.
    console = (DATA / "x86-6.12.115-null-deref.log").read_text()
    lines = [
        f"2020-07-30T15:22:{i // 1000 % 60:02d}.{i:06d}+05:30 INFO VM(3)[10502]: {line}"
        for i, line in enumerate(console.splitlines())
        if line.startswith("[")
    ]
    at = next(i for i, line in enumerate(lines) if "Call Trace:" in line)
    lines[at:at] = [
        "2020-07-30T15:22:24.837056+05:30 ERR VM(3)[10508]: [devices/src/virtio/net.rs:240]"
        " net: tx: failed to write frame to tap: File descriptor in bad state",
        "2020-07-30T15:22:24.837057+05:30 WARNING VM(3)[10502]: garcon[212]: WARNING: lost"
        " connection to the host",
    ]
    assert "BUG: kernel NULL pointer dereference" in "".join(lines)
    _same_report("\n".join(lines) + "\n", console, whole=True)
