"""Quotes and versions: create, send, and accept (which seeds the reserve workflow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.availability.models import AvailabilitySlot
from domain.bookings.service import ItemSpec, check_item_refs
from domain.catalog.models import OptionUnit
from domain.errors import BadRequest, Conflict, NotFound
from domain.intents.service import IntentSpec, write_intent
from domain.money import check_currency
from domain.outbox.record import record_event
from domain.quotes import rules
from domain.quotes.models import PAYMENT_TERMS, Quote, QuoteVersion, QuoteVersionLine
from domain.reservations import rules as reserve_rules
from domain.reservations.models import ReservationPlan
from domain.reservations.service import create_plan


@dataclass
class QuoteSpec:
    """A new quote and its buyer snapshot."""

    title: str
    currency: str
    buyer: dict[str, str | None] = field(default_factory=dict)


@dataclass
class LineSpec:
    """One line of a version; amounts per unit."""

    kind: str
    description: str
    sell_amount_minor: int
    sell_currency: str
    cost_amount_minor: int = 0
    cost_currency: str | None = None
    quantity: int = 1
    pax_per_unit: int = 1
    product_id: str | None = None
    option_id: str | None = None
    unit_id: str | None = None
    slot_id: str | None = None
    supplier_ref: str | None = None
    service_name: str | None = None
    supplier_deadline_seconds: int | None = None


@dataclass
class VersionSpec:
    """A version's terms and its lines (frozen from the moment it is written)."""

    lines: list[LineSpec]
    payment_terms: str = "pay_before_travel"
    booking_hold_seconds: int | None = None
    supplier_deadline_seconds: int = 172_800


async def create_quote(session: AsyncSession, spec: QuoteSpec) -> Quote:
    """An open quote."""
    check_currency(spec.currency)
    quote = Quote(
        title=spec.title,
        currency=spec.currency,
        status="open",
        buyer_person_id=spec.buyer.get("person_id"),
        buyer_organization_id=spec.buyer.get("organization_id"),
        buyer_name=spec.buyer.get("name"),
        buyer_email=spec.buyer.get("email"),
    )
    session.add(quote)
    await session.flush()
    return quote


async def _lock_quote(session: AsyncSession, quote_id: str) -> Quote:
    quote = await session.scalar(
        select(Quote)
        .where(Quote.id == quote_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if quote is None:
        raise NotFound("quote_not_found", f"no quote {quote_id}")
    return quote


async def _validate_lines(session: AsyncSession, currency: str, lines: list[LineSpec]) -> None:
    if not lines:
        raise BadRequest("lines_required", "a quote version needs at least one line")
    for n, line in enumerate(lines):
        check_currency(line.sell_currency)
        check_currency(line.cost_currency or line.sell_currency)
        if line.sell_currency != currency:
            raise BadRequest(
                "currency_mismatch", f"line {n} sells in {line.sell_currency}, the quote {currency}"
            )
        if line.sell_amount_minor < 0 or line.cost_amount_minor < 0:
            raise BadRequest("invalid_amount", f"line {n} has a negative amount")
        if line.kind == "catalog" and not (line.product_id and line.option_id and line.slot_id):
            raise BadRequest("catalog_refs_required", f"line {n} needs product, option and slot")
        if line.kind == "catalog" and not line.unit_id:  # the unit carries the live price
            raise BadRequest("unit_required", f"line {n} needs the priced unit it sells")
        if line.kind == "catalog" and line.pax_per_unit < 1:
            raise BadRequest("invalid_pax", f"line {n} must seat at least one traveller per unit")
        if line.kind == "manual" and not (
            (line.supplier_ref or "").strip() and (line.service_name or "").strip()
        ):
            raise BadRequest("supplier_required", f"line {n} needs a supplier and a service")
    catalog = [ln for ln in lines if ln.kind == "catalog"]
    await check_item_refs(
        session,
        [
            ItemSpec(
                kind="unit",
                description=ln.description,
                sell_amount_minor=ln.sell_amount_minor,
                sell_currency=ln.sell_currency,
                product_id=ln.product_id,
                option_id=ln.option_id,
                unit_id=ln.unit_id,
                slot_id=ln.slot_id,
            )
            for ln in catalog
        ],
    )
    for n, line in enumerate(lines):
        if line.kind != "catalog":
            continue
        slot = await session.get(AvailabilitySlot, line.slot_id)
        if slot is None or slot.option_id != line.option_id or slot.product_id != line.product_id:
            raise BadRequest("slot_option_mismatch", f"line {n}: the slot is not for its option")
        unit = await session.get(OptionUnit, line.unit_id)
        if unit is None or unit.option_id != line.option_id:
            raise BadRequest("unit_option_mismatch", f"line {n}: the unit is not for its option")


async def create_version(
    session: AsyncSession, *, quote_id: str, spec: VersionSpec
) -> QuoteVersion:
    """A draft version numbered after the quote's last one; its lines never change again."""
    if spec.payment_terms not in PAYMENT_TERMS:
        raise BadRequest("invalid_payment_terms", f"payment terms are one of {PAYMENT_TERMS}")
    quote = await _lock_quote(session, quote_id)
    if quote.status != "open":
        raise Conflict("quote_closed", f"quote {quote_id} is {quote.status}", status=quote.status)
    await _validate_lines(session, quote.currency, spec.lines)
    last = await session.scalar(
        select(func.max(QuoteVersion.number)).where(QuoteVersion.quote_id == quote.id)
    )
    version = QuoteVersion(
        quote_id=quote.id,
        number=(last or 0) + 1,
        status="draft",
        currency=quote.currency,
        payment_terms=spec.payment_terms,
        booking_hold_seconds=spec.booking_hold_seconds,
        supplier_deadline_seconds=spec.supplier_deadline_seconds,
    )
    session.add(version)
    await session.flush()
    session.add_all(
        QuoteVersionLine(
            version_id=version.id,
            position=n,
            kind=ln.kind,
            description=ln.description,
            product_id=ln.product_id if ln.kind == "catalog" else None,
            option_id=ln.option_id if ln.kind == "catalog" else None,
            unit_id=ln.unit_id if ln.kind == "catalog" else None,
            slot_id=ln.slot_id if ln.kind == "catalog" else None,
            quantity=ln.quantity,
            pax_per_unit=ln.pax_per_unit,
            sell_amount_minor=ln.sell_amount_minor,
            sell_currency=ln.sell_currency,
            cost_amount_minor=ln.cost_amount_minor,
            cost_currency=ln.cost_currency or ln.sell_currency,
            supplier_ref=(ln.supplier_ref or "").strip() or None,
            service_name=(ln.service_name or "").strip() or None,
            supplier_deadline_seconds=ln.supplier_deadline_seconds,
        )
        for n, ln in enumerate(spec.lines)
    )
    await session.flush()
    return version


async def lock_version(session: AsyncSession, version_id: str) -> QuoteVersion:
    """The version row locked FOR UPDATE; 404 `quote_version_not_found`."""
    version = await session.scalar(
        select(QuoteVersion)
        .where(QuoteVersion.id == version_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if version is None:
        raise NotFound("quote_version_not_found", f"no quote version {version_id}")
    return version


async def version_lines(session: AsyncSession, version_id: str) -> list[QuoteVersionLine]:
    """The version's lines in position order."""
    stmt = (
        select(QuoteVersionLine)
        .where(QuoteVersionLine.version_id == version_id)
        .order_by(QuoteVersionLine.position)
    )
    return list((await session.scalars(stmt)).all())


async def send_version(session: AsyncSession, *, version_id: str) -> QuoteVersion:
    """draft -> sent: the client may now accept it."""
    version = await lock_version(session, version_id)
    version.status = rules.move_version(version.status, "sent")
    version.sent_at = datetime.now(UTC)
    await session.flush()
    return version


@dataclass(frozen=True)
class Acceptance:
    """The accepted version, its plan, and whether this call was the one that accepted it."""

    version: QuoteVersion
    plan: ReservationPlan
    accepted_now: bool


async def accept_version(
    session: AsyncSession, *, version_id: str, task_queue: str, actor_id: str | None
) -> Acceptance:
    """Accept a sent version: close the quote won, write the plan, start `reserve:{id}`.

    The version row lock serialises concurrent accepts; accepting again returns the
    existing plan and starts nothing (the start intent is keyed by the workflow id too).
    """
    version = await lock_version(session, version_id)
    if version.status == "accepted":
        plan = await session.scalar(
            select(ReservationPlan).where(ReservationPlan.quote_version_id == version.id)
        )
        assert plan is not None
        return Acceptance(version, plan, accepted_now=False)
    quote = await _lock_quote(session, version.quote_id)
    if quote.status != "open":
        raise Conflict("quote_closed", f"quote {quote.id} is {quote.status}", status=quote.status)
    now = datetime.now(UTC)
    version.status = rules.move_version(version.status, "accepted")
    version.accepted_at = now
    quote.status, quote.won_version_id, quote.closed_at = "won", version.id, now
    await session.execute(
        update(QuoteVersion)
        .where(
            QuoteVersion.quote_id == quote.id,
            QuoteVersion.id != version.id,
            QuoteVersion.status == "sent",
        )
        .values(status="superseded")
    )
    workflow_id = reserve_rules.reserve_workflow_id(version.id)
    plan = await create_plan(
        session,
        version=version,
        lines=await version_lines(session, version.id),
        workflow_id=workflow_id,
    )
    record_event(
        session,
        aggregate_type="quote_version",
        aggregate_id=version.id,
        event_type="quote_version.accepted",
        payload={
            "quote_id": quote.id,
            "quote_version_id": version.id,
            "reservation_plan_id": plan.id,
            "actor_id": actor_id,
        },
    )
    await write_intent(
        session,
        IntentSpec(
            workflow_type=reserve_rules.RESERVE_WORKFLOW,
            workflow_id=workflow_id,
            task_queue=task_queue,
            input={"quote_version_id": version.id},
            search_attributes={"QuoteVersionId": version.id},
        ),
    )
    await session.flush()
    return Acceptance(version, plan, accepted_now=True)
