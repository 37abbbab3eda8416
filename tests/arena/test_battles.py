"""A blind battle end to end through the real engine: drawn, answered on the ledger as "arena", voted, revealed."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from alonchat.access import identity, teams
from alonchat.arena import battles, draw
from alonchat.arena.draw import Pane
from alonchat.calls.parallel import PaneRequest, ParallelRun
from alonchat.core.errors import PermissionDeniedError, ValidationError
from alonchat.storage.engine import session
from alonchat.storage.tables import ArenaBattle, UsageRecord


def fight(a: Pane, b: Pane, prompt: str = "Say hello.", **start) -> int:
    """Draw nothing: start a battle for a and b, and run both answers as the playground's blind mode does."""
    battle = battles.start(a, b, **start)
    requests = [PaneRequest(p.model, [{"role": "user", "content": prompt}], dict(p.settings)) for p in (a, b)]
    run = ParallelRun(requests, source="arena", source_id=battle,
                      on_result=lambda i, result: battles.answered(battle, "ab"[i], result))
    with run:
        for _ in run.events():
            pass
    return battle


def test_a_battle_records_both_answers_on_the_ledger_as_arena_and_reveals_after_the_vote(fake_providers):
    fake_providers.script("gpt-5", reply="Paris is the capital.", usage={"input": 10, "output": 5})
    fake_providers.script("claude-sonnet-4-6", reply="The capital is Paris.", usage={"input": 12, "output": 6})
    a, b = Pane("gpt-5", {"temperature": 0.2}), Pane("claude-sonnet-4-6")
    battle = fight(a, b, category="geography")
    with session() as s:
        rows = s.scalars(select(UsageRecord).order_by(UsageRecord.id)).all()
        stored = s.get(ArenaBattle, battle)
    assert [(r.model_name, r.source, r.source_id) for r in sorted(rows, key=lambda r: r.model_name)] == [
        ("claude-sonnet-4-6", "arena", battle), ("gpt-5", "arena", battle)]
    by_model = {r.model_name: r.id for r in rows}
    assert (stored.usage_a, stored.usage_b) == (by_model["gpt-5"], by_model["claude-sonnet-4-6"])
    assert (stored.user, stored.shown_left, stored.category, stored.winner) == ("tester", "model_a", "geography", None)
    assert not stored.names_self_a and not stored.names_self_b
    with pytest.raises(PermissionDeniedError, match="after the vote"):
        battles.reveal(battle)  # nothing about the panes before the vote
    revealed = battles.vote(battle, "model_b")
    assert revealed.winner == "model_b" and revealed.voted_at is not None
    assert (revealed.a.model, revealed.a.settings, revealed.b.model) == ("gpt-5", {"temperature": 0.2},
                                                                         "claude-sonnet-4-6")
    gpt = next(r for r in rows if r.model_name == "gpt-5")
    assert revealed.a.cost_usd == gpt.cost_usd and revealed.a.cost_usd is not None
    assert revealed.a.latency_ms == gpt.latency_ms and revealed.a.status == "ok"
    assert [v.id for v in battles.mine()] == [battle]


def test_an_answer_that_names_its_own_model_or_vendor_is_flagged_and_the_vote_kept(fake_providers):
    fake_providers.script("gpt-5", reply="As ChatGPT, made by OpenAI, I think so.")
    fake_providers.script("claude-sonnet-4-6", reply="I think so too.")
    battle = fight(Pane("gpt-5"), Pane("claude-sonnet-4-6"))
    revealed = battles.vote(battle, "model_a")
    assert revealed.a.names_self and not revealed.b.names_self and revealed.flagged
    assert revealed.winner == "model_a"  # kept, and marked


def test_the_same_model_with_other_settings_is_another_pane():
    battle = fight(Pane("echo", {"max_tokens": 5}), Pane("echo"))
    revealed = battles.vote(battle, "model_b")
    assert revealed.a.settings == {"max_tokens": 5} and revealed.b.settings == {}
    assert revealed.a.names_self and revealed.b.names_self  # the echo model says "Echo" in every answer


def test_a_vote_is_cast_once_by_its_voter_on_two_finished_answers(fake_providers):
    fake_providers.script("gpt-5", reply="fine")
    fake_providers.script("claude-sonnet-4-6", status=400, error_message="bad request")
    failed = fight(Pane("gpt-5"), Pane("claude-sonnet-4-6"))
    with pytest.raises(ValidationError, match="Answer B ended error"):
        battles.vote(failed, "model_a")
    unanswered = battles.start(Pane("gpt-5"), Pane("echo"))
    with pytest.raises(ValidationError, match="has not finished"):
        battles.vote(unanswered, "tie")
    battle = fight(Pane("echo"), Pane("echo", {"max_tokens": 3}))
    with pytest.raises(ValidationError, match="one of model_a, model_b, tie, both_bad"):
        battles.vote(battle, "A")
    with identity.acting_as(identity.Actor("someone@else.example", is_admin=True)):
        with pytest.raises(PermissionDeniedError, match="not yours"):
            battles.vote(battle, "tie")
    battles.vote(battle, "both_bad")
    with pytest.raises(ValidationError, match="already has a vote"):
        battles.vote(battle, "tie")
    with identity.acting_as(identity.Actor("ana@corp.example", is_admin=False)):
        with pytest.raises(PermissionDeniedError):
            battles.reveal(battle)  # a member sees only their own battles revealed
        assert battles.mine() == []
    with identity.acting_as(identity.Actor("root@corp.example", is_admin=True)):
        assert battles.reveal(battle).winner == "both_bad"


def test_a_battle_keeps_its_voters_team_then():
    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@corp.example", "corp")
    with identity.acting_as(identity.Actor("ana@corp.example", is_admin=False)):
        battle = battles.start(Pane("echo"), Pane("echo", {"max_tokens": 4}), category="  ")
    with session() as s:
        row = s.get(ArenaBattle, battle)
    assert (row.user, row.team, row.category) == ("ana@corp.example", "corp", None)
    with pytest.raises(ValidationError, match="category"):
        battles.start(Pane("echo"), Pane("echo", {"max_tokens": 4}), category="x" * 101)


def test_draws_are_two_different_panes_in_random_order():
    pool = [Pane("gpt-5"), Pane("claude-sonnet-4-6"), Pane("gpt-5", {"temperature": 1.0}), Pane("gpt-5")]
    rng = random.Random(5)
    seen = {draw.draw(pool, rng) for _ in range(400)}
    assert all(a.key != b.key for a, b in seen)
    assert len(seen) == 6  # three distinct panes: every ordered pair, each side left
    with pytest.raises(ValidationError, match="two different panes"):
        draw.draw([Pane("gpt-5"), Pane("gpt-5")])


def test_any_two_draws_from_the_active_configured_models(fake_providers, monkeypatch):
    names = draw.configured_models()
    assert {"echo", "gpt-5", "claude-sonnet-4-6", "gemini-2.5-flash"} <= set(names)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert "claude-sonnet-4-6" not in draw.configured_models()
    assert all(p.settings == {} for p in draw.any_two_pool())
