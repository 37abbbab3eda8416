"""Costs page, admins: the ledger against the provider's bill per UTC day, with the gap, a status and why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

from alonchat.core.errors import AlonChatError
from alonchat.usage import reconcile
from alonchat.usage.bills import KINDS, store
from ui import auth
from ui import safe_markdown as md
from ui.costs.charts import DAY_AXIS
from ui.format import money

STATUS = {"match": "✓ match", "over": "▲ over", "under": "▼ under", "provider_only": "provider only",
          "ours_only": "ours only"}
SHORT = {"input": "in", "cache_read": "read", "cache_write_5m": "write 5m", "cache_write_1h": "write 1h",
         "output": "out"}


def _months(today: date, n: int = 12) -> list[date]:
    out, d = [], today.replace(day=1)
    for _ in range(n):
        out.append(d)
        d = (d - timedelta(days=1)).replace(day=1)
    return out


def _month_range(month: date, today: date) -> tuple[date, date]:
    end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return month, min(end, today)


def _sources() -> None:
    """Where each bill comes from, and whether it can be fetched; never a key's value."""
    lines = []
    for s in store.sources():
        when = (f"fetched {s.fetched_at:%Y-%m-%d %H:%M} UTC, {s.days} day(s) stored" if s.fetched_at
                else "nothing stored")
        icon = ":green[:material/check_circle:]" if s.configured else ":orange[:material/key:]"
        lines.append(f"{icon} **{s.provider}** · {s.how} · {when}" + (f" · {s.note}" if s.note else ""))
    st.markdown("  \n".join(lines))


def _fetch(first: date, last: date) -> None:
    """Fetch every configured source's days that may still change; say what happened (errors included)."""
    done = []
    for s in store.sources():
        try:
            if s.how == "admin API" and s.configured:
                done.append(store.fetch(s.provider, first, last).describe())
        except AlonChatError as e:
            st.error(f"{s.provider}: {e}")
    try:
        done += [r.describe() for r in store.fetch_generations(first, last) if r.requests]
    except AlonChatError as e:
        st.error(f"OpenRouter: {e}")
    if done:
        st.success("Fetched: " + " ".join(done))


def _import() -> None:
    with st.expander("Gemini: import a billing export (CSV)", icon=":material/upload_file:"):
        st.caption("Google publishes no usage or cost API for Gemini, so its bill cannot be fetched: export the "
                   "Cloud Billing data (BigQuery export or the console's cost table) as CSV with a day, a SKU or "
                   "model, and a cost in USD. Importing a day replaces what was stored for it.")
        up = st.file_uploader("Billing export", type=["csv"], key="rec_csv")
        if up is not None and st.button("Import", key="rec_import", icon=":material/upload:"):
            try:
                report = store.import_csv(up.getvalue().decode("utf-8-sig"), up.name)
                st.success("Imported " + report.describe())
            except (AlonChatError, UnicodeDecodeError) as e:
                st.error(str(e) if isinstance(e, AlonChatError) else "The file is not UTF-8 text: export it as CSV.")


def _tokens(side: reconcile.Side | None) -> str:
    if side is None:
        return ""
    return " · ".join(f"{SHORT[k]} {side.tokens[k]:,}" for k in KINDS if side.tokens[k])


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _table(rec: reconcile.Reconciliation) -> pd.DataFrame:
    return pd.DataFrame([{
        "Day (UTC)": r.day.isoformat(), "Provider": r.provider, "Model": r.model, "Status": STATUS[r.status],
        "Ledger (USD)": _usd(r.ours.usd) if r.ours else None, "Bill (USD)": _usd(r.theirs.usd) if r.theirs else None,
        "Gap (USD)": _usd(r.gap_usd), "Why": " ".join(r.explanation), "Ledger tokens": _tokens(r.ours),
        "Bill tokens": _tokens(r.theirs), "Billed as": ", ".join(r.provider_models),
    } for r in rec.rows])


def _status_colour(value: str) -> str:
    if value == STATUS["match"]:
        return "color: #1a7f37"
    return "color: #b35900; font-weight: 600"


def _chart(rec: reconcile.Reconciliation) -> alt.Chart | None:
    data = pd.DataFrame([{"day": d.isoformat(), "series": name, "usd": float(v)} for d, ours, theirs in rec.daily()
                         for name, v in (("Ledger", ours), ("Provider bill", theirs))])
    if data.empty:
        return None
    return alt.Chart(data, title="Ledger and provider bill per UTC day").mark_line(point=True).encode(
        x=alt.X("day:O", title="UTC day", axis=DAY_AXIS),
        y=alt.Y("usd:Q", title="USD", axis=alt.Axis(format="$,.2f")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=["Ledger", "Provider bill"],
                                                                range=["#4c78a8", "#f58518"])),
        tooltip=[alt.Tooltip("day:O", title="UTC day"), "series:N",
                 alt.Tooltip("usd:Q", title="USD", format="$,.6f")],
    )


def _totals(rec: reconcile.Reconciliation) -> None:
    for t in rec.months():
        if t.provider is not None:
            continue
        c = st.columns(4)
        c[0].metric(f"Ledger · {t.month} (UTC)", money(t.ours_usd, badge=False))
        c[1].metric("Provider bill", money(t.provider_usd, badge=False))
        c[2].metric("Gap (bill − ledger)", ("-" if t.gap_usd < 0 else "") + money(abs(t.gap_usd), badge=False))
        c[3].metric("Gap % of the bill", "–" if t.gap_percent is None else f"{t.gap_percent:+.2f}%")
    per = [t for t in rec.months() if t.provider is not None]
    if len(per) > 1:
        st.dataframe(pd.DataFrame([{"Month (UTC)": t.month, "Provider": t.provider, "Ledger (USD)": float(t.ours_usd),
                                    "Bill (USD)": float(t.provider_usd), "Gap (USD)": float(t.gap_usd),
                                    "Gap %": None if t.gap_percent is None else float(t.gap_percent)}
                                   for t in per]), hide_index=True, width="stretch", key="rec_months",
                     column_config={"Ledger (USD)": st.column_config.NumberColumn(format="$%.4f"),
                                    "Bill (USD)": st.column_config.NumberColumn(format="$%.4f"),
                                    "Gap (USD)": st.column_config.NumberColumn(format="%+.4f"),
                                    "Gap %": st.column_config.NumberColumn(format="%+.2f%%")})


def _gap(value: Decimal | None) -> str:
    return "" if value is None else f" · gap {'-' if value < 0 else '+'}{money(abs(value), badge=False)}"


def _reasons(rows: list[reconcile.Row], most: int = 60) -> None:
    """Each gap with its explanation, readable at once (the table's Why column is one line)."""
    if not rows:
        return
    with st.expander(f"Why each gap ({len(rows)})", expanded=True, icon=":material/manage_search:"):
        for r in rows[:most]:
            st.markdown(f"**{r.day:%Y-%m-%d}** (UTC) · {md.plain(r.provider)} · **{md.plain(r.model)}** · "
                        f"{STATUS[r.status]}{md.plain(_gap(r.gap_usd))}  \n" + md.plain(" ".join(r.explanation)))
        if len(rows) > most:
            st.caption(f"… and {len(rows) - most} more: download the CSV for all of them.")


def render() -> None:
    """The section (the page shows it to admins; the engine refuses anyone else too)."""
    st.caption(":material/schedule: Days are **UTC days**, as the providers bucket their bills. Admin keys "
               "(OPENAI_ADMIN_KEY, ANTHROPIC_ADMIN_KEY) are read from the environment or secrets.toml, never shown "
               "or stored; what was fetched is kept, so this works offline afterwards.")
    today = datetime.now(UTC).date()
    top = st.columns([2, 3, 2])
    month = top[0].selectbox("Month (UTC)", _months(today), key="rec_month", format_func=lambda d: f"{d:%B %Y}")
    first, last = _month_range(month, today)
    providers = top[1].multiselect("Providers", [s.provider for s in store.sources()], key="rec_providers",
                                   placeholder="all with a bill")
    percent = top[2].number_input("Tolerance (%)", min_value=0.0, max_value=100.0, value=1.0, step=0.5,
                                  key="rec_tolerance", help="A gap within this share of the larger side, or under "
                                                            "$0.01, is a match.")
    _sources()
    if st.button("Fetch bills", key="rec_fetch", icon=":material/sync:",
                 help="Fetches the days of this month that may still change (settled days are kept)."):
        _fetch(first, last)
    _import()
    rec = reconcile.reconcile(first, last, providers or None, reconcile.Tolerance(Decimal(str(percent))))
    for provider, why in rec.unchecked.items():
        st.caption(f":material/info: **{provider}** is not reconciled: {why}")
    if not rec.rows:
        st.info(f"Nothing to compare for {first:%Y-%m-%d} to {last:%Y-%m-%d} (UTC): fetch the bills, or import one.")
        return
    _totals(rec)
    chart = _chart(rec)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    table = _table(rec)
    st.dataframe(table.style.map(_status_colour, subset=["Status"]), hide_index=True, width="stretch",
                 key="rec_table", column_config={
                     **{c: st.column_config.NumberColumn(format="$%.4f") for c in ("Ledger (USD)", "Bill (USD)")},
                     "Gap (USD)": st.column_config.NumberColumn(format="%+.4f", help="The bill minus the ledger"),
                     "Why": st.column_config.TextColumn(width="large"),
                     "Status": st.column_config.TextColumn(help="match: within the tolerance; over: the bill is "
                                                                "higher; under: lower; provider only / ours only: "
                                                                "one side has nothing")})
    off = sum(r.over_tolerance for r in rec.rows)
    st.caption(f"{len(rec.rows)} day × provider × model rows (UTC days); {off} past the tolerance.")
    _reasons([r for r in rec.rows if r.status != "match"])
    if rec.unmapped:
        st.caption(":material/help: Billed under names no catalog model matches: "
                   + ", ".join(f"{md.plain(p)} {md.plain(n)}" for p, n in rec.unmapped))
    auth.download_button(st, "Download reconciliation (CSV)", rec.to_csv, file_name=f"reconciliation-{first:%Y-%m}.csv",
                         mime="text/csv", key="rec_dl")
