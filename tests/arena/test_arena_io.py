"""Battles in and out in LMArena's columns: round trips, extra columns kept, bad files change nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import delete, func, select

from alonchat.access import identity
from alonchat.access.audit import AuditEntry
from alonchat.arena import io as arena_io
from alonchat.arena import leaderboard
from alonchat.arena.leaderboard import Filters
from alonchat.core.errors import PermissionDeniedError, ValidationError
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import ArenaBattle

LMARENA = [  # the public set's shape: its own columns ride along
    {"model_a": "gpt-4", "model_b": "claude-v1", "winner": "model_a", "judge": "arena_user_1", "turn": 1,
     "anony": True, "language": "English", "tstamp": 1682351591.1322,
     "conversation_a": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]},
    {"model_a": "claude-v1", "model_b": "vicuna-13b", "winner": "tie (bothbad)", "judge": "arena_user_2",
     "turn": 1, "anony": True, "language": "German", "tstamp": 1682351600.5},
    {"model_a": "vicuna-13b", "model_b": "gpt-4", "winner": "model_b", "judge": "arena_user_3", "turn": 2,
     "anony": False, "language": "English", "tstamp": 1682351700},
]


def count() -> int:
    with get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(ArenaBattle)).scalar()


def wipe() -> None:
    with get_engine().begin() as conn:
        conn.execute(delete(ArenaBattle.__table__))


def jsonl(rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_lmarenas_public_data_imports_with_its_columns_kept():
    assert arena_io.import_battles(jsonl(LMARENA), "jsonl") == 3
    rows = [json.loads(line) for line in arena_io.export(fmt="jsonl").splitlines()]
    assert [r["winner"] for r in rows] == ["model_a", "both_bad", "model_b"]  # LMArena's "tie (bothbad)"
    assert rows[0]["conversation_a"] == LMARENA[0]["conversation_a"] and rows[0]["judge"] == "arena_user_1"
    assert rows[0]["tstamp"] == pytest.approx(LMARENA[0]["tstamp"]) and rows[0]["origin"] == "import"
    assert {r["model"] for r in leaderboard.as_json(leaderboard.board(Filters()))} == {
        "gpt-4", "claude-v1", "vicuna-13b"}
    with get_engine().connect() as conn:
        [entry] = conn.execute(select(AuditEntry.__table__).where(AuditEntry.__table__.c.entity == "arena")).all()
    assert entry.action == "import" and json.loads(entry.changes)["battles"] == [None, 3]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_then_import_gives_the_same_battles(fmt):
    arena_io.import_battles(jsonl(LMARENA), "jsonl")
    extra = [{"model_a": "=HYPERLINK(1)", "model_b": "beta", "winner": "tie", "user": "ana@corp.example",
              "team": "corp", "category": "code", "shown_left": "model_b", "names_self_a": True,
              "settings_a": {"temperature": 0.3, "system": "- be brief"}, "tstamp": 1796000000.25}]
    arena_io.import_battles(jsonl(extra), "jsonl")
    first = arena_io.export(fmt=fmt)
    if fmt == "csv":
        assert "'=HYPERLINK(1)" in first  # a spreadsheet shows it as text, never runs it
    wipe()
    assert arena_io.import_battles(first, fmt) == 4
    assert arena_io.export(fmt=fmt) == first


def test_a_bad_file_says_which_lines_and_writes_nothing():
    rows = [LMARENA[0], LMARENA[1], {**LMARENA[2], "winner": "A"}, {"model_a": "", "model_b": "x",
                                                                     "winner": "tie"}]
    with pytest.raises(ValidationError) as e:
        arena_io.import_battles(jsonl(rows), "jsonl")
    assert "line 3: winner is 'A'; use one of model_a, model_b, tie, both_bad" in str(e.value)
    assert "line 4: model_a is empty" in str(e.value) and "Nothing was imported" in str(e.value)
    assert count() == 0
    for text, fmt, message in (
            ("model,winner\na,b\n", "csv", "lacks model_a, model_b"),
            ("model_a,model_b,winner\na,b,model_a,extra\n", "csv", "Line 2 has more cells"),
            ('{"model_a": "a"\n', "jsonl", "Line 1 is not a JSON object"),
            ("[1, 2]", "json", "a JSON list of battle objects"),
            ("model_a,model_b,winner\n", "csv", "holds no battles"),
            ('{"model_a": "a", "model_b": "b", "winner": "tie", "tstamp": "yesterday"}\n', "jsonl", "Unix seconds"),
            ('{"model_a": "a\\u202eb", "model_b": "b", "winner": "tie"}\n', "jsonl", "invisible"),
            ('{"model_a": "a", "model_b": "b", "winner": "tie", "settings_a": [1]}\n', "jsonl", "JSON object")):
        with pytest.raises(ValidationError, match=message):
            arena_io.import_battles(text, fmt)
    assert count() == 0
    with pytest.raises(ValidationError, match="not .csv, .jsonl or .json"):
        arena_io.format_of("battles.parquet")


def test_an_import_can_put_every_battle_in_one_team():
    arena_io.import_battles(jsonl(LMARENA), "jsonl", team="research")
    assert leaderboard.board(Filters(teams=("research",))).votes == 3


def test_only_admins_import_and_members_export_their_own_votes():
    arena_io.import_battles(jsonl([{**r, "user": u} for r, u in zip(LMARENA, ("ana@corp.example", "bo@corp.example",
                                                                               "ana@corp.example"), strict=True)]),
                            "jsonl")
    with identity.acting_as(identity.Actor("ana@corp.example", is_admin=False)):
        with pytest.raises(PermissionDeniedError, match="Only an admin"):
            arena_io.import_battles(jsonl(LMARENA), "jsonl")
        mine = list(csv.DictReader(io.StringIO(arena_io.export())))
        assert [r["user"] for r in mine] == ["ana@corp.example", "ana@corp.example"]
        with pytest.raises(PermissionDeniedError):
            arena_io.export(Filters())
    assert count() == 3
