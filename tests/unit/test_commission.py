from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.distribution.commission import (
    SCOPE_RANK,
    BookingContext,
    Rule,
    compute_commission,
    is_valid_on,
    matches_scope,
)

DAY = date(2026, 6, 15)
CTX = BookingContext(
    gross_minor=10_000,
    currency="EUR",
    on_date=DAY,
    product_id="prod_a",
    rate_id="popt_a",
    categories=("walking", "city"),
)

BOOKING_10 = Rule(id="chcr_01", scope="booking", kind="percentage", bps=1000)
PRODUCT_12 = Rule(id="chcr_02", scope="product", scope_ref="prod_a", kind="percentage", bps=1200)
CATEGORY_FIX = Rule(
    id="chcr_03",
    scope="category",
    scope_ref="walking",
    kind="fixed",
    amount_minor=750,
    currency="EUR",
)
RATE_FIX = Rule(
    id="chcr_04", scope="rate", scope_ref="popt_a", kind="fixed", amount_minor=900, currency="EUR"
)
OTHER_PRODUCT = Rule(
    id="chcr_05", scope="product", scope_ref="prod_b", kind="fixed", amount_minor=1, currency="EUR"
)
OLD_RATE = Rule(
    id="chcr_06",
    scope="rate",
    scope_ref="popt_a",
    kind="percentage",
    bps=3000,
    valid_to=date(2026, 6, 14),
)
FUTURE_RATE = Rule(
    id="chcr_07",
    scope="rate",
    scope_ref="popt_a",
    kind="percentage",
    bps=3000,
    valid_from=date(2026, 6, 16),
)
PRODUCT_NEWER = Rule(
    id="chcr_08",
    scope="product",
    scope_ref="prod_a",
    kind="percentage",
    bps=1500,
    valid_from=date(2026, 6, 1),
    valid_to=date(2026, 6, 15),
)
PRODUCT_OLDER = Rule(
    id="chcr_09",
    scope="product",
    scope_ref="prod_a",
    kind="percentage",
    bps=500,
    valid_from=date(2026, 1, 1),
)
RATE_USD = Rule(
    id="chcr_10", scope="rate", scope_ref="popt_a", kind="fixed", amount_minor=100, currency="USD"
)
PRODUCT_FIX = Rule(
    id="chcr_13",
    scope="product",
    scope_ref="prod_a",
    kind="fixed",
    amount_minor=640,
    currency="EUR",
)
CATEGORY_PCT = Rule(id="chcr_14", scope="category", scope_ref="city", kind="percentage", bps=450)
HUGE_FIX = Rule(id="chcr_11", scope="booking", kind="fixed", amount_minor=50_000, currency="EUR")
ODD_PCT = Rule(id="chcr_12", scope="booking", kind="percentage", bps=1250)

CASES = [
    # (name, rules, context overrides, expected rule, expected amount)
    ("booking scope only", [BOOKING_10], {}, "chcr_01", 1000),
    ("product beats booking", [BOOKING_10, PRODUCT_12], {}, "chcr_02", 1200),
    ("category beats booking", [BOOKING_10, CATEGORY_FIX], {}, "chcr_03", 750),
    ("product beats category", [CATEGORY_FIX, PRODUCT_12], {}, "chcr_02", 1200),
    ("rate beats everything", [BOOKING_10, PRODUCT_12, CATEGORY_FIX, RATE_FIX], {}, "chcr_04", 900),
    ("another product never applies", [OTHER_PRODUCT, BOOKING_10], {}, "chcr_01", 1000),
    ("expired rate rule falls back to product", [OLD_RATE, PRODUCT_12], {}, "chcr_02", 1200),
    ("future rate rule falls back to product", [FUTURE_RATE, PRODUCT_12], {}, "chcr_02", 1200),
    ("valid_to is inclusive", [OLD_RATE], {"on_date": date(2026, 6, 14)}, "chcr_06", 3000),
    ("valid_from is inclusive", [FUTURE_RATE], {"on_date": date(2026, 6, 16)}, "chcr_07", 3000),
    ("tie: latest valid_from wins", [PRODUCT_OLDER, PRODUCT_NEWER], {}, "chcr_08", 1500),
    (
        "tie: later one expired, older wins",
        [PRODUCT_OLDER, PRODUCT_NEWER],
        {"on_date": date(2026, 6, 20)},
        "chcr_09",
        500,
    ),
    ("tie: dated beats open-ended", [PRODUCT_12, PRODUCT_OLDER], {}, "chcr_09", 500),
    ("fixed in another currency never applies", [RATE_USD, BOOKING_10], {}, "chcr_01", 1000),
    (
        "category matched among several",
        [CATEGORY_FIX],
        {"categories": ("city", "walking")},
        "chcr_03",
        750,
    ),
    ("category not carried", [CATEGORY_FIX], {"categories": ()}, None, 0),
    ("fixed capped at gross", [HUGE_FIX], {}, "chcr_11", 10_000),
    ("percentage rounds half up", [ODD_PCT], {"gross_minor": 1004}, "chcr_12", 126),
    ("percentage rounds down below half", [ODD_PCT], {"gross_minor": 1003}, "chcr_12", 125),
    ("product fixed beats booking percentage", [BOOKING_10, PRODUCT_FIX], {}, "chcr_13", 640),
    ("category percentage beats booking fixed", [HUGE_FIX, CATEGORY_PCT], {}, "chcr_14", 450),
    (
        "rate percentage beats product fixed",
        [PRODUCT_FIX, FUTURE_RATE],
        {"on_date": date(2026, 7, 1)},
        "chcr_07",
        3000,
    ),
    ("no rule, contract fallback", [OTHER_PRODUCT], {"fallback_bps": 800}, None, 800),
    ("no rule, no fallback", [], {}, None, 0),
]


@pytest.mark.parametrize(
    ("rules", "overrides", "rule_id", "amount"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_the_case_table_gives_the_expected_rule_and_amount(rules, overrides, rule_id, amount):
    ctx = BookingContext(**{**CTX.__dict__, **overrides})
    result = compute_commission(rules, ctx)
    assert (result.rule_id, result.amount_minor, result.currency) == (rule_id, amount, "EUR")
    if rule_id is not None:
        assert result.explanation.startswith(f"rule {rule_id} (")
        assert "wins" in result.explanation


def test_the_explanation_names_the_skipped_rules_and_why():
    result = compute_commission([OLD_RATE, RATE_USD, BOOKING_10], CTX)
    assert "chcr_06: not valid on 2026-06-15" in result.explanation
    assert "chcr_10: fixed in USD, booking in EUR" in result.explanation


# --- properties -------------------------------------------------------------------------

refs = st.sampled_from(["prod_a", "prod_b", "popt_a", "popt_b", "walking", "city"])
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def rules(draw, idx=st.integers(0, 10_000)):
    scope = draw(st.sampled_from(list(SCOPE_RANK)))
    kind = draw(st.sampled_from(["fixed", "percentage"]))
    start = draw(st.none() | days)
    end = draw(st.none() | days)
    if start and end and end < start:
        start, end = end, start
    return Rule(
        id=f"chcr_{draw(idx):05d}",
        scope=scope,
        scope_ref=None if scope == "booking" else draw(refs),
        kind=kind,
        amount_minor=draw(st.integers(0, 100_000)) if kind == "fixed" else None,
        currency=draw(st.sampled_from(["EUR", "EUR", "USD"])) if kind == "fixed" else None,
        bps=draw(st.integers(0, 10_000)) if kind == "percentage" else None,
        valid_from=start,
        valid_to=end,
    )


@st.composite
def contexts(draw):
    return BookingContext(
        gross_minor=draw(st.integers(0, 10_000_000)),
        currency="EUR",
        on_date=draw(days),
        product_id=draw(st.sampled_from(["prod_a", "prod_b"])),
        rate_id=draw(st.sampled_from(["popt_a", "popt_b"])),
        categories=tuple(draw(st.sets(st.sampled_from(["walking", "city"])))),
        fallback_bps=draw(st.none() | st.integers(0, 10_000)),
    )


def applicable(rule, ctx):
    return (
        is_valid_on(rule, ctx.on_date)
        and matches_scope(rule, ctx)
        and not (rule.kind == "fixed" and rule.currency != ctx.currency)
    )


@given(st.lists(rules(), max_size=12, unique_by=lambda r: r.id), contexts())
def test_the_winner_is_applicable_and_no_applicable_rule_is_more_specific(rule_list, ctx):
    result = compute_commission(rule_list, ctx)
    winners = [r for r in rule_list if r.id == result.rule_id]
    live = [r for r in rule_list if applicable(r, ctx)]
    if not live:
        assert result.rule_id is None
        return
    [winner] = winners
    assert applicable(winner, ctx)
    for other in live:
        assert SCOPE_RANK[other.scope] <= SCOPE_RANK[winner.scope]
        if SCOPE_RANK[other.scope] == SCOPE_RANK[winner.scope]:
            assert (other.valid_from or date.min) <= (winner.valid_from or date.min)


@given(st.lists(rules(), max_size=12, unique_by=lambda r: r.id), contexts())
def test_the_amount_is_never_negative_nor_above_the_gross(rule_list, ctx):
    result = compute_commission(rule_list, ctx)
    assert 0 <= result.amount_minor <= ctx.gross_minor
    assert result.currency == ctx.currency


@given(st.lists(rules(), max_size=12, unique_by=lambda r: r.id), contexts(), st.randoms())
def test_the_result_does_not_depend_on_rule_order(rule_list, ctx, rnd):
    shuffled = list(rule_list)
    rnd.shuffle(shuffled)
    a, b = compute_commission(rule_list, ctx), compute_commission(shuffled, ctx)
    assert (a.rule_id, a.amount_minor) == (b.rule_id, b.amount_minor)


@given(st.lists(rules(), max_size=12, unique_by=lambda r: r.id), contexts())
def test_adding_an_out_of_window_rule_changes_nothing(rule_list, ctx):
    stale = Rule(
        id="chcr_99999",
        scope="rate",
        scope_ref=ctx.rate_id,
        kind="percentage",
        bps=10_000,
        valid_to=ctx.on_date - timedelta(days=1),
    )
    before = compute_commission(rule_list, ctx)
    after = compute_commission([*rule_list, stale], ctx)
    assert (before.rule_id, before.amount_minor) == (after.rule_id, after.amount_minor)


@given(st.integers(0, 10_000_000), st.integers(0, 10_000), days)
def test_a_percentage_is_within_half_a_minor_unit_of_the_exact_value(gross, bps, day):
    rule = Rule(id="chcr_1", scope="booking", kind="percentage", bps=bps)
    ctx = BookingContext(gross_minor=gross, currency="EUR", on_date=day)
    amount = compute_commission([rule], ctx).amount_minor
    assert abs(amount * 10_000 - gross * bps) <= 5_000
