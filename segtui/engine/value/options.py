"""The --clv options' checks, before any data is read.

Kept apart from ``predict.py`` so that every run can check them without importing the
value models (SciPy's optimizers, the BG/NBD and Gamma-Gamma code): a run without
``--clv`` never needs them.
"""

from __future__ import annotations

from segtui.config import Settings
from segtui.engine.errors import OptionError


def check_options(settings: Settings) -> None:
    """Validate the --clv options before any data is read; raises OptionError."""
    if settings.holdout_end is not None and not settings.clv:
        raise OptionError("--holdout-end needs --clv")
    if not settings.clv:
        return
    if settings.horizon_days < 1:
        raise OptionError("--horizon must be at least 1 day", value=settings.horizon_days)
    if not 0 <= settings.discount_rate < 10:
        raise OptionError(
            "--discount-rate is an annual rate between 0 and 10 (0.1 = 10% a year)",
            value=settings.discount_rate,
        )
    if settings.holdout_end is not None:
        if settings.as_of is None:
            raise OptionError(
                "--holdout-end needs --as-of (the calibration period ends the day before it)"
            )
        if settings.holdout_end < settings.as_of:
            raise OptionError(
                f"--holdout-end must be on or after --as-of {settings.as_of}",
                value=settings.holdout_end.isoformat(),
            )
