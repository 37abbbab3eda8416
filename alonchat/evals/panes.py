"""A pane is a model plus its settings, the playground's own definition (ChatOptions), here for runs to send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pydantic

from ..core.errors import ValidationError
from ..core.types import ChatOptions

# How a pane's settings read in a label: the playground's short names.
SHORT = {"reasoning_effort": "effort", "reasoning_budget": "budget", "temperature": "temp", "top_p": "top_p",
         "max_tokens": "max", "seed": "seed", "stop": "stop", "json_schema": "schema", "system": "system",
         "cache_prompt": "cache", "timeout": "timeout"}


@dataclass(frozen=True)
class Pane:
    """One column of a run: a catalog model and the options every call of it is sent with."""

    model: str
    options: dict = field(default_factory=dict)

    @property
    def settings(self) -> str:
        """Its settings in a few words ('temp 0 · max 256'), 'defaults' when none."""
        parts = []
        for k, v in self.options.items():
            if k in ("json_schema", "system"):
                v = "set"
            elif isinstance(v, list):
                v = " / ".join(map(repr, v))
            parts.append(f"{SHORT.get(k, k)} {v}")
        return " · ".join(parts) or "defaults"

    @property
    def label(self) -> str:
        return self.model if not self.options else f"{self.model} ({self.settings})"

    @property
    def key(self) -> str:
        """The same model with the same settings is the same pane (comparing runs matches panes by this)."""
        return json.dumps({"model": self.model, "options": self.options}, sort_keys=True)

    def as_json(self) -> dict:
        return {"model": self.model, "options": self.options}


def make(model: str, options: dict | None = None, *, where: str = "pane") -> Pane:
    """A pane whose options ChatOptions accepts; blank (None) options are left out."""
    if not isinstance(model, str) or not model.strip():
        raise ValidationError({where: "Pick a model for every pane."})
    options = {k: v for k, v in (options or {}).items() if v is not None}
    try:
        ChatOptions.of(options)
    except pydantic.ValidationError as e:
        raise ValidationError({where: f"{model}: " + "; ".join(
            f"{'.'.join(map(str, err['loc'])) or 'options'}: {err['msg'].removeprefix('Value error, ')}"
            for err in e.errors())}) from None
    return Pane(model.strip(), options)


def load(data: list[dict]) -> list[Pane]:
    return [Pane(d["model"], d.get("options") or {}) for d in data]
