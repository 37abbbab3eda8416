"""The comparison of one row: its status and gaps against the tolerance, and the sentences that say why."""

from __future__ import annotations

from datetime import timedelta

from ..bills import KIND_LABELS, KINDS
from ..bills import gemini as gemini_bill
from ..bills.store import VENDORS
from .gather import Bucket
from .prices import catalog_rates, per_m
from .types import OTHER, Row, Tolerance


def compare(row: Row, tol: Tolerance) -> None:
    ours, theirs = row.ours, row.theirs
    if theirs is None:
        row.status, row.gap_usd = "ours_only", None if ours.usd is None else -ours.usd
        row.gap_tokens = {k: -(ours.tokens[k] or 0) for k in KINDS}
        row.over_tolerance = (ours.usd or 0) > tol.usd or (ours.usd is None and ours.total_tokens > 0)
        return
    if ours is None:
        row.status, row.gap_usd = "provider_only", theirs.usd
        row.gap_tokens = dict(theirs.tokens)
        row.over_tolerance = (theirs.usd or 0) > tol.usd or (theirs.usd is None and theirs.total_tokens > 0)
        return
    # A kind the provider does not report apart is inside its input (OpenAI counts cache writes as input).
    folded = dict(ours.tokens)
    for k in KINDS:
        if theirs.tokens[k] is None and k != "input" and theirs.tokens["input"] is not None:
            folded["input"] = (folded["input"] or 0) + (folded[k] or 0)
    row.gap_tokens = {k: None if theirs.tokens[k] is None else theirs.tokens[k] - (folded[k] or 0) for k in KINDS}
    if theirs.usd is not None:
        row.gap_usd = theirs.usd - (ours.usd or 0)  # an unpriced ledger priced nothing of it
    usd_ok = theirs.usd is None or tol.close(ours.usd or 0, theirs.usd, tol.usd)
    tokens_ok = all(theirs.tokens[k] is None or tol.close(folded[k] or 0, theirs.tokens[k]) for k in KINDS)
    if usd_ok and tokens_ok:
        row.status = "match"
        return
    if not usd_ok:
        direction = row.gap_usd
    else:
        direction = sum(g for g in row.gap_tokens.values() if g is not None)
    row.status = "over" if direction > 0 else "under"
    row.over_tolerance = True


def explain(row: Row, acc: Bucket, tol: Tolerance, ctx: dict) -> None:
    say = row.explanation.append
    mismatch = row.status != "match"
    if not row.mapped and row.model != OTHER:
        say(f"No catalog model matches {', '.join(sorted(acc.names)) or row.model_id}: shown as the provider "
            "names it; add it to the catalog (or fix its model id) to compare it with the ledger's calls.")
    if row.model == OTHER:
        say("Billed apart from any model: " + "; ".join(sorted(i for i in acc.items if i)) + ".")
    if row.theirs is None and row.ours is not None:
        if acc.unknown_cost:
            say(f"{acc.unknown_cost} call(s) have no cost from {row.provider} yet" + (
                f" ({acc.no_id} without a generation id to look up)" if acc.no_id else
                ": fetch the bill to look them up by generation id") + ".")
        elif row.day not in ctx["fetched"].get(row.provider, {}) and row.provider not in ctx["routers"]:
            say(f"No bill is stored for this UTC day of {row.provider}: fetch it"
                + (" or import the billing CSV." if row.provider == gemini_bill.NAME else "."))
        else:
            say("The provider reports no usage of this model on this UTC day.")
    if row.ours is None and row.theirs is not None and row.model != OTHER:
        say("AlonChat recorded no calls of this model on this UTC day.")
    # token kinds that differ
    if row.ours is not None and row.theirs is not None:
        for k in KINDS:
            gap, theirs = row.gap_tokens.get(k), row.theirs.tokens[k]
            if gap is None or tol.close(theirs - gap, theirs):
                continue
            ours_k = theirs - gap
            if ours_k == 0:
                say(f"{KIND_LABELS[k].capitalize()}: the provider billed {theirs:,} tokens the ledger did not see.")
            elif theirs == 0:
                say(f"{KIND_LABELS[k].capitalize()}: the ledger has {ours_k:,} tokens the provider did not bill.")
            else:
                say(f"{KIND_LABELS[k].capitalize()}: the provider billed {theirs:,} tokens, the ledger {ours_k:,} "
                    f"({gap:+,}).")
    # usage from keys AlonChat does not use
    if acc.other_keys:
        keys = ", ".join(k or "no key (Console)" for k in sorted(acc.other_keys))
        say(f"Left out {sum(acc.other_keys.values()):,} tokens from API keys AlonChat does not use ({keys}).")
    elif mismatch and len(acc.keys) > 1 and row.provider in VENDORS:
        keys = ", ".join(k or "no key (Console)" for k in sorted(acc.keys))
        say(f"The provider reports usage from {len(acc.keys)} API keys ({keys}): set "
            f"{VENDORS[row.provider].KEY_IDS_ENV} to the ids of the keys AlonChat uses to leave the others out.")
    # calls we recorded as cancelled or truncated
    broken = {s: acc.statuses[s] for s in ("cancelled", "truncated") if acc.statuses[s]}
    if mismatch and broken:
        say(" and ".join(f"{n} call(s) recorded as {s}" for s, n in broken.items())
            + ": their usage is estimated, and the provider bills what it processed before the stop.")
    if mismatch and acc.unpriced:
        say(f"{acc.unpriced} of the ledger's calls are unpriced (the catalog has no price for this model).")
    if mismatch and acc.tiered:
        say(f"{acc.tiered} call(s) were billed at a long-context tier.")
    # prices that differ, or changed
    if row.ours is not None and row.theirs is not None:
        for kind, rate in ctx["rates"].get((row.day, row.provider, row.model_id), {}).items():
            catalog = [] if not acc.match.names else catalog_rates(ctx["history"].get(acc.match.names[0], []),
                                                                    row.day, kind)
            if not catalog or any(tol.close(r, rate) for r, _ in catalog):
                continue
            ours_rate, since = catalog[-1]
            say(f"{KIND_LABELS[kind].capitalize()}: the provider billed {per_m(rate)}, the catalog has "
                f"{per_m(ours_rate)} (its price {'since' if since.date() <= row.day else 'recorded on'} "
                f"{since:%Y-%m-%d}).")
            change = ctx["changes"].get((row.provider, row.model_id, kind))
            if change and change[1] <= row.day:
                before, after, old, new = change
                when = (f"on {after:%Y-%m-%d}" if after - before == timedelta(days=1) else
                        f"between {before:%Y-%m-%d} and {after:%Y-%m-%d}")
                say(f"The provider's {KIND_LABELS[kind]} price changed {when} ({per_m(old)} → {per_m(new)}); "
                    "update the catalog's price.")
    if row.theirs is not None and row.theirs.usd is None and row.ours is not None and row.provider in VENDORS:
        say("The provider's cost report has no amount for this model on this day: compared on tokens only.")
    if acc.unknown_cost and row.theirs is not None:
        say(f"{acc.unknown_cost} call(s) have no cost from {row.provider} yet and are left out of its side.")
    if row.status in ("over", "under") and not row.explanation:
        say("The data gives no reason: compare this day's calls with the provider's own logs.")
