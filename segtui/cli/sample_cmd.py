"""``segtui sample``: write a synthetic dataset with planted groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segtui.cli.app import app
from segtui.cli.common import ForceOpt, JsonOpt, QuietOpt, emit_json, handle_errors


@app.command()
def sample(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the three tables to.")],
    customers: Annotated[int, typer.Option("--customers", help="Number of customers.")] = 1000,
    transactions: Annotated[
        int, typer.Option("--transactions", help="Number of transactions.")
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    groups: Annotated[int, typer.Option("--groups", help="Planted groups (2-6).")] = 4,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    json: JsonOpt = False,
) -> None:
    """Write a deterministic synthetic dataset (Customers, Products, Transactions) with
    planted behavioural groups; Customers.PlantedGroup holds the truth."""
    with handle_errors(catch_sigterm=True):
        from segtui.engine.errors import OptionError, OutputError
        from segtui.engine.sample import generate

        if fmt not in ("csv", "parquet"):
            raise OptionError("--format must be csv or parquet", value=fmt)
        existing = [out_dir / f"{name}.{fmt}" for name in ("Customers", "Products", "Transactions")]
        if not force and any(p.exists() for p in existing):
            raise OutputError(
                "already holds a dataset", file=out_dir, hint="use --force to overwrite it"
            )
        if out_dir.exists() and not out_dir.is_dir():
            raise OutputError("is a file, expected a folder", file=out_dir)
        blocking = next((p for p in out_dir.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise OutputError("is a file, not a folder", file=blocking)
        from segtui.engine.io.resources import check_sample_memory

        check_sample_memory(customers, transactions)
        data = generate(customers, transactions, seed=seed, groups=groups)
        written = data.write(out_dir, fmt=fmt, force=force)
        if json:
            emit_json(
                {
                    "files": [str(p.resolve()) for p in written],
                    "customers": customers,
                    "transactions": transactions,
                    "groups": groups,
                    "seed": seed,
                }
            )
        elif not quiet:
            typer.echo(
                f"wrote {customers:,} customers, {transactions:,} transactions "
                f"({groups} planted groups) to {out_dir}"
            )
