"""Make new PDF objects in either of the two documents cse-pdf writes: pypdf's or pikepdf's.

A blank form is built with pypdf (widgets.py); a returned form is filled and stamped in
qpdf's own document (pikepdf), because qpdf copies and saves a form many times faster
(issue 5). Appearance streams and the form font are the same in both, so they are made
through this one small interface, as fields.py reads through one.
"""

from __future__ import annotations

import zlib
from functools import lru_cache
from typing import Any, Mapping, Sequence

import pikepdf
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)


@lru_cache(maxsize=8)
def _deflated(data: bytes) -> bytes:
    """`data` compressed at level 9, remembered: the same embedded font file is compressed for every form
    generated (4 ms each time), and the result is the same bytes."""
    return zlib.compress(data, 9)


_PYPDF_NAMES: dict[str, NameObject] = {}


class PypdfObjects:
    """New objects in a pypdf PdfWriter."""

    def __init__(self, writer: PdfWriter) -> None:
        self.writer = writer

    @staticmethod
    def name(value: str) -> NameObject:
        """The same few dozen names are asked for thousands of times a form; a NameObject never changes."""
        made = _PYPDF_NAMES.get(value)
        if made is None:
            made = _PYPDF_NAMES[value] = NameObject(value if value.startswith("/") else "/" + value)
        return made

    @staticmethod
    def text(value: str) -> TextStringObject:
        return TextStringObject(value)

    @staticmethod
    def integer(value: int) -> NumberObject:
        return NumberObject(value)

    @staticmethod
    def real(value: float) -> FloatObject:
        return FloatObject(value)

    @staticmethod
    def array(items: Sequence[Any]) -> ArrayObject:
        return ArrayObject(items)

    def dictionary(self, entries: Mapping[str, Any]) -> DictionaryObject:
        return DictionaryObject({self.name(k): v for k, v in entries.items()})

    def stream(self, data: bytes, entries: Mapping[str, Any], flate: bool = False) -> Any:
        """An indirect stream; `flate` compresses it now (a font), else it is written as given."""
        if flate:
            stream: StreamObject = StreamObject()
            stream._data = _deflated(data)
            stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        else:
            stream = DecodedStreamObject()
            stream.set_data(data)
        stream.update({self.name(k): v for k, v in entries.items()})
        return self.writer._add_object(stream)

    def indirect(self, obj: Any) -> Any:
        return self.writer._add_object(obj)

    @staticmethod
    def direct_copy(obj: Any) -> DictionaryObject:
        """A direct (inline) copy of a dictionary, its own values still shared."""
        return DictionaryObject(obj.get_object())


class PikepdfObjects:
    """New objects in a pikepdf (qpdf) document."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf

    @staticmethod
    def name(value: str) -> pikepdf.Name:
        return pikepdf.Name(value if value.startswith("/") else "/" + value)

    @staticmethod
    def text(value: str) -> pikepdf.String:
        return pikepdf.String(value)

    @staticmethod
    def integer(value: int) -> int:
        return int(value)

    @staticmethod
    def real(value: float) -> float:
        return float(value)

    @staticmethod
    def array(items: Sequence[Any]) -> pikepdf.Array:
        return pikepdf.Array(items)

    def dictionary(self, entries: Mapping[str, Any]) -> pikepdf.Dictionary:
        return pikepdf.Dictionary({k if k.startswith("/") else "/" + k: v for k, v in entries.items()})

    def stream(self, data: bytes, entries: Mapping[str, Any], flate: bool = False) -> Any:
        """An indirect stream; `flate` compresses it now (a font), else qpdf writes it as it chooses."""
        if flate:
            stream = pikepdf.Stream(self.pdf, _deflated(data))
            stream[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
        else:
            stream = pikepdf.Stream(self.pdf, data)
        for key, value in entries.items():
            stream[self.name(key)] = value
        return self.pdf.make_indirect(stream)

    def indirect(self, obj: Any) -> Any:
        return self.pdf.make_indirect(obj)

    @staticmethod
    def direct_copy(obj: Any) -> pikepdf.Dictionary:
        """A direct (inline) copy of a dictionary, its own values still shared."""
        return pikepdf.Dictionary({key: obj[key] for key in obj.keys()})


Objects = PypdfObjects | PikepdfObjects


def objects_for(doc: PdfWriter | pikepdf.Pdf) -> Objects:
    return PikepdfObjects(doc) if isinstance(doc, pikepdf.Pdf) else PypdfObjects(doc)
