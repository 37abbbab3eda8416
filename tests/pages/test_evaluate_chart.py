"""The Evaluate verdict's chart: pass rate against cost per 1,000 cases, on an axis the costs call for."""

from __future__ import annotations

from decimal import Decimal

from alonchat.evals.panes import Pane
from alonchat.evals.results.summaries import PaneSummary
from ui.evaluate.run_verdict import cost_chart


def _summary(i: int, cost: str, passed: int) -> PaneSummary:
    return PaneSummary(index=i, pane=Pane("echo", {"temperature": i}), cells=10, done=10, passed=passed,
                       failed=10 - passed, errors=0, unchecked=0, mean_score=None, scored=0, p50_latency_ms=1.0,
                       p95_latency_ms=2.0, p50_ttft_ms=None, p95_ttft_ms=None, input_tokens=100, output_tokens=100,
                       cost_usd=Decimal(cost), priced=10, unpriced=0, judge_cost_usd=None, self_judged=0)


def _x(chart) -> dict:
    return next(layer["encoding"]["x"] for layer in chart.to_dict()["layer"] if "x" in layer.get("encoding", {}))


def test_every_pane_free_draws_one_zero_tick_not_a_scale_up_to_a_dollar():
    x = _x(cost_chart([_summary(0, "0", 7), _summary(1, "0", 9)]))
    assert x["axis"]["values"] == [0] and "every pane cost $0" in x["title"]


def test_priced_panes_get_a_scale_up_to_the_dearest_with_room_for_labels():
    x = _x(cost_chart([_summary(0, "0.002", 7), _summary(1, "0.004", 9)]))
    assert "values" not in x["axis"] and x["scale"]["domain"][1] > 0.4  # $0.40 per 1k cases, and some room
    assert x["scale"]["domain"][1] < 1
