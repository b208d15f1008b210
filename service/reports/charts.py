"""Server-rendered SVG charts: plain deterministic markup, no JavaScript, readable on paper.

Every chart is one `<svg data-chart="…">` with a viewBox, so it scales to the page and prints
sharp. Marks carry a `<title>` for the browser's own tooltip. Text widths are estimated (CJK
characters one em, Latin about 0.6 em) because nothing is measured without a browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup, escape

FONT = 12
INK = "#1f2933"
MUTED = "#6b7280"
GRID = "#e5e7eb"
HISTORY = "#1f5fa8"
FORECAST = "#d9480f"
RISING = "#1f5fa8"
FALLING = "#d9480f"
SERIES = ("#1f5fa8", "#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#0b7285", "#e67700", "#495057")

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # printed after the bar's value, e.g. the revenue beside units


@dataclass(frozen=True)
class StackedBar:
    label: str
    parts: dict[str, float]  # segment key -> value, drawn in the chart's segment order


@dataclass(frozen=True)
class WeeklyPanel:
    title: str
    history: list[tuple[date, float]]
    forecast: list[tuple[date, float, float, float]] = field(default_factory=list)  # lo, hi


def text_width(text: str, size: float = FONT) -> float:
    """An estimate of TEXT's rendered width in pixels at font SIZE."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def fit_text(text: str, max_width: float, size: float = FONT) -> str:
    """TEXT cut with an ellipsis so that it fits MAX_WIDTH."""
    if text_width(text, size) <= max_width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > max_width:
            break
        out += ch
    return out + "…"


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least MAXIMUM (1-2-5 steps)."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(maximum / step - 1e-9) + 1)]


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, **attrs: str | float) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return f'<text x="{_n(x)}" y="{_n(y)}"{extra}>{escape(content)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0.5))}" height="{_n(h)}" '
        f'fill="{fill}"><title>{escape(tip)}</title></rect>'
    )


def _svg(chart_id: str, width: float, height: float, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {_n(width)} '
        f'{_n(height)}" width="{_n(width)}" height="{_n(height)}" style="max-width: {_n(width)}px" '
        'role="img" '
        f'aria-label="{escape(label)}" font-size="{FONT}" fill="{INK}">' + "".join(body) + "</svg>"
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    label: str,
    value_format: Formatter,
    width: float = 480,
    color: str = HISTORY,
) -> Markup:
    """Horizontal bars, longest first as given, each labelled with its value and note."""
    row, bar_h, top = 24, 16, 6
    label_w = min(width * 0.38, max((text_width(b.label) for b in bars), default=0) + 10)
    notes = [" · ".join(filter(None, (value_format(b.value), b.note))) for b in bars]
    note_w = max((text_width(n, FONT - 1) for n in notes), default=0) + 8
    plot_w = max(width - label_w - note_w, 40)
    top_value = max((b.value for b in bars), default=0) or 1
    body = [
        f'<line x1="{_n(label_w)}" y1="0" x2="{_n(label_w)}" '
        f'y2="{_n(top + row * len(bars))}" stroke="{GRID}"/>'
    ]
    for i, (bar, note) in enumerate(zip(bars, notes, strict=True)):
        y = top + i * row
        w = plot_w * bar.value / top_value
        body.append(
            _text(label_w - 6, y + bar_h - 3, fit_text(bar.label, label_w - 8), text_anchor="end")
        )
        body.append(_rect(label_w, y, w, bar_h, color, f"{bar.label}: {note}"))
        body.append(_text(label_w + w + 5, y + bar_h - 3, note, fill=MUTED, font_size=FONT - 1))
    return _svg(chart_id, width, top * 2 + row * len(bars), label, body)


def diverging_bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    label: str,
    value_format: Formatter,
    width: float = 960,
) -> Markup:
    """Bars left (negative) or right (positive) of a zero line, each with its note or value."""
    row, bar_h, top = 24, 16, 6
    label_w = min(width * 0.3, max((text_width(b.label) for b in bars), default=0) + 10)
    texts = [b.note or value_format(b.value) for b in bars]
    value_w = max((text_width(text, FONT - 1) for text in texts), default=0) + 8
    half = max((width - label_w - 2 * value_w) / 2, 40)
    zero = label_w + value_w + half
    extent = max((abs(b.value) for b in bars), default=0) or 1
    height = top * 2 + row * len(bars)
    body = [f'<line x1="{_n(zero)}" y1="0" x2="{_n(zero)}" y2="{_n(height)}" stroke="{MUTED}"/>']
    for i, (bar, text) in enumerate(zip(bars, texts, strict=True)):
        y = top + i * row
        w = half * abs(bar.value) / extent
        x = zero if bar.value >= 0 else zero - w
        color = RISING if bar.value >= 0 else FALLING
        body.append(
            _text(label_w - 6, y + bar_h - 3, fit_text(bar.label, label_w - 8), text_anchor="end")
        )
        body.append(_rect(x, y, w, bar_h, color, f"{bar.label}: {text}"))
        end, anchor = (x + w + 5, "start") if bar.value >= 0 else (x - 5, "end")
        body.append(
            _text(end, y + bar_h - 3, text, fill=MUTED, font_size=FONT - 1, text_anchor=anchor)
        )
    return _svg(chart_id, width, height, label, body)


def stacked_bar_chart(
    bars: Sequence[StackedBar],
    *,
    chart_id: str,
    label: str,
    segments: dict[str, str],
    width: float = 960,
) -> Markup:
    """Horizontal bars split into SEGMENTS (key -> legend text), with a legend on top."""
    row, bar_h, top = 24, 16, 30
    label_w = min(width * 0.35, max((text_width(b.label) for b in bars), default=0) + 10)
    totals = [sum(b.parts.values()) for b in bars]
    plot_w = width - label_w - 40
    top_total = max(totals, default=0) or 1
    colors = {key: SERIES[i % len(SERIES)] for i, key in enumerate(segments)}
    body, x = [], 0.0
    for key, text in segments.items():
        body.append(_rect(x, 6, 12, 12, colors[key], text))
        body.append(_text(x + 16, 16, text))
        x += text_width(text) + 36
    for i, (bar, total) in enumerate(zip(bars, totals, strict=True)):
        y = top + i * row
        body.append(
            _text(label_w - 6, y + bar_h - 3, fit_text(bar.label, label_w - 8), text_anchor="end")
        )
        start = label_w
        for key, text in segments.items():
            value = bar.parts.get(key, 0)
            if value:
                w = plot_w * value / top_total
                body.append(
                    _rect(start, y, w, bar_h, colors[key], f"{bar.label} · {text}: {_n(value)}")
                )
                start += w
        body.append(_text(start + 5, y + bar_h - 3, _n(total), fill=MUTED, font_size=FONT - 1))
    return _svg(chart_id, width, top + 6 + row * len(bars), label, body)


def weekly_panels_chart(
    panels: Sequence[WeeklyPanel],
    *,
    chart_id: str,
    label: str,
    legend: tuple[str, str, str],
    tick_format: Formatter,
    columns: int = 3,
    width: float = 960,
) -> Markup:
    """Small multiples: per panel the weekly history, the forecast line and its interval band."""
    gap, panel_h, legend_h = 18, 170, 28
    panel_w = (width - gap * (columns - 1)) / columns
    rows = math.ceil(len(panels) / columns)
    history, forecast, interval = legend
    body = [
        f'<line x1="0" y1="12" x2="22" y2="12" stroke="{HISTORY}" stroke-width="2"/>',
        _text(28, 16, history),
        f'<line x1="{_n(60 + text_width(history))}" y1="12" x2="{_n(82 + text_width(history))}"'
        f' y2="12" stroke="{FORECAST}" stroke-width="2" stroke-dasharray="5 3"/>',
        _text(88 + text_width(history), 16, forecast),
    ]
    band_x = 120 + text_width(history) + text_width(forecast)
    body.append(
        f'<rect x="{_n(band_x)}" y="6" width="22" height="12" fill="{FORECAST}" '
        'fill-opacity="0.2"/>'
    )
    body.append(_text(band_x + 28, 16, interval))
    for i, panel in enumerate(panels):
        ox = (i % columns) * (panel_w + gap)
        oy = legend_h + (i // columns) * (panel_h + gap)
        body.extend(_weekly_panel(panel, ox=ox, oy=oy, w=panel_w, h=panel_h, fmt=tick_format))
    return _svg(chart_id, width, legend_h + rows * (panel_h + gap) - gap, label, body)


def _weekly_panel(
    panel: WeeklyPanel, *, ox: float, oy: float, w: float, h: float, fmt: Formatter
) -> list[str]:
    left, right, top, bottom = ox + 40, ox + w - 8, oy + 24, oy + h - 20
    weeks = [d for d, _ in panel.history] + [f[0] for f in panel.forecast]
    first, last = min(weeks), max(weeks)
    span = max((last - first).days, 1)
    peak = max([u for _, u in panel.history] + [max(f[1], f[3]) for f in panel.forecast])
    ticks = nice_ticks(peak, 3)

    def x(d: date) -> float:
        return left + (right - left) * (d - first).days / span

    def y(v: float) -> float:
        return bottom - (bottom - top) * max(v, 0) / ticks[-1]

    out = [
        f'<text x="{_n(ox)}" y="{_n(oy + 14)}" font-weight="600">'
        f"{escape(fit_text(panel.title, w))}</text>"
    ]
    for t in ticks:
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y(t))}" x2="{_n(right)}" y2="{_n(y(t))}" '
            f'stroke="{GRID}"/>'
        )
        out.append(
            _text(left - 4, y(t) + 4, fmt(t), text_anchor="end", fill=MUTED, font_size=FONT - 2)
        )
    out.extend(_weekly_marks(panel, x=x, y=y, top=top, bottom=bottom))
    out.extend(_week_labels(panel, x=x, y=bottom + 14))
    return out


def _weekly_marks(
    panel: WeeklyPanel,
    *,
    x: Callable[[date], float],
    y: Callable[[float], float],
    top: float,
    bottom: float,
) -> list[str]:
    """The interval band, the history line, the dashed forecast and the line between them."""
    out: list[str] = []
    if panel.forecast:
        upper = " L".join(f"{_n(x(d))},{_n(y(hi))}" for d, _, _, hi in panel.forecast)
        lower = " L".join(f"{_n(x(d))},{_n(y(lo))}" for d, _, lo, _ in reversed(panel.forecast))
        out.append(
            f'<path d="M{upper} L{lower} Z" fill="{FORECAST}" fill-opacity="0.2">'
            f"<title>{escape(panel.title)}</title></path>"
        )
    if panel.history:
        points = " L".join(f"{_n(x(d))},{_n(y(u))}" for d, u in panel.history)
        out.append(
            f'<path d="M{points}" fill="none" stroke="{HISTORY}" stroke-width="1.6" '
            f'stroke-linejoin="round"><title>{escape(panel.title)}</title></path>'
        )
    if panel.forecast:
        start = [panel.history[-1]] if panel.history else []
        line = start + [(d, u) for d, u, _, _ in panel.forecast]
        points = " L".join(f"{_n(x(d))},{_n(y(u))}" for d, u in line)
        out.append(
            f'<path d="M{points}" fill="none" stroke="{FORECAST}" stroke-width="1.8" '
            'stroke-dasharray="5 3"/>'
        )
    if panel.history and panel.forecast:
        split = x(panel.history[-1][0])
        out.append(
            f'<line x1="{_n(split)}" y1="{_n(top)}" x2="{_n(split)}" y2="{_n(bottom)}" '
            f'stroke="{MUTED}" stroke-dasharray="2 2"/>'
        )
    return out


def _week_labels(panel: WeeklyPanel, *, x: Callable[[date], float], y: float) -> list[str]:
    """The first and last week drawn, and the last week with data where it fits."""
    weeks = [d for d, _ in panel.history] + [f[0] for f in panel.forecast]
    marks = [(min(weeks), "start"), (max(weeks), "end")]
    if panel.history and panel.forecast:
        marks.append((panel.history[-1][0], "middle"))
    out: list[str] = []
    placed: list[float] = []
    for d, anchor in marks:
        pos = x(d)
        if any(abs(pos - p) < 64 for p in placed):
            continue
        placed.append(pos)
        out.append(
            _text(pos, y, d.strftime("%Y-%m"), text_anchor=anchor, fill=MUTED, font_size=FONT - 2)
        )
    return out
