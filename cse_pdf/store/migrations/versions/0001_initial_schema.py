"""Initial schema: submissions with their assessment and values, and failures.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Frozen here, not imported from models: a migration must keep meaning what it meant when written.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=False),
        sa.Column("quarantined_path", sa.Text(), nullable=True),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failures")),
        sa.UniqueConstraint("sha256", name=op.f("uq_failures_sha256")),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("form_version", sa.String(length=32), nullable=False),
        sa.Column("layout_hash", sa.String(length=32), nullable=False),
        sa.Column("instance_id", sa.String(length=64), nullable=False),
        sa.Column("flattened", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("review_reasons", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("stamped_path", sa.Text(), nullable=True),
        sa.Column("name_key", sa.Text(), nullable=True),
        sa.Column("dob", sa.Date(), nullable=True),
        sa.Column("date_completed", sa.Date(), nullable=True),
        sa.Column("agency_key", sa.Text(), nullable=True),
        sa.Column("person_key", sa.String(length=64), nullable=True),
        sa.Column("assessment_key", sa.String(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("assessment_key", "revision", name=op.f("uq_submissions_assessment_key_revision")),
        sa.UniqueConstraint("sha256", name=op.f("uq_submissions_sha256")),
    )
    op.create_index(op.f("ix_submissions_form_id"), "submissions", ["form_id"], unique=False)
    op.create_index(op.f("ix_submissions_person_key"), "submissions", ["person_key"], unique=False)
    op.create_index("uq_submissions_current_assessment", "submissions", ["assessment_key"], unique=True,
                    sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))
    op.create_table(
        "assessments",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("base_level", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("stated_level", sa.Integer(), nullable=True),
        sa.Column("stated_label", sa.Text(), nullable=True),
        sa.Column("stated_differs", sa.Boolean(), nullable=False),
        sa.Column("domains", JSON, nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("flags", JSON, nullable=False),
        sa.Column("advice", JSON, nullable=False),
        sa.Column("unanswered", JSON, nullable=False),
        sa.Column("problems", JSON, nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_assessments_submission_id_submissions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_assessments")),
    )
    op.create_table(
        "submission_values",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.String(length=200), nullable=False),
        sa.Column("field_type", sa.String(length=16), nullable=False),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_submission_values_submission_id_submissions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id", "field_id", name=op.f("pk_submission_values")),
    )
    op.create_index("ix_submission_values_field_id_value_text", "submission_values", ["field_id", "value_text"],
                    unique=False)


def downgrade() -> None:
    op.drop_table("submission_values")
    op.drop_table("assessments")
    op.drop_index("uq_submissions_current_assessment", table_name="submissions")
    op.drop_index(op.f("ix_submissions_person_key"), table_name="submissions")
    op.drop_index(op.f("ix_submissions_form_id"), table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("failures")
