"""The work behind the public functions of :mod:`segtui` (which hold the signatures).

Options are validated by the code the CLI uses (``settings_file.merge`` -> ``Settings``,
then the engine's own checks); sources go through :func:`segtui.engine.open_source`
so a DataFrame is read by the same reader as a file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from segtui.config import MAPPING_KEYS, Settings
from segtui.engine import MemorySource, SegmentationResult, SegtuiError, open_source, public_mapping
from segtui.notebook.model_results import Assignment, Lookalikes, Migration, Model
from segtui.notebook.progress import ProgressOption, progress_callback
from segtui.notebook.results import Segmentation, Sweep, Validation

Source = Any  # a path, None (bundled sample) or a DataFrame; see segtui.segment
F = TypeVar("F", bound=Callable[..., Any])
# Command-line options named in engine messages that are keyword arguments here.
KEYWORDS = (
    "k",
    "returns",
    "customers",
    "as-of",
    "as-of-before",
    "as-of-after",
    "log",
    "top",
    "categorical-weight",
    "features",
    "scaling",
    "seed",
    "n-init",
    "at",
    "horizon",
    "method",
)
FLAG = re.compile(r"--([a-z]+(?:-[a-z]+)*)( FILE)?")


def python_words(text: str) -> str:
    """An engine message with its command-line flags in Python terms: ``--customer-col``
    -> ``mapping={'customer_col': ...}``, ``--as-of`` -> ``as_of=``; others unchanged."""

    def swap(match: re.Match[str]) -> str:
        flag = match.group(1)
        key = flag.replace("-", "_")
        if key in MAPPING_KEYS and key != "customers":
            return f"mapping={{'{key}': ...}}"
        if flag in KEYWORDS:
            return f"{key}="
        return match.group(0)

    return FLAG.sub(swap, text)


def speaks_python(function: F) -> F:
    """Rewrite the flags in a SegtuiError raised by ``function`` (see python_words)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except SegtuiError as exc:
            exc.message = python_words(exc.message)
            exc.hint = python_words(exc.hint) if exc.hint is not None else None
            exc.args = (exc.message,)
            raise

    return wrapper  # type: ignore[return-value]


def settings_for(options: Mapping[str, Any]) -> Settings:
    """Settings from keyword options exactly as the CLI builds them from flags (None = not
    given); raises OptionError for a bad value, as the CLI does."""
    from segtui import settings_file

    flags = dict(options)
    if isinstance(flags.get("as_of"), dt.datetime):
        flags["as_of"] = flags["as_of"].date()
    return settings_file.merge({}, flags)


def _reading(
    source: Source, customers: Any, products: Any, mapping: Mapping[str, str] | None
) -> contextlib.AbstractContextManager[MemorySource]:
    return open_source(source, customers=customers, products=products, mapping=mapping)


def _as_of(value: dt.date | str | None, option: str = "as_of") -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    from segtui.engine import parse_date_option

    return parse_date_option(str(value), option=option)


@speaks_python
def segment(
    source: Source,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    progress: ProgressOption,
    options: dict[str, Any],
) -> Segmentation:
    """See :func:`segtui.segment`."""
    from segtui.engine import run

    return _segmented(source, customers, products, mapping, options, run_with(run, progress))


@speaks_python
def backtest(
    source: Source,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    progress: ProgressOption,
    at: dt.date | str | None,
    horizon: int,
    options: dict[str, Any],
) -> Segmentation:
    """See :func:`segtui.backtest`."""
    from segtui.engine import OptionError, run_backtest

    cut = _as_of(at, "--at")
    if cut is None:
        raise OptionError("backtest needs --at, the cut date", hint="e.g. at='2011-09-01'")

    def compute(settings: Settings) -> SegmentationResult:
        with progress_callback(progress, "backtest") as step:
            done = run_backtest(settings, cut, horizon, progress=step)
        done.result.backtest = done.to_dict()
        return done.result

    return _segmented(source, customers, products, mapping, options, compute)


def run_with(
    run: Callable[..., SegmentationResult], progress: ProgressOption
) -> Callable[[Settings], SegmentationResult]:
    """``run(settings)`` with the progress bar of ``progress``."""

    def compute(settings: Settings) -> SegmentationResult:
        with progress_callback(progress, "segment") as step:
            return run(settings, progress=step)

    return compute


def _segmented(
    source: Source,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    options: dict[str, Any],
    compute: Callable[[Settings], SegmentationResult],
) -> Segmentation:
    """``compute`` on the settings of ``options`` over the source (frames through
    temporary files, which the result then names as frames)."""
    settings = settings_for(options | {"mapping": dict(mapping or {})})
    with _reading(source, customers, products, settings.mapping_dict()) as memory:
        settings = settings.replace(
            source=memory.path, mapping=tuple(sorted(memory.mapping.items()))
        )
        result = compute(settings)
        if memory.names:
            # The temporary files are gone after this call: the result names the frames.
            result.source = memory.relabel(result.source)
            result.input_files = []
            result.settings = result.settings.replace(
                source=None, mapping=tuple(sorted(public_mapping(memory.mapping, memory).items()))
            )
    result.warnings = [python_words(memory.relabel(w)) for w in result.warnings]
    return Segmentation(result)


@speaks_python
def sweep(
    source: Source,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    progress: ProgressOption,
    k_min: int,
    k_max: int,
    options: dict[str, Any],
) -> Sweep:
    """See :func:`segtui.sweep`."""
    from segtui.engine import sweep as run_sweep

    settings = settings_for(options | {"mapping": dict(mapping or {})})
    with _reading(source, customers, products, settings.mapping_dict()) as memory:
        settings = settings.replace(
            source=memory.path, mapping=tuple(sorted(memory.mapping.items()))
        )
        with progress_callback(progress, "sweep") as step:
            result = run_sweep(None, settings, k_min, k_max, progress=step)
        result.warnings = [python_words(memory.relabel(w)) for w in result.warnings]
    return Sweep(result)


@speaks_python
def validate(
    source: Source,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    returns: str | None,
) -> Validation:
    """See :func:`segtui.validate`."""
    from segtui.engine import validate_source

    settings = settings_for({"mapping": dict(mapping or {}), "returns": returns})
    with _reading(source, customers, products, settings.mapping_dict()) as memory:
        report = validate_source(memory.path, memory.mapping, returns=settings.returns)
        if memory.names:
            report.source = memory.relabel(report.source)
            report.missing = {memory.relabel(k): v for k, v in report.missing.items()}
            for finding in report.findings:
                finding.message = memory.relabel(finding.message)
                if finding.file is not None:
                    finding.file = memory.relabel(finding.file)
    return Validation(report)


@speaks_python
def load_model(path: Path | str) -> Model:
    """See :func:`segtui.load_model`."""
    from segtui.engine import load_model as read_model

    return Model(read_model(path))


def _model_inputs(
    model: Model | Path | str, mapping: Mapping[str, str] | None, returns: str | None
) -> tuple[Model, dict[str, Any]]:
    """What every model function checks first: the model, the mapping overrides, and the
    returns rule (validated as the CLI validates it)."""
    loaded, overrides = _model(model), _overrides(mapping)
    settings_for({"returns": returns})
    return loaded, overrides


def _model(model: Model | Path | str) -> Model:
    if isinstance(model, Model):
        return model
    from segtui.engine import SegmentModel

    if isinstance(model, SegmentModel):
        return Model(model)
    return load_model(model)


def _overrides(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """The mapping validated as the CLI validates ``--customer-col``... flags."""
    return settings_for({"mapping": dict(mapping or {})}).mapping_dict()


@speaks_python
def assign(
    model: Model | Path | str,
    source: Source,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    returns: str | None,
    as_of: dt.date | str | None,
    progress: ProgressOption,
) -> Assignment:
    """See :func:`segtui.assign`."""
    from segtui.engine import assign as run_assign

    loaded, overrides = _model_inputs(model, mapping, returns)
    date = _as_of(as_of)
    with _reading(source, customers, products, overrides) as memory:
        with progress_callback(progress, "assign") as step:
            result = run_assign(
                loaded.engine,
                memory.path,
                as_of=date,
                progress=step,
                mapping_overrides=memory.mapping,
                returns=returns,
            )
        if memory.names:
            result.snapshot.source = memory.relabel(result.snapshot.source)
            result.snapshot.input_files = []
            result.same_input_as_training = None  # a temporary file's hash means nothing
    result.snapshot.warnings = [python_words(w) for w in result.snapshot.warnings]
    return Assignment(result)


@speaks_python
def lookalikes(
    model: Model | Path | str,
    source: Source,
    customer_ids: Sequence[str] | str | None,
    top: int,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    returns: str | None,
    as_of: dt.date | str | None,
    progress: ProgressOption,
) -> Lookalikes:
    """See :func:`segtui.lookalikes`."""
    from segtui.engine import expand_ids, load_for_model, project
    from segtui.engine import lookalikes as find_lookalikes

    loaded, overrides = _model_inputs(model, mapping, returns)
    date = _as_of(as_of)
    if isinstance(customer_ids, str):
        customer_ids = [customer_ids]
    queries = expand_ids(list(customer_ids)) if customer_ids is not None else None
    with _reading(source, customers, products, overrides) as memory:
        with progress_callback(progress, "lookalikes") as step:
            step("Reading data")
            tables = load_for_model(loaded.engine, memory.path, memory.mapping, returns)
            step("Computing features")
            snap = project(loaded.engine, tables, date)
            result = find_lookalikes(
                snap.customer_ids,
                snap.matrix,
                queries,
                top=top,
                all_ids=snap.table.frame.get_column("CustomerID").to_list(),
                progress=step,
            )
    return Lookalikes(result, warnings=[python_words(memory.relabel(w)) for w in snap.warnings])


@speaks_python
def migrate(
    model: Model | Path | str,
    before: Source,
    after: Source,
    as_of_before: dt.date | str | None,
    as_of_after: dt.date | str | None,
    customers: Any,
    products: Any,
    mapping: Mapping[str, str] | None,
    returns: str | None,
    progress: ProgressOption,
) -> Migration:
    """See :func:`segtui.migrate`."""
    from segtui.engine import migrate_sources

    loaded, overrides = _model_inputs(model, mapping, returns)
    first = _as_of(as_of_before, "--as-of-before")
    second = _as_of(as_of_after, "--as-of-after")
    with contextlib.ExitStack() as stack:
        old = stack.enter_context(_reading(before, customers, products, overrides))
        new = None
        if after is not None and after is not before:
            new = stack.enter_context(_reading(after, customers, products, overrides))
        with progress_callback(progress, "migrate") as step:
            step("Reading data")
            result = migrate_sources(
                loaded.engine,
                old.path,  # type: ignore[arg-type]  # None = the bundled sample, as the CLI
                new.path if new is not None else None,
                as_of_before=first,
                as_of_after=second,
                # one mapping reads both snapshots, as on the command line
                mapping_overrides=old.mapping,
                returns=returns,
            )
        result.before.source = old.relabel(result.before.source)
        result.after.source = (new or old).relabel(result.after.source)
    for snap in (result.before, result.after):
        snap.warnings = [python_words(w) for w in snap.warnings]
    return Migration(result)
