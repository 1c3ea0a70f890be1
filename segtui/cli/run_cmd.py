"""``segtui run``: headless segmentation with files, JSON and exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from segtui.cli.app import app
from segtui.cli.common import (
    AmountColOpt,
    AsOfOpt,
    CancelledIdsOpt,
    CategoryColOpt,
    CatWeightOpt,
    ClvOpt,
    ConfigOpt,
    CustomerColOpt,
    CustomersFileOpt,
    DateColOpt,
    DateFormatOpt,
    DelimiterOpt,
    DiscountRateOpt,
    EngineOpt,
    FeaturesOpt,
    HoldoutEndOpt,
    HorizonOpt,
    JsonOpt,
    KOpt,
    LikeOpt,
    LogOpt,
    MethodOpt,
    NInitOpt,
    OrderColOpt,
    PriceColOpt,
    ProductColOpt,
    QuantityColOpt,
    QuietOpt,
    ReturnsOpt,
    ScalingOpt,
    SeedOpt,
    SourceArg,
    SparkConfOpt,
    SparkDriverLimitOpt,
    SparkMasterOpt,
    console,
    describe_mapping,
    emit_json,
    handle_errors,
    load_settings,
    mapping_flags,
    progress_display,
    spark_options,
    stdout_is_terminal,
)
from segtui.engine.output.plan import Force

if TYPE_CHECKING:
    from segtui.config import Settings


@app.command()
def run(
    source: SourceArg = None,
    k: KOpt = None,
    method: MethodOpt = None,
    features: FeaturesOpt = None,
    scaling: ScalingOpt = None,
    log: LogOpt = None,
    seed: SeedOpt = None,
    n_init: NInitOpt = None,
    as_of: AsOfOpt = None,
    categorical_weight: CatWeightOpt = None,
    config: ConfigOpt = None,
    customer_col: CustomerColOpt = None,
    date_col: DateColOpt = None,
    date_format: DateFormatOpt = None,
    amount_col: AmountColOpt = None,
    quantity_col: QuantityColOpt = None,
    price_col: PriceColOpt = None,
    order_col: OrderColOpt = None,
    product_col: ProductColOpt = None,
    category_col: CategoryColOpt = None,
    customers: CustomersFileOpt = None,
    delimiter: DelimiterOpt = None,
    cancelled_ids: CancelledIdsOpt = None,
    returns: ReturnsOpt = None,
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
        typer.Option(
            "--summary",
            help="Summary report (.json or .md); '-' writes the JSON to stdout.",
            show_default=False,
        ),
    ] = None,
    save_model: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--save-model",
            help="Save the fitted model as JSON, for segtui assign / lookalike / migrate; "
            "'-' writes it to stdout.",
            show_default=False,
        ),
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
    rfm: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option(
            "--rfm",
            help="Add RFM quintile scores (r_score, f_score, m_score, rfm_cell) and the "
            "RFM label (rfm_segment: Champions, At Risk, ...) to the segments file.",
            show_default=False,
        ),
    ] = None,
    clv: ClvOpt = None,
    horizon: HorizonOpt = None,
    discount_rate: DiscountRateOpt = None,
    holdout_end: HoldoutEndOpt = None,
    like: LikeOpt = None,
    rules: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--rules",
            help="Write each segment's rules: .csv (rule, segment, precision, recall) or "
            ".sql (an ANSI SQL WHERE clause per segment); '-' writes the CSV to stdout.",
            show_default=False,
        ),
    ] = None,
    replay: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--replay",
            help="Rerun the run recorded in a summary .json (its settings and seed); "
            "refuses if the input data changed.",
            show_default=False,
        ),
    ] = None,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    spark_driver_limit: SparkDriverLimitOpt = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Segment customers and write the segments file and summary."""
    from segtui.cli import timings

    clock = timings.StepClock() if timings.enabled() else None
    with handle_errors(catch_sigterm=True):
        from segtui.engine.errors import OptionError
        from segtui.engine.models.build import build_model
        from segtui.engine.models.model import model_text
        from segtui.engine.output.inputs import command_inputs
        from segtui.engine.output.plan import Target, plan_outputs
        from segtui.engine.output.rules_file import RULES_FORMATS, rules_table, write_rules_to
        from segtui.engine.output.writers import (
            SEGMENT_FORMATS,
            STDOUT,
            SUMMARY_FORMATS,
            frame_to_file,
            summary_text,
            write_frame,
            write_stdout,
            write_text_file,
        )
        from segtui.engine.pipeline import run_engine

        setting_flags = dict(
            k=k,
            method=method,
            features=features,
            scaling=scaling,
            log=log,
            seed=seed,
            n_init=n_init,
            as_of=as_of,
            categorical_weight=categorical_weight,
            returns=returns,
            rfm=rfm,
            clv=clv,
            horizon=horizon,
            discount_rate=discount_rate,
            holdout_end=holdout_end,
            like=like,
        )
        if replay is not None:
            given = [name for name, value in setting_flags.items() if value is not None]
            given += [name for name, value in mapping_flags(locals()).items() if value]
            if source is not None or config is not None or given or engine:
                raise OptionError(
                    "--replay takes its settings from the summary; drop the other settings",
                    hint="only output options (--out, --summary, --rules, ...) go with it",
                )
        settings, file_values = load_settings(
            source,
            config if replay is None else None,
            mapping=mapping_flags(locals()),
            **setting_flags,
        )
        from segtui.settings_file import output_settings

        outputs = output_settings(
            file_values,
            {
                "out": out,
                "summary": str(summary) if summary else None,
                "force": force,
                "raw_csv": raw_csv,
                "save_model": str(save_model) if save_model else None,
            },
        )
        out = outputs.out
        raw_csv = outputs.raw_csv
        spark = spark_options(engine, spark_master, spark_conf, spark_driver_limit)
        if spark is not None and settings.clv:
            raise OptionError("--clv needs the polars engine (not --engine spark)")
        if outputs.save_model:
            from segtui.engine.segments.rfm_cells import check_modelable

            check_modelable(settings.method)
        if spark is not None and settings.like is not None:
            raise OptionError("--like works with the polars engine only")
        # Every output is checked against every file the run reads (also through the
        # --like model or the replayed summary) and each other before any reading.
        plan = plan_outputs(
            [
                Target("--out", out, SEGMENT_FORMATS, "segments file"),
                Target("--summary", outputs.summary, SUMMARY_FORMATS, "summary"),
                Target("--save-model", outputs.save_model, (".json",), "model file"),
                Target("--rules", str(rules) if rules else None, RULES_FORMATS, "rules file"),
            ],
            inputs=command_inputs(settings, config=config, replay=replay),
            force=force_rule(force, file_values, settings),
            json_on_stdout=json,
        )
        if clock is not None:
            clock.mark("startup")
        with progress_display(not quiet and not json) as progress:
            if replay is not None:
                from segtui.engine.pipeline import replay as replay_run

                result = replay_run(replay, progress=progress)
            else:
                result = run_engine(settings, spark, progress=progress)
        if clock is not None:
            clock.skip()
        summary_doc = result.summary()
        model_doc = lambda: model_text(build_model(result, result.input_files))  # noqa: E731
        written = plan.commit(
            {
                "--out": lambda tmp, suffix: frame_to_file(
                    result.segments, tmp, suffix, raw_csv=raw_csv
                ),
                "--summary": lambda tmp, suffix: write_text_file(
                    tmp, summary_text(summary_doc, suffix)
                ),
                "--save-model": lambda tmp, _suffix: write_text_file(tmp, model_doc()),
                "--rules": lambda tmp, suffix: write_rules_to(summary_doc, tmp, suffix),
            },
            # '-' writes each output's own content: the segments and the rules as CSV,
            # the summary and the model as JSON.
            stdout={
                "--out": lambda: write_frame(result.segments, STDOUT, raw_csv=raw_csv),
                "--summary": lambda: write_stdout(summary_text(summary_doc, ".json")),
                "--save-model": lambda: write_stdout(model_doc()),
                "--rules": lambda: write_frame(rules_table(summary_doc), STDOUT),
            },
        )
        if clock is not None:
            clock.mark("writing")
        if json:
            emit_json(summary_doc)
        elif not quiet:
            show_summary(result, summary_doc, written, out, plan.stdout is not None)
        if clock is not None:
            clock.mark("report")
            timings.print_report(clock, result.timings)


def show_summary(
    result: Any, summary_doc: dict[str, Any], written: list[Path], out: str | None, on_stderr: bool
) -> None:
    """The human summary: the mapping notes, the summary and the files written."""
    from segtui.cli.render import render_summary

    # stdout may be carrying an output: the human summary then goes to stderr.
    screen = console(stderr=on_stderr)
    for line in describe_mapping(result.feature_table.data_quality):
        screen.print(line, markup=False, soft_wrap=True)
    render_summary(summary_doc, screen)
    for path in written:
        screen.print(f"wrote {path}")
    if out is None and not written and stdout_is_terminal():
        screen.print("(use --out segments.csv to write the segments file)")


def force_rule(flag: bool | None, file_values: dict[str, Any], settings: Settings) -> Force:
    """--force on the command line overwrites anywhere; ``force = true`` in a settings
    file only inside the folder that holds that file (a file found in the current
    folder must not reach out and replace files elsewhere)."""
    if flag is not None:
        return Force(flag)
    output = file_values.get("output") or {}
    config_file = settings.extra.get("config_file")
    if output.get("force") and config_file:
        return Force(True, scope=Path(config_file).parent)
    return Force(False)
