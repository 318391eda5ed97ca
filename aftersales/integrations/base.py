"""The one interface every payment provider adapter implements, and the results it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class RefundOutcome(StrEnum):
    SUCCEEDED = "succeeded"  # the provider has refunded (or accepted a refund it will complete)
    PENDING = "pending"      # accepted but not final, or left for a person to execute (manual)
    FAILED = "failed"        # refused for good: the message says why


@dataclass(frozen=True)
class RefundRequest:
    payment_reference: str      # Stripe charge/payment intent id, PayPal capture id, manual reference
    amount_minor: int
    currency: str
    idempotency_key: str
    reason: str = ""
    metadata: dict = field(default_factory=dict)
    language: str = ""          # the customer's, for what the provider shows them (PayPal's note to the payer)


@dataclass(frozen=True)
class RefundResult:
    outcome: RefundOutcome
    provider_refund_id: str = ""
    message: str = ""
    raw: dict = field(default_factory=dict)


class ProviderError(Exception):
    """A provider call failed; ``message`` is safe to show an agent."""

    def __init__(self, message: str, *, raw: dict | None = None):
        super().__init__(message)
        self.message = message
        self.raw = raw or {}


class TransientProviderError(ProviderError):
    """Worth retrying with the same idempotency key: timeouts, 5xx, rate limits, connection errors."""


class PermanentProviderError(ProviderError):
    """Retrying will not help: invalid request, card or account refused, already refunded."""


class PaymentGateway(Protocol):
    name: str

    def refund(self, request: RefundRequest) -> RefundResult: ...


class RefundFinder(Protocol):
    """A gateway that can also look up a refund it may have made already (Stripe): ``refund_execute`` asks it
    before sending a refund again, because a provider that replays a saved server error to the same idempotency
    key cannot say otherwise whether the first request refunded."""

    def find_refund(self, request: RefundRequest) -> RefundResult | None: ...
