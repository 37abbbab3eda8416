"""Sign-in and roles for the pages: Streamlit's OIDC login when secrets.toml has [auth], else single-user mode.

The one place the pages ask "who is this, and may they edit?": the engine enforces the same rule
(identity.require_admin), so hiding a control here is a courtesy, never the protection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from alonchat.access import identity


def _secrets_section(name: str):
    from streamlit.errors import StreamlitSecretNotFoundError

    try:
        return st.secrets.get(name, None)
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return None  # no secrets.toml at all


def sign_in_configured() -> bool:
    """Sign-in is on exactly when .streamlit/secrets.toml has an [auth] section."""
    return _secrets_section("auth") is not None


def admin_patterns() -> tuple[str, ...]:
    """ALONCHAT_ADMINS plus secrets.toml's [alonchat] admins (a list, or a comma-separated string)."""
    section = _secrets_section("alonchat") or {}
    extra = section.get("admins", []) if hasattr(section, "get") else []
    if isinstance(extra, str):
        extra = extra.split(",")
    return identity.admin_patterns(extra)


def signed_in() -> identity.Actor | None:
    """The session's signed-in user as an Actor (None when nobody is, or the login has no email)."""
    if not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "").strip().lower()
    return identity.Actor(email, identity.is_admin(email, admin_patterns()), signed_in=True) if email else None


def establish() -> identity.Actor | None:
    """Who acts in this session; with sign-in on and nobody signed in, draw the login screen and return None."""
    if not sign_in_configured():
        identity.require_sign_in(False)
        return identity.actor()  # the local user, as an admin (single-user mode)
    # From here on an unknown visitor is refused, never taken for the local admin; the engine asks
    # `signed_in` whenever it needs the actor, so callbacks (which run before the page) see them too.
    identity.require_sign_in(True, resolver=signed_in)
    who = signed_in()
    if who is None:
        _login_screen(signed_in_without_email=bool(st.user.is_logged_in))
    return who


def _login_screen(signed_in_without_email: bool) -> None:
    st.title("AlonChat", anchor=False)
    if signed_in_without_email:
        st.error("Your sign-in did not include an email address, which AlonChat needs to attribute spend. "
                 "Ask your identity provider's admin to release the `email` claim.")
        st.button("Log out", on_click=st.logout, key="auth_logout")
        return
    st.write("Sign in to use this AlonChat.")
    st.button("Log in", type="primary", icon=":material/login:", on_click=st.login, key="auth_login")


def sidebar_identity() -> None:
    """Who is signed in (with Log out), or that the app is single-user."""
    from alonchat.access.teams import team_of

    who = identity.actor()
    team = team_of(who.email)
    in_team = f" · team {team}" if team else ""
    if who.signed_in:
        st.caption(f":material/person: Signed in as **{who.email}** · {who.role}{in_team}")
        st.button("Log out", on_click=st.logout, key="auth_logout", icon=":material/logout:", type="tertiary")
    else:
        st.caption(f":material/person: Single-user mode as **{who.email}**{in_team} (no sign-in configured)")


def can_edit() -> bool:
    """Whether the acting user may change models, prices, endpoints, budgets and teams (admins)."""
    return identity.actor().is_admin


def read_only_note(what: str) -> None:
    st.caption(f":material/lock: {what} is read-only for members; an admin can change it.")


def as_drawer(build: Callable[[], Any]) -> Callable[[], Any]:
    """`build`, to run later as the user this run is drawn for (who will click).

    Streamlit runs a deferred download's callable on a worker thread outside the script run, where the
    session's login cannot be read: without the actor captured here, the engine would see nobody and
    (with sign-in on) refuse, and the browser would say "Failed to generate file for download".
    """
    who = identity.actor()

    def run() -> Any:
        with identity.acting_as(who):
            return build()

    return run


def download_button(where, label: str, build: Callable[[], Any], **kwargs) -> None:
    """A download built when clicked (a page view never pays for it), as the user who clicked: the app's one way.

    `where` is `st` or a column; `kwargs` go to st.download_button (file_name, mime, key, help...).
    """
    kwargs.setdefault("icon", ":material/download:")
    where.download_button(label, as_drawer(build), on_click="ignore", **kwargs)
