"""A free model (every price zero) is the one a budget never refuses; an unpriced one is not free."""

from __future__ import annotations

from decimal import Decimal

from alonchat.core.pricing import Prices

Z = Decimal(0)


def test_free_means_every_known_price_is_zero():
    assert Prices(Z, Z).free and Prices(Z, Z, Z, Z).free
    assert not Prices(Z, Decimal("0.1")).free  # output billed
    assert not Prices(Z, Z, Decimal("0.01")).free  # cache reads billed
    assert not Prices(None, None).free and not Prices(Z, None).free  # unpriced: unknown, never free
