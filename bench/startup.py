"""Prints what start-up costs: three CLI commands end to end beside a bare interpreter, and the engine's cold import.

    python bench/startup.py [--runs 9]

1. CLI: median wall (and CPU) time of `alonchat --help`, `alonchat usage` and `alonchat chat -m echo hi` (echo
   with no per-word pause), each a whole process, beside `python -c pass` measured in the same run, on a
   throwaway database migrated and seeded first. Goal: <= 300 ms wall each. Lists what each command loaded
   of the heavy packages.
2. Import: median of `python -c "import alonchat.calls.service"` minus `python -c pass`; no vendor SDK and no
   database layer may be loaded by it.
Runs this checkout's code (PYTHONPATH), whatever is installed. On a busy machine wall times grow with the load
(the bare interpreter's shows by how much); CPU time much less so. With PYTHONDONTWRITEBYTECODE set (as in some
shells here), every module of the checkout is compiled from source at each start: the CLI timings are then printed
twice, as this shell runs them and with a bytecode cache (a throwaway PYTHONPYCACHEPREFIX), as a pip-installed
package or an ordinary checkout runs them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("openai", "anthropic", "google.genai", "httpx2", "sqlalchemy", "sqlalchemy.orm", "pydantic", "alembic",
         "genai_prices", "streamlit", "alonchat.storage.tables", "alonchat.catalog.models", "alonchat.usage.ledger",
         "alonchat.providers.registry")
SDKS = ("openai", "anthropic", "google.genai")
COMMANDS = (("alonchat --help", ["--help"]), ("alonchat usage", ["usage"]),
            ("alonchat chat -m echo hi", ["chat", "-m", "echo", "hi"]))


def _env(db: Path, pycache: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "ALONCHAT_DATABASE_URL": f"sqlite:///{db}", "ALONCHAT_ECHO_DELAY_MS": "0"}
    if pycache is not None:  # compiled once (the warm-up run), read from there after: never written into the checkout
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _wall(cmd: list[str], runs: int, env: dict) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `cmd`, run `runs` times after one warm-up (the OS file cache)."""
    walls, cpus = [], []
    for i in range(runs + 1):
        t, c = time.perf_counter(), _cpu()
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i:
            walls.append(time.perf_counter() - t)
            cpus.append(_cpu() - c)
    return statistics.median(walls), statistics.median(cpus)


def _loaded(code: str, env: dict) -> list[str]:
    probe = f"import sys, contextlib, io\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    return out.split()[-len(HEAVY):] if out.strip() else []


def _commands(runs: int, env: dict) -> None:
    """The three CLI commands beside a bare interpreter, each with what it loaded of HEAVY."""
    bare, bare_cpu = _wall([sys.executable, "-c", "pass"], runs, env)
    print(f"  {'python -c pass':<30} {bare * 1000:7.0f} ms wall {bare_cpu * 1000:6.0f} ms CPU")
    for label, args in COMMANDS:
        wall, cpu = _wall([sys.executable, "-m", "alonchat", *args], runs, env)
        code = (f"from alonchat.cli import main\nwith contextlib.redirect_stdout(io.StringIO()), "
                f"contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):\n    main({args!r})")
        loaded = _loaded(code, env)
        goal = "ok" if wall <= 0.3 else "over the 300 ms goal"
        print(f"  {label:<30} {wall * 1000:7.0f} ms wall {cpu * 1000:6.0f} ms CPU  ({goal}; "
              f"{(wall - bare) * 1000:.0f} ms over a bare interpreter)  loads: {', '.join(loaded) or 'none of them'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    runs = ap.parse_args().runs
    tmp = Path(tempfile.mkdtemp(prefix="alonchat_startup_"))
    db = tmp / "startup.db"
    env = _env(db)
    subprocess.run([sys.executable, "-m", "alonchat", "db", "path"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)  # create, migrate and seed the database once, outside the timings

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {runs} runs each, medians")
    modes = [("as this shell runs Python", env)]
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        modes = [("as this shell runs Python: PYTHONDONTWRITEBYTECODE, the checkout compiled at each start", env),
                 ("with a bytecode cache, as an installed package runs", _env(db, tmp / "pycache"))]
    for title, mode_env in modes:
        print(title)
        _commands(runs, mode_env)

    bare, bare_cpu = _wall([sys.executable, "-c", "pass"], runs, env)
    service, service_cpu = _wall([sys.executable, "-c", "import alonchat.calls.service"], runs, env)
    loaded = _loaded("import alonchat.calls.service", env)
    sdks = [m for m in loaded if m in SDKS]
    print(f"{'import alonchat.calls.service':<32} {(service - bare) * 1000:7.0f} ms wall "
          f"{(service_cpu - bare_cpu) * 1000:6.0f} ms CPU over a bare interpreter; loads: "
          f"{', '.join(loaded) or 'none of them'}; vendor SDKs: {', '.join(sdks) or 'none'}")


if __name__ == "__main__":
    main()
