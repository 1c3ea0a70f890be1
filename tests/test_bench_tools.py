"""The performance bench's pure parts: the shaped-data generator and the phase arithmetic.

Timings themselves are measured in bench/, never here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


make_shaped = _load("make_shaped")
perf_report = _load("perf_report")


@pytest.fixture(scope="module")
def pareto(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pareto")
    return make_shaped.make(folder, "pareto", 4000, 40_000, ["csv", "parquet"], seed=3)["csv"]


@pytest.fixture(scope="module")
def uniform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("uniform")
    return make_shaped.make(folder, "uniform", 4000, 40_000, ["csv"], seed=3)["csv"]


def _tx(folder: Path) -> pl.DataFrame:
    return pl.read_csv(folder / "Transactions.csv", infer_schema=False)


def _top_fifth_share(folder: Path) -> float:
    counts = np.sort(_tx(folder).group_by("CustomerID").len()["len"].to_numpy())[::-1]
    return float(counts[: len(counts) // 5].sum() / counts.sum())


def test_pareto_activity_has_a_heavy_tail(pareto: Path) -> None:
    assert _top_fifth_share(pareto) > 0.6


def test_uniform_activity_has_no_heavy_tail(uniform: Path) -> None:
    assert _top_fifth_share(uniform) < 0.35


def test_pareto_leaves_about_five_percent_without_transactions(pareto: Path) -> None:
    customers = pl.read_csv(pareto / "Customers.csv", infer_schema=False)["CustomerID"]
    buyers = set(_tx(pareto)["CustomerID"].to_list())
    without = sum(1 for c in customers.to_list() if c not in buyers)
    assert 0.035 < without / customers.len() < 0.065


def test_pareto_transaction_ids_are_distinct_and_shuffled(pareto: Path) -> None:
    ids = _tx(pareto)["TransactionID"]
    assert ids.n_unique() == ids.len() == 40_000
    assert not ids.is_sorted()


def test_uniform_transaction_ids_follow_row_order(uniform: Path) -> None:
    ids = _tx(uniform)["TransactionID"]
    assert ids.is_sorted() and ids.n_unique() == ids.len()


def test_pareto_customer_ids_are_not_sequential(pareto: Path) -> None:
    ids = pl.read_csv(pareto / "Customers.csv", infer_schema=False)["CustomerID"]
    assert ids.n_unique() == 4000
    assert not ids.is_sorted()
    assert set(_tx(pareto)["CustomerID"].unique().to_list()) <= set(ids.to_list())


def test_transactions_are_written_in_date_order_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(make_shaped, "CHUNK_ROWS", 3000)
    folder = make_shaped.make(tmp_path, "pareto", 1000, 10_000, ["csv"], seed=5)["csv"]
    tx = _tx(folder)
    assert tx.height == 10_000
    assert tx["TransactionDate"].is_sorted()
    assert tx["TransactionID"].n_unique() == 10_000


def test_scrambled_numbers_are_distinct_for_a_count_not_a_power_of_two() -> None:
    numbers = make_shaped.scrambled(np.arange(1000), 1000, make_shaped._ID_MULT)
    assert np.unique(numbers).shape[0] == 1000
    assert int(numbers.max()) < 1024


def test_parquet_copy_stores_typed_dates_with_the_same_rows(pareto: Path) -> None:
    parquet = pl.read_parquet(pareto.parent / "parquet" / "Transactions.parquet")
    assert parquet.schema["TransactionDate"] == pl.Datetime("us")
    assert parquet.height == 40_000
    assert parquet["TransactionID"].to_list() == _tx(pareto)["TransactionID"].to_list()


def test_segtui_reads_the_generated_layout(pareto: Path) -> None:
    from segtui.config import Settings
    from segtui.engine.features.load import load_features

    _tables, table = load_features(Settings(source=pareto))
    quality = table.data_quality
    buyers = _tx(pareto)["CustomerID"].n_unique()
    assert quality["transaction_rows"] == 40_000
    assert quality["customers"] == 4000
    assert quality["customers_without_transactions"] == 4000 - buyers


def _call(step: str, start: float, end: float, thread: str = "MainThread", **extra: float):
    return {"step": step, "thread": thread, "start": start, "end": end, **extra}


def _report() -> dict:
    cpu = {"cpu_start": 0.0, "cpu_end": 0.0}
    return {
        "calls": [
            _call("inspect", 0.5, 0.7, **cpu),
            _call("features", 0.7, 6.0, preload_cpu_start=0.2, **cpu),
            _call("join", 4.0, 4.5, preload_cpu_start=0.9, **cpu),
            _call("kmeans", 7.0, 7.5, "segtui-scores_0", **cpu),
            _call("kmeans", 6.5, 7.0, **cpu),
            _call("write", 8.0, 8.25, **cpu),
        ],
        "preload": {"start": 0.5, "end": 3.0, "cpu_end": 1.1},
        "rss": [(1.0, 300.0), (3.9, 800.0), (4.2, 950.0), (8.1, 400.0)],
        "missing": ["segtui.engine.cluster_run.profile"],
        "end": 8.5,
    }


def test_phases_split_the_run_at_the_customers_join() -> None:
    got = perf_report.phases(_report(), wall=9.0)
    assert got["aggregation"] == pytest.approx(3.3)
    assert got["post_aggregation"] == pytest.approx(4.25)
    assert got["customers"] == pytest.approx(2.0)
    assert got["exit"] == pytest.approx(0.5)


def test_phases_take_kmeans_from_the_main_thread_not_the_stability_check() -> None:
    assert perf_report.phases(_report(), wall=9.0)["kmeans"] == pytest.approx(0.5)


def test_phases_count_preload_cpu_inside_the_aggregation_window() -> None:
    got = perf_report.phases(_report(), wall=9.0)
    assert got["preload_cpu_in_aggregation"] == pytest.approx(0.7)
    assert got["preload_cpu_total"] == pytest.approx(1.1)


def test_phases_report_a_missing_hook_as_none() -> None:
    got = perf_report.phases(_report(), wall=9.0)
    assert got["scoring"] is None and got["clustering"] is None


def test_phases_take_peak_rss_per_step() -> None:
    rss = perf_report.phases(_report(), wall=9.0)["rss_by_step"]
    assert rss["read+aggregation"] == 800.0
    assert rss["customers"] == 950.0
    assert rss["write"] == 400.0


@pytest.mark.slow
def test_bench_clv_reports_the_ratio_and_the_value_step_parts(tmp_path):
    # bench_clv.py end to end on a small planted sample: both runs succeed, the ratio is
    # the medians' ratio, and the parts of the value step (run beside the clustering or
    # after it) are all named.
    import re
    import subprocess

    out = tmp_path / "clv.txt"
    subprocess.run(
        [sys.executable, str(BENCH / "bench_clv.py"), "--customers", "400",
         "--transactions", "6000", "--repeats", "1", "--out", str(out)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    text = out.read_text()
    plain = float(re.search(r"^run: +median ([0-9.]+) s", text, re.M).group(1))
    value = float(re.search(r"^run --clv: +median ([0-9.]+) s", text, re.M).group(1))
    added = int(re.search(r"--clv adds ([+-][0-9]+)%", text).group(1))
    assert abs(added - (value / plain - 1) * 100) <= 1  # the medians are printed rounded
    parts = re.search(r"^value step by part .*: (.*)$", text, re.M).group(1)
    names = {part.rsplit(" ", 1)[0] for part in parts.split(", ")}
    assert {"calibration", "bgnbd_fit", "gamma_gamma_fit", "stages", "attach"} <= names
    assert "fit bgnbd:" in text and "fit gamma_gamma:" in text
