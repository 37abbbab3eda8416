"""The playground's session state: its keys, the panes (a model plus its settings) and their callbacks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import streamlit as st

from alonchat import conversations
from alonchat.access import identity
from alonchat.calls.inputs import Accepts, accepts
from alonchat.catalog import lookup
from alonchat.catalog import models as catalog
from alonchat.catalog.models import ModelSpec
from alonchat.core import errors
from alonchat.providers.registry import registry
from ui import query
from ui import safe_markdown as md
from ui.playground import settings

# --- session-state keys (one name each; widgets and callbacks use these, never string literals) ----------
MAX_PANES = 6
URL_PANES_READ = 24  # a link's ?p= values read at most (a crafted one may carry thousands)
PANES = "pg_panes"  # list[dict]: {"id": int, "model": str}; settings live in the widget keys of settings.py
NEXT_ID = "pg_next_pane_id"  # pane ids are never reused, so a pane's widgets and history stay its own
ADD = "pg_add_model"  # the "Add a pane" picker
CONV = "pg_conversation"
COMPOSER = "pg_composer"  # st.chat_input
PENDING = "pg_pending"  # what the next script run sends: {"kind": "send"|"retry"|"continue", ...}
NOTICE = "pg_notice"
LIVE = "pg_live"  # the send streaming right now (live.LiveSend): it outlives reruns
SKIPPED = "pg_skipped"  # pane id -> why the last send skipped it
URL_READ = "pg_url_read"
URL_NOTICE = "pg_url_notice"  # what the link asked for that was dropped, and why (shown once)
LINK_SYSTEM = "pg_link_system"  # pane id -> the system prompt a link set there, until the reader accepts or removes it
HELD = "pg_held"  # a send waiting for the reader to decide on the link's system prompt
PER_PANE = "pg_per_pane"


@dataclass
class ModelChoice:
    """A catalog model as the picker shows it: what it accepts, and what its provider still needs."""

    spec: ModelSpec
    accepts: Accepts  # what the engine says it takes (reasoning, images, PDFs) and which options it never sends
    missing_env: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        text = f"{self.spec.name} · {self.spec.provider}"  # catalog names, as the CLI takes them
        return text + (f"  (set {' or '.join(self.missing_env)})" if self.missing_env else "")

    @property
    def reasons(self) -> bool:
        return self.accepts.reasoning


def choices() -> dict[str, ModelChoice]:
    """Every active model, keyed by name, marked when its provider is not configured."""
    out = {}
    for spec in catalog.list_models(active_only=True):
        ignored: Mapping[str, str] = {}
        try:
            provider = registry.get(spec.provider)
            missing, ignored = provider.missing_env_vars(), provider.ignored_options
        except errors.AlonChatError as e:  # e.g. a deleted endpoint still named by a model
            missing = [str(e)]
        out[spec.name] = ModelChoice(spec, accepts(spec, ignored), missing)
    return out


def panes() -> list[dict]:
    return st.session_state[PANES]


def pane_by_id(pane_id: int) -> dict | None:
    return next((p for p in panes() if p["id"] == pane_id), None)


def init(models: dict[str, ModelChoice]) -> None:
    """Defaults for a fresh session: one pane on the keyless echo model, so a new install can chat at once."""
    ss = st.session_state
    ss.setdefault(NEXT_ID, 0)
    ss.setdefault(CONV, None)
    ss.setdefault(SKIPPED, {})
    if PANES not in ss:
        ss[PANES] = []
        first = "echo" if "echo" in models else next(iter(models), None)
        if first is not None:
            new_pane(first)
    else:  # a model deactivated meanwhile drops out instead of breaking the page
        ss[PANES] = [p for p in ss[PANES] if p["model"] in models][:MAX_PANES]


def new_pane(model: str, values: dict | None = None, pane_id: int | None = None) -> dict | None:
    """Append a pane for `model` with these per-pane settings; None when the page is full."""
    ss = st.session_state
    if len(ss[PANES]) >= MAX_PANES:
        ss[NOTICE] = ("warning", f"Up to {MAX_PANES} panes side by side; remove one first.")
        return None
    if pane_id is None or any(p["id"] == pane_id for p in ss[PANES]):
        pane_id = ss[NEXT_ID]
    pane = {"id": pane_id, "model": model}
    ss[NEXT_ID] = max(ss[NEXT_ID], pane_id) + 1
    settings.preset(pane["id"], values or {})
    ss[PANES] = [*ss[PANES], pane]
    return pane


# --- callbacks (run before the script, so they may set widget keys) ---------
def add_from_picker() -> None:
    model = st.session_state.get(ADD)
    if model:
        new_pane(model)
    st.session_state[ADD] = None


def remove_pane(pane_id: int) -> None:
    st.session_state[PANES] = [p for p in panes() if p["id"] != pane_id]


def duplicate_pane(pane_id: int) -> None:
    """The same model again, with the same settings to start from: change one and compare."""
    pane = pane_by_id(pane_id)
    if pane is not None:
        new_pane(pane["model"], settings.overrides(pane_id))


def change_model(pane_id: int, key: str) -> None:
    """The pane's model switched in place: its turns and settings stay, and a max tokens above the new model's
    limit is lowered to it (as the pane's own setting, the other panes keep theirs), in one line that says so."""
    pane, model = pane_by_id(pane_id), st.session_state.get(key)
    if pane is None or not model:
        return
    pane["model"] = model
    asked = settings.effective(pane_id).get("max_tokens")
    try:
        most = lookup.resolve(model).max_tokens
    except errors.AlonChatError:  # gone meanwhile: the page says so when it draws the pane
        return
    if asked is not None and most and asked > most:
        st.session_state[settings.key("max_tokens", pane_id)] = most
        st.session_state[NOTICE] = ("toast", f"Max tokens lowered to {most:,}, {md.plain(model)}'s limit.")


def submit() -> None:
    """Enter in the composer: queue the prompt (and its files) for this script run to send."""
    value = st.session_state.get(COMPOSER)
    if value is None:
        return
    text = value if isinstance(value, str) else (value.text or "")
    files = [] if isinstance(value, str) else list(getattr(value, "files", None) or [])
    if not text.strip() and not files:
        st.session_state[NOTICE] = ("warning", "Write a prompt first.")
        return
    st.session_state[PENDING] = {"kind": "send", "text": text, "files": [
        {"name": f.name, "media_type": f.type, "data": f.getvalue()} for f in files]}


def edit_prompt(prompt_id: int, key: str) -> None:
    """"Send to every pane" under an edited earlier prompt: queue it (it goes into a copy of the conversation)."""
    text = st.session_state.get(key) or ""
    if not text.strip():
        st.session_state[NOTICE] = ("warning", "Write the prompt first: the edited prompt is empty.")
        return
    st.session_state[PENDING] = {"kind": "edit", "prompt": prompt_id, "text": text}


def retry(pane_id: int) -> None:
    st.session_state[PENDING] = {"kind": "retry", "pane": pane_id}


def continue_answer(pane_id: int) -> None:
    st.session_state[PENDING] = {"kind": "continue", "pane": pane_id}


def live():
    """The send streaming now (live.LiveSend), or None."""
    return st.session_state.get(LIVE)


def stop_all() -> None:
    sending = live()
    if sending is not None:
        sending.run.stop()  # waits (briefly) until the cancelled answers are saved
    st.session_state[NOTICE] = ("warning", "Stopped. The running answers were cancelled and saved as cancelled.")


def stop_pane(pane_id: int) -> None:
    sending = live()
    if sending is not None:
        sending.stop_pane(pane_id)


def new_chat() -> None:
    stop_all()
    st.session_state.pop(NOTICE, None)
    st.session_state[CONV] = None
    st.session_state[SKIPPED] = {}


def open_conversation(conversation_id: int) -> None:
    try:
        view = conversations.load(conversation_id, identity.current_user())
    except errors.ValidationError as e:
        st.session_state[NOTICE] = ("error", str(e))
        return
    sending = live()
    if sending is not None:
        sending.run.stop()
    st.session_state[CONV] = view.id
    st.session_state[SKIPPED] = {}
    reopen(view)


def reopen(view) -> None:
    """The panes of the conversation's last send, each with its own number (which keeps its history apart), its
    model and its settings, in their order (a model no longer in the catalog drops out in `init`)."""
    layout = view.panes[:MAX_PANES]
    if not layout:
        return
    st.session_state[PANES] = [{"id": p.pane, "model": p.model} for p in layout]
    st.session_state[NEXT_ID] = max(st.session_state[NEXT_ID], max(p.pane for p in layout) + 1)
    if view.saved:  # older conversations kept no settings: the page's stay as they are
        settings.restore({p.pane: p.settings for p in layout})


def continue_with(pane_id: int) -> None:
    """Turn a compare into a normal chat: keep the conversation, keep only the winner's pane."""
    pane = pane_by_id(pane_id)
    if pane is None:
        return
    st.session_state[PANES] = [pane]
    st.session_state[NOTICE] = ("info", f"Continuing with **{md.plain(pane['model'])}**; its pane keeps its history.")


def current_view(user: str):
    """The open conversation, or None (also when it was deleted elsewhere)."""
    cid = st.session_state.get(CONV)
    if cid is None:
        return None
    try:
        return conversations.load(cid, user)
    except errors.ValidationError:
        st.session_state[CONV] = None
        return None


def budget_check(user: str):
    """The budget level before sending (None when budgets are not available in this install)."""
    try:
        from alonchat.usage import budgets
    except ImportError:
        return None
    return budgets.check(user)


# --- the URL: ?c=<conversation>&p=<pane>&p=<pane>..., so a compare can be shared and reopened -------------
def read_url(models: dict[str, ModelChoice]) -> None:
    """Once per session: ?p= sets the panes (models and settings), ?c= reopens that conversation.

    A link may be crafted: whatever in it can't be used is dropped, and the page says what and why (URL_NOTICE).
    """
    ss = st.session_state
    if ss.get(URL_READ):
        return
    ss[URL_READ] = True
    dropped = query.Dropped()
    raw = st.query_params.get("c")
    cid = query.row_id(raw)
    if raw and cid is None:
        dropped.add(f"{query.quoted(raw)} is not a conversation number")
    if ss.get(CONV) is None and cid is not None:
        open_conversation(cid)
    # The reader's own conversation's system prompts (its owner's, from the database) are not the link's.
    own = {p["id"]: settings.effective(p["id"]).get("system") for p in panes()} if ss.get(CONV) is not None else {}
    wanted, values_in_link = [], st.query_params.get_all("p")
    if len(values_in_link) > URL_PANES_READ:
        dropped.add(f"{len(values_in_link):,} panes: the page holds {MAX_PANES}, so the first {MAX_PANES} were opened")
    for value in values_in_link[:URL_PANES_READ]:
        pane_id, model, values = settings.parse_pane(value, dropped)
        if model not in models:
            dropped.add(f"model {query.quoted(model)} is not in the catalog (or is switched off)")
        else:
            wanted.append((pane_id, model, values))
    if len(wanted) > MAX_PANES and len(values_in_link) <= URL_PANES_READ:
        dropped.add(f"{len(wanted)} panes: the page holds {MAX_PANES}, so the first {MAX_PANES} were opened")
    if wanted:
        ss[PANES] = []
        linked = {}
        for pane_id, model, values in wanted[:MAX_PANES]:
            pane = new_pane(model, values, pane_id)
            if pane is not None and str(values.get("system") or "").strip() and \
                    own.get(pane["id"]) != values["system"]:
                linked[pane["id"]] = values["system"]
        ss[LINK_SYSTEM] = linked  # shown in full, and asked about before it is first sent
    ss[URL_NOTICE] = dropped.notice()


# --- a system prompt a link brings: shown in full, and sent only once the reader said so -----------------
def link_systems() -> dict[int, str]:
    """The link's system prompts still waiting for the reader, by pane: those the reader kept as they came."""
    ss = st.session_state
    waiting = {pid: text for pid, text in (ss.get(LINK_SYSTEM) or {}).items()
               if pane_by_id(pid) is not None and settings.effective(pid).get("system") == text}
    ss[LINK_SYSTEM] = waiting  # a pane removed, or its system prompt rewritten by the reader, is theirs now
    return waiting


def accept_link_system() -> None:
    """Keep the link's system prompts, and send what was waiting for this answer."""
    st.session_state[LINK_SYSTEM] = {}
    held = st.session_state.pop(HELD, None)
    if held is not None:
        st.session_state[PENDING] = held


def remove_link_system() -> None:
    """Drop the link's system prompts from their panes, and send what was waiting without them."""
    for pane_id in (st.session_state.get(LINK_SYSTEM) or {}):
        st.session_state[settings.key("system", pane_id)] = ""
    accept_link_system()
    st.session_state[NOTICE] = ("info", "The link's system prompt was removed: those panes use the shared one, "
                                        "if any.")


def write_url(view) -> None:
    """Keep the URL in step with the page: the conversation and every pane's model and effective settings."""
    wanted = {"c": [str(view.id)] if view is not None else [],
              "p": [settings.format_pane(p["id"], p["model"], settings.effective(p["id"])) for p in panes()]}
    for key, values in wanted.items():
        if st.query_params.get_all(key) != values:
            if values:
                st.query_params[key] = values
            elif key in st.query_params:
                del st.query_params[key]
