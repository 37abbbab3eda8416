"""The leaderboard's filters: time range, team (or, for members, their team or their own votes), category, votes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from alonchat.access import identity
from alonchat.arena import leaderboard
from alonchat.arena.battles import VOTE_LABELS, VOTES
from alonchat.core.errors import ValidationError
from alonchat.usage import periods
from ui import auth

RANGES = ("all time", "7 days", "30 days", "custom")
VIEWS = {"team": "My team's votes", "mine": "My votes"}


def _zone() -> str:
    """The browser's time zone for whole days, UTC when it is not known (AppTest) or not a zone name."""
    tz = getattr(st.context, "timezone", None) or "UTC"
    try:
        periods.zone(tz)
    except ValidationError:
        return "UTC"
    return tz


def _range(col, tz: str) -> tuple[datetime | None, datetime | None]:
    preset = col.segmented_control("Votes from", RANGES, default="all time", key="arena_range") or "all time"
    if preset == "all time":
        return None, None
    today = datetime.now(UTC).astimezone(periods.zone(tz)).date()
    if preset == "custom":
        picked = col.date_input("Days", (today - timedelta(days=6), today), key="arena_days")
        first, last = (picked + (picked[-1],))[:2] if isinstance(picked, tuple) and picked else (today, today)
    else:
        first, last = today - timedelta(days=int(preset.split()[0]) - 1), today
    return periods.day_range(first, last, tz)


def render() -> leaderboard.Filters | None:
    """The filters as the engine's Filters, within what this user may see; None (with a message) when invalid."""
    admin = auth.can_edit()
    own = leaderboard.scope()
    top = st.columns([3, 2, 2])
    try:
        since, until = _range(top[0], _zone())
    except ValidationError as e:
        st.error(str(e), icon=":material/error:")
        return None
    if admin:
        options = leaderboard.choices(own)
        picked = top[1].multiselect("Team", options["teams"], key="arena_teams", placeholder="every team",
                                    format_func=lambda t: t or "no team")
        scope = leaderboard.Filters(teams=tuple(picked))
    elif own.teams:
        view = top[1].segmented_control("Show", list(VIEWS), default="team", key="arena_view",
                                        format_func=VIEWS.get) or "team"
        scope = own if view == "team" else leaderboard.Filters(users=(identity.current_user(),))
        options = leaderboard.choices(own)
    else:  # a member with no team: their own votes
        top[1].caption("You are in no team yet: the board counts your own votes.")
        scope = own
        options = leaderboard.choices(own)
    categories = top[2].multiselect("Category", options["categories"], key="arena_categories",
                                    placeholder="every category")
    row = st.columns([3, 4])
    votes = row[0].pills("Votes that count", list(VOTES), default=list(VOTES), selection_mode="multi",
                         key="arena_votes", format_func=VOTE_LABELS.get,
                         help="Ties count half a win for each side; so do “both are bad” votes unless you leave "
                              "them out here.")
    flagged = row[1].toggle("Count votes where an answer named its own model", value=True, key="arena_flagged",
                            help="LMArena keeps such votes but marks them: the voter may have recognised the model.")
    if not votes:
        st.info("Pick at least one kind of vote to count.", icon=":material/info:")
        return None
    try:
        return leaderboard.Filters(since=since, until=until, teams=scope.teams, users=scope.users,
                                   categories=tuple(categories), votes=tuple(votes), flagged=flagged)
    except ValidationError as e:
        st.error(str(e), icon=":material/error:")
        return None
