"""Request and response shapes for payments."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PaymentIn(BaseModel):
    """Without a payment method: an intent to confirm client-side with its client secret.

    With one (a `pm_…` id from Stripe.js, or a test card such as `pm_card_visa`): the server
    attaches it and confirms at once.
    """

    model_config = ConfigDict(extra="forbid")

    payment_method: str | None = Field(default=None, pattern=r"^pm_[A-Za-z0-9_]{1,100}$")


class PaymentOut(BaseModel):
    order_id: int
    intent_id: str
    client_secret: str | None
    amount_fen: int
    currency: str
    intent_status: str
    order_status: str


class WebhookReceipt(BaseModel):
    event_id: str
    duplicate: bool
    outcome: str | None
