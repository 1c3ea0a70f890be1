"""``segtui run --rules FILE``: every segment's rules as a CSV table or as SQL.

- ``.csv``: one row per rule: rule, segment, segment_name, precision, recall, size.
- ``.sql``: per segment a comment (name, precision and recall of its rules together)
  and one ``WHERE`` clause. Dialect: ANSI SQL. Identifiers are the segments file's
  column names in double quotes (``"total_spend"``), text literals in single quotes with
  ``''`` for a quote, numbers plain (``4050``, ``8.5``); ``IN`` lists for categorical
  features. It runs unchanged on PostgreSQL, DuckDB, Snowflake, Oracle and SQLite; on
  MySQL enable ``ANSI_QUOTES``, on SQL Server ``QUOTED_IDENTIFIER`` (the default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from segtui.engine.output.writers import (
    frame_to_file,
    write_text_file,
)

RULES_FORMATS = (".csv", ".sql")


def rules_table(summary: dict[str, Any]) -> pl.DataFrame:
    """The CSV form: one row per rule of every segment of a run summary."""
    rows = []
    for seg in summary["segments"]:
        for rule in (seg.get("rules") or {}).get("rules", []):
            rows.append(
                {
                    "rule": rule["rule"],
                    "segment": seg["id"],
                    "segment_name": seg["name"],
                    "precision": rule["precision"],
                    "recall": rule["recall"],
                    "size": rule["size"],
                }
            )
    schema = {
        "rule": pl.String,
        "segment": pl.Int64,
        "segment_name": pl.String,
        "precision": pl.Float64,
        "recall": pl.Float64,
        "size": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)


def rules_sql(summary: dict[str, Any]) -> str:
    """The SQL form: a WHERE clause per segment (see the module docstring's dialect)."""
    lines = [
        "-- segtui segment rules: ANSI SQL, double-quoted identifiers = segments-file columns.",
        f"-- Source: {summary['source']} as of {summary['as_of']}; "
        "customers with purchases only (segment -1 has no rule).",
    ]
    for seg in summary["segments"]:
        rules = seg.get("rules")
        if not rules:
            continue
        name = seg["name"].replace("\n", " ")
        lines += [
            "",
            f"-- segment {seg['id']}: {name} "
            f"(precision {rules['precision']:.2f}, recall {rules['recall']:.2f})",
            f"WHERE {rules['sql']};",
        ]
    return "\n".join(lines) + "\n"


def write_rules_to(summary: dict[str, Any], tmp: Path, suffix: str) -> None:
    """Write the rules of a run summary to ``tmp`` in the ``suffix`` format (.sql or
    .csv, the CSV through the segments writer's formula guard); for output plans."""
    if suffix.lower() == ".sql":
        write_text_file(tmp, rules_sql(summary))
    else:
        frame_to_file(rules_table(summary), tmp, suffix)
