"""Storage: the database engine and sessions, and the typed tables."""
