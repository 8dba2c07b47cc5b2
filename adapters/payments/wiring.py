"""Which starter serves which session method, from settings (host wiring)."""

from __future__ import annotations

from adapters.payments.bank_transfer import BankTransferStarter
from adapters.payments.base import PaymentStarter
from adapters.payments.sim_client import SimProcessorStarter
from tourflow.settings import Settings

WEBHOOK_PATH = "/v1/finance/payment-webhooks/sim"


def starters(settings: Settings) -> dict[str, PaymentStarter]:
    """`card` through the (simulated) card processor, `bank_transfer` as instructions."""
    return {
        "card": SimProcessorStarter(
            base_url=settings.payment_processor_url,
            webhook_url=settings.resolved_webhook_base_url + WEBHOOK_PATH,
        ),
        "bank_transfer": BankTransferStarter(
            iban=settings.bank_transfer_iban, beneficiary=settings.bank_transfer_beneficiary
        ),
    }
