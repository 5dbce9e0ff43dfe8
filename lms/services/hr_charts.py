"""Geometry of the dashboard's charts, drawn as SVG by templates/hr/_chart_*.html (no JavaScript):
grouped horizontal bars (percentages per group) and a line (a percentage per month)."""
from __future__ import annotations

from dataclasses import dataclass, field

LABEL_W, PLOT_W, RIGHT_PAD = 190, 420, 50
BAR_H, ROW_GAP, TOP, BOTTOM = 12, 14, 28, 26
MAX_LABEL = 28


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: int


@dataclass
class BarRow:
    label: str
    full_label: str
    y: float
    bars: list[Bar]


@dataclass
class BarChart:
    width: int
    height: int
    plot_x: int
    plot_w: int
    rows: list[BarRow]
    ticks: list[tuple[float, int]]   # (x, percent)
    series: list[str] = field(default_factory=list)


def short(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else "…" + label[-(limit - 1):]


def bars(groups: list[tuple[str, list[int]]], series: list[str]) -> BarChart:
    """`groups`: (label, [percent per series]); every value between 0 and 100."""
    n = max(len(series), 1)
    row_h = n * BAR_H + ROW_GAP
    rows = []
    for i, (label, values) in enumerate(groups):
        y = TOP + i * row_h
        rows.append(BarRow(short(label), label, y + n * BAR_H / 2, [
            Bar(LABEL_W, y + j * BAR_H, round(PLOT_W * max(0, min(v, 100)) / 100, 1), BAR_H - 2, j, v)
            for j, v in enumerate(values)]))
    height = TOP + len(groups) * row_h + BOTTOM
    ticks = [(LABEL_W + PLOT_W * p / 100, p) for p in (0, 25, 50, 75, 100)]
    return BarChart(LABEL_W + PLOT_W + RIGHT_PAD, height, LABEL_W, PLOT_W, rows, ticks, series)


@dataclass
class LinePoint:
    x: float
    y: float
    label: str
    value: int


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    points: list[LinePoint]
    ticks: list[tuple[float, int]]   # (y, percent)

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def line(points: list[tuple[str, int]], width: int = 640, height: int = 240) -> LineChart:
    left, top, right, bottom = 44, 16, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)
    out = [LinePoint(left + i * step, top + plot_h * (1 - max(0, min(v, 100)) / 100), label, v)
           for i, (label, v) in enumerate(points)]
    ticks = [(top + plot_h * (1 - p / 100), p) for p in (0, 25, 50, 75, 100)]
    return LineChart(width, height, left, top, plot_w, plot_h, out, ticks)
