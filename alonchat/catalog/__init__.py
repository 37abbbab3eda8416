"""The model catalog: models, OpenAI-compatible endpoints, prices and their history, import/export, seed."""
