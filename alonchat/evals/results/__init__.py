"""A run's results read in SQL: per-pane verdicts with honest error bars, cost and speed; the matrix a page at a
time; one cell's answers side by side; two runs of a set compared.

Pass rate counts a failed call as a miss (it did not pass its checks) and leaves out cells with nothing
to check; its 95% interval is Wilson's, which stays inside 0..1 and is honest for small counts. Cost is
each cell's final call at the prices it was charged; the run's total (failed and stopped calls, retries
of failed cells, the judge) is read from the ledger.

The parts: stats.py (the numbers), summaries.py (per-pane verdicts), cells.py (the matrix and one case's answers),
comparison.py (two runs). Every name is imported from here.
"""

from .cells import FILTERS, CellDetail, MatrixCell, MatrixRow, cell, matrix
from .comparison import Comparison, Flip, PaneDelta, compare
from .stats import Z95, pareto, percentile, wilson
from .summaries import PaneSummary, summary

__all__ = ["FILTERS", "Z95", "CellDetail", "Comparison", "Flip", "MatrixCell", "MatrixRow", "PaneDelta",
           "PaneSummary", "cell", "compare", "matrix", "pareto", "percentile", "summary", "wilson"]
