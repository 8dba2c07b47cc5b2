from pydantic import BaseModel

from api.redaction import mask_email, mask_name, mask_phone, redact
from domain.auth.service import AuthenticatedPrincipal


class Traveller(BaseModel):
    first_name: str
    last_name: str
    email: str | None
    phone: str | None


class Booking(BaseModel):
    number: str
    buyer_name: str | None
    buyer_email: str | None
    tax_id: str | None = None
    address_lines: list[str] = []
    travellers: list[Traveller] = []


def principal(*scopes: str, kind: str = "staff") -> AuthenticatedPrincipal:
    return AuthenticatedPrincipal("prin_x", kind, "x", scopes, None, "apik_x")


BOOKING = Booking(
    number="TF-1",
    buyer_name="Ada Lovelace",
    buyer_email="ada@example.org",
    tax_id="DE123456789",
    address_lines=["1 Analytical Way", "London"],
    travellers=[
        Traveller(first_name="Ada", last_name="Byron", email=None, phone="+44 20 7946 0958")
    ],
)


def test_masks_keep_only_an_initial_a_tld_or_two_digits():
    assert mask_email("ada@example.org") == "a***@***.org"
    assert mask_email("no-at-sign") == "***"
    assert mask_phone("+44 20 7946 0958") == "***58"
    assert mask_phone("12") == "***"
    assert mask_name(" Ada ") == "A***"


def test_a_caller_without_reveal_gets_every_contact_field_masked_nested_and_listed():
    out = redact([BOOKING], principal("bookings:read"))[0]
    assert (out.number, out.buyer_name, out.buyer_email) == ("TF-1", "A***", "a***@***.org")
    assert out.tax_id == "***" and out.address_lines == ["***", "***"]
    traveller = out.travellers[0]
    assert (traveller.first_name, traveller.last_name, traveller.email, traveller.phone) == (
        "A***", "B***", None, "***58",
    )  # fmt: skip
    assert BOOKING.buyer_name == "Ada Lovelace"  # the original is untouched


def test_reveal_scope_and_workflow_principals_see_everything():
    assert redact(BOOKING, principal("pii:reveal")) is BOOKING
    assert redact(BOOKING, principal("*:*")) is BOOKING
    assert redact(BOOKING, principal("bookings:read", kind="workflow")) is BOOKING
