"""After-sales tests pay through a real localstripe, like the payment tests."""

from tests.service.payments.conftest import (  # noqa: F401  (fixtures)
    _stripe_settings,
    gateway,
    localstripe,
    stripe_client,
)
