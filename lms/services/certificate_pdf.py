"""The printable certificate: one A4 landscape page, in the learner's language.

ReportLab draws it (pure-Python wheel on PyPI, no system library) with the Bitstream Vera
TrueType fonts that ReportLab ships (Latin-1 and Latin Extended coverage for French: é, ç, œ,
« », €), embedded in the PDF as subsets; nothing is downloaded at run time. The QR code is made
by segno (pure Python) and drawn as vector squares, sharp at any printer resolution.
"""
from __future__ import annotations

import io
import logging
import os
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import reportlab
import segno
from babel.dates import format_date
from flask_babel import force_locale, gettext as _
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..models.content import loc

log = logging.getLogger(__name__)

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
REGULAR, BOLD, ITALIC = "CertSans", "CertSans-Bold", "CertSans-Oblique"
NAVY = HexColor("#1d3557")
GOLD = HexColor("#b08d3c")
GREY = HexColor("#4a4a4a")
LIGHT = Color(0.96, 0.95, 0.92)


def _register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in ((REGULAR, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (ITALIC, "VeraIt.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def printable(text: str, font: str = REGULAR) -> str:
    """Characters the font lacks become their unaccented form (or '?'), never an empty box."""
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    out = []
    for ch in text:
        if ord(ch) in glyphs or ch in "\n":
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) in glyphs
                       and not unicodedata.combining(c))
        out.append(base or "?")
    return "".join(out)


def _fit(c: Canvas, text: str, font: str, size: float, width: float, minimum: float = 10) -> float:
    while size > minimum and c.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _wrap(c: Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and c.stringWidth(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


def _qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code of `data` with its quiet zone, `size` points wide, lower-left corner at x, y."""
    qr = segno.make(data, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix)
    border = 4
    module = size / (n + 2 * border)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(HexColor("#000000"))
    path = c.beginPath()
    top = y + size - border * module
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col] & 1:
                start = col
                while col < n and row[col] & 1:
                    col += 1
                path.rect(x + (border + start) * module, top - (r + 1) * module, (col - start) * module, module)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)


def _date(dt: datetime | None, lang: str) -> str:
    """The day in the organisation's time zone (LMS_TIME_ZONE): issued at 23:30 UTC on 31 December
    is 1 January in Paris."""
    if dt is None:
        return ""
    import pytz
    from flask import current_app, has_app_context

    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    aware = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return format_date(aware.astimezone(pytz.timezone(zone)), format="long", locale=lang)


def render(cert, *, lang: str, org_name: str, verify_url: str, logo: str | None = None) -> bytes:
    """The certificate as PDF bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = Canvas(buffer, pagesize=(width, height), invariant=True, pageCompression=1)
    title = loc(cert.title, lang)
    with force_locale(lang):
        texts = {
            "heading": _("Certificate"),
            "certifies": _("This certifies that"),
            "completed": _("has successfully completed the certification track"),
            "issued": _("Issued on"),
            "until": _("Valid until"),
            "no_expiry": _("no expiry"),
            "identifier": _("Certificate ID"),
            "issued_by": _("Issued by"),
            "scan": _("Scan to verify"),
            "verify_at": _("Check that this certificate is genuine and still valid at"),
        }
    c.setTitle(f"{title} · {cert.holder_name}")
    c.setAuthor(org_name)
    c.setSubject(f"{texts['heading']} {cert.public_id}")
    c.setCreator(org_name)
    c.setKeywords([cert.public_id, verify_url])

    # Background and frame
    c.setFillColor(LIGHT)
    c.rect(0, 0, width, height, stroke=0, fill=1)
    c.setFillColor(white)
    c.setStrokeColor(NAVY)
    c.setLineWidth(3)
    c.rect(24, 24, width - 48, height - 48, stroke=1, fill=1)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.rect(32, 32, width - 64, height - 64, stroke=1, fill=0)

    cx = width / 2
    org_y = height - 100
    if logo:
        try:
            image = ImageReader(logo)
            iw, ih = image.getSize()
            scale = min(160 / iw, 44 / ih)
            top = height - 60
            c.drawImage(image, cx - iw * scale / 2, top - ih * scale, iw * scale, ih * scale, mask="auto")
            org_y = top - ih * scale - 18
        except Exception as exc:  # noqa: BLE001 - a broken logo must not stop the certificate
            log.warning("LMS_ORG_LOGO %s could not be drawn: %s", logo, exc)
    org = printable(org_name, BOLD).upper()
    c.setFillColor(NAVY)
    c.setFont(BOLD, _fit(c, org, BOLD, 15, width - 160))
    c.drawCentredString(cx, org_y, org)

    heading = printable(texts["heading"], BOLD).upper()
    c.setFont(BOLD, 38)
    c.setFillColor(NAVY)
    c.drawCentredString(cx, height - 182, heading)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.5)
    c.line(cx - 60, height - 196, cx + 60, height - 196)

    c.setFont(ITALIC, 14)
    c.setFillColor(GREY)
    c.drawCentredString(cx, height - 228, printable(texts["certifies"], ITALIC))

    name = printable(cert.holder_name, BOLD)
    c.setFillColor(HexColor("#111111"))
    c.setFont(BOLD, _fit(c, name, BOLD, 32, width - 180, 14))
    c.drawCentredString(cx, height - 272, name)

    c.setFont(ITALIC, 14)
    c.setFillColor(GREY)
    c.drawCentredString(cx, height - 306, printable(texts["completed"], ITALIC))

    track = printable(title, BOLD)
    size = 21
    lines = _wrap(c, track, BOLD, size, width - 200)
    while len(lines) > 2 and size > 12:
        size -= 1
        lines = _wrap(c, track, BOLD, size, width - 200)
    c.setFillColor(NAVY)
    c.setFont(BOLD, size)
    for i, line in enumerate(lines[:3]):
        c.drawCentredString(cx, height - 342 - i * (size + 5), line)

    # Facts, bottom left
    facts = [(texts["issued"], _date(cert.issued_at, lang)),
             (texts["until"], _date(cert.expires_at, lang) if cert.expires_at else texts["no_expiry"]),
             (texts["identifier"], cert.public_id),
             (texts["issued_by"], org_name)]
    fy = 150
    for label, value in facts:
        c.setFont(REGULAR, 9)
        c.setFillColor(GREY)
        c.drawString(70, fy, printable(label))
        c.setFont(BOLD, 11)
        c.setFillColor(HexColor("#111111"))
        value = printable(value, BOLD)
        c.setFont(BOLD, _fit(c, value, BOLD, 11, 300, 7))
        c.drawString(190, fy, value)
        fy -= 22

    # QR code, bottom right
    qr_size = 104
    qx, qy = width - 70 - qr_size, 70
    _qr(c, verify_url, qx, qy, qr_size)
    c.setFont(REGULAR, 8)
    c.setFillColor(GREY)
    c.drawCentredString(qx + qr_size / 2, qy - 11, printable(texts["scan"]))

    c.setFont(REGULAR, 8)
    footer = printable(f"{texts['verify_at']} {verify_url}")
    c.setFont(REGULAR, _fit(c, footer, REGULAR, 8, width - 300, 5))
    c.drawString(70, 48, footer)

    c.showPage()
    c.save()
    return buffer.getvalue()


def logo_path(value: str | None) -> str | None:
    """LMS_ORG_LOGO when it names a readable PNG or JPEG file."""
    if not value:
        return None
    if not os.path.isfile(value):
        log.warning("LMS_ORG_LOGO=%s is not a file; the certificate is printed without a logo", value)
        return None
    return value
