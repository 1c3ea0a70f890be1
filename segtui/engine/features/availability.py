"""Which features a source can provide: the default list shrinks to fit a single log."""

from __future__ import annotations

from collections.abc import Sequence

from segtui.config import DEFAULT_FEATURES
from segtui.engine.features.catalog import FEATURES
from segtui.engine.io.tables import Tables


def drop_unavailable_defaults(
    requested: Sequence[str], tables: Tables
) -> tuple[list[str], list[str]]:
    """The default feature list minus the features this source cannot provide.

    Returns (features, warnings). Only for the defaults: an explicit feature list keeps
    failing with a message naming the missing column.
    """
    if tuple(requested) != DEFAULT_FEATURES:
        return list(requested), []
    kept: list[str] = []
    notes: list[str] = []
    for name in requested:
        missing = [
            column
            for table, column in FEATURES[name].needs
            if not (tables.has(table, column) or tables.has("transactions", column))
        ]
        if missing:
            notes.append(
                f"Feature {name!r} left out: the source has no {missing[0]} column"
                + (" (add --customers FILE)" if name == "region" else "")
                + quantity_hint(tables, missing[0])
                + "."
            )
        else:
            kept.append(name)
    # The default space needs no quantity, but a log whose quantity went unrecognised is
    # still worth a word: total_quantity and avg_quantity need it (issue 27's hint).
    hint = quantity_hint(tables, "Quantity")
    if hint and not any("Quantity" in note for note in notes):
        if not tables.has("transactions", "Quantity"):
            notes.append(f"The source has no Quantity column{hint} (for total_quantity).")
    return kept, notes


def quantity_hint(tables: Tables, missing: str) -> str:
    """ ", but number_of_cds looks like one: give --quantity-col number_of_cds" when the
    source lacks a Quantity column and a column's name or whole numbers say it holds one."""
    candidates = tables.info.get("data_quality", {}).get("quantity_candidates") or []
    if missing != "Quantity" or not candidates:
        return ""
    return f", but {candidates[0]} looks like one: give --quantity-col {candidates[0]}"
