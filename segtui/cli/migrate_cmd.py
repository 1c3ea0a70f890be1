"""``segtui migrate``: how many customers moved between segments from one snapshot to the next."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from segtui.cli.app import app
from segtui.cli.common import (
    AmountColOpt,
    CancelledIdsOpt,
    CategoryColOpt,
    CustomerColOpt,
    CustomersFileOpt,
    DateColOpt,
    DateFormatOpt,
    DelimiterOpt,
    ForceOpt,
    JsonOpt,
    OrderColOpt,
    PriceColOpt,
    ProductColOpt,
    QuantityColOpt,
    QuietOpt,
    ReturnsOpt,
    console,
    describe_mapping,
    emit_json,
    handle_errors,
    mapping_flags,
    progress_display,
)
from segtui.cli.model_options import ModelOpt, OutOpt, parse_as_of, plan_model_outputs

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl
    from rich.console import Console

    from segtui.engine import Migration


@app.command()
def migrate(
    before: Annotated[
        Path,
        typer.Argument(
            help="The earlier snapshot's folder or log file (or the only one, with "
            "--as-of-before).",
            metavar="BEFORE",
            show_default=False,
        ),
    ],
    model: ModelOpt,
    after: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(
            help="The later snapshot's folder or log file. Omit to compare two as-of dates "
            "of BEFORE.",
            metavar="AFTER",
            show_default=False,
        ),
    ] = None,
    as_of_before: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as-of-before",
            help="As-of date of the before snapshot (required with one source).",
            show_default=False,
        ),
    ] = None,
    as_of_after: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--as-of-after",
            help="As-of date of the after snapshot (default: day after its last transaction).",
            show_default=False,
        ),
    ] = None,
    out: OutOpt = None,
    moves: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--moves",
            help="Also write every customer's before and after segment (.csv/.parquet/.json).",
            show_default=False,
        ),
    ] = None,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit",
            help="Segment AFTER afresh with the model's settings and match its segments to "
            "the model's (as run --like does): columns are then the new segments, persisting "
            "ones under their old ids.",
        ),
    ] = False,
    force: ForceOpt = False,
    customer_col: CustomerColOpt = None,
    date_col: DateColOpt = None,
    date_format: DateFormatOpt = None,
    amount_col: AmountColOpt = None,
    quantity_col: QuantityColOpt = None,
    price_col: PriceColOpt = None,
    order_col: OrderColOpt = None,
    product_col: ProductColOpt = None,
    category_col: CategoryColOpt = None,
    customers: CustomersFileOpt = None,
    delimiter: DelimiterOpt = None,
    cancelled_ids: CancelledIdsOpt = None,
    returns: ReturnsOpt = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Cross-table of customers moving between the model's segments across two snapshots.

    Rows: segment before (plus 'new': only in the after snapshot); columns: segment after
    (plus 'lost': only in the before snapshot). Rows sum to the before snapshot's segment
    sizes, columns to the after snapshot's.
    """
    with handle_errors(catch_sigterm=True):
        from segtui.engine import load_model, migrate_sources

        loaded = load_model(model)
        overrides = mapping_flags(locals())
        plan = plan_model_outputs(
            {"--out": out, "--moves": str(moves) if moves is not None else None},
            json=json,
            force=force,
            model=loaded,
            sources=[before, after],
            overrides=overrides,
        )
        date_before = parse_as_of(as_of_before, "--as-of-before")
        date_after = parse_as_of(as_of_after, "--as-of-after")
        with progress_display(not quiet and not json) as progress:
            progress("Assigning both snapshots")
            result = migrate_sources(
                loaded,
                before,
                after,
                as_of_before=date_before,
                as_of_after=date_after,
                mapping_overrides=overrides,
                returns=returns,
                refit_after=refit,
            )
        tables = {"--out": result.table, "--moves": result.moves}
        written = plan.commit(
            {option: _writer(make) for option, make in tables.items()},
            stdout={option: _printer(make) for option, make in tables.items()},
        )
        if json:
            emit_json(result.summary())
            return
        if quiet:
            return
        # The report goes to stderr whenever a table went to stdout, so the CSV stays clean.
        screen = console(stderr=plan.stdout is not None)
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
