"""The Evaluate page under AppTest: build a set, run it over two panes, read the results; budgets; panes carried
over from the playground; members and admins."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from alonchat.access import identity, teams
from alonchat.evals import plan, runs, sets
from alonchat.evals.panes import Pane
from alonchat.evals.sets import Case, SetDraft
from alonchat.evals.templates import Prompt
from alonchat.usage import budgets
from tests.support import app_pages
from tests.support.cli_process import wait_for

APP = app_pages.APP


def page(user: dict | None = None) -> AppTest:
    return app_pages.open_page("pages/evaluate.py", user)


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
                     + [w.value for w in at.warning] + [s.value for s in at.success])


def build_set(at: AppTest) -> None:
    """A two-case set typed into the editor: the starter row changed, one row added."""
    at.text_input(key="ev_name").set_value("echoes")
    at.text_area(key="ev_prompt_user_0").set_value("Please repeat: {{question}}")
    at.session_state["ev_cases"] = {
        "edited_rows": {0: {"question": "the word France", "__expected": "icontains:france"}},
        "added_rows": [{"question": "blue sky", "__expected": "icontains:sky"}], "deleted_rows": []}
    at.run()


def test_build_a_set_run_it_over_two_panes_and_open_a_case():
    at = page()
    build_set(at)
    at.selectbox(key="ev_add_pane").set_value("echo").run()
    at.number_input(key="ev_opt_max_tokens__p1").set_value(4).run()  # too short to repeat the question
    assert "4 calls" in texts(at) and "Start saves the set's changes as a new version first" in texts(at)
    at.button(key="ev_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [summary] = sets.list_sets()
    assert (summary.name, summary.version, summary.case_count) == ("echoes", 1, 2)
    assert at.query_params["run"] in ("1", ["1"])
    wait_for(lambda: runs.progress(1).status == "done", timeout=60, what="the run to finish")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "**4 of 4 cells**" in shown and ":green-badge[done]" in shown
    table = at.dataframe[0].value  # the per-pane summary comes first
    assert [r.split(" (")[0] for r in table["pass rate (95% CI)"]] == ["100.0%", "0.0%"]
    assert list(table["passed"]) == ["2/2", "0/2"] and table["pane"][0].startswith("★ 1. echo")
    speed = at.dataframe[1].value  # latency, first token, tokens and cost
    assert all(v.endswith(" ms") for v in speed["latency p50 / p95"]) and list(speed["cost"]) == ["$0.00"] * 2
    matrix = at.dataframe(key="ev_matrix").value
    assert [c for c in matrix.columns][:1] == ["case"] and matrix.iloc[0, 1].startswith("✓")
    assert matrix.iloc[0, 2].startswith("✗")
    at.selectbox(key="ev_open_pick").set_value((0, 0)).run()
    detail = texts(at)
    assert "**Case 1**" in detail and "icontains \"france\"" in detail
    assert any('you said "Please repeat: the word France"' in t.value for t in at.text)
    assert "does not contain \"france\" (any case)" in detail  # the short pane's verdict, with its reason
    at.segmented_control(key="ev_filter").set_value("differ").run()
    assert len(at.dataframe(key="ev_matrix").value) == 2


def test_a_run_past_a_hard_budget_is_refused_on_the_page(fake_providers):
    budgets.set_budget("0.0000001")
    at = page()
    build_set(at)
    at.selectbox(key="ev_pane_model_0").set_value("gpt-5.4-mini").run()
    assert "would cost at least" in texts(at)
    assert at.button(key="ev_start").disabled
    assert fake_providers.requests == [] and runs.list_runs() == []


def test_the_playground_hands_its_panes_over_with_their_settings():
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.session_state["pg_opt_temperature"] = 0.3  # a shared setting on the playground
    at.run()
    at.button(key="pg_evaluate").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["ev_pane_model_0"] == "echo"
    assert at.session_state["ev_opt_temperature__p0"] == 0.3
    assert any("1 pane(s) carried over" in i.value for i in at.info)


def test_a_setting_a_panes_model_never_gets_says_why_as_the_engine_does():
    at = page()
    at.selectbox(key="ev_add_pane").set_value("gpt-5").run()
    [pane] = [p["id"] for p in at.session_state["ev_panes"]][-1:]
    at.number_input(key=f"ev_opt_reasoning_budget__p{pane}").set_value(2048).run()
    assert not at.exception, at.exception
    assert any(c.value.startswith(":material/info: Not sent to gpt-5: Thinking budget (tokens) (Chat Completions "
                                  "takes a reasoning effort, not a thinking budget; set the effort instead).")
               for c in at.caption), [c.value for c in at.caption]
    # Each setting's help says its own cause, not a generic "not sent".
    budget = at.number_input(key=f"ev_opt_reasoning_budget__p{pane}")
    assert "Not sent to gpt-5: Chat Completions takes a reasoning effort" in budget.help
    assert "Not sent" not in at.number_input(key=f"ev_opt_temperature__p{pane}").help


def test_members_see_their_own_and_their_teams_runs_and_admins_see_all(monkeypatch):
    monkeypatch.setenv("ALONCHAT_ADMINS", "root@corp.example")
    with identity.acting_as(identity.Actor("root@corp.example", True)):
        teams.assign("ana@corp.example", "blue")
        teams.assign("ben@corp.example", "blue")
    made = {}
    for email in ("ana@corp.example", "ben@corp.example", "cy@corp.example"):
        with identity.acting_as(identity.Actor(email, False, signed_in=True)):
            who = email.split("@")[0]
            test_set = sets.save(SetDraft(f"set-{who}", [Prompt(user="Say {{x}}")], [Case(vars={"x": "hi"})]))
            made[email] = runs.create(plan.make(test_set, [Pane("echo")]), name=f"run of {who}").id
    ana = page({"is_logged_in": True, "email": "ana@corp.example"})
    listed = ana.dataframe(key="ev_runs").value
    assert sorted(listed["run"]) == [made["ana@corp.example"], made["ben@corp.example"]]
    ana.query_params["run"] = str(made["cy@corp.example"])
    ana.run()
    assert any("No run 3 that you can see" in e.value for e in ana.error)
    ana.query_params["run"] = str(made["ben@corp.example"])
    ana.run()
    assert "run of ben" in [t.value for t in ana.title][0]
    assert ana.button(key="ev_resume").disabled  # a teammate's run: seen, not driven
    admin = page({"is_logged_in": True, "email": "root@corp.example"})
    assert sorted(admin.dataframe(key="ev_runs").value["run"]) == sorted(made.values())


def test_variants_columns_and_versions_from_the_editor():
    at = page()
    at.text_input(key="ev_name").set_value("greetings")
    at.button(key="ev_prompt_add").click().run()
    at.text_input(key="ev_add_var").set_value("language")
    at.button(key="ev_add_var_go").click().run()
    at.text_area(key="ev_prompt_user_0").set_value("Say {{question}} in {{language}}")
    at.text_area(key="ev_prompt_user_1").set_value("In {{language}}: {{question}}")
    at.session_state["ev_cases"] = {"edited_rows": {0: {"question": "hello", "language": "French",
                                                       "__expected": "icontains:bonjour"}},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="ev_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = sets.get("greetings")
    assert [p.user for p in saved.prompts] == ["Say {{question}} in {{language}}", "In {{language}}: {{question}}"]
    assert saved.columns == ["question", "language", "__expected"] and saved.cases[0].vars["language"] == "French"
    assert any("Saved **greetings@1**" in s.value for s in at.success)
    at.button(key="ev_save").click().run()  # nothing changed: still version 1
    assert any("No changes: **greetings@1**" in s.value for s in at.success)
    at.text_area(key="ev_prompt_user_1").set_value("In {{language}}, please: {{question}}").run()
    at.button(key="ev_save").click().run()
    assert sets.get("greetings").version == 2
    at.selectbox(key="ev_set_pick").set_value("+ New set").run()
    assert at.text_input(key="ev_name").value == "" and at.session_state["ev_draft"]["prompts"] == 1
    at.selectbox(key="ev_set_pick").set_value("greetings").run()
    assert at.session_state["ev_prompt_user_1"] == "In {{language}}, please: {{question}}"
    assert any(":blue-badge[version 2]" in m.value for m in at.markdown)
    at.button(key="ev_prompt_rm_0").click().run()
    assert at.session_state["ev_draft"]["prompts"] == 1
    assert at.session_state["ev_prompt_user_0"] == "In {{language}}, please: {{question}}"
