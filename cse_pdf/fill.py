"""Write values into a cse-pdf form the way a careful viewer would.

Used to prefill blanks and to write the suggested category into a stamped copy.
Radio groups get the value as a *name* on the parent and the matching kid
switched on (pypdf's own setter writes a string and confuses Poppler); every
changed widget gets a fresh appearance stream so no viewer has to guess.
"""

from __future__ import annotations

from typing import Any, Mapping

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from . import appearance as ap
from .errors import ValuesError
from .form_font import FORM_FONT, add_form_font
from .pdf_fields import PdfField, collect_fields, on_states
from .spec import LIVE_PREFIX, Field, FormSpec


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


def fill(writer: PdfWriter, spec: FormSpec, values: Mapping[str, Any]) -> None:
    """Set each given field; a None value clears it."""
    check_values(spec, values)
    fields = collect_fields(writer)
    sans = _form_font(writer)
    for fid, value in values.items():
        pdf_field = fields.get(fid)
        if pdf_field is None:
            raise ValuesError(f"the PDF has no field {fid!r}; was it made from form {spec.id} version {spec.version}?")
        _set(writer, spec.field_map[fid], pdf_field, value, sans)


def fill_calculated(writer: PdfWriter, outputs: Mapping[str, str]) -> None:
    """Write the live-scoring fields (those the form has) with the given text and fresh appearances."""
    fields = collect_fields(writer)
    sans = _form_font(writer)
    for name, text in outputs.items():
        pdf_field = fields.get(f"{LIVE_PREFIX}.{name}")
        if pdf_field is not None:
            kind = "multiline" if name in ("why", "flags") else "text"
            _set(writer, Field(id=f"{LIVE_PREFIX}.{name}", type=kind, label=name), pdf_field, text, sans)


def _dr_fonts(writer: PdfWriter) -> DictionaryObject:
    acro = writer._root_object["/AcroForm"].get_object()
    dr = acro.setdefault(NameObject("/DR"), DictionaryObject()).get_object()
    return dr.setdefault(NameObject("/Font"), DictionaryObject()).get_object()


def _font(writer: PdfWriter, name: str, base: str) -> Any:
    """The form's /DR font `name`, added if a viewer's save dropped it."""
    fonts = _dr_fonts(writer)
    if f"/{name}" not in fonts:
        fonts[NameObject(f"/{name}")] = ap.standard_font(writer, base)
    return fonts.raw_get(f"/{name}")


def _form_font(writer: PdfWriter) -> Any:
    """The form's CseSans, embedded now if the form predates it or a viewer's save dropped it."""
    fonts = _dr_fonts(writer)
    if f"/{FORM_FONT}" not in fonts:
        fonts[NameObject(f"/{FORM_FONT}")] = add_form_font(writer)
    return fonts.raw_get(f"/{FORM_FONT}")


def _symbol_states(writer: PdfWriter, widget: DictionaryObject, on: str, glyph: str) -> None:
    """Our own tick or dot for the on-state: some viewers' appearances print wrongly elsewhere
    (MuPDF's WinAnsi-encoded ZapfDingbats tick shows as "3" in Poppler)."""
    width, height = ap.rect_size(widget)
    zadb = _font(writer, "ZaDb", "ZapfDingbats")
    widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): DictionaryObject({
        NameObject("/" + on): ap.symbol(writer, glyph, width, height, zadb),
        NameObject("/Off"): ap.empty(writer, width, height)})})


def _set(writer: PdfWriter, field: Field, f: PdfField, value: Any, sans: Any) -> None:
    node = f.node
    if field.type == "checkbox":
        (on,) = on_states(f)[:1] or ("Yes",)
        state = NameObject("/" + on if value else "/Off")
        node[NameObject("/V")] = state
        for w in f.widgets:
            _symbol_states(writer, w, on, ap.CHECK)
            w[NameObject("/AS")] = state
        return
    if field.type == "radio":
        if value is None:
            node.pop("/V", None)
        else:
            node[NameObject("/V")] = NameObject("/" + value)
        for w, on in zip(f.widgets, on_states(f)):
            w.pop("/V", None)
            _symbol_states(writer, w, on, ap.DOT)
            w[NameObject("/AS")] = NameObject("/" + on if value is not None and on == value else "/Off")
        return
    # text, multiline, date, dropdown: /V is the text (or export value), the appearance shows it
    if value is None or value == "":
        node.pop("/V", None)
        shown = ""
    else:
        node[NameObject("/V")] = TextStringObject(value)
        shown = field.option_label(value) if field.type == "dropdown" else value
    for w in f.widgets:
        width, height = ap.rect_size(w)
        stream = (ap.text(writer, shown, width, height, field.type == "multiline", sans) if shown
                  else ap.empty(writer, width, height, ap.font_resources(**{FORM_FONT: sans}), marked=True))
        w[NameObject("/AP")] = DictionaryObject({NameObject("/N"): stream})
