"""Credit notes: crediting an issued invoice in full or by lines, numbered from their scope.

Amounts credited are what the customer was billed for a line: its gross amount when
the invoice carries tax (exclusive tax included, from its stored tax line), else the
line total. So a full credit of a taxed invoice credits the tax too, and a line credit
of `amount_minor` is tax-inclusive (up to the line's gross).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import BadRequest, Conflict, NotFound
from domain.finance import transitions
from domain.finance.credit_note_models import CreditNote, CreditNoteLine
from domain.finance.invoice_models import Invoice, InvoiceLine
from domain.finance.invoice_tax import line_taxes
from domain.finance.invoices import invoice_lines, lock_invoice, settle
from domain.finance.series import allocate_number
from domain.ids import new_id
from domain.outbox.record import record_event


@dataclass
class CreditLineSpec:
    """Credit `amount_minor` of one invoice line (None: all that is not yet credited)."""

    invoice_line_id: str
    amount_minor: int | None = None


@dataclass
class CreditNoteSpec:
    """What to credit. `lines=None` credits the whole invoice; `key` makes it idempotent."""

    invoice_id: str
    reason: str
    key: str
    lines: list[CreditLineSpec] | None = None
    credit_note_number: str | None = None
    series_id: str | None = None
    issue_date: date | None = None


@dataclass(frozen=True, slots=True)
class Issued:
    """The credit note, and whether this call created it (False: a replay of its key)."""

    credit_note: CreditNote
    created: bool


async def _remaining(session: AsyncSession, invoice: Invoice) -> dict[str, tuple[InvoiceLine, int]]:
    """Per invoice line: the line and how much of its billed (gross) amount is not yet
    credited."""
    rows = await session.execute(
        select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.amount_minor))
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .where(CreditNote.invoice_id == invoice.id)
        .group_by(CreditNoteLine.invoice_line_id)
    )
    credited = {line_id: int(amount) for line_id, amount in rows.all()}
    gross = {t.invoice_line_id: t.gross_minor for t in await line_taxes(session, invoice.id)}
    return {
        line.id: (line, gross.get(line.id, line.total_minor) - int(credited.get(line.id, 0)))
        for line in await invoice_lines(session, invoice.id)
    }


def _plan(
    remaining: dict[str, tuple[InvoiceLine, int]], lines: list[CreditLineSpec] | None
) -> list[tuple[InvoiceLine, int]]:
    if lines is None:
        return [(line, left) for line, left in remaining.values() if left != 0]
    plan = []
    seen: set[str] = set()
    for n, spec in enumerate(lines):
        if spec.invoice_line_id in seen:
            raise BadRequest("duplicate_line", f"lines[{n}] credits a line twice")
        seen.add(spec.invoice_line_id)
        if spec.invoice_line_id not in remaining:
            raise BadRequest(
                "invalid_invoice_line",
                f"lines[{n}]: {spec.invoice_line_id} is not a line of this invoice",
            )
        line, left = remaining[spec.invoice_line_id]
        amount = left if spec.amount_minor is None else spec.amount_minor
        if amount <= 0 or amount > left:
            raise Conflict(
                "credit_exceeds_line",
                f"lines[{n}]: between 1 and {max(left, 0)} of this line can be credited",
                invoice_line_id=line.id,
                remaining_minor=max(left, 0),
            )
        plan.append((line, amount))
    return plan


def _check_total(invoice: Invoice, total: int) -> None:
    if total <= 0:
        raise Conflict("nothing_to_credit", f"invoice {invoice.id} has nothing left to credit")
    if invoice.credited_minor + total > invoice.total_minor:
        raise Conflict(
            "credit_exceeds_invoice",
            "credit notes cannot exceed the invoice total",
            remaining_minor=invoice.total_minor - invoice.credited_minor,
        )
    owed = transitions.outstanding(
        total_minor=invoice.total_minor,
        credited_minor=invoice.credited_minor + total,
        paid_minor=invoice.paid_minor,
    )
    if invoice.paid_minor == 0 and owed <= 0:
        raise Conflict(
            "void_instead",
            "nothing was paid on this invoice: void it rather than credit all of it",
        )


async def issue_credit_note(
    session: AsyncSession, spec: CreditNoteSpec, *, now: datetime | None = None
) -> Issued:
    """Credit an issued invoice, in the caller's transaction; a known `key` is a no-op."""
    now = now or datetime.now(UTC)
    invoice = await lock_invoice(session, spec.invoice_id)
    existing = await session.scalar(
        select(CreditNote).where(CreditNote.invoice_id == invoice.id, CreditNote.key == spec.key)
    )
    if existing is not None:
        return Issued(existing, created=False)
    if invoice.kind != "invoice":
        raise Conflict("proforma_not_creditable", "a proforma is voided, not credited")
    if invoice.status not in transitions.SETTLING:
        raise Conflict(
            "invoice_not_issued",
            f"invoice {invoice.id} is {invoice.status}; only issued invoices are credited",
            status=invoice.status,
        )
    plan = _plan(await _remaining(session, invoice), spec.lines)
    total = sum(amount for _, amount in plan)
    _check_total(invoice, total)
    note_id = new_id(CreditNote.id_prefix)
    issue_date = spec.issue_date or now.date()
    allocation = await allocate_number(
        session,
        scope="credit_note",
        document_id=note_id,
        on=issue_date,
        supplied_number=spec.credit_note_number,
        series_id=spec.series_id,
    )
    taken = await session.scalar(
        select(CreditNote.id).where(CreditNote.number == allocation.number)
    )
    if taken is not None:
        raise Conflict("number_taken", f"credit note number {allocation.number!r} is taken")
    note = CreditNote(
        id=note_id,
        invoice_id=invoice.id,
        booking_id=invoice.booking_id,
        key=spec.key,
        status="pending_external_allocation" if allocation.external else "issued",
        number=allocation.number,
        series_id=allocation.series_id,
        sequence=allocation.sequence,
        external_provider=allocation.external_provider,
        currency=invoice.currency,
        total_minor=total,
        reason=spec.reason,
        issue_date=issue_date,
        issued_at=now,
    )
    session.add(note)
    await session.flush()
    session.add_all(
        CreditNoteLine(
            credit_note_id=note.id,
            invoice_line_id=line.id,
            description=line.description,
            amount_minor=amount,
        )
        for line, amount in plan
    )
    invoice.credited_minor += total
    settle(session, invoice, now=now)
    await session.flush()
    record_event(
        session,
        aggregate_type="credit_note",
        aggregate_id=note.id,
        event_type="credit_note.issued",
        payload={
            "credit_note_id": note.id,
            "number": note.number,
            "invoice_id": invoice.id,
            "invoice_number": invoice.number,
            "booking_id": invoice.booking_id,
            "currency": note.currency,
            "total_minor": note.total_minor,
            "reason": note.reason,
            "invoice_status": invoice.status,
            "externalAllocationRequired": allocation.external,
        },
    )
    return Issued(note, created=True)


async def apply_external_allocation(
    session: AsyncSession, *, credit_note_id: str, number: str, external_ref: str | None = None
) -> CreditNote:
    """Replace a credit note's placeholder with its provider's number."""
    note = await session.scalar(
        select(CreditNote)
        .where(CreditNote.id == credit_note_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if note is None:
        raise NotFound("credit_note_not_found", f"no credit note {credit_note_id}")
    if note.status != "pending_external_allocation":
        raise Conflict(
            "credit_note_not_pending_allocation",
            f"credit note {note.id} is {note.status}, not awaiting an external number",
        )
    taken = await session.scalar(
        select(CreditNote.id).where(CreditNote.number == number, CreditNote.id != note.id)
    )
    if taken is not None:
        raise Conflict("number_taken", f"credit note number {number!r} is taken")
    placeholder = note.number
    note.status, note.number, note.external_ref = "issued", number, external_ref
    await session.flush()
    record_event(
        session,
        aggregate_type="credit_note",
        aggregate_id=note.id,
        event_type="credit_note.number_allocated",
        payload={"credit_note_id": note.id, "number": number, "placeholder": placeholder},
    )
    return note
