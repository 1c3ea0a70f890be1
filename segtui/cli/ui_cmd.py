"""``segtui ui``: the Textual workbench (imported only when the command runs).

The Typer command; what it does once its options are read (check the terminal and the
source, open the app) is in ``ui_open.py``, which plain ``segtui ui [SOURCE]`` runs
without importing Typer at all (``ui_open.plain_command``).
"""

from __future__ import annotations

from segtui.cli import ui_open
from segtui.cli.app_root import app
from segtui.cli.common import handle_errors, load_settings
from segtui.cli.options import Given, takes


@app.command()
@takes(
    "source", "k", "method", "clustering", "config", "mapping", "spark", "like", "value",
    "no_mouse@ui",
)  # fmt: skip
def ui(given: Given) -> None:
    """Open the interactive segmentation workbench (reads and segments as `run` does)."""
    with handle_errors():
        if given.spark() is not None:
            from segtui.engine import OptionError

            # The workbench browses the raw tables and re-clusters in place: one machine.
            raise OptionError(
                "the workbench runs on the polars engine",
                hint="use `segtui run --engine spark` for Spark",
            )
        config = given["config"]
        settings, _ = load_settings(
            given["source"], config, mapping=given.mapping(), **given.settings()
        )
        ui_open.open_workbench(settings, config, mouse=not given["no_mouse"])
