"""``segtui ui``: the Textual workbench (imported only when the command runs)."""

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
    KOpt,
    LikeOpt,
    LogOpt,
    MethodOpt,
    NInitOpt,
    OrderColOpt,
    PriceColOpt,
    ProductColOpt,
    QuantityColOpt,
    ReturnsOpt,
    ScalingOpt,
    SeedOpt,
    SourceArg,
    handle_errors,
    load_settings,
    mapping_flags,
    spark_options,
)


@app.command()
def ui(
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
    engine: EngineOpt = None,
    like: LikeOpt = None,
    clv: ClvOpt = None,
    horizon: HorizonOpt = None,
    discount_rate: DiscountRateOpt = None,
    holdout_end: HoldoutEndOpt = None,
    no_mouse: Annotated[
        bool,
        typer.Option(
            "--no-mouse",
            help="Do not capture the mouse (keyboard only; lets the "
            "terminal select text, e.g. over SSH).",
        ),
    ] = False,
) -> None:
    """Open the interactive segmentation workbench (reads and segments as `run` does)."""
    with handle_errors():
        if spark_options(engine, None, None, None) is not None:
            from segtui.engine.errors import OptionError

            # The workbench browses the raw tables and re-clusters in place: one machine.
            raise OptionError(
                "the workbench runs on the polars engine",
                hint="use `segtui run --engine spark` for Spark",
            )
        settings, _ = load_settings(
            source,
            config,
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
            mapping=mapping_flags(locals()),
            like=like,
            clv=clv,
            horizon=horizon,
            discount_rate=discount_rate,
            holdout_end=holdout_end,
        )
        check_terminal()
        from segtui.engine.output.inputs import command_inputs
        from segtui.engine.output.plan import plan_outputs

        plan_outputs([], inputs=command_inputs(settings, config=config))  # FIFO, device: refused
        if settings.source is not None and not settings.source.exists():
            from segtui.engine.errors import InputError

            raise InputError("no such file or folder", file=settings.source)
        from segtui.settings_file import find_config
        from segtui.tui.app import SegtuiApp

        # The header names a settings file that was applied (./segtui.toml is silent).
        applied = find_config(config)
        from segtui.cli.exiting import default_signals

        with default_signals():  # Textual restores the terminal itself (see exiting.py)
            SegtuiApp(settings, config_file=applied).run(mouse=not no_mouse)


def check_terminal() -> None:
    """The workbench draws on a terminal and reads keys from one: without both (stdin
    from /dev/null, stdout to a file, cron, CI) it would write escape codes into the file
    and wait forever, so it refuses with one line instead. Under textual-serve (which sets
    TEXTUAL_DRIVER to Textual's web driver) the pipes are the browser's terminal."""
    import os
    import sys

    from segtui.engine.errors import OptionError

    if os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver"):
        return  # `segtui serve`: textual-serve speaks Textual's web protocol over the pipes

    def is_tty(stream: object) -> bool:
        try:
            return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
        except (OSError, ValueError):
            return False

    missing = [name for name, s in (("stdin", sys.stdin), ("stdout", sys.stdout)) if not is_tty(s)]
    if missing:
        raise OptionError(
            f"segtui ui needs a terminal, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not one",
            hint="run it in a terminal, or use segtui run for files and scripts",
        )
