"""Alembic's entry point: run the migrations on the connection cse-pdf hands over, in one transaction."""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import context

from cse_pdf.store.models import Base

MIGRATION_LOCK = zlib.crc32(b"cse-pdf schema migration")  # PostgreSQL advisory lock key


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("cse-pdf migrations run from cse_pdf.store (Store.open), not from the alembic command")
    with connection.begin():
        if connection.dialect.name == "postgresql":  # concurrent first opens take turns
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.configure(connection=connection, target_metadata=Base.metadata, transactional_ddl=True,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        context.run_migrations()


run()
