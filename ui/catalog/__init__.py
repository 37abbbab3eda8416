"""The model catalog page's tabs and their shared helpers."""
