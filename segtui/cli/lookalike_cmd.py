"""``segtui lookalike``: the most similar customers in a saved model's feature space."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from segtui.cli.app import app
from segtui.cli.common import (
    AmountColOpt,
    AsOfOpt,
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
from segtui.cli.model_options import (
    ModelOpt,
    ModelSourceArg,
    OutOpt,
    RawCsvOpt,
    parse_as_of,
    plan_model_outputs,
)

SHOWN_ROWS = 60


@app.command()
def lookalike(
    source: ModelSourceArg,
    model: ModelOpt,
    customer_ids: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            help="Customer ids; A..B is an inclusive range (C0001..C0020).",
            show_default=False,
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Lookalikes per customer.")] = 3,
    all_customers: Annotated[
        bool, typer.Option("--all", help="Lookalikes for every customer with purchases.")
    ] = False,
    ids_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--ids-file", help="File with one customer id per line.", show_default=False),
    ] = None,
    as_of: AsOfOpt = None,
    out: OutOpt = None,
    force: ForceOpt = False,
    raw_csv: RawCsvOpt = False,
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
    """Top lookalikes of CUSTOMER_IDs in the model's scaled feature space.

    Long format: CustomerID, rank, LookalikeID, score, with score = 1 / (1 + Euclidean
    distance in the model's space) (1.0 = identical profile).
    """
    with handle_errors(catch_sigterm=True):
        from segtui.engine import (
            SCORE_DEFINITION,
            STDOUT,
            OptionError,
            expand_ids,
            frame_to_file,
            load_for_model,
            load_model,
            lookalikes,
            project,
            write_frame,
        )

        loaded = load_model(model)
        overrides = mapping_flags(locals())
        plan = plan_model_outputs(
            {"--out": out},
            json=json,
            force=force,
            model=loaded,
            sources=[source],
            others=[("ids file", ids_file)],
            overrides=overrides,
        )
        tokens = list(customer_ids or [])
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
        date = parse_as_of(as_of)
        with progress_display(not quiet and not json) as progress:
            progress("Reading data")
            tables = load_for_model(loaded, source, overrides, returns)
            snap = project(loaded, tables, date)
            result = lookalikes(
                snap.customer_ids,
                snap.matrix,
                queries,
                top=top,
                all_ids=snap.table.frame.get_column("CustomerID").to_list(),
                progress=progress,
            )
        written_files = plan.commit(
            {
                "--out": lambda tmp, suffix: frame_to_file(
                    result.table, tmp, suffix, raw_csv=raw_csv
                )
            },
            stdout={"--out": lambda: write_frame(result.table, STDOUT, raw_csv=raw_csv)},
        )
        written = written_files[0] if written_files else None
        if json:
            emit_json(
                {"model": loaded.label(), "source": snap.source, "as_of": snap.as_of.isoformat()}
                | result.summary()
                | {"warnings": snap.warnings}
            )
            return
        if quiet:
            return
        from rich.table import Table

        screen = console(stderr=plan.stdout is not None)
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
