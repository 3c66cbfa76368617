"""A decompression bomb is refused in one line (exit 2) before anything inflates it, and the whole
process tree stays under 512 MiB (issue 14, section 3). Bombs of every shape the readers would meet:
a page, an object stream, the cross-reference stream, an image, an object nothing uses, behind nested,
chained, abbreviated, escaped or indirect filters, LZW and RunLength, and inside an encrypted file."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from helpers.forms import REPO
from helpers.hostile_corpus import (
    BOMB_REASON,
    BOMBS,
    CONTENT_REASON,
    SOURCES,
    _bomb_stream,
    _bytes,
    _deflate_zeros,
    _writer,
    content_bomb,
    encrypted_bomb,
    lzw_encode,
)

from cse_pdf.base.errors import OverLimitError
from cse_pdf.pdf.stream_limits import _Budget, _decoded_size, check_raw, raw_streams
from cse_pdf.returned.read import read_form

pytestmark = pytest.mark.slow  # memory and decompression bombs, each measured in a process tree of its own

MIB = 1024 * 1024
TREE_LIMIT_KIB = 512 * 1024
LINE = re.compile(r"^cse-pdf: error: (.+?\.pdf): (.+)$")


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    made = {}
    for name, make in BOMBS.items():
        made[name] = folder / f"{name}.pdf"
        made[name].write_bytes(make())
    return made


def measured(*args: object, env: dict[str, str] | None = None) -> tuple[int, str, str, int]:
    """(exit code, stdout, stderr, peak KiB) of `cse-pdf args`, run under a wrapper process whose
    RUSAGE_CHILDREN peak is that of the largest process of the tree (cse-pdf and its reading child)."""
    wrapper = ("import json, resource, subprocess, sys\n"
               "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
               "print(json.dumps([done.returncode, done.stdout, done.stderr, peak]))\n")
    full_env = {k: v for k, v in os.environ.items() if k not in ("CSE_PDF_DB", "CSE_PDF_DEBUG",
                                                                  "CSE_PDF_MAX_STREAM_MB")}
    full_env.update(env or {})
    done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "cse_pdf", *map(str, args)],
                          capture_output=True, text=True, env=full_env, timeout=900)
    code, out, err, peak = json.loads(done.stdout)
    return code, out, err, peak


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_each_bomb_is_refused_in_one_line_with_the_tree_under_512_mib(bombs: dict[str, Path], name: str) -> None:
    code, out, err, peak = measured("read", bombs[name])

    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    m = LINE.match(lines[0])
    assert m and m.group(1) == str(bombs[name])
    assert "inflates to more than 64 MB" in m.group(2) and "CSE_PDF_MAX_STREAM_MB" in m.group(2)
    # `read` is two processes (cse-pdf and its reading child): the tree's peak is at most twice the larger
    assert 2 * peak < TREE_LIMIT_KIB, f"{name}: {peak / 1024:.0f} MiB in one process"


def test_score_refuses_each_bomb_and_scores_the_good_file_after_it(bombs: dict[str, Path]) -> None:
    good = SOURCES["hillingdon"]
    picked = [bombs["bomb-object-stream"], bombs["bomb-image"], bombs["bomb-encrypted"]]
    code, out, err, peak = measured("score", *picked, good)

    assert code == 2
    refused = [LINE.match(line) for line in err.strip().splitlines()]
    assert [m.group(1) for m in refused if m] == [str(p) for p in picked]
    assert all(BOMB_REASON in m.group(2) for m in refused if m)
    assert str(good) in out and "internal error" not in out + err
    assert 2 * peak < TREE_LIMIT_KIB


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128", "RC4-128"])
def test_a_bomb_in_a_return_sent_with_a_password_is_refused_once_opened(tmp_path: Path, algorithm: str) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted_bomb("rv", user_password="fictional-secret-42", algorithm=algorithm))

    code, out, err, peak = measured("read", "--password", path, env={"CSE_PDF_PASSWORD": "fictional-secret-42"})

    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith(f"cse-pdf: error: {path}: has a compressed stream (object ") and BOMB_REASON in line
    assert 2 * peak < TREE_LIMIT_KIB


def test_stamp_refuses_a_bomb_and_writes_nothing(bombs: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "stamped.pdf"
    code, out, err, peak = measured("stamp", bombs["bomb-unused-object"], "-o", target)
    assert code == 2 and not target.exists()
    [line] = err.strip().splitlines()
    assert line.startswith(f"cse-pdf: error: {bombs['bomb-unused-object']}: has a compressed stream")
    assert 2 * peak < TREE_LIMIT_KIB


def test_ingest_fails_every_bomb_and_ingests_the_good_returns_beside_them(bombs: dict[str, Path], tmp_path: Path,
                                                                         db_url: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in bombs.values():
        shutil.copy(path, inbox / path.name)
    good = [REPO / "samples" / "medium-chromium.pdf", REPO / "samples" / "rv-high-pdfjs.pdf"]
    for path in good:
        shutil.copy(path, inbox / path.name)

    code, out, err, peak = measured("ingest", inbox, "--db", db_url, "--out", tmp_path / "out",
                                    "--workers", "1", env={"HOME": str(tmp_path)})

    assert code == 2, out + err
    assert "internal error" not in out + err and "Traceback" not in err
    failed = dict(re.findall(r"^  (.+?\.pdf): (.+)$", out, re.M))
    assert {Path(p).name for p in failed} == {p.name for p in bombs.values()}
    assert all(BOMB_REASON in reason for reason in failed.values())
    table = dict(re.findall(r"^(ingested|already known|needs review|failed)\s+(\d+)$", out, re.M))
    assert int(table["ingested"]) + int(table["needs review"]) == len(good)
    assert peak < TREE_LIMIT_KIB  # no process of the batch came near it (the bombs were never inflated)


# ---- the checker measures what qpdf would decode, no more and no less -----------------------------------------


def _pdf_with_streams(streams: list[tuple[bytes, list[str]]]) -> tuple[bytes, dict[int, int]]:
    """A PDF holding each (raw bytes, filters) as given; returns it and qpdf's decoded size by object."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    numbers = []
    for raw, filters in streams:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(raw, filter=pikepdf.Array([pikepdf.Name(f) for f in filters]) if filters else None)
        numbers.append(pdf.make_indirect(stream).objgen[0])
    pdf.Root.Extra = pikepdf.Array([pdf.get_object((n, 0)) for n in numbers])
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.disable)
    data = out.getvalue()
    with pikepdf.open(io.BytesIO(data)) as again:  # (saving renumbers the objects)
        sizes = {s.objgen[0]: len(s.read_bytes(pikepdf.StreamDecodeLevel.specialized)) for s in again.Root.Extra}
    return data, sizes


def test_decoded_sizes_are_what_qpdf_decodes_for_each_filter_and_chain() -> None:
    text = b"BT /F1 12 Tf 72 700 Td (A fictional line of text) Tj ET\n" * 500 + bytes(range(256)) * 20
    streams = [
        (zlib.compress(text), ["/FlateDecode"]),
        (text.hex().encode() + b">", ["/ASCIIHexDecode"]),
        (base64.a85encode(text) + b"~>", ["/ASCII85Decode"]),
        (base64.a85encode(bytes(4000)) + b"~>", ["/ASCII85Decode"]),  # the 'z' shorthand
        (b"\x81\x00" * 100 + b"\x05hello!" + b"\x80", ["/RunLengthDecode"]),
        (lzw_encode(text), ["/LZWDecode"]),
        (base64.a85encode(zlib.compress(text)) + b"~>", ["/ASCII85Decode", "/FlateDecode"]),
        (zlib.compress(zlib.compress(text)).hex().encode() + b">", ["/ASCIIHexDecode", "/FlateDecode", "/FlateDecode"]),
        (zlib.compress(lzw_encode(text)), ["/FlateDecode", "/LZWDecode"]),
        (text, []),
    ]
    data, qpdf_sizes = _pdf_with_streams(streams)
    found = {s.number: s for s in raw_streams(data)}
    for number, expected in qpdf_sizes.items():
        s = found[number]
        assert len(s.filters) == 1
        size = _decoded_size(memoryview(data)[s.start:], s.filters[0], _Budget(10**9, 10**10), s.hint)
        if s.filters[0]:
            assert size == expected, (number, s.filters)


def test_a_stream_cut_short_is_counted_at_least_as_long_as_qpdf_reads_it() -> None:
    """No end marker: the count reads on past the stream (never less than qpdf, which stops at /Length)."""
    text = b"0 0 m 100 100 l S\n" * 4000
    data, qpdf_sizes = _pdf_with_streams([(zlib.compress(text)[:-30], ["/FlateDecode"])])
    [(number, expected)] = qpdf_sizes.items()
    [s] = [s for s in raw_streams(data) if s.number == number]
    assert _decoded_size(memoryview(data)[s.start:], s.filters[0], _Budget(10**9, 10**10), s.hint) >= expected


def test_every_sample_passes_the_check() -> None:
    for path in sorted((REPO / "samples").glob("*.pdf")):
        check_raw(path.read_bytes(), path)


# ---- the limit --------------------------------------------------------------------------------------------------


def _form_with_unused_zeros(megabytes: int) -> bytes:
    w = _writer("hillingdon")
    _bomb_stream(w, _deflate_zeros(megabytes * MIB), ["/FlateDecode"])
    return _bytes(w)


def test_a_big_stream_under_the_limit_is_read_and_over_a_lower_limit_refused(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "zeros.pdf"
    path.write_bytes(_form_with_unused_zeros(16))
    monkeypatch.delenv("CSE_PDF_MAX_STREAM_MB", raising=False)
    assert read_form(path).values == read_form(SOURCES["hillingdon"]).values
    monkeypatch.setenv("CSE_PDF_MAX_STREAM_MB", "8")
    with pytest.raises(OverLimitError, match=r"zeros.pdf: has a compressed stream \(object \d+\) that inflates to "
                                             r"more than 8 MB, the limit for one stream"):
        read_form(path)


def test_many_streams_each_under_the_limit_are_refused_together(tmp_path: Path) -> None:
    w = _writer("rv")
    for _ in range(20):
        _bomb_stream(w, _deflate_zeros(64 * MIB), ["/FlateDecode"])  # each just at the limit; 20 x 64 MB: over 16 x
    path = tmp_path / "many.pdf"
    path.write_bytes(_bytes(w))
    with pytest.raises(OverLimitError, match=r"many.pdf: has compressed streams that together inflate to more than "
                                             r"1024 MB"):
        check_raw(path.read_bytes(), path)


def test_a_stream_with_a_hundred_filters_is_refused(tmp_path: Path) -> None:
    w = _writer("rv")
    _bomb_stream(w, b"x", ["/FlateDecode"] * 100)
    path = tmp_path / "filters.pdf"
    path.write_bytes(_bytes(w))
    with pytest.raises(OverLimitError, match=r"filters.pdf: has a stream \(object \d+\) with 100 filters"):
        read_form(path)


def test_endstream_inside_the_compressed_data_does_not_cut_the_count_short(tmp_path: Path) -> None:
    """A bomb whose compressed bytes hold the word `endstream` (a stored deflate block), with its real
    length in an indirect /Length: a scan that stopped at the word would see a few harmless bytes."""
    zeros = 100 * MIB
    head = b"endstream"
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = b"".join(deflate.compress(bytes(MIB)) for _ in range(zeros // MIB)) + deflate.flush()
    adler = zlib.adler32(bytes(MIB) * (zeros // MIB), zlib.adler32(head))
    stream = (b"\x78\x01\x00" + len(head).to_bytes(2, "little") + (~len(head) & 0xFFFF).to_bytes(2, "little") + head
              + body + adler.to_bytes(4, "big"))
    assert zlib.decompressobj().decompress(stream, 100).startswith(head)  # a real zlib stream, starting with the word
    data = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] "
            b"/Count 0 >>\nendobj\n3 0 obj\n<< /Length 4 0 R /Filter /FlateDecode >>\nstream\n" + stream
            + b"\nendstream\nendobj\n4 0 obj\n%d\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n" % len(stream))
    with pytest.raises(OverLimitError, match=r"x.pdf: has a compressed stream \(object 3\) that inflates to more "
                                             r"than 64 MB"):
        check_raw(data, tmp_path / "x.pdf")


# ---- content that pdfminer would parse, for a flattened copy ----------------------------------------------------


@pytest.mark.parametrize("via_form_xobject", [False, True])
def test_page_content_that_would_swamp_pdfminer_is_refused_before_it_parses(tmp_path: Path,
                                                                            via_form_xobject: bool) -> None:
    path = tmp_path / "drawing.pdf"
    path.write_bytes(content_bomb(via_form_xobject=via_form_xobject))
    check_raw(path.read_bytes(), path)  # every stream is under the one-stream limit …

    code, out, err, peak = measured("read", path)  # … but not under the limit for pages pdfminer reads

    assert code == 2 and out == ""
    [line] = err.strip().splitlines()
    assert line.startswith(f"cse-pdf: error: {path}: {CONTENT_REASON} 16 MB on its first 60 pages")
    assert 2 * peak < TREE_LIMIT_KIB


def test_flattened_copies_are_still_read() -> None:
    for name in ("flat-high-mupdf.pdf", "flat-rv-medium-pdfium.pdf"):
        response = read_form(REPO / "samples" / name)
        assert response.flattened and any(v not in (None, False) for v in response.values.values())
