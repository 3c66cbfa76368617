"""A returned PDF → its form identity and the values typed into it.

Works from whatever the worker's viewer saved: full rewrites and incremental
updates, UTF-16 or PDFDocEncoding text, radio values written as names or (by
some libraries) as strings, on the parent or on a kid.
"""

from __future__ import annotations

import io
import logging
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pikepdf

from cse_pdf.base.errors import DamagedPdfError, EncryptedPdfError, NotACsePdfFormError, NotAPdfError, PdfInputError
from cse_pdf.base.notices import Notice, NoticeCode, messages
from cse_pdf.base.regular_files import read_regular
from cse_pdf.base.storable import storable_values
from cse_pdf.form.blocks import IDENTITY_FIELD, LIVE_PREFIX, Field
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.identity import Identity
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.encryption import READ_PASSWORD_ENV
from cse_pdf.pdf.fields import PdfField, PdfName, collect_fields
from cse_pdf.pdf.stream_limits import check_opened, check_page_content, check_raw
from cse_pdf.returned.printed import MAX_PAGES, WARNING, read_flattened

logging.getLogger("pypdf").setLevel(logging.ERROR)  # structure warnings are noise to a user, never content
logging.getLogger("pikepdf").setLevel(logging.ERROR)  # qpdf's repair notes, likewise
logging.getLogger("pdfminer").setLevel(logging.ERROR)  # reading a printed copy's page: "Data-loss while …", likewise

Value = str | bool | None


@dataclass
class Response:
    """What one returned form says: which form and copy, and every field's value by id."""

    spec: FormSpec
    identity: Identity
    values: dict[str, Value]
    notices: list[Notice] = field(default_factory=list)  # the reader's warnings, as codes (base/notices.py)
    flattened: bool = False  # read from the printed page, not from form fields: less certain
    calculated: dict[str, str] = field(default_factory=dict)  # what the viewer's live scoring wrote: claims

    def __post_init__(self) -> None:
        # The one place values enter scoring, stamping and the store: characters no store or format can
        # hold become U+FFFD, with a warning per field (see storable.py).
        self.values, changed = storable_values(self.values)
        self.notices = [*self.notices, *(n for n in changed if n not in self.notices)]

    @property
    def warnings(self) -> list[str]:
        """The warnings in words, as `read --json`, the summary page and the store show them."""
        return messages(self.notices)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "form": {"id": self.identity.form, "version": self.identity.version, "instance": self.identity.instance},
            "flattened": self.flattened,
            "values": self.values,
        }
        if self.calculated:
            out["calculated"] = self.calculated
        if self.warnings:
            out["warnings"] = self.warnings
        return out


class OpenedPdf:
    """A returned file opened for reading: qpdf's document (pikepdf) and the bytes it came from.

    Reading goes through qpdf because it reads a form's fields many times faster than pypdf (issue 5),
    and stamping writes into the same document. It is parsed from bytes in memory, so no file handle
    is held; `close` (or a with-block) frees qpdf's copy at once."""

    def __init__(self, pdf: pikepdf.Pdf, data: bytes, path: Path, decrypt: bool) -> None:
        self.pdf = pdf
        self.data = data
        self.path = path
        self._decrypt = decrypt
        self._plain: bytes | None = None
        self._fields: dict[str, PdfField] | None = None

    def fields(self) -> dict[str, PdfField]:
        """Its terminal fields by name, found once: reading and then stamping the same file share them."""
        if self._fields is None:
            self._fields = collect_fields(self.pdf)
        return self._fields

    def plain_bytes(self) -> bytes:
        """The bytes to read the printed pages from: for a file opened with a password, a decrypted copy."""
        if self._plain is None:
            if not self._decrypt:
                self._plain = self.data
            else:
                try:  # streams copied as they are (only decrypted): a bomb stays a few kilobytes
                    out = io.BytesIO()
                    self.pdf.save(out, encryption=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
                    self._plain = out.getvalue()
                except QPDF_ERRORS as exc:
                    raise _damaged(exc, "cannot be read", self.path) from None
        return self._plain

    def close(self) -> None:
        self.pdf.close()

    def __enter__(self) -> "OpenedPdf":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# What qpdf (through pikepdf) and its Python side raise on a broken or hostile file. MemoryError is not
# here: guard.py turns it into its one line about the memory limit.
QPDF_ERRORS = (pikepdf.PdfError, pikepdf.ForeignObjectError, ValueError, KeyError, TypeError, AttributeError,
               IndexError, RecursionError, NotImplementedError, RuntimeError, OverflowError)


def raise_if_out_of_memory(exc: BaseException) -> None:
    """qpdf reports running out of memory (std::bad_alloc under guard.py's RLIMIT_AS) wrapped in its own
    error: that is raised as MemoryError, for guard.py's one line about the memory limit."""
    if "bad_alloc" in str(exc):
        raise MemoryError from None


def _damaged(exc: BaseException, what: str, path: Path) -> DamagedPdfError:
    """The one line for a file qpdf could not read (or the memory limit's, see raise_if_out_of_memory)."""
    raise_if_out_of_memory(exc)
    return DamagedPdfError(f"is damaged and {what} ({type(exc).__name__}); ask the sender to send it again", path)


def _check_memory(pdf: pikepdf.Pdf) -> None:
    """qpdf reports an object stream it ran out of memory inflating as a warning and reads on without its
    objects; fields missing for that reason must not read as blank, so it is the memory limit's line."""
    if any("bad_alloc" in w for w in pdf.get_warnings()):
        raise MemoryError


def open_pdf(path: Path, password: str | None = None) -> OpenedPdf:
    """Open a file as a PDF or fail with one line saying what is wrong and what to do."""
    if os.path.isdir(path):
        raise PdfInputError("is a folder, not a PDF file", path)
    # a regular file only, opened without blocking: a FIFO or a device named here is refused at once
    return parse_pdf(read_regular(path), path, password)


def parse_pdf(data: bytes, path: Path, password: str | None = None) -> OpenedPdf:
    """`open_pdf` for bytes already read (ingest hashes the very bytes it reads).

    qpdf repairs a damaged cross-reference table quietly, which is what a user wants; a file cut short
    is still refused, since its missing end may have held answers. A file sent with a password is
    opened with `password`; one only restricted by an owner password opens without one."""
    if b"%PDF-" not in data[:1024]:
        raise NotAPdfError("is not a PDF file; ask the sender for the completed form as a PDF", path)
    if b"%%EOF" not in data[-2048:]:
        raise DamagedPdfError("is truncated or damaged (no end-of-file marker); ask the sender to send it again", path)
    check_raw(data, path)  # a decompression bomb is refused before qpdf (or later pdfminer) inflates anything
    try:
        with warnings.catch_warnings():  # a batch's read password meets unencrypted files too: not news
            warnings.simplefilter("ignore", UserWarning)
            pdf = _open_in_memory(data, password or "")
    except pikepdf.PasswordError:
        if password:
            raise EncryptedPdfError(f"is password-protected and the password given (from {READ_PASSWORD_ENV} "
                                    "or the prompt) does not open it; check it with the sender", path) from None
        raise EncryptedPdfError("is password-protected; give its password with --password, or ask the "
                                "sender for a copy saved without one", path) from None
    except QPDF_ERRORS as exc:
        raise _damaged(exc, "cannot be read", path) from None
    try:
        if pdf.is_encrypted:  # its raw streams were ciphertext to check_raw: look again, decrypted
            check_opened(pdf, data, path)
        if not isinstance(pdf.Root, pikepdf.Dictionary):
            raise TypeError("the document catalog is not a dictionary")
        _ = len(pdf.pages)
    except QPDF_ERRORS as exc:
        pdf.close()
        raise _damaged(exc, "cannot be read", path) from None
    except PdfInputError:
        pdf.close()
        raise
    return OpenedPdf(pdf, data, path, decrypt=bool(password) and pdf.is_encrypted)


def _open_in_memory(data: bytes, password: str) -> pikepdf.Pdf:
    """qpdf's document for bytes in memory. On Linux through an anonymous in-memory file, which qpdf reads
    directly: a form's fields are read in about 30% less time than through a Python stream (issue 5).
    qpdf opens the file by its /proc name, so it holds its own handle, and closing the Pdf frees it."""
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("cse-pdf-return", os.MFD_CLOEXEC)
        try:
            with open(fd, "wb", closefd=False) as fh:
                fh.write(data)
            return pikepdf.open(f"/proc/self/fd/{fd}", password=password)
        finally:
            os.close(fd)
    return pikepdf.open(io.BytesIO(data), password=password)


def identify(pdf: OpenedPdf | pikepdf.Pdf, path: Path, fields: dict[str, PdfField] | None = None) -> Identity:
    fields = collect_fields(_document(pdf)) if fields is None else fields
    marker = fields.get(IDENTITY_FIELD)
    text = marker.value("/V") if marker is not None else None
    identity = Identity.decode(str(text)) if text is not None else None
    if identity is None:
        raise NotACsePdfFormError(
            "is not a cse-pdf form (no form identity found); use a form made by `cse-pdf generate`", path)
    return identity


def _document(pdf: OpenedPdf | pikepdf.Pdf) -> pikepdf.Pdf:
    return pdf.pdf if isinstance(pdf, OpenedPdf) else pdf


def read_form(path: Path | str, spec: FormSpec | None = None, password: str | None = None) -> Response:
    """Read a returned form. `spec` overrides the catalog (for a layout given by path)."""
    path = Path(path)
    with open_pdf(path, password) as opened:
        return read_opened(opened, path, spec)


def read_opened(opened: OpenedPdf, path: Path, spec: FormSpec | None = None) -> Response:
    """Read a form already opened with `open_pdf`, for callers that go on to stamp the same file."""
    try:
        fields = opened.fields()
        _check_memory(opened.pdf)
        try:
            identity = identify(opened, path, fields)
        except NotACsePdfFormError:
            if not fields and _is_xfa(opened.pdf):
                raise NotACsePdfFormError("is an XFA form (Adobe LiveCycle), not a cse-pdf form; ask the sender to "
                                          "fill in the form made by `cse-pdf generate`", path) from None
            check_page_content(opened.pdf, path, MAX_PAGES)  # before pdfminer parses any of it
            flat = _read_flattened(path, spec, opened.plain_bytes())
            if flat is None:
                raise
            return flat
        if spec is None:
            spec = find_form(identity.form, identity.version)
        elif (spec.id, spec.version) != (identity.form, identity.version):
            raise NotACsePdfFormError(
                f"was made from form {identity.form} version {identity.version}, not {spec.id} version {spec.version}",
                path)
        notices: list[Notice] = []
        marker = fields[IDENTITY_FIELD]
        if len({str(marker.model.plain(marker.model.get(t, "/V"))) for t in marker.terminals}) > 1:
            notices.append(Notice.of(NoticeCode.IDENTITY_CONFLICT, IDENTITY_FIELD))
        current = spec.version if _is_path_spec(spec) else find_form(spec.id).version
        if spec.version != current:
            notices.append(Notice.of(NoticeCode.OLDER_VERSION, version=spec.version, form=spec.id, current=current))
        if identity.hash != spec.content_hash:
            notices.append(Notice.of(NoticeCode.HASH_DIFFERS, hash=identity.hash, form=spec.id, version=spec.version,
                                     layout_hash=spec.content_hash))
        values: dict[str, Value] = {}
        for f in spec.fields:
            pdf_field = fields.get(f.id)
            if pdf_field is None:
                notices.append(Notice.of(NoticeCode.FIELD_MISSING, f.id))
                values[f.id] = None
                continue
            values[f.id], conflicting = read_value(f, pdf_field)
            if conflicting:
                notices.append(Notice.of(NoticeCode.FIELD_CONFLICT_SHOWN if values[f.id] is not None
                                         else NoticeCode.FIELD_CONFLICT_BLANK, f.id))
            if values[f.id] is None and not conflicting and _holds_an_unknown_option(f, pdf_field):
                notices.append(Notice.of(NoticeCode.UNKNOWN_OPTION, f.id))
        unknown = sorted(n for n in fields if n not in spec.field_map and n != IDENTITY_FIELD
                         and not n.startswith(LIVE_PREFIX + "."))
        if unknown:
            shown = ", ".join(_safe_name(n) for n in unknown[:5]) + (" …" if len(unknown) > 5 else "")
            notices.append(Notice.of(NoticeCode.UNKNOWN_FIELDS, count=len(unknown), form=spec.id,
                                     version=spec.version, names=shown))
        calculated = {}
        for name, pdf_field in fields.items():
            raw = pdf_field.value("/V") if name.startswith(LIVE_PREFIX + ".") else None
            if isinstance(raw, str) and raw.strip():
                calculated[name.split(".", 1)[1]] = raw.replace("\r\n", "\n").replace("\r", "\n")
    except PdfInputError:
        raise
    except QPDF_ERRORS as exc:
        raise _damaged(exc, "its fields cannot be read", path) from None
    return Response(spec, identity, values, notices, calculated=calculated)


def _is_path_spec(spec: FormSpec) -> bool:
    """A layout given by path need not be installed at all."""
    return spec.id not in {s.id for s in current_forms()}


def _is_xfa(pdf: pikepdf.Pdf) -> bool:
    form = pdf.Root.get("/AcroForm")
    return isinstance(form, pikepdf.Dictionary) and "/XFA" in form


def _read_flattened(path: Path, spec: FormSpec | None, data: bytes) -> Response | None:
    """A copy whose fields were flattened away: identify it by its printed footer, read each box's text."""
    try:
        found = read_flattened(data, spec)
    except PdfInputError:
        raise
    except Exception as exc:  # pdfminer's own errors, wrapped or not: the page text cannot be read
        if "allocate" in str(exc) or isinstance(exc.__cause__, MemoryError):
            raise MemoryError from None  # a stream that inflates past the memory limit: guard.py says so
        raise DamagedPdfError(f"is damaged and its pages cannot be read ({type(exc).__name__}); "
                              "ask the sender to send it again", path) from None
    if found is None:
        return None
    identity, spec, values, notes = found
    return Response(spec, identity, values, [WARNING, *notes], flattened=True)


def _name_text(v: Any) -> str | None:
    """A state written as /Name or, by some libraries, as the string '/Name'."""
    if v is None:
        return None
    s = str(v)
    return s[1:] if s.startswith("/") else s


def read_value(field: Field, f: PdfField) -> tuple[Value, bool]:
    """The value a viewer shows, and whether the file could also be read as saying something else.

    A second terminal of the same name, or a widget that disagrees with the others, is never chosen
    silently: where widgets a viewer shows (see PdfField.shown) agree, that is the value; where they
    disagree, or only unseen parts hold a value, the field reads as unanswered; either way the caller
    reports the disagreement."""
    if field.type == "checkbox":
        return _read_checkbox(f)
    if field.type == "radio":
        return _read_radio(field, f)
    if len(f.terminals) == 1:  # text and choices: one /V, however many widgets show it
        return decode_value(field, f), False
    readings = [(decode_value(field, f.view(t, picked)), lambda picked=picked: any(f.shown(i) for i in picked))
                for t, picked in enumerate(f.by_terminal())]
    return _decide(readings)


def _decide(readings: list[tuple[Value, Callable[[], bool]]], fallback: Value = None) -> tuple[Value, bool]:
    """(value, conflicting) from (value, is it shown?) readings: where they disagree, the shown ones win
    when they agree among themselves. Whether a part is shown is only asked on a disagreement (rare)."""
    every = {v for v, _ in readings}
    if len(every) <= 1:
        return (next(iter(every)) if every else fallback), False
    shown = {v for v, visible in readings if visible()}
    return (next(iter(shown)) if len(shown) == 1 else None), True


def _read_checkbox(f: PdfField) -> tuple[Value, bool]:
    """Each widget's tick (/AS) is a reading; a terminal with no widget at all reads from its /V."""
    readings: list[tuple[Value, Callable[[], bool]]] = [
        (state not in (None, "Off"), lambda i=i: f.shown(i))
        for i, state in enumerate(map(_name_text, f.of_widgets("/AS")))]
    for t, picked in enumerate(f.by_terminal()):
        if not picked:
            v = _name_text(f.view(t, picked).value("/V"))
            readings.append((v not in (None, "", "Off"), lambda: False))
    return _decide(readings, fallback=False)


def _read_radio(field: Field, f: PdfField) -> tuple[Value, bool]:
    """A kid shown as on is a reading (seen or not); so is each /V (the group's, a kid's, a second group's).
    A group whose seen kids are all off, with only an unseen kid on, shows nothing ticked."""
    export = _radio_export(field, f)
    on: list[tuple[str | None, bool]] = []
    for i, (w, state) in enumerate(zip(f.widgets, map(_name_text, f.of_widgets("/AS")))):
        if state not in (None, "Off") and f.on_state(w) == state:
            on.append((export(state), f.shown(i)))
    plain, get = f.model.plain, f.model.get
    stated = [export(_name_text(plain(get(t, "/V")))) for t in f.terminals]
    stated += [export(_name_text(v)) for v in f.of_widgets("/V")]
    claims = {v for v, _ in on if v is not None} | {v for v in stated if v is not None}
    seen_on = {v for v, visible in on if visible and v is not None}
    if seen_on:
        return (next(iter(seen_on)) if len(seen_on) == 1 else None), len(claims) > 1
    if any(v is not None for v, _ in on) and any(f.shown(i) for i in range(len(f.widgets))):
        return None, True  # the viewer shows no option ticked; only a widget it does not show says otherwise
    if len(claims) > 1:
        return None, True
    return _radio_value(field, f), False


def decode_value(field: Field, f: PdfField) -> Value:
    if field.type == "checkbox":
        states = [_name_text(s) for s in f.of_widgets("/AS")]
        if any(s not in (None, "Off") for s in states):
            return True
        v = _name_text(f.value("/V"))
        return v not in (None, "", "Off") if not f.widgets else False
    if field.type == "radio":
        return _radio_value(field, f)
    raw = f.value("/V")
    if raw is None or isinstance(raw, PdfName):
        return None
    if isinstance(raw, list):  # a multi-select list writes an array; a combo should not
        raw = raw[0] if raw else None
        if raw is None or isinstance(raw, list):  # an array in an array is no text a viewer wrote
            return None
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n")
    if field.type == "dropdown":
        return _option_value(field, text)
    return text if text.strip() != "" else None


def _option_value(field: Field, text: str) -> str | None:
    """Combo /V is normally the export value; some writers store the shown label instead.
    Anything else is no answer (and reported: see _holds_an_unknown_option)."""
    for o in field.options:
        if text == o.value:
            return o.value
    for o in field.options:
        if text == o.label:
            return o.value
    return None


def _holds_an_unknown_option(field: Field, f: PdfField) -> bool:
    """A choice read as unanswered although the PDF holds something: a value the layout never offered."""
    if field.type == "dropdown":
        raw = f.value("/V")
        raw = raw[0] if isinstance(raw, list) and raw else raw
        return raw is not None and not isinstance(raw, PdfName) and str(raw).strip() != ""
    if field.type == "radio":
        states = [_name_text(s) for s in f.of_widgets("/AS")] + [_name_text(f.own("/V"))]
        return any(s not in (None, "", "Off") for s in states)
    return False


def _safe_name(name: str) -> str:
    """A field name from a file, fit to print: at most 60 plain characters."""
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "?", name)
    return cleaned[:60] + ("…" if len(cleaned) > 60 else "")


def _radio_export(field: Field, f: PdfField) -> Any:
    """state name → the option it stands for (None if none). Some writers name kids' states by index
    (/0, /1 …) and keep the export values in /Opt."""
    options = {o.value for o in field.options}
    opt = f.value("/Opt")
    exports = [str(o[0] if isinstance(o, list) else o) for o in opt] if isinstance(opt, list) else []

    def export(state: str | None) -> str | None:
        if state in options:
            return state
        if exports and state is not None and state.isdigit() and int(state) < len(exports):
            return exports[int(state)] if exports[int(state)] in options else None
        return None
    return export


def _radio_value(field: Field, f: PdfField) -> str | None:
    """The kid that shows as on wins; otherwise the group's /V (parent's, or a kid's)."""
    export = _radio_export(field, f)

    # a widget whose /AS is missing or Off cannot be the one shown as on: its appearances need no look
    shown = [export(state) for w, state in zip(f.widgets, map(_name_text, f.of_widgets("/AS")))
             if state not in (None, "Off") and f.on_state(w) == state]
    if len(set(shown)) == 1 and shown[0] is not None:
        return shown[0]
    for v in [_name_text(f.own("/V"))] + [_name_text(w) for w in f.of_widgets("/V")]:
        if export(v) is not None:
            return export(v)
    return None
