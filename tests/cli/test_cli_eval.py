"""`alonchat eval` in real processes: a promptfoo config through the CLI, exit codes, Ctrl+C and resume, two
processes on one run, and the set and run commands around them."""

from __future__ import annotations

import json
import signal
import threading

import pytest
from sqlalchemy import select

from alonchat.evals import plan, runs, sets
from alonchat.evals.panes import Pane
from alonchat.evals.sets import Case, SetDraft
from alonchat.evals.templates import Prompt
from alonchat.storage.engine import ROOT, get_engine
from alonchat.storage.tables import EvalCell, EvalRun
from tests.fake_server.answers import Answers
from tests.support.cli_process import run, start, wait_for
from tests.support.provider_checks import ledger

EXAMPLE = str(ROOT / "examples" / "promptfoo-translate" / "promptfooconfig.yaml")
GPT, CLAUDE = "gpt-4.1-mini", "claude-haiku-4-5"
TRANSLATIONS = {"Hello": "Bonjour", "Good morning": "Buenos días", "Thank you": "Danke", "Good night": "Buona notte"}


@pytest.fixture
def translator(fake_providers):
    """GPT translates every phrase; Claude knows only French and apologises for the rest."""
    fake_providers.responder = Answers(TRANSLATIONS, per_model={CLAUDE: {
        "Good morning": "Sorry, I cannot.", "Thank you": "Sorry, I cannot.", "Good night": "Sorry, I cannot."}})
    return fake_providers


def lines(out: bytes) -> list[dict]:
    return [json.loads(x) for x in out.decode().splitlines() if x.strip()]


def cells() -> list:
    c = EvalCell.__table__.c
    with get_engine().connect() as conn:
        return conn.execute(select(EvalCell.__table__).order_by(c.id)).all()


def test_a_promptfoo_config_with_csv_tests_runs_through_the_cli_with_the_expected_pass_counts(translator):
    done = run("eval", "run", EXAMPLE, "--json", "--min-pass-rate", "0.9")
    assert done.returncode == 1, done.stderr  # Claude misses 90%
    out = lines(done.stdout)
    cell_lines = [x for x in out if x["kind"] == "cell"]
    assert len(cell_lines) == 16  # 4 cases x 2 prompts x 2 providers
    assert set(cell_lines[0]) >= {"case", "prompt", "model", "repeat", "pass", "score", "output", "cost_usd",
                                  "latency_ms", "ttft_ms", "status"}
    passes = {m: sum(x["pass"] for x in cell_lines if x["model"] == m) for m in (GPT, CLAUDE)}
    assert passes == {GPT: 8, CLAUDE: 2}
    assert all(x["cost_usd"] > 0 and x["status"] == "ok" for x in cell_lines)
    panes = {x["model"]: x for x in out if x["kind"] == "pane"}
    assert (panes[GPT]["passed"], panes[GPT]["pass_rate"]) == (8, 1.0)
    assert (panes[CLAUDE]["passed"], panes[CLAUDE]["failed"], panes[CLAUDE]["pass_rate"]) == (2, 6, 0.25)
    stderr = done.stderr.decode()
    assert "16 calls (4 cases × 2 prompts × 2 panes × 1 repeat); estimated $" in stderr
    assert "pane 2 (claude-haiku-4-5 (max 200)) missed the minimum pass rate 90.0%: 25.0%" in stderr
    assert stderr.count("missed the minimum pass rate") == 1  # GPT's pane met it
    assert {(r.source, r.model_name) for r in ledger()} == {("eval", GPT), ("eval", CLAUDE)} and len(ledger()) == 16
    # only GPT: every pane meets the bar, exit 0; the set is the same version
    ok = run("eval", "run", EXAMPLE, "-m", "openai:gpt-4.1-mini", "--min-pass-rate", "90%")
    assert ok.returncode == 0, ok.stderr
    assert "100.0%" in ok.stdout.decode() and "promptfoo-translate@1" in ok.stdout.decode()


def test_a_bad_config_or_set_exits_2_and_sends_nothing(translator, tmp_path):
    bad = tmp_path / "promptfooconfig.yaml"
    bad.write_text("prompts: ['Say {{x}}']\nproviders: [bedrock:claude]\ntests:\n  - vars: {x: hi}\n"
                   "    assert: [{type: python, value: 'True'}]\n")
    done = run("eval", "run", str(bad))
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "bedrock:claude: this provider is not supported" in err and "'python' is not supported" in err
    missing_var = tmp_path / "second" / "promptfooconfig.yaml"
    missing_var.parent.mkdir()
    missing_var.write_text("prompts: ['Say {{x}} to {{y}}']\nproviders: [echo]\ntests:\n  - vars: {x: hi}\n")
    done = run("eval", "run", str(missing_var))
    assert done.returncode == 2 and "Case 1, prompt 1: the prompt uses {{y}}" in done.stderr.decode()
    assert run("eval", "run", "no-such-set", "-m", "echo").returncode == 2
    assert translator.requests == [] and ledger() == []
    with get_engine().connect() as conn:
        assert conn.execute(select(EvalRun.__table__)).all() == []


def test_ctrl_c_keeps_the_finished_cells_and_resume_finishes_with_no_duplicate_ledger_rows(translator):
    gate = threading.Event()
    answers = translator.responder

    def held_claude(model, prompt):
        if model == CLAUDE:
            gate.wait(60)
        return answers(model, prompt)

    translator.responder = held_claude
    proc = start("eval", "run", EXAMPLE, "--json", "--concurrency", "1")
    wait_for(lambda: len([c for c in cells() if c.state == "done"]) == 8, timeout=120, what="GPT's 8 cells")
    wait_for(lambda: translator.requests_to("/v1/messages"), what="Claude's first request")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    stderr = proc.stderr.read().decode()
    assert "stopped: 8 of 16 cells finished and kept" in stderr and "alonchat eval resume 1" in stderr
    assert "Traceback" not in stderr
    printed = lines(proc.stdout.read())
    assert len(printed) == 8 and {x["model"] for x in printed} == {GPT}
    before = {c.id: c.usage_id for c in cells() if c.state == "done"}
    assert [r.status for r in ledger()].count("cancelled") == 1  # Claude's held call, recorded once

    gate.set()
    resumed = run("eval", "resume", "1", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming 8 of 16 cells" in resumed.stderr.decode()
    assert len([x for x in lines(resumed.stdout) if x["kind"] == "cell"]) == 8
    after = cells()
    assert all(c.state == "done" and c.status == "ok" for c in after)
    assert all(c.usage_id == before[c.id] for c in after if c.id in before)
    ok_rows = [r for r in ledger() if r.status == "ok"]
    assert len(ok_rows) == 16 and sorted(r.id for r in ok_rows) == sorted(c.usage_id for c in after)
    assert len(ledger()) == 17  # 16 answers and the one cancelled call: nothing recorded twice


def test_two_processes_resuming_one_run_never_run_a_cell_twice(translator):
    translator.script(GPT, delay=0.02)
    translator.script(CLAUDE, delay=0.02)
    test_set = sets.save(SetDraft("phrases", [Prompt(user="Translate to French: {{text}}")],
                                  [Case(vars={"text": t}) for t in TRANSLATIONS]))
    created = runs.create(plan.make(test_set, [Pane(GPT), Pane(CLAUDE)], repeats=5), concurrency=2)
    first = start("eval", "resume", str(created.id), "--json")
    second = start("eval", "resume", str(created.id), "--json")
    out_a, err_a = first.communicate(timeout=180)
    out_b, err_b = second.communicate(timeout=180)
    assert first.returncode == 0 and second.returncode == 0, (err_a, err_b)
    printed = [x for x in lines(out_a) + lines(out_b) if x["kind"] == "cell"]
    assert len(printed) == 40  # each cell printed by exactly one of them
    assert len({(x["case"], x["pane"], x["repeat"]) for x in printed}) == 40
    stored = cells()
    assert all(c.state == "done" for c in stored) and len({c.usage_id for c in stored}) == 40
    assert len(ledger()) == 40 and len(translator.requests) == 40


def test_resume_with_concurrency_stores_the_new_limits_on_the_run(translator):
    test_set = sets.save(SetDraft("phrases", [Prompt(user="Translate to French: {{text}}")],
                                  [Case(vars={"text": t}) for t in TRANSLATIONS]))
    created = runs.create(plan.make(test_set, [Pane(GPT)]), concurrency=2)
    done = run("eval", "resume", str(created.id), "--concurrency", "openai=5", "--concurrency", "3", "--json")
    assert done.returncode == 0, done.stderr
    assert runs.get(created.id).concurrency == {"openai": 5, "*": 3}
    assert all(c.state == "done" for c in cells()) and len(cells()) == 4


def test_sets_runs_show_compare_export_and_import_from_the_command_line(translator, tmp_path):
    cases = tmp_path / "phrases.csv"
    cases.write_text("text,__expected\nHello,icontains:bonjour\nThank you,icontains:merci\n")
    made = run("eval", "set", "import", str(cases), "--prompt", "Translate to French: {{text}}",
               "--check", "not-icontains:sorry")
    assert made.returncode == 0, made.stderr
    assert "saved phrases@1: 2 cases" in made.stderr.decode()
    exported = run("eval", "set", "export", "phrases")
    assert exported.stdout.decode() == cases.read_text()
    listed = run("eval", "set", "list", "--json")
    assert lines(listed.stdout)[0]["name"] == "phrases"
    assert run("eval", "run", "phrases").returncode == 2  # a set names no models
    first = run("eval", "run", "phrases", "-m", GPT, "--csv")
    assert first.returncode == 0, first.stderr
    rows = first.stdout.decode().splitlines()
    assert rows[0] == "case,prompt,model,pane,repeat,pass,score,output,cost_usd,latency_ms,ttft_ms,status,error"
    assert len(rows) == 3 and "Run 1" in first.stderr.decode()
    translator.responder = Answers({**TRANSLATIONS, "Thank you": "Merci"})
    second = run("eval", "run", "phrases", "-m", GPT)
    assert second.returncode == 0
    assert "50.0%" in first.stderr.decode() and "100.0%" in second.stdout.decode()
    compared = run("eval", "compare", "1", "2", "--json")
    doc = json.loads(compared.stdout)
    assert [(f["case"], f["direction"]) for f in doc["flips"]] == [(2, "fixed")]
    assert doc["panes"][0]["pass_rate_change"] == 0.5
    listed = run("eval", "runs", "--json")
    assert [x["id"] for x in lines(listed.stdout)] == [2, 1]
    shown = run("eval", "show", "1", "--json")
    assert lines(shown.stdout)[0]["passed"] == 1
    every = lines(run("eval", "show", "1", "--json", "--cells").stdout)
    assert [(x["kind"], x.get("case"), x.get("pass")) for x in every] == [("cell", 1, True), ("cell", 2, False),
                                                                          ("pane", None, None)]
    out = tmp_path / "run1.json"
    assert run("eval", "export", "1", "-o", str(out)).returncode == 0
    imported = run("eval", "import", str(out))
    assert imported.returncode == 0 and "imported as run 3" in imported.stderr.decode()
    assert lines(run("eval", "show", "3", "--json").stdout) == lines(shown.stdout)
    assert run("eval", "stop", "1").returncode == 0
