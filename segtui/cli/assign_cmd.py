"""``segtui assign``: put the customers of a source into a saved model's segments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from segtui.cli.app_root import app
from segtui.cli.common import describe_mapping, handle_errors, progress_display, stdout_is_terminal
from segtui.cli.model_options import commit_table, open_model, parse_as_of
from segtui.cli.options import Given, takes

if TYPE_CHECKING:
    from rich.console import Console


@app.command()
@takes(
    "source@model", "model", "out@model", "as_of", "force", "raw_csv", "mapping", "spark",
    "json", "quiet",
)  # fmt: skip
def assign(given: Given) -> None:
    """Assign SOURCE's customers to the model's segments with its stored scaling.

    Writes the segments file in the format of segtui run plus a distance column (to the
    nearest centroid, in the model's space). Customers without purchases get -1.
    With --engine spark, Spark computes the features and the model is applied on the driver.
    """
    with handle_errors(catch_sigterm=True):
        from segtui.engine import assign_engine

        source, out, raw_csv, json, quiet = (
            given[key] for key in ("source", "out", "raw_csv", "json", "quiet")
        )
        loaded, overrides, plan = open_model(given, {"--out": out}, [source])
        date = parse_as_of(given["as_of"])
        spark = given.spark()
        with progress_display(not quiet and not json) as progress:
            result = assign_engine(
                loaded,
                source,
                spark,
                as_of=date,
                progress=progress,
                mapping_overrides=overrides,
                returns=given["returns"],
            )
        written = commit_table(plan, result.segments, raw_csv)
        screen = given.report(result.summary, on_stderr=plan.stdout is not None)
        if screen is None:
            return
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
