"""Model catalog page: browse, add, edit and price models and endpoints without code."""

import streamlit as st

from alonchat.catalog import io as catalog_io
from ui import audit_view, auth, shell
from ui.catalog import add as catalog_add
from ui.catalog import endpoints as catalog_endpoints
from ui.catalog import models as catalog_models
from ui.catalog import prices as catalog_prices
from ui.catalog import tools as catalog_tools
from ui.catalog.common import show_flash

shell.ensure()  # a page opened by its own URL still gets the app's frame

st.title("Model catalog", anchor=False)
st.caption("Every model AlonChat can call, with its limits and prices. Changes apply at once in the "
           "playground and the CLI.")
rows = catalog_io.table()
names = [r["name"] for r in rows]
m = st.columns(4)
m[0].metric("Models", len(rows))
m[1].metric("Active", sum(r["active"] for r in rows))
m[2].metric("Ready to call", sum(r["active"] and r["configured"] for r in rows),
            help="Active models whose provider has its key (or endpoint) set up.")
m[3].metric("Unpriced", sum(not r["price_known"] for r in rows),
            help="Models without a known input and output price: their calls are not costed.")

if not auth.can_edit():  # members: the catalog read-only, and a model to try (the engine refuses edits anyway)
    models, test = st.tabs(["Models", "Test a model"], key="cat_tab")
    with models:
        auth.read_only_note("The catalog")
        catalog_models.browse(rows)
    with test:
        catalog_tools.test_model([r["name"] for r in rows if r["active"]])
    st.stop()

models, add, edit, prices, endpoints, test, io, log = st.tabs(
    ["Models", "Add model", "Edit", "Prices", "Endpoints", "Test a model", "Import / export", "Audit log"],
    key="cat_tab")
with models:
    catalog_models.browse(rows)
with add:
    show_flash("add")
    catalog_add.render()
with edit:
    show_flash("edit")
    catalog_models.edit(rows)
with prices:
    show_flash("prices")
    catalog_prices.render(names)
with endpoints:
    show_flash("endpoints")
    catalog_endpoints.render(set(names))
with test:
    catalog_tools.test_model([r["name"] for r in rows if r["active"]])
with io:
    show_flash("io")
    catalog_tools.import_export()
with log:
    audit_view.render(("model", "price", "endpoint"), key="cat_audit")
