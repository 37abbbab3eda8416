"""The seed catalog: data/seed_models.json, with prices and context windows filled from genai-prices."""

from __future__ import annotations

import json
from decimal import Decimal

from ..core.pricing import BASE_FIELDS, reference, tiers_json
from ..storage.engine import SEED_DIR

SEED_FILE = SEED_DIR / "seed_models.json"


def seed_models() -> list[dict]:
    """Catalog rows ready to insert; genai-prices wins over nothing, the seed file only over what it lacks."""
    rows = []
    for entry in json.loads(SEED_FILE.read_text())["models"]:
        ref = reference(entry["provider"], entry["model_id"])
        prices = {f: (Decimal(v) if v is not None else None) for f, v in entry.get("prices", {}).items()}
        if ref is not None:
            prices = {**ref.prices.as_dict(), **prices}
        rows.append({
            "name": entry["name"],
            "display_name": entry.get("display_name") or (ref.name if ref and ref.name else entry["name"]),
            "provider": entry["provider"],
            "model_id": entry["model_id"],
            "context_window": (ref.context_window if ref else None) or entry.get("context_window"),
            "max_tokens": entry.get("max_tokens"),
            "description": entry.get("description", ""),
            "is_active": True,
            **{f: prices.get(f) for f in BASE_FIELDS},  # 0002 writes these; 0009 adds the rest
            "price_source": "genai-prices" if ref is not None else "seed",
        })
    return rows


def seed_extras() -> list[dict]:
    """What 0009 adds to each seeded model genai-prices knows: its 1-hour cache-write price and its tiers.

    `base` holds the reference's base prices, so the migration only touches rows that still follow genai-prices.
    """
    out = []
    for entry in json.loads(SEED_FILE.read_text())["models"]:
        ref = reference(entry["provider"], entry["model_id"])
        if ref is None or entry.get("prices"):
            continue
        out.append({"name": entry["name"], "provider": entry["provider"], "model_id": entry["model_id"],
                    "base": {f: getattr(ref.prices, f) for f in BASE_FIELDS},
                    "cache_write_1h_price": ref.prices.cache_write_1h_price, "tiers": tiers_json(ref.prices.tiers)})
    return out


def seed_endpoints() -> list[dict]:
    return json.loads(SEED_FILE.read_text())["endpoints"]


def seed_capabilities() -> dict[str, dict[str, bool]]:
    """Each seed model's capability columns (supports_reasoning, supports_vision, supports_pdf), by name."""
    caps = json.loads(SEED_FILE.read_text()).get("capabilities", {})
    return {name: {f"supports_{k}": k in have for k in ("reasoning", "vision", "pdf")} for name, have in caps.items()}
