"""What each pane would send (options, problems, estimates) and starting a send, a retry or a continuation."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import streamlit as st

from alonchat import conversations
from alonchat.calls.parallel import PaneRequest, ParallelRun
from alonchat.calls.service import ai_service
from alonchat.core import errors
from ui.playground import settings, state

CONTINUE_PROMPT = "Continue exactly where your previous answer stopped, without repeating it."
PER_WORDS = 100  # the estimate adds this many words' worth of prompt, since the draft is unknown until Enter


@dataclass
class PanePlan:
    """One pane's next call as the page sees it before sending: its options and what is wrong with them."""

    pane: dict
    choice: state.ModelChoice
    values: dict  # the settings as set (shared + the pane's own), for the header and the URL
    options: dict  # the ChatOptions keywords it sends
    problem: str | None = None
    not_sent: list[str] = field(default_factory=list)

    @property
    def model(self) -> str:
        return self.pane["model"]

    @property
    def id(self) -> int:
        return self.pane["id"]


def plan(pane: dict, choice: state.ModelChoice) -> PanePlan:
    values = settings.effective(pane["id"])
    options, problems = settings.to_options(values, reasons=choice.reasons)
    not_sent = sorted(k for k in options if k in choice.ignored_options)
    if not choice.reasons:
        not_sent += [k for k in settings.REASONING if k in values]
    p = PanePlan(pane, choice, values, options, not_sent=not_sent)
    if problems:
        p.problem = "; ".join(problems.values())
    return p


def warm(plans: list[PanePlan]) -> None:
    """Build the panes' SDK clients while the page draws, so Enter sends at once (the first build imports the SDK)."""
    for p in plans:
        if not p.choice.missing_env:
            ai_service.warm(p.choice.spec)


def _message(error: errors.AlonChatError) -> str:
    if isinstance(error, errors.ValidationError):
        return "; ".join(f"{k.replace('_', ' ')}: {v}" if k else v for k, v in error.errors.items())
    return str(error)


def history(view, p: PanePlan) -> list[dict]:
    return view.history(p.model, p.id) if view is not None else []


def check(plans: list[PanePlan], view, prompt: str = "·") -> None:
    """Each pane's settings (and its context) against its model's limits, before anything is sent."""
    for p in plans:
        if p.problem:
            continue
        try:
            ai_service.prepare(p.model, history(view, p) + [{"role": "user", "content": prompt}], **p.options)
        except errors.AlonChatError as e:
            p.problem = _message(e)


def estimate(p: PanePlan, view) -> tuple[Decimal | None, Decimal | None] | None:
    """(input cost before the prompt, cost per PER_WORDS words of prompt), estimated; None for a pane in error."""
    if p.problem:
        return None
    base = history(view, p)
    try:
        before = ai_service.estimate(p.model, base + [{"role": "user", "content": "·"}], **p.options)
        words = ai_service.estimate(p.model, base + [{"role": "user", "content": "word " * PER_WORDS}], **p.options)
    except errors.AlonChatError as e:
        p.problem = _message(e)
        return None
    per = None if before is None or words is None else max(Decimal(0), words - before)
    return before, per


def refusal(p: PanePlan, files: list[dict]) -> str | None:
    """Why this pane's model can't take these attachments (it is skipped, not failed), or None."""
    kinds = {("pdf" if f["media_type"] == "application/pdf" else "image") for f in files}
    missing = [k for k in sorted(kinds) if not p.choice.media.get(k)]
    if not missing:
        return None
    what = " or ".join({"image": "images", "pdf": "PDFs"}[k] for k in missing)
    return f"Skipped: {p.model} does not accept {what} (see its catalog capabilities); the other panes got them."


def start(pending: dict, plans: list[PanePlan], view, user: str) -> str | None:
    """Store the prompt and start the run for a send, retry or continuation; returns why nothing was sent."""
    ss = st.session_state
    kind = pending["kind"]
    if kind == "send":
        text, files = pending["text"], pending.get("files") or []
        skipped = {p.id: r for p in plans if (r := refusal(p, files))}
        check([p for p in plans if p.id not in skipped], view, text.strip() or "·")
        skipped |= {p.id: f"Not sent: {p.problem}" for p in plans if p.problem and p.id not in skipped}
        ss[state.SKIPPED] = skipped
        go = [p for p in plans if p.id not in skipped]
        if not go:
            return None if skipped else "Add a pane (pick a model above) to send to."
        check_budget = state.budget_check(user)
        if check_budget is not None and check_budget.level == "hard":
            return check_budget.message
        user_msg = {"role": "user", "content": text}
        if files:
            user_msg["attachments"] = files
        requests = [PaneRequest(p.model, history(view, p) + [user_msg], p.options) for p in go]
        cid = view.id if view is not None else conversations.create(conversations.title_from(text or files[0]["name"]),
                                                                     user)
        prompt_ids = _add_prompt(cid, go, text, files)
        prefixes = [""] * len(go)
    else:  # retry or continue one pane's last prompt
        p = next((p for p in plans if p.id == pending["pane"]), None)
        turns = view.pane(p.model, p.id) if (view is not None and p is not None) else []
        prompt = next((m for m in reversed(turns) if m.role == "user"), None)
        last = turns[-1] if turns else None
        if p is None or prompt is None or last is None or last.role != "assistant":
            return "Nothing to retry in that pane."
        if p.problem:
            return f"{p.model}: {p.problem}"
        user_msg = {"role": "user", "content": prompt.content}
        if getattr(prompt, "attachments", None):
            user_msg["attachments"] = prompt.attachments
        messages = history(view, p) + [user_msg]
        prefix = ""
        if kind == "continue" and last.content:
            prefix = last.content
            messages += [{"role": "assistant", "content": prefix}, {"role": "user", "content": CONTINUE_PROMPT}]
        go, cid, prompt_ids, prefixes = [p], view.id, [prompt.id], [prefix]
        requests = [PaneRequest(p.model, messages, p.options)]
        ss[state.SKIPPED] = {k: v for k, v in ss[state.SKIPPED].items() if k != p.id}
    ss[state.CONV] = cid
    slots = [p.id for p in go]

    def store(i: int, result) -> None:  # runs in the pane's worker, so a cancelled answer is saved too
        conversations.add_answer(cid, slots[i], result, prefix=prefixes[i])

    run = ParallelRun(requests, user=user, conversation_id=cid, on_result=store, source="playground")
    ss[state.RUN_PANES] = {p.id: (i, prompt_ids[i], prefixes[i]) for i, p in enumerate(go)}
    ss[state.LIVE_CUTS] = {}
    # Started now, before the page is drawn: a provider's first token takes longer than drawing it.
    ss[state.ACTIVE_RUN] = run.start()
    return None


def _add_prompt(cid: int, go: list[PanePlan], text: str, files: list[dict]) -> list[int]:
    """Store the prompt in every pane that sends it, with its attachments (kept with the conversation)."""
    return conversations.add_prompt(cid, [p.model for p in go], text, slots=[p.id for p in go], attachments=files)
