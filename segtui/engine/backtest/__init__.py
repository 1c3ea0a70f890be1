"""The built-in backtest: segment the past, judge the segments by the next period
(``run.backtest``), beside the RFM R x F grid and plain K-Means k = 4."""

from segtui.engine.backtest.run import (
    DEFAULT_BACKTEST_HORIZON,
    Backtest,
    backtest,
    check_horizon,
    segtui_labels,
)
from segtui.engine.backtest.score import MethodScore, score_labels
from segtui.engine.clustering.scores import eta_squared

__all__ = [
    "DEFAULT_BACKTEST_HORIZON",
    "Backtest",
    "MethodScore",
    "backtest",
    "check_horizon",
    "eta_squared",
    "score_labels",
    "segtui_labels",
]
