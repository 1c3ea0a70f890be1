"""The bad-input matrix: deliberately broken inputs against every command that reads them.

Each case starts from the tiny three-table dataset (tests/conftest.py), breaks it in one
way, and states what ``segtui run`` must do:

* ``ERROR``: exit 2 and exactly ONE line on stderr that contains every needle (file,
  column, row, value where they apply), never a traceback;
* ``WARN``: the data is still usable, so exit 0, and the summary's ``warnings`` say what
  was wrong (needles);
* ``OK``: the input only looks odd (BOM, CRLF, quoted newlines, an alias header) and must
  simply work.

Commands that read a source folder are listed in ``SOURCE_COMMANDS`` as a function from
(folder, extra args, model file) to argv; a command joins the matrix by adding one entry
there. All of run, backtest (cut at 2024-06-01, or at a case's ``--as-of``), sweep,
validate, assign, lookalike (``--all``) and migrate (one source, ``--as-of-before
2024-03-01``) are in it; assign/lookalike/migrate use a model
trained once on the intact tiny data. Per-command rules:

* A case runs on a command only when its options exist there (the builder returns None
  otherwise): sweep has no ``--out`` (a case's ``-k N`` becomes ``--k-min N --k-max N``;
  default range 2..2); validate takes only ``--config``; the model commands take only
  ``--as-of`` (migrate: as ``--as-of-before``) and ``--out``. run gets every case;
  every other command at least 45.
* ``validate`` reports instead of failing. On an ``ERROR`` case it either fails like run
  (one stderr line, when the source cannot be read at all) or exits 2 with its JSON
  report on stdout, ``usable: false``, nothing on stderr, and the findings carrying the
  case's file and row needles. On ``WARN``/``OK`` it exits 0 with ``usable: true``; a
  ``WARN`` case must raise at least one warning finding (its wording differs from run's).
* ``OVERRIDES`` lists where a command legitimately differs from run: validate ignores
  clustering (one customer, a feature's column missing from the default list); sweep
  names its k range and reports k above the distinct profiles as a warning (a row with
  fewer segments) rather than an error; a saved model needs every feature it was
  trained on (``Region`` missing is an error) and does no clustering (one customer is
  fine for assign; lookalike needs two); migrate on logs that end before the fixed
  before-date has no later snapshot to compare.
* Warnings' needles are checked in the ``--json`` summary's ``warnings`` of every command
  except validate.

Commands that write a dataset (``segtui sample``) have their own table, ``SAMPLE_CASES``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from conftest import TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS, write_tables
from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()

ERROR, WARN, OK = "error", "warning", "ok"
TX, CU, PR = "Transactions.csv", "Customers.csv", "Products.csv"
TX_HEADER = "TransactionID,CustomerID,ProductID,TransactionDate,Quantity,TotalValue,Price\n"


# ---------------------------------------------------------------- ways to break a folder


def replace(name: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    """Replace the first ``count`` occurrences of ``old`` in one file of the folder."""

    def apply(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture text {old!r} not in {name}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return apply


def put(name: str, content: str | bytes) -> Callable[[Path], None]:
    """Overwrite one file with ``content`` (text is written as UTF-8)."""

    def apply(folder: Path) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)

    return apply


def transactions(*rows: str) -> Callable[[Path], None]:
    """Replace Transactions.csv by the standard header and ``rows``."""
    return put(TX, TX_HEADER + "".join(row + "\n" for row in rows))


def remove(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def make_dir(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return apply


def make_fifo(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).unlink()
        os.mkfifo(folder / name)

    return apply


def fill_column(name: str, index: int, value: str) -> Callable[[Path], None]:
    """Set column ``index`` of every row after the header of one file to ``value``."""

    def apply(folder: Path) -> None:
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [line.split(",") for line in lines[1:]]
        for row in rows:
            row[index] = value
        path.write_text("\n".join([lines[0], *map(",".join, rows)]) + "\n", encoding="utf-8")

    return apply


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        for step in steps:
            step(folder)

    return apply


@dataclass(frozen=True)
class Case:
    """One malformed input and the expected outcome."""

    id: str
    setup: Callable[[Path], None]
    expect: str
    needles: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


# Identical customers: three buyers with the same spend, count, quantity and region.
SAME = (
    "T1,C1,P1,2024-01-05,1,10.0,10",
    "T2,C2,P1,2024-01-05,1,10.0,10",
    "T3,C3,P1,2024-01-05,1,10.0,10",
)

SOURCE_CASES: tuple[Case, ...] = (
    # --- empty and truncated files
    Case("empty_transactions", put(TX, ""), ERROR, (TX, "empty")),
    Case("header_only_transactions", transactions(), ERROR, (TX, "no transactions")),
    Case("empty_customers", put(CU, ""), ERROR, (CU, "empty")),
    Case(
        "header_only_customers",
        put(CU, "CustomerID,CustomerName,Region,SignupDate\n"),
        WARN,
        ("not in Customers.csv",),
    ),
    Case("whitespace_only_transactions", put(TX, "\n\n  \n"), ERROR, (TX, "empty")),
    Case("empty_folder", both(remove(TX), remove(CU), remove(PR)), ERROR, ("no Transactions",)),
    # --- columns
    Case(
        "missing_required_column",
        replace(TX, "TotalValue", "Amountish"),
        ERROR,
        (TX, "TotalValue", "missing column"),
    ),
    Case("renamed_column_alias", replace(TX, "TotalValue", "Amount"), OK),
    Case(
        "duplicated_column",
        replace(TX, "Quantity", "TotalValue"),
        ERROR,
        (TX, "TotalValue", "duplicated column"),
    ),
    # Asked for explicitly, a feature whose column is missing is an error…
    Case(
        "feature_column_missing",
        replace(CU, "Region", "Zone"),
        ERROR,
        ("region", "Region"),
        ("--features", "total_spend,frequency,region"),
    ),
    # …while the default feature list drops it and says so.
    Case(
        "default_feature_column_missing",
        replace(CU, "Region", "Zone"),
        WARN,
        ("region",),
    ),
    # --- wrong types and bad numbers
    Case(
        "text_in_amount",
        replace(TX, ",120.0,", ",lots,"),
        ERROR,
        (TX, "TotalValue", "row 4", "lots"),
    ),
    Case(
        "text_in_quantity",
        replace(TX, ",3,120.0", ",three,120.0"),
        ERROR,
        (TX, "Quantity", "row 4", "three"),
    ),
    Case("nan_amount", replace(TX, ",120.0,", ",NaN,"), ERROR, (TX, "TotalValue", "row 4", "NaN")),
    Case("inf_amount", replace(TX, ",120.0,", ",inf,"), ERROR, (TX, "TotalValue", "row 4", "inf")),
    Case(
        "huge_amount",
        replace(TX, ",120.0,", ",1e300,"),
        ERROR,
        (TX, "TotalValue", "row 4", "1e300"),
    ),
    Case("negative_amount_is_a_return", replace(TX, ",120.0,", ",-120.0,"), WARN, ("negative",)),
    Case(
        "return_written_with_a_positive_amount",
        replace(TX, "2024-04-01 12:00:00,3,120.0", "2024-04-01 12:00:00,-3,120.0"),
        WARN,
        ("1 return line", "negative quantity or amount"),
    ),
    Case(
        "date_typo_a_century_ahead",
        replace(TX, "2024-06-01 18:00:00", "2124-06-01 18:00:00"),
        WARN,
        ("far after the rest", "'2124-06-01 18:00:00' (row 3)"),
    ),
    Case("missing_amount", replace(TX, ",120.0,", ",,"), WARN, ("without a TotalValue",)),
    # --- dates
    Case(
        "unparsable_date",
        replace(TX, "2024-03-20 08:00:00", "20th of March"),
        ERROR,
        (TX, "TransactionDate", "row 6", "20th of March"),
    ),
    Case(
        "impossible_date",
        replace(TX, "2024-03-20 08:00:00", "2024-02-30 08:00:00"),
        ERROR,
        (TX, "TransactionDate", "row 6", "2024-02-30"),
    ),
    Case(
        "year_9999",
        replace(TX, "2024-03-20 08:00:00", "9999-12-31 08:00:00"),
        ERROR,
        (TX, "TransactionDate", "row 6", "9999"),
    ),
    Case(
        "year_0001",
        replace(TX, "2024-03-20 08:00:00", "0001-01-01 08:00:00"),
        ERROR,
        (TX, "TransactionDate", "row 6", "0001"),
    ),
    Case(
        "signup_year_9999",
        replace(CU, "2024-03-15", "9999-03-15"),
        ERROR,
        (CU, "SignupDate", "row 2", "9999"),
    ),
    Case(
        "mixed_date_formats",
        replace(TX, "2024-03-20 08:00:00", "20/03/2024 08:00"),
        ERROR,
        (TX, "TransactionDate", "row 6", "20/03/2024", "2024-01-05 10:00:00"),
    ),
    Case(
        "missing_date",
        replace(TX, "2024-03-20 08:00:00", ""),
        ERROR,
        (TX, "TransactionDate", "row 6", "missing date"),
    ),
    # --- encodings and CSV structure
    Case(
        "latin1_bytes",
        lambda f: (f / CU).write_bytes((f / CU).read_bytes().replace(b"Ann", b"Ann\xe9")),
        ERROR,
        (CU, "UTF-8", "row 1", "0xe9"),
    ),
    Case(
        "utf16_file",
        lambda f: (f / TX).write_bytes((f / TX).read_text().encode("utf-16")),
        ERROR,
        (TX, "UTF-8"),
    ),
    Case(
        "bom_everywhere",
        lambda f: [
            p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes()) for p in (f / TX, f / CU, f / PR)
        ],
        OK,
    ),
    Case(
        "crlf_line_endings",
        lambda f: (f / TX).write_bytes((f / TX).read_bytes().replace(b"\n", b"\r\n")),
        OK,
    ),
    Case("ragged_row_too_long", replace(TX, ",120.0,40", ",120.0,40,extra"), ERROR, (TX, "row 4")),
    Case(
        "ragged_row_too_short",
        replace(CU, "C2,Bob,Asia,2024-03-15", "C2,Bob,Asia"),
        WARN,
        ("1 row of Customers.csv has fewer fields than the header (first: row 2)",),
    ),
    Case(
        "ragged_row_too_short_losing_an_amount",
        replace(TX, ",3,120.0,40", ",3"),
        WARN,
        (
            "row of Transactions.csv has fewer fields than the header (first: row 4)",
            "1 transaction row without a TotalValue",
        ),
    ),
    Case(
        "ragged_row_too_short_losing_a_date",
        replace(TX, "T4,C2,P2,2024-04-01 12:00:00,3,120.0,40", "T4,C2,P2"),
        ERROR,
        (TX, "TransactionDate", "row 4", "missing date"),
    ),
    Case("quoted_newline_in_name", replace(CU, "C2,Bob,", 'C2,"Bob\nBobson",'), OK),
    Case(
        "unterminated_quote",
        replace(CU, "C2,Bob,", 'C2,"Bob,'),
        ERROR,
        (CU, "row 2", "never closed"),
    ),
    Case("nul_bytes", lambda f: (f / TX).write_bytes(b"\x00" * 64), ERROR, (TX,)),
    # --- identifiers and relations
    Case(
        "duplicate_customer_id",
        replace(CU, "C2,Bob", "C1,Bob"),
        ERROR,
        (CU, "CustomerID", "row 2", "C1"),
    ),
    Case("duplicate_transaction_id_is_a_multi_line_order", replace(TX, "T6,", "T5,"), OK),
    Case(
        "transactions_for_unknown_customer",
        replace(TX, "T8,00006", "T8,C999"),
        WARN,
        ("not in Customers.csv",),
    ),
    Case("missing_customer_id", replace(TX, "T8,00006", "T8,"), WARN, ("without a CustomerID",)),
    # --- degenerate data for clustering
    Case(
        "single_customer",
        transactions("T1,C1,P1,2024-01-05,1,10.0,10", "T2,C1,P2,2024-02-05,1,40.0,40"),
        ERROR,
        ("k=2", "(1)"),
    ),
    Case(
        "all_customers_identical",
        transactions(*SAME),
        ERROR,
        ("all 3 customers", "same profile"),
        ("--features", "total_spend,frequency,total_quantity"),
    ),
    Case(
        "identical_behaviour_different_regions_segments_by_region",
        transactions(*SAME, "T4,C4,P1,2024-01-05,1,10.0,10"),
        WARN,
        ("total_spend has the same value for every customer", "Segments mirror region"),
    ),
    Case("k_equal_to_buying_customers", lambda f: None, ERROR, ("k=5", "(5)"), ("-k", "5")),
    Case("k_larger_than_buying_customers", lambda f: None, ERROR, ("k=9", "(5)"), ("-k", "9")),
    Case(
        "k_larger_than_distinct_points",
        transactions(*SAME, "T4,C4,P2,2024-02-05,1,40.0,40"),
        ERROR,
        ("k=3", "distinct customer profiles (2)"),
        ("-k", "3", "--features", "total_spend,frequency"),
    ),
    Case("negative_seed", lambda f: None, ERROR, ("seed", "-1"), ("--seed", "-1")),
    Case("seed_too_large", lambda f: None, ERROR, ("seed", "4294967296"), ("--seed", "4294967296")),
    Case("absurd_n_init", lambda f: None, ERROR, ("n-init", "at most"), ("--n-init", "1000000000")),
    Case(
        "infinite_categorical_weight",
        lambda f: None,
        ERROR,
        ("categorical weight", "inf"),
        ("--categorical-weight", "inf"),
    ),
    Case(
        "as_of_before_all_transactions",
        lambda f: None,
        ERROR,
        (TX, "no transactions before"),
        ("--as-of", "2000-01-01"),
    ),
    # --- files that are not readable files
    Case("directory_instead_of_file", make_dir(TX), ERROR, (TX, "folder")),
    Case("fifo_instead_of_file", make_fifo(TX), ERROR, (TX, "not a regular file")),
    Case(
        "two_transactions_tables",
        lambda f: (f / "transactions.tsv").write_text("a\tb\n"),
        ERROR,
        ("two transactions tables",),
    ),
    Case(
        "parquet_text_amount",
        both(
            remove(TX),
            lambda f: pl.DataFrame(
                {
                    "CustomerID": ["C1", "C2"],
                    "TransactionDate": ["2024-01-01"] * 2,
                    "TotalValue": ["10.5", "lots"],
                }
            ).write_parquet(f / "Transactions.parquet"),
        ),
        ERROR,
        ("Transactions.parquet", "TotalValue", "row 2", "lots"),
        ("--features", "total_spend,frequency"),
    ),
    Case(
        "parquet_missing_column",
        both(
            remove(TX),
            lambda f: pl.DataFrame({"CustomerID": ["C1"], "TotalValue": [1.0]}).write_parquet(
                f / "Transactions.parquet"
            ),
        ),
        ERROR,
        ("Transactions.parquet", "TransactionDate", "missing column"),
    ),
    Case(
        "broken_link_instead_of_file",
        lambda f: ((f / TX).unlink(), (f / TX).symlink_to(f / "gone.csv")),
        ERROR,
        (TX, "broken link"),
    ),
    Case(
        "malformed_config_file",
        put("bad.toml", "k = [unclosed\n"),
        ERROR,
        ("bad.toml", "not valid TOML"),
        ("--config", "{src}/bad.toml"),
    ),
    Case(
        "config_with_unknown_setting",
        put("bad.toml", "clusters = 4\n"),
        ERROR,
        ("bad.toml", "unknown setting 'clusters'"),
        ("--config", "{src}/bad.toml"),
    ),
    Case(
        "output_folder_is_a_file",
        put("notafolder", "x"),
        ERROR,
        ("notafolder", "not a folder"),
        ("--out", "{src}/notafolder/segments.csv"),
    ),
    Case(
        "corrupt_parquet",
        both(remove(TX), put("Transactions.parquet", b"PAR1 this is not parquet")),
        ERROR,
        ("Transactions.parquet",),
    ),
)


def edit_bytes(name: str, old: bytes, new: bytes, count: int = 1) -> Callable[[Path], None]:
    """Replace bytes in one file (for encodings and control bytes)."""

    def apply(folder: Path) -> None:
        path = folder / name
        data = path.read_bytes()
        assert old in data, f"fixture bytes {old!r} not in {name}"
        path.write_bytes(data.replace(old, new, count))

    return apply


def transactions_parquet(table: Callable[[], object]) -> Callable[[Path], None]:
    """Replace Transactions.csv by a Parquet file written with pyarrow (which, unlike
    Polars, can write repeated column names and date32 values up to 9999-12-31)."""

    def apply(folder: Path) -> None:
        import pyarrow.parquet as pq

        (folder / TX).unlink()
        pq.write_table(table(), folder / "Transactions.parquet")

    return apply


def _arrow_table(last_date: dt.date, *, repeat: str | None = None) -> object:
    """The tiny transactions (three lines) as an Arrow table with date32 dates; ``repeat``
    names a column written twice."""
    import pyarrow as pa

    columns = {
        "TransactionID": pa.array(["T1", "T2", "T3"]),
        "CustomerID": pa.array(["C1", "C2", "C3"]),
        "ProductID": pa.array(["P1", "P2", "P3"]),
        "TransactionDate": pa.array([dt.date(2024, 1, 5), dt.date(2024, 2, 5), last_date]),
        "Quantity": pa.array([1.0, 2.0, 3.0]),
        "TotalValue": pa.array([10.0, 20.0, 30.0]),
        "Price": pa.array([10.0, 10.0, 10.0]),
    }
    names = list(columns) + ([repeat] if repeat else [])
    arrays = list(columns.values()) + ([columns[repeat]] if repeat else [])
    return pa.table(arrays, names=names)


# Hostile inputs that reach the reader the same way in both layouts. Each runs in folder
# form (the matrix below, every command) and in single-log form (the Transactions file
# given alone: test_hostile_input_as_a_single_log).
HOSTILE_CASES: tuple[Case, ...] = (
    Case(
        "latin1_byte_in_a_customer_id",
        edit_bytes(TX, b"T4,C2,", b"T4,C2\xe9,"),
        ERROR,
        (TX, "CustomerID", "row 4", "Latin-1", "iconv -f latin1 -t utf-8"),
    ),
    Case(
        "utf16_without_bom",
        lambda f: (f / TX).write_bytes((f / TX).read_text().encode("utf-16-le")),
        ERROR,
        (TX, "UTF-16", "iconv"),
    ),
    Case(
        "nul_byte_in_a_customer_id",
        edit_bytes(TX, b"T4,C2,", b"T4,C\x002,"),
        ERROR,
        (TX, "CustomerID", "row 4", "NUL"),
    ),
    Case(
        "bom_at_the_start_of_a_middle_line",
        edit_bytes(TX, b"\nT4,", b"\n\xef\xbb\xbfT4,"),
        ERROR,
        (TX, "row 4", "byte-order mark"),
    ),
    Case(
        "duplicated_header_read_from_the_raw_line",
        both(
            replace(TX, "Price\n", "Price,Price\n"),
            replace(TX, ",2.5\n", ",2.5,9\n", 2),
            replace(TX, ",40\n", ",40,9\n", 3),
            replace(TX, ",12\n", ",12,9\n", 3),
        ),
        ERROR,
        (TX, "Price", "duplicated column"),
    ),
    Case(
        "unclosed_quote_in_transactions",
        replace(TX, "T4,C2,", 'T4,"C2,'),
        ERROR,
        (TX, "row 4", "never closed"),
    ),
    Case(
        "lone_cr_line_endings",
        lambda f: (f / TX).write_bytes((f / TX).read_bytes().replace(b"\n", b"\r")),
        ERROR,
        (TX, "lone CR", "tr '\\r' '\\n'"),
    ),
    Case(
        "parquet_with_duplicate_column_names",
        transactions_parquet(lambda: _arrow_table(dt.date(2024, 3, 5), repeat="TotalValue")),
        ERROR,
        ("Transactions.parquet", "TotalValue", "duplicated column"),
    ),
    Case(
        "parquet_date32_9999_12_31",
        transactions_parquet(lambda: _arrow_table(dt.date(9999, 12, 31))),
        ERROR,
        ("Transactions.parquet", "TransactionDate", "row 3", "9999-12-31", "out of range"),
    ),
    Case(
        "unparsable_date_with_as_of",
        replace(TX, "2024-03-20 08:00:00", "2024-13-20 08:00:00"),
        ERROR,
        (TX, "TransactionDate", "row 6", "2024-13-20", "--date-format"),
        ("--as-of", "2024-07-01"),
    ),
)

# Issue 29: messages that named the folder, not the file, row and column (HOSTILE_CASES
# below also run as a single log; FOLDER_CASES need the Products table or a flag only run
# and sweep take).
ISSUE29_CASES: tuple[Case, ...] = (
    Case(
        # Padded numbers are read as numbers in a folder too, as in a log and by validate.
        "padded_number_in_a_folder_table",
        replace(TX, "T4,C2,P2,2024-04-01 12:00:00,3,", "T4,C2,P2,2024-04-01 12:00:00, 3 ,"),
        OK,
    ),
    Case(
        "stray_quote_inside_an_unquoted_value",
        replace(TX, "T4,C2,P2,", 'T4,C2,P"2,'),
        ERROR,
        (TX, "column 'ProductID'", "row 4", 'P"2', "double quote inside a value"),
    ),
    Case(
        "customer_column_empty_on_every_row",
        fill_column(TX, 1, ""),
        ERROR,
        (TX, "column 'CustomerID'", "customer id is empty on every one of the"),
    ),
    Case(
        # Every date unreadable: validate --json still prints its report.
        "no_date_parses",
        fill_column(TX, 3, "soon"),
        ERROR,
        (TX, "TransactionDate", "row 1", "soon"),
    ),
)
HOSTILE_CASES = HOSTILE_CASES + ISSUE29_CASES
FOLDER_CASES: tuple[Case, ...] = (
    Case(
        "as_of_9999_12_31_like_a_placeholder_date",
        lambda f: None,
        ERROR,
        ("9999-12-31", "must be from 1900-01-01 to 2199-12-31"),
        ("--as-of", "9999-12-31"),
    ),
    Case(
        "categories_that_differ_only_in_case_and_punctuation",
        both(
            replace(PR, "P1,Pen,Office,", "P1,Pen,home decor,"),
            replace(PR, "P3,Book,Books,", "P3,Book,Home-Decor,"),
        ),
        ERROR,
        (PR, "column 'Category'", "row 1", "'Home Decor', 'Home-Decor', 'home decor'"),
        ("--features", "total_spend,category_shares"),
    ),
    Case(
        "delimiter_of_two_bytes",
        lambda f: None,
        ERROR,
        ("delimiter", "'é'", "one ASCII character"),
        ("--delimiter", "é"),
    ),
)

SOURCE_CASES = SOURCE_CASES + HOSTILE_CASES + FOLDER_CASES


Argv = Callable[[Path, tuple[str, ...], Path], "list[str] | None"]


def _pairs(extra: tuple[str, ...], src: Path) -> list[tuple[str, str]]:
    """A case's extra arguments as (flag, value) pairs, with ``{src}`` filled in."""
    assert len(extra) % 2 == 0, extra
    values = [a.format(src=src) for a in extra]
    return list(zip(values[::2], values[1::2], strict=True))


def run_args(folder: Path, extra: tuple[str, ...], model: Path) -> list[str]:
    return ["run", str(folder), "-k", "2", "--json", *(a.format(src=folder) for a in extra)]


SWEEP_FLAGS = {"--features", "--seed", "--n-init", "--categorical-weight", "--as-of", "--config"}


def sweep_args(folder: Path, extra: tuple[str, ...], model: Path) -> list[str] | None:
    argv = ["sweep", str(folder), "--json"]
    k_range = ["--k-min", "2", "--k-max", "2"]
    for flag, value in _pairs(extra, folder):
        if flag == "-k":  # one k: a sweep over exactly that k
            k_range = ["--k-min", value, "--k-max", value]
        elif flag in SWEEP_FLAGS:
            argv += [flag, value]
        else:
            return None
    return argv + k_range


def validate_args(folder: Path, extra: tuple[str, ...], model: Path) -> list[str] | None:
    argv = ["validate", str(folder), "--json"]
    for flag, value in _pairs(extra, folder):
        if flag != "--config":
            return None
        argv += [flag, value]
    return argv


def model_args(command: str, *fixed: str) -> Argv:
    """Argv builder of a saved-model command: only --as-of and --out apply (the model
    fixes k, features, seed and scaling; these commands take no --config)."""

    def build(folder: Path, extra: tuple[str, ...], model: Path) -> list[str] | None:
        argv = [command, str(folder), "--model", str(model), "--json", *fixed]
        for flag, value in _pairs(extra, folder):
            if flag not in ("--as-of", "--out"):
                return None
            argv += [flag, value]
        return argv

    return build


def migrate_args(folder: Path, extra: tuple[str, ...], model: Path) -> list[str] | None:
    """One source, two as-of dates; a case's --as-of becomes the before date."""
    options = {"--as-of-before": "2024-03-01"}
    for flag, value in _pairs(extra, folder):
        if flag not in ("--as-of", "--out"):
            return None
        options["--as-of-before" if flag == "--as-of" else flag] = value
    argv = ["migrate", str(folder), "--model", str(model), "--json"]
    return argv + [x for pair in options.items() for x in pair]


BACKTEST_FLAGS = {"-k", "--features", "--seed", "--n-init", "--categorical-weight", "--config"}
BACKTEST_CUT = "2024-06-01"  # the tiny data run 2024-01-05 .. 2024-06-10


def backtest_args(folder: Path, extra: tuple[str, ...], model: Path) -> list[str] | None:
    """The cut at BACKTEST_CUT, or at a case's --as-of; k 2 as run's; --out as run's."""
    options = {"--at": BACKTEST_CUT, "-k": "2"}
    for flag, value in _pairs(extra, folder):
        if flag == "--as-of":
            options["--at"] = value
        elif flag in BACKTEST_FLAGS or flag == "--out":
            options[flag] = value
        else:
            return None
    return ["backtest", str(folder), "--json", *[x for pair in options.items() for x in pair]]


# command name -> argv builder; None = the case's options do not exist for the command.
SOURCE_COMMANDS: dict[str, Argv] = {
    "run": run_args,
    "backtest": backtest_args,
    "sweep": sweep_args,
    "validate": validate_args,
    "assign": model_args("assign"),
    "lookalike": model_args("lookalike", "--all"),
    "migrate": migrate_args,
}


# Needles that locate a problem (file, row): validate's report must carry them too.
LOCATION_NEEDLES = {TX, CU, PR, *(f"row {n}" for n in range(1, 10))}
MODEL_COMMANDS = {"assign", "lookalike", "migrate"}

# command -> case id -> (expectation, needles) where a command legitimately differs from
# the case's own expectation (which is `run`'s). See the module docstring.
_REGION_NEEDED = (ERROR, (CU, "Region", "feature 'region'"))
_NO_AFTER_SNAPSHOT = (ERROR, ("--as-of-before (2024-03-01)", "must be earlier"))
OVERRIDES: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    # validate checks data, not clustering: no feature list, no k
    "validate": {
        "default_feature_column_missing": (OK, ()),
        "single_customer": (OK, ()),
    },
    # sweep names the k range it was given; several k are fine with fewer profiles
    "sweep": {
        "single_customer": (ERROR, ("k-max=2", "the 1 there are")),
        "identical_behaviour_different_regions_segments_by_region": (
            WARN,
            ("total_spend has the same value for every customer",),
        ),
        "k_equal_to_buying_customers": (ERROR, ("k-max=5", "the 5 there are")),
        "k_larger_than_buying_customers": (ERROR, ("k-max=9", "the 5 there are")),
        "k_larger_than_distinct_points": (WARN, ("k=3 found only 2 segments",)),
    },
    # a saved model needs every feature it was trained on, and does no clustering
    "assign": {
        "default_feature_column_missing": _REGION_NEEDED,
        "single_customer": (OK, ()),
        "identical_behaviour_different_regions_segments_by_region": (OK, ()),
    },
    "lookalike": {
        "default_feature_column_missing": _REGION_NEEDED,
        "single_customer": (ERROR, ("lookalikes need at least 2 customers with purchases",)),
        "identical_behaviour_different_regions_segments_by_region": (OK, ()),
    },
    # backtest segments the lines before 2024-06-01 (C4's one purchase is after it), so
    # it sees fewer customers; a log ending before the cut has no next period; the
    # 9999-12-31 and 2124 lines lie after the cut, where only the horizon (which ends
    # long before them) reads lines, as `run --as-of 2024-06-01` leaves them out too
    "backtest": {
        "k_equal_to_buying_customers": (ERROR, ("k=5", "customers with purchases (4)")),
        "k_larger_than_buying_customers": (ERROR, ("k=9", "customers with purchases (4)")),
        "identical_behaviour_different_regions_segments_by_region": (
            ERROR,
            ("no transaction is dated on or after --at 2024-06-01",),
        ),
        "parquet_date32_9999_12_31": (ERROR, ("customers with purchases (2)",)),
        "year_9999": (OK, ()),
        "date_typo_a_century_ahead": (OK, ()),  # 2124, after the cut likewise
    },
    # these logs end before the fixed before date: there is no later snapshot to compare
    "migrate": {
        "default_feature_column_missing": _REGION_NEEDED,
        "single_customer": _NO_AFTER_SNAPSHOT,
        "identical_behaviour_different_regions_segments_by_region": _NO_AFTER_SNAPSHOT,
    },
}


def findings_text(report: dict) -> str:
    """validate's findings as one searchable text: file, column, message, example rows."""
    parts = []
    for f in report["findings"]:
        rows = " ".join(f"row {e['row']} {e.get('value')}" for e in f["examples"])
        parts.append(f"{f['file']} {f['column']} {f['message']} {rows}")
    return " | ".join(parts)


def assert_validate_report(result, needles: tuple[str, ...]) -> None:
    output = result.stdout + result.stderr
    assert result.exit_code == 2, (result.exit_code, output, result.exception)
    assert "Traceback" not in output and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["usable"] is False
    text = findings_text(report)
    for needle in needles:
        assert needle in text, (needle, text)


def tiny(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "src", TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once on the intact tiny dataset, for assign/lookalike/migrate."""
    root = tmp_path_factory.mktemp("model")
    model = root / "model.json"
    result = runner.invoke(
        app, ["run", str(tiny(root)), "-k", "2", "-q", "--save-model", str(model)]
    )
    assert result.exit_code == 0, result.stderr
    return model


def assert_one_line_error(result, needles: tuple[str, ...]) -> None:
    output = result.stdout + result.stderr
    assert result.exit_code == 2, (result.exit_code, output, result.exception)
    assert "Traceback" not in output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_matrix_has_at_least_thirty_distinct_inputs():
    ids = [case.id for case in SOURCE_CASES] + [case.id for case in SAMPLE_CASES]
    assert len(set(ids)) == len(ids) >= 30


def applies(command: str, case: Case) -> bool:
    """Whether the case's options exist for the command (see the module docstring)."""
    return SOURCE_COMMANDS[command](Path("src"), case.args, Path("model.json")) is not None


MATRIX = [
    pytest.param(command, case, id=f"{command}-{case.id}")
    for command in sorted(SOURCE_COMMANDS)
    for case in SOURCE_CASES
    if applies(command, case)
]


def test_every_command_meets_most_of_the_matrix():
    for command in SOURCE_COMMANDS:
        count = sum(applies(command, case) for case in SOURCE_CASES)
        assert count >= 45 if command != "run" else count == len(SOURCE_CASES), (command, count)


def expectation(command: str, case: Case) -> tuple[str, tuple[str, ...]]:
    """The outcome the command must give: the case's own, unless OVERRIDES says otherwise."""
    return OVERRIDES.get(command, {}).get(case.id, (case.expect, case.needles))


@pytest.mark.parametrize(("command", "case"), MATRIX)
def test_bad_source(command: str, case: Case, tmp_path: Path, request) -> None:
    folder = tiny(tmp_path)
    case.setup(folder)
    model = request.getfixturevalue("model_file") if command in MODEL_COMMANDS else Path("-")
    argv = SOURCE_COMMANDS[command](folder, case.args, model)
    assert argv is not None
    result = runner.invoke(app, argv)
    expect, needles = expectation(command, case)
    if command == "validate" and expect == ERROR and result.stderr == "":
        # validate read the source and reports the problem instead of failing
        assert_validate_report(result, tuple(n for n in needles if n in LOCATION_NEEDLES))
        return
    if expect == ERROR:
        assert_one_line_error(result, needles)
        return
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert result.stderr == ""
    summary = json.loads(result.stdout)
    if command == "validate":
        # usable; a WARN case must show up as at least one warning (wording differs)
        assert summary["usable"] is True, summary["findings"]
        assert expect != WARN or summary["warnings"] >= 1, summary["findings"]
        needles, text = (), findings_text(summary)
    else:
        text = " ".join(summary.get("warnings", []))
    for needle in needles:
        assert needle in text, (needle, text)


def test_input_files_are_never_modified(tmp_path: Path) -> None:
    folder = tiny(tmp_path)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    out = tmp_path / "segments.csv"
    assert (
        runner.invoke(app, ["run", str(folder), "-k", "2", "-q", "--out", str(out)]).exit_code == 0
    )
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before


# ------------------------------------------------------------- permissions (root-aware)


def _still_readable(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            handle.read(1)
        return True
    except PermissionError:
        return False


def test_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    folder = tiny(tmp_path)
    (folder / TX).chmod(0)
    if os.geteuid() == 0 and _still_readable(folder / TX):
        pytest.skip("running as root: chmod 000 does not stop root reading the file")
    assert_one_line_error(runner.invoke(app, ["run", str(folder)]), (TX, "permission denied"))


def test_permission_error_while_opening_is_a_user_error(tmp_path: Path, monkeypatch) -> None:
    """Works as root too: the OS refusal is simulated where segtui opens the file."""
    folder = tiny(tmp_path)
    real_open = Path.open

    def refusing_open(self: Path, *args, **kwargs):
        if self.name == TX:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    assert_one_line_error(runner.invoke(app, ["run", str(folder)]), (TX, "permission denied"))


def test_unlistable_folder_is_a_user_error(tmp_path: Path) -> None:
    folder = tiny(tmp_path)
    folder.chmod(0)
    try:
        if os.geteuid() == 0 and os.access(folder, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop root listing the folder")
        assert_one_line_error(runner.invoke(app, ["run", str(folder)]), ("permission denied",))
    finally:
        folder.chmod(stat.S_IRWXU)


def test_unlistable_folder_simulated_is_a_user_error(tmp_path: Path, monkeypatch) -> None:
    folder = tiny(tmp_path)
    real_iterdir = Path.iterdir

    def refusing_iterdir(self: Path):
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refusing_iterdir)
    assert_one_line_error(runner.invoke(app, ["run", str(folder)]), ("src", "permission denied"))


def test_source_file_that_is_not_an_order_log_is_a_user_error(tmp_path: Path) -> None:
    # A single file is read as an order log; a products table has no customer column.
    folder = tiny(tmp_path)
    assert_one_line_error(
        runner.invoke(app, ["run", str(folder / "Products.csv")]),
        ("Products.csv", "no customer id column", "--customer-col"),
    )


def test_output_into_a_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    folder = tiny(tmp_path)
    out = tmp_path / "nope" / "segments.csv"
    result = runner.invoke(app, ["run", str(folder), "-k", "2", "--out", str(out)])
    assert_one_line_error(result, ("nope", "does not exist"))


def test_output_onto_a_folder_is_a_user_error(tmp_path: Path) -> None:
    folder = tiny(tmp_path)
    (tmp_path / "segments.csv").mkdir()
    result = runner.invoke(
        app, ["run", str(folder), "-k", "2", "--out", str(tmp_path / "segments.csv")]
    )
    assert_one_line_error(result, ("segments.csv", "folder"))


# ---------------------------------------------------------------------- segtui sample


@dataclass(frozen=True)
class SampleCase:
    """Arguments to ``segtui sample`` (``{out}`` = a fresh path) and the expected error."""

    id: str
    args: tuple[str, ...]
    needles: tuple[str, ...]
    setup: Callable[[Path], None] = lambda out: None


SAMPLE_CASES: tuple[SampleCase, ...] = (
    SampleCase("sample_zero_customers", ("--customers", "0"), ("customers",)),
    SampleCase("sample_negative_transactions", ("--transactions", "-5"), ("transaction", "-5")),
    SampleCase("sample_one_group", ("--groups", "1"), ("groups",)),
    SampleCase(
        "sample_too_large_for_memory",
        ("--transactions", "100000000000"),
        ("100,000,000,000 transactions", "memory", "available"),
    ),
    SampleCase("sample_too_many_groups", ("--groups", "99"), ("groups",)),
    SampleCase("sample_unknown_format", ("--format", "xlsx"), ("--format", "xlsx")),
    SampleCase(
        "sample_target_is_a_file", (), ("expected a folder",), lambda out: out.write_text("x")
    ),
    SampleCase(
        "sample_target_inside_a_file",
        ("--sub",),
        ("not a folder",),
        lambda out: out.write_text("x"),
    ),
    SampleCase(
        "sample_existing_dataset",
        (),
        ("already holds", "--force"),
        lambda out: (out.mkdir(), (out / "Transactions.csv").write_text("keep")),
    ),
)


@pytest.mark.parametrize("case", SAMPLE_CASES, ids=lambda c: c.id)
def test_bad_sample_arguments(case: SampleCase, tmp_path: Path) -> None:
    out = tmp_path / "data"
    case.setup(out)
    args = [a for a in case.args if a != "--sub"]
    target = out / "inner" if "--sub" in case.args else out
    result = runner.invoke(
        app, ["sample", str(target), "--customers", "50", "--transactions", "200", *args]
    )
    assert_one_line_error(result, case.needles)
    if case.id == "sample_existing_dataset":
        assert (out / "Transactions.csv").read_text() == "keep"


# ------------------------------------------- beyond the part checked up front (8 MB)


LATE_CASES = [
    (CU, b"Ed,", b"Ed\xe9,", (CU, "UTF-8", "row 5", "0xe9")),
    (TX, b",25.0,2.5\nT8", b",lots,2.5\nT8", (TX, "TotalValue", "row 7", "lots")),
    (TX, b"T8,00006,", b"T8,0\xe90006,", (TX, "CustomerID", "row 8", "Latin-1")),
    # a shifted row (an unquoted separator in a value) breaks a number: named with its row
    (TX, b"T7,C4,P1,", b"T7,C4,Pen, blue,", (TX, "row 7")),
    (TX, b"T7,C4,", b'T7,"C4,', (TX, "row 7", "never closed")),
    (TX, b"T8,00006,", b"T8,000\x0006,", (TX, "row 8", "NUL")),
]
LATE_IDS = ["latin1_late", "text_amount_late", "latin1_id_late", "shifted_row_late"]
LATE_IDS += ["unclosed_quote_late", "nul_late"]


# Every case in folder form; the Transactions cases in single-log form too (a single log
# has no customers file, so the Customers case has no log form).
LATE_FORMS = [
    pytest.param(form, *case, id=f"{form}-{case_id}")
    for form in ("folder", "log")
    for case, case_id in zip(LATE_CASES, LATE_IDS, strict=True)
    if form == "folder" or case[0] == TX
]


@pytest.mark.parametrize(("form", "name", "old", "new", "needles"), LATE_FORMS)
def test_problems_past_the_checked_start_are_still_user_errors(
    tmp_path: Path,
    monkeypatch,
    form: str,
    name: str,
    old: bytes,
    new: bytes,
    needles: tuple[str, ...],
) -> None:
    monkeypatch.setattr("segtui.engine.io.structure.STRUCTURE_CHECK_BYTES", 40)
    folder = tiny(tmp_path)
    data = (folder / name).read_bytes()
    assert old in data
    (folder / name).write_bytes(data.replace(old, new))
    source = folder if form == "folder" else folder / TX
    assert_one_line_error(runner.invoke(app, ["run", str(source), "-k", "2"]), needles)


# Single-log form: the Transactions file alone is the source. Offsets in dates are only
# readable with the log reader's --date-format, so that case is log-only.
LOG_ONLY_CASES: tuple[Case, ...] = (
    Case(
        "date_format_with_utc_offset",
        lambda f: (f / TX).write_text(
            "CustomerID,TransactionDate,TotalValue\n"
            "C1,2024-01-05T10:00:00+0100,10\nC2,2024-01-06T10:00:00+0000,20\n"
            "C3,2024-01-07T22:00:00-0500,30\n",
            encoding="utf-8",
        ),
        OK,
        (),
        ("--date-format", "%Y-%m-%dT%H:%M:%S%z"),
    ),
    Case(
        "iso_8601_dates_with_z",
        put(
            TX,
            "CustomerID,TransactionDate,TotalValue\n"
            "C1,2024-01-05T10:00:00Z,10\nC2,2024-01-06T10:00:00Z,20\nC3,2024-01-07T22:00:00Z,30\n",
        ),
        OK,
    ),
    Case(
        "hex_order_ids_starting_with_c",
        put(
            TX,
            "OrderID,CustomerID,TransactionDate,TotalValue\n"
            "c3f1a9e0b2d4,C1,2024-01-05,10\nc4ca4238a0b9,C1,2024-02-05,20\n"
            "9bf31c7ff062,C2,2024-01-07,30\n45c48cce2e2d,C3,2024-01-08,30\n",
        ),
        OK,
    ),
    Case(
        "order_numbers_turning_into_c_ids",
        put(
            TX,
            "OrderID,CustomerID,TransactionDate,TotalValue\n"
            "1001,C1,2024-01-05,10\n1002,C2,2024-01-06,20\n1003,C3,2024-01-07,30\n"
            "C1004,C1,2024-01-08,10\nC1005,C2,2024-01-09,20\n",
        ),
        ERROR,
        (TX, "OrderID", "row 4", "C1004", "--cancelled-ids"),
    ),
    Case(
        "decimal_comma_then_decimal_point",
        put(
            TX,
            "CustomerID;TransactionDate;TotalValue\n"
            "C1;2024-01-05;10,50\nC2;2024-01-06;20,25\nC3;2024-01-07;30.75\n",
        ),
        ERROR,
        (TX, "TotalValue", "row 3", "30.75", "'10,50', row 1"),
    ),
    Case(
        "amounts_in_several_currencies",
        put(
            TX,
            "CustomerID,TransactionDate,TotalValue,Currency\n"
            "C1,2024-01-05,10,USD\nC2,2024-01-06,20,USD\nC3,2024-01-07,3000,JPY\n",
        ),
        ERROR,
        (TX, "Currency", "row 3", "JPY", "convert"),
    ),
)


def the_log(folder: Path) -> Path:
    """The transactions file of a folder after a case's setup (CSV or Parquet)."""
    return next(p for p in (folder / TX, folder / "Transactions.parquet") if p.exists())


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", HOSTILE_CASES + LOG_ONLY_CASES, ids=lambda c: c.id)
def test_hostile_input_as_a_single_log(command: str, case: Case, tmp_path: Path) -> None:
    folder = tiny(tmp_path)
    case.setup(folder)
    log = the_log(folder)
    argv = [command, str(log), "--json"]
    if command == "run":
        argv += ["-k", "2", *case.args]
    elif case.args and case.args[0] == "--date-format":
        argv += list(case.args)
    result = runner.invoke(app, argv)
    if command == "validate" and case.expect == ERROR and result.stderr == "":
        assert_validate_report(result, tuple(n for n in case.needles if n in LOCATION_NEEDLES))
        return
    if case.expect == ERROR:
        assert_one_line_error(result, case.needles)
        return
    assert result.exit_code == 0, (result.stderr, result.exception)


def test_utc_offsets_in_a_log_are_read_as_utc_wall_clock(tmp_path: Path) -> None:
    folder = tiny(tmp_path)
    LOG_ONLY_CASES[0].setup(folder)
    argv = ["run", str(folder / TX), "-k", "2", "--json", *LOG_ONLY_CASES[0].args]
    summary = json.loads(runner.invoke(app, argv).stdout)
    # last purchase 2024-01-08 03:00 UTC: the default as-of is the day after
    assert summary["as_of"] == "2024-01-09"


@pytest.mark.parametrize("chunk", [7, 16, 33, 64])
@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (b"T8,00006,", b"T8,000\x0006,", ("row 8", "NUL")),
        (b"\nT8,", b"\n\xef\xbb\xbfT8,", ("row 8", "byte-order mark")),
    ],
    ids=["nul", "mid_file_bom"],
)
def test_the_whole_file_search_finds_bad_bytes_across_chunk_boundaries(
    tmp_path: Path, monkeypatch, chunk: int, old: bytes, new: bytes, needles: tuple[str, ...]
) -> None:
    # The search reads the file in chunks (no mapping, so its pages do not count as
    # resident memory); tiny chunks put the bad bytes on every possible boundary.
    monkeypatch.setattr("segtui.engine.io.structure.STRUCTURE_CHECK_BYTES", 40)
    monkeypatch.setattr("segtui.engine.io.structure.SCAN_CHUNK", chunk)
    folder = tiny(tmp_path)
    data = (folder / TX).read_bytes()
    assert old in data
    (folder / TX).write_bytes(data.replace(old, new))
    assert_one_line_error(runner.invoke(app, ["run", str(folder), "-k", "2"]), (TX, *needles))


# ------------------------------------------------------------- issue 29: the place is named


def test_a_padded_number_in_a_folder_table_is_read_as_that_number(tmp_path: Path) -> None:
    """`` 3 `` in a folder's Quantity is 3, as in a single log and for validate (before,
    the folder said "could not parse ` 3 ` as dtype f64" while validate called it usable)."""
    folder = tiny(tmp_path)
    replace(TX, "T4,C2,P2,2024-04-01 12:00:00,3,", "T4,C2,P2,2024-04-01 12:00:00, 3 ,")(folder)
    result = runner.invoke(
        app, ["run", str(folder), "-k", "2", "-q", "--out", str(tmp_path / "s.csv")]
    )
    assert result.exit_code == 0, result.stderr
    segments = pl.read_csv(tmp_path / "s.csv", schema_overrides={"CustomerID": pl.String})
    assert segments.filter(pl.col("CustomerID") == "C2")["total_quantity"].to_list() == [3]
    report = runner.invoke(app, ["validate", str(folder), "--json"])
    assert report.exit_code == 0 and json.loads(report.stdout)["usable"] is True


def test_validate_json_prints_a_report_when_no_date_parses(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("customer,date,amount\nA,soon,1\nB,later,2\nC,never,3\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(log), "--json"])
    assert result.exit_code == 2 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["usable"] is False and report["errors"] == 1
    (finding,) = report["findings"]
    assert (finding["file"], finding["column"]) == (str(log), "date")
    assert finding["examples"] == [{"row": 1, "value": "soon"}]
    assert "unparsable date" in finding["message"]


@pytest.mark.parametrize("command", sorted(SOURCE_COMMANDS))
def test_a_two_byte_delimiter_is_an_option_error(command: str, tmp_path: Path, request) -> None:
    """``--delimiter é`` was a ValueError traceback (exit 1) from the CSV reader."""
    folder = tiny(tmp_path)
    model = request.getfixturevalue("model_file") if command in MODEL_COMMANDS else Path("-")
    argv = SOURCE_COMMANDS[command](folder / TX, (), model)
    assert argv is not None
    result = runner.invoke(app, [*argv, "--delimiter", "é"])
    assert_one_line_error(result, ("delimiter", "'é'", "one ASCII character"))


def test_as_of_bounds_are_the_data_date_bounds(tmp_path: Path) -> None:
    """2199-12-31 is the last date data may have, and the last --as-of (9999-12-31 is a
    placeholder in both)."""
    folder = tiny(tmp_path)
    last = runner.invoke(app, ["run", str(folder), "-k", "2", "--json", "--as-of", "2199-12-31"])
    assert last.exit_code == 0, last.stderr
    assert json.loads(last.stdout)["as_of"] == "2199-12-31"
    for date in ("2200-01-01", "1899-12-31"):
        result = runner.invoke(app, ["run", str(folder), "-k", "2", "--as-of", date])
        assert_one_line_error(result, (date, "must be from 1900-01-01 to 2199-12-31"))
