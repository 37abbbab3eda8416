"""The playground under AppTest: open it, pick panes, send, read the answers (shared by the playground page tests)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from alonchat.storage.engine import session
from alonchat.storage.tables import UsageRecord

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def usage_rows():
    with session() as s:
        return list(s.scalars(select(UsageRecord).order_by(UsageRecord.id)))


def open_playground() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/playground.py").run()
    assert not at.exception, at.exception
    return at


def pane_ids(at: AppTest) -> list[int]:
    return [p["id"] for p in at.session_state["pg_panes"]]


def pick(at: AppTest, *models: str) -> AppTest:
    """Replace the panes with one pane per model (the same model may come twice)."""
    for pid in pane_ids(at):
        at.button(key=f"pg_rm_{pid}").click().run()
    for model in models:
        at.selectbox(key="pg_add_model").set_value(model).run()
        assert not at.exception, at.exception
    assert [p["model"] for p in at.session_state["pg_panes"]] == list(models)
    return at


def send(at: AppTest, prompt: str) -> AppTest:
    at.chat_input(key="pg_composer").set_value(prompt).run()
    assert not at.exception, at.exception
    return at


def answers(at: AppTest) -> list[str]:
    """The text of every assistant message, in pane order."""
    return ["\n".join(m.value for m in cm.markdown) for cm in at.chat_message if cm.name == "assistant"]
