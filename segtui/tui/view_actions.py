"""The app's actions that move between views: the tabs (1-5), opening a segment or a
customer, going back one level, closing the screen on top, and the command palette,
which runs each action where its key works. Kept apart from ``app.py``, which owns the
session (loading, re-clustering, the header), and from ``dialog_actions.py``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ListView, TabbedContent

from segtui.tui.keys import binding_label, key_label, palette_entries
from segtui.tui.widgets.customers_view import CustomersView
from segtui.tui.widgets.data_view import DataView
from segtui.tui.widgets.frame_table import FrameTable
from segtui.tui.widgets.segments_view import SegmentItem

if TYPE_CHECKING:
    from segtui.engine import Tables

# The widget that takes the focus when a view is shown.
TAB_FOCUS = {
    "segments": "#segment-list",
    "customers": "#customer-table",
    "data": "#raw-table",
    "charts": "#scatter",
    "value": "#value-view",
}


class ViewActions(App[None]):
    """Moving between views; the app subclass supplies the session state."""

    tables: Tables | None

    def action_close_or_quit(self) -> None:
        """Close the screen on top (a dialog or pushed view); quit from the base view."""
        if len(self.screen_stack) > 1:
            screen = self.screen
            cancel = getattr(screen, "cancel", None)
            if callable(cancel):
                cancel()  # a running sweep stops; its rows are dropped
            screen.dismiss(None)
            return
        self.exit()

    def get_key_display(self, binding: Binding) -> str:
        """Keys in the footer in the same notation as help and the palette."""
        return binding.key_display or key_label(binding.key)

    def action_show_tab(self, tab: str) -> None:
        """Switch to view ``tab``."""
        self.query_one(TabbedContent).active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        widget = self.query_one(TAB_FOCUS[tab])
        if widget.can_focus:
            widget.focus()

    def go_back(self) -> None:
        """Go back one level: a customer filter or another table first, then the
        Segments view."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == "customers" and self.query_one(CustomersView).back():
            return
        if tabs.active == "data" and self.query_one(DataView).back():
            return
        if tabs.active != "segments":
            self.action_show_tab("segments")

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._focus_tab(event.pane.id)

    @on(ListView.Selected, "#segment-list")
    def _open_segment(self, event: ListView.Selected) -> None:
        if isinstance(event.item, SegmentItem):
            view = self.query_one(CustomersView)
            view.query_one("#search").value = ""  # type: ignore[attr-defined]
            view.segment = event.item.segment
            self.action_show_tab("customers")

    @on(FrameTable.RowChosen, "#customer-table")
    def _open_customer(self, event: FrameTable.RowChosen) -> None:
        from segtui.tui.screens.transactions import TransactionsScreen

        if self.tables is None:
            return
        view = self.query_one(CustomersView)
        crumbs = ["Segments"]
        if view.segment is not None:
            crumbs.append(f"{view.segment} {view.names.get(view.segment, '')}")
        self.push_screen(TransactionsScreen(self.tables, event.values, crumbs))

    # -- command palette ------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands, every action of the app and its views (generated from
        the bindings), and the keys of the dialog that is open."""
        yield from super().get_system_commands(screen)
        if screen is not self.screen_stack[0]:
            for binding in screen.BINDINGS:
                assert isinstance(binding, Binding)
                yield SystemCommand(
                    binding.description,
                    f"key: {binding_label(binding)}",
                    lambda action=binding.action, target=screen: self.call_later(
                        self.run_action, action, target
                    ),
                )
            return
        for source, binding in palette_entries(self.BINDINGS):
            yield SystemCommand(
                binding.description,
                f"key: {binding_label(binding)} ({source.where})",
                lambda action=binding.action, view=source.view: self.call_later(
                    self._run_from_palette, action, view
                ),
            )

    async def _run_from_palette(self, action: str, view: str | None) -> None:
        """Run a palette action where its key would work: a view's action in that view,
        a table action on the current view's table, an app action on the app."""
        target: Widget | None = None
        if view is not None:
            self.action_show_tab(view)
            target = self.query_one(f"#{view}-view")
        elif action.split("(")[0] in ("sort", "choose") or action.startswith("cursor"):
            target = self.query_one(TAB_FOCUS[self.query_one(TabbedContent).active or "segments"])
            if not isinstance(target, FrameTable):
                self.notify("this view has no table; press 2 or 3 first", severity="warning")
                return
        await self.run_action(action, target)
