"""Guarantee rules: which kinds a payment secures, the lifecycle, what claiming collects. Pure.

pending -> active | cancelled | expired  (secured by a payment session, cancelled unsecured,
                                         or past `expires_at` unsecured: the expiry sweep)
active  -> released | claimed      (handed back, or used to collect money)
released, claimed, cancelled, expired: terminal

Deposits, pre-auths and cards on file start `pending` and become `active` when their payment
session succeeds; agency letters and vouchers are documents and start `active`.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import BadRequest, Conflict

SECURED_BY_SESSION = frozenset({"deposit", "pre_auth", "card_on_file"})
DOCUMENTS = frozenset({"agency_letter", "voucher"})
# What the processor is asked to do when a session secures a guarantee of this kind.
SESSION_INTENT = {"deposit": "charge", "pre_auth": "authorize", "card_on_file": "save_card"}
# The payment method recorded when claiming collects money (None: nothing collected here).
CLAIM_METHOD: dict[str, str | None] = {
    "deposit": None,  # the deposit's payment was recorded when it was paid
    "pre_auth": "card",  # capture the authorisation
    "card_on_file": "card",  # charge the stored card
    "agency_letter": "direct_bill",  # bill the agency
    "voucher": "voucher",  # redeem the voucher
}
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"active", "cancelled", "expired"}),
    "active": frozenset({"released", "claimed"}),
    "released": frozenset(),
    "claimed": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
}


@dataclass(frozen=True, slots=True)
class Draft:
    """A guarantee as requested."""

    kind: str
    amount_minor: int
    reference: str | None


def initial_status(draft: Draft) -> str:
    """`active` for documents (which need their reference), else `pending`."""
    if draft.amount_minor <= 0:
        raise BadRequest("invalid_amount", "a guarantee covers a positive amount")
    if draft.kind in DOCUMENTS:
        if not draft.reference:
            raise BadRequest(
                "reference_required", f"a {draft.kind} guarantee names its document number"
            )
        return "active"
    if draft.kind in SECURED_BY_SESSION:
        return "pending"
    raise BadRequest("invalid_kind", f"unknown guarantee kind {draft.kind!r}")


def check_transition(current: str, target: str) -> None:
    """409 `invalid_guarantee_transition` unless the lifecycle allows `current -> target`."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            "invalid_guarantee_transition",
            f"a {current} guarantee cannot become {target}",
            status=current,
            target=target,
        )


def claimable(*, amount_minor: int, claimed_minor: int, requested: int | None) -> int:
    """How much a claim takes: `requested`, default the whole guarantee; never beyond it."""
    left = amount_minor - claimed_minor
    take = left if requested is None else requested
    if take <= 0 or take > left:
        raise Conflict(
            "claim_exceeds_guarantee",
            f"between 1 and {left} can be claimed",
            claimable_minor=left,
        )
    return take
