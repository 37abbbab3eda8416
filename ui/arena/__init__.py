"""The arena page's widgets (filters, the board and its charts, your votes, import and export) and blind mode."""
