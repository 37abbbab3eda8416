"""Streamlit helpers shared by the pages; the engine (alonchat/) never imports from here."""
