"""The set-based comparison: one full outer join of local channel bookings and the staged
channel report, with the rules of `domain.reconciliation.compare` written as SQL.

Local side: the channel's booking links (grouped per booking) whose booking was created
in [period_start, period_end). Channel side: the run's staged report lines, grouped per
booking reference. The issues go straight into `channel_reconciliation_items` (INSERT ...
SELECT, carrying open issues of overlapping runs forward); no row comes back to Python.
"""

from __future__ import annotations

from sqlalchemy import text

from domain.reconciliation.compare import SEVERITY

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

FOUND_SQL = """
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
"""

# A fresh TypeID per row, in SQL: a UUIDv7 (48-bit ms clock, version 7, variant 10, random
# bits `r.bits` from gen_random_uuid) as 130 bits (`UUID7_BITS_SQL`), spelled as 26
# Crockford base32 characters (`typeid_sql`).
UUID7_BITS_SQL = """(B'00'
    || substring(((extract(epoch FROM clock_timestamp()) * 1000)::bigint)::bit(64) FROM 17 FOR 48)
    || B'0111' || substring(r.bits FROM 1 FOR 12) || B'10' || substring(r.bits FROM 15 FOR 62))"""
RANDOM_BITS_SQL = "('x' || replace(gen_random_uuid()::text, '-', ''))::bit(128)"
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def typeid_sql(prefix: str, bits: str) -> str:
    """SQL spelling the 130-bit column `bits` as a TypeID of `prefix`."""
    chars = " || ".join(
        f"substr('{CROCKFORD}', substring({bits} FROM {5 * n + 1} FOR 5)::int + 1, 1)"
        for n in range(26)
    )
    return f"'{prefix}_' || {chars}"


_SEVERITY_SQL = (
    "CASE f.issue_type "
    + " ".join(f"WHEN '{kind}' THEN '{level}'" for kind, level in sorted(SEVERITY.items()))
    + " END"
)

# Store the run's issues without a round trip per row (INSERT ... SELECT). An issue still
# open from an earlier (overlapping) run is updated, not raised twice; one already handled
# by this run (a retried step) or ignored/accepted with the same figures is skipped.
UPSERT_ISSUES_SQL = text(
    PAIRS_SQL
    + ", found AS ("
    + FOUND_SQL
    + f"""), rnd AS (
    -- Volatile: materialised, one fresh value per row (never a cached lateral lookup).
    SELECT f.*, {RANDOM_BITS_SQL} AS bits FROM found AS f
), ided AS (
    SELECT r.*, {UUID7_BITS_SQL} AS id_bits FROM rnd AS r
)
INSERT INTO channel_reconciliation_items AS it (
    id, run_id, last_run_id, channel_id, issue_type, side, severity, booking_ref,
    booking_id, link_id, external_booking_id, local_status, channel_status,
    local_amount_minor, channel_amount_minor, currency, channel_currency, resolution)
SELECT {typeid_sql("chri", "f.id_bits")},
       :run_id, :run_id, :channel_id, f.issue_type, f.side, {_SEVERITY_SQL}, f.ref,
       CASE WHEN f.has_local THEN f.ref END, f.link_id, f.external_id, f.l_status, f.r_status,
       f.l_amount, f.r_amount, f.l_currency, f.r_currency, 'open'
FROM ided AS f
WHERE NOT EXISTS (
    SELECT 1 FROM channel_reconciliation_items x
    WHERE x.channel_id = :channel_id AND x.issue_type = f.issue_type AND x.booking_ref = f.ref
      AND (x.last_run_id = :run_id
           OR ((x.resolution = 'ignored' OR x.resolution_action = 'accept')
               AND x.local_status IS NOT DISTINCT FROM f.l_status
               AND x.channel_status IS NOT DISTINCT FROM f.r_status
               AND x.local_amount_minor IS NOT DISTINCT FROM f.l_amount
               AND x.channel_amount_minor IS NOT DISTINCT FROM f.r_amount
               AND x.currency IS NOT DISTINCT FROM f.l_currency
               AND x.channel_currency IS NOT DISTINCT FROM f.r_currency)))
ON CONFLICT (channel_id, issue_type, booking_ref) WHERE resolution = 'open'
DO UPDATE SET last_run_id = EXCLUDED.last_run_id, side = EXCLUDED.side,
    booking_id = EXCLUDED.booking_id, link_id = EXCLUDED.link_id,
    external_booking_id = EXCLUDED.external_booking_id,
    local_status = EXCLUDED.local_status, channel_status = EXCLUDED.channel_status,
    local_amount_minor = EXCLUDED.local_amount_minor,
    channel_amount_minor = EXCLUDED.channel_amount_minor,
    currency = EXCLUDED.currency, channel_currency = EXCLUDED.channel_currency,
    updated_at = now()
"""
)

# Open issues this run compared and no longer found are resolved (no action): the run
# checked that issue type, and either saw the booking (a link of a booking created in
# the period, or a report line) or covers the whole period of the run that raised it.
AUTO_RESOLVE_SQL = text(
    """
UPDATE channel_reconciliation_items AS it
SET resolution = 'resolved', resolved_by = :resolved_by, resolved_at = now(),
    resolution_note = 'no longer found by run ' || CAST(:run_id AS text), updated_at = now()
FROM channel_reconciliation_runs AS fr
WHERE fr.id = it.run_id
  AND it.channel_id = :channel_id AND it.resolution = 'open'
  AND it.last_run_id IS DISTINCT FROM :run_id
  AND ((it.issue_type = 'missing_booking' AND :check_missing)
       OR (it.issue_type = 'status_mismatch' AND :check_status)
       OR (it.issue_type = 'amount_mismatch' AND :check_amounts)
       OR (it.issue_type = 'cancel_mismatch' AND :check_cancellations)
       OR (it.issue_type = 'missing_payout' AND :check_payouts))
  AND ((fr.period_start >= :period_start_day AND fr.period_end <= :period_end_day)
       OR EXISTS (SELECT 1 FROM channel_reconciliation_report_lines rl
                  WHERE rl.run_id = :run_id AND rl.booking_ref = it.booking_ref)
       OR EXISTS (SELECT 1 FROM channel_booking_links lk JOIN bookings b ON b.id = lk.booking_id
                  WHERE lk.channel_id = :channel_id AND lk.booking_id = it.booking_ref
                    AND b.created_at >= :period_start AND b.created_at < :period_end))
"""
)

COUNT_ISSUES_SQL = text(
    "SELECT count(*) FROM channel_reconciliation_items WHERE last_run_id = :run_id"
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
