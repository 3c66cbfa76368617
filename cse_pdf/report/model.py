"""The report as data, before it is drawn: its sections, its period and how it is marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cse_pdf.form.dates import long_date
from cse_pdf.report.tables import FormSection

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
            return f"Assessments completed {long_date(self.date_from)} to {long_date(self.date_to)}"
        if self.date_from:
            return f"Assessments completed from {long_date(self.date_from)}"
        if self.date_to:
            return f"Assessments completed up to {long_date(self.date_to)}"
        return "All current assessments on record"

    @property
    def marking(self) -> str:
        return ("OFFICIAL" if self.suppression else
                "OFFICIAL-SENSITIVE: small numbers NOT suppressed, for internal use only, do not circulate")
