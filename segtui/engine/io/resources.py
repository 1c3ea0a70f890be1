"""Resource bounds: refuse, with a clear message, an input that cannot fit in memory.

Without this check a too-large input ends in the kernel's out-of-memory killer: no
message, exit 137, and nothing to tell the user what to do instead. The estimate is
deliberately simple (bytes on disk times a measured factor, plus a fixed reserve) and
is compared with the memory actually available to this process (``MemAvailable`` and,
in a container, the cgroup limit). ``SEGTUI_MEMORY_LIMIT`` (for example ``2GB``)
replaces the detected figure: to test the check, or to be stricter on a shared machine;
``SEGTUI_MEMORY_LIMIT=off`` turns the check off.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from segtui.engine.errors import InputError, OptionError

MEMORY_LIMIT_ENV = "SEGTUI_MEMORY_LIMIT"
# Peak memory of the Polars engine per byte of input file, measured on generated data
# (600k transactions, 33 MB CSV: ~100 MB above the interpreter's own). Parquet is
# compressed, so each byte on disk expands more.
BYTES_PER_CSV_BYTE = 3.0
BYTES_PER_PARQUET_BYTE = 10.0
# Above these sizes the features read the transactions in batches (features/batches.py):
# the peak is one batch plus a few numbers per customer, not the whole file.
BATCH_ABOVE_BYTES = {"csv": 1_500_000_000, "parquet": 500_000_000}
# Peak per byte on disk of a file read in batches, measured at 1e8 transactions (idle,
# bench/results/2026-11-27.md and docs/performance.md): a 5.98 GB CSV of 1e6 customers
# peaked at 1.50 GB (0.25 a byte), a 1.13 GB Parquet of 1e6 at 1.52 GB (1.35), a 2.4 GB
# Parquet of 1e7 at 4.8 GB (2.0). Rounded up, for data with more customers per line.
BYTES_PER_BATCHED_BYTE = {"csv": 1.0, "parquet": 3.0}
# What --clv adds at its peak per byte of the transactions file: the purchase lines it
# holds and sorts (value/dense.py), or for a file read in batches the grouped query's
# per-customer state. Measured (peak RSS with and without --clv): 1e7 lines, Parquet
# +0.59 GB on 113 MB (5.2 a byte), CSV +0.31 and +0.68 GB on 0.59 and 0.61 GB (0.5, 1.1);
# 1e8 lines of 1e7 customers read in batches, Parquet +4.9 GB on 2.4 GB (2.1). Rounded
# up. A CSV read in batches was not measured: its Parquet figure per line, at ~6 times
# the bytes a line, gives about 0.4.
VALUE_BYTES_PER_BYTE = {"csv": 1.2, "parquet": 6.0}
VALUE_BYTES_PER_BATCHED_BYTE = {"csv": 0.5, "parquet": 2.5}
# Interpreter, libraries, the clustering matrix and silhouette's working memory.
RESERVED_BYTES = 512 * 1024**2
_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_size(text: str) -> int:
    """Bytes in a size such as ``1500000``, ``512MB``, ``2G`` or ``1.5 GiB``."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)(?:I?B)?\s*", text.upper())
    if match is None:
        raise OptionError(f"{MEMORY_LIMIT_ENV} must be a size like 512MB or 2GB", value=text)
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def human(size: float) -> str:
    """``1.5 GB``-style text for a byte count."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover - loop always returns


def available_memory() -> int | None:
    """Bytes this process may still use: ``SEGTUI_MEMORY_LIMIT`` if set, else the smaller
    of the kernel's MemAvailable and the cgroup's remaining allowance (None if unknown or
    the check is turned off with ``off``)."""
    override = os.environ.get(MEMORY_LIMIT_ENV)
    if override and override.strip().lower() == "off":
        return None
    if override:
        return parse_size(override)
    figures = [f for f in (_meminfo_available(), _cgroup_remaining()) if f is not None]
    if not figures:
        try:
            figures.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None
    return min(figures)


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_remaining() -> int | None:
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return None


def wants_batches(path: Path, is_parquet: bool) -> bool:
    """True when the transactions file is large enough for batched aggregation."""
    limit = BATCH_ABOVE_BYTES["parquet" if is_parquet else "csv"]
    try:
        return path.stat().st_size > limit
    except OSError:
        return False


def estimate_memory(files: Iterable[Path], value_of: Path | None = None) -> int:
    """Bytes the Polars engine is expected to need at its peak for these input files:
    a measured factor per byte on disk, smaller for a file read in batches. With
    ``value_of`` (the transactions file of a ``--clv`` run), what the value step adds."""
    total = float(RESERVED_BYTES)
    for path in files:
        parquet = path.suffix.lower() in (".parquet", ".pq")
        if wants_batches(path, parquet):
            factor = BYTES_PER_BATCHED_BYTE["parquet" if parquet else "csv"]
        else:
            factor = BYTES_PER_PARQUET_BYTE if parquet else BYTES_PER_CSV_BYTE
        total += path.stat().st_size * factor
    if value_of is not None:
        parquet = value_of.suffix.lower() in (".parquet", ".pq")
        table = (
            VALUE_BYTES_PER_BATCHED_BYTE
            if wants_batches(value_of, parquet)
            else (VALUE_BYTES_PER_BYTE)
        )
        total += value_of.stat().st_size * table["parquet" if parquet else "csv"]
    return int(total)


def check_memory(files: Iterable[Path], label: str, value_of: Path | None = None) -> None:
    """Raise InputError when the input is not expected to fit in the available memory
    (``value_of``: see :func:`estimate_memory`; the error then names ``--clv``)."""
    files = list(files)
    available = available_memory()
    if available is None:
        return
    needed = estimate_memory(files, value_of)
    if needed <= available:
        return
    on_disk = sum(p.stat().st_size for p in files)
    with_clv = " with --clv" if value_of is not None else ""
    raise InputError(
        f"the input ({human(on_disk)} on disk) needs about {human(needed)} of memory with "
        f"the Polars engine{with_clv}, more than the {human(available)} available",
        file=label,
        hint=("run it without --clv, " if value_of is not None else "")
        + "run it with the Spark engine (--engine spark) or on a machine with more "
        f"memory; {MEMORY_LIMIT_ENV} overrides the detected limit",
    )


# `segtui sample` peaks near 200 bytes per transaction (measured: 2M transactions and
# 100k customers, 390 MB above the interpreter's own); rounded up.
SAMPLE_BYTES_PER_TRANSACTION = 250
SAMPLE_BYTES_PER_CUSTOMER = 500


def check_sample_memory(customers: int, transactions: int) -> None:
    """Raise OptionError when generating this dataset is not expected to fit in memory."""
    available = available_memory()
    needed = (
        RESERVED_BYTES
        + max(transactions, 0) * SAMPLE_BYTES_PER_TRANSACTION
        + max(customers, 0) * SAMPLE_BYTES_PER_CUSTOMER
    )
    if available is not None and needed > available:
        raise OptionError(
            f"{transactions:,} transactions and {customers:,} customers need about "
            f"{human(needed)} of memory, more than the {human(available)} available",
            hint=f"generate fewer; {MEMORY_LIMIT_ENV} overrides the detected limit",
        )


# Address space segtui reserves to start: a 60-customer `run` peaks at 1.84 GB of virtual
# memory on 2 cores (RSS 0.35 GB): the native libraries, Polars' thread pool and its
# allocator's arenas. Below a `ulimit -v` of this size the libraries fail in their own
# ways: OpenBLAS spun for minutes in scipy's import ignoring SIGTERM (0.6 GB), a
# MemoryError (1 GB), a Polars panic when a thread could not start (1.5 GB).
MIN_ADDRESS_SPACE = 2 * 1024**3


def check_address_space() -> None:
    """Raise OptionError, before any native library loads, when the address-space limit
    (``ulimit -v``, RLIMIT_AS) is below what segtui needs to start; the
    ``SEGTUI_MEMORY_LIMIT=off`` switch turns it off like the memory check."""
    if os.environ.get(MEMORY_LIMIT_ENV, "").strip().lower() == "off":
        return
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):  # not POSIX
        return
    if soft == resource.RLIM_INFINITY or soft >= MIN_ADDRESS_SPACE:
        return
    raise OptionError(
        f"out of address space: the limit (ulimit -v {soft // 1024}) is {human(soft)}, "
        f"below the {human(MIN_ADDRESS_SPACE)} segtui needs to load its libraries",
        hint=f"raise it (ulimit -v {MIN_ADDRESS_SPACE // 1024} or unlimited); "
        f"{MEMORY_LIMIT_ENV}=off skips this check",
    )
