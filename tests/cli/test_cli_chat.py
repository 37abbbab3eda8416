"""The `chat` and `providers` CLI contract: streaming, JSON lines, exit codes, nothing written on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from alonchat.cli import main
from alonchat.core.tokens import estimate_tokens
from alonchat.storage.engine import ROOT, session
from alonchat.storage.tables import UsageRecord
from tests.support.cli_process import KEYS


def usage_count() -> int:
    with session() as s:
        return s.scalar(select(func.count()).select_from(UsageRecord))


def test_plain_chat_streams_text_and_summary(capsys):
    assert main(["chat", "-m", "echo", "hello"]) == 0
    out, err = capsys.readouterr()
    assert 'you said "hello"' in out
    assert "[echo] ok" in err and "$0.000000" in err
    assert usage_count() == 1


def test_json_lines_one_per_model_with_contract_keys(capsys):
    assert main(["chat", "-m", "echo", "-m", "echo", "--json", "--system", "be brief", "two words"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2 and all(set(line) == KEYS for line in lines)
    first = lines[0]
    assert first["status"] == "ok" and first["error"] is None
    assert first["input_tokens"] == estimate_tokens("be brief") + estimate_tokens("two words")
    assert first["output_tokens"] == estimate_tokens(first["content"])
    assert first["cost_usd"] == 0.0


def test_failing_model_exits_1_and_reports_in_json(capsys):
    code = main(["chat", "-m", "echo", "-m", "gpt-5", "--json", "hi"])
    lines = {x["model"]: x for x in map(json.loads, capsys.readouterr().out.splitlines())}
    assert code == 1
    assert lines["echo"]["status"] == "ok"
    assert lines["gpt-5"]["status"] == "error" and "OPENAI_API_KEY" in lines["gpt-5"]["error"]
    assert lines["gpt-5"]["cost_usd"] is None


def test_bad_arguments_exit_2_and_write_nothing(capsys):
    for argv in (["chat", "-m", "echo", "--temperature", "9", "hi"],
                 ["chat", "-m", "echo", "--max-tokens", "0", "hi"],
                 ["chat", "-m", "echo", "--max-tokens", "many", "hi"],
                 ["chat", "hi"],
                 ["chat", "-m", "echo", "-m", "no-such-model", "hi"]):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse's own errors
            code = e.code
        assert code == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "error" in err[0], argv
    assert usage_count() == 0


def test_an_unknown_model_is_a_bad_argument_with_the_closest_names(capsys):
    assert main(["chat", "-m", "gpt5-mini", "hi"]) == 2
    err = capsys.readouterr().err
    assert "Unknown model 'gpt5-mini'" in err and "gpt-5-mini" in err and len(err.strip().splitlines()) == 1
    assert usage_count() == 0  # never called: no `error` row with provider `unknown`


def test_stdin_must_be_utf8_with_or_without_a_bom(fresh_env):
    from tests.support.cli_process import run

    bad = run("chat", "-m", "echo", "-", input="café crème".encode("cp1252"))
    err = bad.stderr.decode()
    assert bad.returncode == 2 and "not UTF-8" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert usage_count() == 0
    good = run("chat", "-m", "echo", "-", input="\ufeffcafé crème".encode("utf-8"))
    assert good.returncode == 0 and "café crème" in good.stdout.decode() and "\ufeff" not in good.stdout.decode()
    assert usage_count() == 1


def test_an_unexpected_error_is_one_line_and_the_call_still_recorded(capsys):
    from alonchat.providers.registry import registry
    from tests.support.scripted import ScriptedProvider, add_model

    add_model("buggy")
    registry.register(ScriptedProvider([[ZeroDivisionError("division by zero in a plugin")]]))
    assert main(["chat", "-m", "buggy", "hi"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ZeroDivisionError" in err and "report it" in err
    assert usage_count() == 1


def test_providers_json_names_missing_env_vars(capsys):
    assert main(["providers", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["echo"]["configured"] is True
    assert rows["openai"]["configured"] is False and rows["openai"]["missing_env"] == ["OPENAI_API_KEY"]
    assert set(rows["gemini"]["missing_env"]) == {"GEMINI_API_KEY", "GOOGLE_API_KEY"}


def test_module_entry_point_works_without_any_key(fresh_env):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    proc = subprocess.run([sys.executable, "-m", "alonchat", "chat", "-m", "echo", "hello"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert 'you said "hello"' in proc.stdout
