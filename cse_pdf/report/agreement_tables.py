"""The managers' agreement in the Board report (issue 17): where each assessment's review stands, the
agreed level against the suggested one, and the median days from ingest to agreement.

Counts go through the same small-number suppression as every other table. The median is a figure about
time, not a count, but a median of one or two agreements is one case's own timing: it is shown only when
at least five assessments are agreed (or suppression is off).
"""

from __future__ import annotations

from statistics import median
from typing import Mapping

from cse_pdf.agreement import RecordReview, ReviewState
from cse_pdf.form.spec import FormSpec
from cse_pdf.report.suppression import SMALL_MAX
from cse_pdf.report.tables import WITHHELD_WHY, CountTable, Facts, FormSection, _by, _distinct_ids, _figure, make_table

NOT_AGREED = "Not agreed yet"
STATE_ROWS = {ReviewState.AGREED: "Agreed", ReviewState.AWAITING_AGREEMENT: "Awaiting agreement",
              ReviewState.NEEDS_REVIEW: "Needs review, not yet agreed", ReviewState.RETURNED: "Returned to the worker"}
COMPARED = ["Agreed the same as suggested", "Agreed higher than suggested", "Agreed lower than suggested", NOT_AGREED]


def agreement_tables(spec: FormSpec, facts: Facts, reviews: Mapping[int, RecordReview],
                     suppress_small: bool) -> list[CountTable]:
    """Where each review stands, the managers' agreed level, and that level against the suggested one."""
    assert spec.scoring is not None
    n = len(facts)
    levels = sorted(spec.scoring.levels, key=lambda lv: lv.level)
    label = {lv.level: lv.label for lv in levels}
    name = spec.summary.level_name if spec.summary else "risk category"

    def review(f) -> RecordReview | None:  # type: ignore[no-untyped-def]
        return reviews.get(f.record_id) if f.record_id is not None else None

    def state(f) -> str:  # type: ignore[no-untyped-def]
        r = review(f)
        return STATE_ROWS.get(r.state, "Awaiting agreement") if r else "Awaiting agreement"

    def agreed(f) -> str:  # type: ignore[no-untyped-def]
        r = review(f)
        return NOT_AGREED if r is None or r.agreed_level is None else label.get(r.agreed_level, str(r.agreed_level))

    def compared(f) -> str:  # type: ignore[no-untyped-def]
        r = review(f)
        if r is None or r.agreed_level is None:
            return NOT_AGREED
        return COMPARED[0] if r.agreed_level == f.level else COMPARED[1] if r.agreed_level > f.level else COMPARED[2]

    return [
        make_table("review-state", "Managers' agreement: where each assessment stands",
                   _by(facts, state, list(STATE_ROWS.values())), n, True, suppress_small,
                   "Agreed: every manager the form names agreed one level. Returned: sent back to the worker, "
                   "waiting for a corrected form."),
        make_table("managers-agreed-level", f"Managers' agreed {name}",
                   _by(facts, agreed, [lv.label for lv in levels] + [NOT_AGREED]), n, True, suppress_small,
                   "The level the managers agreed in cse-pdf (cse-pdf agree or the web page), kept apart from the "
                   "suggested level and the worker's."),
        make_table("suggested-vs-managers-agreed", "Managers' agreed level against the suggested level",
                   _by(facts, compared, COMPARED), n, True, suppress_small),
    ]


def median_days(facts: Facts, reviews: Mapping[int, RecordReview]) -> tuple[float | None, int]:
    """The median days from ingest to agreement over the agreed assessments, and how many those are."""
    days = [r.days_to_agreement for f in facts if f.record_id is not None
            and (r := reviews.get(f.record_id)) is not None and r.days_to_agreement is not None]
    return (median(days) if days else None), len(days)


def median_sentence(facts: Facts, reviews: Mapping[int, RecordReview], suppress_small: bool) -> str:
    """The glance's line on time to agreement: the median, or why it is not shown."""
    value, agreed = median_days(facts, reviews)
    if value is None:
        return "No assessment is agreed yet, so there is no time to agreement to report."
    if suppress_small and agreed <= SMALL_MAX:
        return "The median time to agreement is not shown: fewer than 5 assessments are agreed."
    return f"Median time from ingest to agreement: {value:.1f} days."  # no count: the table publishes that


LEVEL_TABLES = ("suggested-level", "agreed-level", "agreed-vs-suggested")


def add_agreement(section: FormSection, spec: FormSpec, facts: Facts, reviews: Mapping[int, RecordReview],
                  suppress_small: bool) -> None:
    """Put the agreement tables after the form's level tables, and its lines at the end of "at a glance"
    (a section too small to break down gets neither)."""
    if not section.tables or spec.scoring is None:
        return
    tables = agreement_tables(spec, facts, reviews, suppress_small)
    at = max((i + 1 for i, t in enumerate(section.tables) if t.id in LEVEL_TABLES), default=0)
    section.tables = _distinct_ids(section.tables[:at] + tables + section.tables[at:])
    state = tables[0]
    if not state.withheld:
        rows = {row.label: row for row in state.rows}
        for what, label in (("Agreed by the managers", "Agreed"), ("Awaiting agreement", "Awaiting agreement")):
            figure = _figure(rows[label])
            section.glance.append(f"{what}: {figure}." if figure else
                                  f"The number {what.lower()} is not shown, {WITHHELD_WHY}.")
    section.glance.append(median_sentence(facts, reviews, suppress_small))
