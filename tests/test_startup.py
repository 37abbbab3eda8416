"""`import alonchat.calls.service` stays lazy: no SDK, SQLAlchemy or pydantic until the first call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("openai", "anthropic", "google.genai", "httpx2", "sqlalchemy", "alembic", "genai_prices", "streamlit",
         "pydantic", "alonchat.storage.tables", "alonchat.providers.registry")


def loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    return set(out.split())


def test_importing_the_service_loads_no_sdk_and_no_database_layer():
    assert loaded_after("import alonchat.calls.service") == set()
    assert loaded_after("from alonchat import ai_service, Usage, estimate_tokens") == set()


def test_the_first_call_loads_what_it_needs(tmp_path):
    code = (f"import os; os.environ['ALONCHAT_DATABASE_URL'] = 'sqlite:///{tmp_path / 'a.db'}'\n"
            "from alonchat.calls.service import ai_service\nassert ai_service.chat('echo', 'hi').ok")
    assert {"sqlalchemy", "alonchat.storage.tables", "alonchat.providers.registry"} <= loaded_after(code)


def test_the_cli_imports_only_the_named_command():
    from alonchat.cli import COMMANDS

    cli = ROOT / "alonchat" / "cli"
    modules = ({p.stem for p in cli.glob("*.py")} | {p.parent.name for p in cli.glob("*/__init__.py")}) - {"__init__"}
    assert modules == {m for m, _ in COMMANDS.values()}  # every command module is listed, so it can be named
    run = ("import contextlib, io\nfrom alonchat.cli import main\n"
           "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    main({argv!r})\n")
    assert loaded_after(run.format(argv=["--help"])) == set()
    assert loaded_after(run.format(argv=["chat", "--help"]) + "assert 'alonchat.cli.chat' in sys.modules and "
                        "'alonchat.cli.usage' not in sys.modules") == set()


def test_a_call_on_a_migrated_sqlite_database_loads_no_sqlalchemy(tmp_path):
    """The per-call hot path runs on the driver: once the database is at the newest migration, a CLI call (and
    any call through the service) imports neither SQLAlchemy nor Alembic nor the ORM tables; with no option set,
    nothing needs checking, so no pydantic either. An option set is checked by its schema, which loads it."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = (f"import os; os.environ['ALONCHAT_DATABASE_URL'] = {url!r}; os.environ['ALONCHAT_ECHO_DELAY_MS'] = '0'\n"
             "from alonchat.calls.service import ai_service\nassert ai_service.chat('echo', 'hi').ok")
    assert "sqlalchemy" in loaded_after(first)  # a new database is created and migrated: that needs them
    again = (f"import os; os.environ['ALONCHAT_DATABASE_URL'] = {url!r}; os.environ['ALONCHAT_ECHO_DELAY_MS'] = '0'\n"
             "import contextlib, io\nfrom alonchat.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
             "    assert main(['chat', '-m', 'echo', 'hi']) == 0\n"
             "from alonchat.calls.service import ai_service\nassert ai_service.chat('echo', 'again').ok")
    assert loaded_after(again) & {"sqlalchemy", "alembic", "alonchat.storage.tables", "pydantic"} == set()
    checked = again.replace("'chat', '-m'", "'chat', '--temperature', '0.5', '-m'")
    assert loaded_after(checked) & {"sqlalchemy", "alembic", "alonchat.storage.tables", "pydantic"} == {"pydantic"}


def test_usage_reports_on_a_migrated_sqlite_database_load_no_sqlalchemy_and_no_pydantic(tmp_path):
    """`alonchat usage` (any grouping, zone and output) reads the rollups straight on the driver, its identity
    checks included: a member's slice and their filter choices too."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    env = f"import os; os.environ['ALONCHAT_DATABASE_URL'] = {url!r}; os.environ['ALONCHAT_ECHO_DELAY_MS'] = '0'\n"
    loaded_after(env + "from alonchat.calls.service import ai_service\n"
                 "assert ai_service.chat('echo', 'hi', source='cli').ok")  # a migrated database, one call in it
    heavy = {"sqlalchemy", "alembic", "alonchat.storage.tables", "pydantic"}
    run = env + "import contextlib, io, json\nfrom alonchat.cli import main\n" \
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n    assert main({argv!r}) == 0\n{check}\n"
    for argv, check in (
            (["usage"], "assert out.getvalue().splitlines()[1].split()[:2] == ['all', '1']"),
            (["usage", "--by", "day", "--tz", "Asia/Kolkata", "--since", "2020-01-01T10:30:00", "--json"],
             "assert [r['requests'] for r in json.loads(out.getvalue())] == [1]"),
            (["usage", "--by", "model", "--csv", "--source", "cli"],
             "assert out.getvalue().splitlines()[1].startswith('echo,1,0,')")):
        assert loaded_after(run.format(argv=argv, check=check)) & heavy == set(), argv
    member = (env + "from alonchat.access.identity import Actor, acting_as\nfrom alonchat.usage import reports\n"
              "with acting_as(Actor('carol@example.com', is_admin=False)):\n"
              "    f = reports.member_view(reports.Filters(tz='Europe/Paris'), 'team')\n"
              "    assert reports.summary(f).requests == 0 and reports.breakdown('day', f) == []\n"
              "    assert reports.dimension_values(f)['user'] == []\n")
    assert loaded_after(member) & heavy == set()
