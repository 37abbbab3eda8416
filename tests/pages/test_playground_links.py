"""Crafted links: whatever a playground or Evaluate URL carries, the page opens and says what it dropped (#21.5)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.playground import APP

DEEP = "[" * 3000 + "]" * 3000


def opened(page: str, **params: str | list[str]) -> AppTest:
    """A fresh session opening `page` by a link with these query values; no run may end in a traceback."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()  # the default page (the playground) reads the link on the session's first run
    assert not at.exception, at.exception[0].stack_trace[-3:]
    if page != "pages/playground.py":
        at.switch_page(page).run()
        assert not at.exception, at.exception[0].stack_trace[-3:]
    return at


def warnings(at: AppTest) -> str:
    return "\n".join(w.value for w in at.warning)


def panes(at: AppTest) -> list[tuple[int, str]]:
    return [(p["id"], p["model"]) for p in at.session_state["pg_panes"]]


@pytest.mark.parametrize(("params", "says"), [
    ({"p": "²:echo"}, "pane number '²' is not a number"),
    ({"p": "٣:echo"}, "pane number '٣' is not a number"),
    ({"p": "99999999999999999999999:echo"}, "pane number '99999999999999999999999' is not a number"),
    ({"c": "²"}, "'²' is not a conversation number"),
    ({"c": "99999999999999999999999999"}, "'99999999999999999999999999' is not a conversation number"),
    ({"c": "-1"}, "'-1' is not a conversation number"),
    ({"p": "0:echo|json_schema=" + DEEP}, "nests 3,000 levels deep (at most 32)"),
    ({"p": "0:echo|json_schema={not json"}, "is not JSON"),
    ({"p": "0:echo|temperature=1e999"}, "Temperature '1e999' is out of range (from 0 to 2)"),
    ({"p": "0:echo|temperature=nan"}, "Temperature 'nan' is not a number"),
    ({"p": "0:echo|max_tokens=" + "9" * 5000}, "Max tokens '99999"),
    ({"p": "0:echo|seed=٣"}, "Seed '٣' is not a whole number"),
    ({"p": "0:echo|reasoning_effort=extreme"}, "Reasoning effort 'extreme' is not one of"),
    ({"p": "0:echo|cache_prompt=forever"}, "'forever' is not one of 5m, 1h"),
    ({"p": "0:echo|system=" + "x" * 100_001}, "is longer than 100,000 characters"),
    ({"p": "0:echo|colour=red"}, "'colour' is not a setting the playground has"),
    ({"p": "0:no-such-model"}, "model 'no-such-model' is not in the catalog"),
    ({"c": "![x](http://127.0.0.1:9/leak.png)"}, "'\\!\\[x\\](http\\://127.0.0.1\\:9/leak.png)' is not a conv"),
    ({"p": [f"{i}:echo" for i in range(8)]}, "8 panes: the page holds 6"),
    ({"p": [f"{i}:echo|x{i}=1" for i in range(900)]}, "900 panes: the page holds 6"),  # Streamlit drops >1,000
])
def test_a_crafted_playground_link_opens_the_page_and_names_what_it_dropped(params, says):
    at = opened("pages/playground.py", **params)
    assert says in warnings(at), warnings(at)
    assert "Part of this link was ignored" in warnings(at)
    assert panes(at), "the page still has a pane to chat in"
    assert len(panes(at)) <= 6
    assert warnings(at).count("\n- ") <= 11  # ten reasons at most, then how many more
    at.run()  # the next rerun (any click) works too, and the notice was shown once
    assert not at.exception, at.exception[0].stack_trace[-3:]
    assert says not in warnings(at)


def test_what_a_link_gets_right_is_kept_beside_what_it_gets_wrong():
    at = opened("pages/playground.py", p=["²:echo|temperature=0.4|max_tokens=1e9|seed=7", "3:echo|top_p=2"])
    assert [m for _, m in panes(at)] == ["echo", "echo"]
    assert panes(at)[1][0] == 3  # a readable pane number is kept
    first, second = (p["id"] for p in at.session_state["pg_panes"])
    assert at.session_state[f"pg_opt_temperature__p{first}"] == 0.4
    assert at.session_state[f"pg_opt_seed__p{first}"] == 7
    assert at.session_state[f"pg_opt_max_tokens__p{first}"] is None  # its widget is drawn blank
    assert at.session_state[f"pg_opt_top_p__p{second}"] is None
    said = warnings(at)
    assert "Max tokens '1e9' is not a whole number" in said and "Top p '2' is out of range (from 0 to 1)" in said


def test_a_deep_json_schema_typed_in_the_form_is_a_pane_problem_not_a_crash():
    at = opened("pages/playground.py")
    at.text_area(key="pg_opt_json_schema").set_value(DEEP).run()
    assert not at.exception, at.exception[0].stack_trace[-3:]
    assert any("nests 3,000 levels deep (at most 32)" in e.value for e in at.error)


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999999999999", "1e3", "-4"])
def test_a_crafted_evaluate_link_opens_the_list_and_names_what_it_dropped(value):
    at = opened("pages/evaluate.py", run=value)
    assert f"{value}' is not a run number" in warnings(at)
    assert "run" not in at.query_params  # dropped from the URL, so a rerun does not say it again
    assert [t.value for t in at.title] == ["Evaluate"]
