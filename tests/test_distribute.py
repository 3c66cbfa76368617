"""Blank forms to partner agencies: the agency list, the .eml files, and what comes back.

Every agency, address and person here is fictional (the .example domains are reserved).
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from helpers.distribution import AGENCIES, SENDER, attachment, cli, fill_copy, parse_eml, write_list

from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import ingest
from cse_pdf.outreach.agencies import AgencyListError, read_agencies, slugify
from cse_pdf.outreach.distribute import NotBlankError, agency_block, check_blank
from cse_pdf.returned.read import read_form
from cse_pdf.store import Store
from cse_pdf.store.distribution import returns_by_agency, unmatched_returns

# ---- the agency list --------------------------------------------------------------------------


def test_bad_rows_are_named_by_line_and_skipped(tmp_path: Path) -> None:
    path = write_list(tmp_path, AGENCIES + (
        "No Email Youth Club,4 Lane,,\n"                       # line 6
        "\n"                                                   # line 7: a blank line is not a row
        "Typo Trust,5 Road,,lead@@typo.example\n"              # line 8
        ",6 Road,,someone@nameless.example\n"                  # line 9
        "brookfield youth  trust,7 Road,,other@brookfield.example\n"  # line 10: listed already
        "Two Addresses Ltd,8 Road,,a@two.example; b@two.example\n"     # line 11
    ))
    listed = read_agencies(path)
    assert [a.name for a in listed.agencies] == ["Brookfield Youth Trust", "Larkspur Academy", "Harbour Street Clinic"]
    assert [a.line for a in listed.agencies] == [2, 4, 5]
    assert listed.agencies[0].address == "1 Fictional Road\nExampletown EX1 1AA"
    assert listed.agencies[2].email == "nurse.lead@harbour.example"
    assert listed.agencies[2].display_name == "Nurse Lead"
    lines = {p.line: p.message for p in listed.problems}
    assert sorted(lines) == [6, 8, 9, 10, 11]
    assert "no email address" in lines[6]
    assert "not valid" in lines[8]
    assert "no agency name" in lines[9]
    assert "line 2" in lines[10]
    assert "not a list" in lines[11]
    assert str(listed.problems[0]).startswith(f"{path}:6: ")


def test_excel_semicolons_and_windows_1252(tmp_path: Path) -> None:
    text = "Agency Name;Address;Phone/Email;Email\r\nCafé Outreach;1 Rue;01234;cafe@outreach.example\r\n"
    listed = read_agencies(write_list(tmp_path, text, encoding="cp1252"))
    assert [(a.name, a.contact, a.email, a.slug) for a in listed.agencies] == \
        [("Café Outreach", "01234", "cafe@outreach.example", "cafe-outreach")]


def test_a_column_named_like_a_form_field_is_refused(tmp_path: Path) -> None:
    spec = find_form("hillingdon-cse")
    path = write_list(tmp_path, "agency,send_to,client.name\nA,a@a.example,Somebody Fictional\n")
    with pytest.raises(AgencyListError, match="client.name"):
        read_agencies(path, spec.field_map.keys())


def test_a_list_without_the_required_columns_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AgencyListError, match="send_to"):
        read_agencies(write_list(tmp_path, "agency,address\nA,B\n"))


def test_slugs_are_safe_file_names() -> None:
    assert slugify("St Mary’s Youth Club") == "st-marys-youth-club"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Łódź Outreach") == "odz-outreach"
    assert slugify("???") == "agency"


# ---- the copies -------------------------------------------------------------------------------


@pytest.mark.parametrize("form_id", ["hillingdon-cse", "cse-risk-vulnerability"])
@pytest.mark.slow
def test_a_copy_that_holds_more_than_the_agency_block_is_refused(form_id: str) -> None:
    spec = find_form(form_id)
    block = agency_block(spec).name
    allowed = {block: "Larkspur Academy"}
    check_blank(generate(spec, allowed, "c0ffee01"), spec, allowed, "c0ffee01")  # only the agency: fine
    filled = generate(spec, {**allowed, spec.summary.name: "Fictional Child"}, "c0ffee02")
    with pytest.raises(NotBlankError, match=spec.summary.name.replace(".", r"\.")):
        check_blank(filled, spec, allowed, "c0ffee02")


def test_distribute_refuses_a_pdf_as_the_form(tmp_path: Path) -> None:
    pdf = tmp_path / "returned.pdf"
    pdf.write_bytes(generate(find_form("hillingdon-cse")))
    done = cli("distribute", write_list(tmp_path, AGENCIES), "--form", pdf, "--from", SENDER,
               "--db", tmp_path / "db.sqlite3", "--out", tmp_path / "mail")
    assert done.returncode != 0
    assert "only blank forms" in done.stderr
    assert not (tmp_path / "mail").exists()


@pytest.mark.slow
def test_eml_files_one_per_agency_recorded_in_the_database(tmp_path: Path) -> None:
    path = write_list(tmp_path, AGENCIES + "Nowhere House,9 Road,,\n")
    db, out = tmp_path / "db.sqlite3", tmp_path / "mail"
    done = cli("distribute", path, "--form", "hillingdon-cse", "--from", SENDER, "--return-to",
               "cse-returns@board.example", "--db", db, "--out", out)
    assert done.returncode == 3, done.stderr  # one row skipped; the rest written
    assert f"{path}:6: no email address to send to for 'Nowhere House'" in done.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == ["brookfield-youth-trust.eml", "harbour-street-clinic.eml", "larkspur-academy.eml"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    spec = find_form("hillingdon-cse")
    instances = {}
    for name in files:
        eml = out / name
        assert stat.S_IMODE(eml.stat().st_mode) == 0o600
        msg = parse_eml(eml)
        assert msg["X-Unsent"] == "1"  # opens as a new message ready to send
        assert msg["Reply-To"] == "cse-returns@board.example"
        body = msg.get_body(("plain",)).get_content()
        assert "cse-returns@board.example" in body and "999" in body
        filename, pdf = attachment(msg)
        slug = name.removesuffix(".eml")
        assert filename == f"CSE-assessment-hillingdon-cse-{slug}.pdf"
        attached = tmp_path / filename
        attached.write_bytes(pdf)
        response = read_form(attached)
        assert response.spec.id == "hillingdon-cse"
        filled = {k: v for k, v in response.values.items() if v not in (None, "", False)}
        assert set(filled) <= agency_block(spec).fields
        assert response.identity.instance in body
        instances[filled["agency.name"]] = response.identity.instance
    brookfield = read_form(tmp_path / "CSE-assessment-hillingdon-cse-brookfield-youth-trust.pdf").values
    assert brookfield["agency.address"] == "1 Fictional Road\nExampletown EX1 1AA"
    assert brookfield["agency.contact"] == "01234 567890"
    assert len(set(instances.values())) == 3
    with Store.open(str(db)) as store:
        rows = returns_by_agency(store)
    assert [(r.agency, r.sent, r.returned, r.outstanding) for r in rows] == [
        ("Brookfield Youth Trust", 1, 0, 1), ("Harbour Street Clinic", 1, 0, 1), ("Larkspur Academy", 1, 0, 1)]


def test_dry_run_writes_sends_and_records_nothing(tmp_path: Path) -> None:
    db, out = tmp_path / "db.sqlite3", tmp_path / "mail"
    done = cli("distribute", write_list(tmp_path, AGENCIES), "--form", "cse-risk-vulnerability", "--from", SENDER,
               "--db", db, "--out", out, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("would write") == 3
    assert not out.exists() and not db.exists()


# ---- returns, through a real ingest -----------------------------------------------------------


@pytest.mark.slow
def test_returns_are_matched_by_instance_id_at_ingest(tmp_path: Path) -> None:
    db, out = tmp_path / "db.sqlite3", tmp_path / "mail"
    done = cli("distribute", write_list(tmp_path, AGENCIES), "--form", "hillingdon-cse", "--from", SENDER,
               "--db", db, "--out", out)
    assert done.returncode == 0, done.stderr
    returned = tmp_path / "returned"
    returned.mkdir()
    copies = {name: attachment(parse_eml(out / f"{name}.eml"))[1]
              for name in ("brookfield-youth-trust", "larkspur-academy")}
    child = {"client.gender": "female", "agency.date_completed": "01/10/2026", "risk.missing_episodes": "3"}
    # Brookfield uses its copy for two young people; Larkspur for one; Harbour Street sends nothing back.
    for i, (name, who, dob) in enumerate([("brookfield-youth-trust", "Fictional Child A", "01/02/2012"),
                                          ("brookfield-youth-trust", "Fictional Child B", "03/04/2011"),
                                          ("larkspur-academy", "Fictional Child C", "05/06/2010")]):
        data = fill_copy(copies[name], "hillingdon-cse", {**child, "client.name": who, "client.dob": dob})
        (returned / f"return-{i}.pdf").write_bytes(data)
    # A form from the committed blank (no instance id) is ingested but matches no agency's copy.
    (returned / "from-the-website.pdf").write_bytes(generate(find_form("hillingdon-cse"), {
        **child, "client.name": "Fictional Child D", "client.dob": "07/08/2009"}))
    with Store.open(str(db)) as store:
        report = ingest(sorted(returned.iterdir()), store, tmp_path / "ingest-out", workers=1)
        assert not [o for o in report.outcomes if o.kind == "failed"]
        rows = {r.agency: r for r in returns_by_agency(store, "hillingdon-cse")}
        assert unmatched_returns(store) == 1
    assert (rows["Brookfield Youth Trust"].sent, rows["Brookfield Youth Trust"].returned,
            rows["Brookfield Youth Trust"].received, rows["Brookfield Youth Trust"].outstanding) == (1, 1, 2, 0)
    assert (rows["Larkspur Academy"].returned, rows["Larkspur Academy"].received) == (1, 1)
    assert (rows["Harbour Street Clinic"].returned, rows["Harbour Street Clinic"].outstanding) == (0, 1)

    listed = cli("returns", "--db", db)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["agency", "form", "sent", "returned", "outstanding", "forms", "received", "last",
                                "sent"]
    assert lines[1].split()[:7] == ["Brookfield", "Youth", "Trust", "hillingdon-cse", "1", "1", "0"]
    assert lines[4].split() == ["total", "3", "2", "1", "3"]
    assert "1 recorded assessment(s) came from copies not sent" in listed.stdout
    assert cli("returns", "--db", db, "--form", "cse-risk-vulnerability").stdout.startswith("no copies have been sent")
