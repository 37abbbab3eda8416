"""Who is acting: the user that spend, conversations and budgets are attributed to, and whether they are an admin.

The app sets the signed-in actor for its script run (`acting_as`); the CLI and single-user mode act
as a local admin. With sign-in on (`require_sign_in`), an unset actor is refused: the engine fails
closed rather than treating an unknown visitor as the local admin.

The engine's functions take who acts from here, never from their caller: `own()` for what is private
to its owner (conversations), `billed_user()` for whom a call is charged to, `require_admin()` for
shared settings. A caller-supplied user is only ever checked against the actor.
"""

from __future__ import annotations

import contextvars
import getpass
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from ..core.errors import PermissionDeniedError
from ..core.text import quoted


@dataclass(frozen=True)
class Actor:
    """A signed-in (or local) user: the email (or OS user name) that is the key for spend, and the role."""

    email: str
    is_admin: bool
    signed_in: bool = False

    @property
    def role(self) -> str:
        return "admin" if self.is_admin else "member"


T = TypeVar("T")
_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("alonchat_actor", default=None)
_sign_in_required = False
_resolver: Callable[[], Actor | None] | None = None


def local_user() -> str:
    """Who the spend is attributed to when no login is configured."""
    try:
        return os.environ.get("ALONCHAT_USER") or getpass.getuser()
    except Exception:  # getpass fails without a passwd entry (some containers)
        return "unknown"


def require_sign_in(on: bool = True, resolver: Callable[[], Actor | None] | None = None) -> None:
    """The app calls this when sign-in is configured: from then on no actor means no access (fail closed).

    `resolver` tells who is signed in right now (the app reads its session's login); it is asked
    whenever no actor was set explicitly, so callbacks and page code see the same user.
    """
    global _sign_in_required, _resolver
    _sign_in_required, _resolver = on, resolver if on else None


def sign_in_required() -> bool:
    return _sign_in_required


def actor() -> Actor:
    """The acting user: the one set for this run, else the local admin (CLI, single-user app)."""
    current = _actor.get()
    if current is not None:
        return current
    if _resolver is not None:
        try:
            current = _resolver()
        except Exception:  # no session here (a worker thread): unknown, so refused below
            current = None
        if current is not None:
            return current
    if _sign_in_required:
        raise PermissionDeniedError("Sign in first: this AlonChat requires a signed-in user.")
    return Actor(local_user(), is_admin=True)


def current_user() -> str:
    """The email (or local user name) that spend, conversations and budgets are attributed to."""
    return actor().email


def own(named: str | None = None, what: str = "use this") -> str:
    """The acting user, whose private things (conversations) these are; naming anyone else is refused, admins too."""
    who = actor()
    if named and named != who.email:
        raise PermissionDeniedError(f"{who.email} cannot {what} of {quoted(named)}: each user's are private "
                                    "to them, admins included.")
    return who.email


def billed_user(named: str | None = None) -> str:
    """Whom a call is charged to: the acting user; only an admin may name someone else (a script run for them)."""
    who = actor()
    if not named or named == who.email:
        return who.email
    if not who.is_admin:
        raise PermissionDeniedError(f"{who.email} cannot make calls charged to {quoted(named)}; a member's calls "
                                    "are their own.")
    return named


@contextmanager
def acting_as(who: Actor) -> Iterator[Actor]:
    """Run the block as `who` (the app wraps each page run in it; tests use it for the role matrix)."""
    token = _actor.set(who)
    try:
        yield who
    finally:
        _actor.reset(token)


def carried(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn`, to run on another thread as whoever acts here and now: a context variable does not follow a thread,
    and the app's sign-in is readable on the page's thread only (the panes, compare(), eval workers use it)."""
    who = actor()

    def as_them(*args, **kwargs) -> T:
        with acting_as(who):
            return fn(*args, **kwargs)

    return as_them


def set_actor(who: Actor | None) -> None:
    """Set the actor for the rest of this thread's context (a Streamlit script run)."""
    _actor.set(who)


def admin_patterns(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """ALONCHAT_ADMINS (comma-separated emails or @domain) plus `extra` (secrets.toml's [alonchat] admins)."""
    items = [p for p in os.environ.get("ALONCHAT_ADMINS", "").split(",")]
    items += list(extra)
    return tuple(p.strip().lower() for p in items if p and p.strip())


def is_admin(email: str, patterns: Iterable[str]) -> bool:
    """An exact email, or an @domain that the email ends with, in the admin list."""
    email = email.strip().lower()
    return any(p == email or p.startswith("@") and email.endswith(p) for p in patterns)


def require_admin(what: str, who: Actor | None = None) -> Actor:
    """Return the acting admin, or refuse: members may chat and read, only admins change shared settings."""
    who = who or actor()
    if not who.is_admin:
        raise PermissionDeniedError(f"Only an admin can {what}; {who.email} is a member. Ask an admin "
                                    "(listed in ALONCHAT_ADMINS or secrets.toml's [alonchat] admins).")
    return who
