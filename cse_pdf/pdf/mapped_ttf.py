"""A reportlab TrueType font whose every glyph copies, searches and reads aloud as the character it stands for.

reportlab writes each subset's /ToUnicode with four hex digits per character, so a character past U+FFFF
(😀, U+1F600) maps to `<1F600>`, which readers take as U+1F60 and a stray byte; and a character the font has
no glyph for is drawn as .notdef (which PDF/UA forbids) mapped to U+0000, so copying a name loses it. Here a
character past U+FFFF maps as its UTF-16 surrogate pair, and a character the font lacks is drawn with the
font's replacement glyph (�, else □) while still mapping to itself: the reader sees that this font could not
draw it, and copy, search and a screen reader get the name as it was typed.
"""

from __future__ import annotations

from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

REPLACEMENTS = (0xFFFD, 0x25A1)  # � in DejaVu Sans; Liberation Sans has only □


def _utf16_hex(code: int) -> str:
    if 0xD800 <= code <= 0xDFFF:  # half of a surrogate pair on its own (text decoded with errors): no character
        code = 0xFFFD
    return chr(code).encode("utf-16-be").hex().upper()


def to_unicode_cmap(font_name: str, subset: list[int]) -> str:
    """A subset's /ToUnicode: one-byte codes to UTF-16BE, codes without a character (0) left unmapped."""
    entries = [f"<{i:02X}> <{_utf16_hex(code)}>" for i, code in enumerate(subset) if code]
    body: list[str] = []
    for start in range(0, len(entries), 100):  # a bfchar block holds at most 100 entries
        chunk = entries[start:start + 100]
        body += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        f"/CIDSystemInfo << /Registry ({font_name}) /Ordering ({font_name}) /Supplement 0 >> def",
        f"/CMapName /{font_name} def", "/CMapType 2 def",
        "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
        *body, "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


class UnicodeMappedTTFont(TTFont):
    """TTFont with a right /ToUnicode for every character, and no .notdef drawn (see the module's note).

    A character the font lacks is measured as before (the face's default width), so it wraps as it always did;
    for DejaVu the default width is set to the replacement glyph's, so the glyph fits its advance."""

    def __init__(self, name: str, filename: str, fit_replacement: bool = True) -> None:
        super().__init__(name, filename)
        face = self.face
        self.replacement = next(c for c in REPLACEMENTS if c in face.charToGlyph)
        if fit_replacement:
            face.defaultWidth = face.charWidths[self.replacement]

    def splitString(self, text: str | bytes, doc, encoding: str = "utf-8"):  # type: ignore[no-untyped-def]
        """Before reportlab assigns codes: characters the font lacks get the replacement glyph (not .notdef).
        Always the same glyph and the same (default) width, so output never depends on what came before."""
        if isinstance(text, bytes):
            text = text.decode(encoding)
        glyphs = self.face.charToGlyph
        for code in {ord(ch) for ch in text}:
            if code >= 0x20 and code != 0xA0 and code not in glyphs:
                glyphs[code] = glyphs[self.replacement]
        return super().splitString(text, doc, encoding)

    def addObjects(self, doc) -> None:  # type: ignore[no-untyped-def]
        """reportlab's objects, with each subset's /ToUnicode rewritten to map every character right."""
        subsets = [list(subset) for subset in self._assignState(doc).subsets]  # reportlab drops its state
        super().addObjects(doc)
        for n, subset in enumerate(subsets):
            base_font = (SUBSETN(n) + b"+" + self.face.name + self.face.subfontNameX).decode("pdfdoc")
            doc.idToObject["toUnicodeCMap:" + base_font].content = to_unicode_cmap(base_font, subset)
