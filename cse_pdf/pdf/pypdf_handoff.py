"""Hand a pypdf document to qpdf (pikepdf) without pypdf's own writer.

A blank is built in two libraries: pypdf adds the fields, then qpdf writes the structure tree, fills a prefilled
copy and saves. The hand-over file is read once by qpdf and thrown away, and qpdf re-encodes every name, string
and dictionary when it saves, so only the objects it parses matter, not how they were spelled. pypdf's writer
spends most of its time spelling them (a Python loop per character of every name and string); this writer
spells each name once and every string as hex, and takes less than half the time. The saved file is
byte-for-byte what pypdf's writer would have led to (tests/test_pypdf_handoff.py)."""

from __future__ import annotations

import binascii
import io

import pikepdf
from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

_NAME_BYTES: dict[str, bytes] = {}  # a form uses a few hundred names, thousands of times
_REAL_BYTES: dict[float, bytes] = {}  # and the same coordinates again and again (every box's /Rect, /BBox)


def _name(name: str) -> bytes:
    spelled = _NAME_BYTES.get(name)
    if spelled is None:
        spelled = _NAME_BYTES[name] = NameObject(name).renumber()
    return spelled


def _real(real: FloatObject) -> bytes:
    """pypdf's spelling, exactly: qpdf keeps a real's spelling as it was read."""
    spelled = _REAL_BYTES.get(real)
    if spelled is None:
        spelled = real.myrepr().encode()
        if real == real:  # not NaN, which is never found again
            _REAL_BYTES[real] = spelled
    return spelled


def _text(text: TextStringObject) -> bytes:
    """The string's bytes as pypdf would write them. PDFDocEncoding is ASCII over the printable range, where
    pypdf's encoder looks each character up in turn: most of a form's strings (/DA, /T, /TU) are there."""
    if text._original_bytes is None and not text.autodetect_utf16 and text.isascii() and text.isprintable():
        return text.encode("ascii")
    return text.get_encoded_bytes()


_STREAMS = (StreamObject, DecodedStreamObject, EncodedStreamObject)


def _spell(obj: PdfObject, out: list[bytes]) -> None:
    """Append the PDF syntax of `obj` to `out`. Types this writer does not know are spelled by pypdf."""
    kind = type(obj)
    if kind is NameObject:
        out.append(_NAME_BYTES.get(obj) or _name(obj))
    elif kind is IndirectObject:
        out.append(b"%d %d R" % (obj.idnum, obj.generation))
    elif kind is NumberObject:
        out.append(b"%d" % obj)
    elif kind is FloatObject:
        out.append(_real(obj))
    elif kind is DictionaryObject or kind is PageObject:  # a page is a dictionary, written as one by pypdf
        _spell_dictionary(obj, out)
    elif kind is ArrayObject:
        append = out.append
        append(b"[")
        for item in obj:
            append(b" ")
            kind = type(item)  # the commonest items spelled here, not in a call each
            if kind is IndirectObject:
                append(b"%d %d R" % (item.idnum, item.generation))
            elif kind is FloatObject:
                append(_REAL_BYTES.get(item) or _real(item))
            elif kind is NumberObject:
                append(b"%d" % item)
            else:
                _spell(item, out)
        append(b" ]")
    elif kind is TextStringObject:
        out.append(b"<" + binascii.hexlify(_text(obj)) + b">")
    elif kind is ByteStringObject:
        out.append(b"<" + binascii.hexlify(obj) + b">")
    elif kind in _STREAMS:
        data = obj._data
        _spell_dictionary(obj, out, length=len(data))
        out.append(b"\nstream\n")
        out.append(data)
        out.append(b"\nendstream")
    elif kind is BooleanObject:
        out.append(b"true" if obj.value else b"false")
    elif kind is NullObject:
        out.append(b"null")
    else:
        _spell_by_pypdf(obj, out)


def _spell_dictionary(obj: DictionaryObject, out: list[bytes], length: int | None = None) -> None:
    append = out.append
    append(b"<<")
    for key, value in obj.items():
        if len(key) > 2 and key[1] == "%" and key[-1] == "%":  # pypdf's private keys are never written
            continue
        if length is not None and key == "/Length":
            continue
        append(_NAME_BYTES.get(key) or _name(key))
        append(b" ")
        kind = type(value)  # the commonest values spelled here, not in a call each
        if kind is NameObject:
            append(_NAME_BYTES.get(value) or _name(value))
        elif kind is IndirectObject:
            append(b"%d %d R" % (value.idnum, value.generation))
        elif kind is NumberObject:
            append(b"%d" % value)
        else:
            _spell(value, out)
        append(b"\n")
    if length is not None:
        append(b"/Length %d\n" % length)
    append(b">>")


def _spell_by_pypdf(obj: PdfObject, out: list[bytes]) -> None:
    spelled = io.BytesIO()
    obj.write_to_stream(spelled)
    out.append(spelled.getvalue())


def pypdf_to_pikepdf(writer: PdfWriter) -> pikepdf.Pdf:
    """`writer`'s document opened in qpdf, as if written by pypdf and read back.

    The caller closes the returned Pdf."""
    if writer._encrypt_entry:
        raise ValueError("an encrypted pypdf document is handed over by pypdf's own writer")
    writer._resolve_links()
    out: list[bytes] = [writer.pdf_header.encode() + b"\n%\xe2\xe3\xcf\xd3\n"]  # qpdf saves the input's version
    size = len(out[0])  # bytes in out so far
    offsets: list[int] = []
    for number, obj in enumerate(writer._objects, start=1):
        if obj is None:
            offsets.append(-1)
            continue
        offsets.append(size)
        chunk: list[bytes] = [b"%d 0 obj\n" % number]
        _spell(obj, chunk)
        chunk.append(b"\nendobj\n")
        block = b"".join(chunk)
        out.append(block)
        size += len(block)
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)]
    for offset in offsets:
        xref.append(b"%010d 00000 n \n" % offset if offset >= 0 else b"0000000000 00001 f \n")
    trailer = DictionaryObject({NameObject("/Size"): NumberObject(len(offsets) + 1),
                                NameObject("/Root"): writer.root_object.indirect_reference})
    if writer._info is not None:
        trailer[NameObject("/Info")] = writer._info.indirect_reference
    if writer._ID is not None:
        trailer[NameObject("/ID")] = writer._ID
    xref.append(b"trailer\n")
    _spell(trailer, xref)
    xref.append(b"\nstartxref\n%d\n%%%%EOF\n" % size)
    out.extend(xref)
    return pikepdf.open(io.BytesIO(b"".join(out)))
