"""Results of the Python API: plain typed objects with Polars frames that render in Jupyter.

Each wraps the engine's own result (``.engine``), exposes the useful parts as Polars
frames and plain values, converts to pandas with ``.to_pandas()`` when pandas is
installed, and shows itself as HTML/Markdown (:mod:`segtui.notebook.render`) and as a
one-line ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from segtui.engine import unclustered_groups
from segtui.notebook.render import Report, Table, percent
from segtui.notebook.shown import _metrics_line, _pandas, _Shown

if TYPE_CHECKING:
    import pandas

    from segtui.engine import (
        Metrics,
        SegmentationResult,
        SegmentProfile,
        SweepResult,
        ValidationReport,
    )
    from segtui.notebook.model_results import Model


@dataclass(repr=False)
class Segmentation(_Shown):
    """A segmentation: ``segments`` (one row per customer, as the segments file) and
    ``profiles`` (one row per segment), plus metrics, warnings and diagnostics."""

    engine: SegmentationResult

    @property
    def segments(self) -> pl.DataFrame:
        """The segments file: CustomerID, segment, segment_name, the features..."""
        return self.engine.segments

    @property
    def profiles(self) -> list[SegmentProfile]:
        """One profile per segment (means, medians, z-scores, evidence, description...)."""
        return self.engine.profiles

    @property
    def profile_table(self) -> pl.DataFrame:
        """One row per segment: segment, name, size, share, revenue_share, description,
        action."""
        rows = [
            {
                "segment": p.id,
                "segment_name": p.name,
                "size": p.size,
                "share": p.share,
                "revenue_share": p.revenue_share,
                "description": p.description,
                "action": p.action,
            }
            for p in self.engine.profiles
        ]
        return pl.DataFrame(rows)

    @property
    def k(self) -> int:
        """The number of segments."""
        return self.engine.k

    @property
    def metrics(self) -> Metrics:
        """Davies-Bouldin, silhouette (and its sample size), Calinski-Harabasz, inertia."""
        return self.engine.metrics

    def __getattr__(self, name: str) -> Any:
        # Everything else of the engine's result (matrix, space, labels, feature_table,
        # as_of, source, settings...) reads through, so code written against it keeps
        # working.
        if name == "engine":  # not yet set (copy/pickle): no recursion
            raise AttributeError(name)
        return getattr(self.engine, name)

    @property
    def warnings(self) -> list[str]:
        """Data-quality and clustering warnings, in words."""
        return list(self.engine.warnings)

    @property
    def diagnostics(self) -> dict[str, Any]:
        """Stability, dominance (Cramér's V), separation and skewness checks."""
        return self.engine.diagnostics

    def summary(self) -> dict[str, Any]:
        """The JSON summary ``segtui run --summary`` writes."""
        return self.engine.summary()

    def write(
        self,
        out: Path | str | None = None,
        summary: Path | str | None = None,
        *,
        force: bool = False,
        raw_csv: bool = False,
    ) -> list[Path]:
        """Write the segments file and/or summary as ``segtui run`` does; returns the paths."""
        from segtui.engine import write_result

        return write_result(self.engine, out, summary, force=force, raw_csv=raw_csv)

    def model(self) -> Model:
        """The model of this segmentation (for :func:`segtui.assign` and friends)."""
        from segtui.engine import build_model
        from segtui.notebook.model_results import Model

        return Model(build_model(self.engine, self.engine.input_files))

    def save_model(self, path: Path | str, *, force: bool = False) -> Path:
        """Save the model file (as ``segtui run --save-model``); returns its path."""
        from segtui.engine import save_model

        return save_model(self.model().engine, path, force=force)

    def to_pandas(self) -> pandas.DataFrame:
        """The segments frame as pandas."""
        return _pandas(self.segments)

    def __repr__(self) -> str:
        names = ", ".join(p.name for p in self.engine.profiles)
        return (
            f"<segtui.Segmentation k={self.k} customers={self.engine.n_customers:,} "
            f"davies_bouldin={self.engine.metrics.davies_bouldin:.3f} segments=[{names}]>"
        )

    def report(self) -> Report:
        """What the notebook shows."""
        result = self.engine
        rows: list[list[Any]] = [
            [
                p.id,
                p.name,
                p.size,
                percent(p.share),
                percent(p.revenue_share),
                _top_levels(p.mix),
                p.action,
            ]
            for p in result.profiles
        ]
        for group in unclustered_groups(result.unclustered()):
            rows.append([group["id"], group["name"], group["size"], None, None, None, None])
        headers = ["segment", "name", "customers", "share", "revenue share", "mostly", "action"]
        return Report(
            title=f"segtui: {result.k} segments of {result.n_customers:,} customers",
            lines=[
                f"{result.source} · as of {result.as_of} · features: " + ", ".join(result.features),
                _metrics_line(result.metrics.to_dict()),
            ],
            tables=[Table("Segments", headers, rows), *_diagnostics(result.diagnostics)],
            warnings=result.warnings,
        )


def _top_levels(mix: dict[str, dict[str, float]]) -> str | None:
    """The most common level of each categorical feature: 'region: Europe 51%'."""
    parts = [
        f"{feature}: {max(shares, key=lambda level: shares[level])} {percent(max(shares.values()))}"
        for feature, shares in mix.items()
        if shares
    ]
    return "; ".join(parts) or None


def _diagnostics(diag: dict[str, Any]) -> list[Table]:
    tables: list[Table] = []
    stable = diag.get("stability") or {}
    if stable.get("stability") is not None:
        tables.append(
            Table(
                "Stability",
                ["k", "stability (mean adjusted Rand index)", "method"],
                [[stable.get("k"), stable["stability"], stable.get("method")]],
            )
        )
    separation = diag.get("separation") or []
    if separation:
        tables.append(
            Table(
                "Separation by feature",
                ["feature", "between/within", "eta²"],
                [[s["feature"], s["between_within"], s["eta_squared"]] for s in separation],
            )
        )
    dominance = diag.get("dominance") or []
    if dominance:
        tables.append(
            Table(
                "Dominance (Cramér's V with the segments)",
                ["feature", "Cramér's V", "clustered on"],
                [[d["feature"], d["cramers_v"], str(d["clustering_feature"])] for d in dominance],
            )
        )
    return tables


@dataclass(repr=False)
class Sweep(_Shown):
    """Scores for every k of a sweep and the recommended k."""

    engine: SweepResult

    @property
    def table(self) -> pl.DataFrame:
        """One row per k: davies_bouldin, silhouette, calinski_harabasz, inertia, stability."""
        return pl.DataFrame([row.to_dict() for row in self.engine.rows])

    @property
    def recommended_k(self) -> int:
        """The k the ``--k auto`` rule picks."""
        return self.engine.recommended_k

    @property
    def rule(self) -> str:
        """The rule that picked ``recommended_k``, in words."""
        return self.engine.rule

    @property
    def warnings(self) -> list[str]:
        """Input and per-k warnings."""
        return list(self.engine.warnings)

    def to_pandas(self) -> pandas.DataFrame:
        """The per-k table as pandas."""
        return _pandas(self.table)

    def __repr__(self) -> str:
        ks = [row.k for row in self.engine.rows]
        return f"<segtui.Sweep k={ks[0]}..{ks[-1]} recommended_k={self.recommended_k}>"

    def report(self) -> Report:
        """What the notebook shows: the table, the rule and (with matplotlib) a chart."""
        from segtui.notebook.charts import sweep_chart

        headers = ["k", "Davies-Bouldin", "silhouette", "Calinski-Harabasz", "stability", ""]
        rows: list[list[Any]] = [
            [
                r.k,
                r.davies_bouldin,
                r.silhouette,
                r.calinski_harabasz,
                r.stability,
                "recommended" if r.k == self.recommended_k else None,
            ]
            for r in self.engine.rows
        ]
        return Report(
            title=f"segtui sweep: recommended k = {self.recommended_k}",
            lines=[self.rule, f"{self.engine.n_clustered:,} customers with purchases"],
            tables=[Table("Scores by k", headers, rows)],
            warnings=self.warnings,
            chart_png=sweep_chart(self.engine),
        )


@dataclass(repr=False)
class Validation(_Shown):
    """A data-quality report: ``findings`` (one row per check that fired) and ``usable``."""

    engine: ValidationReport

    @property
    def usable(self) -> bool:
        """True when no finding is an error (``segment`` can use the source)."""
        return self.engine.usable

    @property
    def findings(self) -> pl.DataFrame:
        """check, severity, message, count, file, column."""
        rows = [
            {
                "check": f.check,
                "severity": f.severity,
                "message": f.message,
                "count": f.count,
                "file": f.file,
                "column": f.column,
            }
            for f in self.engine.findings
        ]
        schema = {
            "check": pl.String,
            "severity": pl.String,
            "message": pl.String,
            "count": pl.Int64,
            "file": pl.String,
            "column": pl.String,
        }
        return pl.DataFrame(rows, schema=schema)

    def to_dict(self) -> dict[str, Any]:
        """The ``segtui validate --json`` document."""
        return self.engine.to_dict()

    def to_pandas(self) -> pandas.DataFrame:
        """The findings as pandas."""
        return _pandas(self.findings)

    def __repr__(self) -> str:
        return (
            f"<segtui.Validation usable={self.usable} "
            f"findings={len(self.engine.findings)} rows={self.engine.transaction_rows:,}>"
        )

    def report(self) -> Report:
        """What the notebook shows."""
        rep = self.engine
        rows: list[list[Any]] = [
            [f.severity, f.check, f.count, f.column, f.message] for f in rep.findings
        ]
        return Report(
            title=f"segtui validate: {'usable' if rep.usable else 'NOT usable'}",
            lines=[
                f"{rep.source} · {rep.transaction_rows:,} transaction rows · "
                f"{rep.customers_in_transactions:,} customers · dates "
                f"{rep.date_range[0]} to {rep.date_range[1]}"
            ],
            tables=[Table("Findings", ["severity", "check", "rows", "column", "message"], rows)],
        )
