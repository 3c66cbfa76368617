"""Codes travel as data: re-wording a message, or a flag whose words look like another's, changes no count.

Review codes come from the notices' codes and the report counts flags by the rule that raised them;
nothing recovers a code from rendered words. Each test here would fail if it did.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from cse_pdf.assess.claims import assess_return
from cse_pdf.assess.person import keys_of
from cse_pdf.assess.review import review_reasons
from cse_pdf.assess.score import assess
from cse_pdf.base import notices
from cse_pdf.base.notices import Notice, NoticeCode
from cse_pdf.form.catalog import find_form
from cse_pdf.form.identity import Identity
from cse_pdf.form.spec import FormSpec, load_spec
from cse_pdf.report import tables
from cse_pdf.report.tables import flag_table
from cse_pdf.returned.read import Response
from cse_pdf.store import NewSubmission, Store
from cse_pdf.store.engine import WRITE
from cse_pdf.store.migrate import alembic_config
from cse_pdf.store.models import AssessmentRecord
from cse_pdf.store.reports import current_facts

HIL = "hillingdon-cse"
RV = "cse-risk-vulnerability"


def answered(spec: FormSpec) -> dict[str, Any]:
    """Every question the scoring reads answered, so that only what a test adds puts the form in review."""
    values: dict[str, Any] = {f.id: (f.options[0].value if f.options else None) for f in spec.fields}
    s = spec.summary
    return values | {s.name: "Fictional Child", s.dob: "01/02/2010", s.completed: "01/03/2026"}


def response_with(notices_found: list[Notice], flattened: bool = False) -> Response:
    spec = find_form(HIL)
    return Response(spec, Identity(spec.id, spec.version, spec.content_hash, ""), answered(spec),
                    notices_found, flattened=flattened)


def reasons_for(response: Response) -> list[str]:
    assessment = assess_return(response)
    return review_reasons(response, assessment, keys_of(response.spec, response.values))


# ---- review codes come from notice codes -------------------------------------------------------

@pytest.mark.parametrize(("notice", "flattened", "code"), [
    (Notice.of(NoticeCode.FIELD_CONFLICT_SHOWN, "risk.drug_use"), False, "conflicting-values"),
    (Notice.of(NoticeCode.IDENTITY_CONFLICT), False, "conflicting-values"),
    (Notice.of(NoticeCode.FIELD_MISSING, "client.postcode"), False, "reading-warnings"),
    (Notice.of(NoticeCode.UNREADABLE_TEXT, "client.name"), True, "unreadable-text"),
    (Notice.of(NoticeCode.NO_SUCH_OPTION, "client.gender"), True, "unreadable-text"),
])
def test_a_reworded_warning_keeps_its_review_code(monkeypatch: pytest.MonkeyPatch, notice: Notice,
                                                  flattened: bool, code: str) -> None:
    before = reasons_for(response_with([notice], flattened))
    assert code in before
    # new words that share nothing with the old ones, and that borrow another code's old words
    monkeypatch.setitem(notices.TEMPLATES, notice.code, "re-worded {field}: could be read more than one way; "
                        "the text in its box did not map to real characters")
    response = response_with([notice], flattened)
    assert response.warnings == [f"re-worded {notice.field}: could be read more than one way; the text in its box "
                                 "did not map to real characters"]
    assert reasons_for(response) == before


def test_words_of_a_known_warning_in_another_warning_do_not_make_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(notices.TEMPLATES, NoticeCode.FIELD_MISSING, "field {field} made from version 1 (form "
                        "identity hash differs)")
    baseline = set(reasons_for(response_with([])))
    found = set(reasons_for(response_with([Notice.of(NoticeCode.FIELD_MISSING, "client.postcode")])))
    assert found - baseline == {"reading-warnings"}


def test_problems_keep_their_codes_when_reworded(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = find_form(HIL)
    response = response_with([])
    response.values[spec.summary.dob] = "31/02/2010"  # no such day: a date problem
    response.calculated["category"] = "not what cse-pdf says"  # a claim that differs
    before = reasons_for(response)
    assert {"date-problems", "calculated-differs"} <= set(before)
    for code in (NoticeCode.CLAIM_DIFFERS, NoticeCode.DATE_UNREADABLE, NoticeCode.AGE_DATE_UNREADABLE):
        monkeypatch.setitem(notices.TEMPLATES, code, "the form's calculated {field} is after something")
    assert reasons_for(response) == before


def test_every_code_has_words_that_name_no_typed_text() -> None:
    assert set(notices.TEMPLATES) == set(NoticeCode)
    notice = Notice.of(NoticeCode.UNKNOWN_FIELDS, count=2, form="f", version="1", names="a, b")
    assert notice.message == ("the PDF has 2 field(s) that layout f version 1 does not have (added or renamed "
                              "outside cse-pdf?): a, b; they were not read")
    assert Notice.of(NoticeCode.FIELD_MISSING, "x.y") == Notice.of(NoticeCode.FIELD_MISSING, "x.y")  # said once


# ---- the report counts flags by rule ------------------------------------------------------------

LOOKALIKE = """
id: lookalike-flags
version: "1"
title: Flags that look alike
sections:
  - title: Only section
    blocks:
      - scale:
          id: q.one
          type: radio
          label: Question one
          options: [{value: 1, label: Fine}, {value: 5, label: Not fine}]
      - checklist: signs
        label: Signs
        items: [{id: a, label: Sign A}, {id: b, label: Sign B}]
scoring:
  levels:
    - {level: 0, label: Low, guidance: Monitor.}
    - {level: 1, label: High, guidance: Act.}
  groups: {qs: [q.one], signs: [signs.a, signs.b]}
  rules:
    - {kind: total, of: qs, bands: [{upto: 2, level: 0}, {level: 1}], reason: "Total {total}"}
    - {kind: answer, field: q.one, values: ["5"], flag: "Refer {field}"}
    - {kind: count, of: signs, checked: true, count_at_least: 1, flag: "Refer (signs: {count}) *now* [.+?]"}
    - {kind: count, of: signs, checked: true, count_at_least: 2, flag: "Refer Question one"}
"""
# "Refer {field}" renders "Refer Question one", word for word what the last rule says, and a pattern made
# from it ("Refer .*?") matches every flag of this form.
CASES = [({"q.one": "5"}, {1}), ({"signs.a": True}, {2}), ({"signs.a": True, "signs.b": True}, {2, 3}),
         ({"q.one": "5", "signs.a": True, "signs.b": True}, {1, 2, 3}), ({"q.one": "1"}, set())]


@pytest.fixture
def lookalike(tmp_path: Path) -> FormSpec:
    path = tmp_path / "lookalike.yaml"
    path.write_text(textwrap.dedent(LOOKALIKE), encoding="utf-8")
    return load_spec(path)


def record(store: Store, spec: FormSpec, values: dict[str, Any], serial: str) -> int:
    sub = NewSubmission(
        sha256=hashlib.sha256(serial.encode()).hexdigest(), source_path=f"/fictional/{serial}.pdf", form_id=spec.id,
        form_version=spec.version, layout_hash=spec.content_hash, instance_id="", flattened=False, review=[],
        warnings=[], stamped_path=None, keys=keys_of(spec, values), values=values,
        field_types={f.id: f.type for f in spec.fields}, assessment=assess(spec, values))
    return store.record(sub).record_id


def flag_counts(spec: FormSpec, facts: list) -> dict[str, int]:
    table = flag_table(spec, facts, suppress_small=False)
    assert table is not None
    return {row.label: row.count for row in table.rows}


def test_flags_that_look_alike_are_counted_by_the_rule_that_raised_them(lookalike: FormSpec, tmp_path: Path) -> None:
    for values, rules in CASES:
        assert set(assess(lookalike, values).flag_rules) == rules
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        for i, (values, _) in enumerate(CASES):
            record(store, lookalike, values, f"lookalike-{i}")
        facts = current_facts(store, [], form=lookalike.id)
    assert flag_counts(lookalike, facts) == {"Refer": 2, "Refer *now* [.+?]": 3, "Refer Question one": 2,
                                             "No flag raised": 1}


def test_a_flag_recorded_in_other_words_still_counts_under_its_rule(lookalike: FormSpec, tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        for i, (values, _) in enumerate(CASES):
            record(store, lookalike, values, f"lookalike-{i}")
        with store.engine.begin() as conn:  # as if an earlier release had worded every flag differently
            for sid, flags in conn.execute(sa.select(AssessmentRecord.submission_id, AssessmentRecord.flags)).all():
                conn.execute(sa.update(AssessmentRecord).where(AssessmentRecord.submission_id == sid)
                             .values(flags=[f"Old words {i}" for i, _ in enumerate(flags)]))
        facts = current_facts(store, [], form=lookalike.id)
    assert flag_counts(lookalike, facts)["Refer *now* [.+?]"] == 3


def test_a_flag_from_an_older_layout_version_counts_under_the_same_rule_now(
        lookalike: FormSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Version 1 listed the flag rules in another order; version 2 is the report's layout."""
    older = lookalike
    newer_path = tmp_path / "newer.yaml"
    text = textwrap.dedent(LOOKALIKE).replace('version: "1"', 'version: "2"')
    lines = text.splitlines()
    flag_lines = [ln for ln in lines if "flag:" in ln]
    rest = [ln for ln in lines if "flag:" not in ln]
    newer_path.write_text("\n".join(rest + flag_lines[::-1]) + "\n", encoding="utf-8")
    newer = load_spec(newer_path)
    monkeypatch.setattr(tables, "find_form", lambda form, version=None: older if version == "1" else newer)
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        for i, (values, _) in enumerate(CASES):
            record(store, older, values, f"older-{i}")
        facts = current_facts(store, [], form=older.id)
    assert flag_counts(newer, facts) == {"Refer Question one": 2, "Refer *now* [.+?]": 3, "Refer": 2,
                                         "No flag raised": 1}


# ---- rows recorded before flags carried their rule ----------------------------------------------

def _back_to_0003(store: Store) -> None:
    cfg = alembic_config()
    with store.engine.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(**{WRITE: True})
        command.downgrade(cfg, "0003")


def test_rows_recorded_before_0004_get_their_flag_rules_by_scoring_again(db_url: str) -> None:
    rv = find_form(RV)
    actual = list(rv.scoring.groups["actual"])
    cases = [{actual[0]: True}, {actual[1]: True}, {"associates.known": "no"}]
    with Store.open(db_url) as store:
        ids = [record(store, rv, values, f"old-{i}") for i, values in enumerate(cases)]
        want = [assess(rv, values).flag_rules for values in cases]
        assert want[0] and want[2] == []
        with store.engine.begin() as conn:  # the second's flag in words no scoring gives: cannot be matched
            conn.execute(sa.update(AssessmentRecord).where(AssessmentRecord.submission_id == ids[1])
                         .values(flags=["words of a layout that is gone"]))
        _back_to_0003(store)
        with store.engine.connect() as conn:
            assert "flag_rules" not in {c["name"] for c in sa.inspect(conn).get_columns("assessments")}
    with Store.open(db_url) as store:  # migrated to head again: 0004 fills the column in
        with store.engine.connect() as conn:
            got = dict(conn.execute(sa.select(AssessmentRecord.submission_id, AssessmentRecord.flag_rules)).all())
        assert [got[i] for i in ids] == [want[0], None, []]
        facts = current_facts(store, [], form=RV)
    counts = flag_counts(rv, facts)
    assert sum(counts.values()) - counts["No flag raised"] == 1  # the first, once; the unmatched one nowhere
    assert counts["No flag raised"] == 1


# ---- one assessment type from scoring to the store and back --------------------------------------

def test_an_assessment_comes_back_from_the_store_as_it_was_recorded(db_url: str) -> None:
    spec = find_form(HIL)
    values = answered(spec) | {"risk.drug_use": "5", spec.summary.dob: "31/02/2010"}  # a reason and a problem
    scored = assess(spec, values)
    assert scored.reasons and scored.problems
    with Store.open(db_url) as store:
        record_id = record(store, spec, values, "round-trip")
        [exported] = store.current_assessments(HIL)
        shown = store.record_detail(record_id)
    assert exported.assessment == scored.recorded()
    assert shown is not None and shown["assessment"] == scored.to_dict()  # `show --json` as `score --json`
