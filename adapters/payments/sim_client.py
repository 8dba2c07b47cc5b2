"""The card starter for the simulated processor (adapters.payments.sim_processor)."""

from __future__ import annotations

import httpx

from adapters.payments.base import StartRequest, StartResult
from domain.errors import Unavailable

PROVIDER = "sim"


class SimProcessorStarter:
    """Registers the session with the processor, which then takes the charge."""

    def __init__(self, *, base_url: str, webhook_url: str, timeout: float = 5.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._webhook_url = webhook_url
        self._timeout = timeout

    async def start(self, request: StartRequest) -> StartResult:
        body = {
            "reference": request.session_id,
            "amount_minor": request.amount_minor,
            "currency": request.currency,
            "description": request.description,
            "webhook_url": self._webhook_url,
            "intent": request.intent,
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                resp = await client.post(f"{self._base_url}/v1/sessions", json=body)
                resp.raise_for_status()
        except httpx.HTTPError as exc:
            raise Unavailable(
                "payment_provider_unavailable", f"the card processor failed: {exc}"
            ) from exc
        data = resp.json()
        return StartResult(
            provider=PROVIDER,
            provider_ref=str(data["id"]),
            next_action={
                "type": "card_charge",
                "method": "POST",
                "url": f"{self._base_url}{data['pay_path']}",
                "body": {"card_number": "<card number>"},
            },
        )
