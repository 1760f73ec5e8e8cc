"""The QR code of a unit's rating link, as SVG, PNG and an A4 poster (PDF)."""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

POSTER_FONT = "STSong-Light"  # reportlab's built-in Chinese CID font: no font file to ship
POSTER_INSTRUCTION = "请用手机扫描二维码，对本单位的服务进行评价（每天每台设备可评价一次）"


def _code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> bytes:
    """The QR code as an SVG image."""
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=8, border=4, xmldecl=True, title=url)
    return out.getvalue()


def qr_png(url: str) -> bytes:
    """The QR code as a PNG image."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def poster_pdf(url: str, unit_name: str) -> bytes:
    """An A4 poster: the unit's name, the QR code drawn as vector squares, one instruction."""
    if POSTER_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(POSTER_FONT))
    out = io.BytesIO()
    width, height = A4
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{unit_name} 服务评价二维码")
    canvas.setFont(POSTER_FONT, 26)
    canvas.drawCentredString(width / 2, height - 45 * mm, unit_name)
    canvas.setFont(POSTER_FONT, 18)
    canvas.drawCentredString(width / 2, height - 60 * mm, "服务好差评")
    matrix = _code(url).matrix
    side = 140 * mm
    module = side / len(matrix)
    left, top = (width - side) / 2, height - 75 * mm
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(
                    left + col_index * module,
                    top - (row_index + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )
    canvas.setFont(POSTER_FONT, 14)
    canvas.drawCentredString(width / 2, top - side - 15 * mm, POSTER_INSTRUCTION)
    canvas.setFont("Helvetica", 9)
    canvas.drawCentredString(width / 2, top - side - 25 * mm, url)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
