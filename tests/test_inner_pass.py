"""--k auto's inner split read in the run's own pass over the file (issue 32): the features
at the inner cut and the next weeks' spend are aggregated in the first group-by, so the
file is read once; the figures equal those of the inner split's own pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from order_logs import RETAIL_NAMES, make_lines, write_log

from segtui.config import Settings
from segtui.engine.backtest.future import next_period
from segtui.engine.clustering import inner_split as inner_module
from segtui.engine.features.compute import compute_features
from segtui.engine.features.load import load_features

AS_OF = dt.date(2024, 10, 1)
RICH = (
    "recency_days,frequency,total_spend,avg_transaction_value,total_quantity,"
    "distinct_products,distinct_categories,category_shares"
).split(",")


def _bounded_lines() -> list[dict[str, object]]:
    """``make_lines``' log with a purchase on its first and on its last day (the date
    column's range is then the purchases' range, from which the cut is planned)."""
    lines = make_lines(seed=11, customers=40, orders=400)
    start, end = min(x["date"] for x in lines), max(x["date"] for x in lines)
    buyer = next(x for x in lines if x["customer"] is not None and x["quantity"] > 0)
    return [dict(buyer, date=start), *lines, dict(buyer, order="199999", date=end)]


def _no_second_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the inner split read the file a second time")

    monkeypatch.setattr(inner_module, "compute_features", refuse)
    monkeypatch.setattr("segtui.engine.backtest.future.next_period", refuse)
    monkeypatch.setattr("segtui.engine.backtest.future.next_period_query", refuse)


def _same_split(one, two) -> None:  # type: ignore[no-untyped-def]
    assert one is not None and two is not None
    assert (one.cut, one.horizon_days) == (two.cut, two.horizon_days)
    np.testing.assert_array_equal(one.matrix, two.matrix)
    np.testing.assert_array_equal(one.next_log_spend, two.next_log_spend)


def test_the_inner_split_needs_no_second_pass_over_the_file(
    zeotap_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(source=zeotap_dir, k="auto", as_of=AS_OF)
    tables, table = load_features(settings)
    own_pass = inner_module.inner_split(tables, load_features(settings, inner=False)[1], settings)
    assert table.inner_pass is not None
    _no_second_pass(monkeypatch)
    _same_split(inner_module.inner_split(tables, table, settings), own_pass)
    assert table.inner_pass is None  # its frames are let go once used


def test_a_fixed_k_run_aggregates_the_inner_figures_and_rfm_none(zeotap_dir: Path) -> None:
    # --k N needs the split too: the activity rule learns its states there.
    fixed = load_features(Settings(source=zeotap_dir, k=4))[1].inner_pass
    auto = load_features(Settings(source=zeotap_dir))[1].inner_pass
    assert fixed is not None and auto is not None
    assert (fixed.cut, fixed.horizon_days) == (auto.cut, auto.horizon_days)
    assert fixed.table.frame.equals(auto.table.frame)
    # The group-by gives its rows in no fixed order; the split joins them by CustomerID.
    assert fixed.future.sort("CustomerID").equals(auto.future.sort("CustomerID"))
    assert load_features(Settings(source=zeotap_dir, method="rfm"))[1].inner_pass is None


@pytest.mark.parametrize("features", [None, RICH], ids=["default", "rich"])
def test_the_inner_figures_equal_a_pass_of_their_own_on_a_log_with_returns(
    tmp_path: Path, features: list[str] | None
) -> None:
    # Repeated order ids (frequency counts distinct orders), cancelled orders, a zero-price
    # line, lines without a customer and a customer with only a return.
    log = write_log(tmp_path / "orders.csv", _bounded_lines(), RETAIL_NAMES)
    settings = Settings(source=log, k="auto", **({"features": tuple(features)} if features else {}))
    tables, table = load_features(settings)
    kept = table.inner_pass
    assert kept is not None
    alone = compute_features(tables, kept.table.features, kept.cut)
    assert kept.table.frame.equals(alone.frame)
    assert kept.table.as_of == alone.as_of == kept.cut
    future, _end = next_period(tables, kept.cut, kept.horizon_days)
    spent = dict(zip(future["CustomerID"], future["next_spend"], strict=True))
    expected = [spent.get(c, 0.0) for c in kept.future["CustomerID"]]
    assert kept.future["next_spend"].to_list() == expected
    assert set(spent) <= set(kept.future["CustomerID"])
    # Bought again: a purchase line, not a return, as the backtest's purchase days count.
    days = dict(zip(future["CustomerID"], future["next_purchase_days"], strict=True))
    bought = [days.get(c, 0) > 0 for c in kept.future["CustomerID"]]
    assert kept.future["next_bought"].to_list() == bought


def test_a_cut_planned_from_a_line_without_customer_is_read_in_a_pass_of_its_own(
    tmp_path: Path,
) -> None:
    # The date column starts a year before the first purchase (a line without a customer):
    # the planned window is wrong, so the run's figures are dropped and the split is the
    # one of its own pass.
    lines = make_lines(seed=11, customers=40, orders=400)
    early = dict(lines[-2], date=dt.datetime(2023, 1, 2, 10, 0))
    assert early["customer"] is None
    log = write_log(tmp_path / "orders.csv", [*lines, early], RETAIL_NAMES)
    settings = Settings(source=log, k="auto")
    tables, table = load_features(settings)
    assert table.inner_pass is None
    split = inner_module.inner_split(tables, table, settings)
    assert split is not None
    first = min(line["date"] for line in lines if line["customer"] is not None).date()
    assert split.horizon_days == min(90, (table.as_of - first).days // 4)


def test_the_date_range_the_cut_is_planned_from_covers_every_line(zeotap_dir: Path) -> None:
    # Read as text (ISO dates sort as text) and only the two ends parsed.
    from segtui.engine.features.inner_pass import date_range, sorts_as_text
    from segtui.engine.io.sources import load_source

    tables = load_source(zeotap_dir)
    assert sorts_as_text(tables.files["transactions"].date_formats["TransactionDate"])
    dates = (
        pl.read_csv(zeotap_dir / "Transactions.csv")
        .get_column("TransactionDate")
        .str.to_datetime("%Y-%m-%d %H:%M:%S")
    )
    assert date_range(tables) == (dates.min(), dates.max())
    assert not sorts_as_text("%d/%m/%Y %H:%M") and not sorts_as_text("%Y-%m-%dT%H:%M:%S%z")


def test_a_date_column_unreadable_as_text_is_read_parsed(
    zeotap_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segtui.engine.features import inner_pass
    from segtui.engine.io import tables as io_tables
    from segtui.engine.io.sources import load_source

    tables = load_source(zeotap_dir)
    expected = inner_pass.date_range(tables)

    def unreadable(_spec: object) -> pl.LazyFrame:
        raise pl.exceptions.ComputeError("no text reader")

    monkeypatch.setattr(io_tables, "text_frame", unreadable)
    assert inner_pass.date_range(tables) == expected


# The batched path (files above resources.BATCH_ABOVE_BYTES; 1e8 lines) folds the inner
# figures into its batches instead of a second pass over the file (issue 32: that pass
# held 6 GiB at 1e8 lines). Forced here with batches small enough to split orders and
# customers across them.
QUANTITIES = (
    "recency_days,frequency,total_spend,avg_transaction_value,total_quantity,avg_quantity"
).split(",")


def _lines_with_a_returner() -> list[dict[str, object]]:
    """``_bounded_lines`` and customer 00777, whose only line (before the cut) is a return."""
    lines = _bounded_lines()
    source = next(x for x in lines if x["customer"] is not None and x["quantity"] > 0)
    when = dt.datetime(2024, 3, 1, 12, 0)
    returned = dict(source, order="C399999", customer="00777", date=when)
    returned.update(quantity=-1, amount=-float(source["price"]))  # type: ignore[arg-type]
    return [*lines, returned]


@pytest.fixture
def batched(monkeypatch: pytest.MonkeyPatch, batched_used: list[bool]) -> list[bool]:
    """Forces the batched path; records whether each feature pass took it."""
    from segtui.engine.features import batches
    from segtui.engine.io import resources

    monkeypatch.setattr(resources, "BATCH_ABOVE_BYTES", {"csv": 0, "parquet": 0})
    monkeypatch.setattr(batches, "BATCH_ROWS", 97)
    return batched_used


def _one_shot_then_batched(
    settings: Settings, batched: list[bool], monkeypatch: pytest.MonkeyPatch
):  # type: ignore[no-untyped-def]
    """The features with their inner figures on the one-shot path, then on the batched
    path (the fixture's thresholds undone for the first)."""
    from segtui.engine.features import batches
    from segtui.engine.io import resources

    with monkeypatch.context() as plain_size:
        plain_size.setattr(resources, "BATCH_ABOVE_BYTES", {"csv": 10**12, "parquet": 10**12})
        plain_size.setattr(batches, "BATCH_ROWS", 10**6)
        one_shot = load_features(settings)[1]
    assert batched == []  # the one-shot pass did not batch
    tables, table = load_features(settings)
    assert batched == [True]
    return tables, one_shot, table


def _same_inner_pass(one, two) -> None:  # type: ignore[no-untyped-def]
    assert one is not None and two is not None
    assert (one.cut, one.horizon_days) == (two.cut, two.horizon_days)
    assert one.table.frame.equals(two.table.frame)
    assert one.table.data_quality == two.table.data_quality
    assert one.table.warnings == two.table.warnings
    assert one.table.as_of == two.table.as_of
    # Both group-bys give their rows in no fixed order; the split joins them by id.
    assert one.future.sort("CustomerID").equals(two.future.sort("CustomerID"))


@pytest.mark.parametrize("features", [None, QUANTITIES], ids=["default", "quantities"])
def test_the_batched_path_folds_the_inner_figures_of_a_log_exactly(
    tmp_path: Path,
    batched: list[bool],
    monkeypatch: pytest.MonkeyPatch,
    features: list[str] | None,
) -> None:
    # Repeated order ids (frequency counts distinct orders, recounted over all batches),
    # cancellations, lines without a customer, a customer with only a return.
    log = write_log(tmp_path / "orders.csv", _lines_with_a_returner(), RETAIL_NAMES)
    chosen = {"features": tuple(features)} if features else {}
    settings = Settings(source=log, k="auto", **chosen)  # type: ignore[arg-type]
    tables, one_shot, table = _one_shot_then_batched(settings, batched, monkeypatch)
    assert table.frame.equals(one_shot.frame)
    _same_inner_pass(table.inner_pass, one_shot.inner_pass)
    assert table.inner_pass is not None
    inner = table.inner_pass.table.frame
    assert inner.filter(pl.col("CustomerID") == "00777")["has_purchases"].to_list() == [False]
    assert table.inner_pass.future["next_bought"].any()
    expected = inner_module.split_from(
        one_shot.inner_pass.table,  # type: ignore[union-attr]
        one_shot.inner_pass.future,  # type: ignore[union-attr]
        one_shot.inner_pass.cut,  # type: ignore[union-attr]
        one_shot.inner_pass.horizon_days,  # type: ignore[union-attr]
        settings,
    )
    _no_second_pass(monkeypatch)
    _same_split(inner_module.inner_split(tables, table, settings), expected)
    assert batched == [True]


def test_the_batched_path_folds_the_inner_figures_of_tables_with_scrambled_ids(
    tmp_path: Path, batched: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The performance bench's Pareto shape: a customers table with customers who never
    # buy, TransactionIDs out of order (overlapping batches: proved distinct by hash),
    # so frequency is the line count, summed over the batches.
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_shaped", root / "bench/make_shaped.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make(tmp_path, "pareto", 600, 6000, ["csv"], 5)
    settings = Settings(source=tmp_path / "csv", k="auto")
    joins: list[str] = []
    real_join = pl.DataFrame.join

    def join(self: pl.DataFrame, other: pl.DataFrame, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        joins.append(str(kwargs.get("how")))
        return real_join(self, other, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "join", join)
    tables, one_shot, table = _one_shot_then_batched(settings, batched, monkeypatch)
    # The one-shot tables join the customers table (a left join each; no anti join, as
    # every customer is in the table); the batched rows are already the table's, in its
    # order, so they are put beside it.
    assert joins == ["left"] * 2
    assert not table.frame["has_purchases"].all()
    assert table.frame.equals(one_shot.frame)
    assert table.ids_distinct and one_shot.ids_distinct
    _same_inner_pass(table.inner_pass, one_shot.inner_pass)
    _no_second_pass(monkeypatch)
    split = inner_module.inner_split(tables, table, settings)
    assert split is not None and split.matrix.shape[0] > 100


def test_a_default_run_writes_the_same_files_batched_or_in_one_pass(
    tmp_path: Path, batched: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from segtui.cli import app
    from segtui.engine.features import batches
    from segtui.engine.io import resources

    log = write_log(tmp_path / "orders.csv", _lines_with_a_returner(), RETAIL_NAMES)

    def run(name: str) -> dict[str, bytes]:
        out = tmp_path / name
        out.mkdir()
        args = ["run", str(log), "--out", str(out / "segments.csv")]
        result = CliRunner().invoke(app, [*args, "--summary", str(out / "summary.json"), "-q"])
        assert result.exit_code == 0, result.output
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}

    with monkeypatch.context() as plain_size:
        plain_size.setattr(resources, "BATCH_ABOVE_BYTES", {"csv": 10**12, "parquet": 10**12})
        plain_size.setattr(batches, "BATCH_ROWS", 10**6)
        one_shot = run("one_shot")
    _no_second_pass(monkeypatch)
    folded = run("batched")
    assert batched == [True]
    assert b'"recommended_k"' in folded["summary.json"]
    assert folded == one_shot


def test_distinct_counts_are_aggregated_in_one_pass_with_the_inner_figures(
    tmp_path: Path, batched: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # distinct_products cannot be added up across batches: the batched path gives way
    # to the one-shot group-by, which still carries the inner figures.
    log = write_log(tmp_path / "orders.csv", _lines_with_a_returner(), RETAIL_NAMES)
    settings = Settings(source=log, k="auto", features=tuple(RICH))
    tables, table = load_features(settings)
    assert batched == [False]
    assert table.inner_pass is not None
    _no_second_pass(monkeypatch)
    assert inner_module.inner_split(tables, table, settings) is not None
