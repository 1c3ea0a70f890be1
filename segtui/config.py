"""One settings object for a segmentation run: the only place defaults live.

Both faces build a :class:`Settings` (from flags, later also from a TOML file) and hand it
to :func:`segtui.engine.pipeline.run`. It is a frozen dataclass of plain values so it can
be compared, hashed, written into the summary and replayed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_FEATURES: tuple[str, ...] = (
    "total_spend",
    "avg_transaction_value",
    "frequency",
    "total_quantity",
    "region",
)
SCALINGS: tuple[str, ...] = ("standard", "robust", "minmax")
DEFAULT_K = 4
DEFAULT_SEED = 42
DEFAULT_N_INIT = 10
# Weight of a categorical feature's one-hot block, as a multiple of one numeric feature.
DEFAULT_CATEGORICAL_WEIGHT = 1.0
# Silhouette is O(n^2): above this many customers it is computed on a seeded sample.
SILHOUETTE_SAMPLE = 10_000
# --engine: polars (one machine) or spark (segtui[spark]).
ENGINES: tuple[str, ...] = ("polars", "spark")
DEFAULT_ENGINE = "polars"
DEFAULT_SPARK_MASTER = "local[*]"
# Spark engine: at or below this many customers with purchases, the per-customer table is
# clustered on the driver with scikit-learn; above it with MLlib K-Means.
DEFAULT_SPARK_DRIVER_LIMIT = 1_000_000


@dataclass(frozen=True)
class Settings:
    """Everything that determines a segmentation result.

    ``categorical_weight`` is a float (the one-hot block carries that many numeric
    features' worth of variance) or ``"raw"`` (every one-hot column scaled to unit
    variance like a numeric one, as notebooks do).
    """

    source: Path | None = None
    k: int = DEFAULT_K
    features: tuple[str, ...] = DEFAULT_FEATURES
    scaling: str = "standard"
    log: bool = False
    seed: int = DEFAULT_SEED
    n_init: int = DEFAULT_N_INIT
    as_of: dt.date | None = None
    categorical_weight: float | str = DEFAULT_CATEGORICAL_WEIGHT
    silhouette_sample: int = SILHOUETTE_SAMPLE
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def params(self) -> dict[str, Any]:
        """The clustering parameters as plain JSON-ready values (for the summary)."""
        return {
            "k": self.k,
            "features": list(self.features),
            "scaling": self.scaling,
            "log": self.log,
            "seed": self.seed,
            "n_init": self.n_init,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "categorical_weight": self.categorical_weight,
        }
