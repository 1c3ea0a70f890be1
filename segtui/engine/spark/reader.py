"""SOURCE -> canonical Spark DataFrames, with the same names, types and checks as
``segtui.engine.io.sources``.

A local folder in the three-table layout is inspected exactly as the Polars engine does
(encoding and structure checks, header mapping, the date rule, errors naming
file/column/row), then read by Spark. Any other SOURCE Spark can read
(``hdfs://…/tx/*.parquet``, ``s3a://…``, a glob) is taken as the Transactions table alone;
its header is read from Spark's schema and its date format decided by the same date rule
(``io/dates.py``), with the whole-column evidence counted by Spark.
"""

from __future__ import annotations

import glob as globlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from segtui.engine.errors import InputError, OptionError
from segtui.engine.io import dates
from segtui.engine.io.columns import DATE_COLUMNS, NUMBER_COLUMNS, REQUIRED, match_columns
from segtui.engine.io.returns import RETURN_MARKER, ZERO_MARKER
from segtui.engine.io.sources import (
    TableFile,
    bundled_sample_dir,
    find_table_files,
    inspect_table,
)
from segtui.engine.spark.tables import BAD_NUMBERS, SparkTables, local_uri

__all__ = [
    "BAD_NUMBERS",
    "SparkTables",
    "bad_date_error",
    "bad_number_error",
    "canonical",
    "mark_lines",
    "read_source",
    "spark_pattern",
]

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

# chrono (Polars) directives -> Spark datetime pattern letters. Single letters parse one
# or two digits, as chrono does; the compact %Y%m%d needs fixed widths.
_DIRECTIVES = {
    "%Y": "yyyy",
    "%m": "M",
    "%d": "d",
    "%H": "H",
    "%M": "m",
    "%S": "s",
    "%.f": "[.SSSSSSSSS]",
}


def spark_pattern(chrono_format: str) -> str:
    """The Spark datetime pattern equivalent to one of ``dates.CANDIDATE_FORMATS``."""
    if chrono_format == "%Y%m%d":
        return "yyyyMMdd"
    out: list[str] = []
    for token in re.findall(r"%\.f|%[A-Za-z]|[A-Za-z]+|[^%A-Za-z]", chrono_format):
        if token in _DIRECTIVES:
            out.append(_DIRECTIVES[token])
        elif token.isalpha():
            out.append(f"'{token}'")  # a literal letter such as the T in ISO dates
        else:
            out.append(token)
    return "".join(out)


def _is_uri(source: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source)) and not source.startswith(
        "file://"
    )


def read_source(
    spark: SparkSession,
    source: Path | str | None,
    returns: str = "net",
    mapping: dict[str, str] | None = None,
) -> SparkTables:
    """Read SOURCE with Spark. Returns canonical DataFrames with the lines marked by the
    returns rule (``returns``: net or drop, as ``io/returns.py``); raises InputError.

    A local file that is not in a folder is a single log, read as the Polars engine reads
    it (``spark/logs.py``: same columns, purchases, cancellations; ``mapping`` are the
    single-log flags). Mapping flags on any other source raise OptionError."""
    if returns not in ("net", "drop"):
        raise OptionError("--returns must be net or drop", value=returns)
    text = "" if source is None else str(source)
    local = None if source is None or _is_uri(text) else Path(text.removeprefix("file://"))
    if local is not None and local.is_file():
        from segtui.engine.spark.logs import read_log

        return read_log(spark, local, mapping or {}, returns)
    if mapping:
        raise OptionError(
            "single-log mapping flags apply to a local log file, not a folder or a URI",
            hint="give the log file itself, or drop the mapping flags",
        )
    info: dict[str, Any] = {"kind": "folder", "marks_returns": True, "returns_rule": returns}
    info["data_quality"] = {"returns_rule": returns}
    if source is None:
        tables = _read_folder(spark, bundled_sample_dir(), "bundled sample data", returns)
    elif local is None or (globlib.has_magic(text) and not local.exists()):
        tables = _read_transactions_path(spark, text, returns=returns)
    elif not local.exists():
        raise InputError("no such file or folder", file=local)
    elif local.is_dir() and find_table_files(local):
        tables = _read_folder(spark, local, str(local), returns)
    else:
        tables = _read_transactions_path(spark, str(local), local_uri(local), returns)
    tables.info = info
    return tables


def mark_lines(df: DataFrame, returns: str) -> DataFrame:
    """``io/returns.mark_lines`` in Spark for a folder's table (which has no cancelled
    orders): add ``IsReturn`` (a negative quantity or amount) and ``IsZeroValue`` (not a
    return; a zero amount, quantity or price), and make the returns' TotalValue and
    Quantity negative (``net``) or 0 (``drop``). Returns the frame."""
    from pyspark.sql import functions as F

    present = [c for c in NUMBER_COLUMNS if c in df.columns]
    is_return = F.coalesce(F.col("TotalValue") < 0, F.lit(False))
    if "Quantity" in present:
        is_return = is_return | F.coalesce(F.col("Quantity") < 0, F.lit(False))
    zero = F.lit(False)
    for name in ("TotalValue", "Quantity", "Price"):
        if name in present:
            zero = zero | F.coalesce(F.col(name) == 0, F.lit(False))
    df = df.withColumn(RETURN_MARKER, is_return)
    df = df.withColumn(ZERO_MARKER, zero & ~F.col(RETURN_MARKER))
    changed = {}
    for name in ("TotalValue", "Quantity"):
        if name in present:
            value = F.col(name)
            new = -F.abs(value) if returns == "net" else F.lit(0.0)
            changed[name] = F.when(F.col(RETURN_MARKER), new).otherwise(value)
    return df.withColumns(changed)


def _read_folder(spark: SparkSession, folder: Path, label: str, returns: str) -> SparkTables:
    files = find_table_files(folder)
    if "transactions" not in files:
        raise InputError(
            "no Transactions table found (looked for Transactions.csv or .parquet)", file=folder
        )
    specs = {kind: inspect_table(path, kind) for kind, path in files.items()}
    # file:// URIs: on a cluster the default filesystem is HDFS, but these files are local.
    frames = {
        kind: canonical(_raw_read(spark, local_uri(spec.path)), spec)
        for kind, spec in specs.items()
    }
    frames["transactions"] = mark_lines(frames["transactions"], returns)
    return SparkTables(
        transactions=frames["transactions"],
        customers=frames.get("customers"),
        products=frames.get("products"),
        files=specs,
        label=label,
        local_folder=folder,
    )


def _raw_read(spark: SparkSession, path: str) -> DataFrame:
    lower = path.lower().rstrip("/")
    is_dir = Path(path.removeprefix("file://")).is_dir()
    if lower.endswith((".parquet", ".pq")) or (is_dir and not lower.endswith(".csv")):
        return spark.read.parquet(path)
    reader = spark.read.option("header", True).option("inferSchema", False)
    reader = reader.option("sep", "\t" if lower.endswith(".tsv") else ",")
    df = reader.csv(path)
    return df.toDF(*[c.lstrip("\ufeff") for c in df.columns])


def _read_transactions_path(
    spark: SparkSession, path: str, location: str | None = None, returns: str = "net"
) -> SparkTables:
    try:
        raw = _raw_read(spark, location or path)
    except Exception as exc:  # AnalysisException: path does not exist, not readable...
        raise InputError(f"Spark cannot read it ({_first_line(exc)})", file=path) from None
    header = list(raw.columns)
    columns = match_columns(header, "transactions")
    for needed in REQUIRED["transactions"]:
        if needed not in columns:
            raise InputError(
                f"missing column; the transactions table needs "
                f"{', '.join(REQUIRED['transactions'])} and has {', '.join(header)}",
                file=path,
                column=needed,
            )
    spec = TableFile(path=Path(path), kind="transactions", columns=columns)
    for name in DATE_COLUMNS:
        if name in columns:
            decision = _detect_spark_date_format(raw, columns[name], path)
            spec.date_formats[name] = decision.format
            spec.date_candidates[name] = decision.candidates
            spec.warnings.extend(decision.warnings)
            if decision.ambiguous:
                spec.data_quality.update(decision.data_quality(columns[name]))
    return SparkTables(
        transactions=mark_lines(canonical(raw, spec), returns),
        customers=None,
        products=None,
        files={"transactions": spec},
        label=path,
    )


def _detect_spark_date_format(raw: DataFrame, actual: str, path: str) -> dates.DateDecision:
    """The date rule of ``io/dates.py`` on a Spark column: candidates from the first rows,
    then, when they disagree (day-first against month-first), per-candidate parse counts
    over the whole column, counted by Spark. Returns the decision."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DateType, TimestampNTZType, TimestampType

    if isinstance(raw.schema[actual].dataType, DateType | TimestampType | TimestampNTZType):
        return dates.DateDecision(dates.NATIVE)
    column = F.trim(F.col(f"`{actual}`").cast("string"))
    head = [row[0] for row in raw.select(column).limit(dates.HEAD_ROWS).collect()]
    candidates = [f for f in dates.head_candidates(pl.Series(head, dtype=pl.String))]
    if any(dates.has_offset(f) for f in candidates):
        raise InputError(
            "dates with a UTC offset are read by the Polars engine only",
            file=path,
            column=actual,
            hint="run with --engine polars, or write the dates without an offset",
        )
    if len(candidates) == 1:
        return dates.DateDecision(candidates[0], tuple(candidates))
    if not candidates:
        raise InputError(
            "unparsable or mixed-format dates in the first rows",
            file=path,
            column=actual,
            hint="give the format with --date-format or use one format in the whole column",
        )
    counts = raw.agg(
        F.count(F.when(column != "", 1)).alias("_total"),
        *(
            F.count(F.try_to_timestamp(column, F.lit(spark_pattern(f)))).alias(f"c{i}")
            for i, f in enumerate(candidates)
        ),
    ).collect()[0]
    evidence = {f: int(counts[f"c{i}"]) for i, f in enumerate(candidates)}
    return dates.choose(evidence, int(counts["_total"]))


def canonical(raw: DataFrame, spec: TableFile) -> DataFrame:
    """Select ``spec``'s columns from ``raw`` under canonical names and types.

    Dates become TIMESTAMP_NTZ (null when unparsable), numbers DOUBLE, everything else
    text. In the transactions table a text cell that is not a number becomes null and is
    counted in the extra column ``BAD_NUMBERS`` (the feature engine turns a count > 0 into
    an InputError, as the Polars reader fails on it).
    """
    from pyspark.sql import functions as F

    exprs: list[Column] = []
    bad: list[Column] = []
    for name, actual in spec.columns.items():
        col = F.col(f"`{actual}`")
        if name in DATE_COLUMNS:
            fmt = spec.date_formats.get(name, dates.NATIVE)
            if fmt == dates.NATIVE:
                expr = col.cast("timestamp_ntz")
            else:
                expr = F.try_to_timestamp(F.trim(col.cast("string")), F.lit(spark_pattern(fmt)))
                expr = expr.cast("timestamp_ntz")
        elif name in NUMBER_COLUMNS:
            expr = col.try_cast("double")
            if spec.kind == "transactions":
                text = F.trim(col.cast("string"))
                bad.append(F.when(text.isNotNull() & expr.isNull(), 1).otherwise(0))
        else:
            expr = col.cast("string")
        exprs.append(expr.alias(name))
    if spec.kind == "transactions":
        total = sum(bad[1:], bad[0]) if bad else F.lit(0)
        exprs.append(total.alias(BAD_NUMBERS))
    return raw.select(exprs)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def bad_number_error(tables: SparkTables) -> InputError:
    """The first non-number cell, named by the Polars reader when the source is local."""
    if tables.local_folder is not None:
        from segtui.engine.io.sources import load_folder
        from segtui.engine.quality.checks import diagnose_failure

        return diagnose_failure(load_folder(tables.local_folder), ValueError("not a number"))
    spec = tables.files["transactions"]
    return InputError("not a number in TotalValue or Quantity", file=spec.path)


def bad_date_error(tables: SparkTables) -> InputError:
    """The first missing or unparsable TransactionDate, named by the Polars reader when
    the source is local."""
    spec = tables.files["transactions"]
    if tables.local_folder is not None or tables.info.get("kind") == "log":
        from segtui.engine.quality.checks import find_bad_date

        return find_bad_date(spec, "TransactionDate")
    return InputError(
        "missing or unparsable date", file=spec.path, column=spec.columns["TransactionDate"]
    )
