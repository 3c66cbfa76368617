"""Records made for the review loop's tests: fictional hillingdon-cse or cse-risk-vulnerability assessments
recorded through the store as ingest records them, with the suggested and stated levels a test asks for."""

from __future__ import annotations

import hashlib
from typing import Any

from cse_pdf.assess.person import keys_of
from cse_pdf.assess.score import assess
from cse_pdf.form.catalog import find_form
from cse_pdf.store import NewSubmission, Store

HIL = "hillingdon-cse"
RV = "cse-risk-vulnerability"
CHILD = "Fictional Reviewchild"  # a name no event, message or export column may ever show
# hillingdon-cse: the answer to `risk.drug_use` (other risk areas all "1") that scores each level, age 13+
HIL_DRUG_USE = {0: "1", 1: "3", 2: "5"}


def hillingdon_values(suggested: int, stated: int | None, name: str = CHILD, completed: str = "01/03/2026",
                      agency: str | None = None) -> dict[str, Any]:
    spec = find_form(HIL)
    assert spec.scoring is not None and spec.summary is not None
    values: dict[str, Any] = {f.id: (f.options[0].value if f.options else None) for f in spec.fields}
    values |= {fid: "1" for fid in spec.scoring.groups["domains"]}
    values |= {"risk.drug_use": HIL_DRUG_USE[suggested], spec.scoring.stated: None if stated is None else str(stated),
               spec.summary.name: name, spec.summary.dob: "01/02/2010", spec.summary.completed: completed}
    if agency is not None:
        values[spec.summary.agency] = agency
    return values


def record_hillingdon(store: Store, serial: str, *, suggested: int = 2, stated: int | None = 2,
                      review: tuple[str, ...] = (), name: str = CHILD, completed: str = "01/03/2026",
                      agency: str | None = None) -> int:
    """A hillingdon-cse record; the same name, date of birth and date completed make a newer revision."""
    spec = find_form(HIL)
    values = hillingdon_values(suggested, stated, name, completed, agency)
    assessment = assess(spec, values)
    assert assessment.level == suggested and assessment.stated_level == stated, (assessment.level, suggested)
    return _record(store, spec, values, serial, list(review), assessment)


def record_rv(store: Store, serial: str, *, review: tuple[str, ...] = ()) -> int:
    """A cse-risk-vulnerability record as its first answers score it (suggested 2, the worker's 0)."""
    spec = find_form(RV)
    assert spec.summary is not None
    values: dict[str, Any] = {f.id: (f.options[0].value if f.options else None) for f in spec.fields}
    values |= {spec.summary.name: CHILD, spec.summary.dob: "01/02/2010", spec.summary.completed: "01/03/2026"}
    return _record(store, spec, values, serial, list(review), assess(spec, values))


def _record(store: Store, spec: Any, values: dict[str, Any], serial: str, review: list[str], assessment: Any) -> int:
    sub = NewSubmission(
        sha256=hashlib.sha256(serial.encode()).hexdigest(), source_path=f"/fictional/{serial}.pdf", form_id=spec.id,
        form_version=spec.version, layout_hash=spec.content_hash, instance_id="", flattened=False, review=review,
        warnings=[], stamped_path=None, keys=keys_of(spec, values), values=values,
        field_types={f.id: f.type for f in spec.fields}, assessment=assessment)
    return store.record(sub).record_id
