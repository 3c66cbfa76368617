"""Charts of the report's tables, drawn with matplotlib (Agg: no display needed) for print.

Labels are data (an agency's name as typed): they are drawn as plain text, never
as mathtext or TeX (`parse_math=False` on every text artist, `text.usetex` off), with
characters no font or format can hold replaced (storable.py), so no name can stop
the Board report.

A chart shows exactly what its table publishes, and nothing a reader could take for a
number it does not publish: a "<5" or a "*" has no bar at all, only a grey marker on
the axis labelled "<5" or "*" (a bar of any length would read as a count). Long
category labels wrap onto as many lines as they need, never cut. Bars are one dark
colour that prints well in black and white.
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
HIDDEN = ("<5", "*")  # published in place of a count: no bar may stand for them
LABEL_CHARS = 38  # a category label wraps at this many characters a line (more on a wider chart)
ROW_IN = 0.22  # inches a one-line category takes; a wrapped one takes LINE_IN more for each further line
LINE_IN = 0.125


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
        fig = draw(table, width_in)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata={"Software": None} if fmt == "png" else {"Date": None})
        return buf.getvalue()


def wrap_label(text: str, width: int = LABEL_CHARS) -> str:
    """A category label on as many lines as it needs: a reader must see all of it, so it is never cut."""
    return textwrap.fill(_plain(text), width, break_long_words=True, break_on_hyphens=True) or " "


def draw(table: CountTable, width_in: float = 4.2) -> Figure:
    """The chart as a matplotlib figure (what `chart` saves; tests read its artists)."""
    rows = table.rows
    values = [_bar_length(r.shown) for r in rows]
    longest = max([v for v in values if v is not None] + [5])
    hidden = [i for i, v in enumerate(values) if v is None]
    if table.chart == "months":
        fig = _figure(width_in, 2.6)
        ax = fig.add_subplot()
        xs = range(len(rows))
        bars = ax.bar(xs, [v or 0 for v in values], color=INK, edgecolor=INK, linewidth=0.5)
        for bar, r in zip(bars, rows):
            ax.annotate(r.shown, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        xytext=(0, 5 if r.shown in HIDDEN else 2), textcoords="offset points", ha="center",
                        va="bottom", fontsize=6.5, fontweight="bold" if r.shown in HIDDEN else "normal",
                        parse_math=False)
        if hidden:
            ax.scatter(hidden, [0] * len(hidden), marker="D", s=14, color=SMALL_FILL, edgecolor=INK, linewidth=0.6,
                       zorder=3, clip_on=False, gid="hidden-count-markers")
        ax.set_xticks(list(xs), [_plain(r.label) for r in rows], rotation=60 if len(rows) > 6 else 0, ha="right"
                      if len(rows) > 6 else "center", fontsize=7, parse_math=False)
        ax.set_ylabel("Assessments", parse_math=False)
        ax.set_xlabel("Month completed", parse_math=False)
        ax.set_ylim(0, longest * 1.18)
    else:
        labels = [wrap_label(r.label, max(LABEL_CHARS, int(width_in * 9))) for r in rows]
        # Each row as tall as its label, so wrapped labels never run into each other; y is in inches.
        pitches = [ROW_IN + LINE_IN * lbl.count("\n") for lbl in labels]
        ys = [sum(pitches[:i]) + pitches[i] / 2 for i in range(len(rows))]
        height = max(1.4, 0.75 + sum(pitches))
        fig = _figure(width_in, height)
        ax = fig.add_subplot()
        bars = ax.barh(ys, [v or 0 for v in values], color=INK, edgecolor=INK, linewidth=0.5, height=0.7 * ROW_IN)
        for bar, r in zip(bars, rows):
            ax.annotate(r.shown, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                        xytext=(6 if r.shown in HIDDEN else 3, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=7, fontweight="bold" if r.shown in HIDDEN else "normal",
                        parse_math=False)
        if hidden:
            ax.scatter([0] * len(hidden), [ys[i] for i in hidden], marker="D", s=14, color=SMALL_FILL, edgecolor=INK, linewidth=0.6,
                       zorder=3, clip_on=False, gid="hidden-count-markers")
        ax.set_yticks(ys, labels, fontsize=7, parse_math=False)
        ax.set_ylim(sum(pitches), 0)  # first row at the top
        ax.set_xlabel("Assessments", parse_math=False)
        ax.set_xlim(0, longest * 1.2)
    fig.suptitle(textwrap.fill(_plain(table.title), int(width_in * 13)), x=0.01, ha="left", fontsize=9,
                 fontweight="bold", parse_math=False)
    # Few enough counts on the count axis that their labels never run together on a narrow chart.
    (ax.yaxis if table.chart == "months" else ax.xaxis).set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(length=2)
    ax.grid(axis="x" if table.chart != "months" else "y", color="#e6e6e6", linewidth=0.5)
    ax.set_axisbelow(True)
    fig.tight_layout(pad=0.4)
    return fig


def _bar_length(shown: str) -> float | None:
    """No length for a count the table does not publish: "<5" and "*" are marked on the axis instead."""
    return None if shown in HIDDEN else float(shown)


def chart_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG (to place it on the page at its own aspect ratio)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
