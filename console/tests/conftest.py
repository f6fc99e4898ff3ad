"""Operator console fixtures (the Support and Finance staff fixtures live in the root conftest)."""

from payments.tests.conftest import (  # noqa: F401 - fixtures reused by the console tests
    completed_booking,
    connect_provider,
    connected_provider,
    paid_booking,
    pay,
    save_card,
)
from payments.tests.test_reports import dated_history  # noqa: F401
