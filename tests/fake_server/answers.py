"""Answers: deterministic replies by prompt for the Evaluate tests, so every check has a known outcome.

Set `fake_server.responder = Answers({...})`. A prompt containing a key (case-insensitive) gets that key's
answer; a model can have its own table (`per_model`), so panes differ in known ways. A judge's prompt
(AlonChat's judge fences the rubric in <rubric>) gets a verdict computed from the rubric and the answer:
a rubric "Mentions X" passes exactly when the answer contains X, with score 0.9 (pass) or 0.2 (fail).
"""

from __future__ import annotations

import json
import re

_RUBRIC = re.compile(r"<rubric>\s*(.*?)\s*</rubric>", re.DOTALL)
_ANSWER = re.compile(r"<answer>\s*(.*?)\s*</answer>", re.DOTALL)
_MENTIONS = re.compile(r"mentions\s+(.+)", re.IGNORECASE)


class Answers:
    """A responder for FakeServer: {prompt fragment: answer}, optionally per model id."""

    def __init__(self, table: dict[str, str] | None = None, per_model: dict[str, dict[str, str]] | None = None):
        self.table = dict(table or {})
        self.per_model = {k: dict(v) for k, v in (per_model or {}).items()}
        self.judged: list[tuple[str, str]] = []  # (judge model, answer) for each verdict given

    def __call__(self, model: str, prompt: str) -> str | None:
        if "<rubric>" in prompt:
            return self.verdict(model, prompt)
        for table in (self.per_model.get(model, {}), self.table):
            for key, answer in table.items():
                if key.lower() in prompt.lower():
                    return answer
        return None

    def verdict(self, model: str, prompt: str) -> str:
        rubric = _RUBRIC.search(prompt).group(1)
        found = _ANSWER.search(prompt)
        answer = found.group(1) if found else ""
        self.judged.append((model, answer))
        wanted = _MENTIONS.search(rubric)
        ok = bool(wanted) and wanted.group(1).strip().rstrip(".").lower() in answer.lower()
        reason = f"The answer {'mentions' if ok else 'does not mention'} {wanted.group(1).strip() if wanted else '?'}."
        return json.dumps({"pass": ok, "score": 0.9 if ok else 0.2, "reason": reason})
