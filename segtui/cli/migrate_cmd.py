"""``segtui migrate``: how many customers moved between segments from one snapshot to the next."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.cli.app_root import app
from segtui.cli.common import describe_mapping, handle_errors, progress_display
from segtui.cli.model_options import open_model, parse_as_of
from segtui.cli.options import Given, takes

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl
    from rich.console import Console

    from segtui.engine import Migration


@app.command()
@takes(
    "before@migrate", "model", "after@migrate", "as_of_before@migrate", "as_of_after@migrate",
    "out@model", "moves@migrate", "refit@migrate", "force", "mapping", "json", "quiet",
)  # fmt: skip
def migrate(given: Given) -> None:
    """Cross-table of customers moving between the model's segments across two snapshots.

    Rows: segment before (plus 'new': only in the after snapshot); columns: segment after
    (plus 'lost': only in the before snapshot). Rows sum to the before snapshot's segment
    sizes, columns to the after snapshot's.
    """
    with handle_errors(catch_sigterm=True):
        from segtui.engine import migrate_sources

        before, after, moves, json, quiet = (
            given[key] for key in ("before", "after", "moves", "json", "quiet")
        )
        moved = str(moves) if moves is not None else None
        loaded, overrides, plan = open_model(
            given, {"--out": given["out"], "--moves": moved}, [before, after]
        )
        date_before = parse_as_of(given["as_of_before"], "--as-of-before")
        date_after = parse_as_of(given["as_of_after"], "--as-of-after")
        with progress_display(not quiet and not json) as progress:
            progress("Assigning both snapshots")
            result = migrate_sources(
                loaded,
                before,
                after,
                as_of_before=date_before,
                as_of_after=date_after,
                mapping_overrides=overrides,
                returns=given["returns"],
                refit_after=given["refit"],
            )
        tables = {"--out": result.table, "--moves": result.moves}
        written = plan.commit(
            {option: _writer(make) for option, make in tables.items()},
            stdout={option: _printer(make) for option, make in tables.items()},
        )
        screen = given.report(result.summary, on_stderr=plan.stdout is not None)
        if screen is None:
            return
        print_mappings(result, screen)
        render_migration(result.summary(), screen)
        for path in written:
            screen.print(f"wrote {path}")


def _printer(make: Callable[[], pl.DataFrame]) -> Callable[[], object]:
    """Write the table ``make()`` returns to stdout as CSV."""
    from segtui.engine import STDOUT, write_frame

    return lambda: write_frame(make(), STDOUT)


def _writer(make: Callable[[], pl.DataFrame]) -> Callable[[Path, str], None]:
    """Write the table ``make()`` returns to a staged file."""
    from segtui.engine import frame_to_file

    return lambda tmp, suffix: frame_to_file(make(), tmp, suffix)


def print_mappings(result: Migration, screen: Console) -> None:
    """How each snapshot's log was read (once when both come from the same source)."""
    before = describe_mapping(result.before.table.data_quality)
    after = describe_mapping(result.after.table.data_quality)
    same = result.before.source == result.after.source
    for prefix, lines in (("", before),) if same else (("before: ", before), ("after: ", after)):
        for line in lines:
            screen.print(prefix + line, markup=False, soft_wrap=True)


def render_migration(summary: dict[str, Any], screen: Console) -> None:
    """Print the cross-table with row and column totals, then the counts and warnings."""
    from rich.table import Table

    before, after = summary["before"], summary["after"]
    screen.print(
        f"[bold]segtui migrate[/] · {summary['model']}\n"
        f"before: {before['source']} as of {before['as_of']} ({before['n_customers']:,} "
        f"customers) → after: {after['source']} as of {after['as_of']} "
        f"({after['n_customers']:,} customers)"
    )
    table = Table(title="rows: segment before · columns: segment after", pad_edge=False)
    table.add_column("before \\ after")
    # Column headers are the ids only (the rows carry the names) so the table fits.
    for label in summary["columns"]:
        table.add_column(label.split(" ", 1)[0], justify="right")
    table.add_column("total", justify="right", style="bold")
    for label, row, total in zip(
        summary["rows"], summary["matrix"], summary["row_totals"], strict=True
    ):
        table.add_row(label, *(f"{v:,}" for v in row), f"{total:,}")
    table.add_row(
        "total",
        *(f"{v:,}" for v in summary["column_totals"]),
        f"{sum(summary['row_totals']):,}",
        style="bold",
    )
    screen.print(table)
    screen.print(
        f"stayed {summary['stayed']:,} · moved {summary['moved']:,} · "
        f"new {summary['new']:,} · lost {summary['lost']:,}"
    )
    refit = summary.get("refit")
    if refit:
        vanished = ", ".join(f"{v['id']} {v['name']}" for v in refit["vanished"]) or "none"
        screen.print(
            f"after refitted and matched: {refit['persisting']} persisting, new: "
            f"{', '.join(map(str, refit['new'])) or 'none'}, vanished: {vanished}",
            markup=False,
        )
    for warning in summary["warnings"]:
        screen.print(f"[yellow]warning:[/] {warning}")
