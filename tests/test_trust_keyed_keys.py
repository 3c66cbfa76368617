"""Issue 14, section 4: the database's matching keys are keyed hashes (HMAC-SHA256) with a secret each
database makes for itself, so a key seen in a server log cannot be reversed by guessing names and dates;
a database made before (plain SHA-256 keys) is migrated, and its revisions stay linked."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from helpers.forms import fictional_return, write_return

from cse_pdf.base.errors import StoreError
from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import ingest
from cse_pdf.store import Store
from cse_pdf.store.engine import WRITE
from cse_pdf.store.migrate import alembic_config, current_revisions
from cse_pdf.store.models import SettingRecord, SubmissionRecord

HIL = "hillingdon-cse"
ADA = dict(name="Ada Testperson", dob="14/07/2010", agency="Example Youth Service")


def plain(*parts: object) -> str:
    """The keys as cse-pdf made them before migration 0003: SHA-256 of the parts joined with U+001F."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def plain_keys(row: SubmissionRecord) -> tuple[str, str]:
    person = plain("person", row.name_key, row.dob.isoformat())
    return person, plain("assessment", row.form_id, person, row.date_completed.isoformat(), row.agency_key or "")


def migrate_to(store: Store, revision: str) -> None:
    cfg = alembic_config()
    with store.engine.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(**{WRITE: True})
        (command.upgrade if revision == "head" else command.downgrade)(cfg, revision)


def submissions(store: Store) -> list[SubmissionRecord]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(SubmissionRecord).order_by(SubmissionRecord.id)))


def a_return(folder: Path, completed: str, pick: int, n: int) -> Path:
    spec = find_form(HIL)
    return write_return(folder / f"{n}.pdf", spec, fictional_return(spec, **ADA, completed=completed, pick=pick),
                        instance=f"copy{n}")


@pytest.mark.slow
def test_keys_are_keyed_with_the_database_secret_and_differ_between_databases(db_url: str, tmp_path: Path,
                                                                                request: pytest.FixtureRequest) -> None:
    first = a_return(tmp_path / "in", "12/04/2024", 0, 1)
    with Store.open(db_url) as store:
        ingest([first], store, tmp_path / "out", workers=1, stamps=False)
        secret = store.key_secret
        (row,) = submissions(store)
    assert len(secret) == 32
    assert row.person_key and row.assessment_key and len(row.assessment_key) == 64
    assert (row.person_key, row.assessment_key) != plain_keys(row)  # not a guessable plain hash of the inputs
    with Store.open(db_url) as again:
        assert again.key_secret == secret  # made once, never again
    # another database, the same young person and the same form: unrelated keys
    if db_url.startswith("postgresql"):
        other_url = request.getfixturevalue("postgres").new_database(f"t_{uuid.uuid4().hex[:12]}")
    else:
        other_url = str(tmp_path / "other.sqlite3")
    with Store.open(other_url) as other:
        ingest([first], other, tmp_path / "out2", workers=1, stamps=False)
        (twin,) = submissions(other)
        assert other.key_secret != secret
    assert (twin.name_key, twin.dob, twin.date_completed) == (row.name_key, row.dob, row.date_completed)
    assert twin.person_key != row.person_key and twin.assessment_key != row.assessment_key


@pytest.mark.slow
def test_a_database_made_before_is_migrated_and_its_revisions_stay_linked(db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as store:
        ingest([a_return(tmp_path / "in", "12/04/2024", 0, 1), a_return(tmp_path / "in", "02/01/2024", 0, 2)],
               store, tmp_path / "out", workers=1, stamps=False)
        migrate_to(store, "0002")  # as the previous cse-pdf left it: plain SHA-256 keys, no secret
        assert current_revisions(store.engine) == {"0002"}
        before = submissions(store)
        assert [(r.person_key, r.assessment_key) for r in before] == [plain_keys(r) for r in before]
        assert "settings" not in sa.inspect(store.engine).get_table_names()

    with Store.open(db_url) as store:  # the new cse-pdf opens it: migrated to the keyed keys
        after = submissions(store)
        assert [r.id for r in after] == [r.id for r in before]
        for r in after:
            assert (r.person_key, r.assessment_key) != plain_keys(r)
        assert after[0].person_key == after[1].person_key  # still one young person
        # a corrected revision of the April assessment, ingested after the upgrade, is linked to it
        report = ingest([a_return(tmp_path / "in", "12/04/2024", -1, 3)], store, tmp_path / "out", workers=1,
                        stamps=False)
        (outcome,) = report.outcomes
        assert outcome.revision == 2
        detail = store.record_detail(outcome.record_id)
        assert [r["record"] for r in detail["revisions"]] == [after[0].id, outcome.record_id]
        assert detail["previous"]["record"] == after[1].id  # and the January one is still its previous
        assert not store.record_detail(after[0].id)["current"]


def test_a_database_whose_secret_is_gone_is_refused_not_given_a_new_one(db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as store, store.engine.begin() as conn:
        conn.execute(sa.delete(SettingRecord.__table__))
    with Store.open(db_url) as store:
        with pytest.raises(StoreError, match="key secret"):
            store.key_secret
        with pytest.raises(StoreError, match="key secret"):  # before any file is read or written
            ingest([a_return(tmp_path / "in", "12/04/2024", 0, 1)], store, tmp_path / "out", workers=1)
        assert store.records() == [] and not (tmp_path / "out").exists()
