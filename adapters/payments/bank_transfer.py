"""Bank transfer: no provider call, only instructions (reference and account details)."""

from __future__ import annotations

from adapters.payments.base import StartRequest, StartResult


class BankTransferStarter:
    """Returns transfer instructions; the money is matched by reference when it arrives."""

    def __init__(self, *, iban: str, beneficiary: str) -> None:
        self._iban = iban
        self._beneficiary = beneficiary

    async def start(self, request: StartRequest) -> StartResult:
        return StartResult(
            provider="bank_transfer",
            provider_ref=None,
            next_action={
                "type": "bank_transfer_instructions",
                "reference": request.reference,
                "iban": self._iban,
                "beneficiary": self._beneficiary,
                "amount_minor": request.amount_minor,
                "currency": request.currency,
            },
        )
