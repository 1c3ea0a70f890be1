"""What a result shows in a notebook: HTML/Markdown with the metrics, every segment name,
escaped user text; the sweep table; the progress bar."""

from __future__ import annotations

import html
import re
import sys
import types
from pathlib import Path

import polars as pl
import pytest
from conftest import PRE_SWITCH

import segtui

HOSTILE = "<script>alert('x')</script> & Co"


@pytest.fixture(scope="module")
def reference_result(zeotap_dir: Path):
    return segtui.segment(zeotap_dir, **PRE_SWITCH, progress=False)


@pytest.fixture(scope="module")
def hostile_result(zeotap_dir: Path):
    """The reference data with one region renamed to HTML and a customer name with '&'."""
    customers = pl.read_csv(zeotap_dir / "Customers.csv").with_columns(
        pl.col("Region").replace("Europe", HOSTILE),
        pl.col("CustomerName").str.replace(r"^", "<b>&"),
    )
    return segtui.segment(
        pl.read_csv(zeotap_dir / "Transactions.csv"),
        customers=customers,
        products=pl.read_csv(zeotap_dir / "Products.csv"),
        progress=False,
    )


def test_html_shows_the_metrics_line(reference_result) -> None:
    page = reference_result._repr_html_()
    m = reference_result.metrics
    assert f"Davies-Bouldin {m.davies_bouldin:.3f}" in page
    assert f"silhouette {m.silhouette:.3f}" in page
    assert f"Calinski-Harabasz {m.calinski_harabasz:,.1f}" in page


def test_html_lists_every_segment_with_size_revenue_share_and_action(reference_result) -> None:
    page = reference_result._repr_html_()
    for profile in reference_result.profiles:
        assert f'<td style="text-align:left">{html.escape(profile.name)}</td>' in page
        assert html.escape(profile.action) in page
        assert f"{100 * profile.revenue_share:.1f}%" in page
        assert f">{profile.size:,}</td>" in page
    assert "No purchases" in page  # the reference has one customer without transactions


def test_html_shows_warnings_and_diagnostics(reference_result) -> None:
    page = reference_result._repr_html_()
    for warning in reference_result.warnings:
        assert html.escape(warning) in page
    assert "Stability" in page and "Separation by feature" in page


def test_html_escapes_user_text(hostile_result) -> None:
    page = hostile_result._repr_html_()
    assert "<script>" not in page
    assert html.escape(HOSTILE) in page  # the region shows (in a segment's "mostly") as text
    assert "&lt;polars DataFrame: transactions&gt;" in page


def test_markdown_escapes_user_text_and_lists_every_segment(hostile_result) -> None:
    text = hostile_result._repr_markdown_()
    assert "<script>" not in text
    for profile in hostile_result.profiles:
        assert profile.name in text
    assert text.count("\n| ") >= hostile_result.k + 1  # header and one row per segment


def test_assignment_warning_with_an_unseen_region_is_escaped(
    reference_result, zeotap_dir: Path
) -> None:
    customers = pl.read_csv(zeotap_dir / "Customers.csv").with_columns(
        pl.col("Region").replace("Asia", HOSTILE)
    )
    assigned = segtui.assign(
        reference_result.model(),
        pl.read_csv(zeotap_dir / "Transactions.csv"),
        customers=customers,
        products=pl.read_csv(zeotap_dir / "Products.csv"),
        progress=False,
    )
    page = assigned._repr_html_()
    assert any(HOSTILE in w for w in assigned.warnings)
    assert "<script>" not in page and html.escape(HOSTILE) in page


def test_lookalike_table_escapes_customer_ids(reference_result, zeotap_dir: Path) -> None:
    rename = pl.col("CustomerID").replace("C0002", "<i>C&2</i>")
    found = segtui.lookalikes(
        reference_result.model(),
        pl.read_csv(zeotap_dir / "Transactions.csv").with_columns(rename),
        ["<i>C&2</i>"],
        customers=pl.read_csv(zeotap_dir / "Customers.csv").with_columns(rename),
        products=pl.read_csv(zeotap_dir / "Products.csv"),
        progress=False,
    )
    page = found._repr_html_()
    assert "<i>" not in page and "&lt;i&gt;C&amp;2&lt;/i&gt;" in page


def test_sweep_renders_a_table_row_per_k_and_marks_the_recommended_k(zeotap_dir: Path) -> None:
    result = segtui.sweep(zeotap_dir, k_min=2, k_max=5, progress=False)
    page = result._repr_html_()
    assert page.count("<tr><td") == 4
    assert f"recommended k = {result.recommended_k}" in page
    assert page.count("recommended</td>") == 1
    assert repr(result) == f"<segtui.Sweep k=2..5 recommended_k={result.recommended_k}>"


def test_sweep_has_no_chart_without_matplotlib(zeotap_dir: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    result = segtui.sweep(zeotap_dir, k_min=2, k_max=3, progress=False)
    assert "<img" not in result._repr_html_()


def test_sweep_shows_a_png_chart_when_matplotlib_is_installed(zeotap_dir: Path) -> None:
    pytest.importorskip("matplotlib")  # optional: CI without it checks the table only
    import base64

    page = segtui.sweep(zeotap_dir, k_min=2, k_max=3, progress=False)._repr_html_()
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert encoded is not None
    assert base64.b64decode(encoded.group(1)).startswith(b"\x89PNG")


def test_validation_renders_its_findings(zeotap_dir: Path) -> None:
    report = segtui.validate(zeotap_dir)
    page = report._repr_html_()
    assert "usable" in page
    for finding in report.engine.findings:
        assert html.escape(finding.message) in page


class RecordingBar:
    """Stands in for tqdm.auto.tqdm: records what segtui asks of the bar."""

    made: list[RecordingBar] = []

    def __init__(self, **options: object) -> None:
        self.options = options
        self.descriptions: list[str] = []
        self.closed = False
        RecordingBar.made.append(self)

    def set_description_str(self, text: str) -> None:
        self.descriptions.append(text)

    def update(self, n: int) -> None:
        assert n == 1

    def close(self) -> None:
        self.closed = True


def test_progress_uses_tqdm_auto_when_installed_and_closes_it(
    zeotap_dir: Path, monkeypatch
) -> None:
    module = types.ModuleType("tqdm.auto")
    module.tqdm = RecordingBar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", module)
    RecordingBar.made.clear()
    segtui.segment(zeotap_dir)
    (bar,) = RecordingBar.made
    assert bar.descriptions[0] == "segment: Reading data"
    assert bar.closed


def test_progress_false_makes_no_bar(zeotap_dir: Path, monkeypatch) -> None:
    module = types.ModuleType("tqdm.auto")
    module.tqdm = RecordingBar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", module)
    RecordingBar.made.clear()
    segtui.segment(zeotap_dir, progress=False)
    assert RecordingBar.made == []
