"""The public Python API: lazy import, in-memory sources read like files, same errors."""

from __future__ import annotations

import datetime as dt
import inspect
import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from order_logs import RETAIL_NAMES, make_lines, write_log

import segtui
from segtui.engine.errors import InputError, OptionError

KINDS = ("polars", "lazy", "pandas", "arrow")
KIND_NAMES = {
    "polars": "polars DataFrame",
    "lazy": "polars LazyFrame",
    "pandas": "pandas DataFrame",
    "arrow": "pyarrow Table",
}


def convert(frame: pl.DataFrame, kind: str) -> object:
    """``frame`` as the kind of in-memory table a notebook user would hold."""
    if kind == "polars":
        return frame
    if kind == "lazy":
        return frame.lazy()
    if kind == "pandas":
        return frame.to_pandas()
    return frame.to_arrow()


def reference_frames(folder: Path) -> dict[str, pl.DataFrame]:
    """The reference tables read with Polars' own type inference (numbers typed, dates
    parsed), as a notebook would load them."""
    return {
        name: pl.read_csv(folder / f"{name.title()}.csv", try_parse_dates=True)
        for name in ("transactions", "customers", "products")
    }


def log_frame() -> pl.DataFrame:
    """The generated order log as a typed frame (datetimes, ints, floats, nulls)."""
    lines = make_lines()
    return pl.DataFrame(
        {header: [line[key] for line in lines] for key, header in RETAIL_NAMES.items()}
    )


def test_importing_segtui_loads_neither_polars_nor_sklearn() -> None:
    code = (
        "import sys, segtui; "
        "print(sorted(m for m in ('polars', 'sklearn', 'numpy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_engine_never_imports_the_notebook_face() -> None:
    import ast

    engine = Path(segtui.__file__).parent / "engine"
    importers = []
    for module in sorted(engine.rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(n == "segtui.notebook" or n.startswith("segtui.notebook.") for n in names):
                importers.append(module.name)
    assert importers == []


def test_public_defaults_are_the_settings_defaults() -> None:
    import inspect

    from segtui.config import Settings

    params = inspect.signature(segtui.segment).parameters
    for name in ("k", "scaling", "log", "seed", "n_init", "categorical_weight", "returns", "rfm"):
        assert params[name].default == getattr(Settings, name), name


@pytest.mark.parametrize("kind", KINDS)
def test_reference_frames_give_byte_identical_segments_to_the_csv_folder(
    zeotap_dir: Path, tmp_path: Path, kind: str
) -> None:
    frames = {k: convert(v, kind) for k, v in reference_frames(zeotap_dir).items()}
    from_files = segtui.segment(zeotap_dir, progress=False)
    from_frames = segtui.segment(
        frames["transactions"],
        customers=frames["customers"],
        products=frames["products"],
        progress=False,
    )
    from_files.write(tmp_path / "files.csv")
    from_frames.write(tmp_path / "frames.csv")
    assert (tmp_path / "frames.csv").read_bytes() == (tmp_path / "files.csv").read_bytes()
    assert from_frames.metrics == from_files.metrics
    assert from_frames.source == f"<{KIND_NAMES[kind]}: transactions>"


@pytest.mark.parametrize("kind", KINDS)
def test_a_typed_log_frame_gives_byte_identical_segments_to_the_csv_log(
    tmp_path: Path, kind: str
) -> None:
    log = write_log(tmp_path / "orders.csv", make_lines(), RETAIL_NAMES)
    options = {"features": "total_spend,frequency,recency_days", "k": 3, "progress": False}
    from_file = segtui.segment(log, **options)
    from_frame = segtui.segment(convert(log_frame(), kind), **options)
    from_file.write(tmp_path / "file.csv")
    from_frame.write(tmp_path / "frame.csv")
    assert (tmp_path / "frame.csv").read_bytes() == (tmp_path / "file.csv").read_bytes()


def test_mapping_names_a_frame_column_as_for_a_file(tmp_path: Path) -> None:
    names = RETAIL_NAMES | {"customer": "Kunde", "date": "Wann"}
    log = write_log(tmp_path / "orders.csv", make_lines(), names)
    mapping = {"customer_col": "Kunde", "date_col": "Wann"}
    from_file = segtui.segment(log, mapping=mapping, k=3, progress=False)
    frame = log_frame().rename({"CustomerID": "Kunde", "InvoiceDate": "Wann"})
    from_frame = segtui.segment(frame, mapping=mapping, k=3, progress=False)
    assert from_frame.segments.equals(from_file.segments)
    assert from_frame.summary()["params"]["mapping"] == mapping


def test_a_customers_frame_beside_a_log_frame_is_the_customers_file(tmp_path: Path) -> None:
    log = write_log(tmp_path / "orders.csv", make_lines(), RETAIL_NAMES)
    customers = pl.DataFrame(
        {
            "CustomerID": [f"{n:05d}" for n in range(1, 32)],
            "Region": ["North", "South"] * 15 + ["East"],
        }
    )
    customers.write_csv(tmp_path / "customers.csv")
    from_files = segtui.segment(log, customers=tmp_path / "customers.csv", k=3, progress=False)
    from_frames = segtui.segment(log_frame(), customers=customers.to_pandas(), k=3, progress=False)
    assert "region" in from_frames.features
    assert from_frames.segments.equals(from_files.segments)
    # The temporary customers file is gone: the result does not point at it.
    assert "customers" not in from_frames.summary()["params"]["mapping"]


def test_a_bad_number_in_a_frame_is_named_like_the_same_cell_in_a_file(tmp_path: Path) -> None:
    frame = log_frame().with_columns(pl.col("UnitPrice").cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 6)
        .then(pl.lit("12,5x"))
        .otherwise(pl.col("UnitPrice"))
        .alias("UnitPrice")
    )
    frame.write_csv(tmp_path / "orders.csv")
    with pytest.raises(InputError) as from_file:
        segtui.segment(tmp_path / "orders.csv", progress=False)
    with pytest.raises(InputError) as from_frame:
        segtui.segment(frame.to_pandas(), progress=False)
    assert from_frame.value.file == "<pandas DataFrame: transactions>"
    assert (from_frame.value.column, from_frame.value.row) == ("UnitPrice", 7)
    assert (from_frame.value.column, from_frame.value.row, from_frame.value.message) == (
        from_file.value.column,
        from_file.value.row,
        from_file.value.message,
    )


def test_a_missing_column_error_names_the_frame_not_a_temporary_file(zeotap_dir: Path) -> None:
    frames = reference_frames(zeotap_dir)
    with pytest.raises(InputError) as caught:
        segtui.segment(
            frames["transactions"].drop("TotalValue"),
            customers=frames["customers"],
            products=frames["products"],
            progress=False,
        )
    assert caught.value.file == "<polars DataFrame: transactions>"
    assert caught.value.column == "TotalValue"
    assert "segtui-frames" not in str(caught.value)


def test_a_bad_option_raises_the_clis_option_error_before_reading() -> None:
    with pytest.raises(OptionError, match="k must be a whole number or 'auto'"):
        segtui.segment(pl.DataFrame({"x": [1]}), k="many", progress=False)
    with pytest.raises(OptionError, match="unknown mapping key 'customer'"):
        segtui.segment(pl.DataFrame({"x": [1]}), mapping={"customer": "x"}, progress=False)


def test_products_need_a_transactions_frame(zeotap_dir: Path) -> None:
    products = reference_frames(zeotap_dir)["products"]
    with pytest.raises(OptionError, match="need a transactions frame"):
        segtui.segment(zeotap_dir, products=products, progress=False)


def test_a_list_column_is_refused_with_its_name() -> None:
    frame = log_frame().with_columns(pl.concat_list("Quantity", "Quantity").alias("Pair"))
    with pytest.raises(InputError) as caught:
        segtui.segment(frame, progress=False)
    assert (caught.value.file, caught.value.column) == ("<polars DataFrame: transactions>", "Pair")


def test_temporary_files_are_removed_after_the_call(
    zeotap_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    segtui.segment(log_frame(), k=3, progress=False)
    with pytest.raises(InputError):
        segtui.segment(log_frame().drop("CustomerID"), progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ("polars", "pandas", "arrow"))
def test_sweep_of_frames_equals_sweep_of_files(zeotap_dir: Path, kind: str) -> None:
    frames = {k: convert(v, kind) for k, v in reference_frames(zeotap_dir).items()}
    from_files = segtui.sweep(zeotap_dir, k_min=2, k_max=4, progress=False)
    from_frames = segtui.sweep(
        frames["transactions"],
        customers=frames["customers"],
        products=frames["products"],
        k_min=2,
        k_max=4,
        progress=False,
    )
    assert from_frames.table.equals(from_files.table)
    assert from_frames.table["k"].to_list() == [2, 3, 4]
    assert from_frames.recommended_k == from_files.recommended_k


@pytest.mark.parametrize("kind", ("polars", "pandas", "arrow"))
def test_validate_of_a_frame_reports_the_files_findings(tmp_path: Path, kind: str) -> None:
    log = write_log(tmp_path / "orders.csv", make_lines(), RETAIL_NAMES)
    from_file = segtui.validate(log).to_dict()
    from_frame = segtui.validate(convert(log_frame(), kind)).to_dict()
    shown = f"<{'pyarrow Table' if kind == 'arrow' else kind + ' DataFrame'}: transactions>"
    assert from_frame["source"] == shown
    for finding in from_frame["findings"]:
        assert finding["file"] == shown
    strip = [{k: v for k, v in f.items() if k != "file"} for f in from_file["findings"]]
    assert [{k: v for k, v in f.items() if k != "file"} for f in from_frame["findings"]] == strip
    assert from_frame["transaction_rows"] == from_file["transaction_rows"]


@pytest.fixture(scope="module")
def trained(zeotap_dir: Path) -> segtui.notebook.model_results.Model:  # type: ignore[name-defined]
    return segtui.segment(zeotap_dir, progress=False).model()


@pytest.mark.parametrize("kind", ("polars", "pandas", "arrow"))
def test_assign_of_frames_equals_assign_of_files(zeotap_dir: Path, trained, kind: str) -> None:
    frames = {k: convert(v, kind) for k, v in reference_frames(zeotap_dir).items()}
    from_files = segtui.assign(trained, zeotap_dir, progress=False)
    from_frames = segtui.assign(
        trained,
        frames["transactions"],
        customers=frames["customers"],
        products=frames["products"],
        progress=False,
    )
    assert from_frames.segments.equals(from_files.segments)
    assert from_frames.summary()["source"].endswith(": transactions>")


@pytest.mark.parametrize("kind", ("polars", "pandas", "arrow"))
def test_lookalikes_of_frames_equal_lookalikes_of_files(
    zeotap_dir: Path, trained, kind: str
) -> None:
    frames = {k: convert(v, kind) for k, v in reference_frames(zeotap_dir).items()}
    from_files = segtui.lookalikes(trained, zeotap_dir, "C0001..C0003", top=2, progress=False)
    from_frames = segtui.lookalikes(
        trained,
        frames["transactions"],
        "C0001..C0003",
        top=2,
        customers=frames["customers"],
        products=frames["products"],
        progress=False,
    )
    assert from_frames.table.equals(from_files.table)
    assert (
        from_frames.table["CustomerID"].to_list() == ["C0001"] * 2 + ["C0002"] * 2 + ["C0003"] * 2
    )


@pytest.mark.parametrize("kind", ("polars", "pandas", "arrow"))
def test_migrate_of_frames_equals_migrate_of_files(zeotap_dir: Path, trained, kind: str) -> None:
    frames = {k: convert(v, kind) for k, v in reference_frames(zeotap_dir).items()}
    options = {"as_of_before": "2024-07-01", "progress": False}
    from_files = segtui.migrate(trained, zeotap_dir, **options)
    from_frames = segtui.migrate(
        trained,
        frames["transactions"],
        customers=frames["customers"],
        products=frames["products"],
        **options,
    )
    assert from_frames.table.equals(from_files.table)
    assert from_frames.counts == from_files.counts
    assert from_frames.engine.before.as_of == dt.date(2024, 7, 1)


def test_a_saved_model_loads_back_with_the_same_segments(zeotap_dir: Path, tmp_path: Path) -> None:
    result = segtui.segment(zeotap_dir, progress=False)
    path = result.save_model(tmp_path / "model.json")
    model = segtui.load_model(path)
    assert model.k == result.k
    assert model.segments["segment_name"].to_list() == [p.name for p in result.profiles]


def test_results_convert_to_pandas(zeotap_dir: Path) -> None:
    result = segtui.segment(zeotap_dir, progress=False)
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["CustomerID"]) == result.segments["CustomerID"].to_list()


def test_arrow_record_batch_is_accepted(tmp_path: Path) -> None:
    batch = log_frame().to_arrow().to_batches()[0]
    assert isinstance(batch, pa.RecordBatch)
    result = segtui.segment(batch, k=3, progress=False)
    assert result.source == "<pyarrow RecordBatch: transactions>"


def test_progress_callable_receives_the_stages(zeotap_dir: Path) -> None:
    stages: list[str] = []
    segtui.segment(zeotap_dir, progress=stages.append)
    assert stages[:2] == ["Reading data", "Computing features"]
    assert "Clustering" in stages


def test_repr_is_one_short_line(zeotap_dir: Path) -> None:
    result = segtui.segment(zeotap_dir, progress=False)
    text = repr(result)
    assert "\n" not in text and len(text) < 300
    assert text.startswith("<segtui.Segmentation k=4 customers=200 ")


def test_hints_name_python_keywords_not_command_line_flags() -> None:
    with pytest.raises(InputError) as caught:
        segtui.segment(log_frame().drop("InvoiceDate"), progress=False)
    assert caught.value.hint == "name it with mapping={'date_col': ...}"
    assert "--" not in str(caught.value)


def test_warnings_name_python_keywords(tmp_path: Path) -> None:
    result = segtui.segment(log_frame().drop("Category"), k=3, progress=False)
    (region,) = [w for w in result.warnings if "'region' left out" in w]
    assert "(add customers=)" in region


def test_a_source_of_another_type_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="the source must be a path") as caught:
        segtui.segment(42, progress=False)  # type: ignore[arg-type]
    assert caught.value.value == "int"


def test_a_tab_delimiter_is_spelled_as_on_the_command_line(tmp_path: Path) -> None:
    log = write_log(tmp_path / "orders.txt", make_lines(), RETAIL_NAMES, delimiter="\t")
    result = segtui.segment(log, mapping={"delimiter": "tab"}, k=3, progress=False)
    assert result.summary()["params"]["mapping"] == {"delimiter": "\t"}


def test_api_defaults_are_the_settings_defaults() -> None:
    from segtui.config import Settings

    signature = inspect.signature(segtui.segment).parameters
    assert signature["k"].default == Settings.k
    assert signature["seed"].default == Settings.seed
    assert signature["n_init"].default == Settings.n_init
    assert signature["horizon"].default == Settings.horizon_days
    assert signature["discount_rate"].default == Settings.discount_rate


def test_segment_takes_clv_and_like_like_the_cli(zeotap_dir, tmp_path) -> None:
    from typer.testing import CliRunner

    from segtui.cli import app

    model = tmp_path / "m.json"
    done = CliRunner().invoke(app, ["run", str(zeotap_dir), "--save-model", str(model), "-q"])
    assert done.exit_code == 0, done.stderr
    result = segtui.segment(zeotap_dir, like=model, clv=True, horizon=30, progress=False)
    summary = result.summary()
    assert summary["like"] is not None
    assert all(s["match"]["status"] == "persisting" for s in summary["segments"])
    assert summary["clv"]["horizon_days"] == 30
    assert {"p_alive", "clv", "stage"} <= set(result.segments.columns)


def test_backtest_matches_the_engine(zeotap_dir):
    from segtui.config import Settings
    from segtui.engine.backtest import backtest as engine_backtest

    past = segtui.backtest(zeotap_dir, at="2024-10-01", horizon=60, k=3, progress=False)
    engine = engine_backtest(Settings(source=zeotap_dir, k=3), dt.date(2024, 10, 1), 60)
    assert past.backtest == engine.to_dict()
    assert past.summary()["backtest"]["horizon_end"] == "2024-11-29"
    assert past.segments.equals(engine.result.segments)


def test_backtest_without_a_cut_names_the_keyword(zeotap_dir):
    with pytest.raises(OptionError, match="at="):
        segtui.backtest(zeotap_dir, progress=False)
