"""Kernel oopses as distributions' crash reporters file them in their bug trackers:
Ubuntu's apport (Launchpad "kernel-oops" bugs, ``/var/crash/*.crash`` files), tested by
rewriting the real logs of ``data/realworld`` and ``lab`` into the text the reporter's
own code writes around an oops, as each test says with that code."""

from __future__ import annotations

from pathlib import Path

from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks
from hotfence.triage.reader import ReadLimits, line_blocks
from test_realworld import LAB
from test_realworld_arch import DATA


def _real_reports() -> list[Report]:
    reports: list[Report] = []
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        reports += parse_log(Path(path).read_text(encoding="latin-1"))
    return reports


def _apport_title(oops: str) -> str:
    """apport's title of a kernel oops (apport/report.py standard_title(): for a
    "KernelOops" report, OopsText's first line, its second after a "cut here" line)."""
    lines = oops.split("\n")
    if lines[0] == "------------[ cut here ]------------" and len(lines) > 1:
        return lines[1]
    return lines[0]


def _apport_item(key: str, value: str) -> str:
    """One item as apport writes a report (problem_report.py ProblemReport.write():
    "Key: value", or "Key:" and each line of a multi-line value after one space)."""
    if "\n" in value:
        return key + ":\n " + value.replace("\n", "\n ") + "\n"
    return f"{key}: {value}\n"


def test_apports_title_of_an_oops_is_no_report() -> None:
    """apport's kernel_oops files a "KernelOops" report (data/kernel_oops: Failure "oops",
    Tags "kernel-oops", the oops as OopsText); its title is the oops's first line
    (standard_title()), the Launchpad bug's summary, and the "Title:" item of the report
    (crashdb_impl/launchpad.py: report.get('Title', report.standard_title())) that the
    bug's description and the .crash file show among the others. It names the crash but
    is no kernel line: those items alone are no report, and with the oops they are the
    oops's reports, not one more "in corrupted" report of its title."""
    checked = 0
    for rep in _real_reports():
        oops = rep.text.rstrip("\n")
        title = _apport_title(oops)
        fields = (
            "ProblemType: KernelOops\n"
            + _apport_item(
                "Annotation",
                "Your system might become unstable now and might need to be restarted.",
            )
            + _apport_item("Failure", "oops")
            + _apport_item("SourcePackage", "linux")
            + _apport_item("Tags", "kernel-oops")
            + _apport_item("Title", title)
            + _apport_item("Uname", "Linux 6.8.0-45-generic x86_64")
        )
        assert parse_log(fields) == [], title
        described = fields + "\n" + oops + "\n"
        assert [r.title for r in parse_log(described)] == [r.title for r in parse_log(oops)]
        checked += 1
    assert checked > 120


def _apport_crash_file(oops: str) -> str:
    """The .crash file apport's kernel_oops writes for ``oops`` (data/kernel_oops: its
    items; problem_report.py write(): ProblemType first, the others sorted by key)."""
    items = {
        "Annotation": "Your system might become unstable now and might need to be restarted.",
        "Date": "Mon Mar  3 04:12:19 2025",
        "Failure": "oops",
        "OopsText": oops,
        "Package": "linux-image-6.8.0-45-generic 6.8.0-45.45",
        "SourcePackage": "linux",
        "Tags": "kernel-oops",
        "Uname": "Linux 6.8.0-45-generic x86_64",
    }
    return "ProblemType: KernelOops\n" + "".join(_apport_item(k, items[k]) for k in sorted(items))


def test_apports_oops_text_item_reads_as_the_oops() -> None:
    """apport writes a multi-line item as "Key:" and then each line of the value after
    one space (problem_report.py write()): the oops of a .crash file (OopsText), and
    likewise of the dmesg it carries, starts every line with a space the kernel did not
    print. Every report of the real logs, as the OopsText of apport's .crash file, reads
    as the oops itself: title, task, CPU, release, taint and every frame, whole or read
    in blocks (prefilter)."""
    from test_realworld_wrap import _facts

    checked = 0
    for rep in _real_reports():
        oops = rep.text.rstrip("\n")
        crash = _apport_crash_file(oops)
        want = [_facts(r) for r in parse_log(oops)]
        assert [_facts(r) for r in parse_log(crash)] == want, oops.split("\n")[0]
        data = crash.encode("latin-1")
        blocks = (data[i : i + 4096] for i in range(0, len(data), 4096))
        streamed = triage_blocks(line_blocks(blocks, ReadLimits()), chunk_bytes=64 << 10)
        assert [_facts(r) for r in streamed] == want, oops.split("\n")[0]
        checked += 1
    assert checked > 120


def test_a_bug_mails_subject_naming_the_oops_is_no_report() -> None:
    """A tracker mails each bug with its summary, an oops's first line for the bugs its
    reporters file (apport's title, abrt's summary), as the subject: Launchpad's "[Bug
    %d] [NEW] %s" and "[Bug %d] %s" (lib/lp/bugs/mail/newbug.py, a reply's "Re: " after
    it), Bugzilla's "[Bug %d] New: %s", debbugs' "Bug#%d: %s" (scripts/process) with
    reportbug's "package: title". A list archive's page of the mail heads it with that
    subject alone. It names the crash but is no kernel line: the page gives the body's
    oops reports, not one more "in corrupted" report of its subject."""
    checked = 0
    for rep in _real_reports():
        oops = rep.text.rstrip("\n")
        title = _apport_title(oops)
        want = [r.title for r in parse_log(oops)]
        for subject in (
            f"[Bug 2061874] [NEW] {title}",
            f"[Bug 2061874] Re: {title}",
            f"[Bug 2061874] {title}",
            f"[Bug 213456] New: {title}",
            f"Bug#1061234: linux-image-6.1.0-18-amd64: {title}",
        ):
            page = f"{subject}\n\nPublic bug reported:\n\n{oops}\n"
            assert [r.title for r in parse_log(page)] == want, subject
        checked += 1
    assert checked > 120


def test_a_debian_bug_pages_title_naming_the_oops_is_no_report() -> None:
    """debbugs' page of a bug (cgi/bugreport.cgi, templates/en_US/cgi/bugreport.tmpl)
    is titled "#%d - %s - Debian Bug report logs" and headed "Debian Bug report logs -
    #%d" with the bug's subject on the line under it: reportbug's "package: title", the
    kernel package's name before an oops's first line ("linux-image-4.9.0-3-amd64:
    kernel BUG at ..."). Saved as text, the page gives the reporter's pasted oops's
    reports, not one more "in corrupted" report of its title or heading."""
    checked = 0
    for rep in _real_reports():
        oops = rep.text.rstrip("\n")
        want = [r.title for r in parse_log(oops)]
        for package in ("linux-image-6.1.0-18-amd64", "src:linux", "linux"):
            subject = f"{package}: {_apport_title(oops)}"
            page = (
                f"#1061234 - {subject} - Debian Bug report logs\n\n"
                f"Debian Bug report logs - #1061234\n{subject}\n"
                "Package: src:linux; Maintainer for src:linux is Debian Kernel Team"
                " <debian-kernel@lists.debian.org>;\n"
                "Reported by: A User <user@example.org>\n"
                "Date: Mon, 3 Mar 2025 04:12:19 UTC\n\n"
                f"Package: src:linux\nVersion: 6.1.76-1\nSeverity: important\n\n{oops}\n"
            )
            assert [r.title for r in parse_log(page)] == want, subject
        checked += 1
    assert checked > 120


def test_a_launchpad_bug_pages_title_naming_the_oops_is_no_report() -> None:
    """Launchpad's page of a bug is titled with its breadcrumbs' details, the bug's
    first (lib/lp/bugs/browser/bugtask.py BugTaskBreadcrumb.detail: "Bug #%d" and the
    bug's title in smart quotes), "Bug #%d “%s” : Bugs : linux package : Ubuntu", and
    its view's label is "Bug #%d in linux (Ubuntu): “%s”" (BugTaskView.label); an
    apport bug's title is the oops's first line. Saved as text, the page gives the
    description's oops's reports, not one more "in corrupted" report of its title."""
    checked = 0
    for rep in _real_reports():
        oops = rep.text.rstrip("\n")
        title = _apport_title(oops)
        want = [r.title for r in parse_log(oops)]
        for head in (
            f"Bug #2061874 “{title}” : Bugs : linux package : Ubuntu",
            f"Bug #2061874 in linux (Ubuntu): “{title}”",
        ):
            page = f"{head}\n\nBug Description\n\n{oops}\n"
            assert [r.title for r in parse_log(page)] == want, head
        checked += 1
    assert checked > 120
