"""promptfoo configs run here: prompts, providers, tests (inline or CSV/JSONL/YAML files) and defaultTest.

What AlonChat cannot do the same way (a JavaScript assertion, a provider it has no SDK for, a config key
that changes how tests run) is named in one line each, and nothing is sent: a skipped assertion would
count as a pass, and a dropped provider would vanish from the comparison.
"""

from __future__ import annotations

import difflib
import glob
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import ValidationError
from . import cases_io
from . import checks as checks_
from .panes import Pane
from .panes import make as make_pane
from .sets import Case, SetDraft
from .templates import FILE_PREFIX, Prompt

# promptfoo's provider prefixes, and the catalog provider each maps onto.
VENDORS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini", "vertex": "gemini"}
# A provider's config keys, as ChatOptions names them.
CONFIG_OPTIONS = {"temperature": "temperature", "max_tokens": "max_tokens", "maxTokens": "max_tokens",
                  "max_output_tokens": "max_tokens", "maxOutputTokens": "max_tokens", "top_p": "top_p",
                  "topP": "top_p", "seed": "seed", "stop": "stop", "reasoning_effort": "reasoning_effort",
                  "timeout": "timeout"}
IGNORED = ("outputPath", "sharing", "writeLatestResults", "tags", "metadata")  # no effect on what is sent or graded
KNOWN = ("description", "prompts", "providers", "tests", "defaultTest", "evaluateOptions", *IGNORED)


@dataclass
class Imported:
    """A config read: the set draft, the panes (from `providers`), the judge and how to run it."""

    draft: SetDraft
    panes: list[Pane]
    judge: str | None = None
    repeats: int | None = None
    concurrency: int | None = None
    notes: list[str] = field(default_factory=list)  # keys read but not used (outputPath, sharing)


class _Problems:
    def __init__(self):
        self.items: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        key = where
        n = 2
        while key in self.items:
            key, n = f"{where} ({n})", n + 1
        self.items[key] = message

    def raise_any(self) -> None:
        if self.items:
            raise ValidationError(self.items)


def catalog_name(provider_id: str, where: str = "providers") -> str:
    """A promptfoo provider id (openai:gpt-4.1, anthropic:messages:..., google:/vertex:...) or a catalog name."""
    from ..catalog import models as catalog

    ident = (provider_id or "").strip()
    specs = catalog.list_models(active_only=True)
    by_name = {s.name: s for s in specs}
    if ident in by_name:
        return ident
    if ident in ("echo", "promptfoo:echo"):
        return "echo"
    vendor, _, rest = ident.partition(":")
    if vendor in VENDORS and rest:
        for prefix in ("messages:", "chat:", "responses:", "completion:"):
            rest = rest.removeprefix(prefix)
        provider = VENDORS[vendor]
        for s in specs:
            if s.provider == provider and rest in (s.model_id, s.name):
                return s.name
        close = difflib.get_close_matches(rest, [s.name for s in specs if s.provider == provider], n=3, cutoff=0.4)
        hint = f" Closest in the catalog: {', '.join(close)}." if close else ""
        raise ValidationError({where: f"{ident}: no active {provider} model {rest!r} in the catalog.{hint} Add it on "
                                      "the Catalog page or with `alonchat models add`, or pass -m MODEL."})
    if ":" in ident or ident.startswith(("file://", "http", "python", "exec")):
        raise ValidationError({where: f"{ident}: this provider is not supported; use openai:MODEL, "
                                      "anthropic:messages:MODEL, google:MODEL, vertex:MODEL, echo, or a catalog "
                                      "name (an OpenAI-compatible endpoint's models are catalog names)."})
    close = difflib.get_close_matches(ident, list(by_name), n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ValidationError({where: f"{ident}: not a model in the catalog.{hint}"})


def load(path: str | Path, *, name: str | None = None) -> Imported:
    """Read a promptfooconfig.yaml (or .json); every problem in one ValidationError, one line each."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ValidationError({"config": f"Cannot read {path}: {e.strerror or e}."}) from None
    except UnicodeDecodeError:
        raise ValidationError({"config": f"{path} is not UTF-8 text."}) from None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValidationError({"config": f"{path.name} is not valid YAML{at}: {getattr(e, 'problem', e)}."}) from None
    if not isinstance(config, dict):
        raise ValidationError({"config": f"{path.name}: a promptfoo config is a mapping (prompts, providers, tests)."})
    stem = path.stem
    default = path.resolve().parent.name if stem in ("promptfooconfig", "config") else stem
    return parse(config, path.resolve().parent, name or default)


def parse(config: dict, base: Path, name: str) -> Imported:
    problems = _Problems()
    notes = [f"{k} is not used here" for k in IGNORED if k in config]
    for key in config:
        if key not in KNOWN:
            problems.add(key, f"{key}: not supported by AlonChat's promptfoo import (supported: "
                              f"{', '.join(KNOWN[:6])}).")
    prompts = _prompts(config.get("prompts"), base, problems)
    panes = _providers(config.get("providers"), problems)
    default = config.get("defaultTest") or {}
    set_checks, default_vars, judge = _default_test(default, problems)
    columns, cases = _tests(config.get("tests"), base, problems)
    repeats = concurrency = None
    options = config.get("evaluateOptions") or {}
    if not isinstance(options, dict):
        problems.add("evaluateOptions", "evaluateOptions: give a mapping (repeat, maxConcurrency).")
        options = {}
    for key, value in options.items():
        if key == "repeat" and isinstance(value, int) and value >= 1:
            repeats = value
        elif key == "maxConcurrency" and isinstance(value, int) and value >= 1:
            concurrency = value
        else:
            problems.add(f"evaluateOptions.{key}", f"evaluateOptions.{key}: not supported (supported: repeat, "
                                                   "maxConcurrency, each a whole number from 1).")
    problems.raise_any()
    if default_vars:
        cases = [c.model_copy(update={"vars": {**default_vars, **c.vars}}) for c in cases]
        columns = [*[k for k in default_vars if k not in columns], *columns] if columns else columns
    files = cases_io.read_files(cases, base)
    draft = SetDraft(name=name[:200], prompts=prompts, cases=cases, checks=set_checks,
                     description=str(config.get("description") or ""), columns=columns, files=files,
                     source="promptfoo")
    return Imported(draft, panes, judge, repeats, concurrency, notes)


# --- prompts ---------------------------------------------------------------------------------------------------


def _prompts(items: Any, base: Path, problems: _Problems) -> list[Prompt]:
    if items is None:
        problems.add("prompts", "prompts: give at least one prompt (a string with {{variables}}, or file://...).")
        return []
    out: list[Prompt] = []
    for i, item in enumerate(items if isinstance(items, list) else [items], start=1):
        where = f"prompts[{i}]"
        label = ""
        if isinstance(item, dict):
            label = str(item.get("label") or "")
            extra = set(item) - {"id", "raw", "label"}
            if extra:
                problems.add(where, f"{where}: {', '.join(sorted(extra))} is not supported on a prompt.")
                continue
            item = item.get("raw") or item.get("id")
        if not isinstance(item, str) or not item.strip():
            problems.add(where, f"{where}: a prompt is text, or file://PATH.")
            continue
        if item.startswith(FILE_PREFIX):
            out += _prompt_files(item[len(FILE_PREFIX):], base, where, problems)
        else:
            prompt = _prompt_text(item, label, where, problems)
            if prompt is not None:
                out.append(prompt)
    return out


def _prompt_text(text: str, label: str, where: str, problems: _Problems) -> Prompt | None:
    """A prompt's text; promptfoo reads JSON text (a list of messages) as a chat prompt."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            messages = json.loads(stripped)
        except ValueError:
            messages = None
        if isinstance(messages, list):
            return _chat(messages, label, where, problems)
    return Prompt(label=label, user=text)


def _chat(messages: list, label: str, where: str, problems: _Problems) -> Prompt | None:
    system = [m.get("content", "") for m in messages if isinstance(m, dict) and m.get("role") == "system"]
    user = [m.get("content", "") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    others = [m for m in messages if not isinstance(m, dict) or m.get("role") not in ("system", "user")]
    if others or len(user) != 1 or len(system) > 1 or not all(isinstance(t, str) for t in system + user):
        problems.add(where, f"{where}: a chat prompt here is at most one system message and one user message, each "
                            "with text content (assistant turns and content parts are not supported).")
        return None
    return Prompt(label=label, system=system[0] if system else "", user=user[0])


def _prompt_files(pattern: str, base: Path, where: str, problems: _Problems) -> list[Prompt]:
    paths = sorted(glob.glob(str(base / pattern))) if any(c in pattern for c in "*?[") else [str(base / pattern)]
    if not paths:
        problems.add(where, f"{where}: no file matches file://{pattern}.")
    out = []
    for p in map(Path, paths):
        if p.suffix.lower() in (".py", ".js", ".ts", ".mjs", ".cjs"):
            problems.add(where, f"{where}: file://{pattern}: prompt functions are not supported; use a text file "
                                "(prompts separated by a line ---) or a JSON list of messages.")
            continue
        try:
            text = p.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            problems.add(where, f"{where}: cannot read {p}: {getattr(e, 'strerror', None) or e}.")
            continue
        if p.suffix.lower() in (".json", ".yaml", ".yml"):
            import yaml

            try:
                messages = yaml.safe_load(text)
            except yaml.YAMLError:
                messages = None
            if not isinstance(messages, list):
                problems.add(where, f"{where}: {p.name} is not a list of chat messages.")
                continue
            prompt = _chat(messages, p.stem, where, problems)
            out += [prompt] if prompt is not None else []
            continue
        parts = [part.strip("\n") for part in _split(text)]
        for k, part in enumerate(parts):
            if part.strip():
                out.append(Prompt(label=p.stem if len(parts) == 1 else f"{p.stem} {k + 1}", user=part))
    return out


def _split(text: str) -> list[str]:
    """Prompts in one file are separated by a line holding only ---."""
    parts, current = [], []
    for line in text.splitlines(keepends=True):
        if line.strip() == "---":
            parts.append("".join(current))
            current = []
        else:
            current.append(line)
    parts.append("".join(current))
    return parts


# --- providers ---------------------------------------------------------------------------------------------------


def _providers(items: Any, problems: _Problems) -> list[Pane]:
    out = []
    for i, item in enumerate(items if isinstance(items, list) else [items] if items else [], start=1):
        where = f"providers[{i}]"
        options: dict = {}
        if isinstance(item, dict):
            if "id" not in item and len(item) == 1:  # {"openai:gpt-4.1": {config: ...}}
                ident, body = next(iter(item.items()))
                item = {"id": ident, **(body or {})}
            extra = set(item) - {"id", "label", "config"}
            if extra:
                problems.add(where, f"{where}: {', '.join(sorted(extra))} is not supported on a provider.")
                continue
            for key, value in (item.get("config") or {}).items():
                if key in CONFIG_OPTIONS:
                    options[CONFIG_OPTIONS[key]] = value
                else:
                    problems.add(where, f"{where} ({item.get('id')}): config.{key} is not supported (supported: "
                                        f"{', '.join(sorted(set(CONFIG_OPTIONS.values())))}).")
            item = item.get("id")
        if not isinstance(item, str):
            problems.add(where, f"{where}: a provider is an id like openai:gpt-4.1.")
            continue
        try:
            out.append(make_pane(catalog_name(item, where), options, where=where))
        except ValidationError as e:
            for k, v in e.errors.items():
                problems.add(k or where, v)
    return out


# --- tests ---------------------------------------------------------------------------------------------------------


def _default_test(default: Any, problems: _Problems) -> tuple[list[checks_.Check], dict, str | None]:
    if not isinstance(default, dict):
        problems.add("defaultTest", "defaultTest: give a mapping (vars, assert, options).")
        return [], {}, None
    extra = set(default) - {"vars", "assert", "options", "metadata"}
    if extra:
        problems.add("defaultTest", f"defaultTest: {', '.join(sorted(extra))} is not supported.")
    found = []
    for a in default.get("assert") or []:
        try:
            found.append(checks_.from_assertion(a))
        except checks_.CheckError as e:
            problems.add("defaultTest", f"defaultTest: {e}.")
    judge = None
    for key, value in (default.get("options") or {}).items():
        if key == "provider":
            ident = value.get("id") if isinstance(value, dict) else value
            try:
                judge = catalog_name(str(ident), "defaultTest.options.provider")
            except ValidationError as e:
                for k, v in e.errors.items():
                    problems.add(k, v)
        else:
            problems.add("defaultTest", f"defaultTest.options.{key}: not supported (supported: provider, the "
                                        "judge for llm-rubric).")
    variables = default.get("vars") or {}
    if not isinstance(variables, dict):
        problems.add("defaultTest", "defaultTest.vars: give a mapping of name to value.")
        variables = {}
    return found, variables, judge


def _tests(items: Any, base: Path, problems: _Problems) -> tuple[list[str], list[Case]]:
    if items is None:
        problems.add("tests", "tests: give test cases (a list of {vars, assert}, or file://tests.csv).")
        return [], []
    columns: list[str] = []
    cases: list[Case] = []
    single_file = isinstance(items, str)
    for i, item in enumerate(items if isinstance(items, list) else [items], start=1):
        where = f"tests[{i}]"
        try:
            if isinstance(item, str) and item.startswith(FILE_PREFIX):
                cols, found = _test_file(item[len(FILE_PREFIX):], base, where)
                if single_file:
                    columns = cols
                cases += found
            elif isinstance(item, dict):
                cases += _expand(cases_io.test_case(item, where))
            else:
                problems.add(where, f"{where}: a test is {{vars, assert}} or file://tests.csv.")
        except ValidationError as e:
            for k, v in e.errors.items():
                problems.add(f"{where} {k}".strip(), v)
    if not cases and not problems.items:
        problems.add("tests", "tests: there are no test cases.")
    return columns, cases


def _test_file(pattern: str, base: Path, where: str) -> tuple[list[str], list[Case]]:
    path = base / pattern
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ValidationError({where: f"{where}: cannot read file://{pattern}: {e.strerror or e}."}) from None
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            items = yaml.safe_load(data.decode("utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise ValidationError({where: f"{where}: {path.name} is not YAML: {e}."}) from None
        if not isinstance(items, list):
            raise ValidationError({where: f"{where}: {path.name} should hold a list of tests."})
        cases = []
        for k, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise ValidationError({where: f"{where}: test {k} of {path.name} is not a mapping."})
            cases += _expand(cases_io.test_case(item, f"{path.name} test {k}"))
        return [], cases
    if suffix not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise ValidationError({where: f"{where}: file://{pattern}: tests come from .csv, .jsonl, .json or .yaml "
                                      "files here (not scripts or spreadsheets)."})
    columns, cases = cases_io.read(data, path.name)
    return columns, cases


def _expand(case: Case) -> list[Case]:
    """promptfoo runs a test once per value of each list variable (their product)."""
    lists = {k: v for k, v in case.vars.items() if isinstance(v, list)}
    if not lists:
        return [case]
    keys = list(lists)
    return [case.model_copy(update={"vars": {**case.vars, **dict(zip(keys, combo, strict=True))}})
            for combo in itertools.product(*(lists[k] for k in keys))]
