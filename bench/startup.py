"""Prints what start-up costs: the cold import of alonchat.calls.service, and `alonchat --help` end to end (no asserts).

    python bench/startup.py [--runs 9]

1. Import: median wall time of `python -c "import alonchat.calls.service"` minus `python -c pass`, each in a
   fresh interpreter (so every module is imported cold), and the median of what `-X importtime`
   says alonchat.calls.service took. Goal: <= 300 ms. Lists the heavy packages the import loaded: no
   vendor SDK may be among them.
2. CLI: median wall time of `alonchat --help` (`python -m alonchat --help` when the console script
   is not on PATH), the whole process.
Runs this checkout's code (PYTHONPATH), whatever is installed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("openai", "anthropic", "google.genai", "httpx2", "sqlalchemy", "sqlalchemy.orm", "pydantic",
         "alembic", "genai_prices", "streamlit", "alonchat.storage.tables", "alonchat.catalog.models",
         "alonchat.usage.ledger", "alonchat.providers.registry")
SDKS = ("openai", "anthropic", "google.genai")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _wall(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `cmd`, run `runs` times after one warm-up (the OS file cache).

    On a busy machine wall times grow with the load; CPU time (user + system) much less so.
    """
    walls, cpus = [], []
    for i in range(runs + 1):
        t, c = time.perf_counter(), _cpu()
        subprocess.run(cmd, env=_env(), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        if i:
            walls.append(time.perf_counter() - t)
            cpus.append(_cpu() - c)
    return statistics.median(walls), statistics.median(cpus)


def _importtime(module: str, runs: int) -> float:
    """Median seconds `-X importtime` reports for `module`, cumulative (its own imports included)."""
    times = []
    for _ in range(runs):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], env=_env(), cwd=ROOT,
                             check=True, capture_output=True, text=True).stderr
        line = next(x for x in err.splitlines() if x.rstrip().endswith(f"| {module}"))
        times.append(int(line.split("|")[1]) / 1e6)
    return statistics.median(times)


def _loaded(module: str) -> list[str]:
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], env=_env(), cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return out.split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    runs = ap.parse_args().runs

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    bare, bare_cpu = _wall([sys.executable, "-c", "pass"], runs)
    service, service_cpu = _wall([sys.executable, "-c", "import alonchat.calls.service"], runs)
    own = _importtime("alonchat.calls.service", runs)
    loaded = _loaded("alonchat.calls.service")
    print(f"python -c pass                       {bare * 1000:7.0f} ms wall, {bare_cpu * 1000:5.0f} ms CPU")
    print(f"import alonchat.calls.service              {(service - bare) * 1000:7.0f} ms wall, "
          f"{(service_cpu - bare_cpu) * 1000:5.0f} ms CPU over a bare interpreter (goal <= 300)")
    print(f"import alonchat.calls.service (importtime) {own * 1000:7.0f} ms")
    print(f"  loaded at import: {', '.join(loaded) or 'none of ' + ', '.join(HEAVY)}")
    sdks = [m for m in loaded if m in SDKS]
    print(f"  vendor SDKs imported: {', '.join(sdks) if sdks else 'none'}")

    # The venv's own script, not a shim on PATH (pyenv's shims are shell scripts that add ~100 ms).
    script = next((str(p) for p in (Path(sys.executable).parent / "alonchat",) if p.exists()), None)
    cmd = [script, "--help"] if script else [sys.executable, "-m", "alonchat", "--help"]
    cli, cli_cpu = _wall(cmd, runs)
    print(f"{'alonchat --help' if script else 'python -m alonchat --help':<36} {cli * 1000:7.0f} ms wall, "
          f"{cli_cpu * 1000:5.0f} ms CPU (whole process)")


if __name__ == "__main__":
    main()
