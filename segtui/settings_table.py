"""The one table of settings and options: every key segtui takes, declared once.

Each :class:`Row` gives a key's type, default, bounds, allowed values, help, flags, help
panel and the commands that take it. Built from it: the defaults of
:class:`segtui.config.Settings` and the Python API, the settings-file keys and range
checks (:mod:`segtui.settings_model`) and the engine's own checks, and every command's
Typer parameters (:func:`segtui.cli.options.takes`, Harlequin's "options as data").
Adding an option is one row here plus its use in the engine (docs/development.md).

Pure data: this module imports nothing but the standard library, so the engine (which
never imports the CLI), ``import segtui`` and ``segtui --help`` can all read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Commands by what they read: a segmentation (SEGMENTING), a source at all (READING).
SEGMENTING = ("run", "ui", "sweep", "backtest")
MODEL = ("assign", "lookalike", "migrate")
READING = (*SEGMENTING, "validate", *MODEL)
HEADLESS = (*SEGMENTING[:1], *SEGMENTING[2:], "validate", *MODEL, "sample")
REQUIRED: Any = ...  # a parameter without a default (a required argument or option)
SINGLE_LOG = "Single log"
VALUE = "Customer value"
MAX_SEED = 2**32 - 1  # numpy's RandomState range


@dataclass(frozen=True)
class Row:
    """One setting or option. ``name`` is the key (the parameter, the settings-file key,
    the Python API keyword) or ``key@variant`` where a command's option of that key
    differs (``out@backtest``). ``default`` is what applies when it is not given;
    ``cli_default`` the CLI parameter's own default (None: not given, so a settings file
    can supply it). ``table``: "" for a top-level settings-file key, "mapping" or
    "output" for those tables, None for a command-line option only. ``group`` lets a
    command take every row of a group it names (in table order). ``help`` may say
    ``{default}``."""

    name: str
    type: Any
    help: str
    commands: tuple[str, ...]
    flags: tuple[str, ...] = ()
    default: Any = None
    cli_default: Any = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    panel: str | None = None
    metavar: str | None = None
    show_default: bool = False
    argument: bool = False
    table: str | None = None
    group: str | None = None
    field: str | None = None  # the Settings field, where it is not named as the key
    envvar: str | None = None  # an environment variable the CLI also reads it from
    # The settings file's type where it is not the CLI's (Path is text there, a float may
    # be written as an integer, choices are a Literal): segtui/settings_model.py.
    file_type: Any = None

    @property
    def key(self) -> str:
        return self.name.partition("@")[0]

    def help_text(self) -> str:
        """The help with ``{default}`` filled in from the row's default."""
        text = self.help.replace("{default}", shown(self.default))
        return text.replace("{envvar}", self.envvar or "")

    def in_bounds(self, value: float) -> bool:
        """True when ``value`` lies within [lo, hi] (an open side is unbounded)."""
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)


def shown(value: Any) -> str:
    """A default as help text shows it: 1.0 as 1, a tuple comma-separated."""
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _mapping(name: str, text: str, **more: Any) -> Row:
    return Row(
        name, str, text, READING, (f"--{name.replace('_', '-')}",), panel=SINGLE_LOG,
        table="mapping", group="mapping", **more,
    )  # fmt: skip


SOURCE_HELP = (
    "Folder with Customers, Products and Transactions (.csv/.parquet), or one transaction "
    "log file (.csv, .tsv, .csv.gz, .parquet)"
)

ROWS: tuple[Row, ...] = (
    Row("source", Path, SOURCE_HELP + ". Omit to use the bundled sample data.",
        (*SEGMENTING, "validate", "serve"), argument=True, table=""),
    Row("source@model", Path, SOURCE_HELP + " read with the model's column mapping; mapping "
        "flags override it key by key.", ("assign", "lookalike"), argument=True,
        metavar="SOURCE", cli_default=REQUIRED),
    # The clustering settings: k and method (run, ui, backtest), then the group.
    Row("k", str, "Number of segments, or 'auto' [default: {default}]: chosen by a k sweep "
        "(stable k with no segment under 1%, best at separating the next weeks inside the "
        "data; see docs/choosing-k.md and `segtui sweep`).", ("run", "ui", "backtest"),
        ("--k", "-k"), default="auto", lo=2, hi=1000, table="", file_type=int | str),
    Row("features", str, "Comma-separated feature names (default: {default}). Others: "
        "avg_transaction_value, total_quantity, avg_quantity, tenure_days, region, "
        "distinct_products, distinct_categories, category_shares.", SEGMENTING,
        ("--features", "-f"), default=("recency_days", "frequency", "total_spend"), table="",
        group="clustering", file_type=list[str] | str),
    Row("scaling", str, "standard (z-score, default), robust (median/IQR) or minmax.",
        SEGMENTING, ("--scaling",), default="standard", choices=("standard", "robust", "minmax"),
        table="", group="clustering"),
    Row("log", str, "log1p-transform money and count features: auto (the skewed ones, "
        "default), on (all) or off.", SEGMENTING, ("--log",), default="auto",
        choices=("auto", "on", "off"), metavar="auto|on|off", table="", group="clustering",
        file_type=bool | str),
    Row("seed", int, "Random seed [default: {default}].", SEGMENTING, ("--seed",), default=42,
        lo=0, hi=MAX_SEED, table="", group="clustering"),
    Row("n_init", int, "K-Means restarts [default: {default}].", SEGMENTING, ("--n-init",),
        default=10, lo=1, hi=1000, table="", group="clustering"),
    Row("as_of", str, "Snapshot date YYYY-MM-DD: only earlier transactions count; recency and "
        "tenure are measured to it. Default: the day after the last transaction.",
        ("run", "ui", "sweep", "assign", "lookalike"), ("--as-of",), table="",
        group="clustering", file_type=dt.date | str),
    Row("categorical_weight", str, "Weight of a categorical feature's one-hot block, in numeric "
        "features (default {default}), or 'raw' for unit-variance one-hot columns as "
        "notebooks do.", SEGMENTING, ("--categorical-weight",), default=1.0, lo=0, hi=1e6,
        table="", group="clustering", file_type=float | int | str),
    Row("config", Path, "Settings file (TOML). Default: ./segtui.toml when present. Flags "
        "override it.", (*SEGMENTING, "validate", "serve"), ("--config",)),
    # Column mapping of a single transaction log: the `[mapping]` keys, flag = key with dashes.
    _mapping("customer_col", "Customer id column of a single log."),
    _mapping("date_col", "Date column of a single log."),
    _mapping("date_format", "strftime format of the dates, e.g. '%d/%m/%Y %H:%M' (default: "
             "detected)."),
    _mapping("amount_col", "Line total column (default: detected, else quantity x price)."),
    _mapping("quantity_col", "Quantity column."),
    _mapping("price_col", "Unit price column."),
    _mapping("order_col", "Order/invoice id column: a purchase is then an order (without one: "
             "a customer-day)."),
    _mapping("product_col", "Product id column."),
    _mapping("category_col", "Product category column."),
    _mapping("customers", "Customers file (CustomerID, Region, SignupDate...) joined on the id."),
    _mapping("delimiter", "Field delimiter of a CSV log, one character or 'tab' (default: "
             "detected)."),
    _mapping("cancelled_ids", "Order ids C + digits (C536379) as cancelled orders: auto (only "
             "where every other order id is a number; decided on the whole column), on, or off.",
             choices=("auto", "on", "off")),
    Row("returns", str, "Return lines (a negative quantity or amount, or a cancelled order; see "
        "--cancelled-ids): net (their values lower spend and quantity whatever their sign; "
        "default) or drop (they count for nothing). Neither is a purchase, nor is a line of "
        "zero amount, quantity or price.", READING, ("--returns",), default="net",
        choices=("net", "drop"), panel=SINGLE_LOG, table="", group="mapping"),
    # `segtui run`'s outputs: the `[output]` table.
    Row("out@run", str, "Segments file (.csv, .parquet or .json); '-' writes CSV to stdout.",
        ("run",), ("--out", "-o"), table="output"),
    Row("summary@run", Path, "Summary report (.json or .md); '-' writes the JSON to stdout.",
        ("run",), ("--summary",), table="output"),
    Row("force@run", bool, "Overwrite existing output files.", ("run",), ("--force",),
        table="output"),
    Row("raw_csv@run", bool, "Do not neutralise spreadsheet formulas in CSV text.", ("run",),
        ("--raw-csv",), table="output"),
    Row("save_model", Path, "Save the fitted model as JSON, for segtui assign / lookalike / "
        "migrate; '-' writes it to stdout.", ("run",), ("--save-model",), table="output"),
    Row("rfm", bool, "Add RFM quintile scores (r_score, f_score, m_score, rfm_cell) and the R x F "
        "grid's cell (rfm_segment: Champions, At risk, ...) to the segments file.", ("run",),
        ("--rfm",), default=False, table=""),
    Row("method", str, "kmeans (clustering, default) or rfm (the RFM R x F grid's ten named "
        "cells as segments: quintile scores on recency and frequency; --k is then ignored).",
        ("run", "ui", "backtest"), ("--method",), default="kmeans", choices=("kmeans", "rfm"),
        metavar="kmeans|rfm", table=""),
    Row("like", Path, "A saved model (--save-model) whose segments persisting ones continue: "
        "same id and name; new ones get new ids, vanished ones are reported.", ("run", "ui"),
        ("--like",), table=""),
    # Customer value (--clv): one block, shown in its own help panel.
    Row("clv", bool, "Add p_alive, expected_purchases, expected_order_value, clv and stage to "
        "the segments file (BG/NBD + Gamma-Gamma; see docs/value.md).", ("run", "ui"),
        ("--clv",), default=False, panel=VALUE, table="", group="value"),
    Row("horizon", int, "--clv: days ahead for expected purchases and CLV [default: {default}].",
        ("run", "ui"), ("--horizon",), default=90, lo=1, hi=3660, panel=VALUE, table="",
        group="value", field="horizon_days"),
    Row("discount_rate", float, "--clv: annual discount rate of CLV, 0.1 = 10% a year "
        "[default: {default}].", ("run", "ui"), ("--discount-rate",), default=0.1, lo=0,
        hi=10.0, panel=VALUE, table="", group="value"),
    Row("holdout_end", str, "--clv with --as-of: compare predicted with actual repeat purchases "
        "from the as-of date to this date (YYYY-MM-DD), week by week.", ("run", "ui"),
        ("--holdout-end",), panel=VALUE, table="", group="value", file_type=dt.date | str),
    Row("rules", Path, "Write each segment's rules: .csv (rule, segment, precision, recall) or "
        ".sql (an ANSI SQL WHERE clause per segment); '-' writes the CSV to stdout.", ("run",),
        ("--rules",)),
    Row("replay", Path, "Rerun the run recorded in a summary .json (its settings and seed); "
        "refuses if the input data changed.", ("run",), ("--replay",)),
    # The engine: Polars on one machine, or Spark.
    Row("engine", str, "polars (one machine, default) or spark (needs segtui[spark] and Java).",
        ("run", "ui", "sweep", "assign"), ("--engine",), default="polars",
        choices=("polars", "spark"), group="spark"),
    Row("spark_master", str, "Spark master URL for --engine spark [default: {default}, or the "
        "master given to spark-submit].", ("run", "sweep", "assign"), ("--spark-master",),
        default="local[*]", group="spark"),
    Row("spark_conf", list[str], "Spark setting key=value for --engine spark (repeatable).",
        ("run", "sweep", "assign"), ("--spark-conf",), group="spark"),
    Row("spark_driver_limit", int, "--engine spark: up to this many customers with purchases "
        "are clustered on the driver with scikit-learn, more with MLlib [default: {default}].",
        ("run", "sweep", "assign"), ("--spark-driver-limit",), default=1_000_000, lo=0,
        group="spark"),
    # backtest
    Row("at@backtest", str, "The cut, YYYY-MM-DD: the segments are made from the lines dated "
        "before it and judged by the purchases from it on.", ("backtest",), ("--at",),
        cli_default=""),
    Row("horizon@backtest", int, "Days from --at whose purchases judge the segments.",
        ("backtest",), ("--horizon",), default=90, cli_default=90, lo=1, hi=3660,
        show_default=True),
    Row("out@backtest", str, "Segments file of the lines before --at (.csv, .parquet or .json).",
        ("backtest",), ("--out", "-o")),
    Row("summary@backtest", Path, "Summary with the backtest (.json or .md).", ("backtest",),
        ("--summary",)),
    # sweep
    Row("k_min@sweep", int, "Smallest k to try (at least 2).", ("sweep",), ("--k-min",),
        default=2, cli_default=2, show_default=True),
    Row("k_max@sweep", int, "Largest k to try.", ("sweep",), ("--k-max",), default=10,
        cli_default=10, show_default=True),
    # The model commands (assign, lookalike, migrate).
    Row("model", Path, "Model file written by segtui run --save-model.", MODEL,
        ("--model", "-m"), cli_default=REQUIRED),
    Row("out@model", str, "Output file (.csv, .parquet or .json); '-' writes CSV to stdout.",
        MODEL, ("--out", "-o")),
    Row("raw_csv", bool, "Do not neutralise spreadsheet formulas in CSV text.",
        ("assign", "lookalike"), ("--raw-csv",), cli_default=False, show_default=True),
    Row("customer_ids@lookalike", list[str], "Customer ids; A..B is an inclusive range "
        "(C0001..C0020).", ("lookalike",), argument=True),
    Row("top@lookalike", int, "Lookalikes per customer.", ("lookalike",), ("--top",), default=3,
        cli_default=3, show_default=True),
    Row("all_customers@lookalike", bool, "Lookalikes for every customer with purchases.",
        ("lookalike",), ("--all",), cli_default=False, show_default=True),
    Row("ids_file@lookalike", Path, "File with one customer id per line.", ("lookalike",),
        ("--ids-file",)),
    Row("before@migrate", Path, "The earlier snapshot's folder or log file (or the only one, "
        "with --as-of-before).", ("migrate",), argument=True, metavar="BEFORE",
        cli_default=REQUIRED),
    Row("after@migrate", Path, "The later snapshot's folder or log file. Omit to compare two "
        "as-of dates of BEFORE.", ("migrate",), argument=True, metavar="AFTER"),
    Row("as_of_before@migrate", str, "As-of date of the before snapshot (required with one "
        "source).", ("migrate",), ("--as-of-before",)),
    Row("as_of_after@migrate", str, "As-of date of the after snapshot (default: day after its "
        "last transaction).", ("migrate",), ("--as-of-after",)),
    Row("moves@migrate", Path, "Also write every customer's before and after segment "
        "(.csv/.parquet/.json).", ("migrate",), ("--moves",)),
    Row("refit@migrate", bool, "Segment AFTER afresh with the model's settings and match its "
        "segments to the model's (as run --like does): columns are then the new segments, "
        "persisting ones under their old ids.", ("migrate",), ("--refit",), cli_default=False,
        show_default=True),
    # sample
    Row("out_dir@sample", Path, "Folder to write the three tables to.", ("sample",),
        argument=True, cli_default=REQUIRED, show_default=True),
    Row("customers@sample", int, "Number of customers.", ("sample",), ("--customers",),
        default=1000, cli_default=1000, show_default=True),
    Row("transactions@sample", int, "Number of transactions (planted profile; default "
        "{default}). The realistic profile draws them from its cohorts (about 3.7 per "
        "customer).", ("sample",), ("--transactions",), default=10_000),
    Row("profile@sample", str, "planted (separable groups, truth in Customers.PlantedGroup) or "
        "realistic (heavy tails, one-timers, lapsed cohorts, extreme buyers; truth in "
        "truth.csv).", ("sample",), ("--profile",), default="planted", cli_default="planted",
        choices=("planted", "realistic"), show_default=True),
    Row("seed@sample", int, "Random seed.", ("sample",), ("--seed",), default=7, cli_default=7,
        lo=0, hi=MAX_SEED, show_default=True),
    Row("groups@sample", int, "Planted groups (2-6).", ("sample",), ("--groups",), default=4,
        cli_default=4, show_default=True),
    Row("fmt@sample", str, "csv or parquet.", ("sample",), ("--format",), default="csv",
        cli_default="csv", choices=("csv", "parquet"), show_default=True),
    # serve
    Row("host@serve", str, "Address to listen on. Anything but loopback (127.0.0.1, ::1, "
        "localhost) needs the access token, which is generated unless --token gives one.",
        ("serve",), ("--host",), default="127.0.0.1", cli_default="127.0.0.1",
        show_default=True),
    Row("port@serve", int, "Port to listen on.", ("serve",), ("--port",), default=8000,
        cli_default=8000, lo=1, hi=65535, show_default=True),
    Row("token@serve", str, "Access token the page must carry (?token=...); required on every "
        "request when given. Also read from ${envvar}.", ("serve",), ("--token",),
        envvar="SEGTUI_SERVE_TOKEN"),
    # Every command's own switches.
    Row("force", bool, "Overwrite existing output files.", ("backtest", *MODEL, "sample"),
        ("--force",), cli_default=False, show_default=True),
    Row("no_mouse@ui", bool, "Do not capture the mouse (keyboard only; lets the terminal select "
        "text, e.g. over SSH).", ("ui",), ("--no-mouse",), cli_default=False, show_default=True),
    Row("json", bool, "Print the summary as JSON on stdout and nothing else.", HEADLESS,
        ("--json",), cli_default=False, show_default=True),
    Row("quiet", bool, "Print nothing but errors.", HEADLESS, ("--quiet", "-q"),
        cli_default=False, show_default=True),
)  # fmt: skip

ROW: dict[str, Row] = {row.name: row for row in ROWS}


def default(name: str) -> Any:
    """The default of row ``name`` (what applies when the key is not given)."""
    return ROW[name].default


def keys(table: str) -> tuple[str, ...]:
    """The keys of a settings-file table ("" = top level, "mapping", "output")."""
    return tuple(row.key for row in ROWS if row.table == table)
