"""The compare view's fit to the screen: panes as tall as the window leaves them, headers that never wrap.

Streamlit sizes a scrolling container in fixed pixels only, so the panes' height follows the window through
CSS on their keys' classes (`st-key-<key>`): each pane row fills what the window leaves between the compact
header and the composer; a second row (four to six panes) is reached by scrolling the page, and the composer
stays at the bottom (st.bottom) all along.
"""

from __future__ import annotations

import streamlit as st

# px the window keeps for the rest of the page: the top padding, the header bar, a pane's own header and
# caption, and the composer with its estimate line (measured at 1280x800 and 1920x1080).
CHROME_PX = 420
MIN_PANE_PX = 220  # below this a pane shows too few lines to compare; the page scrolls instead

_PANE = f"max({MIN_PANE_PX}px, calc(100dvh - {CHROME_PX}px))"
_CSS = f"""
<style>
/* The page starts near the top: the compact header replaces the title block. */
[data-testid="stMainBlockContainer"] {{ padding-top: 2.2rem; }}
/* Each pane's answers fill the window's height left over by the header, the pane header and the composer. */
/* (Streamlit fixes the height on the container's wrapper too, as its flex basis, so both are set.) */
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-pg_scroll_"]), [class*="st-key-pg_scroll_"] {{
  height: {_PANE} !important; flex-basis: {_PANE} !important; }}
/* A pane header is one line: the name shortens with an ellipsis, its buttons never wrap under it. */
[class*="st-key-pg_head_"] {{ flex-wrap: nowrap !important; }}
[class*="st-key-pg_head_"] > div {{ flex: 0 0 auto; }}
[class*="st-key-pg_head_"] > div:nth-child(1) {{ flex: 0 1 auto; min-width: 0; overflow: hidden; }}
[class*="st-key-pg_head_"] > div:nth-child(1) * {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  font-weight: 600; }}
/* The badge, then the room before the buttons: it grows into what is left, never over the buttons. */
[class*="st-key-pg_head_"] > div:nth-child(2) {{ flex: 1 1 0%; min-width: max-content; width: auto !important; }}
/* A narrow pane keeps its header buttons' words for screen readers (their accessible names) and shows the icons,
   with the words on hover (help=); Stop keeps its word in view. */
[class*="st-key-pg_pane_"] {{ container-type: inline-size; }}
@container (max-width: 560px) {{
  [class*="st-key-pg_head_"] button [data-testid="stMarkdownContainer"] {{
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }}
  [class*="st-key-pg_head_"] [class*="st-key-pg_stop_"] button [data-testid="stMarkdownContainer"] {{
    position: static; width: auto; height: auto; overflow: visible; clip-path: none; }}
  /* The name before the provider badge (it is in the Settings menu's model picker). */
  [class*="st-key-pg_head_"] > div:nth-child(2) {{ display: none; }}
  [class*="st-key-pg_head_"] > div:nth-child(1) {{ flex: 1 1 auto; }}
}}
/* A pane's settings line: the settings shorten (ellipsis), the context gauge after them keeps its figures. */
[class*="st-key-pg_line_"] {{ flex-wrap: nowrap !important; }}
[class*="st-key-pg_line_"] > div:nth-child(1) {{ flex: 0 1 auto; min-width: 0; overflow: hidden; }}
[class*="st-key-pg_line_"] > div:nth-child(1) p {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
/* Its ? (the pane's share of the estimate) stays in view at the end when the settings shorten. */
[class*="st-key-pg_line_"] [data-testid="stCaptionContainer"] p {{ position: relative; padding-right: 1.25rem; }}
[class*="st-key-pg_line_"] [data-testid="stCaptionContainer"] p > span:has([data-testid="stTooltipIcon"]) {{
  position: absolute; right: 0; top: 0; bottom: 0; display: flex; align-items: center; }}
[class*="st-key-pg_line_"] [data-testid="stCaptionContainer"] p > span:has([data-testid="stTooltipIcon"]) * {{
  margin: 0 !important; }}
[class*="st-key-pg_line_"] > div:nth-child(n+2) {{ flex: 0 0 auto; }}
/* In a pane, the answer gets the width: no avatars (the bubble tells prompt from answer), less padding. */
[class*="st-key-pg_pane_"] {{ padding: 0.75rem; }}
[class*="st-key-pg_scroll_"] {{ border: none !important; padding: 0 !important; }}
[class*="st-key-pg_scroll_"] [data-testid^="stChatMessageAvatar"] {{ display: none; }}
[class*="st-key-pg_scroll_"] [data-testid="stChatMessage"] {{ padding: 0.5rem 0.6rem; gap: 0; }}
/* The compact bar: the title and the buttons keep their words, the pickers share what is left. */
.st-key-pg_bar {{ flex-wrap: nowrap !important; }}
.st-key-pg_bar h1 {{ font-size: 1.05rem; padding: 0; white-space: nowrap; }}
.st-key-pg_bar > div {{ min-width: 0; }}
</style>
"""


def fit() -> None:
    """Apply the compare view's CSS (drawn as a hidden element; it takes no room)."""
    st.html(_CSS)
