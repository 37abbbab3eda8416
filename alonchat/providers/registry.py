"""Provider registry: built-ins, plugins (entry points "alonchat.providers") and DB endpoints."""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass

from ..core.errors import UnknownProviderError
from ..core.text import redact
from .base import Provider

ENTRY_POINT_GROUP = "alonchat.providers"
# Imported lazily: the SDKs take ~0.5 s each to import and most sessions use one or two.
BUILTINS = {
    "echo": "alonchat.providers.echo:EchoProvider",
    "openai": "alonchat.providers.openai:OpenAIProvider",
    "anthropic": "alonchat.providers.anthropic:AnthropicProvider",
    "gemini": "alonchat.providers.gemini:GeminiProvider",
}


@dataclass(frozen=True)
class ProviderStatus:
    name: str
    kind: str  # builtin | plugin | endpoint | registered
    configured: bool
    missing_env: list[str]
    detail: str = ""  # base URL for endpoints, load error for broken plugins
    error: str | None = None


def _load(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _instantiate(obj, name: str) -> Provider:
    """Entry points may name a Provider subclass, an instance, or a factory returning one."""
    provider = obj() if callable(obj) and not isinstance(obj, Provider) else obj
    if not isinstance(provider, Provider):
        raise TypeError(f"{obj!r} did not produce an alonchat Provider")
    provider.name = provider.name or name
    if not hasattr(provider, "config"):
        provider.initialize({})
    return provider


class Registry:
    """Finds a provider by name; registering, replacing or removing one takes effect at once."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._registered: dict[str, Provider] = {}
        self._builtins: dict[str, Provider] = {}
        self._plugins: dict[str, Provider] | None = None
        self.plugin_errors: dict[str, str] = {}
        self._endpoints: dict[tuple, Provider] = {}

    # --- registration -------------------------------------------------
    def register(self, provider: Provider, name: str | None = None) -> None:
        """Add or replace a provider in this process (tests, notebooks, embedding apps)."""
        with self._lock:
            provider = _instantiate(provider, name or provider.name)
            self._registered[name or provider.name] = provider

    def unregister(self, name: str) -> None:
        with self._lock:
            self._registered.pop(name, None)

    def refresh_plugins(self) -> dict[str, Provider]:
        """Rescan installed packages; a plugin that fails to load is reported and skipped."""
        import logging  # with importlib.metadata, only when a plugin is looked for: a built-in's call needs neither
        from importlib.metadata import entry_points

        importlib.invalidate_caches()
        plugins, errors = {}, {}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                plugins[ep.name] = _instantiate(ep.load(), ep.name)
                plugins[ep.name].kind = "plugin"
            except Exception as e:  # any failure in third-party code must not break the registry
                errors[ep.name] = f"{type(e).__name__}: {e}"
                logging.getLogger(__name__).warning("provider plugin %r failed to load and was skipped: %s", ep.name, e)
        with self._lock:
            self._plugins, self.plugin_errors = plugins, errors
        return plugins

    # --- lookup -------------------------------------------------------
    def _builtin(self, name: str) -> Provider | None:
        if name not in BUILTINS:
            return None
        with self._lock:
            if name not in self._builtins:
                provider = _load(BUILTINS[name])()
                provider.initialize({})
                self._builtins[name] = provider
            return self._builtins[name]

    def _endpoint(self, name: str, session=None) -> Provider | None:
        from sqlalchemy import select  # only for an endpoint: a built-in provider's call loads no SQLAlchemy

        from ..storage.engine import session as new_session
        from ..storage.tables import ProviderEndpoint

        stmt = select(ProviderEndpoint).where(ProviderEndpoint.name == name)
        if session is not None:
            row = session.scalars(stmt).first()
        else:
            with new_session() as s:
                row = s.scalars(stmt).first()
        if row is None:
            return None
        key = (row.name, row.base_url, row.api_key_env, row.enabled)
        with self._lock:
            if key not in self._endpoints:
                from .openai_compatible import OpenAICompatibleProvider

                # Drop stale instances of the same endpoint so an edit takes effect at once.
                self._endpoints = {k: v for k, v in self._endpoints.items() if k[0] != row.name}
                self._endpoints[key] = OpenAICompatibleProvider(
                    name=row.name, base_url=row.base_url, api_key_env=row.api_key_env, enabled=row.enabled
                )
            return self._endpoints[key]

    def get(self, name: str, session=None) -> Provider:
        """The provider called `name`: registered, then built-in, then plugin, then DB endpoint."""
        provider = self._registered.get(name) or self._builtin(name)
        if provider is None:
            plugins = self._plugins if self._plugins is not None else self.refresh_plugins()
            provider = plugins.get(name)
        if provider is None:
            provider = self._endpoint(name, session)
        if provider is None and self._plugins is not None:
            provider = self.refresh_plugins().get(name)  # a package installed since the last scan
        if provider is None:
            raise UnknownProviderError(name, self.names(session))
        return provider

    def names(self, session=None) -> list[str]:
        return [s.name for s in self.status(session)]

    def status(self, session=None) -> list[ProviderStatus]:
        """Every provider and endpoint, configured or not, for `providers` and the pages."""
        from sqlalchemy import select

        from ..storage.engine import session as new_session
        from ..storage.tables import ProviderEndpoint

        out: list[ProviderStatus] = []
        seen: set[str] = set()

        def add(name: str, kind: str, provider: Provider, detail: str = "") -> None:
            if name in seen:
                return
            seen.add(name)
            missing = provider.missing_env_vars()
            # is_configured() too: a disabled endpoint needs no key yet is not usable.
            out.append(ProviderStatus(name, kind, not missing and provider.is_configured(), missing, detail))

        for name, p in list(self._registered.items()):
            add(name, "registered", p)
        for name in BUILTINS:
            add(name, "builtin", self._builtin(name))
        for name, p in self.refresh_plugins().items():
            add(name, "plugin", p)
        for name, err in self.plugin_errors.items():
            if name not in seen:
                seen.add(name)
                out.append(ProviderStatus(name, "plugin", False, [], error=redact(err)))
        if session is None:
            with new_session() as s:
                rows = list(s.scalars(select(ProviderEndpoint).order_by(ProviderEndpoint.name)))
        else:
            rows = list(session.scalars(select(ProviderEndpoint).order_by(ProviderEndpoint.name)))
        for row in rows:
            add(row.name, "endpoint", self._endpoint(row.name, session), redact(row.base_url))  # shown by CLI, pages
        return out


registry = Registry()
