"""A database of a few hundred fictional assessments whose counts are known in advance, for the report's tests.

Each attribute is dealt out from a table of counts (below), shuffled independently
with a fixed seed, and recorded through the store as ingest records a read form:
values scored by the real rules (`assess`), linked by the real keys (`keys_of`).
Every name is "Fictional Child NNNN"; dates of birth are made up.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cse_pdf.assess.person import keys_of
from cse_pdf.assess.score import assess
from cse_pdf.form.catalog import find_form
from cse_pdf.form.spec import FormSpec
from cse_pdf.store import NewSubmission, Store

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
N = 300  # hillingdon-cse assessments in the period
LEVELS = {0: 90, 1: 100, 2: 80, 3: 30}
GENDER = {"female": 200, "male": 95, "other": 4, None: 1}
ETHNICITY = {"W2": 150, "B9": 60, "A3": 50, "01": 36, "M2": 3, None: 1}
LOOKED_AFTER = {"family_no_care": 180, "foster": 70, "residential": 48, "secure": 2}  # one small → a secondary
EDUCATION = {"school_full_time": 200, "college_full_time": 60, "pru": 38, "not_on_roll": 1, "employed": 1}  # 1+1
PERPETRATOR = {"older_partner": 120, "group_of_adults": 80, "single_adult": 60, "unknown": 40}
AGENCY = {"Brookfield Youth Trust": 150, "Larkspur Academy": 100, "Harbour Street Clinic": 47, "Tiny Outreach": 3}
MONTHS = {1: 40, 2: 55, 3: 3, 4: 70, 5: 62, 6: 70}
AGES = {14: 84, 16: 150, 17: 66}
UNANSWERED = {0: 250, 2: 46, 3: 4}  # risk areas left blank
AGREEMENT = {"same": 250, "higher": 25, "lower": 5, None: 20}
CONCERN = {"disclosure": 30, "incident": 2, "older_relationship": 150, "alcohol_drugs": 120, "going_missing": 90}
CONCERN_OTHER = 3
COERCION = {"grooming": 140, "social_networking": 110, "gifts": 1, "drugs_or_alcohol": 60}
REVIEWS = {"rose": 12, "fell": 10, "same": 8}
REVISED = 5  # assessments recorded twice: the first revision is superseded and must not be counted
# cse-risk-vulnerability: which flag each assessment raises
RV_N = 40
RV_ACT_IMMEDIATELY = 6  # associates known + beyond the threshold
RV_ACTUAL = 9  # an indicator of actual CSE ticked

BLANKABLE = ["risk.sexual_health", "risk.engagement", "risk.rights_awareness"]


def deal(counts: dict[Any, int], rng: random.Random, n: int = N) -> list[Any]:
    items = [k for k, c in counts.items() for _ in range(c)]
    assert len(items) == n, (counts, len(items))
    rng.shuffle(items)
    return items


def _scores(level: int) -> dict[str, str]:
    """Risk-area answers that the hillingdon-cse rules score at exactly `level` (for a young person of 13+)."""
    spec = find_form("hillingdon-cse")
    assert spec.scoring is not None
    scores = {fid: "1" for fid in spec.scoring.groups["domains"]}
    if level == 1:
        scores["risk.drug_use"] = "3"
    elif level == 2:
        scores["risk.drug_use"] = "5"
    elif level == 3:
        scores["risk.perpetrator_history"] = "5"
    return scores


@dataclass
class Made:
    """What was recorded, row by row, so a test can count for itself."""

    rows: list[dict[str, Any]] = field(default_factory=list)  # the in-period hillingdon-cse assessments
    names: list[str] = field(default_factory=list)  # every name written, in or out of the period
    dobs: list[date] = field(default_factory=list)

    def count(self, key: str) -> Counter:
        return Counter(r[key] for r in self.rows)


def _record(store: Store, spec: FormSpec, values: dict[str, Any], serial: str, instance: str = "") -> int:
    a = assess(spec, values)
    sub = NewSubmission(
        sha256=hashlib.sha256(serial.encode()).hexdigest(), source_path=f"/fictional/{serial}.pdf", form_id=spec.id,
        form_version=spec.version, layout_hash=spec.content_hash, instance_id=instance, flattened=False, review=[],
        warnings=[], stamped_path=None, keys=keys_of(spec, values), values=values,
        field_types={f.id: f.type for f in spec.fields}, assessment=a)
    return store.record(sub).record_id


def _ddmmyyyy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def make_database(path: Path) -> Made:
    spec = find_form("hillingdon-cse")
    rng = random.Random(20261122)
    made = Made()
    level = deal(LEVELS, rng)
    cols = {name: deal(counts, rng) for name, counts in [
        ("gender", GENDER), ("ethnicity", ETHNICITY), ("looked_after", LOOKED_AFTER), ("education", EDUCATION),
        ("perpetrator", PERPETRATOR), ("agency", AGENCY), ("month", MONTHS), ("age", AGES),
        ("unanswered", UNANSWERED), ("agreement", AGREEMENT)]}
    concern = {k: set(rng.sample(range(N), c)) for k, c in CONCERN.items()}
    concern_other = set(rng.sample(range(N), CONCERN_OTHER))
    coercion = {k: set(rng.sample(range(N), c)) for k, c in COERCION.items()}
    # Reviews: young people with an earlier assessment (before the period) at a level that makes the trend.
    trend: dict[int, str] = {}
    wanted = dict(REVIEWS)
    for i in rng.sample(range(N), N):
        for kind, ok in (("rose", level[i] >= 1), ("fell", level[i] <= 2), ("same", True)):
            if wanted[kind] and ok:
                trend[i], wanted[kind] = kind, wanted[kind] - 1
                break
        if not any(wanted.values()):
            break
    with Store.open(str(path)) as store:
        for i in range(N):
            completed = date(2026, cols["month"][i], 1 + (i * 7) % 28)
            age = cols["age"][i]
            dob = completed - timedelta(days=int(365.25 * age) + 40 + i % 200)
            name = f"Fictional Child {i:04d}"
            made.names.append(name)
            made.dobs.append(dob)
            values: dict[str, Any] = {
                "client.name": name, "client.dob": _ddmmyyyy(dob), "agency.date_completed": _ddmmyyyy(completed),
                "agency.name": cols["agency"][i], "agency.worker_name": f"Fictional Worker {i % 17}",
                "client.gender": cols["gender"][i], "client.ethnicity": cols["ethnicity"][i],
                "looked_after.status": cols["looked_after"][i], "education.status": cols["education"][i],
                "perpetrator.type": cols["perpetrator"][i],
                **_scores(level[i]),
            }
            for fid in BLANKABLE[:cols["unanswered"][i]]:
                values[fid] = None
            for k, rows in concern.items():
                values[f"concern.{k}"] = i in rows
            values["concern.other"] = "Fictional other concern" if i in concern_other else None
            for k, rows in coercion.items():
                values[f"coercion.{k}"] = i in rows
            agreement = cols["agreement"][i]
            stated = {None: None, "same": level[i], "higher": min(3, level[i] + 1),
                      "lower": max(0, level[i] - 1)}[agreement]
            values["risk.category"] = None if stated is None else str(stated)
            if i in trend:  # the earlier assessment, in 2025
                before = {"rose": level[i] - 1, "fell": level[i] + 1, "same": level[i]}[trend[i]]
                earlier = {**values, **{fid: "1" for fid in BLANKABLE}, **_scores(before),
                           "agency.date_completed": _ddmmyyyy(date(2025, 10, 15))}
                _record(store, spec, earlier, f"earlier-{i}")
            if i < REVISED:  # a first revision, corrected by the one below
                _record(store, spec, {**values, "risk.drug_use": "4"}, f"first-revision-{i}")
            _record(store, spec, values, f"hillingdon-{i}")
            a = assess(spec, values)
            assert a.level == level[i], (i, a.level, level[i], a.reasons)
            made.rows.append({
                "level": a.level, "stated": stated, "agreement": agreement, "trend": trend.get(i),
                "gender": cols["gender"][i], "ethnicity": cols["ethnicity"][i], "month": cols["month"][i],
                "looked_after": cols["looked_after"][i], "education": cols["education"][i],
                "perpetrator": cols["perpetrator"][i], "agency": cols["agency"][i], "age": age,
                "unanswered": cols["unanswered"][i],
                "no_concern": not any(i in rows for rows in concern.values()) and i not in concern_other,
                "no_coercion": not any(i in rows for rows in coercion.values()),
            })
        _make_rv(store, made)
    return made


def _make_rv(store: Store, made: Made) -> None:
    spec = find_form("cse-risk-vulnerability")
    for i in range(RV_N):
        completed = date(2026, 2 + i % 4, 3 + i % 20)
        dob = completed - timedelta(days=365 * 15 + i)
        name = f"Fictional Young Person {i:03d}"
        made.names.append(name)
        made.dobs.append(dob)
        values: dict[str, Any] = {"child.name": name, "child.dob": _ddmmyyyy(dob),
                                  "assessment.date": _ddmmyyyy(completed), "assessment.agency": "Larkspur Academy",
                                  "associates.known": "no", "associates.suspected": "yes" if i % 2 else "no",
                                  "summative.beyond_threshold": "no"}
        if i < RV_ACT_IMMEDIATELY:
            values.update({"associates.known": "yes", "summative.beyond_threshold": "yes"})
        elif i < RV_ACT_IMMEDIATELY + RV_ACTUAL:
            values["actual.disclosure"] = True
        _record(store, spec, values, f"rv-{i}")
