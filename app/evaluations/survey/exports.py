"""A group's invitations for the office to hand out: an xlsx of links and A4 sheets of QR cards.

Both go to evaluators, who read Chinese whatever language the office works in: their text is
Chinese, not translated."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from app.evaluations.survey.models import InvitationStatus, SurveyGroup, SurveyInvitation
from app.evaluations.survey.services import closes_at
from app.evaluations.survey.tokens import invitation_token

FONT = "STSong-Light"  # a CID font built into every PDF reader: no font file to ship
STATUS_LABELS = {
    InvitationStatus.ISSUED: "未使用",
    InvitationStatus.USED: "已使用",
    InvitationStatus.REVOKED: "已作废",
}


@dataclass(frozen=True)
class InvitationLink:
    """An invitation with the link that opens it."""

    invitation: SurveyInvitation
    url: str


def invitation_links(
    invitations: list[SurveyInvitation], *, secret_key: str, base_url: str
) -> list[InvitationLink]:
    """Each invitation's `/survey/<token>` link under `base_url`."""
    root = base_url.rstrip("/")
    return [
        InvitationLink(item, f"{root}/survey/{invitation_token(item.nonce, secret_key)}")
        for item in invitations
    ]


def invitations_workbook(group: SurveyGroup, links: list[InvitationLink]) -> bytes:
    """An xlsx with one row per invitation: number, group, link (unused ones only), status."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "邀请链接"
    sheet.append(["序号", "评价群体", "链接", "状态", "有效期至"])
    valid_until = closes_at(group.survey).strftime("%Y-%m-%d %H:%M:%S")
    for number, link in enumerate(links, start=1):
        usable = link.invitation.status == InvitationStatus.ISSUED
        sheet.append(
            [
                number,
                group.kind.label,
                link.url if usable else "",
                STATUS_LABELS[link.invitation.status],
                valid_until,
            ]
        )
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 70
    sheet.column_dimensions["E"].width = 20
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


CARD_COLUMNS, CARD_ROWS = 2, 4
MARGIN = 12 * mm


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    matrix = segno.make(url, error="m").matrix
    module = size / len(matrix)
    for row_index, row in enumerate(matrix):
        for column_index, dark in enumerate(row):
            if dark:
                canvas.rect(
                    x + column_index * module,
                    y + size - (row_index + 1) * module,
                    module,
                    module,
                    stroke=0,
                    fill=1,
                )


def _draw_card(
    canvas: Canvas, group: SurveyGroup, link: InvitationLink, x: float, y: float
) -> None:
    width = (A4[0] - 2 * MARGIN) / CARD_COLUMNS
    height = (A4[1] - 2 * MARGIN) / CARD_ROWS
    canvas.setDash(3, 3)
    canvas.rect(x, y, width, height, stroke=1, fill=0)
    canvas.setDash()
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(x + width / 2, y + height - 8 * mm, group.survey.title[:30])
    canvas.setFont(FONT, 9)
    canvas.drawCentredString(x + width / 2, y + height - 13 * mm, f"评价群体：{group.kind.label}")
    qr_size = height - 32 * mm
    _draw_qr(canvas, link.url, x + (width - qr_size) / 2, y + 15 * mm, qr_size)
    canvas.drawCentredString(x + width / 2, y + 10 * mm, "请用手机扫码填写，每个二维码只能提交一次")
    until = closes_at(group.survey).strftime("%Y年%m月%d日")
    canvas.drawCentredString(x + width / 2, y + 5 * mm, f"有效期至{until}24时")


def invitation_cards_pdf(group: SurveyGroup, links: list[InvitationLink]) -> bytes:
    """A4 pages of cut-out cards, one per unused invitation: title, group, QR code, how to use."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    output = io.BytesIO()
    canvas = Canvas(output, pagesize=A4)
    canvas.setTitle(f"{group.survey.title} · {group.kind.label}")
    usable = [link for link in links if link.invitation.status == InvitationStatus.ISSUED]
    per_page = CARD_COLUMNS * CARD_ROWS
    width = (A4[0] - 2 * MARGIN) / CARD_COLUMNS
    height = (A4[1] - 2 * MARGIN) / CARD_ROWS
    for index, link in enumerate(usable):
        if index and index % per_page == 0:
            canvas.showPage()
        slot = index % per_page
        column, row = slot % CARD_COLUMNS, slot // CARD_COLUMNS
        _draw_card(
            canvas, group, link, MARGIN + column * width, A4[1] - MARGIN - (row + 1) * height
        )
    if not usable:
        canvas.setFont(FONT, 12)
        canvas.drawString(MARGIN, A4[1] - MARGIN - 10 * mm, "没有未使用的邀请。")
    canvas.showPage()
    canvas.save()
    return output.getvalue()
