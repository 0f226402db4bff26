"""Console-log lines: offsets and prefix stripping.

Kernel messages reach an operator wrapped in several kinds of prefix, often stacked:

* ``<4>`` — the printk level, when reading /dev/kmsg-like or serial output, with or
  without the time after it (``dmesg -r``, a pstore ``dmesg-ramoops`` file); a priority
  of 8 or more is a program's record (``from_userspace``);
* ``[  123.456789]`` — the printk timestamp (CONFIG_PRINTK_TIME), crash's ``log -m``
  level after it (``[  123.456789] <4>``), after its ``log -T`` date or its ``log -t -c``
  caller id too;
* ``[ T1234]`` / ``[  C1]`` — the printk caller id (CONFIG_PRINTK_CALLER): task or CPU,
  glued to the timestamp by the kernel, after a space by util-linux ``dmesg``; Android
  vendor hooks print ``[T1234@C3]``, X-Ring's ``[T1234-C3]``;
* ``[0:   swapper/0:    1] `` / ``c1 `` / ``c0 1 (swapper/0) `` / ``[pid:1,cpu0,init]``
  — Android vendor kernels' CPU and task after the time (see ``_VENDOR_PROCESS``),
  Amlogic's CPU inside the time's brackets (``[    8.234400@1]- ``, ``_AMLOGIC_CPU``),
  LG's wall clock there and the CPU after (``[ 57.068765 / 10-26 15:03:55.524][1] ``),
  Motorola's CPU after a comma in them (``[86735.021267,1] ``), OnePlus's CPU after
  them or after its wall clock in their place (``[   12.345678]@0 ``,
  ``[20170514_00:45:44.932035]@0 ``);
* ``Nov 24 21:45:01 host kernel: `` — syslog / ``journalctl -k`` short format (also after
  the wire format's ``<PRI>``, RFC 3164), also with
  a ``kern.warn`` facility field, the ``-o short-precise`` microseconds, the ISO variant
  ``2026-11-24T21:45:01+0000 host kernel:``, ``--no-hostname`` (no host), ``-o short-full``
  (``Sat 2026-11-24 21:45:01 CET``), ``-o short-unix`` and ``-o short-monotonic``
  (``[  123.456789] host kernel: ``), the month in the reader's locale; OpenWrt's
  ``logread`` (ubox) writes a ctime date and the facility, no host:
  ``Sun Sep  1 19:30:19 2019 kern.warn kernel: ``;
* ``{"MESSAGE": ..., "_TRANSPORT": "kernel", ...}`` — ``journalctl -o json`` (and
  ``-o json-seq``, with an RS before it, and ``-o json-sse``, after ``data: ``), one
  record a line: the kernel's records are read as their MESSAGE; ``-o verbose`` /
  ``export`` / ``json-pretty`` print a field a line: MESSAGE is the text, the entry's
  other fields say whose (``JOURNAL_FIELD``);
* ``kern  :warn  : `` — ``dmesg -x`` (``--decode``), the record's facility and level
  before any time; a facility other than ``kern`` is a program's write to /dev/kmsg;
* ``172.20.1.2: kern: warning: [2026-11-24T21:45:01.123456789Z]: `` — ``talosctl dmesg``
  (Talos Linux, a Kubernetes node OS): the node, the record's facility and priority and
  its wall-clock time; a facility other than ``kern`` is a program's record;
* ``[Tue Nov 24 21:45:01 2026]`` — ``dmesg -T``, in the reader's locale; ``[Nov24 21:45]``
  then ``[  +0.000005]`` (the time since the previous message) — ``dmesg -e`` / ``-H``;
  ``2026-11-24T21:45:01,123456+01:00`` — ``dmesg --time-format iso``; util-linux 2.40's
  dmesg prints each time format asked for, one after another, then the caller id:
  ``[  +0.001354] [Tue Nov 24 21:45:01 2026] [ T88977] ``;
* ``4,1789,1531218013,-;`` — a /dev/kmsg record's header (``cat /dev/kmsg``, netconsole's
  extended format), also after a netconsole receiver's syslog date and host; the
  `` SUBSYSTEM=pci`` dictionary lines after a record are no report's (``KMSG_DICT``);
* ``** 5 printk messages dropped ** `` and ``syzkaller login: `` glued on by consoles,
  and any program's unterminated output before a printk timestamp on a serial console;
* ``> `` (``>> ``, ``> > ``) — a mail reply's quote of a report posted to a list;
* ``:`` — each line of a libreport multi-line item: abrt's ``backtrace:`` of a kernel oops
  in the Bugzilla bug, mail or ``abrt-cli info -d`` output it made;
* `` `` — the one space before each line of an apport multi-line item (a .crash file's
  ``OopsText:``, Ubuntu's kernel oops reports), which stamps.mark_item_indent found and
  marked as a reader's stamp is;
* ``\x1b[32m`` ... ``\x1b[0m`` — a coloured terminal's SGR codes anywhere in the line
  (``dmesg --color``, ``script``; ``plain_line``);
* ``- {"dt": ..., "lvl": "target", "msg": ...}`` — a LAVA job log's console record (also
  ``"lvl": "feedback"``, another namespace's console read while a test runs);
* ``time="..." level=debug msg="reading guest console" ... vmconsole="..."`` — a Kata
  Containers runtime's log record of one line of its guest VM's console, also in the
  journal (``node kata[46036]: ``), the line Go-quoted (``_kata_console_line``); Kata
  1.x's ``msg="[ ...] ...\\n" name=kata-proxy pid=... source=agent`` the same line;
* ``[2024-01-02 10:11:12.123] `` / ``[10:11:12.123] `` / ``[0.123456 0.000123] `` — the
  time a serial terminal's capture puts before each line it received (minicom, tio,
  grabserial; ``_CAPTURE_RE``), before whatever the kernel printed; ``[10:11:12] `` the
  KUnit runner's before a crashed test's lines;
* ``Nov 27 10:11:12`` / ``10:11:12.123456`` / ``1795556701`` and ``STAMP_END`` — the time a
  reader (moreutils ``ts``, ``logcli --no-labels``, ``aws logs tail`` with its log stream's
  name) put before every line of a log, which
  stamps.mark_stamps found once for the whole log and marked.

``strip_prefix`` removes them and says which *context* the line came from: lines of one
crash report share a context (the same task or CPU id), which is how interleaved output
from other CPUs is told apart from the report.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import NamedTuple

import yaml

from .wallclock import locale_name

# Context of a line with a timestamp but no caller id (single shared console stream).
CONSOLE = "console"
# Context of lines relayed through syslog/journald; "syslog/T123" with a caller id.
SYSLOG = "syslog"
# Context of a /dev/kmsg record's dictionary line: " SUBSYSTEM=pci" / " DEVICE=+pci:..."
# after a dev_printk() record (Documentation/ABI/testing/dev-kmsg: "A line starting with
# ' ', is a continuation line, adding key/value pairs to the log message"; the keys
# dev_printk() sets, drivers/base/core.c), also as crash's "log -d" prints them, indented
# under the record's text. No report's line: a context of its own keeps it out of every
# report, trace or not.
KMSG_DICT = "kmsg-dict"
_KMSG_DICT_RE = re.compile(r" +(?:SUBSYSTEM|DEVICE)=\S*$")
# Context of a journal entry's field lines other than its MESSAGE, in the formats that
# print one field a line (journalctl(1), systemd's "Journal Export Format"): -o verbose
# "    KEY=value" under each entry's time and cursor line, -o export "KEY=value" with an
# empty line after each entry, -o json-pretty '\t"KEY" : "value",' between "{" and "}".
# Field names are upper case, digits and "_" (journald drops others). An entry's
# MESSAGE is its text (context SYSLOG, as journalctl -o json's); whose text it is, the
# kernel's or a program's, is the entry's _TRANSPORT (journal_entry_transport()).
JOURNAL_FIELD = "journal-field"
_FIELD_RE = re.compile(
    r"(?: {4})?(?P<key>[A-Z_][A-Z0-9_]*)=|[ \t]+\"(?P<jkey>[A-Z_][A-Z0-9_]*)\" ?: "
)
_CALLER_RE = re.compile(r"[CT]\d+")

# The month as strftime's "%b" writes it in the reader's locale (wallclock.locale_name).
MONTH = locale_name(3)
# The times a syslog / journal line starts with: "Nov 24 21:45:01[.123456]", logread's
# ctime "Sun Sep  1 19:30:19 2019", ISO 8601, journalctl's -o short-full ("Sat 2026-11-24
# 21:45:01 CET", the weekday in the locale too) and -o short-unix ("1795556701.123456").
# Syslog daemons and journald write an ISO time's fraction after a dot (RFC 3339); a comma
# there is util-linux dmesg's --time-format iso, whose lines are all the kernel's.
_DATE = (
    r"(?:(?:" + MONTH + r" )?" + MONTH + r" +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?(?: \d{4})?"
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"
    r"|" + MONTH + r" \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+"
    r"|\d{9,}\.\d{6}"
    # runit's svlogd (Void Linux's syslog through socklog): -tt "2015-10-03_12:10:17.00878"
    # (-ttt writes the "T" of ISO 8601 above), -t a TAI64N label "@400000005610e4c9..."
    r"|\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.\d+|@[0-9a-f]{24})"
)
# An ISO time with a space for its "T" (RFC 3339 5.6 allows it "for the sake of
# readability"; rsyslog's date-pgsql property format): "2021-03-16 11:27:14.269 kernel: ".
# Read before "kernel:" only: a program's own log lines start with such a time too, and
# name no writer the way syslog does.
_SPACED_ISO_DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?"
# socklog writes the record's "facility.priority: " and no identifier (socklog(8)), no
# host either: the kernel's records are "kern.<priority>: " after svlogd's time.
_SOCKLOG = _DATE + r" kern\.(?:emerg|alert|crit|err|warn|warning|notice|info|debug): "
_SOCKLOG_RE = re.compile(r"^" + _SOCKLOG)
# The host field; logread has none, and its "kern.warn" facility takes that place;
# ``journalctl --no-hostname`` leaves it out ("Sep 21 17:06:49 kernel: ..."). A host
# holds no ":" or brackets, so "kernel:" or "dnf[804]:" is never taken for one.
_HOST = r"(?:[^\s:\[\]]+ )?"
# RFC 5424 (rsyslog's RSYSLOG_SyslogProtocol23Format, syslog-ng's syslog-protocol, what a
# log server receives): "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG", the kernel's with
# PRI 0-7 (facility kern) and APP "kernel", no ":" after it; MSG may start with a BOM
# (RFC 5424 6.4: UTF-8's three bytes, as a log read as latin-1 has them, or U+FEFF).
_RFC5424_PRI = r"<\d{1,3}>1 "
_RFC5424_REST = r" \S+ \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) (?:\xef\xbb\xbf|\ufeff)?"
# What grep and cat -n put before each line of a syslog file pasted from a terminal:
# "grep -n" "21000:" (a match) / "21001-" (a -A/-B/-C context line), "grep -H" the file
# name the same way ("messages-20231101:", "/var/log/messages-"), both "file:21000:", and
# "cat -n" "  21000\t". Taken only before a syslog date, host and "kernel:".
_GREP = r"(?:[^\s:]+?[:-](?:\d+[:-])?| *\d+\t)?"
# A ChromeOS guest's kernel records in the host's /var/log/messages (Crostini, ARCVM,
# Borealis): platform2's vm_tools/syslog forwarder (forwarder.cc Forwarder::ForwardLogs())
# sends each record the guest's vm_syslog collected to the host's rsyslogd as its
# priority, time, " VM(%" PRId64 "): " of the VM's vsock cid and the text; rsyslogd's
# imuxsock (SysSock.UsePIDFromSystem, as ChromeOS sets it) writes the sending pid into the
# tag: "2020-07-30T15:22:27.550519+05:30 INFO VM(3)[10502]: [  632.881453] ...". The VM's
# tag also carries crosvm's own log and the guest's programs' lines: only a record that
# starts with the guest kernel's printk time is the kernel's.
_CROS_VM = r"VM\(\d+\)(?:\[\d+\])?: (?=\[ *\d+\.\d+\] )"
_CROS_VM_RE = re.compile(_CROS_VM)
# The "<PRI>" a syslog message starts with on the wire (RFC 3164 4.1.1; kept by a log
# server's raw capture and by rsyslog's forwarding templates), facility kern: 0-7.
_SYSLOG = (
    _GREP
    + r"(?:<[0-7]>(?:1 )?)?"
    + r"(?:"
    + _DATE
    + r"|"
    + _SPACED_ISO_DATE
    + r") "
    + _HOST
    + r"(?:(?:[\w.]+ )?(?i:kernel)(?:: ?|"
    + _RFC5424_REST
    + ")|"
    + _CROS_VM
    + ")"
)
# A syslog file's kernel lines with their date and host cut off, as a pipeline that keeps
# the identifier and message prints them (journalctl -k | cut -d" " -f5-; awk's or sed's
# of a messages file, or by hand before posting): "kernel: BUG: ...", "kernel: [ 1.2] ...".
# printk writes no "kernel: " at a line's start; the identifier is journald's and
# rsyslog's name for the kernel's records. A cut that keeps the clock time too (cut -d" "
# -f3,5- of journalctl's or rsyslog's "%b %d %H:%M:%S host kernel: ") leaves it before the
# identifier: "18:49:56 kernel: Call trace:" (github raspberrypi/linux#5138, a 6.0 CM4's
# journal beside its programs' "18:49:56 rpidmareproducer[1021]: ..." lines).
_CUT_SYSLOG = r"(?:\d\d:\d\d:\d\d(?:\.\d+)? )?kernel: ?"
# rsyslog's wall message to logged-in users' terminals (tools/omusrmsg.c, template_WallFmt
# "\r\n\7Message from syslogd@%HOSTNAME% at %timegenerated% ...\r\n %syslogtag%%msg%\n\r",
# and template_StdUsrMsgFmt " %syslogtag%%msg%\n\r" to named users) writes an emergency
# record as " kernel:" then its text (which may start with a space): a terminal paste
# holds each such record behind it, one broadcast each.
_WALL_SYSLOG = r" kernel: ?"
# metalog (Gentoo's logger; src/metalog.c build_log_line(), its default legacy_timestamp
# format) writes "%s [%s] %s\n" of the date ("%b %d %T": "Mar 01 12:34:56"), the program
# and the message, the kernel's records as "[kernel]", no host nor pid; with log_severity
# the record's severity follows in brackets: "Mar 01 12:34:56 [kernel][WARNING] BUG: ...".
_METALOG = _DATE + r" \[kernel\](?:\[(?:EMERG|ALERT|CRIT|ERR|WARNING|NOTICE|INFO|DEBUG)\])? "
# Any of the shapes above: a kernel line as a syslog daemon (or journalctl) wrote it.
_SYSLOGS = "|".join((_SYSLOG, _SOCKLOG, _METALOG, _CUT_SYSLOG, _WALL_SYSLOG))
# Vendor kernels' own printk prefixes, after the time (and the caller id), printed in
# place of or beside CONFIG_PRINTK_CALLER's:
# * Samsung's CONFIG_PRINTK_PROCESS (Android kernels, printk.c print_process()):
#   "%c[%1d:%15s:%5d]" of 'I' in interrupt context (else a space), the CPU, the comm and
#   the pid, before the space: "[    2.177532] [0:             sh:   85] PC is at ...";
# * CONFIG_PRINTK_CPU_ID / CONFIG_PRINTK_PID of 3.x Android vendor trees (HTC, Qualcomm
#   BSPs: print_cpu_id() "c%u ", print_pid() "%6u " after print_time()'s "[..] "), and
#   Marvell's "c%u %d (%s) " with the comm: "[    0.693542] c0 1 (swapper/0) Unable to ..".
# * HiSilicon's CONFIG_HISI_PRINTK_EXTENSION (Huawei and HiSilicon-derived BSPs) puts
#   "[pid:%d,cpu%d,%s]" (the comm, or "in irq") before the message, once a second after
#   the wall clock "[%lu:%.2d:%.2d %.2d:%.2d:%.2d]": "[  188.464444] [pid:10974,cpu1,grep]".
#   (hisi_printk.c hisi_log_store_add_time() stores them at the start of the record's text;
#   its print_time() writes "[%5lu.%06lus]" with an "s", and 3.x msg_print_text() no space
#   after it: "<4>[63651.040039s][pid:2912,cpu3,sh]Call trace:" (a Huawei 3.10 phone's OOM,
#   linux-mm 2016-03-31); Huawei's 5.10 desktop kernels add a fourth field, a digit:
#   "[ 66.575439s] [pid:5118,cpu4,QThread,8]Call trace:" (LKML 2024-07-05, a QingYun PC).)
# * MediaTek's CONFIG_PRINTK_PREFIX_ENHANCE (MediaTek BSPs, printk.c log_store()) stores
#   "%c(%x)[%d:%s]" at the start of each record's text: a state ('-' with interrupts off,
#   '.' while the UART console logs, else a space), the CPU in hex, the current pid and
#   comm, the message right after, the state in place of print_time()'s space on some
#   trees: "[    2.052157] -(2)[1:swapper/0]Unable to ...", "[  14.6]-(1)[682:sh]...".
# * Xiaomi's printk_enhance module (drivers/xiaomi/printk_enhance) fills GKI's caller id
#   hook (android_vh_printk_caller) with "%c,T%u,C%u": the context (T task, S softirq,
#   H hardirq, N NMI), the pid and the CPU, which print_caller() prints as "[%6s]" from a
#   12-byte buffer (a two-digit CPU may lose its last digit): "[  189.05][T,T5068,C1] ".
# * Amlogic's GKI debug module (CONFIG_AMLOGIC_DEBUG_PRINTK, its printk_caller() on the
#   same hook) prints "%d %-6.6s %c%c" of the CPU, "T<pid>" (the comm with its
#   print_task_name_bool set), the interrupts-off flag ('d', 'X' or '.') and the context
#   ('Z'/'z' NMI, 'H'/'h' hard interrupt, 's' soft, '.' a task's), 11 characters in the
#   12-byte buffer (a two-digit CPU loses the last): "[   12.345678][1 T88    d.] ".
# * X-Ring's printk vendor hooks driver (xr_vh_printk, the GKI kernels of Xiaomi's XRING
#   SoCs: _trace_android_vh_printk_caller_handler()) prints the caller id as "T%u-C%u" of
#   the task's pid and its CPU ("C%u" outside a task), and with XRING_PREFIX its
#   xring_add_prefix() puts "[cpu%u,pid%d,%s]" (the comm, or "in irq") at the start of
#   each record's text: "[   12.345678][T1234-C3] [cpu3,pid1234,sh]Unable to handle ...".
# Their lines are told apart by the task (or CPU) they name, as caller ids are.
# (The comm is "%15s" and the pid "%5d": their widths keep "[1:0:0:0]" out. A 3.x kernel's
# print_time() wrote "[%5lu.%06lu] " with a space of its own before Samsung's "%c".)
_VENDOR_PROCESS = r"(?: ?(?P<pirq>[ I])\[(?P<pcpu>\d+):[^\]]{15}:(?=[ \d]{5})(?P<ppid> *\d+)\])?"
_VENDOR_CPU = (
    r"(?:c(?P<ccpu>\d{1,3}) (?:(?P<cpid> *\d+) (?:\([^()]{1,16}\) )?)?"
    r"|(?:\[\d{4}:\d\d:\d\d \d\d:\d\d:\d\d\])?"
    r"\[pid:(?P<hpid>\d+),cpu(?P<hcpu>\d+),(?P<hcomm>[^\]]{0,16}?)(?:,\d)?\]"
    r"|\[cpu(?P<rcpu>\d+),pid(?P<rpid>\d+),(?P<rcomm>[^\]]{0,16})\])?"
)
# HiSilicon's print_time() "[%5lu.%06lus]" (above): the "s", then its pid block (or wall
# clock), no space between them on 3.x, or (a record's later lines) a space.
_HISI_TIME = r"(?<=\.\d{6})s\](?= |\[(?:pid:|\d{4}:\d\d:\d\d ))"
_HISI_GLUED = r"(?=\[(?:pid:|\d{4}:\d\d:\d\d ))"
# A vendor print_time() without the space upstream's ends in ("[%5lu.%06lu] " up to 5.9;
# 5.10's info_print_prefix() adds it after the caller id), as HiSilicon's above: the
# text right after the time's "]" or the caller id's, "[166603.828628]Internal error:
# Oops: 96000006 [#1] SMP" (a Huawei EulerOS 4.19 arm64 server's oops on netdev,
# 2019-11-15; a Qualcomm 5.4 one on netdev, 2021-05). Not a blank, "[" (another
# vendor's block, a caller id), "<" (a level) nor OnePlus's "@" (_ONEPLUS_CPU) after it.
_GLUED_TEXT = r"(?<=\])(?=[^\s\[<@])"
# Amlogic's BSP trees put the printing CPU inside the time's brackets: 3.x print_time()
# "[%5lu.%06lu@%d] ", 4.9's (CONFIG_AMLOGIC_DRIVER) "[%5lu.%06lu@%d]%c " with the
# record's state from log_store(): 'h' in a hard interrupt, 's' in a soft one, 'd' with
# interrupts off, else '-'. Its lines are told apart by that CPU.
_AMLOGIC_CPU = r"@(?P<acpu>\d{1,4})\][hsd-]?"
# LG's trees (CONFIG_MACH_LGE, printk.c print_time(): MSM8996 phones' 3.18 kernels) put the
# wall clock in the time's brackets and the record's CPU after them: "[%5lu.%06lu / %02d-%02d
# %02d:%02d:%02d.%03lu][%d] ", "[   57.068765 / 10-26 15:03:55.524][1] Call trace:". Its
# lines are told apart by that CPU too. The G2's 3.4 kernel (MSM8974, kernel/printk.c
# vprintk()) prints the wall clock alone, "[%5lu.%06lu / %02d-%02d %02d:%02d:%02d.%03lu] ",
# and the Vu 3's (CONFIG_MACH_MSM8974_VU3_KR) the CPU after a "/CPU:" instead:
# "[ 6826.814801 / 01-27 22:01:44.436] Kernel panic ...", "[ 1.2 / 01-27 ...]/CPU:1 ".
_LGE_CPU = (
    r" / \d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]"
    r"(?:\[(?P<lcpu>\d{1,4})\]|/CPU:(?P<vcpu>\d{1,4})(?= ))?"
)
# Motorola's trees (MSM8916 / MSM8939 phones' 3.10 kernels, kernel/printk.c print_time(ts,
# buf, cpu)) put the record's CPU (log_store() keeps smp_processor_id() in struct log)
# after a comma inside the time's brackets: "[%5lu.%06lu,%u] ", "[86735.021267,1] PC is
# at ...". Its lines are told apart by that CPU too.
_MOTO_CPU = r",(?P<ocpu>\d{1,4})\]"
# OnePlus's 3.10 trees (the OnePlus 2's, kernel/printk.c print_time(), VENDOR_EDIT) put the
# printing CPU after the time's brackets, "[%5lu.%06lu]@%d ", and once the clock passes 20 s
# and print_wall_time is set the wall clock (Beijing time) in place of the time,
# "[%02d%02d%02d_%02d:%02d:%02d.%06lu]@%d " of the year, month, day, hour, minute, second
# and microsecond: "[   12.345678]@0 ...", "[20170514_00:45:44.932066]@0 Internal error:
# ...". Its lines are told apart by that CPU too.
_ONEPLUS_CPU = r"\]@(?P<ucpu>\d{1,4})(?= )"
_ONEPLUS_WALL = r"\[\d{8}_\d\d:\d\d:\d\d\.\d{6}\]@(?P<wcpu>\d{1,4})(?= )"
# AVM's Fritz!Box kernels (their vendor 3.10 MIPS builds, Fritz!OS 7.x: Freetz-NG/freetz-ng#3,
# "3.10.107 #1" on a 3490) print the record's CPU in brackets right after print_time()'s
# "[%5lu.%06lu]", in place of its space, the text right after it: "[  183.060000][0]CPU: 0
# PID: 0 Comm: swapper/0 ...", "[  183.060000][0][<815300a0>] kdsld_net_xmit+0x480/0x560
# [kdsldmod]", the "Stack :" dump's rows "[  183.060000][0]\t  00000000 ...". Its lines are
# told apart by that CPU too. (A caller id, "[  T1]", "[C0]", has a letter; a space follows
# every other vendor's prefix, and text glued to the time (_GLUED_TEXT) is no bracket.)
_AVM_CPU = r"\[ *(?P<vts>\d+\.\d+)\]\[(?P<vmcpu>\d{1,3})\]"
# MediaTek's, in place of print_time()'s space or after it (one console reprints the
# record's level before it): "[ 1.2]-(2)[1:sh]", "[ 1.2] (2)[1:sh]", "[ 1.2] <2>-(2)[1:sh]".
_VENDOR_MTK = r" ?(?:<[0-7]>)?[ .-]\((?P<mcpu>[\da-f]{1,3})\)\[(?P<mpid>\d+):[^\]]{0,15}\]"
# MediaTek's BSP trees' include/linux/printk.h (as their engineers' notes quote it, a Gionee
# MT6757 4.4 tree's) put the printing object's name at the start of every pr_*() record's
# text: pr_emerg(fmt, ...) is printk(KERN_EMERG "[name:"KBUILD_MODNAME"&]"pr_fmt(fmt), ...),
# and so on to pr_cont(); a plain printk()'s record has none. Their 5.10 GKI kernels keep
# it and print the task's comm and ": " before it, after the caller id: "[118.376811]
# [C201134] rxq0_pus: [name:bug&]kernel BUG at net/core/skbuff.c:4278!" (the log of
# CVE-2025-38124's fix, "net: fix udp gso skb_segment after pull from frag_list"). The
# name is the object's (bug, traps, mrdump), no part of the kernel's message.
_MTK_NAME = r"(?:[^\s\[\]]{1,16}: )?\[name:[^\]\s&]{1,32}&\]"
# The times util-linux dmesg prints other than the printk time's "[%5ld.%06ld]", each in
# brackets but the ISO one (print_record(): one per --time-format / -T / -d / -e given,
# since 2.40 several, one after another in the order asked, a space after each, then the
# caller id "[%*s] " padded to the widest pid, then the text):
# * dmesg -T: record_ctime(), strftime(_("%a %b %e %H:%M:%S %Y")): the names in the
#   reader's locale and the order its translators chose ("[jeu. nov. 24 10:11:12 2026]")
#   (seconds without a fraction: "[Thu Nov 24 10:11:12.123456 2026]" is Apache's error
#   log); -T -d (DMESG_TIMEFTM_CTIME_DELTA) adds the seconds since the previous record,
#   "[%s <%12.06f>]";
# * dmesg -e / -H (DMESG_TIMEFTM_RELTIME): "[%b%e %H:%M]" when the minute changes (the
#   month in the reader's locale: "[ноя26 21:40]", "[11月 5 21:40]"), else the seconds
#   since the previous message, "[  +0.000005]"; --time-format=delta
#   (DMESG_TIMEFTM_DELTA) those seconds alone, "[<%12.06f>]"; dmesg sets its locale
#   (setlocale(LC_ALL, "")), so printf's "%f" in these writes LC_NUMERIC's decimal
#   point, a comma in ru_RU, de_DE, fr_FR: "[  +0,000005]" ("%5ld.%06ld", the printk
#   time, keeps its dot);
# * --time-format iso (DMESG_TIMEFTM_ISO8601): "2013-06-13T22:11:00,123456+01:00",
#   microseconds after a comma (journalctl's ISO times put a dot there and a host after).
_DMESG_TIME = (
    r"(?:\[(?:[^\W\d_]|[\x80-\xff])[^\[\]]{2,40}?\d\d:\d\d:\d\d(?![.,]\d)[^\[\]]{0,12}"
    r"(?: < *\d+[.,]\d{6}>)?\]"
    r"|\[(?:" + MONTH + r"(?: \d|\d\d) \d\d:\d\d|  ?[+-]\d+[.,]\d{6}|[+-]\d+[.,]\d{6}"
    r"|< *\d+[.,]\d{6}>)\]"
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{6}[+-]\d\d:?\d\d)"
)
# A line that starts with one of them: then any others, the printk time among them
# ("--time-format reltime --time-format raw"), and the caller id.
_DMESG_TIMES = (
    _DMESG_TIME
    + r"(?: (?:"
    + _DMESG_TIME
    + r"|\[ *(?P<dts>\d+\.\d+)(?: <[ \d.,+*-]+>)?\]))*"
    + r"(?: \[ *(?P<dctx>[CT]\d+)\])?"
)
_PREFIX = (
    r"^(?P<sys>" + _SYSLOGS + r")?"
    r"(?:\*\* \d+ printk messages dropped \*\* )?"
    r"(?:.* login: )?"
    r"(?:<\d+>)?"
    r"(?:"
    # [ 1.2][T3], [ 1.2] [T3]; dmesg -d and journalctl -o short-delta add the time since
    # the previous message: "[    6.059134 <    0.000151>]"; Amlogic's trees the CPU
    # (_AMLOGIC_CPU): "[    8.234400@1] ", "[    8.234400@1]- "; LG's the wall clock and
    # the CPU (_LGE_CPU): "[   57.068765 / 10-26 15:03:55.524][1] "; Motorola's the CPU
    # after a comma (_MOTO_CPU): "[86735.021267,1] "; OnePlus's after the brackets
    # (_ONEPLUS_CPU): "[   12.345678]@0 "
    r"\[ *(?P<ts>\d+\.\d+)(?:(?: <[ \d.,+*-]+>)?\]|"
    + _HISI_TIME
    + r"|"
    + _AMLOGIC_CPU
    + r"|"
    + _LGE_CPU
    + r"|"
    + _MOTO_CPU
    + r"|"
    + _ONEPLUS_CPU
    + r")"
    r"(?: " + _DMESG_TIME + r")*"
    r"(?: ?\[ *(?:(?P<ctx>[CT]\d+)(?:[@-]C\d+)? *"
    r"|(?P<xctx>[TSHN]),T(?P<xtid>\d+),C(?P<xcpu>\d*)"
    r"|(?P<amcpu>\d{1,3}) (?P<amtask>[^\]]{6}) [dX.](?P<amirq>[ZzHhs.]?))\])?"
    + r"(?:"
    + _VENDOR_MTK
    + r"|(?:"
    + _HISI_GLUED
    + r"|"
    + _VENDOR_PROCESS
    + r"(?: |$))"
    + _VENDOR_CPU
    + r"|"
    + _GLUED_TEXT
    + r")"
    + r"(?:"
    + _MTK_NAME
    + r")?"
    # journalctl -o short-monotonic: "[ 1.2] host kernel: ", "[ 1.2] kernel: " with
    # --no-hostname (journalctl(1): the host is left out of the short formats' lines)
    + r"(?:(?:\S+ )?(?i:kernel): )?"
    # OnePlus's wall clock in place of the time, the CPU after it (_ONEPLUS_WALL)
    + r"|"
    + _ONEPLUS_WALL
    + r" "
    # AVM's CPU after the time, no space before the text (_AVM_CPU)
    + r"|"
    + _AVM_CPU
    # the caller id without a timestamp; crash's "log -m" level after what its "log -t -c"
    # and "log -T" print (crash printk.c dump_record(): the time, ctime_tz()'s date with
    # -T, the caller, then "<%x>": "[  T117] <4>BUG: ...", "[Fri Nov 27 ...] <4>BUG: ...").
    # The id is printk's print_caller() "%c%u", an unsigned int with no leading zero: not
    # 2.6.x powerpc's "[C000000087713610] " stack pointer, "%016lX" (fields._PC)
    + r"|\[ *(?P<ctx2>[CT](?:0|[1-9]\d{0,9}))\] (?:<[0-7]>)?"
    # util-linux dmesg's other times, each format asked for in turn, then the caller id
    + r"|"
    + _DMESG_TIMES
    + r" ?(?:(?<=\] )<[0-7]>)?"
    # the level alone, as /proc/kmsg and dmesg -r give it on a kernel printing no time
    # (printk.time=0, RHEL 5/6's default): "<4>Call Trace:"
    # (not an RFC 5424 line's "<PRI>1 ", nor an RFC 3164 one's "<PRI>" and date)
    + r"|(?<=^<[0-7]>)(?!1 \d{4}-|"
    + _DATE
    + r" )"
    + r")"
)


# Compiled on first use (functools.cache): a log whose lines never reach this read
# (most lines, and every line of a log without a crash) does not pay for compiling it.
# Exact: the pattern compiled later matches the same.
@functools.cache
def _prefix_re() -> re.Pattern[str]:
    return re.compile(_PREFIX)


_SYSLOG_ONLY = r"^(?:" + _SYSLOGS + r")(?:<\d+>)?"


# (compiled on first use, as _prefix_re)
@functools.cache
def _syslog_only_re() -> re.Pattern[str]:
    return re.compile(_SYSLOG_ONLY)


# A syslog line (_SYSLOG: rsyslog's RSYSLOG_TraditionalFileFormat "%TIMESTAMP% %HOSTNAME%
# %syslogtag%%msg%", the date first) with blanks a paste put before it: a web form or a
# quote that kept the space after each of its line breaks (" Oct 30 16:52:20 ubuntu
# kernel: [14998.192330] IP: [] fput+0x.." after the line before it, a GitHub issue's
# paste). No syslog daemon writes a blank before the date; the line is read as the
# kernel's syslog line it holds, in the syslog stream of the lines around it.
_INDENTED_SYSLOG = r"[ \t]+(?=(?:<[0-7]>)?" + _DATE + r" )"


# (compiled on first use, as _prefix_re)
@functools.cache
def _indented_syslog_re() -> re.Pattern[str]:
    return re.compile(_INDENTED_SYSLOG)


# A /dev/kmsg record, as `cat /dev/kmsg` and netconsole's extended format write it (kernel
# printk.c info_print_ext_header(): "%u,%llu,%llu,%c" level|facility, sequence, time in
# microseconds, flag, then ",caller=T123" since 5.1 and netconsole's ",ncfrag=..", then
# ";"); a netconsole receiver's syslog puts its date and the sender's host before it.
# netconsole's "release" option (6.6 on, CONFIG_NETCONSOLE_PREPEND_RELEASE; netconsole.c
# send_ext_msg_udp(): scnprintf(buf, MAX_PRINT_CHUNK, "%s,%s", release, msg)) puts the
# kernel release and a comma before the header: "6.6.0-rc1,4,1789,1531218013,-;".
_KMSG_HEAD = r"(?P<pri>\d{1,4}),\d+,(?P<us>\d+),[-+c](?P<fields>,[^;\s]*)?;"
_KMSG_RELEASE = r"(?:\d+\.\d+[^\s,;]*,)?"
_KMSG_RE = re.compile(r"^(?:" + _DATE + r" " + _HOST + r")?" + _KMSG_RELEASE + _KMSG_HEAD)
_KMSG_CALLER_RE = re.compile(r",caller=([CT]\d+)")
# A syslog / journalctl line of any program: "Nov 24 21:45:01 host openvpn[812]: ...",
# "2026-11-24T21:45:01+0000 host gnome-session[1234]: ...", logread's "Sun Sep  1 19:30:19
# 2019 daemon.warn odhcpd[99]: ...". The identifier says who wrote
# it. (journalctl's short-monotonic "[ 123.4] host ident: " is _MONOTONIC_RE's.)
# An RFC 5424 line names it by its APP-NAME, also in the files sysklogd 2.x writes with
# ";RFC5424" (src/syslogd.c fprintlog_write() writes a file from fmt5424()'s second
# iovec on: no "<PRI>1 ", the TIMESTAMP first, RFC5424_DATEFMT's RFC 3339 time):
# "2026-11-27T10:11:12.123456+00:00 host sshd 812 - - ...", the kernel's "host kernel - -".
_RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"
_SYSLOG_ANY = (
    r"^" + _GREP + _DATE + r" " + _HOST + r"(?:[\w.]+ )?(?P<ident>[^\s:\[\]]+)(?:\[\d+\])?: "
    r"|^(?:" + _RFC5424_PRI + _DATE + r"|" + _RFC3339 + r") \S+ (?P<app>\S+)" + _RFC5424_REST
)


# (compiled on first use, as _prefix_re)
@functools.cache
def _syslog_any_re() -> re.Pattern[str]:
    return re.compile(_SYSLOG_ANY)


# A printk line that a console printed right after a program's output without a newline
# ("panic: runtime e[ 4.5] Kernel panic - ..."): the kernel's "[%5lu.%06lu]" time, anywhere.
# A paste's indent before a line (spaces, tabs), the record's level after it, before
# printk's time: "    <4>[  12.3] ...".
_BLANKS = " \t"
_INDENT_RE = re.compile(r"[ \t]+(?:<[0-7]>)?")
_GLUED_RE = re.compile(r"\[ *(\d+\.\d{6})\](?:\[ *([CT]\d+)\])? ")


def glued_record(raw: str) -> int:
    """Where printk's line starts in ``raw`` (its "[%5lu.%06lu]" time), when a program's
    output came before it on the same line (``_GLUED_RE``) and the line reads as the
    kernel's from there; 0 otherwise. The program's part is no kernel record: printk
    prefixes each of its lines with the time, so a header in that part is a program's
    copy of one (a syslog daemon's line written to the serial console, cut into the
    UART's 16-byte FIFO loads between printk's lines: "INFO: task jbd2/" then
    "[34315.188943]  __rq_qos_throttle+0x23/0x30")."""
    if raw[:1] == "[" or "[" not in raw:
        return 0
    g = _GLUED_RE.search(raw)
    if g is None or g.start() == 0:
        return 0
    text, context, _ = parse_prefix(raw)
    return g.start() if context and raw.endswith(text) and len(raw) - len(text) >= g.end() else 0


# An unreliable stack entry: " ? func+0x1/0x2" (x86) or a "(unreliable)" suffix (powerpc).
# On a prefixed line syzkaller's pattern judges it, and with its pc part optional it is
# found exactly where " ? " is: make_line tests the literal (a substring search, not a
# regex's try at every position).
QUESTIONABLE_PATTERN = r"(?:\[<[0-9a-f]+>\])? \? "
# The same entries on a line with no prefix (dmesg -t, journalctl -o cat, a kernel booted
# with printk.time=0), judged only in the whole shape the unwinders print, which no
# message text has: x86 dumpstack.c printk_stack_address() " [<pc>] ? func+0x1/0x2" (the
# "[<pc>]" before 4.x; openrisc's "%p" one "(ptrval)" before the hashing key is ready),
# powerpc show_stack() "[sp] [pc] func+0x1/0x2 (unreliable)".
_BARE_QUESTIONABLE_RE = re.compile(
    r"^\s*(?:\[<(?:[0-9a-f]+|\(_*ptrval_*\))>\]\s*){0,2}\?\s+\S+\+0x[0-9a-f]+/0x[0-9a-f]+"
    r"|^\s*\[[0-9a-f]+\] \[[0-9a-f]+\] \S+\+0x[0-9a-f]+/0x[0-9a-f]+.* \(unreliable\)$"
)


# A log copied from a web page (a forum post, a mail archive, a bug tracker's HTML) often
# has no-break spaces (U+00A0) where the kernel printed spaces: HTML keeps a run of spaces
# only as "&nbsp;". printk never writes one. A line is read with each as the space it
# stood for: in a log read as bytes (decoded as latin-1) its UTF-8 form is "\xc2\xa0";
# parse_log turns a str log's own U+00A0 into spaces (same length) before anything.
_NBSP_LATIN1 = "\xc2\xa0"
# A terminal's colour codes (ECMA-48 SGR, "ESC [ 1;31 m"), kept by a capture of a coloured
# terminal: util-linux dmesg --color=always (the time, the subsystem, the level's
# colour), journalctl's, script(1) or a serial console session's log. printk writes none.
_SGR_RE = re.compile(r"\x1b\[[0-9;]*m")
# More of a web page's doing: WordPress's wptexturize() writes an "x" between digits as a
# multiplication sign (U+00D7, UTF-8 "\xc3\x97"), "0x83" as "0×83"; and HTML takes the
# "<c01de48c>" of a 2.6 "[<c01de48c>] f+0x1/0x2" entry for a tag and drops it, leaving
# "[] f+0x1/0x2". printk writes neither: read as "0x83" and as a PC of 0 ("[<0>]"),
# where a function follows ("RIP: 0010:[]  [] f+0x1/0x2", "IP: [] f+0x1/0x2"), also
# 32-bit ARM's in brackets: arch/arm/kernel/traps.c dump_backtrace_entry() prints
# "[<%08lx>] (%pS) from [<%08lx>] (%pS)" (3.x; "(%ps) from", no offset, 3.14-5.x), and
# a page drops the "<c02c9f48>" of kernel addresses from 0xa0000000 up (a tag's name
# starts with a letter: "<80a3cb94>" stays): "[] (f+0x1c/0x28) from [] (g+0xa8/0x174)".
_TIMES_LATIN1 = "0\xc3\x97"
_EMPTY_PC_RE = re.compile(
    r"\[\](?=(?: +\[\])? +(?:\? +)?(?:[\w.]+\+0x|\([\w.]+(?:\+0x|(?: \[[\w.\-]+\])?\) from )))"
)

# A bug tracker's Markdown (GitHub's issues: CommonMark 0.30 6.2, "Emphasis and strong
# emphasis") around the line of a log its poster wanted seen: "**" that opens strong
# emphasis is followed by no blank, "**" that closes it comes after one, so the source
# posted holds "[  236.312422] **Kernel panic - not syncing: ...**" (github
# raspberry-vanilla/android_local_manifest#90, a Pi 4's 6.1), or the "**" before a
# line's time and after a later line's text when the emphasis spans lines. Read without
# them there: at the line's start, right after its printk time, at its end. printk's own
# "** %u printk messages dropped **" (kernel/printk/printk.c) and "*** DEADLOCK ***"
# (lockdep) have blanks inside their stars and stay.
_MD_STRONG_RE = re.compile(r"^\*\*(?=[^\s*])|(?<=\] )\*\*(?=[^\s*])|(?<=[^\s*])\*\*(?=\s*$)")


def needs_plain(raw: str) -> bool:
    """Does ``raw`` hold something ``plain_line`` reads differently? (Runs on every line
    of every report window: C substring searches, no generator. An ASCII line, the usual
    one, holds no "\xa0" or "\x97": str.isascii() reads a flag, it does not scan.)"""
    if raw.isascii():
        return "\x1b" in raw or "[]" in raw or "**" in raw
    return "\xa0" in raw or "\x1b" in raw or "\x97" in raw or "[]" in raw or "**" in raw


def plain_line(raw: str) -> str:
    """``raw`` (a line decoded as latin-1) with UTF-8 no-break spaces read as spaces,
    terminal colour codes left out and a page's typography undone (see above)."""
    if "\xa0" in raw:
        raw = raw.replace(_NBSP_LATIN1, " ")
    if "\x1b" in raw:
        raw = _SGR_RE.sub("", raw)
    if "\x97" in raw:
        raw = raw.replace(_TIMES_LATIN1, "0x")
    if "[]" in raw:
        raw = _EMPTY_PC_RE.sub("[<0>]", raw)
    if "**" in raw:
        raw = _MD_STRONG_RE.sub("", raw)
    return raw


# A log pasted where its line breaks were lost (a page or form that joined the lines of a
# pasted dmesg with spaces): printk starts every record with its time, so a line that
# starts with one and holds two or more others after a space is many records. printk's
# "[%5lu.%06lu]": six digits after the point. (A syslog line has one, after "kernel: ".)
_TWO_STAMPS_RE = re.compile(r" \[ {0,5}\d{1,6}\.\d{6}\][^\n]*? \[ {0,5}\d{1,6}\.\d{6}\]")
_EMBEDDED_STAMP_RE = re.compile(r" \[ {0,5}\d{1,6}\.\d{6}\]")
_LINE_STAMP_RE = re.compile(r"(?:<\d>)?\[ {0,5}\d{1,6}\.\d{6}\]")
# A paste copied from inside a record starts with that record's tail: "0x1e4 [ 2052.051856][
# T1668] el0_svc+0x28/0x98 [ 2052.051858][ T1668] ..." (GrapheneOS/os-issue-tracker#4475,
# a 5.10 Pixel's panic, "...+0x??/0x1e4" cut). Such a line is many records too when a short
# tail, no syslog line's "kernel:", comes before three times or more.
_MID_RECORD_HEAD = 80
_MID_RECORD_STAMPS = 3


def lost_line_breaks(text: str) -> list[int]:
    """Offsets of the spaces in ``text`` that stand for line breaks a paste lost: the one
    before each record's time, on lines that start with a time and hold two more, or
    start with a record's short tail and hold three."""
    breaks: list[int] = []
    pos = 0
    while (m := _TWO_STAMPS_RE.search(text, pos)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.start())
        end = len(text) if end == -1 else end
        if _LINE_STAMP_RE.match(text, start):
            breaks += [e.start() for e in _EMBEDDED_STAMP_RE.finditer(text, start, end)]
        elif m.start() - start <= _MID_RECORD_HEAD and "kernel:" not in text[start : m.start()]:
            found = [e.start() for e in _EMBEDDED_STAMP_RE.finditer(text, m.start(), end)]
            if len(found) >= _MID_RECORD_STAMPS:
                breaks += found
        pos = end
    return breaks


class Line(NamedTuple):
    """One log line: its span in the log (``end`` excludes the newline) and content.

    A NamedTuple rather than a frozen dataclass: the parser makes one per line of every
    report window, and a tuple is built several times faster (immutable all the same).
    """

    start: int
    end: int
    number: int  # 1-based
    raw: str
    text: str  # prefix stripped, trailing CR removed
    context: str  # "" (no prefix), CONSOLE, caller id "T123"/"C1", SYSLOG or "syslog/T123"
    questionable: bool  # an unreliable " ? " stack entry
    timestamp: float | None = None  # printk time in seconds, when the line has one


_new_line = tuple.__new__  # Line(...) without the generated __new__'s extra call

# The common case, a bare printk timestamp (and caller id), tried first for speed.
# util-linux dmesg prints the caller id after a space ("[ 1.2] [  T3] "), the kernel without.
# Qualcomm's ramdump parser (linux-ramdump-parser-v2 dmesglib.py extract_lockless_dmesg(),
# the dmesg_TZ.txt of a 5.10+ ramdump) pads it on the right, "[{time:12.6f}]
# [{caller_id_data:6}] {line}": "[  244.889835] [T1234 ] Internal error: ...".
# crash's "log -m" puts the record's level after them, "<%x>" with no space (crash
# printk.c dump_record(): "[    1.994694] <4>BUG: ..."). Vendor prefixes (_VENDOR_PROCESS)
# take the full parse, MediaTek's object name (_MTK_NAME) too: after a caller id (group 2)
# with the comm before it, else at the text's start (and a caller id the look-ahead
# backtracked out of, then its "[C...] comm: [name:" is the text's start).
_FAST_RE = re.compile(
    r"\[ *(\d+\.\d+)\](?: ?\[ *([CT]\d+) *\])? "
    r"(?!(?:\S+ )?(?i:kernel): | ?\[\d+:|I\[\d|\[(?:pid:|cpu\d+,pid)|c\d{1,3} |(?:<[0-7]>)?[ .-]?\([\da-f]{1,3}\)\[|"
    r"(?(2)(?:[^\s\[\]]{1,16}: )?\[name:|\[(?:name:| *[CT]\d+ *\] (?:[^\s\[\]]{1,16}: )?\[name:))|"
    + _DMESG_TIME
    + r")"
    r"(?:<[0-7]>)?"
)


_QUOTE_RE = re.compile(r"^(?:>[ \t]?)+")
# z/VM's console of a guest with more than one virtual CPU: CP starts each line of the
# guest's output, and each 80-column piece of a longer one, with the address of the
# virtual CPU that wrote it ("01: [   60.590435] kernel BUG at ...", "01: 200615 #1"),
# and its own messages with the CPU they concern ("00: HCPGIR450W CP entered; ...").
_ZVM_CPU_RE = re.compile(r"[0-9A-F]{2}: ")

# The time a serial terminal program writes before each line it received, in its log or
# capture, the line itself after it as it came (printk time or none):
# * minicom's line timestamps (vt_out(): strftime "[%F %T" then "] ", or ".%03ld] " in
#   the extended mode; once a second only in the per-second mode): "[2024-01-02 10:11:12] ";
# * tio's -t (timestamp_current_time(), "[%s] "): "%H:%M:%S.mmm" in the 24hour modes,
#   "%Y-%m-%dT%H:%M:%S.mmm" in iso8601: "[10:11:12.123] ";
# * grabserial's -t, "[%4.6f %2.6f] " (seconds since the first character, since the
#   previous line), and -T, "[%y-%m-%d %H:%M:%S %2.6f] ": "[0.123456 0.000123] ";
# * the KUnit runner's (tools/testing/kunit/kunit_printer.py print_with_timestamp(),
#   "[%H:%M:%S] "), before each line of a crashed or failed test's log that
#   kunit_parser.py print_log() prints: the kernel's lines of the test, their printk time
#   cut by extract_tap_lines() (the width of what came before "KTAP version"), a report
#   among them: "[10:11:12] BUG: KFENCE: use-after-free read in ...".
# None of them is a shape the kernel or dmesg prints at a line's start.
_CAPTURE_RE = re.compile(
    r"\[(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{3})?|\d\d:\d\d:\d\d(?:\.\d{3})?"
    r"|(?:\d\d-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?|\d+\.\d{6}) +-?\d+\.\d{6})\] "
)

# A Qualcomm 3.4 phone's kernel log as a vendor crash tool exported it (its name is not
# public: a Qualcomm BSP's, as tracker pastes of msm kernels show it, github.com/dorimanx/
# exfat-nofuse/issues/46, 2014): each record's printk time ("%5lu.%06lu", print_time()'s
# digits, right-aligned in 12 columns) and a colon, its level ("<%d>", the record's
# syslog level) and the RTC's wall clock to the nanosecond in parentheses, then the
# text: "  1276.725940:   <0> (01-28 07:22:33.325209103) Internal error: Oops: 5 [#1]
# PREEMPT SMP ARM". One stream, as a console's; the time is the printk time.
_QCOM_EXPORT_RE = re.compile(r" *(\d+\.\d{6}): +<[0-7]> \(\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}\)(?: |$)")
# (what such a line starts with, and where its ":   <" is: a look before the pattern's)
_QCOM_EXPORT_FIRST = " 0123456789"
_QCOM_EXPORT_LEVEL = ":   <"


def _qcom_export(raw: str) -> re.Match[str] | None:
    """``raw``'s _QCOM_EXPORT_RE prefix, or None (a bounded find first: a line's hot path)."""
    if raw.find(_QCOM_EXPORT_LEVEL, 6, 24) == -1:
        return None
    return _QCOM_EXPORT_RE.match(raw)


# Docker for Windows' own log (17.x-18.x, %APPDATA%\Docker\log.txt, as its "Diagnose &
# Feedback" window shows it and users paste it into docker/for-win issues) starts each
# line "[%H:%M:%S.fff][%-15s][%-7s] " of the time, the component that wrote it and the
# level (Info, Warning, Error), then the message. Its Linux VM's console comes as the
# component "Moby", a line of the console a record: the kernel's lines as the console
# printed them, printk time or none ("[09:47:13.436][Moby           ][Info   ]  [<ffff
# ffff89106ac3>] migrate_task_rq_fair+0x1c/0x4b", "[20:51:52.080][Moby           ][Info
# ] [    6.047416] Kernel panic - not syncing: ..."). The other components (ApiProxy,
# VpnKit, NamedPipeClient ...) are the app's own programs. The app's source is not
# public: the shape is its logs' (docker/for-win issues 271, 1110, 2945).
_DOCKER_WIN_RE = re.compile(
    r"\[\d\d:\d\d:\d\d\.\d{3}\]\[(?P<src>[A-Za-z][\w.-]{0,14}) *\]"
    r"\[(?:Info|Warning|Error|Debug|Fatal) *\](?: |$)"
)
_DOCKER_WIN_CONSOLE = "Moby"

# What a log shipper or viewer prints before each line it kept, the line as it was sent
# after it (a console line, a syslog one, a journal MESSAGE). Like a terminal's time it
# says nothing of who wrote the line: what follows does.
# * Grafana Loki's logcli (pkg/logcli/output/default.go, its default output): "%s %s %s"
#   of the entry's time (Go's time.RFC3339), its stream labels as Prometheus prints a
#   label set ("{host=\"x\", job=\"varlogs\"}", padded with spaces to the widest set's
#   length) and the line, strings.TrimSpace'd;
# * kubectl logs --timestamps and docker logs -t: the time the runtime read the line,
#   Go's RFC3339NanoFixed (kubelet kuberuntime/logs timeFormatOut, docker's jsonmessage):
#   always nine digits of fraction, which no syslog daemon or journalctl writes (they
#   stop at microseconds); a container's log file as the runtime writes it (the CRI
#   logging format, /var/log/containers/*.log): "%s %s %s " of the time (RFC3339Nano,
#   its trailing zeros dropped), the stream and "F" for a full line or "P" for a part
#   (a syslog line a Go shipper stamped to the nanosecond still names "host kernel:");
# * any of those times before a syslog line's own date (a pod tailing /var/log/messages,
#   the time with its zeros trimmed): two dates, the first cannot be the line's own.
_SHIPPED_RE = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:"
    r"\.\d{9}(?:Z|[+-]\d\d:\d\d) (?!(?:\S+ )?kernel: )(?:(?:stdout|stderr) [FP] )?"
    r"|(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d) "
    r"(?:(?:stdout|stderr) [FP] |(?P<labels>\{(?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*\}) +"
    r"|(?=" + _DATE + r" )))"
)


# crash's "sys" (kernel.c display_sys_stats()) ends with the panic, a line of the dumped
# kernel's log in double quotes: fprintf(fp, "       PANIC: ") and "\"%s\"" of
# get_panicmsg(), " (check log for details)" after an oops's die() line; crash 4.x quoted
# the log's line with its printk time ('PANIC: "[   57.879776] Oops: 0002 [#1] SMP "').
# Read as that line: the log pasted with it holds the same record, a copy; alone, the
# line is all the paste says of the crash.
_CRASH_SYS_PANIC = 'PANIC: "'
_CRASH_SYS_PANIC_RE = re.compile(r' *PANIC: "(?P<msg>.*)"(?: \(check log for details\))?\s*$')


def _crash_sys_panic(raw: str) -> re.Match[str] | None:
    """``raw`` matched as the PANIC field of crash's ``sys`` (``_CRASH_SYS_PANIC_RE``)."""
    return _CRASH_SYS_PANIC_RE.match(raw) if _CRASH_SYS_PANIC in raw[:24] else None


def is_crash_sys_panic(raw: str) -> bool:
    """Is ``raw`` the PANIC field of crash's ``sys`` (``_CRASH_SYS_PANIC_RE``)?"""
    return _crash_sys_panic(raw) is not None


def _shipped(raw: str) -> re.Match[str] | None:
    """The time and labels a shipper printed before ``raw``'s line (None if none)."""
    if raw[:1].isdigit() and raw[4:5] == "-" and raw[10:11] == "T":
        return _SHIPPED_RE.match(raw)
    return None


def _shipped_line(raw: str) -> str | None:
    """The line a shipper printed in ``raw`` after its time and labels (None if not one)."""
    lm = _shipped(raw)
    return raw[lm.end() :] if lm is not None else None


def _in_stream(stream: str, read: tuple[str, str, float | None]) -> tuple[str, str, float | None]:
    """A line read after the stream a reader named (logcli's labels, a CloudWatch log
    stream): lines of one host's stream are one context, as a node's are in `talosctl
    dmesg`, so another host's lines amid a report are none of it. The line's own
    context (its caller id) stays last."""
    text, context, ts = read
    return text, f"{stream}/{context}" if context else context, ts


# Put in place of the space after a stamp that every line of a log starts with, when a
# program that read the log wrote it there (stamps.mark_stamps: moreutils ts, logcli
# --no-labels): what follows it is the line as that program read it. No log line holds an
# ASCII unit separator; a stamp is at most this long.
STAMP_END = "\x1f"
_STAMP_MAX = 600  # (aws logs tail's: a time, and a log stream's name of up to 512)


def _marked_stamp_end(raw: str) -> int:
    """Where the line after a marked stamp (``STAMP_END``) starts in ``raw``, or -1."""
    at = raw.find(STAMP_END, 0, _STAMP_MAX)
    return at + 1 if at != -1 else -1


def _may_have_prefix(raw: str) -> bool:
    """Can ``_prefix_re()`` match ``raw``? Every one of its prefixes ends in a "[...]" time
    or tag, dmesg's ISO time (a "," before its microseconds) or a level at the line's very
    start ("<4>"); a line with none of them (a register dump, a program's output: most of
    the lines that reach the full parse) is not run through its optional syslog and
    "login: " parts for nothing."""
    return "[" in raw or "," in raw or raw[:1] == "<"


def strip_prefix(raw: str) -> tuple[str, str]:
    """Return ``(text, context)`` for a raw line, see the module docstring."""
    text, ctx, _ = parse_prefix(raw)
    return text, ctx


def parse_prefix(raw: str) -> tuple[str, str, float | None]:
    """``(text, context, printk timestamp in seconds or None)`` for a raw line."""
    if raw.endswith("\r"):
        # (more than one: a capture of the serial console's "\r\n" line ends saved again
        # with CRLF line ends, by a Windows terminal's log or a text-mode transfer)
        raw = raw.rstrip("\r")
    if (console := _kata_console_line(raw)) is not None:
        return parse_prefix(console)  # the guest's console line, whatever the log around it
    if raw.startswith("["):
        fm = _FAST_RE.match(raw)
        if fm is not None:
            return raw[fm.end() :], fm.group(2) or CONSOLE, float(fm.group(1))
        cm = _CAPTURE_RE.match(raw)
        if cm is not None:
            # the terminal's time says nothing of who wrote the line: what follows does
            return parse_prefix(raw[cm.end() :])
        wm = _DOCKER_WIN_RE.match(raw)
        if wm is not None:
            if wm["src"] != _DOCKER_WIN_CONSOLE:
                return raw, "", None  # the app's own component's line, no kernel's
            # the VM's console line: one stream, apart from the app's lines among it
            text, ctx, ts = parse_prefix(raw[wm.end() :])
            return text, ctx or CONSOLE, ts
    elif raw[:1] in _QCOM_EXPORT_FIRST and (qm := _qcom_export(raw)) is not None:
        return raw[qm.end() :], CONSOLE, float(qm[1])
    elif (stamped := _marked_stamp_end(raw)) != -1:
        # a reader's time says nothing of who wrote the line; `aws logs tail`'s log
        # stream after it (stamps.py) says which host's it is
        read = parse_prefix(raw[stamped:])
        stream = raw[: stamped - 1].partition(" ")[2] if raw[10:11] == "T" else ""
        return _in_stream(stream, read) if stream else read
    elif raw.startswith(_LAVA_START):
        console = _lava_console_message(raw)
        if console is not None:
            return parse_prefix(console)
    elif raw.startswith(">"):
        # A mail reply's quote (RFC 3676: ">" per level, a space after): a report quoted
        # on a list ("> BUG: KASAN: ...", ">  dump_stack+0x1/0x2") reads as the report.
        return parse_prefix(_QUOTE_RE.sub("", raw, count=1))
    elif raw[2:4] == ": " and _ZVM_CPU_RE.match(raw) is not None:
        return parse_prefix(raw[4:])  # the virtual CPU's address says nothing of the line
    elif raw.startswith(":"):
        # libreport's text of a multi-line problem item (make_description_item_multiline():
        # "NAME:" then ":%.*s" per line): abrt's "backtrace:" of a kernel oops as the
        # Bugzilla bug, the mail and "abrt-cli info -d" show it reads as the oops.
        return parse_prefix(raw[1:])
    elif raw[:1] == "{" or raw[:2] == _JSON_SEQ_RECORD or raw[:7] == _JSON_SSE_RECORD:
        record = _kernel_journal_record(_json_record(raw))
        if record is not None:
            return record
    elif raw.startswith(" ") and '"msg": "' in raw[:24]:
        message = _dmesg_json_message(raw)
        if message is not None:
            return message, CONSOLE, None
    elif (sm := _crash_sys_panic(raw)) is not None:
        # The log's line it quotes, crash 4.x's with its printk time: that time is the
        # quoted record's, and crash's own lines after the field ("bt", the task's
        # context) have none. The field is crash's, a line of crash's output.
        text, _, _ = parse_prefix(sm["msg"])
        return text, "", None
    elif (
        (raw[:1].isdigit() and raw[2:3] == "-")
        or (raw[1:2] == "/" and raw[:1] in _LOGCAT_PRIORITIES)
    ) and (lm := _logcat_match(raw)) is not None:
        return _logcat_text(raw, lm)  # (_maybe_logcat's look, inline: a line's hot path)
    elif (sm := _shipped(raw)) is not None:
        read = parse_prefix(raw[sm.end() :])
        return _in_stream(sm["labels"], read) if sm["labels"] else read
    elif raw[:1] == " " and "=" in raw and _KMSG_DICT_RE.match(raw) is not None:
        return raw, KMSG_DICT, None
    elif raw[:1].islower():
        dm = _DECODE_RE.match(raw)
        if dm is not None:
            if dm["fac"] != "kern":
                return raw, "", None  # a program's record: no kernel prefix at all
            text, ctx, ts = parse_prefix(raw[dm.end() :])
            return text, ctx or CONSOLE, ts
    if (tm := _talos_record(raw)) is not None:
        if tm["fac"] != "kern":
            return raw, "", None  # a program's record (Talos's own "[talos] ..." lines)
        node = tm["node"]
        return raw[tm.end() :], f"{CONSOLE}/{node}" if node else CONSOLE, None
    if _maybe_field(raw) and (fm := _FIELD_RE.match(raw)) is not None:
        return _journal_field(raw, fm)
    if raw[:1] == "<" and raw[2:3] == ">" and raw[1:2] in _RAW_LEVELS and raw[3:4] != "[":
        # A caller's KERN_DEFAULT or KERN_CONT as it wrote it (2.6.37 to 3.5's
        # include/linux/printk.h): shown by a console echoing printk's text before
        # vprintk() reads its level, ARM vendor trees' CONFIG_DEBUG_LL
        # "printascii(printk_buf)" right after vscnprintf() (linux-sunxi's and OMAP
        # boards' 3.0 and 3.4 kernel/printk.c), and kdb (kdb_printf() of the caller's
        # format). No record's prefix: a bare line, as the lines printed with no level
        # are there (extract's _Window.raw_levels).
        return raw[3:], "", None
    m = _prefix_re().match(raw) if _may_have_prefix(raw) else None
    if m is None:
        km = _KMSG_RE.match(raw) if ";" in raw else None
        if km is not None:
            fields = km.group("fields")
            caller = _KMSG_CALLER_RE.search(fields) if fields else None
            return raw[km.end() :], caller.group(1) if caller else CONSOLE, int(km["us"]) / 1e6
        # (its prefixes all name the kernel: "kernel" in any case, or socklog's "kern.")
        kern = "kern" in raw.lower()
        m2 = _syslog_only_re().match(raw) if kern else None
        if m2 is not None:
            # journalctl -k without printk timestamps: one stream, like a plain console.
            return raw[m2.end() :], SYSLOG, None
        if kern and raw[:1] in _BLANKS and _indented_syslog_re().match(raw) is not None:
            # a paste's blank before a syslog line (_INDENTED_SYSLOG): the kernel's line
            # it holds; a program's line keeps its blank (no context: read as it is)
            read = parse_prefix(raw.lstrip(_BLANKS))
            if read[1]:
                return read
        g = _GLUED_RE.search(raw) if "[" in raw else None
        if (
            g is not None
            and raw[:1] in _BLANKS
            and _INDENT_RE.fullmatch(raw, 0, g.start())
            and _GLUED_RE.match(raw, g.end()) is None
        ):
            # Nothing but blanks (and a level) before the one time: a paste's indent, a
            # Markdown code block's or a list item's ("        <1>[41740.112427] c1
            # Unable to handle ...", a Samsung 3.0 last_kmsg on GitHub): the line after it
            # is read whole, a vendor prefix after the time too (_VENDOR_CPU). (Another
            # time right after it is printk's, after a piece of another stream, below.)
            return parse_prefix(raw.lstrip(_BLANKS))
        if g is not None:
            # A program's unterminated write on the same serial console, then printk's line.
            # (The program's piece may hold a stamp itself, a syslog copy's of a kernel
            # line, " [34315.120624] " before "[34315.180090]  ? wbt_cleanup_cb+0x20/0x20":
            # printk's is the last of the stamps in a row, glued_record.)
            while (again := _GLUED_RE.match(raw, g.end())) is not None:
                g = again
            return raw[g.end() :], g.group(2) or CONSOLE, float(g.group(1))
        return raw, "", None
    stamp = m.group("ts") or m.group("dts") or m.group("vts")
    ts = float(stamp) if stamp else None
    tag: str | None = m.group("ctx") or m.group("ctx2") or m.group("dctx") or _vendor_context(m)
    if m.group("sys"):
        # Lines relayed by syslog are a stream apart from the raw console: a console
        # capture often holds both copies of the same messages.
        return raw[m.end() :], f"{SYSLOG}/{tag}" if tag else SYSLOG, ts
    if tag is not None:
        return raw[m.end() :], tag, ts
    return raw[m.end() :], CONSOLE, ts


# Android's logcat, -v threadtime (liblog logprint.c): "%s %5d %5d %c %-8s: " of the date
# "MM-DD HH:MM:SS.mmm" (-v usec: six digits, -v year: "YYYY-" first), pid, tid, priority
# letter and tag, then the message. logd reads the kernel's records into its "kernel"
# buffer (logcat -b kernel, a bugreport's, -b all among the others) with pid and tid 0
# (LogKlog::log(): no pid unless a vendor printk prefix names one), the printk time made
# the date, and the message's first word or two before a ":" taken for its tag (not
# "CPU", "WARNING", "ERROR", "INFO" nor a register's name), leading spaces dropped:
# "BUG: unable to ..." is "E BUG     : unable to ...", " dump_stack+0x1/0x2" is
# "E         : dump_stack+0x1/0x2". A record is read as its tag, ": " and message again.
_LOGCAT_TIME = r"(?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}(?:\d{3})?"
_LOGCAT_RE = re.compile(
    _LOGCAT_TIME + r" +(?P<pid>\d+) +(?P<tid>\d+) [VDIWEFS] (?P<tag>[^:]*?) *: "
)
# The same records in logcat's other one-line formats (logprint.c
# android_log_formatLogLine()): -v brief "%c/%-8s(%5d): " of the priority letter, the
# tag and the pid, logcat's default before Android 7 (the kernel buffer is logd's, Android
# 6 on: "adb logcat -b kernel" there prints this), and -v time the date and a space
# before it: "E/BUG     (    0): unable to handle ...", "06-02 10:11:12.345 W/        (
# 0): Call trace:". No tid: the kernel's records are pid 0 alone. A tag is one or two
# words and may hold "(" ("[INFO]" trimmed, LogKlog::log()), the pid's "(" is the last.
_LOGCAT_BRIEF_RE = re.compile(
    r"(?:" + _LOGCAT_TIME + r" )?[VDIWEFS]/(?P<tag>.*?) *\( *(?P<pid>\d+)\): "
)


# (logprint.c filterPriToChar(): verbose, debug, info, warn, error, fatal, silent)
_LOGCAT_PRIORITIES = "VDIWEFS"
# KERN_DEFAULT's and KERN_CONT's letters, "<d>" and "<c>" before 3.6 (parse_prefix)
_RAW_LEVELS = ("d", "c")


def _maybe_logcat(raw: str) -> bool:
    """A cheap look before _logcat_match: a date's "MM-" or brief's "E/" first."""
    return (raw[:1].isdigit() and raw[2:3] == "-") or (
        raw[1:2] == "/" and raw[:1] in _LOGCAT_PRIORITIES
    )


def _logcat_match(raw: str) -> re.Match[str] | None:
    """A logcat line's match: -v threadtime's (_LOGCAT_RE), else -v time's or brief's."""
    return _LOGCAT_RE.match(raw) or _LOGCAT_BRIEF_RE.match(raw)


# A vendor kernel's printk prefix (_VENDOR_PROCESS, _VENDOR_CPU, _VENDOR_MTK) as logd
# keeps it: at the start of the record's message, print_time()'s space before it gone
# with the time. A Pixel 3 XL's (msm-4.9) logcat -b all: "09-03 18:57:12.974     0     0
# I         : c2      1 init: processing action ...", no tag taken from it.
_LOGCAT_VENDOR = r"(?:" + _VENDOR_MTK + r"|" + _VENDOR_PROCESS + r"(?: |$)" + _VENDOR_CPU + r")"


# (compiled on first use, as _prefix_re)
@functools.cache
def _logcat_vendor_re() -> re.Pattern[str]:
    return re.compile(_LOGCAT_VENDOR)


def _logcat_program(lm: re.Match[str]) -> bool:
    """Is a logcat record a program's? The kernel's are pid (and tid) 0 (LogKlog::log())."""
    return lm["pid"] != "0" or lm.groupdict().get("tid", "0") != "0"


def _logcat_text(raw: str, lm: re.Match[str]) -> tuple[str, str, float | None]:
    """``(text, context, None)`` of a logcat line (``_LOGCAT_RE``, ``_LOGCAT_BRIEF_RE``): the
    kernel's record (pid and tid 0) as the kernel printed it, a program's as it is; a
    vendor prefix in the record names its context, as on the console."""
    if _logcat_program(lm):
        return raw, "", None
    message = raw[lm.end() :].rstrip()
    text = f"{lm['tag']}: {message}" if lm["tag"] else message
    vm = _logcat_vendor_re().match(" " + text)
    if vm is not None and (tag := _vendor_context(vm)) is not None:
        return text[vm.end() - 1 :], f"{SYSLOG}/{tag}", None
    return text, SYSLOG, None


# journalctl -o short-monotonic: "[  123.456789] host ident[pid]: ", "[  123.456789]
# ident[pid]: " with --no-hostname. A console line can have the same shape ("[ 1.2] usb
# 1-1: new device", "[ 1.2] ACPI: ..."), so only a log whose kernel lines name the kernel
# ("[ 1.2] host kernel: ...", journal_host) is read this way.
# The monotonic time a short-monotonic journal's line starts with, its seconds grouped.
_MONOTONIC_TIME = r"\[ *(\d+\.\d+)(?: <[ \d.+*-]+>)?\] "
_MONOTONIC_RE = re.compile(
    _MONOTONIC_TIME + r"(?:(?P<host>[^\s\[]\S*(?<!:)) )?(?P<ident>[^\s:\[\]]+)(?:\[\d+\])?: "
)
_MONOTONIC_TIME_RE = re.compile("^" + _MONOTONIC_TIME, re.M)
# A program's entry of a --no-hostname short-monotonic journal: "[  123.456789]
# ident[pid]: " (systemd logs-show.c output_short(): the identifier, "[%s]" of _PID when
# the entry has one, ": "; the kernel's entries have no _PID and read "kernel: ").
_MONOTONIC_PROGRAM_RE = re.compile("^" + _MONOTONIC_TIME + r"[^\s:\[\]]+\[\d+\]: ", re.M)


def monotonic_journal_host(raw: str) -> str | None:
    """The host a ``journalctl -o short-monotonic`` kernel line names ("" under
    ``--no-hostname``), None for any other line. A report whose header is such a line is
    read from a journal: dmesg prints "kernel: " after the time only in a program's
    /dev/kmsg record (from_userspace), and that starts no report."""
    m = _MONOTONIC_RE.match(raw)
    if m is None or m["ident"] != "kernel":
        return None
    return m["host"] or ""


def monotonic_restarts(
    text: str, last: float | None, skew: float
) -> tuple[list[int], float | None]:
    """Where the monotonic time of a ``journalctl -o short-monotonic`` log's lines
    (``text``; see journal_host) goes back by more than ``skew`` seconds from the line
    before (``last``: the time of the line before ``text``, when known): the start of
    each such line, and the time of ``text``'s last line. The journal's monotonic clock
    is the boot's (CLOCK_MONOTONIC, printk's time for the kernel's records): it starts
    again at every boot, and journalctl prints each boot's entries in turn."""
    out: list[int] = []
    for m in _MONOTONIC_TIME_RE.finditer(text):
        at = float(m.group(1))
        if last is not None and at < last - skew:
            out.append(m.start())
        last = at
    return out, last


# The first few " kernel: " hits decide (a journal is one format), looked for near the
# start only: a journal of a boot opens with the kernel's own lines, and a console log
# (no such hit) then costs a bounded search, not one over all of a large log.
_JOURNAL_PROBES = 8
_JOURNAL_WINDOW = 4 << 20
_EXCERPT_PROBES = 2  # the fewest hostless kernel lines that make a whole excerpt a journal


def journal_host(text: str) -> str | None:
    """The host of a ``journalctl -o short-monotonic`` log, from its kernel lines ("" when
    ``--no-hostname`` left it out); None for any other log (a console's or dmesg's lines
    name no host).

    Without a host, every probe must be such a kernel line: in dmesg's output a program
    that wrote "kernel: ..." to /dev/kmsg (node-problem-detector's documented test of its
    rules) prints the same shape once or twice, and a log taken for a journal would read
    the kernel's own "[ 1.2] ACPI: ..." lines as programs'. A short excerpt holds fewer
    such lines than the probes: it is a journal when every line with a monotonic time
    is one of them or a program's entry, "[ 1.2] ident[pid]: " (no dmesg prints "kernel: "
    after each of its times, nor holds only programs' records besides)."""
    pos = text.find(" kernel: ", 0, _JOURNAL_WINDOW)
    hostless = 0
    for _ in range(_JOURNAL_PROBES):
        if pos == -1:
            # The window's lines are counted only for an excerpt with enough hostless
            # kernel lines: on a console log (none) the two searches of up to 4 MiB are
            # most of the time this takes, and their answer could not change the result.
            if hostless >= _EXCERPT_PROBES and hostless + len(
                _MONOTONIC_PROGRAM_RE.findall(text, 0, _JOURNAL_WINDOW)
            ) == len(_MONOTONIC_TIME_RE.findall(text, 0, _JOURNAL_WINDOW)):
                return ""
            break
        m = _MONOTONIC_RE.match(text, text.rfind("\n", 0, pos) + 1)
        if m is not None and m.group("ident") == "kernel":
            if m.group("host") is not None:
                return m.group("host")
            hostless += 1
        pos = text.find(" kernel: ", pos + 1, _JOURNAL_WINDOW)
    return "" if hostless == _JOURNAL_PROBES else None


# util-linux dmesg -x: "%-6s:%-6s: " of the record's facility and level names.
_DECODE_RE = re.compile(
    r"(?P<fac>[a-z]+[0-9]?) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: "
)


# talosctl dmesg, the kernel log of a Talos Linux node: machined sends each /dev/kmsg
# record as "%s: %7s: [%s]: %s" of its facility, priority (go-kmsg's names) and time
# (Go's RFC3339Nano: trailing zeros of the fraction dropped, the fraction too when zero)
# and the text; talosctl prints "%s: %s" of the node it came from and that (Talos
# cmd/talosctl dmesg.go, internal/app/machined server Dmesg). One command may stream
# several nodes' logs interleaved: each node's lines are a context of their own.
_TALOS_RE = re.compile(
    r"(?:(?P<node>[^\s\[\]]+): )?(?P<fac>[a-z]+[0-9]?): {0,6}"
    r"(?:emerg|alert|crit|err|warning|notice|info|debug): "
    r"\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)\]: "
)


def _talos_record(raw: str) -> re.Match[str] | None:
    """The talosctl dmesg prefix of ``raw``, or None (one bounded look for its "]: ")."""
    if raw[:1].isalnum() and "]: " in raw[:120]:
        return _TALOS_RE.match(raw)
    return None


# klog / glog, the log format of kubelet and most Go programs around containers:
# "Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg" (L: Info, Warning, Error, Fatal; the
# thread id right-aligned in 7). Its "Observed a panic: ..." is the program's.
_KLOG_SEVERITIES = frozenset("IWEF")
_KLOG_RE = re.compile(r"[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [^\s:\]]+:\d+\] ")


# A bug tracker's title of a report, the oops's first line as the bug's summary: a saved
# bug, its mail or a list archive's page of it starts with it. printk writes none of:
# * libreport's summary of the bug abrt files (src/plugins/bugzilla_format.conf
#   "%summary: [abrt] %package%[[: %crash_function%]][[: %reason%]][[: TAINTED
#   %tainted_short%]]", bugzilla_format_kernel.conf the same without the package),
#   "[abrt] kernel: BUG: unable to handle kernel paging request at ...", also as
#   Bugzilla heads the bug's page ("Bug 1089023 - [abrt] ...", an en dash in 5.x, three
#   characters when the log is read as Latin-1);
# * the mails' subject: Bugzilla's "[Bug %d] New: %s" (Red Hat's, the kernel's),
#   Launchpad's "[Bug %d] [NEW] %s" and "[Bug %d] %s" (lib/lp/bugs/mail/newbug.py
#   generate_bug_add_email(), bugnotificationbuilder.py; a reply's "Re: " after it),
#   debbugs' "Bug#%d: %s" (scripts/process, "Subject: $gBug#$ref: $newsubject"), the
#   title there often reportbug's "package: title": "Bug#987654:
#   linux-image-6.1.0-13-amd64: kernel BUG at fs/ext4/inode.c:1234!";
# * debbugs' page of a bug (cgi/bugreport.cgi, templates/en_US/cgi/bugreport.tmpl): its
#   <title> "#%d - %s - Debian Bug report logs" and its heading "Debian Bug report logs
#   - #%d<br>" with the subject on a line of its own under it, that reportbug's "package:
#   title" of a kernel package ("linux-image-4.9.0-3-amd64: ", "src:linux: ", "linux: ");
#   a Debian package's name (policy 5.6.1: [a-z0-9][a-z0-9+.-]+) with "linux" before any
#   "-" is none of printk's prefixes (KBUILD_MODNAME has no "-", pr_fmt's are no such);
# * Launchpad's page of a bug: its <title>, the breadcrumbs' details joined by " : "
#   from the bug's (lib/lp/bugs/browser/bugtask.py BugTaskBreadcrumb.detail: the bug's
#   displayname "Bug #%d" and smartquote('"%s"') of its title), "Bug #2061874 “BUG:
#   ...” : Bugs : linux package : Ubuntu", and the view's label (BugTaskView.label,
#   smartquote('%s: "%s"')) "Bug #2061874 in linux (Ubuntu): “BUG: ...”".
_BUG_TITLE_RE = re.compile(
    r"(?:Bug \d+ \S{1,3} )?\[abrt\] |\[Bug \d+\] |Bug#\d+: |#\d+ - "
    r"|(?:src:)?linux(?:-[a-z0-9][a-z0-9+.~-]*)?: "
    r"|Bug #\d+ (?:in [^:“\"]+: )?[“\"]"
)


def from_userspace(raw: str, journal: str | None = None) -> bool:
    """True when a syslog / journal line names a program other than the kernel as its
    writer, or is a program's own log line (klog): its ``WARNING:`` or ``INFO:`` is that
    program's, never a kernel report.

    ``journalctl -o json`` records carry the same fact as ``_TRANSPORT``; in a
    short-monotonic journal (``journal``: its host, see ``journal_host``) a line of that
    host whose identifier is not ``kernel`` is a program's.
    """
    if (console := _kata_console_line(raw)) is not None:
        # the runtime's record carries its guest's console line: the line says whose it is
        return from_userspace(console)
    if (shipped := _shipped_line(raw)) is not None:
        raw = shipped
    elif (stamped := _marked_stamp_end(raw)) != -1:
        raw = raw[stamped:]
    raw = _json_record(raw)
    if raw[:2] == '{"' or raw[:3] == '{ "':  # older journalctl: '{ "__CURSOR" : "...", '
        # A JSON record: journald's, docker's json-file ({"log": ..., "stream": ...}), a
        # Go program's structured log (zap: {"level": ..., "msg": ...}). printk writes no
        # JSON; a record is the kernel's only when one of its fields says so.
        m = _JOURNAL_TRANSPORT_RE.search(raw)
        if m is not None:
            return m.group(1) != "kernel"
        return _JSON_KERNEL_RE.search(raw) is None
    if raw.startswith(_LAVA_START):
        # LAVA's job log: only the "target" and "feedback" records are a board's console
        return _lava_console_message(raw) is None
    if raw[:9] == "Subject: ":
        # A mail's header (RFC 5322 3.6.5): syzbot's and the test robots' reports are
        # mailed with their title as subject ("[syzbot] [net?] BUG: unable to handle
        # kernel paging request in tcp_sendmsg"); printk never writes this field name.
        return True
    if raw[:1] in "[B#ls" and _BUG_TITLE_RE.match(raw):
        return True  # a bug tracker's title of a kernel oops: its first line (see above)
    if raw[:8] == "reason: ":
        # libreport's one-line problem item (make_description(): "%s: %*s%s", the value
        # from column 17): the "reason:         WARNING: CPU: ..." of abrt-cli's list and
        # info is a kernel oops's first line as its summary (the oops is its "backtrace:").
        return True
    if raw[:7] == "Title: " or raw[:15] == "OriginalTitle: ":
        # apport's "Title:" item of a kernel oops report (problem_report.py write(): "Key:
        # value"; report.py standard_title(): the oops's first line) in a .crash file and
        # the Launchpad bug's description, "OriginalTitle:" when the bug was renamed
        # (crashdb_impl/launchpad.py): the oops's summary, the oops is its OopsText.
        return True
    if raw[:6] == 'time="' and _LOGFMT_RE.match(raw) is not None:
        return True  # logrus (dockerd, containerd): time="..." level=error msg="..."
    if raw[:1].islower():
        dm = _DECODE_RE.match(raw)
        if dm is not None:  # dmesg -x: programs write to /dev/kmsg as "user" (or any)
            return dm["fac"] != "kern"
    if raw[:1] in _KLOG_SEVERITIES and _KLOG_RE.match(raw) is not None:
        return True
    if _maybe_logcat(raw) and (lm := _logcat_match(raw)) is not None:
        return _logcat_program(lm)
    if (tm := _talos_record(raw)) is not None:
        return tm["fac"] != "kern"
    if raw[:1] == "<" or raw[:1].isdigit():
        # A record's syslog priority, "<%u>" in dmesg -r, /proc/kmsg and a pstore dmesg
        # file, the first field of a /dev/kmsg record: facility << 3 | level. The kernel's
        # own records are facility 0 (kern); a write to /dev/kmsg carries its writer's
        # (LOG_USER unless it says another: devkmsg_write()), systemd's "<30>".
        pm = _PRIORITY_RE.match(raw)
        if pm is not None:
            return int(pm.group(1) or pm.group(2)) >= _FACILITY_USER
    if raw[:1] == "[":
        mm = _MONOTONIC_RE.match(raw)
        if journal is None:
            # Not a journal (journal_host): dmesg's lines, where "kernel: " after the time
            # is the text of a record a program wrote to /dev/kmsg (node-problem-detector's
            # documented test: echo "kernel: BUG: unable to handle ..." > /dev/kmsg).
            return mm is not None and mm["host"] is None and mm["ident"] == "kernel"
        return mm is not None and (mm["host"] or "") == journal and mm["ident"].lower() != "kernel"
    if _SOCKLOG_RE.match(raw) is not None:
        return False  # socklog names the kernel's records by their facility alone
    m = _syslog_any_re().match(raw)
    if m is None or (m.group("ident") or m.group("app")).lower() == "kernel":
        return False
    ident = m.group("ident")
    if ident is not None and ident[:3] == "VM(" and _CROS_VM_RE.match(raw, m.start("ident")):
        return False  # a ChromeOS guest's kernel record, relayed under its VM's tag
    # a netconsole receiver's line: the sender's kmsg record after the host, no identifier
    km = _KMSG_RE.match(raw)
    return km is None or int(km["pri"]) >= _FACILITY_USER


# "<pri>" (not RFC 5424's "<pri>1 YYYY-", which _syslog_any_re() reads by its APP) or a kmsg
# record's "pri,seq,usec,flag" (netconsole's release before it: _KMSG_RELEASE)
_PRIORITY_RE = re.compile(
    r"<(\d{1,3})>(?!1 \d{4}-)|" + _KMSG_RELEASE + r"(\d{1,4}),\d+,\d+,[-+c][,;]"
)
_FACILITY_USER = 8  # LOG_USER << 3: the first priority that is not the kernel's


# journalctl -o json-seq: each record after an ASCII Record Separator (RFC 7464 JSON text
# sequences), otherwise -o json's; -o json-sse: each after "data: " and before an empty
# line, a Server-Sent Events message (systemd's json_variant_dump(), JSON_FORMAT_SSE).
_RS = "\x1e"
_JSON_SEQ_RECORD = _RS + "{"
_JSON_SSE_RECORD = "data: {"

_JOURNAL_TRANSPORT_RE = re.compile(r'"_TRANSPORT"\s*:\s*"(\w+)"')
# A log shipper's record of a kernel line names its source: "ident": "kernel",
# "facility": "kern", "SYSLOG_IDENTIFIER": "kernel".
_JSON_KERNEL_RE = re.compile(r':\s*"kern(?:el)?"')
_LOGFMT_RE = re.compile(r'time="[^"]*" level=\w+ ')


def _json_record(raw: str) -> str:
    """``raw`` without the json-seq or json-sse framing before a record's "{"."""
    if raw[:2] == _JSON_SEQ_RECORD:
        return raw[1:]
    if raw[:7] == _JSON_SSE_RECORD:
        return raw[6:]
    return raw


# A LAVA job's log (LKFT's and KernelCI's boards; lava_common's YAML logger), one record a
# line, a JSON object as a YAML list item: '- {"dt": "2026-06-10T14:11:19.154147", "lvl":
# "target", "msg": "[    1.925222] Unable to handle kernel ..."}'. "target" records are
# the serial console of the device under test (the kernel's lines, and the test's);
# "info", "debug", "results"... are LAVA's own, whatever their text quotes.
# "feedback" records are a console too: while a test runs in one namespace (a
# docker-test-shell driving the board over adb or ssh: LKFT's Android and host-side jobs),
# ReadFeedback (lava_dispatcher/power.py) and ShellSession.listen_feedback() (shell.py)
# log each line read from the other namespaces' connections, the board's serial console
# among them, with YAMLLogger.feedback(line, namespace=ns): '- {"dt": ..., "lvl":
# "feedback", "msg": "[  905.349421] Unable to handle ...", "ns": "target"}'. A crash the
# test provoked is in those records.
_LAVA_START = '- {"dt": '
_LAVA_CONSOLE_LEVELS = ("target", "feedback")
# libyaml's loader when PyYAML has it, as hotfence.yamlsource reads policies.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _lava_record(flow: str) -> object:
    """A LAVA record's object; None for a record cut short.

    lava_common/log.py dump() writes it with PyYAML's safe_dump(default_style='"',
    default_flow_style=True, width=10**5): JSON's syntax, as long as no character of the
    text needs an escape JSON has not. YAML's double-quoted style escapes a NUL as "\\0",
    BEL "\\a", ESC "\\e", any other control or (allow_unicode off) Latin-1 character as
    "\\xNN" (Emitter.write_double_quoted()): a serial line's noise before the kernel's text.
    Such a record is read by YAML's rules."""
    try:
        return json.loads(flow)
    except ValueError:
        if "\\" not in flow:
            return None  # no escape JSON lacks: cut short
    try:
        return yaml.load(flow, Loader=_YAML_LOADER)
    except yaml.YAMLError:  # cut short: read as any other line
        return None


def _lava_console_message(raw: str) -> str | None:
    """The console text of a LAVA job log's "target" or "feedback" record; None for any
    other line."""
    if '"lvl": "target"' not in raw and '"lvl": "feedback"' not in raw:
        return None
    rec = _lava_record(raw[2:])
    if not isinstance(rec, dict) or rec.get("lvl") not in _LAVA_CONSOLE_LEVELS:
        return None
    msg = rec.get("msg")
    if isinstance(msg, list):  # a record of several console lines: its first
        msg = msg[0] if msg else None
    return msg if isinstance(msg, str) else None


# Kata Containers runs a pod in a VM and, with debug on, logs each line of the guest's
# console as a logrus record of its runtime (src/runtime/virtcontainers/sandbox.go, the
# console watcher startVM() starts: WithFields("console-protocol", "console-url",
# "sandbox", "vmconsole": text).Debug("reading guest console")), to the journal as "kata"
# (kata's Developer-Guide.md: journalctl -t kata). logrus's TextFormatter
# (text_formatter.go) writes the fields after msg sorted by key, "vmconsole" last, and a
# value with any character outside [A-Za-z0-9-._/@^+] as Go's %q (appendValue(),
# needsQuoting()). The runtime's other records carry no console line: they stay its own.
_KATA_CONSOLE_FIELD = " vmconsole="
# Kata 1.x: kata-proxy's printAgentLogs() (proxy.go) logged each line it read from the
# guest's console socket, the kernel's lines and the agent's, as Infof("%s\\n", line) with
# the fields name=kata-proxy, pid and source=agent: the line is the record's msg; the
# proxy's own records say source=proxy.
_KATA_PROXY_AGENT = " source=agent"
_KATA_PROXY_MSG_RE = re.compile(r' msg=("(?:[^"\\]|\\.)*") name=kata-proxy pid=\d+ source=agent$')
_GO_QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
# strconv.Quote's escapes: \a \b \f \n \r \t \v \\ \" and \xNN, \uNNNN, \UNNNNNNNN
_GO_ESCAPE_RE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))")
_GO_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _go_unescaped(m: re.Match[str]) -> str:
    code = m[1] or m[2] or m[3]
    if code is not None:
        return chr(int(code, 16))
    return _GO_ESCAPES.get(m[4], m[4])


def _go_unquoted(quoted: str) -> str:
    """The string a Go %q literal (quotes included) holds."""
    return _GO_ESCAPE_RE.sub(_go_unescaped, quoted[1:-1])


def _kata_console_line(raw: str) -> str | None:
    """The guest console line a Kata runtime's log record carries; None for any other line.
    (Every line of a log comes here: the two plain substring tests go first.)"""
    if raw.endswith(_KATA_PROXY_AGENT):
        pm = _KATA_PROXY_MSG_RE.search(raw)
        if pm is None or 'time="' not in raw[: pm.start()]:
            return None
        return _go_unquoted(pm[1]).removesuffix("\n")
    at = raw.find(_KATA_CONSOLE_FIELD)
    if at == -1 or 'time="' not in raw[:at] or " level=" not in raw[:at]:
        return None
    value = raw[at + len(_KATA_CONSOLE_FIELD) :]
    if not value.startswith('"'):
        return value.split(" ", 1)[0]  # a value logrus left bare: one plain word
    m = _GO_QUOTED_RE.match(value)
    return _go_unquoted(m[0]) if m is not None else None


def _kernel_journal_record(raw: str) -> tuple[str, str, float | None] | None:
    """``(MESSAGE, SYSLOG, seconds since boot)`` of a ``journalctl -o json`` record the
    kernel wrote (``_TRANSPORT=kernel``); None for any other line.

    journald stores one printk record per entry, its text in ``MESSAGE`` with JSON's
    escapes (tabs, quotes) and its printk time in ``_SOURCE_MONOTONIC_TIMESTAMP``
    (microseconds, see systemd's journald-kmsg.c). Other records stay raw: a program's
    MESSAGE is never a kernel line (``from_userspace``).
    """
    if '"_TRANSPORT"' not in raw:
        return None
    try:
        rec = json.loads(raw)
    except ValueError:  # cut short or not JSON: read as any other line
        return None
    if not isinstance(rec, dict) or rec.get("_TRANSPORT") != "kernel":
        return None
    msg = _journal_text(rec.get("MESSAGE"))
    if msg is None:
        return None
    mono = rec.get("_SOURCE_MONOTONIC_TIMESTAMP")
    ts = int(mono) / 1e6 if isinstance(mono, str) and mono.isdigit() else None
    return msg, SYSLOG, ts


def _journal_text(value: object) -> str | None:
    """A journal field's text as journalctl's JSON writes it (journalctl(1), "json"): a
    string, or, when the text holds a byte that is not UTF-8 or a control character other
    than tab and newline (systemd's utf8_is_printable()), an array of its bytes as
    numbers; null when it exceeded the size limit. The kernel's records hold such bytes
    where a report prints a corrupted task's comm ("Comm: Yl\x01...") or a device's own
    strings. The bytes are read as latin-1, one character each, as parse_log reads a log
    given as bytes; null is an empty record."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("latin-1")
    return None


def _maybe_field(raw: str) -> bool:
    """A cheap look before _FIELD_RE: "KEY=" or '"KEY" : ' near the line's start."""
    head = raw[:48]
    return "=" in head or '":' in head or '" :' in head


def _journal_field(raw: str, fm: re.Match[str]) -> tuple[str, str, float | None]:
    """``(text, context, None)`` of one field line of a journal entry (``_FIELD_RE``)."""
    if fm["key"] is not None:
        if fm["key"] != "MESSAGE":
            return raw, JOURNAL_FIELD, None
        return raw[fm.end() :], SYSLOG, None
    if fm["jkey"] != "MESSAGE":
        return raw, JOURNAL_FIELD, None
    value = raw[fm.end() :].rstrip().removesuffix(",")
    try:
        text = json.loads(value)
    except ValueError:
        return raw, JOURNAL_FIELD, None
    if isinstance(text, list):  # a byte array (reader._journal_arrays put it on one line)
        text = _journal_text(text)
    if not isinstance(text, str):
        return raw, JOURNAL_FIELD, None
    return text, SYSLOG, None


# A json-pretty member line's indent: journalctl -o json-pretty's is a tab (systemd's
# json_variant_dump(), JSON_FORMAT_PRETTY: the parent's prefix and "\t", then
# '"KEY" : '); an operator who pipes -o json through jq gets two spaces a level and
# '"KEY": ' (jq 1.7 src/jv_print.c jv_dump_term(): put_indent(), ':' and a space under
# JV_PRINT_PRETTY; main.c's default JV_PRINT_INDENT_FLAGS(2)), python -m json.tool four.
# _FIELD_RE reads both; record_text must look past either to the MESSAGE.


def record_text(raw: str) -> str:
    """A kernel journal record's MESSAGE when ``raw`` holds it in JSON (-o json,
    json-seq, json-pretty; util-linux dmesg --json's "msg"), else ``raw``: the header
    shapes, which end with the line ("Oops [#1]"), hold for the MESSAGE, not for
    '"MESSAGE": "Oops [#1]", "_PID": ...'.
    So for a Kata runtime's record: its guest's console line, not the Go-quoted field;
    and for crash's "sys" PANIC field: the quoted line, not 'PANIC: "Oops: 0000 [#1] ..."'
    (an OpenZFS "PANIC: " to the kinds, and the quote's own kind unseen)."""
    if (console := _kata_console_line(raw)) is not None:
        return console
    if (sm := _crash_sys_panic(raw)) is not None:
        return sm["msg"]  # crash's "sys" PANIC field: the log's line it quotes
    if (
        raw[:1] == " "
        and '"msg": "' in raw[:24]  # (parse_prefix's look, inline)
        and (message := _dmesg_json_message(raw)) is not None
    ):
        # util-linux dmesg --json's "msg" member (2.38+ sys-utils/dmesg.c print_record():
        # ul_jsonwrt_value_s_sized(..., "msg", ...)): parse_prefix reads it as the
        # console's text, no SYSLOG MESSAGE, so the jq-indent case below would keep the
        # whole member line and miss a header that must be the whole line
        return message
    if (
        raw[:1] in ("{", _RS)
        or raw[:7] == _JSON_SSE_RECORD
        or raw[:2] == '\t"'
        or (raw[:2] == "  " and raw.lstrip(" ")[:1] == '"')  # jq, json.tool (above)
        or (raw[:1].isdigit() and raw[2:3] == "-")  # (_maybe_logcat's look, inline)
        or (raw[1:2] == "/" and raw[:1] in _LOGCAT_PRIORITIES)
    ):
        message, context, _ = parse_prefix(raw)
        if context == SYSLOG:
            return message
    return raw


def is_journal_message(raw: str) -> bool:
    """Is ``raw`` the MESSAGE line of a journal entry printed one field a line?"""
    fm = _FIELD_RE.match(raw) if _maybe_field(raw) else None
    return fm is not None and (fm["key"] or fm["jkey"]) == "MESSAGE"


# An entry's lines lie together; its _TRANSPORT is looked for this far around MESSAGE.
_ENTRY_LINES = 200
_TRANSPORT_FIELD_RE = re.compile(r'[ \t]*(?:_TRANSPORT=|"_TRANSPORT" ?: ")(\w+)')


def journal_entry_transport(text: str, start: int) -> str | None:
    """The ``_TRANSPORT`` of the journal entry whose field line starts at ``start``
    (``kernel`` for the kernel's records), or None when the entry names none.

    The entry is the run of field lines around it: -o verbose's and -o json-pretty's
    entry-opening lines ("Fri 2026-... [s=...]", "{") and -o export's empty line are no
    field lines, and fields come in no fixed order.
    """
    return _entry_field(text, start, _TRANSPORT_FIELD_RE)


# journalctl(1) prints "-- Boot <boot id> --" between two boots' entries, in every output
# mode unless --quiet or --merge (journalctl-show.c show(), before an entry whose boot is
# not the last one's); "-- Reboot --" before systemd 247. Often the one sign of a reboot
# there: a journal kept from before journald ran holds no banner, -o short-precise no
# printk time.
_JOURNAL_BOOT_RE = re.compile(r"-- (?:Boot [0-9a-f]{32}|Reboot) --\s*$")


def is_journal_boot_line(text: str) -> bool:
    """Is ``text`` (a line without its prefix) journalctl's line between two boots?"""
    return _JOURNAL_BOOT_RE.match(text) is not None


# The boot an entry was logged in: -o export prints "_BOOT_ID=<id>" among the fields it
# opens each entry with (systemd's logs-show.c output_export(): __CURSOR,
# __REALTIME_TIMESTAMP, __MONOTONIC_TIMESTAMP, _BOOT_ID, then the entry's data); -o json
# a member '"_BOOT_ID":"<id>"' (json-pretty's and older systemd's with spaces). Searched
# for from the name on (a literal first: the fast search), its line's start checked after.
_BOOT_ID_RE = re.compile(r'_BOOT_ID(=|" ?: ?")([0-9a-f]{32})')
_BOOT_ID_FIELD_RE = re.compile(r'[ \t]*(?:_BOOT_ID=|"_BOOT_ID" ?: ?")([0-9a-f]{32})')


def _names_boot(text: str, m: re.Match[str], line_start: int) -> bool:
    """Is ``m`` (a _BOOT_ID_RE match in the line starting at ``line_start``) an entry's
    field, not a message's words: an export field line's name, or a JSON member's?"""
    if m.group(1) == "=":
        return not text[line_start : m.start()].strip()
    return text[m.start() - 1 : m.start()] == '"'


def journal_boot_id(raw: str) -> str | None:
    """The ``_BOOT_ID`` a journal line names (an export field line, a JSON record), or
    None."""
    if "_BOOT_ID" not in raw:
        return None
    m = _BOOT_ID_RE.search(raw)
    return m.group(2) if m is not None and _names_boot(raw, m, 0) else None


def journal_boot_ids(text: str) -> dict[int, str]:
    """The boot each ``_BOOT_ID`` of ``text`` names, by the start of its line, in order."""
    out: dict[int, str] = {}
    if "_BOOT_ID" not in text:  # (most logs: no journal entries)
        return out
    for m in _BOOT_ID_RE.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if _names_boot(text, m, start):
            out[start] = m.group(2)
    return out


def journal_entry_boot(text: str, start: int) -> str | None:
    """The ``_BOOT_ID`` of the journal entry whose line starts at ``start``: the line's
    own (-o json), or a field line's of its entry (-o export, json-pretty); None when
    the line is no journal entry's or its entry names none."""
    end = text.find("\n", start)
    raw = text[start : len(text) if end == -1 else end]
    own = journal_boot_id(raw)
    if own is not None or _FIELD_RE.match(raw) is None:
        return own
    return _entry_field(text, start, _BOOT_ID_FIELD_RE)


def _entry_field(text: str, start: int, field_re: re.Pattern[str]) -> str | None:
    """The value ``field_re`` (its group 1) reads from a field line of the journal entry
    whose field line starts at ``start`` (journal_entry_transport's entry), or None."""
    for step in (-1, 1):
        pos = start
        for _ in range(_ENTRY_LINES):
            if step < 0:
                if pos == 0:
                    break
                pos = text.rfind("\n", 0, pos - 1) + 1
            else:
                nl = text.find("\n", pos)
                if nl == -1:
                    break
                pos = nl + 1
            end = text.find("\n", pos)
            raw = text[pos : len(text) if end == -1 else end]
            if _FIELD_RE.match(raw) is None:
                break
            fm = field_re.match(raw)
            if fm is not None:
                return fm.group(1)
    return None


# util-linux dmesg --json (print_record() through ul_jsonwrt, pretty): one object per
# record, a member per line, the text in "msg" with JSON's escapes:
#       {
#          "pri": 4,
#          "time":     1.994694,
#          "msg": "BUG: kernel NULL pointer dereference, address: 0000000000000008"
#       },{
# Its other lines name no kernel text and keep no context of the kernel's.
_DMESG_JSON_MSG_RE = re.compile(r'^ +"msg": ("(?:[^"\\]|\\.)*")$')


def _dmesg_json_message(raw: str) -> str | None:
    m = _DMESG_JSON_MSG_RE.match(raw)
    if m is None:
        return None
    try:
        text = json.loads(m.group(1))
    except ValueError:
        return None
    # a record holding newlines (rare since 3.5): its first line only
    return text.partition("\n")[0] if isinstance(text, str) else None


def _task_or_cpu(pid: str, cpu: str) -> str:
    """The context of task ``pid`` on ``cpu``: "P<pid>", or "I<cpu>" for an idle task.
    Every CPU's idle task is pid 0 (init_task on the boot CPU, kernel/fork.c fork_idle()
    on the others): they are told apart by their CPU."""
    return f"P{int(pid)}" if int(pid) else f"I{int(cpu)}"


# The vendor prefixes' groups that name a CPU alone (see _VENDOR_PROCESS), each one
# vendor's, tried in this order.
_CPU_ALONE_GROUPS = ("acpu", "lcpu", "vcpu", "ocpu", "ucpu", "wcpu", "vmcpu")


def _vendor_context(m: re.Match[str]) -> str | None:
    """The context a vendor prefix names (see _VENDOR_PROCESS): "P<pid>" for a task, "I<cpu>"
    for Samsung's interrupt-context lines and idle tasks' (all pid 0), "c<cpu>"
    for a CPU id alone. Not caller ids:
    printk's "T"/"C" tags mean more (caller_id) than these prefixes say. (``m`` need not
    hold every prefix's groups: _logcat_vendor_re()'s are those after print_time().)"""
    g = m.groupdict()
    if g.get("ppid") is not None:
        return f"I{m['pcpu']}" if m["pirq"] == "I" else _task_or_cpu(m["ppid"], m["pcpu"])
    if g.get("cpid") is not None:
        return _task_or_cpu(m["cpid"], m["ccpu"])
    if g.get("ccpu") is not None:
        return f"c{m['ccpu']}"
    if g.get("hpid") is not None:
        if m["hcomm"] == "in irq":
            return f"I{m['hcpu']}"
        return _task_or_cpu(m["hpid"], m["hcpu"])
    if g.get("amcpu") is not None:
        task = m["amtask"].rstrip()
        if m["amirq"] not in ("", "."):
            return f"I{m['amcpu']}"  # an interrupt's line: its CPU's, not the task's
        return f"T{task[1:]}" if _CALLER_RE.fullmatch(task) and task[0] == "T" else f"c{m['amcpu']}"
    if g.get("rpid") is not None:
        if m["rcomm"] == "in irq":
            return f"I{m['rcpu']}"
        return _task_or_cpu(m["rpid"], m["rcpu"])
    if g.get("xtid") is not None:
        # printk's own caller id: the task in task context, else the CPU
        return f"T{m['xtid']}" if m["xctx"] == "T" else f"C{m['xcpu']}"
    for group in _CPU_ALONE_GROUPS:
        if (cpu := g.get(group)) is not None:
            return f"c{cpu}"
    if g.get("mpid") is not None:
        return _task_or_cpu(m["mpid"], str(int(m["mcpu"], 16)))
    return None


# A vendor prefix's context for a task or one CPU's idle or interrupt context
# (_vendor_context): one stream of lines, as a caller id's.
_VENDOR_TASK_RE = re.compile(r"[PI]\d+")


def task_stream(context: str) -> bool:
    """Does ``context`` name the one task (or CPU context) that printed its line, a printk
    caller id or a vendor prefix's task? Then a report's lines are told from another
    CPU's printed amid them, and go on past that CPU's report."""
    tail = context.rsplit("/", 1)[-1]
    return bool(caller_id(tail)) or _VENDOR_TASK_RE.fullmatch(tail) is not None


def caller_id(context: str) -> str:
    """The printk caller id (``T123``/``C1``) in a context, or ``""``."""
    tail = context.rsplit("/", 1)[-1]
    return tail if _CALLER_RE.fullmatch(tail) else ""


def classify(raw: str) -> Line:
    """Strip one raw line (offsets are filled by the callers that know them)."""
    return make_line(raw, 0, 1)


# Spaces and tabs a line ends with: an editor's, a terminal's or a page's copy adds them,
# and a few kernel lines print one (print_mce()'s "MISC %llx "); no report's shape needs
# them, and a pattern that reads on to the next line ("Exception: 5\nBank 4:", the trace's
# frames after its header) must not stop at them.
_TRAILING = (" ", "\t")

# printk never emits longer messages (PRINTK_MESSAGE_MAX); longer lines come from other
# programs sharing the console, and cutting them keeps regex work linear in practice.
MAX_TEXT = 2048


def make_line(raw: str, start: int, number: int, plain: bool = False) -> Line:
    """The Line of ``raw``. ``plain``: the caller found ``needs_plain(raw)`` False already
    (extract's loop, on every line of a report window), which holds for any part of it."""
    clipped = raw if len(raw) <= 4 * MAX_TEXT else raw[: 4 * MAX_TEXT]
    if not plain and needs_plain(clipped):
        clipped = plain_line(clipped)
    # parse_prefix's common case inline (this runs on every line of a report window).
    fm = _FAST_RE.match(clipped) if clipped[:1] == "[" and clipped[-1:] != "\r" else None
    ts: float | None
    if fm is not None:
        ts_text, ctx = fm.groups()
        text, ctx, ts = clipped[fm.end() :], ctx or CONSOLE, float(ts_text)
    else:
        text, ctx, ts = parse_prefix(clipped)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    if text[-1:] in _TRAILING:
        text = text.rstrip(" \t")
    questionable = False
    if "<EOI>" in text:
        pass
    elif ctx:
        # A prefixed line is judged by the marker alone: syzkaller's convention.
        questionable = " ? " in text or text.endswith(" (unreliable)")
    elif " ? " in text or text.endswith(" (unreliable)"):
        questionable = _BARE_QUESTIONABLE_RE.match(text) is not None
    return _new_line(Line, (start, start + len(raw), number, raw, text, ctx, questionable, ts))


def is_echo_fragment(raw: str, after: str) -> bool:
    """Is ``raw`` a record's start that a second console wrote before ``after``, the same
    record written whole, printk time and all? Two consoles on one serial line (a boot
    console kept beside the real one: 3.x kernel/printk/printk.c register_console()
    unregisters boot consoles only for the preferred console, CON_CONSDEV, so with
    "earlyprintk=ttyS0 console=ttyS0 console=tty0" earlyser0 and ttyS0 both write the
    port) take each written piece in turn (call_console_drivers()): a record printed in
    pr_cont() pieces reads "[ts] BUG: unable to handle kernel " on one line and
    "[ts] BUG: unable to handle kernel paging requestpaging request at c2446ffc" on the
    next, the first console's piece cut by the second's line."""
    frag = raw.rstrip(" \t")
    if len(after) <= len(frag) or not after.startswith(frag):
        return False
    line = make_line(frag, 0, 0)
    return line.timestamp is not None and bool(line.text)


def iter_lines(
    text: str, start: int = 0, end: int | None = None, first_number: int = 1
) -> Iterator[Line]:
    """Yield the lines of ``text[start:end]`` (``start`` must be at a line start)."""
    if end is None:
        end = len(text)
    pos = start
    number = first_number
    while pos < end:
        nl = text.find("\n", pos, end)
        if nl == -1:
            nl = end
        yield make_line(text[pos:nl], pos, number)
        number += 1
        pos = nl + 1


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end (exclusive, before the newline) of the line containing ``pos``."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    if end == -1:
        end = len(text)
    return start, end


def split_lines(text: str) -> list[Line]:
    """All lines of a log with offsets, numbers, stripped text and context."""
    return list(iter_lines(text))
