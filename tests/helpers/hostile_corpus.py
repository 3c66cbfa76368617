"""A corpus of broken, strange and hostile files, built from real returns.

Every case says what must become of it: `values` (read, and exactly the source's answers),
`reason` (refused in one line, the reason containing `reason`), or `either` (a random mutation:
the right values, other values flagged by nothing we could know, or a one-line reason — but never
a crash, a traceback, a hang or a memory blow-up). Fictional people only: the sources are the
committed samples.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject, TextStringObject
from reportlab.pdfgen import canvas

REPO = Path(__file__).resolve().parents[2]
SOURCES = {"hillingdon": REPO / "samples" / "medium-chromium.pdf", "rv": REPO / "samples" / "rv-medium-pdfium.pdf"}
GB = 1024 ** 3


@dataclass(frozen=True)
class Case:
    name: str  # the file name, without .pdf
    kind: str  # mutation | trap | foreign
    expect: str  # values | reason | either
    source: str = ""  # key of SOURCES whose values a `values` case must give
    reason: str = ""  # what a `reason` case's one line must contain


def _writer(source: str) -> PdfWriter:
    return PdfWriter(clone_from=PdfReader(SOURCES[source]))


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---- mutations of real filled forms ------------------------------------------------------------------

def _flip(data: bytes, rng: random.Random, count: int) -> bytes:
    out = bytearray(data)
    for _ in range(count):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _without_xref(data: bytes) -> bytes:
    start = data.rindex(b"\nxref")
    return data[:start] + b"\n" + data[data.index(b"trailer", start):]


def _garbled_xref(data: bytes) -> bytes:
    start = data.rindex(b"\nxref")
    end = data.index(b"trailer", start)
    table = re.sub(rb"\d{10} \d{5}", lambda m: b"%010d 00000" % (int(m.group()[:10]) * 7 + 13), data[start:end])
    return data[:start] + table + data[end:]


def _without_trailer(data: bytes) -> bytes:
    start = data.rindex(b"trailer")
    return data[:start] + data[data.index(b"startxref", start):]


def _wrong_startxref(data: bytes) -> bytes:
    return re.sub(rb"startxref\s+\d+", b"startxref\n99999999", data)


def _duplicated_objects(data: bytes) -> bytes:
    """A second, different definition of several objects, as a careless merge leaves."""
    objs = list(re.finditer(rb"\n(\d+) 0 obj\s*<<", data))[5:25:4]
    extra = b"".join(b"\n%s 0 obj\n<< /Type /Annot /Subtype /Widget /T (intruder) /V (x) >>\nendobj" % m.group(1)
                     for m in objs)
    cut = data.index(b"\n", 20)
    return data[:cut] + extra + data[cut:]


def _wrong_lengths(data: bytes, delta: int) -> bytes:
    return re.sub(rb"/Length (\d+)", lambda m: b"/Length %d" % max(0, int(m.group(1)) + delta), data)


def mutations(source: str, data: bytes, rng: random.Random, flips: int, cuts: int) -> dict[Case, bytes]:
    out: dict[Case, bytes] = {}
    for i in range(flips):
        out[Case(f"{source}-flip-{i:02d}", "mutation", "either")] = _flip(data, rng, rng.choice([1, 3, 10, 100]))
    for i in range(cuts):
        at = int(len(data) * (i + 1) / (cuts + 1))
        out[Case(f"{source}-cut-{i:02d}", "mutation", "reason", reason="truncated or damaged")] = data[:at]
    out[Case(f"{source}-cut-last-byte", "mutation", "either")] = data[:-1]
    out[Case(f"{source}-no-xref", "mutation", "values", source)] = _without_xref(data)
    out[Case(f"{source}-garbled-xref", "mutation", "values", source)] = _garbled_xref(data)
    out[Case(f"{source}-no-trailer", "mutation", "either")] = _without_trailer(data)
    out[Case(f"{source}-wrong-startxref", "mutation", "values", source)] = _wrong_startxref(data)
    out[Case(f"{source}-duplicated-objects", "mutation", "either")] = _duplicated_objects(data)
    out[Case(f"{source}-length-short", "mutation", "either")] = _wrong_lengths(data, -7)
    out[Case(f"{source}-length-long", "mutation", "either")] = _wrong_lengths(data, 4096)
    return out


# ---- structural traps ---------------------------------------------------------------------------------

def _first_field(writer: PdfWriter) -> DictionaryObject:
    return writer._root_object["/AcroForm"]["/Fields"][0].get_object()


def kids_cycle(source: str) -> bytes:
    """A field that is its own kid, and a parent that is its own parent."""
    w = _writer(source)
    fields = w._root_object["/AcroForm"]["/Fields"]
    node = fields[0].get_object()
    node[NameObject("/Kids")] = ArrayObject([fields[0], *(node.get("/Kids") or [])])
    other = fields[1].get_object()
    other[NameObject("/Parent")] = fields[1]
    return _bytes(w)


def parent_cycle(source: str) -> bytes:
    """Two fields, each the other's parent."""
    w = _writer(source)
    fields = w._root_object["/AcroForm"]["/Fields"]
    a, b = fields[2].get_object(), fields[3].get_object()
    a[NameObject("/Parent")], b[NameObject("/Parent")] = fields[3], fields[2]
    a[NameObject("/Kids")], b[NameObject("/Kids")] = ArrayObject([fields[3]]), ArrayObject([fields[2]])
    return _bytes(w)


def deep_tree(source: str, depth: int = 5000) -> bytes:
    """A chain of fields thousands deep hung off /AcroForm /Fields."""
    w = _writer(source)
    parent = None
    top = None
    for level in range(depth):
        node = DictionaryObject({NameObject("/T"): TextStringObject(f"d{level}")})
        ref = w._add_object(node)
        if parent is None:
            top = ref
        else:
            node[NameObject("/Parent")] = parent
            parent.get_object()[NameObject("/Kids")] = ArrayObject([ref])
        parent = ref
    parent.get_object().update({NameObject("/FT"): NameObject("/Tx"), NameObject("/V"): TextStringObject("deep")})
    w._root_object["/AcroForm"]["/Fields"].append(top)
    return _bytes(w)


def many_fields(source: str, count: int = 20_000) -> bytes:
    w = _writer(source)
    fields = w._root_object["/AcroForm"]["/Fields"]
    for i in range(count):
        fields.append(w._add_object(DictionaryObject({
            NameObject("/T"): TextStringObject(f"extra{i}"), NameObject("/FT"): NameObject("/Tx"),
            NameObject("/V"): TextStringObject("x")})))
    return _bytes(w)


def many_pages(source: str | None, count: int = 5000) -> bytes:
    """5,000 pages: after a real form, or on their own (so the flattened reader would look at each)."""
    w = _writer(source) if source else PdfWriter()
    for _ in range(count):
        w.add_blank_page(595, 842)
    return _bytes(w)


def _hand_pdf(objects: list[bytes], root: int, extra_trailer: bytes = b"") -> bytes:
    """A PDF written byte by byte, for shapes no library will write."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root,
                                                                                extra_trailer, xref)
    return bytes(out)


def self_referencing_object_stream() -> bytes:
    """An xref stream saying object 4 lives inside object stream 4, which /Extends itself."""
    head = b"%PDF-1.7\n"
    objs = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    body = bytearray(head)
    offsets = []
    for n, o in enumerate(objs, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (n, o)
    inner = b"4 0 5 10 << /T (a) /FT /Tx /V (b) >>"
    offsets.append(len(body))
    body += (b"4 0 obj\n<< /Type /ObjStm /N 2 /First 10 /Extends 4 0 R /Length %d >>\nstream\n%s\nendstream\n"
             b"endobj\n" % (len(inner), inner))
    xref_at = len(body)
    rows = [b"\x00\x00\x00\x00\xff\xff"] + [b"\x01" + o.to_bytes(4, "big") + b"\x00" for o in offsets]
    rows.append(b"\x02" + (4).to_bytes(4, "big") + b"\x01")  # object 5 lives in object stream 4 …
    rows[4] = b"\x02" + (4).to_bytes(4, "big") + b"\x00"  # … and so does object 4 itself
    raw = b"".join(rows)
    body += (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n" % len(raw)
             + raw + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(body)


@functools.lru_cache(maxsize=2)
def _deflate_zeros(size: int) -> bytes:
    """zlib of `size` zero bytes, made in chunks so building the bomb needs no gigabytes."""
    z = zlib.compressobj(9)
    chunk = bytes(16 * 1024 * 1024)
    parts = [z.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(z.flush())
    return b"".join(parts)


def inflate_bomb_page(size: int = GB) -> bytes:
    """A page whose content is a few kilobytes that inflate (twice) to gigabytes: no form, so a
    reader that looks at page text for a flattened copy meets it."""
    once = _deflate_zeros(size)
    twice = zlib.compress(once, 9)
    content = b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n%s\nendstream" % (len(twice), twice)
    return _hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>", content], root=1)


def inflate_bomb_in_form(source: str, size: int = GB) -> bytes:
    """The same bomb as an extra page content stream of a real return: the values are in the fields,
    and nothing needs the page text, so the right values must still come out."""
    w = _writer(source)
    stream = DecodedStreamObject()
    stream.set_data(b"")
    ref = w._add_object(stream)
    once = _deflate_zeros(size)
    bomb = zlib.compress(once, 9)
    obj = ref.get_object()
    obj._data = bomb
    obj[NameObject("/Filter")] = ArrayObject([NameObject("/FlateDecode"), NameObject("/FlateDecode")])
    page = w.pages[0]
    contents = page["/Contents"]
    page[NameObject("/Contents")] = ArrayObject([*(contents if isinstance(contents, list) else [contents]), ref])
    return _bytes(w)


def object_stream_bomb(size: int = GB) -> bytes:
    """The form's /AcroForm inside an object stream that inflates to `size` bytes: qpdf inflates an object
    stream whole before it can parse one object from it, and (out of memory) reads on without them."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    body = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, o in enumerate(objs, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (n, o)
    z = zlib.compressobj(9)
    chunk = b" " * (16 * 1024 * 1024)
    data = z.compress(b"5 0 << /Fields [] >> ") + b"".join(z.compress(chunk) for _ in range(size // len(chunk)))
    data += z.flush()
    offsets.append(len(body))
    body += (b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data)
             + data + b"\nendstream\nendobj\n")
    xref_at = len(body)
    rows = [b"\x00\x00\x00\x00\xff\xff"] + [b"\x01" + o.to_bytes(4, "big") + b"\x00" for o in offsets]
    rows += [b"\x02" + (4).to_bytes(4, "big") + b"\x00", b"\x01" + xref_at.to_bytes(4, "big") + b"\x00"]
    raw = b"".join(rows)
    body += (b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n" % len(raw)
             + raw + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(body)


def _bomb_stream(w: PdfWriter, raw: bytes, filters: list[str], extra: dict | None = None) -> object:
    """A stream object holding `raw` exactly as given (already encoded), with these /Filter names."""
    stream = DecodedStreamObject()
    stream.set_data(b"")
    ref = w._add_object(stream)
    obj = ref.get_object()
    obj._data = raw
    obj[NameObject("/Filter")] = (NameObject(filters[0]) if len(filters) == 1
                                  else ArrayObject([NameObject(f) for f in filters]))
    for key, value in (extra or {}).items():
        obj[NameObject(key)] = value
    return ref


def zero_page_bomb(size: int = GB) -> bytes:
    """The plainest bomb: a page whose content, one FlateDecode stream of about a megabyte, is 1 GiB of zeros."""
    once = _deflate_zeros(size)
    content = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(once), once)
    return _hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>", content], root=1)


def unused_object_bomb(source: str, size: int = GB) -> bytes:
    """A real return with a bomb in an object nothing refers to: no reader would ever need it."""
    w = _writer(source)
    _bomb_stream(w, _deflate_zeros(size), ["/FlateDecode"])
    return _bytes(w)


def image_bomb(source: str, size: int = GB) -> bytes:
    """A real return whose first page draws an image XObject that inflates to `size` bytes."""
    w = _writer(source)
    side = int((size // 3) ** 0.5)
    ref = _bomb_stream(w, _deflate_zeros(size), ["/FlateDecode"], {
        "/Type": NameObject("/XObject"), "/Subtype": NameObject("/Image"), "/Width": NumberObject(side),
        "/Height": NumberObject(side), "/ColorSpace": NameObject("/DeviceRGB"), "/BitsPerComponent": NumberObject(8)})
    page = w.pages[0]
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
    xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
    xobjects[NameObject("/Bomb")] = ref
    draw = DecodedStreamObject()
    draw.set_data(b"q 10 0 0 10 0 0 cm /Bomb Do Q")
    contents = page["/Contents"]
    page[NameObject("/Contents")] = ArrayObject([*(contents if isinstance(contents, list) else [contents]),
                                                 w._add_object(draw)])
    return _bytes(w)


def chain_bomb(source: str, filters: tuple[str, ...] = ("/ASCII85Decode", "/FlateDecode", "/FlateDecode"),
               size: int = GB) -> bytes:
    """A real return with an extra page content stream behind a chain of filters: ASCII85 of zlib of zlib."""
    w = _writer(source)
    data = _deflate_zeros(size)
    for name in reversed(filters[:-1]):
        data = zlib.compress(data, 9) if name == "/FlateDecode" else base64.a85encode(data) + b"~>"
    ref = _bomb_stream(w, data, list(filters))
    page = w.pages[0]
    contents = page["/Contents"]
    page[NameObject("/Contents")] = ArrayObject([*(contents if isinstance(contents, list) else [contents]), ref])
    return _bytes(w)


def disguised_filter_bomb(source: str, how: str, size: int = GB) -> bytes:
    """The bomb's filter written so a naive scan misses it: an escaped name (/Flate#44ecode), an
    abbreviation (/Fl), or an indirect reference to the filter array."""
    w = _writer(source)
    if how == "indirect":
        filters = w._add_object(ArrayObject([NameObject("/FlateDecode"), NameObject("/FlateDecode")]))
        ref = _bomb_stream(w, zlib.compress(_deflate_zeros(size), 9), ["/FlateDecode"])
        ref.get_object()[NameObject("/Filter")] = filters
    else:
        ref = _bomb_stream(w, _deflate_zeros(size), ["/FlateDecode"])
    data = _bytes(w)
    if how == "escaped":
        data = data.replace(b"/Filter /FlateDecode\n/Length", b"/Filter /Flate#44ecode\n/Length")
    if how == "abbreviated":
        data = data.replace(b"/Filter /FlateDecode\n/Length", b"/Filter /Fl\n/Length")
    return data


def run_length_bomb(source: str, size: int = 256 * 1024 * 1024) -> bytes:
    """RunLengthDecode: two bytes for 128 zeros, so 4 MB of it is 256 MB."""
    w = _writer(source)
    _bomb_stream(w, b"\x81\x00" * (size // 128) + b"\x80", ["/RunLengthDecode"])
    return _bytes(w)


def _lzw_pack(codes: list[int]) -> bytes:
    """Codes → bits, each as wide as a PDF LZW decoder (early change) reads it at that point."""
    out, bits, nbits, width, entries, first = bytearray(), 0, 0, 9, 258, True
    for code in codes:
        bits, nbits = (bits << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
            bits &= (1 << nbits) - 1
        if code == 256:
            width, entries, first = 9, 258, True
            continue
        if not first:
            entries += 1  # the decoder adds one entry for each code but the first after a clear
        first = False
        if entries in (511, 1023, 2047):
            width += 1
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


def lzw_encode(data: bytes) -> bytes:
    """LZW as PDF uses it, with a clear code before the table fills: for tests and bombs."""
    codes, table, w = [256], {bytes([i]): i for i in range(256)}, b""
    for byte in data:
        wc = w + bytes([byte])
        if wc in table:
            w = wc
            continue
        codes.append(table[w])
        if len(table) + 2 < 4000:
            table[wc] = len(table) + 2
        else:
            codes.append(256)
            table = {bytes([i]): i for i in range(256)}
        w = bytes([byte])
    if w:
        codes.append(table[w])
    return _lzw_pack(codes + [257])


def lzw_zero_runs(blocks: int) -> bytes:
    """Each block: a clear code, then codes for runs of zeros 1, 2, 3 … 3,744 bytes long (7 MB) in 5 KB."""
    codes: list[int] = []
    for _ in range(blocks):
        codes += [256, 0, *range(258, 4001)]
    return _lzw_pack(codes + [257])


def lzw_bomb(source: str, blocks: int = 40) -> bytes:
    """LZWDecode of 40 such blocks: 280 MB from 200 KB."""
    w = _writer(source)
    _bomb_stream(w, lzw_zero_runs(blocks), ["/LZWDecode"])
    return _bytes(w)


def xref_stream_bomb(size: int = GB) -> bytes:
    """The cross-reference stream itself, which qpdf inflates while opening the file, is the bomb."""
    body = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, o in enumerate([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                           b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"], start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (n, o)
    xref_at = len(body)
    rows = b"\x00\x00\x00\x00\xff\xff" + b"".join(b"\x01" + o.to_bytes(4, "big") + b"\x00" for o in offsets)
    rows += b"\x01" + xref_at.to_bytes(4, "big") + b"\x00"
    z = zlib.compressobj(9)
    chunk = bytes(16 * 1024 * 1024)
    raw = z.compress(rows) + b"".join(z.compress(chunk) for _ in range(size // len(chunk))) + z.flush()
    body += (b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
             b"stream\n" % len(raw) + raw + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(body)


def filter_in_object_stream_bomb(size: int = GB) -> bytes:
    """The page content's /Filter is a reference to an array kept inside an object stream, so the raw
    bytes never show which filters it has: [/FlateDecode /FlateDecode] over a nested bomb."""
    body = bytearray(b"%PDF-1.7\n")
    offsets = []
    top = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
           b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R >>"]
    for n, o in enumerate(top, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (n, o)
    inner = zlib.compress(b"5 0 [/FlateDecode /FlateDecode]")
    offsets.append(len(body))
    body += (b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(inner)
             + inner + b"\nendstream\nendobj\n")
    bomb = zlib.compress(_deflate_zeros(size), 9)
    six = len(body)
    body += b"6 0 obj\n<< /Length %d /Filter 5 0 R >>\nstream\n" % len(bomb) + bomb + b"\nendstream\nendobj\n"
    xref_at = len(body)
    rows = [b"\x00\x00\x00\x00\xff\xff"] + [b"\x01" + o.to_bytes(4, "big") + b"\x00" for o in offsets]
    rows += [b"\x02" + (4).to_bytes(4, "big") + b"\x00", b"\x01" + six.to_bytes(4, "big") + b"\x00",
             b"\x01" + xref_at.to_bytes(4, "big") + b"\x00"]
    raw = b"".join(rows)
    body += (b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n" % len(raw)
             + raw + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(body)


def encrypted_bomb(source: str, size: int = GB, user_password: str = "", algorithm: str = "AES-256") -> bytes:
    """A return locked against editing only (it opens without a password) whose streams are therefore
    encrypted: a raw scan sees ciphertext, not the bomb inside. With `user_password`, one sent locked."""
    w = _writer(source)
    _bomb_stream(w, _deflate_zeros(size), ["/FlateDecode"])
    w.encrypt(user_password=user_password, owner_password="owner-only-secret-1", algorithm=algorithm)
    return _bytes(w)


def content_bomb(megabytes: int = 40, via_form_xobject: bool = False) -> bytes:
    """No form, so the reader looks for a flattened copy in the page text: 40 MB of drawing operators
    (about 100 KB compressed, well under the one-stream limit), each of which pdfminer makes an object of.
    Drawn directly, or through a form XObject that also draws itself (a cycle)."""
    ops = b"0 0 m 1 1 l S\n" * (megabytes * 1024 * 1024 // 14)
    z = zlib.compress(ops, 9)
    drawing = b"<< /Length %d /Filter /FlateDecode%s >>\nstream\n%s\nendstream"
    if not via_form_xobject:
        return _hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                          b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                          drawing % (len(z), b"", z)], root=1)
    form = b" /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /Self 5 0 R >> >>"
    page = b"/X Do"
    return _hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                      b"/Resources << /XObject << /X 5 0 R >> >> >>",
                      b"<< /Length %d >>\nstream\n%s\nendstream" % (len(page), page),
                      drawing % (len(z), form, z)], root=1)


BOMBS: dict[str, Callable[[], bytes]] = {
    "bomb-zero-page": zero_page_bomb,
    "bomb-object-stream": object_stream_bomb,
    "bomb-nested-flate": inflate_bomb_page,
    "bomb-in-a-form-page": lambda: inflate_bomb_in_form("rv"),
    "bomb-unused-object": lambda: unused_object_bomb("hillingdon"),
    "bomb-image": lambda: image_bomb("hillingdon"),
    "bomb-ascii85-flate-flate": lambda: chain_bomb("rv"),
    "bomb-indirect-filter": lambda: disguised_filter_bomb("hillingdon", "indirect"),
    "bomb-filter-inside-an-object-stream": filter_in_object_stream_bomb,
    "bomb-escaped-filter-name": lambda: disguised_filter_bomb("hillingdon", "escaped"),
    "bomb-abbreviated-filter": lambda: disguised_filter_bomb("rv", "abbreviated"),
    "bomb-run-length": lambda: run_length_bomb("hillingdon"),
    "bomb-lzw": lambda: lzw_bomb("rv"),
    "bomb-xref-stream": xref_stream_bomb,
    "bomb-encrypted": lambda: encrypted_bomb("hillingdon"),
}
BOMB_REASON = "inflates to more than"
CONTENT_REASON = "has page content that inflates to more than"


def huge_file(source: str, megabytes: int = 200) -> Path | bytes:
    data = SOURCES[source].read_bytes()
    pad = b"%" + b"x" * 1022 + b"\n"
    return data[:-6] + pad * (megabytes * 1024) + data[-6:]


# ---- foreign shapes -----------------------------------------------------------------------------------

def _canvas(draw: Callable[[canvas.Canvas], None]) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    draw(c)
    c.save()
    return buf.getvalue()


def no_form() -> bytes:
    return _canvas(lambda c: c.drawString(72, 800, "Minutes of the strategy meeting (fictional)"))


def other_tools_form() -> bytes:
    """Another tool's form with field names like ours."""
    def draw(c: canvas.Canvas) -> None:
        c.drawString(72, 800, "CSE screening tool")
        for i, name in enumerate(["child_name", "child_dob", "risk_level", "form_id", "cse_pdf_form"]):
            c.acroForm.textfield(name=name, x=72, y=700 - 30 * i, width=200, height=20, value="x")
    return _canvas(draw)


def xfa_only() -> bytes:
    """An XFA form: the questions live in XML, and /Fields is empty."""
    xdp = (b'<?xml version="1.0"?><xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template>'
           b'<subform name="form1"><field name="child_name"/></subform></template></xdp:xdp>')
    return _hand_pdf([b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 4 0 R >> /NeedsRendering true >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
                      b"<< /Length %d >>\nstream\n%s\nendstream" % (len(xdp), xdp)], root=1)


def encrypted(source: str, user_password: str) -> bytes:
    w = _writer(source)
    w.encrypt(user_password=user_password, owner_password="owner-only-secret-1", algorithm="AES-256")
    return _bytes(w)


def with_actions(source: str, marker: Path, port: int) -> bytes:
    """A real return carrying everything that acts: OpenAction JavaScript, document-level JavaScript,
    a launch action, a link out to a loopback port, a submit action and an embedded file."""
    w = _writer(source)
    js = "app.launchURL('http://127.0.0.1:%d/opened'); this.submitForm('http://127.0.0.1:%d/submit');" % (port, port)
    w._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(js),
        NameObject("/Next"): DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                               NameObject("/F"): TextStringObject(f"/usr/bin/touch {marker}")})})
    w._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("opened"), DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(js)})])})})
    w.add_attachment("readme.txt", b"an attachment that must never be opened")
    page = w.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
        NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(f"http://127.0.0.1:{port}/page")})})
    field = _first_field(w)
    field[NameObject("/AA")] = DictionaryObject({NameObject("/F"): DictionaryObject({
        NameObject("/S"): NameObject("/SubmitForm"),
        NameObject("/F"): TextStringObject(f"http://127.0.0.1:{port}/field")})})
    return _bytes(w)


# ---- the corpus ---------------------------------------------------------------------------------------

def build_corpus(folder: Path, *, seed: int = 7, flips: int = 20, cuts: int = 8, marker: Path | None = None,
                 port: int = 9, big: bool = True) -> dict[Path, Case]:
    """Write every case into `folder`; returns file → case. `big` adds the 200 MB file."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    marker = marker or folder / "launched"
    made: dict[Case, bytes | Callable[[], bytes]] = {}
    for source, path in SOURCES.items():
        made.update(mutations(source, path.read_bytes(), rng, flips, cuts))
    made.update({
        Case("kids-cycle", "trap", "values", "hillingdon"): lambda: kids_cycle("hillingdon"),
        Case("parent-cycle", "trap", "either"): lambda: parent_cycle("rv"),
        Case("deep-field-tree", "trap", "values", "hillingdon"): lambda: deep_tree("hillingdon"),
        Case("twenty-thousand-fields", "trap", "values", "rv"): lambda: many_fields("rv"),
        Case("five-thousand-pages-after-a-form", "trap", "values", "hillingdon"): lambda: many_pages("hillingdon"),
        Case("five-thousand-blank-pages", "trap", "reason", reason="not a cse-pdf form"): lambda: many_pages(None),
        Case("object-stream-in-itself", "trap", "reason"): self_referencing_object_stream,
        **{Case(name, "trap", "reason", reason=BOMB_REASON): make for name, make in BOMBS.items()},
        Case("content-bomb-page", "trap", "reason", reason=CONTENT_REASON): content_bomb,
        Case("content-bomb-form-xobject", "trap", "reason", reason=CONTENT_REASON):
            lambda: content_bomb(via_form_xobject=True),
        Case("empty", "foreign", "reason", reason="is not a PDF file"): lambda: b"",
        Case("a-letter-named-pdf", "foreign", "reason", reason="is not a PDF file"):
            lambda: b"Dear colleague,\nplease find the form attached.\n",
        Case("no-form", "foreign", "reason", reason="not a cse-pdf form"): no_form,
        Case("xfa-only", "foreign", "reason", reason="XFA"): xfa_only,
        Case("another-tools-form", "foreign", "reason", reason="not a cse-pdf form"): other_tools_form,
        Case("locked-with-a-password", "foreign", "reason", reason="password-protected"):
            lambda: encrypted("hillingdon", "user-secret-123"),
        Case("locked-against-editing-only", "foreign", "values", "hillingdon"): lambda: encrypted("hillingdon", ""),
        Case("with-scripts-launch-links-attachments", "foreign", "values", "rv"):
            lambda: with_actions("rv", marker, port),
    })
    if big:
        made[Case("two-hundred-mb", "trap", "reason", reason="over the")] = lambda: huge_file("hillingdon")
    files: dict[Path, Case] = {}
    for case, data in made.items():
        path = folder / f"{case.name}.pdf"
        path.write_bytes(data() if callable(data) else data)
        files[path] = case
    return files
