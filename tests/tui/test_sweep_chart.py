"""The sweep chart text: bars per score, markers, rows still to come."""

from __future__ import annotations

import math

from segtui.engine.clustering.sweep import SweepRow
from segtui.tui.widgets.sweep_chart import bar, columns_for, fmt, sweep_chart


def row(k: int, db: float, inertia: float, stability: float) -> SweepRow:
    return SweepRow(
        k=k,
        davies_bouldin=db,
        silhouette=0.3,
        silhouette_sample_size=50,
        calinski_harabasz=100.0,
        inertia=inertia,
        stability=stability,
        n_segments=k,
    )


ROWS = [row(2, 1.2, 600.0, 0.95), row(3, 0.8, 400.0, 0.5)]


def chart_lines(**changes) -> list[str]:
    options = dict(cursor=3, recommended=3, current=2, running=4, width=80)
    options.update(changes)
    return sweep_chart(ROWS, [2, 3, 4, 5], **options).plain.split("\n")


def test_bar_is_exactly_the_width_asked_and_never_empty() -> None:
    assert bar(0.0, 10) == "▏" + " " * 9
    assert bar(1.0, 10) == "█" * 10
    assert bar(0.5, 10) == "█" * 5 + " " * 5


def test_fmt_keeps_large_inertias_short() -> None:
    assert fmt(12_345_678.0) == "12.3M"
    assert fmt(45_600.0) == "46k"
    assert fmt(1.23456) == "1.235"
    assert fmt(math.nan) == "–"


def test_chart_has_a_line_per_k_under_two_header_lines() -> None:
    lines = chart_lines()
    assert len(lines) == 2 + 4
    assert "Davies-Bouldin" in lines[0] and "lower is better" in lines[1]


def test_lowest_davies_bouldin_gets_the_shortest_bar() -> None:
    lines = chart_lines()
    k2, k3 = lines[2], lines[3]
    assert k3.index("0.800") > 0 and k2.index("1.200") > 0
    assert k3[5:25].count("█") < k2[5:25].count("█")


def test_cursor_recommended_and_current_are_marked() -> None:
    lines = chart_lines()
    assert lines[3].startswith("▶  3") and lines[3].rstrip().endswith("★")
    assert lines[2].rstrip().endswith("●")


def test_unscored_k_show_computing_or_dots() -> None:
    lines = chart_lines()
    assert "computing…" in lines[4]
    assert "··········" in lines[5]


def test_wide_charts_add_a_silhouette_column() -> None:
    assert [c.title for c in columns_for(80)] == ["Davies-Bouldin", "inertia", "stability"]
    assert "silhouette" in [c.title for c in columns_for(120)]
    assert "silhouette" in chart_lines(width=120)[0]


def test_spaced_chart_puts_a_blank_line_between_k() -> None:
    lines = chart_lines(spaced=True)
    assert len(lines) == 2 + 2 * 4
    assert lines[2].strip() == ""
