"""One record per call: its model, provider and team looked up once, and every call ends in one ledger row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from alonchat.calls.service import AIService
from alonchat.core import errors
from alonchat.core.types import RetryNotice, StreamEnd, TextDelta, ThinkingDelta, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import get_engine
from tests.support.catalog import add_endpoint
from tests.support.provider_checks import ledger
from tests.support.scripted import ScriptedProvider, add_model


class CountingRegistry:
    """The process's registry, counting lookups: a call looks its provider up once."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    def get(self, name, session=None):
        self.lookups.append(name)
        return registry.get(name, session)


@pytest.mark.parametrize("streamed", [False, True])
def test_a_call_looks_its_provider_up_once(streamed):
    counting = CountingRegistry()
    service = AIService(registry=counting)
    result = list(service.stream("echo", "hi"))[-1] if streamed else service.chat("echo", "hi")
    assert result.ok and counting.lookups == ["echo"]


def test_an_endpoint_model_reads_its_endpoint_row_once_per_call(fake_server):
    add_endpoint("local", fake_server.url + "/v1")
    add_model("llama3", provider="local")
    statements: list[str] = []
    engine = get_engine()

    def seen(conn, cursor, statement, *args):
        if "provider_endpoints" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        result = AIService().chat("llama3", "hello")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert result.ok and len(statements) == 1


def test_the_stream_speaks_the_providers_events_and_ends_with_the_result():
    """One vocabulary from the provider to the pane: TextDelta, ThinkingDelta, RetryNotice, then the CallResult."""
    add_model("speaker")
    registry.register(ScriptedProvider([[errors.ServerError("busy")],
                                        ["one ", "two", StreamEnd(Usage(3, 0, 0, 2), "stop")]]))
    items = list(AIService(sleep=lambda s: None).stream("speaker", "q", reasoning_effort=None))
    notice, *texts, result = items
    assert isinstance(notice, RetryNotice) and notice.attempt == 2
    assert texts == [TextDelta("one "), TextDelta("two")]
    assert result.content == "one two" and result.ok
    echo = list(AIService().stream("echo", "q", reasoning_effort="low"))
    assert {type(e) for e in echo[:-1]} == {ThinkingDelta, TextDelta}


def test_a_budget_hold_is_dropped_once_the_row_is_written_whatever_ends_the_call():
    from alonchat.usage import budgets, reservations

    add_model("metered", input_price=Decimal("1"), output_price=Decimal("1"))
    budgets.set_budget("100")
    registry.register(ScriptedProvider([["part", errors.TruncatedStreamError("cut")],
                                        [errors.AuthError("no", status_code=401)],
                                        ["whole", StreamEnd(Usage(1, 0, 0, 1), "stop")]]))
    with pytest.raises(errors.TruncatedStreamError):
        list(AIService().stream("metered", "q"))
    with pytest.raises(errors.AuthError):
        AIService().chat("metered", "q")
    assert AIService().chat("metered", "q").ok
    assert [r.status for r in ledger()] == ["truncated", "error", "ok"]
    assert reservations.held() == 0
