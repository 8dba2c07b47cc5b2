"""The set-based comparison: one full outer join of local channel bookings and the staged
channel report, with the rules of `domain.reconciliation.compare` written as SQL.

Local side: the channel's booking links (grouped per booking) whose booking was created
in [period_start, period_end). Channel side: the run's staged report lines, grouped per
booking reference. Only the issues come back to Python, never a row per link.
"""

from __future__ import annotations

from sqlalchemy import text

LOCAL_STATUS_SQL = """CASE
    WHEN b.status IN ('confirmed', 'in_progress', 'completed') THEN 'confirmed'
    WHEN b.status IN ('cancelled', 'expired') THEN 'cancelled'
    ELSE 'pending' END"""

PAIRS_SQL = f"""
WITH l AS (
    SELECT lk.booking_id AS ref,
           min(lk.id) AS link_id,
           min(lk.external_booking_id) AS external_booking_id,
           min({LOCAL_STATUS_SQL}) AS status,
           COALESCE(sum(lk.amount_minor), min(b.sell_total_minor)) AS amount_minor,
           COALESCE(min(lk.currency), min(b.currency)) AS currency,
           COALESCE(min(d.payment_owner), 'operator') AS payment_owner
    FROM channel_booking_links lk
    JOIN bookings b ON b.id = lk.booking_id
    LEFT JOIN booking_distribution_details d ON d.booking_id = lk.booking_id
    WHERE lk.channel_id = :channel_id
      AND b.created_at >= :period_start AND b.created_at < :period_end
    GROUP BY lk.booking_id
), r AS (
    SELECT booking_ref AS ref,
           min(external_booking_id) AS external_booking_id,
           CASE WHEN bool_and(status = 'cancelled') THEN 'cancelled'
                WHEN bool_or(status = 'pending') THEN 'pending'
                ELSE 'confirmed' END AS status,
           sum(amount_minor) AS amount_minor,
           min(currency) AS currency,
           sum(payout_minor) AS payout_minor
    FROM channel_reconciliation_report_lines
    WHERE run_id = :run_id
    GROUP BY booking_ref
), p AS (
    SELECT COALESCE(l.ref, r.ref) AS ref,
           l.ref IS NOT NULL AS has_local, r.ref IS NOT NULL AS has_remote,
           l.link_id, COALESCE(l.external_booking_id, r.external_booking_id) AS external_id,
           l.status AS l_status, r.status AS r_status,
           l.amount_minor AS l_amount, r.amount_minor AS r_amount,
           l.currency AS l_currency, r.currency AS r_currency,
           l.payment_owner, r.payout_minor
    FROM l FULL OUTER JOIN r ON r.ref = l.ref
), d AS (
    -- Only pairs where something differs can raise an issue (exactly the rules' guards):
    -- the per-rule evaluation below then runs on a handful of rows, not every booking.
    SELECT * FROM p
    WHERE NOT (p.has_local AND p.has_remote)
       OR p.l_status <> p.r_status
       OR p.l_currency <> p.r_currency
       OR p.l_amount <> p.r_amount
       OR (p.payment_owner = 'channel' AND p.payout_minor IS NULL)
)
"""

ISSUES_SQL = text(
    PAIRS_SQL
    + """
SELECT i.issue_type, i.side, p.ref, p.has_local, p.link_id, p.external_id,
       p.l_status, p.r_status, p.l_amount, p.r_amount, p.l_currency, p.r_currency
FROM d AS p
CROSS JOIN LATERAL (VALUES
    (CASE WHEN :check_missing AND p.has_local AND NOT p.has_remote
               AND p.l_status = 'confirmed' THEN 'missing_booking' END, 'channel'),
    (CASE WHEN :check_missing AND p.has_remote AND NOT p.has_local
               AND p.r_status <> 'cancelled' THEN 'missing_booking' END, 'local'),
    (CASE WHEN :check_cancellations AND p.has_local AND p.has_remote
               AND (p.l_status = 'cancelled') <> (p.r_status = 'cancelled')
          THEN 'cancel_mismatch' END, NULL),
    (CASE WHEN :check_status AND p.has_local AND p.has_remote
               AND p.l_status <> 'cancelled' AND p.r_status <> 'cancelled'
               AND p.l_status <> p.r_status THEN 'status_mismatch' END, NULL),
    (CASE WHEN :check_amounts AND p.has_local AND p.has_remote
               AND p.l_status <> 'cancelled' AND p.r_status <> 'cancelled'
               AND (p.l_currency <> p.r_currency
                    OR abs(p.l_amount - p.r_amount) > GREATEST(
                        CAST(:tolerance_minor AS bigint),
                        (abs(p.l_amount) * :tolerance_bps + 5000) / 10000))
          THEN 'amount_mismatch' END, NULL),
    (CASE WHEN :check_payouts AND p.has_local AND p.has_remote
               AND p.l_status = 'confirmed' AND p.r_status = 'confirmed'
               AND p.payment_owner = 'channel' AND p.payout_minor IS NULL
          THEN 'missing_payout' END, NULL)
) AS i(issue_type, side)
WHERE i.issue_type IS NOT NULL
ORDER BY p.ref, i.issue_type
"""
)

# Lines that name our booking by its number (not its id) get the id, in one statement.
RESOLVE_NUMBERS_SQL = text(
    r"""
UPDATE channel_reconciliation_report_lines rl SET booking_ref = b.id
FROM bookings b
WHERE rl.run_id = :run_id AND b.number = rl.booking_ref
  AND rl.booking_ref NOT LIKE 'book\_%'  -- already a booking id: skip the lookup
"""
)

COUNT_LOCAL_SQL = text(
    """
SELECT count(DISTINCT lk.booking_id)
FROM channel_booking_links lk JOIN bookings b ON b.id = lk.booking_id
WHERE lk.channel_id = :channel_id
  AND b.created_at >= :period_start AND b.created_at < :period_end
"""
)

# The benchmark's baseline: the bare full outer join of the same data, nothing computed.
RAW_FULL_JOIN_SQL = text(
    """
SELECT count(*) FROM (
    SELECT lk.booking_id FROM channel_booking_links lk JOIN bookings b ON b.id = lk.booking_id
    WHERE lk.channel_id = :channel_id
      AND b.created_at >= :period_start AND b.created_at < :period_end
) l FULL OUTER JOIN (
    SELECT booking_ref FROM channel_reconciliation_report_lines WHERE run_id = :run_id
) r ON r.booking_ref = l.booking_id
"""
)
