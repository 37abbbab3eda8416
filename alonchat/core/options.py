"""ChatOptions' schema in pydantic: the checks and messages for options from outside, built only when some are set."""

from __future__ import annotations

import dataclasses
import functools
import typing

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from . import types
from .types import ChatOptions, check_json_schema


def _stop(value: list[str] | None) -> list[str] | None:
    if value is not None and any(not isinstance(v, str) or not v for v in value):
        raise ValueError("each stop sequence must be a non-empty string.")
    return value or None  # an empty list means none


def _schema(value: dict | None) -> dict | None:
    if value is not None:
        check_json_schema(value)
    return value


def _budget_below_max(options: BaseModel) -> BaseModel:
    budget, most = options.reasoning_budget, options.max_tokens
    if budget and most is not None and budget >= most:
        raise ValueError(f"the thinking budget ({budget:,}) must be below Max tokens ({most:,}): thinking counts "
                         "toward it. Raise Max tokens or lower the budget.")
    return options


@functools.cache
def schema() -> type[BaseModel]:
    """The pydantic model of ChatOptions: each field's type, default and bounds as the dataclass declares them."""
    hints = typing.get_type_hints(ChatOptions, vars(types))
    return create_model(
        "ChatOptions", __config__=ConfigDict(extra="forbid"),
        __validators__={"_stop": field_validator("stop")(_stop), "_schema": field_validator("json_schema")(_schema),
                        "_budget_below_max": model_validator(mode="after")(_budget_below_max)},
        **{f.name: (hints[f.name], Field(f.default, **f.metadata)) for f in dataclasses.fields(ChatOptions)})
