"""SEGTUI_TIMINGS=1: the step timer of `segtui run` (steps named, non-negative, within
the wall time). Not a timed test: no figure is compared with a budget."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from segtui.cli import app
from segtui.cli.timings import STEPS

REFERENCE = Path(__file__).parent / "data" / "reference"

# The steps every K-Means Polars run goes through (value only with --clv; the inner
# split with a fixed k too, for the activity rule's learned states).
ALWAYS = [key for key, _label in STEPS if key != "value"]


def timing_rows(stderr: str) -> dict[str, float]:
    """The step table's rows: step name -> seconds."""
    lines = stderr.splitlines()
    start = lines.index("segtui timings (seconds, wall clock):")
    rows = {}
    for line in lines[start + 1 :]:
        name, seconds, *_label = line.split()
        rows[name] = float(seconds)
    return rows


def run(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[bytes, str]:
    out = tmp_path / "segments.csv"
    args = ["run", str(REFERENCE), "-k", "3", "--out", str(out), "--force", *extra]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    return out.read_bytes(), result.stderr


def test_timings_name_each_step_within_the_wall_time(tmp_path: Path) -> None:
    _segments, stderr = run(tmp_path, "-q", env={"SEGTUI_TIMINGS": "1"})
    rows = timing_rows(stderr)
    assert list(rows) == [*ALWAYS, "other", "wall"]
    assert all(seconds >= 0 for seconds in rows.values())
    listed = sum(rows[key] for key in ALWAYS)
    # Each row is rounded to a millisecond: the steps do not overlap, so their sum stays
    # within the wall time up to that rounding, and "other" is the rest.
    assert listed <= rows["wall"] + 0.0005 * len(ALWAYS)
    assert abs(listed + rows["other"] - rows["wall"]) <= 0.0005 * (len(ALWAYS) + 2)


def test_timings_change_no_output_and_are_off_by_default(tmp_path: Path) -> None:
    timed_segments, timed_stderr = run(tmp_path, "--json", env={"SEGTUI_TIMINGS": "1"})
    plain_segments, plain_stderr = run(tmp_path, "--json", env={"SEGTUI_TIMINGS": ""})
    assert timed_segments == plain_segments
    assert "segtui timings" in timed_stderr
    assert "segtui timings" not in plain_stderr
