"""Small inline SVG charts drawn on the server: a score or a laboratory value over days from day 0.

No JavaScript and no plotting library: a handful of points per patient, drawn as a polyline with
markers, axes with a few ticks and a dashed line at day 0. Each chart is an image to assistive technology
(``role="img"``) named by its ``<title>`` and described by its ``<desc>``, which reads every point ("day 100:
10,000,000 copies/mL"). The page shows the same numbers as a table under each chart (WCAG 2.1, 1.1.1
non-text content).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from remission.registry.labels import number_text

WIDTH, HEIGHT = 340, 150
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 28  # the left margin holds labels such as "2.5 × 10⁶"
LINE = "#1f6f8b"
DAY0 = "#b54708"
AXIS = "#6b7a88"  # 4.4:1 on white: axes are graphics needed to read the chart (WCAG 1.4.11 asks 3:1)


@dataclass(frozen=True)
class Point:
    day: int
    value: float
    label: str = ""


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _fmt(value: float) -> str:
    """A value as people write it (``10,000,000``, never ``1e+07``)."""
    return number_text(value)


def _tick(value: float) -> str:
    """An axis label, short enough for the margin: ``2,500``, or ``2.5 × 10⁵`` from 100,000 up."""
    if abs(value) < 1e5:
        return number_text(round(value, 10))
    exponent = math.floor(math.log10(abs(value)))
    mantissa = number_text(round(value / 10**exponent, 2))
    return f"{mantissa} × 10{str(exponent).translate(SUPERSCRIPT)}"


def point_text(point: Point, unit: str = "") -> str:
    """One point in words: "day 100: 10,000,000 copies/mL"."""
    words = _("day %(day)s: %(value)s") % {"day": point.day, "value": _fmt(point.value)}
    return f"{words} {unit}".strip()


def chart_id(title: str, points: Sequence[Point]) -> str:
    """An id for the chart's title and description, the same for the same chart, distinct between charts."""
    digest = hashlib.sha1(
        repr((title, [(p.day, p.value) for p in points])).encode(), usedforsecurity=False
    ).hexdigest()[:8]
    return f"chart-{slugify(title)[:40] or 'x'}-{digest}"


def description(title: str, points: Sequence[Point], unit: str = "") -> str:
    """What a screen reader reads for the chart: its title, then every point in day order."""
    ordered = sorted(points, key=lambda p: p.day)
    return f"{title}: " + "; ".join(point_text(p, unit) for p in ordered)


def line_chart(title: str, points: Sequence[Point], *, unit: str = "") -> SafeString:
    """An SVG line chart of ``points`` (days from day 0 on x), named by its title, described by each point."""
    if not points:
        return mark_safe("")
    days = [p.day for p in points] + [0]
    values = [p.value for p in points]
    x_low, x_high = min(days), max(days)
    if x_high == x_low:
        x_high = x_low + 1
    y_low, y_high = min(0.0, min(values)), max(values)
    if y_high == y_low:
        y_high = y_low + 1
    y_high += (y_high - y_low) * 0.08
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: float) -> float:
        return LEFT + (day - x_low) / (x_high - x_low) * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - (value - y_low) / (y_high - y_low) * plot_h

    cid = chart_id(title, points)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{cid}-title" '
        f'aria-describedby="{cid}-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description(title, points, unit))}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="{AXIS}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{AXIS}"/>',
    ]
    for tick in _ticks(y_low, y_high):
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT - 3}" y1="{ty:.1f}" x2="{LEFT + plot_w}" y2="{ty:.1f}" stroke="#e4e9ed"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{ty + 3.5:.1f}" text-anchor="end" font-size="10" fill="#44525e">'
            f"{_tick(tick)}</text>"
        )
    for tick in _ticks(x_low, x_high):
        tx = x(tick)
        parts.append(
            f'<text x="{tx:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" font-size="10" fill="#44525e">'
            f"{int(tick)}</text>"
        )
    axis_title = _("days from day 0")  # outside the f-string, where makemessages finds it
    parts.append(
        f'<text x="{LEFT + plot_w}" y="{HEIGHT - 2}" text-anchor="end" font-size="10" fill="#44525e">'
        f"{escape(axis_title)}</text>"
    )
    if x_low <= 0 <= x_high:
        zx = x(0)
        parts.append(
            f'<line x1="{zx:.1f}" y1="{TOP}" x2="{zx:.1f}" y2="{TOP + plot_h}" stroke="{DAY0}" '
            'stroke-dasharray="4 3"/>'
        )
    ordered = sorted(points, key=lambda p: p.day)
    path = " ".join(f"{x(p.day):.1f},{y(p.value):.1f}" for p in ordered)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for p in ordered:
        parts.append(
            f'<circle cx="{x(p.day):.1f}" cy="{y(p.value):.1f}" r="3.5" fill="{LINE}">'
            f"<title>{escape(point_text(p, unit))} {escape(p.label)}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
