"""``segtui sweep``: scores and stability for a range of k, and the recommended k."""

from __future__ import annotations

from typing import Annotated

import typer

from segtui.cli import app
from segtui.cli.common import (
    AsOfOpt,
    CatWeightOpt,
    ConfigOpt,
    FeaturesOpt,
    JsonOpt,
    LogOpt,
    NInitOpt,
    QuietOpt,
    ScalingOpt,
    SeedOpt,
    SourceArg,
    console,
    emit_json,
    handle_errors,
    load_settings,
    progress_display,
)


@app.command()
def sweep(
    source: SourceArg = None,
    k_min: Annotated[int, typer.Option("--k-min", help="Smallest k to try (at least 2).")] = 2,
    k_max: Annotated[int, typer.Option("--k-max", help="Largest k to try.")] = 10,
    features: FeaturesOpt = None,
    scaling: ScalingOpt = None,
    log: LogOpt = None,
    seed: SeedOpt = None,
    n_init: NInitOpt = None,
    as_of: AsOfOpt = None,
    categorical_weight: CatWeightOpt = None,
    config: ConfigOpt = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Try every k from --k-min to --k-max: Davies-Bouldin, silhouette, Calinski-Harabasz,
    inertia and stability, with a chart and the recommended k (the rule of --k auto)."""
    with handle_errors():
        from segtui.engine.errors import OptionError
        from segtui.engine.pipeline import validate_settings
        from segtui.engine.sweep import sweep as run_sweep

        # Range errors that need no data are reported before any reading.
        if k_min < 2:
            raise OptionError(f"k-min must be at least 2 (got {k_min})")
        if k_max < k_min:
            raise OptionError(f"k-max ({k_max}) is smaller than k-min ({k_min})")
        settings, _file_values = load_settings(
            source,
            config,
            features=features,
            scaling=scaling,
            log=log,
            seed=seed,
            n_init=n_init,
            as_of=as_of,
            categorical_weight=categorical_weight,
        )
        validate_settings(settings.replace(k=max(k_min, 2)))
        with progress_display(not quiet and not json) as progress:
            result = run_sweep(None, settings, k_min, k_max, progress=progress)
        if json:
            emit_json(result.to_dict())
            return
        if quiet:
            return
        from segtui.cli.sweep_render import render_sweep

        render_sweep(result, settings, console())
