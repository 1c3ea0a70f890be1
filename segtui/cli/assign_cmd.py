"""``segtui assign``: put the customers of a source into a saved model's segments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    EngineOpt,
    ForceOpt,
    JsonOpt,
    OrderColOpt,
    PriceColOpt,
    ProductColOpt,
    QuantityColOpt,
    QuietOpt,
    ReturnsOpt,
    SparkConfOpt,
    SparkDriverLimitOpt,
    SparkMasterOpt,
    console,
    describe_mapping,
    emit_json,
    handle_errors,
    mapping_flags,
    progress_display,
    spark_options,
    stdout_is_terminal,
)
from segtui.cli.model_options import (
    ModelOpt,
    ModelSourceArg,
    OutOpt,
    RawCsvOpt,
    parse_as_of,
    plan_model_outputs,
)

if TYPE_CHECKING:
    from rich.console import Console


@app.command()
def assign(
    source: ModelSourceArg,
    model: ModelOpt,
    out: OutOpt = None,
    as_of: AsOfOpt = None,
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
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    spark_driver_limit: SparkDriverLimitOpt = None,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Assign SOURCE's customers to the model's segments with its stored scaling.

    Writes the segments file in the format of segtui run plus a distance column (to the
    nearest centroid, in the model's space). Customers without purchases get -1.
    With --engine spark, Spark computes the features and the model is applied on the driver.
    """
    with handle_errors(catch_sigterm=True):
        from segtui.engine import STDOUT, assign_engine, frame_to_file, load_model, write_frame

        loaded = load_model(model)
        overrides = mapping_flags(locals())
        plan = plan_model_outputs(
            {"--out": out},
            json=json,
            force=force,
            model=loaded,
            sources=[source],
            overrides=overrides,
        )
        date = parse_as_of(as_of)
        spark = spark_options(engine, spark_master, spark_conf, spark_driver_limit)
        with progress_display(not quiet and not json) as progress:
            result = assign_engine(
                loaded,
                source,
                spark,
                as_of=date,
                progress=progress,
                mapping_overrides=overrides,
                returns=returns,
            )
        written_files = plan.commit(
            {
                "--out": lambda tmp, suffix: frame_to_file(
                    result.segments, tmp, suffix, raw_csv=raw_csv
                )
            },
            stdout={"--out": lambda: write_frame(result.segments, STDOUT, raw_csv=raw_csv)},
        )
        written = written_files[0] if written_files else None
        if json:
            emit_json(result.summary())
            return
        if quiet:
            return
        screen = console(stderr=plan.stdout is not None)
        for line in describe_mapping(result.snapshot.table.data_quality):
            screen.print(line, markup=False, soft_wrap=True)
        render_assign(result.summary(), screen)
        if written is not None:
            screen.print(f"wrote {written}")
        elif out is None and stdout_is_terminal():
            screen.print("(use --out segments.csv to write the segments file)")


def render_assign(summary: dict[str, Any], screen: Console) -> None:
    """Print the assignment summary: counts per segment, distances, warnings."""
    from rich.table import Table

    from segtui.cli.render import net_returners_note

    same = summary["same_input_as_training"]
    screen.print(
        f"[bold]segtui assign[/] · {summary['model']} → {summary['source']} · "
        f"as of {summary['as_of']}\n{summary['n_customers']:,} customers "
        f"({summary['n_assigned']:,} assigned, {summary['no_purchases']['size']:,} without "
        f"purchases{net_returners_note(summary)})"
        + ("" if same is None else f" · same input as training: {'yes' if same else 'no'}")
    )
    table = Table(pad_edge=False)
    for name, justify in (
        ("id", "right"),
        ("segment", "left"),
        ("customers", "right"),
        ("share", "right"),
        ("in training", "right"),
        ("mean distance", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]  # literal str
    for seg in summary["segments"]:
        mean = seg["mean_distance"]
        table.add_row(
            str(seg["id"]),
            seg["name"],
            f"{seg['size']:,}",
            f"{seg['share']:.0%}",
            f"{seg['training_size']:,}",
            "" if mean is None else f"{mean:.3f}",
        )
    from segtui.engine import unclustered_groups

    for group in unclustered_groups(summary):
        table.add_row(str(group["id"]), group["name"], f"{group['size']:,}", "", "", "")
    screen.print(table)
    for warning in summary["warnings"]:
        screen.print(f"[yellow]warning:[/] {warning}")
