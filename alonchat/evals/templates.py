"""Prompt templates: Jinja2's sandbox with StrictUndefined, reading `{{variables}}` as promptfoo's Nunjucks does.

A variable a case does not set is one error naming the case and the variable, found before anything is
sent. promptfoo's `load` filter (JSON text to a value) and Nunjucks' `dump` (a value to JSON) are here.
A case variable may name a file (`file://cat.png`): an image or a PDF is attached to the message and
reads as its file name in the text; a text file reads as its text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from ..core.errors import ValidationError

FILE_PREFIX = "file://"


class Prompt(BaseModel):
    """One prompt variant: a system part (optional) and a user part, both templates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = ""
    system: str = ""
    user: str

    @field_validator("user")
    @classmethod
    def _user(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the user part of a prompt cannot be empty")
        return value

    def title(self, index: int) -> str:
        """How pages and the CLI name it: its label, else "prompt 2"."""
        return self.label or f"prompt {index + 1}"


@dataclass(frozen=True)
class FileInfo:
    """A file a case variable names: the text file's text, or an attachment's kind (bytes are read when sent)."""

    ref: str
    name: str
    media_type: str
    sha256: str
    text: str | None = None  # a text file's content (what the variable reads as)

    @property
    def attached(self) -> bool:
        return self.text is None


def _load(value: Any) -> Any:
    """promptfoo's `load` filter: JSON text to a value (a value already parsed passes through)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as e:
        raise ValueError(f"the load filter got text that is not JSON ({e.msg} at column {e.colno})") from None


@lru_cache(maxsize=1)
def environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters["load"] = _load
    env.filters["dump"] = lambda v: json.dumps(v, ensure_ascii=False)  # Nunjucks' dump
    return env


@dataclass
class Compiled:
    """A prompt's templates, parsed once, and the variables they read."""

    prompt: Prompt
    index: int
    system: Any  # jinja2 Template or None
    user: Any
    variables: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Rendered:
    system: str
    user: str
    attachments: list[FileInfo]


def compile_prompt(prompt: Prompt, index: int) -> Compiled:
    """Parse a prompt's templates; a syntax error names the prompt, its part and the line."""
    from jinja2 import TemplateSyntaxError, meta

    env = environment()
    parts, names = {}, set()
    for part in ("system", "user"):
        source = getattr(prompt, part)
        if not source:
            parts[part] = None
            continue
        try:
            names |= meta.find_undeclared_variables(env.parse(source))
            parts[part] = env.from_string(source)
        except TemplateSyntaxError as e:
            raise ValidationError({"prompts": f"{prompt.title(index).capitalize()} ({part} part), line {e.lineno}: "
                                              f"{e.message}. Variables are written {{{{name}}}}."}) from None
    return Compiled(prompt, index, parts["system"], parts["user"], frozenset(names))


def _undefined_name(message: str) -> str:
    # jinja2 says "'city' is undefined" or "'dict object' has no attribute 'x'"
    if "has no attribute" in message:
        return message.rsplit("'", 2)[-2] if message.count("'") >= 2 else message
    return message.split("'")[1] if message.count("'") >= 2 else message


def render(compiled: Compiled, variables: dict[str, Any], files: dict[str, FileInfo], case_no: int) -> Rendered:
    """The prompt for one case; a missing variable or a template error names the case (1-based) and the variable."""
    from jinja2 import UndefinedError
    from jinja2.exceptions import SecurityError

    context, attached = {}, []
    for name, value in variables.items():
        info = files.get(value) if isinstance(value, str) and value.startswith(FILE_PREFIX) else None
        if info is None:
            context[name] = value
        elif info.attached:
            context[name] = info.name
            if name in compiled.variables:
                attached.append(info)
        else:
            context[name] = info.text
    where = f"Case {case_no}, {compiled.prompt.title(compiled.index)}"
    try:
        system = compiled.system.render(context) if compiled.system is not None else ""
        user = compiled.user.render(context)
    except UndefinedError as e:
        name = _undefined_name(str(e))
        known = ", ".join(sorted(variables)) or "none"
        raise ValidationError({f"case {case_no}": f"{where}: the prompt uses {{{{{name}}}}}, which this case does not "
                                                  f"set (its variables: {known}). Add the column or fix the "
                                                  "prompt."}) from None
    except SecurityError as e:
        raise ValidationError({f"case {case_no}": f"{where}: not allowed in a template ({e})."}) from None
    except Exception as e:  # a filter's own error (load on text that is not JSON), a type error in an expression
        raise ValidationError({f"case {case_no}": f"{where}: {e}"}) from None
    if not user.strip() and not attached:
        raise ValidationError({f"case {case_no}": f"{where}: the prompt renders empty; give the case its text."})
    return Rendered(system.strip(), user, attached)
