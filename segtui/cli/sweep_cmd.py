"""``segtui sweep``: scores and stability for a range of k, and the recommended k."""

from __future__ import annotations

from segtui.cli.app_root import app
from segtui.cli.common import handle_errors, load_settings, progress_display
from segtui.cli.options import Given, takes


@app.command()
@takes(
    "source",
    "k_min@sweep",
    "k_max@sweep",
    "clustering",
    "config",
    "mapping",
    "spark",
    "json",
    "quiet",
)
def sweep(given: Given) -> None:
    """Try every k from --k-min to --k-max: Davies-Bouldin, silhouette, Calinski-Harabasz,
    inertia and stability, with a chart and the recommended k (the rule of --k auto).

    With --engine spark, Spark computes the features; the sweep itself always runs on the
    driver on the collected per-customer table (up to --spark-driver-limit customers)."""
    with handle_errors(catch_sigterm=True):
        from segtui.engine import OptionError, sweep_engine, validate_settings

        k_min, k_max, json, quiet = (given[key] for key in ("k_min", "k_max", "json", "quiet"))
        # Range errors that need no data are reported before any reading.
        if k_min < 2:
            raise OptionError(f"k-min must be at least 2 (got {k_min})")
        if k_max < k_min:
            raise OptionError(f"k-max ({k_max}) is smaller than k-min ({k_min})")
        settings, _file_values = load_settings(
            given["source"], given["config"], mapping=given.mapping(), **given.settings()
        )
        from segtui.engine import command_inputs, plan_outputs

        plan_outputs(
            [], inputs=command_inputs(settings, config=given["config"])
        )  # FIFO, device: refused
        validate_settings(settings.replace(k=max(k_min, 2)))
        spark = given.spark()
        with progress_display(not quiet and not json) as progress:
            result = sweep_engine(settings, spark, k_min, k_max, progress=progress)
        screen = given.report(result.to_dict)
        if screen is not None:
            from segtui.cli.sweep_render import render_sweep

            render_sweep(result, settings, screen)
