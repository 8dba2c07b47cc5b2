import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from domain.db import unit_of_work
from domain.distribution.webhooks import SIGNATURE_HEADER, sign
from domain.intents.models import WorkflowIntent
from domain.reservations import steps
from tests.api.conftest import bearer
from tests.support.catalog import product_with_option
from tests.support.quotes import eventually, future_slot, plan_state, unit
from worker import build_worker


def line_body(slot, option_unit, quantity=2, **overrides):
    body = {
        "kind": "catalog",
        "description": "Morning tour, adult",
        "sell_amount_minor": 5000,
        "sell_currency": "EUR",
        "cost_amount_minor": 2500,
        "quantity": quantity,
        "product_id": slot.product_id,
        "option_id": slot.option_id,
        "unit_id": option_unit.id,
        "slot_id": slot.id,
    }
    body.update(overrides)
    return body


MANUAL = {
    "kind": "manual",
    "description": "Dinner at the harbour",
    "sell_amount_minor": 8000,
    "sell_currency": "EUR",
    "cost_amount_minor": 6000,
    "pax_per_unit": 0,
    "supplier_ref": "supp_harbour_grill",
    "service_name": "Set dinner",
}


async def _sent_version(http, h, lines, **terms):
    quote = await http.post(
        "/v1/quotes",
        headers=h,
        json={"title": "Porto", "currency": "EUR", "buyer": {"name": "Ana"}},
    )
    assert quote.status_code == 201, quote.text
    version = await http.post(
        f"/v1/quotes/{quote.json()['id']}/versions", headers=h, json={"lines": lines, **terms}
    )
    assert version.status_code == 201, version.text
    sent = await http.post(f"/v1/quote-versions/{version.json()['id']}/send", headers=h)
    assert sent.status_code == 200, sent.text
    return sent.json()


async def test_accept_a_version_confirm_its_manual_line_and_read_the_booked_plan(
    http, make_key, session_factory, temporal_client, task_queue
):
    sales = bearer(await make_key("quotes:read", "quotes:write"))
    staff = bearer(await make_key("bookings:write"))
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option)
    s = await future_slot(session_factory, option, capacity=10)
    version = await _sent_version(http, sales, [line_body(s, adult), MANUAL])
    assert [ln["position"] for ln in version["lines"]] == [0, 1]

    async with build_worker(temporal_client, session_factory, task_queue=task_queue):
        first = await http.post(f"/v1/quote-versions/{version['id']}/accept", headers=sales)
        again = await http.post(f"/v1/quote-versions/{version['id']}/accept", headers=sales)
        assert (first.status_code, again.status_code) == (202, 202), first.text
        assert (first.json()["accepted_now"], again.json()["accepted_now"]) == (True, False)
        plan = first.json()["plan"]
        assert plan["workflow_id"] == f"reserve:{version['id']}"
        query = f"WorkflowId = '{plan['workflow_id']}'"

        async def runs():
            found = [w async for w in temporal_client.list_workflows(query)]
            return found or None

        started = await eventually(runs)
        assert len(started) == 1  # accepting twice started one run
        handle = temporal_client.get_workflow_handle(plan["workflow_id"])
        assert (await handle.describe()).run_id == started[0].run_id

        async def asked():
            _, lines = await plan_state(session_factory, version["id"])
            return lines[1].supplier_status == "requested"

        await eventually(asked)
        manual = plan["lines"][1]["id"]
        url = f"/v1/reservation-plans/{plan['id']}/lines/{manual}"
        refused = await http.post(f"{url}/confirm", headers=sales, json={"confirmation_ref": "X"})
        assert (refused.status_code, refused.json()["code"]) == (403, "missing_scope")
        confirmed = await http.post(
            f"{url}/confirm",
            headers=staff,
            json={"confirmation_ref": "HRB-9", "source": "supplier_webhook"},
        )
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["supplier_status"] == "confirmed"

        async def booked():
            r = await http.get(
                f"/v1/quote-versions/{version['id']}/reservation-plan", headers=sales
            )
            return r.json() if r.json()["status"] == "booked" else None

        final = await eventually(booked)
    assert final["booking_id"] and final["booking_number"].startswith("TF-")
    assert [ln["status"] for ln in final["lines"]] == ["converted", "converted"]
    quote = await http.get(f"/v1/quotes/{version['quote_id']}", headers=sales)
    assert (quote.json()["status"], quote.json()["won_version_id"]) == ("won", version["id"])


async def test_bad_quote_input_gets_stable_codes_and_writes_nothing(
    http, make_key, session_factory
):
    h = bearer(await make_key("quotes:read", "quotes:write"))
    _, option = await product_with_option(session_factory)
    adult = await unit(session_factory, option)
    s = await future_slot(session_factory, option)
    quote = (
        await http.post("/v1/quotes", headers=h, json={"title": "T", "currency": "EUR"})
    ).json()
    versions = f"/v1/quotes/{quote['id']}/versions"

    no_supplier = await http.post(
        versions, headers=h, json={"lines": [{**MANUAL, "supplier_ref": None}]}
    )
    wrong_currency = await http.post(
        versions, headers=h, json={"lines": [line_body(s, adult, sell_currency="USD")]}
    )
    bad_id = await http.post(
        versions, headers=h, json={"lines": [line_body(s, adult, slot_id="nope")]}
    )
    no_unit = await http.post(
        versions, headers=h, json={"lines": [line_body(s, adult, unit_id=None)]}
    )
    draft = await http.post(versions, headers=h, json={"lines": [line_body(s, adult)]})
    accept_draft = await http.post(f"/v1/quote-versions/{draft.json()['id']}/accept", headers=h)
    no_plan = await http.get(f"/v1/quote-versions/{draft.json()['id']}/reservation-plan", headers=h)

    assert (no_supplier.status_code, no_supplier.json()["code"]) == (400, "supplier_required")
    assert (wrong_currency.status_code, wrong_currency.json()["code"]) == (400, "currency_mismatch")
    assert (bad_id.status_code, bad_id.json()["code"]) == (400, "invalid_id")
    assert (no_unit.status_code, no_unit.json()["code"]) == (400, "unit_required")
    assert (accept_draft.status_code, accept_draft.json()["code"]) == (409, "invalid_transition")
    assert (no_plan.status_code, no_plan.json()["code"]) == (404, "reservation_plan_not_found")
    assert draft.json()["number"] == 1  # the refused versions left nothing behind


async def test_reading_quotes_needs_the_quotes_scope(http, make_key):
    h = bearer(await make_key("bookings:read"))
    r = await http.post("/v1/quotes", headers=h, json={"title": "T", "currency": "EUR"})
    assert (r.status_code, r.json()["code"]) == (403, "missing_scope")


async def test_a_supplier_webhook_retry_is_a_replay_and_a_decline_keeps_its_reason(
    http, make_key, session_factory
):
    sales = bearer(await make_key("quotes:read", "quotes:write"))
    supplier = bearer(await make_key("bookings:write"))
    version = await _sent_version(http, sales, [MANUAL, {**MANUAL, "description": "Fado"}])
    accepted = await http.post(f"/v1/quote-versions/{version['id']}/accept", headers=sales)
    plan = accepted.json()["plan"]
    for line in plan["lines"]:  # no worker here: ask the suppliers as the workflow would
        async with unit_of_work(session_factory) as session:
            await steps.request_supplier(session, line_id=line["id"], as_of=datetime.now(UTC))
    first, second = (f"/v1/reservation-plans/{plan['id']}/lines/{ln['id']}" for ln in plan["lines"])
    webhook = {"confirmation_ref": "HRB-1", "source": "supplier_webhook"}

    confirmed = await http.post(f"{first}/confirm", headers=supplier, json=webhook)
    retried = await http.post(f"{first}/confirm", headers=supplier, json=webhook)
    other_ref = await http.post(
        f"{first}/confirm", headers=supplier, json={**webhook, "confirmation_ref": "HRB-2"}
    )
    declined = await http.post(f"{second}/decline", headers=supplier, json={"reason": "full"})
    declined_again = await http.post(f"{second}/decline", headers=supplier, json={})

    assert (confirmed.status_code, retried.status_code) == (200, 200), retried.text
    assert retried.json()["confirmation_ref"] == "HRB-1"
    assert (other_ref.status_code, other_ref.json()["code"]) == (409, "invalid_transition")
    assert (declined.status_code, declined.json()["detail"]) == (200, "full")
    assert (declined_again.status_code, declined_again.json()["detail"]) == (200, "full")
    async with session_factory() as db:
        signals = await db.scalar(
            select(func.count()).where(
                WorkflowIntent.kind == "signal", WorkflowIntent.workflow_id == plan["workflow_id"]
            )
        )
    assert signals == 2  # one per answer, none for the replays


async def test_a_signed_supplier_webhook_answers_a_line_and_an_unsigned_one_is_refused(
    http, make_key, session_factory, monkeypatch
):
    sales = bearer(await make_key("quotes:read", "quotes:write"))
    version = await _sent_version(http, sales, [MANUAL])
    plan = (await http.post(f"/v1/quote-versions/{version['id']}/accept", headers=sales)).json()[
        "plan"
    ]
    line_id = plan["lines"][0]["id"]
    async with unit_of_work(session_factory) as session:
        await steps.request_supplier(session, line_id=line_id, as_of=datetime.now(UTC))
    url = "/v1/reservation-plans/supplier-webhook"
    body = json.dumps(
        {
            "plan_id": plan["id"],
            "line_id": line_id,
            "status": "confirmed",
            "confirmation_ref": "S-1",
        }
    ).encode()

    def post(payload: bytes, signature: str | None):
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers[SIGNATURE_HEADER] = signature
        return http.post(url, content=payload, headers=headers)

    not_configured = await post(body, sign("s3cret", body))
    monkeypatch.setenv("TOURFLOW_SUPPLIER_WEBHOOK_SECRET", "s3cret")
    unsigned = await post(body, None)
    forged = await post(body, sign("guess", body))
    confirmed = await post(body, sign("s3cret", body))
    retried = await post(body, sign("s3cret", body))

    assert (not_configured.status_code, not_configured.json()["code"]) == (
        503,
        "supplier_webhook_not_configured",
    )
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "invalid_signature")
    assert (forged.status_code, forged.json()["code"]) == (401, "invalid_signature")
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["supplier_status"], confirmed.json()["confirmation_ref"]) == (
        "confirmed",
        "S-1",
    )
    assert retried.status_code == 200  # a webhook retry is a replay
    _, lines = await plan_state(session_factory, version["id"])
    assert (lines[0].supplier_status, lines[0].answered_by) == ("confirmed", None)
