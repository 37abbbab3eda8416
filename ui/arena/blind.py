"""Blind mode in the playground: each prompt goes to two panes drawn from a pool, shown only as "A" and "B".

Nothing on the page names a pane before the vote: no model, provider, setting, cost or timing in the
text, tooltips, element keys or the URL (the playground's ?p=/?c= are taken off while blind). The answers
stream through the playground's own machinery (ParallelRun, live.LiveAnswer, live.drain) with their
thinking, timer, metrics and error details held back. After the vote the panes are revealed, and the
conversation can go on with either one as a normal playground pane.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import streamlit as st

from alonchat import conversations
from alonchat.arena import battles, draw
from alonchat.arena.draw import Pane
from alonchat.calls.parallel import PaneRequest, ParallelRun
from alonchat.calls.service import ai_service
from alonchat.core import errors
from ui import format as fmt
from ui import safe_markdown as md
from ui.playground import live, panes, send, settings, state

ON = "arena_blind_on"  # the sidebar toggle
POOL = "arena_blind_pool"  # "panes" | "any"
CATEGORY = "arena_blind_category"
COMPOSER = "arena_blind_composer"
PENDING = "arena_blind_pending"  # the prompt Enter queued for this script run to send
CURRENT = "arena_blind_battle"  # the Blind record on screen (it outlives reruns, like the playground's run)
NOTICE = "arena_blind_notice"
SIDES = ("A", "B")
POOLS = ("panes", "any")
PANE_HEIGHT = 340  # px: lower than the playground's panes, so the vote under them stays in view


@dataclass(frozen=True)
class Side:
    """One drawn pane: what the engine sends (model and options) and its settings as the playground sets them."""

    pane: Pane
    values: dict


@dataclass
class Blind:
    """The battle on screen, from the draw to the reveal: one record, kept in session state."""

    battle_id: int
    conversation_id: int
    prompt: str
    sides: tuple[Side, Side]  # A (shown left), B (right)
    run: ParallelRun | None = None
    cuts: list[list[int]] = field(default_factory=lambda: [[], []])  # live.LiveAnswer.cuts, per side
    revealed: battles.Battle | None = None


class _Held:
    """Stands in for an element whose content would identify the pane before the vote: draws nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class BlindAnswer(live.LiveAnswer):
    """The playground's live answer without what would name its pane: thinking, the timer, metrics, error text."""

    def __init__(self, cuts: list[int]):
        super().__init__(cuts=cuts)
        self.thinking, self.meta = _Held(), _Held()

    def update(self, pane) -> None:
        result = pane.result if pane.result is None else replace(pane.result, error=None)
        super().update(replace(pane, thinking="", result=result))


# --- the pool ------------------------------------------------------------------------------------------
def pool(models: dict[str, state.ModelChoice], which: str) -> list[Side]:
    """The panes a prompt may go to: the playground's own panes, or every active, configured model with the
    shared settings. Panes that could not be sent (no key, a settings error, a link's system prompt the reader
    has not accepted yet) are left out."""
    if which == "panes":
        waiting = state.link_systems()
        plans = [send.plan(p, models[p["model"]]) for p in state.panes() if p["model"] in models
                 and p["id"] not in waiting]
        return [Side(Pane(p.model, p.options), p.values) for p in plans if not p.problem and not p.choice.missing_env]
    shared = settings.shared()
    sides = []
    for name in draw.configured_models():
        choice = models.get(name)
        if choice is not None:
            options, problems = settings.to_options(shared, reasons=choice.reasons)
            if not problems:
                sides.append(Side(Pane(name, options), shared))
    return sides


def _sendable(sides: list[Side], prompt: str) -> list[Side]:
    """The pool without panes this prompt can't go to (options over a model's limits, a prompt over its window)."""
    ok = []
    for s in sides:
        try:
            ai_service.check(s.pane.model, [{"role": "user", "content": prompt}], **s.pane.settings)
        except errors.AlonChatError:
            continue
        ok.append(s)
    return ok


# --- callbacks (they run before the script) ---------------------------------------------------------------
def submit() -> None:
    text = st.session_state.get(COMPOSER)
    if isinstance(text, str) and text.strip():
        st.session_state[PENDING] = text
    else:
        st.session_state[NOTICE] = "Write a prompt first."


def _stop_current() -> None:
    current = st.session_state.get(CURRENT)
    if current is not None and current.run is not None and not current.run.finished:
        current.run.stop()


def toggled() -> None:
    """Turning blind mode on or off abandons the battle on screen (it stays unvoted) and any playground run."""
    _stop_current()
    st.session_state.pop(CURRENT, None)
    if st.session_state.get(ON):
        state.stop_all()
        st.session_state.pop(state.NOTICE, None)


def vote(winner: str) -> None:
    current = st.session_state.get(CURRENT)
    if current is None:
        return
    try:
        current.revealed = battles.vote(current.battle_id, winner)
    except errors.AlonChatError as e:
        st.session_state[NOTICE] = str(e)


def continue_with(index: int) -> None:
    """Leave blind mode with the chosen pane as the playground's one pane, in the battle's conversation."""
    current = st.session_state.get(CURRENT)
    if current is None:
        return
    side = current.sides[index]
    ss = st.session_state
    ss[state.PANES] = []
    ss[state.CONV] = current.conversation_id
    ss[state.SKIPPED] = {}
    for s in settings.SETTINGS:  # a pane that had this id before must not lend it its own settings
        ss.pop(settings.key(s.name, index), None)
    state.new_pane(side.pane.model, side.values, pane_id=index)
    ss[ON] = False
    ss.pop(CURRENT, None)
    ss[state.NOTICE] = ("info", f"Continuing with **{side.pane.model}** (it was {SIDES[index]}); its pane keeps "
                                "the battle's prompt and answer.")


# --- sending ---------------------------------------------------------------------------------------------
def start(prompt: str, sides: list[Side], user: str) -> str | None:
    """Draw two panes, store the prompt and the battle, start both answers; returns why nothing was sent."""
    sides = _sendable(sides, prompt)
    try:
        a, b = draw.draw([s.pane for s in sides])
    except errors.ValidationError as e:
        return str(e)
    by_key = {s.pane.key: s for s in sides}
    chosen = (by_key[a.key], by_key[b.key])
    budget = state.budget_check(user)
    if budget is not None and budget.level == "hard":
        return budget.message
    try:
        category = battles.clean_category(st.session_state.get(CATEGORY))
    except errors.ValidationError as e:
        return str(e)
    cid = conversations.create(conversations.title_from(prompt), user)
    conversations.add_prompt(cid, [a.model, b.model], prompt, slots=[0, 1])
    battle = battles.start(a, b, category=category, conversation_id=cid)

    def store(i: int, result) -> None:  # a pane's worker: the answer goes to the conversation and the battle
        conversations.add_answer(cid, i, result)
        battles.answered(battle, "ab"[i], result)

    message = {"role": "user", "content": prompt}
    run = ParallelRun([PaneRequest(s.pane.model, [message], dict(s.pane.settings)) for s in chosen], user=user,
                      conversation_id=cid, on_result=store, source="arena", source_id=battle)
    st.session_state[CURRENT] = Blind(battle, cid, prompt, chosen, run.start())
    return None


# --- drawing ---------------------------------------------------------------------------------------------
def _stored(current: Blind, user: str) -> list:
    """Each side's stored answer (None while it has none)."""
    try:
        view = conversations.load(current.conversation_id, user)
    except errors.ValidationError:
        return [None, None]
    return [next((m for m in reversed(view.pane(s.pane.model, i)) if m.role == "assistant"), None)
            for i, s in enumerate(current.sides)]


def _answer(m) -> None:
    """A stored answer, before the vote: its text and status only."""
    with st.chat_message("assistant"):
        if m.status != "ok":
            st.markdown(fmt.STATUS_BADGE.get(m.status, f":red-badge[{m.status}]"))
        if m.content:
            md.show(m.content, key=f"arena_msg_{m.id}")  # its images load only when the reader asks


def _header(current: Blind, index: int, answer) -> None:
    """"A" or "B"; after the vote, the pane's model, its settings and what its answer cost and took."""
    if current.revealed is None:
        st.subheader(SIDES[index], anchor=False)
        return
    side, revealed = current.sides[index], current.revealed.side("ab"[index])
    st.subheader(f"{SIDES[index]} · {md.plain(side.pane.model)}", anchor=False)
    st.caption(f":material/tune: {md.plain(settings.label(side.values))}"
               + (" · :orange-badge[its answer named its model or vendor]" if revealed.names_self else ""))
    if answer is not None and answer.result is not None:
        st.caption(panes.metrics_line(answer.result))


def _votes(current: Blind, answers: list) -> None:
    if any(a is None for a in answers):
        return
    failed = [SIDES[i] for i, a in enumerate(answers) if a.status != "ok"]
    if failed:
        st.warning(f"Answer {' and '.join(failed)} did not finish, so this pair can't be voted on. Send the "
                   "prompt again for a new pair.", icon=":material/block:")
        return
    with st.container(horizontal=True, horizontal_alignment="center", key="arena_blind_votes"):
        for winner, icon in (("model_a", ":material/arrow_back:"), ("tie", ":material/drag_handle:"),
                             ("both_bad", ":material/thumb_down:"), ("model_b", ":material/arrow_forward:")):
            st.button(battles.VOTE_LABELS[winner], icon=icon, key=f"arena_blind_vote_{winner}", on_click=vote,
                      args=(winner,), type="primary" if winner in ("model_a", "model_b") else "secondary")


def _after_vote(current: Blind) -> None:
    b = current.revealed
    names = {"model_a": f"A ({md.plain(b.a.model)})", "model_b": f"B ({md.plain(b.b.model)})"}
    said = names.get(b.winner, battles.VOTE_LABELS[b.winner])
    st.success(f"Your vote: **{said}**" + (" is better." if b.winner in names else "."), icon=":material/how_to_vote:")
    with st.container(horizontal=True, key="arena_blind_continue"):
        for i, label in enumerate(SIDES):
            st.button(f"Continue with {label} ({md.plain(current.sides[i].pane.model)})",
                      key=f"arena_blind_continue_{i}",
                      icon=":material/arrow_forward:", on_click=continue_with, args=(i,),
                      type="primary" if b.winner == ("model_a", "model_b")[i] else "secondary")
        st.caption("…or write another prompt for a new pair.")


def battle(current: Blind, user: str, bottom) -> None:
    """The prompt, A and B side by side (live while streaming), then the vote or the reveal."""
    with st.chat_message("user"):
        md.show(current.prompt)
    running = current.run is not None and not current.run.finished
    answers = [None, None] if running else _stored(current, user)
    slots = {}
    for i, col in enumerate(st.columns(2, gap="medium")):
        with col.container(border=True, key=f"arena_blind_pane_{SIDES[i].lower()}"):
            _header(current, i, answers[i])
            with st.container(height=PANE_HEIGHT, key=f"arena_blind_scroll_{SIDES[i].lower()}"):
                if running:
                    slots[i] = BlindAnswer(current.cuts[i])
                elif answers[i] is not None:
                    _answer(answers[i])
    if running:
        live.drain(current.run, slots)
        current.run = None
        st.rerun()  # the stored answers, and the vote buttons
    with bottom:
        if current.revealed is None:
            _votes(current, answers)
        else:
            _after_vote(current)


def toggle() -> bool:
    """The sidebar switch; True when blind mode is on."""
    st.sidebar.toggle("Blind mode (arena)", key=ON, on_change=toggled, persist_state="session",
                      help="Each prompt goes to two panes drawn at random, shown as A and B; you vote before "
                           "seeing which is which. Votes feed the Arena leaderboard.")
    return bool(st.session_state.get(ON))


def page(models: dict[str, state.ModelChoice], user: str) -> bool:
    """Draw the playground in blind mode (and return True), or only the switch (False: the playground draws)."""
    if not toggle():
        return False
    for key in ("p", "c"):  # the playground's panes and conversation would name the pair
        if key in st.query_params:
            del st.query_params[key]
    ss = st.session_state
    st.title("Playground · blind", anchor=False)
    st.caption("Each prompt goes to two panes drawn from your pool, shown as **A** and **B** in random order. "
               "Names, settings, cost and speed stay hidden until you vote.")
    panes_n = len(pool(models, "panes"))
    top = st.columns([3, 2], vertical_alignment="bottom")
    which = top[0].segmented_control(
        "Pool", POOLS, key=POOL, default="panes" if panes_n >= 2 else "any", persist_state="session",
        format_func={"panes": f"Your playground panes ({panes_n})",
                     "any": "Any two active, configured models"}.get) or "any"
    top[1].text_input("Category (optional)", key=CATEGORY, max_chars=100, placeholder="e.g. code, writing",
                      persist_state="session",
                      help="A tag to filter the leaderboard by.")
    notice = ss.pop(NOTICE, None)
    pending = ss.pop(PENDING, None)
    current = ss.get(CURRENT)
    busy = current is not None and current.run is not None and not current.run.finished
    if pending and not busy:
        notice = start(pending, pool(models, which), user) or notice
        current = ss.get(CURRENT)
    if notice:
        st.warning(notice, icon=":material/info:")
    if current is None:
        st.info("Write a prompt below: two panes from the pool answer it, unnamed.", icon=":material/visibility_off:")
    bottom = st.bottom.container()  # the vote sits right above the composer, where the eyes are
    with st.bottom:
        busy = current is not None and current.run is not None and not current.run.finished
        st.chat_input("Ask two hidden models… (Enter sends)", key=COMPOSER, on_submit=submit, disabled=busy)
    if current is not None:
        battle(current, user, bottom)
    return True
