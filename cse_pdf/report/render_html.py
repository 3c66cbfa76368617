"""The report as one self-contained HTML file (charts inline as SVG images), readable on screen and in print."""

from __future__ import annotations

import base64
from html import escape

from cse_pdf.form.dates import long_date
from cse_pdf.report.charts import chart
from cse_pdf.report.model import SUBTITLE, TITLE, Report
from cse_pdf.report.suppression import SMALL_MAX
from cse_pdf.report.tables import CountTable, FormSection

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1a1a1a; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; font-size: 15px; }
h1 { color: #1f3a5f; font-size: 1.9rem; margin-bottom: .2rem; }
h2 { color: #1f3a5f; border-bottom: 2px solid #1f3a5f; padding-bottom: .2rem; margin-top: 2.5rem; }
.marking { text-align: center; font-weight: bold; color: #555; font-size: .8rem; letter-spacing: .05em; }
.marking.warn, .warn { color: #9b1c1c; }
.glance { background: #f2f5f9; border: 1px solid #1f3a5f; padding: .6rem 1.2rem; }
figure { display: flex; gap: 1.5rem; align-items: flex-start; margin: 1.5rem 0; break-inside: avoid;
         page-break-inside: avoid; flex-wrap: wrap; }
figure img { width: 30rem; max-width: 100%; }
table { border-collapse: collapse; font-size: .85rem; min-width: 18rem; }
th, td { padding: .15rem .5rem; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #1a1a1a; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr.total td { border-top: 2px solid #1a1a1a; font-weight: bold; }
figcaption { font-size: .8rem; color: #555; flex-basis: 100%; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { break-before: page; } }
"""


def _table(t: CountTable) -> str:
    rows = "".join(f"<tr><td>{escape(r.label)}</td><td class=n>{escape(r.shown)}</td><td class=n>{r.percent}</td>"
                   "</tr>" for r in t.rows)
    total = (f"<tr class=total><td>Total</td><td class=n>{t.base}</td><td class=n>100%</td></tr>" if t.partition
             else f"<tr class=total><td>Assessments counted</td><td class=n>{t.base}</td><td></td></tr>")
    return (f"<table><thead><tr><th>{escape(t.title)}</th><th class=n>Count</th><th class=n>%</th></tr>"
            f"</thead><tbody>{rows}{total}</tbody></table>")


def _figure(t: CountTable) -> str:
    if t.withheld:
        return (f"<h3>{escape(t.title)}</h3><p>Not shown: there are too few assessments to show this breakdown "
                "without risk of identifying a young person.</p>")
    svg = base64.b64encode(chart(t, "svg", width_in=5.2)).decode("ascii")
    notes = [t.note] if t.note else []
    if any(r.shown == "<5" for r in t.rows):
        notes.append(f"<5: a number from 1 to {SMALL_MAX}, not shown exactly.")
    if any(r.shown == "*" for r in t.rows):
        notes.append("*: withheld so that a small number cannot be worked out from the total or the other rows.")
    return (f'<figure><img src="data:image/svg+xml;base64,{svg}" alt="Bar chart: {escape(t.title)}">'
            f"{_table(t)}<figcaption>{escape(' '.join(notes))}</figcaption></figure>")


def _section(s: FormSection) -> str:
    out = [f"<section><h2>{escape(s.title)}</h2>"]
    if s.count == 0:
        out.append("<p>No assessments on this form in this period.</p>")
    elif s.too_few:
        out.append("<p>Fewer than 5 assessments on this form in this period: not broken down, so that no young "
                   "person can be identified.</p>")
    else:
        out.append("<div class=glance><h3>At a glance</h3><ul>"
                   + "".join(f"<li>{escape(g)}</li>" for g in s.glance) + "</ul></div>")
        out += [_figure(t) for t in s.tables]
    out.append("</section>")
    return "".join(out)


def render_html(report: Report) -> str:
    warn = "" if report.suppression else (
        "<p class=warn><strong>Small numbers are NOT suppressed in this copy. It is for internal use by people "
        "allowed to see case records: do not circulate it.</strong></p>")
    forms = "".join(f"<tr><td>{escape(s.title)}</td><td class=n>{escape(s.count_shown)}</td></tr>"
                    for s in report.sections)
    suppression = "" if not report.suppression else (
        f"<li>To protect the young people counted, any number from 1 to {SMALL_MAX} is shown as &lt;5. Where a small "
        "number could otherwise be worked out from the total, the \u201cnone ticked\u201d row or the other rows, "
        "another number is also withheld and shown as *. Please share reports for fixed periods, such as "
        "quarters: two reports over overlapping periods could be subtracted from each other.</li>")
    marking_class = "marking" if report.suppression else "marking warn"
    produced = long_date(report.produced)
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(TITLE)}</title><style>{CSS}</style></head><body>
<p class="{marking_class}">{escape(report.marking)}</p>
<h1>{escape(TITLE)}</h1><p>{escape(SUBTITLE)}</p>
<p><strong>{escape(report.period)}</strong><br>Produced {produced} by cse-pdf from the database of returned forms.</p>
{warn}
<table><thead><tr><th>Form</th><th class=n>Current assessments</th></tr></thead><tbody>{forms}</tbody></table>
<h3>About these figures</h3><ul>
<li>Each count is of current assessments: the latest revision of each returned form. A young person assessed more
than once in the period is counted once for each assessment.</li>
<li>The suggested level is calculated by the form's scoring rules. The agreed level is the one the worker recorded
after discussion with their manager; it can differ from the suggestion.</li>
<li>The report holds counts only. It contains no names, no dates of birth and nothing written on a form except the
names of referring agencies.</li>
{suppression}</ul>
{"".join(_section(s) for s in report.sections)}
<p class="{marking_class}">{escape(report.marking)}</p>
</body></html>
"""
