"""The layout's `report:` and `distribute:` sections: what the Board report counts and where an agency's
details go are the layout's to say, checked when it loads, and neither changes the form's identity."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from cse_pdf.base.errors import CsePdfError, SpecError
from cse_pdf.form.catalog import layouts_dir
from cse_pdf.form.spec import FormSpec, load_spec
from cse_pdf.outreach.agencies import Agency
from cse_pdf.outreach.distribute import Sending, agency_block, distribute
from cse_pdf.report.tables import fields_needed, form_section
from cse_pdf.store.reports import AssessmentFacts

LAYOUT = """
id: club-check
version: "1"
title: Club check
sections:
  - title: About
    blocks:
      - fields:
          - {id: person.name, type: text, label: Name}
          - {id: person.dob, type: date, label: Date of birth}
          - {id: person.notes, type: multiline, label: Notes}
          - id: person.setting
            type: dropdown
            label: Where we met
            options: [{value: club, label: Youth club}, {value: school, label: School}]
          - {id: check.date, type: date, label: Date completed}
          - {id: check.agency, type: text, label: Agency}
          - {id: check.address, type: multiline, label: Agency address}
          - {id: check.contact, type: text, label: Phone / Email}
          - {id: check.seen, type: checkbox, label: Seen in person}
      - scale:
          id: q.missing
          type: radio
          label: Goes missing
          options: [{value: 0, label: Never}, {value: 2, label: Often}]
      - scale:
          id: q.money
          type: radio
          label: Unexplained money
          options: [{value: 0, label: "No"}, {value: 2, label: "Yes"}]
      - field:
          id: referral
          type: radio
          label: Referred on
          options: [{value: "yes", label: "Yes"}, {value: "no", label: "No"}]
      - checklist: signs
        label: Signs seen
        items: [{id: gifts, label: Unexplained gifts}, {id: older, label: Older friends}]
        other: {id: signs.other, type: text, label: Other sign}
      - repeat: contacts
        label: Contact
        rows: 2
        columns:
          - {id: name, label: Name}
          - {id: kind, type: dropdown, label: Kind, options: [{value: a, label: A}, {value: b, label: B}]}
      - field:
          id: level.stated
          type: radio
          label: Agreed level
          options: [{value: 0, label: Low}, {value: 1, label: High}]
scoring:
  levels:
    - {level: 0, label: Low, guidance: Keep in touch.}
    - {level: 1, label: High, guidance: Refer today.}
  groups: {answers: [q.missing, q.money]}
  total: answers
  stated: level.stated
  rules:
    - {kind: total, of: answers, bands: [{upto: 1, level: 0}, {level: 1}], reason: "Total {total}"}
    - {kind: answer, field: referral, values: ["yes"], level: 1, reason: Referred on}
summary:
  name: person.name
  dob: person.dob
  completed: check.date
  agency: check.agency
  unanswered_warning: Answer what you can.
"""


def layout(tmp_path: Path, extra: str = "", base: str = LAYOUT) -> Path:
    path = tmp_path / "layout.yaml"
    path.write_text(base + textwrap.dedent(extra), encoding="utf-8")
    return path


def refused(tmp_path: Path, extra: str, base: str = LAYOUT) -> str:
    with pytest.raises(SpecError) as caught:
        load_spec(layout(tmp_path, extra, base))
    message = str(caught.value)
    assert "layout.yaml" in message and "\n" not in message
    return message


def facts(values: list[dict[str, object]], ages: list[int | None]) -> list[AssessmentFacts]:
    return [AssessmentFacts(form_id="club-check", form_version="1", completed=date(2026, 3, 2), age=age, level=0,
                            stated_level=0, domains_unanswered=None, unanswered=0, flags=(), flag_rules=(),
                            values=v, trend=None, issued_to=None)
            for v, age in zip(values, ages)]


# ---- report: the default ---------------------------------------------------------------------


def test_without_a_report_section_every_unscored_choice_gets_a_table_after_age(tmp_path: Path) -> None:
    spec = load_spec(layout(tmp_path))
    # Not q.* (a scored group), not level.stated (its own "agreed level" tables), not contacts.N.kind (a
    # repeated row's cell), not text, dates or checkboxes; `referral` is read by an answer rule, not scored.
    assert [b.key for b in spec.breakdowns] == ["age", "field person.setting", "field referral"]
    assert fields_needed(spec) == {"person.setting", "referral", "check.agency"}


def test_the_default_has_no_age_table_when_the_summary_names_no_date_of_birth(tmp_path: Path) -> None:
    spec = load_spec(layout(tmp_path, base=LAYOUT.replace("  dob: person.dob\n", "")))
    assert [b.key for b in spec.breakdowns] == ["field person.setting", "field referral"]


def test_the_default_tables_reach_the_report_titled_by_the_layout(tmp_path: Path) -> None:
    spec = load_spec(layout(tmp_path))
    rows = [{"person.setting": "club", "referral": "yes", "check.agency": "A"},
            {"person.setting": "school", "referral": None, "check.agency": "A"},
            {"person.setting": "club", "referral": "no", "check.agency": "B"}]
    section = form_section(spec, facts(rows, [12, 15, None]), suppress_small=False)
    by_id = {t.id: t for t in section.tables}
    assert list(by_id)[-4:] == ["age-band", "person-setting", "referral", "referring-agency"]
    assert by_id["person-setting"].title == "Where we met"
    assert [(r.label, r.count) for r in by_id["person-setting"].rows] == [
        ("Youth club", 2), ("School", 1), ("Not answered", 0)]
    assert [(r.label, r.count) for r in by_id["referral"].rows] == [("Yes", 1), ("No", 1), ("Not answered", 1)]
    assert {r.label: r.count for r in by_id["age-band"].rows}["Not known"] == 1


# ---- report: declared --------------------------------------------------------------------------


def test_a_report_section_sets_the_tables_their_order_and_titles(tmp_path: Path) -> None:
    spec = load_spec(layout(tmp_path, """
        report:
          breakdowns:
            - {checklist: signs}
            - {field: contacts.1.kind, title: First contact's kind}
            - {age: true}
    """))
    assert fields_needed(spec) == {"signs.gifts", "signs.older", "signs.other", "contacts.1.kind", "check.agency"}
    rows = [{"signs.gifts": True, "signs.older": False, "signs.other": "", "contacts.1.kind": "a"}] * 2
    section = form_section(spec, facts(rows, [10, 11]), suppress_small=False)
    extras = [(t.id, t.title) for t in section.tables][-4:]
    assert extras == [("signs", "Signs seen"), ("contacts-1-kind", "First contact's kind"),
                      ("age-band", "Age on the date of the assessment"), ("referring-agency", "Referring agency")]


def test_an_empty_report_section_means_no_breakdowns(tmp_path: Path) -> None:
    spec = load_spec(layout(tmp_path, "report: {breakdowns: []}\n"))
    assert spec.breakdowns == () and fields_needed(spec) == {"check.agency"}


@pytest.mark.parametrize(("entry", "says"), [
    ("{field: person.gender}", "report.breakdowns[1] (field person.gender): no field with id 'person.gender'"),
    ("{field: person.notes}", "report.breakdowns[1] (field person.notes): person.notes is a multiline"),
    ("{field: check.seen}", "check.seen is a checkbox; a breakdown counts a radio or dropdown"),
    ("{checklist: concerns}", "report.breakdowns[1] (checklist concerns): no checklist 'concerns'"),
    ("{field: referral, title: Again}", "report.breakdowns[1] (field referral): listed twice"),
    ("{field: person.setting, checklist: signs}", "exactly one of field, checklist, age"),
    ("{title: Nothing}", "exactly one of field, checklist, age"),
    ("{age: true, title: Ages}", "the age table's title is fixed"),
    ("{age: false}", "leave the entry out"),
    ("{field: referral, colour: red}", "colour"),
])
def test_a_bad_breakdown_is_refused_naming_its_row(tmp_path: Path, entry: str, says: str) -> None:
    message = refused(tmp_path, f"""
        report:
          breakdowns:
            - {{field: referral}}
            - {entry}
    """)
    assert says in message


def test_an_age_table_needs_the_summary_s_date_of_birth(tmp_path: Path) -> None:
    message = refused(tmp_path, "report: {breakdowns: [{age: true}]}\n", base=LAYOUT.replace("  dob: person.dob\n", ""))
    assert "report.breakdowns[0] (age): the age is worked out from summary.dob" in message


def test_a_breakdown_cannot_overwrite_a_standard_table_s_csv(tmp_path: Path) -> None:
    """A table's id names its CSV file: a field called `reviews` must not replace the reviews table."""
    renamed = LAYOUT.replace("id: referral", "id: reviews").replace("field: referral", "field: reviews")
    spec = load_spec(layout(tmp_path, "report: {breakdowns: [{field: reviews}]}\n", base=renamed))
    section = form_section(spec, facts([{"reviews": "yes"}], [None]), suppress_small=False)
    ids = [t.id for t in section.tables]
    assert len(ids) == len(set(ids)) and "reviews" in ids and "reviews-2" in ids
    assert next(t for t in section.tables if t.id == "reviews-2").title == "Referred on"


# ---- distribute ----------------------------------------------------------------------------------


def test_the_agency_block_is_what_the_layout_declares(tmp_path: Path) -> None:
    spec = load_spec(layout(tmp_path, "distribute: {agency: {name: check.agency, address: check.address}}\n"))
    block = agency_block(spec)
    assert (block.name, block.address, block.contact) == ("check.agency", "check.address", None)
    agency = Agency(line=2, name="Brookfield Youth Trust", address="1 Fictional Road", contact="01234 567890",
                    email="lead@brookfield.example", display_name="", slug="brookfield-youth-trust")
    assert block.values(agency) == {"check.agency": "Brookfield Youth Trust", "check.address": "1 Fictional Road"}


@pytest.mark.parametrize(("agency", "says"), [
    ("{name: check.agency, contact: check.phone}", "distribute.agency.contact: no field with id 'check.phone'"),
    ("{name: check.seen}", "distribute.agency.name: check.seen is a checkbox"),
    ("{name: check.agency, address: check.agency}", "distribute.agency.address: check.agency is already used"),
    ("{address: check.address}", "distribute.agency.name"),
])
def test_a_bad_agency_block_is_refused_naming_its_part(tmp_path: Path, agency: str, says: str) -> None:
    assert says in refused(tmp_path, f"distribute: {{agency: {agency}}}\n")


def test_a_form_that_declares_no_agency_block_cannot_be_distributed(tmp_path: Path) -> None:
    """Not even from `summary.agency` and the fields beside it: nothing is guessed."""
    spec = load_spec(layout(tmp_path))
    assert spec.summary is not None and spec.summary.agency == "check.agency"
    with pytest.raises(CsePdfError, match=r"declares no agency block \(`distribute: agency:` in its layout\)"):
        agency_block(spec)
    made: list[object] = []
    with pytest.raises(CsePdfError, match="declares no agency block"):
        distribute(spec, [], Sending("board@board.example", "board@board.example"), out=tmp_path / "mail",
                   on_outcome=made.append)
    assert made == [] and not (tmp_path / "mail").exists()


# ---- neither section is part of the form -------------------------------------------------------


@pytest.mark.parametrize("path", sorted(layouts_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_the_sections_do_not_change_a_form_s_identity(path: Path) -> None:
    spec = load_spec(path)
    assert spec.report is not None and spec.distribute is not None  # every installed form declares both
    data = spec.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    without = FormSpec.model_validate({k: v for k, v in data.items() if k not in ("report", "distribute")})
    retitled = FormSpec.model_validate({**data, "report": {"breakdowns": list(reversed(data["report"]["breakdowns"]))}})
    assert without.layout_hash == retitled.layout_hash == spec.layout_hash
    assert without.content_hash == spec.content_hash
    if spec.keep_identity is not None:  # the pin is checked against layout_hash: it still holds
        assert spec.keep_identity.content == spec.layout_hash

