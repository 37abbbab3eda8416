"""The `models` and `endpoints` CLI contract: JSON columns, one-line errors, exit 2 and nothing written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from alonchat.cli import main
from alonchat.storage.engine import session
from tests.fake_server import FakeServer

COLUMNS = {"name", "display_name", "provider", "model_id", "context_window", "max_tokens", "input_price",
           "output_price", "cache_read_price", "cache_write_price", "description", "active", "configured"}


def run(argv: list[str]) -> int:
    """main() returns the exit code; argparse's own errors exit (also with 2)."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


def snapshot() -> tuple:
    with session() as s:
        return tuple(tuple(tuple(r) for r in s.execute(text(f"SELECT * FROM {t} ORDER BY id")))
                     for t in ("ai_models", "model_prices", "provider_endpoints"))


def listing(capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    return {r["name"]: r for r in json.loads(capsys.readouterr().out)}


def test_list_json_has_every_column_with_prices_as_numbers_or_null(capsys):
    assert main(["models", "add", "--name", "mystery", "--provider", "echo", "--model-id", "echo-1"]) == 0
    rows = listing(capsys)
    assert set(rows["gpt-4o-mini"]) >= COLUMNS
    mini = rows["gpt-4o-mini"]
    assert (mini["input_price"], mini["output_price"], mini["cache_read_price"]) == (0.15, 0.6, 0.075)
    assert mini["cache_write_price"] is None and mini["configured"] is False and mini["active"] is True
    assert rows["echo"]["configured"] is True and rows["echo"]["input_price"] == 0
    assert rows["mystery"]["input_price"] is None  # unpriced, never 0


def test_list_plain_shows_unpriced(capsys):
    main(["models", "add", "--name", "mystery", "--provider", "echo", "--model-id", "echo-1"])
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("mystery "))
    assert "unpriced" in line and "active" in line


def test_add_update_deactivate_activate_and_history(capsys):
    assert main(["models", "add", "--name", "cli-model", "--provider", "echo", "--model-id", "echo-1",
                 "--display-name", "CLI model", "--context-window", "8000", "--max-tokens", "1000",
                 "--input-price", "1.25", "--output-price", "5", "--description", "from the CLI"]) == 0
    assert main(["models", "update", "cli-model", "--input-price", "2"]) == 0
    assert main(["models", "deactivate", "cli-model"]) == 0
    assert listing(capsys)["cli-model"]["active"] is False
    assert main(["models", "activate", "cli-model"]) == 0
    row = listing(capsys)["cli-model"]
    assert (row["active"], row["input_price"], row["max_tokens"], row["display_name"]) == (True, 2, 1000, "CLI model")

    assert main(["models", "history", "cli-model", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert [(h["source"], h["changed_by"], h["input_price"]) for h in history] == [
        ("manual", "tester", 1.25), ("manual", "tester", 2.0)]
    assert history[0]["changed_at"] <= history[1]["changed_at"]
    assert main(["models", "history", "cli-model"]) == 0
    assert "manual" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["models", "add", "--name", "x", "--provider", "echo", "--model-id", "m", "--input-price", "-1"],
    ["models", "add", "--name", "x", "--provider", "nope", "--model-id", "m"],
    ["models", "add", "--name", "GPT-5", "--provider", "openai", "--model-id", "m"],
    ["models", "add", "--name", "x", "--provider", "echo", "--model-id", "m", "--context-window", "10",
     "--max-tokens", "20"],
    ["models", "add", "--name", "x", "--provider", "echo", "--model-id", "m", "--max-tokens", "many"],
    ["models", "add", "--name", "x", "--provider", "echo"],  # --model-id missing (argparse)
    ["models", "update", "gpt-5", "--output-price", "1e9"],
    ["models", "update", "no-such-model", "--input-price", "1"],
    ["models", "update", "gpt-5"],
    ["models", "deactivate", "no-such-model"],
    ["models", "delete", "gpt-5"],  # no --yes
    ["models", "import", "/nonexistent.csv"],
    ["models", "export", "--format", "xml"],
    ["endpoints", "add", "--name", "x", "--base-url", "not a url"],
    ["endpoints", "add", "--name", "openai", "--base-url", "http://127.0.0.1:1/v1"],
    ["endpoints", "add", "--name", "x", "--base-url", "http://127.0.0.1:1/v1", "--key-env", "sk-123"],
    ["endpoints", "remove", "nope"],
    ["endpoints", "add", "--name", "GROQ", "--base-url", "http://127.0.0.1:1/v1"],
    ["endpoints", "update", "groq"],
    ["endpoints", "update", "groq", "--base-url", "ftp://x", "--enable"],
    ["endpoints", "update", "groq", "--key-env", "sk-123"],
    ["endpoints", "update", "nope", "--enable"],
    ["endpoints", "update", "groq", "--enable", "--disable"],
])
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(argv, capsys):
    before = snapshot()
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
    assert "Traceback" not in err and "sk-123" not in err
    assert snapshot() == before


def test_delete_needs_yes_and_refuses_a_used_model(capsys):
    main(["models", "add", "--name", "tmp", "--provider", "echo", "--model-id", "echo-1"])
    assert main(["models", "delete", "tmp", "--yes"]) == 0
    assert "tmp" not in listing(capsys)
    assert main(["chat", "-m", "echo", "hi"]) == 0
    capsys.readouterr()
    assert main(["models", "delete", "echo", "--yes"]) == 2
    assert "deactivate it instead" in capsys.readouterr().err


def test_export_import_round_trip_and_all_or_nothing(tmp_path, capsys):
    capsys.readouterr()
    for fmt in ("csv", "json"):
        assert main(["models", "export", "--format", fmt]) == 0
        path = tmp_path / f"catalog.{fmt}"
        path.write_text(capsys.readouterr().out)
        before = snapshot()
        assert main(["models", "import", str(path)]) == 0
        assert "0 to add, 0 to update" in capsys.readouterr().out
        assert snapshot() == before

    bad = tmp_path / "bad.csv"
    bad.write_text("name,provider,model_id,input_price\nok-one,echo,echo-1,1\nbroken,echo,echo-1,-5\n")
    before = snapshot()
    assert main(["models", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 2 (broken)" in err and "can't be negative" in err and err.count("\n") == 1
    assert snapshot() == before

    good = tmp_path / "good.csv"
    good.write_text("name,provider,model_id,input_price,output_price\nok-one,echo,echo-1,1,2\n")
    assert main(["models", "import", str(good), "--dry-run"]) == 0
    assert "1 to add" in capsys.readouterr().out and snapshot() == before
    assert main(["models", "import", str(good)]) == 0
    assert listing(capsys)["ok-one"]["output_price"] == 2


def test_check_and_accept_prices(capsys):
    main(["models", "update", "gpt-4o-mini", "--input-price", "3"])
    capsys.readouterr()
    assert main(["models", "check-prices", "--json"]) == 0
    diffs = json.loads(capsys.readouterr().out)
    assert diffs == [{"name": "gpt-4o-mini", "provider": "openai", "model_id": "gpt-4o-mini", "ref_id": "gpt-4o-mini",
                      "changes": {"input_price": {"catalog": 3.0, "reference": 0.15}}}]
    assert main(["models", "accept-prices", "gpt-4o-mini"]) == 0
    assert listing(capsys)["gpt-4o-mini"]["input_price"] == 0.15
    assert main(["models", "check-prices"]) == 0
    assert "matches genai-prices" in capsys.readouterr().out


def test_endpoints_add_list_models_remove(capsys):
    with FakeServer() as srv:
        srv.models = ["m-one", "m-two"]
        assert main(["endpoints", "add", "--name", "fake", "--base-url", srv.url + "/v1"]) == 0
        assert main(["endpoints", "add", "--name", "keyed", "--base-url", srv.url + "/v1",
                     "--key-env", "KEYED_API_KEY"]) == 0
        capsys.readouterr()
        assert main(["endpoints", "list", "--json"]) == 0
        rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
        assert rows["fake"] == {"name": "fake", "base_url": srv.url + "/v1", "api_key_env": None, "enabled": True,
                                "description": "", "configured": True, "models": 0, "key_missing": False}
        assert rows["keyed"]["api_key_env"] == "KEYED_API_KEY" and rows["keyed"]["configured"] is False
        assert rows["keyed"]["key_missing"] is True

        assert main(["endpoints", "models", "fake", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == ["m-one", "m-two"]
        assert main(["endpoints", "models", "fake", "--add", "m-two"]) == 0
        assert listing(capsys)["fake/m-two"]["provider"] == "fake"

        assert main(["endpoints", "disable", "fake"]) == 0
        assert main(["endpoints", "remove", "fake"]) == 2
        assert "still serves 1 catalog model" in capsys.readouterr().err
        assert main(["models", "delete", "fake/m-two", "--yes"]) == 0
        assert main(["endpoints", "remove", "fake"]) == 0
        capsys.readouterr()
        assert main(["endpoints", "list"]) == 0
        out = capsys.readouterr().out
        assert "fake " not in out and "keyed" in out and "KEYED_API_KEY (not set)" in out


def test_endpoints_update_changes_what_is_given_and_a_taken_name_points_to_it(capsys):
    from alonchat.access import audit

    assert main(["endpoints", "add", "--name", "Together", "--base-url", "http://127.0.0.1:1/v1"]) == 2
    assert capsys.readouterr().err == (
        "error: An endpoint named 'together' already exists (disabled, https://api.together.xyz/v1). Use that one: "
        "enable it and change its base URL or key variable on the Catalog page's Endpoints tab, or with `python -m "
        "alonchat endpoints update together --base-url URL --enable`. Or pick another name.\n")
    assert main(["endpoints", "update", "together", "--base-url", "http://127.0.0.1:1/v1/", "--key-env", "",
                 "--enable"]) == 0
    assert capsys.readouterr().out == "updated endpoint together: http://127.0.0.1:1/v1, no key, enabled\n"
    assert main(["endpoints", "update", "together", "--description", "a gateway", "--disable"]) == 0
    capsys.readouterr()
    assert main(["endpoints", "list", "--json"]) == 0
    together = next(r for r in json.loads(capsys.readouterr().out) if r["name"] == "together")
    assert (together["base_url"], together["api_key_env"], together["description"], together["enabled"]) == (
        "http://127.0.0.1:1/v1", None, "a gateway", False)  # what the second update left alone stays
    assert [e.describe() for e in audit.entries("endpoint")] == [
        "description: Together AI. Set TOGETHER_API_KEY, then enable. → a gateway; enabled: yes → no",
        "key variable: TOGETHER_API_KEY → —; base URL: https://api.together.xyz/v1 → http://127.0.0.1:1/v1; "
        "enabled: no → yes"]


def test_capabilities_through_add_update_export_and_import(capsys, tmp_path):
    from alonchat.catalog import models as catalog

    assert run(["models", "add", "--name", "vis", "--provider", "echo", "--model-id", "echo-1",
                "--supports-vision", "true", "--supports-pdf", "no"]) == 0
    spec = catalog.resolve("vis")
    assert (spec.supports_reasoning, spec.supports_vision, spec.supports_pdf) == (False, True, False)
    before = snapshot()
    assert run(["models", "update", "vis", "--supports-reasoning", "maybe"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Reasons" in err and len(err.strip().splitlines()) == 1
    assert snapshot() == before
    assert run(["models", "update", "vis", "--supports-reasoning", "yes"]) == 0
    assert catalog.resolve("vis").supports_reasoning
    capsys.readouterr()
    assert run(["models", "export", "--format", "csv"]) == 0
    csv_text = capsys.readouterr().out
    assert "supports_reasoning,supports_vision,supports_pdf" in csv_text.splitlines()[0]
    # Turn vision off through an import; an empty cell keeps what is stored.
    lines = csv_text.splitlines()
    head = lines[0].split(",")
    row = next(line for line in lines[1:] if line.startswith("vis,")).split(",")
    row[head.index("supports_vision")] = "false"
    row[head.index("supports_pdf")] = ""
    path = tmp_path / "caps.csv"
    path.write_text(",".join(head) + "\n" + ",".join(row) + "\n")
    assert run(["models", "import", str(path)]) == 0
    spec = catalog.resolve("vis")
    assert (spec.supports_reasoning, spec.supports_vision, spec.supports_pdf) == (True, False, False)


BAD_FILES = {
    "cp1252.csv": ("name,provider,model_id,description\ncafé,echo,echo-1,crème\n".encode("cp1252"), "CSV UTF-8"),
    "huge-cell.csv": (("name,provider,model_id,description\nbig,echo,echo-1," + "x" * 200_000 + "\n").encode(),
                      "can't be read as CSV"),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_unreadable_import_files_get_one_line_and_exit_2(tmp_path, capsys, name):
    data, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot()
    for argv in (["models", "import", str(path)], ["models", "import", str(path), "--dry-run"]):
        assert run(argv) == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert snapshot() == before


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_csv_imports_with_or_without_a_bom(tmp_path, capsys, bom):
    path = tmp_path / "models.csv"
    path.write_bytes(bom + "name,provider,model_id,description\ncafé-model,echo,echo-1,crème brûlée\n".encode())
    assert run(["models", "import", str(path)]) == 0
    assert run(["models", "list", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out.split("\n", 1)[1])}
    assert listed["café-model"]["description"] == "crème brûlée"
