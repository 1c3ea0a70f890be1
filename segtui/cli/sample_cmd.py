"""``segtui sample``: write a synthetic dataset, with planted groups (``--profile planted``,
the default) or shaped like a real retail export (``--profile realistic``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import typer

from segtui.cli.app_root import app
from segtui.cli.common import emit_json, handle_errors
from segtui.cli.options import Given, takes
from segtui.settings_table import MAX_SEED, ROW


@app.command()
@takes(
    "out_dir@sample", "customers@sample", "transactions@sample", "profile@sample",
    "seed@sample", "groups@sample", "fmt@sample", "force", "quiet", "json",
)  # fmt: skip
def sample(given: Given) -> None:
    """Write a deterministic synthetic dataset (Customers, Products, Transactions): planted
    behavioural groups (Customers.PlantedGroup holds the truth) or, with --profile
    realistic, data shaped like a real retail export (truth.csv holds each cohort)."""
    with handle_errors(catch_sigterm=True):
        from segtui.engine import OptionError, OutputError, Target, plan_outputs
        from segtui.engine import generate_sample as generate

        out_dir, customers, transactions, profile, seed, groups, fmt, force = (
            given[key]
            for key in "out_dir customers transactions profile seed groups fmt force".split()
        )
        if fmt not in ROW["fmt@sample"].choices:
            raise OptionError("--format must be csv or parquet", value=fmt)
        if profile not in ROW["profile@sample"].choices:
            raise OptionError("--profile must be planted or realistic", value=profile)
        if profile == "realistic" and transactions is not None:
            raise OptionError(
                "--transactions does not apply to --profile realistic",
                hint="the realistic profile draws each customer's orders from its cohort",
            )
        if not ROW["seed@sample"].in_bounds(seed):
            raise OptionError(f"--seed must be between 0 and {MAX_SEED}", value=seed)
        if out_dir.exists() and not out_dir.is_dir():
            raise OutputError("is a file, expected a folder", file=out_dir)
        names = ("Customers", "Products", "Transactions")
        # A dataset in another format stays beside the new one and the folder then has
        # two tables of each kind: refused even with --force (delete it first).
        other = [out_dir / f"{n}.{f}" for n in names for f in ("csv", "parquet") if f != fmt]
        if any(os.path.lexists(p) for p in other):
            kept = "CSV" if fmt == "parquet" else "Parquet"
            raise OutputError(
                f"already holds a {kept} dataset; a {fmt} one beside it would give every "
                "table twice",
                file=out_dir,
                hint="choose another folder or delete the old files",
            )
        if not force and any(os.path.lexists(out_dir / f"{n}.{fmt}") for n in names):
            raise OutputError(
                "already holds a dataset", file=out_dir, hint="use --force to overwrite it"
            )
        targets = [
            Target(n, out_dir / f"{n}.{fmt}", (f".{fmt}",), "table", make_folder=True)
            for n in names
        ]
        if profile == "realistic":
            targets.append(Target("truth", out_dir / "truth.csv", (".csv",), "table", True))
        from segtui.engine import check_sample_memory

        if transactions is None:
            transactions = ROW["transactions@sample"].default  # the planted profile's
        # --transactions 0 is refused by the generator (one per buying customer), not
        # replaced by the default.
        with removed_if_failed(out_dir):
            plan = plan_outputs(targets, force=force)
            if profile == "realistic":
                from segtui.engine import generate_realistic

                check_sample_memory(customers, customers * 4)
                data = generate_realistic(customers, seed=seed)
            else:
                check_sample_memory(customers, transactions)
                data = generate(customers, transactions, seed=seed, groups=groups)
            written = data.stage(plan, fmt)
        transactions = data.transactions.height
        if given["json"]:
            emit_json(
                {
                    "files": [str(p.resolve()) for p in written],
                    "customers": customers,
                    "transactions": transactions,
                    "profile": profile,
                    "groups": groups if profile == "planted" else None,
                    "seed": seed,
                }
            )
        elif not given["quiet"]:
            what = f"{groups} planted groups" if profile == "planted" else "realistic profile"
            typer.echo(
                f"wrote {customers:,} customers, {transactions:,} transactions "
                f"({what}) to {out_dir}"
            )


@contextlib.contextmanager
def removed_if_failed(folder: Path) -> Iterator[None]:
    """Remove ``folder`` and the parents this command creates for it when the block
    fails (a signal, a full disk, a file size limit): a failed ``sample`` leaves no
    empty folder behind. A folder that holds anything is left alone."""
    created = []
    current = folder.absolute()
    while not os.path.lexists(current) and current != current.parent:
        created.append(current)
        current = current.parent
    try:
        yield
    except BaseException:
        for path in created:  # the deepest first
            try:
                path.rmdir()
            except FileNotFoundError:
                continue  # never made
            except OSError:
                break  # holds something: keep it and its parents
        raise
