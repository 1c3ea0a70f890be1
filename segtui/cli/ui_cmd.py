"""``segtui ui``: the Textual workbench (imported only when the command runs)."""

from __future__ import annotations

from segtui.cli import app
from segtui.cli.common import (
    AsOfOpt,
    CatWeightOpt,
    FeaturesOpt,
    KOpt,
    LogOpt,
    NInitOpt,
    ScalingOpt,
    SeedOpt,
    SourceArg,
    build_settings,
    handle_errors,
)
from segtui.config import DEFAULT_K, DEFAULT_N_INIT, DEFAULT_SEED


@app.command()
def ui(
    source: SourceArg = None,
    k: KOpt = DEFAULT_K,
    features: FeaturesOpt = None,
    scaling: ScalingOpt = "standard",
    log: LogOpt = False,
    seed: SeedOpt = DEFAULT_SEED,
    n_init: NInitOpt = DEFAULT_N_INIT,
    as_of: AsOfOpt = None,
    categorical_weight: CatWeightOpt = "1",
) -> None:
    """Open the interactive segmentation workbench."""
    with handle_errors():
        settings = build_settings(
            source,
            k=k,
            features=features,
            scaling=scaling,
            log=log,
            seed=seed,
            n_init=n_init,
            as_of=as_of,
            categorical_weight=categorical_weight,
        )
        from segtui.tui.app import SegtuiApp

        SegtuiApp(settings).run()
