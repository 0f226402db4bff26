"""Crashes per day per group as an SVG bar chart, computed on the server (no JavaScript)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from hotfence.store import DailyCount

# Colour-blind-safe palette (Okabe & Ito); groups past it share the last, "other", colour.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
OTHER = "#999999"

WIDTH, HEIGHT = 900, 220
LEFT, BOTTOM, TOP = 40, 30, 10
MAX_DAYS = 90  # the most recent days shown; older ones are summed into nothing (not drawn)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    label: str  # the tooltip: "2026-11-25 — title: 3"


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, group title)
    max_count: int = 0
    baseline: float = HEIGHT - BOTTOM
    left: float = LEFT


def day_str(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()


def build(counts: list[DailyCount]) -> Chart:
    """A stacked bar per day; the largest groups get their own colour, the rest 'other'."""
    chart = Chart(WIDTH, HEIGHT)
    if not counts:
        return chart
    last = max(c.day for c in counts)
    first = max(min(c.day for c in counts), last - MAX_DAYS + 1)
    counts = [c for c in counts if c.day >= first]
    totals: dict[str, int] = defaultdict(int)
    for c in counts:
        totals[c.title] += c.count
    ranked = sorted(totals, key=lambda t: (-totals[t], t))
    colors = {t: PALETTE[i] for i, t in enumerate(ranked[: len(PALETTE) - 1])}
    # Groups past the palette share one "other" bar per day: a fleet has hundreds of
    # groups, and a rect for each of them on each day makes a page of tens of thousands.
    other = f"{len(ranked) - len(colors)} other groups"
    summed: dict[tuple[int, str], int] = defaultdict(int)
    for c in counts:
        summed[(c.day, c.title if c.title in colors else other)] += c.count
    per_day: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for (day, title), n in summed.items():
        per_day[day].append((title, n))
    chart.max_count = max(sum(n for _, n in v) for v in per_day.values())
    days = last - first + 1
    slot = min((WIDTH - LEFT) / days, 40.0)  # a few days must not make a wall of colour
    scale = (HEIGHT - BOTTOM - TOP) / chart.max_count
    for day in range(first, last + 1):
        x = LEFT + (day - first) * slot
        y = float(HEIGHT - BOTTOM)
        stack = sorted(per_day.get(day, []), key=lambda tc: (tc[0] not in colors, -tc[1], tc[0]))
        for title, n in stack:
            h = n * scale
            y -= h
            chart.bars.append(
                Bar(
                    round(x + slot * 0.1, 2),
                    round(y, 2),
                    round(max(slot * 0.8, 1.0), 2),
                    round(h, 2),
                    colors.get(title, OTHER),
                    f"{day_str(day)} — {title}: {n}",
                )
            )
    step = max(1, days // 6)
    chart.ticks = [
        Tick(round(LEFT + (d - first + 0.5) * slot, 2), day_str(d)[5:])
        for d in range(first, last + 1, step)
    ]
    chart.legend = [(colors[t], t) for t in ranked if t in colors]
    if len(ranked) > len(colors):
        chart.legend.append((OTHER, other))
    return chart
