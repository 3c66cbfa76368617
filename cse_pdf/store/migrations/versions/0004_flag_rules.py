"""Flag rules: beside each assessment's flags (their words), the index of the rule that raised each.

The Board report counts flags by rule. Until now it matched each flag's words against patterns rebuilt
from the layout's flag templates, so re-wording a flag, or a template with `(`, `*` or look-alike
placeholders in it, silently changed a count. From here every flag is stored with its rule.

Rows recorded before this migration are given their rules here, exactly, by scoring their recorded
values again with the layout version they were read with: the same rules on the same answers raise the
same flags. Only where the flags come out word for word as recorded are the rule indexes written; a row
whose layout version is not installed (a layout given by path), or whose flags came out otherwise, keeps
NULL, and the report counts it under no flag rule (and, having flags, not under "No flag raised" either).
Unlike the other migrations this one uses the scorer of the release that ships it, on purpose: it is the
only thing that knows which rule raised a flag.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

"""
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_CHUNK = 500

_assessments = sa.table("assessments", sa.column("submission_id", sa.Integer), sa.column("flags", JSON),
                        sa.column("flag_rules", JSON))
_submissions = sa.table("submissions", sa.column("id", sa.Integer), sa.column("form_id", sa.String),
                        sa.column("form_version", sa.String))
_values = sa.table("submission_values", sa.column("submission_id", sa.Integer), sa.column("field_id", sa.String),
                   sa.column("field_type", sa.String), sa.column("value_text", sa.Text),
                   sa.column("value_bool", sa.Boolean))


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("flag_rules", JSON, nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_assessments.c.submission_id, _assessments.c.flags, _submissions.c.form_id,
                                  _submissions.c.form_version)
                        .join(_submissions, _submissions.c.id == _assessments.c.submission_id)).all()
    updates = [{"sid": sid, "rules": []} for sid, flags, _, _ in rows if not flags]
    flagged = [(sid, list(flags), form_id, version) for sid, flags, form_id, version in rows if flags]
    for i in range(0, len(flagged), _CHUNK):
        chunk = flagged[i:i + _CHUNK]
        values = _recorded_values(conn, [sid for sid, *_ in chunk])
        for sid, flags, form_id, version in chunk:
            rules = _rules_of(form_id, version, values.get(sid, {}), flags)
            if rules is not None:
                updates.append({"sid": sid, "rules": rules})
    if updates:
        conn.execute(sa.update(_assessments).where(_assessments.c.submission_id == sa.bindparam("sid"))
                     .values(flag_rules=sa.bindparam("rules", type_=JSON)), updates)


def _recorded_values(conn: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The answers as the reader gave them to the scorer: ticks as booleans, everything else as text."""
    out: dict[int, dict[str, Any]] = {}
    for sid, fid, ftype, text, tick in conn.execute(
            sa.select(_values.c.submission_id, _values.c.field_id, _values.c.field_type, _values.c.value_text,
                      _values.c.value_bool).where(_values.c.submission_id.in_(ids))):
        out.setdefault(sid, {})[fid] = tick if ftype == "checkbox" else text
    return out


def _rules_of(form_id: str, version: str, values: dict[str, Any], flags: list[str]) -> list[int] | None:
    from cse_pdf.assess.score import assess
    from cse_pdf.base.errors import CsePdfError
    from cse_pdf.form.catalog import find_form

    try:
        spec = find_form(form_id, version)
    except CsePdfError:
        return None
    if spec.scoring is None:
        return None
    again = assess(spec, values)
    return again.flag_rules if again.flags == flags else None


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("flag_rules")
