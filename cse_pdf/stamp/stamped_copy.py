"""A returned form → the same form with a summary page in front, every answer kept as the worker gave it.

The original returned file is never changed; the stamped copy is a new file,
readable only by its owner, since it holds case data.

A stamped copy is cse-pdf's own output, never a new return: it carries a mark that
ingest recognises (see `mark_stamped`), and stamping one again is refused.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import escape

import pikepdf

from cse_pdf.assess.claims import assess_return, live_outputs
from cse_pdf.assess.history import PreviousAssessment
from cse_pdf.assess.score import Assessment
from cse_pdf.base.errors import DamagedPdfError, PdfInputError
from cse_pdf.form.blocks import IDENTITY_FIELD
from cse_pdf.form.identity import STAMPED_INFO_KEY
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.fill import fill, fill_calculated
from cse_pdf.pdf.lock import flatten
from cse_pdf.pdf.page_fonts import embed_standard_page_fonts
from cse_pdf.pdf.structure_merge import declare_tagged, prepend_tagged, tag_leftover_content, tag_untagged_pages
from cse_pdf.returned.disarm import disarm
from cse_pdf.returned.read import QPDF_ERRORS, OpenedPdf, Response, open_pdf, raise_if_out_of_memory, read_opened
from cse_pdf.stamp.summary_page import render_summary


@dataclass
class Stamped:
    response: Response
    assessment: Assessment
    pdf: bytes


def stamp(path: Path | str, flatten_fields: bool = False, spec: FormSpec | None = None,
          previous: PreviousAssessment | None = None, password: str | None = None,
          cautions: Sequence[str] = ()) -> Stamped:
    """Read, score and stamp one returned form (PDF bytes in the result).

    `previous` is the young person's previous assessment, shown on the summary page when given
    (ingest finds it in the database; `cse-pdf stamp` works without one)."""
    path = Path(path)
    with open_pdf(path, password) as opened:
        response = read_opened(opened, path, spec)
        return stamp_read(opened, response, assess_return(response), flatten_fields, previous, path, cautions)


def stamp_read(opened: OpenedPdf, response: Response, assessment: Assessment, flatten_fields: bool = False,
               previous: PreviousAssessment | None = None, path: Path | None = None,
               cautions: Sequence[str] = ()) -> Stamped:
    """Stamp a form already opened and read: the stamp is made in the very document it was read from
    (qpdf's), which is changed by it, so nothing is parsed twice.

    Saving touches all of the file, not only the fields read: a hostile or broken structure that
    reading got past can stop it, and says so in one line."""
    if is_stamped_copy(opened, response):
        raise PdfInputError(f"is {STAMPED_COPY}; stamp the returned form it was made from", path)
    try:
        return _stamp_read(opened, response, assessment, flatten_fields, previous, cautions)
    except QPDF_ERRORS as exc:
        raise_if_out_of_memory(exc)
        raise DamagedPdfError(f"was read but cannot be stamped: its structure is damaged or nested too deeply "
                              f"({type(exc).__name__}); ask the sender for a new copy", path) from None


def _stamp_read(opened: OpenedPdf, response: Response, assessment: Assessment, flatten_fields: bool,
                previous: PreviousAssessment | None, cautions: Sequence[str]) -> Stamped:
    spec, pdf = response.spec, opened.pdf
    if not response.flattened:  # a flattened copy has no fields left to write into
        # Rewrite every answer as read: fresh appearances everywhere (some viewers delete them). The
        # worker's own category among them, never the suggestion: that lives on the summary page and in the
        # calculated boxes, so scoring the stamped copy finds what scoring the return found (issue 14).
        fill(pdf, spec, dict(response.values), opened.fields())
        fill_calculated(pdf, live_outputs(spec, assessment), opened.fields())  # cse-pdf's result, not the viewer's claim
        if "/NeedAppearances" in pdf.Root.AcroForm:  # every widget has its appearance now
            del pdf.Root.AcroForm["/NeedAppearances"]
    disarm(pdf, spec)  # the copy is opened in Acrobat: nothing added to the return may run there (nor XFA)
    embed_standard_page_fonts(pdf)  # a return of a blank made before page fonts were embedded: embed them now
    mark_stamped(opened, response)
    with pikepdf.open(io.BytesIO(render_summary(response, assessment, previous=previous,
                                                cautions=cautions))) as summary:
        # one structure tree: the summary's elements, then the form's own (a return of a tagged blank has one)
        prepend_tagged(pdf, summary)
        tag_untagged_pages(pdf)  # a return of a blank made before cse-pdf tagged its forms: what can be tagged
        declare_tagged(pdf)
        if flatten_fields:
            flatten(pdf)
        tag_leftover_content(pdf)  # e.g. a printed copy's answers, drawn after the form's tagged content
        out = io.BytesIO()
        # Saved unencrypted: a return opened with its password (or only restricted by an owner password)
        # is stamped as a plain copy, which ingest encrypts itself when asked to. The appearance streams
        # just written are left uncompressed: a third less saving time for a file about 4% larger.
        pdf.save(out, encryption=False, compress_streams=False, deterministic_id=True)  # same return, same bytes
    return Stamped(response, assessment, out.getvalue())


STAMPED_COPY = "a stamped copy made by cse-pdf, not a returned form"


def stamp_mark(data: bytes) -> str:
    """The mark a stamped copy carries: the start of the SHA-256 of the return it was made from, which
    says which return (found by `cse-pdf list`/the database) without saying anything in it."""
    return hashlib.sha256(data).hexdigest()[:16]


def mark_stamped(opened: OpenedPdf, response: Response) -> None:
    """Mark the copy being stamped as cse-pdf's own output, in two places besides its summary page's
    printed footer: the form identity's field value (kept by every viewer's save, as the identity
    itself is) and the document information (kept by a flattened copy, which has no fields)."""
    mark = stamp_mark(opened.data)
    identity = opened.fields().get(IDENTITY_FIELD)
    if identity is not None and not response.flattened:
        identity.node["/V"] = pikepdf.String(replace(response.identity, stamped=mark).encode())
    opened.pdf.docinfo[STAMPED_INFO_KEY] = pikepdf.String(mark)
    # XMP too (PDF 2.0 deprecates the document information): the copy's own packet, written whole rather
    # than merged into the return's, so no XML from the returned file is ever parsed here. It names the
    # layout's title (PDF/UA asks for dc:title) from cse-pdf's own spec, never from the returned file.
    packet = _XMP.replace(b"MARK", mark.encode("ascii")).replace(b"TITLE", escape(response.spec.title).encode())
    opened.pdf.Root.Metadata = opened.pdf.make_stream(packet, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)


XMP_MARK = b"<csepdf:stamped>"
_XMP = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        b'xmlns:csepdf="urn:x-cse-pdf:ns/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">' + XMP_MARK + b"MARK</csepdf:stamped>"
        b'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">TITLE</rdf:li></rdf:Alt></dc:title>'
        b"<pdfuaid:part>1</pdfuaid:part></rdf:Description></rdf:RDF>"
        b'</x:xmpmeta>\n<?xpacket end="w"?>')
MAX_XMP = 256 * 1024  # a metadata packet is a few kilobytes; a bigger (or inflating) one is not looked into


def is_stamped_copy(opened: OpenedPdf, response: Response) -> bool:
    """A stamped copy made by cse-pdf: any of its marks (identity, document information, XMP, summary page).
    The XMP is searched as bytes for the mark, never parsed as XML."""
    if response.identity.stamped:
        return True
    try:
        info = opened.pdf.trailer.get("/Info")
        if isinstance(info, pikepdf.Dictionary) and STAMPED_INFO_KEY in info:
            return True
        meta = opened.pdf.Root.get("/Metadata")
        if not isinstance(meta, pikepdf.Stream) or len(meta.read_raw_bytes()) > MAX_XMP:
            return False
        filtered = "/Filter" in meta and meta.Filter != pikepdf.Array()
        return XMP_MARK in (meta.read_bytes()[:4 * MAX_XMP] if filtered else meta.read_raw_bytes())
    except QPDF_ERRORS:
        return False  # a broken information dictionary or metadata stream marks nothing
