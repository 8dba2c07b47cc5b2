"""Invoice documents rendered to HTML (escaped markup) and PDF (fpdf2). Pure: no I/O.

Both renderings come from one `InvoiceDocument`, so they show the same numbers: lines,
per-line tax when the invoice was finalised with tax, totals and the FX mention. A
reverse-charge line prints "reverse charge" with the tax the customer self-assesses
(never a bare "19% 0.00"), and the document carries the reverse-charge mention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape

from fpdf import FPDF

from domain.finance.fx import exponent

TEMPLATE = "standard-v1"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DocumentLine:
    """One printed line; tax fields are None when the invoice carries no tax."""

    description: str
    quantity: int
    unit_amount_minor: int
    total_minor: int
    tax_rate_bps: int | None = None
    tax_minor: int | None = None
    reverse_charge: bool = False
    self_assessed_minor: int = 0


@dataclass(frozen=True)
class InvoiceDocument:
    """What an invoice rendition shows."""

    number: str
    kind: str
    currency: str
    issue_date: date | None
    due_date: date | None
    bill_to_name: str | None
    total_minor: int
    tax_minor: int
    lines: list[DocumentLine] = field(default_factory=list)
    fx_lines: list[str] = field(default_factory=list)

    @property
    def tax_lines(self) -> list[str]:
        """The tax mentions below the totals (reverse charge)."""
        if not any(line.reverse_charge for line in self.lines):
            return []
        assessed = sum(x.self_assessed_minor for x in self.lines if x.reverse_charge)
        return [f"{REVERSE_CHARGE_MENTION} Tax to self-assess: {money(assessed, self.currency)}."]


REVERSE_CHARGE_MENTION = "Reverse charge: VAT to be accounted for by the recipient."


def money(amount_minor: int, currency: str) -> str:
    """`12345, "EUR"` -> `123.45 EUR` (exponent-aware, no floats)."""
    places = exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, frac = divmod(abs(amount_minor), 10**places)
    text = f"{whole:,}" + (f".{frac:0{places}d}" if places else "")
    return f"{sign}{text} {currency}"


def percent(rate_bps: int) -> str:
    """1900 -> `19%`, 550 -> `5.5%`."""
    whole, rest = divmod(rate_bps, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def _rows(doc: InvoiceDocument) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for line in doc.lines:
        if line.reverse_charge and line.tax_rate_bps is not None:
            tax = (
                f"Reverse charge {percent(line.tax_rate_bps)}"
                f" ({money(line.self_assessed_minor, doc.currency)} self-assessed)"
            )
        elif line.tax_rate_bps is not None and line.tax_minor is not None:
            tax = f"{percent(line.tax_rate_bps)} {money(line.tax_minor, doc.currency)}"
        else:
            tax = ""
        rows.append(
            (
                line.description,
                str(line.quantity),
                money(line.unit_amount_minor, doc.currency),
                tax,
                money(line.total_minor, doc.currency),
            )
        )
    return rows


def _header(doc: InvoiceDocument) -> list[str]:
    title = "Proforma" if doc.kind == "proforma" else "Invoice"
    out = [f"{title} {doc.number}"]
    if doc.issue_date:
        out.append(f"Issued {doc.issue_date.isoformat()}")
    if doc.due_date:
        out.append(f"Due {doc.due_date.isoformat()}")
    if doc.bill_to_name:
        out.append(f"Bill to: {doc.bill_to_name}")
    return out


COLUMNS = ("Description", "Qty", "Unit", "Tax", "Amount")


def render_html(doc: InvoiceDocument) -> str:
    """A standalone HTML page; every value is escaped."""
    head = "".join(f"<p>{escape(x)}</p>" for x in _header(doc)[1:])
    cols = "".join(f"<th>{c}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in _rows(doc)
    )
    fx = "".join(f'<p class="tax-mention">{escape(x)}</p>' for x in doc.tax_lines)
    fx += "".join(f'<p class="fx">{escape(x)}</p>' for x in doc.fx_lines)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{escape(_header(doc)[0])}</title></head><body>"
        f"<h1>{escape(_header(doc)[0])}</h1>{head}"
        f"<table><thead><tr>{cols}</tr></thead><tbody>{body}</tbody></table>"
        f'<p class="tax">Tax: {escape(money(doc.tax_minor, doc.currency))}</p>'
        f'<p class="total">Total: {escape(money(doc.total_minor, doc.currency))}</p>'
        f"{fx}</body></html>"
    )


def _latin1(text: str) -> str:
    # The core PDF fonts are Latin-1; anything else prints as '?', never an error.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(doc: InvoiceDocument) -> bytes:
    """A one-column A4 PDF with the same content as the HTML."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(EPOCH)  # deterministic bytes for the same document
    pdf.set_compression(False)  # plain text streams: searchable, and small enough
    pdf.set_title(_latin1(_header(doc)[0]))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(_header(doc)[0]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for text in _header(doc)[1:]:
        pdf.cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(70, 15, 30, 35, 35), text_align="LEFT") as table:
        table.row(COLUMNS)
        for row in _rows(doc):
            table.row(tuple(_latin1(cell) for cell in row))
    pdf.ln(4)
    pdf.cell(
        0, 6, _latin1(f"Tax: {money(doc.tax_minor, doc.currency)}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(
        0,
        7,
        _latin1(f"Total: {money(doc.total_minor, doc.currency)}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", size=9)
    for text in doc.tax_lines + doc.fx_lines:
        pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
