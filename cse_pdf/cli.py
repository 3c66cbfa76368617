"""The `cse-pdf` command: thin click wrappers that call one library function each and print."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .catalog import current_forms, find_form
from .errors import CsePdfError, ValuesError
from .generate import generate as generate_pdf
from .guard import guarded
from .read import read_form
from .live import assess_return
from .spec import FormSpec
from .stamp import stamp as stamp_form, write_private


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(exc: CsePdfError) -> None:
    click.echo(f"cse-pdf: error: {exc}", err=True)


def _run(action: Callable[[], None]) -> None:
    """One line on stderr and a meaningful exit code for every failure; never a traceback."""
    try:
        action()
    except CsePdfError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug, not bad input: say so in one line, never echo form contents
        if os.environ.get("CSE_PDF_DEBUG"):
            raise
        click.echo(f"cse-pdf: internal error ({type(exc).__name__}); please report it, with CSE_PDF_DEBUG=1 "
                   "set for the details", err=True)
        sys.exit(70)


def _layout(layout: str | None) -> FormSpec | None:
    return find_form(layout) if layout else None


def _for_each_file(files: tuple[Path, ...], layout: str | None, make: Callable[[Path, FormSpec | None], dict]) -> None:
    """One JSON document for one file; JSON lines for several. A bad file never stops the rest."""
    try:
        spec = _layout(layout)
    except CsePdfError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    codes: list[int] = []  # one exit code per file that failed
    for path in files:
        try:
            result = guarded(lambda p: make(p, spec), path)
        except CsePdfError as exc:
            _fail(exc)
            codes.append(exc.exit_code)
            continue
        except Exception as exc:  # one file's bug must not stop the others
            if os.environ.get("CSE_PDF_DEBUG"):
                raise
            click.echo(f"cse-pdf: error: {path}: internal error ({type(exc).__name__}); please report it", err=True)
            codes.append(70)
            continue
        if len(files) == 1:
            _dump(result)
        else:
            click.echo(json.dumps({"file": str(path), **result}, ensure_ascii=False))
    if codes:
        sys.exit(max(codes))


LAYOUT_OPTION = click.option("--layout", metavar="YAML", help="Read with this layout file instead of the installed ones.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cse-pdf")
def main() -> None:
    """Fillable PDF forms for CSE risk assessment: generate blanks, read returned forms, score and stamp them."""


@main.command()
def forms() -> None:
    """List the available forms: id, version and title."""

    def action() -> None:
        for spec in current_forms():
            click.echo(f"{spec.id}\t{spec.version}\t{spec.title}")

    _run(action)


@main.command()
@click.argument("form")
def fields(form: str) -> None:
    """Print every field of FORM (an id or a layout YAML path) as JSON."""

    def action() -> None:
        spec = find_form(form)
        _dump({
            "form": {"id": spec.id, "version": spec.version, "title": spec.title},
            "fields": [
                {"id": f.id, "type": f.type, "label": f.label, "tooltip": f.help_text, "required": f.required,
                 "options": [{"value": o.value, "label": o.label} for o in f.options]}
                for f in spec.fields
            ],
        })

    _run(action)


def _load_values(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValuesError(f"cannot read prefill values as JSON ({type(exc).__name__})", path) from None
    if isinstance(data, dict) and isinstance(data.get("values"), dict):
        data = data["values"]  # the output of `cse-pdf read` works as it is
    if not isinstance(data, dict):
        raise ValuesError("prefill values must be a JSON object of field id → value", path)
    return data


@main.command()
@click.argument("form")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF (default: FORM-ID.pdf here).")
@click.option("--prefill", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON of field id → value (the shape `cse-pdf read` prints) to fill in; still editable.")
@click.option("--instance", default="", metavar="ID", help="A copy id to carry in the form (letters, digits, - _ .).")
def generate(form: str, output: Path | None, prefill: Path | None, instance: str) -> None:
    """Write the fillable PDF of FORM (an id or a layout YAML path)."""

    def action() -> None:
        spec = find_form(form)
        values = _load_values(prefill) if prefill else None
        try:
            data = generate_pdf(spec, values, instance)
        except ValueError as exc:
            raise ValuesError(str(exc)) from None
        out = output or Path(f"{spec.id}.pdf")
        if values:
            write_private(out, data)  # a prefilled form may hold case data
        else:
            out.write_bytes(data)
        click.echo(f"wrote {out} ({spec.id} version {spec.version}{', prefilled' if values else ''})")

    _run(action)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@LAYOUT_OPTION
def read(files: tuple[Path, ...], layout: str | None) -> None:
    """Print the form identity and every value of returned FILES as JSON."""
    _for_each_file(files, layout, lambda path, spec: read_form(path, spec).to_dict())


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@LAYOUT_OPTION
def score(files: tuple[Path, ...], layout: str | None) -> None:
    """Like `read`, plus the assessment: suggested level, total, reasons, unanswered questions."""

    def make(path: Path, spec: FormSpec | None) -> dict:
        response = read_form(path, spec)
        return {**response.to_dict(), "assessment": assess_return(response).to_dict()}

    _for_each_file(files, layout, make)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the stamped copy (created readable by you only).")
@click.option("--flatten", is_flag=True, help="Lock the stamped copy: answers drawn into the pages, no fields left.")
@LAYOUT_OPTION
def stamp(file: Path, output: Path, flatten: bool, layout: str | None) -> None:
    """Write FILE with a summary page in front and the suggested risk category filled in."""

    def action() -> None:
        if output.resolve() == file.resolve():
            raise ValuesError("the stamped copy must not overwrite the returned form; choose another -o", output)
        spec = _layout(layout)

        def work(path: Path) -> tuple[bytes, str, bool]:
            result = stamp_form(path, flatten_fields=flatten, spec=spec)
            return result.pdf, result.assessment.label, result.assessment.differs

        pdf, label, differs = guarded(work, file)
        write_private(output, pdf)
        flag = " (differs from the worker's category)" if differs else ""
        click.echo(f"wrote {output}: suggested {label}{flag}")

    _run(action)


if __name__ == "__main__":
    main()
