"""`python -m alonchat`: one argparse tree, one module per command family."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from ..core.errors import AlonChatError, InactiveModelError, UnknownModelError, ValidationError
from ..core.text import redact

# Each module exposes register(subparsers); a family's handlers live beside its parser.
FAMILIES = ("chat", "models", "endpoints", "providers", "usage", "budget", "teams", "demo", "db", "reconcile",
            "arena")


class CLIError(Exception):
    """A one-line error for the user; exit code 2 means nothing was written."""

    def __init__(self, message: str, code: int = 2):
        self.code = code
        super().__init__(message)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl+C so a running call stops the same way and is recorded as cancelled."""


def _terminate(signum, frame):
    raise Terminated()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as the CLI contract says
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="alonchat", description="AlonChat: call, compare, price and track LLMs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for family in FAMILIES:
        try:
            module = importlib.import_module(f"{__name__}.{family}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{family}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr (2: bad input, nothing written; 1: a call failed)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        return _run(args)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        storage = sys.modules.get("alonchat.storage.engine")  # only when the command used the database
        if storage is not None:
            storage.close_connections()  # checkpoints SQLite's WAL: the .db file alone is complete after we exit


def _run(args) -> int:
    try:
        return int(args.func(args) or 0)
    except CLIError as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return e.code
    except (ValidationError, UnknownModelError, InactiveModelError) as e:  # bad arguments: nothing was written
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return 2
    except AlonChatError as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return 1
    except Terminated:
        print("\nterminated: any call in progress is recorded as cancelled.", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("\ninterrupted: any call in progress is recorded as cancelled.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `... | head` closed our stdout: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as e:  # a bug: one line, not a traceback (calls already made are in the ledger)
        print(f"error: unexpected {type(e).__name__}: {redact(str(e))}. This is a bug in AlonChat; please "
              "report it with the command you ran.", file=sys.stderr)
        return 1
