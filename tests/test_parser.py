"""parse_log: structured fields, several crashes per log, robustness (hypothesis)."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import SYZ
from hotfence.triage.oopses import INFO_WITH_STACK, OOPSES, REPORT_START_IGNORES, title_type
from hotfence.triage.parser import parse_log
from hotfence.triage.rust_demangle import demangle as demangle_rust
from hotfence.triage.scan import SCAN_NEEDLES
from hotfence.triage.taint import decode_taint
from hotfence.triage.titles import normalise

CORPUS = SYZ / "report"

OOPS = """\
[  100.000001] syz-executor: page allocation failure: order:4, mode:0x40dc0(GFP_KERNEL|__GFP_COMP|__GFP_ZERO)
[  100.100000] Out of memory: Killed process 4242 (memhog) total-vm:10000kB, anon-rss:9000kB
[  101.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010
[  101.000001] #PF: supervisor read access in kernel mode
[  101.000002] Oops: 0000 [#1] PREEMPT SMP NOPTI
[  101.000003] CPU: 3 PID: 1234 Comm: ip6mr-test Tainted: G    B   W  O      6.1.0-13-amd64 #1 Debian 6.1.55-1
[  101.000004] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
[  101.000005] RIP: 0010:ip6mr_sk_done+0x2a/0x120 [ipv6]
[  101.000006] Code: 48 89 e5 41 55 41 54 53 48 8b 47 10 <48> 8b 58 10 48 85 db 74 2e
[  101.000007] RSP: 0018:ffffc90000a3fd58 EFLAGS: 00010246
[  101.000008] RAX: 0000000000000000 RBX: ffff888100a1e000 RCX: 0000000000000000
[  101.000009] Call Trace:
[  101.000010]  <TASK>
[  101.000011]  ? __die+0x23/0x70
[  101.000012]  ? page_fault_oops+0x17d/0x4c0
[  101.000013]  rawv6_close+0x2c/0x50 [ipv6]
[  101.000014]  inet_release+0x44/0x80
[  101.000015]  __sock_release+0x3d/0xb0
[  101.000016]  sock_close+0x15/0x20
[  101.000017]  __fput+0x10c/0x2a0
[  101.000018]  task_work_run+0x5d/0x90
[  101.000019]  do_exit+0x35b/0xa60
[  101.000020]  </TASK>
[  101.000021] Modules linked in: ipv6
[  101.000022] CR2: 0000000000000010
[  101.000023] ---[ end trace 0000000000000000 ]---
"""

WARN = """\
[  200.000000] ------------[ cut here ]------------
[  200.000001] WARNING: CPU: 0 PID: 77 at net/core/dev.c:1234 dev_close_many+0x1a/0x40
[  200.000002] Modules linked in:
[  200.000003] CPU: 0 PID: 77 Comm: kworker/0:1 Not tainted 6.6.0 #1
[  200.000004] RIP: 0010:dev_close_many+0x1a/0x40
[  200.000005] Call Trace:
[  200.000006]  <TASK>
[  200.000007]  unregister_netdevice_many+0x1c/0x30
[  200.000008]  default_device_exit_batch+0x12/0x20
[  200.000009]  </TASK>
[  200.000010] ---[ end trace 0000000000000000 ]---
"""


def test_null_deref_fields() -> None:
    [rep] = parse_log(OOPS)
    assert rep.title == "BUG: unable to handle kernel NULL pointer dereference in ip6mr_sk_done"
    assert rep.type == "NULL-POINTER-DEREFERENCE"
    assert "bad-access in ip6mr_sk_done" in rep.alt_titles
    assert not rep.corrupted
    assert (rep.cpu, rep.pid, rep.comm) == (3, 1234, "ip6mr-test")
    assert rep.kernel_release == "6.1.0-13-amd64"
    assert rep.hardware and rep.hardware.startswith("QEMU Standard PC (Q35")
    assert rep.taint == "G    B   W  O"
    assert rep.taint_flags == decode_taint("BWO")
    assert rep.rip is not None
    assert (rep.rip.function, rep.rip.offset, rep.rip.size, rep.rip.module) == (
        "ip6mr_sk_done",
        0x2A,
        0x120,
        "ipv6",
    )
    names = [f.function for f in rep.frames]
    assert names[:3] == ["__die", "page_fault_oops", "rawv6_close"]
    assert rep.frames[0].unreliable and not rep.frames[2].unreliable
    assert rep.frames[2].module == "ipv6"
    assert names[-1] == "do_exit"
    # Offsets point at the header line and the report's last line.
    assert OOPS[rep.start :].startswith("[  101.000000] BUG: kernel NULL pointer dereference")
    assert OOPS[: rep.end].endswith("---[ end trace 0000000000000000 ]---")
    assert rep.start_line == 3 and rep.end_line == OOPS.count("\n")
    # The memory pressure before the crash is kept as context.
    assert len(rep.context) == 2
    assert rep.context[0].startswith("syz-executor: page allocation failure")
    assert rep.context[1].startswith("Out of memory: Killed process 4242 (memhog)")
    assert rep.text.startswith("BUG: kernel NULL pointer dereference")


def test_two_crashes_in_one_log_and_bytes_offsets() -> None:
    log = (OOPS + "[  150.0] eth0: link up\n" + WARN).encode()
    reps = parse_log(log)
    assert [r.title for r in reps] == [
        "BUG: unable to handle kernel NULL pointer dereference in ip6mr_sk_done",
        "WARNING in dev_close_many",
    ]
    assert reps[1].type == "WARNING"
    assert log[reps[1].start :].startswith(b"[  200.000001] WARNING: CPU: 0 PID: 77")
    assert reps[0].end < reps[1].start
    assert reps[1].context == []  # the OOM kill belongs to the first crash


def test_symbolised_frames_and_guilty_file() -> None:
    log = (
        "BUG: KASAN: use-after-free in foo_release+0x10/0x20 drivers/foo/core.c:42\n"
        "Read of size 8 at addr ffff888000000000 by task a.out/99\n"
        "\n"
        "CPU: 1 PID: 99 Comm: a.out Not tainted 6.9.0 #1\n"
        "Call Trace:\n"
        " __dump_stack lib/dump_stack.c:88 [inline]\n"
        " dump_stack_lvl+0x1/0x2 lib/dump_stack.c:106\n"
        " kasan_report+0x1/0x2 mm/kasan/report.c:588\n"
        " foo_release+0x10/0x20 drivers/foo/core.c:42\n"
        " __fput+0x1/0x2 fs/file_table.c:422\n"
    )
    [rep] = parse_log(log)
    assert rep.title == "KASAN: use-after-free Read in foo_release"
    assert rep.type == "KASAN-USE-AFTER-FREE-READ"
    assert rep.guilty_file == "drivers/foo/core.c"
    inline = rep.frames[0]
    assert (inline.function, inline.inline, inline.file, inline.line) == (
        "__dump_stack",
        True,
        "lib/dump_stack.c",
        88,
    )
    assert (rep.frames[3].function, rep.frames[3].file, rep.frames[3].line) == (
        "foo_release",
        "drivers/foo/core.c",
        42,
    )


def test_task_contexts_keep_interleaved_reports_apart() -> None:
    a = [f"[  10.{i:06d}][ T100] {ln}" for i, ln in enumerate(WARN.split("\n")[1:-1])]
    b = [
        f"[  10.{i:06d}][  T200] {ln.split('] ', 1)[1]}"
        for i, ln in enumerate(OOPS.split("\n")[2:-1])
    ]
    merged: list[str] = []
    for i in range(max(len(a), len(b))):
        merged += a[i : i + 1] + b[i : i + 1]
    reps = parse_log("\n".join(merged) + "\n")
    assert sorted(r.title for r in reps) == sorted(
        [
            "WARNING in dev_close_many",
            "BUG: unable to handle kernel NULL pointer dereference in ip6mr_sk_done",
        ]
    )
    warn = next(r for r in reps if r.type == "WARNING")
    assert "ip6mr" not in warn.text  # no lines of the other task leak in


def test_no_crash_gives_nothing() -> None:
    assert parse_log("") == []
    assert parse_log(b"") == []
    assert (
        parse_log(
            "[    0.000000] Linux version 6.1.0\n[    1.0] WARNING: /etc/ssh/moduli does not exist, "
            "using fixed modulus\n"
        )
        == []
    )


def test_title_normalisation() -> None:
    assert (
        normalise("WARNING in foo+0x12/0x40 at net/core/dev.c:123")
        == "WARNING in foo at net/core/dev.c:LINE"
    )
    assert (
        normalise("KASAN: wild-memory-access in x at addr ffff888012345678")
        == "KASAN: wild-memory-access in x at addr ADDR"
    )
    assert normalise("task syz-executor3:4242 blocked") == "task syz-executor blocked"
    assert normalise("pid 4242 cpu 3") == "pid NUM cpu NUM"
    assert normalise("cfg80211_foo  \t bar") == "cfg80211_foo bar"
    assert len(normalise("x " * 200)) <= 120


# Pieces the normalisation rules act on, run together at random.
_TITLE_PIECES = st.sampled_from(
    ["syz-executor", "syzkaller", ".", ":", "/", "+0x", "0x", "CPU#", " (", ")", " ", "#",
     "12", "7", "1234567", "ffff888012345678", "deadbeef", "a", "foo", "_bar", "c:",
     "??:?", "(discriminator 1)", "\t", "\x01"]
)  # fmt: skip


@given(st.lists(_TITLE_PIECES, max_size=30).map("".join))
@settings(max_examples=400, deadline=None)
def test_title_normalisation_skips_only_rules_that_cannot_match(title: str) -> None:
    # A rule whose literal the title lacks is skipped: the title is what every rule
    # applied until it stops changing gives.
    from hotfence.triage.titles import _RULES, sanitise

    want = title
    for pattern, repl, _ in _RULES:
        for _ in range(64):
            new = pattern.sub(repl, want)
            if new == want:
                break
            want = new
    assert normalise(title) == sanitise(want)


def test_title_literal_prefix() -> None:
    # describe() skips a title pattern whose prefix the report lacks: the prefix must be
    # one every match starts with, or "" when the pattern's text does not plainly say.
    from hotfence.triage.titles import _literal_prefix

    cases = {
        "BUG: KASAN: (.*)": "BUG: KASAN: ",
        r"Kernel stack overflow\.": "Kernel stack overflow",
        "ab?c": "a",
        "ab*": "a",
        "ab{2}": "a",
        "ab+c": "ab",
        "foo|bar": "",
        "x(a|b)": "x",
        "[|]x|y": "",
        "(?:a)b": "",
        "CPU#[0-9]+": "CPU#",
    }
    for pattern, want in cases.items():
        assert _literal_prefix(re.compile(pattern)) == want, pattern
    assert _literal_prefix(re.compile("abc", re.IGNORECASE)) == ""


def test_title_prefixes_start_every_corpus_match() -> None:
    from hotfence.triage.titles import _title_prefix

    texts = [p.read_text(errors="replace") for p in sorted((SYZ / "report").iterdir())[:400]]
    checked = 0
    for title in {f.title for kind in OOPSES for f in kind.formats}:
        prefix = _title_prefix(title)
        for text in texts:
            m = title.search(text)
            if m is not None:
                assert m.group(0).startswith(prefix), (title.pattern, prefix)
                checked += 1
    assert checked > 100


def test_title_types() -> None:
    assert title_type("possible deadlock in foo") == "LOCKDEP"
    assert title_type("INFO: task hung in foo") == "HANG"
    assert title_type("memory leak in foo") == "LEAK"
    assert title_type("something new") == "UNKNOWN"


def test_scan_needles_cover_every_header() -> None:
    for kind in OOPSES:
        assert any(n in kind.header for n in SCAN_NEEDLES), kind.header


# In a new interpreter: which kinds' own regexes (titles, report shapes, header shapes,
# suppressions) a parse of the log on stdin compiled, one header a line, after checking
# that importing the parser compiled none.
_COMPILED_KINDS = """
import sys
from hotfence.triage import oopses, parser

def own(kind):
    regexes = [*kind.suppressions, *([kind.shape] if kind.shape else [])]
    for f in kind.formats:
        regexes += [f.title, *([f.report] if f.report else [])]
    return regexes

assert not any(r.is_compiled for k in oopses.OOPSES for r in own(k)), "compiled at import"
parser.parse_log(sys.stdin.read(), jobs=1)
print("\\n".join(k.header for k in oopses.OOPSES if any(r.is_compiled for r in own(k))))
"""


def test_kind_regexes_compile_on_first_use() -> None:
    """The kinds' own regexes (some 250: compiling them was 8 % of a crash-free log's
    `hotfence triage`) are compiled when a line of the log asks for them, not at import:
    a log of one crash compiles those of the kinds whose headers it holds, and a log of
    none compiles none."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}

    def compiled(log: str) -> set[str]:
        out = subprocess.run(
            [sys.executable, "-c", _COMPILED_KINDS],
            input=log, capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        return set(out.stdout.split("\n")) - {""}

    assert compiled("[    1.000000] hello\n") == set()
    kinds = compiled(OOPS)
    assert "BUG:" in kinds  # titled "BUG: kernel NULL pointer dereference in ..."
    assert all(h in OOPS for h in kinds), kinds  # no kind the log does not name


# --- robustness -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _corpus_logs() -> tuple[str, ...]:
    if not CORPUS.is_dir():
        pytest.fail(f"corpus missing: {CORPUS}")
    out = []
    for name in sorted(os.listdir(CORPUS), key=lambda n: int(n) if n.isdigit() else -1):
        data = (CORPUS / name).read_bytes()
        log = data[1:] if data.startswith(b"\n") else data.partition(b"\n\n")[2]
        out.append(log.split(b"\nREPORT:\n")[0].decode("utf-8", "replace"))
    return tuple(out)


@lru_cache(maxsize=1)
def _crashing_logs() -> tuple[str, ...]:
    return tuple([log for log in _corpus_logs() if parse_log(log)][:150])


@lru_cache(maxsize=1)
def _bare_logs() -> tuple[str, ...]:
    return tuple(b for b in (_bare(log) for log in _crashing_logs()) if b)


PREFIXERS = {
    "timestamp": lambda i, ln: f"[{i:6d}.{i * 37 % 1000000:06d}] {ln}",
    "caller": lambda i, ln: f"[{i:6d}.000000][ T4242] {ln}",
    "syslog": lambda i, ln: f"Nov 24 21:45:{i % 60:02d} myhost kernel: {ln}",
    "journal_iso": lambda i, ln: f"2026-11-24T21:45:{i % 60:02d}+0000 myhost kernel: {ln}",
    "level": lambda i, ln: f"<4>[{i:6d}.000000] {ln}",
}


def _bare(log: str) -> str | None:
    """The log with its own printk prefixes removed, if every line had one of a kind."""
    from hotfence.triage.lines import strip_prefix

    lines = log.split("\n")
    stripped = [strip_prefix(ln) for ln in lines if ln]
    contexts = {c for _, c in stripped}
    if len(contexts) != 1:
        return None  # mixed contexts/prefix-less lines: prefixing would change meaning
    return "\n".join(t for t, _ in stripped) + "\n"


def _interleaved(log: str) -> bool:
    """Does a console-stream parse of ``log`` stop its first report early?"""
    reps = parse_log(log)
    return len(reps) > 1 or any(p in log for p in INFO_WITH_STACK)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_prefixing_does_not_change_the_title(data: st.DataObject) -> None:
    bare = data.draw(st.sampled_from(_bare_logs()))
    kind = data.draw(st.sampled_from(sorted(PREFIXERS)))
    if kind == "caller" and _interleaved(bare):
        # A caller id asserts that all lines come from one task, so text that a single
        # console stream must treat as another report becomes part of this one.
        kind = "timestamp"
    prefixed = "\n".join(PREFIXERS[kind](i, ln) for i, ln in enumerate(bare.split("\n")))
    want = parse_log(bare)
    got = parse_log(prefixed)
    assert [r.title for r in got][:1] == [r.title for r in want][:1]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise(blob: bytes) -> None:
    for r in parse_log(blob):
        assert not (r.corrupted_reason or "").startswith("internal error"), r.corrupted_reason


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("BUG: WARNING INFO:[]<>?+0x/\n ()abc123.T")
            + list(SCAN_NEEDLES)
            + ["Call Trace:", "RIP: 0010:", " foo+0x1/0x2", "[  1.0][ T1] ", "\n"]
        ),
        max_size=600,
    ).map("".join)
)
def test_header_soup_never_raises(text: str) -> None:
    for r in parse_log(text):
        assert not (r.corrupted_reason or "").startswith("internal error"), r.corrupted_reason
        assert 0 <= r.start <= r.end <= len(text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_corpus_logs_never_raise(data: st.DataObject) -> None:
    logs = _corpus_logs()
    log = data.draw(st.sampled_from(logs))
    lines = log.split("\n")
    op = data.draw(st.sampled_from(["drop", "truncate", "interleave", "shuffle", "prefix"]))
    rnd = random.Random(data.draw(st.integers(0, 2**32)))
    if op == "drop":
        lines = [ln for ln in lines if rnd.random() > 0.2]
    elif op == "truncate":
        cut = rnd.randrange(len(log) + 1)
        lines = log[:cut].split("\n")
    elif op == "interleave":
        other = data.draw(st.sampled_from(logs)).split("\n")
        merged = []
        for i in range(max(len(lines), len(other))):
            merged += lines[i : i + 1] + other[i : i + 1]
        lines = merged
    elif op == "shuffle":
        rnd.shuffle(lines)
    else:
        key = data.draw(st.sampled_from(sorted(PREFIXERS)))
        lines = [PREFIXERS[key](i, ln) for i, ln in enumerate(lines)]
    text = "\n".join(lines)
    for r in parse_log(text):
        assert not (r.corrupted_reason or "").startswith("internal error"), r.corrupted_reason
        assert 0 <= r.start <= r.end <= len(text)
        assert r.title


def test_concatenated_corpus_logs_give_both_reports() -> None:
    # A "Kernel panic" right after another crash continues it by design, so the second
    # log must start with a report header of its own.
    crashing = [
        log
        for log in _crashing_logs()
        if len(parse_log(log)) == 1
        and not any(r.search(parse_log(log)[0].text.split("\n")[0]) for r in REPORT_START_IGNORES)
    ]
    rnd = random.Random(7)
    for _ in range(40):
        a, b = rnd.sample(crashing, 2)
        ta, tb = parse_log(a)[0].title, parse_log(b)[0].title
        joined = a.rstrip("\n") + "\n" + b
        got = [r.title for r in parse_log(joined)]
        assert got[0] == ta, (ta, got)
        assert tb in got, (tb, got)


@pytest.mark.parametrize(
    ("mangled", "plain"),
    [
        ("_RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind", "__rustc::rust_begin_unwind"),
        (
            "_RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref",
            "<rust_binder::process::Process>::update_ref",
        ),
        (
            "_RNvXs1_CscPPBqWtAqum_11ashmem_rustNtB5_6AshmemNtNtCs43vyB533jt3_6kernel10miscdevice10MiscDevice4mmap",
            "<ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap",
        ),
        ("_RINvCs1_3foo3barmRhE", "foo::bar::<u32, &u8>"),
        ("do_sys_open", "do_sys_open"),
        ("_RNvB99_3foo", "_RNvB99_3foo"),  # forward back-reference: left alone
        ("_RNv", "_RNv"),
    ],
)
def test_rust_v0_demangling(mangled: str, plain: str) -> None:
    assert demangle_rust(mangled) == plain


@given(st.text(alphabet="_RNvCMXYIBsEKLTSRQPOabcdefhijlmnotuvxyz0123456789", max_size=60))
def test_rust_demangler_never_raises(s: str) -> None:
    assert isinstance(demangle_rust("_R" + s), str)


OOM_ONLY = """\
[  500.000000] memhog invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
[  500.000001] CPU: 2 PID: 4242 Comm: memhog Not tainted 6.1.0-13-amd64 #1 Debian 6.1.55-1
[  500.000002] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
[  500.000003] Call Trace:
[  500.000004]  <TASK>
[  500.000005]  dump_stack_lvl+0x44/0x5c
[  500.000006]  dump_header+0x4a/0x211
[  500.000007]  oom_kill_process.cold+0xb/0x10
[  500.000008]  out_of_memory+0x1fd/0x4c0
[  500.000009]  </TASK>
[  500.000010] Mem-Info:
[  500.000011] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,task=memhog,pid=4242,uid=0
[  500.000012] Out of memory: Killed process 4242 (memhog) total-vm:10485760kB, anon-rss:9000000kB, oom_score_adj:0
[  500.100000] eth0: link up
"""


def test_trailing_oom_kill_is_a_report_but_earlier_ones_are_context() -> None:
    [rep] = parse_log(OOM_ONLY)
    assert rep.type == "OOM-KILL"
    assert rep.title == "out of memory: killed process memhog"
    assert (rep.cpu, rep.pid, rep.comm) == (2, 4242, "memhog")
    assert [f.function for f in rep.frames] == [
        "dump_stack_lvl",
        "dump_header",
        "oom_kill_process.cold",
        "out_of_memory",
    ]
    assert OOM_ONLY[rep.start :].startswith("[  500.000000] memhog invoked oom-killer")
    assert OOM_ONLY[: rep.end].endswith("oom_score_adj:0")
    # Followed by a crash, the same kill is that crash's context instead.
    reps = parse_log(OOM_ONLY + WARN)
    assert [r.type for r in reps] == ["WARNING"]
    assert any("Killed process 4242 (memhog)" in c for c in reps[0].context)


DISTRO_SAMPLES = """\
[ 1234.567890] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008
[ 1234.567891] Mem abort info:
[ 1234.567892]   ESR = 0x0000000096000004
[ 1234.567893] Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP
[ 1234.567894] Modules linked in: nft_chain_nat
[ 1234.567895] CPU: 2 PID: 812 Comm: kworker/2:1 Tainted: G        W          6.6.0-rpi #1
[ 1234.567896] Hardware name: Raspberry Pi 4 Model B Rev 1.4 (DT)
[ 1234.567897] pc : brcmf_sdio_readframes+0x1c/0x40 [brcmfmac]
[ 1234.567898] lr : brcmf_sdio_dpc+0x100/0x200 [brcmfmac]
[ 1234.567899] Call trace:
[ 1234.567900]  brcmf_sdio_readframes+0x1c/0x40 [brcmfmac]
[ 1234.567901]  brcmf_sdio_dpc+0x100/0x200 [brcmfmac]
[ 1234.567902]  process_one_work+0x148/0x3b8
[ 1234.567903]  worker_thread+0x32c/0x450
[ 1234.567904]  kthread+0x11c/0x128
[ 1234.567905]  ret_from_fork+0x10/0x20
[ 1234.567906] Code: a9bf7bfd 910003fd f9400000 (b9400800)
[ 1234.567907] ---[ end trace 0000000000000000 ]---
[ 2000.000000] watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [stress:4321]
[ 2000.000001] Modules linked in:
[ 2000.000002] CPU: 3 PID: 4321 Comm: stress Not tainted 6.1.0 #1
[ 2000.000003] RIP: 0010:native_queued_spin_lock_slowpath+0x61/0x2c0
[ 2000.000004] Call Trace:
[ 2000.000005]  <TASK>
[ 2000.000006]  _raw_spin_lock+0x25/0x30
[ 2000.000007]  do_foo_ioctl+0x44/0x90 [foo]
[ 2000.000008]  __x64_sys_ioctl+0x8d/0xd0
[ 2000.000009]  do_syscall_64+0x3b/0x90
[ 2000.000010]  entry_SYSCALL_64_after_hwframe+0x63/0xcd
[ 2000.000011]  </TASK>
[ 3000.000000] INFO: task jbd2/sda1-8:312 blocked for more than 120 seconds.
[ 3000.000001]       Not tainted 6.1.0-13-amd64 #1 Debian 6.1.55-1
[ 3000.000002] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
[ 3000.000003] task:jbd2/sda1-8     state:D stack:0     pid:312   ppid:2      flags:0x00004000
[ 3000.000004] Call Trace:
[ 3000.000005]  <TASK>
[ 3000.000006]  __schedule+0x351/0xa20
[ 3000.000007]  schedule+0x5d/0xe0
[ 3000.000008]  io_schedule+0x42/0x70
[ 3000.000009]  bit_wait_io+0xd/0x60
[ 3000.000010]  __wait_on_bit+0x4b/0x140
[ 3000.000011]  out_of_line_wait_on_bit+0x91/0xb0
[ 3000.000012]  jbd2_journal_commit_transaction+0x1623/0x1a00 [jbd2]
[ 3000.000013]  kjournald2+0xa9/0x280 [jbd2]
[ 3000.000014]  kthread+0xda/0x100
[ 3000.000015]  ret_from_fork+0x1f/0x30
[ 3000.000016]  </TASK>
"""


def test_arm64_oops_soft_lockup_and_hung_task() -> None:
    reps = parse_log(DISTRO_SAMPLES)
    assert [(r.title, r.type) for r in reps] == [
        (
            "BUG: unable to handle kernel NULL pointer dereference in brcmf_sdio_readframes",
            "NULL-POINTER-DEREFERENCE",
        ),
        ("BUG: soft lockup in do_foo_ioctl", "HANG"),
        ("INFO: task hung in jbd2_journal_commit_transaction", "HANG"),
    ]
    arm, lockup, hung = reps
    assert arm.rip is not None and (arm.rip.function, arm.rip.module) == (
        "brcmf_sdio_readframes",
        "brcmfmac",
    )
    assert arm.hardware == "Raspberry Pi 4 Model B Rev 1.4 (DT)"
    assert (arm.start_line, arm.end_line) == (1, 18)  # ends at its end-trace marker
    assert (lockup.comm, lockup.pid, lockup.cpu) == ("stress", 4321, 3)
    assert (hung.comm, hung.pid) == ("jbd2/sda1-8", 312)
    assert [f.module for f in hung.frames if f.module] == ["jbd2", "jbd2"]


@pytest.mark.parametrize(
    ("name", "title", "looping"),
    [
        # built-in loops keep syzkaller's entry-point titles; the RIP is the looping function
        ("296", "BUG: soft lockup in mount", "change_mnt_propagation"),
        ("265", "BUG: soft lockup in snd_rawmidi_write", "_raw_spin_unlock_irqrestore"),
        ("503", "BUG: soft lockup in smp_call_function", "smp_call_function_single"),
    ],
)
def test_corpus_soft_lockups_name_their_looping_function(
    name: str, title: str, looping: str
) -> None:
    rep = parse_log((CORPUS / name).read_bytes().partition(b"\n\n")[2])[0]
    assert rep.title == title
    assert rep.looping_function == looping


@pytest.mark.parametrize(
    ("name", "first", "history"),
    [
        # the use site, then "Uninit was stored to memory at:" (the value's history)
        ("670", ["native_apic_mem_write", "sysvec_reschedule_ipi"], "inet_reqsk_alloc"),
        ("751", ["aes_encrypt", "aesti_encrypt"], "crypto_sha3_finup"),
        ("689", ["_copy_to_iter", "kernfs_fop_read_iter"], "read_descriptors"),
    ],
)
def test_kmsan_report_frames_are_its_own_headerless_trace(
    name: str, first: list[str], history: str
) -> None:
    """kmsan_report() prints the use site's trace right under its title, without a
    "Call Trace:" line; the origin traces after it have headers but are not the report's."""
    rep = parse_log((CORPUS / name).read_bytes().partition(b"\n\n")[2])[0]
    assert rep.title.startswith("KMSAN: ")
    names = [f.function for f in rep.frames]
    assert names[:2] == first
    assert history not in names


def test_a_lone_entry_under_a_title_is_not_its_trace() -> None:
    """A single "?" entry of another CPU interleaved right under a WARNING's first line
    does not replace the report's "Call Trace:" (corpus 205)."""
    rep = parse_log((CORPUS / "205").read_bytes().partition(b"\n\n")[2])[0]
    assert rep.title == "WARNING: proc registration bug in clusterip_tg_check"
    assert len(rep.frames) > 1 and rep.frames[0].function != "filemap_map_pages"


@pytest.mark.parametrize("name", ["200", "229", "335"])
def test_a_forced_failure_before_a_crash_is_in_its_context(name: str) -> None:
    """lib/fault-inject.c prints the failure it forces and the attribute that forced it;
    the crash that follows is usually the failing call's error path."""
    rep = parse_log((CORPUS / name).read_bytes().partition(b"\n\n")[2])[0]
    assert rep.context[-2:] == [
        "FAULT_INJECTION: forcing a failure.",
        "name failslab, interval 1, probability 0, space 0, times 0",
    ]


def test_kasan_task_with_slashes_in_its_name_when_the_cpu_line_is_lost() -> None:
    """KASAN prints "by task %s/%d" with the comm as is: a kworker's comm has slashes of
    its own. Without the CPU/PID/Comm line (lost by the console) that line names the task."""
    log = (CORPUS / "413").read_bytes().partition(b"\n\n")[2].decode()
    assert "by task kworker/0:1/12\n" in log
    cut = "\n".join(ln for ln in log.split("\n") if "Comm: " not in ln)
    rep = parse_log(cut.encode())[0]
    assert rep.title.startswith("KASAN: use-after-free Read in ")
    assert (rep.comm, rep.pid) == ("kworker/0:1", 12)


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("590", ["memcpy", "find_uprobe", "uprobe_apply"]),
        ("592", ["test_out_of_bounds_write", "kunit_try_run_case"]),
        ("593", ["test_use_after_free_read", "kunit_try_run_case"]),
        ("598", ["test_invalid_access", "kunit_try_run_case"]),
    ],
)
def test_kfence_report_with_registers_keeps_its_access_trace(name: str, first: list[str]) -> None:
    """With no_hash_pointers KFENCE ends its report with show_regs() of the fault: that
    "Call Trace:" unwinds the fault context (the faulting function left out, "?" guesses
    in); the report's trace is the one under "<Kind> ... at 0x...:"."""
    rep = parse_log((CORPUS / name).read_bytes().partition(b"\n\n")[2])[0]
    assert rep.title.startswith("KFENCE: ")
    assert rep.rip is not None  # show_regs() was printed
    assert [f.function for f in rep.frames][: len(first)] == first
    assert not any(f.unreliable for f in rep.frames)


def test_sanitizer_report_without_task_header_takes_the_printk_caller_pid() -> None:
    """KMSAN of 5.13 printed no "CPU: N PID: N" line before panic_on_kmsan's panic (corpus
    626): the printk caller id "[T1]" is the task that made the access."""
    log = (CORPUS / "626").read_bytes().partition(b"\n\n")[2].partition(b"\nREPORT:\n")[0]
    assert b"[    T1] CPU: 1 PID: 1 Comm: systemd" in log  # the panic's header, after it
    rep = parse_log(log)[0]
    assert rep.title == "KMSAN: uninit-value in prepare_task_switch"
    assert rep.pid == 1


def test_a_hung_task_report_does_not_take_the_printing_task_pid() -> None:
    """khungtaskd prints the hung-task report: its caller id is not the hung task."""
    rep = parse_log((CORPUS / "1000").read_bytes().partition(b"\n\n")[2])[0]
    assert rep.title == "INFO: task hung in read_cache_folio"
    assert rep.pid != 31


def _corpus_1000() -> str:
    return (CORPUS / "1000").read_bytes().partition(b"\n\n")[2].decode()


def test_a_record_cut_short_and_replayed_by_the_console_is_one_report() -> None:
    """An nbcon console that takes over prints "** replaying previous printk message **"
    and the record again: the cut copy before it (corpus 1000: "INFO: t") is no report."""
    log = _corpus_1000()
    assert "] INFO: t\n** replaying previous printk message **\n" in log
    (rep,) = parse_log(log.encode())
    assert rep.title == "INFO: task hung in read_cache_folio"
    assert (rep.comm, rep.pid) == ("udevd", 5612)
    assert rep.text.startswith("INFO: task udevd:5612 blocked in I/O wait")
    assert [f.function for f in rep.frames][:3] == ["__switch_to", "__schedule", "schedule"]


def test_a_line_cut_short_inside_a_report_is_replaced_by_its_replay() -> None:
    log = _corpus_1000()
    whole = "[  584.319601][   T31] Call trace:\n"
    assert whole in log
    cut = log.replace(
        whole, "[  584.319601][   T31] Call tr\n** replaying previous printk message **\n" + whole
    )
    (rep,) = parse_log(cut.encode())
    (plain,) = parse_log(log.encode())
    assert "Call tr\n" not in rep.text and "replaying" not in rep.text
    assert rep.text == plain.text
    assert [f.function for f in rep.frames] == [f.function for f in plain.frames]


@pytest.mark.parametrize(("name", "comm"), [("751", "syz.2.690"), ("754", "syz.3.20")])
def test_a_release_that_is_not_a_version_number_keeps_the_task(name: str, comm: str) -> None:
    """dump_stack_print_info() prints init_utsname()->release as the build set it: syzbot's
    kernels say "Not tainted syzkaller #0". The task and the release still come out."""
    rep = parse_log((CORPUS / name).read_bytes().partition(b"\n\n")[2])[0]
    assert (rep.comm, rep.kernel_release) == (comm, "syzkaller")


def _corpus_cases(keep: Callable[[str, str], bool]) -> list[str]:
    """The corpus cases whose header and console log ``keep`` takes."""
    out = []
    for path in sorted(CORPUS.iterdir()):
        head, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n\n")
        if keep(head, body):
            out.append(path.name)
    return out


def _alone_and_after_a_cut_report(case: str) -> tuple[list[str], list[str]]:
    """The titles of ``case``'s reports alone, and in a log where corpus 40's UBSAN report
    (stamped at 4.5 s, cut mid-trace, as a console that lost the rest) comes first, that
    report's own title left out."""
    first = (CORPUS / "40").read_text(encoding="utf-8").partition("\n\n")[2]
    body = (CORPUS / case).read_text(encoding="utf-8").partition("\n\n")[2]
    (cut,) = parse_log(first)
    after = [r.title for r in parse_log(first + body)]
    assert after[:1] == [cut.title]
    return [r.title for r in parse_log(body)], after[1:]


@pytest.mark.parametrize(
    "case",
    _corpus_cases(
        lambda head, body: (
            "TITLE: WARNING" in head and "panic_on_warn set" in body and "__warn" in body
        )
    ),
)
def test_a_panic_on_warn_warning_after_another_report_is_its_own(case: str) -> None:
    # The WARNING's own trace runs panic(), __warn(): panic_on_warn's panic, which
    # __warn() called (4.19 names it __warn.cold), not a panic the WARNING was raised in.
    # After another crash in the same log it gives the reports it gives alone.
    alone, after = _alone_and_after_a_cut_report(case)
    assert any(t.startswith("WARNING") for t in alone)
    assert after == alone


@pytest.mark.parametrize(
    "case",
    _corpus_cases(lambda head, _body: head.startswith(("TITLE: SYZFAIL", "TITLE: SYZFATAL"))),
)
def test_an_executor_failure_after_stamped_kernel_lines_is_a_report(case: str) -> None:
    # A fuzzer's console log takes syz-executor's output unstamped between the kernel's
    # stamped lines; its SYZFAIL is still what the log is read for (unlike a Go
    # program's panic there, tests/test_realworld_programs.py).
    alone, after = _alone_and_after_a_cut_report(case)
    assert alone[:1] and alone[0].startswith("SYZF")
    assert after == alone


_STAMP = re.compile(r"^\[ *(\d+\.\d{6})\] ", re.M)


def _stamped_panic(head: str, body: str) -> bool:
    """A panic (titled "kernel panic: ..." or "PANIC: ...") whose lines carry printk times
    and no caller ids, the first one past 15 s."""
    first = _STAMP.search(body)
    return (
        head.startswith(("TITLE: kernel panic", "TITLE: PANIC"))
        and first is not None
        and float(first.group(1)) > 15
        and not re.search(r"^\[ *\d+\.\d{6}\]\[", body, re.M)
    )


@pytest.mark.parametrize("case", _corpus_cases(_stamped_panic))
def test_a_panic_long_after_a_cut_report_is_its_own(case: str) -> None:
    # A panic printed minutes after the cut report is no panic of that crash's (a crash's
    # own panic follows it at once, and an oops is printed in one burst), but a report of
    # its own, titled as alone.
    alone, after = _alone_and_after_a_cut_report(case)
    assert after == alone
