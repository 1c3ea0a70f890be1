"""`run --like`: persisting segments keep their ids and names across snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from segtui.cli import app
from segtui.config import Settings
from segtui.engine.errors import OptionError
from segtui.engine.models.build import build_model
from segtui.engine.models.matching import NEW, PERSISTING, match_segments, match_threshold
from segtui.engine.models.model import load_model, save_model
from segtui.engine.pipeline import SegmentationResult, run
from segtui.engine.sample import generate


def _dominant_group(source: Path, result: SegmentationResult) -> dict[int, str]:
    """Segment id -> the planted group most of its customers come from."""
    truth = pl.read_csv(source / "Customers.csv").select("CustomerID", "PlantedGroup")
    joined = result.segments.filter(pl.col("segment") >= 0).join(truth, on="CustomerID")
    counts = joined.group_by("segment", "PlantedGroup").len().sort("len", descending=True)
    top = counts.unique("segment", keep="first", maintain_order=True)
    return {int(seg): str(group) for seg, group, _n in top.rows()}


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """January (4 planted groups) and February (a fifth group appears), and a model of
    January saved from a plain run."""
    root = tmp_path_factory.mktemp("snapshots")
    generate(1000, 10_000, seed=7, groups=4).write(root / "jan")
    generate(1200, 12_000, seed=9, groups=5).write(root / "feb")
    result = run(Settings(source=root / "jan"))
    save_model(build_model(result, result.input_files), root / "jan.json")
    return {"jan": root / "jan", "feb": root / "feb", "model": root / "jan.json"}


def test_unchanged_data_keeps_every_id_and_name(snapshots):
    model = load_model(snapshots["model"])
    # Another seed: the fit is redone from scratch, only the matching ties it to the model.
    result = run(Settings(source=snapshots["jan"], seed=5, like=snapshots["model"]))
    assert result.matching is not None
    assert [m.status for m in result.matching.matches] == [PERSISTING] * 4
    assert result.matching.vanished == []
    assert {p.id: p.name for p in result.profiles} == model.names
    segments = result.segments.filter(pl.col("segment") >= 0)
    assert (segments["segment"] == segments["previous_segment"]).mean() == 1.0


def test_a_permutation_of_the_model_is_undone(snapshots, tmp_path):
    model = load_model(snapshots["model"])
    permutation = [2, 0, 3, 1]  # old id i is called permutation[i] in the permuted model
    permuted = build_model(run(Settings(source=snapshots["jan"])))
    permuted.segments = sorted(
        (p.__class__(**(p.to_dict() | {"id": permutation[p.id]})) for p in model.segments),
        key=lambda p: p.id,
    )
    permuted.centroids = model.centroids[np.argsort(permutation)]
    save_model(permuted, tmp_path / "permuted.json")
    plain = run(Settings(source=snapshots["jan"]))
    result = run(Settings(source=snapshots["jan"], like=tmp_path / "permuted.json"))
    expected = plain.segments["segment"].replace_strict(
        [0, 1, 2, 3, -1], [*permutation, -1], return_dtype=pl.Int64
    )
    assert result.segments["segment"].to_list() == expected.to_list()
    assert {p.id: p.name for p in result.profiles} == {
        permutation[p.id]: p.name for p in model.segments
    }


def test_a_new_group_gets_the_next_id_and_the_others_keep_theirs(snapshots):
    jan = run(Settings(source=snapshots["jan"]))
    feb = run(Settings(source=snapshots["feb"], k=5, like=snapshots["model"]))
    assert feb.matching is not None
    assert [m.id for m in feb.matching.matches if m.status == NEW] == [4]
    jan_groups, feb_groups = (
        _dominant_group(snapshots["jan"], jan),
        _dominant_group(snapshots["feb"], feb),
    )
    # Each kept id still holds the same planted group; the new id holds the new group.
    assert {i: feb_groups[i] for i in range(4)} == jan_groups
    assert feb_groups[4] == "Bulk buyers"


def test_a_vanished_group_is_reported(snapshots, tmp_path):
    five = run(Settings(source=snapshots["feb"], k=5))
    save_model(build_model(five), tmp_path / "feb.json")
    gone = _dominant_group(snapshots["feb"], five)
    result = run(Settings(source=snapshots["jan"], k=4, like=tmp_path / "feb.json"))
    assert result.matching is not None
    vanished = result.matching.vanished
    assert len(vanished) == 1 and gone[vanished[0]["id"]] == "Bulk buyers"
    assert vanished[0]["id"] not in {p.id for p in result.profiles}


def test_summary_reports_match_drift_and_since(snapshots):
    result = run(Settings(source=snapshots["feb"], k=5, like=snapshots["model"]))
    summary = result.summary()
    model = load_model(snapshots["model"])
    for seg in summary["segments"]:
        if seg["id"] < 4:
            assert seg["match"]["status"] == PERSISTING
            assert 0 <= seg["match"]["drift"] <= summary["like"]["threshold"]
            assert seg["since"] == model.training_as_of.isoformat()
        else:
            assert seg["match"] == {
                "status": NEW,
                "previous_id": None,
                "previous_name": None,
                "drift": None,
            }
            assert seg["since"] == result.as_of.isoformat()
    assert summary["like"]["threshold"] == pytest.approx(match_threshold(model.centroids))


def test_saved_model_records_since_and_a_later_like_keeps_it(snapshots, tmp_path):
    feb = run(Settings(source=snapshots["feb"], k=5, like=snapshots["model"]))
    save_model(build_model(feb), tmp_path / "feb.json")
    saved = load_model(tmp_path / "feb.json")
    assert saved.since[0] == load_model(snapshots["model"]).training_as_of.isoformat()
    assert saved.since[4] == feb.as_of.isoformat()
    again = run(Settings(source=snapshots["feb"], k=5, like=tmp_path / "feb.json"))
    assert again.segments.filter(pl.col("segment") == 4)["segment_since"][0].isoformat() == (
        feb.as_of.isoformat()
    )


def test_like_needs_the_models_features(snapshots):
    with pytest.raises(OptionError, match="--like needs the features"):
        run(
            Settings(
                source=snapshots["jan"],
                features=("total_spend", "frequency"),
                like=snapshots["model"],
            )
        )


def test_matching_pairs_optimally_not_greedily():
    old = np.array([[0.0, 0.0], [1.0, 0.0]])
    # Greedy (nearest first) would give new 0 -> old 1 (distance 0.1) and leave new 1
    # with old 0 at 2.0; the optimal total pairs new 0 -> old 0 and new 1 -> old 1.
    new = np.array([[0.9, 0.0], [2.0, 0.0]])
    matching = match_segments(new, old, [0, 1], {0: "a", 1: "b"}, threshold=5.0)
    assert [(m.label, m.previous_id) for m in matching.matches] == [(0, 0), (1, 1)]


def test_matching_beyond_the_threshold_is_new_and_its_partner_vanishes():
    old = np.array([[0.0, 0.0], [10.0, 0.0]])
    new = np.array([[0.2, 0.0], [10.0, 8.0]])
    matching = match_segments(new, old, [0, 3], {0: "a", 3: "b"})
    assert matching.threshold == 5.0
    assert [(m.id, m.status) for m in matching.matches] == [(0, PERSISTING), (4, NEW)]
    assert matching.vanished == [{"id": 3, "name": "b"}]


def test_cli_like_writes_previous_segment_and_since(snapshots, tmp_path):
    out, summary = tmp_path / "feb.csv", tmp_path / "feb.json"
    result = CliRunner().invoke(
        app,
        ["run", str(snapshots["feb"]), "-k", "5", "--like", str(snapshots["model"]), "-q"]
        + ["--out", str(out), "--summary", str(summary)],
    )
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(out)
    assert frame.columns[:5] == [
        "CustomerID",
        "segment",
        "segment_name",
        "previous_segment",
        "segment_since",
    ]
    assert json.loads(summary.read_text())["like"]["new"] == [4]


def test_migrate_refit_of_unchanged_data_moves_nobody(snapshots):
    from segtui.engine.io.sources import load_source
    from segtui.engine.models.migration import migrate

    model = load_model(snapshots["model"])
    tables = load_source(snapshots["jan"])
    result = migrate(model, tables, tables, refit_after=True)
    assert result.matching is not None and result.matching.vanished == []
    assert result.counts()["moved"] == 0
    assert result.column_labels == result.row_labels[:-1] + ["lost"]


def test_migrate_refit_columns_carry_the_matched_ids(snapshots):
    result = CliRunner().invoke(
        app,
        ["migrate", str(snapshots["jan"]), str(snapshots["feb"])]
        + ["--model", str(snapshots["model"]), "--refit", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    refit = summary["refit"]
    # the after segments: every column but -1, -2 (not clustered) and "lost"
    after_ids = [int(label.split(" ", 1)[0]) for label in summary["columns"][:-3]]
    kept = [i for i in after_ids if i not in refit["new"]]
    assert len(kept) == refit["persisting"] and set(kept) <= {0, 1, 2, 3}
    assert not set(kept) & {v["id"] for v in refit["vanished"]}
    assert all(i >= 4 for i in refit["new"]) and set(refit["new"]) <= set(after_ids)
    assert sum(summary["column_totals"]) == sum(summary["row_totals"])
