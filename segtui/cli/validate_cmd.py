"""``segtui validate``: a data-quality report on a source, without clustering."""

from __future__ import annotations

from typing import Any

import typer

from segtui.cli.app_root import app
from segtui.cli.common import console, describe_mapping, emit_json, handle_errors, load_settings
from segtui.cli.options import Given, takes


@app.command()
@takes("source", "config", "mapping", "json", "quiet")
def validate(given: Given) -> None:
    """Check a source's data quality without clustering. Exit 0 when usable, 2 when not."""
    with handle_errors(catch_sigterm=True):
        from segtui.engine import InputError, unreadable_report, validate_source

        json, quiet, config = given["json"], given["quiet"], given["config"]
        settings, _ = load_settings(
            given["source"], config, mapping=given.mapping(), **given.settings()
        )
        from segtui.engine import command_inputs, plan_outputs

        plan_outputs([], inputs=command_inputs(settings, config=config))  # FIFO, device: refused
        try:
            report = validate_source(settings.source, settings.mapping_dict(), settings.returns)
        except InputError as exc:
            if not json:
                raise  # one line naming the file, column and row
            # --json promises a report on stdout: the reason becomes its one error finding.
            report = unreadable_report(settings.source, exc)
        data = report.to_dict()
        if json:
            emit_json(data)
        elif not quiet:
            _render(data)
        if not report.usable:
            raise typer.Exit(2)


def _render(data: dict[str, Any]) -> None:
    screen = console()
    screen.soft_wrap = True  # long file paths and examples stay on one line
    first, last = data["date_range"]["first"], data["date_range"]["last"]
    for line in describe_mapping(data["read_as"], samples=True):
        screen.print(line, markup=False)
    customers = data["customers_in_customers_table"]
    screen.print(
        f"{data['source']}: {data['transaction_rows']:,} transaction rows, "
        f"{data['customers_in_transactions']:,} customers with transactions"
        + (f", {customers:,} in the customers table" if customers is not None else "")
        + f"; dates {first} to {last}",
        markup=False,
    )
    for file, columns in data["missing"].items():
        gaps = {c: n for c, n in columns.items() if n}
        if gaps:
            listed = ", ".join(f"{c}: {n:,}" for c, n in gaps.items())
            screen.print(f"missing values in {file}: {listed}", markup=False)
    for finding in data["findings"]:
        where = ", ".join(x for x in (finding["file"], finding["column"]) if x)
        screen.print(
            f"{finding['severity']}: {finding['count']:,} {finding['message']}"
            + (f" [{where}]" if where else ""),
            markup=False,
        )
        examples = [
            f"row {e['row']}" + (f": {e['value']!r}" if e.get("value") is not None else "")
            for e in finding["examples"]
        ]
        if examples:
            screen.print("    " + "; ".join(examples), markup=False)
    verdict = "usable" if data["usable"] else "NOT usable"
    screen.print(
        f"{verdict}: {data['errors']} errors, {data['warnings']} warnings "
        "(rows count from 1 = the first line after the header)",
        markup=False,
    )
