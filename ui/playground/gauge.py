"""Each pane's context gauge, following the composer as the prompt is typed (st.chat_input tells nothing before Enter).

Python gives each pane what the engine's quote says it sends before the prompt (system prompt, earlier turns, their
files), its model's context window and the output it asks room for, with the engine's own text rule
(core/tokens.text_rule); the browser counts the draft by that rule at each keystroke. Nothing leaves the page.
"""

from __future__ import annotations

import streamlit as st

from alonchat.calls.inputs import Quote
from alonchat.core.tokens import estimate_tokens, text_rule

COMPOSER = '[data-testid="stChatInputTextArea"]'  # the chat_input's textarea: the one box the prompt is typed in
WARN, HIGH = 0.75, 0.9  # shares of the window from which the gauge turns orange, then red

_JS = r"""
const esc = (cp) => '\\u{' + cp.toString(16) + '}';

function counter(rule) {
  // The engine's text estimate (alonchat/core/tokens.py), from its parameters: runs of word characters are a token
  // per chars_per_token characters (rounded up); any other character that is not a space is one.
  const word = rule.word_categories.map((c) => '\\p{' + c + '}').join('')
    + [...rule.word_chars].map((c) => esc(c.codePointAt(0))).join('');
  const re = new RegExp('[' + word + ']+|[^' + word + rule.spaces.map(esc).join('') + ']', 'gu');
  return (text) => {
    let n = 0;
    for (const m of (text || '').matchAll(re)) n += Math.max(1, Math.ceil([...m[0]].length / rule.chars_per_token));
    return n;
  };
}

function short(n) {  // as ui/format.short_count: 950, 12.3k, 128k, 1M
  for (const [size, unit] of [[1e6, 'M'], [1e3, 'k']]) {
    if (n >= size) {
      const v = n / size;
      return (v < 100 ? v.toFixed(1).replace(/0$/, '').replace(/\.$/, '') : v.toFixed(0)) + unit;
    }
  }
  return String(n);
}

const full = (n) => n.toLocaleString('en-US');

function draw(g, text) {
  const d = g.data, draft = g.count(text), total = d.base + draft;
  const used = d.window ? total / d.window : null;
  const over = d.window ? total + d.reserve > d.window : false;
  const level = over ? 'over' : used === null ? 'ok' : used >= d.high ? 'high' : used >= d.warn ? 'warn' : 'ok';
  // The draft and what the pane already sends, each when there is some: "≈ 35 + 1.2k / 128k tok".
  const figures = (draft && d.base ? short(draft) + ' + ' + short(d.base) : short(total))
    + (d.window ? ' / ' + short(d.window) : '');
  const pct = used !== null && used >= 0.01 ? ' (' + Math.round(used * 100) + '%)' : '';
  g.text.textContent = '≈ ' + figures + ' tok' + (over ? '' : pct);
  g.note.textContent = over ? ' · not sent' : '';
  g.el.dataset.level = level;
  g.el.dataset.draft = draft;
  g.el.dataset.total = total;
  g.ring.style.strokeDasharray = Math.min(1, used || 0) * 100 + ' 100';
  const parts = 'this prompt ≈ ' + full(draft) + ' + what the pane already sends ≈ ' + full(d.base)
    + ' (system prompt, earlier turns and their files)';
  const asked = d.reserve ? ' plus ' + full(d.reserve) + ' asked for (max tokens)' : '';
  g.el.title = (over
    ? 'Not sent at Send: ' + parts + asked + ' is more than ' + d.model + "'s context window of " + full(d.window)
      + ' tokens. Shorten the prompt or the history' + (d.reserve ? ', lower max tokens' : '')
      + ', or pick a model with a larger window; the other panes are sent.'
    : 'Context: ' + parts + (d.window ? ', of ' + d.model + "'s context window of " + full(d.window) + ' tokens'
      + (asked ? ' (which must also hold the ' + full(d.reserve) + ' tokens asked for: max tokens)' : '')
      : ' (' + d.model + "'s context window is not in the catalog)") + '.')
    + ' Tokens estimated as the engine counts them (words and punctuation), not by the model\'s tokenizer;'
    + ' files you attach count at Send.';
}

export default function ({ data, parentElement }) {
  let g = parentElement.__gauge;
  if (!g) {
    const el = document.createElement('span');
    el.className = 'gauge';
    el.innerHTML = '<svg viewBox="0 0 36 36" aria-hidden="true"><circle class="track" cx="18" cy="18" r="15.9"/>'
      + '<circle class="fill" cx="18" cy="18" r="15.9" pathLength="100"/></svg><span class="text"></span>'
      + '<span class="note"></span>';
    parentElement.appendChild(el);
    g = { el, text: el.querySelector('.text'), note: el.querySelector('.note'), ring: el.querySelector('.fill') };
    // One listener for the page's composer, whichever element React draws it in (it is redrawn on reruns).
    g.onInput = (e) => {
      if (e.target && e.target.matches && e.target.matches(g.data.composer)) draw(g, e.target.value);
    };
    document.addEventListener('input', g.onInput, true);
    parentElement.__gauge = g;
  }
  // A rerun brings new figures to the same element (Streamlit calls this again, without the cleanup in between).
  g.data = data;
  g.count = counter(data.rule);
  const box = document.querySelector(data.composer);
  draw(g, box ? box.value : '');
  return () => {
    document.removeEventListener('input', g.onInput, true);
    g.el.remove();
    delete parentElement.__gauge;
  };
}
"""

_CSS = """
.gauge { display: inline-flex; align-items: center; gap: 0.3rem; white-space: nowrap;
  font-family: var(--st-font); font-size: 0.875rem; line-height: 1.5; color: var(--st-gray-text-color); }
.gauge svg { width: 0.85rem; height: 0.85rem; transform: rotate(-90deg); flex: none; }
.gauge circle { fill: none; stroke-width: 5; }
.gauge .track { stroke: var(--st-border-color); }
.gauge .fill { stroke: currentColor; stroke-dasharray: 0 100; }
.gauge[data-level="warn"] { color: var(--st-orange-text-color); }
.gauge[data-level="high"], .gauge[data-level="over"] { color: var(--st-red-text-color); }
.gauge[data-level="over"] .note { font-weight: 600; }
"""

_component = st.components.v2.component("alonchat_context_gauge", js=_JS, css=_CSS)


def figures(quote: Quote | None, draft: str) -> dict | None:
    """What the browser needs to draw a pane's gauge, from the engine's quote for the pane's next send (made with
    `draft` as the prompt, whose tokens are taken off); None when the quote has no count (a problem is shown)."""
    if quote is None or quote.tokens is None or not quote.ok:
        return None
    return {"base": max(0, quote.tokens - estimate_tokens(draft)), "window": quote.window,
            "reserve": quote.max_tokens or 0, "model": quote.model, "rule": text_rule(), "warn": WARN,
            "high": HIGH, "composer": COMPOSER}


def show(pane_id: int, quote: Quote | None, draft: str) -> None:
    """The pane's gauge (nothing when its next send has a problem: the pane says which)."""
    data = figures(quote, draft)
    if data is not None:
        _component(key=f"pg_gauge_{pane_id}", data=data, width="content", height="content")
