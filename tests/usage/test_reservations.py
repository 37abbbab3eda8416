"""Hard budgets hold under concurrency: reservations from threads and from separate processes, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.types import StreamEnd, TextDelta, Usage
from alonchat.providers.registry import registry
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import UsageRecord
from alonchat.usage import budgets, reports, reservations
from tests.support.call_worker import STEPS
from tests.support.scripted import ScriptedProvider, add_model

ROOT = Path(__file__).resolve().parents[2]


def metered() -> None:
    """$1 per output token, free input, at most 5 output tokens: every call's ceiling is exactly $5, its cost too."""
    add_model("metered", input_price=D(0), output_price=D(1_000_000))
    with get_engine().begin() as conn:
        conn.exec_driver_sql("UPDATE ai_models SET max_tokens = 5 WHERE name = 'metered'")


def ledger_counts() -> dict[str, int]:
    with get_engine().connect() as conn:
        rows = conn.execute(select(UsageRecord.status, func.count()).group_by(UsageRecord.status)).all()
    return {status: n for status, n in rows}


def spent() -> D:
    return reports.summary(reports.Filters()).cost_usd or D(0)


def test_threads_together_cannot_pass_a_hard_budget():
    metered()
    registry.register(ScriptedProvider([[("sleep", 0.05), *STEPS[1:]]]))  # slow enough that all overlap
    budgets.set_budget(50, user="tester")
    results: list[str] = []

    def one() -> None:
        try:
            results.append(ai_service.chat("metered", "go").status)
        except errors.BudgetExceededError as e:
            results.append(e.status)

    threads = [threading.Thread(target=one) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Checking spend alone let all 24 through ($120); reserving lets exactly ten $5 calls in.
    assert results.count("ok") == 10 and results.count("refused") == 14
    assert spent() == D(50) and ledger_counts() == {"ok": 10, "refused": 14}
    assert reservations.held() == 0  # every hold was settled


def test_a_refusal_says_what_the_call_could_cost_and_what_is_left():
    metered()
    two = ["ok", StreamEnd(Usage(input_tokens=1, output_tokens=2), "length")]  # a provider honouring max_tokens=2
    registry.register(ScriptedProvider([STEPS, STEPS, two]))
    budgets.set_budget(12, user="tester")
    ai_service.chat("metered", "go")
    ai_service.chat("metered", "go")
    with pytest.raises(errors.BudgetExceededError) as e:
        ai_service.chat("metered", "go")  # $10 spent, a $5 ceiling does not fit in $2
    assert "up to $5.00" in str(e.value) and "only $2.00 of the $12.00" in str(e.value)
    assert ai_service.chat("metered", "go", max_tokens=2).ok  # a smaller ceiling fits
    assert spent() == D(12)


def test_failed_and_cancelled_calls_settle_their_hold():
    metered()
    registry.register(ScriptedProvider([[errors.AuthError("bad key", provider="scripted")],
                                        ["partial", ("sleep", 0.01), "more", *STEPS[1:]]]))
    budgets.set_budget(5, user="tester")
    with pytest.raises(errors.AuthError):
        ai_service.chat("metered", "go")
    assert reservations.held() == 0
    stream = ai_service.stream("metered", "go")
    assert next(stream) == TextDelta("partial")
    stream.close()  # cancelled: billed its estimate, hold released
    assert reservations.held() == 0 and ledger_counts() == {"error": 1, "cancelled": 1}


def test_a_free_model_is_never_blocked_by_a_spent_budget():
    metered()
    registry.register(ScriptedProvider([STEPS]))
    budgets.set_budget(5)
    assert ai_service.chat("metered", "go").ok
    assert budgets.check("tester").level == "hard"
    assert ai_service.chat("echo", "still free").ok


def test_a_team_budget_covers_its_members_only():
    from alonchat.access import teams

    metered()
    registry.register(ScriptedProvider([STEPS]))
    teams.assign("@eng.example", "eng")
    budgets.set_budget(5, team="eng")
    assert ai_service.chat("metered", "go", user="ana@eng.example").ok
    with pytest.raises(errors.BudgetExceededError, match="team 'eng'"):
        ai_service.chat("metered", "go", user="bo@eng.example")
    assert ai_service.chat("metered", "go", user="cy@sales.example").ok  # another team
    rows = {r["team"]: r["cost_usd"] for r in reports.breakdown("team", reports.Filters())}
    assert rows == {"eng": D(5), "": D(5)}


def _hammer(processes: int, calls: int, threads: int, users: tuple[str, ...] = ("tester",)) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.support.call_worker", str(calls), str(threads),
                               users[i % len(users)]],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(processes)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def _two_processes_hold_one_budget() -> None:
    metered()
    budgets.set_budget(40, user="tester")
    get_engine()  # migrated before the workers start
    counts = _hammer(processes=2, calls=20, threads=4)
    ok = sum(c.get("ok", 0) for c in counts)
    refused = sum(c.get("refused", 0) for c in counts)
    assert ok == 8 and refused == 32, counts  # $40 / $5: eight calls in all, whichever process made them
    assert spent() == D(40) and ledger_counts() == {"ok": 8, "refused": 32}
    assert reservations.held() == 0


def test_two_processes_hold_one_budget_on_sqlite():
    if get_engine().dialect.name != "sqlite":
        pytest.skip("the PostgreSQL case is the next test")
    _two_processes_hold_one_budget()


def test_two_processes_hold_one_budget_on_postgresql(pg):
    _two_processes_hold_one_budget()


SIX = ("gpt-5", "gpt-5-mini", "claude-sonnet-4-6", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash")


def compare_under_budget(server, budget: str, max_tokens: int = 2000) -> tuple[D, list]:
    """A 6-model compare through the real SDKs where every model writes its whole max_tokens; returns the spend."""
    import anthropic  # noqa: F401  # importing three SDKs at once from pool threads can race (httpx partial import)
    import google.genai  # noqa: F401
    import openai  # noqa: F401

    for name in SIX:
        server.script(name, reply="word " * 50, usage={"input": 12, "output": max_tokens}, delay=0.01)
    budgets.set_budget(budget, user="tester")
    results = ai_service.compare(list(SIX), "Write a long essay about budgets.", max_tokens=max_tokens)
    return spent(), results


def test_a_six_model_compare_stays_within_a_small_hard_budget(fake_providers):
    total, results = compare_under_budget(fake_providers, "0.05")
    statuses = sorted(r.status for r in results)
    # the six ceilings add up to about $0.089: some calls fit in $0.05, the rest are refused before sending
    assert "ok" in statuses and "refused" in statuses
    assert len(fake_providers.requests) == statuses.count("ok")  # a refused call is never sent
    assert total <= D("0.05"), total  # the estimate's error here is a few input tokens at most, under a cent
    assert reservations.held() == 0
    print(f"6-model compare under a $0.05 hard budget spent ${total} "
          f"({statuses.count('ok')} answered, {statuses.count('refused')} refused)")


def test_three_processes_lose_no_row_and_keep_the_rollups_exact(pg):
    from alonchat.access import identity, teams
    from alonchat.usage import rollups

    metered()
    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@a.example", "alpha")
    get_engine()
    users = ("ana@a.example", "bo@a.example", "cy@b.example")
    counts = _hammer(processes=3, calls=40, threads=4, users=users)
    assert [c.get("ok") for c in counts] == [40, 40, 40], counts
    assert ledger_counts() == {"ok": 120}
    f = reports.Filters()
    by_user = {r["user"]: (r["requests"], r["cost_usd"]) for r in reports.breakdown("user", f)}
    assert by_user == {u: (40, D(200)) for u in users}  # 40 calls x $5 each, per process
    by_team = {r["team"]: r["requests"] for r in reports.breakdown("team", f)}
    assert by_team == {"alpha": 80, "": 40}
    def snapshot() -> tuple[list, list]:
        """Every rollup row: exact columns as tuples, float latency sums apart (their order of addition varies)."""
        exact, latency = [], []
        with get_engine().connect() as conn:
            for t in (rollups.HOURLY, rollups.DAILY, rollups.MONTHLY):
                rows = sorted(conn.execute(select(t)).mappings().all(), key=lambda r: tuple(map(str, r.values())))
                exact.append([tuple(v for k, v in r.items() if k != "latency_ms") for r in rows])
                latency.append([r.get("latency_ms", 0.0) for r in rows])
        return exact, latency

    kept, kept_latency = snapshot()
    rollups.rebuild_rollups()  # recomputed from the raw ledger: the kept-on-write sums must equal it
    rebuilt, rebuilt_latency = snapshot()
    assert rebuilt == kept
    assert rebuilt_latency == [pytest.approx(x) for x in kept_latency]
