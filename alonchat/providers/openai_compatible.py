"""Any OpenAI-compatible server (Ollama, vLLM, Together, Groq...) stored as a row, not as code."""

from __future__ import annotations

from ..core.errors import EndpointDisabledError
from .base import ProviderEnv
from .openai import OpenAIProvider, map_errors


class OpenAICompatibleProvider(OpenAIProvider):
    """One provider_endpoints row: its base URL, the NAME of its key's env var (or none), on or off."""

    kind = "endpoint"
    # Compatible servers widely accept max_tokens; fewer know OpenAI's newer max_completion_tokens.
    max_tokens_param = "max_tokens"

    def __init__(self, name: str, base_url: str, api_key_env: str | None = None, enabled: bool = True):
        self.name = self.display_name = name
        self.base_url = base_url
        # A keyless endpoint (a local Ollama) is fine; the base URL is the row's, no env var overrides it.
        self.env = ProviderEnv(key=(api_key_env,) if api_key_env else ())
        self.enabled = enabled
        super().__init__()

    def is_configured(self) -> bool:
        return self.enabled and not self.missing_env_vars()

    def ensure_configured(self) -> None:
        if not self.enabled:
            raise EndpointDisabledError(self.name)
        super().ensure_configured()

    def _settings(self) -> tuple[str | None, str | None]:
        return self.api_key(), self.base_url

    def _client(self):
        # Disabled is checked on every call: the row can be switched off while a client is cached.
        if not self.enabled:
            raise EndpointDisabledError(self.name)
        return super()._client()

    def list_models(self, timeout: float = 10.0) -> list[str]:
        """Model ids the server offers (GET {base_url}/models), for the catalog's "List models".

        Works on a disabled endpoint too, so its connection can be checked before enabling it.
        """
        import httpx2

        client = OpenAIProvider._client(self)  # skips the enabled check, still names a missing key
        with map_errors(self, timeout):
            page = client.models.list(timeout=httpx2.Timeout(timeout, connect=min(5.0, timeout)))
            return sorted(m.id for m in page)
