"""The workbench's two themes, dark and light, chosen for contrast.

Every pair the app draws reaches WCAG 4.5:1 for text and 3:1 for markers (segment
glyphs, chart bars) in truecolour and after a 256- or 16-colour terminal's downgrade;
``tests/tui/test_contrast.py`` measures it on screen. Textual's own themes are still in
the palette (ctrl+p, "Change theme"), but these two are the ones the numbers hold for.

Segment colours are ANSI names (``palette.py``) so a 16-colour terminal draws them in
its own palette; in truecolour Textual maps them through ``ANSI_DARK``/``ANSI_LIGHT``,
whose colours stand out from these themes' backgrounds.
"""

from __future__ import annotations

from rich.terminal_theme import TerminalTheme
from textual.theme import Theme

DARK_NAME, LIGHT_NAME = "segtui-dark", "segtui-light"

DARK = Theme(
    name=DARK_NAME,
    primary="#0062b0",  # white text on a primary button reaches 4.5:1
    secondary="#004578",
    accent="#ffa62b",
    warning="#ffa62b",
    error="#ff5f7a",
    success="#4EBF71",
    foreground="#e0e0e0",
    background="#121212",
    surface="#1e1e1e",
    panel="#242424",
    dark=True,
    variables={
        # The selected segment panel: a quiet background and bold text, so every
        # segment colour keeps its contrast on it.
        # (#2a2a2a is the lightest grey a 16-colour terminal still draws as black.)
        "block-cursor-background": "#2a2a2a",
        "block-cursor-foreground": "#ffffff",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#242424",
        "block-cursor-blurred-foreground": "#e0e0e0",
        "footer-background": "#121212",
        "footer-key-foreground": "#ffa62b",
        "footer-description-foreground": "#e0e0e0",
        "input-selection-background": "#0a2a6a",
    },
)

LIGHT = Theme(
    name=LIGHT_NAME,
    primary="#00308a",
    secondary="#0160aa",
    # Rust, not orange: it stays maroon (not olive) when a 16-colour terminal downgrades it.
    accent="#9a2a00",
    warning="#9a2a00",
    error="#a0203c",
    success="#1d6b35",
    foreground="#1a1a1a",
    background="#f4f4f4",
    surface="#ececec",
    panel="#e4e4e4",
    dark=False,
    variables={
        "block-cursor-background": "#d4e3f2",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#e0e0e0",
        "block-cursor-blurred-foreground": "#1a1a1a",
        "footer-background": "#f4f4f4",
        "footer-key-foreground": "#00308a",
        "footer-description-foreground": "#1a1a1a",
        "input-selection-background": "#c8dcf5",
    },
)

# ANSI colours in truecolour: (normal 8, then black's bright and the bright 7).
ANSI_DARK = TerminalTheme(
    (18, 18, 18),
    (224, 224, 224),
    [
        (26, 26, 26),
        (255, 110, 110),
        (120, 220, 90),
        (230, 200, 60),
        (120, 165, 255),
        (225, 125, 235),
        (80, 210, 230),
        (200, 200, 200),
        (150, 150, 150),
    ],
    [
        (255, 140, 140),
        (150, 240, 110),
        (250, 230, 100),
        (145, 185, 255),
        (240, 155, 250),
        (120, 230, 250),
        (240, 240, 240),
    ],
)

ANSI_LIGHT = TerminalTheme(
    (244, 244, 244),
    (26, 26, 26),
    [
        (0, 0, 0),
        (170, 20, 20),
        (20, 110, 20),
        (120, 80, 0),
        (30, 60, 190),
        (140, 30, 140),
        (0, 100, 120),
        (247, 247, 247),
        (95, 95, 95),
    ],
    [
        (200, 0, 60),
        (0, 120, 60),
        (140, 80, 0),
        (60, 60, 220),
        (160, 0, 160),
        (0, 110, 140),
        (255, 255, 255),
    ],
)
