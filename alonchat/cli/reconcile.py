"""`reconcile`: the ledger against the provider's bill per UTC day, provider and model; exit 1 past the tolerance."""

from __future__ import annotations

import json
import sys

from . import add_command


def register(sub) -> None:
    p = add_command(
        sub, "reconcile",
        description="Fetches the days of the providers' bills that may still change (OpenAI and Anthropic admin "
                    "APIs with OPENAI_ADMIN_KEY / ANTHROPIC_ADMIN_KEY, OpenRouter per call), then compares them "
                    "with the ledger per UTC day, provider and model. Days are UTC days, as the providers bucket "
                    "them. Exit status 1 when a gap is over the tolerance (or a fetch failed), for a nightly check.")
    p.add_argument("--provider", action="append", metavar="P",
                   help="only this provider (repeatable): openai, anthropic, gemini, or an OpenRouter endpoint")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="first UTC day (default: the 1st of --until's month)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="last UTC day, included (default: yesterday, the last "
                                                         "whole day a bill has)")
    p.add_argument("--tolerance", default="1", metavar="PERCENT",
                   help="a gap within this percentage of the larger side matches (default 1)")
    p.add_argument("--tolerance-usd", default="0.01", metavar="USD",
                   help="dollar gaps below this always match (default 0.01)")
    p.add_argument("--offline", action="store_true", help="fetch nothing: compare with the bill already stored")
    p.add_argument("--refetch", action="store_true", help="fetch every day of the range again, settled or not")
    p.add_argument("--import-csv", metavar="FILE", help="import a Gemini billing-export CSV (day, SKU, cost) first")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the rows as a JSON list")
    out.add_argument("--csv", action="store_true", help="the rows as CSV with a header")
    p.set_defaults(func=run)


def _day(text: str | None, flag: str):
    from datetime import date

    from ..core.errors import ValidationError

    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValidationError(f"{flag} {text!r} is not a day: use YYYY-MM-DD (a UTC day).") from None


def _decimal(text: str, flag: str):
    from decimal import Decimal, InvalidOperation

    from ..core.errors import ValidationError

    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{flag} {text!r} is not a number.") from None
    if not value.is_finite() or value < 0:
        raise ValidationError(f"{flag} must be a number of 0 or more.")
    return value


def _range(args):
    from datetime import UTC, datetime, timedelta

    from ..core.errors import ValidationError

    last = _day(args.until, "--until") if args.until is not None else datetime.now(UTC).date() - timedelta(days=1)
    first = _day(args.since, "--since") if args.since is not None else last.replace(day=1)
    if last < first:
        raise ValidationError(f"--until {last} is before --since {first}.")
    return first, last


def _fetch(args, first, last) -> bool:
    """Fetch what may still change; say what happened on stderr (stdout stays the report). False when one failed."""
    from ..core.errors import AlonChatError
    from ..core.text import redact
    from ..usage.bills import settings, store

    chosen = set(args.provider or ())
    ok = True
    for name, vendor in store.VENDORS.items():
        if (chosen and name not in chosen) or (not chosen and settings.setting(vendor.KEY_ENV) is None):
            continue
        try:
            print("fetched " + store.fetch(name, first, last, force=args.refetch).describe(), file=sys.stderr)
        except AlonChatError as e:
            ok = False
            print(f"error: could not fetch {name}'s bill: {redact(str(e))}", file=sys.stderr)
    routers = {n for n, _, _ in store.openrouter_endpoints()}
    if routers and (not chosen or chosen & routers):
        try:
            for report in store.fetch_generations(first, last):
                if report.requests:
                    print("fetched " + report.describe(), file=sys.stderr)
        except AlonChatError as e:
            ok = False
            print(f"error: could not look up OpenRouter generations: {redact(str(e))}", file=sys.stderr)
    return ok


def _money(value) -> str:
    if value is None:
        return "–"
    return f"{'-' if value < 0 else ''}${abs(value):,.4f}"


def _print(rec) -> None:
    tol = rec.tolerance
    print(f"Ledger against the providers' bills, {rec.first}..{rec.last} (UTC days); a gap within {tol.percent}% "
          f"or ${tol.usd} matches.")
    if rec.rows:
        print(f"{'day':<11} {'provider':<11} {'model':<26} {'status':<14} {'ours':>11} {'provider':>11} {'gap':>11}")
    for r in rec.rows:
        print(f"{r.day.isoformat():<11} {r.provider[:11]:<11} {r.model[:26]:<26} {r.status:<14} "
              f"{_money(r.ours.usd if r.ours else None):>11} {_money(r.theirs.usd if r.theirs else None):>11} "
              f"{_money(r.gap_usd):>11}")
        for why in r.explanation:
            print(f"{'':<11} · {why}")
    for t in rec.months():
        pct = "" if t.gap_percent is None else f" ({t.gap_percent:+.2f}% of the bill)"
        print(f"{t.month} {t.provider or 'all providers'}: ledger {_money(t.ours_usd)}, bill {_money(t.provider_usd)}, "
              f"gap {_money(t.gap_usd)}{pct}")
    for provider, why in rec.unchecked.items():
        print(f"not reconciled: {provider}: {why}")
    for provider, name in rec.unmapped:
        print(f"unmapped: {provider} billed '{name}', which no catalog model matches")
    if not rec.rows and not rec.unchecked:
        print("Nothing to reconcile in this range.")


def run(args) -> int:
    from ..usage import reconcile
    from ..usage.bills import store

    first, last = _range(args)
    tolerance = reconcile.Tolerance(_decimal(args.tolerance, "--tolerance"),
                                    _decimal(args.tolerance_usd, "--tolerance-usd"))
    if args.import_csv:
        try:
            with open(args.import_csv, encoding="utf-8-sig") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            from ..core.errors import ValidationError

            raise ValidationError(f"Cannot read {args.import_csv}: {e}.") from None
        print("imported " + store.import_csv(text, args.import_csv).describe(), file=sys.stderr)
    fetched = True if args.offline else _fetch(args, first, last)
    rec = reconcile.reconcile(first, last, args.provider, tolerance)
    if args.json:
        print(json.dumps([r.to_json() for r in rec.rows], indent=2))
    elif args.csv:
        print(rec.to_csv(), end="")
    else:
        _print(rec)
    return 1 if rec.over_tolerance or not fetched else 0
