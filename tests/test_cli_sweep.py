"""`segtui sweep` through Typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score
from typer.testing import CliRunner

from segtui.cli import app
from segtui.config import Settings
from segtui.engine.clustering.sweep import clustering_matrix
from segtui.engine.features.compute import compute_features
from segtui.engine.io.sources import load_source

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def zeotap_json(zeotap_dir) -> dict:
    result = invoke("sweep", str(zeotap_dir), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_sweep_prints_a_table_chart_and_recommendation(zeotap_dir):
    result = invoke("sweep", str(zeotap_dir), "--k-max", "5")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Davies-Bouldin" in out and "stability" in out and "inertia" in out
    assert "█" in out and "◀" in out
    assert "Recommended k =" in out


def test_json_has_exactly_the_documented_shape(zeotap_json):
    assert {"rows", "recommended_k", "rule"} <= set(zeotap_json)
    keys = {"k", "davies_bouldin", "silhouette", "calinski_harabasz", "inertia", "stability"}
    assert [row["k"] for row in zeotap_json["rows"]] == list(range(2, 11))
    assert all(keys <= set(row) for row in zeotap_json["rows"])
    assert zeotap_json["recommended_k"] in range(2, 11) and isinstance(zeotap_json["rule"], str)


def test_json_db_values_equal_sklearn_on_the_reference_data(zeotap_dir, zeotap_json):
    settings = Settings(source=zeotap_dir)
    X = clustering_matrix(compute_features(load_source(zeotap_dir), settings.features), settings)
    for row in zeotap_json["rows"]:
        labels = KMeans(row["k"], n_init=10, random_state=42).fit_predict(X)
        assert row["davies_bouldin"] == pytest.approx(davies_bouldin_score(X, labels), rel=1e-9)


def test_quiet_prints_nothing(zeotap_dir):
    result = invoke("sweep", str(zeotap_dir), "--k-max", "3", "--quiet")
    assert result.exit_code == 0 and result.stdout == ""


def test_feature_options_change_the_space(zeotap_dir):
    result = invoke(
        "sweep", str(zeotap_dir), "--k-max", "3", "--json", "-f", "total_spend,frequency"
    )
    assert json.loads(result.stdout)["features"] == ["total_spend", "frequency"]


def test_config_file_options_are_used(zeotap_dir, tmp_path):
    config = tmp_path / "segtui.toml"
    config.write_text('features = ["total_spend", "recency_days"]\nk = "auto"\n')
    result = invoke("sweep", str(zeotap_dir), "--k-max", "3", "--json", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["features"] == ["total_spend", "recency_days"]


def assert_user_error(result, needle: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr


def test_k_min_below_two_is_a_user_error(zeotap_dir):
    assert_user_error(invoke("sweep", str(zeotap_dir), "--k-min", "1"), "k-min must be at least 2")


def test_k_max_below_k_min_is_a_user_error(zeotap_dir):
    result = invoke("sweep", str(zeotap_dir), "--k-min", "6", "--k-max", "4")
    assert_user_error(result, "smaller than k-min")


def test_k_max_above_the_customers_is_a_user_error(zeotap_dir):
    assert_user_error(invoke("sweep", str(zeotap_dir), "--k-max", "500"), "199")


def test_unknown_feature_is_a_user_error(zeotap_dir):
    result = invoke("sweep", str(zeotap_dir), "-f", "total_spend,colour")
    assert_user_error(result, "colour")


def test_chart_bar_runs_from_one_cell_at_the_minimum_to_full_width():
    from segtui.cli.sweep_render import BAR_WIDTH, bar

    assert bar(1.0, 1.0, 2.0) == "█"
    assert bar(2.0, 1.0, 2.0) == "█" * BAR_WIDTH
    assert bar(float("nan"), 1.0, 2.0) == ""


def test_run_output_shows_the_auto_rule_stability_and_separation(zeotap_dir):
    result = invoke("run", str(zeotap_dir), "--k", "auto")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "k chosen automatically" in out and "stability of k = " in out
    assert "separating features" in out


def test_sweep_reads_a_single_log_with_mapping_flags(tmp_path):
    import json as _json

    from order_logs import make_lines, write_log
    from test_logfile import OWN_NAMES

    log = write_log(
        tmp_path / "orders.csv",
        make_lines(),
        OWN_NAMES,
        delimiter=";",
        date_format="%d/%m/%Y %H:%M",
    )
    args = [
        "sweep",
        str(log),
        "--k-max",
        "4",
        "--json",
        "--delimiter",
        ";",
        "--customer-col",
        "Kunde",
        "--date-col",
        "Datum",
        "--date-format",
        "%d/%m/%Y %H:%M",
        "--amount-col",
        "Betrag",
        "--quantity-col",
        "Menge",
        "--order-col",
        "Beleg",
        "--features",
        "total_spend,frequency,recency_days",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    data = _json.loads(result.stdout)
    assert [row["k"] for row in data["rows"]] == [2, 3, 4]
    bad = CliRunner().invoke(app, [*args[:-2], "--customer-col", "Nope"])
    assert bad.exit_code == 2 and "Nope" in bad.stderr
