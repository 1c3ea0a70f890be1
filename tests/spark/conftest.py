"""One Spark session for all Spark tests: local[2], 4 shuffle partitions, no UI.

The tests skip only when Spark genuinely cannot start here (pyspark missing, no Java); the
skip reason, printed by ``-ra``, carries the exception text so the CI log says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

TEST_CONF = (
    ("spark.sql.shuffle.partitions", "4"),
    ("spark.default.parallelism", "2"),
    ("spark.ui.enabled", "false"),
    ("spark.driver.memory", "1g"),
)


@pytest.fixture(scope="session")
def spark_options() -> Any:
    """SparkOptions for tests (driver path by default, as a real small run)."""
    from segtui.engine.spark import SparkOptions

    return SparkOptions(master="local[2]", conf=TEST_CONF)


@pytest.fixture(scope="session")
def spark(spark_options: Any) -> Iterator[Any]:
    """A started SparkSession, or a skip saying why Spark cannot start on this machine."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        pytest.skip(
            f"Spark tests skipped: pyspark is not installed ({exc}); pip install -e .[spark]"
        )
    from segtui.engine.spark.session import get_session

    try:
        session = get_session(spark_options)
    except Exception as exc:  # no Java, JVM cannot start...
        pytest.skip(f"Spark tests skipped: Spark cannot start here ({exc})")
    yield session
    session.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder starts or reuses a JVM: it runs in the slow step."""
    for item in items:
        if "tests/spark/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.spark)
