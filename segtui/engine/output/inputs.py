"""Every file a command reads: the one list of inputs the output plan checks outputs
against (:func:`segtui.engine.output.plan.plan_outputs`).

Files are reached directly (the source, ``--customers``, ``--config``, ``--model``,
``--ids-file``) and through other files: the ``--like`` model named in the settings, the
source, tables, customers file and ``--like`` model of a summary given to ``--replay``, and
the customers file a model's recorded mapping names (``assign``, ``lookalike`` and
``migrate`` read a single log with it). Every command, the Python API's write and the
workbench's export (``result_files.py``) build their list here, so an
output can never land on a file the command reads, with or without ``--force``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from segtui.config import Settings
    from segtui.engine.models.model import SegmentModel

# (what it is, in words; its path as given). None paths are skipped by the plan.
Inputs = list[tuple[str, Path | str | None]]


def command_inputs(
    settings: Settings | None = None,
    *,
    config: Path | str | None = None,
    replay: Path | str | None = None,
    model: SegmentModel | None = None,
    sources: Sequence[Path | str | None] = (),
    mapping_overrides: Mapping[str, str | None] | None = None,
    others: Sequence[tuple[str, Path | str | None]] = (),
    read: Iterable[Path] = (),
) -> Inputs:
    """The files a command reads, as ``(what, path)`` pairs for the output plan.

    ``settings``: its source, the customers file of its mapping, the settings file it was
    read from (or ``config``) and its ``--like`` model. ``replay``: the summary and,
    through its manifest, the recorded run's files as for ``settings``. ``model``: the
    model file and, for each of ``sources`` that is a single log, the customers file
    that the model's recorded mapping names, as ``mapping_overrides`` change it.
    ``others``: further files read directly (an ids file). ``read``: files already known
    to have been read (a result's input files).
    """
    inputs: Inputs = []
    if settings is not None:
        inputs += _settings_inputs(settings, config)
    elif config is not None:
        inputs.append(("settings file", config))
    if replay is not None:
        inputs += _replay_inputs(replay)
    if model is not None:
        inputs.append(("model file", model.path))
    inputs += [("input", source) for source in sources]
    if model is not None:
        inputs += _model_customers(model, sources, mapping_overrides)
    inputs += list(others)
    inputs += [("input", file) for file in read]
    return inputs


class RunRecord(Protocol):
    """What :func:`result_inputs` reads of a run's result (a ``SegmentationResult``).

    Named by its two attributes rather than imported: the result type stays out of the
    output layer's imports, which it does not need.
    """

    settings: Settings
    input_files: list[Path]


def result_inputs(result: RunRecord) -> Inputs:
    """The files ``result``'s run read: its settings' files and the files it hashed."""
    return command_inputs(result.settings, read=result.input_files)


def _settings_inputs(settings: Settings, config: Path | str | None) -> Inputs:
    customers = settings.mapping_dict().get("customers")
    config_file = settings.extra.get("config_file") or config
    return [
        ("input", settings.source),
        ("customers file", customers),
        ("settings file", config_file),
        ("--like model", settings.like),
    ]


def _replay_inputs(summary: Path | str) -> Inputs:
    """The summary and what the run it records read (its settings' files)."""
    from segtui.engine.output.manifest import read_manifest, settings_from_record

    path = Path(summary)
    inputs: Inputs = [("summary to replay", path)]
    if not path.is_file():
        return inputs  # the replay names it
    recorded = settings_from_record(read_manifest(path).get("settings") or {})
    inputs += [
        (f"{what} of the replayed run", given)
        for what, given in _settings_inputs(recorded, None)
        if what != "settings file"
    ]
    return inputs


def _model_customers(
    model: SegmentModel,
    sources: Sequence[Path | str | None],
    overrides: Mapping[str, str | None] | None,
) -> Inputs:
    """The customers file each single-log source is read with (recorded or overridden)."""
    from segtui.engine.models.model_mapping import is_folder, model_mapping

    inputs: Inputs = []
    for source in sources:
        if source is None:
            continue
        customers = model_mapping(model, overrides, folder=is_folder(source)).get("customers")
        if customers:
            given = (overrides or {}).get("customers")
            what = "customers file" if given else "model's recorded customers file"
            inputs.append((what, customers))
    return inputs
