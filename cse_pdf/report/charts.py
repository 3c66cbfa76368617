"""Charts of the report's tables, drawn with matplotlib (Agg: no display needed) for print.

Labels are data (an agency's name as typed): they are drawn as plain text, never
as mathtext or TeX (`parse_math=False` on every text artist, `text.usetex` off), with
characters no font or format can hold replaced (storable.py), so no name can stop
the Board report.

A chart shows exactly what its table publishes: a "<5" is a hatched grey bar up to
5 marked "<5" (its true length is not drawn), a "*" has no bar and is marked "*".
Bars are one dark colour that prints well in black and white.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from typing import Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from cse_pdf.base.storable import storable_text  # noqa: E402
from cse_pdf.report.tables import CountTable  # noqa: E402

INK = "#1f3a5f"
SMALL_FILL = "#d9d9d9"
FONT = "DejaVu Sans"
Format = Literal["png", "svg"]


def _figure(width_in: float, height_in: float) -> Figure:
    plt.rcParams.update({"text.usetex": False, "font.family": FONT, "font.size": 8, "axes.titlesize": 9, "axes.titleweight": "bold",
                         "svg.fonttype": "path", "svg.hashsalt": "cse-pdf"})
    return Figure(figsize=(width_in, height_in), dpi=100)


def _plain(text: str) -> str:
    """Data as a chart label: every character one a font and the PNG/SVG writers can take."""
    return storable_text(text)


def chart(table: CountTable, fmt: Format = "png", width_in: float = 4.2, dpi: int = 200) -> bytes:
    """The table as a titled, labelled bar chart; months run left to right, categories top to bottom."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph DejaVu lacks (an emoji in a name) is drawn as a box, quietly
        return _chart(table, fmt, width_in, dpi)


def _chart(table: CountTable, fmt: Format, width_in: float, dpi: int) -> bytes:
    rows = table.rows
    values = [_bar_length(r.shown) for r in rows]
    longest = max([v for v in values if v is not None] + [5])
    if table.chart == "months":
        fig = _figure(width_in, 2.6)
        ax = fig.add_subplot()
        xs = range(len(rows))
        bars = ax.bar(xs, [v or 0 for v in values], color=[_colour(r.shown) for r in rows], edgecolor=INK,
                      linewidth=0.5, hatch=None)
        for bar, r in zip(bars, rows):
            if r.shown == "<5":
                bar.set_hatch("////")
            ax.annotate(r.shown, (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=6.5, parse_math=False)
        ax.set_xticks(list(xs), [_plain(r.label) for r in rows], rotation=60 if len(rows) > 6 else 0, ha="right"
                      if len(rows) > 6 else "center", fontsize=7, parse_math=False)
        ax.set_ylabel("Assessments", parse_math=False)
        ax.set_xlabel("Month completed", parse_math=False)
        ax.set_ylim(0, longest * 1.18)
    else:
        labels = [textwrap.fill(_plain(r.label), 38, max_lines=2, placeholder="…") for r in rows]
        height = max(1.4, 0.7 + 0.22 * len(rows) + 0.1 * sum(lbl.count("\n") for lbl in labels))
        fig = _figure(width_in, height)
        ax = fig.add_subplot()
        ys = range(len(rows))
        bars = ax.barh(ys, [v or 0 for v in values], color=[_colour(r.shown) for r in rows], edgecolor=INK,
                       linewidth=0.5, height=0.7)
        for bar, r in zip(bars, rows):
            if r.shown == "<5":
                bar.set_hatch("////")
            ax.annotate(r.shown, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=7, parse_math=False)
        ax.set_yticks(list(ys), labels, fontsize=7, parse_math=False)
        ax.invert_yaxis()
        ax.set_xlabel("Assessments", parse_math=False)
        ax.set_xlim(0, longest * 1.2)
    fig.suptitle(textwrap.fill(_plain(table.title), int(width_in * 13), max_lines=4, placeholder="…"), x=0.01,
                 ha="left", fontsize=9, fontweight="bold", parse_math=False)
    (ax.yaxis if table.chart == "months" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(length=2)
    ax.grid(axis="x" if table.chart != "months" else "y", color="#e6e6e6", linewidth=0.5)
    ax.set_axisbelow(True)
    fig.tight_layout(pad=0.4)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Software": None} if fmt == "png" else {"Date": None})
    return buf.getvalue()


def _bar_length(shown: str) -> float | None:
    if shown == "<5":
        return 5.0
    if shown == "*":
        return None
    return float(shown)


def _colour(shown: str) -> str:
    return SMALL_FILL if shown in ("<5", "*") else INK


def chart_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG (to place it on the page at its own aspect ratio)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
