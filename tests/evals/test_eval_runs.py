"""Runs over the real SDKs and the wire-level fake server, whose answers are known, so every verdict is known too."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from alonchat.access import identity, teams
from alonchat.core import errors
from alonchat.evals import checks, exports, plan, results, runs, sets
from alonchat.evals.executor import Executor
from alonchat.evals.panes import Pane
from alonchat.evals.sets import Case, SetDraft
from alonchat.evals.templates import Prompt
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import EvalCell, UsageRecord
from alonchat.usage import budgets
from tests.fake_server.answers import Answers

GPT, CLAUDE, GEMINI = "gpt-5.4-mini", "claude-haiku-4-5", "gemini-2.5-flash"
CAPITALS = {"France": "Paris", "Japan": "Tokyo", "Peru": "Lima"}
TRUTH = {f"capital of {k}": f"{v}." for k, v in CAPITALS.items()}


@pytest.fixture
def answers(fake_providers):
    """The fake server answers capitals correctly, except Claude, which does not know Peru's."""
    a = Answers(TRUTH, per_model={CLAUDE: {"capital of Peru": "I am not sure."}})
    fake_providers.responder = a
    return a


def capitals(name="capitals", judged=False) -> sets.TestSet:
    cases = [Case(vars={"country": k}, checks=[checks.from_expected(f"icontains:{v}")] + (
        [checks.make("judge", f"Mentions {v}")] if judged else [])) for k, v in CAPITALS.items()]
    return sets.save(SetDraft(name, [Prompt(user="What is the capital of {{country}}? Answer with the city.")],
                              cases))


def start(test_set, panes, *, repeats=1, judge=None, concurrency=2, on_cell=None, **kw):
    p = plan.make(test_set, [Pane(m) if isinstance(m, str) else m for m in panes], repeats=repeats, judge=judge)
    run = runs.create(p, concurrency=concurrency)
    return run, Executor(run.id, on_cell=on_cell, **kw)


def cells(run_id) -> list:
    c = EvalCell.__table__.c
    with get_engine().connect() as conn:
        return conn.execute(select(EvalCell.__table__).where(c.run_id == run_id).order_by(c.id)).all()


def ledger(source=None) -> list:
    u = UsageRecord.__table__.c
    stmt = select(UsageRecord.__table__).order_by(u.id)
    if source:
        stmt = stmt.where(u.source == source)
    with get_engine().connect() as conn:
        return conn.execute(stmt).all()


def test_every_cell_is_graded_as_known_and_lands_in_the_ledger_with_its_run(answers):
    run, ex = start(capitals(), [GPT, CLAUDE], repeats=2)
    ex.run_here()
    got = {(r.case_idx, r.pane_idx, r.repeat_idx): r.passed for r in cells(run.id)}
    expected = {(c, p, r): not (p == 1 and c == 2) for c in range(3) for p in range(2) for r in range(2)}
    assert got == expected
    rows = ledger()
    assert {(r.source, r.source_id) for r in rows} == {("eval", run.id)} and len(rows) == 12
    by_id = {r.id: r for r in rows}
    stored = cells(run.id)
    assert sorted(r.usage_id for r in stored) == sorted(by_id)  # each cell points at its own call
    for r in stored:
        assert Decimal(str(r.cost_usd)) == Decimal(str(by_id[r.usage_id].cost_usd)) > 0
        assert r.status == "ok" and r.output == TRUTH.get(f"capital of {list(CAPITALS)[r.case_idx]}") or \
            (r.pane_idx == 1 and r.case_idx == 2 and r.output == "I am not sure.")
    gpt, claude = results.summary(run.id)
    assert (gpt.passed, gpt.graded, claude.passed, claude.graded) == (6, 6, 4, 6)
    assert claude.interval == results.wilson(4, 6) and gpt.interval[1] == 1.0
    assert gpt.cost_usd == sum(Decimal(str(r.cost_usd)) for r in stored if r.pane_idx == 0)
    assert gpt.cost_per_1k == gpt.cost_usd / 6 * 1000
    progress = runs.progress(run.id)
    assert (progress.status, progress.done, progress.calls, progress.judge_calls) == ("done", 12, 12, 0)
    assert progress.eval_cost == sum(Decimal(str(r.cost_usd)) for r in rows)


def test_the_judge_is_recorded_as_judge_with_its_cost_apart_and_says_when_it_grades_itself(answers):
    run, ex = start(capitals(judged=True), [GPT, GEMINI], judge=GEMINI)
    ex.run_here()
    judge_rows, eval_rows = ledger("judge"), ledger("eval")
    assert len(judge_rows) == 6 and len(eval_rows) == 6
    assert {r.model_name for r in judge_rows} == {GEMINI} and {r.source_id for r in judge_rows} == {run.id}
    assert all(json.loads(r.options)["temperature"] == 0 for r in judge_rows)
    assert sorted(a for _, a in answers.judged) == sorted(["Paris.", "Tokyo.", "Lima."] * 2)
    stored = cells(run.id)
    assert all(r.passed is True and r.score == 0.9 for r in stored)
    assert [r.self_judged for r in stored] == [r.pane_idx == 1 for r in stored]
    gemini_checks = json.loads(next(r for r in stored if r.pane_idx == 1).checks)
    assert "graded by gemini-2.5-flash, the model that wrote the answer" in gemini_checks[1]["reason"]
    gpt, gem = results.summary(run.id)
    assert gpt.mean_score == 0.9 and (gpt.self_judged, gem.self_judged) == (0, 3)
    judge_cost = sum(Decimal(str(r.cost_usd)) for r in judge_rows)
    assert gpt.judge_cost_usd + gem.judge_cost_usd == judge_cost
    p = runs.progress(run.id)
    assert p.judge_cost == judge_cost and p.eval_cost == sum(Decimal(str(r.cost_usd)) for r in eval_rows)


def test_a_judge_failing_leaves_the_check_ungraded_never_passed(answers, monkeypatch):
    monkeypatch.setattr(answers, "verdict", lambda model, prompt: "Looks fine to me.")  # prose, not a verdict
    run, ex = start(capitals(judged=True), [GPT], judge=GEMINI)
    ex.run_here()
    stored = cells(run.id)
    assert all(r.passed is None for r in stored)
    assert all("not a verdict" in json.loads(r.checks)[1]["reason"] for r in stored)


def test_a_run_that_would_cross_a_hard_budget_is_refused_before_any_request(answers, fake_providers):
    budgets.set_budget("0.000001")
    p = plan.make(capitals(), [Pane(GPT), Pane(CLAUDE)], repeats=3)
    assert p.low > Decimal("0.000001")
    with pytest.raises(errors.BudgetExceededError, match="would cost at least .* Nothing was sent"):
        plan.budget_gate(p)
    assert fake_providers.requests == [] and ledger() == []


def test_a_budget_that_only_the_dearest_outcome_crosses_is_a_warning(fake_providers):
    budgets.set_budget("1000")
    p = plan.make(capitals(), [Pane(GPT)])
    assert plan.budget_gate(p) is None
    budgets.set_budget(str(p.low * 2))
    assert "could cost up to" in plan.budget_gate(p)


def test_a_run_planned_with_a_missing_key_or_a_missing_judge_sends_nothing(fake_server, monkeypatch):
    with pytest.raises(errors.ValidationError, match="OPENAI_API_KEY"):
        plan.make(capitals(), [Pane(GPT)])
    with pytest.raises(errors.ValidationError, match="pick a judge model"):
        plan.make(capitals("judged", judged=True), [Pane("echo")])
    with pytest.raises(errors.ValidationError, match="same as pane 1"):
        plan.make(capitals(), [Pane("echo"), Pane("echo")])
    assert fake_server.requests == []


def test_stop_keeps_finished_cells_and_resume_runs_only_the_rest(answers, fake_providers):
    gate, claude_sent, gpt_done = threading.Event(), threading.Event(), threading.Event()

    def held_claude(model, prompt):
        if model == CLAUDE:
            claude_sent.set()
            gate.wait(60)  # Claude's call is in flight (sent, no answer) when Stop comes
        return answers(model, prompt)

    fake_providers.responder = held_claude
    seen = []
    run, ex = start(capitals(), [GPT, CLAUDE], concurrency=1,
                    on_cell=lambda o: (seen.append(o), len(seen) == 3 and gpt_done.set()))
    ex.start()
    assert gpt_done.wait(60) and claude_sent.wait(60)
    ex.stop()
    assert ex.wait(60)
    first = {r.id: r.usage_id for r in cells(run.id) if r.state == "done"}
    assert len(first) == 3 and {o.pane.model for o in seen} == {GPT}
    p = runs.progress(run.id)
    assert (p.status, p.pending, p.done) == ("stopped", 3, 3)
    assert [r.status for r in ledger("eval")].count("cancelled") == 1  # Claude's call, stopped and recorded
    gate.set()
    runs.prepare_resume(run.id)
    Executor(run.id).run_here()
    done = cells(run.id)
    assert all(r.state == "done" and r.status == "ok" for r in done) and len(done) == 6
    assert all(r.usage_id == first[r.id] for r in done if r.id in first)  # finished cells were not run again
    ok = [r for r in ledger("eval") if r.status == "ok"]
    assert len(ok) == 6 and sorted(r.id for r in ok) == sorted(r.usage_id for r in done)
    assert len(ledger("eval")) == 7


def test_resuming_with_new_limits_replaces_the_runs_concurrency_and_a_wrong_one_changes_nothing(answers):
    run, _ = start(capitals(), [GPT, CLAUDE], concurrency=2)
    runs.request_stop(run.id)
    with pytest.raises(errors.ValidationError, match="from 1 to 64"):
        runs.prepare_resume(run.id, concurrency={"openai": 0})
    kept = runs.get(run.id)
    assert kept.concurrency == {"*": 2} and kept.stop_requested  # refused before anything was written
    runs.prepare_resume(run.id, concurrency={"openai": 8, "*": 3})
    resumed = runs.get(run.id)
    assert resumed.concurrency == {"openai": 8, "*": 3} and not resumed.stop_requested
    assert (resumed.limit("openai"), resumed.limit("anthropic")) == (8, 3)
    runs.prepare_resume(run.id)  # no new limits: the run keeps its own
    assert runs.get(run.id).concurrency == {"openai": 8, "*": 3}


def test_two_workers_on_one_run_never_run_a_cell_twice(answers, fake_providers):
    run, a = start(capitals(), [GPT, CLAUDE], repeats=5, concurrency=3)
    b = Executor(run.id)
    a.start()
    b.start()
    assert a.wait(120) and b.wait(120)
    stored = cells(run.id)
    assert len(stored) == 30 and all(r.state == "done" and r.status == "ok" for r in stored)
    assert len(ledger("eval")) == 30 == len({r.usage_id for r in stored})
    assert len(fake_providers.requests) == 30


def test_a_slow_provider_does_not_hold_the_others_back(answers, fake_providers):
    gate = threading.Event()

    def held_claude(model, prompt):
        if model == CLAUDE:
            gate.wait(60)
        return answers(model, prompt)

    fake_providers.responder = held_claude
    order, all_gpt = [], threading.Event()

    def seen(outcome):
        order.append(outcome.pane.model)
        if order.count(GPT) == 6:
            all_gpt.set()

    run, ex = start(capitals(), [GPT, CLAUDE], repeats=2, concurrency=1, on_cell=seen)
    ex.start()
    assert all_gpt.wait(60), order
    assert CLAUDE not in order  # every GPT cell finished while Claude's first call was still held
    gate.set()
    assert ex.wait(60)
    assert order.count(CLAUDE) == 6


def test_rerun_failed_runs_only_the_failed_cells_again(answers, fake_providers):
    fake_providers.script(CLAUDE, status=400, error_message="bad request")
    run, ex = start(capitals(), [GPT, CLAUDE])
    ex.run_here()
    before = cells(run.id)
    assert [r.status for r in before] == ["ok", "error"] * 3
    assert [r.passed for r in before] == [True, False] * 3  # a failed call did not pass its checks
    del fake_providers.scripts[CLAUDE]
    assert runs.rerun_failed(run.id) == 3
    runs.prepare_resume(run.id)
    Executor(run.id).run_here()
    after = cells(run.id)
    assert [r.status for r in after] == ["ok"] * 6
    assert [r.usage_id for r in after][0::2] == [r.usage_id for r in before][0::2]  # the good cells untouched
    assert [r.status for r in ledger("eval")].count("error") == 3 and len(ledger("eval")) == 9


def test_the_matrix_filters_compare_flips_and_an_export_reimports(answers):
    test_set = capitals()
    run_a, ex = start(test_set, [GPT, CLAUDE])
    ex.run_here()
    rows, total = results.matrix(run_a.id)
    assert total == 3 and [r.cells[1].verdict for r in rows] == ["pass", "pass", "fail"]
    assert rows[2].cells[1].preview == "I am not sure."
    assert [r.case_idx for r in results.matrix(run_a.id, only="failed")[0]] == [2]
    assert [r.case_idx for r in results.matrix(run_a.id, only="differ")[0]] == [2]
    assert results.matrix(run_a.id, offset=1, limit=1)[0][0].case_idx == 1
    detail = results.cell(run_a.id, 2, 0)
    assert [(d.pane_idx, d.passed, d.output) for d in detail] == [(0, True, "Lima."), (1, False, "I am not sure.")]
    assert "does not contain" in detail[1].checks[0]["reason"]

    answers.per_model = {}  # Claude learns Peru's capital
    run_b, ex = start(test_set, [GPT, CLAUDE])
    ex.run_here()
    comparison = results.compare(run_a.id, run_b.id)
    assert [(f.case_idx, f.pane.model, f.direction) for f in comparison.flips] == [(2, CLAUDE, "fixed")]
    assert comparison.deltas[1].pass_rate == pytest.approx(1 / 3) and comparison.deltas[0].pass_rate == 0

    document = "".join(exports.json_chunks(run_a.id))
    doc = json.loads(document)
    assert doc["format"] == "alonchat-eval-run" and len(doc["cells"]) == 6
    imported = exports.import_json(document)
    assert imported.set_id == run_a.set_id  # the same content: the same set version
    assert [s.as_json() for s in results.summary(imported.id)] == [s.as_json() for s in results.summary(run_a.id)]
    csv_text = "".join(exports.csv_chunks(run_a.id))
    lines = csv_text.splitlines()
    assert lines[0].startswith("run,case,prompt,pane,model") and lines[0].endswith("vars.country")
    assert len(lines) == 7 and lines[-1].endswith(",Peru")


def test_members_see_their_own_and_their_teams_runs_and_only_the_owner_or_an_admin_stops_one():
    admin, ana, ben, cy = (identity.Actor(e, a, signed_in=True) for e, a in (
        ("root@example.com", True), ("ana@example.com", False), ("ben@example.com", False), ("cy@x.org", False)))
    with identity.acting_as(admin):
        teams.assign("ana@example.com", "blue")
        teams.assign("ben@example.com", "blue")
    made = {}
    for who in (ana, ben, cy):
        with identity.acting_as(who):
            made[who.email] = runs.create(plan.make(capitals(f"set-{who.email.split('@')[0]}"), [Pane("echo")])).id
    with identity.acting_as(ana):
        assert {r.id for r in runs.list_runs()} == {made["ana@example.com"], made["ben@example.com"]}
        with pytest.raises(errors.ValidationError, match="No run"):
            runs.get(made["cy@x.org"])
        with pytest.raises(errors.PermissionDeniedError, match="Only ben@example.com"):
            runs.request_stop(made["ben@example.com"])
        runs.request_stop(made["ana@example.com"])
    with identity.acting_as(admin):
        assert {r.id for r in runs.list_runs()} == set(made.values())
        runs.request_stop(made["cy@x.org"])


def test_a_case_too_long_for_a_models_window_is_named_before_any_request():
    from alonchat.storage.engine import session
    from alonchat.storage.tables import AIModel

    with session() as s, s.begin():
        s.add(AIModel(name="tiny-echo", display_name="tiny", provider="echo", model_id="echo-1", context_window=40,
                      max_tokens=10, description="", is_active=True))
    long = " ".join(f"word{i}" for i in range(60))
    test_set = sets.save(SetDraft("lengths", [Prompt(user="Repeat: {{text}}")],
                                  [Case(vars={"text": "short"}), Case(vars={"text": long})]))
    with pytest.raises(errors.ValidationError) as e:
        plan.make(test_set, [Pane("echo"), Pane("tiny-echo")])
    assert "Case 2, pane 2 (tiny-echo)" in str(e.value) and "context window of 40 tokens" in str(e.value)
    assert "Case 1" not in str(e.value)
    assert ledger() == []


def test_a_signed_in_members_run_works_on_its_threads_as_them(answers):
    """The app's sign-in is readable on the page's thread only: the run's workers still act, and are charged, as
    the member who started it (not refused as nobody, nor charged to the local admin)."""
    member = identity.Actor("ana@corp.example", is_admin=False, signed_in=True)
    page = threading.current_thread()
    identity.require_sign_in(True, resolver=lambda: member if threading.current_thread() is page else None)
    run, ex = start(capitals(), [GPT])
    ex.start()
    assert ex.wait(120)
    assert [r.status for r in cells(run.id)] == ["ok"] * 3
    assert {r.user for r in ledger()} == {member.email}
