"""Streaming answers into the panes without falling behind, however long the answers get.

Re-sending a pane's whole text on every token made each update cost O(length) in the browser: with
several long answers the page fell behind, its connection dropped, and the reconnect's rerun cancelled
the run ("cancelled by the user" with no click). So a live answer freezes each finished paragraph in its
own element, which is never sent again, and re-renders only the unfinished tail, at most UPDATES_PER_S
times a second per pane. The run itself outlives any rerun (see the page), so a click never cancels it.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import streamlit as st

from alonchat.calls.parallel import PaneState, ParallelRun
from ui import safe_markdown as md
from ui.playground import panes

CURSOR = " ▌"
UPDATES_PER_S = 10  # per pane, at most
PAGE_UPDATES_PER_S = 30  # for all panes together: six panes update 5 times a second each
CLOCK_S = 0.5  # how often a streaming pane's timer (and a retry countdown) is redrawn
TAIL_MAX = 1500  # characters: a longer tail without a paragraph break is frozen at a line or word break
_FENCE = re.compile(r"^\s*(```|~~~)", re.MULTILINE)


@dataclass
class LivePane:
    """Where one pane's live answer goes: its place in the run, the prompt it answers, and what is drawn so far."""

    index: int  # in the run
    prompt_id: int  # the stored prompt it answers: turns after it are drawn live, not from the database
    prefix: str = ""  # the cancelled text a continuation picks up from
    cuts: list[int] = field(default_factory=list)  # where its answer was frozen so far (LiveAnswer.cuts)


@dataclass
class LiveSend:
    """The send streaming right now: one object in session state, kept across reruns until its answers are drawn."""

    run: ParallelRun
    panes: dict[int, LivePane]  # by pane id

    def pane(self, pane_id: int) -> LivePane | None:
        return self.panes.get(pane_id)

    def streaming(self, pane_id: int) -> bool:
        """Whether the pane's answer is still coming (its Stop button shows)."""
        where = self.panes.get(pane_id)
        return where is not None and not self.run.panes[where.index].finished

    def stop_pane(self, pane_id: int) -> None:
        """Cancel one pane; the others stream on."""
        where = self.panes.get(pane_id)
        if where is not None:
            self.run.stop_pane(where.index)


def freeze_point(text: str, start: int) -> int:
    """Where the finished part of `text[start:]` ends: after its last paragraph break outside a code block.

    Returns `start` when nothing can be frozen yet. A tail longer than TAIL_MAX with no paragraph break is
    cut at its last line break (or, failing that, its last space) outside a code block, so no element is
    re-sent for ever; the split costs at most a paragraph break in the live view (the stored answer,
    rendered after the run, is whole).
    """
    tail = text[start:]
    cut = -1
    for m in re.finditer(r"\n\s*\n", tail):
        if len(_FENCE.findall(text, 0, start + m.start())) % 2 == 0:
            cut = m.end()
    if cut < 0 and len(tail) > TAIL_MAX and len(_FENCE.findall(text, 0, len(text))) % 2 == 0:
        at = max(tail.rfind("\n"), tail.rfind(" "))
        cut = at + 1 if at > 0 else -1
    return start + cut if cut > 0 else start


def waiting(pane: PaneState) -> str | None:
    """What a pane waiting to retry says instead of a silent "Waiting for the first token…"."""
    n, left = pane.notice, pane.retry_in_s
    if n is None or left is None:
        return None
    return f"{n.reason}, retrying in {math.ceil(left)} s (attempt {n.attempt} of {n.attempts})"


class LiveAnswer:
    """Placeholders for the answer being streamed into one pane, updated from the script thread.

    The answer is a column of elements: its frozen paragraphs, then the live tail. When paragraphs are
    finished, the tail's own element is drawn with them (final, no cursor) and a new tail element starts
    after it. So each update sends one element, and a rerun that interrupts the script between two
    updates leaves the page showing the start of the answer, in order: never a paragraph twice (a
    paragraph drawn frozen while the old tail still showed it) and never a gap.
    """

    def __init__(self, settings_label: str = "", prefix: str = "", stop=None, cuts: list[int] | None = None):
        self.box = st.chat_message("assistant")
        with self.box:  # the four slots of a stored answer (panes.message), in the same places
            (st.caption(f":material/tune: {md.plain(settings_label)}") if settings_label else st.empty())
            self.thinking = st.empty()
            self.text = st.empty()  # at the end, the whole answer in one element
            self.body = self.text.container()  # while it streams: the frozen paragraphs, then the tail
            self.meta = st.empty()
        self.prefix = prefix
        self.stop = stop  # the pane's Stop button's placeholder: gone once the answer ends
        self.frozen_at = 0
        # Where the text was frozen so far, kept across reruns (the page keeps the list in session state).
        self.cuts = cuts if cuts is not None else []
        self.tail = None  # the live element, after the frozen ones; made when they are drawn
        self.last = 0.0
        self.thought_at = 0.0
        self.clock_at = 0.0
        if not self.cuts:  # a fresh answer; after a rerun the first update redraws what was frozen first
            self._replay("")
            self.tail.markdown(":gray[Waiting for the first token…]")

    def _replay(self, text: str) -> None:
        """Draw the paragraphs frozen so far (after a rerun: again, in the same elements as before), then the tail.

        Streamlit keeps the previous run's elements on screen until this run draws over them, so drawing
        the frozen text in fewer elements showed older paragraphs twice until the answer ended.
        """
        if self.tail is not None:  # drawn already
            return
        for cut in self.cuts:
            self.body.markdown(md.safe(text[self.frozen_at:cut]))
            self.frozen_at = cut
        self.tail = self.body.empty()

    def due(self, now: float, interval: float) -> bool:
        return now - self.last >= interval

    def update(self, pane: PaneState) -> None:
        """Show what is new since the last update; the final update shows the result's status and metrics.

        The streaming timer is redrawn every CLOCK_S, not with every text update: a caption per text
        update doubled what the browser had to apply.
        """
        self.last = time.monotonic()
        text = self.prefix + pane.text
        self._replay(text)
        if pane.thinking and (pane.result is not None or self.last - self.thought_at > 1.0):
            self.thought_at = self.last
            with self.thinking.container():
                panes.thinking(pane.thinking, live=pane.result is None)
        if pane.result is None:
            cut = freeze_point(text, self.frozen_at)
            if cut > self.frozen_at:  # the tail's element keeps the finished paragraphs; a new one takes the rest
                self.tail.markdown(md.safe(text[self.frozen_at:cut]))
                self.frozen_at = cut
                self.cuts.append(cut)
                self.tail = self.body.empty()
            if text:
                self.tail.markdown(md.safe(text[self.frozen_at:]) + CURSOR)
            elif waiting(pane):
                self.tail.markdown(f":orange[:material/schedule: {waiting(pane)}]")
            if self.last - self.clock_at >= CLOCK_S:
                self.clock_at = self.last
                self.meta.caption(f":material/progress_activity: streaming · {pane.elapsed_s:.1f} s")
            return
        r = pane.result
        if self.stop is not None:
            self.stop.empty()
        # One element for the whole answer, as the stored answer draws it: its frozen pieces go with the container
        # (left in place, the stored answer's run would show them beside it until that run ended).
        self.text.markdown(panes.answer_text(r.status, md.safe(text)))
        panes.footer(self.meta, r.error_message, r.status, r)


def drain(run, slots: dict[int, LiveAnswer]) -> None:
    """Update each pane as its tokens arrive until every pane finished (script thread only).

    Each pane is updated at most UPDATES_PER_S times a second, and all of them together at most
    PAGE_UPDATES_PER_S, so the browser's work stays bounded however many panes stream; the timers (and
    retry countdowns) every CLOCK_S, which also gives Streamlit a moment to deliver a click. A finished
    pane is updated at once.
    """
    dirty: set[int] = set(slots)  # a rerun re-attaching to a run shows every pane's state at once
    last_tick = 0.0
    while True:
        done = run.finished
        dirty |= run.poll(0.05) & slots.keys()
        now = time.monotonic()
        if now - last_tick >= CLOCK_S:
            dirty |= {i for i, p in enumerate(run.panes) if not p.finished and i in slots}
            last_tick = now
        streaming = sum(1 for i in slots if not run.panes[i].finished)
        interval = max(1 / UPDATES_PER_S, streaming / PAGE_UPDATES_PER_S)
        for i in sorted(dirty):
            if run.panes[i].finished or slots[i].due(now, interval):
                slots[i].update(run.panes[i])
                dirty.discard(i)
        if done and not dirty:
            return
