"""Finished k sweeps kept for the session (the sweep view reopens on them at once).

Apart from the sweep view (``screens/sweep.py``) because the app holds one from its start,
and the view, its chart and their imports are loaded only when the view first opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from segtui.config import Settings

if TYPE_CHECKING:
    from segtui.engine import FeatureTable, SweepResult


class SweepCache:
    """Finished sweeps of one feature table, by the settings that shape the scores, so
    reopening the view (or opening it after a ``k = auto`` run) costs nothing."""

    def __init__(self) -> None:
        self.table: FeatureTable | None = None
        self.results: dict[tuple[object, ...], SweepResult] = {}

    @staticmethod
    def key(settings: Settings, k_min: int, k_max: int) -> tuple[object, ...]:
        """What the sweep's numbers depend on besides the feature table."""
        return (
            settings.scaling,
            settings.log,
            settings.categorical_weight,
            settings.seed,
            settings.n_init,
            k_min,
            k_max,
        )

    def get(
        self, table: FeatureTable, settings: Settings, k_min: int, k_max: int
    ) -> SweepResult | None:
        """The stored sweep for these inputs, or None."""
        if table is not self.table:
            return None
        return self.results.get(self.key(settings, k_min, k_max))

    def put(
        self,
        table: FeatureTable,
        settings: Settings,
        k_min: int,
        k_max: int,
        result: SweepResult,
    ) -> None:
        """Remember ``result`` (forgetting sweeps of any other feature table)."""
        if table is not self.table:
            self.table, self.results = table, {}
        self.results[self.key(settings, k_min, k_max)] = result

    def put_selection(
        self, table: FeatureTable, settings: Settings, selection: dict[str, object]
    ) -> None:
        """Remember the sweep a ``k = auto`` run recorded in ``result.k_selection``."""
        from segtui.engine import SweepResult, SweepRow

        raw_rows = selection["rows"]
        assert isinstance(raw_rows, list)
        rows = [SweepRow(**row) for row in raw_rows]
        if not rows:
            return
        result = SweepResult(
            rows=rows,
            recommended_k=int(selection["recommended_k"]),  # type: ignore[call-overload]
            rule=str(selection["rule"]),
            n_clustered=int(selection["n_clustered"]),  # type: ignore[call-overload]
            fit_sample_size=int(selection["fit_sample_size"]),  # type: ignore[call-overload]
            silhouette_sample_size=int(
                selection["silhouette_sample_size"]  # type: ignore[call-overload]
            ),
            stability_method=str(selection["stability_method"]),
            features=list(table.features),
        )
        self.put(table, settings, rows[0].k, rows[-1].k, result)
