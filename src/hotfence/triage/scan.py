"""Step 1 of parsing a log: find the lines that start a crash report, cheaply.

Most bytes of a real log are not crashes. Every oops header contains one of a few
substrings (``SCAN_NEEDLES``); they are located with one Aho-Corasick pass over the whole
text, and only the lines holding one are matched against the ``OOPSES`` table. The same
pass finds the earlier events (OOM kills, allocation failures) that a crash's context
shows.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import ahocorasick_rs

from . import oopses
from .lines import (
    from_userspace,
    glued_record,
    is_echo_fragment,
    is_journal_message,
    journal_entry_transport,
    journal_host,
    make_line,
    plain_line,
    record_text,
)
from .oopses import OOPSES, OopsKind

# Earlier events worth showing with a crash: memory pressure and the failures it causes
# usually explain it (a pernet init that could not get its memory, then crashed unwinding).
CONTEXT_MARKERS = (
    "oom-k",  # "invoked oom-killer", "oom-kill:constraint=..."
    # (and dump_header()'s line cut inside "oom-killer" by a wrap that breaks after a
    # hyphen, textwrap.fill()'s or a UAX #14 mail client's: "... dd invoked oom-" then
    # "killer: gfp_mask=...", parser._dump_hyphen_cut)
    "invoked oom-",
    "ut of memory",  # "Out of memory: Killed process", "Memory cgroup out of memory"
    # (and that line cut by a pager, less -S, in its words: "Memory cgroup out of memo>",
    # mm/oom_kill.c __oom_kill_process(), parser._CUT_KILL_WORDS_RE)
    "Memory cgroup out",
    "Killed process",
    "allocation failure",  # "page allocation failure", "vmalloc: allocation failure"
    # 4.9-4.14 mm/page_alloc.c warned through the same warn_alloc() when an allocation
    # kept failing to reclaim for 10 s: "java: page allocation stalls for 10008ms,
    # order:0, mode:0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null)".
    "allocation stall",
    "Unable to allocate memory",  # "SLUB: Unable to allocate memory on node -1, gfp=0x..."
    "no more sockets",  # net/socket.c sock_alloc_inode(): "socket: no more sockets"
    "ailed to initialize",  # "IPv6: Failed to initialize the ICMP6 control socket (err -12)."
    "init failed",  # "<subsys>: ... init failed" from pernet and driver init paths
    "ailed to allocate",  # drivers' and subsystems' own allocation failure messages
    "oom_reaper:",  # "oom_reaper: reaped process 123 (java), now anon-rss:0kB ..."
    # The swap device failing: mm/page_io.c end_swap_bio_write() / end_swap_bio_read()
    # "Write-error on swap-device (%u:%u:%llu)", "Read-error on swap-device (...)". A
    # page that never came back from swap is what the next crash trips on.
    "error on swap-device",
    # A container at its pids.max: kernel/cgroup/pids.c (4.8 on) prints "cgroup: fork
    # rejected by pids controller in <cgroup>" the first time a fork fails there. Its
    # daemons then fail to start threads or helpers, whose error paths are what crash.
    "fork rejected",
    # A host out of connection-tracking entries drops new flows: net/netfilter/
    # nf_conntrack_core.c "nf_conntrack: table full, dropping packet" (6.x doubles the
    # prefix, "nf_conntrack: nf_conntrack: table full, ..."; 2.6's ip_conntrack printed
    # "ip_conntrack: table full, dropping packet."). Health checks then fail, watchdogs
    # fire, a container runtime's netlink calls time out.
    "table full",
    # A PCIe link or device reporting an error through AER: drivers/pci/pcie/aer.c
    # aer_print_error() "pcieport 0000:00:1c.0: PCIe Bus Error: severity=Uncorrected
    # (Non-Fatal), type=Transaction Layer, (Receiver ID)" (3.x "..., id=00e0(Receiver
    # ID)", early 2.6 "PCIE Bus Error: ..."): a NIC or NVMe disk behind it dropping off
    # explains the driver's crash next.
    "Bus Error: severity",
    # A failing disk, before the filesystem's BUG() or the hung jbd2/xfsaild waiting on it:
    # block/blk-core.c blk_print_req_error() "I/O error, dev sda, sector 8 op 0x0:(READ)
    # ..." (5.18), "blk_update_request: I/O error, dev ..." (4.x-5.17), 2.6.x-3.x's
    # "end_request: I/O error, dev ...", fs/buffer.c's "Buffer I/O error on dev sda1, ...".
    "I/O error",
    # The same lines for the other block statuses (block/blk-core.c blk_errors[] names):
    # a disk's unreadable sector, "critical medium error, dev sda, sector N ...", an NVMe
    # command that timed out, "timeout error, dev nvme0n1, ...", "critical target error",
    # "recoverable transport error"... all eras print "<status> error, dev <disk>".
    "error, dev ",
    # An NVMe command the controller did not complete in time: drivers/nvme/host/pci.c
    # nvme_timeout() "nvme nvme0: I/O 629 (I/O Cmd) QID 1 timeout, aborting", then
    # "..., reset controller" or "..., disable controller" ("I/O %d QID %d timeout,
    # completion polled" when the interrupt was lost; rdma.c "I/O %d QID %d timeout").
    "QID ",
    # The controller itself failing, which every command on it follows into errors:
    # pci.c nvme_warn_reset() (4.10 on) "nvme nvme0: controller is down; will reset:
    # CSTS=0x3, PCI_STATUS=0x10" when a timed-out controller reports a fatal status;
    # nvme_remove_dead_ctrl() "nvme nvme0: Removing after probe failure status: -19" when
    # its reset fails and the driver lets it go (later kernels' nvme_reset_work()
    # "Disabling device after reset failure: -19"); and core.c nvme_log_error() (since
    # "nvme: add verbose error logging") for a command the disk failed: "nvme0n1: I/O
    # Cmd(0x2) @ LBA 4660, 8 blocks, I/O Error (sct 0x0 / sc 0x4)", with opcode and
    # status named ("Read(0x2)", "Unrecovered Read Error") under CONFIG_NVME_VERBOSE_ERRORS,
    # "Admin Cmd(0x6), I/O Error (sct ..." for an admin command: "(sct 0x" in them all.
    "controller is down",
    "Removing after probe failure",
    "Disabling device after reset failure",
    "(sct 0x",
    # ... and the reset itself failing: core.c nvme_wait_ready() "nvme nvme0: Device not
    # ready; aborting reset, CSTS=0x1" when the controller did not clear (or, for
    # "aborting initialisation", set) CSTS.RDY within its CAP.TO (5.x on with the CSTS).
    "Device not ready; aborting",
    # The filesystem on it finding its metadata bad: fs/ext4/super.c __ext4_error() and
    # __ext4_error_inode() "EXT4-fs error (device sda1): func:line: inode #N: comm X: ..."
    # (ext2's and ext3's "EXTn-fs error (device ...): ..." alike), fs/btrfs/messages.c
    # btrfs_printk() "BTRFS error (device sda1): ...". A filesystem BUG() or a task
    # hung on the journal often follows.
    "error (device",
    # ... and giving up on it: with errors=remount-ro, fs/ext4/super.c ext4_handle_error()
    # aborts the journal, fs/jbd2/journal.c jbd2_journal_abort() "Aborting journal on
    # device loop0-8." (jbd's alike), then "EXT4-fs (loop0): Remounting filesystem
    # read-only" (ext2's and ext3's "error: remounting filesystem read-only"). Every
    # write to it fails from then on: containers, logs and databases on it with them.
    "Aborting journal on device",
    # btrfs giving up on a transaction: fs/btrfs/transaction.h btrfs_abort_transaction()
    # WARN()s "BTRFS: Transaction aborted (error -28)" (its message printed before the
    # WARNING line since 4.x, after it in 3.x's "btrfs: Transaction aborted (error -5)"),
    # then the filesystem is forced read-only.
    "Transaction aborted",
    "emounting filesystem read-only",
    # The journal's own superblock write failing, the disk gone under it: fs/jbd2/
    # journal.c jbd2_write_superblock() "JBD2: Error -5 detected when updating journal
    # superblock for sda1-8." (3.x-5.x; 2.6's "JBD2: I/O error detected when ...", 6.x's
    # "JBD2: I/O error when updating journal superblock for ...").
    "updating journal superblock",
    # XFS finding a metadata block bad, before the I/O error it returns for it (or none,
    # when the check runs on a write): fs/xfs/xfs_error.c xfs_corruption_error() "XFS
    # (sda1): Corruption detected. Unmount and run xfs_repair", xfs_buf_verifier_error()
    # "XFS (sda1): Metadata corruption detected at xfs_buf_ioend+0x14d/0x5e0 [xfs],
    # xfs_inode block 0x80 xfs_inode_buf_verify".
    "orruption detected",
    # ... and the check that found it: fs/xfs/xfs_error.c xfs_error_report() "XFS (sda1):
    # Internal error xfs_trans_cancel at line 1097 of file fs/xfs/xfs_trans.c.  Caller
    # xfs_create+0x4d6/0x7c0 [xfs]" (2.6.32's "XFS: Internal error XFS_WANT_CORRUPTED_GOTO
    # at line ...  Caller 0xffffffffa01e76c2", 2.6.1x's 'Filesystem "sda1": XFS internal
    # error ...'). With its stack dump after it, it is a report of its own (oopses.py).
    "nternal error ",
    # The check an OpenZFS assertion failed on, the line spl_panic() prints before its
    # "PANIC at file:line:func()" report: include/os/linux/spl/sys/debug.h "VERIFY(%s)
    # failed", "VERIFY3(%s) failed (%lld == %lld)", "VERIFY0(...", "VERIFY3P(...".
    "VERIFY",
    # ... and SPL 0.6's ASSERT() (module/spl/spl-debug.c's spl_debug_msg() before its
    # "SPL PANIC"): "SPLError: 117:0:(file.c:252:func()) ASSERTION(cond) failed".
    "ASSERTION(",
    # XFS's failed ASSERT() on a CONFIG_XFS_DEBUG or CONFIG_XFS_WARN build, before the
    # BUG() or WARN_ON() it raises: fs/xfs/xfs_message.c assfail() "XFS (loop0):
    # Assertion failed: 0, file: fs/xfs/xfs_buf_item_recover.c, line: 414".
    "Assertion failed: ",
    # XFS giving up on a filesystem: fs/xfs/xfs_fsops.c xfs_do_force_shutdown() "XFS
    # (sda1): Log I/O Error (0x6) detected at <caller> (fs/xfs/...:498).  Shutting down
    # filesystem." (5.x on; before, "Log I/O Error Detected.  Shutting down filesystem",
    # 2.6's 'Filesystem "sda2": ... Shutting down filesystem: sda2'). Every write to it
    # fails from then on.
    "Shutting down filesystem",
    # A RAID member dropped: drivers/md/raid1.c / raid10.c / raid5.c *_error() print
    # "md/raid1:md0: Disk failure on sdb1, disabling device." (2.6.18's "raid1: Disk
    # failure on ..."), then how many devices the array goes on with.
    "Disk failure on",
    # The path to a disk failing under the tasks that then hang on it (or the crash in
    # their error paths). net/sunrpc/clnt.c call_timeout() (rpc_check_timeout() in 5.x):
    # an NFS or lockd client's RPC to its server timed out, "nfs: server nas1 not
    # responding, still trying" on a hard mount, "..., timed out" on a soft one.
    "not responding, still trying",
    "not responding, timed out",
    # drivers/scsi/scsi_transport_iscsi.c: iscsi_conn_error_event() "connection1:0:
    # detected conn error (1020)" (2.6.2x "iscsi: detected conn error (1011)"), then
    # session_recovery_timedout() "session1: session recovery timed out after 120 secs"
    # when the target did not come back in time and its commands are failed.
    "detected conn error",
    "session recovery timed out",
    # drivers/scsi/scsi_lib.c scsi_device_state_check() (scsi_prep_state_check() before
    # 5.x): "sd 3:0:0:1: rejecting I/O to offline device" (or "... dead device").
    "rejecting I/O to",
    # drivers/md/dm-mpath.c fail_path(): "device-mapper: multipath: 253:2: Failing path
    # 8:32." (before 4.x without the table's device), one path of a multipath map lost.
    "Failing path",
    # drivers/ata/libata-eh.c ata_eh_link_report(): "ata1.00: exception Emask 0x0 SAct
    # 0x0 SErr 0x0 action 0x6 frozen", a command the disk did not complete or failed.
    "exception Emask",
    # OpenZFS module/zfs/zio.c zio_suspend(): "WARNING: Pool 'tank' has encountered an
    # uncorrectable I/O failure and has been suspended." (the SPL's vcmn_err(CE_WARN));
    # every write to the pool blocks from then on.
    "uncorrectable I/O failure",
    # A USB host controller given up for dead, every device on its buses (disks, NICs,
    # a BMC's virtual media) disconnected with it: drivers/usb/host/xhci-ring.c
    # xhci_hc_died() "xhci_hcd 0000:00:14.0: xHCI host controller not responding, assume
    # dead", then drivers/usb/core/hcd.c usb_hc_died() "HC died; cleaning up" (which
    # EHCI's, OHCI's and the other host drivers' fatal-error paths call too). Not
    # drivers/usb/core/hub.c hub_port_init()'s "usb 1-1: device descriptor read/64, error
    # -71": one failed try at enumerating a device that the hub driver retries, printed
    # for a loose cable or a flaky device on any healthy machine, it explains no crash.
    "not responding, assume dead",
    "HC died; cleaning up",
    # lib/fault-inject.c fail_dump(): a failure forced on purpose (failslab, fail_page_alloc,
    # fail-nth...), then which fault attribute forced it. The failing call's error path is
    # what crashes next, as with a real allocation failure.
    "FAULT_INJECTION: forcing a failure",
    ", probability ",  # "name failslab, interval 1, probability 0, space 0, times 0"
    # Failing hardware, which can corrupt anything the crash then trips on: x86's machine
    # checks (mce/core.c's HW_ERR "[Hardware Error]: " lines, "Machine check events
    # logged" for a corrected one), firmware-first errors (APEI GHES, "{1}[Hardware
    # Error]: ..."), and the memory controllers' ECC errors, whose every edac_mc.c
    # wording gives the grain ("EDAC MC0: 1 CE memory read error on ... grain:32 ...",
    # 2.6.x's "EDAC MC0: CE page 0x.., offset 0x.., grain 8, ...").
    "[Hardware Error]",
    "grain",
    # arch/x86/kernel/nmi.c: an NMI no handler claimed ("Uhhuh. NMI received for unknown
    # reason 2d on CPU 0.", a server's management controller or failing hardware) and
    # the chipset's error lines ("NMI: PCI system error (SERR) for reason a1 on CPU 0.",
    # "NMI: IOCK error (debug interrupt?) for reason 71 on CPU 0.")
    "NMI received",
    ") for reason ",
)

# One pass instead of one search per stack-start pattern.
_STACK_START_ANY = re.compile("|".join(f"(?:{r.pattern})" for r in oopses.STACK_START))


def is_stack_start(line: str) -> bool:
    """``_STACK_START_ANY.search(line)``, with a literal pre-check (the regex has no
    literal prefix, so running it costs ~1 us per line; most lines hold no hint)."""
    for hint in _STACK_HINT_STEMS:
        if hint in line:
            return _STACK_START_ANY.search(line) is not None
    return False


# Shorter stems of oopses.STACK_START_HINTS: every hint contains one of them.
_STACK_HINT_STEMS = (
    "Call ",
    "Allocated",
    "Freed",
    "acktrace",
    "Trace:",
    "Uninit was stored",
    "status: ",
)
assert all(any(stem in h for stem in _STACK_HINT_STEMS) for h in oopses.STACK_START_HINTS)


# Substrings scanned for over the whole log: every oops header contains one of them, and
# few enough are used (shared stems like "BUG" or "panic") that the scan stays cheap.
SCAN_NEEDLES = (
    "BUG",
    "WARNING:",
    "INFO:",
    # (no "kernel": a mail client's wrap at 73 columns, after a syslog prefix and a
    # printk time, cuts MIPS's "CPU %d Unable to handle kernel paging request at virtual
    # address %0*lx, epc == %0*lx, ra == %0*lx" (arch/mips/mm/fault.c __do_page_fault(),
    # 4.19 and 6.1) after "handle", the row going on "kernel paging request at ...";
    # and a pager, less -S, at 50..59 columns before "kernel": "CPU 0 Unable to han>")
    "Unable to h",
    "general protection fault",
    "stack segment: ",
    "panic",
    "PANIC",  # "PANIC: double fault"; logcat pads a tag: "PANIC   : double fault"
    "error:",
    "invalid opcode:",
    "UBSAN",  # "UBSAN:", logcat's "UBSAN   :" (lines.py _LOGCAT_RE)
    "Booting the kernel",  # "Booting the kernel." and 6.x's "... (entry_offset: 0x0)."
    # These three without the header's colon: logd (LogKlog::log(), Android 6 on) takes
    # the words before a kernel record's first ":" for its tag, and logcat -v brief and
    # -v time print "%c/%-8s(%5d): " (liblog android_log_formatLogLine()), the tag's
    # colon gone: "E/unregister_netdevice(    0): waiting for lo ...", "E/Unhandled
    # fault(    0): page domain fault ...", "E/Alignment trap(    0): not handling ...".
    # (lines.py reads the record back as "tag: message", the header the kinds look for.)
    "unregister_netdevice",
    "VFS",  # "VFS: Busy inodes...", logcat's "VFS     : Busy inodes..."
    "Unhandled fault",
    "Alignment trap",
    # (only "SError ": a cut with no mark at 44 columns after journalctl's prefix keeps
    # "SError Interru" of arm64's "SError Interrupt on CPU%d, ...", oopses.py)
    "SError ",
    "CFI failure",
    "Kernel bug de",  # (MIPS die()'s "Kernel bug detected[#1]:", or a pager's cut of it)
    "Oops",  # arc die()'s "Oops" alone on its line
    ": Code=",  # parisc parisc_terminate()
    " (code ",  # parisc die_if_kernel()
    "***   FORMAT=",  # m68k bad_super_trap()
    "bus error, epc == ",  # MIPS do_be()
    " ilc:",
    "[#",
    ", sig: ",
    "LOCKUP",  # "hard LOCKUP", "Hard LOCKUP", 2.6.x "detected LOCKUP": one needle, see below
    # (and the hard lockup's line a pager cut in "hard LOCKUP", "detected" or "Watchdog":
    # "watchdog: Watchdog detected h>", "watchdog: Watchdog de>", "NMI watchdog:
    # Watch>", kernel/watchdog.c watchdog_hardlockup_check(), oopses.py)
    "Watch",
    # powerpc's "CPU %d self-detected hard LOCKUP @ %pS" a pager cut before "LOCKUP", its
    # "watchdog: " pr_fmt before it (arch/powerpc/kernel/watchdog.c, oopses.py)
    "watchdog: CPU ",
    "Badness ",  # "Badness in " (WARN_ON to 2.6.1x), "Badness at " (report_bug to 3.5)
    "Bad mode in ",  # arm / arm64 bad_mode() (BAD_MODE)
    "Bad page state ",  # before 2.6.28 bad_page() printed no "BUG: " (oopses.py)
    "Bad pte = ",  # print_bad_pte() before 2.6.29's "BUG: Bad page map" (oopses.py)
    # (no "Exception": a mail client's wrap at 73 columns, after a syslog prefix and a
    # printk time, cuts "CPU %d: Machine Check Exception: ..." after "Check", as 2.6
    # i386 k7_machine_check() (arch/i386/kernel/cpu/mcheck/k7.c, "CPU %d: Machine Check
    # Exception: %08x%08x") and RHEL 6's print_mce() print it, the row going on
    # "Exception: 0000000000000005": _wrapped_header reads the two as one line; and a
    # pager, less -S, cuts it before "Exception" or in "Check": "CPU 7: Machine Chec>")
    "Machine C",
    # (a reply's rewrap at 66 of a quoted syslog paste cuts it sooner, after "Machine":
    # "> ... [ 9021.441001] CPU 7: Machine", "> Check Exception:                5 Bank 4:
    # be00000000800400"; the needle's row after a prefixed one, _wrapped_header's)
    "Check Exception:",
    "tack overflow",  # s390's "Kernel stack overflow.", "do_IRQ: stack overflow: "
    # (and "near stack": a mail client's wrap at 72-75 columns, after a syslog prefix and
    # a printk time, cuts x86_64's "do_IRQ: %s near stack overflow (cur:%Lx,rsp:%lx)",
    # 2.6.16-2.6.24 arch/x86_64/kernel/irq.c stack_overflow_check(), after "stack", the
    # row going on "overflow (cur:ffff810012345000,rsp:...)": _wrapped_header reads the
    # two as one line)
    "near st",  # (and "do_IRQ: %s near st>": a pager's cut, less -S, at 52..56 columns)
    # (and "do_IRQ: stack": a wrap at 66-68 columns, after a syslog prefix and a printk
    # time, cuts powerpc's "do_IRQ: stack overflow: %ld" (6.1 arch/powerpc/kernel/irq.c
    # check_stack_overflow()) after "stack", the row going on "overflow: 1728")
    "do_IRQ: stack",
    # (and "Kernel stack": the same wrap cuts s390's "Kernel stack overflow." (6.1
    # arch/s390/kernel/traps.c kernel_stack_overflow()) after "stack", the row going on
    # "overflow.": without it the report was titled by the panic after show_regs())
    "Kernel stack",
    "RTNL",  # "RTNL: assertion failed at ...", logcat's "RTNL    : assertion failed at ..."
    # "sysctl table check failed: %s/%s %pV" (fs/proc/proc_sysctl.c sysctl_err(), 6.1),
    # without "failed": a reply's quote-aware wrap at 72, after a syslog prefix and a
    # printk time, cuts it after "check", the row going on "failed: hotfence/bad No
    # proc_handler" (_wrapped_header reads the two as one line)
    "table check",
    "nobody cared",  # "irq 7: nobody cared (try booting with the \"irqpoll\" option)"
    "Missing ENDBR",
    # XFS's "Internal error %s at line %d of file %s" (2.6: "internal"); no blank after
    # it: a comment's word wrap (Bugzilla's, at 79 columns) cuts the line there and drops
    # the blank, "XFS (loop0): Internal error" going on "xfs_trans_cancel at line ..."
    "nternal error",
    # (and "): Internal": at 72 columns the wrap cuts it after "Internal", "XFS (loop0):
    # Internal" going on "error xfs_trans_cancel at line ...", xfs_alert_tag()'s "XFS
    # (%s): " prefix, fs/xfs/xfs_message.c, before fs/xfs/xfs_error.c
    # xfs_error_report()'s "Internal error %s at line %d of file %s.  Caller %pS", 6.1)
    "): Internal",
    # (only "Insufficient ": a wrap at 66-70 columns, after a syslog prefix and a printk
    # time, cuts arm64's and riscv's "Insufficient stack space to handle exception!" (6.1
    # arch/arm64/kernel/traps.c panic_bad_stack(), 6.12 arch/riscv/kernel/traps.c
    # handle_bad_stack()) after "stack", the row going on "space to handle exception!":
    # _wrapped_header reads the two as one line; a cut with no mark at 44 columns after
    # journalctl's prefix keeps "Insufficient s" of it and of arm's, its last column read as
    # the pager's mark, oopses.py. Without it the report began at the panic after the
    # registers and lost the "pc :" / "epc :" line that names the function)
    "Insufficient ",
    "Division by zero in kernel",  # 32-bit ARM __div0()
    "SYZFA",
    "unreferenced object",  # kmemleak's leaked object
    # dmesg --color ends the "subsystem" it colours at the first ": " with a reset, which
    # splits the needles "WARNING:", "INFO:", "error:"... ("WARNING\x1b[0m\x1b[1m: CPU: 0"):
    # a coloured line is looked at without its colours (lines.plain_line).
    "\x1b[0m",
)  # "error:" stands for "divide error:", "divide_error:", "Internal error:", "fatal error:"
assert all(any(n in k.header for n in SCAN_NEEDLES) for k in OOPSES), (
    "a header escapes the pre-filter"
)


# Few needles keep the pass fast: past a count the matcher's SIMD prefilter gives way to
# a slower search (two more needles cost ~15 % of a mostly-filler log's parse here), so
# headers share a stem where one stands for them all ("LOCKUP").
# Every needle in one Aho-Corasick pass (Rust, SIMD prefilter) over the bytes: about ten
# times the speed of a regex pass plus a str.find pass per needle. Leftmost-longest
# matches never span a newline (no needle holds one), so every line holding a needle gets
# at least one hit; the line itself is then tested against each needle list.
_NEEDLES = SCAN_NEEDLES + CONTEXT_MARKERS
_MATCHER_BYTES = ahocorasick_rs.BytesAhoCorasick(
    [n.encode() for n in _NEEDLES], matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
)
_MATCHER_STR = ahocorasick_rs.AhoCorasick(
    list(_NEEDLES), matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
)


# journalctl -o json (json-seq, json-sse) writes a field whose text holds a control byte
# or a byte that is not UTF-8 as the array of its bytes' numbers (systemd
# src/shared/logs-show.c json_escape(), utf8_is_printable(); "MESSAGE":[85,110,...], and
# '"MESSAGE" : [ 85, 110, ... ]' before v240's JsonVariant): a kernel record with a
# corrupted comm or a device's own string in it. No needle is in such a line's bytes; its
# text is read back by lines.py (_journal_text), and the line is found by its field, in a
# journal's JSON alone (a text or block whose first line is a record: one look, no pass
# over any other log).
_BYTE_MESSAGE = re.compile(rb'"MESSAGE"\s*:\s*\[')
_BYTE_MESSAGE_STR = re.compile(_BYTE_MESSAGE.pattern.decode())
_JSON_STARTS = (b"{", b"\x1e{", b"data: {")
_JSON_STARTS_STR = tuple(s.decode() for s in _JSON_STARTS)


def byte_message_positions(data: bytes) -> list[int]:
    """The positions of the byte-array MESSAGE fields of a JSON journal's ``data``."""
    if not data.startswith(_JSON_STARTS):
        return []
    return [m.start() for m in _BYTE_MESSAGE.finditer(data)]


def _byte_message_str_positions(text: str) -> list[int]:
    if not text.startswith(_JSON_STARTS_STR):
        return []
    return [m.start() for m in _BYTE_MESSAGE_STR.finditer(text)]


def _byte_message_header(raw: str) -> bool:
    """Does the JSON journal record ``raw`` hold a byte-array MESSAGE with a needle?"""
    return _BYTE_MESSAGE_STR.search(raw) is not None and any(
        n in record_text(raw) for n in SCAN_NEEDLES
    )


@dataclass
class ScanResult:
    candidates: dict[int, OopsKind]  # line start -> the oops kind that line starts
    events: list[tuple[int, int]]  # (line start, line end) of memory events, sorted


# The line before a needle's row and that row read as one (the line's start, its raw text
# with the row's), when a wrap cut the row from it; None otherwise.
Rejoin = Callable[[str, int], tuple[int, str] | None]


def scan_log(
    text: str,
    data: bytes | None = None,
    lines: Sequence[int] | None = None,
    rejoin: Rejoin | None = None,
) -> ScanResult:
    """Report-start lines and memory-event lines of ``text`` in one pass.

    ``data`` is ``text`` as the bytes it was decoded from as latin-1 (offsets equal),
    when the caller has them: the byte matcher is the faster one. ``lines``: the starts,
    in order, of every line of ``text`` holding one of ``_NEEDLES`` (lines holding none
    may be among them), when the caller has found them already (the prefilter, in its
    own pass over the same bytes): then there is no second pass. ``rejoin``: reads a
    row a wrap cut from the line before it back into that line (``_candidates``).
    """
    positions: Iterable[int]
    if lines is not None:
        positions = lines
    else:
        if data is None:
            try:
                data = text.encode("latin-1")
            except UnicodeEncodeError:
                data = None
        hits = (
            _MATCHER_BYTES.find_matches_as_indexes(data)
            if data is not None
            else _MATCHER_STR.find_matches_as_indexes(text)
        )
        positions = (pos for _idx, pos, _end in hits)
        extra = (
            byte_message_positions(data) if data is not None else _byte_message_str_positions(text)
        )
        if extra:
            positions = heapq.merge(positions, extra)
    starts: list[int] = []
    events: list[tuple[int, int]] = []
    # the host of a journalctl -o short-monotonic log (programs' lines name another ident)
    journal = journal_host(text)
    line_end = -1
    for pos in positions:
        if pos < line_end:
            continue  # one look per line
        start = text.rfind("\n", 0, pos) + 1
        nl = text.find("\n", pos)
        line_end = len(text) if nl == -1 else nl
        raw = text[start:line_end]
        if any(n in raw for n in SCAN_NEEDLES) or _byte_message_header(raw):
            starts.append(start)
        if any(m in raw for m in CONTEXT_MARKERS) and not _programs(text, start, raw, journal):
            events.append((start, line_end))
    return ScanResult(_candidates(text, starts, journal, rejoin), events)


def _programs(text: str, start: int, raw: str, journal: str | None) -> bool:
    """Is the line at ``start`` a program's, by its own shape or, for a journal entry's
    MESSAGE printed one field a line, by the entry's _TRANSPORT?"""
    if from_userspace(raw, journal):
        return True
    return is_journal_message(raw) and journal_entry_transport(text, start) != "kernel"


_PRINTK_TIME_RE = re.compile(r"\[ *\d+\.\d{6}\]")

# How far around a program's header line to look for the kernel's stamped lines: a Go
# runtime's dump of every goroutine runs to thousands of lines, the kernel's before it.
_STAMP_REACH = 1 << 16


def _programs_on_a_stamped_console(text: str, start: int) -> bool:
    """Is the unprefixed line at ``start`` on a console whose kernel lines carry printk's
    time? printk prefixes every line of every record it prints (kernel/printk/printk.c
    ``info_print_prefix()`` / ``print_time()``), so there a line without the prefix is a
    program's output that shared the console: a Go init's or containerd's ``panic:`` and
    ``goroutine 1 [running]:`` dump before the kernel's "Attempted to kill init!"."""
    end = text.find("\n", start)
    if make_line(text[start:] if end == -1 else text[start:end], start, 0).context:
        return False
    lo = max(0, start - _STAMP_REACH)
    hi = len(text) if end == -1 else min(len(text), end + _STAMP_REACH)
    for m in _PRINTK_TIME_RE.finditer(text, lo, hi):
        ls = text.rfind("\n", 0, m.start()) + 1
        le = text.find("\n", m.end())
        if make_line(text[ls:] if le == -1 else text[ls:le], ls, 0).timestamp is not None:
            return True
    return False


# A line that starts with printk's time (console's, dmesg's; blanks a paste put first).
_LINE_STAMP_RE = re.compile(r"(?m)^[ \t]*\[ *\d+\.\d{6}\]")


def _stamped_console(text: str, start: int) -> bool:
    """Do lines around the line at ``start`` start with printk's time? There printk
    stamps each line it prints, so a header before a time glued mid-line is a program's
    (lines.glued_record); a console without the times (or a log whose times a reader
    took away) says nothing of it."""
    lo, hi = max(0, start - _STAMP_REACH), min(len(text), start + _STAMP_REACH)
    return _LINE_STAMP_RE.search(text, lo, hi) is not None


def _stamped(text: str, start: int, end: int) -> bool:
    """Does the line ``text[start:end]`` carry printk's time?"""
    return make_line(text[start:end], start, 0).timestamp is not None


# kselftest's runner puts "# " before every line a test prints (tools/testing/selftests/
# kselftest/runner.sh tap_prefix(), kselftest/prefix.pl before 5.x): its helpers' words
# ("# INFO: ..." from net/forwarding/lib.sh log_info(), "# WARNING: ...") on the console
# the kernel prints to.
_KSELFTEST_PREFIX = "# "


def _program_between_stamped_lines(text: str, start: int, raw: str) -> bool:
    """Is the header line at ``start`` (``raw``, as it came) a kselftest's line printed
    between two of the kernel's stamped lines? printk stamps every line of every record
    (kernel/printk/printk.c record_print_text() since 3.5, vprintk_emit()'s per-line
    prefix before), so there a line of the test runner's, with no stamp anywhere in it,
    is the test's output, never the kernel's, even where the kernel goes on with a
    backtrace that is no report of its own (SysRq's show-all-CPUs, a hung task's). A
    log the runner printed whole ("# [    1.2] BUG: ...", a test's dmesg dump) keeps its
    stamps, and its reports."""
    if _KSELFTEST_PREFIX not in raw or _PRINTK_TIME_RE.search(raw) is not None:
        return False
    line = make_line(raw, start, 0)  # (a LAVA job's record: the console line it holds)
    if line.context or not line.text.startswith(_KSELFTEST_PREFIX):
        return False
    end = text.find("\n", start)
    if start == 0 or end == -1:
        return False
    prev_start = text.rfind("\n", 0, start - 1) + 1
    next_end = text.find("\n", end + 1)
    next_end = len(text) if next_end == -1 else next_end
    return _stamped(text, prev_start, start - 1) and _stamped(text, end + 1, next_end)


# "Booting the kernel." (arch/x86/boot/compressed/misc.c, the decompressor's last line) is
# an unexpected reboot when something ran before it. A log that opens with the boot's own
# first lines (the 0-day robot's dmesg, with earlyprintk) holds no earlier run: the
# firmware's banner (SeaBIOS), the setup code's "early console in setup code" and "Probing
# EDD" (arch/x86/boot/main.c, edd.c), the decompressor's "early console in extract_kernel"
# and "Decompressing Linux..." (compressed/misc.c), or the line itself; no printk record
# between. (The prefilter hands the parser PREFIX lines before a header, far more than
# _BOOT_LINES: a walk that reaches the text's start has reached the log's.)
_REBOOT = "Booting the kernel"
_BOOT_OPENINGS = (
    "SeaBIOS (version ",
    "early console in setup code",
    "Probing EDD ",
    "early console in extract_kernel",
    "Decompressing Linux... ",
    _REBOOT,
)
_BOOT_LINES = 64
_LINE_TIME_RE = re.compile(r"(?:<\d>)?\[ *\d+\.\d+\]")


def _first_boot(text: str, start: int) -> bool:
    """Is the "Booting the kernel." line at ``start`` the log's own first boot?"""
    lines: list[str] = []
    pos = 0
    while pos < start:
        if len(lines) == _BOOT_LINES:
            return False  # (no copy of a long log's text before a late header)
        end = text.find("\n", pos, start)
        lines.append(text[pos:end])
        pos = end + 1
    if any(_LINE_TIME_RE.match(line) for line in lines):
        return False
    opening = next((line for line in lines if line.strip()), text[start : start + 40])
    return opening.startswith(_BOOT_OPENINGS)


# kernel/printk/nbcon.c: a console that took over from an interrupted printer prints this
# line, then the whole record again. The line before it is the record cut short.
REPLAY_MARKER = "** replaying previous printk message **"


# A comment's word wrap (Bugzilla's wrap_comment(): Text::Wrap at 79 columns) cuts a
# long line at a blank and drops it: after a syslog prefix ("Mar 22 20:35:27 host kernel:
# [ 5112.001212] ") a header's first words stay on the prefixed row and the words that
# make it a report's header go on in a row of no prefix: "watchdog: Watchdog detected
# hard" then "LOCKUP on cpu 3" (6.6 kernel/watchdog.c watchdog_hardlockup_check():
# pr_emerg("Watchdog detected hard LOCKUP on cpu %d\n", cpu)), "mce: [Hardware Error]:
# CPU 7:" then "Machine Check Exception: 5 Bank 4: ..." (6.6 arch/x86/kernel/cpu/mce/
# core.c __print_mce(): pr_emerg(HW_ERR "CPU %d: Machine Check%s: %Lx Bank %d: %016Lx\n",
# ...)). The kernel printed one line: the report starts at the prefixed row, read whole.
# Only a needle's line is looked at: its row after a prefixed line, or the row after it
# when its words are no header alone ("Insufficient stack space to handle" then
# "exception!", 6.1 arch/arm64/kernel/traps.c panic_bad_stack(), 6.12 arch/riscv/
# kernel/traps.c handle_bad_stack(): pr_emerg("Insufficient stack space to handle
# exception!")), and only after a line no wider than a wrap's rows. The joined line is
# a candidate as the whole line is, one that goes on with the report before it
# (oopses.REPORT_START_IGNORES) too: extract keeps such a line in that report, the line
# read whole (extract._starts_report_whole), as it does the line a wrap left whole. A
# MIPS BUG() with no report_bug() line before it (4.19 and 6.1 arch/mips/kernel/traps.c
# do_trap_or_bp() -> die_if_kernel("Kernel bug detected", regs) -> die(): "%s[#%d]:\n") is its
# own, and a reply's quote "> > " wrapped at 72 after a syslog prefix and a printk time
# cuts it "... Kernel bug", "> > detected[#1]:": rejected, the report was lost. A word
# wrap at 80 (Python's textwrap.fill(line, 80), its defaults) fills a row to exactly 80
# when the next word fits with no blank to spare, and drops that blank: "... [ 5112.001212]
# watchdog: Watchdog detected hard" (80) then "LOCKUP on cpu 3"; such a row is as wide as
# a terminal's, whose cut drops nothing: rejoin (extract.join_wrapped, which tells the two
# apart by the rows around: _word_wrap_full_row) reads it.
_WRAPPED_ROW_MAX = 80
# The start of a line of its own, no wrap's rest: a printk time, a syslog file's date
# (the common prefixes, told without parsing the row; lines.make_line tells the rest)
_PREFIXED_ROW_RE = re.compile(r"\[ *\d+\.\d+\]|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ")


def prefixed_row(text: str, pos: int) -> bool:
    """Does the row at ``pos`` start with a common line prefix (see above)?"""
    return _PREFIXED_ROW_RE.match(text, pos) is not None


# A reply quotes every row of the wrapped paste the same, ">" and a space per level (RFC
# 3676 4.5; Thunderbird's, Gmail's and mutt's quote of a plain text body), the cut row's
# and the row after it alike: the two are read without it (the quote is no part of the
# kernel's line, lines.parse_prefix drops it), each row measured from its quote's end.
# A reply whose client wraps the quoted text unaware of the quote (an editor's hard wrap,
# Text::Wrap, after a first mail's wrap at 78) leaves the tail of a quoted row it cut in
# a row of no quote, and the first wrap's next row quoted again: "> ... [ 5112.001212]
# watchdog: Watchdog", "detected hard", "> LOCKUP on cpu 3" (6.6 kernel/watchdog.c
# watchdog_hardlockup_check(): pr_emerg("Watchdog detected hard LOCKUP on cpu %d\n",
# cpu)). The unquoted row between two rows quoted alike is read as that rest
# (_unquoted_rest).
_ROW_QUOTE_RE = re.compile(r"(?:>[ \t]?)+")  # (lines._QUOTE_RE)


def _wrapped_header(text: str, start: int, rejoin: Rejoin) -> tuple[int, str] | None:
    """The line before the row at ``start`` and the row read as one line (its start and
    raw text), when a wrap cut the row from it (see above); None otherwise. (The two
    read as one at the blank a wrap dropped must make a header before ``rejoin`` looks
    for the wrap around them, its dearer part.)"""
    prev = text.rfind("\n", 0, start - 1) + 1
    at = start
    above_quote = 0  # the width of the row before's quote
    if text.startswith(">", start):  # both rows quoted alike (see above): read past it
        quote = _ROW_QUOTE_RE.match(text, start)
        assert quote is not None
        at = quote.end()
        above = _ROW_QUOTE_RE.match(text, prev)
        if above is not None and text[prev : above.end()] == text[start:at]:
            above_quote = at - start
        elif above is not None or not prev or not _unquoted_rest(text, prev, text[start:at]):
            return None  # (a row quoted less or more deeply: another mail's text)
    prev_width = start - 1 - prev - above_quote
    if prev_width > _WRAPPED_ROW_MAX or text[at : at + 1].isspace() or prefixed_row(text, at):
        return None
    end = text.find("\n", start)
    row = text[at:] if end == -1 else text[at:end]
    cut = text[prev : start - 1].rstrip()
    # (a wrap that breaks after a hyphen too, textwrap.fill()'s or by UAX #14, cuts inside
    # a word and drops no blank there: "... watchdog: CPU 1 self-" then "detected hard
    # LOCKUP @ ...", extract._narrow_hyphen_cut)
    head = f"{cut}{'' if cut[-2:-1].isalnum() and cut.endswith('-') else ' '}{row.strip()}"
    if not _header_line(head) and not _rewrapped_header(text, prev, end, row, head):
        return None
    joined = rejoin(text, start)
    return joined if joined is not None and _header_line(joined[1]) else None


def _unquoted_rest(text: str, pos: int, quote: str) -> bool:
    """Is the unquoted row at ``pos`` the rest a quote-unaware rewrap cut from the row
    before it, quoted ``quote`` as the needle's row is?"""
    if _rest_row(text, pos) is None:
        return False  # (a line of its own, or no wrap's row)
    up = text.rfind("\n", 0, pos - 1) + 1
    return text.startswith(quote, up) and not text.startswith(">", up + len(quote))


# A first mail's wrap at 78 quoted by a reply and wrapped again at 72 (extract.
# _rewrapped_cut): a header's row the quote pushed past 72 goes on in a short row, and
# its words go on past it in the first wrap's next row. 6.1 arch/powerpc/kernel/
# watchdog.c watchdog_smp_panic(): "> ... watchdog: CPU 1 detected", "> hard", "> LOCKUP
# on other CPUs 0"; 6.12 mm/kmemleak.c print_unreferenced(): "> ... unreferenced object
# 0xff60000003991ac0", "> (size", "> 32):". The needle's row is read with the rows
# on either side of it that may be a wrap's rest too.


def _rest_row(text: str, pos: int) -> str | None:
    """The row at ``pos`` after its quote, when it may be a wrap's rest: no prefix, no
    blank first, no wider than a wrap's rows; None otherwise."""
    end = text.find("\n", pos)
    row = text[pos:] if end == -1 else text[pos:end]
    quote = _ROW_QUOTE_RE.match(row)
    body = row[quote.end() :] if quote is not None else row
    if not body or body[0].isspace() or len(body) > _WRAPPED_ROW_MAX or prefixed_row(body, 0):
        return None
    return body


def _rewrapped_header(text: str, prev: int, end: int, row: str, head: str) -> bool:
    """Do the rows around the needle's ``row`` (``head``: it and the row before it, at
    ``prev``, read as one) make a header a reply's rewrap cut twice (see above)? The row
    before may be a rest itself, of the prefixed line before it, or the row after the
    needle's the header's last words. (Only after a line with a common prefix: a log
    of no prefix gives no sign of a rest, and its needle rows are read as before.)"""
    if prev and (above := _rest_row(text, prev)) is not None:
        up = text.rfind("\n", 0, prev - 1) + 1
        if _prefixed_after_quote(text, up) and _header_line(
            f"{text[up : prev - 1].rstrip()} {above.strip()} {row.strip()}"
        ):
            return True
    if end == -1 or not _prefixed_after_quote(text, prev):
        return False
    after = _rest_row(text, end + 1)
    return after is not None and _header_line(f"{head} {after.strip()}")


def _prefixed_after_quote(text: str, pos: int) -> bool:
    """Does the row at ``pos``, after its quote, start with a common prefix?"""
    quote = _ROW_QUOTE_RE.match(text, pos)
    return prefixed_row(text, quote.end() if quote is not None else pos)


def _header_line(raw: str) -> bool:
    """Does ``raw`` hold a kind's header, as a whole line that the scan finds does (see
    above: whether it goes on with the report before it is extract's to tell)?"""
    line = record_text(plain_line(raw))
    return any(kind.matches_line(line) for kind in OOPSES)


def is_replay_marker(raw: str) -> bool:
    return raw.startswith("** replaying ") and raw.rstrip() == REPLAY_MARKER


def _add_kind(result: dict[int, OopsKind], text: str, start: int, line: str) -> bool:
    """``result[start]``: the kind the line ``line`` at ``start`` starts, unless it is a
    program's line of that kind's shape. False when ``line`` has no kind's header."""
    raw = record_text(line)
    for kind in OOPSES:  # table order decides when a line has two headers
        if kind.matches_line(raw):
            if (
                not (kind.program and _programs_on_a_stamped_console(text, start))
                and not (kind.header == _REBOOT and _first_boot(text, start))
                and not _program_between_stamped_lines(text, start, line)
            ):
                result[start] = kind
            return True
    return False


def _candidates(
    text: str, starts: list[int], journal: str | None, rejoin: Rejoin | None = None
) -> dict[int, OopsKind]:
    """Line start -> the oops kind of that line, of the lines holding a scan needle."""
    result: dict[int, OopsKind] = {}
    for start in starts:
        end = text.find("\n", start)
        raw = plain_line(text[start:] if end == -1 else text[start:end])
        if rejoin is not None and start and (joined := _wrapped_header(text, start, rejoin)):
            start, raw = joined  # (the row's own kind, when the whole line has none)
        if end != -1 and text.startswith("** replaying ", end + 1):
            nxt = text.find("\n", end + 1)
            if is_replay_marker(text[end + 1 :] if nxt == -1 else text[end + 1 : nxt]):
                continue  # cut short, and printed whole on the line after the marker
        if (
            raw[:1].isalnum() or raw[:1] in ("{", "\x1e", "[", "<", "/", " ", "\t", "_", "-", "#")
        ) and _programs(text, start, raw, journal):
            continue  # "openvpn[812]: WARNING: ..." in a syslog file is not the kernel's
        if (glued := glued_record(raw)) and _stamped_console(text, start):
            raw = raw[glued:]  # (the kernel's line, not the program's output before it)
        if (
            not _add_kind(result, text, start, raw)
            and rejoin is not None
            and end != -1
            and (joined := _wrapped_header(text, end + 1, rejoin))
        ):
            _add_kind(result, text, start, joined[1])  # its rest in the row after it
    # A symbolised log repeats the header once per inlined frame:
    #   BUG: KASAN: use-after-free in ip6_dst_store include/net/ip6_fib.h:176 [inline]
    #   BUG: KASAN: use-after-free in tcp_v6_connect+0x1dfd/0x20f0 net/ipv6/tcp_ipv6.c:271
    # The repeats continue the first line's report. (pkg/report/linux.go symbolizeLine()
    # writes one line per frame of the inline chain, the line's text before the symbol
    # kept: a chain of three or more repeats it as often, each after one that ends in
    # " [inline]", so each repeat is judged by the line before it as the scan found it.)
    found = dict(result)
    for start in sorted(found):
        if found[start].header == BAD_MODE and _bad_mode_dies(text, start):
            del result[start]  # (a line of that die()'s or panic()'s report)
            continue
        end = text.find("\n", start)
        if end != -1 and end + 1 in found:
            after = text.find("\n", end + 1)
            if is_echo_fragment(text[start:end], text[end + 1 : after if after != -1 else None]):
                # A second console's piece of the header the next line holds whole
                # (lines.is_echo_fragment): that line starts the report.
                del result[start]
                continue
        if start == 0:
            continue
        prev_start = text.rfind("\n", 0, start - 1) + 1
        prev_kind = found.get(prev_start)
        if prev_kind is found[start] and (
            " [inline]" in text[prev_start : start - 1]
            or _same_watchdog_pass(text, prev_start, start, end)
        ):
            del result[start]
    return result


# kernel/workqueue.c wq_watchdog_timer_fn() (4.5, commit 82607adcf9cd, to 6.x) walks every
# pool in one timer run and prints pr_emerg("BUG: workqueue lockup - pool"),
# pr_cont_pool_info() and " stuck for %us!" for each stuck one, then once, for all of
# them, show_workqueue_state() (show_all_workqueues() since 5.17: "Showing busy
# workqueues and worker pools:" ...) and (6.x) show_cpu_pools_hogs(). Pool lines back
# to back are that one event: the first starts its report, the others are its lines. The
# next run is wq_watchdog_thresh (30 s, 1 s at least) later and prints the workqueues
# between: lines of two runs never touch, but in a grep of the lines they would, a second
# or more apart.
_WQ_LOCKUP = "BUG: workqueue lockup - pool"
_WQ_PASS_SPAN = 1.0


def _same_watchdog_pass(text: str, prev_start: int, start: int, end: int) -> bool:
    """Are the lines at ``prev_start`` and ``start`` (the next line, ending at ``end``;
    both candidates of one kind) two pools of one workqueue watchdog run (``_WQ_LOCKUP``)?
    (A second console's copy of the line before is one too: two consoles, every line
    twice.)"""
    raw = text[start:] if end == -1 else text[start:end]
    if _WQ_LOCKUP not in raw:
        return False
    before = text[prev_start : start - 1]
    if _WQ_LOCKUP not in before:
        return False
    here, there = make_line(plain_line(raw), start, 0), make_line(plain_line(before), prev_start, 0)
    if here.context != there.context:
        return False
    if here.timestamp is None or there.timestamp is None:
        return True
    return 0.0 <= here.timestamp - there.timestamp < _WQ_PASS_SPAN


# arm and arm64 bad_mode() (arch/arm{,64}/kernel/traps.c), for an exception taken through
# a vector the kernel never expects, prints pr_crit("Bad mode in %s handler detected...")
# and, on arm64, __show_regs() of the faulting context; then 32-bit ARM and arm64 up to
# 4.9 die("Oops - bad mode") ("Internal error: Oops - bad mode: 0 [#1]"), arm64 4.10 on
# panic("bad mode"). Such a report starts at the "Bad mode" line (parser._bad_mode_lines):
# the line is a report of its own only where no die() or panic() of it follows, as in a
# log cut after the registers.
BAD_MODE = "Bad mode in "
BAD_MODE_LINES = 40  # arm64 __show_regs(): task lines, pc / lr / sp, 15 lines of x0-x29


def _bad_mode_dies(text: str, start: int) -> bool:
    """Does a die() or panic() of bad_mode() follow the "Bad mode" line at ``start``
    within ``BAD_MODE_LINES``, before another report's end or header?"""
    at = text.find("\n", start)
    for _ in range(BAD_MODE_LINES):
        if at == -1:
            return False
        end = text.find("\n", at + 1)
        line = text[at + 1 :] if end == -1 else text[at + 1 : end]
        if "Internal error:" in line or "Kernel panic" in line:
            return "bad mode" in line
        if "---[ end " in line or BAD_MODE in line:
            return False
        at = end
    return False
