"""Customer value for one source at one as-of date: fit BG/NBD and Gamma-Gamma on the
purchase histories, then predict per customer P(alive), expected purchases and order value
over the horizon, CLV and the lifecycle stage. Returns plain data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from segtui.config import CLV_STEP_DAYS, LAPSE_GAP_MULTIPLE, MIN_REPEAT_CUSTOMERS, Settings
from segtui.engine.errors import InputError
from segtui.engine.io.tables import Tables
from segtui.engine.timing import timed
from segtui.engine.value import bgnbd, gamma_gamma, lifecycle
from segtui.engine.value.dense import calibration_from_rows
from segtui.engine.value.fitting import IMPROVEMENT_TOLERANCE, Fit, distinct_rows
from segtui.engine.value.holdout import holdout_warning, tracking
from segtui.engine.value.summary import (
    DAYS_PER_UNIT,
    ROW_HASH,
    TIME_UNIT,
    calibration_summary,
    finish_calibration,
    holdout_days,
)

# |correlation| of average spend with repeat purchases above which a warning says the
# Gamma-Gamma independence assumption is doubtful (the paper saw 0.11 on CDNOW).
SPEND_CORRELATION_WARNING = 0.3
# The limits a fit at the edge of its search range usually means, in words.
MODEL_LIMITS = {
    "BG/NBD": "e.g. a, b near 0: each customer either drops out after a purchase or never",
    "Gamma-Gamma": "e.g. p at its upper edge: every order of a customer worth the same",
}
VALUE_COLUMNS = ("p_alive", "expected_purchases", "expected_order_value", "clv", "stage")


@dataclass
class CustomerValue:
    """Per-customer predictions (``frame``: CustomerID + VALUE_COLUMNS, customers with a
    purchase before the as-of date only) and the model facts for the summary."""

    frame: pl.DataFrame
    facts: dict[str, Any]


Histories = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def histories(calibration: pl.DataFrame) -> Histories:
    """:func:`distinct_rows` of the calibration's (x, t_x, T): computed once and shared by
    the BG/NBD fit, the predictions and the holdout report."""
    return distinct_rows(
        calibration.get_column("x").to_numpy().astype(np.float64),
        calibration.get_column("t_x").to_numpy(),
        calibration.get_column("T").to_numpy(),
    )


def fit_models(
    calibration: pl.DataFrame,
    source: str,
    rows: Histories | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Fit, Fit, np.ndarray, np.ndarray]:
    """Fit BG/NBD on every customer and Gamma-Gamma on the repeat customers with positive
    spend. Returns both fits and the repeat customers' (x, m). Raises InputError when the
    data cannot support a fit, with the reason."""
    x = calibration.get_column("x").to_numpy()
    repeat = calibration.filter((pl.col("x") > 0) & (pl.col("m") > 0))
    if repeat.height < MIN_REPEAT_CUSTOMERS:
        raise InputError(
            f"too few repeat customers to fit the value models: {repeat.height} bought on "
            f"more than one day with a positive spend, at least {MIN_REPEAT_CUSTOMERS} needed",
            file=source,
            hint="use a later --as-of, or run without --clv",
        )
    with timed(timings, "value_bgnbd_fit"):
        bg = bgnbd.fit(
            x,
            calibration.get_column("t_x").to_numpy(),
            calibration.get_column("T").to_numpy(),
            rows if rows is not None else histories(calibration),
        )
    if not bg.usable:
        raise InputError(f"the BG/NBD fit of purchases failed ({bg.message})", file=source)
    rx = repeat.get_column("x").to_numpy().astype(np.float64)
    rm = repeat.get_column("m").to_numpy()
    with timed(timings, "value_gamma_gamma_fit"):
        gg = gamma_gamma.fit(rx, rm)
    if not gg.usable:
        raise InputError(f"the Gamma-Gamma fit of order values failed ({gg.message})", file=source)
    return bg, gg, rx, rm


def horizon_steps(horizon_days: int) -> list[float]:
    """The times (days) at which expected purchases are discounted: every CLV_STEP_DAYS and
    the horizon itself."""
    steps = math.ceil(horizon_days / CLV_STEP_DAYS)
    return [float(min(k * CLV_STEP_DAYS, horizon_days)) for k in range(1, steps + 1)]


def predict(
    bg: dict[str, float],
    gg: dict[str, float],
    calibration: pl.DataFrame,
    horizon_days: int,
    discount_rate: float,
    population_value: float,
    rows: Histories | None = None,
) -> dict[str, np.ndarray]:
    """P(alive), expected purchases over the horizon, expected order value and CLV per
    calibration row. CLV = sum over steps of (expected purchases in the step) x expected
    order value / (1 + annual rate) ^ (step end in years). ``rows``: :func:`histories`."""
    x = calibration.get_column("x").to_numpy().astype(np.float64)
    ux, ut, uT, _, index = rows if rows is not None else histories(calibration)
    cumulative = np.zeros(ux.size)
    discounted = np.zeros(ux.size)
    for day in horizon_steps(horizon_days):
        now = bgnbd.expected_purchases(bg, day / DAYS_PER_UNIT, ux, ut, uT)
        # the expectation cannot decrease with time; guard against rounding in hyp2f1
        now = np.maximum(now, cumulative)
        discounted += (now - cumulative) / (1 + discount_rate) ** (day / 365.0)
        cumulative = now
    m = calibration.get_column("m").fill_null(0.0).to_numpy()
    order_value = gamma_gamma.expected_order_value(gg, x, np.where(m > 0, m, 0.0), population_value)
    return {
        "p_alive": bgnbd.p_alive(bg, ux, ut, uT)[index],
        "expected_purchases": cumulative[index],
        "expected_order_value": order_value,
        "clv": discounted[index] * order_value,
    }


def calibration_frame(
    tables: Tables,
    as_of: dt.date,
    collected: pl.DataFrame | None,
    ids: pl.Series | None,
) -> pl.DataFrame:
    """The calibration table (``summary.finish_calibration``) from what the features step
    collected, or from a pass over the transactions when it collected nothing usable."""
    if collected is not None and ROW_HASH in collected.columns:
        grouped = calibration_from_rows(collected, ids) if ids is not None else None
        collected = grouped  # None: ids repeat a hash; the exact grouped pass decides
    if collected is None:
        return calibration_summary(tables, as_of)
    return finish_calibration(collected, as_of)


@dataclass
class Modelled:
    """The fitted models and per-customer predictions of :func:`model_value`: everything
    of the value step that needs neither the segments nor their typical gap."""

    calibration: pl.DataFrame
    bg: Fit
    gg: Fit
    rx: np.ndarray
    rm: np.ndarray
    population: float
    population_source: str
    values: dict[str, np.ndarray]
    holdout: dict[str, Any] | None


def model_value(
    tables: Tables,
    as_of: dt.date,
    settings: Settings,
    timings: dict[str, float] | None = None,
    collected: pl.DataFrame | None = None,
    ids: pl.Series | None = None,
) -> Modelled:
    """Fit the models on the purchases before ``as_of`` and predict for every customer
    who bought before it (and the holdout report when ``settings.holdout_end`` is set).
    ``timings`` (when given) receives the seconds of each part (keys ``value_*``).
    ``collected``: what the features step collected for the models
    (``load.value_side_query``): the grouped ``summary.calibration_query``, or the
    purchase rows, reduced here with the run's customer ``ids``. Needs no clustering, so
    ``pipeline.run`` runs it beside the clustering."""
    with timed(timings, "value_calibration"):
        calibration = calibration_frame(tables, as_of, collected, ids)
    with timed(timings, "value_histories"):
        rows = histories(calibration)
    bg, gg, rx, rm = fit_models(calibration, tables.label, rows, timings)
    population, population_source = gamma_gamma.population_order_value(gg.params, rm)
    with timed(timings, "value_predictions"):
        values = predict(
            bg.params,
            gg.params,
            calibration,
            settings.horizon_days,
            settings.discount_rate,
            population,
            rows,
        )
    holdout = None
    if settings.holdout_end is not None:
        with timed(timings, "value_holdout_pass"):
            held, data_end = holdout_days(tables, as_of, settings.holdout_end)
        with timed(timings, "value_holdout"):
            end = settings.holdout_end
            holdout = tracking(bg.params, calibration, held, as_of, end, rows, data_end)
    return Modelled(calibration, bg, gg, rx, rm, population, population_source, values, holdout)


def customer_value(
    tables: Tables,
    as_of: dt.date,
    settings: Settings,
    typical_gap: float,
    timings: dict[str, float] | None = None,
    collected: pl.DataFrame | None = None,
    ids: pl.Series | None = None,
    modelled: Modelled | None = None,
) -> CustomerValue:
    """The value columns (with the lifecycle stages, which need the segments' typical
    gap) and the model facts, from ``modelled`` or a :func:`model_value` run now with
    the same arguments. Returns the :class:`CustomerValue`."""
    if modelled is None:
        modelled = model_value(tables, as_of, settings, timings, collected, ids)
    calibration, bg, gg = modelled.calibration, modelled.bg, modelled.gg
    rx, rm, values = modelled.rx, modelled.rm, modelled.values
    population, population_source = modelled.population, modelled.population_source
    first = calibration.get_column("first_purchase_day")
    last = calibration.get_column("last_purchase_day")
    # The segments' activity rule's gap (segments/tiers.py): one G for stages and activity,
    # so a segment's activity agrees with its members' stages (docs/value.md).
    gap = typical_gap
    previous = calibration.get_column("previous_purchase_day")
    with timed(timings, "value_stages"):
        stage = lifecycle.stages(first, last, previous, values["p_alive"], as_of, gap)
        frame = calibration.select("CustomerID").with_columns(
            *(pl.Series(name, values[name]) for name in VALUE_COLUMNS[:-1]), stage
        )
    n_repeat = int((calibration.get_column("x") > 0).sum())
    correlation = gamma_gamma.spend_frequency_correlation(rx, rm)
    facts: dict[str, Any] = {
        "params": {
            "bgnbd": {k: round(v, 6) for k, v in bg.params.items()},
            "gamma_gamma": {k: round(v, 6) for k, v in gg.params.items()},
        },
        "time_unit": TIME_UNIT,
        "observation_end": (as_of - dt.timedelta(days=1)).isoformat(),
        "horizon_days": settings.horizon_days,
        "discount_rate": settings.discount_rate,
        "log_likelihood": {
            "bgnbd": bg.to_dict()["log_likelihood"],
            "gamma_gamma": gg.to_dict()["log_likelihood"],
        },
        "converged": bg.converged and gg.converged,
        "fits": {"bgnbd": bg.to_dict(), "gamma_gamma": gg.to_dict()},
        "n_customers_fitted": calibration.height,
        "n_repeat": n_repeat,
        "n_one_time": calibration.height - n_repeat,
        "n_repeat_used_for_order_value": int(rx.size),
        "spend_frequency_correlation": round(correlation, 4),
        "population_order_value": round(population, 4),
        "population_order_value_from": population_source,
        "total_expected_purchases": round(float(values["expected_purchases"].sum()), 2),
        "total_clv": round(float(values["clv"].sum()), 2),
        "no_purchases": "customers without a purchase before the as-of date have empty "
        "p_alive, expected_purchases, expected_order_value, clv and stage",
        "lifecycle": {
            "typical_gap_days": round(gap, 2),
            "lapse_threshold_days": round(gap * LAPSE_GAP_MULTIPLE, 2),
            "rules": lifecycle.rules(gap),
            "counts": {s: int((stage == s).sum()) for s in lifecycle.STAGES},
        },
        "holdout": modelled.holdout,
    }
    x = calibration.get_column("x").to_numpy()
    check = lifecycle.p_alive_check(values["p_alive"], x, stage, bg.params, bg.at_bound)
    facts["p_alive"] = check
    facts["verdict"] = fit_verdict(bg.converged and gg.converged, check["informative"])
    facts["warnings"] = fit_warnings(bg, gg, correlation, population_source)
    if warning := lifecycle.p_alive_warning(check):
        facts["warnings"].insert(0, warning)
    if modelled.holdout is not None and (short := holdout_warning(modelled.holdout)):
        facts["warnings"].append(short)
    return CustomerValue(frame=frame, facts=facts)


def fit_verdict(converged: bool, informative: bool) -> str:
    """The fits in a few words for every face: "fits converged", "fits converged, but
    P(alive) is nearly constant" or "fits NOT converged"."""
    if not converged:
        return "fits NOT converged"
    return "fits converged" if informative else "fits converged, but P(alive) is nearly constant"


def fit_warnings(bg: Fit, gg: Fit, correlation: float, population_source: str) -> list[str]:
    """What an analyst should know before trusting the predictions, in words."""
    warnings = []
    for name, fit in (("BG/NBD", bg), ("Gamma-Gamma", gg)):
        if not fit.converged:
            left = (
                f"its log-likelihood could still rise by {fit.improvement_left:.3g}"
                if np.isfinite(fit.improvement_left)
                else "it stopped where the likelihood is not at a maximum"
            )
            warnings.append(
                f"The {name} fit did not converge: {left} (converged means less than "
                f"{IMPROVEMENT_TOLERANCE}) after {fit.iterations} iterations ({fit.message});"
                " treat its predictions with care."
            )
        if fit.at_bound:
            warnings.append(
                f"{name} parameter(s) {', '.join(fit.at_bound)} at the edge of the search "
                f"range: the data fit a limit of the model best ({MODEL_LIMITS[name]}); "
                "the predictions are that limit's."
            )
    if np.isfinite(correlation) and abs(correlation) >= SPEND_CORRELATION_WARNING:
        warnings.append(
            f"Average spend and number of repeat purchases are correlated ({correlation:.2f}):"
            " the Gamma-Gamma model assumes they are independent, so expected order values "
            "are less reliable."
        )
    if population_source == "observed":
        warnings.append(
            "Order values are too heavy-tailed for the Gamma-Gamma population mean (q <= 1): "
            "one-time customers get the observed mean spend per repeat purchase instead."
        )
    return warnings
