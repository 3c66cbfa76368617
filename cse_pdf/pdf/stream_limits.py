"""Refuse a decompression bomb before anything inflates it.

A few kilobytes of Flate data can inflate to gigabytes (issue 14: 1.4 GiB peak for one such return).
qpdf inflates an object stream or the cross-reference stream while opening a file, pdfminer a page's
content to read a flattened copy, and qpdf any stream it re-encodes when saving a stamped copy. The
memory limit on the reading child (guard.py) stops them eventually, but only after the damage is done
and at a size that may still be too big. So every stream is inflated here first, chunk by chunk and
never more than the limit, through the filters its dictionary names (nested ones too), and a file with
a stream that decodes past the limit is refused in one line before qpdf or pdfminer sees it.

Streams are always top-level objects (never inside an object stream), so a scan of the raw bytes finds
every one, whatever the cross-reference table says. An encrypted file's streams are unreadable raw, so
they are checked again, decrypted, through qpdf's raw (still compressed) bytes.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from cse_pdf.base.errors import OverLimitError

MB = 1024 * 1024
DEFAULT_STREAM_MB = 64.0  # a real form's largest stream (an embedded font, a scanned page) is a few MB
TOTAL_FACTOR = 16  # all streams together: a file of many streams each just under the limit is stopped too
CHUNK = 256 * 1024  # compressed bytes fed at a time; no stage ever holds more than CHUNK of output at once

_STREAM = re.compile(rb">>[\x00\t\n\f\r ]*stream(?:\r\n|\n|\r)")
_ANY_HEADER = re.compile(rb"(?<!\d)(\d{1,10})[\x00\t\n\f\r ]+(\d{1,5})[\x00\t\n\f\r ]+obj\b")
_HEADER_END = re.compile(rb"(\d{1,10})[\x00\t\n\f\r ]+(\d{1,5})[\x00\t\n\f\r ]+obj$")
_FILTER = re.compile(rb"/Filter[\x00\t\n\f\r ]*(\[[^\]]*\]|/[^\x00\t\n\f\r /\[\]<>()]+|\d+[\x00\t\n\f\r ]+\d+"
                     rb"[\x00\t\n\f\r ]+R)")
# A direct `/Length N` (not `/Length1`, not `/Length N 0 R`).
_LENGTH = re.compile(rb"/Length[\x00\t\n\f\r ]+(\d{1,12})(?![\d.])(?![\x00\t\n\f\r ]+\d+[\x00\t\n\f\r ]+\d+[\x00\t\n\f\r ]+R)")
_NAME = re.compile(rb"/([^\x00\t\n\f\r /\[\]<>()]*)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")
_WHITE = re.compile(rb"[\x00\t\n\f\r ]")
LOOKBACK = 64 * 1024  # how far before `stream` its object header is looked for (no dictionary is longer)
MAX_FILTERS = 32  # filters on one stream; real files use one or two

# A /Filter given by reference to an object the raw bytes do not show (one inside an object stream): the
# chains a bomb would use are each tried (data that does not decode under one costs nothing).
_UNRESOLVED = [["FlateDecode", "FlateDecode", "FlateDecode"], ["ASCII85Decode", "FlateDecode", "FlateDecode"],
               ["ASCIIHexDecode", "FlateDecode", "FlateDecode"], ["LZWDecode"]]

# The filters qpdf and pdfminer decode, by full name and by the abbreviations qpdf also accepts.
_ALIASES = {"Fl": "FlateDecode", "AHx": "ASCIIHexDecode", "A85": "ASCII85Decode", "LZW": "LZWDecode",
            "RL": "RunLengthDecode"}


def stream_limit_mb() -> float:
    """CSE_PDF_MAX_STREAM_MB, else 64: the most one stream of a returned file may inflate to."""
    raw = os.environ.get("CSE_PDF_MAX_STREAM_MB")
    try:
        value = float(raw) if raw else DEFAULT_STREAM_MB
    except ValueError:
        value = DEFAULT_STREAM_MB
    return value if value > 0 else DEFAULT_STREAM_MB


class _TooBig(Exception):
    """A stream (or all of them together, `total`) decodes past the limit."""

    def __init__(self, total: bool) -> None:
        super().__init__()
        self.total = total


@dataclass
class _Budget:
    per_stream: int
    total: int
    used: int = 0
    bounded: int = 0  # streams not decoded, counted at the most they could decode to (see _check)

    def spend(self, stream_so_far: int, n: int) -> None:
        self.used += n
        if stream_so_far > self.per_stream:
            raise _TooBig(total=False)
        if self.used > self.total:
            raise _TooBig(total=True)


# ---- the decoders: each takes chunks and gives chunks, and knows when its data has ended ----------------


class _Stage:
    done = False

    def feed(self, data: bytes | memoryview) -> Iterator[bytes]:
        raise NotImplementedError


class _Flate(_Stage):
    def __init__(self) -> None:
        self.z = zlib.decompressobj()

    def feed(self, data: bytes | memoryview) -> Iterator[bytes]:
        while not self.done:
            try:
                out = self.z.decompress(data, CHUNK)
            except zlib.error:  # qpdf and pdfminer stop at damaged data too (with what came before it)
                self.done = True
                return
            data = self.z.unconsumed_tail
            self.done = self.z.eof
            if out:
                yield out
            if not data and len(out) < CHUNK:  # all taken in, and nothing more waiting inside zlib
                return


class _AsciiHex(_Stage):
    def __init__(self) -> None:
        self.odd = b""

    def feed(self, data: bytes | memoryview) -> Iterator[bytes]:
        data = bytes(data)
        end = data.find(b">")
        if end >= 0:
            data, self.done = data[:end], True
        digits = self.odd + _NOT_HEX.sub(b"", data)
        if self.done and len(digits) % 2:
            digits += b"0"
        cut = len(digits) - len(digits) % 2
        self.odd = digits[cut:]
        if cut:
            yield bytes.fromhex(digits[:cut].decode("ascii"))


class _Ascii85(_Stage):
    def __init__(self) -> None:
        self.rest = b""

    def feed(self, data: bytes | memoryview) -> Iterator[bytes]:
        data = bytes(data)
        end = data.find(b"~")
        if end >= 0:
            data, self.done = data[:end], True
        text = self.rest + _WHITE.sub(b"", data).replace(b"z", b"!!!!!")
        cut = len(text) - len(text) % 5
        if self.done:
            cut = len(text)
        self.rest = text[cut:]
        if cut:
            try:
                yield base64.a85decode(text[:cut])
            except ValueError:
                self.done = True


class _RunLength(_Stage):
    def __init__(self) -> None:
        self.pending = b""

    def feed(self, data: bytes | memoryview) -> Iterator[bytes]:
        data = self.pending + bytes(data)
        out = bytearray()
        i = 0
        while i < len(data):
            n = data[i]
            if n == 128:
                self.done = True
                break
            need = n + 2 if n < 128 else 2
            if i + need > len(data):
                break
            out += data[i + 1:i + need] if n < 128 else data[i + 1:i + 2] * (257 - n)
            i += need
            if len(out) >= CHUNK:
                yield bytes(out)
                out.clear()
        self.pending = b"" if self.done else data[i:]
        if out:
            yield bytes(out)


class _Lzw(_Stage):
    """LZW as PDF uses it (early change), for the length it decodes to and for what follows it."""

    def __init__(self) -> None:
        self.bits = 0
        self.nbits = 0
        self.width = 9
        self.table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
        self.prev: bytes | None = None

    def feed(self, data: bytes | memoryview) -> Iterator[bytes]:
        out = bytearray()
        for byte in data:
            self.bits = (self.bits << 8) | byte
            self.nbits += 8
            while self.nbits >= self.width and not self.done:
                self.nbits -= self.width
                code = (self.bits >> self.nbits) & ((1 << self.width) - 1)
                self.bits &= (1 << self.nbits) - 1
                self._code(code, out)
            if self.done:
                break
            if len(out) >= CHUNK:
                yield bytes(out)
                out.clear()
        if out:
            yield bytes(out)

    def _code(self, code: int, out: bytearray) -> None:
        if code == 256:
            self.table = self.table[:258]
            self.width, self.prev = 9, None
            return
        if code == 257:
            self.done = True
            return
        if code < len(self.table):
            entry = self.table[code]
            if self.prev is not None and len(self.table) < 4096:
                self.table.append(self.prev + entry[:1])
        elif self.prev is not None and code == len(self.table) < 4096:
            entry = self.prev + self.prev[:1]
            self.table.append(entry)
        else:  # damaged: decoders stop here
            self.done = True
            return
        out += entry
        self.prev = entry
        size = len(self.table) + 1  # early change
        if self.width < 12 and size >= (1 << self.width):
            self.width += 1


_STAGES = {"FlateDecode": _Flate, "ASCIIHexDecode": _AsciiHex, "ASCII85Decode": _Ascii85,
           "LZWDecode": _Lzw, "RunLengthDecode": _RunLength}


def _chain(filters: list[str]) -> list[_Stage]:
    """The decoders qpdf or pdfminer would run, in order, up to the first they would not (images, Crypt)."""
    stages: list[_Stage] = []
    for name in filters:
        name = _ALIASES.get(name, name)
        if name not in _STAGES:
            break
        stages.append(_STAGES[name]())
    return stages


def _spans(size: int, hint: int) -> Iterator[tuple[int, int]]:
    """Where to cut the data into chunks: up to `hint` (where the stream seems to end) first, then on."""
    at = 0
    for end in (min(hint, size), *range(min(hint, size) + CHUNK, size + CHUNK, CHUNK)):
        end = min(end, size)
        while at < end:
            cut = min(end, at + CHUNK)
            yield at, cut
            at = cut


def _decoded_size(raw: memoryview, filters: list[str], budget: _Budget, hint: int | None = None) -> int:
    """How many bytes the stream decodes to, counting (never keeping) each stage's output; _TooBig as soon
    as any stage passes the limit."""
    stages = _chain(filters)
    if not stages:
        return len(raw)
    sizes = [0] * len(stages)

    def push(level: int, chunk: bytes) -> None:
        sizes[level] += len(chunk)
        budget.spend(sizes[level], len(chunk))
        if level + 1 < len(stages) and not stages[level + 1].done:
            for out in stages[level + 1].feed(chunk):
                push(level + 1, out)

    for at, end in _spans(len(raw), len(raw) if hint is None else hint):
        if stages[0].done:
            break
        for out in stages[0].feed(raw[at:end]):
            push(0, out)
    return sizes[-1]


# ---- finding the streams -------------------------------------------------------------------------------


def _names(text: bytes) -> list[str]:
    return list(_decoded_names(bytes(text[:256])) if len(text) <= 256 else _decode_names(text))


@functools.lru_cache(maxsize=256)
def _decoded_names(text: bytes) -> tuple[str, ...]:
    """Filter arrays repeat on nearly every stream of a file (`[/ASCII85Decode/FlateDecode]`): decoded once."""
    return _decode_names(text)


def _decode_names(text: bytes) -> tuple[str, ...]:
    return tuple(_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), n).decode("latin-1") for n in _NAME.findall(text))


class _Objects:
    """Where each object of the raw bytes starts, found once (for filters given by reference)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._at: dict[tuple[int, int], int] | None = None

    def text(self, number: int, generation: int) -> bytes | None:
        """The start of object `number`'s body (the last definition wins, as after an incremental update)."""
        if self._at is None:
            self._at = {(int(m.group(1)), int(m.group(2))): m.end() for m in _ANY_HEADER.finditer(self.data)}
        at = self._at.get((number, generation))
        if at is None:
            return None
        end = self.data.find(b"endobj", at, at + 4096)
        return self.data[at:end if end >= 0 else at + 4096]


def _filters(dictionary: bytes, objects: _Objects) -> list[list[str]]:
    """Every /Filter value in a stream's dictionary text (one, unless a nested dictionary has its own key
    of that name): each is checked, so no nesting trick hides the real one."""
    found = []
    for m in _FILTER.finditer(dictionary):
        value = m.group(1)
        if value.endswith(b"R"):
            number, generation = map(int, value.split()[:2])
            target = objects.text(number, generation)
            if target is None:  # inside an object stream (or missing): every likely chain is tried
                found.extend(_UNRESOLVED)
                continue
            found.append(_names(target.split(b"]")[0] if b"[" in target else target))
        else:
            found.append(_names(value))
    return found or [[]]


@dataclass(frozen=True)
class RawStream:
    start: int  # where its data begins (fed up to the end of the file if need be: each decoder stops at its end)
    hint: int  # how long it seems to be (up to the next `endstream`): fed first
    filters: list[list[str]]  # each /Filter value its dictionary holds
    number: int | None  # object number, when its header was found
    generation: int
    object_stream: bool = False  # its dictionary says /Type /ObjStm
    length: int | None = None  # its direct /Length, when `endstream` follows right after that many bytes


def _header(data: bytes, before: int, lowest: int) -> re.Match[bytes] | None:
    """The `N G obj` nearest before a stream's dictionary (and after the previous stream)."""
    lowest = max(lowest, before - LOOKBACK)
    pos = data.rfind(b"obj", lowest, before)
    while pos >= 0:
        m = _HEADER_END.search(data, max(lowest, pos - 40), pos + 3)
        if m is not None and not data[m.start(1) - 1:m.start(1)].isdigit():
            return m
        pos = data.rfind(b"obj", lowest, pos)
    return None


_EOLS = (b"", b"\n", b"\r", b"\r\n", b" ", b" \n", b" \r\n")


def raw_streams(data: bytes) -> Iterator[RawStream]:
    """Every stream in the raw bytes of a PDF, with the filters its dictionary names."""
    objects = _Objects(data)
    previous = 0
    for m in _STREAM.finditer(data):
        header = _header(data, m.start(), previous)
        dictionary = data[header.end() if header else max(previous, m.start() - LOOKBACK):m.start() + 2]
        end = data.find(b"endstream", m.end())
        hint = (end if end >= 0 else len(data)) - m.end()
        lengths = _LENGTH.findall(dictionary)
        length = int(lengths[0]) if len(lengths) == 1 else None
        if length is not None and (length > hint or data[m.end() + length:m.end() + hint] not in _EOLS):
            length = None  # an earlier `endstream` inside the data, or a wrong /Length: decode it to know
        yield RawStream(start=m.end(), hint=hint, filters=_filters(dictionary, objects),
                        number=int(header.group(1)) if header else None,
                        generation=int(header.group(2)) if header else 0, object_stream=b"/ObjStm" in dictionary,
                        length=length)
        previous = m.end()


def _refuse(path: Path, limit_mb: float, number: int | None, total: bool) -> OverLimitError:
    if total:
        return OverLimitError(f"has compressed streams that together inflate to more than {limit_mb * TOTAL_FACTOR:g} "
                              f"MB, {TOTAL_FACTOR} times the limit for one stream (a damaged or hostile file: a "
                              "decompression bomb?); it was not opened. Ask the sender for a new copy "
                              "(CSE_PDF_MAX_STREAM_MB raises the limit)", path)
    which = f" (object {number})" if number is not None else ""
    return OverLimitError(f"has a compressed stream{which} that inflates to more than {limit_mb:g} MB, the limit "
                          "for one stream (a damaged or hostile file: a decompression bomb?); it was not opened. "
                          "Ask the sender for a new copy (CSE_PDF_MAX_STREAM_MB raises the limit)", path)


# The most one input byte can become through each filter: deflate's format caps it near 1032, an LZW code
# (9 bits at least) stands for at most 4096 bytes, a run-length pair for 128, an ASCII85 `z` for 4.
_MAX_RATIO = {"FlateDecode": 1032, "LZWDecode": 3641, "RunLengthDecode": 64, "ASCII85Decode": 4,
              "ASCIIHexDecode": 1}


def _bound(raw: memoryview, filters: list[str], length: int | None) -> int | None:
    """An upper bound of what a stream decodes to, known without decoding it, or None.

    It needs the exact length of the encoded data: a direct /Length that ends right at `endstream` (qpdf
    and pdfminer then both read that many bytes), or ASCII85 data's closing `~` (a `~` cannot occur inside
    it). Decoding every stream in Python was most of a normal return's reading time; a bomb cannot hide
    under a bound, since each filter's ratio is its format's most."""
    names = [_ALIASES.get(n, n) for n in filters]
    if not names or any(n not in _MAX_RATIO for n in names):
        return None
    if length is None and names[0] == "ASCII85Decode":
        end = bytes(raw[:CHUNK]).find(b"~")
        length = end if end >= 0 else None
    if length is None:
        return None
    bound = length
    for name in names:
        bound *= _MAX_RATIO[name]
    return bound


def _check(raw: memoryview, filters: list[str], budget: _Budget, path: Path, limit_mb: float,
           number: int | None, hint: int | None = None, length: int | None = None) -> None:
    if len(filters) > MAX_FILTERS:
        which = f" (object {number})" if number is not None else ""
        raise OverLimitError(f"has a stream{which} with {len(filters)} filters, over the limit of {MAX_FILTERS} "
                             "(a damaged or hostile file); it was not opened. Ask the sender for a new copy", path)
    bound = _bound(raw, filters, length)
    if bound is not None and bound <= budget.per_stream and budget.bounded + bound <= budget.total:
        # It cannot pass the limit, whatever it holds. Counted apart at its most, so that many small streams
        # still meet the total, and a large real form is never refused for what its streams could have been.
        budget.bounded += bound
        return
    try:
        _decoded_size(raw, filters, budget, hint)
    except _TooBig as too_big:
        raise _refuse(path, limit_mb, number, too_big.total) from None


def _budget(limit_mb: float) -> _Budget:
    per_stream = int(limit_mb * MB)
    return _Budget(per_stream, per_stream * TOTAL_FACTOR)


def check_raw(data: bytes, path: Path, limit_mb: float | None = None) -> None:
    """Raise OverLimitError if any stream in the raw bytes of a PDF inflates past the limit.

    Called before qpdf or pdfminer parses the file: the cross-reference stream and object streams that
    qpdf inflates on opening are checked too."""
    limit_mb = limit_mb or stream_limit_mb()
    budget = _budget(limit_mb)
    view = memoryview(data)
    for s in raw_streams(data):
        for filters in s.filters:
            _check(view[s.start:], filters, budget, path, limit_mb, s.number, s.hint, s.length)


def check_opened(pdf: Any, data: bytes, path: Path, limit_mb: float | None = None) -> None:
    """For an encrypted file (its raw streams are ciphertext): the same check on each stream's decrypted,
    still compressed bytes, read through qpdf one top-level object at a time (never an object stream's
    contents, which is what would inflate)."""
    import pikepdf

    limit_mb = limit_mb or stream_limit_mb()
    budget = _budget(limit_mb)
    seen: set[tuple[int, int]] = set()
    # Object streams first: asking qpdf for any other object may make it inflate the one holding it.
    for s in sorted(raw_streams(data), key=lambda s: not s.object_stream):
        if s.number is None or (s.number, s.generation) in seen:
            continue
        seen.add((s.number, s.generation))
        try:
            obj = pdf.get_object((s.number, s.generation))
            if not isinstance(obj, pikepdf.Stream):
                continue
            raw = obj.read_raw_bytes()
            filters = obj.get("/Filter")
            names = ([str(f)[1:] for f in filters] if isinstance(filters, pikepdf.Array)
                     else [str(filters)[1:]] if isinstance(filters, pikepdf.Name) else [])
        except (pikepdf.PdfError, ValueError, TypeError, KeyError, RuntimeError):
            continue  # qpdf cannot read it either: it reports the damage itself when it gets there
        _check(memoryview(raw), names, budget, path, limit_mb, s.number)


PAGE_CONTENT_MB = 16.0  # a flattened form's pages hold well under 1 MB of content; pdfminer parses all of it


def check_page_content(pdf: Any, path: Path, pages: int, limit_mb: float = PAGE_CONTENT_MB) -> None:
    """Before pdfminer parses the first `pages` pages of a file for a flattened copy: their content
    (and the form XObjects they draw, at any depth) must decode to under `limit_mb` in all.

    Content well within the per-stream limit can still be a bomb for pdfminer, which builds a Python
    object for every operator it reads: 60 MB of `0 0 m 1 1 l S` (120 KB compressed) took it past 60 s
    and 300 MB. A flattened cse-pdf form has about 15 KB a page."""
    import pikepdf

    budget = _Budget(int(limit_mb * MB), int(limit_mb * MB))
    seen: set[tuple[int, int]] = set()

    def streams_of(obj: Any) -> list[Any]:
        if isinstance(obj, pikepdf.Stream):
            return [obj]
        if isinstance(obj, pikepdf.Array):
            return [o for o in obj if isinstance(o, pikepdf.Stream)]
        return []

    def count(stream: Any, depth: int) -> None:
        if stream.objgen in seen and stream.objgen != (0, 0):
            return
        seen.add(stream.objgen)
        filters = stream.get("/Filter")
        names = ([str(f)[1:] for f in filters] if isinstance(filters, pikepdf.Array)
                 else [str(filters)[1:]] if isinstance(filters, pikepdf.Name) else [])
        raw = stream.read_raw_bytes()
        if not _chain(names):
            budget.spend(len(raw), len(raw))
        elif len(names) <= MAX_FILTERS:
            _decoded_size(memoryview(raw), names, budget)
        if depth < 16:
            walk(stream.get("/Resources"), depth + 1)

    def walk(resources: Any, depth: int) -> None:
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(xobjects, pikepdf.Dictionary):
            return
        for key in list(xobjects.keys()):
            x = xobjects.get(key)
            if isinstance(x, pikepdf.Stream) and x.get("/Subtype") == "/Form":
                count(x, depth)

    try:
        for page in list(pdf.pages)[:pages]:
            for stream in streams_of(page.obj.get("/Contents")):
                count(stream, 0)
            walk(page.obj.get("/Resources"), 0)
    except _TooBig:
        raise OverLimitError(f"has page content that inflates to more than {limit_mb:g} MB on its first {pages} "
                             "pages, far more than any form (a damaged or hostile file?); it was not read. Ask "
                             "the sender for the completed form as they received it", path) from None
    except (pikepdf.PdfError, ValueError, TypeError, KeyError, RuntimeError):
        return  # damaged: pdfminer meets the same damage and says so
