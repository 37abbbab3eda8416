"""Deferred downloads run as the user who clicked, even on the worker thread Streamlit builds them on."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from alonchat.access import identity
from alonchat.core.errors import PermissionDeniedError
from ui import auth

ROOT = Path(__file__).resolve().parents[2]
ANA = identity.Actor("ana@corp.example", is_admin=False, signed_in=True)


def on_worker(fn):
    """Run `fn` on a new thread, as Streamlit's deferred-file handler does; its result or its error."""
    out = {}

    def go():
        try:
            out["value"] = fn()
        except Exception as e:  # handed back to the test
            out["error"] = e

    t = threading.Thread(target=go)
    t.start()
    t.join()
    return out


@pytest.fixture
def signed_in_on_this_thread():
    """Sign-in on, and the session's login readable only on this (the script's) thread, as with st.user."""
    script = threading.get_ident()
    identity.require_sign_in(True, resolver=lambda: ANA if threading.get_ident() == script else None)
    yield
    identity.require_sign_in(False)


def test_a_deferred_build_runs_as_the_user_the_button_was_drawn_for(signed_in_on_this_thread):
    assert identity.current_user() == ANA.email
    bare = on_worker(identity.current_user)
    assert isinstance(bare.get("error"), PermissionDeniedError)  # what "Failed to generate file" was
    assert on_worker(auth.as_drawer(identity.current_user)) == {"value": ANA.email}
    assert on_worker(auth.as_drawer(lambda: identity.actor().is_admin)) == {"value": False}  # the role too


def test_the_drawers_actor_is_captured_when_drawn_not_when_clicked(signed_in_on_this_thread):
    build = auth.as_drawer(identity.current_user)
    other = identity.Actor("root@corp.example", is_admin=True, signed_in=True)
    with identity.acting_as(other):  # whoever else runs next on the server
        assert on_worker(build) == {"value": ANA.email}


def _download_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "download_button":
            yield node


def test_every_deferred_download_in_the_app_goes_through_the_one_helper():
    """A callable handed to st.download_button directly would run as nobody: only ui/auth.py may do it."""
    offenders = []
    for path in [ROOT / "app.py", *(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]:
        if path == ROOT / "ui" / "auth.py":
            continue
        for call in _download_calls(path):
            data = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "data"),
                                                                None)
            # A lambda, or a function or method named without calling it (`rec.to_csv`), is built later;
            # bytes come from a call made while drawing, which runs as the drawer anyway.
            if isinstance(data, ast.Lambda | ast.Attribute | ast.Name):
                offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not offenders, f"use ui.auth.download_button for deferred downloads: {offenders}"
