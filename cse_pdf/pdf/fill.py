"""Write values into a cse-pdf form the way a careful viewer would.

Used to prefill blanks and to write every answer, and the suggested category, into a
stamped copy. Writing is done in qpdf's document (pikepdf), the one the return was read
from. Radio groups get the value as a *name* on the parent and the matching kid switched
on (a string there confuses Poppler); every changed widget gets a fresh appearance stream
so no viewer has to guess.
"""

from __future__ import annotations

import io
import re
from typing import Any, Callable, Mapping

import pikepdf
from pikepdf import Name

from cse_pdf.base.errors import ValuesError
from cse_pdf.form.blocks import LIVE_PREFIX, WRAPPING_LIVE_FIELDS, Field
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf import appearance as ap
from cse_pdf.pdf.fields import PdfField, collect_fields, on_states
from cse_pdf.pdf.form_font import (
    FORM_FONT,
    WINANSI_FORM_FONT,
    add_form_font,
    appearance_resources,
    has_field_resources,
)


def as_option_values(spec: FormSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values with a JSON number given for a choice written as the option it equals (3 → "3"): export values
    are text in a PDF, but a person writing `{"risk.drug_use": 3}` means the option 3. Anything else is
    left as it is, for `check_values` to judge."""
    return {fid: _option_for_number(spec.field_map.get(fid), value) for fid, value in values.items()}


def _option_for_number(field: Field | None, value: Any) -> Any:
    if field is None or field.type not in ("radio", "dropdown") or isinstance(value, bool) \
            or not isinstance(value, (int, float)):
        return value
    for option in field.options:
        try:
            if float(option.value) == value:
                return option.value
        except ValueError:
            continue
    return value


def check_values(spec: FormSpec, values: Mapping[str, Any]) -> None:
    """Refuse values that do not fit the spec, naming the field (never echoing the value)."""
    for fid, value in values.items():
        field = spec.field_map.get(fid)
        if field is None:
            raise ValuesError(f"{fid!r} is not a field of form {spec.id} (see `cse-pdf fields {spec.id}`)")
        if value is None:
            continue
        if field.type == "checkbox":
            if not isinstance(value, bool):
                raise ValuesError(f"{fid}: a checkbox takes true or false")
        elif field.type in ("radio", "dropdown"):
            if not isinstance(value, str) or value not in {o.value for o in field.options}:
                allowed = ", ".join(o.value for o in field.options)
                raise ValuesError(f"{fid}: not one of its options ({allowed})")
        elif not isinstance(value, str):
            raise ValuesError(f"{fid}: a {field.type} field takes text")


def fill(pdf: pikepdf.Pdf, spec: FormSpec, values: Mapping[str, Any],
         fields: Mapping[str, PdfField] | None = None) -> None:
    """Set each given field; a None value clears it. `fields` are the document's own, when already found."""
    check_values(spec, values)
    fields = collect_fields(pdf) if fields is None else fields
    drawn = _Drawn(pdf)
    for fid, value in values.items():
        pdf_field = fields.get(fid)
        if pdf_field is None:
            raise ValuesError(f"the PDF has no field {fid!r}; was it made from form {spec.id} version {spec.version}?")
        _set(drawn, spec.field_map[fid], pdf_field, value)


def fill_calculated(pdf: pikepdf.Pdf, outputs: Mapping[str, str],
                    fields: Mapping[str, PdfField] | None = None) -> None:
    """Write the live-scoring fields (those the form has) with the given text and fresh appearances."""
    fields = collect_fields(pdf) if fields is None else fields
    drawn = _Drawn(pdf)
    for name, text in outputs.items():
        pdf_field = fields.get(f"{LIVE_PREFIX}.{name}")
        if pdf_field is not None:
            kind = "multiline" if name in WRAPPING_LIVE_FIELDS else "text"
            _set(drawn, Field(id=f"{LIVE_PREFIX}.{name}", type=kind, label=name), pdf_field, text)


def fill_bytes(data: bytes, spec: FormSpec, values: Mapping[str, Any]) -> bytes:
    """A copy of the form in `data` with `values` written in: the same bytes for the same input."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fill(pdf, spec, values)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def _child(parent: Any, key: str) -> pikepdf.Dictionary:
    """parent[key] as a dictionary, made if missing (or not a dictionary)."""
    if not isinstance(parent.get(key), pikepdf.Dictionary):
        parent[key] = pikepdf.Dictionary()
    return parent[key]


class _Drawn:
    """The appearances one fill makes. A tick, a dot, an off state or an empty box of one size is the
    same picture wherever it is, so it is made once and shared: a form has hundreds of such widgets
    and a handful of sizes, and making each its own stream was most of a stamp's filling time."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        fonts = _child(_child(_child(pdf.Root, "/AcroForm"), "/DR"), "/Font")
        # the form's fonts, added back if the form predates them or a viewer's save dropped them
        if f"/{FORM_FONT}" not in fonts:
            fonts[f"/{FORM_FONT}"] = add_form_font(pdf)
        if "/ZaDb" not in fonts:  # the /DA of tick boxes and radios names it: viewers draw their own marks with it
            fonts["/ZaDb"] = ap.standard_font(pdf, "ZapfDingbats")
        self.sans = fonts[f"/{FORM_FONT}"]
        self.sans_winansi = fonts.get(f"/{WINANSI_FORM_FONT}")  # absent from blanks made before it
        self._shared: dict[tuple[str, float, float], Any] = {}

    def _once(self, kind: str, width: float, height: float, make: Callable[[], Any]) -> Any:
        key = (kind, round(width, 2), round(height, 2))
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    def states(self, glyph: str, on: str, width: float, height: float) -> pikepdf.Dictionary:
        """Our own tick or dot for the on-state, drawn as a path: some viewers' appearances print wrongly elsewhere
        (MuPDF's WinAnsi-encoded ZapfDingbats tick shows as "3" in Poppler), and all name an unembedded font."""
        return pikepdf.Dictionary(N=pikepdf.Dictionary({
            "/" + on: self._once(glyph, width, height, lambda: ap.symbol(self.pdf, glyph, width, height)),
            "/Off": self._once("off", width, height, lambda: ap.empty(self.pdf, width, height))}))

    def text(self, shown: str, width: float, height: float, multiline: bool,
             size: float = ap.FONT_SIZE, widget: Any = None) -> pikepdf.Dictionary:
        """A text box's appearance. Where the field keeps the viewers on the Unicode font with its own /DR, the
        appearance offers qpdf the WinAnsi font under the /DA's name (form_font.appearance_resources)."""
        winansi = self.sans_winansi if widget is not None and has_field_resources(widget) else None
        if shown:
            stream = ap.text(self.pdf, shown, width, height, multiline, self.sans, size, winansi)
        else:
            stream = self._once("empty-winansi" if winansi is not None else "empty", width, height, lambda: ap.empty(
                self.pdf, width, height, appearance_resources(self.pdf, self.sans, winansi), marked=True))
        return pikepdf.Dictionary(N=stream)


_DA_SIZE = re.compile(rb"(\d+(?:\.\d+)?)\s+Tf")


def _da_size(widget: Any, f: PdfField) -> float:
    """The font size the widget's /DA (or its field's) asks for; auto (0) or none: the usual size. Drawing at it
    is what a viewer does, so the stamped copy's calculated boxes (7.5) look like the worker's."""
    for node in (widget, *f.terminals):
        da = node.get("/DA")
        if da is not None:
            found = _DA_SIZE.findall(bytes(da))
            size = float(found[-1]) if found else 0.0
            return size if size > 0 else ap.FONT_SIZE
    return ap.FONT_SIZE


def _drop(obj: Any, key: str) -> None:
    if key in obj:
        del obj[key]


def _set(drawn: _Drawn, field: Field, f: PdfField, value: Any) -> None:
    # every terminal of the name gets the value: a second (hidden) one left as it was would make the
    # written copy read two ways again
    nodes = f.terminals
    if field.type == "checkbox":
        (on,) = on_states(f)[:1] or ("Yes",)
        state = Name("/" + on if value else "/Off")
        for node in nodes:
            node[Name.V] = state
        for w in f.widgets:
            w[Name.AP] = drawn.states(ap.CHECK, on, *ap.rect_size(w))
            w[Name.AS] = state
        return
    if field.type == "radio":
        for node in nodes:
            if value is None:
                _drop(node, "/V")
            else:
                node[Name.V] = Name("/" + value)
        for w, on in zip(f.widgets, on_states(f)):
            _drop(w, "/V")
            w[Name.AP] = drawn.states(ap.DOT, on, *ap.rect_size(w))
            w[Name.AS] = Name("/" + on if value is not None and on == value else "/Off")
        return
    # text, multiline, date, dropdown: /V is the text (or export value), the appearance shows it
    for node in nodes:
        if value is None or value == "":
            _drop(node, "/V")
        else:
            node[Name.V] = pikepdf.String(value)
    if value is None or value == "":
        shown = ""
    else:
        shown = field.option_label(value) if field.type == "dropdown" else value
    for w in f.widgets:
        w[Name.AP] = drawn.text(shown, *ap.rect_size(w), field.type == "multiline", _da_size(w, f), w)
