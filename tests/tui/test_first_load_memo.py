"""The memo that shares a first load between workbench tests (tests/tui/conftest.py)."""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path

from segtui.config import Settings
from segtui.tui import app as app_module

from .conftest import OUTCOME_PARAMETERS, first_load_key


def test_the_memo_fits_the_function_the_app_calls() -> None:
    # When the app's worker function changes, the memo stands aside (every test runs the
    # engine for real, correct but slower); this test says so instead of the clock.
    real = inspect.unwrap(app_module.compute_outcome)
    assert list(inspect.signature(real).parameters) == OUTCOME_PARAMETERS


def test_a_changed_file_or_setting_is_another_first_load(zeotap_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "source"
    shutil.copytree(zeotap_dir, folder)
    settings = Settings(source=folder)
    key = first_load_key(settings)
    assert key is not None and key == first_load_key(Settings(source=folder))
    assert first_load_key(settings.replace(k=5)) != key
    transactions = folder / "Transactions.csv"
    stamp = transactions.stat().st_mtime_ns
    os.utime(transactions, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    assert first_load_key(settings) != key
    assert first_load_key(Settings(source=tmp_path / "missing")) is None
    assert first_load_key(Settings()) is None  # the bundled sample
