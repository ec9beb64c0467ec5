"""Charts drawn on the server as SVG: no JavaScript, nothing fetched from elsewhere.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``
(``aria-labelledby`` points at both), with ids made from ``key`` so that several charts fit on
one page. A chart never stands alone: the page puts a data table beside it (caption, headers
with ``scope``), which is what a screen reader reads. Only SVG attributes are used, no
``style``, so the portal's content security policy (``style-src 'self'``) lets them through.
The output is well-formed XML: every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 250  # left of the bars: their labels, right-aligned
BAR_AREA = 240  # then the bars, then their text (about 140 units)
COLUMNS_WIDTH = 360  # the monthly charts stand side by side
ROW = 30
BAR = 18
INK = "#1d2733"
MUTED = "#4f5b67"
TRACK = "#e4e9ee"
BRAND = "#0b5394"
OK = "#1e6b34"


@dataclass(frozen=True)
class Bar:
    """One labelled value: ``value`` sizes the bar, ``text`` is written beside it."""

    label: str
    value: float
    text: str


def _open(key: str, title: str, description: str, height: int, width: int = WIDTH) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{key}-title {key}-desc" font-family="system-ui, sans-serif" '
        f'font-size="13">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(description)}</desc>'
    )


def _number(value: float) -> str:
    """A coordinate, short: 12.5 or 12."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def progress(key: str, title: str, description: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars of the share of a target reached (``value``: 0-100 and beyond; a bar
    stops at 100 and turns green there), each on a grey track that is the whole target."""
    height = max(len(bars), 1) * ROW + 10
    parts = [_open(key, title, description, height)]
    for row, bar in enumerate(bars):
        top = 5 + row * ROW
        middle = top + ROW / 2
        share = min(max(bar.value, 0.0), 100.0) / 100
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{_number(middle)}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{INK}">{escape(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{_number(middle - BAR / 2)}" width="{BAR_AREA}" '
            f'height="{BAR}" fill="{TRACK}"/>'
            f'<rect x="{LABEL_WIDTH}" y="{_number(middle - BAR / 2)}" '
            f'width="{_number(BAR_AREA * share)}" height="{BAR}" '
            f'fill="{OK if bar.value >= 100 else BRAND}"/>'
            f'<text x="{LABEL_WIDTH + BAR_AREA + 8}" y="{_number(middle)}" '
            f'dominant-baseline="middle" fill="{INK}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)


def funnel(key: str, title: str, description: str, bars: Sequence[Bar]) -> Markup:
    """The pathway as a funnel: one centred bar per step, as wide as its share of the
    widest step."""
    height = max(len(bars), 1) * ROW + 10
    widest = max((bar.value for bar in bars), default=0) or 1
    centre = LABEL_WIDTH + BAR_AREA / 2
    parts = [_open(key, title, description, height)]
    for row, bar in enumerate(bars):
        top = 5 + row * ROW
        middle = top + ROW / 2
        width = max(BAR_AREA * bar.value / widest, 2 if bar.value else 0)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{_number(middle)}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{INK}">{escape(bar.label)}</text>'
            f'<rect x="{_number(centre - width / 2)}" y="{_number(middle - BAR / 2)}" '
            f'width="{_number(width)}" height="{BAR}" fill="{BRAND}"/>'
            f'<text x="{LABEL_WIDTH + BAR_AREA + 8}" y="{_number(middle)}" '
            f'dominant-baseline="middle" fill="{INK}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)


def columns(key: str, title: str, description: str, bars: Sequence[Bar]) -> Markup:
    """Vertical columns in order (months): the label under each, the value above it."""
    height = 170
    base = 140  # the columns stand on this line; the labels go under it
    room = 110  # the highest column
    count = max(len(bars), 1)
    step = (COLUMNS_WIDTH - 20) / count
    highest = max((bar.value for bar in bars), default=0) or 1
    parts = [
        _open(key, title, description, height, COLUMNS_WIDTH),
        f'<line x1="10" y1="{base}" x2="{COLUMNS_WIDTH - 10}" y2="{base}" stroke="{MUTED}"/>',
    ]
    for index, bar in enumerate(bars):
        left = 10 + index * step
        centre = left + step / 2
        tall = room * bar.value / highest
        parts.append(
            f'<rect x="{_number(left + step * 0.15)}" y="{_number(base - tall)}" '
            f'width="{_number(step * 0.7)}" height="{_number(tall)}" fill="{BRAND}"/>'
            f'<text x="{_number(centre)}" y="{_number(base - tall - 4)}" text-anchor="middle" '
            f'fill="{INK}" font-size="11">{escape(bar.text)}</text>'
            f'<text x="{_number(centre)}" y="{base + 16}" text-anchor="middle" '
            f'fill="{MUTED}" font-size="10">{escape(bar.label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)
