"""Every key of the workbench in one notation: help, the command palette and the footer
are all generated from the binding tables, so they cannot drift from what the keys do.

``binding_sources()`` is the one list of binding owners (app, views, tables, dialogs);
``help_rows()`` turns it into the help table, ``palette_entries()`` into command-palette
commands, and ``key_label()`` is the notation the footer, help and palette share.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

# Textual key names -> what the user sees. Everything else is shown as named
# ("ctrl+s", "enter", "tab"), lower case, function keys upper case ("F5").
KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "number_sign": "#",
    "escape": "esc",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pageup": "pgup",
    "pagedown": "pgdn",
    "space": "space",
    "dollar_sign": "$",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
}


def key_label(key: str) -> str:
    """One key in the workbench's notation: ``question_mark`` -> ``?``, ``escape`` ->
    ``esc``, ``f5`` -> ``F5``, ``ctrl+r`` stays ``ctrl+r``."""
    key = key.strip()
    *modifiers, name = key.split("+") if key != "plus" else ["plus"]
    shown = KEY_NAMES.get(name, name)
    if len(shown) > 1 and shown[0] == "f" and shown[1:].isdigit():
        shown = shown.upper()
    return "+".join([*modifiers, shown])


def binding_label(binding: Binding) -> str:
    """All keys of ``binding`` in one notation, joined with ``/`` (``esc/q``)."""
    return "/".join(key_label(key) for key in binding.key.split(","))


@dataclass(frozen=True)
class BindingSource:
    """A binding table and where its keys work. ``view`` names the tab a palette command
    switches to first; ``in_palette`` is False for dialogs (their keys only make sense
    while the dialog is open, and the palette then lists the dialog's own keys)."""

    where: str
    bindings: list[BindingType]
    view: str | None = None
    in_palette: bool = True
    # Tables: the palette offers only their shown keys (sort, open), not cursor moves.
    palette_shown_only: bool = False


def binding_sources(app_bindings: list[BindingType]) -> list[BindingSource]:
    """Every binding table: ``app_bindings`` (the app's, passed in because the app module
    imports this one), its views, tables and dialogs."""
    from segtui.tui.screens.backtest import BacktestScreen
    from segtui.tui.screens.dialogs import ConfirmScreen, HelpScreen
    from segtui.tui.screens.export import ExportScreen
    from segtui.tui.screens.lookalikes import LookalikesScreen
    from segtui.tui.screens.migration import MigrationScreen
    from segtui.tui.screens.settings import SettingsScreen
    from segtui.tui.screens.sweep import SweepScreen
    from segtui.tui.screens.transactions import TransactionsScreen
    from segtui.tui.widgets.customers_view import CustomersView
    from segtui.tui.widgets.data_view import DataView
    from segtui.tui.widgets.frame_table import FrameTable
    from segtui.tui.widgets.segments_view import SegmentsView
    from segtui.tui.widgets.value_view import ValueView

    return [
        BindingSource("everywhere", app_bindings),
        BindingSource("Segments", SegmentsView.BINDINGS, view="segments"),
        BindingSource("Customers", CustomersView.BINDINGS, view="customers"),
        BindingSource("Data", DataView.BINDINGS, view="data"),
        BindingSource("Value", ValueView.BINDINGS, view="value", palette_shown_only=True),
        BindingSource("tables", FrameTable.BINDINGS, palette_shown_only=True),
        BindingSource("transactions", TransactionsScreen.BINDINGS, in_palette=False),
        BindingSource("lookalikes", LookalikesScreen.BINDINGS, in_palette=False),
        BindingSource("migration", MigrationScreen.BINDINGS, in_palette=False),
        BindingSource("backtest", BacktestScreen.BINDINGS, in_palette=False),
        BindingSource("sweep view", SweepScreen.BINDINGS, in_palette=False),
        BindingSource("export dialog", ExportScreen.BINDINGS, in_palette=False),
        BindingSource("settings dialog", SettingsScreen.BINDINGS, in_palette=False),
        BindingSource("confirmation", ConfirmScreen.BINDINGS, in_palette=False),
        BindingSource("help", HelpScreen.BINDINGS, in_palette=False),
    ]


# Keys Textual itself provides (not in our tables) that the user still needs to know.
BUILT_IN = [
    ("ctrl+p", "Command palette", "everywhere"),
    ("ctrl+q", "Quit from anywhere (q closes the screen on top)", "everywhere"),
    ("tab/shift+tab", "Next / previous field", "everywhere"),
    ("enter", "Open segment / customer", "Segments, Customers"),
]


def help_rows(app_bindings: list[BindingType]) -> list[tuple[str, str, str]]:
    """(keys, description, where) for every binding, in the notation of ``key_label``."""
    rows = []
    for source in binding_sources(app_bindings):
        for binding in source.bindings:
            assert isinstance(binding, Binding)
            rows.append((binding_label(binding), binding.description, source.where))
    rows.extend(BUILT_IN)
    return rows


def palette_entries(app_bindings: list[BindingType]) -> list[tuple[BindingSource, Binding]]:
    """(source, binding) of every action the command palette offers, quit excluded
    (Textual's own Quit command is there)."""
    entries = []
    for source in binding_sources(app_bindings):
        if not source.in_palette:
            continue
        for binding in source.bindings:
            assert isinstance(binding, Binding)
            hidden = source.palette_shown_only and not binding.show
            if binding.action in ("quit", "close_or_quit") or hidden:
                continue
            entries.append((source, binding))
    return entries
