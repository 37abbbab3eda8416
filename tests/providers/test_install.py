"""A real install, as a user does it: alonchat (not editable, so the package data must ship) and the example
plugin pip-installed into a fresh venv, then the `alonchat` command run from folders outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "alonchat-example-plugin"
JUNK = shutil.ignore_patterns("__pycache__", "*.db", "*.db-*", "build", "*.egg-info")


def copy_project(src: Path, dest: Path, parts: tuple[str, ...]) -> Path:
    """Build from a copy: setuptools writes build/ and *.egg-info beside the sources it builds."""
    for part in parts:
        (shutil.copytree if (src / part).is_dir() else shutil.copy)(src / part, dest / part, **(
            {"ignore": JUNK} if (src / part).is_dir() else {}))
    return dest


PROJECT = ("alonchat", "migrations", "data", "pyproject.toml", "README.md", "requirements.txt")


def new_venv(root: Path) -> tuple[Path, list[str]]:
    """A venv over the system packages (the dependencies, offline), and the pip command that installs into it."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    # A venv made from a venv sees the base interpreter's packages, not ours: point it at ours too (the
    # dependencies and the build backend), after its own site-packages so the regular install wins.
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    inner = subprocess.run([str(venv / "bin" / "python"), "-c", purelib], check=True, capture_output=True,
                           text=True).stdout.strip()
    Path(inner, "outer-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv, [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                  "--no-deps", "--no-build-isolation", "--no-index", "--disable-pip-version-check"]


def cli(venv: Path, root: Path):
    """Runs the venv's `alonchat` from folder a or b of `root` (neither is a checkout), per-user data in root/xdg."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALONCHAT_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(XDG_DATA_HOME=str(root / "xdg"), ALONCHAT_ECHO_DELAY_MS="0", ALONCHAT_USER="installer",
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    folders = [root / "a", root / "b"]
    for f in folders:
        f.mkdir()

    def run(*args: str, where: int = 0) -> str:
        done = subprocess.run([str(venv / "bin" / "alonchat"), *args], cwd=folders[where], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run.python = venv / "bin" / "python"
    run.env, run.root = env, root
    return run


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Regular (not editable) installs of alonchat and the example plugin, as `pip install <path>` makes them."""
    root = tmp_path_factory.mktemp("install")
    app = copy_project(ROOT, root / "alonchat-src", PROJECT)
    plugin = copy_project(EXAMPLE, root / "plugin-src", ("alonchat_example_plugin", "pyproject.toml", "README.md"))
    venv, pip = new_venv(root)
    subprocess.run([*pip, str(app)], check=True, cwd=root)
    subprocess.run([*pip, str(plugin)], check=True, cwd=root)
    return cli(venv, root)


def test_the_installed_package_is_a_regular_install_with_its_data(installed):
    code = "import alonchat.storage.engine as e; print(e.PACKAGE); print(e.IN_CHECKOUT); print(e.MIGRATIONS)"
    out = subprocess.run([str(installed.python), "-c", code], cwd=installed.root / "a", env=installed.env,
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert "site-packages" in out[0] and out[1] == "False"
    assert Path(out[2], "versions").is_dir() and Path(out[0], "_data", "seed_models.json").is_file()


def test_cli_from_any_folder_shares_the_per_user_database(installed):
    expected = installed.root / "xdg" / "alonchat" / "data" / "alonchat.db"
    assert installed("db", "path").strip() == str(expected)
    assert installed("db", "path", where=1).strip() == str(expected)
    assert "you said \"hi\"" in installed("chat", "-m", "echo", "hi")  # migrates and seeds the new database
    by_model = {r["model"]: r for r in json.loads(installed("usage", "--by", "model", "--json", where=1))}
    assert by_model["echo"]["requests"] == 1
    assert expected.is_file()


def test_the_installed_plugin_is_listed_and_its_model_answers(installed):
    providers = installed("providers")
    assert any(line.split()[:1] == ["reverse"] and "plugin" in line for line in providers.splitlines()), providers
    installed("models", "add", "--name", "reverse-1", "--provider", "reverse", "--model-id", "reverse-1",
              "--input-price", "0", "--output-price", "0")
    assert installed("chat", "-m", "reverse-1", "hello plugin world", where=1).startswith("dlrow nigulp olleh")


def test_requirements_txt_installs_the_checkout_and_its_database_stays_in_the_checkout(tmp_path):
    """README command 1 (`pip install -r requirements.txt` in a checkout) leaves the `alonchat` command, and from any
    folder it uses the checkout's data/alonchat.db."""
    checkout = copy_project(ROOT, tmp_path / "checkout", PROJECT)
    venv, pip = new_venv(tmp_path)
    subprocess.run([*pip, "-r", "requirements.txt"], check=True, cwd=checkout)
    run = cli(venv, tmp_path)
    db = checkout / "data" / "alonchat.db"
    assert run("db", "path").strip() == str(db) == run("db", "path", where=1).strip()
    assert "you said \"hi\"" in run("chat", "-m", "echo", "hi")
    by_model = {r["model"]: r for r in json.loads(run("usage", "--by", "model", "--json", where=1))}
    assert by_model["echo"]["requests"] == 1 and db.is_file()
    assert not (tmp_path / "xdg").exists()  # a checkout never writes to the per-user folder
