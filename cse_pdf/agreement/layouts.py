"""What the review needs from a record's layout: who must agree, and the levels one may agree."""

from __future__ import annotations

from cse_pdf.agreement.roles import Role
from cse_pdf.base.errors import CsePdfError, ReviewError
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.downstream import DEFAULT_AGREE
from cse_pdf.form.rules import Level
from cse_pdf.form.spec import FormSpec


class Layouts:
    """The layouts of the records in hand, each looked up once (a queue holds thousands of one form)."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], FormSpec | None] = {}
        self._required: dict[tuple[str, str], tuple[Role, ...]] = {}
        self._labels: dict[tuple[str, str], dict[int, str]] = {}

    def of(self, form_id: str, version: str) -> FormSpec | None:
        """The layout version the record was read with; None when it is no longer installed."""
        key = (form_id, version)
        if key not in self._found:
            try:
                self._found[key] = find_form(form_id, version)
            except CsePdfError:
                self._found[key] = None
        return self._found[key]

    def required(self, form_id: str, version: str) -> tuple[Role, ...]:
        key = (form_id, version)
        if key not in self._required:
            spec = self.of(form_id, version)
            self._required[key] = tuple(Role(r) for r in (spec.agreeing_roles if spec is not None else DEFAULT_AGREE))
        return self._required[key]

    def label(self, form_id: str, version: str, level: int) -> str:
        key = (form_id, version)
        if key not in self._labels:
            spec = self.of(form_id, version)
            levels = spec.scoring.levels if spec is not None and spec.scoring is not None else ()
            self._labels[key] = {lv.level: lv.label for lv in levels}
        return self._labels[key].get(level, str(level))


def agency_fields() -> set[str]:
    """Where the installed forms record the agency that completed them (`summary.agency`)."""
    return {spec.summary.agency for spec in current_forms() if spec.summary and spec.summary.agency}


def parse_level(spec: FormSpec | None, given: int | str, record_id: int) -> Level:
    """One of the form's levels, given by number or by label in any case ("2", "risk category 2 (significant)")."""
    if spec is None or spec.scoring is None:
        raise ReviewError(f"record {record_id}: its layout version is not installed, so its levels are unknown; "
                          "install it (CSE_PDF_LAYOUTS) to agree a level")
    text = " ".join(str(given).split()).casefold()
    for level in spec.scoring.levels:
        if text in (str(level.level), " ".join(level.label.split()).casefold()):
            return level
    known = "; ".join(f"{lv.level} ({lv.label})" for lv in spec.scoring.levels)
    raise ReviewError(f"record {record_id}: no level {str(given)[:40]!r} on {spec.id}; give one of {known}")
