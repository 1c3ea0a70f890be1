"""Draw segtui's layers, and the imports between them, as docs/images/layers.svg.

Run from the repository root: ``python docs/images/layers.py``. Every import statement of
``segtui/`` is read with ``ast`` (function-level and ``if TYPE_CHECKING:`` ones included,
as tests/test_import_contract.py reads them) and sorted into the layers below. An arrow
is drawn for each pair of layers that some import joins, labelled with the rule that
allows it (the numbers of docs/development.md, "Who may import whom"); an arrow no rule
allows is drawn red, labelled with its import statements. The picture changes only when
an arrow appears or goes, and tests/test_layers_picture.py fails when the committed one
is not what this script draws. Nothing of segtui is imported or run.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "segtui"
OUT = Path(__file__).resolve().parent / "layers.svg"

# Layer -> module prefixes (the longest matching prefix wins).
LAYERS: dict[str, tuple[str, ...]] = {
    "cli": ("segtui.cli", "segtui.__main__"),
    "tui": ("segtui.tui",),
    "notebook": ("segtui.notebook", "segtui"),
    "door": ("segtui.engine",),
    "settings": (
        "segtui.config",
        "segtui.settings_table",
        "segtui.settings_model",
        "segtui.settings_file",
        "segtui.version",
    ),
}

# (from, to) -> the rule that allows it; a pair not listed breaks the layering.
RULES: dict[tuple[str, str], str] = {
    ("cli", "door"): "1",
    ("tui", "door"): "1",
    ("notebook", "door"): "1",
    ("door", "engine"): "2",
    ("faces", "settings"): "3",
    ("engine", "settings"): "4",
    ("settings", "engine"): "5",
    ("cli", "tui"): "6",
    ("cli", "notebook"): "6",
}

# Boxes: layer -> (x, y, width, height, title, lines)
BOXES: dict[str, tuple[int, int, int, int, str, tuple[str, ...]]] = {
    "faces": (10, 10, 800, 118, "", ()),
    "cli": (20, 40, 250, 78, "segtui/cli/", ("the Typer face: one module", "per command")),
    "tui": (
        290,
        40,
        250,
        78,
        "segtui/tui/",
        ("the Textual workbench: app,", "screens, widgets, jobs"),
    ),
    "notebook": (
        560,
        40,
        240,
        78,
        "segtui/notebook/, __init__.py",
        ("the Python API (segment, ...)", "and its Jupyter results"),
    ),
    "door": (
        240,
        175,
        430,
        58,
        "segtui.engine  (segtui/engine/__init__.py)",
        ("the one door: the names in __all__, loaded on first use",),
    ),
    "engine": (10, 280, 800, 320, "the engine: segtui/engine/*", ()),
    "settings": (860, 10, 130, 590, "settings", ("beside every", "layer")),
}
UI_BOX = (705, 175, 145, 58)

# Inside the engine box: (x, y, w, title, caption)
ENGINE_PARTS: tuple[tuple[int, int, int, str, str], ...] = (
    (29, 320, 150, "backtest/", "judged by next period"),
    (
        195,
        320,
        430,
        "pipeline.py  cluster_run.py  finish.py  result.py",
        "run(settings): picks Polars or Spark; the shared finish",
    ),
    (641, 320, 150, "spark/", "only what must differ"),
)
STEPS = ("io/", "quality/", "features/", "clustering/", "segments/", "output/")
STEP_CAPTIONS = (
    "sources, dates",
    "value rules",
    "per customer",
    "space, k, scores",
    "profiles, names",
    "atomic writes",
)
SIDE_PARTS: tuple[tuple[str, str], ...] = (
    ("value/", "BG/NBD, Gamma-Gamma"),
    ("models/", "model, assign, lookalikes"),
    ("errors.py", "user errors: exit 2"),
    ("lookup.py, sample*.py", "tables, sample data"),
)
SETTINGS_PARTS: tuple[tuple[str, str], ...] = (
    ("config.py", "Settings, defaults"),
    ("settings_table.py", "the one table"),
    ("settings_model.py", "file model, ranges"),
    ("settings_file.py", "segtui.toml"),
    ("version.py", "__version__"),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> str | None:
    """The layer of a segtui module (None outside segtui)."""
    if module == "segtui.engine":
        return "door"
    if module.startswith("segtui.engine."):
        return "engine"
    best, length = None, -1
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            hit = module == prefix or (prefix != "segtui" and module.startswith(prefix + "."))
            if hit and len(prefix) > length:
                best, length = layer, len(prefix)
    return best


def imported(module: str, path: Path) -> list[str]:
    """Every segtui module that ``module`` imports, once per import statement and name."""
    found: list[str] = []
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            submodules = [
                f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in MODULES
            ]
            found += submodules or [source]
    return [name for name in found if name == "segtui" or name.startswith("segtui.")]


def layer_imports() -> Counter[tuple[str, str]]:
    """Import statements between layers, by (importing layer, imported layer)."""
    counts: Counter[tuple[str, str]] = Counter()
    for module, path in MODULES.items():
        source = layer_of(module)
        for target in imported(module, path):
            goal = layer_of(target)
            if source and goal and source != goal:
                counts[(source, goal)] += 1
    return counts


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text(
    x: float,
    y: float,
    body: str,
    size: int = 12,
    weight: str = "normal",
    anchor: str = "start",
    fill: str = "#1d2733",
) -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="{anchor}" fill="{fill}">{esc(body)}</text>'
    )


def box(x: float, y: float, w: float, h: float, fill: str, stroke: str = "#52606d") -> str:
    return (
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="1.2"/>'
    )


def anchor(layer: str, side: str) -> tuple[float, float]:
    x, y, w, h = BOXES[layer][:4]
    return {"top": (x + w / 2, y), "bottom": (x + w / 2, y + h)}[side]


# Where each arrow runs: (start point, end point, label point). The faces' imports of
# the settings are drawn as one arrow from the faces' frame.
ROUTES: dict[
    tuple[str, str], tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
] = {
    ("cli", "door"): ((200, 118), (320, 175), (232, 160)),
    ("tui", "door"): ((455, 118), (455, 175), (463, 152)),
    ("notebook", "door"): ((620, 118), (580, 175), (608, 152)),
    ("door", "engine"): ((455, 233), (455, 280), (463, 262)),
    ("cli", "engine"): ((40, 118), (40, 280), (48, 200)),
    ("tui", "engine"): ((310, 118), (150, 280), (100, 262)),
    ("notebook", "engine"): ((688, 118), (688, 280), (600, 262)),
    ("faces", "settings"): ((810, 70), (860, 70), (814, 62)),
    ("engine", "settings"): ((810, 420), (860, 420), (814, 412)),
    ("settings", "engine"): ((860, 470), (810, 470), (814, 462)),
    ("cli", "tui"): ((270, 60), (290, 60), (262, 34)),
    ("cli", "notebook"): ((150, 40), (640, 40), (395, 34)),
}
FACES = ("cli", "tui", "notebook")


def arrow(start: tuple[float, float], end: tuple[float, float], colour: str, dashed: bool) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    marker = "red" if colour == "#c0392b" else "ok"
    return (
        f'<line x1="{start[0]}" y1="{start[1]}" x2="{end[0]}" y2="{end[1]}" '
        f'stroke="{colour}" stroke-width="1.8"{dash} marker-end="url(#{marker})"/>'
    )


def draw(counts: Counter[tuple[str, str]]) -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="680" viewBox="0 0 1000 680" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
        "<defs>",
        '<marker id="ok" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1d2733"/></marker>',
        '<marker id="red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker>',
        "</defs>",
        '<rect width="1000" height="680" fill="#ffffff"/>',
    ]
    fills = {
        "faces": "#f6f9fd",
        "cli": "#e8f0fb",
        "tui": "#e8f0fb",
        "notebook": "#e8f0fb",
        "door": "#fff4d6",
        "engine": "#eef7ee",
        "settings": "#f3eefa",
    }
    for layer, (x, y, w, h, title, lines) in BOXES.items():
        parts.append(box(x, y, w, h, fills[layer]))
        parts.append(text(x + 10, y + 20, title or "the faces", 13, "bold"))
        for i, line in enumerate(lines):
            parts.append(text(x + 10, y + 38 + 16 * i, line, 11))
    x, y, w, h = UI_BOX
    parts.append(box(x, y, w, h, "#fdecea", "#c0392b"))
    parts.append(text(x + 10, y + 22, "textual, typer, rich", 13, "bold"))
    parts.append(text(x + 10, y + 40, "the faces only", 11))
    for px, py, pw, title, caption in ENGINE_PARTS:
        parts.append(box(px, py, pw, 46, "#ffffff"))
        parts.append(text(px + pw / 2, py + 19, title, 12, "bold", "middle"))
        parts.append(text(px + pw / 2, py + 36, caption, 10, anchor="middle", fill="#52606d"))
    width, gap, left, top = 112, 16, 29, 410
    for i, (step, caption) in enumerate(zip(STEPS, STEP_CAPTIONS, strict=True)):
        sx = left + i * (width + gap)
        parts.append(box(sx, top, width, 46, "#ffffff"))
        parts.append(text(sx + width / 2, top + 19, step, 12, "bold", "middle"))
        parts.append(text(sx + width / 2, top + 36, caption, 10, anchor="middle", fill="#52606d"))
        if i:
            parts.append(text(sx - gap / 2, top + 28, "›", 18, "bold", "middle", "#52606d"))
    parts.append(
        text(
            left,
            top - 8,
            "data flows one way: source › tables › features › "
            "clustering › profiles › outputs (the order of the data, not of imports)",
            10,
            fill="#52606d",
        )
    )
    side_w = (width * 6 + gap * 5 - 3 * gap) / 4
    for i, (name, caption) in enumerate(SIDE_PARTS):
        sx = left + i * (side_w + gap)
        parts.append(box(sx, 490, side_w, 46, "#ffffff"))
        parts.append(text(sx + side_w / 2, 509, name, 12, "bold", "middle"))
        parts.append(text(sx + side_w / 2, 526, caption, 10, anchor="middle", fill="#52606d"))
    parts.append(
        text(
            left,
            566,
            "inside the engine: no import cycles, function-level "
            "imports included; pyspark is imported only under spark/,",
            10,
            fill="#52606d",
        )
    )
    parts.append(
        text(left, 580, "and only pipeline.py chooses Polars or Spark", 10, fill="#52606d")
    )
    for i, (name, caption) in enumerate(SETTINGS_PARTS):
        sy = 80 + i * 100
        exists = (ROOT / name).exists()
        parts.append(box(866, sy, 118, 44, "#ffffff" if exists else "#f7f7f7"))
        parts.append(text(925, sy + 18, name, 10, "bold", "middle"))
        parts.append(
            text(
                925,
                sy + 34,
                caption if exists else "(not on main yet)",
                9,
                anchor="middle",
                fill="#52606d",
            )
        )
    parts.append(arrow((777, 280), (777, 233), "#c0392b", True))
    parts.append(text(785, 262, "never (7)", 11, "bold", fill="#c0392b"))
    faces = sum(n for (a, b), n in counts.items() if a in FACES and b == "settings")
    counts = Counter(
        {pair: n for pair, n in counts.items() if pair[1] != "settings" or pair[0] not in FACES}
    )
    counts[("faces", "settings")] = faces
    for pair, (start, end, label) in ROUTES.items():
        count = counts.get(pair, 0)
        if not count:
            continue
        rule = RULES.get(pair)
        colour = "#1d2733" if rule else "#c0392b"
        parts.append(arrow(start, end, colour, pair in (("cli", "tui"), ("cli", "notebook"))))
        words = str(rule) if rule else f"{count} past the door"
        parts.append(text(label[0], label[1], words, 11, "bold", fill=colour))
    drawn = set(ROUTES)
    stray = sorted(pair for pair in counts if pair not in drawn)
    if stray:
        raise SystemExit(f"imports between layers with no place in the picture: {stray}")
    parts.append(
        text(
            10,
            636,
            "An arrow = imports from one layer into another, read from the code "
            "(python docs/images/layers.py); its label = the rule that allows it.",
            10,
            fill="#52606d",
        )
    )
    parts.append(
        text(
            10,
            652,
            'Red = no rule allows it. Rules 1-7: docs/development.md, "Who may import whom".',
            10,
            fill="#52606d",
        )
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    OUT.write_text(draw(layer_imports()), encoding="utf-8")
    print(OUT.relative_to(REPO), file=sys.stderr)


if __name__ == "__main__":
    main()
