"""The settings dialog: k, seed, scaling, log transform, method (K-Means or the RFM grid),
customer value (--clv) and the feature list."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from segtui.config import AUTO_K, LOG_MODES, METHODS, SCALINGS, Settings
from segtui.tui.widgets.key_footer import KeyFooter
from segtui.tui.widgets.toggles import StateCheckbox, StateSelectionList


class SettingsScreen(ModalScreen[Settings | None]):
    """Edit clustering settings; dismisses with the new Settings (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
    ]

    def __init__(self, settings: Settings, features: list[str]) -> None:
        super().__init__()
        self.settings = settings
        self.current_features = features

    def compose(self) -> ComposeResult:
        from segtui.engine import available_names

        s = self.settings
        names = available_names()
        extra = [f for f in self.current_features if f not in names]
        chosen = set(s.features) | set(self.current_features)
        with Vertical(id="settings-box"):
            yield Static("Settings  (ctrl+s or Enter applies, esc cancels)", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("k (or auto)")
                yield Input(str(s.k), id="k", restrict=r"[0-9]*|[aA][uUtToO]*")
                yield Label("seed")
                yield Input(str(s.seed), id="seed", type="integer")
            with Horizontal(classes="field"):
                yield Label("scaling")
                yield Select(
                    [(name, name) for name in SCALINGS],
                    value=s.scaling,
                    allow_blank=False,
                    id="scaling",
                )
                yield Label("log")
                # --log auto|on|off (issue 15): a choice of three, not an on/off switch.
                yield Select([(m, m) for m in LOG_MODES], value=s.log, allow_blank=False, id="log")
            with Horizontal(classes="field"):
                yield Label("method")
                # --method: K-Means clusters, or the RFM grid's named cells (k unused).
                yield Select(
                    [(m, m) for m in METHODS], value=s.method, allow_blank=False, id="method"
                )
            # --clv: the same switch as V; horizon and discount rate stay as started.
            yield StateCheckbox(
                f"customer value: P(alive), CLV over {s.horizon_days} days, stages (--clv)",
                value=s.clv,
                id="clv",
            )
            yield StateSelectionList(
                *[(name, name, name in chosen) for name in names + extra], id="features"
            )
            yield Static(id="settings-error")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")
        yield KeyFooter()  # this dialog's keys, not the view's behind it

    def on_mount(self) -> None:
        self.query_one("#k", Input).focus()

    def collect(self) -> Settings | str:
        """The edited settings, or an error message."""
        raw_k = self.query_one("#k", Input).value.strip().lower()
        try:
            k: int | str = AUTO_K if raw_k == AUTO_K else int(raw_k)
            seed = int(self.query_one("#seed", Input).value)
        except ValueError:
            return "k must be a whole number or auto, and seed a whole number"
        if isinstance(k, int) and k < 2:
            return f"k must be at least 2 (got {k})"
        features = tuple(self.query_one("#features", SelectionList).selected)
        if not features:
            return "choose at least one feature"
        scaling = self.query_one("#scaling", Select).value
        return self.settings.replace(
            k=k,
            seed=seed,
            scaling=str(scaling),
            log=str(self.query_one("#log", Select).value),
            method=str(self.query_one("#method", Select).value),
            features=features,
            clv=self.query_one("#clv", Checkbox).value,
        )

    def action_apply(self) -> None:
        outcome = self.collect()
        if isinstance(outcome, str):
            self.query_one("#settings-error", Static).update(f"✖ {outcome}")
            return
        self.dismiss(outcome)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(None)
