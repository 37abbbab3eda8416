"""Evaluate: test sets × prompt variants × panes × repeats, checked, judged, and summed up per model with cost.

sets (versioned cases in the database), cases_io (CSV/JSONL), templates (Jinja2 sandbox), checks and judge,
promptfoo (config import), plan (counts, cost range, budgets), runs (cells claimed in the database),
executor (concurrent lanes), results (summaries, matrix, compare), exports. No Streamlit here.
"""
