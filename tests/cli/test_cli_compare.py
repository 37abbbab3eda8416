"""`chat` with the compare settings (reasoning, attachments, sampling, schema); bad combinations exit 2."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from alonchat.catalog import models as catalog
from alonchat.cli import main
from alonchat.storage.engine import session
from tests.support import media


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse's own errors
        return e.code


def ledger() -> list:
    with session() as s:
        return list(s.execute(text("SELECT model_name, status, options FROM usage_records ORDER BY id")))


@pytest.fixture
def files(tmp_path):
    (tmp_path / "red.png").write_bytes(media.image(40, 30))
    (tmp_path / "doc.pdf").write_bytes(media.pdf(2))
    (tmp_path / "schema.json").write_text(json.dumps({"type": "object", "properties": {"ok": {"type": "boolean"}}}))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "bad-schema.json").write_text(json.dumps({"type": "wrong"}))
    (tmp_path / "notes.txt").write_text("plain text")
    return tmp_path


def test_stream_prints_thinking_to_stderr_and_the_answer_to_stdout(capsys, files):
    code = run(["chat", "-m", "echo", "--reasoning-effort", "low", "--image", str(files / "red.png"),
                "--image", str(files / "doc.pdf"), "--top-p", "0.5", "--stop", "END", "--stop", "STOP",
                "--seed", "7", "--json-schema", str(files / "schema.json"), "describe"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "echo thinking at low effort" in err and "echo thinking" not in out
    assert "red.png (image/png" in out and "doc.pdf (application/pdf" in out
    [(model, status, options)] = ledger()
    assert (model, status) == ("echo", "ok")
    assert json.loads(options) == {"reasoning_effort": "low", "top_p": 0.5, "stop": ["END", "STOP"], "seed": 7,
                                   "json_schema": "yes"}


def test_json_output_keeps_its_keys_and_adds_thinking_and_options(capsys, files):
    assert run(["chat", "-m", "echo", "--json", "--reasoning-effort", "high", "--seed", "1", "hi"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["status"] == "ok" and "high effort" in line["thinking"] and "high effort" not in line["content"]
    assert line["options"] == {"reasoning_effort": "high", "seed": 1} and line["skipped_options"] == []


@pytest.mark.parametrize(("argv", "says"), [
    (["-m", "gpt-4.1", "--reasoning-effort", "high"], "gpt-4.1 is not a reasoning model"),
    (["-m", "echo", "--image", "{files}/missing.png"], "Can't read"),
    (["-m", "echo", "--image", "{files}/notes.txt"], "attach an image"),
    (["-m", "echo", "--json-schema", "{files}/broken.json"], "is not JSON"),
    (["-m", "echo", "--json-schema", "{files}/bad-schema.json"], "not a valid JSON schema"),
    (["-m", "echo", "--json-schema", "{files}/none.json"], "can't read the JSON schema"),
    (["-m", "echo", "--stop", ""], "non-empty"),
    (["-m", "echo", "--top-p", "2"], "error: Top p must be at most 1."),  # the setting, not the field name
    (["-m", "echo", "--reasoning-budget", "5000", "--max-tokens", "100"], "below Max tokens"),
    (["-m", "echo", "-m", "gpt-4.1", "--reasoning-effort", "low"], "not a reasoning model"),
    (["-m", "echo", "--reasoning-effort", "max"], "invalid choice"),
])
def test_an_unsupported_combination_is_one_line_exit_2_and_nothing_written(capsys, files, argv, says):
    argv = [a.replace("{files}", str(files)) for a in argv]
    assert run(["chat", *argv, "hi"]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert ledger() == []


def test_an_image_for_a_model_without_vision_exits_2(capsys, files):
    catalog.update_model("echo", {"supports_vision": False})
    assert run(["chat", "-m", "echo", "--image", str(files / "red.png"), "hi"]) == 2
    assert "echo does not accept images" in capsys.readouterr().err
    assert ledger() == []


def test_options_a_provider_does_not_take_are_reported_as_not_sent(capsys, fake_providers):
    assert run(["chat", "-m", "claude-haiku-4-5", "--seed", "3", "--top-p", "0.2", "hi"]) == 0
    assert "not sent: seed, top_p" in capsys.readouterr().err
    assert "seed" not in fake_providers.requests[-1].json
