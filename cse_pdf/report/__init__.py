"""The audit report for the Safeguarding Children Board: counts and charts of current assessments.

    report = build_report(store, date_from=date(2026, 4, 1), date_to=date(2026, 6, 30))
    write_report(report, Path("report.pdf"), "pdf")

The report is made to be shared beyond the people allowed to see case records: it
holds counts only, small numbers are suppressed (see `suppression`), and it never
holds a name, a date of birth, or anything typed into a form but an agency's name.
`suppression=False` is for internal use and says so on every page.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cse_pdf.agreement import reviews_for
from cse_pdf.base.private_files import check_output, write_output
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.report.agreement_tables import add_agreement
from cse_pdf.report.model import Format, Report
from cse_pdf.report.tables import CountTable, FormSection, fields_needed, form_section
from cse_pdf.store import Store
from cse_pdf.store.reports import current_facts


def build_report(store: Store, form: str | None = None, date_from: date | None = None, date_to: date | None = None,
                 suppression: bool = True, produced: date | None = None) -> Report:
    """Read current assessments (completed in the period, when one is given) and count them, form by form."""
    specs = [find_form(form)] if form else current_forms()
    sections = []
    for spec in specs:
        facts = current_facts(store, fields_needed(spec), spec.id, date_from, date_to)
        section = form_section(spec, facts, suppression, date_from, date_to)
        reviews = reviews_for(store, [f.record_id for f in facts if f.record_id is not None])
        add_agreement(section, spec, facts, reviews, suppression)
        sections.append(section)
    return Report(sections, date_from, date_to, produced or date.today(), suppression)


def write_report(report: Report, output: Path, fmt: Format, force: bool = False) -> None:
    """Write the report as PDF or HTML, readable by its owner only until they choose to share it; an
    existing file is replaced only with `force` (OutputError otherwise, as for every failure to write)."""
    check_output(output, force)
    if fmt == "html":
        from cse_pdf.report.render_html import render_html

        data = render_html(report).encode("utf-8")
    else:
        from cse_pdf.report.render_pdf import render_pdf

        data = render_pdf(report)
    write_output(output, data, force)


__all__ = ["CountTable", "FormSection", "Report", "build_report", "write_report"]
