"""Inline SVG charts drawn on the server: geometry here, markup in the templates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from harbor.contracts import CallActivity
from harbor.runtime.overview import OUTCOMES


@dataclass(frozen=True)
class Bar:
    """One coloured segment of a stacked bar."""

    x: float
    y: float
    width: float
    height: float
    outcome: str
    title: str


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis."""

    position: float
    label: str


@dataclass(frozen=True)
class BarChart:
    """A stacked bar chart ready to draw."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    summary: str


def _nice_ceiling(value: int) -> int:
    """1, 2, 5, 10, 20, 50, ... at or above ``value``."""
    if value <= 1:
        return 1
    magnitude: int = 10 ** int(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def hourly_chart(activity: CallActivity, width: int = 720, height: int = 200) -> BarChart:
    """The last 24 hours of calls, one bar per hour stacked by outcome."""
    left, top, bottom = 36, 10, height - 24
    plot_height = bottom - top
    slot = (width - left) / len(activity.hours)
    top_value = _nice_ceiling(max((b.total for b in activity.hours), default=0))
    bars: list[Bar] = []
    x_ticks: list[Tick] = []
    for index, bucket in enumerate(activity.hours):
        x = left + index * slot + slot * 0.15
        y = float(bottom)
        hour = bucket.start.strftime("%H:00")
        for outcome in OUTCOMES:
            count = bucket.counts.get(outcome, 0)
            if not count:
                continue
            h = plot_height * count / top_value
            y -= h
            bars.append(Bar(x, y, slot * 0.7, h, outcome, f"{hour} UTC: {count} {outcome}"))
        if index % 6 == 0:
            x_ticks.append(Tick(left + index * slot, hour))
    fractions = (0.0, 0.5, 1.0) if top_value % 2 == 0 else (0.0, 1.0)
    y_ticks = [Tick(bottom - plot_height * f, str(round(top_value * f))) for f in fractions]
    totals = {o: sum(b.counts.get(o, 0) for b in activity.hours) for o in OUTCOMES}
    summary = ", ".join(f"{count} {outcome}" for outcome, count in totals.items() if count)
    return BarChart(
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=bottom,
        plot_left=left,
        bars=bars,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        summary=f"{activity.total} calls in the last 24 hours"
        + (f": {summary}" if summary else ""),
    )
