"""``segtui sweep``: scores and stability for a range of k, and the recommended k."""

from __future__ import annotations

from typing import Annotated

import typer

from segtui.cli.app import app
from segtui.cli.common import (
    AmountColOpt,
    AsOfOpt,
    CancelledIdsOpt,
    CategoryColOpt,
    CatWeightOpt,
    ConfigOpt,
    CustomerColOpt,
    CustomersFileOpt,
    DateColOpt,
    DateFormatOpt,
    DelimiterOpt,
    EngineOpt,
    FeaturesOpt,
    JsonOpt,
    LogOpt,
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
    emit_json,
    handle_errors,
    load_settings,
    mapping_flags,
    progress_display,
    spark_options,
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
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    spark_driver_limit: SparkDriverLimitOpt = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Try every k from --k-min to --k-max: Davies-Bouldin, silhouette, Calinski-Harabasz,
    inertia and stability, with a chart and the recommended k (the rule of --k auto).

    With --engine spark, Spark computes the features; the sweep itself always runs on the
    driver on the collected per-customer table (up to --spark-driver-limit customers)."""
    with handle_errors(catch_sigterm=True):
        from segtui.engine import OptionError, sweep_engine, validate_settings

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
            returns=returns,
            mapping=mapping_flags(locals()),
        )
        from segtui.engine import command_inputs, plan_outputs

        plan_outputs([], inputs=command_inputs(settings, config=config))  # FIFO, device: refused
        validate_settings(settings.replace(k=max(k_min, 2)))
        spark = spark_options(engine, spark_master, spark_conf, spark_driver_limit)
        with progress_display(not quiet and not json) as progress:
            result = sweep_engine(settings, spark, k_min, k_max, progress=progress)
        if json:
            emit_json(result.to_dict())
            return
        if quiet:
            return
        from segtui.cli.sweep_render import render_sweep

        render_sweep(result, settings, console())
