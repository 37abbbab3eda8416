"""Who is acting: the user that spend, conversations and budgets are attributed to."""

from __future__ import annotations

import getpass
import os


def current_user() -> str:
    """Who the spend is attributed to when no login is configured."""
    try:
        return os.environ.get("ALONCHAT_USER") or getpass.getuser()
    except Exception:  # getpass fails without a passwd entry (some containers)
        return "unknown"
