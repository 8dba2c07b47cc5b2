"""Reconciliation rules: each planted case raises exactly its issue, nothing else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.reconciliation.compare import (
    ISSUE_TYPES,
    Issue,
    Local,
    Policy,
    Reported,
    compare,
    local_status,
    tolerance,
)

POLICY = Policy(tolerance_minor=50, tolerance_bps=0)


def planted() -> tuple[list[Local], list[Reported]]:
    """Clean pairs plus exactly one case of each issue type (missing both ways)."""
    ours = [
        Local("bk_ok1", "confirmed", 10_000, "EUR"),
        Local("bk_ok2", "cancelled", 5_000, "EUR"),
        Local("bk_ok3", "confirmed", 7_000, "EUR", payment_owner="channel"),
        Local("bk_within", "confirmed", 10_000, "EUR"),
        Local("bk_pending_unpushed", "pending", 3_000, "EUR"),
        Local("bk_lost", "confirmed", 4_000, "EUR"),
        Local("bk_status", "pending", 6_000, "EUR"),
        Local("bk_amount", "confirmed", 10_000, "EUR"),
        Local("bk_cancel", "confirmed", 8_000, "EUR"),
        Local("bk_payout", "confirmed", 9_000, "EUR", payment_owner="channel"),
    ]
    theirs = [
        Reported("bk_ok1", "confirmed", 10_000, "EUR"),
        Reported("bk_ok2", "cancelled", 5_000, "EUR"),
        Reported("bk_ok3", "confirmed", 7_000, "EUR", payout_minor=6_000),
        Reported("bk_within", "confirmed", 10_050, "EUR"),
        Reported("bk_cancelled_elsewhere", "cancelled", 1_000, "EUR"),
        Reported("bk_unknown", "confirmed", 2_000, "EUR"),
        Reported("bk_status", "confirmed", 6_000, "EUR"),
        Reported("bk_amount", "confirmed", 10_051, "EUR"),
        Reported("bk_cancel", "cancelled", 8_000, "EUR"),
        Reported("bk_payout", "confirmed", 9_000, "EUR", payout_minor=None),
    ]
    return ours, theirs


EXPECTED = [
    Issue("amount_mismatch", "bk_amount"),
    Issue("cancel_mismatch", "bk_cancel"),
    Issue("missing_booking", "bk_lost", "channel"),
    Issue("missing_payout", "bk_payout"),
    Issue("status_mismatch", "bk_status"),
    Issue("missing_booking", "bk_unknown", "local"),
]


def test_one_planted_case_of_each_type_finds_exactly_those() -> None:
    ours, theirs = planted()
    found = compare(ours, theirs, POLICY)
    assert found == EXPECTED
    assert {i.issue_type for i in found} == set(ISSUE_TYPES)


def test_toggles_switch_off_their_issue_type_only() -> None:
    ours, theirs = planted()
    policy = Policy(tolerance_minor=50, check_payouts=False, check_amounts=False)
    found = compare(ours, theirs, policy)
    assert found == [
        i for i in EXPECTED if i.issue_type not in ("missing_payout", "amount_mismatch")
    ]


def test_tolerance_is_the_larger_of_minor_units_and_basis_points() -> None:
    assert tolerance(Policy(tolerance_minor=50, tolerance_bps=100), 10_000) == 100
    assert tolerance(Policy(tolerance_minor=150, tolerance_bps=100), 10_000) == 150
    assert tolerance(Policy(tolerance_bps=1), 15_000) == 2  # 1.5 rounds half up


def test_a_different_currency_is_an_amount_mismatch_whatever_the_tolerance() -> None:
    found = compare(
        [Local("b", "confirmed", 100, "EUR")],
        [Reported("b", "confirmed", 100, "USD")],
        Policy(tolerance_minor=10**9),
    )
    assert found == [Issue("amount_mismatch", "b")]


def test_local_statuses_normalise() -> None:
    assert [local_status(s) for s in ("completed", "expired", "on_hold", "confirmed")] == [
        "confirmed",
        "cancelled",
        "pending",
        "confirmed",
    ]


statuses = st.sampled_from(["confirmed", "cancelled", "pending"])
amounts = st.integers(min_value=0, max_value=10**7)


@given(
    st.dictionaries(
        st.text("abc", min_size=1, max_size=3),
        st.tuples(statuses, amounts, st.sampled_from(["operator", "channel"])),
        max_size=20,
    )
)
def test_a_channel_report_that_mirrors_our_books_raises_nothing(
    books: dict[str, tuple[str, int, str]],
) -> None:
    ours = [Local(ref, s, a, "EUR", payment_owner=o) for ref, (s, a, o) in books.items()]
    theirs = [Reported(ref, s, a, "EUR", payout_minor=a) for ref, (s, a, _) in books.items()]
    assert compare(ours, theirs, Policy()) == []


@given(
    st.sampled_from(ISSUE_TYPES),
    st.dictionaries(st.text("xyz", min_size=1, max_size=3), amounts, max_size=15),
)
def test_planting_one_case_into_clean_books_finds_exactly_it(
    issue_type: str, clean: dict[str, int]
) -> None:
    ours = [Local(ref, "confirmed", a, "EUR") for ref, a in clean.items()]
    theirs = [Reported(ref, "confirmed", a, "EUR") for ref, a in clean.items()]
    ref = "planted"
    if issue_type == "missing_booking":
        ours.append(Local(ref, "confirmed", 100, "EUR"))
        want = Issue(issue_type, ref, "channel")
    else:
        local, reported = {
            "status_mismatch": (("pending", 100, "operator"), ("confirmed", 100, 0)),
            "amount_mismatch": (("confirmed", 100, "operator"), ("confirmed", 151, 0)),
            "cancel_mismatch": (("cancelled", 100, "operator"), ("confirmed", 100, 0)),
            "missing_payout": (("confirmed", 100, "channel"), ("confirmed", 100, None)),
        }[issue_type]
        ours.append(Local(ref, local[0], local[1], "EUR", payment_owner=local[2]))
        theirs.append(Reported(ref, reported[0], reported[1], "EUR", payout_minor=reported[2]))
        want = Issue(issue_type, ref)
    assert compare(ours, theirs, Policy(tolerance_minor=50)) == [want]
