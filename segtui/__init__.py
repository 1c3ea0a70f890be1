"""segtui: customer segmentation from transaction data, in the terminal and in notebooks.

The public Python API (see docs/python.md): :func:`segment`, :func:`backtest`, :func:`sweep`,
:func:`validate`, :func:`load_model`, :func:`assign`, :func:`lookalikes`, :func:`migrate`.

Importing segtui loads neither Polars nor scikit-learn (``segtui --help`` stays instant):
each function imports the engine on first use. A ``source`` is a folder (Customers,
Products, Transactions tables), a single transaction log file, None (the bundled sample
data), or a transactions DataFrame (Polars DataFrame or LazyFrame, pandas DataFrame,
pyarrow Table) with optional ``customers=`` and ``products=`` frames; frames are read by
the same reader and checks as files. Options are those of the CLI, validated by the same
code; problems you can fix raise :class:`segtui.engine.errors.SegtuiError` naming the
file (or frame), column and row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.settings_table import default
from segtui.version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from segtui.notebook.model_results import Assignment, Lookalikes, Migration, Model
    from segtui.notebook.results import Segmentation, Sweep, Validation

# The defaults are the settings table's (a plain-data module: importing segtui stays light).
_K: int | str = default("k")
_SEED: int = default("seed")
_N_INIT: int = default("n_init")
_HORIZON_DAYS: int = default("horizon")
_DISCOUNT_RATE: float = default("discount_rate")
_SCALING: str = default("scaling")
_LOG: str = default("log")
_WEIGHT: float = default("categorical_weight")
_RETURNS: str = default("returns")
_METHOD: str = default("method")
_BACKTEST_HORIZON: int = default("horizon@backtest")
_K_MIN: int = default("k_min@sweep")
_K_MAX: int = default("k_max@sweep")
_TOP: int = default("top@lookalike")


def segment(
    source: Any = None,
    *,
    customers: Any = None,
    products: Any = None,
    mapping: Mapping[str, str] | None = None,
    k: int | str = _K,
    features: Sequence[str] | str | None = None,
    scaling: str = _SCALING,
    log: str | bool = _LOG,
    seed: int = _SEED,
    n_init: int = _N_INIT,
    as_of: dt.date | str | None = None,
    categorical_weight: float | str = _WEIGHT,
    returns: str = _RETURNS,
    rfm: bool = default("rfm"),
    method: str = _METHOD,
    like: str | Path | None = None,
    clv: bool = default("clv"),
    horizon: int = _HORIZON_DAYS,
    discount_rate: float = _DISCOUNT_RATE,
    holdout_end: dt.date | str | None = None,
    progress: bool | Callable[[str], None] = True,
) -> Segmentation:
    """Segment the customers of ``source`` with K-Means (or, with ``method="rfm"``, into
    the RFM R x F grid's named cells), as ``segtui run`` does.

    ``mapping`` names a single log's columns (keys ``customer_col``, ``date_col``,
    ``amount_col``, ``quantity_col``, ``price_col``, ``order_col``, ``product_col``,
    ``category_col``, ``date_format``, ``delimiter``, and ``cancelled_ids``: ``"auto"``,
    ``"on"`` or ``"off"``, see docs/data.md); ``k`` may be ``"auto"``;
    ``features`` is a list or a comma-separated string (None = the defaults); ``log``
    is ``"auto"`` (log1p on the skewed money and count features), ``"on"`` or ``"off"``;
    ``progress`` shows a tqdm bar when tqdm is installed (False = quiet, or a callable
    receiving each stage's name). ``like`` is a saved model whose segment ids and names
    persisting segments keep (``--like``); ``clv`` adds P(alive), expected purchases,
    order value, CLV and lifecycle stage over ``horizon`` days at an annual
    ``discount_rate``, with a holdout check up to ``holdout_end`` (``--clv``; see
    docs/value.md). Returns a :class:`~segtui.notebook.results.Segmentation`
    (``.segments``, ``.profiles``, ``.metrics``, ``.warnings``, ``.diagnostics``).
    """
    from segtui.notebook import api

    options = {
        "k": k,
        "features": features,
        "scaling": scaling,
        "log": log,
        "seed": seed,
        "n_init": n_init,
        "as_of": as_of,
        "categorical_weight": categorical_weight,
        "returns": returns,
        "rfm": rfm,
        "method": method,
        "like": str(like) if like is not None else None,
        "clv": clv,
        "horizon": horizon,
        "discount_rate": discount_rate,
        "holdout_end": holdout_end,
    }
    return api.segment(source, customers, products, mapping, progress, options)


def backtest(
    source: Any = None,
    *,
    at: dt.date | str | None = None,
    horizon: int = _BACKTEST_HORIZON,
    customers: Any = None,
    products: Any = None,
    mapping: Mapping[str, str] | None = None,
    k: int | str = _K,
    method: str = _METHOD,
    features: Sequence[str] | str | None = None,
    scaling: str = _SCALING,
    log: str | bool = _LOG,
    seed: int = _SEED,
    n_init: int = _N_INIT,
    categorical_weight: float | str = _WEIGHT,
    returns: str = _RETURNS,
    progress: bool | Callable[[str], None] = True,
) -> Segmentation:
    """Segment the lines of ``source`` dated before ``at`` and judge the segments by the
    ``horizon`` days from ``at``, beside the RFM R x F grid and K-Means k = 4, as
    ``segtui backtest`` does (docs/backtest.md). Returns the
    :class:`~segtui.notebook.results.Segmentation` of the lines before ``at``; its
    ``.backtest`` (also ``.summary()["backtest"]``) holds the figures per method.
    """
    from segtui.notebook import api

    options = {
        "k": k,
        "method": method,
        "features": features,
        "scaling": scaling,
        "log": log,
        "seed": seed,
        "n_init": n_init,
        "categorical_weight": categorical_weight,
        "returns": returns,
    }
    return api.backtest(source, customers, products, mapping, progress, at, horizon, options)


def sweep(
    source: Any = None,
    *,
    customers: Any = None,
    products: Any = None,
    mapping: Mapping[str, str] | None = None,
    k_min: int = _K_MIN,
    k_max: int = _K_MAX,
    features: Sequence[str] | str | None = None,
    scaling: str = _SCALING,
    log: str | bool = _LOG,
    seed: int = _SEED,
    n_init: int = _N_INIT,
    as_of: dt.date | str | None = None,
    categorical_weight: float | str = _WEIGHT,
    returns: str = _RETURNS,
    progress: bool | Callable[[str], None] = True,
) -> Sweep:
    """Score K-Means for every k from ``k_min`` to ``k_max``, as ``segtui sweep`` does.

    Returns a :class:`~segtui.notebook.results.Sweep` (``.table`` one row per k,
    ``.recommended_k``, ``.rule``); in a notebook it shows the table and, when matplotlib
    is installed, a chart.
    """
    from segtui.notebook import api

    options = {
        "features": features,
        "scaling": scaling,
        "log": log,
        "seed": seed,
        "n_init": n_init,
        "as_of": as_of,
        "categorical_weight": categorical_weight,
        "returns": returns,
    }
    return api.sweep(source, customers, products, mapping, progress, k_min, k_max, options)


def validate(
    source: Any = None,
    *,
    customers: Any = None,
    products: Any = None,
    mapping: Mapping[str, str] | None = None,
    returns: str = _RETURNS,
) -> Validation:
    """Check a source's data without clustering, as ``segtui validate`` does.

    Returns a :class:`~segtui.notebook.results.Validation` (``.usable``, ``.findings``
    one row per check that fired, with its file, column and example rows in
    ``.to_dict()``).
    """
    from segtui.notebook import api

    return api.validate(source, customers, products, mapping, returns)


def load_model(path: Path | str) -> Model:
    """Read and check a model file saved by ``segtui run --save-model`` or
    :meth:`Segmentation.save_model`. Returns a :class:`~segtui.notebook.results.Model`."""
    from segtui.notebook import api

    return api.load_model(path)


def assign(
    model: Model | Path | str,
    source: Any = None,
    *,
    customers: Any = None,
    products: Any = None,
    mapping: Mapping[str, str] | None = None,
    returns: str | None = None,
    as_of: dt.date | str | None = None,
    progress: bool | Callable[[str], None] = True,
) -> Assignment:
    """Put the customers of ``source`` into ``model``'s segments without refitting, as
    ``segtui assign`` does. ``model`` is a :class:`Model`, e.g. ``result.model()``, or a
    model file path. Returns an :class:`~segtui.notebook.results.Assignment`
    (``.segments`` with a ``distance`` column)."""
    from segtui.notebook import api

    return api.assign(model, source, customers, products, mapping, returns, as_of, progress)


def lookalikes(
    model: Model | Path | str,
    source: Any = None,
    customer_ids: Sequence[str] | str | None = None,
    *,
    top: int = _TOP,
    customers: Any = None,
    products: Any = None,
    mapping: Mapping[str, str] | None = None,
    returns: str | None = None,
    as_of: dt.date | str | None = None,
    progress: bool | Callable[[str], None] = True,
) -> Lookalikes:
    """The ``top`` most similar customers of each of ``customer_ids`` (ranges such as
    ``"C0001..C0020"`` allowed; None = every customer with purchases) in the model's
    scaled feature space, as ``segtui lookalike`` does. Returns a
    :class:`~segtui.notebook.results.Lookalikes` (``.table``: CustomerID, rank,
    LookalikeID, score)."""
    from segtui.notebook import api

    return api.lookalikes(
        model, source, customer_ids, top, customers, products, mapping, returns, as_of, progress
    )


def migrate(
    model: Model | Path | str,
    before: Any,
    after: Any = None,
    *,
    as_of_before: dt.date | str | None = None,
    as_of_after: dt.date | str | None = None,
    customers: Any = None,
    products: Any = None,
    mapping: Mapping[str, str] | None = None,
    returns: str | None = None,
    progress: bool | Callable[[str], None] = True,
) -> Migration:
    """Who moved between segments from ``before`` to ``after`` (two sources, or one source
    at two as-of dates when ``after`` is None), as ``segtui migrate`` does. Returns a
    :class:`~segtui.notebook.results.Migration` (``.table`` cross-table, ``.moves``)."""
    from segtui.notebook import api

    return api.migrate(
        model,
        before,
        after,
        as_of_before,
        as_of_after,
        customers,
        products,
        mapping,
        returns,
        progress,
    )


__all__ = [
    "__version__",
    "assign",
    "backtest",
    "load_model",
    "lookalikes",
    "migrate",
    "segment",
    "sweep",
    "validate",
]
