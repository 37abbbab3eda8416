"""AlonChat engine: providers, catalog, pricing, usage ledger and the AI service; never imports Streamlit."""
