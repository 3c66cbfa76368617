"""The Board report reads as it should: no bar stands for a count it hides, no "at a glance" line is a bare
"*", and no category label is cut short."""

from __future__ import annotations

import io
from datetime import date

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from pypdf import PdfReader

from cse_pdf.form.catalog import find_form
from cse_pdf.report.charts import chart, draw, wrap_label
from cse_pdf.report.model import Report
from cse_pdf.report.render_html import render_html
from cse_pdf.report.render_pdf import render_pdf
from cse_pdf.report.suppression import SMALL, WITHHELD
from cse_pdf.report.tables import CountTable, FormSection, _glance, make_table

LONG = ("Young person is looked after by another local authority and placed in this borough under a "
        "private fostering arrangement reviewed every term")


def _hidden_and_shown(chart_kind: str) -> CountTable:
    # 180 + 70 + 48 + 2 = 300: the 2 is "<5", and 48 is withheld ("*") so the 2 cannot be worked out.
    return make_table("t", "A table", [("A", 180), ("B", 70), ("C", 48), ("D", 2)], 300, True, True,
                      chart=chart_kind)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["bars", "months"])
def test_a_hidden_count_has_no_bar_only_a_marker_on_the_axis(kind: str) -> None:
    table = _hidden_and_shown(kind)
    assert [r.shown for r in table.rows] == ["180", "70", WITHHELD, SMALL]
    ax = draw(table).axes[0]
    lengths = [p.get_width() if kind == "bars" else p.get_height() for p in ax.patches]
    assert lengths == [180, 70, 0, 0]  # neither "*" nor "<5" is drawn at a length that reads as a number
    (markers,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    positions = [tuple(xy) for xy in markers.get_offsets()]
    ys = [tick for tick in (ax.get_yticks() if kind == "bars" else ax.get_xticks())]
    assert positions == ([(0, ys[2]), (0, ys[3])] if kind == "bars" else [(2, 0), (3, 0)])  # on the axis, at C and D
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["180", "70", WITHHELD, SMALL]


def test_a_chart_with_nothing_hidden_has_no_marker() -> None:
    ax = draw(make_table("t", "A table", [("A", 10), ("B", 0), ("C", 7)], 17, True, True)).axes[0]
    assert not [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [p.get_width() for p in ax.patches] == [10, 0, 7]


def test_the_png_and_svg_charts_are_drawn_the_same_way() -> None:
    table = _hidden_and_shown("bars")
    svg = chart(table, "svg").decode("utf-8")
    assert 'id="hidden-count-markers"' in svg  # the HTML report's SVG carries the markers too
    assert chart(table, "png").startswith(b"\x89PNG")


def test_long_category_labels_wrap_and_are_never_cut() -> None:
    wrapped = wrap_label(LONG)
    assert "…" not in wrapped and wrapped.count("\n") >= 2
    assert wrapped.split() == LONG.split()
    table = make_table("t", "Looked after status, as recorded on the form by the worker at the time of the "
                       "assessment, with every option the form offers", [(LONG, 40), ("Short", 60)], 100, True, True)
    fig = draw(table)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[0].split() == LONG.split()
    title = fig.texts[0].get_text()
    assert "…" not in title and title.split() == table.title.split()


def _section(tables: list[CountTable]) -> FormSection:
    return FormSection("hillingdon-cse", "Hillingdon", 300, "300", tables)


def test_at_a_glance_never_prints_a_bare_withheld_figure() -> None:
    spec = find_form("hillingdon-cse")
    agreed = make_table("agreed-vs-suggested", "Agreed", [("Same as suggested", 6), ("Agreed higher", 100),
                                                          ("Agreed lower", 2), ("None", 0)], 108, True, True)
    reviews = make_table("reviews", "Reviews", [("Risk rose", 3), ("Risk fell", 40), ("Risk stayed the same", 6),
                                                ("First assessment", 59)], 108, True, True)
    incomplete = make_table("incomplete", "Incomplete", [("Complete", 100), ("1 or 2", 8), ("3+", 0)], 108, True,
                            True)
    assert agreed.rows[0].shown == WITHHELD and reviews.rows[2].shown == WITHHELD and reviews.rows[0].shown == SMALL
    lines = _glance(spec, _section([agreed, reviews, incomplete]))
    assert not [line for line in lines if "*" in line or "<5" in line], lines
    assert ("The number whose agreed level is the same as the suggested one is not shown, so that a small number "
            "in the same table cannot be worked out.") in lines
    (review,) = [line for line in lines if line.startswith("Reviews")]
    assert review == ("Reviews: risk rose in fewer than 5 and fell in 40. The number where risk stayed the same is "
                      "not shown, so that a small number in the same table cannot be worked out.")
    assert "Complete (every question the scoring uses answered): 100 (93%)." in lines


def test_at_a_glance_with_every_review_figure_withheld_still_reads() -> None:
    spec = find_form("hillingdon-cse")
    reviews = make_table("reviews", "Reviews", [("Risk rose", 6), ("Risk fell", 7), ("Risk stayed the same", 8),
                                                ("First assessment", 2)], 23, True, True)
    assert [r.shown for r in reviews.rows[:3]].count(WITHHELD) >= 1
    (review,) = [line for line in _glance(spec, _section([reviews])) if line.startswith("Reviews")]
    assert "*" not in review and "<5" not in review and "not shown" in review


def test_the_pdf_and_html_reports_show_long_labels_whole() -> None:
    table = make_table("t", "Placement", [(LONG, 40), ("Short", 60), ("Secure", 3), ("Other", 50)], 153, True,
                       True)
    section = _section([table])
    section.glance = ["300 current assessments."]
    report = Report([section], date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 6))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(report))).pages)
    assert " ".join(text.split()).count(LONG) == 1  # the table: whole, wrapped over lines
    assert "…" not in text
    assert LONG in render_html(report)


def test_wrapped_labels_never_run_into_each_other() -> None:
    # Two very long labels side by side among short ones: each row must be as tall as its own label.
    rows = [(f"{LONG} {LONG} {i}" if i in (3, 4) else f"Short {i}", i) for i in range(12)]
    fig = draw(make_table("t", "Many long labels", rows, 100, False, True))
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels()]
    assert len(boxes) == 12 and max(b.height for b in boxes) > 3 * min(b.height for b in boxes)  # some wrapped
    for upper, lower in zip(boxes, boxes[1:]):
        assert lower.y1 <= upper.y0 + 0.5, (upper, lower)  # pixels: the next label starts below this one
    for upper, lower in zip(fig.axes[0].get_xticklabels(), fig.axes[0].get_xticklabels()[1:]):
        a, b = upper.get_window_extent(renderer), lower.get_window_extent(renderer)
        assert not upper.get_text() or not lower.get_text() or a.x1 <= b.x0


def test_at_a_glance_says_plainly_when_there_is_nothing_to_compare() -> None:
    spec = find_form("hillingdon-cse")
    agreed = make_table("agreed-vs-suggested", "Agreed", [("Same as suggested", 0), ("Agreed higher", 0),
                                                          ("Agreed lower", 0), ("No agreed level recorded", 40)],
                        40, True, True)
    reviews = make_table("reviews", "Reviews", [("Risk rose", 0), ("Risk fell", 0), ("Risk stayed the same", 0),
                                                ("First assessment", 40)], 40, True, True)
    lines = _glance(spec, _section([agreed, reviews]))
    assert "No reviews: every assessment is the young person's first on this form." in lines
    assert "No assessment has an agreed level recorded, so none can be compared with the suggested one." in lines
    assert not [line for line in lines if "0 (0%)" in line or "rose in 0" in line], lines
