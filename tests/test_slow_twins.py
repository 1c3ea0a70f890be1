"""The slow-twin list names tests that exist, so a rename cannot silently move nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from slow_twins import SLOW_TWINS, is_slow_twin

TESTS = Path(__file__).resolve().parent


def _sources() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in TESTS.rglob("test_*.py"))


@pytest.mark.parametrize(
    "pattern",
    [p for p in SLOW_TWINS if "::" in p],
    ids=lambda p: f"twin{list(SLOW_TWINS).index(p)}",
)
def test_each_named_twin_is_a_test_that_exists(pattern: str) -> None:
    file_name, _, rest = pattern.partition("::")
    name = re.split(r"\[", rest)[0]
    files = list(TESTS.rglob(file_name))
    assert files, f"no test file {file_name}"
    found = rf"def {re.escape(name)}\w*\("  # a pattern may name a prefix of the test
    assert any(re.search(found, path.read_text(encoding="utf-8")) for path in files), pattern


def test_twins_without_a_file_name_still_match_a_test_function() -> None:
    sources = _sources()
    for pattern in SLOW_TWINS:
        if "::" in pattern or pattern == "120x40":
            continue
        name = pattern.split("[")[0]
        assert re.search(rf"def \w*{re.escape(name)}\w*\(", sources), pattern


def test_an_80x24_instance_stays_fast_and_its_larger_twin_is_slow() -> None:
    assert is_slow_twin("tests/tui/test_app_layers.py::test_q_closes[120x40]")
    assert not is_slow_twin("tests/tui/test_app_layers.py::test_q_closes[80x24]")
    assert not is_slow_twin("tests/tui/test_contrast.py::test_a_low_contrast_pair_is_caught")
    # Snapshots stay fast at both sizes; a snapshot another rule names stays slow.
    assert not is_slow_twin("tests/tui/test_snapshots.py::test_main_views[segments-120x40]")
    assert not is_slow_twin("tests/tui/test_sweep_snapshots.py::test_sweep_view[120x40]")
    assert is_slow_twin("tests/tui/test_snapshots.py::test_dialogs[lookalikes-120x40]")
    scene = "tests/tui/test_contrast.py::test_every_pair_on_screen_reaches_wcag_contrast"
    assert not is_slow_twin(f"{scene}[segments-segtui-dark]")
    assert is_slow_twin(f"{scene}[help-segtui-dark]")
