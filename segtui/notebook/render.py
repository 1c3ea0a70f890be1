"""HTML and Markdown for results shown in a notebook.

A result describes itself as a :class:`Report` (a title, lines, tables, warnings, an
optional chart); this module turns a Report into HTML or Markdown. Every piece of text is
escaped here, in one place, because segment names, customer ids, regions and file names
come from user data (a region called ``<script>`` must show as text, not run).
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from typing import Any

Cell = str | int | float | None


@dataclass
class Table:
    """A titled table of plain cells; numbers are formatted by :func:`cell_text`."""

    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    note: str | None = None  # e.g. "first 20 of 200 rows"


@dataclass
class Report:
    """What a result shows: a title, short lines (metrics...), tables, warnings, a chart."""

    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chart_png: bytes | None = None


def cell_text(value: Cell) -> str:
    """A cell as text: thousands separators for integers, 4 significant digits for floats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def percent(value: float) -> str:
    """0.1234 -> '12.3%'."""
    return f"{100 * value:.1f}%"


def to_html(report: Report) -> str:
    """The report as an HTML fragment (escaped; inline styles only, no scripts)."""
    esc = html.escape
    parts = [f'<div class="segtui-result"><h4 style="margin:0.2em 0">{esc(report.title)}</h4>']
    for line in report.lines:
        parts.append(f'<div style="margin:0.1em 0">{esc(line)}</div>')
    for table in report.tables:
        parts.append(_html_table(table))
    if report.chart_png is not None:
        data = base64.b64encode(report.chart_png).decode("ascii")
        parts.append(f'<img alt="chart" src="data:image/png;base64,{data}"/>')
    if report.warnings:
        parts.append('<div style="margin-top:0.4em"><b>Warnings</b><ul style="margin:0">')
        parts += [f"<li>{esc(w)}</li>" for w in report.warnings]
        parts.append("</ul></div>")
    parts.append("</div>")
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in table.headers)
    body = "\n".join(
        "<tr>"
        + "".join(f'<td style="text-align:{_align(v)}">{esc(cell_text(v))}</td>' for v in row)
        + "</tr>"
        for row in table.rows
    )
    note = f"<div><small>{esc(table.note)}</small></div>" if table.note else ""
    return (
        f'<table style="border-collapse:collapse;margin:0.3em 0">'
        f'<caption style="text-align:left;font-weight:bold">{esc(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>{note}"
    )


def _align(value: Cell) -> str:
    return "right" if isinstance(value, int | float) and not isinstance(value, bool) else "left"


def to_markdown(report: Report) -> str:
    """The report as Markdown (table cells escaped so a ``|`` or ``<`` stays text)."""
    out = [f"**{_md(report.title)}**", ""]
    out += [f"{_md(line)}  " for line in report.lines]
    for table in report.tables:
        out += ["", f"*{_md(table.caption)}*", ""]
        out.append("| " + " | ".join(_md(h) for h in table.headers) + " |")
        out.append(
            "|"
            + "|".join("---:" if _numeric(table, i) else "---" for i in range(len(table.headers)))
            + "|"
        )
        out += ["| " + " | ".join(_md(cell_text(v)) for v in row) + " |" for row in table.rows]
        if table.note:
            out += ["", _md(table.note)]
    if report.warnings:
        out += ["", "**Warnings**", ""] + [f"- {_md(w)}" for w in report.warnings]
    return "\n".join(out) + "\n"


def _numeric(table: Table, index: int) -> bool:
    return bool(table.rows) and _align(table.rows[0][index]) == "right"


def _md(text: str) -> str:
    """Escape Markdown's table separator and HTML (notebooks render HTML in Markdown)."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def frame_table(frame: Any, caption: str, limit: int = 20) -> Table:
    """The first ``limit`` rows of a Polars frame as a Table, with a note when cut."""
    head = frame.head(limit)
    rows = [list(row) for row in head.iter_rows()]
    note = f"first {limit:,} of {frame.height:,} rows" if frame.height > limit else None
    return Table(caption, list(frame.columns), rows, note)
