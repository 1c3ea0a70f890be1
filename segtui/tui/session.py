"""One workbench computation, as plain functions the app's worker calls.

The source is read exactly as ``segtui run`` reads it (the settings' column mapping,
returns rule and customers file) and segmented by the same engine function,
:func:`segtui.engine.pipeline.run`. Re-clustering passes it the feature table already
computed, so only the clustering (and the value step) runs again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from segtui.config import Settings

if TYPE_CHECKING:
    import polars as pl

    from segtui.engine import FeatureTable, Projection, SegmentationResult, Tables

# The Data view shows the first rows of each raw table.
HEAD_ROWS = 10_000


@dataclass
class Outcome:
    """What one worker run produced, swapped in as a whole."""

    settings: Settings
    result: SegmentationResult
    projection: Projection
    tables: Tables


def same_source(settings: Settings, applied: Settings | None) -> bool:
    """True when ``settings`` read the source exactly as ``applied`` did (same file,
    column mapping and returns rule), so the tables already read can be reused."""
    return (
        applied is not None
        and settings.source == applied.source
        and settings.mapping == applied.mapping
        and settings.returns == applied.returns
    )


def same_input(settings: Settings, applied: Settings | None) -> bool:
    """True when ``settings`` load the features exactly as ``applied`` did, so the
    feature table can be reused and only clustering runs again.

    ``clv`` counts too: with --clv the features' plan also collects the value models'
    purchase rows (``FeatureTable.side``). A table read without them made the value step
    take another path (its own calibration pass), whose sums differ from ``segtui run``'s
    in the last bits: after ``V`` the Gamma-Gamma fit stopped elsewhere (p = 85.045
    against 85.043) and 997 rows' order value and CLV differed from the CLI's."""
    return (
        same_source(settings, applied)
        and applied is not None
        and settings.features == applied.features
        and settings.as_of == applied.as_of
        and settings.clv == applied.clv
    )


def read_tables(settings: Settings) -> Tables:
    """The source's tables, read as ``segtui run`` reads them (mapping, returns rule)."""
    from segtui.engine import load_source

    return load_source(settings.source, settings.mapping_dict(), returns=settings.returns)


def compute_outcome(
    settings: Settings,
    tables: Tables | None,
    feature_table: FeatureTable | None,
    progress: Callable[[str], None],
) -> Outcome:
    """Read (when ``tables`` is None), segment and project. Returns the Outcome.

    Only what the first result needs: the Data view's row counts and first rows are
    read after the result is on screen (:func:`raw_heads`, the Data view's own job), so
    the workbench's first result waits for no work ``segtui run`` does not do."""
    from segtui.engine import pca_2d, preload_sklearn, run

    if tables is None:
        # As `segtui run` does inside run(): scikit-learn's import (about a second of
        # pure Python) overlaps the reading, on the core Polars leaves free.
        preload_sklearn()
        progress("Reading data")
        tables = read_tables(settings)
    # With a feature table only the clustering (and, with --clv, the value step) runs.
    result = run(settings, progress=progress, tables=tables, feature_table=feature_table)
    progress("Projecting")
    projection = pca_2d(result.matrix, seed=settings.seed)
    return Outcome(settings, result, projection, tables)


def raw_heads(tables: Tables) -> tuple[dict[str, int], dict[str, pl.DataFrame]]:
    """The row count and the first ``HEAD_ROWS`` rows of each table of ``tables``."""
    from segtui.engine import row_counts, table_head

    counts = row_counts(tables)
    return counts, {kind: table_head(tables, kind, HEAD_ROWS) for kind in counts}


# "k = 5 (3/9)": the engine's sweep names the k it is fitting and its place in the range.
# Only steps that count what they do carry one; no percentage is ever estimated.
COUNTED_STAGE = re.compile(r"\((\d[\d,]*)/(\d[\d,]*)\)\s*$")


def stage_percent(stage: str) -> int | None:
    """The share of a counted stage already done, in percent: "k = 5 (3/9)" is the third
    of nine k being fitted, so two of nine (22%) are done. None for a stage that does not
    count its work (reading, computing features): those show elapsed seconds only."""
    found = COUNTED_STAGE.search(stage)
    if found is None:
        return None
    current, total = (int(part.replace(",", "")) for part in found.groups())
    if total <= 0:
        return None
    return max(0, min(100, (current - 1) * 100 // total))


class StageClock:
    """The current stage and when it started, for "Computing features · 7 s" and, for a
    stage that counts its work, "k = 5 (3/9) · 22% · 4 s"."""

    def __init__(self) -> None:
        self.stage = ""
        self.started = time.monotonic()

    def enter(self, stage: str) -> None:
        """Start timing ``stage``."""
        self.stage = stage
        self.started = time.monotonic()

    def text(self) -> str:
        """The stage, its share done when it counts one, and its elapsed seconds once it
        has run for more than one."""
        parts = [self.stage]
        percent = stage_percent(self.stage)
        if percent is not None:
            parts.append(f"{percent}%")
        elapsed = time.monotonic() - self.started
        if elapsed >= 1:
            parts.append(f"{elapsed:.0f} s")
        return " · ".join(parts)
