"""Provider plugins through the "alonchat.providers" entry points, installed with no pip and no network."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from alonchat import errors
from alonchat.registry import registry
from alonchat.service import ai_service
from tests.provider_checks import ledger
from tests.scripted import add_model

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alonchat-example-plugin"


def install(site: Path, dist: str, entry_points: dict[str, str]) -> Path:
    """What `pip install` leaves behind for importlib.metadata: a .dist-info with METADATA and entry_points.txt."""
    info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[alonchat.providers]\n{lines}")
    return info


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fresh site-packages dir on sys.path, with the example plugin's source importable."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    yield path
    for name in ("alonchat_example_plugin", "alonchat_broken_plugin"):
        sys.modules.pop(name, None)


def test_installed_plugin_is_found_and_chats_through_the_service(site):
    install(site, "alonchat-example-plugin", {"reverse": "alonchat_example_plugin:ReverseProvider"})
    registry.refresh_plugins()
    provider = registry.get("reverse")
    assert type(provider).__name__ == "ReverseProvider" and provider.kind == "plugin"
    assert provider.is_configured()  # keyless
    add_model("reverse-1", provider="reverse", input_price=0, output_price=0)
    result = ai_service.chat("reverse-1", "hello plugin world")
    assert result.content == "dlrow nigulp olleh" and result.cost_usd == 0
    *deltas, final = list(ai_service.stream("reverse-1", "ab cd"))
    assert deltas == ["dc ", "ba"] and final.ok
    rows = ledger()
    assert [(r.provider, r.status, r.usage_estimated) for r in rows] == [("reverse", "ok", True)] * 2
    status = {s.name: s for s in registry.status()}["reverse"]
    assert (status.kind, status.configured, status.error) == ("plugin", True, None)


def test_plugin_installed_after_the_first_scan_is_found_on_lookup(site):
    registry.refresh_plugins()
    with pytest.raises(errors.UnknownProviderError):
        registry.get("reverse")
    install(site, "alonchat-example-plugin", {"reverse": "alonchat_example_plugin:ReverseProvider"})
    assert registry.get("reverse").name == "reverse"  # an unknown name triggers a rescan


def test_broken_plugin_is_reported_and_skipped(site):
    install(site, "alonchat-example-plugin", {"reverse": "alonchat_example_plugin:ReverseProvider"})
    (site / "alonchat_broken_plugin.py").write_text('raise RuntimeError("boom: missing dependency")\n')
    install(site, "alonchat-broken-plugin", {"broken": "alonchat_broken_plugin:Provider",
                                             "notaprovider": "collections:OrderedDict"})
    plugins = registry.refresh_plugins()
    assert "reverse" in plugins and "broken" not in plugins
    assert registry.plugin_errors["broken"] == "RuntimeError: boom: missing dependency"
    assert "did not produce an alonchat Provider" in registry.plugin_errors["notaprovider"]
    status = {s.name: s for s in registry.status()}
    assert status["broken"].error.startswith("RuntimeError") and not status["broken"].configured
    assert status["echo"].configured and status["reverse"].configured
    assert ai_service.chat("echo", "still works").ok
    with pytest.raises(errors.UnknownProviderError):
        registry.get("broken")


def test_uninstalled_plugin_disappears_after_refresh(site):
    info = install(site, "alonchat-example-plugin", {"reverse": "alonchat_example_plugin:ReverseProvider"})
    registry.refresh_plugins()
    assert registry.get("reverse")
    shutil.rmtree(info)
    registry.refresh_plugins()
    with pytest.raises(errors.UnknownProviderError):
        registry.get("reverse")
    assert "reverse" not in registry.names()
