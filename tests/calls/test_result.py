"""A call's result: the output rate is shown only when the answer streamed long enough to measure one."""

from __future__ import annotations

import pytest

from alonchat.calls.result import MIN_RATE_MS, CallResult
from alonchat.core.types import Usage


@pytest.mark.parametrize("ttft_ms,latency_ms,expected", [
    (600.0, 600.2, None),  # one chunk: 19 tokens 0.2 ms after the first showed "94,972.1 tok/s"
    (600.0, 600.0 + MIN_RATE_MS - 1, None),  # a chunk or two, too short to be a speed
    (600.0, 600.0 + MIN_RATE_MS, 19 / (MIN_RATE_MS / 1000)),
    (500.0, 2500.0, 9.5),
])
def test_the_rate_needs_enough_streaming_to_mean_a_speed(ttft_ms, latency_ms, expected):
    result = CallResult(model="m", usage=Usage(output_tokens=19), ttft_ms=ttft_ms, latency_ms=latency_ms)
    if expected is None:
        assert result.tokens_per_second is None
    else:
        assert result.tokens_per_second == pytest.approx(expected)
