"""The footer: the focused view's keys first, then the app's, as many as fit one line.

Textual's Footer lays every shown binding out and lets the screen's edge cut the last
one (``q▏``). This one drops whole keys instead, from the app's least important, and
always keeps help (``?``) and quit/close (``q``). Every key, shown here or not, is in
help and the command palette.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Always shown, at the end: the way to every other key and the way out.
KEPT = ("help", "close_or_quit")
PALETTE_ROOM = len(" ctrl+p palette ") + 1
# Shorter words for the footer's one line (help and the palette keep the long ones).
SHORT = {
    "Filter segment": "Filter",
    "Find in table": "Find",
    "Recommended": "Best k",
    "Re-cluster": "Use k",
    "Cancel/back": "Back",
}
# What the footer shows: (key shown, binding, enabled) per key, then the command
# palette's (binding, enabled) or None.
Plan = tuple[tuple[tuple[str, Binding, bool], ...], tuple[Binding, bool] | None]


def fitting(items: list[tuple[str, Binding]], width: int) -> list[tuple[str, Binding]]:
    """``items`` ((key shown, binding) in priority order) that fit ``width`` cells,
    dropping from the end but keeping the KEPT actions. Returns them in their order."""

    def cells(item: tuple[str, Binding]) -> int:
        key, binding = item
        return len(key) + len(binding.description) + 3  # " key description "

    kept = [item for item in items if item[1].action in KEPT]
    room = width - sum(cells(item) for item in kept)
    chosen = []
    for item in items:
        if item[1].action not in KEPT and cells(item) <= room:
            chosen.append(item)
            room -= cells(item)
    return chosen + kept


def footer_binding(binding: Binding, *, base: bool) -> Binding:
    """``binding`` with the footer's short description; q says "Quit" on the base view
    and "Close" on a screen or dialog above it."""
    if binding.action == "close_or_quit":
        description = "Quit" if base else "Close"
    else:
        description = SHORT.get(binding.description, binding.description)
    return Binding(binding.key, binding.action, description, key_display=binding.key_display)


class KeyFooter(Footer):
    """A Footer that fits its keys to the width (see the module docstring)."""

    # What the keys on screen were composed from: a recompose that would show the same
    # keys is skipped. Textual recomposes on every focus change, resize and binding
    # refresh (five times in the first second of a session, while the first job reads
    # its data), and removing and mounting a dozen keys again costs the UI thread's time.
    _on_screen: Plan | None = None

    async def on_resize(self) -> None:
        await self.recompose()

    async def recompose(self) -> None:
        if not self.is_attached or self._pruning:
            return  # as Textual's own: nothing to compose on a footer being removed
        if self._bindings_ready and self._on_screen is not None:
            if self._plan() == self._on_screen:
                return
        await super().recompose()

    def _plan(self) -> Plan:
        """The keys to show, in order, and the command palette's key (see ``Plan``)."""
        active = self.screen.active_bindings
        seen: set[str] = set()
        items: list[tuple[str, Binding]] = []
        enabled: dict[str, bool] = {}
        base = len(self.app.screen_stack) == 1
        for _node, binding, on, _tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            enabled[binding.action] = on
            items.append((self.app.get_key_display(binding), footer_binding(binding, base=base)))
        width = (self.size.width or self.app.size.width) - PALETTE_ROOM
        shown = tuple(
            (key, binding, enabled[binding.action]) for key, binding in fitting(items, width)
        )
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                palette = (found[1], found[2])
        return shown, palette

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._on_screen = plan = self._plan()
        shown, palette = plan
        self.styles.grid_size_columns = len(shown)
        for key, binding, on in shown:
            yield FooterKey(
                binding.key, key, binding.description, binding.action, disabled=not on
            ).data_bind(compact=Footer.compact)
        if palette is not None:
            binding, on = palette
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not on,
            )
