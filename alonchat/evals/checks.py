"""Checks an answer must pass: promptfoo's deterministic assertions, limits on cost and speed, and an LLM judge.

A check is written three ways and read into one `Check`: promptfoo's assertion object (`{type, value}`,
`not-` negates), a CSV `__expected` cell (`icontains:bonjour`), or the page's table. Every type that is
not supported is refused by name, never skipped: a skipped check would count as a pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# The text checks, each as promptfoo names it; `not-` before any of them negates it.
TEXT = ("equals", "contains", "icontains", "contains-any", "contains-all", "icontains-any", "icontains-all",
        "starts-with", "regex", "is-json")
# Limits on the call itself: the check's value is the most allowed (USD, or milliseconds).
LIMITS = {"max-cost": "cost_usd", "max-latency": "latency_ms", "max-ttft": "ttft_ms"}
JUDGE = "judge"
TYPES = (*TEXT, *LIMITS, JUDGE)
# Other names for the same checks: promptfoo's (cost and latency take a threshold; llm-rubric is a judge).
ALIASES = {"cost": "max-cost", "latency": "max-latency", "ttft": "max-ttft", "llm-rubric": JUDGE,
           "json-schema": "is-json", "grade": JUDGE, "grader": JUDGE}
# promptfoo's __expected prefixes that AlonChat does not grade (code, similarity, model-graded variants).
UNSUPPORTED = ("fn", "eval", "javascript", "python", "similar", "levenshtein", "rouge-n", "bleu", "webhook",
               "perplexity", "answer-relevance", "factuality", "model-graded-closedqa", "contains-json", "is-sql",
               "contains-sql", "is-xml", "contains-xml", "classifier", "moderation", "g-eval", "select-best")
LISTS = ("contains-any", "contains-all", "icontains-any", "icontains-all")


class CheckError(ValueError):
    """A check that cannot be used as written (an unsupported type, a bad regex, a value missing)."""


class Check(BaseModel):
    """One check; `raw` keeps a CSV cell's text so the set exports unchanged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    value: Any = None
    negate: bool = False
    threshold: float | None = None  # a judge's lowest passing score (0..1)
    judge: str | None = None  # the judge model for this check; else the run's judge
    raw: str | dict | None = None  # as read: a CSV cell's text, or promptfoo's assertion object

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in TYPES:
            raise ValueError(f"unknown check type {value!r}")
        return value

    @property
    def name(self) -> str:
        """How people write it: `not-icontains`, `judge`, `max-cost`."""
        return ("not-" if self.negate else "") + self.type

    def describe(self) -> str:
        """A short line for a page or a reason: `icontains "bonjour"`, `judge: Is polite`."""
        if self.type == JUDGE:
            return f"judge: {self.value}" + (f" (score ≥ {self.threshold:g})" if self.threshold is not None else "")
        if self.type == "is-json":
            return self.name + (" (matches the schema)" if self.value else "")
        if self.type in LIMITS:
            unit = "USD" if self.type == "max-cost" else "ms"
            return f"{self.name} {self.value:g} {unit}"
        return f"{self.name} {json.dumps(self.value, ensure_ascii=False)}"

    def as_expected(self) -> str:
        """The CSV `__expected` form: the text it was read from, else `type:value`."""
        if isinstance(self.raw, str):
            return self.raw
        if self.value is None:
            return self.name
        value = ",".join(map(str, self.value)) if isinstance(self.value, list) else (
            json.dumps(self.value) if isinstance(self.value, dict) else str(self.value))
        name = "llm-rubric" if self.type == JUDGE else self.name
        return f"{name}:{value}"

    def as_assertion(self) -> dict:
        """promptfoo's assertion object (JSONL tests, the run export): the one it was read from, if any."""
        if isinstance(self.raw, dict):
            return dict(self.raw)
        if self.type == JUDGE:
            out = {"type": "llm-rubric", "value": self.value}
            if self.judge:
                out["provider"] = self.judge
        elif self.type in ("max-cost", "max-latency"):
            out = {"type": {"max-cost": "cost", "max-latency": "latency"}[self.type], "threshold": self.value}
        else:
            out = {"type": self.name}
            if self.value is not None:
                out["value"] = self.value
        if self.threshold is not None and self.type == JUDGE:
            out["threshold"] = self.threshold
        return out


def _unsupported(name: str) -> CheckError:
    return CheckError(f"the check type {name!r} is not supported; supported: {', '.join(TYPES)} "
                      "(not- before a text check negates it; promptfoo's cost, latency and llm-rubric work too)")


def _type(name: str) -> tuple[str, bool]:
    name = (name or "").strip()
    negate = name.startswith("not-")
    base = name[4:] if negate else name
    base = ALIASES.get(base, base)
    if base not in TYPES:
        raise _unsupported(name)
    if negate and base not in TEXT:
        raise CheckError(f"{name!r}: only text checks can be negated with not-")
    return base, negate


def make(type_: str, value: Any = None, *, threshold: float | None = None, judge: str | None = None,
         raw: str | dict | None = None) -> Check:
    """A check from its parts, its value checked now (a bad regex or schema is refused here, not mid-run)."""
    base, negate = _type(type_)
    if base in LIMITS:
        value = threshold if value is None else value  # promptfoo gives cost and latency a threshold
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise CheckError(f"{type_!r} needs a number (the most allowed: USD for cost, ms for time)") from None
        if value < 0:
            raise CheckError(f"{type_!r} needs a number of 0 or more")
        threshold = None
    elif base in LISTS:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not value or not all(isinstance(v, str | int | float) for v in value):
            raise CheckError(f"{type_!r} needs a list of texts (or one text with commas between them)")
        value = [str(v) for v in value]
    elif base == "is-json":
        value = _schema(value, type_)
    elif base == JUDGE:
        if not isinstance(value, str) or not value.strip():
            raise CheckError(f"{type_!r} needs a rubric: what a good answer does, in words")
        if threshold is not None and not 0 <= threshold <= 1:
            raise CheckError(f"{type_!r}: the threshold is a score from 0 to 1")
    else:
        if value is None or (isinstance(value, str) and value == "" and base != "equals"):
            raise CheckError(f"{type_!r} needs a value")
        if base == "regex":
            try:
                re.compile(str(value))
            except re.error as e:
                raise CheckError(f"the regex {value!r} does not compile: {e}") from None
        if not isinstance(value, dict | list):
            value = str(value) if not isinstance(value, str) else value
    return Check(type=base, value=value, negate=negate, threshold=threshold if base == JUDGE else None,
                 judge=judge if base == JUDGE else None, raw=raw)


def _schema(value: Any, name: str) -> dict | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            try:
                import yaml

                value = yaml.safe_load(value)
            except Exception:
                raise CheckError(f"{name!r}: the schema is neither JSON nor YAML") from None
    from ..core.types import check_json_schema

    try:
        check_json_schema(value)
    except ValueError as e:
        raise CheckError(f"{name!r}: the schema {e}") from None
    return value


def from_expected(text: str) -> Check:
    """A CSV `__expected` cell: `icontains:bonjour`, `is-json`, `not-contains:x`, or plain text (equals)."""
    raw = text
    head, sep, rest = text.partition(":")
    name = head.strip()
    if sep and (name in TYPES or name in ALIASES or (name.startswith("not-") and name[4:] in (*TYPES, *ALIASES))):
        base, _ = _type(name)
        value: Any = rest
        if base in LIMITS:
            return make(name, rest.strip(), raw=raw)
        if base == JUDGE:
            return make(name, rest.strip(), raw=raw)
        return make(name, value if base != "is-json" else rest.strip() or None, raw=raw)
    if not sep and (name in TYPES or name.startswith("not-") and name[4:] in TYPES):
        return make(name, raw=raw)
    if sep and name in UNSUPPORTED:  # promptfoo's other prefixes: named, never taken for an equals check
        raise _unsupported(name)
    return make("equals", text, raw=raw)


def from_assertion(item: dict) -> Check:
    """promptfoo's assertion object {type, value, threshold, provider}."""
    if not isinstance(item, dict) or "type" not in item:
        raise CheckError(f"an assertion needs a type, e.g. {{type: icontains, value: bonjour}}; got {item!r}")
    extra = set(item) - {"type", "value", "threshold", "provider", "metric", "weight"}
    if extra:
        raise CheckError(f"{item['type']!r}: {', '.join(sorted(extra))} is not supported on an assertion")
    provider = item.get("provider")
    if provider is not None and not isinstance(provider, str):
        raise CheckError(f"{item['type']!r}: give the judge's provider as one name, e.g. openai:gpt-4.1")
    threshold = item.get("threshold")
    base, _ = _type(str(item["type"]))
    if threshold is not None and base != JUDGE and base not in LIMITS:
        raise CheckError(f"{item['type']!r}: a threshold only applies to cost, latency and llm-rubric")
    return make(str(item["type"]), item.get("value"), threshold=threshold, judge=provider, raw=dict(item))


def load(data: list | None) -> list[Check]:
    """Checks as stored (JSON dicts) back into Check objects."""
    return [Check(**d) for d in data or ()]


def dump(checks: list[Check]) -> list[dict]:
    return [c.model_dump(exclude_defaults=True) for c in checks]


# --- grading ------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What one check said of one answer: pass, fail or None (it could not grade), with its reason."""

    check: Check
    passed: bool | None
    reason: str
    score: float | None = None
    judge_cost_usd: Decimal | None = None
    self_judged: bool = False

    def as_json(self) -> dict:
        out = {"check": self.check.describe(), "type": self.check.name, "passed": self.passed, "reason": self.reason}
        if self.score is not None:
            out["score"] = self.score
        if self.self_judged:
            out["self_judged"] = True
        return out


def _clip(text: str, n: int = 60) -> str:
    return json.dumps(text if len(text) <= n else text[:n] + "…", ensure_ascii=False)


def grade_text(check: Check, output: str) -> Verdict:
    """A text check on the answer (not the judge, not a limit)."""
    t, v = check.type, check.value
    if t == "equals":
        if isinstance(v, dict | list):
            try:
                ok = json.loads(output) == v
            except ValueError:
                ok = False
        else:
            ok = output == v
        why = "equals the expected text" if ok else f"is not exactly {_clip(str(v))}"
    elif t in ("contains", "icontains"):
        hay, needle = (output.lower(), str(v).lower()) if t == "icontains" else (output, str(v))
        ok = needle in hay
        why = f"{'contains' if ok else 'does not contain'} {_clip(str(v))}" + (" (any case)" if t[0] == "i" else "")
    elif t in LISTS:
        fold = t.startswith("i")
        hay = output.lower() if fold else output
        found = [x for x in v if (x.lower() if fold else x) in hay]
        ok = bool(found) if t.endswith("-any") else len(found) == len(v)
        if t.endswith("-any"):
            why = f"contains {_clip(found[0])}" if ok else f"contains none of {', '.join(map(_clip, v))}"
        else:
            missing = [x for x in v if x not in found]
            why = "contains all of them" if ok else f"lacks {', '.join(map(_clip, missing))}"
    elif t == "starts-with":
        ok = output.startswith(str(v))
        why = f"{'starts' if ok else 'does not start'} with {_clip(str(v))}"
    elif t == "regex":
        ok = re.search(str(v), output) is not None
        why = f"{'matches' if ok else 'does not match'} /{v}/"
    elif t == "is-json":
        ok, why = _json(output, v)
    else:  # pragma: no cover - grade() routes the others
        raise CheckError(f"{t} is not a text check")
    if check.negate:
        ok = not ok
    return Verdict(check, ok, why)


def _json(output: str, schema: dict | None) -> tuple[bool, str]:
    try:
        value = json.loads(output)
    except ValueError as e:
        return False, f"is not JSON ({e.msg} at line {e.lineno} column {e.colno})"
    if not schema:
        return True, "is JSON"
    from jsonschema import Draft202012Validator
    from jsonschema.validators import validator_for

    cls = validator_for(schema, default=Draft202012Validator)
    problem = next(iter(sorted(cls(schema).iter_errors(value), key=lambda e: list(e.path))), None)
    if problem is None:
        return True, "is JSON matching the schema"
    where = "/".join(map(str, problem.path)) or "the top"
    return False, f"does not match the schema at {where}: {problem.message}"


def grade_limit(check: Check, cost_usd: Decimal | None, latency_ms: float | None, ttft_ms: float | None) -> Verdict:
    """A limit on the call: its cost (None when unpriced: cannot grade), latency or time to first token."""
    measured = {"max-cost": cost_usd, "max-latency": latency_ms, "max-ttft": ttft_ms}[check.type]
    if measured is None:
        what = "the model is unpriced" if check.type == "max-cost" else "the call reported no timing"
        return Verdict(check, None, f"cannot grade: {what}")
    ok = float(measured) <= check.value
    if check.type == "max-cost":
        shown = f"cost ${float(measured):.6f}"
    else:
        shown = f"{'took' if check.type == 'max-latency' else 'first token after'} {float(measured):.0f} ms"
    return Verdict(check, ok, f"{shown} {'within' if ok else 'over'} the limit of {check.value:g}")


def overall(verdicts: list[Verdict]) -> bool | None:
    """A cell passes when every check passed; any failure fails it; otherwise an ungraded check leaves it None."""
    if not verdicts:
        return None
    if any(v.passed is False for v in verdicts):
        return False
    if any(v.passed is None for v in verdicts):
        return None
    return True
