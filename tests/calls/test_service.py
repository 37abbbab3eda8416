"""AIService over the echo provider and a scripted provider: pricing, ledger rows, retries, failures."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from alonchat.calls.attempt import RetryPolicy
from alonchat.calls.service import AIService, ai_service
from alonchat.core import errors
from alonchat.core.tokens import estimate_tokens
from alonchat.core.types import StreamEnd, TextDelta, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord
from tests.support.scripted import ScriptedProvider, add_model


def rows():
    with session() as s:
        return list(s.scalars(select(UsageRecord).order_by(UsageRecord.id)))


def test_echo_chat_is_priced_zero_and_recorded():
    result = ai_service.chat("echo", "hello world")
    assert "hello world" in result.content
    assert result.usage.input_tokens == estimate_tokens("hello world") == 4
    assert result.usage.output_tokens == estimate_tokens(result.content)
    assert result.cost_usd == 0
    [row] = rows()
    assert (row.model_name, row.provider, row.status, row.user) == ("echo", "echo", "ok", "tester")
    assert row.output_tokens == result.usage.output_tokens
    assert row.cost_usd == 0


def test_stream_yields_deltas_then_result():
    items = list(ai_service.stream("echo", "abc def"))
    *deltas, final = items
    assert all(isinstance(d, TextDelta) for d in deltas) and len(deltas) > 5
    assert "".join(d.text for d in deltas) == final.content
    assert final.ttft_ms is not None and final.ttft_ms <= final.latency_ms


def test_cost_uses_catalog_prices_with_cache_and_reasoning():
    add_model("priced", input_price=Decimal("2"), output_price=Decimal("8"),
              cache_read_price=Decimal("0.5"), cache_write_price=Decimal("2.5"))
    usage = Usage(input_tokens=1000, cached_input_tokens=400, cache_write_tokens=100,
                  output_tokens=300, reasoning_tokens=200)
    registry.register(ScriptedProvider([["hi", StreamEnd(usage, "stop")]]))
    result = ai_service.chat("priced", "q")
    # 500 plain * 2 + 400 * 0.5 + 100 * 2.5 + 300 * 8, per million
    assert result.cost_usd == Decimal("3850") / Decimal(1_000_000)
    assert rows()[-1].cost_usd == result.cost_usd


def test_unpriced_model_has_null_cost_never_zero():
    add_model("mystery")
    registry.register(ScriptedProvider([["x", StreamEnd(Usage(input_tokens=5, output_tokens=1), "stop")]]))
    result = ai_service.chat("mystery", "q")
    assert result.cost_usd is None
    assert rows()[-1].cost_usd is None


def test_transient_errors_are_retried_then_succeed():
    add_model("flaky")
    p = ScriptedProvider([[errors.RateLimitError("slow down", retry_after=0.01)],
                          [errors.ServerError("boom")],
                          ["ok", StreamEnd(Usage(1, 0, 0, 1), "stop")]])
    registry.register(p)
    waits = []
    svc = AIService(retry=RetryPolicy(retries=2, base=0.001), sleep=waits.append)
    result = svc.chat("flaky", "q")
    assert result.content == "ok" and p.calls == 3
    assert waits[0] == 0.01  # Retry-After honoured


@pytest.mark.parametrize("error", [errors.AuthError("bad key", status_code=401),
                                   errors.BadRequestError("bad", status_code=400)])
def test_client_errors_are_never_retried_and_recorded(error):
    add_model("strict")
    p = ScriptedProvider([[error]])
    registry.register(p)
    with pytest.raises(type(error)):
        AIService(sleep=lambda s: None).chat("strict", "q")
    assert p.calls == 1
    row = rows()[-1]
    assert row.status == "error" and row.error_class == type(error).__name__


def test_truncated_stream_is_recorded_as_truncated_not_complete():
    add_model("cut")
    registry.register(ScriptedProvider([["partial ", "answer", errors.TruncatedStreamError("no finish")]]))
    seen = []
    with pytest.raises(errors.TruncatedStreamError) as info:
        for item in ai_service.stream("cut", "q"):
            seen.append(item)
    assert seen == [TextDelta("partial "), TextDelta("answer")]
    assert info.value.result.status == "truncated"
    row = rows()[-1]
    assert row.status == "truncated" and row.usage_estimated


def test_unknown_model_suggests_and_missing_key_names_env_var():
    with pytest.raises(errors.UnknownModelError) as info:
        ai_service.chat("gpt5", "q")
    assert "gpt-5" in info.value.suggestions
    with pytest.raises(errors.MissingKeyError) as info:
        ai_service.chat("gpt-5", "q")
    assert "OPENAI_API_KEY" in str(info.value)
    # An unknown model is a bad argument, not a call: only the missing key (a real attempt) is recorded.
    assert [(r.status, r.model_name) for r in rows()] == [("error", "gpt-5")]


def test_bad_options_are_rejected_before_any_call():
    with pytest.raises(errors.ValidationError):
        ai_service.chat("echo", "q", temperature=3)
    with pytest.raises(errors.ValidationError):
        ai_service.chat("echo", "q", max_tokens=10**5)
    with pytest.raises(errors.ValidationError):
        ai_service.chat("echo", "q", colour="blue")
    assert rows() == []


def test_compare_runs_concurrently_and_isolates_failures():
    add_model("slow-a")
    add_model("slow-b")
    add_model("broken")
    done = StreamEnd(Usage(1, 0, 0, 1), "stop")
    # Each model answers only once both are in flight: run one after the other, neither would ever answer.
    both = threading.Barrier(2)
    meet = lambda: both.wait(timeout=20)
    registry.register(ScriptedProvider([[meet, "a", done]], name="pa"), "pa")
    registry.register(ScriptedProvider([[meet, "b", done]], name="pb"), "pb")
    registry.register(ScriptedProvider([[errors.AuthError("nope")]], name="pc"), "pc")
    with session() as s, s.begin():
        from alonchat.storage.tables import AIModel
        for name, prov in (("slow-a", "pa"), ("slow-b", "pb"), ("broken", "pc")):
            s.scalars(select(AIModel).where(AIModel.name == name)).one().provider = prov
    results = ai_service.compare(["slow-a", "slow-b", "broken"], "q")
    assert [r.status for r in results] == ["ok", "ok", "error"]
    assert [r.content for r in results[:2]] == ["a", "b"]
    assert len(rows()) == 3


def test_cancel_event_stops_a_stream_and_records_cancelled():
    add_model("long")
    registry.register(ScriptedProvider([["a", ("sleep", 0.05), "b", ("sleep", 0.05), "c",
                                         StreamEnd(Usage(), "stop")]]))
    cancel = threading.Event()
    got = []
    with pytest.raises(errors.CancelledError):
        for item in ai_service.stream("long", "q", cancel=cancel):
            got.append(item)
            cancel.set()
    assert got == [TextDelta("a")]
    assert rows()[-1].status == "cancelled"


def test_closing_a_stream_early_records_cancelled():
    gen = ai_service.stream("echo", "one two three four")
    next(gen)
    gen.close()
    assert rows()[-1].status == "cancelled"


def test_broken_and_cancelled_calls_are_billed_at_estimated_usage():
    add_model("billed", input_price=Decimal("1"), output_price=Decimal("4"))
    registry.register(ScriptedProvider([["some partial text", errors.TruncatedStreamError("cut")]]))
    with pytest.raises(errors.TruncatedStreamError) as info:
        list(ai_service.stream("billed", "a prompt", system="sys"))
    result = info.value.result
    expected_in = estimate_tokens("sys") + estimate_tokens("a prompt")
    expected_out = estimate_tokens("some partial text")
    assert (result.usage.input_tokens, result.usage.output_tokens) == (expected_in, expected_out)
    assert result.usage.estimated
    assert result.cost_usd == (expected_in * 1 + expected_out * 4) / Decimal(1_000_000)
    row = rows()[-1]
    assert row.cost_usd == result.cost_usd and row.usage_estimated


def test_a_refused_call_has_no_tokens_and_no_cost():
    add_model("refuser", input_price=Decimal("1"), output_price=Decimal("4"))
    registry.register(ScriptedProvider([[errors.AuthError("bad key", status_code=401)]]))
    with pytest.raises(errors.AuthError):
        ai_service.chat("refuser", "q")
    row = rows()[-1]
    assert (row.input_tokens, row.output_tokens, row.cost_usd) == (0, 0, None)
