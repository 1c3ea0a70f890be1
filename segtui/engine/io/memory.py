"""In-memory sources: DataFrames (Polars, pandas, Arrow) read by the same code as files.

A frame is written, every cell as text, to a CSV file in a private temporary folder and
that folder (or file) is handed to :func:`segtui.engine.io.sources.load_source`: the very
reader, structure checks, date rule and value checks a user's CSV goes through. Nothing
here reads or checks data, so a frame and the same data saved as CSV give byte-identical
segments and the same errors (with the column and row; row N is the frame's N-th row).
Errors and labels name the frame (``<pandas DataFrame: transactions>``), never the
temporary file.

The layout mirrors the file layouts: a transactions frame alone, or with ``customers=``,
is a single transaction log (``mapping`` names its columns, ``customers=`` plays the
``--customers`` file); with ``products=`` the three frames are the folder layout
(Transactions, Customers, Products). Typed cells become the text a CSV would hold:
dates ``2024-01-31``, date-times ``2024-01-31 13:45:00`` (with microseconds only when a
value has them), numbers in Polars' round-trip form.

Why a file and not a frame handed to the reader: the reader is built on lazy scans of a
file (structure checks, encoding checks, re-reads to find a bad row); writing the text
once keeps one reader and costs one sequential write (about as much disk as the CSV).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from segtui.engine.errors import InputError, OptionError, SegtuiError

# Folder-layout file names the folder reader finds (see sources.find_table_files).
FOLDER_FILES = {
    "transactions": "Transactions.csv",
    "customers": "Customers.csv",
    "products": "Products.csv",
}


def is_frame(value: object) -> bool:
    """True for a Polars DataFrame/LazyFrame, a pandas DataFrame or a pyarrow Table."""
    if isinstance(value, pl.DataFrame | pl.LazyFrame):
        return True
    module = type(value).__module__
    name = type(value).__name__
    return (module.startswith("pandas") and name == "DataFrame") or (
        module.startswith("pyarrow") and name in ("Table", "RecordBatch")
    )


def frame_kind(value: object) -> str:
    """How to name a frame in messages: 'polars DataFrame', 'pandas DataFrame'..."""
    if isinstance(value, pl.LazyFrame):
        return "polars LazyFrame"
    if isinstance(value, pl.DataFrame):
        return "polars DataFrame"
    if type(value).__module__.startswith("pandas"):
        return "pandas DataFrame"
    return f"pyarrow {type(value).__name__}"


def display_name(value: object, table: str) -> str:
    """The name of an in-memory table in errors and summaries."""
    return f"<{frame_kind(value)}: {table}>"


def to_lazy(value: object, label: str) -> pl.LazyFrame:
    """Any supported frame as a Polars LazyFrame (pandas and Arrow are converted)."""
    if isinstance(value, pl.LazyFrame):
        return value
    if isinstance(value, pl.DataFrame):
        return value.lazy()
    if type(value).__module__.startswith("pandas"):
        columns = [str(c) for c in value.columns]  # type: ignore[attr-defined]
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise InputError("duplicated column", file=label, column=duplicates[0])
        try:
            frame = pl.from_pandas(value)
        except (TypeError, ValueError, pl.exceptions.PolarsError, ImportError) as exc:
            raise InputError(f"cannot convert the frame ({exc})", file=label) from None
        return frame.rename({c: str(c) for c in frame.columns}).lazy()
    converted = pl.from_arrow(value)
    assert isinstance(converted, pl.DataFrame)  # a Table/RecordBatch, not an Array
    return converted.lazy()


def as_text(frame: pl.LazyFrame, label: str) -> pl.LazyFrame:
    """Every column as the text a CSV file of the same data would hold."""
    schema = frame.collect_schema()
    exprs: list[pl.Expr] = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype.is_nested() or dtype == pl.Object:
            raise InputError(
                f"holds {dtype} values; segtui reads flat tables of text, numbers and dates",
                file=label,
                column=name,
            )
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                column = column.dt.replace_time_zone(None)  # the wall-clock time, as printed
            has_fraction = (column.dt.nanosecond() != 0).any()
            expr = (
                pl.when(has_fraction)
                .then(column.dt.to_string("%Y-%m-%d %H:%M:%S%.6f"))
                .otherwise(column.dt.to_string("%Y-%m-%d %H:%M:%S"))
            )
        elif dtype == pl.Date:
            expr = column.dt.to_string("%Y-%m-%d")
        else:
            expr = column.cast(pl.String)
        exprs.append(expr.alias(name))
    return frame.select(exprs)


@dataclass
class MemorySource:
    """A source as ``load_source`` takes it, plus how to name its temporary files."""

    path: Path | None
    mapping: dict[str, str]
    label: str | None = None  # the name of the source; None = the path's own
    names: dict[str, str] = field(default_factory=dict)  # temporary path -> display name

    def relabel(self, text: str) -> str:
        """``text`` with every temporary path replaced by the frame's display name."""
        for temporary, shown in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(temporary, shown)
        return text

    def relabel_error(self, exc: SegtuiError) -> None:
        """Point an error raised while reading the temporary files at the frames."""
        if exc.file is not None:
            exc.file = self.relabel(exc.file)
        exc.message = self.relabel(exc.message)
        if exc.hint is not None:
            exc.hint = self.relabel(exc.hint)
        exc.args = (exc.message,)


@contextlib.contextmanager
def open_source(
    source: object,
    *,
    customers: object = None,
    products: object = None,
    mapping: Mapping[str, str] | None = None,
) -> Iterator[MemorySource]:
    """Yield ``source`` (a path, None for the sample data, or a transactions frame) as a
    :class:`MemorySource` for ``load_source``; frames are written to a temporary folder
    removed on exit. Every SegtuiError raised inside names the frames, not the files.

    ``customers`` may be a frame or a path (the ``--customers`` file); ``products`` is a
    frame and needs a transactions frame.
    """
    given = dict(mapping or {})
    frames = {"transactions": source, "customers": customers, "products": products}
    in_memory = {kind: value for kind, value in frames.items() if is_frame(value)}
    if products is not None and not is_frame(products):
        raise OptionError(
            "products= takes a DataFrame; a folder source holds its own Products file",
            value=type(products).__name__,
        )
    if "transactions" not in in_memory:
        if source is not None and not isinstance(source, str | os.PathLike):
            raise OptionError(
                "the source must be a path, None (the sample data) or a DataFrame "
                "(Polars, pandas or pyarrow)",
                value=type(source).__name__,
            )
        if in_memory:
            raise OptionError(
                "customers= and products= frames need a transactions frame as the source",
                hint="pass the transactions as a DataFrame too, or customers= as a file path",
            )
        if customers is not None:
            given["customers"] = str(customers)
        yield MemorySource(Path(source) if source is not None else None, given)  # type: ignore[arg-type]
        return
    if customers is not None and not is_frame(customers):
        given["customers"] = str(customers)  # a customers file beside a transactions frame
    # With products the frames are the folder layout, else a log (+ a customers file).
    as_folder = "products" in in_memory
    folder = Path(tempfile.mkdtemp(prefix="segtui-frames-"))  # private (mode 0700)
    try:
        paths = {
            kind: folder / (FOLDER_FILES[kind] if as_folder else f"{kind}.csv")
            for kind in in_memory
        }
        memory = MemorySource(
            path=folder if as_folder else paths["transactions"],
            mapping=given,
            label=display_name(source, "transactions"),
        )
        for kind, value in in_memory.items():
            shown = display_name(value, kind)
            memory.names[str(paths[kind])] = shown
            try:
                as_text(to_lazy(value, shown), shown).sink_csv(paths[kind])
            except pl.exceptions.PolarsError as exc:
                raise InputError(f"cannot read the frame ({exc})", file=shown) from None
        if as_folder:
            memory.names[str(folder)] = display_name(source, "transactions")
        elif "customers" in in_memory:
            memory.mapping["customers"] = str(paths["customers"])
        try:
            yield memory
        except SegtuiError as exc:
            memory.relabel_error(exc)
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def public_mapping(mapping: Mapping[str, str], memory: MemorySource) -> dict[str, str]:
    """``mapping`` without a temporary customers file (it is gone after the call)."""
    return {
        key: value
        for key, value in mapping.items()
        if not (key == "customers" and value in memory.names)
    }
