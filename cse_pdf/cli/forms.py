"""Commands on forms and single files: forms, fields, generate, read, score, stamp."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from cse_pdf.assess.claims import assess_return
from cse_pdf.base.errors import CsePdfError, OutputError, ValuesError, debugging
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.base.private_files import check_output, same_file, write_output
from cse_pdf.base.safe_names import shown
from cse_pdf.blank.generate import generate as generate_pdf
from cse_pdf.cli.boundary import show_failure
from cse_pdf.cli.common import (
    ENCRYPT_OPTION,
    FORCE_OPTION,
    LAYOUT_OPTION,
    PASSWORD_OPTION,
    dump,
    layout_spec,
    passwords,
)
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.dates import DateUnreadable, parse_date
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.encryption import encrypt_pdf
from cse_pdf.returned.guard import GuardedReader, guarded
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp as stamp_form


@click.command()
def forms() -> None:
    """List the available forms: id, version and title."""
    for spec in current_forms():
        click.echo(f"{spec.id}\t{spec.version}\t{spec.title}")


@click.command()
@click.argument("form")
def fields(form: str) -> None:
    """Print every field of FORM (an id or a layout YAML path) as JSON."""
    spec = find_form(form)
    dump({
        "form": {"id": spec.id, "version": spec.version, "title": spec.title},
        "fields": [
            {"id": f.id, "type": f.type, "label": f.label, "tooltip": f.help_text, "required": f.required,
             "options": [{"value": o.value, "label": o.label} for o in f.options]}
            for f in spec.fields
        ],
    })


def _load_values(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:  # where and what, never the text around it (it may be case data)
        raise ValuesError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", path) from None
    except (OSError, ValueError) as exc:
        raise ValuesError(f"cannot read prefill values as JSON ({type(exc).__name__})", path) from None
    if isinstance(data, dict) and isinstance(data.get("values"), dict):
        data = data["values"]  # the output of `cse-pdf read` works as it is
    if not isinstance(data, dict):
        raise ValuesError("prefill values must be a JSON object of field id → value", path)
    return data


@click.command()
@click.argument("form")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF (default: FORM-ID.pdf here).")
@click.option("--prefill", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON of field id → value (the shape `cse-pdf read` prints) to fill in; still editable.")
@click.option("--instance", default="", metavar="ID", help="A copy id to carry in the form (letters, digits, - _ .).")
@FORCE_OPTION
def generate(form: str, output: Path | None, prefill: Path | None, instance: str, force: bool) -> None:
    """Write the fillable PDF of FORM (an id or a layout YAML path)."""
    spec = find_form(form)
    out = output or Path(f"{spec.id}.pdf")
    inputs = [p for p in (prefill, Path(form)) if p is not None and p.exists()]
    check_output(out, force, inputs)  # before any work: a file there is kept unless --force
    values = _load_values(prefill) if prefill else None
    try:
        data = generate_pdf(spec, values, instance)
    except ValueError as exc:
        raise ValuesError(str(exc)) from None
    write_output(out, data, force, private=bool(values))  # a prefilled form may hold case data
    click.echo(f"wrote {shown(out)} ({spec.id} version {spec.version}{', prefilled' if values else ''})")
    for field_id, problem in unreadable_dates(spec, values or {}):
        click.echo(f"cse-pdf: warning: {field_id}: {problem}; written as given, but no age or date rule can "
                   "use it until it is corrected", err=True)


def unreadable_dates(spec: FormSpec, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field id, what is wrong) for each prefilled date that cannot be read, such as 31/02/2010: the form
    still takes it, as a worker's viewer would, but the age rules would silently skip it. Never the value."""
    found = []
    for field_id, value in values.items():
        field = spec.field_map.get(field_id)
        if field is None or field.type != "date" or not isinstance(value, str) or not value.strip():
            continue
        try:
            parse_date(value)
        except DateUnreadable as exc:
            found.append((field_id, str(exc)))
    return found


def _for_each_file(files: tuple[Path, ...], layout: str | None, make: Callable[[Path, FormSpec | None], dict]) -> None:
    """One JSON document for one file; JSON lines for several. A bad file never stops the rest: it gets its
    line on stderr, and the command exits with the highest of the failed files' codes."""
    spec = layout_spec(layout)
    codes: list[int] = []  # one exit code per file that failed
    reader = GuardedReader(lambda p: make(p, spec))  # one child for all the files, each under the limits
    try:
        for path in files:
            _read_one(reader, path, len(files) == 1, codes)
    finally:
        reader.close()
    if codes:
        sys.exit(max(codes))


def _read_one(reader: GuardedReader, path: Path, alone: bool, codes: list[int]) -> None:
    """One file of a batch: its failure is reported here, per file, and the batch goes on."""
    try:
        result = reader.read(path)
    except CsePdfError as exc:
        show_failure(exc)
        codes.append(exc.exit_code)
        return
    except Exception as exc:  # one file's bug must not stop the others
        if debugging():
            raise
        show_failure(exc, path)
        codes.append(ExitCode.INTERNAL_ERROR)
        return
    if alone:
        dump(result)
    else:
        click.echo(json.dumps({"file": shown(path), **result}, ensure_ascii=False))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@LAYOUT_OPTION
@PASSWORD_OPTION
def read(files: tuple[Path, ...], layout: str | None, ask_password: bool) -> None:
    """Print the form identity and every value of returned FILES as JSON."""
    password = passwords(ask_password).read
    _for_each_file(files, layout, lambda path, spec: read_form(path, spec, password).to_dict())


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@LAYOUT_OPTION
@PASSWORD_OPTION
def score(files: tuple[Path, ...], layout: str | None, ask_password: bool) -> None:
    """Like `read`, plus the assessment: suggested level, total, reasons, unanswered questions."""
    password = passwords(ask_password).read

    def read_and_score(path: Path, spec: FormSpec | None) -> dict:
        response = read_form(path, spec, password)
        return {**response.to_dict(), "assessment": assess_return(response).to_dict()}

    _for_each_file(files, layout, read_and_score)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the stamped copy (created readable by you only).")
@click.option("--flatten", is_flag=True, help="Lock the stamped copy: answers drawn into the pages, no fields left.")
@LAYOUT_OPTION
@PASSWORD_OPTION
@ENCRYPT_OPTION
@FORCE_OPTION
def stamp(file: Path, output: Path, flatten: bool, layout: str | None, ask_password: bool, encrypt: bool,
          force: bool) -> None:
    """Write FILE with a summary page in front and the suggested risk category filled in."""
    if os.path.lexists(output) and same_file(output, file) and not force:
        raise OutputError("the stamped copy must not overwrite the returned form it is made from; choose "
                          "another -o (or give --force to replace the return with its stamped copy)", output)
    if not same_file(output, file):
        check_output(output, force, [Path(layout)] if layout else [])
    spec = layout_spec(layout)
    given = passwords(ask_password, encrypt)

    def stamp_in_child(path: Path) -> tuple[bytes, str, bool]:
        result = stamp_form(path, flatten_fields=flatten, spec=spec, password=given.read)
        pdf = encrypt_pdf(result.pdf, given.output) if given.output else result.pdf
        return pdf, result.assessment.label, result.assessment.differs

    pdf, label, differs = guarded(stamp_in_child, file)
    write_output(output, pdf, force)  # atomic: even replacing its own return (--force) leaves one whole file
    flag = " (differs from the worker's category)" if differs else ""
    locked = ", AES-256 encrypted" if encrypt else ""
    click.echo(f"wrote {shown(output)}{locked}: suggested {label}{flag}")
