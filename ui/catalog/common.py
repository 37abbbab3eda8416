"""What every catalog tab shares: one-shot messages across reruns, error lists, price cells, confirmations."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import streamlit as st

from alonchat.catalog.models import ModelInput
from alonchat.core.errors import AlonChatError

FLASH = "cat_flash"
CONFIRM = "cat_confirm"  # (button key, target) of the destructive action waiting for "Yes"


def flash(where: str, kind: str, text: str) -> None:
    """Queue a message for the tab `where` on the next run (callbacks run before the page draws)."""
    st.session_state.setdefault(FLASH, {}).setdefault(where, []).append((kind, text))


@contextmanager
def errors_to(where: str):
    """Run a callback's action; an engine error becomes the tab's error message, never a traceback."""
    try:
        yield
    except AlonChatError as e:
        flash(where, "error", str(e))


def show_flash(where: str) -> None:
    """Show the tab's queued messages at its top, where the user is looking."""
    icons = {"success": ":material/check_circle:", "error": ":material/error:", "warning": ":material/warning:",
             "info": ":material/info:"}
    for kind, text in st.session_state.get(FLASH, {}).pop(where, []):
        getattr(st, kind)(text, icon=icons.get(kind))


def label(field: str) -> str:
    info = ModelInput.model_fields.get(field)
    return info.title if info is not None and info.title else field.replace("_", " ").capitalize()


def error_list(errors: dict[str, str], *, keyed: bool = False) -> str:
    """Markdown bullets, one per problem. Field messages already name their field; `keyed` prefixes
    the key instead (a model name for table edits, 'row N' for imports)."""
    return "\n".join(f"- **{k}**: {m}" if keyed and k else f"- {m}" for k, m in errors.items())


def price_text(value: Decimal | float | None) -> str:
    """A price per 1M tokens as people read it; unknown is 'unpriced', never $0."""
    if value is None:
        return "unpriced"
    return f"${Decimal(str(value)).normalize():f}"


def help_of(field: str) -> str:
    return ModelInput.model_fields[field].description or ""


def ask(key: str, target: str) -> None:
    """The first click of a destructive action (button `key` on `target`) only asks; `confirm` shows it."""
    st.session_state[CONFIRM] = (key, target)


def confirm(key: str, target: str, question: str, yes: str, on_yes) -> None:
    """The one confirm-before-delete box: the question, then "Yes, …" (runs `on_yes(target)`) or Cancel."""
    if st.session_state.get(CONFIRM) != (key, target):
        return

    def _yes() -> None:
        st.session_state.pop(CONFIRM, None)
        on_yes(target)

    with st.container(border=True):
        st.warning(question, icon=":material/warning:")
        ok, cancel, _ = st.columns([1, 1, 3])
        ok.button(yes, key=f"{key}_yes", type="primary", on_click=_yes)
        cancel.button("Cancel", key=f"{key}_no", on_click=lambda: st.session_state.pop(CONFIRM, None))
