"""The proof of search as a PDF a person can print and sign: dated, paginated ("Page 2 of 3" on
every page), a table of every application with its contacts, the totals and a signature line,
with its words in the candidate's language (:func:`tactful.views.proof.words`).

ReportLab draws it (the optional extra ``tactful[report]``): a wheel with no system libraries to
install, whose tables repeat their heading row on each page and whose canvas can count the pages
before it numbers them; WeasyPrint would need Pango and its fonts from the system for what is a
single table.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from ..errors import InputError
from .proof import ProofRow, contacts_cell

if TYPE_CHECKING:
    from .report import Period

#: The columns' widths, as shares of the page's width between the margins.
WIDTHS = (0.1, 0.18, 0.16, 0.14, 0.28, 0.14)
FIELDS = ("date", "employer", "position", "contact_person", "contacts", "outcome")


def _reportlab() -> Any:
    try:
        import reportlab  # noqa: F401
    except ImportError:
        raise InputError("a PDF needs ReportLab: pip install 'tactful[report]' (or use --format csv)") from None
    from reportlab.lib import colors, pagesizes, styles, units
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    return type("RL", (), dict(colors=colors, pagesizes=pagesizes, styles=styles, units=units, canvas=canvas,
                               Paragraph=Paragraph, Doc=SimpleDocTemplate, Spacer=Spacer, Table=Table,
                               TableStyle=TableStyle))  # fmt: skip


def _numbered(rl: Any, said: Mapping[str, str], made: str) -> Any:
    """A canvas class that keeps its pages until the end, then writes "Page N of M" and the date
    on each."""

    class Numbered(rl.canvas.Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                width = self._pagesize[0]
                self.drawRightString(width - 36, 20, said["page"].format(page=number, pages=len(self._pages)))
                self.drawString(36, 20, f"{said['title']} · {said['made']} {made}")
                super().showPage()
            super().save()

    return Numbered


def _cell(rl: Any, text: str, style: Any) -> Any:
    return rl.Paragraph(escape(text), style)


def _table(rl: Any, found: Sequence[ProofRow], said: Mapping[str, str], width: float) -> Any:
    sheet = rl.styles.getSampleStyleSheet()
    small = rl.styles.ParagraphStyle("cell", parent=sheet["BodyText"], fontSize=8, leading=10)
    head = rl.styles.ParagraphStyle("head", parent=small, fontName="Helvetica-Bold")
    data = [[_cell(rl, said[f], head) for f in FIELDS]]
    for row in found:
        cells = (row.date, row.employer, row.position, row.contact_person, contacts_cell(row, said),
                 said.get(row.outcome, row.outcome))  # fmt: skip
        data.append([_cell(rl, text, small) for text in cells])
    table = rl.Table(data, colWidths=[share * width for share in WIDTHS], repeatRows=1)
    table.setStyle(rl.TableStyle([("GRID", (0, 0), (-1, -1), 0.4, rl.colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("BACKGROUND", (0, 0), (-1, 0), rl.colors.lightgrey)]))  # fmt: skip
    return table


def proof_pdf(found: Sequence[ProofRow], said: Mapping[str, str], period: Period, made: date, name: str) -> bytes:
    """The PDF's bytes: a heading (who, which period, made when), the table, the totals and a
    line to sign on. The same rows, words and date give the same bytes.

    Raises:
        InputError: when ReportLab is not installed.
    """
    rl = _reportlab()
    out = io.BytesIO()
    size = rl.pagesizes.landscape(rl.pagesizes.A4)
    doc = rl.Doc(out, pagesize=size, leftMargin=36, rightMargin=36, topMargin=36, bottomMargin=40,
                 title=said["title"], author=name, invariant=1)  # fmt: skip
    sheet = rl.styles.getSampleStyleSheet()
    start = period.start.isoformat() if period.start else "…"
    end = period.end.isoformat() if period.end else made.isoformat()
    span = said["whole"] if period.start is None and period.end is None else f"{start} – {end}"
    contacts = sum(len(row.contacts) for row in found)
    story = [rl.Paragraph(escape(said["title"]), sheet["Title"]),
             rl.Paragraph(escape(f"{said['candidate']}: {name}") if name else "", sheet["Normal"]),
             rl.Paragraph(escape(f"{said['period']}: {span} · {said['made']} {made.isoformat()}"), sheet["Normal"]),
             rl.Spacer(1, 12), _table(rl, found, said, size[0] - 72), rl.Spacer(1, 12),
             rl.Paragraph(escape(said["total"].format(count=len(found), contacts=contacts)), sheet["Heading4"]),
             rl.Spacer(1, 36), rl.Paragraph(escape(f"{said['signature']}: ______________________________"),
                                             sheet["Normal"])]  # fmt: skip
    doc.build(story, canvasmaker=_numbered(rl, said, made.isoformat()))
    return out.getvalue()
