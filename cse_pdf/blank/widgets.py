"""Placements → a real AcroForm, built field by field with pypdf.

Done by hand rather than with reportlab's acroForm because its defaults are
wrong for this product (Required flags, MaxLen 100, periods inside partial
names, no hierarchy): see shared/PDF_FORMS_NOTES.md.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from cse_pdf.blank.layout import Placement, placements_by_field
from cse_pdf.blank.live_scoring import calculate_script
from cse_pdf.form.blocks import IDENTITY_FIELD, LIVE_FIELDS, LIVE_PREFIX, WRAPPING_LIVE_FIELDS, Field
from cse_pdf.form.identity import Identity
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf import appearance as ap
from cse_pdf.pdf.form_font import (
    FORM_FONT,
    WINANSI_FORM_FONT,
    add_form_fonts,
    appearance_resources,
    field_resources,
    winansi_can_encode,
)

# field flags (ISO 32000 table 221, 226, 228, 230)
FF_READ_ONLY = 1
FF_MULTILINE = 1 << 12
FF_RADIO = 1 << 15
FF_COMBO = 1 << 17
FF_DO_NOT_SPELL_CHECK = 1 << 22
ANNOT_PRINT = 4
ANNOT_HIDDEN = 2

DA_TEXT = f"/{FORM_FONT} {ap.FONT_SIZE:g} Tf 0 g"  # viewers type with the embedded Unicode font
DA_SYMBOL = "/ZaDb 0 Tf 0 g"
DA_CALCULATED = f"/{FORM_FONT} 7.5 Tf 0 g"  # reasons and flags: several lines in a small box
# dates and drop-downs whose options WinAnsi holds: a font pdftk and qpdf can type with too (form_font.py)
DA_WINANSI = f"/{WINANSI_FORM_FONT} {ap.FONT_SIZE:g} Tf 0 g"
DATE_FORMAT = "dd/mm/yyyy"
# The date scripts end without ";" on purpose. pdf.js (Firefox) turns a field into an HTML date
# input when its /K and /F scripts match this test (pdfjs-dist 5.4.624 legacy/build/pdf.worker.mjs,
# TextWidgetAnnotation; the same line in Firefox ESR 153's own pdf.js):
#     /^AF(Date|Time)_(?:Keystroke|Format)(?:Ex)?\(['"]?([^'"]+)['"]?\);$/
# - the ";" is required. A field so recognised is sent to storage as a raw number when the
# sandbox starts, and on a second save a date on a page not yet drawn is written EMPTY (see
# layouts/README.md). Without the ";" pdf.js keeps it a text field: the dates survive, the
# keystroke script still runs, and Firefox shows no date picker. Other viewers run the script
# the same with or without the ";".
DATE_KEYSTROKE = f'AFDate_KeystrokeEx("{DATE_FORMAT}")'
DATE_FORMAT_SCRIPT = f'AFDate_FormatEx("{DATE_FORMAT}")'
DATE_SCRIPTS = (DATE_KEYSTROKE, DATE_FORMAT_SCRIPT)
# What forms generated before that change carry (blanks already sent out, returns in samples/).
LEGACY_DATE_SCRIPTS = (DATE_KEYSTROKE + ";", DATE_FORMAT_SCRIPT + ";")


def _name(v: str) -> NameObject:
    return NameObject("/" + v)


@lru_cache(maxsize=16)
def _compressed_script(script: str) -> bytes:
    """A calculate action's script compressed, remembered: the runtime and the form's rules, the same for every
    copy of a form (four of them in each, tens of kilobytes at level 9)."""
    return zlib.compress(script.encode("ascii"), 9)


class AcroFormBuilder:
    def __init__(self, writer: PdfWriter) -> None:
        self.w = writer
        # each page's reference, looked up once: pypdf's writer.pages[i] walks its page list on every call
        self.page_refs = [page.indirect_reference for page in writer.pages]
        self.helv = ap.standard_font(writer, "Helvetica", "WinAnsiEncoding", name="Helv")
        self.zadb = ap.standard_font(writer, "ZapfDingbats", name="ZaDb")
        self.sans, self.sans_winansi = add_form_fonts(writer)
        self.text_field_fonts = field_resources(writer, self.sans)  # one /DR shared by every free-text field
        self.top_fields = ArrayObject()
        self.parents: dict[str, IndirectObject] = {}
        self.annots: dict[int, list[IndirectObject]] = {}
        self.calculation_order = ArrayObject()

    # -- tree ----------------------------------------------------------------------------------
    def _parent_of(self, dotted: str) -> IndirectObject | None:
        """The non-terminal node for `a.b` (created on first use), so names are real hierarchy."""
        if not dotted:
            return None
        if dotted in self.parents:
            return self.parents[dotted]
        head, _, last = dotted.rpartition(".")
        node = DictionaryObject({NameObject("/T"): TextStringObject(last), NameObject("/Kids"): ArrayObject()})
        grand = self._parent_of(head)
        ref = self.w._add_object(node)
        self._attach(ref, node, grand)
        self.parents[dotted] = ref
        return ref

    def _attach(self, ref: IndirectObject, node: DictionaryObject, parent: IndirectObject | None) -> None:
        if parent is None:
            self.top_fields.append(ref)
        else:
            node[NameObject("/Parent")] = parent
            parent.get_object()["/Kids"].append(ref)

    def _widget(self, p: Placement, extra: dict) -> DictionaryObject:
        page_ref = self.page_refs[p.page]
        d = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([ap.number(v) for v in p.rect]),
            NameObject("/F"): NumberObject(ANNOT_PRINT),
            NameObject("/P"): page_ref,
        })
        d.update(extra)
        return d

    def _register_widget(self, page: int, ref: IndirectObject) -> None:
        self.annots.setdefault(page, []).append(ref)

    # -- fields --------------------------------------------------------------------------------
    def add_field(self, field: Field, placements: list[Placement]) -> None:
        head, _, last = field.id.rpartition(".")
        parent = self._parent_of(head)
        common = {
            NameObject("/T"): TextStringObject(last),
            NameObject("/TU"): TextStringObject(field.help_text),
        }
        if field.type == "radio":
            self._radio(field, placements, common, parent)
            return
        (p,) = placements
        width, height = p.rect[2] - p.rect[0], p.rect[3] - p.rect[1]
        if field.type == "checkbox":
            extra = {
                NameObject("/FT"): NameObject("/Btn"), NameObject("/Ff"): NumberObject(0),
                NameObject("/V"): NameObject("/Off"), NameObject("/AS"): NameObject("/Off"),
                NameObject("/DA"): TextStringObject(DA_SYMBOL),
                NameObject("/MK"): DictionaryObject({NameObject("/CA"): TextStringObject(ap.CHECK)}),
                NameObject("/AP"): DictionaryObject({NameObject("/N"): DictionaryObject({
                    NameObject("/Yes"): ap.symbol(self.w, ap.CHECK, width, height),
                    NameObject("/Off"): ap.empty(self.w, width, height)})}),
            }
        else:
            flags = FF_MULTILINE if field.type == "multiline" else 0
            winansi = self._winansi_values(field)
            extra = {
                NameObject("/FT"): NameObject("/Ch" if field.type == "dropdown" else "/Tx"),
                NameObject("/DA"): TextStringObject(DA_WINANSI if winansi else DA_TEXT),
                NameObject("/Q"): NumberObject(0),
                NameObject("/MK"): DictionaryObject(),
                NameObject("/AP"): DictionaryObject({NameObject("/N"): ap.empty(
                    self.w, width, height, self._empty_box_fonts(winansi), marked=True)}),
            }
            if not winansi:
                extra[NameObject("/DR")] = self.text_field_fonts
            if field.type == "dropdown":
                flags |= FF_COMBO
                extra[NameObject("/Opt")] = ArrayObject(
                    ArrayObject([TextStringObject(o.value), TextStringObject(o.label)]) for o in field.options)
            if field.type == "date":
                flags |= FF_DO_NOT_SPELL_CHECK
                extra[NameObject("/AA")] = DictionaryObject({  # typos caught while typing, in viewers with JS
                    NameObject("/K"): self._js(DATE_KEYSTROKE),  # no ";": see DATE_KEYSTROKE
                    NameObject("/F"): self._js(DATE_FORMAT_SCRIPT),
                })
            extra[NameObject("/Ff")] = NumberObject(flags)
        node = self._widget(p, {**common, **extra})
        ref = self.w._add_object(node)
        self._attach(ref, node, parent)
        self._register_widget(p.page, ref)

    def _empty_box_fonts(self, winansi: bool) -> DictionaryObject:
        """An empty box's appearance resources. A free-text box's /CseSans here is the WinAnsi font, for qpdf
        (form_font.appearance_resources); its field's own /DR keeps the viewers on the Unicode font."""
        if winansi:
            return ap.font_resources(self.w, **{FORM_FONT: self.sans})
        return appearance_resources(self.w, self.sans, self.sans_winansi)

    @staticmethod
    def _winansi_values(field: Field) -> bool:
        """Whether every value the field can hold is WinAnsi: a date (digits and /), or a drop-down (not
        editable) whose option labels all are."""
        if field.type == "date":
            return True
        return field.type == "dropdown" and all(winansi_can_encode(o.label) for o in field.options)

    def _radio(self, field: Field, placements: list[Placement], common: dict, parent: IndirectObject | None) -> None:
        node = DictionaryObject({
            **common,
            NameObject("/FT"): NameObject("/Btn"),
            NameObject("/Ff"): NumberObject(FF_RADIO),  # toggling off allowed: a worker can un-answer
            NameObject("/DA"): TextStringObject(DA_SYMBOL),
            NameObject("/Kids"): ArrayObject(),
        })
        ref = self.w._add_object(node)
        self._attach(ref, node, parent)
        for p in placements:
            width, height = p.rect[2] - p.rect[0], p.rect[3] - p.rect[1]
            assert p.export is not None
            kid = self._widget(p, {
                NameObject("/Parent"): ref,
                NameObject("/TU"): TextStringObject(f"{field.help_text}: {field.option_label(p.export)}"),
                NameObject("/AS"): NameObject("/Off"),
                NameObject("/DA"): TextStringObject(DA_SYMBOL),
                NameObject("/MK"): DictionaryObject({NameObject("/CA"): TextStringObject(ap.DOT)}),
                NameObject("/AP"): DictionaryObject({NameObject("/N"): DictionaryObject({
                    _name(p.export): ap.symbol(self.w, ap.DOT, width, height),
                    NameObject("/Off"): ap.empty(self.w, width, height)})}),
            })
            kid_ref = self.w._add_object(kid)
            node["/Kids"].append(kid_ref)
            self._register_widget(p.page, kid_ref)

    def _js(self, script: str) -> IndirectObject:
        """A JavaScript action; long scripts go in a compressed stream."""
        action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript")})
        if len(script) < 200:
            action[NameObject("/JS")] = TextStringObject(script)
        else:
            stream = StreamObject()
            stream._data = _compressed_script(script)
            stream[NameObject("/Filter")] = NameObject("/FlateDecode")
            action[NameObject("/JS")] = self.w._add_object(stream)
        return self.w._add_object(action)

    def add_calculated(self, spec: FormSpec, p: Placement) -> None:
        """A read-only field the viewer fills from the scoring rules; listed in /CO so it calculates."""
        name = p.field_id.rpartition(".")[2]
        width, height = p.rect[2] - p.rect[0], p.rect[3] - p.rect[1]
        multiline = name in WRAPPING_LIVE_FIELDS
        node = self._widget(p, {
            NameObject("/T"): TextStringObject(name),
            NameObject("/TU"): TextStringObject(f"{LIVE_FIELDS[name]} (calculated by the form; cse-pdf checks it)"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/Ff"): NumberObject(FF_READ_ONLY | FF_DO_NOT_SPELL_CHECK | (FF_MULTILINE if multiline else 0)),
            NameObject("/DA"): TextStringObject(DA_CALCULATED if multiline else DA_TEXT),
            NameObject("/Q"): NumberObject(0),
            NameObject("/MK"): DictionaryObject(),
            NameObject("/AA"): DictionaryObject({NameObject("/C"): self._js(calculate_script(spec, name))}),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): ap.empty(
                self.w, width, height, self._empty_box_fonts(False), marked=True)}),
            NameObject("/DR"): self.text_field_fonts,
        })
        ref = self.w._add_object(node)
        self._attach(ref, node, self._parent_of(LIVE_PREFIX))
        self._register_widget(p.page, ref)
        self.calculation_order.append(ref)

    def add_identity(self, identity: Identity) -> None:
        """A hidden, read-only text field: field values survive every viewer's save, metadata may not."""
        value = identity.encode()
        node = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/F"): NumberObject(ANNOT_HIDDEN),
            NameObject("/P"): self.page_refs[0],
            NameObject("/T"): TextStringObject(IDENTITY_FIELD),
            NameObject("/TU"): TextStringObject("cse-pdf form identity (do not edit)"),
            NameObject("/FT"): NameObject("/Tx"), NameObject("/Ff"): NumberObject(FF_READ_ONLY),
            NameObject("/V"): TextStringObject(value),
            NameObject("/DA"): TextStringObject(DA_TEXT),
        })
        ref = self.w._add_object(node)
        self.top_fields.append(ref)
        self._register_widget(0, ref)

    def finish(self) -> None:
        for page_no, refs in self.annots.items():
            page = self.w.pages[page_no]
            annots = page.get("/Annots")
            existing = list(annots.get_object()) if annots is not None else []
            page[NameObject("/Annots")] = ArrayObject(existing + refs)
        acroform = DictionaryObject({
            NameObject("/Fields"): self.top_fields,
            NameObject("/DA"): TextStringObject(DA_TEXT),
            NameObject("/DR"): ap.font_resources(self.w, Helv=self.helv, ZaDb=self.zadb, **{
                FORM_FONT: self.sans, WINANSI_FORM_FONT: self.sans_winansi}),
        })
        if self.calculation_order:  # without /CO no viewer runs calculate actions
            acroform[NameObject("/CO")] = self.calculation_order
        self.w._root_object[NameObject("/AcroForm")] = self.w._add_object(acroform)


def build_acroform(writer: PdfWriter, spec: FormSpec, placements: list[Placement], identity: Identity) -> None:
    """Add every spec field, in reading order, at the places the layout recorded."""
    by_field = placements_by_field(placements)
    builder = AcroFormBuilder(writer)
    missing = [f.id for f in spec.fields if f.id not in by_field]
    if missing:
        raise RuntimeError(f"layout drew no widget for {missing}")
    # /Annots in spec order: the layout lists fields (and options) in reading order, which is the
    # tab order a worker expects; the flow draws grids row by row, which is not.
    calculated = [p for p in placements if p.kind == "calculated"]
    if spec.live_after is None:  # a live block before any question
        for p in calculated:
            builder.add_calculated(spec, p)
    for field in spec.fields:
        placed = by_field[field.id]
        if field.type == "radio":
            rank = {o.value: i for i, o in enumerate(field.options)}
            placed = sorted(placed, key=lambda p: rank[p.export])
        builder.add_field(field, placed)
        if field.id == spec.live_after:  # calculated fields where the page shows them, in tab order
            for p in calculated:
                builder.add_calculated(spec, p)
    builder.add_identity(identity)
    builder.finish()
