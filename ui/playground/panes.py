"""How a playground pane looks: header with its settings, history, the live answer, metrics, the ranking row."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from alonchat.calls.inputs import PER_WORDS
from alonchat.calls.result import CallResult
from alonchat.conversations import ConversationView, MessageView
from ui import format as fmt
from ui import receipt
from ui import safe_markdown as md
from ui.playground import gauge, settings, state
from ui.playground.send import DRAFT, PanePlan

PANE_HEIGHT = 460  # px: answers scroll inside the pane, so the composer stays in view


def grid(n: int) -> list:
    """Containers for n panes: one row up to 3, then rows of 3 (2x2 for four); narrow screens stack them."""
    per_row = 2 if n == 4 else min(n, 3)
    cells = []
    while len(cells) < n:
        cols = st.columns(min(per_row, n - len(cells)) if n > 3 else per_row, gap="small")
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


def header(p: PanePlan, models: dict[str, state.ModelChoice], *, busy: bool, streaming: bool = False):
    """Model, its buttons and its settings on one line each; returns the Stop button's place (emptied at the end).

    The next prompt's estimate is on the settings line's hover: the total over the composer is the one in view.
    """
    spec = p.choice.spec
    # One flex row (not columns, which stack on a phone) that never wraps (layout.py): the name shortens instead.
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=f"pg_head_{p.id}"):
        # A display name is plain text, never markdown: no image, link or formatting in it is drawn.
        st.text(spec.display_name or spec.name, width="content")
        st.markdown(f":gray-badge[{md.plain(spec.provider)}]", width="stretch")
        stop = st.empty()
        if streaming:
            stop.button("Stop", icon=":material/stop_circle:", key=f"pg_stop_{p.id}", on_click=state.stop_pane,
                        args=(p.id,), type="tertiary")
        # Words on every button: Streamlit 1.67 cannot set an aria-label, and an icon alone is named after its icon
        # (in a narrow pane the words are kept for screen readers and hidden from view: layout.py).
        with st.popover("Settings", icon=":material/tune:", help="This pane's model and own settings",
                        type="tertiary"):
            switch = f"pg_model_{p.id}"
            st.session_state[switch] = p.model  # the pane's model as it is now (a reopened pane has another)
            st.selectbox("Model", list(models), key=switch, format_func=lambda name: models[name].label,
                         on_change=state.change_model, args=(p.id, switch), disabled=busy,
                         help="Switch this pane's model in place: its turns and its own settings stay (settings "
                              "the new model does not take are not sent, and the pane says so)")
            settings.widgets(p.id, reasons=p.choice.reasons, max_tokens=spec.max_tokens,
                             not_sent=p.choice.accepts.not_sent_reasons(settings.BY_NAME), model=spec.name)
        st.button("Duplicate", icon=":material/content_copy:", key=f"pg_dup_{p.id}", help="Same model in a new pane",
                  on_click=state.duplicate_pane, args=(p.id,), disabled=busy, type="tertiary")
        st.button("Remove", icon=":material/close:", key=f"pg_rm_{p.id}", help="Remove this pane",
                  on_click=state.remove_pane, args=(p.id,), disabled=busy, type="tertiary")
    own = " :blue-badge[own settings]" if settings.overrides(p.id) else ""
    # One line: the settings (the pane's share of the estimate on hover: the estimate is shown once, over the
    # composer), then the context gauge, which follows the prompt as it is typed (layout.py keeps it on the line).
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=f"pg_line_{p.id}"):
        st.caption(f":material/tune: {md.plain(settings.label(p.values, reasons=p.choice.reasons))}{own}",
                   help=pane_estimate(p), width="content")
        if not busy:
            gauge.show(p.id, p.quote, DRAFT)
    if p.choice.missing_env:
        st.warning(f"Not configured: set {' or '.join(f'`{v}`' for v in p.choice.missing_env)} "
                   "in the environment or `.streamlit/secrets.toml`.", icon=":material/key:")
    if p.problem:
        st.error(md.safe(p.problem), icon=":material/rule:")
    by_reason: dict[str, list[str]] = {}
    for name, why in p.not_sent.items():
        by_reason.setdefault(why, []).append(name)
    for why, names in by_reason.items():  # each with its own cause, as the engine states it
        st.caption(f":material/info: Not sent to {md.plain(spec.name)}: {_names(names)} ({why}).")
    return stop


def _prompt_cost(q) -> Decimal | None:
    """A PER_WORDS-word prompt's input cost after the pane's history, estimated (None: unpriced)."""
    return None if q.input_usd is None else q.input_usd + (q.per_words_usd or Decimal(0))


def pane_estimate(p: PanePlan) -> str:
    """This pane's share of the next send, for its tooltip."""
    if p.problem is not None:
        return "No estimate: this pane's settings have a problem (see below)."
    cost = _prompt_cost(p.quote)
    if cost is None:
        return "Unpriced: the catalog has no input price for this model, so its cost is not estimated."
    return (f"Next prompt ≈ {fmt.money(cost, badge=False)} for a {PER_WORDS}-word prompt "
            "(input only, estimated; the answer is billed on top).")


def _names(names: list[str]) -> str:
    """Settings by their labels inside a sentence: "thinking budget, JSON schema"."""
    labels = [settings.BY_NAME[n].label.split(" (")[0] if n in settings.BY_NAME else n for n in names]
    return ", ".join(label if label[:2].isupper() else label[0].lower() + label[1:] for label in labels)


def attachments(items) -> None:
    """Thumbnails of a message's images, and the names of its PDFs."""
    items = list(items or [])
    images = [a for a in items if _field(a, "media_type", "").startswith("image/")]
    if images:
        st.image([_field(a, "data") for a in images], width=96, caption=[_field(a, "name") for a in images])
    for a in items:
        if _field(a, "media_type") == "application/pdf":
            st.caption(f":material/picture_as_pdf: {md.plain(_field(a, 'name'))}")


def _field(a, name: str, default=None):
    """An attachment's field, whether it is a stored Attachment or a just-uploaded dict."""
    return a.get(name, default) if isinstance(a, dict) else getattr(a, name, default)


def thinking(text: str | None, *, live: bool = False) -> None:
    """Thinking text or its summary: collapsed above the answer, never part of it."""
    if text:
        words = len(text.split())
        with st.expander(f"Thinking{'…' if live else ''} · {words:,} words", icon=":material/psychology:"):
            md.show(text)


def answer_text(status: str, text: str) -> str:
    """An answer as one markdown element: a failed or cancelled one starts with its status, never shown complete."""
    badge = "" if status == "ok" else fmt.STATUS_BADGE.get(status, f":red-badge[{status}]")
    return "\n\n".join(part for part in (badge, text) if part)


def footer(slot, error: str | None, status: str, result: CallResult | None) -> None:
    """Under an answer, in one slot: its error (a cancelled answer has none to show), then its metrics."""
    if error and status != "cancelled":
        with slot.container():
            st.error(md.safe(error), icon=":material/error:")
            if result is not None:
                st.caption(metrics_line(result))
    elif result is not None:
        slot.caption(metrics_line(result))


def message(m: MessageView, model: str | None = None, *, editable: bool | None = None) -> None:
    """A stored turn; a failed or cancelled answer says so and is never shown as complete.

    `model`: the pane's model now; an answer from another (before the pane was switched) says which gave it.
    `editable`: a prompt offers Edit, which sends the edited prompt to every pane in a copy of the conversation
    (False: drawn disabled while a send streams, so the pane keeps its elements; None: not offered).

    An answer has the live answer's four slots (live.LiveAnswer), in the same places: settings, thinking, text,
    footer. When the run that draws it from the database replaces the one that streamed it, each slot replaces
    its live twin; a slot in another place would leave the live copy on screen until the run ends.
    """
    if m.role == "user":
        with st.chat_message("user"):
            md.show(m.content, key=f"pg_msg_{m.id}")
            attachments(m.attachments)
            if editable is not None:
                with st.popover("Edit", icon=":material/edit:", type="tertiary", disabled=not editable,
                                help="Edit this prompt and send it to every pane again"):
                    key = f"pg_edit_{m.id}"
                    st.text_area("Prompt", value=m.content, key=key, height=120)
                    st.caption("Sent to every pane in a copy of this conversation that ends before this prompt "
                               "(with its files); this conversation stays as it is.")
                    st.button("Send to every pane", icon=":material/send:", key=f"pg_edit_send_{m.id}",
                              type="primary", on_click=state.edit_prompt, args=(m.id, key))
        return
    with st.chat_message("assistant"):
        options = m.result.options if m.result is not None else None
        # One slot, as the live answer's settings line: with who answered, when the pane had another model then.
        who = f":material/swap_horiz: answered by **{md.plain(m.model)}**" if model and m.model != model else ""
        line = " · ".join(x for x in (f":material/tune: {md.plain(settings.label(options))}" if options else "", who)
                          if x)
        (st.caption(line) if line else st.empty())
        with st.empty().container():
            thinking(m.thinking)
        with st.empty().container():  # one slot: the live answer's text, in its place
            if m.status != "ok":
                st.markdown(answer_text(m.status, ""))
            if m.content:
                md.show(m.content, key=f"pg_msg_{m.id}")  # its images load only when the reader asks
        footer(st.empty(), m.error, m.status, m.result)
    if m.result is not None and m.result.usage_id is not None and m.result.cost_usd is not None:
        receipt.for_usage(m.result.usage_id, m.result.cost_usd, key=f"pg_receipt_{m.id}")  # the cost opens it


def estimate_total(plans: list[PanePlan]) -> str:
    """The estimate, once, over the composer: a PER_WORDS-word prompt's input cost on every pane, in one figure."""
    ok = [p.quote for p in plans if p.problem is None]
    costs = [_prompt_cost(q) for q in ok]
    priced = [c for c in costs if c is not None]
    unpriced = len(costs) - len(priced)
    problems = len(plans) - len(ok)
    n = len(plans)
    to = f"to {n} pane{'s' if n != 1 else ''}" if n > 1 else ""
    if priced:
        head = f"**≈ {fmt.money(sum(priced, Decimal(0)), badge=False)}** for a {PER_WORDS}-word prompt {to}".rstrip()
    elif ok:
        head = f"Next send {to}: {fmt.UNPRICED} (no input price in the catalog)".replace("  ", " ")
    else:
        head = "No estimate"
    tail = []
    if priced and unpriced:
        tail.append(f"{unpriced} unpriced pane{'s' if unpriced > 1 else ''} not counted")
    if problems:
        tail.append(f"{problems} pane{'s' if problems > 1 else ''} with a settings problem not counted")
    note = "input only, estimated; a pane's share: the ? by its settings"
    return f"{head} *({'; '.join([note, *tail])})*"


def latest_answers(view: ConversationView | None, plans: list[PanePlan]) -> dict[str, CallResult]:
    """Each pane's answer to its latest prompt (when it has one), for the ranking row, by pane label."""
    out = {}
    if view is None:
        return out
    for i, p in enumerate(plans, 1):
        turns = view.pane(None, p.id)
        if len(turns) >= 2 and turns[-1].role == "assistant" and turns[-1].result is not None \
                and turns[-1].model == p.model:  # a pane switched to another model has no answer of it yet
            # The same model twice is told apart by its settings (then by its place, if they match).
            name = p.model if sum(q.model == p.model for q in plans) == 1 else \
                f"{p.model} · {settings.label(p.values, reasons=p.choice.reasons)}"
            name = name if name not in out else f"{name} ({i})"
            out[name] = turns[-1].result
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
        return "  ›  ".join(f":primary-badge[{i}] **{md.plain(m)}** {v}" for i, (m, v) in enumerate(items, 1))

    with st.container(border=True, key="pg_summary"):
        c1, c2 = st.columns(2)
        cost_items = [(m, fmt.money(c)) for c, m in priced] + [(m, fmt.UNPRICED) for m in unpriced]
        c1.markdown(f":material/payments: **Cheapest**  \n{ranked(cost_items) or '–'}")
        c2.markdown(f":material/speed: **Fastest**  \n"
                    f"{ranked([(m, fmt.duration(ms)) for ms, m in fastest]) or '–'}")
        if failed:
            st.caption("Not ranked: " + ", ".join(failed))
