"""Every table shows true values: scrolled sideways through every column at 80×24 (and
120×40), each visible cell is the whole value of its data cell or a cut ending in "…"
(a number cut by the edge shows as "…" alone), never a value with its left part missing.

The check reads the terminal's characters, not the widget's state, and formats the data
itself (two decimals and thousands separators, as the table promises)."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import PRE_SWITCH

from segtui.config import Settings
from segtui.tui.app import SegtuiApp
from segtui.tui.widgets.frame_table import FrameTable

from .conftest import REFERENCE, settle

CELL_BREAK = re.compile(r" {2,}")


def shown(value: Any) -> str:
    """How the table promises to print ``value`` (written here, not imported)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "–" if value != value else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def honest(token: str, value: str) -> bool:
    """True when ``token`` on screen is ``value`` whole, or its left part ending in "…"."""
    if token == value:
        return True
    return token.endswith("…") and len(token) <= len(value) and value.startswith(token[:-1])


def terminal_lines(app: SegtuiApp, table: FrameTable) -> list[str]:
    """The screen lines the table's content shows, clipped to what its containers leave
    visible (a table taller than the view runs under the footer, which is not its)."""
    region = table.scrollable_content_region
    _region, clip = app.screen._compositor.visible_widgets[table]
    visible = region.intersection(clip)
    assert visible.y == region.y, "the table's header is scrolled out of view"
    strips = app.screen._compositor.render_strips()
    rows = ["".join(segment.text for segment in strip) for strip in strips]
    return [row[visible.x : visible.right] for row in rows[visible.y : visible.bottom]]


def check_table(app: SegtuiApp, table: FrameTable) -> int:
    """Assert every visible cell of ``table`` is honest; returns how many were checked."""
    lines = terminal_lines(app, table)
    headers = [t for t in CELL_BREAK.split(lines[0].strip()) if t]
    columns = table.columns
    names = [re.sub(r" [▲▼]$", "", h) for h in headers]
    # Headers are readable: whole column names, except a last one cut by the edge.
    for name in names[:-1]:
        assert name in columns, f"header {name!r} is not a column name ({columns})"
    fixed = table.fixed_columns
    whole = [n for n in names if n in columns]
    first = columns.index(whole[fixed]) if len(whole) > fixed else len(columns)
    order = [*range(fixed), *range(first, len(columns))]
    assert [columns.index(n) for n in whole] == order[: len(whole)], (names, order)
    checked = 0
    top = int(table.scroll_offset.y)
    for offset, line in enumerate(lines[1:]):
        index = top + offset
        if index >= table.row_count or not line.strip():
            continue
        row = table.frame.row(index)
        expected = [shown(row[c]) for c in order if shown(row[c]).strip()]
        tokens = [t for t in CELL_BREAK.split(line.strip()) if t]
        assert len(tokens) <= len(expected)
        for position, (token, value) in enumerate(zip(tokens, expected, strict=False)):
            last = position == len(tokens) - 1
            ok = honest(token, value) or (last and token == "…")
            assert ok, f"row {index}: {token!r} shown for {value!r} (line {line!r})"
            checked += 1
    return checked


async def sweep_sideways(pilot, table: FrameTable) -> int:
    """Move the cursor to the last column and back with l/h, checking after every key."""
    app = pilot.app
    table.focus()
    await pilot.pause()
    checked = check_table(app, table)
    for key in ["l"] * len(table.columns) + ["h"] * len(table.columns) + ["dollar_sign", "0"]:
        await pilot.press(key)
        await pilot.pause()
        checked += check_table(app, table)
    return checked


def retail_log(folder: Path) -> Path:
    """An Online Retail shaped log: numeric five-digit CustomerIDs next to long text."""
    rng = random.Random(3)
    lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    start = dt.datetime(2010, 12, 1)
    for i in range(600):
        when = start + dt.timedelta(hours=rng.randrange(24 * 300))
        lines.append(
            f"{536365 + i // 3},{85123 + rng.randrange(40)}A,"
            f"WHITE HANGING HEART T-LIGHT HOLDER NUMBER {i % 17},{rng.randrange(1, 48)},"
            f"{when:%m/%d/%Y %H:%M},{rng.randrange(50, 1_200_000) / 100},"
            f"{17850 + rng.randrange(60) * 7},United Kingdom"
        )
    path = folder / "retail.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
async def test_customers_table_shows_whole_values_scrolled_sideways(size, tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.query_one("#customer-table", FrameTable)
        assert await sweep_sideways(pilot, table) > 100


async def test_customers_total_spend_is_whole_next_to_the_frozen_id(tmp_path) -> None:
    """The reported case: sideways at 80×24 showed C0015's 11,049.66 as 1,049.66 in the
    column next to the frozen id. Each row's total_spend now shows whole."""
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", *"lllllll", *"hhh", *"j" * 14)
        await settle(pilot)
        table = app.query_one("#customer-table", FrameTable)
        lines = terminal_lines(app, table)
        assert CELL_BREAK.split(lines[0].strip())[:2] == ["CustomerID", "total_spend"]
        top = int(table.scroll_offset.y)
        for offset, line in enumerate(lines[1:]):
            row = table.row_values(top + offset)
            tokens = CELL_BREAK.split(line.strip())
            assert tokens[:2] == [row["CustomerID"], shown(row["total_spend"])]
        spend = dict(zip(table.frame["CustomerID"], table.frame["total_spend"], strict=True))
        assert f"C0015{' ' * 4}" in "\n".join(lines)
        assert any(line.split()[:2] == ["C0015", shown(spend["C0015"])] for line in lines)


@SIZES
async def test_every_data_table_shows_whole_values_scrolled_sideways(size, tmp_path) -> None:
    app = SegtuiApp(Settings(source=retail_log(tmp_path)), export_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        seen = set()
        for _ in range(3):
            seen.add(tuple(table.columns))
            assert await sweep_sideways(pilot, table) > 50
            await pilot.press("t")
            await settle(pilot)
        assert any("CustomerID" in columns for columns in seen)


async def test_reference_data_tables_show_whole_values_scrolled_sideways(tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.query_one("#raw-table", FrameTable)
        for _ in range(3):
            assert await sweep_sideways(pilot, table) > 50
            await pilot.press("t")
            await settle(pilot)


@pytest.mark.parametrize(
    ("keys", "table_id"),
    [
        (["2", "enter"], "#tx-table"),
        (["2", "L"], "#lookalike-table"),
        (["m", "enter"], "#migration-table"),
        (["B", "enter"], "#backtest-comparison"),
        (["B", "enter"], "#backtest-segments"),
    ],
    ids=["transactions", "lookalikes", "migration", "backtest", "backtest-segments"],
)
async def test_screen_tables_show_whole_values_scrolled_sideways(keys, table_id, tmp_path) -> None:
    app = SegtuiApp(Settings(source=REFERENCE, **PRE_SWITCH), export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        table = app.screen.query_one(table_id, FrameTable)
        assert table.row_count > 0
        assert await sweep_sideways(pilot, table) > 10


def big_money_log(folder: Path, scale: float) -> Path:
    """The realistic sample with every price and order value times ``scale``: CLV totals
    in the trillions, as a currency with small units gives."""
    import dataclasses

    import polars as pl

    from segtui.engine.sample_realistic import generate_realistic

    sample = generate_realistic(600, seed=11)
    money = [pl.col(c) * scale for c in ("TotalValue", "Price")]
    dataclasses.replace(
        sample,
        transactions=sample.transactions.with_columns(money),
        products=sample.products.with_columns(pl.col("Price") * scale),
    ).write(folder)
    return folder


async def test_value_tables_show_whole_values_scrolled_sideways(tmp_path) -> None:
    """The Value view's three tables (stage x segment, value per segment, holdout weeks)
    are FrameTables: with CLV totals in the trillions the value table is wider
    than 80 columns, and every visible cell is still a whole value or a marked cut."""
    settings = Settings(source=big_money_log(tmp_path, 1e8), **PRE_SWITCH).replace(
        clv=True, as_of=dt.date(2024, 7, 1), holdout_end=dt.date(2024, 9, 2)
    )
    app = SegtuiApp(settings, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        value = app.result.value
        assert value["total_clv"] > 1e12  # the table needs more than 80 columns
        wide = app.query_one("#segment-value-table", FrameTable)
        assert sum(wide.widths) + 2 * len(wide.widths) > 80
        assert await sweep_sideways(pilot, wide) >= wide.row_count * len(wide.columns)
        # The other two fit 80 columns: every cell is checked without scrolling.
        for table_id in ("#stage-table", "#holdout-table"):
            table = app.query_one(table_id, FrameTable)
            table.focus()
            table.scroll_visible(animate=False, top=True)
            await settle(pilot)
            assert table.virtual_size.width <= table.scrollable_content_region.width
            # Every cell of every row on screen (a long table shows its first rows).
            shown_rows = min(table.row_count, len(terminal_lines(app, table)) - 1)
            assert check_table(app, table) == shown_rows * len(table.columns) > 0
        totals = wide.frame["total CLV"].to_list()
        assert totals == [row["total_clv"] for row in value["segments"]]
