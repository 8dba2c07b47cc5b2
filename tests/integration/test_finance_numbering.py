"""Number series against real PostgreSQL: the precedence, resets, providers and races."""

import asyncio
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from domain.db import unit_of_work
from domain.errors import BadRequest, Conflict, DomainError, NotFound
from domain.finance import invoices, series
from domain.finance.invoice_models import Invoice
from tests.support import finance as f

CONCURRENT = 32


async def issue_draft(session_factory, **numbering):
    invoice = await f.draft(session_factory)
    return await f.issue(session_factory, invoice.id, issue_date=f.JUNE_1, **numbering)


async def test_row_1_a_supplied_number_is_stored_as_is_and_advances_no_series(session_factory):
    default = await f.number_series(session_factory, is_default=True)
    invoice = await issue_draft(session_factory, invoice_number="HAND-7", series_id=default.id)
    assert (invoice.number, invoice.series_id, invoice.sequence) == ("HAND-7", None, None)
    assert await f.counter(session_factory, default.id) == {}


async def test_row_2_the_given_series_is_used_over_the_default(session_factory):
    await f.number_series(session_factory, is_default=True, format="D-{seq}")
    chosen = await f.number_series(session_factory, format="S-{seq:03}")
    invoice = await issue_draft(session_factory, series_id=chosen.id)
    assert (invoice.number, invoice.series_id, invoice.sequence) == ("S-001", chosen.id, 1)


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"active": False}, Conflict, "series_inactive"),
        ({"scope": "credit_note"}, BadRequest, "series_scope_mismatch"),
    ],
)
async def test_row_2_the_given_series_must_be_active_and_of_the_scope(
    session_factory, overrides, error, code
):
    bad = await f.number_series(session_factory, **overrides)
    with pytest.raises(error) as caught:
        await issue_draft(session_factory, series_id=bad.id)
    assert caught.value.code == code


async def test_row_2_an_unknown_series_is_a_404(session_factory):
    with pytest.raises(NotFound):
        await issue_draft(session_factory, series_id="invs_01jz0000000000000000000000")


async def test_row_3_the_active_default_series_of_the_scope_is_used(session_factory):
    await f.number_series(session_factory, format="NEWER-{seq}")
    await f.number_series(session_factory, scope="proforma", is_default=True, format="PF-{seq}")
    default = await f.number_series(session_factory, is_default=True, format="DEF-{seq}")
    await f.number_series(session_factory, format="NEWEST-{seq}")
    invoice = await issue_draft(session_factory)
    assert (invoice.number, invoice.series_id) == ("DEF-1", default.id)


async def test_row_3_without_a_default_the_most_recently_updated_active_series_is_used(
    session_factory,
):
    first = await f.number_series(session_factory, format="FIRST-{seq}")
    second = await f.number_series(session_factory, format="SECOND-{seq}")
    await f.number_series(session_factory, format="OFF-{seq}", active=False)
    assert (await issue_draft(session_factory)).series_id == second.id
    async with unit_of_work(session_factory) as session:
        await series.update_series(session, series_id=first.id, changes={"name": "touched"})
    assert (await issue_draft(session_factory)).number == "FIRST-1"


async def test_row_4_no_active_series_for_the_scope_is_a_409_and_writes_nothing(session_factory):
    await f.number_series(session_factory, scope="proforma", is_default=True)
    await f.number_series(session_factory, active=False)
    invoice = await f.draft(session_factory)
    with pytest.raises(Conflict) as caught:
        await f.issue(session_factory, invoice.id)
    assert caught.value.code == "no_active_series_for_scope"
    assert (await f.reload(session_factory, Invoice, invoice.id)).status == "draft"


async def test_a_proforma_draws_from_the_proforma_scope(session_factory):
    await f.number_series(session_factory, is_default=True, format="INV-{seq}")
    await f.number_series(session_factory, scope="proforma", is_default=True, format="PF-{seq}")
    proforma = await f.draft(session_factory, kind="proforma")
    assert (await f.issue(session_factory, proforma.id)).number == "PF-1"


async def test_only_one_active_default_series_per_scope(session_factory):
    await f.number_series(session_factory, is_default=True)
    with pytest.raises(Conflict) as caught:
        await f.number_series(session_factory, is_default=True)
    assert caught.value.code == "default_series_exists"
    await f.number_series(session_factory, is_default=True, active=False)  # inactive: fine
    await f.number_series(session_factory, scope="proforma", is_default=True)  # other scope


async def test_the_database_itself_refuses_a_second_active_default(session_factory):
    await f.number_series(session_factory, is_default=True)
    with pytest.raises(IntegrityError, match="uq_number_series_active_default"):
        async with unit_of_work(session_factory) as session:
            await session.execute(
                text(
                    "INSERT INTO number_series (id, name, scope, format, is_default)"
                    " VALUES ('invs_raw', 'raw', 'invoice', '{seq}', true)"
                )
            )


async def test_concurrent_requests_to_become_the_default_leave_exactly_one(session_factory):
    candidates = [await f.number_series(session_factory) for _ in range(8)]

    async def promote(series_id):
        try:
            async with unit_of_work(session_factory) as session:
                await series.update_series(
                    session, series_id=series_id, changes={"is_default": True}
                )
        except DomainError as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(*(promote(c.id) for c in candidates))
    assert Counter(results) == {"ok": 1, "default_series_exists": 7}


async def test_an_annual_series_restarts_each_year(session_factory):
    s = await f.number_series(session_factory, reset_rule="annual", is_default=True)
    numbers = [
        (await issue_on(session_factory, day)).number
        for day in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 5, 5), date(2025, 12, 31))
    ]
    assert numbers == ["INV-2025-000001", "INV-2026-000001", "INV-2026-000002", "INV-2025-000002"]
    assert await f.counter(session_factory, s.id) == {"2025": 2, "2026": 2}


async def test_a_monthly_series_keeps_a_counter_per_month(session_factory):
    await f.number_series(
        session_factory, reset_rule="monthly", is_default=True, format="M{YYYY}{MM}-{seq:03}"
    )
    days = (date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2))
    assert [(await issue_on(session_factory, d)).number for d in days] == [
        "M202601-001",
        "M202602-001",
        "M202602-002",
    ]


async def issue_on(session_factory, day):
    invoice = await f.draft(session_factory)
    return await f.issue(session_factory, invoice.id, issue_date=day)


async def test_a_failed_issue_gives_its_number_back(session_factory):
    s = await f.number_series(session_factory, is_default=True, format="DUP-{seq:03}")
    await issue_draft(session_factory, invoice_number="DUP-001")  # taken by hand
    blocked = await f.draft(session_factory)
    with pytest.raises(Conflict) as caught:
        await f.issue(session_factory, blocked.id)
    assert caught.value.code == "number_taken"
    assert await f.counter(session_factory, s.id) == {}
    assert (await f.reload(session_factory, Invoice, blocked.id)).status == "draft"


async def test_an_external_provider_series_leaves_a_placeholder_and_advances_nothing(
    session_factory,
):
    s = await f.number_series(session_factory, is_default=True, external_provider="smartbill")
    invoice = await issue_draft(session_factory)
    assert invoice.status == "pending_external_allocation"
    assert invoice.number == f"PENDING-{invoice.id}"
    assert await f.counter(session_factory, s.id) == {}
    [issued] = [e for e in await f.events(session_factory, invoice.id)]
    assert issued.event_type == "invoice.issued"
    assert issued.payload["externalAllocationRequired"] is True
    assert issued.payload["external_provider"] == "smartbill"
    async with unit_of_work(session_factory) as session:
        done = await invoices.apply_external_allocation(
            session, invoice_id=invoice.id, number="SB-2026-0042", external_ref="sb:42"
        )
    assert (done.status, done.number) == ("issued", "SB-2026-0042")
    with pytest.raises(Conflict) as caught:
        async with unit_of_work(session_factory) as session:
            await invoices.apply_external_allocation(session, invoice_id=invoice.id, number="X")
    assert caught.value.code == "invoice_not_pending_allocation"


async def test_a_local_issue_event_says_no_external_allocation_is_required(session_factory):
    invoice = await f.issued(session_factory)
    [event] = await f.events(session_factory, invoice.id)
    assert event.payload["externalAllocationRequired"] is False


async def test_concurrent_issues_get_gapless_unique_numbers(session_factory):
    s = await f.number_series(session_factory, is_default=True)
    drafts = [await f.draft(session_factory) for _ in range(CONCURRENT)]

    async def issue(invoice):
        async with unit_of_work(session_factory) as session:
            done = await invoices.issue_invoice(
                session, invoice_id=invoice.id, spec=invoices.IssueSpec(issue_date=f.JUNE_1)
            )
            return done.number

    numbers = await asyncio.gather(*(issue(d) for d in drafts))
    assert sorted(numbers) == [f"INV-2026-{n:06d}" for n in range(1, CONCURRENT + 1)]
    assert await f.counter(session_factory, s.id) == {"all": CONCURRENT}


async def test_concurrent_issues_stay_gapless_when_some_transactions_roll_back(session_factory):
    await f.number_series(session_factory, is_default=True, format="R-{seq}")
    drafts = [await f.draft(session_factory) for _ in range(CONCURRENT)]

    async def issue(n, invoice):
        try:
            async with unit_of_work(session_factory) as session:
                done = await invoices.issue_invoice(
                    session, invoice_id=invoice.id, spec=invoices.IssueSpec()
                )
                await asyncio.sleep(0.01)
                if n % 4 == 0:
                    raise RuntimeError("the rest of the request failed")
                return done.number
        except RuntimeError:
            return None

    numbers = [x for x in await asyncio.gather(*(issue(n, d) for n, d in enumerate(drafts))) if x]
    assert sorted(numbers, key=lambda x: int(x[2:])) == [
        f"R-{n}" for n in range(1, CONCURRENT - CONCURRENT // 4 + 1)
    ]
