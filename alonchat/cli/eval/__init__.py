"""`eval`: run a test set or a promptfoo config over models, for people and for CI; keep, list and resume runs.

`alonchat eval run SET_OR_CONFIG -m MODEL ...` checks every cell and prints the call count and a cost range
first (a run past a hard budget is refused: nothing sent), shows progress on stderr, and prints one
summary per pane (or, with --json, a line per cell and then per pane). Exit 1 when a pane misses
--min-pass-rate, 2 for a bad set or config (nothing sent), 130 on Ctrl+C with the finished cells kept.

Here the parser; runs.py the run commands, live.py a run worked in this process, report.py what is printed of a
run, sets.py the `eval set` commands. Each imports the engine inside its handlers, so `--help` stays light.
"""

from __future__ import annotations

from .. import add_command
from .runs import compare, export, import_run, list_runs, resume, run, show, stop
from .sets import set_export, set_import, set_list, set_show

__all__ = ["compare", "export", "import_run", "list_runs", "register", "resume", "run", "set_export", "set_import",
           "set_list", "set_show", "show", "stop"]


def register(sub) -> None:
    p = add_command(sub, "eval", description="Run a test set (or a promptfoo config) over models, with checks, "
                                             "repeats and a judge; keep, list, compare and resume runs.")
    cmds = p.add_subparsers(dest="eval_command", required=True, metavar="COMMAND")

    r = cmds.add_parser("run", help="run a set or a promptfoo config over models",
                        description="SET_OR_CONFIG is a stored set (NAME or NAME@VERSION) or a promptfoo config "
                                    "(.yaml). Every cell is checked and the cost range printed before anything "
                                    "is sent.")
    r.add_argument("target", metavar="SET_OR_CONFIG")
    r.add_argument("-m", "--model", action="append", dest="models", metavar="MODEL",
                   help="a catalog model (or promptfoo id) to evaluate; repeat for several; replaces a config's "
                        "providers")
    r.add_argument("--repeat", type=int, default=None, metavar="N", help="send every case N times (default 1)")
    _common_run_options(r)
    r.add_argument("--judge", metavar="MODEL", help="the model that grades judge (llm-rubric) checks")
    r.add_argument("--prompt", type=int, action="append", dest="prompts", metavar="N",
                   help="only prompt variant N (1-based); repeat for several (default: all)")
    r.add_argument("--name", default="", help="a name for the run")
    r.add_argument("--set-name", metavar="NAME", help="save a config's set under this name (default: its folder)")
    r.add_argument("--temperature", type=float, help="sampling temperature for every pane")
    r.add_argument("--max-tokens", type=int, help="most tokens per answer for every pane (narrows the estimate)")
    r.add_argument("--reasoning-effort", choices=("none", "minimal", "low", "medium", "high"),
                   help="reasoning effort for every pane (models that reason)")
    r.add_argument("--dry-run", action="store_true", help="check and estimate only: nothing is sent or stored")
    r.set_defaults(func=run)

    for name, help_ in (("resume", "run what a stopped run has not finished"),
                        ("rerun-failed", "run a run's failed cells again (errors, truncated, refused)")):
        x = cmds.add_parser(name, help=help_)
        x.add_argument("run_id", type=int, metavar="RUN")
        _common_run_options(x)
        x.set_defaults(func=resume, rerun=name == "rerun-failed")

    s = cmds.add_parser("stop", help="ask the processes working on a run to stop (finished cells are kept)")
    s.add_argument("run_id", type=int, metavar="RUN")
    s.set_defaults(func=stop)

    ls = cmds.add_parser("runs", help="list runs (yours and your team's; an admin: all)")
    ls.add_argument("--set", dest="set_name", metavar="NAME", help="only runs of this set")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(func=list_runs)

    sh = cmds.add_parser("show", help="a run's progress and per-pane summary")
    sh.add_argument("run_id", type=int, metavar="RUN")
    out = sh.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="a line per pane (and with --cells, per cell first)")
    out.add_argument("--csv", action="store_true", help="every cell as CSV")
    sh.add_argument("--cells", action="store_true", help="with --json: every cell too")
    sh.add_argument("--min-pass-rate", type=_rate, metavar="RATE", help="exit 1 when a pane's pass rate is below")
    sh.set_defaults(func=show)

    cp = cmds.add_parser("compare", help="two runs of the same set: flipped cases and changes per pane")
    cp.add_argument("run_a", type=int, metavar="RUN_A")
    cp.add_argument("run_b", type=int, metavar="RUN_B")
    cp.add_argument("--json", action="store_true", help="one JSON object")
    cp.set_defaults(func=compare)

    ex = cmds.add_parser("export", help="a whole run as JSON (re-importable) or CSV")
    ex.add_argument("run_id", type=int, metavar="RUN")
    ex.add_argument("--csv", action="store_true", help="one row per cell, instead of the JSON document")
    ex.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    ex.set_defaults(func=export)

    im = cmds.add_parser("import", help="import a run exported as JSON")
    im.add_argument("file", metavar="FILE")
    im.set_defaults(func=import_run)

    st = cmds.add_parser("set", help="test sets: list, show, create, import, export")
    sets_cmds = st.add_subparsers(dest="set_command", required=True, metavar="COMMAND")
    sl = sets_cmds.add_parser("list", help="the sets you can see (latest versions)")
    sl.add_argument("--json", action="store_true")
    sl.set_defaults(func=set_list)
    ss = sets_cmds.add_parser("show", help="one set: prompts, checks and cases")
    ss.add_argument("name", metavar="NAME[@VERSION]")
    ss.add_argument("--json", action="store_true")
    ss.set_defaults(func=set_show)
    for name, help_ in (("create", "a new set (or version) from prompts and a cases file"),
                        ("import", "cases (.csv, .jsonl) or a promptfoo config (.yaml) as a set")):
        x = sets_cmds.add_parser(name, help=help_)
        if name == "create":
            x.add_argument("name", metavar="NAME")
            x.add_argument("--cases", metavar="FILE", required=True, help="a .csv or .jsonl of cases")
        else:
            x.add_argument("file", metavar="FILE")
            x.add_argument("--name", help="the set's name (default: the file's name)")
        x.add_argument("--prompt", action="append", dest="prompts", metavar="TEMPLATE",
                       help="a prompt's user part with {{variables}}; repeat for variants (a cases file needs one, "
                            "unless the set exists: its prompts are kept)")
        x.add_argument("--system", help="the prompts' system part (a template too)")
        x.add_argument("--check", action="append", dest="checks", metavar="CHECK",
                       help="a check for every case, as in __expected (e.g. not-icontains:sorry); repeatable")
        x.add_argument("--description", help="what the set is for")
        x.set_defaults(func=set_import)
    se = sets_cmds.add_parser("export", help="a set's cases as CSV (promptfoo's columns) or JSONL")
    se.add_argument("name", metavar="NAME[@VERSION]")
    se.add_argument("--jsonl", action="store_true", help="promptfoo test cases, one per line (default CSV)")
    se.add_argument("-o", "--output", metavar="FILE")
    se.set_defaults(func=set_export)
    cmds.add_parser("sets", help="the same as `eval set list`").set_defaults(func=set_list, json=False)


def _rate(text: str) -> float:
    import argparse

    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate; give e.g. 0.9 or 90%") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1 (or 0% and 100%)")
    return value


def _common_run_options(p) -> None:
    p.add_argument("--concurrency", metavar="N", help="calls at once per provider (default 4), or PROVIDER=N; "
                                                      "repeatable as PROVIDER=N", action="append")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON line per cell, then one per pane")
    out.add_argument("--csv", action="store_true", help="every cell as CSV (summary on stderr)")
    p.add_argument("--min-pass-rate", type=_rate, metavar="RATE",
                   help="exit 1 when a pane's pass rate is below RATE (0.9 or 90%%)")
