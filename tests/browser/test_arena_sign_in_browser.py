"""The arena with sign-in in Chromium: a member votes blind, then sees their team's board and exports only their
own votes; an admin sees every team's, with the import form. Every control has an accessible name."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from alonchat.access import identity, teams
from alonchat.storage.engine import session
from alonchat.storage.tables import ArenaBattle
from tests.support.arena_votes import many
from tests.support.browser_app import ARTIFACTS, download, need_chromium, settled, unnamed_controls
from tests.support.sign_in import MEMBER, app_with_sign_in, go, oidc_provider, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(fresh_env, tmp_path):
    need_chromium()
    with oidc_provider(tmp_path) as oidc, app_with_sign_in(fresh_env, tmp_path, oidc) as url:
        yield url


def arena(page, *models: str) -> str:
    """Open the arena page; wait until the board's grid holds `models` (it draws on a canvas, and its
    accessible copy holds the cell text once drawn); return the page's text."""
    go(page, "Arena")
    grid = page.locator("[data-testid='stDataFrame']").first
    for model in models:
        grid.get_by_text(model, exact=True).first.wait_for(state="attached", timeout=20_000)
    return page.get_by_test_id("stMain").inner_text()


def export_rows(page) -> list[dict]:
    button = page.get_by_test_id("stMain").get_by_role("button", name="Download CSV")
    return list(csv.DictReader(io.StringIO(download(page, button))))


def test_a_member_votes_blind_and_sees_their_team_an_admin_sees_all(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    with identity.acting_as(identity.Actor("root", True)):
        teams.assign("@corp.example", "corp")
        teams.assign("@else.example", "else")
    many("alpha", "beta", "model_a", 3, user="bo@corp.example", team="corp")
    many("gamma", "delta", "model_b", 2, user="cy@else.example", team="else")

    member = sign_in(browser, app_url, "ana")
    member.goto(app_url + "/?p=0:echo&p=1:echo|max_tokens=12")  # two panes: one model, two settings
    settled(member)
    member.get_by_test_id("stSidebar").get_by_text("Blind mode (arena)").click()
    member.get_by_role("heading", name="Playground · blind").wait_for(timeout=60_000)
    box = member.locator("[data-testid='stChatInputTextArea']")
    box.fill("Say something short")
    box.press("Enter")
    member.locator(".st-key-arena_blind_votes").wait_for(timeout=60_000)
    settled(member)
    assert unnamed_controls(member) == []
    member.get_by_role("button", name="A is better").click()
    member.locator(".st-key-arena_blind_continue").wait_for(timeout=60_000)
    with session() as s:
        [mine] = s.scalars(select(ArenaBattle).where(ArenaBattle.user == MEMBER)).all()
    assert (mine.team, mine.winner, mine.names_self_a) == ("corp", "model_a", True)  # echo says "Echo"

    board = arena(member, "alpha", "beta")
    member.screenshot(path=str(ARTIFACTS / "arena-member.png"), full_page=True)
    # corp's three votes (else's two are not counted) and her own, echo against echo: not rated
    assert "3 votes · 1 between two settings of one model" in board
    assert "cy@else.example" not in board and "bo@corp.example" not in board  # nobody's single votes
    assert "Import" not in board and unnamed_controls(member) == []
    rows = export_rows(member)
    assert [(r["user"], r["model_a"]) for r in rows] == [(MEMBER, "echo")]  # only her own vote
    assert member.get_by_test_id("stException").count() == 0

    admin = sign_in(browser, app_url, "admin")
    board = arena(admin, "alpha", "gamma")
    admin.screenshot(path=str(ARTIFACTS / "arena-admin.png"), full_page=True)
    assert "5 votes · 1 between two settings of one model" in board and "Import" in board
    assert unnamed_controls(admin) == []
    users = sorted(r["user"] for r in export_rows(admin))
    assert users == sorted(["bo@corp.example"] * 3 + ["cy@else.example"] * 2 + [MEMBER])
    assert admin.get_by_test_id("stException").count() == 0
