"""Building (or reusing) the SparkSession for a run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from segtui.engine.errors import OptionError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from segtui.engine.spark import SparkOptions

# Applied unless the user passes the same key with --spark-conf. Timestamps are parsed and
# turned into dates in the session time zone; UTC makes that a plain wall-clock reading
# (no DST gaps), as the Polars engine's naive datetimes are.
DEFAULT_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
}

# Canonical names differ only in case (Region the column, region the feature).
CASE_SENSITIVE = ("spark.sql.caseSensitive", "true")


def parse_conf(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``["k=v", ...]`` -> ``(("k", "v"), ...)``; raises OptionError on a pair without '='."""
    parsed: list[tuple[str, str]] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OptionError(
                "--spark-conf expects key=value", value=pair, hint="e.g. spark.executor.memory=4g"
            )
        parsed.append((key.strip(), value.strip()))
    return tuple(parsed)


def require_pyspark() -> None:
    """Raise OptionError with the install command when pyspark is not installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise OptionError(
            "--engine spark needs pyspark", hint='install it with: pip install "segtui[spark]"'
        ) from None


def get_session(options: SparkOptions) -> SparkSession:
    """The active SparkSession (e.g. under spark-submit) or a new one for ``options``.

    Returns the session; an already running session keeps its own master and conf.
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.conf.set(*CASE_SENSITIVE)
        return active
    builder = SparkSession.builder.master(options.master).appName(options.app_name)
    conf = dict(DEFAULT_CONF)
    conf.update(dict(options.conf))
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, bad master URL...
        raise OptionError(
            f"cannot start Spark with master {options.master!r} ({_first_line(exc)})",
            hint="check JAVA_HOME / java on PATH and --spark-master",
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set(*CASE_SENSITIVE)
    return spark


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
