import base64
import json

import pytest

from adapters.kms import KmsKeyError, LocalKmsProvider
from domain.pii import fields
from domain.pii.envelope import Envelope, open_envelope, rewrap, seal
from domain.pii.snapshot import from_person_document

CONTEXT = {"purpose": "traveller_travel_details", "traveller_id": "bkps_1"}


def kms(byte: int = 3) -> LocalKmsProvider:
    return LocalKmsProvider(text=base64.b64encode(bytes([byte]) * 32).decode())


def test_an_update_keeps_omitted_fields_and_clears_explicit_nulls():
    existing = {**fields.empty(), "nationality": "DE", "dietary_needs": "vegan"}
    merged = fields.merge(existing, {"dietary_needs": None, "date_of_birth": "1990-01-02"})
    assert merged["nationality"] == "DE"
    assert merged["dietary_needs"] is None
    assert merged["date_of_birth"] == "1990-01-02"


def test_an_unknown_field_is_refused():
    with pytest.raises(ValueError):
        fields.merge(fields.empty(), {"passport": "X"})


def test_a_snapshot_fills_only_gaps_the_caller_left():
    merged = {**fields.empty(), "nationality": "DE", "dietary_needs": None}
    explicit = {"dietary_needs"}  # explicitly cleared: the snapshot must not refill it
    snapshot = {"nationality": "FR", "dietary_needs": "halal", "date_of_birth": "1980-05-06"}
    result, filled = fields.fill_gaps(merged, explicit, snapshot)
    assert result["nationality"] == "DE"
    assert result["dietary_needs"] is None
    assert result["date_of_birth"] == "1980-05-06"
    assert filled == ["date_of_birth"]


def test_a_person_document_maps_aliases_and_a_nested_passport():
    doc = {
        "dateOfBirth": "1975-03-04",
        "citizenship": "IT",
        "passport": {"number": "YA1234567", "issuingCountry": "IT", "expiresOn": "2031-01-01"},
        "email": "ignored@example.com",
    }
    assert from_person_document(doc) == {
        "date_of_birth": "1975-03-04",
        "nationality": "IT",
        "document_type": "passport",
        "document_number": "YA1234567",
        "document_issuing_country": "IT",
        "document_expires_on": "2031-01-01",
    }


async def test_an_envelope_round_trips_and_holds_no_plaintext():
    payload = {**fields.empty(), "document_number": "P-SECRET-42"}
    envelope = await seal(kms(), payload, context=CONTEXT)
    stored = json.dumps(envelope.to_json())
    assert "P-SECRET-42" not in stored
    assert envelope.to_json()["alg"] == "AES-256-GCM"
    reopened = Envelope.from_json(json.loads(stored))
    assert await open_envelope(kms(), reopened, context=CONTEXT) == payload


async def test_an_envelope_moved_to_another_traveller_does_not_open():
    envelope = await seal(kms(), {"nationality": "DE"}, context=CONTEXT)
    with pytest.raises(KmsKeyError):
        await open_envelope(kms(), envelope, context={**CONTEXT, "traveller_id": "bkps_2"})


async def test_rewrap_keeps_the_ciphertext_and_changes_only_the_wrapped_key():
    provider = kms()
    envelope = await seal(provider, {"nationality": "DE"}, context=CONTEXT)
    again = await rewrap(provider, envelope, context=CONTEXT)
    assert again.ciphertext == envelope.ciphertext and again.wrapped_key != envelope.wrapped_key
    assert await open_envelope(provider, again, context=CONTEXT) == {"nationality": "DE"}
