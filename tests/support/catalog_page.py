"""The catalog page under AppTest: the app opened on it, its tables, its add form, and what a refused write leaves."""

from __future__ import annotations

from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from alonchat.storage.engine import session


def snapshot() -> tuple:
    with session() as s:
        return tuple(tuple(tuple(r) for r in s.execute(text(f"SELECT * FROM {t} ORDER BY id")))
                     for t in ("ai_models", "model_prices", "provider_endpoints"))


def open_catalog() -> AppTest:
    """The app, switched to the catalog page (each test module wraps it in its own `at` fixture)."""
    app = AppTest.from_file("../../app.py", default_timeout=60)
    app.run()
    app.switch_page("pages/catalog.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def frame(at: AppTest, column: str):
    """The table showing `column` (AppTest does not expose a read-only dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def fill(at: AppTest, **fields) -> None:
    for key, value in fields.items():
        widget = at.selectbox(key="add_provider") if key == "provider" else (
            at.text_input(key=f"add_{key}") if key in ("name", "display_name", "model_id") else
            at.number_input(key=f"add_{key}"))
        widget.set_value(value)
    at.run()
