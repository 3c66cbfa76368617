"""The audit report for the Safeguarding Children Board: counts and charts of current assessments.

    report = build_report(store, date_from=date(2026, 4, 1), date_to=date(2026, 6, 30))
    write_report(report, Path("report.pdf"), "pdf")

The report is made to be shared beyond the people allowed to see case records: it
holds counts only, small numbers are suppressed (see `suppression`), and it never
holds a name, a date of birth, or anything typed into a form but an agency's name.
`suppression=False` is for internal use and says so on every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from ..catalog import current_forms, find_form
from ..private_files import check_output, write_output
from ..store import Store
from ..store.reports import current_facts
from .tables import CountTable, FormSection, fields_needed, form_section

Format = Literal["pdf", "html"]
TITLE = "Child sexual exploitation: assessments report"
SUBTITLE = "Data monitoring for the Safeguarding Children Board"


@dataclass
class Report:
    sections: list[FormSection]
    date_from: date | None
    date_to: date | None
    produced: date = field(default_factory=date.today)
    suppression: bool = True

    @property
    def period(self) -> str:
        if self.date_from and self.date_to:
            return f"Assessments completed {_day(self.date_from)} to {_day(self.date_to)}"
        if self.date_from:
            return f"Assessments completed from {_day(self.date_from)}"
        if self.date_to:
            return f"Assessments completed up to {_day(self.date_to)}"
        return "All current assessments on record"

    @property
    def marking(self) -> str:
        return ("OFFICIAL" if self.suppression else
                "OFFICIAL-SENSITIVE: small numbers NOT suppressed, for internal use only, do not circulate")


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def build_report(store: Store, form: str | None = None, date_from: date | None = None, date_to: date | None = None,
                 suppression: bool = True, produced: date | None = None) -> Report:
    """Read current assessments (completed in the period, when one is given) and count them, form by form."""
    specs = [find_form(form)] if form else current_forms()
    sections = []
    for spec in specs:
        facts = current_facts(store, fields_needed(spec), spec.id, date_from, date_to)
        sections.append(form_section(spec, facts, suppression, date_from, date_to))
    return Report(sections, date_from, date_to, produced or date.today(), suppression)


def write_report(report: Report, output: Path, fmt: Format, force: bool = False) -> None:
    """Write the report as PDF or HTML, readable by its owner only until they choose to share it; an
    existing file is replaced only with `force` (OutputError otherwise, as for every failure to write)."""
    check_output(output, force)
    if fmt == "html":
        from .render_html import render_html

        data = render_html(report).encode("utf-8")
    else:
        from .render_pdf import render_pdf

        data = render_pdf(report)
    write_output(output, data, force)


__all__ = ["CountTable", "FormSection", "Report", "build_report", "write_report"]
