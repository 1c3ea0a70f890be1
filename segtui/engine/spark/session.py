"""Building (or reusing) the SparkSession for a run."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from segtui.config import DEFAULT_SPARK_MASTER
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
    # pyspark checks the pandas version when it converts frames and warns on pandas 3;
    # segtui hands Spark Arrow/Python data, not pandas frames.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.conf.set(*CASE_SENSITIVE)
        return active
    builder = SparkSession.builder.appName(options.app_name)
    conf = dict(DEFAULT_CONF)
    # Under spark-submit the JVM is already up with the submitted master and conf: setting
    # a master here would override --master, so only an explicit --spark-master is used.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    master = options.master or (None if submitted else DEFAULT_SPARK_MASTER)
    if master is not None:
        builder = builder.master(master)
    if not submitted:
        log_config = Path(__file__).with_name("log4j2.properties")
        conf["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={log_config.as_uri()}"
    conf.update(dict(options.conf))
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, bad master URL...
        raise OptionError(
            f"cannot start Spark with master {master!r} ({_first_line(exc)})",
            hint="check JAVA_HOME / java on PATH and --spark-master",
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    spark.conf.set(*CASE_SENSITIVE)
    return spark


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
