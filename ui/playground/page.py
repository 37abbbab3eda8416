"""One rerun of the playground: what it draws from, and its sections in the order the page shows them.

What a rerun draws from is built once (`open`): who is using it, the catalog's models, the panes with
their settings and the engine's quote for each, the open conversation, and the send streaming now (it
outlives reruns: a click re-attaches to it, and once it is over its stored answers are drawn instead).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from alonchat.access import identity
from alonchat.conversations import ConversationView
from ui import query
from ui import safe_markdown as md
from ui.arena import blind
from ui.evaluate.state import carry
from ui.playground import layout, live, panes, send, settings, state


@dataclass
class Page:
    """What this rerun draws from."""

    user: str
    models: dict[str, state.ModelChoice]
    conversation: ConversationView | None
    plans: list[send.PanePlan]
    sending: live.LiveSend | None  # the send streaming now
    problem: str | None = None  # why the send this rerun started was not sent

    @property
    def busy(self) -> bool:
        return self.sending is not None


def load() -> Page | None:
    """Read the session (the URL once), start a send Enter, Retry or Continue queued, re-attach to the live one.

    None when blind mode (the arena) draws the page instead: nothing may name a pane before the vote.
    """
    user = identity.current_user()
    models = state.choices()
    state.init(models)
    state.read_url(models)
    if blind.page(models, user):
        return None
    conversation = state.current_view(user)
    plans = [send.plan(p, models[p["model"]], conversation) for p in state.panes()]
    send.warm(plans)
    problem = None
    pending = st.session_state.pop(state.PENDING, None)
    if pending and state.link_systems():  # a link's system prompt is sent only once the reader accepted it
        st.session_state[state.HELD], pending = pending, None
    if pending and state.live() is None:
        problem = send.start(pending, plans, conversation, user)
        conversation = state.current_view(user)
        if pending["kind"] == "send" and state.live() is None:  # nothing was sent: the prompt goes back in the box
            st.session_state[state.COMPOSER] = pending["text"]
            if pending.get("files"):
                problem = (problem + " " if problem else "") + "Attach the files again before you resend."
    sending = state.live()
    if sending is not None:
        sending.run.poll(0)
        if sending.run.finished:
            st.session_state.pop(state.LIVE, None)
            sending, conversation = None, state.current_view(user)
    if pending and sending is None:  # a send that ended at once: the next one's quotes count its turns
        plans = [send.plan(p, models[p["model"]], conversation) for p in state.panes()]
    state.write_url(conversation)
    return Page(user, models, conversation, plans, sending, problem)


def notices(page: Page) -> None:
    """What happened since the last rerun, and where the budget stands (a refused send says so once)."""
    notice = st.session_state.pop(state.NOTICE, None)
    if notice:
        getattr(st, notice[0])(notice[1])
    dropped = st.session_state.pop(state.URL_NOTICE, None)
    if dropped:
        st.warning(dropped, icon=":material/link_off:")
    link_system(page)
    if page.problem:
        st.error(md.safe(page.problem), icon=":material/error:")
    budget = state.budget_check(page.user)
    if budget is not None and budget.level in ("soft", "hard") and budget.message != page.problem:
        (st.warning if budget.level == "soft" else st.error)(budget.message, icon=":material/savings:")


def link_system(page: Page) -> None:
    """The system prompt a shared link set, in full, with the choice to keep or remove it before it is sent."""
    waiting = state.link_systems()
    if not waiting:
        st.session_state.pop(state.HELD, None)
        return
    held = st.session_state.get(state.HELD)
    names = {p.id: f"pane {i} ({p.model})" for i, p in enumerate(page.plans, 1)}
    with st.container(border=True, key="pg_link_system"):
        st.markdown(f":material/warning: **This link sets a system prompt** for "
                    f"{md.plain(', '.join(names.get(pid, str(pid)) for pid in waiting))}. It is sent with every prompt "
                    "of that pane and can steer its answers: read it before you send.")
        for pid, text in waiting.items():
            if len(waiting) > 1:
                st.caption(md.plain(names.get(pid, str(pid))))
            # All of it, as text (never rendered): a long one scrolls in its box.
            st.code(text, language=None, wrap_lines=True, height="content" if len(text) < 1500 else 320)
        if held is not None:
            st.info(f"Your prompt {query.quoted(held.get('text') or '')} is waiting: send it with this system "
                    "prompt, or without it?" if held.get("kind") == "send" else "Your retry is waiting: send it "
                    "with this system prompt, or without it?", icon=":material/schedule_send:")
        yes, no = ("Send with it", "Send without it") if held is not None else ("Keep it", "Remove it")
        with st.container(horizontal=True):
            st.button(yes, key="pg_link_system_keep", on_click=state.accept_link_system, type="primary",
                      icon=":material/check:")
            st.button(no, key="pg_link_system_remove", on_click=state.remove_link_system, icon=":material/delete:")


TITLE = "Playground"
ABOUT = ("Type once; every pane (a model plus its settings) answers, all streaming at the same time. "
         "The same model can sit in several panes with different settings.")


def header(page: Page) -> None:
    """The title and the pickers: in full on an empty page, one compact bar once panes exist (they get the room)."""
    layout.fit()
    if not page.plans:
        st.title(TITLE, anchor=False)
        st.caption(ABOUT)
        picker(page)
        return
    # One flex row: the pickers stretch, the buttons keep their words (columns cut them to "S…" at 1280 px).
    with st.container(key="pg_bar", horizontal=True, vertical_alignment="center", gap="small"):
        st.title(TITLE, anchor=False, help=ABOUT, width="content")  # still the page's heading, drawn small
        _add(page, st, label_visibility="collapsed")
        settings.system_prompt()
        _shared(page, st, "Settings", width="content")
        _evaluate(page, st, "Evaluate", width="content")


def picker(page: Page) -> None:
    """Add a pane, the system prompt and the settings every pane shares (the empty page's full form)."""
    pick, opts, evaluate = st.columns([3, 1, 1], vertical_alignment="bottom")
    _add(page, pick)
    _shared(page, opts, "Shared settings")
    _evaluate(page, evaluate, "Evaluate these panes")
    settings.system_prompt()
    st.info("Add a pane above. The keyless **echo** model works with no API key.", icon=":material/info:")


def _add(page: Page, where, label_visibility: str = "visible") -> None:
    count, full = f"({len(page.plans)} of {state.MAX_PANES})", len(page.plans) >= state.MAX_PANES
    where.selectbox(f"Add a pane {count}", list(page.models), index=None,
                    key=state.ADD, format_func=lambda name: page.models[name].label, on_change=state.add_from_picker,
                    # short: in the compact bar the box is narrow, and a cut placeholder reads as a bug
                    placeholder=f"{state.MAX_PANES} panes: remove one to add" if full else f"Add a pane {count}",
                    disabled=full, label_visibility=label_visibility)


def _shared(page: Page, where, label: str, width="stretch") -> None:
    with where.popover(label, icon=":material/tune:", width=width, help="Settings every pane shares"):
        st.caption("Every pane uses these unless it sets its own (the :material/tune: button on the pane).")
        settings.widgets(reasons=any(p.choice.reasons for p in page.plans))


def _evaluate(page: Page, where, label: str, width="stretch") -> None:
    waiting = bool(state.link_systems())  # the link's system prompt goes nowhere before the reader accepts it
    if where.button(label, icon=":material/fact_check:", key="pg_evaluate", width=width,
                    disabled=not page.plans or waiting,
                    help="Keep or remove the link's system prompt first" if waiting else
                    "Run a test set over these panes (models with their settings)"):
        carry([{"model": p.model, "options": p.options} for p in page.plans])
        st.switch_page("pages/evaluate.py")


def panes_grid(page: Page) -> dict[int, live.LiveAnswer]:
    """Every pane: its header, its turns, and (while a send streams) its live answer; returns those by run index."""
    slots: dict[int, live.LiveAnswer] = {}
    for i, (p, cell) in enumerate(zip(page.plans, panes.grid(len(page.plans)), strict=True)):
        with cell:
            answer = _pane(page, i, p)
            if answer is not None:
                slots[page.sending.pane(p.id).index] = answer
    if not page.busy:
        panes.summary(panes.latest_answers(page.conversation, page.plans))
    return slots


def _pane(page: Page, i: int, p: send.PanePlan) -> live.LiveAnswer | None:
    conversation = page.conversation
    where = page.sending.pane(p.id) if page.sending is not None else None
    # The Stop button's place is cleared when the pane's answer ends.
    stop = panes.header(p, page.models, busy=page.busy, streaming=where is not None and page.sending.streaming(p.id))
    turns = conversation.pane(None, p.id) if conversation is not None else []  # its turns, whichever model
    if where is not None:  # the send's answer is drawn live, not from the database
        turns = [m for m in turns if m.id <= where.prompt_id]
    answer = None
    with st.container(height=panes.PANE_HEIGHT, key=f"pg_scroll_{i}"):
        if conversation is not None and conversation.joined_later(None, p.id):
            st.caption(":material/fiber_new: Joined this conversation later: this pane starts fresh "
                       "(earlier turns are not sent to it).")
        for m in turns:
            panes.message(m, p.model, editable=not page.busy)
        if not turns and where is None:
            st.caption("No messages in this pane yet. Write a prompt below and press Enter.")
        if where is not None:
            answer = live.LiveAnswer(settings.label(p.values, reasons=p.choice.reasons), prefix=where.prefix,
                                     stop=stop, cuts=where.cuts)
        elif p.id in st.session_state[state.SKIPPED]:
            st.info(md.safe(st.session_state[state.SKIPPED][p.id]), icon=":material/block:")
        last = turns[-1] if turns else None
        actions = st.empty()  # always there (empty while streaming), under the answer, where it is read
        if not page.busy and last is not None and last.role == "assistant":
            with actions.container():
                if last.status != "ok":
                    b1, b2 = st.columns(2)
                    b1.button("Retry", icon=":material/refresh:", key=f"pg_retry_{p.id}", on_click=state.retry,
                              args=(p.id,), width="stretch")
                    if last.status == "cancelled" and last.content:
                        b2.button("Continue", icon=":material/play_arrow:", key=f"pg_more_{p.id}",
                                  on_click=state.continue_answer, args=(p.id,), width="stretch")
                else:
                    _answer_actions(page, p, last)
    return answer


def _answer_actions(page: Page, p: send.PanePlan, last) -> None:
    """Under a pane's answer: regenerate it, copy it or see its request as code, keep only this pane."""
    with st.container(horizontal=True, gap="small", key=f"pg_actions_{p.id}"):
        st.button("Regenerate", icon=":material/refresh:", key=f"pg_regen_{p.id}", on_click=state.retry,
                  args=(p.id,), type="tertiary", help="Ask this pane's model the same prompt again")
        with st.popover("Copy · code", icon=":material/content_copy:", type="tertiary",
                        help="The answer to copy, and its request as Python or curl"):
            answer, python, curl = st.tabs(["Answer", "Python", "curl"])
            # st.code draws a copy button on hover: the answer as its markdown source, the request as code.
            answer.code(last.content, language="markdown", wrap_lines=True)
            code = send.request_code(page.conversation, p)
            if code is None or isinstance(code, str):
                why = code or f"{p.model} runs offline inside AlonChat: no request goes out."
                python.caption(why)
                curl.caption(why)
            else:
                python.code(code.python, language="python")
                curl.code(code.curl, language="bash")
                if code.note:
                    python.caption(code.note)
                    curl.caption(code.note)
        if len(page.plans) > 1:
            st.button("Only this pane", key=f"pg_continue_{p.id}", type="tertiary",
                      icon=":material/arrow_forward:", on_click=state.continue_with, args=(p.id,),
                      help="Continue with this pane only: keep the conversation, drop the other panes")


def composer(page: Page) -> None:
    """The prompt box, with the next send's estimate over it (or Stop all while a send streams)."""
    with st.bottom:
        if page.busy:
            st.button("Stop all", icon=":material/stop_circle:", key="pg_stop_all", on_click=state.stop_all)
        elif page.plans:
            st.caption(panes.estimate_total(page.plans), width="stretch")
        st.chat_input("Ask every pane… (Enter sends, Shift+Enter adds a line; attach images or PDFs)",
                      key=state.COMPOSER, on_submit=state.submit, accept_file="multiple",
                      file_type=["png", "jpg", "jpeg", "gif", "webp", "pdf"],
                      disabled=page.busy or not page.plans)


def stream(page: Page, slots: dict[int, live.LiveAnswer]) -> None:
    """Draw the send's answers as they stream, then rerun to show them stored, with their metrics and ranking."""
    if page.sending is None:
        return
    live.drain(page.sending.run, slots)  # a rerun (a click, a reconnect) interrupts this, never the send
    st.session_state.pop(state.LIVE, None)
    st.rerun()
