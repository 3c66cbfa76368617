"""The tables, as SQLAlchemy models: one schema for SQLite and PostgreSQL alike.

The migrations in `migrations/versions/` create exactly these tables (a test
compares the two); change both together, with a new migration.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names fixed by convention, so migrations can name what they change on every dialect.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = sa.JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class SubmissionRecord(Base):
    """One returned file that was read and recorded: which form, which young person, which revision."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)  # the same file twice is "already known"
    source_path: Mapped[str] = mapped_column(sa.Text)
    ingested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    form_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    form_version: Mapped[str] = mapped_column(sa.String(32))
    layout_hash: Mapped[str] = mapped_column(sa.String(32))  # from the form's identity; "" when flattened
    instance_id: Mapped[str] = mapped_column(sa.String(64))
    flattened: Mapped[bool] = mapped_column(sa.Boolean)
    status: Mapped[str] = mapped_column(sa.String(16))  # "ingested" or "needs_review"
    review_reasons: Mapped[list[str]] = mapped_column(Json)  # codes, see cse_pdf.assess.review
    warnings: Mapped[list[str]] = mapped_column(Json)  # the reader's warnings (never form contents)
    stamped_path: Mapped[str | None] = mapped_column(sa.Text)
    # Linking keys (cse_pdf.assess.person): the young person over time, and revisions of one assessment.
    name_key: Mapped[str | None] = mapped_column(sa.Text)
    dob: Mapped[date | None] = mapped_column(sa.Date)
    date_completed: Mapped[date | None] = mapped_column(sa.Date)
    agency_key: Mapped[str | None] = mapped_column(sa.Text)
    person_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    assessment_key: Mapped[str | None] = mapped_column(sa.String(64))
    revision: Mapped[int] = mapped_column(sa.Integer)
    is_current: Mapped[bool] = mapped_column(sa.Boolean)

    __table_args__ = (
        sa.UniqueConstraint("assessment_key", "revision"),
        # At most one current revision per assessment (rows without a key are each their own).
        sa.Index("uq_submissions_current_assessment", "assessment_key", unique=True,
                 sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current")),
    )


class AssessmentRecord(Base):
    """The scoring of one submission: suggested and stated level, total, and why."""

    __tablename__ = "assessments"

    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True)
    level: Mapped[int] = mapped_column(sa.Integer)
    label: Mapped[str] = mapped_column(sa.Text)
    base_level: Mapped[int] = mapped_column(sa.Integer)
    total: Mapped[int | None] = mapped_column(sa.Integer)
    answered: Mapped[int] = mapped_column(sa.Integer)
    stated_level: Mapped[int | None] = mapped_column(sa.Integer)
    stated_label: Mapped[str | None] = mapped_column(sa.Text)
    stated_differs: Mapped[bool] = mapped_column(sa.Boolean)
    domains: Mapped[dict[str, Any]] = mapped_column(Json)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    flags: Mapped[list[str]] = mapped_column(Json)
    # the index (in the layout version's `rules`) of the rule that raised each flag, in the order of `flags`;
    # None: recorded before 0004 and not re-scored by it (see that migration)
    flag_rules: Mapped[list[int] | None] = mapped_column(Json)
    advice: Mapped[list[str]] = mapped_column(Json)
    unanswered: Mapped[list[str]] = mapped_column(Json)
    problems: Mapped[list[str]] = mapped_column(Json)


class ValueRecord(Base):
    """One answer: a row per (submission, field id), as text plus a typed column where one fits."""

    __tablename__ = "submission_values"

    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                                               primary_key=True)
    field_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    field_type: Mapped[str] = mapped_column(sa.String(16))
    value_text: Mapped[str | None] = mapped_column(sa.Text)  # as read; checkboxes "true"/"false"
    value_bool: Mapped[bool | None] = mapped_column(sa.Boolean)  # checkboxes
    value_date: Mapped[date | None] = mapped_column(sa.Date)  # date fields that read as a real date

    __table_args__ = (sa.Index("ix_submission_values_field_id_value_text", "field_id", "value_text"),)


class FailureRecord(Base):
    """A file that could not be recorded, set aside in quarantine, with its one-line reason."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str | None] = mapped_column(sa.String(64), unique=True)  # None: the file could not be read
    source_path: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text)
    exit_code: Mapped[int] = mapped_column(sa.Integer)
    quarantined_path: Mapped[str | None] = mapped_column(sa.Text)
    first_failed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_failed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(sa.Integer)


class IssuedCopyRecord(Base):
    """A blank form sent (or written as an .eml to send) to a partner agency, with its own instance id.

    Returns are matched at query time by joining `submissions.instance_id` to this table's
    `instance_id`, so ingest needs to know nothing about distribution.
    """

    __tablename__ = "issued_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    form_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    form_version: Mapped[str] = mapped_column(sa.String(32))
    agency_name: Mapped[str] = mapped_column(sa.Text)  # as written in the agency list
    agency_key: Mapped[str] = mapped_column(sa.Text, index=True)  # cse_pdf.assess.person.normalise_name of it
    recipient: Mapped[str] = mapped_column(sa.Text)  # the agency's address the copy went to
    method: Mapped[str] = mapped_column(sa.String(8))  # "smtp" (sent) or "eml" (written for the officer to send)
    issued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class SettingRecord(Base):
    """A database's own settings, one row each; made by migrations, never by a command.

    `key_secret`: 32 random bytes (hex) made once per database by migration 0003, the key of the
    HMAC linking keys (cse_pdf.assess.person). Losing it unlinks every later return from earlier ones."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class ReviewEventRecord(Base):
    """One step of a record's review (an agreement, a return to the worker, a comment, an opening, a purge).

    Append-only: a trigger (migration 0005) refuses UPDATE on both dialects, and rows are deleted only with
    their record by purge, which appends a `purge` event in their place. `submission_id` has no foreign key
    on purpose, so that the fact of a purge outlives the record. Who acted is a manager's name or user name
    and a role: never anything typed into the form."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(16))  # agree, return, comment, opened, purge (review_events.py)
    level: Mapped[int | None] = mapped_column(sa.Integer)  # the agreed level; None for every other kind
    text: Mapped[str | None] = mapped_column(sa.Text)  # the note, the reason for a return, the comment


class UserRecord(Base):
    """Someone who may sign in to `cse-pdf serve`, with one role; disabled rather than deleted, so the names
    in the review events keep meaning someone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    password_hash: Mapped[str] = mapped_column(sa.Text)  # argon2id
    disabled: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
