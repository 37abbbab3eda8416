"""AppTest tests of the arena page: the board and its filters, your votes, export, import, and what members see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from alonchat.access import identity, teams
from alonchat.arena import leaderboard
from tests.support.arena_votes import battle, many

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret",
        "client_id": "alonchat", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ADMIN, ANA, BO, CY = "root@corp.example", "ana@corp.example", "bo@corp.example", "cy@else.example"


def page(user: str | None = None) -> AppTest:
    """The arena page in single-user mode, or signed in as `user` (ADMIN is the admin)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": user}
    at.run()
    at.switch_page("pages/arena.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at



def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


@pytest.fixture
def team_votes(monkeypatch):
    monkeypatch.setenv("ALONCHAT_ADMINS", ADMIN)
    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@corp.example", "corp")
    many("alpha", "beta", "model_a", 3, user=ANA, team="corp", category="code", cost_a="0.002", cost_b="0.001")
    many("alpha", "beta", "model_b", 1, user=BO, team="corp", category="writing")
    many("beta", "gamma", "model_a", 2, user=BO, team="corp")
    many("gamma", "alpha", "model_a", 5, user=CY, team="else")


def test_an_empty_arena_says_how_to_start():
    at = page()
    assert any("No votes match" in i.value for i in at.info)
    assert any("not voted yet" in c.value for c in at.caption)


def test_the_board_lists_models_with_intervals_and_the_filters_narrow_it():
    many("alpha", "beta", "model_a", 6, category="code", cost_a="0.003", cost_b="0.001")
    many("alpha", "beta", "model_b", 2, category="chat")
    battle("beta", "gamma", "tie", category="code")
    battle("gamma", "beta", "model_a", category="chat", shown_left="model_b")
    at = page()
    board = frames(at)[0]
    assert list(board["Model"]) == [r.model for r in leaderboard.board().rows]
    assert list(board.columns[:4]) == ["Rank", "Model", "Rating", "95% interval"]
    alpha = board[board["Model"] == "alpha"].iloc[0]
    assert alpha["Battles"] == 8 and alpha["Median cost / answer"] == "$0.003"
    assert board[board["Model"] == "gamma"].iloc[0]["Median cost / answer"] == "unknown"
    assert any("10 votes" in c.value for c in at.caption)
    assert next(m for m in at.metric if m.label == "Votes for the left answer").value == "66.7%"  # 6 of 9
    at.multiselect(key="arena_categories").set_value(["code"]).run()
    assert not at.exception and any("7 votes" in c.value for c in at.caption)
    at.pills(key="arena_votes").set_value(["model_a", "model_b"]).run()
    assert any("6 votes" in c.value for c in at.caption)
    at.pills(key="arena_votes").set_value([]).run()
    assert any("at least one kind of vote" in i.value for i in at.info)
    mine = frames(at)[-1]
    assert len(mine) == 10 and set(mine["Your vote"]) == {"A is better", "B is better", "Tie"}


def test_a_member_sees_their_teams_board_and_their_own_votes(team_votes):
    at = page(ANA)
    board = frames(at)[0]
    assert set(board["Model"]) == {"alpha", "beta", "gamma"} and board["Battles"].sum() == 2 * 6  # corp's 6 votes
    assert at.segmented_control(key="arena_view").options == ["My team's votes", "My votes"]
    assert "arena_teams" not in [m.key for m in at.multiselect]
    mine = frames(at)[-1]
    assert len(mine) == 3 and set(mine["Winner"]) == {"alpha"}  # ana's three votes, none of bo's
    assert "Import" not in [h.value for h in at.subheader] and not at.get("form")
    at.segmented_control(key="arena_view").set_value("mine").run()
    assert frames(at)[0]["Battles"].sum() == 2 * 3
    assert CY not in json.dumps([str(f.to_dict()) for f in frames(at)])


def test_an_admin_sees_every_team_and_can_import(team_votes):
    at = page(ADMIN)
    assert frames(at)[0]["Battles"].sum() == 2 * 11
    at.multiselect(key="arena_teams").set_value(["else"]).run()
    assert set(frames(at)[0]["Model"]) == {"gamma", "alpha"}
    assert "Import" in [h.value for h in at.subheader]


def test_a_member_with_no_team_sees_their_own_votes():
    battle("alpha", "beta", "model_a", user="dee@nowhere.example")
    battle("alpha", "beta", "model_b", user=ANA)
    at = page("dee@nowhere.example")
    assert any("in no team yet" in c.value for c in at.caption)
    assert frames(at)[0]["Battles"].sum() == 2
