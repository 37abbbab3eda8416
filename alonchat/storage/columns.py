"""The rollups' column names in their one order, for the schema (tables.py) and for SQL kept as text (no SQLAlchemy)."""

from __future__ import annotations

# The key columns of the hourly and daily rollups after their hour or day (rollups.KEY).
ROLLUP_KEY = ("user", "team", "source", "model_name", "provider", "status")
# The additive columns of the hourly and daily rollups, in the one order shared by writes, reads and rebuilds
# (rollups.SUMS is this tuple), carried by their by-model indexes (0006).
ROLLUP_SUMS = ("requests", "errors", "priced_requests", "unpriced_requests", "input_tokens", "cached_input_tokens",
               "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "cache_savings_usd",
               "latency_ms",
               # 0009: cache writes by duration, and the calls billed at a long-context tier
               "cache_write_1h_tokens", "cache_write_usd", "cache_write_1h_usd", "tiered_requests", "tiered_cost_usd")
