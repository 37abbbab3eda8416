"""Usage and spend: the ledger, rollups, reports and their read plan, periods, exports, what-if, budgets, demo data."""
