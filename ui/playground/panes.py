"""How a playground pane looks: header, history, the live answer, its metrics, and the ranking row."""

from __future__ import annotations

import time
from decimal import Decimal

import streamlit as st

from alonchat.conversations import ConversationView, MessageView
from alonchat.parallel import PaneState
from alonchat.service import CallResult
from ui import format as fmt
from ui import receipt
from ui.playground import cache, state

CURSOR = " ▌"


def grid(n: int) -> list:
    """Containers for n panes: one row up to 3, then rows of 3 (2x2 for four); narrow screens stack them."""
    per_row = 2 if n == 4 else min(n, 3)
    cells = []
    while len(cells) < n:
        cols = st.columns(min(per_row, n - len(cells)) if n > 3 else per_row, gap="medium")
        cells += [c.container(border=True, key=f"pg_pane_{len(cells) + j}") for j, c in enumerate(cols)]
    return cells[:n]


def metrics_line(result: CallResult) -> str:
    """The figures people compare models by, in one caption line under the answer."""
    u = result.usage
    if not result.ok and not u.output_tokens and not u.input_tokens:
        # Nothing came back: the token columns would be all zeros and say nothing.
        return f":material/timer: failed after **{fmt.duration(result.latency_ms)}** · :gray-badge[no cost recorded]"
    est = " (est.)" if u.estimated else ""
    tps = result.tokens_per_second
    if result.cost_usd is not None:
        cost = f"**{fmt.money(result.cost_usd)}**"
    else:  # a failed call carries no cost in the ledger; that is not the same as an unknown price
        cost = fmt.UNPRICED if result.ok else ":gray-badge[no cost recorded]"
    parts = [
        f":material/bolt: first token **{fmt.duration(result.ttft_ms)}**",
        f"total **{fmt.duration(result.latency_ms)}**",
        f"**{tps:,.1f}** tok/s" if tps is not None else "– tok/s",
        f"in {fmt.count(u.input_tokens)}{est} · cached {fmt.count(u.cached_input_tokens)} · "
        f"out {fmt.count(u.output_tokens)}{est} · reasoning {fmt.count(u.reasoning_tokens)}",
        cost,
    ]
    return " · ".join(parts)


def header(choice: state.ModelChoice, problem: str | None, estimate: Decimal | None | str) -> None:
    spec = choice.spec
    title = (f"**{spec.display_name or spec.name}**  \n"
             f":gray-badge[{spec.provider}] :gray[`{spec.model_id}`]")
    if st.session_state.get(state.PER_PANE):
        left, right = st.columns([3, 2], vertical_alignment="center")
        left.markdown(title)
        with right.popover("Settings", icon=":material/tune:", width="stretch"):
            option_widgets(spec)
    else:
        st.markdown(title)
    if choice.missing_env:
        st.warning(f"Not configured: set {' or '.join(f'`{v}`' for v in choice.missing_env)} "
                   "in the environment or `.streamlit/secrets.toml`.", icon=":material/key:")
    if problem:
        st.error(problem, icon=":material/rule:")
    unsent = sorted(choice.ignored_options & state.options_for(spec.name).keys())
    if unsent:
        st.caption(f":material/info: Not sent to {spec.provider}: {', '.join(unsent)} "
                   "(its current API refuses it).")
    if estimate != "":
        st.caption(f"Next prompt ≈ {fmt.money(estimate)} input *(estimate)*")


def option_widgets(spec=None) -> None:
    """System prompt, temperature and max tokens: shared (spec None) or for one pane's model."""
    model = spec.name if spec is not None else None
    ss = st.session_state
    if model is not None:  # a pane's settings start from the shared ones
        for name in state.OPTION_FIELDS:
            ss.setdefault(state.option_key(name, model), ss.get(state.option_key(name)))
    t_lo, t_hi = state.bounds("temperature")
    m_lo, m_hi = state.bounds("max_tokens")
    limit = f" {spec.name} allows up to {spec.max_tokens:,}." if spec is not None and spec.max_tokens else ""
    keys = {name: state.option_key(name, model) for name in state.OPTION_FIELDS}
    # Blank means "model default"; pass value only when Session State does not hold one already.
    blank = {name: ({} if key in ss else {"value": None}) for name, key in keys.items()}
    st.text_area("System prompt", key=keys["system"], height=90, persist_state="session",
                 placeholder="Optional instructions for every turn")
    a, b = st.columns(2)
    a.number_input("Temperature", min_value=t_lo, max_value=t_hi, step=0.1, key=keys["temperature"],
                   placeholder="default", help="Blank uses the model's default.",
                   persist_state="session", **blank["temperature"])
    b.number_input("Max tokens", min_value=m_lo, max_value=m_hi, step=256, key=keys["max_tokens"],
                   placeholder="default", persist_state="session", **blank["max_tokens"],
                   help="Most tokens to generate; checked against each model's limit." + limit)
    cache.widget(spec, keys["cache_prompt"])


def message(m: MessageView) -> None:
    """A stored turn; a failed or cancelled answer says so and is never shown as complete."""
    if m.role == "user":
        with st.chat_message("user"):
            st.markdown(m.content)
        return
    with st.chat_message("assistant"):
        if m.status != "ok":
            st.markdown(fmt.STATUS_BADGE.get(m.status, f":red-badge[{m.status}]"))
        if m.content:
            st.markdown(m.content)
        if m.error and m.status != "cancelled":
            st.error(m.error, icon=":material/error:")
        if m.result is not None:
            st.caption(metrics_line(m.result))
    if m.result is not None and m.result.usage_id is not None and m.result.cost_usd is not None:
        receipt.for_usage(m.result.usage_id, m.result.cost_usd, key=f"pg_receipt_{m.id}")  # the cost opens it


class LiveAnswer:
    """Placeholders for the answer being streamed into one pane, updated from the script thread."""

    def __init__(self):
        self.box = st.chat_message("assistant")
        with self.box:
            self.text = st.empty()
            self.meta = st.empty()
        self.text.markdown(":gray[Waiting for the first token…]")

    def update(self, pane: PaneState) -> None:
        if pane.result is None:
            if pane.text:
                self.text.markdown(pane.text + CURSOR)
            self.meta.caption(f":material/progress_activity: streaming · {pane.elapsed_s:.1f} s")
            return
        r = pane.result
        with self.text.container():
            if r.status != "ok":
                st.markdown(fmt.STATUS_BADGE.get(r.status, r.status))
            if pane.text:
                st.markdown(pane.text)
            if r.error_message and r.status != "cancelled":
                st.error(r.error_message, icon=":material/error:")
        self.meta.caption(metrics_line(r))


def estimate_total(estimates: dict[str, Decimal | None]) -> str:
    """One line under the prompt: the whole send's input cost, estimated (each pane shows its own)."""
    priced = [c for c in estimates.values() if c is not None]
    unpriced = len(estimates) - len(priced)
    total = fmt.money(sum(priced, Decimal(0))) if priced else fmt.UNPRICED
    tail = f", {unpriced} unpriced model{'s' if unpriced > 1 else ''} not counted" if priced and unpriced else ""
    models = f"{len(estimates)} model{'s' if len(estimates) > 1 else ''}"
    return f"Estimated input cost of this prompt on {models}: **≈ {total}** *(estimate{tail})*"


def latest_answers(view: ConversationView | None, models: list[str]) -> dict[str, CallResult]:
    """Each pane's answer to its latest prompt (when it has one), for the ranking row."""
    out = {}
    if view is None:
        return out
    for model in models:
        turns = view.pane(model)
        if len(turns) >= 2 and turns[-1].role == "assistant" and turns[-1].result is not None:
            out[model] = turns[-1].result
    return out


def summary(answers: dict[str, CallResult]) -> None:
    """Rank the panes' last answers by cost (unpriced last, never as $0) and by latency."""
    if len(answers) < 2:
        return
    ok = {m: r for m, r in answers.items() if r.ok}
    priced = sorted((r.cost_usd, m) for m, r in ok.items() if r.cost_usd is not None)
    unpriced = [m for m, r in ok.items() if r.cost_usd is None]
    fastest = sorted((r.latency_ms, m) for m, r in ok.items())
    failed = [f"{m} ({r.status})" for m, r in answers.items() if not r.ok]

    def ranked(items):
        return "  ›  ".join(f":primary-badge[{i}] **{m}** {v}" for i, (m, v) in enumerate(items, 1))

    with st.container(border=True, key="pg_summary"):
        c1, c2 = st.columns(2)
        cost_items = [(m, fmt.money(c)) for c, m in priced] + [(m, fmt.UNPRICED) for m in unpriced]
        c1.markdown(f":material/payments: **Cheapest**  \n{ranked(cost_items) or '–'}")
        c2.markdown(f":material/speed: **Fastest**  \n"
                    f"{ranked([(m, fmt.duration(ms)) for ms, m in fastest]) or '–'}")
        if failed:
            st.caption("Not ranked: " + ", ".join(failed))


def drain(run, slots: dict[int, LiveAnswer]) -> None:
    """Update each pane as its tokens arrive until every pane finished (script thread only)."""
    last_tick = 0.0
    while not run.finished:
        changed = run.poll(0.1)
        now = time.monotonic()
        if now - last_tick > 0.5:  # refresh timers; also lets Streamlit deliver a stop/rerun here
            changed |= {i for i, p in enumerate(run.panes) if not p.finished}
            last_tick = now
        for i in changed:
            slots[i].update(run.panes[i])
