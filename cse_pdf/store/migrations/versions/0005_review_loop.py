"""The review loop: review events (append-only) and the users of `cse-pdf serve`.

`review_events` is append-only in the database itself, not only in cse-pdf's code: a trigger refuses
every UPDATE on SQLite and PostgreSQL alike. Rows are deleted only by purge, with their record.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

REFUSAL = "review events are append-only: they are never edited"

SQLITE_TRIGGER = f"""
CREATE TRIGGER review_events_append_only BEFORE UPDATE ON review_events
BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END
"""
POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION review_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER review_events_append_only BEFORE UPDATE ON review_events
FOR EACH ROW EXECUTE FUNCTION review_events_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    op.create_index(op.f("ix_review_events_submission_id"), "review_events", ["submission_id"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER review_events_append_only ON review_events")
        op.execute("DROP FUNCTION review_events_append_only()")
    op.drop_table("users")
    op.drop_index(op.f("ix_review_events_submission_id"), table_name="review_events")
    op.drop_table("review_events")
