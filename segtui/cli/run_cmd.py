"""``segtui run``: headless segmentation with files, JSON and exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from segtui.cli import app
from segtui.cli.common import (
    AsOfOpt,
    CatWeightOpt,
    ConfigOpt,
    EngineOpt,
    FeaturesOpt,
    JsonOpt,
    KOpt,
    LogOpt,
    NInitOpt,
    QuietOpt,
    ScalingOpt,
    SeedOpt,
    SourceArg,
    SparkConfOpt,
    SparkDriverLimitOpt,
    SparkMasterOpt,
    console,
    emit_json,
    handle_errors,
    load_settings,
    progress_display,
    spark_options,
)


@app.command()
def run(
    source: SourceArg = None,
    k: KOpt = None,
    features: FeaturesOpt = None,
    scaling: ScalingOpt = None,
    log: LogOpt = None,
    seed: SeedOpt = None,
    n_init: NInitOpt = None,
    as_of: AsOfOpt = None,
    categorical_weight: CatWeightOpt = None,
    config: ConfigOpt = None,
    out: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--out",
            "-o",
            help="Segments file (.csv, .parquet or .json); '-' writes CSV to stdout.",
            show_default=False,
        ),
    ] = None,
    summary: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--summary", help="Summary report (.json or .md).", show_default=False),
    ] = None,
    raw_csv: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option(
            "--raw-csv",
            help="Do not neutralise spreadsheet formulas in CSV text.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option("--force", help="Overwrite existing output files.", show_default=False),
    ] = None,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    spark_driver_limit: SparkDriverLimitOpt = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Segment customers and write the segments file and summary."""
    with handle_errors():
        from segtui.engine.errors import OptionError
        from segtui.engine.outputs import (
            SEGMENT_FORMATS,
            STDOUT,
            SUMMARY_FORMATS,
            check_target,
        )
        from segtui.engine.pipeline import run as run_pipeline

        settings, file_values = load_settings(
            source,
            config,
            k=k,
            features=features,
            scaling=scaling,
            log=log,
            seed=seed,
            n_init=n_init,
            as_of=as_of,
            categorical_weight=categorical_weight,
        )
        from segtui.settings_file import output_settings

        outputs = output_settings(
            file_values,
            {
                "out": out,
                "summary": str(summary) if summary else None,
                "force": force,
                "raw_csv": raw_csv,
            },
        )
        out = outputs.out
        summary = Path(outputs.summary) if outputs.summary else None
        force, raw_csv = outputs.force, outputs.raw_csv
        spark = spark_options(engine, spark_master, spark_conf, spark_driver_limit)
        if json and out == STDOUT:
            raise OptionError("--json and --out - both want stdout; choose one")
        # Fail on unwritable outputs before spending time on the data.
        if out is not None and out != STDOUT:
            check_target(Path(out), force=force, allowed=SEGMENT_FORMATS, what="segments file")
        if summary is not None:
            check_target(summary, force=force, allowed=SUMMARY_FORMATS, what="summary")
        with progress_display(not quiet and not json) as progress:
            if spark is not None:
                from segtui.engine.spark.pipeline import run_spark

                result = run_spark(settings, spark, progress=progress)
            else:
                result = run_pipeline(settings, progress=progress)
        written = result.write(out, summary, force=force, raw_csv=raw_csv)
        if json:
            emit_json(result.summary())
            return
        if quiet:
            return
        from segtui.cli.render import render_summary

        # stdout may be carrying the CSV: the human summary then goes to stderr.
        screen = console(stderr=out == STDOUT)
        render_summary(result.summary(), screen)
        for path in written:
            screen.print(f"wrote {path}")
        if out is None and not written and sys.stdout.isatty():
            screen.print("(use --out segments.csv to write the segments file)")
