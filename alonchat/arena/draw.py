"""Which two panes answer a blind prompt: a random pair from a pool, in random order (A is shown left)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.errors import AlonChatError, ValidationError

# The order of the pair decides who is "A" (left): it must not be guessable, so never the pool's order.
_rng = random.SystemRandom()


@dataclass(frozen=True)
class Pane:
    """A model plus its settings (the options it is sent with), as a pool lists it."""

    model: str
    settings: dict = field(default_factory=dict, hash=False)

    @property
    def key(self) -> str:
        """One text per distinct pane: the same model with other settings is another pane."""
        return json.dumps([self.model, self.settings], sort_keys=True, default=str)


def configured_models() -> list[str]:
    """The active catalog models whose provider has its key (the "any two" pool)."""
    from ..catalog.models import list_models
    from ..providers.registry import registry

    names = []
    for spec in list_models(active_only=True):
        try:
            if registry.get(spec.provider).is_configured():
                names.append(spec.name)
        except AlonChatError:  # a model whose endpoint was deleted cannot answer
            continue
    return names


def any_two_pool() -> list[Pane]:
    """Every active, configured model with its default settings."""
    return [Pane(name) for name in configured_models()]


def distinct(pool: Sequence[Pane]) -> list[Pane]:
    """The pool without repeats (the same model with the same settings twice is one pane)."""
    return list({p.key: p for p in pool}.values())


def draw(pool: Sequence[Pane], rng: random.Random | None = None) -> tuple[Pane, Pane]:
    """Two different panes of the pool, uniformly at random and in random order: (A shown left, B right)."""
    panes = distinct(pool)
    if len(panes) < 2:
        raise ValidationError({"pool": "A blind battle needs two different panes: add another model (or the "
                                       "same model with other settings) to the pool, or configure a second "
                                       "provider's key for \"any two\"."})
    a, b = (rng or _rng).sample(panes, 2)
    return a, b
