"""The catalog's checks as messages a non-engineer can act on: pydantic's errors for the form, the CLI and imports."""

from __future__ import annotations

import typing
from typing import Any

import pydantic

from ..core.errors import ValidationError


def blank_to_none(value: Any) -> Any:
    """Forms and CSV cells send '' for 'not given'; for optional numbers that means unknown."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def no_bool(value: Any) -> Any:
    """pydantic's lax mode turns True into 1; a token limit of True is a mistake, not a number."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false.")
    return value


def _label(model: type[pydantic.BaseModel], field: str) -> str:
    info = model.model_fields.get(field)
    return (info.title if info and info.title else field.replace("_", " ").capitalize())


def _is_price(model: type[pydantic.BaseModel], field: str) -> bool:
    return field.endswith("_price") and field in model.model_fields


def _whole(model: type[pydantic.BaseModel], field: str) -> bool:
    """Whether the field holds a whole number (int or int | None), for wording its bounds."""
    info = model.model_fields.get(field)
    return info is not None and (info.annotation is int or int in typing.get_args(info.annotation))


def _number(bound) -> str:
    """A bound as people write it: 2, not 2.0; 1,000,000 with separators."""
    return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:,}"


def message(model: type[pydantic.BaseModel], err: dict) -> str:
    """A message for one pydantic error that names the field and says how to fix it."""
    field = str(err["loc"][0]) if err.get("loc") else ""
    label, kind, ctx = _label(model, field), err["type"], err.get("ctx") or {}
    price = _is_price(model, field)
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1) or (
            kind == "string_type" and err.get("input") is None):
        return f"{label} is required."
    if kind == "string_type":
        return f"{label} must be text."
    if kind == "string_too_long":
        return f"{label} is too long: at most {ctx['max_length']:,} characters."
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields)
        return f"'{field}' is not a known field; use only: {allowed}."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        if "token" in field or field in ("context_window", "reasoning_budget"):
            return f"{label} must be a whole number of tokens, e.g. 128000."
        return f"{label} must be a whole number."
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "finite_number"):
        return f"{label} must be a number in USD per 1M tokens, e.g. 2.5; leave it empty if unknown."
    if kind == "decimal_max_places":
        return f"{label} has more than {ctx['decimal_places']} decimal places; round it."
    if kind in ("greater_than_equal", "greater_than"):
        if price:
            return f"{label} can't be negative; leave it empty if the price is unknown."
        bound = ctx.get("ge", ctx.get("gt"))
        if _whole(model, field) and bound in (0, 1):
            return f"{label} must be a positive whole number."
        return f"{label} must be {'more than' if kind == 'greater_than' else 'at least'} {_number(bound)}."
    if kind in ("less_than", "less_than_equal"):
        bound = ctx.get("lt", ctx.get("le"))
        if price:
            return (f"{label} must be below {bound:,} USD per 1M tokens; check that the price is per "
                    "million tokens, not per token or per thousand.")
        return f"{label} must be {'below' if kind == 'less_than' else 'at most'} {_number(bound)}."
    if kind == "bool_parsing" or kind == "bool_type":
        return f"{label} must be true or false."
    if kind == "literal_error":
        return f"{label} must be one of {ctx.get('expected', 'the listed values')}."
    if kind == "too_long":
        return f"{label} can have at most {ctx['max_length']:,} items."
    if kind == "string_pattern_mismatch":
        return f"{label} has characters that are not allowed."
    if kind == "value_error":
        text = str(ctx.get("error") or err["msg"]).removeprefix("Value error, ")
        return text if not field else f"{label} {text}" if text[:1].islower() else text
    return f"{label}: {err['msg']}."


def errors_of(model: type[pydantic.BaseModel], exc: pydantic.ValidationError) -> dict[str, str]:
    """Field -> message for every problem at once (the first message per field wins)."""
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        out.setdefault(field, message(model, err))
    return out


def parse(model: type[pydantic.BaseModel], data: dict, context: dict | None = None) -> pydantic.BaseModel:
    """Build `model` from `data` or raise our ValidationError with a message per field (`context` for validators)."""
    try:
        return model.model_validate(data, context=context)
    except pydantic.ValidationError as e:
        raise ValidationError(errors_of(model, e)) from None
