"""Re-make the sample returned forms: fictional people, each filled by a different real engine.

    python samples/make_samples.py [FORM-ID]   (needs what .ci/run installs: pip install -e '.[test]',
                                                npm ci in tests/engines, tests/browsers/install.sh)

Given a form id, only that form's samples are made again (after a new version of its layout).

Every engine the tests fill through has a return of each form here: pypdf (a program), PDFium,
pdf.js, MuPDF and Poppler, and the real Chromium and Firefox ESR viewers (clicks and typing, the
viewer's own save). Each sample states the level worked out by hand from the layout's rules; the script refuses to
write a sample whose computed score disagrees, then stores `cse-pdf score` output as the expected
JSON that tests/test_samples.py checks. It also flattens one return of each form with qpdf
(`flat-*.pdf`), as a worker's "print to PDF" would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from browsers.browser_fill import fill_with_chromium, fill_with_firefox  # noqa: E402
from engines.mupdf_fill import fill_with_mupdf  # noqa: E402
from engines.pdfium_fill import fill_with_pdfium  # noqa: E402
from engines.pdfjs_fill import fill_with_pdfjs  # noqa: E402
from engines.poppler_fill import fill_with_poppler  # noqa: E402
from engines.pypdf_fill import fill_with_pypdf  # noqa: E402

from cse_pdf.returned.read import read_form  # noqa: E402
from cse_pdf.assess.score import assess  # noqa: E402

FORMS = HERE.parent / "forms"
DOMAINS = ["risk.missing_episodes", "risk.education", "risk.drug_use", "risk.carers_relationship",
           "risk.accommodation", "risk.alcohol_use", "risk.risk_to_others", "risk.rights_awareness",
           "risk.engagement", "risk.sexual_health", "risk.perpetrator_history"]


def domains(*scores: int | None) -> dict[str, str]:
    return {fid: str(s) for fid, s in zip(DOMAINS, scores) if s is not None}


SAMPLES = [
    {
        "name": "low-pdfium",
        "form": "hillingdon-cse",
        "engine": fill_with_pdfium,
        # 2+2+2+2+2+1+2+2+2+2+1 = 20 → band 19–26 → level 1; no area at 3+; age 15
        "level": 1,
        "values": {
            "client.name": "Sam Example", "client.gender": "male", "client.dob": "14/09/2008",
            "client.address": "1 Sample Street\nExampletown", "client.postcode": "ZZ1 1ZZ",
            "client.ethnicity": "W2", "agency.worker_name": "A. Worker (fictional)",
            "agency.name": "Example Youth Service", "agency.contact": "worker@example.org",
            "agency.has_social_worker": "no", "agency.date_completed": "02/09/2024",
            "looked_after.status": "family_no_care", "education.status": "school_full_time",
            "concern.changed_behaviour": True, "concern.going_missing": True,
            **domains(2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 1),
            "risk.category": "1",
            "analysis.name": "Sam Example", "analysis.dob": "14/09/2008", "analysis.date": "02/09/2024",
            "analysis.behaviours": "Late home twice this month.\nNew friends who are older.",
        },
    },
    {
        "name": "medium-pdfjs",
        "form": "hillingdon-cse",
        "engine": fill_with_pdfjs,
        # 3+2+3+2+3+2+2+3+2+(unanswered)+4 = 26 → band 1; areas at 3 → 1; perpetrator suspected (4) → 2
        "level": 2,
        "values": {
            "client.name": "Jordan Sample", "client.gender": "female", "client.dob": "20/01/2009",
            "client.ethnicity": "M2", "perpetrator.names": "Unknown adult male (fictional)",
            "perpetrator.ages": "about 25", "agency.name": "Example Academy", "agency.has_social_worker": "yes",
            "agency.date_completed": "05/03/2024", "looked_after.status": "foster",
            "education.status": "school_part_time", "perpetrator.type": "single_adult",
            "concern.older_relationship": True, "concern.money_items": True, "coercion.gifts": True,
            "coercion.social_networking": True,
            **domains(3, 2, 3, 2, 3, 2, 2, 3, 2, None, 4),
            "risk.category": "1",
            "analysis.associates": "Seen near Example Park with an older male.\nCar with tinted windows.",
        },
    },
    {
        "name": "high-mupdf",
        "form": "hillingdon-cse",
        "engine": fill_with_mupdf,
        # 5+4+5+3+4+3+4+5+4+3+5 = 45 → band ≥38 → 3; three 5s → 3; perpetrator known (5) → 3; age 11 → 2
        "level": 3,
        "values": {
            "client.name": "Zoë Łódź", "client.gender": "female", "client.dob": "11/11/2012",
            "client.ethnicity": "M1", "client.disability": "None known",
            "perpetrator.names": "Group of adults (fictional)", "perpetrator.type": "group_of_adults",
            "agency.worker_name": "Ngozi Okonkwo-Ødegård (fictional)", "agency.name": "Example Health Service",
            "agency.has_social_worker": "yes", "agency.date_completed": "05/03/2024",
            "looked_after.status": "residential", "education.status": "not_on_roll",
            "concern.disclosure": True, "concern.incident": True, "concern.alcohol_drugs": True,
            "coercion.gang_or_group": True, "coercion.drugs_or_alcohol": True, "coercion.other": "Threats online",
            **domains(5, 4, 5, 3, 4, 3, 4, 5, 4, 3, 5),
            "risk.category": "3",
            "analysis.name": "Zoë Łódź", "analysis.police_activity": "Referred to police 04/03/2024.\nCase open.",
        },
    },
]


SAMPLES += [
    {
        "name": "rv-medium-pdfium",
        "form": "cse-risk-vulnerability",
        "engine": fill_with_pdfium,
        # suspected associates → Medium; judgement "no" → no raise; one linked issue + a vulnerability → advice
        "level": 1,
        "values": {
            "child.name": "Riley Example", "child.dob": "03/06/2008", "assessment.worker": "B. Worker (fictional)",
            "assessment.agency": "Example Youth Service", "assessment.date": "12/04/2024",
            "people.1.name": "Riley Example", "people.1.role": "child",
            "people.2.name": "Unknown male, about 20", "people.2.role": "concern", "people.2.notes": "Drives a red car",
            "people.3.name": "C. Carer (fictional)", "people.3.role": "protective", "people.3.relationship": "Aunt",
            "suspected.missing": True, "suspected.missing_notes": "Carer reported two nights away in March.",
            "suspected.expensive_items": True, "suspected.expensive_items_notes": "New phone, no explanation.",
            "associates.known": "no", "associates.suspected": "yes",
            "associates.suspected_notes": "Seen with the unknown male near Example Station.",
            "linked_welfare.running_away": True, "vulnerability.school_absence": True,
            "summative.beyond_threshold": "no", "summative.level": "1",
            "summative.rationale": "Indicators of involvement with a suspected individual.\nNo known exploiters.",
        },
    },
    {
        "name": "rv-high-pdfjs",
        "form": "cse-risk-vulnerability",
        "engine": fill_with_pdfjs,
        # known associates → High; beyond threshold on a High case → act-immediately flag; actual indicator → flag;
        # two linked issues → advice
        "level": 2,
        "values": {
            "child.name": "Zoë Łódź", "child.dob": "21/10/2010", "assessment.date": "12/04/2024",
            "people.1.name": "Zoë Łódź", "people.1.role": "child",
            "actual.disclosure": True, "actual.disclosure_notes": "Told her teacher on 10/04/2024 (fictional).",
            "suspected.money": True,
            "associates.known": "yes", "associates.known_notes": "Adult known from another case (fictional).",
            "linked_crime.grooming": True, "linked_welfare.bullying": True,
            "vulnerability.isolated_bullied": True, "vulnerability.other": "Recently moved schools.",
            "summative.beyond_threshold": "yes", "summative.level": "2",
        },
    },
    {
        "name": "rv-raised-mupdf",
        "form": "cse-risk-vulnerability",
        "engine": fill_with_mupdf,
        # no associates → Standard threshold; vulnerabilities beyond it → one level up to Medium; the worker
        # chose Standard, which the summary flags as different
        "level": 1,
        "values": {
            "child.name": "Ngozi Okonkwo-Ødegård", "child.dob": "15/01/2009", "assessment.date": "12/04/2024",
            "associates.known": "no", "associates.suspected": "not_known",
            "vulnerability.leaving_care": True, "vulnerability.homeless": True, "vulnerability.low_self_esteem": True,
            "summative.beyond_threshold": "yes", "summative.level": "0",
        },
    },
]


SAMPLES += [
    {
        "name": "none-poppler",
        "form": "hillingdon-cse",
        "engine": fill_with_poppler,
        # eleven 1s = 11 → band ≤18 → level 0; no area at 3+; perpetrator history not known; age 17
        "level": 0,
        "values": {
            "client.name": "Alex Testcase", "client.gender": "not_known", "client.dob": "02/02/2007",
            "client.ethnicity": "W9", "agency.name": "Example Sports Club", "agency.has_social_worker": "not_known",
            "agency.date_completed": "10/06/2024", "education.status": "college_full_time",
            "concern.carers_communication": True,
            **domains(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
            "risk.category": "0",
            "analysis.behaviours": "Argued with parents about curfew.\nNo other concerns.",
        },
    },
    {
        "name": "medium-pypdf",
        "form": "hillingdon-cse",
        "engine": fill_with_pypdf,
        # ten 2s and a 1 = 21 → band 19–26 → 1; no area at 3+; age 11 on the date completed → 2
        "level": 2,
        "values": {
            "client.name": "Casey Placeholder", "client.gender": "male", "client.dob": "01/05/2012",
            "client.ethnicity": "B1", "agency.name": "Example Primary School", "agency.has_social_worker": "no",
            "agency.date_completed": "01/04/2024", "education.status": "school_full_time",
            "concern.going_missing": True, "coercion.social_networking": True,
            **domains(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1),
            "risk.category": "2",
        },
    },
    {
        "name": "medium-chromium",
        "form": "hillingdon-cse",
        "engine": fill_with_chromium,
        # 3+3+3+2+2+2+2+2+2+2+4 = 27 → band 27–37 → 2; three areas at 3+ → 1; perpetrator suspected (4) → 2
        "level": 2,
        "values": {
            "client.name": "Morgan Fictional", "client.dob": "07/07/2008", "agency.date_completed": "15/05/2024",
            "concern.going_missing": True,
            **domains(3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 4),
            "risk.category": "2",
        },
    },
    {
        "name": "low-firefox",
        "form": "hillingdon-cse",
        "engine": fill_with_firefox,
        # 2+2+3+2+2+2+2+2+2+2+1 = 22 → band 19–26 → 1; one area at 3 → 1; age 16
        "level": 1,
        "values": {
            "client.name": "Zoë Łódź", "client.dob": "30/12/2007", "agency.date_completed": "15/05/2024",
            "concern.alcohol_drugs": True,
            **domains(2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 1),
            "risk.category": "1",
        },
    },
    {
        "name": "rv-standard-poppler",
        "form": "cse-risk-vulnerability",
        "engine": fill_with_poppler,
        # no known or suspected associates, not beyond the threshold → Standard
        "level": 0,
        "values": {
            "child.name": "Taylor Sample", "child.dob": "09/09/2009", "assessment.date": "20/05/2024",
            "assessment.agency": "Example Youth Service",
            "associates.known": "no", "associates.suspected": "no",
            "vulnerability.school_absence": True, "summative.beyond_threshold": "no", "summative.level": "0",
            "summative.rationale": "Some absence from school; no indicators of exploitation.",
        },
    },
    {
        "name": "rv-medium-pypdf",
        "form": "cse-risk-vulnerability",
        "engine": fill_with_pypdf,
        # suspected associates → Medium; known not known; not beyond the threshold
        "level": 1,
        "values": {
            "child.name": "Jamie Example", "child.dob": "14/02/2008", "assessment.date": "20/05/2024",
            "associates.known": "not_known", "associates.suspected": "yes",
            "associates.suspected_notes": "Older youths outside the shop (fictional).",
            "suspected.missing": True, "summative.beyond_threshold": "no", "summative.level": "1",
        },
    },
    {
        "name": "rv-high-chromium",
        "form": "cse-risk-vulnerability",
        "engine": fill_with_chromium,
        # known associates → High; not beyond the threshold
        "level": 2,
        "values": {
            "child.name": "Robin Testperson", "child.dob": "03/03/2009", "assessment.date": "21/05/2024",
            "associates.known": "yes", "suspected.money": True,
            "summative.beyond_threshold": "no", "summative.level": "2",
        },
    },
    {
        "name": "rv-raised-firefox",
        "form": "cse-risk-vulnerability",
        "engine": fill_with_firefox,
        # no associates → Standard; beyond the threshold → one level up to Medium
        "level": 1,
        "values": {
            "child.name": "Zoë Łódź", "child.dob": "11/11/2010", "assessment.date": "21/05/2024",
            "associates.known": "no", "associates.suspected": "no", "vulnerability.homeless": True,
            "summative.beyond_threshold": "yes", "summative.level": "1",
        },
    },
]


FLATTENED = ["high-mupdf", "rv-medium-pdfium"]


def main(only: str | None = None) -> None:
    for sample in SAMPLES:
        if only and sample["form"] != only:
            continue
        pdf = HERE / f"{sample['name']}.pdf"
        sample["engine"](FORMS / f"{sample['form']}.pdf", pdf, sample["values"])
        response = read_form(pdf)
        assert {k: v for k, v in response.values.items() if v not in (None, False)} == sample["values"], sample["name"]
        assessment = assess(response.spec, response.values)
        if assessment.level != sample["level"]:
            raise SystemExit(f"{sample['name']}: scored {assessment.level}, worked out by hand {sample['level']}")
        expected = {**response.to_dict(), "assessment": assessment.to_dict()}
        (HERE / f"{sample['name']}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"{pdf.name}: level {assessment.level} ({assessment.label})")
    for name in FLATTENED:  # a return "printed to PDF": no fields left, read from the page
        if only and next(s["form"] for s in SAMPLES if s["name"] == name) != only:
            continue
        flat = HERE / f"flat-{name}.pdf"
        subprocess.run(["qpdf", "--flatten-annotations=all", str(HERE / f"{name}.pdf"), str(flat)], check=True)
        response = read_form(flat)
        assert response.flattened and response.values == read_form(HERE / f"{name}.pdf").values, name
        expected = {**response.to_dict(), "assessment": assess(response.spec, response.values).to_dict()}
        flat.with_suffix(".expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n",
                                                      encoding="utf-8")
        print(f"{flat.name}: flattened, read from the page")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
