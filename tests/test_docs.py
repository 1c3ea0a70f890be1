"""The manual stays true: generated references match the code, links resolve, the README
stays a short front door."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from segtui.cli import reference

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and ![alt](target); the target ends at whitespace or ")"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


@pytest.mark.parametrize("page", [reference.CLI_PAGE, reference.KEYS_PAGE])
def test_generated_reference_matches_the_code(page):
    committed = (ROOT / page).read_text(encoding="utf-8")
    assert committed == reference.pages()[page], (
        f"{page} is stale: regenerate it with `{reference.REGENERATE}` and commit it"
    )


def test_cli_reference_lists_every_option_with_its_short_flag():
    text = reference.cli_markdown()
    run = text.split("## segtui run\n")[1].split("\n## ")[0]
    for cell in ("`--k`, `-k`", "`--features`, `-f`", "`--out`, `-o`", "`--quiet`, `-q`"):
        assert cell in run
    for option in ("--engine", "--spark-master", "--spark-conf", "--spark-driver-limit"):
        assert f"| `{option}` |" in run
    assert "| `--log` | str |" in run  # --log auto|on|off (issue 15)


def test_cli_reference_shows_defaults_types_and_arguments():
    text = reference.cli_markdown()
    sample = text.split("## segtui sample\n")[1].split("\n## ")[0]
    assert "segtui sample [OPTIONS] OUT_DIR" in sample
    assert "| `--customers` | int | `1000` |" in sample
    assert "| `--force` | flag | off |" in sample


def test_ui_reference_has_no_quiet_option():
    ui = reference.cli_markdown().split("## segtui ui\n")[1].split("\n## ")[0]
    assert "--no-mouse" in ui and "--quiet" not in ui


def test_keys_reference_groups_bindings_by_class(monkeypatch):
    from segtui.tui.widgets.data_view import DataView

    monkeypatch.setattr(DataView, "BINDINGS", [*DataView.BINDINGS, Binding("ctrl+x", "x", "Ex")])
    text = reference.keys_markdown()
    data_view = text.split("## DataView\n")[1].split("\n## ")[0]
    assert "| `ctrl+x` | Ex | `x` | yes |" in data_view
    assert "| `t` | Next table | `next_table` | yes |" in data_view


def test_keys_reference_writes_every_key_of_a_binding_in_one_notation():
    text = reference.keys_markdown()
    assert "| `+` or `=` | k+ |" in text  # "plus,equals_sign"
    assert "| `esc` or `?` or `q` | Close |" in text  # "escape,question_mark,q"
    assert "| `ctrl+p` | Command palette |" in text  # Textual's own palette key


def _relative_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    targets = [match.group(1) for match in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_an_existing_file(page):
    missing = [
        target
        for target in _relative_links(page)
        if not (page.parent / target.split("#")[0]).exists()
    ]
    assert missing == [], f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_link_check_sees_the_readme_links():
    # guards the regex: a check that finds no links would pass on any README
    links = _relative_links(ROOT / "README.md")
    assert "docs/images/workbench-segments.svg" in links and "docs/cli.md" in links


def test_readme_has_at_most_300_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines; move detail into docs/"
