"""``segtui ui``: the Textual workbench (imported only when the command runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from segtui.cli.app import app
from segtui.cli.common import (
    AmountColOpt,
    AsOfOpt,
    CategoryColOpt,
    CatWeightOpt,
    ConfigOpt,
    CustomerColOpt,
    CustomersFileOpt,
    DateColOpt,
    DateFormatOpt,
    DelimiterOpt,
    FeaturesOpt,
    KOpt,
    LogOpt,
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
)


@app.command()
def ui(
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
    no_mouse: Annotated[
        bool,
        typer.Option(
            "--no-mouse",
            help="Do not capture the mouse (keyboard only; lets the "
            "terminal select text, e.g. over SSH).",
        ),
    ] = False,
) -> None:
    """Open the interactive segmentation workbench."""
    with handle_errors():
        settings, _ = load_settings(
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
            returns=returns,
            mapping=mapping_flags(locals()),
        )
        from segtui.tui.app import SegtuiApp

        SegtuiApp(settings).run(mouse=not no_mouse)
