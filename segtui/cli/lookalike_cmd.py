"""``segtui lookalike``: the most similar customers in a saved model's feature space."""

from __future__ import annotations

from pathlib import Path

from segtui.cli.app_root import app
from segtui.cli.common import describe_mapping, handle_errors, progress_display
from segtui.cli.model_options import commit_table, open_model, parse_as_of
from segtui.cli.options import Given, takes

SHOWN_ROWS = 60


@app.command()
@takes(
    "source@model", "model", "customer_ids@lookalike", "top@lookalike",
    "all_customers@lookalike", "ids_file@lookalike", "as_of", "out@model", "force", "raw_csv",
    "mapping", "json", "quiet",
)  # fmt: skip
def lookalike(given: Given) -> None:
    """Top lookalikes of CUSTOMER_IDs in the model's scaled feature space.

    Long format: CustomerID, rank, LookalikeID, score, with score = 1 / (1 + Euclidean
    distance in the model's space) (1.0 = identical profile).
    """
    with handle_errors(catch_sigterm=True):
        from segtui.engine import (
            SCORE_DEFINITION,
            OptionError,
            expand_ids,
            load_for_model,
            lookalikes,
            project,
        )

        source, out, raw_csv, json, quiet, ids_file = (
            given[key] for key in ("source", "out", "raw_csv", "json", "quiet", "ids_file")
        )
        all_customers = given["all_customers"]
        loaded, overrides, plan = open_model(
            given, {"--out": out}, [source], others=[("ids file", ids_file)]
        )
        tokens = list(given["customer_ids"] or [])
        if ids_file is not None:
            tokens += read_ids_file(ids_file)
        if all_customers == bool(tokens):
            raise OptionError(
                "give customer ids (or --ids-file) or --all, not both"
                if tokens
                else "give customer ids, --ids-file or --all",
                hint="for example: segtui lookalike --model model.json DATA C0001..C0020",
            )
        queries = None if all_customers else expand_ids(tokens)
        date = parse_as_of(given["as_of"])
        with progress_display(not quiet and not json) as progress:
            progress("Reading data")
            tables = load_for_model(loaded, source, overrides, given["returns"])
            snap = project(loaded, tables, date)
            result = lookalikes(
                snap.customer_ids,
                snap.matrix,
                queries,
                top=given["top"],
                all_ids=snap.table.frame.get_column("CustomerID").to_list(),
                progress=progress,
            )
        written = commit_table(plan, result.table, raw_csv)
        screen = given.report(
            lambda: (
                {"model": loaded.label(), "source": snap.source}
                | {"as_of": snap.as_of.isoformat()}
                | result.summary()
                | {"warnings": snap.warnings}
            ),
            on_stderr=plan.stdout is not None,
        )
        if screen is None:
            return
        from rich.table import Table

        for line in describe_mapping(snap.table.data_quality):
            screen.print(line, markup=False, soft_wrap=True)
        screen.print(
            f"[bold]segtui lookalike[/] · {loaded.label()} → {snap.source} · as of "
            f"{snap.as_of} · score = {SCORE_DEFINITION}"
        )
        if written is None and out is None:
            table = Table(pad_edge=False)
            for name in result.table.columns:
                table.add_column(name, justify="right" if name in ("rank", "score") else "left")
            for row in result.table.head(SHOWN_ROWS).iter_rows():
                table.add_row(row[0], str(row[1]), row[2], f"{row[3]:.3f}")
            screen.print(table)
            if result.table.height > SHOWN_ROWS:
                screen.print(
                    f"… {result.table.height - SHOWN_ROWS:,} more rows (use --out FILE for all)"
                )
        for warning in snap.warnings:
            screen.print(f"[yellow]warning:[/] {warning}")
        for cid in result.skipped_no_purchases:
            screen.print(
                f"[yellow]warning:[/] {cid} is not clustered (no purchases, or a net "
                "returner: segment -1 or -2); it has no lookalikes."
            )
        if written is not None:
            screen.print(f"wrote {written}")


def read_ids_file(path: Path) -> list[str]:
    """The customer ids in ``path``, one per line (UTF-8, a BOM allowed); InputError when
    it is not text (binary, UTF-16) or holds no id."""
    from segtui.engine import InputError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the ids file ({exc.strerror})", file=path) from None
    if b"\0" in data:
        raise InputError(
            "the ids file is not text (it holds NUL bytes: binary, or UTF-16)",
            file=path,
            hint="save it as UTF-8 text with one customer id per line",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the ids file is not UTF-8 text (byte {exc.start + 1})",
            file=path,
            hint="save it as UTF-8 text with one customer id per line",
        ) from None
    tokens = text.split()
    if not tokens:
        raise InputError("the ids file holds no customer ids", file=path)
    return tokens
