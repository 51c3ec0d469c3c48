"""A small charting helper of our own: server-rendered SVG for the Insights page.

Why not pygal: its charts carry inline `style` attributes and a `<style>` element, which
our Content-Security-Policy (`style-src 'self'`) blocks, and its interactivity needs a
script from a CDN. These few chart shapes are a couple of hundred lines: every colour is a
class from static/css/app.css (so light and dark mode come from the CSS variables), and
geometry uses SVG presentation attributes only, never `style=`.

Every chart is `role="img"`, named by its `<title>` (aria-labelledby) and described by its
`<desc>` (aria-describedby), in words the page also shows; the numbers themselves are in a
table next to each chart. Text from the user (a habit's or a company's name) is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


def _num(value: float) -> str:
    """A coordinate with at most one decimal: short markup, and no "1e-05"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(attributes: dict[str, object]) -> str:
    # Numbers need no escaping; every string does (a habit's name may be in a title).
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="'
        f'{value if isinstance(value, int | float) else escape(str(value))}"'
        for name, value in attributes.items() if value is not None
    )


def _tag(name: str, content: str = "", **attributes: object) -> str:
    """One SVG element; `content` is markup already escaped."""
    if not content:
        return f"<{name}{_attrs(attributes)}/>"
    return f"<{name}{_attrs(attributes)}>{content}</{name}>"


def _text(x: float, y: float, words: str, **attributes: object) -> str:
    return _tag("text", str(escape(words)), x=_num(x), y=_num(y), **attributes)


def _svg(chart_id: str, title: str, desc: str, width: float, height: float,
         body: Iterable[str], css: str = "") -> Markup:
    """The chart's outer element: sized by its viewBox (CSS makes it fluid), named by its
    title and described by its desc for screen readers."""
    head = (
        _tag("title", str(escape(title)), id=f"{chart_id}-title")
        + _tag("desc", str(escape(desc)), id=f"{chart_id}-desc")
    )
    # Every attribute and text went through escape() in _attrs and _text.
    return Markup(_tag(  # noqa: S704  # nosec B704
        "svg", head + "".join(body),
        xmlns="http://www.w3.org/2000/svg", id=chart_id, class_=f"chart {css}".strip(),
        viewBox=f"0 0 {_num(width)} {_num(height)}", width=_num(width), height=_num(height),
        role="img", aria_labelledby=f"{chart_id}-title", aria_describedby=f"{chart_id}-desc",
    ))


# --- A line over days: dots for each day, a line for the moving average --------------------


@dataclass(frozen=True)
class LineChart:
    """Values over evenly spaced days. `dots` and `line` hold one value (or None) per day."""

    dots: Sequence[float | None]
    line: Sequence[float | None]
    y_labels: dict[int, str]  # value -> word on the axis, lowest to highest
    x_labels: Sequence[tuple[int, str]]  # (index of the day, label)


LINE_W, LINE_H = 340, 200
LINE_LEFT, LINE_RIGHT, LINE_TOP, LINE_BOTTOM = 46, 8, 10, 26


def line_chart(chart_id: str, title: str, desc: str, chart: LineChart) -> Markup:
    """Dots for the days' values and a line through the moving average (a gap where it has
    none), on a fixed scale from the lowest to the highest y label."""
    low, high = min(chart.y_labels), max(chart.y_labels)
    n = max(len(chart.dots), 1)
    plot_w = LINE_W - LINE_LEFT - LINE_RIGHT
    plot_h = LINE_H - LINE_TOP - LINE_BOTTOM

    def x(i: int) -> float:
        return LINE_LEFT + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y(v: float) -> float:
        return LINE_TOP + (high - v) / (high - low) * plot_h

    body = [_tag("path", class_="chart-grid", d="".join(
        f"M{LINE_LEFT} {_num(y(v))}H{LINE_W - LINE_RIGHT}" for v in chart.y_labels))]
    body += [_text(LINE_LEFT - 6, y(v) + 4, word, class_="chart-label", text_anchor="end")
             for v, word in chart.y_labels.items()]
    body += [_text(x(i), LINE_H - 8, label, class_="chart-label", text_anchor="middle")
             for i, label in chart.x_labels]
    dots = "".join(f"M{_num(x(i))} {_num(y(v))}h0" for i, v in enumerate(chart.dots)
                   if v is not None)
    if dots:
        body.append(_tag("path", class_="chart-dots" + (" dense" if n > 120 else ""), d=dots))
    line, pen_down = [], False
    for i, v in enumerate(chart.line):
        if v is None:
            pen_down = False
            continue
        line.append(f"{'L' if pen_down else 'M'}{_num(x(i))} {_num(y(v))}")
        pen_down = True
    if line:
        body.append(_tag("path", class_="chart-line", d="".join(line)))
    return _svg(chart_id, title, desc, LINE_W, LINE_H, body)


# --- A year in pixels: a row of squares per month, one square a day ------------------------


@dataclass(frozen=True)
class PixelRow:
    label: str  # the month, short ("Mar")
    # One per day of the month: 0 no check-in, 1-5 the mood, None not drawn (after today).
    levels: Sequence[int | None]


PIXEL = 9
PIXEL_PITCH_X, PIXEL_PITCH_Y = 10, 12
PIXEL_LEFT, PIXEL_TOP = 30, 14


def pixel_calendar(chart_id: str, title: str, desc: str, rows: Sequence[PixelRow]) -> Markup:
    """One row per month and one square per day, coloured by level (class `px-<level>`).
    Squares of one level share a path, so a year is six elements, not 365."""
    width = PIXEL_LEFT + 31 * PIXEL_PITCH_X
    height = PIXEL_TOP + len(rows) * PIXEL_PITCH_Y
    body = [_text(PIXEL_LEFT + (day - 1) * PIXEL_PITCH_X + PIXEL / 2, 10, str(day),
                  class_="chart-label small", text_anchor="middle")
            for day in (1, 10, 20, 31)]
    squares: dict[int, list[str]] = {}
    for r, row in enumerate(rows):
        top = PIXEL_TOP + r * PIXEL_PITCH_Y
        body.append(_text(0, top + PIXEL - 1, row.label, class_="chart-label small"))
        for d, level in enumerate(row.levels):
            if level is not None:
                left = PIXEL_LEFT + d * PIXEL_PITCH_X
                squares.setdefault(level, []).append(f"M{left} {top}h{PIXEL}v{PIXEL}h-{PIXEL}z")
    body += [_tag("path", class_=f"px px-{level}", d="".join(parts))
             for level, parts in sorted(squares.items())]
    return _svg(chart_id, title, desc, width, height, body, css="pixels")


# --- Horizontal bars ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    value: float | None  # None: nothing to draw yet (the text says why)
    text: str  # shown at the end of the bar
    css: str = "bar"


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: Sequence[Bar]


BAR_W = 340
BAR_LABEL_H, BAR_H, BAR_GAP, GROUP_GAP = 16, 14, 4, 10
BAR_TEXT_ROOM = 130


def bar_chart(chart_id: str, title: str, desc: str, groups: Sequence[BarGroup],
              maximum: float) -> Markup:
    """Groups of horizontal bars, each group under its label, on a shared scale from 0 to
    `maximum`, each bar with its value in words at its end."""
    scale = (BAR_W - BAR_TEXT_ROOM) / maximum if maximum > 0 else 0
    body, top = [], 0.0
    for group in groups:
        body.append(_text(0, top + 12, group.label, class_="chart-label strong"))
        top += BAR_LABEL_H
        for bar in group.bars:
            length = max(bar.value or 0, 0) * scale
            if bar.value is not None:
                # A zero still shows as a sliver, so the bar is visibly there and empty.
                body.append(_tag("rect", class_=bar.css, x="0", y=_num(top),
                                 width=_num(max(length, 2)), height=BAR_H, rx="3"))
            body.append(_text(length + 6, top + BAR_H - 3, bar.text, class_="chart-label"))
            top += BAR_H + BAR_GAP
        top += GROUP_GAP
    return _svg(chart_id, title, desc, BAR_W, max(top, 1), body, css="bars")
