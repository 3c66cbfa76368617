"""Which young person, which assessment: the keys that link returns, and how names are compared."""

from __future__ import annotations

import unicodedata
from datetime import date

from cse_pdf.assess.history import PreviousAssessment, pick_previous
from cse_pdf.assess.person import keys_of, normalise_name
from cse_pdf.form.catalog import find_form


def test_names_compare_without_case_spacing_or_lookalike_punctuation_but_with_accents() -> None:
    assert normalise_name("  ZOË   Łódź ") == normalise_name("zoë łódź") == "zoë łódź"
    assert normalise_name(unicodedata.normalize("NFD", "Zoë")) == normalise_name("Zoë")  # typed as e + ¨
    assert normalise_name("Siobhán O’Brien-Kelly") == normalise_name("siobhán o'brien‐kelly")
    assert normalise_name("Zoe") != normalise_name("Zoë")  # kept apart: a wrong merge shows another child's history
    assert normalise_name("   ") is None and normalise_name(None) is None


def test_an_assessment_is_form_person_date_and_agency_and_needs_all_but_the_agency() -> None:
    spec = find_form("cse-risk-vulnerability")
    base = {"child.name": "Ada Testperson", "child.dob": "14/07/2010", "assessment.date": "12/04/2024",
            "assessment.agency": "Example Youth Service"}
    k = keys_of(spec, base)
    assert (k.name, k.dob, k.completed, k.agency) == ("ada testperson", date(2010, 7, 14), date(2024, 4, 12),
                                                      "example youth service")
    secret = bytes(range(32))  # a database's (Store.key_secret)

    def akey(values: dict) -> str | None:
        return keys_of(spec, values).assessment_key(secret)

    def pkey(values: dict) -> str | None:
        return keys_of(spec, values).person_key(secret)

    assert akey({**base, "child.name": "ADA  TESTPERSON", "assessment.agency": "example youth service "}) == akey(base)
    assert akey({**base, "assessment.agency": "Example School"}) != akey(base)
    assert pkey({**base, "assessment.date": "13/04/2024"}) == pkey(base)
    assert akey({**base, "assessment.agency": None}) is not None
    assert pkey({**base, "child.dob": "July 2010"}) is None
    assert akey({**base, "assessment.date": None}) is None
    assert not keys_of(spec, {**base, "assessment.date": None}).identifies_assessment
    assert keys_of(spec, base).identifies_assessment
    assert keys_of(find_form("hillingdon-cse"), {"client.name": "Ada Testperson", "client.dob": "14/07/2010",
                                                 "agency.date_completed": "12/04/2024",
                                                 "agency.name": "Example Youth Service"}).assessment_key(secret) != \
        akey(base)  # another form, another assessment


def test_the_previous_assessment_is_the_latest_one_completed_before() -> None:
    jan = PreviousAssessment(1, date(2024, 1, 10), 1, "Low")
    mar = PreviousAssessment(2, date(2024, 3, 1), 3, "High")
    same_day = PreviousAssessment(3, date(2024, 5, 20), 0, "None")
    found = pick_previous([jan, mar, same_day], date(2024, 5, 20))
    assert found == mar and found.trend(2) == "fell" and found.trend(3) == "same" and jan.trend(2) == "rose"
    assert pick_previous([jan, mar], date(2024, 1, 10)) is None
    assert pick_previous([jan, mar], None) is None
    assert pick_previous([jan, mar], date(2024, 5, 20), exclude=2) == jan
