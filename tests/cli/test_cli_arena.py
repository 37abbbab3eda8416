"""CLI `arena`: import (all or nothing, exit 2 on a bad file), export, and the leaderboard's JSON contract."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from alonchat.cli import main
from alonchat.storage.engine import get_engine
from alonchat.storage.tables import ArenaBattle

CONTRACT = {"model", "rating", "rating_lower", "rating_upper", "rank", "battles", "win_rate", "median_cost_usd"}
CSV = ("model_a,model_b,winner,tstamp,language\n"
       "alpha,beta,model_a,1793707200,en\n"  # 2026-11-03, noon UTC
       "alpha,beta,model_a,1793707200,en\n"
       "beta,gamma,model_a,1793793600,fr\n"  # 2026-11-04
       "gamma,alpha,both_bad,1793793600,fr\n"
       "beta,alpha,model_a,1793880000,en\n")  # 2026-11-05


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def battles() -> int:
    with get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(ArenaBattle)).scalar()


def test_import_then_leaderboard_json_is_the_contract(capsys, tmp_path):
    path = tmp_path / "battles.csv"
    path.write_text(CSV)
    code, out, err = run(capsys, "arena", "import", str(path))
    assert (code, out.strip(), err) == (0, "imported 5 battles", "")
    code, out, _ = run(capsys, "arena", "leaderboard", "--json")
    rows = json.loads(out)
    assert code == 0 and [set(r) for r in rows] == [CONTRACT] * 3
    by_model = {r["model"]: r for r in rows}
    assert by_model["alpha"]["battles"] == 4 and by_model["alpha"]["win_rate"] == 0.625  # 2 wins, a tie, a loss
    assert all(r["median_cost_usd"] is None for r in rows)  # imported battles have no ledger rows
    assert [r["rating"] for r in rows] == sorted((r["rating"] for r in rows), reverse=True)
    assert all(r["rating_lower"] is None or r["rating_lower"] <= r["rating"] for r in rows)
    code, out, _ = run(capsys, "arena", "leaderboard", "--json", "--since", "2026-11-04", "--until", "2026-11-04")
    assert {r["model"]: r["battles"] for r in json.loads(out)} == {"alpha": 1, "beta": 1, "gamma": 2}
    code, out, _ = run(capsys, "arena", "leaderboard", "--json", "--vote", "model_a", "--vote", "model_b")
    assert sum(r["battles"] for r in json.loads(out)) == 2 * 4  # both-bad left out
    code, out, _ = run(capsys, "arena", "leaderboard")
    assert code == 0 and "rank" in out and "5 votes" in out


def test_a_bad_file_is_one_line_exit_2_and_nothing_imported(capsys, tmp_path):
    path = tmp_path / "battles.csv"
    path.write_text(CSV + "alpha,beta,left\n")
    code, out, err = run(capsys, "arena", "import", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: line 7: winner is 'left'") and "Nothing was imported" in err
    assert battles() == 0
    for argv, message in ((("arena", "import", str(tmp_path / "missing.csv")), "no such file"),
                          (("arena", "import", str(tmp_path)), "no such file"),
                          (("arena", "leaderboard", "--since", "tomorrow"), "is not a date")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and message in err and err.count("\n") == 1
    latin = tmp_path / "latin.csv"
    latin.write_bytes("model_a,model_b,winner\ncaf\xe9,b,tie\n".encode("latin-1"))
    code, _, err = run(capsys, "arena", "import", str(latin))
    assert code == 2 and "not UTF-8" in err


def test_export_writes_lmarenas_columns_with_the_extra_ones(capsys, tmp_path):
    (tmp_path / "in.csv").write_text(CSV)
    run(capsys, "arena", "import", str(tmp_path / "in.csv"), "--team", "research")
    out_path = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "arena", "export", "--format", "jsonl", "-o", str(out_path))
    assert code == 0 and "wrote 5 battles" in err
    rows = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert [r["winner"] for r in rows] == ["model_a", "model_a", "model_a", "both_bad", "model_a"]
    assert {r["language"] for r in rows} == {"en", "fr"} and {r["team"] for r in rows} == {"research"}
    code, out, _ = run(capsys, "arena", "export", "--team", "other")
    assert out.splitlines()[0].startswith("model_a,model_b,winner,") and len(out.splitlines()) == 1
