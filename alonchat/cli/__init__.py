"""`python -m alonchat`: one argparse tree, one module per command family."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import AlonChatError, ValidationError
from ..redact import redact

# Each module exposes register(subparsers); a family's handlers live beside its parser.
FAMILIES = ("chat", "models", "endpoints", "providers", "usage", "budget", "demo", "db")


class CLIError(Exception):
    """A one-line error for the user; exit code 2 means nothing was written."""

    def __init__(self, message: str, code: int = 2):
        self.code = code
        super().__init__(message)


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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CLIError as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return e.code
    except ValidationError as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return 2
    except AlonChatError as e:
        print(f"error: {redact(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `... | head` closed our stdout: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
