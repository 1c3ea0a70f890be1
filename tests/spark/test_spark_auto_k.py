"""``--k auto`` on the Spark engine (issue 28 item 3): both paths choose k by the Polars
engine's rule, judged by the same inner time split, and the split reads nothing on or
after the as-of date.

The planted groups (1,000 customers, seed 7, G = 4) are where the paths used to part: by
Davies-Bouldin alone (the Spark engine's rule before it had an inner split) k = 2, by the
inner split k = 4.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest

from segtui.config import SWEEP_FIT_SAMPLE, Settings
from segtui.engine.clustering.inner_split import inner_split
from segtui.engine.clustering.space import fit_space
from segtui.engine.clustering.sweep import choose_k
from segtui.engine.features.load import load_features
from segtui.engine.pipeline import run

AS_OF = dt.date(2024, 10, 1)


@pytest.fixture(scope="module")
def auto_settings(planted_dir: Path) -> Settings:
    # The default run: no --k (auto), the default features and space.
    return Settings(source=planted_dir, n_init=2)


@pytest.fixture(scope="module")
def polars_auto(auto_settings):
    return run(auto_settings)


@pytest.fixture(scope="module")
def mllib_auto(spark, spark_options, auto_settings):
    from segtui.engine.spark.pipeline import run_spark

    return run_spark(auto_settings, dataclasses.replace(spark_options, driver_limit=0))


def test_the_planted_groups_tell_the_inner_split_rule_from_davies_bouldin_alone(
    auto_settings, polars_auto
):
    # What makes the parity tests below able to fail: without the split, another k.
    table = load_features(auto_settings)[1]
    clustered = table.frame.filter(table.frame.get_column("has_purchases"))
    space, _ = fit_space(
        clustered,
        table.features,
        scaling=auto_settings.scaling,
        log=auto_settings.log,
        categorical_weight=auto_settings.categorical_weight,
    )
    structure_k, _ = choose_k(space.transform(clustered), auto_settings, inner=None)
    assert (polars_auto.k, structure_k) == (4, 2)


def test_mllib_path_chooses_the_k_the_polars_engine_chooses(mllib_auto, polars_auto):
    assert mllib_auto.summary()["clustering_path"] == "Spark MLlib"
    assert mllib_auto.k == polars_auto.k == 4
    # The same sweep rows (inner eta squared included), rule sentence and sample sizes.
    assert mllib_auto.k_selection == polars_auto.k_selection
    selection = mllib_auto.k_selection
    assert selection["fit_sample_size"] == min(selection["n_clustered"], SWEEP_FIT_SAMPLE)
    assert "Inner split: fitted on the" in mllib_auto.summary()["k_selection"]["rule"]
    # The activity rule's states, learned from the same inner split (segments/tiers.py).
    rule = mllib_auto.diagnostics["segment_rule"]
    assert rule["repeat_model"]["model"] == "inner_split_states"
    assert rule == polars_auto.diagnostics["segment_rule"]
    assert [p.activity for p in mllib_auto.profiles] == [p.activity for p in polars_auto.profiles]


def test_driver_path_chooses_the_k_the_polars_engine_chooses(
    spark, spark_options, auto_settings, polars_auto
):
    from segtui.engine.spark.pipeline import run_spark

    driver = run_spark(auto_settings, spark_options)
    assert driver.summary()["clustering_path"] == "scikit-learn on the driver"
    assert driver.k == polars_auto.k
    assert driver.k_selection == polars_auto.k_selection
    assert driver.segments.equals(polars_auto.segments)


def test_mllib_auto_k_is_deterministic_for_a_seed(spark, spark_options, auto_settings, mllib_auto):
    from segtui.engine.spark.pipeline import run_spark

    again = run_spark(auto_settings, dataclasses.replace(spark_options, driver_limit=0))
    assert again.k == mllib_auto.k
    assert again.k_selection == mllib_auto.k_selection
    assert np.array_equal(again.labels, mllib_auto.labels)


def _spark_split(folder: Path, spark_options):
    from segtui.engine.spark.inner import inner_split_spark
    from segtui.engine.spark.pipeline import features_for

    settings = Settings(source=folder, k="auto", as_of=AS_OF)
    tables, features = features_for(settings, spark_options)
    features.frame.unpersist()
    return inner_split_spark(tables, features.table, settings)


def test_spark_inner_split_is_the_polars_engines(spark, spark_options, zeotap_dir):
    settings = Settings(source=zeotap_dir, k="auto", as_of=AS_OF)
    tables, table = load_features(settings)
    polars_split = inner_split(tables, table, settings)
    spark_split = _spark_split(zeotap_dir, spark_options)
    assert polars_split is not None and spark_split is not None
    assert (spark_split.cut, spark_split.horizon_days) == (polars_split.cut, 69)
    np.testing.assert_allclose(spark_split.matrix, polars_split.matrix, rtol=1e-12)
    np.testing.assert_allclose(spark_split.next_log_spend, polars_split.next_log_spend, rtol=1e-12)


def test_spark_inner_split_reads_nothing_after_the_as_of_date(
    spark, spark_options, zeotap_dir, tmp_path
):
    shutil.copytree(zeotap_dir, tmp_path / "data")
    before = _spark_split(tmp_path / "data", spark_options)
    # The customers who spent least in the inner weeks buy enormously after the as-of date.
    lines = [
        f"F{n:05d},C{n:04d},P067,2024-{10 + n % 3}-15 10:00:00,50,99999.0,1999.98"
        for n in range(1, 150)
    ]
    with (tmp_path / "data" / "Transactions.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    after = _spark_split(tmp_path / "data", spark_options)
    assert before is not None and after is not None
    np.testing.assert_array_equal(before.matrix, after.matrix)
    np.testing.assert_array_equal(before.next_log_spend, after.next_log_spend)
    assert np.count_nonzero(before.next_log_spend) > 0
