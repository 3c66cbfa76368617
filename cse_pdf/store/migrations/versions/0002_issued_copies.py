"""Issued copies: blank forms sent to partner agencies, for `cse-pdf distribute` and `cse-pdf returns`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "issued_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("form_version", sa.String(length=32), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("agency_key", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_copies")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_issued_copies_instance_id")),
    )
    op.create_index(op.f("ix_issued_copies_form_id"), "issued_copies", ["form_id"], unique=False)
    op.create_index(op.f("ix_issued_copies_agency_key"), "issued_copies", ["agency_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_issued_copies_agency_key"), table_name="issued_copies")
    op.drop_index(op.f("ix_issued_copies_form_id"), table_name="issued_copies")
    op.drop_table("issued_copies")
