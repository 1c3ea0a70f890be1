"""The clustering space: how per-customer features become the matrix K-Means sees.

Numeric features are (optionally log-transformed and) scaled column by column. A
categorical feature becomes a one-hot block, centred, and scaled so that the whole block
carries ``categorical_weight`` times the variance of one scaled numeric feature (with
standard scaling: total variance = weight). Raw one-hot columns each get unit variance and
so a 4-level Region would count as four features, which is how notebook pipelines end up
with "segments" that are just the regions; ``categorical_weight="raw"`` reproduces that.

Skew (``log``): "on" applies a signed log1p to every money and count feature, "auto" (the
default) to those whose skewness on the clustered customers exceeds ``LOG_AUTO_SKEW``,
"off" to none. Days (recency, tenure) are never transformed: they are bounded by the
observation window, and a log would stretch "bought this week" against "last week" while
squeezing every lapsed customer together. log1p was measured against a rank (normal-score)
transform on heavy-tailed data (docs/features.md): as stable, close in Davies-Bouldin, and
it needs no fitted state, so a model file applies it to new customers unchanged.

Degenerate numeric columns: when heavy tails squeeze most customers into a sliver of most
numeric columns (median over the columns of robust spread, IQR / 1.349, under
``DEGENERATE_SPREAD`` of the standard deviation), a categorical block sized by variance
would decide the clustering alone, so its weight is sized by the numeric columns' mean
robust variance instead, and a warning says so.

A :class:`SpaceSpec` holds every fitted parameter as plain numbers so a model file can
store it and new customers can be transformed without refitting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from segtui.engine.errors import InputError, OptionError
from segtui.engine.features.compute import feature_kind

LOG_KINDS = ("money", "count")
MISSING_LEVEL = "(missing)"
# Robust spread (IQR / 1.349, = the standard deviation for normal data) over standard
# deviation, averaged over the numeric columns, below which they count as degenerate.
DEGENERATE_SPREAD = 0.25


@dataclass
class NumericColumn:
    """One numeric feature: x -> (f(x) - center) / scale, f = signed log1p when ``log``."""

    name: str
    log: bool
    center: float
    scale: float
    fill: float  # value (before log) used for a missing cell


@dataclass
class CategoricalBlock:
    """One categorical feature: indicator(level) -> (indicator - center) * scale."""

    name: str
    levels: list[str]
    centers: list[float]
    scales: list[float]


@dataclass
class SpaceSpec:
    """Fitted transformation from feature table to clustering matrix."""

    scaling: str
    categorical_weight: float | str
    numeric: list[NumericColumn] = field(default_factory=list)
    categorical: list[CategoricalBlock] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """Names of the matrix columns (``region=Asia`` for one-hot columns)."""
        names = [c.name for c in self.numeric]
        for block in self.categorical:
            names.extend(f"{block.name}={level}" for level in block.levels)
        return names

    def transform(self, frame: pl.DataFrame) -> np.ndarray:
        """Apply the stored parameters to ``frame``; returns an (n, d) float64 matrix.

        A categorical level not seen at fit time gets all-zero indicators (it sits at the
        block's centre minus the level proportions: "none of the known levels").
        """
        # Filled column by column into one preallocated array: a list of columns plus
        # np.hstack held the matrix twice, which mattered at 10 million customers.
        X = np.empty((frame.height, len(self.columns)))
        j = 0
        for col in self.numeric:
            values = frame.get_column(col.name).cast(pl.Float64).fill_null(col.fill).to_numpy()
            if col.log:
                values = signed_log1p(values)
            X[:, j] = (values - col.center) / col.scale
            j += 1
        for block in self.categorical:
            raw = frame.get_column(block.name).cast(pl.String).fill_null(MISSING_LEVEL)
            for level, center, scale in zip(block.levels, block.centers, block.scales, strict=True):
                indicator = (raw == level).cast(pl.Float64).to_numpy()
                X[:, j] = (indicator - center) * scale
                j += 1
        return X

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (for model files)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpaceSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            scaling=data["scaling"],
            categorical_weight=data["categorical_weight"],
            numeric=[NumericColumn(**c) for c in data["numeric"]],
            categorical=[CategoricalBlock(**b) for b in data["categorical"]],
        )


def transforms(spec: SpaceSpec) -> dict[str, str]:
    """What was applied to each feature, for the summary and the UI header:
    "log1p" or "none" for a numeric feature, "one-hot x<weight>" for a categorical one
    (the weight actually applied, in numeric features' worth of variance)."""
    result = {c.name: "log1p" if c.log else "none" for c in spec.numeric}
    for block in spec.categorical:
        result[block.name] = f"one-hot x{block_weight(spec, block):.3g}"
    return result


def block_weight(spec: SpaceSpec, block: CategoricalBlock) -> float:
    """The block's total variance in the clustering space: its weight in numeric
    features' worth with standard scaling (where a scaled numeric feature has variance 1)."""
    pairs = zip(block.scales, block.centers, strict=True)
    return float(sum(s * s * p * (1.0 - p) for s, p in pairs))


def should_log(values: np.ndarray, mode: str, kind: str) -> bool:
    """Whether ``mode`` ("on", "off", "auto") log-transforms a feature of ``kind`` with
    these values: "auto" when the skewness exceeds ``LOG_AUTO_SKEW``."""
    from segtui.config import LOG_AUTO_SKEW

    if kind not in LOG_KINDS or mode == "off":
        return False
    if mode == "on":
        return True
    finite = values[np.isfinite(values)]
    if finite.size < 3 or float(finite.std()) == 0.0:
        return False
    centred = finite - finite.mean()
    # centred**3 would go through pow(): 20x slower than two multiplications at 1e6 rows.
    skew = float((centred * centred * centred).mean() / finite.std() ** 3)
    return skew > LOG_AUTO_SKEW


def signed_log1p(values: np.ndarray) -> np.ndarray:
    """log1p that keeps the sign, so net-negative spend (returns) stays defined."""
    return np.sign(values) * np.log1p(np.abs(values))


def _center_scale(values: np.ndarray, scaling: str) -> tuple[float, float]:
    if scaling == "standard":
        center, scale = float(values.mean()), float(values.std())
    elif scaling == "robust":
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        center, scale = float(median), float(q75 - q25)
    elif scaling == "minmax":
        center, scale = float(values.min()), float(values.max() - values.min())
    else:
        raise OptionError(f"unknown scaling {scaling!r}", hint="use standard, robust or minmax")
    if not np.isfinite(scale) or scale <= 1e-12 * max(1.0, abs(center)):
        scale = 1.0  # a constant column contributes nothing either way
    return center, scale


def fit_space(
    frame: pl.DataFrame,
    features: list[str],
    *,
    scaling: str = "standard",
    log: str | bool = "auto",
    categorical_weight: float | str = 1.0,
) -> tuple[SpaceSpec, list[str]]:
    """Fit the transformation on ``frame`` (the clustered customers).

    ``log`` is "auto", "on" or "off" (True/False mean "on"/"off"). Returns the spec and a
    list of warnings (constant features, imputed cells, a lowered categorical weight).
    """
    from segtui.config import log_mode

    if frame.height == 0:
        # Every customer is "No purchases" or a net returner: a user error, not numpy's.
        raise InputError(
            "no customer to segment: none has a purchase that their returns leave standing",
            hint="check --returns and --cancelled-ids (order ids read as cancellations?), "
            "or the as-of date",
        )
    mode = log_mode(log)
    if isinstance(categorical_weight, str) and categorical_weight != "raw":
        raise OptionError("categorical weight must be a number or 'raw'", value=categorical_weight)
    if not isinstance(categorical_weight, str) and not 0 <= categorical_weight < float("inf"):
        raise OptionError(
            "categorical weight must be a finite number, 0 or more", value=categorical_weight
        )
    spec = SpaceSpec(scaling=scaling, categorical_weight=categorical_weight)
    warnings: list[str] = []
    numeric_vars: list[float] = []
    robust_vars: list[float] = []
    for name in features:
        if feature_kind(name) == "categorical":
            continue
        series = frame.get_column(name).cast(pl.Float64)
        nulls = series.null_count()
        fill = float(series.median()) if nulls < series.len() else 0.0  # type: ignore[arg-type]
        if nulls:
            warnings.append(
                f"{nulls} customers have no value for {name}; the median ({fill:g}) was used."
            )
        values = series.fill_null(fill).to_numpy()
        use_log = should_log(values, mode, feature_kind(name))
        if use_log:
            values = signed_log1p(values)
        center, scale = _center_scale(values, scaling)
        if np.ptp(values) == 0:
            warnings.append(f"{name} has the same value for every customer; it cannot separate.")
        else:
            # A constant column carries no variance; counting it would shrink the
            # categorical block's share (to nothing when every numeric is constant).
            scaled = (values - center) / scale
            numeric_vars.append(float(np.var(scaled)))
            q25, q75 = np.percentile(scaled, [25, 75])
            robust_vars.append(float((q75 - q25) / 1.349) ** 2)
        spec.numeric.append(NumericColumn(name, use_log, center, scale, fill))
    # The block's target variance: `weight` numeric features' worth (1 with standard scaling).
    unit = float(np.mean(numeric_vars)) if numeric_vars else 1.0
    robust_unit = float(np.mean(robust_vars)) if robust_vars else unit
    # Degenerate: in most numeric columns the middle half of the customers spans under a
    # quarter of what the standard deviation (inflated by the tail) suggests.
    spreads = [np.sqrt(r / v) for r, v in zip(robust_vars, numeric_vars, strict=True) if v > 0]
    degenerate = bool(spreads) and float(np.median(spreads)) < DEGENERATE_SPREAD
    has_block = any(feature_kind(f) == "categorical" for f in features)
    if has_block and categorical_weight != "raw" and degenerate and robust_unit < unit:
        lowered = float(categorical_weight) * robust_unit / unit
        warnings.append(
            f"Most customers sit in a sliver of most numeric features (heavy tails): the "
            f"categorical weight was lowered from {float(categorical_weight):g} to "
            f"{lowered:.2g} so the categorical features do not decide the segments alone. "
            "Use --log auto or --log on, or set --categorical-weight to choose it yourself."
        )
        unit = robust_unit
    for name in features:
        if feature_kind(name) != "categorical":
            continue
        raw = frame.get_column(name).cast(pl.String).fill_null(MISSING_LEVEL)
        levels = sorted(raw.unique().to_list())
        props = [float((raw == level).mean()) for level in levels]  # type: ignore[arg-type]
        variances = [p * (1.0 - p) for p in props]
        if categorical_weight == "raw":
            scales = [1.0 / np.sqrt(v) if v > 0 else 1.0 for v in variances]
        else:
            total = sum(variances)
            factor = float(np.sqrt(float(categorical_weight) * unit / total)) if total > 0 else 0.0
            scales = [factor] * len(levels)
        spec.categorical.append(CategoricalBlock(name, levels, props, [float(s) for s in scales]))
    return spec, warnings
