"""Markdown from outside (answers, prompts, names, titles) made safe before Streamlit renders it.

The rewriting is the engine's (alonchat/core/markdown.py: remote images held back, unsafe links shown as
text, found by a real parser); this module draws it: a held-back image is a placeholder naming its address,
with a button that loads the images of that message when the reader asks.

Pages call show() (or safe(), and plain() for names and titles) instead of handing outside text to
st.markdown.
"""

from __future__ import annotations

import streamlit as st

from alonchat.core.markdown import Cleaned, code, cut, is_remote, is_safe_link, plain
from alonchat.core.markdown import clean as _clean_with

__all__ = ["Cleaned", "clean", "is_remote", "is_safe_link", "placeholder", "plain", "safe", "show"]

LOADED = "md_images_loaded"  # session state: the keys of the messages whose images the reader asked for


def placeholder(alt: str, url: str) -> str:
    """What an image held back shows: its description and the address it would be fetched from."""
    what = f"*{plain(alt)}* " if alt.strip() else ""
    return f":material/hide_image: image {what}not loaded: {code(cut(url))}"


def clean(text: str | None, *, images: bool = False) -> Cleaned:
    """`text` with remote images held back as placeholders (unless `images`) and unsafe links shown as text."""
    return _clean_with(text, images=images, held=placeholder)


def show(text: str | None, *, key: str | None = None, where=None) -> None:
    """Render outside markdown safely; with a `key`, held-back images get a button that loads them for this message.

    Without a key (a streaming answer, thinking text) images stay placeholders: the stored message, drawn
    once the answer is over, has the button.
    """
    where = where if where is not None else st
    loaded = key is not None and key in st.session_state.get(LOADED, ())
    cleaned = clean(text, images=loaded)
    where.markdown(cleaned.text)
    if cleaned.held_images and key is not None:
        n = cleaned.held_images
        where.button(f"Load {n} image{'s' * (n != 1)} from outside", key=f"md_load_{key}", on_click=_load,
                     args=(key,), icon=":material/image:", type="tertiary",
                     help="The images come from other servers: loading them tells those servers you opened this "
                          "(and whatever their addresses carry, shown above).")


def _load(key: str) -> None:
    st.session_state[LOADED] = {*st.session_state.get(LOADED, ()), key}


def safe(text: str | None) -> str:
    """The markdown to render for `text`, its remote images held back: for st.error, captions and live text."""
    return clean(text).text


