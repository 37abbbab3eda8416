"""OpenAI-compatible endpoints added without code: validated CRUD, and the models each one serves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..access.identity import require_admin
from ..core.errors import ValidationError
from ..core.pricing import reference
from ..core.text import no_control_chars, query_secrets, quoted, redact, strip_invisible
from ..storage.engine import with_session, writing
from ..storage.tables import AIModel, ProviderEndpoint
from . import audit
from .models import ModelSpec, create_model, taken_names
from .validation import blank_to_none, parse

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _env_name(value: str | None) -> str | None:
    if value is not None and not ENV_NAME.fullmatch(value):
        # Never echo the value: a pasted key must not end up in an error message or a log.
        raise ValueError("must be the NAME of the environment variable that holds the key, in capitals, "
                         "e.g. TOGETHER_API_KEY, not the key itself. Leave it empty for local servers.")
    return value


class EndpointInput(BaseModel):
    """An endpoint as a person types it; descriptions double as the form's help text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(title="Name", min_length=1, max_length=100, description=(
        "Short name, used as the provider of its models, e.g. groq, together, ollama. "
        "Letters, digits, '.', '_' and '-'."))
    base_url: Annotated[str, AfterValidator(no_control_chars)] = Field(
        title="Base URL", min_length=1, max_length=500, description=(
            "The OpenAI-compatible API root, usually ending in /v1, e.g. http://localhost:11434/v1."))
    api_key_env: Annotated[str | None, BeforeValidator(blank_to_none), AfterValidator(_env_name)] = Field(
        None, title="API key env var", max_length=100, description=(
            "The name of the environment variable that holds the key, e.g. GROQ_API_KEY. The key itself is "
            "never stored or shown. Leave empty for keyless local servers (Ollama, vLLM, LM Studio)."))
    enabled: bool = Field(True, title="Enabled", description="Disabled endpoints keep their models but refuse calls.")
    description: Annotated[str, AfterValidator(strip_invisible)] = Field(
        "", title="Description", max_length=2_000, description="Notes for your team.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.fullmatch(value):
            raise ValueError("may use only letters, digits, '.', '_' and '-', starting with a letter or digit.")
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        """An API root and nothing else: never a credential, which would be stored, listed, audited and logged.

        The messages never repeat the URL: it may hold the very secret they refuse. A URL stored before these
        checks is left as it is by a change that does not touch it (disabling such an endpoint still works).
        """
        if value == (info.context or {}).get("stored_url"):
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL, e.g. https://api.groq.com/openai/v1.")
        if "@" in value:  # user:password@, token@, or a password with '@', '/' or '#' pasted unencoded
            raise ValueError("must not contain credentials (user:password@ or any '@'); put the key in an "
                             "environment variable and give its name below.")
        secrets = query_secrets(value)
        if secrets:
            raise ValueError(f"must not carry the key in its query ({', '.join(dict.fromkeys(secrets))}=…): "
                             "it would be stored and shown. Put the key in an environment variable and give its "
                             "name below; the base URL ends before the '?'.")
        if parts.query or parts.fragment:
            raise ValueError("must end before any '?' or '#': the SDK adds /chat/completions and /models after it, "
                             "e.g. https://api.groq.com/openai/v1.")
        try:
            parts.port  # noqa: B018 - a port that is not a number raises
        except ValueError:
            raise ValueError("has a port that is not a number; write it as host:8080.") from None
        return value.rstrip("/")


@dataclass(frozen=True)
class EndpointInfo:
    name: str
    base_url: str
    api_key_env: str | None
    enabled: bool
    description: str
    configured: bool  # enabled, and its key variable set (when it names one): calls can go out
    models: int
    key_missing: bool = False  # it names a key variable that is not set

    def to_json(self) -> dict:
        return self.__dict__.copy()


def _parse(data: dict, stored_url: str | None = None) -> EndpointInput:
    return parse(EndpointInput, data, {"stored_url": stored_url})


def _reserved(s: Session) -> set[str]:
    """Provider names that are not endpoints: built-ins, plugins and in-process registrations."""
    from ..providers.registry import registry

    return {st.name for st in registry.status(s) if st.kind != "endpoint"}


def _row(s: Session, name: str) -> ProviderEndpoint:
    row = s.scalars(select(ProviderEndpoint).where(ProviderEndpoint.name == name)).first()
    if row is None:
        known = list(s.scalars(select(ProviderEndpoint.name).order_by(ProviderEndpoint.name)))
        raise ValidationError(f"No endpoint named {quoted(name, 100)}. Endpoints: {', '.join(known) or 'none yet'}.")
    return row


class EndpointExistsError(ValidationError):
    """Adding an endpoint whose name is taken: the message and `existing` point at the endpoint there is."""

    def __init__(self, existing: ProviderEndpoint):
        self.existing, self.enabled, self.base_url = existing.name, existing.enabled, existing.base_url
        state, enable = ("enabled", "") if existing.enabled else ("disabled", "enable it and ")
        super().__init__({"name": (
            f"An endpoint named '{existing.name}' already exists ({state}, {existing.base_url}). Use that one: "
            f"{enable}change its base URL or key variable on the Catalog page's Endpoints tab, or with `python -m "
            f"alonchat endpoints update {existing.name} --base-url URL{' --enable' if enable else ''}`. "
            "Or pick another name.")})


def _check_name(s: Session, name: str) -> None:
    if name.casefold() in {n.casefold() for n in _reserved(s)}:
        raise ValidationError({"name": f"'{name}' is a built-in or plugin provider; pick another name."})
    clash = s.scalars(select(ProviderEndpoint).where(func.lower(ProviderEndpoint.name) == name.lower())).first()
    if clash is not None:
        raise EndpointExistsError(clash)


def _model_count(s: Session, name: str) -> int:
    return s.scalar(select(func.count()).select_from(AIModel).where(AIModel.provider == name)) or 0


@with_session
def list_endpoints(s: Session) -> list[EndpointInfo]:
    from ..providers.registry import registry

    rows = list(s.scalars(select(ProviderEndpoint).order_by(ProviderEndpoint.name)))
    providers = {r.name: registry.get(r.name, s) for r in rows}
    # redact: a row stored before the checks above may still carry a credential in its URL.
    return [EndpointInfo(r.name, redact(r.base_url), r.api_key_env, r.enabled, r.description or "",
                         providers[r.name].is_configured(), _model_count(s, r.name),
                         bool(providers[r.name].missing_env_vars())) for r in rows]


@writing
def create_endpoint(s: Session, data: dict) -> EndpointInfo:
    """Validate and add an endpoint; its models can be added at once, with the endpoint as provider (admins only)."""
    require_admin("add endpoints")
    spec = _parse(data)
    _check_name(s, spec.name)
    s.add(ProviderEndpoint(**spec.model_dump()))
    s.flush()
    audit.endpoint_change(s, spec.name, None, spec.model_dump())
    return next(e for e in list_endpoints(session=s) if e.name == spec.name)


EDITABLE = ("base_url", "api_key_env", "enabled", "description")


@writing
def update_endpoint(s: Session, name: str, changes: dict) -> EndpointInfo:
    """Change an endpoint's URL, key variable, state or notes, audited (renaming would orphan its models; admins only).

    Only the fields given change; every field is checked as when adding, and a bad one changes nothing.
    """
    require_admin("change endpoints")
    row = _row(s, name)
    before = {"name": row.name, "base_url": row.base_url, "api_key_env": row.api_key_env,
              "enabled": row.enabled, "description": row.description or ""}
    if "name" in changes and str(changes["name"] or "").strip() != row.name:
        raise ValidationError({"name": "An endpoint can't be renamed: its models use the name as their "
                                       "provider. Add a new endpoint instead."})
    spec = _parse({**before, **changes}, stored_url=row.base_url)
    for key, value in spec.model_dump().items():
        setattr(row, key, value)
    s.flush()
    audit.endpoint_change(s, row.name, before, spec.model_dump())
    return next(e for e in list_endpoints(session=s) if e.name == row.name)


def set_enabled(name: str, enabled: bool) -> EndpointInfo:
    return update_endpoint(name, {"enabled": enabled})


@writing
def remove_endpoint(s: Session, name: str) -> None:
    """Remove an endpoint that no catalog model uses; otherwise refuse and say what to do (admins only)."""
    require_admin("remove endpoints")
    row = _row(s, name)
    models = list(s.scalars(select(AIModel.name).where(AIModel.provider == row.name).order_by(AIModel.name)))
    if models:
        shown = ", ".join(models[:5]) + (f" and {len(models) - 5} more" if len(models) > 5 else "")
        raise ValidationError(f"Endpoint '{row.name}' still serves {len(models)} catalog model"
                              f"{'s' if len(models) != 1 else ''} ({shown}). Delete those models first, or "
                              f"disable the endpoint instead (`python -m alonchat endpoints disable {row.name}`).")
    audit.endpoint_change(s, row.name, {"base_url": row.base_url, "api_key_env": row.api_key_env,
                                        "enabled": row.enabled}, None)
    s.delete(row)


@with_session
def served_models(s: Session, name: str) -> list[str]:
    """The model ids the endpoint reports at GET /v1/models (asks the server, nothing is stored)."""
    from ..providers.registry import registry

    _row(s, name)
    return sorted(registry.get(name, s).list_models())


def default_name(endpoint: str, model_id: str) -> str:
    """A catalog name for a served model: '<endpoint>/<model id>', which reads well and rarely clashes."""
    return f"{endpoint}/{model_id}"[:100]


@writing
def add_served_models(s: Session, name: str, model_ids: list[str], *, user: str | None = None) -> list[ModelSpec]:
    """Add served models to the catalog with the endpoint as provider; prices from genai-prices when known (admins)."""
    require_admin("add models")
    row = _row(s, name)
    if not model_ids:
        raise ValidationError({"models": "Pick at least one model to add."})
    taken = taken_names(s)
    added, errors = [], {}
    for model_id in model_ids:
        ref = reference(row.name, model_id)
        data = {"name": default_name(row.name, model_id), "provider": row.name, "model_id": model_id,
                "display_name": (ref.name if ref and ref.name else model_id)[:200],
                "context_window": ref.context_window if ref else None,
                **({k: v for k, v in ref.prices.as_dict().items()} if ref else {})}
        if data["name"].casefold() in taken:
            errors[model_id] = f"'{data['name']}' is already in the catalog."
            continue
        try:
            added.append(create_model(data, source="genai-prices" if ref else "manual", user=user, session=s))
        except ValidationError as e:
            errors[model_id] = " ".join(e.errors.values())
    if errors:
        raise ValidationError(errors, keyed=True)  # by model id; the caller's transaction rolls back: all or nothing
    return added
