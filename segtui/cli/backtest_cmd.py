"""``segtui backtest``: segment the lines before a date, judge the segments by the next
period, beside the RFM R x F grid and plain K-Means k = 4."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from segtui.cli.app import app
from segtui.cli.common import (
    AmountColOpt,
    CategoryColOpt,
    CatWeightOpt,
    ConfigOpt,
    CustomerColOpt,
    CustomersFileOpt,
    DateColOpt,
    DateFormatOpt,
    DelimiterOpt,
    FeaturesOpt,
    JsonOpt,
    KOpt,
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
    console,
    emit_json,
    handle_errors,
    load_settings,
    mapping_flags,
    progress_display,
)


@app.command()
def backtest(
    source: SourceArg = None,
    at: Annotated[
        str,
        typer.Option(
            "--at",
            help="The cut, YYYY-MM-DD: the segments are made from the lines dated before it "
            "and judged by the purchases from it on.",
            show_default=False,
        ),
    ] = "",
    horizon: Annotated[
        int,
        typer.Option(
            "--horizon",
            help="Days from --at whose purchases judge the segments.",
        ),
    ] = 90,
    k: KOpt = None,
    method: MethodOpt = None,
    features: FeaturesOpt = None,
    scaling: ScalingOpt = None,
    log: LogOpt = None,
    seed: SeedOpt = None,
    n_init: NInitOpt = None,
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
    returns: ReturnsOpt = None,
    out: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--out",
            "-o",
            help="Segments file of the lines before --at (.csv, .parquet or .json).",
            show_default=False,
        ),
    ] = None,
    summary: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--summary",
            help="Summary with the backtest (.json or .md).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite existing output files.")
    ] = False,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Segment the lines before --at with the run's settings, then report, from the
    purchases in the --horizon days after it, per segment: customers, the share who bought
    again, next-period spend and revenue share, and whether its activity word came true;
    and eta squared of log(1 + next spend) for segtui, the RFM R x F grid and K-Means k = 4."""
    with handle_errors(catch_sigterm=True):
        from segtui.engine import (
            SEGMENT_FORMATS,
            STDOUT,
            SUMMARY_FORMATS,
            Force,
            OptionError,
            Target,
            check_horizon,
            command_inputs,
            frame_to_file,
            parse_date_option,
            plan_outputs,
            run_backtest,
            summary_text,
            write_stdout,
            write_text_file,
        )

        if not at:
            raise OptionError("backtest needs --at, the cut date", hint="e.g. --at 2011-09-01")
        cut = parse_date_option(at, option="--at")
        check_horizon(horizon)
        if out == STDOUT:
            raise OptionError("backtest writes its table to the terminal; give --out a file")
        settings, _file_values = load_settings(
            source,
            config,
            k=k,
            method=method,
            features=features,
            scaling=scaling,
            log=log,
            seed=seed,
            n_init=n_init,
            categorical_weight=categorical_weight,
            returns=returns,
            mapping=mapping_flags(locals()),
        )
        # The value models are not part of a segmentation: a settings file's --clv is left out.
        settings = settings.replace(clv=False, holdout_end=None)
        plan = plan_outputs(
            [
                Target("--out", out, SEGMENT_FORMATS, "segments file"),
                Target("--summary", str(summary) if summary else None, SUMMARY_FORMATS, "summary"),
            ],
            inputs=command_inputs(settings, config=config),
            force=Force(force),
            json_on_stdout=json,
        )
        with progress_display(not quiet and not json) as progress:
            done = run_backtest(settings, cut, horizon, progress=progress)
        result = done.result
        result.backtest = done.to_dict()
        plan.commit(
            {
                "--out": lambda tmp, suffix: frame_to_file(result.segments, tmp, suffix),
                "--summary": lambda tmp, suffix: write_text_file(
                    tmp, summary_text(result.summary(), suffix)
                ),
            },
            stdout={"--summary": lambda: write_stdout(summary_text(result.summary(), ".json"))},
        )
        if json:
            emit_json(result.summary())
            return
        if quiet:
            return
        from segtui.cli.backtest_render import render_backtest

        render_backtest(result.summary(), console(stderr=plan.stdout is not None))
