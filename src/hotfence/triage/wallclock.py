"""The wall-clock time a log line starts with, and the least time between two of them.

A report ends at a long pause in printk time (extract.py). Many logs carry no printk time
but the wall-clock time a program stamped each line with, and the same pause shows there:

* util-linux ``dmesg -T`` (record_ctime(): ``strftime("%a %b %e %H:%M:%S %Y")`` in
  brackets, the names in the reader's locale) and ``dmesg --time-format iso``
  (``"%Y-%m-%dT%H:%M:%S,%06ld%z"`` with a ":" in the offset);
* syslog daemons and ``journalctl``: RFC 3164's ``Mmm dd hh:mm:ss`` (no year, whole
  seconds, local time), ``-o short-precise`` (``.uuuuuu`` after it), ``-o short-iso`` and
  ``short-iso-precise`` / rsyslog's RFC 3339 (``2026-11-27T10:11:12[.123456]+00:00``),
  ``-o short-full`` (``Fri 2026-11-27 10:11:12 UTC``), ``-o short-unix`` (seconds since
  the epoch), RFC 5424's TIMESTAMP after ``<PRI>1``; OpenWrt's ``logread`` (a ctime with
  its year); runit's svlogd ``-tt`` (``2026-11-27_10:11:12.12345``) and ``-t`` (TAI64N,
  ``@4000000065...``);
* a serial terminal's capture (minicom's ``[%F %T]``, tio's ISO 8601);
* a reader's stamp that stamps.py marked (moreutils ``ts``: its date, a time of day or
  since it started, the epoch; ``logcli --no-labels``' RFC 3339).

Only the shapes at a line's start count, after a ``grep -n`` / file name and a syslog
``<PRI>``: whatever the stamp names after it (a host, ``kernel:``) is lines.py's to read.
A line's printk time, when it has one, is the better clock: its caller looks here only
for lines without one.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import NamedTuple

# strftime("%b") in the C locale: the month a syslog daemon, journalctl and dmesg -T
# print unless the reader's locale names it otherwise
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

# A month's name as strftime's "%b" writes it in the reader's locale: journalctl and syslog
# daemons print "Nov", "апр", "Mär", "févr.", "dic", a whole word in others (hi_IN
# "मार्च"), dotted in Thai ("มี.ค."), "Thg 3" in Vietnamese; glibc's CJK locales its number
# and "月" / "월", padded with a space in some (localedata abmon: zh_CN "4月", ja_JP and
# zh_TW " 4月", ko_KR " 4월"). A log read as bytes is decoded as latin-1
# (parser.parse_log), where a UTF-8 letter is two or three chars in \x80-\xff, and
# "月" / "월" of the legacy CJK charsets (glibc's zh_CN.GBK, zh_CN.GB18030, zh_TW.BIG5,
# ja_JP.EUC-JP, ko_KR.EUC-KR) two.
_LETTER = r"(?:[^\W\d_]|[\x80-\xff])"


def locale_name(least_letters: int) -> str:
    """A month's (or a weekday's) name in any locale, as above, of at least
    ``least_letters`` letters when it is a word."""
    return (
        r"(?:" + _LETTER + "{" + str(least_letters) + r",40}(?:\." + _LETTER + r"+)*\.?(?: 1?\d)?"
        r"| ?1?\d(?:[\x80-\xff]{2,3}|[^\x00-\x7f]))"
    )


# A month or weekday name in any locale (a weekday's may be two letters: lines.MONTH's
# are three and more).
_NAME = locale_name(2)
_CLOCK = r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:[.,](?P<frac>\d{1,9}))?"
_WALL_RE = re.compile(
    # grep -n / -H or cat -n before a syslog file's line (lines._GREP), a syslog <PRI>,
    # RFC 5424's version; dmesg -x's facility and level (util-linux print_record()
    # prints them before the time, "%-6s:%-6s: "); dmesg -T's or a terminal capture's
    # bracket
    r"(?:[^\s:]+?[:-](?:\d+[:-])?| *\d+\t)?(?:<\d{1,3}>(?:1 )?)?"
    r"(?:[a-z]+[0-9]? *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: )?\[?"
    # the stamp itself ("when"), as it reads: what a folded event shows its time by
    r"(?P<when>(?:"
    # ISO 8601 / RFC 3339 and svlogd's "_" (short-full's weekday before it), or RFC 3164 /
    # ctime: an optional weekday, the month, the day
    r"(?:" + _NAME + r" )?(?:(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)[T _]"
    r"|(?P<mon>"
    + _NAME
    + r") +(?P<md>\d{1,2}) )"
    + _CLOCK
    # the ISO time's offset, short-full's zone name, a ctime's year
    + r"(?:(?P<z>Z|[+-]\d\d:?\d\d)|(?P<tz> [A-Z][A-Za-z]{1,5}(?:[+-]\d{1,2})?(?= ))"
    r"| (?P<cy>\d{4})(?!\d))?)"
    # journalctl -o short-unix; ts's "%s" / "%.s" (stamps.py: a marked stamp's end)
    r"|(?P<unix>\d{9,11}(?:\.\d{6}|(?:\.\d{1,9})?(?=\x1f)))"
    r"|@(?P<tai>[0-9a-f]{24})"  # TAI64N: 2^62 + seconds, then nanoseconds
    # ts -s / -i and "%T": a time of day (or since ts started) alone, marked
    r"|(?P<rel>\d\d):(?P<rM>\d\d):(?P<rS>\d\d(?:\.\d{1,9})?)(?=\x1f)"
    # util-linux dmesg -H / -e (print_record(), DMESG_TIMEFTM_RELTIME): short_ctime()'s
    # "%b%e %H:%M" when the minute changed, else the time since the record before,
    # "[  %+8.06f] " (under 10 s) or "[ %+9.06f] "; the month in the reader's locale, the
    # decimal point LC_NUMERIC's (dmesg sets its locale: "[ноя27 10:11]", "[  +0,000022]")
    r"|(?<=\[)(?P<hmon>" + _NAME + r")(?P<hday>[ \d]\d) (?P<hH>\d\d):(?P<hM>\d\d)(?=\])"
    r"|(?<=\[) {0,2}(?P<delta>[+-]\d+[.,]\d{6})(?=\])"
    r")(?=[\] \x1f])"
)
_TAI64_EPOCH = 1 << 62
_HOUR = 3600

# The UTC offset (seconds east) of each zone abbreviation that stands for one offset:
# what journalctl -o short-full ("%Z") and date(1) print, from the IANA tz database's
# abbreviations (tzdata's europe, northamerica, asia, australasia, africa files), kept
# where every zone that used it from 1990 on used it for one offset. Left out as
# ambiguous there: IST (India +05:30, Ireland +01, Israel +02), CST / CDT (US Central
# -06/-05, Cuba -05/-04, China +08), PST / PDT (US Pacific -08/-07, the Philippines
# +08/+09), KST (Pyongyang's +08:30 of 2015-2018), MSK (+04 in 2011-2014), BST
# (London's +01, older tzdata's Bougainville +11), AST / ADT (the Atlantic's -04/-03,
# older tzdata's Arabia +03/+04). A time under another name is compared only with
# times under the same name.
ZONE_OFFSETS: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "WET": 0,
    "WEST": 1 * _HOUR,
    "CET": 1 * _HOUR,
    "CEST": 2 * _HOUR,
    "MET": 1 * _HOUR,
    "MEST": 2 * _HOUR,
    "EET": 2 * _HOUR,
    "EEST": 3 * _HOUR,
    "WAT": 1 * _HOUR,
    "CAT": 2 * _HOUR,
    "SAST": 2 * _HOUR,
    "EAT": 3 * _HOUR,
    "IDT": 3 * _HOUR,
    "PKT": 5 * _HOUR,
    "WIB": 7 * _HOUR,
    "HKT": 8 * _HOUR,
    "AWST": 8 * _HOUR,
    "JST": 9 * _HOUR,
    "ACST": 9 * _HOUR + 1800,
    "ACDT": 10 * _HOUR + 1800,
    "AEST": 10 * _HOUR,
    "AEDT": 11 * _HOUR,
    "NZST": 12 * _HOUR,
    "NZDT": 13 * _HOUR,
    "NST": -(3 * _HOUR + 1800),
    "NDT": -(2 * _HOUR + 1800),
    "EST": -5 * _HOUR,
    "EDT": -4 * _HOUR,
    "MST": -7 * _HOUR,
    "MDT": -6 * _HOUR,
    "AKST": -9 * _HOUR,
    "AKDT": -8 * _HOUR,
    "HST": -10 * _HOUR,
}
_STAMP_ENDS = ("]", " ", "\x1f")


class WallTime(NamedTuple):
    """A line's wall-clock time. ``day`` is what its date says: the days since 1 AD when
    the stamp names its year; (month, day) when it names none (syslog's); its own text
    when its month is a name of another locale. ``seconds`` counts from that day's
    midnight; ``zone`` what the time is counted in: "" for UTC (an offset it names is
    taken off, as is a zone name's of ZONE_OFFSETS), else the zone's name or "local" (two
    such zones' times are not compared), or
    ``SINCE_LAST`` for a time since the line before. ``step``: the unit the stamp's time
    was cut to (whole seconds, a minute): the true time lies up to one step after it."""

    day: int | tuple[int, int] | str
    seconds: float
    zone: str
    step: float = 0.0
    # dmesg -H / -e's: its "[%b%e %H:%M]" minute or a time since the record before (a
    # log of these is read as a whole by :class:`HumanClock`)
    human: bool = False


# The zone of util-linux dmesg -H / -e's "[  +0.000005] ": the seconds since the record
# before (record_count_delta()), a gap measured already.
SINCE_LAST = "since-last"
# The unit dmesg rounds that time to ("%+8.06f"): the true time lies within half of it.
_DELTA_STEP = 1e-6


# Times already read, by their stamp's text: a report's lines share a whole second's
# stamp, and reading one costs a few microseconds more than finding it.
_SEEN: dict[str, WallTime | None] = {}
_SEEN_MAX = 4096


def wall_time(raw: str) -> WallTime | None:
    """The wall-clock time ``raw`` starts with (see the module's docstring), or None."""
    found = wall_stamp(raw)
    return found[1] if found is not None else None


def wall_stamp(raw: str) -> tuple[str, WallTime] | None:
    """The stamp ``raw`` starts with (its text, up to the space or bracket after it) and
    its time; None without one (or with one whose date no calendar has)."""
    m = _WALL_RE.match(raw)
    if m is None:
        return None
    stamp = m.group()
    try:
        wall = _SEEN[stamp]
    except KeyError:
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        wall = _SEEN[stamp] = _read(m)
    return None if wall is None else (stamp, wall)


def shown_time(raw: str) -> str | None:
    """The wall-clock time ``raw`` starts with, as its stamp wrote it, for a reader:
    "Nov 27 08:00:17", "2026-11-27T08:00:17.123456+00:00", "Fri Nov 27 08:00:17 2026"
    (without what may come before it: a ``grep -n`` prefix, a syslog ``<PRI>``,
    dmesg -T's bracket). None without one, or when it is a time since the line before
    (dmesg -H's "+0.000123"), which says nothing of when the line was printed."""
    m = _WALL_RE.match(raw)
    if m is None or m["delta"] is not None or wall_stamp(raw) is None:
        return None
    return m["when"]


def same_stamp(raw: str, stamp: str) -> bool:
    """Does ``raw`` start with ``stamp`` (a ``wall_stamp`` text), whole? Then it has that
    time: a test many times cheaper than reading it again."""
    return raw.startswith(stamp) and raw[len(stamp) : len(stamp) + 1] in _STAMP_ENDS


def _read(m: re.Match[str]) -> WallTime | None:
    """The time of a stamp ``_WALL_RE`` found."""
    if m["delta"] is not None:
        return WallTime("", float(m["delta"].replace(",", ".")), SINCE_LAST, _DELTA_STEP, True)
    if m["hmon"] is not None:
        minute = int(m["hH"]) * 3600 + int(m["hM"]) * 60
        month = _MONTHS.get(m["hmon"].lower())
        if month is None:
            # another locale's month: only times of the same date are compared
            return WallTime(m["hmon"] + " " + m["hday"].strip(), minute, "local", 60.0, True)
        return WallTime((month, int(m["hday"])), minute, "local", 60.0, True)
    if m["unix"] is not None:
        return _absolute(float(m["unix"]), _step(m["unix"]))
    if m["rel"] is not None:
        # no date: compared only with the same. ts -s counts from its start; -i from
        # the line before, so the difference of two is at most the true gap (never a
        # pause that was not)
        secs = m["rS"]
        clock = int(m["rel"]) * 3600 + int(m["rM"]) * 60 + float(secs)
        return WallTime("", clock, "local", _step(secs))
    if m["tai"] is not None:
        secs = int(m["tai"][:16], 16) - _TAI64_EPOCH
        return _absolute(secs + int(m["tai"][16:], 16) / 1e9, 1e-9)
    frac = m["frac"]
    seconds = int(m["H"]) * 3600 + int(m["M"]) * 60 + int(m["S"])
    step = 10.0 ** -len(frac) if frac else 1.0
    if frac:
        seconds += int(frac) / 10 ** len(frac)
    if m["y"] is not None:
        try:
            day = datetime.date(int(m["y"]), int(m["mo"]), int(m["d"])).toordinal()
        except ValueError:
            return None
        zone = m["z"]
        if zone is None:
            name = m["tz"].strip() if m["tz"] else "local"
            offset = ZONE_OFFSETS.get(name)
            if offset is None:
                return WallTime(day, seconds, name, step)
            return WallTime(day, seconds - offset, "", step)  # as UTC, as an offset is
        if zone != "Z":
            sign = -1 if zone[0] == "+" else 1
            seconds += sign * (int(zone[1:3]) * 3600 + int(zone[-2:]) * 60)
        return WallTime(day, seconds, "", step)
    month = _MONTHS.get(m["mon"].lower())
    if month is None:
        # another locale's month: only times of the same date are compared
        return WallTime(m["mon"] + " " + m["md"], seconds, "local", step)
    if m["cy"] is not None:
        try:
            day = datetime.date(int(m["cy"]), month, int(m["md"])).toordinal()
        except ValueError:
            return None
        return WallTime(day, seconds, "local", step)
    return WallTime((month, int(m["md"])), seconds, "local", step)


def _absolute(epoch: float, step: float) -> WallTime:
    days, seconds = divmod(epoch, 86400)
    return WallTime(int(days) + _EPOCH_DAY, seconds, "", step)


def _step(number: str) -> float:
    """The unit of a number's last digit: 1 without a fraction, 0.001 for "12.345"."""
    _, dot, frac = number.partition(".")
    return 10.0 ** -len(frac) if dot else 1.0


_EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()
# Years to place a syslog date in, when it names none: a leap year and the years around
# it, so that Feb 28 to Mar 1 and Dec 31 to Jan 1 are each as near as a calendar allows.
_YEARS = (2003, 2004)


def least_gap(before: WallTime | None, after: WallTime) -> float | None:
    """The least time from ``before`` to ``after`` their stamps allow, in seconds (the
    least a calendar allows when they name no year): each stamp's time was cut to its
    ``step``, so the gap is more than the stamps' difference less a step. None when they
    cannot be compared (no ``before``, other zones, differing dates of another locale's
    month names). A time since the line before (``SINCE_LAST``) is that gap itself.
    (Whole seconds: a difference of 11 s is a gap over 10 s; one of 10 s may be a gap
    of a little over 10 s, missed, never the other way round.)"""
    if after.zone == SINCE_LAST:
        return after.seconds - after.step
    if before is None or before.zone != after.zone:
        return None
    a, b = before.day, after.day
    if a == b:  # (most lines: the same day as the line before)
        return after.seconds - before.seconds - before.step
    if isinstance(a, int) and isinstance(b, int):
        days = b - a
    elif isinstance(a, tuple) and isinstance(b, tuple):
        # no year: the nearest the two dates lie in any year, the later one in the next
        # year when it comes before the other in the calendar (a log read past New Year)
        options = []
        for year in _YEARS:
            later = year + (b < a)
            try:
                days = datetime.date(later, *b).toordinal()
                days -= datetime.date(year, *a).toordinal()
            except ValueError:
                continue  # Feb 29 of a year that has none
            options.append(days)
        if not options:
            return None
        days = min(options)
    else:
        return None
    return days * 86400 + after.seconds - before.seconds - before.step


class HumanMark(NamedTuple):
    """Where :class:`HumanClock` stood at one line: its minute lines read so far, the
    seconds since the last one, the times since the record before read so far."""

    minutes: int
    since: float
    deltas: int


@dataclass
class HumanClock:
    """The clock of a util-linux ``dmesg -H`` / ``-e`` log, read line by line.

    print_record()'s DMESG_TIMEFTM_RELTIME case stamps a record with short_ctime()'s
    ``[%b%e %H:%M]`` when its local minute differs from the record before's, else with
    the seconds since that record (record_count_delta(), ``[  %+8.06f]``): a minute line
    hides its own record's time since the one before. So a record's time is its last
    minute line's record's time, somewhere in that minute, plus the times since summed;
    and every record of a minute's run lies in that minute, the run's last one too.

    The least time between two lines (:meth:`least_gap_since`) follows: within one run
    the times summed between them; across minute lines, at least the minutes apart less
    one (the earlier run's record as late in its minute as the rest of its run allows,
    the later one at its minute's start), plus what the earlier run printed after the
    earlier line and the later run before the later one. Read over every line, whoever
    printed it: the time since the record before is since any record, and a stream of
    one task's lines (CONFIG_PRINTK_CALLER) sees others' minute lines and times between
    its own."""

    minute: WallTime | None  # the last minute line's time (None: none read yet)
    since: float = 0.0  # seconds since it: the times since the record before, summed
    minutes: int = 0  # minute lines read
    deltas: int = 0  # times since the record before read
    # each minute line's run: the seconds its records' times since summed, by its number
    run_ends: dict[int, float] = field(default_factory=dict)
    run_minutes: dict[int, WallTime | None] = field(default_factory=dict)

    def read(self, wall: WallTime) -> None:
        """Go on past a line stamped ``wall`` (a ``human`` one)."""
        if wall.zone == SINCE_LAST:
            self.since += wall.seconds
            self.deltas += 1
            return
        self.run_ends[self.minutes] = self.since
        self.run_minutes[self.minutes] = self.minute
        self.minute, self.since = wall, 0.0
        self.minutes += 1

    def mark(self) -> HumanMark:
        """Where the clock stands now (at the last line read)."""
        return HumanMark(self.minutes, self.since, self.deltas)

    def least_gap_since(self, mark: HumanMark) -> float | None:
        """The least time from the line at ``mark`` to the last line read, in seconds;
        None when the stamps cannot tell (no minute line before ``mark``'s, minutes
        whose dates cannot be compared)."""
        # (each time since was rounded to a microsecond: off by up to half of one)
        rounding = (self.deltas - mark.deltas) * _DELTA_STEP
        if mark.minutes == self.minutes:
            return self.since - mark.since - rounding
        before = self.run_minutes.get(mark.minutes)
        if before is None or self.minute is None:
            return None  # no minute line before the mark's
        minutes = least_gap(before, self.minute)
        if minutes is None:
            return None
        rest = self.run_ends[mark.minutes] - mark.since  # its run after the mark
        return minutes + rest + self.since - rounding
