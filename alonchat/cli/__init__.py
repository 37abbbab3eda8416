"""`python -m alonchat`: one argparse tree, one module per command family."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from ..core.errors import (
    AlonChatError,
    DatabaseUnavailableError,
    InactiveModelError,
    UnknownModelError,
    ValidationError,
)
from ..core.text import redact

# Each command: the module that defines it (its parser beside its handlers) and its line in `alonchat --help`.
# Only the module of the command being run is imported: `alonchat --help` imports no part of the engine, and
# `alonchat chat ...` none of the catalog's editing, the reports or the exports (bench/startup.py).
COMMANDS = {
    "chat": ("chat", "send a prompt to one or more models"),
    "models": ("models", "list and edit the model catalog"),
    "endpoints": ("endpoints", "OpenAI-compatible endpoints (Groq, Together, Ollama, vLLM...)"),
    "providers": ("providers", "list providers and whether they are configured"),
    "usage": ("usage", "spend and tokens from the ledger, aggregated"),
    "budget": ("budget", "monthly budgets (everyone's, a team's, a user's)"),
    "teams": ("teams", "map users (names or emails) and @domains to teams"),
    "audit": ("teams", "who changed which model, price, endpoint, budget or team, and when"),
    "demo-data": ("demo", "fill the ledger with realistic synthetic usage"),
    "db": ("db", "the database: where it is, back it up"),
    "reconcile": ("reconcile", "compare the ledger with what the providers billed (admin APIs, billing CSV)"),
    "arena": ("arena", "blind battles: import, export, leaderboard"),
    "eval": ("eval", "evaluate models on a test set or a promptfoo config; runs, sets, compare, export"),
}


class CLIError(Exception):
    """A one-line error for the user; exit code 2 means nothing was written."""

    def __init__(self, message: str, code: int = 2):
        self.code = code
        super().__init__(message)


def whole(low: int = 1, high: int = 2**63 - 1):
    """An argparse type: a whole number from `low` to `high` (the database's 64-bit integers), else one line, exit 2."""

    def parse(text: str) -> int:
        from ..core.text import quoted

        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{quoted(text)} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{quoted(text)} is out of range: give {low:,} to {high:,}")
        return value

    parse.__name__ = "whole number"  # how argparse names the type in its messages
    return parse


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl+C so a running call stops the same way and is recorded as cancelled."""


def _terminate(signum, frame):
    raise Terminated()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as the CLI contract says
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_command(sub, name: str, **kwargs) -> argparse.ArgumentParser:
    """One command's parser, with its line from COMMANDS (each module's `register` adds its commands with it)."""
    return sub.add_parser(name, help=COMMANDS[name][1], **kwargs)


def _command_in(argv: list[str]) -> str | None:
    """The command named on the line: the first word that is not an option (the top level takes only -h)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser for this command line: the named command's module in full, every other command by name.

    With no `argv`, every module's commands in full (for tests and docs).
    """
    chosen = _command_in(argv) if argv is not None else None
    modules = list(dict.fromkeys(m for m, _ in COMMANDS.values())) if argv is None else \
        [COMMANDS[chosen][0]] if chosen else []
    parser = _Parser(prog="alonchat", description="AlonChat: call, compare, price and track LLMs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in modules:
        importlib.import_module(f"{__name__}.{module}").register(sub)
    for name, (module, _) in COMMANDS.items():
        if module not in modules:  # listed by `--help`; never run, as its module is loaded when named
            add_command(sub, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr (2: bad input, nothing written; 1: a call failed).

    The first Ctrl+C (or SIGTERM) stops the command, and any number after it wait until what it stopped is
    recorded: one ledger row per call, no budget left held, exit 130 (143). Without `argv` this is the
    `alonchat` program itself: once its command has ended, a press changes nothing but the wait to exit.
    """
    from ..calls import interrupts

    program = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        with interrupts.guarded():
            try:
                return _run(build_parser(argv).parse_args(argv))
            finally:
                if program:
                    interrupts.ignore_from_now()
                storage = sys.modules.get("alonchat.storage.engine")  # only when the command used the database
                if storage is not None:
                    storage.close_connections()  # checkpoints SQLite's WAL: the .db file alone is complete now
    except KeyboardInterrupt as e:  # one that came before or after the command itself: nothing was cut short
        return _interrupted(e)
    finally:
        if in_main and not program:
            signal.signal(signal.SIGTERM, previous)


def _interrupted(e: KeyboardInterrupt) -> int:
    if isinstance(e, Terminated):
        print("\nterminated: any call in progress is recorded as cancelled.", file=sys.stderr)
        return 143
    print("\ninterrupted: any call in progress is recorded as cancelled.", file=sys.stderr)
    return 130


def _run(args) -> int:
    try:
        return int(args.func(args) or 0)
    except CLIError as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return e.code
    # Bad arguments or settings (a database URL that names nothing usable): nothing was written.
    except (ValidationError, UnknownModelError, InactiveModelError, DatabaseUnavailableError) as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return 2
    except AlonChatError as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:  # Terminated (SIGTERM) too
        return _interrupted(e)
    except BrokenPipeError:
        # `... | head` closed our stdout: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as e:  # a bug: one line, not a traceback (calls already made are in the ledger)
        print(f"error: unexpected {type(e).__name__}: {redact(str(e))}. This is a bug in AlonChat; please "
              "report it with the command you ran.", file=sys.stderr)
        return 1
