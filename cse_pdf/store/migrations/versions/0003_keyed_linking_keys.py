"""Keyed linking keys: a per-database secret, and every person and assessment key made again with it.

Until now `person_key` and `assessment_key` were plain SHA-256 of the name, date of birth, date
completed and agency: anyone holding a key (the PostgreSQL server log quotes it on a duplicate-key
error) could find the young person by guessing. From here they are HMAC-SHA256 with a secret of 32
random bytes made here, once per database, and kept in the new `settings` table.

The rows keep what the keys were made from (name_key, dob, date_completed, agency_key, form_id: the
normalised values), so every existing key is made again here, and revisions stay linked.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

"""
import hashlib
import hmac
import secrets
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SECRET_NAME = "key_secret"

# Frozen here, not imported from models or person: a migration must keep meaning what it meant when written.
_settings = sa.table("settings", sa.column("name", sa.String), sa.column("value", sa.Text))
_submissions = sa.table(
    "submissions", sa.column("id", sa.Integer), sa.column("form_id", sa.String), sa.column("name_key", sa.Text),
    sa.column("dob", sa.Date), sa.column("date_completed", sa.Date), sa.column("agency_key", sa.Text),
    sa.column("person_key", sa.String), sa.column("assessment_key", sa.String))


def _join(*parts: object) -> bytes:
    return "\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")


def _keyed(secret: bytes):  # type: ignore[no-untyped-def]
    return lambda *parts: hmac.new(secret, _join(*parts), hashlib.sha256).hexdigest()


def _plain(*parts: object) -> str:
    return hashlib.sha256(_join(*parts)).hexdigest()


def _rekey(digest) -> None:  # type: ignore[no-untyped-def]
    """Make every row's keys again with `digest`, from the values the row keeps (as person.py does)."""
    conn = op.get_bind()
    rows = conn.execute(sa.select(_submissions.c.id, _submissions.c.form_id, _submissions.c.name_key,
                                  _submissions.c.dob, _submissions.c.date_completed, _submissions.c.agency_key)
                        ).all()
    params = []
    for rid, form_id, name, dob, completed, agency in rows:
        person = None if name is None or dob is None else digest("person", name, dob.isoformat())
        assessment = (None if person is None or completed is None else
                      digest("assessment", form_id, person, completed.isoformat(), agency or ""))
        params.append({"b_id": rid, "b_person": person, "b_assessment": assessment})
    if params:  # one executemany, not a round trip per row
        conn.execute(sa.update(_submissions).where(_submissions.c.id == sa.bindparam("b_id"))
                     .values(person_key=sa.bindparam("b_person"), assessment_key=sa.bindparam("b_assessment")),
                     params)


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_settings")),
    )
    secret = secrets.token_bytes(32)
    op.get_bind().execute(sa.insert(_settings).values(name=SECRET_NAME, value=secret.hex()))
    _rekey(_keyed(secret))


def downgrade() -> None:
    _rekey(_plain)
    op.drop_table("settings")
