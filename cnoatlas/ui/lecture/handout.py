"""The lecture handouts as PDF: one slide per landscape A4 page, white paper, the slide as a
JPEG of chosen quality (Qt's own PDF writer stores images at a fixed, high JPEG quality, which
made the example lecture's handout 10-20 MB), its step name above it and, in the presenter's
handout only, the speaker notes below it.

The file is written directly (PDF 1.4: the two standard Helvetica fonts, one JPEG image per
page), so its size is known and small, and its text stays searchable (``pdftotext`` reads it).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage

from cnoatlas.domain.errors import AtlasError

A4_LANDSCAPE = (842.0, 595.0)  # points
MARGIN = 34.0  # 12 mm
JPEG_QUALITY = 65  # sharp slide text on paper at a fraction of the size Qt writes


@dataclass(frozen=True)
class HandoutPage:
    image: QImage  # the slide, as it is shown (any size; kept in its aspect ratio)
    heading: str  # "3 / 51 · Case 1 · History"
    note: str = ""  # printed under the slide (the presenter's handout only)


def jpeg_bytes(image: QImage, quality: int = JPEG_QUALITY) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    if not rgb.save(buffer, "JPG", quality):
        raise AtlasError("could not encode a slide as JPEG")
    buffer.close()
    return bytes(data.data())


def _pdf_text(text: str) -> bytes:
    """A PDF string in WinAnsi (Latin-1 plus typographic marks), brackets and backslashes escaped."""
    raw = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    raw = raw.replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    encoded = raw.encode("cp1252", errors="replace")
    return b"(" + encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Lines that fit ``width`` points in Helvetica at ``size`` (0.55 em a character, a safe
    average for prose)."""
    chars = max(10, int(width / (size * 0.55)))
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, chars, break_on_hyphens=False) or [""]
    return lines


def write_pdf(path: Path, title: str, pages: list[HandoutPage]) -> Path:
    """Write the handout; raise AtlasError naming the file if it cannot be written."""
    page_w, page_h = A4_LANDSCAPE
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    pages_obj = add(b"")
    regular = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    bold = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    info = add(b"<< /Title " + _pdf_text(title) + b" /Creator (CNO Atlas) >>")
    kids: list[int] = []
    for page in pages:
        jpeg = jpeg_bytes(page.image)
        iw, ih = page.image.width(), page.image.height()
        image = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (iw, ih, len(jpeg))
            + jpeg
            + b"\nendstream"
        )
        heading_size, note_size = 12.0, 10.0
        top = page_h - MARGIN
        ops = [b"BT /F2 %.1f Tf %.2f %.2f Td " % (heading_size, MARGIN, top - heading_size)]
        ops.append(_pdf_text(page.heading) + b" Tj ET")
        note_lines = (
            _wrap(f"Speaker notes: {page.note}", note_size, page_w - 2 * MARGIN)
            if page.note
            else []
        )
        notes_h = (len(note_lines) * note_size * 1.3 + 10) if note_lines else 0.0
        box_top = top - heading_size * 1.8
        box_w, box_h = page_w - 2 * MARGIN, box_top - MARGIN - notes_h
        scale = min(box_w / iw, box_h / ih)
        w, h = iw * scale, ih * scale
        x, y = MARGIN, box_top - h
        ops.append(b"q %.2f 0 0 %.2f %.2f %.2f cm /Im Do Q" % (w, h, x, y))
        ops.append(b"q 0.6 0.63 0.65 RG 0.5 w %.2f %.2f %.2f %.2f re S Q" % (x, y, w, h))
        line_y = y - 10 - note_size
        for text in note_lines:
            ops.append(
                b"BT /F1 %.1f Tf %.2f %.2f Td " % (note_size, MARGIN, line_y)
                + _pdf_text(text)
                + b" Tj ET"
            )
            line_y -= note_size * 1.3
        content = b"\n".join(ops)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.0f %.0f]"
                % (pages_obj, page_w, page_h)
                + b" /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> /XObject << /Im %d 0 R >> >>"
                % (regular, bold, image)
                + b" /Contents %d 0 R >>" % stream
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = (
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % k for k in kids)
        + b"] /Count %d >>" % len(kids)
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    temporary = path.with_name(path.name + ".part")
    try:
        temporary.write_bytes(bytes(out))
        temporary.replace(path)  # a reader never sees half a handout
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise AtlasError(f"{path}: could not write the PDF ({exc.strerror or exc})") from exc
    return path
