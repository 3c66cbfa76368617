"""Bring a database's schema up to date on open, with the Alembic migrations shipped in the package.

The migrations are found as package resources (`cse_pdf.store:migrations`), never by
a path relative to a checkout, so an installed wheel migrates its database too.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from cse_pdf.base.errors import StoreError
from cse_pdf.store.engine import WRITE

SCRIPT_LOCATION = "cse_pdf.store:migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(engine: Engine, where: str) -> None:
    """Run any migrations the database has not had; refuse a database made by a newer cse-pdf."""
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    current = current_revisions(engine)
    if current == set(script.get_heads()):
        return
    unknown = [r for r in current if not _known(script, r)]
    if unknown:
        raise StoreError(f"was made by a newer cse-pdf (schema {', '.join(sorted(unknown))}); "
                         "upgrade cse-pdf to use it", where)
    with engine.connect() as conn:
        # env.py runs every step in this one transaction (a writer's, on SQLite), so two processes
        # opening a new database at once take turns and the second finds it up to date.
        cfg.attributes["connection"] = conn.execution_options(**{WRITE: True})
        command.upgrade(cfg, "head")
