"""The model catalog's write side: the one validation, adding, editing and retiring models (lookups: lookup.py)."""

from __future__ import annotations

import difflib
from decimal import Decimal
from types import SimpleNamespace
from typing import Annotated

import pydantic
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access.identity import require_admin
from ..core.errors import InactiveModelError, UnknownModelError, ValidationError
from ..core.pricing import PRICE_FIELDS, Prices, parse_tiers
from ..core.text import no_control_chars, strip_invisible
from ..storage.engine import with_session, writing
from ..storage.tables import AIModel, ModelPrice, UsageRecord
from . import audit
from .lookup import CAPABILITIES, ModelSpec, resolve
from .tiers import MAX_PRICE, MAX_TOKENS_BOUND, TIER_LABELS, TIER_PRICES, TiersIn
from .validation import blank_to_none, errors_of, no_bool


@with_session
def resolve_slow(s: Session, name: str, *, active_only: bool = True) -> ModelSpec:
    """Case-insensitive match, inactive models and suggestions: only when the exact lookup failed."""
    row = s.scalars(select(AIModel).where(AIModel.name == name)).first()
    if row is None:
        names = list(s.scalars(select(AIModel.name)))
        lowered = {n.lower(): n for n in names}
        if name.lower() in lowered:
            row = s.scalars(select(AIModel).where(AIModel.name == lowered[name.lower()])).first()
        else:
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.5) if len(name) <= 200 else []
            close += [n for n in names if name.lower() in n.lower() and n not in close]
            raise UnknownModelError(name, close[:5])
    if active_only and not row.is_active:
        raise InactiveModelError(row.name)
    return resolve(row.name, active_only=active_only, session=s)  # by its exact name: with its price version


@with_session
def list_models(s: Session, *, active_only: bool = False) -> list[ModelSpec]:
    stmt = select(AIModel).order_by(AIModel.provider, AIModel.name)
    if active_only:
        stmt = stmt.where(AIModel.is_active.is_(True))
    return [ModelSpec.of(r) for r in s.scalars(stmt)]


# --- the write side: one validation for the form, the CLI and the import ------------------

Tokens = Annotated[int | None, BeforeValidator(no_bool), BeforeValidator(blank_to_none)]
PriceIn = Annotated[Decimal | None, BeforeValidator(blank_to_none)]
Name = Annotated[str, AfterValidator(no_control_chars)]


def _price(title: str, help_: str):
    return Field(None, title=title, ge=0, lt=MAX_PRICE, decimal_places=9, description=help_)


class ModelInput(BaseModel):
    """A catalog entry as a person types it; field descriptions double as the form's help text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name = Field(title="Name", min_length=1, max_length=100, description=(
        "The short, unique name people pick in the playground and type in the CLI, e.g. gpt-5-mini. "
        "Any language is fine; case does not matter for uniqueness."))
    display_name: Annotated[str, AfterValidator(strip_invisible)] = Field(
        "", title="Display name", max_length=200, description=(
        "A friendlier label shown in lists; defaults to the name."))
    provider: Name = Field(title="Provider", min_length=1, max_length=100, description=(
        "Who serves the model: a built-in provider (openai, anthropic, gemini, echo), a plugin, "
        "or an OpenAI-compatible endpoint added on the Endpoints tab."))
    model_id: Name = Field(title="Model id", min_length=1, max_length=200, description=(
        "The exact id the provider's API expects, e.g. gpt-4o-mini or claude-haiku-4-5."))
    context_window: Tokens = Field(None, title="Context window", ge=1, le=MAX_TOKENS_BOUND,
                                   description="Most tokens (prompt + answer) the model reads at once.")
    max_tokens: Tokens = Field(None, title="Max output tokens", ge=1, le=MAX_TOKENS_BOUND, description=(
        "Most tokens the model may generate in one answer; at most the context window."))
    input_price: PriceIn = _price("Input price", "USD per 1M prompt tokens. Empty = unknown (unpriced).")
    output_price: PriceIn = _price("Output price", "USD per 1M generated tokens. Empty = unknown (unpriced).")
    cache_read_price: PriceIn = _price("Cache read price", (
        "USD per 1M prompt tokens read from the provider's cache. Empty = billed at the input price."))
    cache_write_price: PriceIn = _price("Cache write price", (
        "USD per 1M prompt tokens written to the cache (5-minute cache). Empty = billed at the input price."))
    cache_write_1h_price: PriceIn = _price("Cache write 1h price", (
        "USD per 1M prompt tokens written to a 1-hour cache (Anthropic bills these apart). "
        "Empty = billed at the cache write price."))
    tiers: TiersIn = Field(None, title="Long-context tiers", description=(
        "Higher prices once a prompt (cache included) exceeds a threshold, e.g. above 200,000 tokens. The "
        "whole call is then billed at the tier's prices; a price left empty in a tier keeps the base price."))
    description: Annotated[str, AfterValidator(strip_invisible)] = Field(
        "", title="Description", max_length=2_000, description=(
            "What the model is good for; shown in the catalog. Control and text-direction characters are dropped."))
    active: bool = Field(True, title="Active", description=(
        "Inactive models stay in the catalog (and in past usage) but cannot be called."))
    supports_reasoning: bool = Field(False, title="Reasons", description=(
        "The model thinks before answering and takes a reasoning effort or thinking budget."))
    supports_vision: bool = Field(False, title="Images", description="The model accepts images in the prompt.")
    supports_pdf: bool = Field(False, title="PDFs", description="The model accepts PDF files in the prompt.")

    @field_validator("max_tokens")
    @classmethod
    def _within_context(cls, value: int | None, info: ValidationInfo) -> int | None:
        window = info.data.get("context_window")
        if value and window and value > window:
            raise ValueError(f"Max output tokens ({value:,}) can't exceed the context window ({window:,}).")
        return value

    @field_validator("tiers")
    @classmethod
    def _tiers_have_base(cls, value: str | None, info: ValidationInfo) -> str | None:
        for tier in parse_tiers(value):
            for f in TIER_PRICES:
                if getattr(tier, f) is not None and info.data.get(f) is None and f in info.data:
                    raise ValueError(f"Tier above {tier.threshold:,} sets a {TIER_LABELS[f]} price, but the model "
                                     f"has no base {TIER_LABELS[f]} price; set that first.")
        return value

    def row(self) -> dict:
        """Column values for ai_models."""
        data = self.model_dump()
        data["is_active"] = data.pop("active")
        data["display_name"] = data["display_name"] or self.name
        return data


FIELDS = tuple(ModelInput.model_fields)


def validate_model(data: dict, *, taken: dict[str, str], providers: set[str] | None,
                   current: str | None = None) -> ModelInput:
    """The one validation: field rules, then a unique name (case-insensitive) and a registered provider.

    `taken` maps casefolded names to catalog names; `current` is the model being edited.
    `providers=None` skips the provider check (used when the provider is unchanged).
    """
    errors: dict[str, str] = {}
    parsed = None
    try:
        parsed = ModelInput.model_validate(data)
    except pydantic.ValidationError as e:
        errors = errors_of(ModelInput, e)
    name = str(data.get("name") or "").strip()
    clash = taken.get(name.casefold())
    if name and "name" not in errors and clash is not None and clash != current:
        errors["name"] = (f"A model named '{clash}' already exists (names ignore case); pick another "
                          "name or edit that model.")
    provider = str(data.get("provider") or "").strip()
    if providers is not None and provider and "provider" not in errors and provider not in providers:
        errors["provider"] = (f"No provider named '{provider}' is registered. Use one of: "
                              f"{', '.join(sorted(providers))}, or add an OpenAI-compatible endpoint first.")
    if errors:
        raise ValidationError(errors)
    return parsed


def taken_names(s: Session) -> dict[str, str]:
    return {n.casefold(): n for n in s.scalars(select(AIModel.name))}


def provider_names(s: Session) -> set[str]:
    from ..providers.registry import registry

    return set(registry.names(s))


def get_row(s: Session, name: str) -> AIModel:
    """The catalog row called exactly `name` (any state), or UnknownModelError with suggestions."""
    row = s.scalars(select(AIModel).where(AIModel.name == name)).first()
    if row is None:  # a case-insensitive match, or UnknownModelError with "did you mean"
        spec = resolve_slow(name, active_only=False, session=s)
        row = s.scalars(select(AIModel).where(AIModel.name == spec.name)).first()
    return row


def as_input(row: AIModel) -> dict:
    """A catalog row in ModelInput's terms, the base an edit is merged onto."""
    data = {f: getattr(row, f) for f in FIELDS if f != "active"}
    data["active"] = row.is_active
    data["description"] = row.description or ""
    for c in CAPABILITIES:
        data[c] = bool(data[c])
    data["tiers"] = [{k: v for k, v in t.as_dict().items() if v is not None} for t in parse_tiers(row.tiers)] or None
    return data


def record_prices(s: Session, row: AIModel, source: str, user: str | None = None) -> None:
    """Append the row's current prices to its history: who, when, from where."""
    from ..access.identity import current_user

    s.add(ModelPrice(model_pk=row.id, source=source, changed_by=(user or current_user())[:100],
                     tiers=row.tiers, **{f: getattr(row, f) for f in PRICE_FIELDS}))


def _prices_differ(row: AIModel, new: dict) -> bool:
    return Prices.of(row) != Prices.of(SimpleNamespace(**new))


@writing
def create_model(s: Session, data: dict, *, source: str = "manual", user: str | None = None) -> ModelSpec:
    """Validate and add one model; its first prices open the price history (admins only; audited)."""
    require_admin("add models")
    spec = validate_model(data, taken=taken_names(s), providers=provider_names(s))
    row = AIModel(**spec.row())
    s.add(row)
    s.flush()
    record_prices(s, row, source, user)
    audit.catalog_change(s, row.name, None, as_input(row))
    return ModelSpec.of(row)


@writing
def update_model(s: Session, name: str, changes: dict, *, source: str = "manual",
                 user: str | None = None) -> ModelSpec:
    """Validate the edited model as a whole and save it; a price change is appended to the history (admins only)."""
    require_admin("edit models and prices")
    row = get_row(s, name)
    before = as_input(row)
    data = {**before, **changes}
    provider_changed = str(data.get("provider") or "").strip() != row.provider
    spec = validate_model(data, taken=taken_names(s), current=row.name,
                          providers=provider_names(s) if provider_changed else None)
    new = spec.row()
    if new["name"] != row.name and _usage_count(s, row.name):
        raise ValidationError({"name": f"'{row.name}' has recorded usage, which refers to it by name; "
                                       "keep the name and change the display name instead."})
    price_changed = _prices_differ(row, new)
    for key, value in new.items():
        setattr(row, key, value)
    s.flush()
    if price_changed:
        record_prices(s, row, source, user)
    audit.catalog_change(s, before["name"], before, as_input(row))
    return ModelSpec.of(row)


@writing
def set_active(s: Session, name: str, active: bool) -> ModelSpec:
    """Deactivate (hide from pickers, refuse calls) or reactivate a model; history and usage stay (admins only)."""
    require_admin("activate or deactivate models")
    row = get_row(s, name)
    before = row.is_active
    row.is_active = active
    s.flush()
    audit.catalog_change(s, row.name, {"active": before}, {"active": active})
    return ModelSpec.of(row)


def _usage_count(s: Session, name: str) -> int:
    return s.scalar(select(func.count()).select_from(UsageRecord).where(UsageRecord.model_name == name)) or 0


@with_session
def usage_count(s: Session, name: str) -> int:
    """Recorded calls of a model: a model with any can't be deleted, so pages check before asking."""
    return _usage_count(s, get_row(s, name).name)


@writing
def delete_model(s: Session, name: str) -> None:
    """Delete a model that was never used; one with usage is deactivated instead, so reports keep it (admins only)."""
    require_admin("delete models")
    row = get_row(s, name)
    used = _usage_count(s, row.name)
    if used:
        raise ValidationError(f"'{row.name}' has {used:,} recorded call{'s' if used != 1 else ''}, so it "
                              f"can't be deleted; deactivate it instead "
                              f"(`alonchat models deactivate {row.name}`).")
    audit.catalog_change(s, row.name, as_input(row), None)
    s.delete(row)
