"""The app's frame (page config, keys, shared sidebar, navigation), however a page is reached."""

from __future__ import annotations

import gc
import sys
import threading

import streamlit as st

from ui import auth, sidebar

PAGES = (
    ("pages/playground.py", "Playground", ":material/forum:"),
    ("pages/catalog.py", "Model catalog", ":material/menu_book:"),
    ("pages/costs.py", "Costs", ":material/payments:"),
    ("pages/arena.py", "Arena", ":material/trophy:"),
    ("pages/evaluate.py", "Evaluate", ":material/fact_check:"),
)
_run = threading.local()  # one script thread per session run: "are we inside main() right now?"
_frozen_at = 0  # how many modules were loaded when the cyclic GC last stopped scanning them
_freeze_lock = threading.Lock()


def main() -> None:
    """What app.py does: configure, load keys, draw the shared sidebar, run the chosen page."""
    st.set_page_config(page_title="AlonChat", page_icon=":material/forum:", layout="wide",
                       initial_sidebar_state="auto")
    sidebar.load_secrets()
    who = auth.establish()  # with sign-in on and nobody signed in: the login screen, and nothing else
    nav = st.navigation([st.Page(path, title=title, icon=icon, default=i == 0)
                         for i, (path, title, icon) in enumerate(PAGES)],
                        position="sidebar" if who is not None else "hidden")
    if who is None:
        st.stop()
    sidebar.render()
    _run.inside = True
    try:
        nav.run()
    finally:
        _run.inside = False
        freeze_imports()


def freeze_imports() -> None:
    """Keep what imports built out of full garbage collections, which otherwise stall streams and the page.

    A full collection scans every live object; with Streamlit, the SDKs, SQLAlchemy and pandas loaded that
    took 150-240 ms here, holding the GIL: every stream stopped reading and the finished answer waited to
    be sent (Streamlit collects after each script run). Modules live for the whole process, so after a run
    that loaded new ones, what exists is collected once and frozen (gc.freeze); later collections scan
    only what sessions create. What sessions hold at that moment is frozen too (a cycle among it is never
    collected): that happens a few times per process, when a page first imports its modules.
    """
    global _frozen_at
    with _freeze_lock:
        if len(sys.modules) == _frozen_at:
            return
        gc.collect()
        gc.freeze()
        _frozen_at = len(sys.modules)


def ensure() -> None:
    """Called first by every page: a page opened by its own URL still gets the frame.

    Streamlit 1.67 treats a `pages/` folder beside the entry script as its older router and runs
    `pages/x.py` alone when `/x` is opened directly, skipping app.py; this runs the frame instead,
    which runs the page.
    """
    if getattr(_run, "inside", False):
        return
    main()
    st.stop()
