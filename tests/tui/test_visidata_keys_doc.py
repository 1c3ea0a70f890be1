"""docs/workbench.md's "For VisiData users" table is true: every key its segtui column
names is bound, in the binding table of the place the row speaks of, to the action the
row describes. A row added to the table without a claim here, or a key rebound, fails.

What each action does is tested by Pilot elsewhere (test_app_keys: j/k/g/G, ctrl+r;
test_table_keys: ctrl+f/ctrl+b, 0/$, [/], highlighted matches; test_app_layers: q and
ctrl+q, the sweep's j/k; test_app_table_search: h/l; test_app_export: e and w;
test_app_sweep: the sweep's pgdn); this test ties the page to those bindings.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.widgets import ListView

from segtui.tui.app import SegtuiApp
from segtui.tui.screens.sweep import SweepScreen
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.data_view import DataView
from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.segments_view import SegmentsView

PAGE = Path(__file__).resolve().parents[2] / "docs" / "workbench.md"

# Per row (its VisiData column): the bindings that make its segtui column true, as
# (owner, Textual key, action).
CLAIMS: dict[str, list[tuple[type, str, str]]] = {
    "`j` `k` `h` `l`, arrows": [
        (FrameTable, "j", "cursor(1)"),
        (FrameTable, "k", "cursor(-1)"),
        (FrameTable, "down", "cursor(1)"),
        (FrameTable, "up", "cursor(-1)"),
        (FrameTable, "h", "column(-1)"),
        (FrameTable, "l", "column(1)"),
        (FrameTable, "left", "column(-1)"),
        (FrameTable, "right", "column(1)"),
        (SweepScreen, "j", "move(1)"),
        (SweepScreen, "k", "move(-1)"),
        (SegmentsView, "j", "move(1)"),
        (SegmentsView, "k", "move(-1)"),
    ],
    "`g` `G` (`gg`/`G`)": [(FrameTable, "g", "jump(0)"), (FrameTable, "G", "jump(-1)")],
    "`ctrl+f` `ctrl+b`": [
        (FrameTable, "ctrl+f", "page(1)"),
        (FrameTable, "ctrl+b", "page(-1)"),
        (FrameTable, "pagedown", "page(1)"),
        (FrameTable, "pageup", "page(-1)"),
        (SweepScreen, "ctrl+f", "notes(1)"),
        (SweepScreen, "ctrl+b", "notes(-1)"),
    ],
    "`0` `$` (`gh`/`gl`)": [
        (FrameTable, "0", "edge_column(0)"),
        (FrameTable, "dollar_sign", "edge_column(-1)"),
    ],
    "`[` `]`": [
        (FrameTable, "left_square_bracket", "sort_by(False)"),
        (FrameTable, "right_square_bracket", "sort_by(True)"),
        (FrameTable, "o", "sort"),
    ],
    "`/` then `n` `N`": [
        (CustomersView, "slash", "search"),
        (DataView, "slash", "search"),
        (FrameTable, "n", "next_match(1)"),
        (FrameTable, "N", "next_match(-1)"),
    ],
    "`Enter`": [(FrameTable, "enter", "choose"), (ListView, "enter", "select_cursor")],
    "`q`": [(SegtuiApp, "q", "close_or_quit")],
    "`gq`": [(App, "ctrl+q", "quit")],
    "`ctrl+r` (reload)": [(SegtuiApp, "ctrl+r", "reload"), (SegtuiApp, "f5", "reload")],
    "`F` (frequency)": [(CustomersView, "f", "next_segment")],
    "`ctrl+s` (save)": [
        (SegtuiApp, "e", "export"),
        (SegtuiApp, "w", "save_settings"),
        (SegtuiApp, "M", "save_model"),
    ],
    "`z?` / `ctrl+h`": [(SegtuiApp, "question_mark", "help")],
}
# The notation of the page -> Textual's key names.
NAMES = {
    "$": "dollar_sign",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "/": "slash",
    "?": "question_mark",
    "pgdn": "pagedown",
    "pgup": "pageup",
    "F5": "f5",
    "Enter": "enter",
}


# VisiData's own spellings in the VisiData column, not keys of segtui.
VISIDATA_ONLY = {"gg/G", "gh/gl"}


def visidata_rows() -> dict[str, tuple[str, str]]:
    """The table's rows: VisiData column -> (segtui column, note)."""
    text = PAGE.read_text(encoding="utf-8").split("### For VisiData users", 1)[1]
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] not in ("VisiData", "---"):
            rows[cells[0]] = (cells[1], cells[2])
        elif rows and not line.startswith("|"):
            break
    return rows


def bound(owner: type, key: str) -> set[str]:
    """The actions ``owner``'s own binding table gives ``key``."""
    actions = set()
    for binding in owner.__dict__.get("BINDINGS", []):
        assert isinstance(binding, Binding)
        if key in [k.strip() for k in binding.key.split(",")]:
            actions.add(binding.action)
    return actions


def test_the_visidata_table_has_a_claim_for_every_row() -> None:
    rows = visidata_rows()
    assert len(rows) >= 12
    assert set(rows) == set(CLAIMS)


def test_every_key_in_the_visidata_table_does_what_its_row_says() -> None:
    for row, (segtui, _note) in visidata_rows().items():
        claims = CLAIMS[row]
        for owner, key, action in claims:
            assert action in bound(owner, key), f"{row}: {owner.__name__} {key} -> {action}"
        # "same" means the VisiData keys themselves (less VisiData's own spellings);
        # every key the segtui cell names must be claimed.
        keys = [k for t in re.findall(r"`([^`]+)`", segtui) for k in t.split()]
        if segtui.startswith("same"):
            named = [k for t in re.findall(r"`([^`]+)`", row) for k in t.split()]
            keys += [k for k in named if k not in VISIDATA_ONLY]
        claimed = {key for _owner, key, _action in claims}
        for key in keys:
            assert NAMES.get(key, key) in claimed, f"{row}: `{key}` is not claimed"


def test_the_command_palette_key_is_the_one_the_table_names() -> None:
    _segtui, note = visidata_rows()["`z?` / `ctrl+h`"]
    assert "`ctrl+p` runs any of them by name" in note
    assert SegtuiApp.COMMAND_PALETTE_BINDING == "ctrl+p"
