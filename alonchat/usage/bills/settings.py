"""Billing settings (admin keys, which keys and projects are AlonChat's) from the environment or secrets.toml.

The app copies secrets.toml into the environment at start; the CLI reads the file itself, so
`alonchat reconcile` finds the same keys. A key is returned to the caller and nowhere else: never
stored, printed or logged.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from ...storage.engine import IN_CHECKOUT, ROOT


def _secrets_files() -> list[Path]:
    """Where Streamlit reads secrets.toml: the working folder's .streamlit/, the checkout's, the user's."""
    files = [Path.cwd() / ".streamlit" / "secrets.toml"]
    if IN_CHECKOUT:
        files.append(ROOT / ".streamlit" / "secrets.toml")
    files.append(Path.home() / ".streamlit" / "secrets.toml")
    return list(dict.fromkeys(files))


def setting(name: str) -> str | None:
    """A top-level setting: the environment first, then secrets.toml; blank is unset."""
    value = (os.environ.get(name) or "").strip()
    if value:
        return value
    for path in _secrets_files():
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        found = data.get(name)
        if isinstance(found, str) and found.strip():
            return found.strip()
    return None


def id_list(name: str) -> tuple[str, ...]:
    """A comma-separated list of ids (API key ids, projects, workspaces); empty when unset."""
    return tuple(dict.fromkeys(p.strip() for p in (setting(name) or "").split(",") if p.strip()))
