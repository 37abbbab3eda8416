"""The playground's session state: keys, button callbacks, per-pane options, validation and estimates."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import annotated_types
import streamlit as st

from alonchat import conversations, errors, identity
from alonchat.catalog import models as catalog
from alonchat.catalog.models import ModelSpec
from alonchat.core import ChatOptions
from alonchat.registry import registry
from alonchat.service import ai_service

MAX_PANES = 6
MODELS = "pg_models"
CONV = "pg_conversation"
PROMPT = "pg_prompt"
PENDING = "pg_pending"
PER_PANE = "pg_per_pane"
NOTICE = "pg_notice"
OPTION_FIELDS = ("system", "temperature", "max_tokens", "cache_prompt")


@dataclass
class ModelChoice:
    """A catalog model as the picker shows it, with what its provider still needs."""

    spec: ModelSpec
    missing_env: list[str] = field(default_factory=list)
    ignored_options: frozenset[str] = frozenset()  # options its provider's API refuses, so never sent

    @property
    def label(self) -> str:
        text = f"{self.spec.name} · {self.spec.provider}"  # catalog names, as the CLI takes them
        return text + (f"  (set {' or '.join(self.missing_env)})" if self.missing_env else "")


def choices() -> dict[str, ModelChoice]:
    """Every active model, keyed by name, marked when its provider is not configured."""
    out = {}
    for spec in catalog.list_models(active_only=True):
        ignored: frozenset[str] = frozenset()
        try:
            provider = registry.get(spec.provider)
            missing, ignored = provider.missing_env_vars(), provider.ignored_options
        except errors.AlonChatError as e:  # e.g. a deleted endpoint still named by a model
            missing = [str(e)]
        out[spec.name] = ModelChoice(spec, missing, ignored)
    return out


def init(models: dict[str, ModelChoice]) -> None:
    """Defaults for a fresh session: the keyless echo model, so a new install can chat at once."""
    ss = st.session_state
    if MODELS not in ss:
        ss[MODELS] = ["echo"] if "echo" in models else list(models)[:1]
    else:  # a model deactivated meanwhile drops out instead of breaking the widget
        ss[MODELS] = [m for m in ss[MODELS] if m in models][:MAX_PANES]
    ss.setdefault(CONV, None)
    ss.setdefault(PER_PANE, False)


# --- callbacks (run before the script, so they may set widget keys) ---------
def submit() -> None:
    prompt = st.session_state.get(PROMPT) or ""
    if not prompt.strip():
        st.session_state[NOTICE] = ("warning", "Write a prompt first.")
        return
    st.session_state[PENDING] = prompt
    st.session_state[PROMPT] = ""


def new_chat() -> None:
    st.session_state[CONV] = None
    st.session_state[PROMPT] = ""


def open_conversation(conversation_id: int) -> None:
    try:
        view = conversations.load(conversation_id, identity.current_user())
    except errors.ValidationError as e:
        st.session_state[NOTICE] = ("error", str(e))
        return
    st.session_state[CONV] = view.id
    if view.layout:
        st.session_state[MODELS] = view.layout[:MAX_PANES]


def continue_with(model: str) -> None:
    """Turn a compare into a normal chat: keep the conversation, keep only the winner's pane."""
    st.session_state[MODELS] = [model]
    st.session_state[NOTICE] = ("info", f"Continuing with **{model}**; its pane keeps its history.")


def stopped() -> None:
    st.session_state[NOTICE] = ("warning", "Stopped. The running answers were cancelled "
                                           "and saved as cancelled.")


# --- options ---------------------------------------------------------------
def bounds(name: str) -> tuple[float | None, float | None]:
    """Widget bounds straight from ChatOptions' Field(ge=, le=), so the form and the engine agree."""
    lo = hi = None
    for m in ChatOptions.model_fields[name].metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Le):
            hi = m.le
    return lo, hi


def option_key(name: str, model: str | None = None) -> str:
    return f"pg_opt_{name}" if model is None else f"pg_opt_{name}__{model}"


def options_for(model: str) -> dict:
    """The options one pane sends: its own when per-pane settings are on, else the shared ones."""
    ss = st.session_state
    per_pane = ss.get(PER_PANE)
    out = {}
    for name in OPTION_FIELDS:
        key = option_key(name, model) if per_pane else option_key(name)
        value = ss.get(key, ss.get(option_key(name)))
        if name == "system":
            value = (value or "").strip() or None
        if value is not None:
            out[name] = value
    return out


def validate(models: list[str], probe: str = "·") -> dict[str, str]:
    """Each pane's option errors against its model's limits (pane -> message); empty when all is well."""
    problems = {}
    for model in models:
        try:
            ai_service.prepare(model, [{"role": "user", "content": probe}], **options_for(model))
        except errors.ValidationError as e:
            problems[model] = "; ".join(f"{k.replace('_', ' ')}: {v}" if k else v
                                        for k, v in e.errors.items())
        except errors.AlonChatError as e:
            problems[model] = str(e)
    return problems


def estimates(models: list[str], view, prompt: str) -> dict[str, Decimal | None]:
    """Estimated input cost of sending `prompt` (with each pane's history) to each model."""
    out = {}
    for model in models:
        history = view.history(model) if view is not None else []
        try:
            out[model] = ai_service.estimate(model, history + [{"role": "user", "content": prompt}],
                                             **options_for(model))
        except errors.AlonChatError:
            out[model] = None  # the pane shows the validation error itself
    return out


def budget_check(user: str):
    """The budget level before sending (None when budgets are not available in this install)."""
    try:
        from alonchat.usage import budgets
    except ImportError:
        return None
    return budgets.check(user)


def read_url() -> None:
    """Once per session, ?c=<id> reopens that conversation (a reload or a shared link)."""
    ss = st.session_state
    if ss.get("pg_url_read"):
        return
    ss["pg_url_read"] = True
    cid = st.query_params.get("c")
    if ss.get(CONV) is None and cid and cid.isdigit():
        open_conversation(int(cid))


def write_url(view) -> None:
    wanted = str(view.id) if view is not None else None
    if st.query_params.get("c") != wanted:
        if wanted is None:
            del st.query_params["c"]
        else:
            st.query_params["c"] = wanted


ACTIVE_RUN = "pg_active_run"


def stop_previous_run() -> None:
    """Cancel a run an earlier script run left streaming, and wait until its answers are saved.

    With Streamlit's fast reruns a click starts a new script run at once while the old one is
    still draining; the old one stops only at its next yield point. Stopping here first means
    this run renders the cancelled answers from the database instead of racing their writes.
    """
    run = st.session_state.pop(ACTIVE_RUN, None)
    if run is not None and not run.finished:
        run.stop()


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


def prepare_send(prompt: str, models: list[str], view, user: str):
    """Validate, store the prompt in every pane and return the run to stream (None, errors) on bad input."""
    from alonchat.parallel import PaneRequest, ParallelRun

    if not models:
        return None, {"": "Pick at least one model to send to."}
    problems = validate(models, prompt)
    if problems:
        return None, problems
    check = budget_check(user)
    if check is not None and check.level == "hard":
        return None, {"": check.message}
    requests = [PaneRequest(m, (view.history(m) if view else []) + [{"role": "user", "content": prompt}],
                            options_for(m)) for m in models]
    cid = view.id if view is not None else conversations.create(conversations.title_from(prompt), user)
    st.session_state[CONV] = cid
    conversations.add_prompt(cid, models, prompt)

    def store(pane: int, result) -> None:  # runs in the pane's worker, so a cancelled answer is saved too
        conversations.add_answer(cid, pane, result)

    run = ParallelRun(requests, user=user, conversation_id=cid, on_result=store)
    st.session_state[ACTIVE_RUN] = run
    return run, {}
