"""Writing a result: the one way its files are planned, staged and committed.

:func:`plan_result` checks the files a result goes to (the segments file, the summary,
the model, the rules, or a workbench export) against the inputs to protect (built by
:mod:`segtui.engine.output.inputs`) and each other, before any data is read, and returns
a :class:`ResultPlan` whose :meth:`~ResultPlan.write` stages every file beside its
target and renames them all into place only when every one was written. ``segtui run``
plans before its run and writes after it; the Python write (:func:`write_result`) and
the workbench's export (:func:`export`) plan against the files the result was read from
and write at once. So every face writes a result's files with the same checks and the
same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.engine.errors import OutputError
from segtui.engine.output.inputs import Inputs, result_inputs
from segtui.engine.output.plan import Force, OutputPlan, Target, plan_outputs
from segtui.engine.output.rules_file import RULES_FORMATS
from segtui.engine.output.writers import SEGMENT_FORMATS, SUMMARY_FORMATS

if TYPE_CHECKING:
    from segtui.engine.result import SegmentationResult

MODEL_FORMATS = (".json",)
REPORT_FORMATS = (".md",)
SETTINGS_FORMATS = (".toml",)
EXPORT_FORMATS = SEGMENT_FORMATS + REPORT_FORMATS + SETTINGS_FORMATS

# What a result can be written as: its extensions and what it is, in words.
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "segments": (SEGMENT_FORMATS, "segments file"),
    "summary": (SUMMARY_FORMATS, "summary"),
    "model": (MODEL_FORMATS, "model file"),
    "rules": (RULES_FORMATS, "rules file"),
    "export": (EXPORT_FORMATS, "export"),  # by extension: segments, report or settings
}
EXPORT_KINDS = (
    dict.fromkeys(SEGMENT_FORMATS, "segments")
    | dict.fromkeys(REPORT_FORMATS, "report")
    | dict.fromkeys(SETTINGS_FORMATS, "settings")
)
# An export whose name ends so is the summary JSON (``segtui run --summary x.json``'s
# file), not a segments file: .json alone stays the segments, as it always was.
SUMMARY_EXPORT = ".summary.json"
# What is written beside a segments file when asked: the report and the summary JSON.
BESIDE = {"report": ".md", "summary": SUMMARY_EXPORT}


@dataclass(frozen=True)
class ResultFile:
    """One file a result is written to: the option that names it (messages use it:
    ``--out``, ``out``, ``export``), its kind (a key of :data:`KINDS`) and the path as
    given (None: not written; ``-``: stdout)."""

    option: str
    kind: str
    path: Path | str | None


def export_kind(path: Path) -> str:
    """'segments', 'report' or 'settings' from the extension, or 'summary' for a name
    ending in ``.summary.json``; raises OutputError otherwise."""
    if path.name.lower().endswith(SUMMARY_EXPORT):
        return "summary"
    suffix = path.suffix.lower()
    if suffix in EXPORT_KINDS:
        return EXPORT_KINDS[suffix]
    raise OutputError(
        f"cannot tell the export format from the extension {suffix or '(none)'!r}",
        file=path,
        hint=f"use one of {', '.join(EXPORT_FORMATS)} (or {SUMMARY_EXPORT} for the summary)",
    )


def beside(path: Path, kind: str) -> Path:
    """The file of ``kind`` ('report' or 'summary') written beside the segments file
    ``path``: ``segments.md`` or ``segments.summary.json`` for ``segments.csv``."""
    return path.with_name(path.stem + BESIDE[kind])


def _export_file(path: Path) -> ResultFile:
    """An export planned as what its name says: a summary JSON as ``run --summary``
    plans and writes it (the same writer, so the same bytes), the rest by extension."""
    return ResultFile("export", "summary" if export_kind(path) == "summary" else "export", path)


def plan_result(
    files: Sequence[ResultFile],
    *,
    inputs: Inputs,
    force: Force | bool = False,
    json_on_stdout: bool = False,
) -> ResultPlan:
    """Check ``files`` against ``inputs`` (the files the command or the result read) and
    each other (:func:`~segtui.engine.output.plan.plan_outputs`); raises OutputError,
    InputError or OptionError (exit 2). Returns the plan to write a result with."""
    for file in files:
        if file.kind == "export" and file.path is not None:
            export_kind(Path(file.path))  # its own message before the plan's
    targets = [Target(file.option, file.path, *KINDS[file.kind]) for file in files]
    plan = plan_outputs(targets, inputs=inputs, force=force, json_on_stdout=json_on_stdout)
    return ResultPlan(plan, tuple(files))


@dataclass(frozen=True)
class ResultPlan:
    """The checked files of one result; :meth:`write` writes them."""

    plan: OutputPlan
    files: tuple[ResultFile, ...]

    @property
    def stdout(self) -> str | None:
        """The option written to stdout, if any."""
        return self.plan.stdout

    def write(
        self,
        result: SegmentationResult,
        *,
        raw_csv: bool = False,
        summary: dict[str, Any] | None = None,
    ) -> list[Path]:
        """Write ``result`` to every planned file (staged, renamed into place only when
        all were written) and to stdout; ``summary`` is the result's summary when the
        caller already holds it. Returns the absolute paths written (not stdout)."""
        # Looked up when writing, not imported at module level: the writers are what
        # tests replace to make a disk fill up.
        from segtui.engine.output import writers

        held: list[dict[str, Any]] = [summary] if summary is not None else []

        def doc() -> dict[str, Any]:
            if not held:
                held.append(result.summary())
            return held[0]

        contents = _contents(result, raw_csv, doc, writers)
        kinds = {file.option: file.kind for file in self.files}
        stdout = {option: contents[kind][1] for option, kind in kinds.items()}
        return self.plan.commit(
            {option: contents[kind][0] for option, kind in kinds.items()},
            stdout={option: print_it for option, print_it in stdout.items() if print_it},
        )


Writer = Callable[[Path, str], object]
Printer = Callable[[], object]


def _contents(
    result: SegmentationResult, raw_csv: bool, summary: Callable[[], dict[str, Any]], writers: Any
) -> dict[str, tuple[Writer, Printer | None]]:
    """Per kind: how to write it to a staged file and to stdout (None: never planned
    there, an export names its format by its extension). '-' writes each output's own
    content: the segments and the rules as CSV, the summary and the model as JSON."""
    from segtui.engine.output.rules_file import rules_table, write_rules_to

    def model() -> str:
        from segtui.engine.models.build import build_model
        from segtui.engine.models.model import model_text

        return model_text(build_model(result, result.input_files))

    def export(tmp: Path, suffix: str) -> None:
        from segtui import settings_file

        kind = EXPORT_KINDS[suffix.lower()]
        if kind == "segments":
            writers.frame_to_file(result.segments, tmp, suffix)
        elif kind == "report":
            writers.write_text_file(tmp, writers.summary_text(summary(), suffix))
        else:
            writers.write_text_file(tmp, settings_file.dump(result.settings))

    return {
        "segments": (
            lambda tmp, suffix: writers.frame_to_file(
                result.segments, tmp, suffix, raw_csv=raw_csv
            ),
            lambda: writers.write_frame(result.segments, writers.STDOUT, raw_csv=raw_csv),
        ),
        "summary": (
            lambda tmp, suffix: writers.write_text_file(
                tmp, writers.summary_text(summary(), suffix)
            ),
            lambda: writers.write_stdout(writers.summary_text(summary(), ".json")),
        ),
        "model": (
            lambda tmp, _suffix: writers.write_text_file(tmp, model()),
            lambda: writers.write_stdout(model()),
        ),
        "rules": (
            lambda tmp, suffix: write_rules_to(summary(), tmp, suffix),
            lambda: writers.write_frame(rules_table(summary()), writers.STDOUT),
        ),
        "export": (export, None),
    }


def write_result(
    result: SegmentationResult,
    out: Path | str | None = None,
    summary: Path | str | None = None,
    *,
    force: bool = False,
    raw_csv: bool = False,
) -> list[Path]:
    """Write the segments file and/or the summary exactly as ``segtui run`` does (the
    Python API's ``write``). Returns the absolute paths written (stdout is not listed).

    Like the CLI, it never writes over a file this result was read from, nor both
    outputs to one file, and renames both files into place only when both are written.
    """
    files = [ResultFile("out", "segments", out), ResultFile("summary", "summary", summary)]
    plan = plan_result(files, inputs=result_inputs(result), force=force)
    return [path.resolve() for path in plan.write(result, raw_csv=raw_csv)]


def check_export(path: Path, *, force: bool, result: SegmentationResult | None = None) -> None:
    """Raise OutputError when ``path`` cannot be exported to (unknown format, no folder,
    exists without ``force``, or, given ``result``, one of the files it was read from)."""
    inputs = result_inputs(result) if result is not None else []
    plan_result([_export_file(path)], inputs=inputs, force=force)


def export(result: SegmentationResult, path: Path | str, *, force: bool = False) -> Path:
    """Write ``result`` to ``path`` in the format its extension names (the workbench's
    export: segments .csv/.parquet/.json, report .md, settings .toml that replay with
    ``segtui run --config``, summary JSON ``*.summary.json``, the bytes ``segtui run
    --summary`` writes). Returns the absolute path written. Never writes over a file
    the result was read from."""
    target = Path(path).expanduser()
    files = [_export_file(target)]
    return plan_result(files, inputs=result_inputs(result), force=force).write(result)[0]


def write_model(
    result: SegmentationResult, input_files: list[Path], path: Path, *, force: bool
) -> Path:
    """Build the model of ``result`` (hashing ``input_files``) and save it to ``path``.
    Returns the absolute path written."""
    from segtui.engine.models.build import build_model
    from segtui.engine.models.model import save_model

    return save_model(build_model(result, input_files), path, force=force)
