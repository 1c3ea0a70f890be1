"""Small modal dialogs: help (every key) and yes/no confirmation."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from segtui.tui.widgets.key_footer import KeyFooter


class HelpScreen(ModalScreen[None]):
    """Lists every key binding (built from the live binding tables)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Where", style="italic")
        for key, description, where in self.rows:
            table.add_row(key, description, where)
        with Vertical(id="help-box"):
            yield Static("Keys  (esc closes)", classes="dialog-title")
            with VerticalScroll():
                yield Static(table, id="help-table")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; dismisses with True for yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="question")
            with Horizontal(classes="buttons"):
                yield Button("Overwrite (y)", variant="warning", id="yes")
                yield Button("Cancel (n)", id="no")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
