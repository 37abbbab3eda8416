"""Catalog fixtures for engine tests: a valid model input, what a refused write must leave, endpoint rows."""

from __future__ import annotations

from sqlalchemy import select, text

from alonchat.storage.engine import session
from alonchat.storage.tables import ProviderEndpoint

GOOD = {"name": "my-model", "provider": "echo", "model_id": "echo-1", "context_window": 8000,
        "max_tokens": 1000, "input_price": "1.5", "output_price": "6", "description": "a test model"}


def snapshot() -> tuple:
    """Everything a failed write must not touch: the catalog rows and the price history."""
    with session() as s:
        models = [tuple(r) for r in s.execute(text("SELECT * FROM ai_models ORDER BY id"))]
        history = [tuple(r) for r in s.execute(text("SELECT * FROM model_prices ORDER BY id"))]
    return models, history


def add_endpoint(name, base_url, api_key_env=None, enabled=True):
    with session() as s, s.begin():
        s.add(ProviderEndpoint(name=name, base_url=base_url, api_key_env=api_key_env, enabled=enabled))


def set_endpoint(name, **values):
    with session() as s, s.begin():
        row = s.scalars(select(ProviderEndpoint).where(ProviderEndpoint.name == name)).one()
        for k, v in values.items():
            setattr(row, k, v)
