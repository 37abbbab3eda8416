"""What each pane would send (its settings and the engine's quote) and starting a send, a retry or a continuation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from alonchat import conversations
from alonchat.calls.inputs import Quote, problem_text
from alonchat.calls.parallel import PaneRequest, ParallelRun
from alonchat.calls.service import ai_service
from alonchat.conversations import ConversationView
from alonchat.core.errors import AlonChatError
from ui.playground import live, settings, state

DRAFT = "·"  # the prompt a quote is made for before the real one is typed (its words are priced apart)


@dataclass
class PanePlan:
    """One pane's next call as the page sees it before sending: its settings, and the engine's answer to them."""

    pane: dict
    choice: state.ModelChoice
    values: dict  # the settings as set (shared + the pane's own), for the header and the URL
    options: dict  # the ChatOptions keywords it sends
    quote: Quote | None  # what the engine says of this pane's next call; None when its settings can't be read
    settings_problem: str | None = None

    @property
    def model(self) -> str:
        return self.pane["model"]

    @property
    def id(self) -> int:
        return self.pane["id"]

    @property
    def problem(self) -> str | None:
        return self.settings_problem or (self.quote.problem if self.quote is not None else None)

    @property
    def not_sent(self) -> dict[str, str]:
        """Settings set here that the model never gets, each with the engine's why (its provider's API takes
        another setting or refuses it, or the model does not reason)."""
        return self.choice.accepts.not_sent_reasons(sorted(self.values))


def history(conversation: ConversationView | None, pane: dict) -> list[dict]:
    return conversation.history(None, pane["id"]) if conversation is not None else []  # the pane's turns


def plan(pane: dict, choice: state.ModelChoice, conversation: ConversationView | None = None) -> PanePlan:
    """The pane's settings, and the engine's quote for its next prompt (one lookup of its model)."""
    values = settings.effective(pane["id"])
    options, problems = settings.to_options(values, reasons=choice.reasons)
    if problems:
        return PanePlan(pane, choice, values, options, None, "; ".join(problems.values()))
    quote = ai_service.quote(pane["model"], history(conversation, pane) + [{"role": "user", "content": DRAFT}],
                             **options)
    return PanePlan(pane, choice, values, options, quote)


def request_code(conversation: ConversationView | None, p: PanePlan):
    """The pane's last prompt as its model would be sent it now, as Python and curl (the engine renders it).

    None when the model sends no request (the offline echo); a string says why there is no code.
    """
    again = conversation.resend(None, p.id) if conversation is not None else None
    if again is None:
        return "This pane has no prompt yet."
    if p.problem:
        return p.problem
    try:
        return ai_service.request_code(p.model, again.messages, **p.options)
    except AlonChatError as e:
        return problem_text(e)


def warm(plans: list[PanePlan]) -> None:
    """Build the panes' SDK clients while the page draws, so Enter sends at once (the first build imports the SDK)."""
    for p in plans:
        if not p.choice.missing_env:
            ai_service.warm(p.choice.spec)


def start(pending: dict, plans: list[PanePlan], conversation: ConversationView | None, user: str) -> str | None:
    """Store the prompt and start the send (or retry, or continuation); returns why nothing was sent."""
    if pending["kind"] == "send":
        return _send(pending["text"], pending.get("files") or [], plans, conversation, user)
    if pending["kind"] == "edit":
        return _edit(pending, plans, conversation, user)
    return _resend(pending, plans, conversation, user)


def _edit(pending: dict, plans: list[PanePlan], conversation, user: str) -> str | None:
    """An earlier prompt, edited, sent to every pane in a copy of the conversation up to it (the original stays)."""
    batch = conversation.send_of(pending["prompt"]) if conversation is not None else []
    if not batch:
        return "That prompt is no longer in this conversation; edit one that is."
    files = [{"name": a.name, "media_type": a.media_type, "data": a.data} for a in batch[0].attachments]
    return _send(pending["text"], files, plans, conversation.before(pending["prompt"]), user,
                 into=lambda: conversations.fork(conversation.id, pending["prompt"], user))


def _send(text: str, files: list[dict], plans: list[PanePlan], conversation, user: str,
          into: Callable[[], int] | None = None) -> str | None:
    """Send a prompt to every pane that takes it; `into` makes the conversation it goes to (an edit's copy),
    once nothing stands in the way."""
    prompt = {"role": "user", "content": text, **({"attachments": files} if files else {})}
    skipped = {}
    for p in plans:  # each pane's model asked again, with the real prompt and its files
        if p.settings_problem:
            skipped[p.id] = f"Not sent: {p.settings_problem}"
            continue
        quote = ai_service.quote(p.model, history(conversation, p.pane) + [prompt], **p.options)
        if not quote.ok:  # a model that can't take the files is skipped; the other panes get them
            skipped[p.id] = f"{'Skipped' if quote.unsupported else 'Not sent'}: {quote.problem}"
    budget = state.budget_check(user)
    if budget is not None and budget.level == "hard":  # a free model goes on: a budget never refuses it
        skipped |= {p.id: f"Not sent: {budget.message}" for p in plans
                    if p.id not in skipped and not p.choice.spec.prices.free}
    st.session_state[state.SKIPPED] = skipped
    go = [p for p in plans if p.id not in skipped]
    if not go:
        if budget is not None and budget.level == "hard" and plans:
            st.session_state[state.SKIPPED] = {}  # said once, over the panes
            return budget.message
        return None if skipped else "Add a pane (pick a model above) to send to."
    try:
        cid = into() if into is not None else conversation.id if conversation is not None else \
            conversations.create(conversations.title_from(text or files[0]["name"]), user)
    except AlonChatError as e:  # an edit's conversation deleted meanwhile, say
        return problem_text(e)
    # Stored in every pane that sends it, with its files (kept with the conversation), before any answer.
    # The layout goes with it: every pane on the page (a skipped one too) with its settings, for reopening.
    prompt_ids = conversations.add_prompt(cid, [p.model for p in go], text, slots=[p.id for p in go],
                                          attachments=files,
                                          layout=[conversations.PaneLayout(p.id, p.model, p.values) for p in plans])
    requests = [PaneRequest(p.model, history(conversation, p.pane) + [prompt], p.options) for p in go]
    _launch(cid, go, requests, prompt_ids, [""] * len(go), user)
    return None


def _resend(pending: dict, plans: list[PanePlan], conversation, user: str) -> str | None:
    """Retry a pane's last prompt, or continue its cancelled answer."""
    p = next((p for p in plans if p.id == pending["pane"]), None)
    again = conversation.resend(None, p.id, continuing=pending["kind"] == "continue") \
        if conversation is not None and p is not None else None
    if again is None:
        return "Nothing to retry in that pane."
    if p.problem:
        return f"{p.model}: {p.problem}"
    st.session_state[state.SKIPPED] = {k: v for k, v in st.session_state[state.SKIPPED].items() if k != p.id}
    _launch(conversation.id, [p], [PaneRequest(p.model, again.messages, p.options)], [again.prompt_id],
            [again.prefix], user)
    return None


def _launch(cid: int, go: list[PanePlan], requests: list[PaneRequest], prompt_ids: list[int], prefixes: list[str],
            user: str) -> None:
    """Start the run and keep it as the one live send; its workers store each answer as it ends."""
    slots = [p.id for p in go]

    def store(i: int, result) -> None:  # runs in the pane's worker, so a cancelled answer is saved too
        conversations.add_answer(cid, slots[i], result, prefix=prefixes[i])

    run = ParallelRun(requests, user=user, conversation_id=cid, on_result=store, source="playground")
    st.session_state[state.CONV] = cid
    # Started now, before the page is drawn: a provider's first token takes longer than drawing it.
    st.session_state[state.LIVE] = live.LiveSend(run.start(), {
        p.id: live.LivePane(i, prompt_ids[i], prefixes[i]) for i, p in enumerate(go)})
