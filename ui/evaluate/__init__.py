"""The Evaluate page's widgets: the set editor, the run form, a run's results and the runs list."""
