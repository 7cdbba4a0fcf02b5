"""Amounts with their goal's unit read as English: one call, forty calls."""

from __future__ import annotations

import pytest

from bot.core.ui import quantity


@pytest.mark.parametrize(
    ("amount", "unit", "shown"),
    [
        (1, "calls", "1 call"),
        (40, "calls", "40 calls"),
        (1, "phone calls", "1 phone call"),
        (1, "hours", "1 hour"),
        (1, "boxes", "1 box"),
        (1, "batches", "1 batch"),
        (1, "deliveries", "1 delivery"),
        (1, "kg", "1 kg"),
        (1, "GBP", "1 GBP"),
        (1, "buses", "1 buses"),  # bus or buse? left as typed
        (1, "houses", "1 houses"),
        (1, "status", "1 status"),
        (1, "glass", "1 glass"),
        (1.5, "hours", "1.5 hours"),
        (1000, "signatures", "1,000 signatures"),
        (1, "", "1"),
    ],
)
def test_one_is_singular_everything_else_as_typed(amount: float, unit: str, shown: str) -> None:
    assert quantity(amount, unit) == shown
