"""Settlement items of a run: one per channel booking of the period (commission from the
commission engine, the rule recorded), plus reversals of earlier settled bookings that were
cancelled since. Rows to insert; the caller inserts them in one executemany.

A booking already claimed by a live item of the channel (any run, any period) is left out;
a booking whose only items were released (their run was rejected or fell below the minimum
payout) is carried into the next run that ends after it was made. The claim index decides
races: the loser's insert of the same booking is skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.distribution.channels import active_contract
from domain.distribution.commission import BookingContext, compute_commission
from domain.distribution.models import ChannelCommissionRule
from domain.ids import new_id
from domain.settlement import rules
from domain.settlement.models import SettlementItem, SettlementRun

# Per channel booking of the period in the run's currency: gross, payment owner, product.
BOOKINGS_SQL = text(
    """
SELECT lk.booking_id, min(lk.id) AS link_id, min(b.created_at) AS created_at,
       COALESCE(sum(lk.amount_minor), min(b.sell_total_minor)) AS gross_minor,
       min(d.payment_owner) AS payment_owner,
       (SELECT bi.product_id FROM booking_items bi WHERE bi.booking_id = lk.booking_id
        ORDER BY bi.created_at, bi.id LIMIT 1) AS product_id,
       (SELECT bi.option_id FROM booking_items bi WHERE bi.booking_id = lk.booking_id
        ORDER BY bi.created_at, bi.id LIMIT 1) AS option_id
FROM channel_booking_links lk
JOIN bookings b ON b.id = lk.booking_id
LEFT JOIN booking_distribution_details d ON d.booking_id = lk.booking_id
WHERE lk.channel_id = :channel_id
  AND b.created_at < :period_end
  AND (b.created_at >= :period_start
       OR lk.booking_id IN (SELECT rel.booking_id FROM channel_settlement_items rel
                            WHERE rel.channel_id = :channel_id AND rel.kind = 'settle'
                              AND rel.released_at IS NOT NULL))
  AND b.status IN ('confirmed', 'in_progress', 'completed')
  AND COALESCE(lk.currency, b.currency) = :currency
  AND NOT EXISTS (SELECT 1 FROM channel_settlement_items cl
                  WHERE cl.channel_id = :channel_id AND cl.booking_id = lk.booking_id
                    AND cl.kind = 'settle' AND cl.released_at IS NULL)
GROUP BY lk.booking_id
ORDER BY lk.booking_id
"""
)

# Items of the channel's posted runs whose booking is cancelled now and not yet reversed
# by a live item (a reversal in a rejected run was released and is due again).
REVERSIBLE_SQL = text(
    """
SELECT si.id, si.booking_id, si.link_id, si.payment_owner, si.gross_minor,
       si.commission_minor, si.net_minor
FROM channel_settlement_items si
JOIN channel_settlement_runs r ON r.id = si.run_id
JOIN bookings b ON b.id = si.booking_id
WHERE si.channel_id = :channel_id AND si.kind = 'settle' AND si.released_at IS NULL
  AND r.status = 'posted' AND r.currency = :currency AND r.id <> :run_id
  AND b.status IN ('cancelled', 'expired')
  AND NOT EXISTS (SELECT 1 FROM channel_settlement_items x
                  WHERE x.channel_id = :channel_id AND x.booking_id = si.booking_id
                    AND x.kind = 'reversal' AND x.released_at IS NULL)
ORDER BY si.id
"""
)


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _row(run: SettlementRun, it: rules.Item, **extra: Any) -> dict[str, Any]:
    return {
        "id": new_id(SettlementItem.id_prefix),
        "run_id": run.id,
        "channel_id": run.channel_id,
        "kind": "settle",
        "booking_id": it.booking_id,
        "payment_owner": it.payment_owner,
        "currency": run.currency,
        "gross_minor": it.gross_minor,
        "commission_minor": it.commission_minor,
        "net_minor": it.net_minor,
        "balance_minor": it.balance_minor,
        "link_id": None,
        "commission_rule_id": None,
        "commission_source": None,
        "reverses_item_id": None,
        "released_at": None,
        **extra,
    }


async def new_items(session: AsyncSession, run: SettlementRun) -> list[dict[str, Any]]:
    """One item per settleable channel booking of the period (net = gross - commission)."""
    params = {
        "channel_id": run.channel_id,
        "period_start": _midnight(run.period_start),
        "period_end": _midnight(run.period_end),
        "currency": run.currency,
    }
    rows = (await session.execute(BOOKINGS_SQL, params)).mappings().all()
    commission_rules = list(
        await session.scalars(
            select(ChannelCommissionRule).where(ChannelCommissionRule.channel_id == run.channel_id)
        )
    )
    contract = await active_contract(session, run.channel_id, run.period_start)
    fallback_bps = contract.commission_bps if contract is not None else None
    default_owner = contract.payment_owner if contract is not None else "operator"
    values = []
    for row in rows:
        gross = int(row["gross_minor"])
        result = compute_commission(
            commission_rules,
            BookingContext(
                gross_minor=gross,
                currency=run.currency,
                on_date=row["created_at"].date(),
                product_id=row["product_id"],
                rate_id=row["option_id"],
                fallback_bps=fallback_bps,
            ),
        )
        it = rules.item(
            booking_id=row["booking_id"],
            gross_minor=gross,
            commission_minor=result.amount_minor,
            payment_owner=row["payment_owner"] or default_owner,
        )
        source = "rule" if result.rule_id else ("contract_bps" if fallback_bps else "none")
        values.append(
            _row(
                run,
                it,
                link_id=row["link_id"],
                commission_rule_id=result.rule_id,
                commission_source=source,
            )
        )
    return values


async def reversals(session: AsyncSession, run: SettlementRun) -> list[dict[str, Any]]:
    """Negated items for bookings an earlier posted run settled and that were cancelled."""
    params = {"channel_id": run.channel_id, "currency": run.currency, "run_id": run.id}
    rows = (await session.execute(REVERSIBLE_SQL, params)).mappings().all()
    return [
        _row(
            run,
            rules.reversal(
                rules.Item(
                    row["booking_id"],
                    int(row["gross_minor"]),
                    int(row["commission_minor"]),
                    int(row["net_minor"]),
                    row["payment_owner"],
                )
            ),
            link_id=row["link_id"],
            kind="reversal",
            commission_source="reversal",
            reverses_item_id=row["id"],
        )
        for row in rows
    ]
