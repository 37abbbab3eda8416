"""The catalog's Test and Import/export tabs: try a model with a tiny prompt; move the catalog as CSV or JSON."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alonchat.access import identity
from alonchat.calls.service import ai_service
from alonchat.catalog import io as catalog_io
from alonchat.core.errors import HINTS, AlonChatError, MissingKeyError, ProviderConnectionError, ValidationError
from ui import auth
from ui import format as fmt
from ui import safe_markdown as md
from ui.catalog.common import flash

ss = st.session_state
TEST_PROMPT = "Reply with one short friendly sentence to say you are working."
IMPORT_TEXT = "imp_text"  # the pasted catalog, cleared once imported


def _fix(error: AlonChatError) -> str:
    """How to fix an error: the error's own advice when it has some, else the hint for its kind."""
    if isinstance(error, MissingKeyError):
        return "Set the key, then reload this page. Keys are read from the environment or .streamlit/secrets.toml."
    if isinstance(error, ProviderConnectionError):
        return "Check that the server is running and that the endpoint's base URL is right (Endpoints tab)."
    for kind, hint in HINTS.items():
        if isinstance(error, kind):
            return hint
    return ""


def test_model(active: list[str]) -> None:
    st.markdown("Send a tiny prompt to check that a model answers. The call is real: it is recorded in the "
                "usage ledger and costs what the provider charges (usually a fraction of a cent).")
    left, right = st.columns([1, 2])
    name = left.selectbox("Model", active, index=None, key="test_model", placeholder="Choose an active model…")
    prompt = right.text_input("Prompt", value=TEST_PROMPT, key="test_prompt", max_chars=500)
    if not st.button("Send test prompt", key="test_send", type="primary", icon=":material/send:",
                     disabled=name is None):
        return
    with st.spinner(f"Asking {md.plain(name)}…"):
        try:
            result = ai_service.chat(name, prompt, user=identity.current_user(), source="catalog")
        except AlonChatError as e:
            st.error(f"**{md.plain(name)} failed:** {md.safe(str(e))}", icon=":material/error:")
            hint = _fix(e)
            if hint:
                st.info(f"**How to fix it:** {hint}", icon=":material/build:")
            return
    st.success(md.safe(result.content) or "*(empty reply)*", icon=":material/chat:")  # a reply: no remote image
    u = result.usage
    cols = st.columns(4)
    cols[0].metric("Latency", fmt.duration(result.latency_ms))
    cols[1].metric("Input tokens", fmt.count(u.input_tokens) + (" (est.)" if u.estimated else ""))
    cols[2].metric("Output tokens", fmt.count(u.output_tokens))
    cols[3].metric("Cost", fmt.money(result.cost_usd, badge=False))
    if result.finish_reason and result.finish_reason != "stop":
        st.caption(f"Finish reason: {result.finish_reason}")


def _import(text: str, file_format: str) -> None:
    try:
        plan = catalog_io.import_models(text, file_format, user=identity.current_user())
    except ValidationError as e:
        flash("io", "error", f"Nothing was imported: {e}")
        return
    ss.pop(IMPORT_TEXT, None)
    flash("io", "success", f"Imported: {plan.summary()}. Price changes are in the price history (source: import).")


def import_export() -> None:
    st.subheader("Export", anchor=False)
    st.caption("The whole catalog: prices in USD per 1M tokens, an empty cell (CSV) or null (JSON) = unpriced.")
    a, b, _ = st.columns([1, 1, 3])
    auth.download_button(a, "Download CSV", lambda: catalog_io.export_models("csv"), file_name="alonchat-catalog.csv",
                         mime="text/csv", key="exp_csv")
    auth.download_button(b, "Download JSON", lambda: catalog_io.export_models("json"),
                         file_name="alonchat-catalog.json", mime="application/json", key="exp_json")

    st.subheader("Import", anchor=False)
    st.caption("Rows whose name is in the catalog update that model; other rows add models. The file is checked "
               "as a whole: if any row is wrong, nothing is written.")
    upload = st.file_uploader("CSV or JSON file", type=["csv", "json"], key="imp_file")
    with st.expander("…or paste CSV or JSON text"):
        pasted = st.text_area("Catalog text", key=IMPORT_TEXT, height=150,
                              placeholder="name,provider,model_id,input_price,output_price\nmy-model,echo,echo-1,1,2")
    if upload is not None:
        data, file_format = upload.getvalue(), upload.name
    elif (pasted or "").strip():
        data, file_format = pasted, "pasted.json" if pasted.lstrip().startswith(("{", "[")) else "pasted.csv"
    else:
        return
    try:
        text = catalog_io.decode(data) if isinstance(data, bytes) else data
        file_format = catalog_io.format_of(file_format)
        plan = catalog_io.plan_import(text, file_format)
    except ValidationError as e:
        st.error(f"This file can't be imported: {e}", icon=":material/error:")
        return
    if not plan.ok:
        st.error(f"{len(plan.errors)} row{'s' if len(plan.errors) != 1 else ''} need fixing; nothing will be "
                 "written until every row is valid.", icon=":material/error:")
        st.dataframe(pd.DataFrame([{"Row": k, "Problem": v} for k, v in plan.errors.items()]), hide_index=True,
                     width="stretch", key="imp_errors")
        return
    st.info(f"Ready: {plan.summary()}.", icon=":material/fact_check:")
    st.button("Import", key="imp_go", type="primary", icon=":material/upload:", on_click=_import,
              args=(text, file_format), disabled=not (plan.create or plan.update))
