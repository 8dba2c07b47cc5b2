import pytest
from sqlalchemy import text

from domain.ids import new_id
from tests.api.conftest import bearer
from tests.support.pii import booking_with_travellers
from tourflow.keyfile import ensure_local_kms_key

SECRETS = {
    "document_type": "passport",
    "document_number": "ZX9081726354",
    "document_issuing_country": "NL",
    "document_expires_on": "2033-08-09",
    "nationality": "NL",
    "date_of_birth": "1984-11-23",
    "dietary_needs": "strictly kosher meals",
    "accessibility_needs": "step-free access to the coach",
}


@pytest.fixture(autouse=True)
def kms_key(settings):
    ensure_local_kms_key(settings.resolved_kms_key_file)
    return settings.resolved_kms_key_file


@pytest.fixture
async def traveller(session_factory):
    booking, travellers = await booking_with_travellers(session_factory)
    return booking, travellers[0]


def path(booking, traveller):
    return f"/v1/bookings/{booking.id}/travellers/{traveller.id}/travel-details"


async def audit(http, make_key, **params):
    r = await http.get("/v1/pii/audit", params=params, headers=bearer(await make_key("pii:audit")))
    assert r.status_code == 200, r.text
    return r.json()


async def test_details_written_through_the_api_never_reach_the_database_in_plaintext(
    http, make_key, traveller, session_factory
):
    booking, person = traveller
    key = await make_key("pii:read", "pii:write")
    r = await http.put(path(booking, person), json=SECRETS, headers=bearer(key))
    assert r.status_code == 200, r.text
    assert r.json()["key_id"] == "local" and "document_number" not in r.json()
    r = await http.get(
        path(booking, person), headers={**bearer(key), "X-Access-Reason": "border check"}
    )
    assert r.status_code == 200
    assert {k: r.json()[k] for k in SECRETS} == SECRETS
    async with session_factory() as db:
        dump = "\n".join(
            (
                await db.scalars(
                    text(
                        "SELECT t::text FROM traveller_travel_details t"
                        " UNION ALL SELECT a::text FROM pii_audit_events a"
                    )
                )
            ).all()
        )
    for value in SECRETS.values():
        if value not in ("passport", "NL"):  # enum-like values could appear by accident
            assert value not in dump


async def test_reading_needs_the_scope_and_a_reason_and_each_refusal_is_audited(
    http, make_key, traveller
):
    booking, person = traveller
    writer = await make_key("pii:write")
    assert (
        await http.put(path(booking, person), json=SECRETS, headers=bearer(writer))
    ).status_code == 200
    r = await http.get(path(booking, person), params={"reason": "curious"}, headers=bearer(writer))
    assert (r.status_code, r.json()["code"]) == (403, "missing_scope")
    reader = await make_key("pii:read")
    r = await http.get(path(booking, person), headers=bearer(reader))
    assert (r.status_code, r.json()["code"]) == (400, "access_reason_required")
    r = await http.get(
        path(booking, person), params={"reason": "visa check"}, headers=bearer(reader)
    )
    assert r.status_code == 200
    rows = await audit(http, make_key, traveller_id=person.id)
    assert [(e["action"], e["outcome"], e["reason"]) for e in reversed(rows)] == [
        ("encrypt", "success", None),
        ("decrypt", "denied", "curious"),
        ("decrypt", "failed", None),
        ("decrypt", "success", "visa check"),
    ]
    assert rows[1]["details"]["code"] == "access_reason_required"


async def test_writing_and_deleting_need_pii_write_and_denials_are_audited(
    http, make_key, traveller
):
    booking, person = traveller
    reader = await make_key("pii:read", "bookings:*")
    r = await http.put(path(booking, person), json=SECRETS, headers=bearer(reader))
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "pii:write"})
    r = await http.delete(path(booking, person), headers=bearer(reader))
    assert r.status_code == 403
    denied = await audit(http, make_key, traveller_id=person.id, outcome="denied")
    assert sorted(e["action"] for e in denied) == ["delete", "encrypt"]
    assert {e["principal_kind"] for e in denied} == {"staff"}


async def test_an_update_keeps_omitted_fields_and_null_clears_one(http, make_key, traveller):
    booking, person = traveller
    key = bearer(await make_key("pii:read", "pii:write"))
    await http.put(
        path(booking, person), json={"nationality": "DE", "dietary_needs": "vegan"}, headers=key
    )
    r = await http.put(path(booking, person), json={"dietary_needs": None}, headers=key)
    assert r.status_code == 200
    got = (await http.get(path(booking, person), params={"reason": "r"}, headers=key)).json()
    assert (got["nationality"], got["dietary_needs"]) == ("DE", None)


async def test_a_person_snapshot_fills_the_gaps_explicit_input_wins_and_provenance_is_kept(
    http, make_key, traveller
):
    booking, person = traveller
    key = bearer(await make_key("pii:read", "pii:write"))
    body = {
        "nationality": "AT",
        "snapshot": {
            "source_document_id": "pdoc_01hperson",
            "document": {
                "nationality": "CH",
                "birthDate": "1966-06-06",
                "passport": {"number": "S0000001", "issuingCountry": "CH"},
            },
        },
    }
    r = await http.put(path(booking, person), json=body, headers=key)
    assert r.status_code == 200, r.text
    assert r.json()["source_document_id"] == "pdoc_01hperson"
    got = (await http.get(path(booking, person), params={"reason": "r"}, headers=key)).json()
    assert (got["nationality"], got["date_of_birth"], got["document_number"]) == (
        "AT", "1966-06-06", "S0000001",
    )  # fmt: skip
    assert got["document_type"] == "passport" and got["source_document_id"] == "pdoc_01hperson"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"passport_number": "X"}, 422, "validation_error"),
        ({"nationality": "Germany"}, 422, "validation_error"),
        ({"document_number": "A\u0000B"}, 422, "validation_error"),
        ({"date_of_birth": "2999-01-01"}, 400, "invalid_date_of_birth"),
        (
            {"snapshot": {"source_document_id": "pdoc_1", "document": {"birthDate": "yesterday"}}},
            400,
            "invalid_snapshot",
        ),
    ],
)
async def test_bad_input_is_a_4xx_and_leaves_nothing_behind(
    http, make_key, traveller, body, status, code
):
    booking, person = traveller
    key = bearer(await make_key("pii:read", "pii:write"))
    r = await http.put(path(booking, person), json=body, headers=key)
    assert (r.status_code, r.json()["code"]) == (status, code)
    r = await http.get(path(booking, person), params={"reason": "r"}, headers=key)
    assert (r.status_code, r.json()["code"]) == (404, "travel_details_not_found")


async def test_delete_removes_the_details_and_unknown_ids_are_404_or_400(http, make_key, traveller):
    booking, person = traveller
    key = bearer(await make_key("pii:read", "pii:write"))
    await http.put(path(booking, person), json=SECRETS, headers=key)
    assert (await http.delete(path(booking, person), headers=key)).status_code == 204
    r = await http.delete(path(booking, person), headers=key)
    assert (r.status_code, r.json()["code"]) == (404, "travel_details_not_found")
    other = f"/v1/bookings/{booking.id}/travellers/{new_id('bkps')}/travel-details"
    r = await http.put(other, json=SECRETS, headers=key)
    assert (r.status_code, r.json()["code"]) == (404, "traveller_not_found")
    wrong = f"/v1/bookings/{booking.id}/travellers/{new_id('book')}/travel-details"
    r = await http.get(wrong, params={"reason": "r"}, headers=key)
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")


async def test_the_audit_trail_needs_pii_audit(http, make_key):
    r = await http.get("/v1/pii/audit", headers=bearer(await make_key("pii:read", "pii:write")))
    assert (r.status_code, r.json()["details"]) == (403, {"scope": "pii:audit"})


async def test_without_key_material_the_api_answers_503_not_500(http, make_key, traveller, kms_key):
    booking, person = traveller
    kms_key.unlink()
    r = await http.put(
        path(booking, person), json=SECRETS, headers=bearer(await make_key("pii:write"))
    )
    assert (r.status_code, r.json()["code"]) == (503, "kms_unavailable")
