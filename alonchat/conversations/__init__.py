"""The playground's saved history: conversations whose panes each keep their own turns with one model.

read.py holds what a conversation is and loads it, write.py stores sends, answers, renames and forks, exports.py
turns one into Markdown or JSON. Callers import from here.
"""

from .exports import export_json, export_markdown
from .read import (
    CONTINUE_PROMPT,
    ConversationSummary,
    ConversationView,
    MessageView,
    PaneLayout,
    Resend,
    list_for,
    load,
)
from .write import TITLE_MAX, add_answer, add_prompt, create, fork, remove, rename, title_from

__all__ = [
    "CONTINUE_PROMPT", "TITLE_MAX", "ConversationSummary", "ConversationView", "MessageView", "PaneLayout", "Resend",
    "add_answer", "add_prompt", "create", "export_json", "export_markdown", "fork", "list_for", "load", "remove",
    "rename", "title_from",
]
