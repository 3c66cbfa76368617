"""What the Board's report needs from the database, and nothing more.

Each current assessment comes out as `AssessmentFacts`: dates, the assessment's
levels and counts, the answers to the few fields a report breaks down by, the age
in whole years on the date completed, and the trend against the young person's
previous assessment. Names and dates of birth are never selected: the age is worked
out in the query's own process and the date of birth goes no further.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cse_pdf.assess.history import PreviousAssessment, pick_previous
from cse_pdf.form.dates import age_on
from cse_pdf.store.models import AssessmentRecord, IssuedCopyRecord, SubmissionRecord, ValueRecord
from cse_pdf.store.repository import Store, recorded_of

_CHUNK = 500


@dataclass(frozen=True)
class AssessmentFacts:
    """One current assessment, as far as a report of counts needs to know it."""

    form_id: str
    form_version: str
    completed: date | None
    age: int | None  # on the date completed
    level: int
    stated_level: int | None  # the worker's (agreed) level
    domains_unanswered: int | None  # None: the form scores no domains
    unanswered: int  # questions the scoring rules use, left blank
    flags: tuple[str, ...]
    flag_rules: tuple[int, ...] | None  # which rule (index in its layout version's `rules`) raised each flag
    values: dict[str, Any]  # only the fields asked for: checkbox → bool, other → text
    trend: str | None  # "rose", "fell" or "same" against the previous assessment; None: the first one
    issued_to: str | None  # the agency the copy was sent to by `distribute`, if it was
    record_id: int | None = None  # to join the managers' review (cse_pdf.agreement.reviews_for); never printed


def current_facts(store: Store, fields: Iterable[str], form: str | None = None, date_from: date | None = None,
                  date_to: date | None = None) -> list[AssessmentFacts]:
    """Current assessments (latest revision of each) completed in [date_from, date_to] when either is given
    (then those without a date completed are left out), oldest first."""
    wanted = sorted(set(fields))
    q = (sa.select(SubmissionRecord.id, SubmissionRecord.form_id, SubmissionRecord.form_version,
                   SubmissionRecord.date_completed, SubmissionRecord.dob, SubmissionRecord.person_key,
                   SubmissionRecord.instance_id, AssessmentRecord)
         .join(AssessmentRecord, AssessmentRecord.submission_id == SubmissionRecord.id)
         .where(SubmissionRecord.is_current.is_(True))
         .order_by(SubmissionRecord.form_id, SubmissionRecord.date_completed, SubmissionRecord.id))
    if form:
        q = q.where(SubmissionRecord.form_id == form)
    if date_from is not None:
        q = q.where(SubmissionRecord.date_completed >= date_from)
    if date_to is not None:
        q = q.where(SubmissionRecord.date_completed <= date_to)
    with Session(store.engine) as s, s.begin():
        rows = s.execute(q).all()
        assessments = {r.id: recorded_of(r.AssessmentRecord) for r in rows}  # while the session holds the rows
        ids = [r.id for r in rows]
        values: dict[int, dict[str, Any]] = defaultdict(dict)
        for i in range(0, len(ids), _CHUNK):
            for v in s.execute(sa.select(ValueRecord.submission_id, ValueRecord.field_id, ValueRecord.field_type,
                                         ValueRecord.value_text, ValueRecord.value_bool)
                               .where(ValueRecord.submission_id.in_(ids[i:i + _CHUNK]),
                                      ValueRecord.field_id.in_(wanted))):
                values[v.submission_id][v.field_id] = v.value_bool if v.field_type == "checkbox" else v.value_text
        issued = dict(s.execute(sa.select(IssuedCopyRecord.instance_id, IssuedCopyRecord.agency_name)).all())
        people = _people(s, {r.form_id for r in rows})
    out = []
    for r in rows:
        previous = (pick_previous(people[(r.form_id, r.person_key)], r.date_completed, exclude=r.id)
                    if r.person_key else None)
        age = age_on(r.dob, r.date_completed) if r.dob and r.date_completed else None
        a = assessments[r.id]
        out.append(AssessmentFacts(
            form_id=r.form_id, form_version=r.form_version, completed=r.date_completed,
            age=age if age is not None and age >= 0 else None, level=a.level, stated_level=a.stated_level,
            domains_unanswered=sum(v is None for v in a.domains.values()) if a.domains else None,
            unanswered=len(a.unanswered), flags=a.flags, flag_rules=a.flag_rules, values=dict(values.get(r.id, {})),
            trend=previous.trend(a.level) if previous else None,
            issued_to=issued.get(r.instance_id) if r.instance_id else None, record_id=r.id))
    return out


def _people(s: Session, forms: set[str]) -> dict[tuple[str, str], list[PreviousAssessment]]:
    """Every current dated assessment of every linked young person on these forms, in or out of the period:
    a review in the period is compared with an assessment before it."""
    people: dict[tuple[str, str], list[PreviousAssessment]] = defaultdict(list)
    if not forms:
        return people
    q = (sa.select(SubmissionRecord.id, SubmissionRecord.form_id, SubmissionRecord.person_key,
                   SubmissionRecord.date_completed, AssessmentRecord.level, AssessmentRecord.label)
         .join(AssessmentRecord, AssessmentRecord.submission_id == SubmissionRecord.id)
         .where(SubmissionRecord.is_current.is_(True), SubmissionRecord.person_key.is_not(None),
                SubmissionRecord.date_completed.is_not(None), SubmissionRecord.form_id.in_(sorted(forms))))
    for rid, fid, person, done, level, label in s.execute(q):
        people[(fid, person)].append(PreviousAssessment(rid, done, level, label))
    return people
