"""ScriptedProvider: a first-class test double that plays a list of steps, for service-level tests."""

from __future__ import annotations

import threading
import time

from alonchat.providers import ChatResult, Provider, StreamEnd, TextDelta, Usage


class ScriptedProvider(Provider):
    """Each call pops the next script: a list of str deltas, StreamEnd, exceptions, ('sleep', s) or a callable.

    A callable step is called where it stands (e.g. a barrier's `wait`), so a test orders events without sleeping.
    """

    name = "scripted"

    def __init__(self, scripts=None, name="scripted"):
        self.name = name
        self.scripts = list(scripts or [])
        self.calls = 0
        self.lock = threading.Lock()
        self.initialize({})

    def _next(self):
        with self.lock:
            self.calls += 1
            return self.scripts.pop(0) if len(self.scripts) > 1 else self.scripts[0]

    def stream(self, request):
        for step in self._next():
            if isinstance(step, Exception):
                raise step
            if isinstance(step, tuple) and step[0] == "sleep":
                time.sleep(step[1])
            elif isinstance(step, str):
                yield TextDelta(step)
            elif isinstance(step, StreamEnd):
                yield step
            elif callable(step):
                step()

    def chat(self, request):
        text, end = [], None
        for event in self.stream(request):
            if isinstance(event, TextDelta):
                text.append(event.text)
            else:
                end = event
        return ChatResult("".join(text), end.usage if end else Usage(), end.finish_reason if end else "")


def add_model(name, provider="scripted", **prices):
    """Put a model on the catalog for a test, through the ORM (the catalog module validates elsewhere)."""
    from alonchat.storage.engine import session
    from alonchat.storage.tables import AIModel

    with session() as s, s.begin():
        s.add(AIModel(name=name, display_name=name, provider=provider, model_id=name,
                      context_window=100_000, max_tokens=1000, description="", is_active=True, **prices))
