"""The LLM judge: a rubric graded by a chosen model at temperature 0, answering pass/fail, a score and a reason.

Its calls go through ai_service like any other, recorded with source "judge" and the run's id, so their
cost shows apart from the models under test. A judge grading an answer its own model wrote says so.
"""

from __future__ import annotations

import json
import re
import threading
from decimal import Decimal

from ..core.errors import AlonChatError, CancelledError
from .checks import Check, Verdict

SYSTEM = ("You are a strict grader. You are given a rubric and an answer written by an AI model. Decide whether the "
          "answer meets the rubric. Reply with only a JSON object, no other text: "
          '{"pass": true or false, "score": a number from 0 to 1, "reason": "one short sentence"}.')
MAX_TOKENS = 1024  # a verdict is short; a bound keeps each judge call's budget hold small
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def messages(rubric: str, answer: str, question: str) -> list[dict]:
    """The judge's prompt: rubric, question and answer, each fenced, so the answer cannot pose as the rubric."""
    text = (f"<rubric>\n{rubric}\n</rubric>\n\n<question>\n{question}\n</question>\n\n"
            f"<answer>\n{answer}\n</answer>\n\nDoes the answer meet the rubric? Reply with the JSON object only.")
    return [{"role": "user", "content": text}]


def parse(text: str) -> tuple[bool | None, float | None, str]:
    """(pass, score, reason) from the judge's reply; (None, None, why) when it is not a verdict."""
    match = _OBJECT.search(text or "")
    if match is None:
        return None, None, f"the judge's reply was not a verdict: {_short(text)}"
    try:
        data = json.loads(match.group(0))
    except ValueError:
        return None, None, f"the judge's reply was not JSON: {_short(text)}"
    if not isinstance(data, dict):
        return None, None, f"the judge's reply was not a verdict: {_short(text)}"
    verdict = data.get("pass", data.get("passed", data.get("verdict")))
    if isinstance(verdict, str):
        verdict = {"pass": True, "passed": True, "true": True, "yes": True, "fail": False, "failed": False,
                   "false": False, "no": False}.get(verdict.strip().lower())
    score = data.get("score")
    try:
        score = None if score is None or isinstance(score, bool) else min(1.0, max(0.0, float(score)))
    except (TypeError, ValueError):
        score = None
    if not isinstance(verdict, bool):
        if score is None:
            return None, None, f"the judge's reply had no pass or score: {_short(text)}"
        verdict = score >= 0.5
    if score is None:
        score = 1.0 if verdict else 0.0
    return verdict, score, str(data.get("reason") or "").strip() or "(no reason given)"


def _short(text: str, n: int = 120) -> str:
    text = " ".join((text or "").split())
    return repr(text if len(text) <= n else text[:n] + "…")


def grade(check: Check, answer: str, question: str, judge_model: str, *, pane_model: str, user: str,
          run_id: int | None, cancel: threading.Event | None = None, service=None) -> Verdict:
    """One judge call for one answer; a failed call is an ungraded check (None), never a pass."""
    from ..calls.service import ai_service

    service = service or ai_service
    self_judged = judge_model == pane_model
    try:
        result = service.chat(judge_model, messages(str(check.value), answer, question), user=user, cancel=cancel,
                              source="judge", source_id=run_id, temperature=0, max_tokens=MAX_TOKENS)
    except CancelledError as e:
        cost = e.result.cost_usd if getattr(e, "result", None) is not None else None
        return Verdict(check, None, "not graded: stopped before the judge answered", judge_cost_usd=cost,
                       self_judged=self_judged)
    except AlonChatError as e:
        result = getattr(e, "result", None)
        return Verdict(check, None, f"not graded: the judge ({judge_model}) failed: {e}",
                       judge_cost_usd=result.cost_usd if result is not None else None, self_judged=self_judged)
    passed, score, reason = parse(result.content)
    if passed is not None and check.threshold is not None:
        passed = score is not None and score >= check.threshold
    if self_judged:
        reason = f"(graded by {judge_model}, the model that wrote the answer) {reason}"
    return Verdict(check, passed, reason, score, result.cost_usd if result.cost_usd is not None else None,
                   self_judged)


def total_cost(verdicts: list[Verdict]) -> Decimal | None:
    costs = [v.judge_cost_usd for v in verdicts if v.judge_cost_usd is not None]
    return sum(costs, Decimal(0)) if costs else None
