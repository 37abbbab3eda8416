"""The cost dashboard's sections: filters, headline figures, charts, breakdown with export, what-if, budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from alonchat.catalog import models as catalog
from alonchat.core.errors import ValidationError
from alonchat.core.types import SOURCE_LABELS
from alonchat.usage import budgets, exports, periods, reports
from alonchat.usage.whatif import what_if
from ui import auth
from ui import safe_markdown as md
from ui.costs import charts
from ui.costs.charts import group_label
from ui.format import count, money, money_column, money_line

RAW_EXPORT_LIMIT = 500_000
BY_LABEL = {"model": "Model", "provider": "Provider", "user": "User", "team": "Team", "source": "Source", "day": "Day",
            "status": "Status"}


def filters() -> reports.Filters | None:
    """Range (preset or custom) in a chosen zone, and dimension filters; None (with an error) when invalid."""
    top = st.columns([10, 5, 4])  # the range's five choices fit at 1280 px without cutting "custom"
    preset = top[0].segmented_control("Range", [*periods.PRESETS, "custom"], default="30 days", key="costs_range")
    tz = top[1].selectbox("Time zone (days and ranges)", periods.common_zones(), key="costs_tz")
    preset = preset or "30 days"
    try:
        if preset == "custom":
            today = datetime.now(UTC).astimezone(periods.zone(tz)).date()
            picked = top[2].date_input("Days", (today - timedelta(days=6), today), key="costs_days")
            first, last = (picked + (picked[-1],))[:2] if isinstance(picked, tuple) and picked else (today, today)
            since, until = periods.day_range(first, last, tz)
        else:
            since, until = periods.preset_range(preset, tz)
            first, last = periods.shown_days(since, until, tz)
            top[2].caption(f"{first:%Y-%m-%d} to {last:%Y-%m-%d} · {tz}")
    except ValidationError as e:
        st.error(str(e))
        return None
    if any(off % 3600 for _, off in periods.offset_segments(tz, since, until)):
        st.caption(f":material/schedule: {tz} is not a whole number of hours from UTC, so its midnight falls "
                   "inside an hour: that part of each day is read from raw rows (exact, a little slower).")
    values = reports.dimension_values()
    admin = auth.can_edit()
    shown = ("provider", "model", "user", "team", "source", "status") if admin else ("provider", "model", "source",
                                                                                      "status")
    cols = st.columns([1] * len(shown) + ([] if admin else [1.5]))  # a member's "Show" needs room for its two labels
    chosen = {dim: () for dim in reports.DIMENSIONS}
    chosen.update({dim: cols[i].multiselect(dim.capitalize(), values[dim], key=f"costs_{dim}", placeholder="all",
                                            format_func=SOURCE_LABELS.get if dim == "source" else str)
                   for i, dim in enumerate(shown)})
    f = reports.Filters(since=since, until=until, providers=chosen["provider"], models=chosen["model"],
                        users=chosen["user"], teams=chosen["team"], statuses=chosen["status"],
                        sources=chosen["source"], tz=tz)
    if admin:
        return f
    view = cols[-1].segmented_control("Show", ["mine", "team"], default="mine", key="costs_view",
                                      format_func={"mine": "My spend", "team": "My team's totals"}.get)
    return reports.member_view(f, view or "mine")  # members: their own calls, or their team's totals


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def _compact(n: int) -> str:
    """Token counts that fit a metric tile; the exact count is in the breakdown table."""
    if n >= 10_000_000:
        return f"{n / 1e6:,.1f}M"
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    return f"{n:,}"


def headline(s: reports.Summary) -> None:
    a = st.columns(5)
    avg = s.avg_cost_per_request if s.priced_requests else None
    total, mean, savings = money_line(s.cost_usd, avg, s.cache_savings_usd)  # one precision across the line
    a[0].metric("Total spend", total, help="Sum over priced calls; unpriced calls are counted, not added as $0.")
    a[1].metric("Requests", count(s.requests))
    a[2].metric("Avg cost / request", mean if avg is not None else "–", help="Mean over priced calls.")
    a[3].metric("Cache savings", savings,
                help="What cached input tokens would have cost at the full input price, minus what they cost.")
    a[4].metric("Error rate", _pct(s.error_rate),
                help="Calls whose status is not ok (errors, truncated, cancelled, refused by budget).")
    b = st.columns(6)
    b[0].metric("Unpriced calls", f"{s.unpriced_requests:,}", help="Calls that used tokens on a model with no known "
                f"price: {_pct(s.unpriced_share)} of all calls. Never counted as $0.")
    b[1].metric("Input tokens", _compact(s.input_tokens), help=f"{s.input_tokens:,} (cached and cache writes included)")
    b[2].metric("Cached input", _compact(s.cached_input_tokens), help=f"{s.cached_input_tokens:,}")
    b[3].metric("Cache writes", _compact(s.cache_write_tokens), help=f"{s.cache_write_tokens:,}")
    b[4].metric("Output tokens", _compact(s.output_tokens), help=f"{s.output_tokens:,} (reasoning included)")
    b[5].metric("Reasoning", _compact(s.reasoning_tokens), help=f"{s.reasoning_tokens:,} reasoning tokens (part of "
                                                                 "the output tokens)")
    if s.unpriced_requests:
        st.caption(f":orange[:material/warning:] Spend leaves out {s.unpriced_requests:,} unpriced "
                   f"call{'s' if s.unpriced_requests != 1 else ''} "
                   f"({_pct(s.unpriced_share)}): give their models prices in the catalog.")
    if s.avg_latency_ms is not None:  # a figure of its own, not part of the warning above
        st.caption(f":material/timer: Average latency {s.avg_latency_ms:,.0f} ms per call.")


def chart_section(f: reports.Filters) -> None:
    stacks = ["model", "provider", "user", "team", "source"] if auth.can_edit() else ["model", "provider", "source"]
    by = st.segmented_control("Stack spend by", stacks, default="model", key="costs_stack")
    by = by or "model"
    rows = reports.timeseries(by, f)
    left, right = st.columns(2)
    with left:
        chart = charts.spend_over_time(rows, by, f.tz)
        st.altair_chart(chart, width="stretch") if chart else st.info("No priced spend in this range.")
    with right:
        chart = charts.tokens_over_time(rows, f.tz)
        st.altair_chart(chart, width="stretch") if chart else st.info("No tokens in this range.")
    left, right = st.columns(2)
    for col, dim in ((left, "model"), (right, "user" if auth.can_edit() else "provider")):
        with col:
            chart = charts.top_spenders(reports.top(dim, f, n=10), dim)
            if chart:
                st.altair_chart(chart, width="stretch")


MONEY_COLUMNS = ("Spend (USD)", "Cache savings (USD)", "Cache writes 5m (USD)", "Cache writes 1h (USD)",
                 "Long-context spend (USD)")


def _table(rows: list[dict], by: str) -> pd.DataFrame:
    out = pd.DataFrame([{
        BY_LABEL[by]: group_label(by, r[by]),
        "Spend (USD)": None if r["cost_usd"] is None else float(r["cost_usd"]),
        "Requests": r["requests"], "Errors": r["errors"], "Unpriced": r["unpriced_requests"],
        "Input": r["input_tokens"], "Cached": r["cached_input_tokens"], "Output": r["output_tokens"],
        "Reasoning": r["reasoning_tokens"], "Cache savings (USD)": float(r["cache_savings_usd"]),
        "Cache writes 5m (USD)": float(r["cache_write_usd"] - r["cache_write_1h_usd"]),
        "Cache writes 1h (USD)": float(r["cache_write_1h_usd"]),
        "Long-context calls": r["tiered_requests"], "Long-context spend (USD)": float(r["tiered_cost_usd"]),
    } for r in rows])
    return out


def breakdown_section(f: reports.Filters) -> None:
    dims = (["model", "provider", "user", "team", "source", "day"] if auth.can_edit()
            else ["model", "provider", "source", "day"])
    by = st.selectbox("Break down by", dims, key="costs_by", format_func=BY_LABEL.get)
    rows = reports.breakdown(by, f)
    if not rows:
        st.info("No calls match these filters.")
        return
    table = _table(rows, by)
    money = {c: money_column(table[c]) for c in MONEY_COLUMNS}  # each column at one precision that shows its least
    st.dataframe(table, hide_index=True, width="stretch", placeholder="unpriced", column_config={
        "Spend (USD)": st.column_config.NumberColumn(format=money["Spend (USD)"],
                                                     help="unpriced: no known price, never counted as $0"),
        **{c: st.column_config.NumberColumn(format=money[c]) for c in MONEY_COLUMNS if c != "Spend (USD)"},
        "Long-context calls": st.column_config.NumberColumn(format="localized", help=(
            "Calls whose prompt passed a price tier's threshold, so the whole call was billed at the tier's prices")),
        **{c: st.column_config.NumberColumn(format="localized") for c in ("Requests", "Errors", "Unpriced")},
        # Token counts run to millions: wide enough that "1,134,843" is never cut.
        **{c: st.column_config.NumberColumn(format="localized", width=96) for c in
           ("Input", "Cached", "Output", "Reasoning")},
    })
    left, right = st.columns(2)
    # Built on click: the latency percentiles read the ledger's rows, which a page view should not pay for.
    auth.download_button(left, "Download breakdown (CSV)", lambda: exports.breakdown_csv(by, f),
                         file_name=exports.file_name(f"by-{by}", f), mime="text/csv", key="costs_dl_agg",
                         help="One row per group; latency per call as mean, p50 and p95 (ms).")
    if not (auth.can_edit() or f.users):
        return  # a member's team view is totals only: raw rows would name the other members
    auth.download_button(right, f"Download raw rows (CSV, first {RAW_EXPORT_LIMIT:,})",
                         lambda: exports.raw_csv(f, RAW_EXPORT_LIMIT), file_name=exports.file_name("raw", f),
                         mime="text/csv", key="costs_dl_raw")


def what_if_section(f: reports.Filters) -> None:
    names = [m.name for m in catalog.list_models() if m.prices.known]
    target = st.selectbox("Price these calls at", names, key="costs_whatif", index=None,
                          placeholder="pick a catalogued model")
    if not target:
        st.caption("The same token counts (cached, cache writes, output) priced at another model's catalog prices.")
        return
    w = what_if(f, target)
    c = st.columns(3)
    actual, at_target = money_line(w.actual_usd, w.what_if_usd)
    c[0].metric("Actual spend", actual)
    c[1].metric(f"At {target} prices", at_target)
    if w.comparable_actual_usd:
        delta = (w.comparable_what_if_usd - w.comparable_actual_usd) / w.comparable_actual_usd
        c[2].metric("Change (like for like)", f"{delta:+.1%}", help="Over source models whose calls were all priced.")
    table = pd.DataFrame([{
        "Model used": r["model"], "Requests": r["requests"],
        "Actual (USD)": None if r["cost_usd"] is None else float(r["cost_usd"]),
        f"At {target} (USD)": None if r["what_if_usd"] is None else float(r["what_if_usd"]),
        "Unpriced calls": r["unpriced_requests"]} for r in w.rows])
    usd = money_column([*table["Actual (USD)"], *table[f"At {target} (USD)"]])  # compared side by side: one format
    st.dataframe(table, hide_index=True, width="stretch", placeholder="unpriced", column_config={
        "Actual (USD)": st.column_config.NumberColumn(format=usd),
        f"At {target} (USD)": st.column_config.NumberColumn(format=usd)})


def _scope_name(scope: str) -> str:
    if scope == budgets.TEAM:
        return "Everyone"
    return f"Team {scope[len(budgets.TEAM_PREFIX):]}" if scope.startswith(budgets.TEAM_PREFIX) else scope


BUDGET_SAVED = "costs_budget_saved"  # the last save's or removal's one line, shown once after the rerun
WHOSE = ("Everyone", "A team", "A user")


def _budget_line(b: budgets.BudgetStatus) -> None:
    icon = {"ok": ":green[:material/check_circle:]", "soft": ":orange[:material/warning:]",
            "hard": ":red[:material/block:]", "invalid": ":red[:material/error:]"}[b.level]
    name = f"{icon} **{md.plain(_scope_name(b.scope))}**"  # a team's or a user's name is typed in: shown as itself
    if not b.enforced:
        st.markdown(f"{name} · its stored amount is invalid, so it is not enforced: save it again below, or remove it")
        return
    if b.hidden:  # everyone's budget, to a member: its amount and level, never the organisation's spend
        where = {"ok": "within budget", "soft": "past its warning level", "hard": "spent for this month"}[b.level]
        st.markdown(f"{name} · {money(b.monthly_usd, badge=False)} a month · warns at {b.soft_percent}% · {where} "
                    "(its spend is shown to admins only)")
        return
    st.markdown(f"{name} · {money(b.spent_usd, badge=False)} of {money(b.monthly_usd, badge=False)} "
                f"({b.percent:.0f}%) · projected month-end **{money(b.projection_usd, badge=False)}** · "
                f"warns at {b.soft_percent}%")
    st.progress(min(b.percent / 100, 1.0))


def _save_budget(whose: str | None, name: str, monthly: float | None, soft: int) -> str:
    """Save from the form's fields; returns what was done (raises ValidationError saying what is missing)."""
    name = name.strip()
    problems = {}
    if whose is None:
        problems["whose"] = "Pick whose budget this is: everyone, a team or a user."
    elif whose == "Everyone" and name:
        problems["name"] = "Everyone's budget takes no name: clear the Name field, or pick a team or a user."
    elif whose != "Everyone" and not name:
        problems["name"] = f"Give the {'team' if whose == 'A team' else 'user'}'s name."
    if monthly is None:
        problems["monthly_usd"] = "Give the monthly amount in US dollars, e.g. 50."
    if problems:
        raise ValidationError(problems)
    saved = budgets.set_budget(str(monthly), user=name if whose == "A user" else None, soft_percent=int(soft),
                               team=name if whose == "A team" else None)
    return saved.message


def _remove_budget(scope: str) -> str:
    if scope == budgets.TEAM:
        budgets.remove_budget()
    elif scope.startswith(budgets.TEAM_PREFIX):
        budgets.remove_budget(team=scope[len(budgets.TEAM_PREFIX):])
    else:
        budgets.remove_budget(scope)
    return f"Removed the monthly budget of {budgets.scope_label(scope)}."


def budgets_section() -> None:
    rows = budgets.list_budgets()  # a member gets the budgets that cover them, with only the figures theirs to see
    done = st.session_state.pop(BUDGET_SAVED, None)
    if done:
        st.success(md.plain(done), icon=":material/check:")  # it names the scope, as it was typed
    if rows:
        for b in rows:
            _budget_line(b)
        st.caption("Budget month: the calendar month in UTC. Projection = spend so far ÷ elapsed share of the month. "
                   "A hard budget holds each call's worst case while it runs, so calls at once cannot pass it.")
    else:
        st.caption("No budgets yet.")
    if not auth.can_edit():
        auth.read_only_note("Budgets")
        return
    with st.form("costs_budget_form", clear_on_submit=False):
        c = st.columns([2, 2, 1, 1])
        whose = c[0].segmented_control("Whose budget", WHOSE, key="costs_budget_whose",
                                       help="Everyone's (the whole organisation), one team's, or one user's")
        name = c[1].text_input("Name", key="costs_budget_name", placeholder="team or user (email)",
                               help="The team's or the user's name; empty for everyone's budget")
        monthly = c[2].number_input("Monthly USD", value=None, step=10.0, key="costs_budget_usd",
                                    placeholder="e.g. 50",
                                    help=f"A monthly budget {budgets.AMOUNT_RANGE}")
        soft = c[3].number_input("Warn at %", min_value=1, max_value=100, value=80, key="costs_budget_soft")
        if st.form_submit_button("Save budget", icon=":material/save:"):
            try:
                st.session_state[BUDGET_SAVED] = _save_budget(whose, name, monthly, soft)
                st.rerun()
            except ValidationError as e:
                st.error(" ".join(e.errors.values()))
    if rows:
        scopes = [b.scope for b in rows]
        c = st.columns([3, 1])
        gone = c[0].selectbox("Remove a budget", scopes, key="costs_budget_remove", format_func=_scope_name)
        if c[1].button("Remove", key="costs_budget_remove_btn", icon=":material/delete:"):
            st.session_state[BUDGET_SAVED] = _remove_budget(gone)
            st.rerun()
