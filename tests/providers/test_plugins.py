"""Provider plugins through the "alonchat.providers" entry points: the example pip-installed for real (offline).

tests/providers/test_install.py installs it into a venv and drives the CLI; here it is installed once into a
folder put on sys.path, so the registry's scans can be watched in-process.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alonchat.calls.service import ai_service
from alonchat.core import errors
from alonchat.core.types import TextDelta
from alonchat.providers.registry import registry
from tests.support.provider_checks import ledger
from tests.support.scripted import add_model

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alonchat-example-plugin"


def install_broken(site: Path, dist: str, entry_points: dict[str, str]) -> Path:
    """A distribution no one would publish (bad entry points), as importlib.metadata sees one: a bare .dist-info."""
    info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[alonchat.providers]\n{lines}")
    return info


@pytest.fixture(scope="module")
def example_wheel_install(tmp_path_factory) -> Path:
    """`pip install --target` of the example plugin, once: its real .dist-info and package."""
    root = tmp_path_factory.mktemp("example")
    src = shutil.copytree(EXAMPLE, root / "src", ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--disable-pip-version-check", "--target", str(root / "target"), str(src)],
                   check=True, cwd=root)
    return root / "target"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A fresh site-packages dir on sys.path; `install()` puts the pip-installed example plugin in it."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    yield path
    for name in ("alonchat_example_plugin", "alonchat_broken_plugin"):
        sys.modules.pop(name, None)


@pytest.fixture
def install(site, example_wheel_install):
    """Install the example plugin into `site` as pip did; returns its .dist-info (remove it to uninstall)."""
    def _install() -> Path:
        for item in example_wheel_install.iterdir():
            (shutil.copytree if item.is_dir() else shutil.copy)(item, site / item.name)
        [info] = site.glob("alonchat_example_plugin-*.dist-info")
        return info
    return _install


def test_installed_plugin_is_found_and_chats_through_the_service(install):
    install()
    registry.refresh_plugins()
    provider = registry.get("reverse")
    assert type(provider).__name__ == "ReverseProvider" and provider.kind == "plugin"
    assert provider.is_configured()  # keyless
    add_model("reverse-1", provider="reverse", input_price=0, output_price=0)
    result = ai_service.chat("reverse-1", "hello plugin world")
    assert result.content == "dlrow nigulp olleh" and result.cost_usd == 0
    *deltas, final = list(ai_service.stream("reverse-1", "ab cd"))
    assert deltas == [TextDelta("dc "), TextDelta("ba")] and final.ok
    rows = ledger()
    assert [(r.provider, r.status, r.usage_estimated) for r in rows] == [("reverse", "ok", True)] * 2
    status = {s.name: s for s in registry.status()}["reverse"]
    assert (status.kind, status.configured, status.error) == ("plugin", True, None)


def test_plugin_installed_after_the_first_scan_is_found_on_lookup(install):
    registry.refresh_plugins()
    with pytest.raises(errors.UnknownProviderError):
        registry.get("reverse")
    install()
    assert registry.get("reverse").name == "reverse"  # an unknown name triggers a rescan


def test_broken_plugin_is_reported_and_skipped(site, install):
    install()
    (site / "alonchat_broken_plugin.py").write_text('raise RuntimeError("boom: missing dependency")\n')
    install_broken(site, "alonchat-broken-plugin", {"broken": "alonchat_broken_plugin:Provider",
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


def test_uninstalled_plugin_disappears_after_refresh(install):
    info = install()
    registry.refresh_plugins()
    assert registry.get("reverse")
    shutil.rmtree(info)
    registry.refresh_plugins()
    with pytest.raises(errors.UnknownProviderError):
        registry.get("reverse")
    assert "reverse" not in registry.names()
