"""The hostile-output matrix (issue 16): outputs on inputs, outputs on each other, existing
or unwritable outputs, special files as inputs, broken settings and model files, for every
command. Each case must exit 2 with one line naming what is wrong, never a traceback,
and leave every file of its world unchanged (tests/hostile.py). ``COUNTS`` at the bottom
is the number of cases per command, quoted in docs/bad-data.md.

Streams (stdout full, closed, a broken pipe, ASCII-only) are in test_hostile_streams.py.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile import World, assert_one_line_error, build_world, runner, snapshot, train_model

from segtui.cli import app
from segtui.engine.models.model import seal

Argv = Callable[[World], list[str]]
Setup = Callable[[World], None]


@dataclass(frozen=True)
class Case:
    """One hostile case for one command."""

    command: str
    name: str
    argv: Argv
    needles: tuple[str, ...]
    setup: Setup | None = None


# ---------------------------------------------------------------- how each command is called


def base(command: str, w: World, source: str) -> list[str]:
    """The command on ``source`` with what it needs to run (k, model, as-of, --all)."""
    model = ["--model", str(w.model)]
    return {
        "run": ["run", source, "-k", "2", "-q"],
        "sweep": ["sweep", source, "--k-max", "2", "-q"],
        "validate": ["validate", source, "-q"],
        "assign": ["assign", source, *model, "-q"],
        "lookalike": ["lookalike", source, *model, "--all", "-q"],
        "migrate": ["migrate", source, *model, "--as-of-before", "2024-03-01", "-q"],
        "ui": ["ui", source],
    }[command]


WRITERS = ("run", "assign", "lookalike", "migrate")
MODEL_COMMANDS = ("assign", "lookalike", "migrate")
CONFIG_COMMANDS = ("run", "sweep", "validate", "ui")
READERS = ("run", "sweep", "validate", "assign", "lookalike", "migrate", "ui")


def make_fifo(name: str) -> Setup:
    return lambda w: os.mkfifo(w.root / name)


def write(name: str, content: str | bytes) -> Setup:
    def apply(w: World) -> None:
        path = w.root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return apply


def edit_model(change: Callable[[dict], None], *, reseal: bool = True) -> Setup:
    """Change the world's model; ``reseal`` recomputes its checksum (a file that is
    internally consistent but wrong), without it the edit is a tampering."""

    def apply(w: World) -> None:
        doc = json.loads(w.model.read_text(encoding="utf-8"))
        change(doc)
        if reseal:
            doc = seal(doc)
        w.model.write_text(json.dumps(doc), encoding="utf-8")

    return apply


def _set_scale(doc: dict) -> None:
    doc["space"]["numeric"][0]["scale"] = 1e-308


def _set_centroid(doc: dict) -> None:
    doc["centroids"][0][0] = 1e308


def _tamper(doc: dict) -> None:
    doc["centroids"][0][0] += 0.5


def _mapping_string(doc: dict) -> None:
    doc["settings"]["mapping"] = "customer"


def _version(doc: dict) -> None:
    doc["schema_version"] = 99


def _drop_checksum(doc: dict) -> None:
    doc.pop("checksum")


def cases() -> list[Case]:
    out: list[Case] = []
    # Outputs on inputs and on each other (every command that writes a table).
    for cmd in WRITERS:
        out += [
            Case(
                cmd,
                "out_is_the_source_log",
                lambda w, c=cmd: [*base(c, w, str(w.log)), "--out", str(w.log), "--force"],
                ("log.csv", "--out is the input", "destroy the input"),
            ),
            Case(
                cmd,
                "out_is_a_table_of_the_source_folder",
                lambda w, c=cmd: [
                    *base(c, w, str(w.data)),
                    "--out",
                    str(w.data / "Transactions.csv"),
                    "--force",
                ],
                ("Transactions.csv", "destroy the input"),
            ),
            Case(
                cmd,
                "out_would_become_a_table_of_the_source_folder",
                lambda w, c=cmd: [
                    *base(c, w, str(w.data)),
                    "--out",
                    str(w.data / "products.parquet"),
                ],
                ("would be read as a table of the source folder",),
            ),
            Case(
                cmd,
                "out_is_the_customers_file",
                lambda w, c=cmd: [
                    *base(c, w, str(w.log)),
                    "--customers",
                    str(w.customers),
                    "--out",
                    str(w.customers),
                    "--force",
                ],
                ("cust.csv", "customers file"),
            ),
            Case(
                cmd,
                "out_is_a_symlink_to_the_source",
                lambda w, c=cmd: [*base(c, w, str(w.log)), "--out", w.p("alias.csv"), "--force"],
                ("alias.csv", "destroy the input"),
                setup=lambda w: os.symlink(w.log, w.root / "alias.csv"),
            ),
            Case(
                cmd,
                "out_is_a_hard_link_to_the_source",
                lambda w, c=cmd: [*base(c, w, str(w.log)), "--out", w.p("hard.csv"), "--force"],
                ("hard.csv", "destroy the input"),
                setup=lambda w: os.link(w.log, w.root / "hard.csv"),
            ),
            Case(
                cmd,
                "existing_out_without_force",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--out", str(w.old)],
                ("old.csv", "already exists", "--force"),
            ),
            Case(
                cmd,
                "dangling_symlink_out_without_force",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--out", w.p("dangling.csv")],
                ("dangling.csv", "a link to a missing file"),
                setup=lambda w: os.symlink(w.root / "missing.csv", w.root / "dangling.csv"),
            ),
            Case(
                cmd,
                "out_in_proc",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--out", "/proc/x.csv"],
                ("/proc", "cannot create files in this folder"),
            ),
            Case(
                cmd,
                "out_in_a_missing_folder_with_a_newline_in_its_name",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--out", w.p("a\nb/x.csv")],
                ("a\\nb", "the folder does not exist"),
            ),
            Case(
                cmd,
                "out_under_a_file",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--out", str(w.old / "x.csv")],
                ("old.csv", "is a file, not a folder"),
            ),
            Case(
                cmd,
                "out_with_an_unknown_extension",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--out", w.p("x.xlsx")],
                ("x.xlsx", "'.xlsx'"),
            ),
        ]
    # Special files as inputs: they would block or never end.
    for cmd in READERS:
        out += [
            Case(
                cmd,
                "customers_file_is_a_fifo",
                lambda w, c=cmd: [*base(c, w, str(w.log)), "--customers", w.p("fifo")],
                ("fifo", "is a FIFO"),
                setup=make_fifo("fifo"),
            ),
            Case(
                cmd,
                "delimiter_is_a_quote",
                lambda w, c=cmd: [*base(c, w, str(w.log)), "--delimiter", '"'],
                ("delimiter", "cannot be a quote"),
            ),
            Case(
                cmd,
                "customers_file_is_a_device",
                lambda w, c=cmd: [*base(c, w, str(w.log)), "--customers", "/dev/zero"],
                ("/dev/zero", "a device"),
            ),
        ]
    # Settings files: every key typed, unknown keys named, special files refused.
    settings_cases = {
        "source_is_a_number": ("source = 123\n", ("source", "valid string", "123")),
        "source_is_a_list": ('source = ["a"]\n', ("source", "valid string")),
        "features_is_a_number": ("features = 5\n", ("features", "5")),
        "output_is_a_string": ('output = "x.csv"\n', ("output", "must be a table")),
        "mapping_is_a_string": ('mapping = "x"\n', ("mapping", "must be a table")),
        "unknown_key": ("kk = 3\n", ("unknown setting 'kk'", "Known: source")),
        "unknown_mapping_key": ('[mapping]\nfoo = "x"\n', ("unknown [mapping] setting 'foo'",)),
        "log_is_not_a_mode": ('log = "maybe"\n', ("log must be on, off, auto",)),
        "seed_is_negative": ("seed = -1\n", ("seed", "-1")),
        "k_is_a_boolean": ("k = true\n", ("k", "True")),
        "force_is_text": ('[output]\nforce = "yes"\n', ("output.force", "boolean")),
        "as_of_is_not_a_date": ('as_of = "2024-13-01"\n', ("as_of", "YYYY-MM-DD")),
        "weight_is_infinite": ("categorical_weight = inf\n", ("categorical weight",)),
        "delimiter_is_a_quote": ("[mapping]\ndelimiter = '\"'\n", ("delimiter", "quote")),
        "not_toml": ("k = = 3\n", ("not valid TOML",)),
        "nested_too_deeply": ("a = " + "[" * 100_000 + "\n", ("nested too deeply",)),
        "not_utf8": (b"k = 3 # \xff\xfe\n", ("not UTF-8",)),
    }
    for cmd in CONFIG_COMMANDS:
        for name, (text, needles) in settings_cases.items():
            out.append(
                Case(
                    cmd,
                    f"settings_{name}",
                    lambda w, c=cmd: [*base(c, w, str(w.data)), "--config", w.p("s.toml")],
                    ("s.toml", *needles),
                    setup=write("s.toml", text),
                )
            )
        out.append(
            Case(
                cmd,
                "settings_file_is_a_fifo",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--config", w.p("s.toml")],
                ("s.toml", "FIFO"),
                setup=make_fifo("s.toml"),
            )
        )
    # Model files: numbers, shapes, version, checksum, decoding limits.
    model_cases: dict[str, tuple[Setup, tuple[str, ...]]] = {
        "scale_is_1e-308": (edit_model(_set_scale), ("scale", "at least 1e-12")),
        "centroid_is_1e308": (edit_model(_set_centroid), ("centroid 0", "finite number")),
        "tampered_without_checksum_update": (
            edit_model(_tamper, reseal=False),
            ("does not match its checksum",),
        ),
        "checksum_removed": (edit_model(_drop_checksum, reseal=False), ("no checksum",)),
        "settings_mapping_is_a_string": (edit_model(_mapping_string), ("settings.mapping",)),
        "unknown_schema_version": (edit_model(_version), ("schema version 99",)),
        "nested_200k_deep": (write("model.json", "[" * 200_000), ("nested too deeply",)),
        "integer_of_5000_digits": (
            write("model.json", '{"format": ' + "9" * 5000 + "}"),
            ("not a valid model file",),
        ),
        "binary": (write("model.json", b"\x00\xff\xfe\x01"), ("not UTF-8",)),
        "fifo": (lambda w: (w.model.unlink(), os.mkfifo(w.model)) and None, ("FIFO",)),
        "a_folder": (lambda w: (w.model.unlink(), w.model.mkdir()) and None, ("not a file",)),
    }
    for cmd in MODEL_COMMANDS:
        for name, (setup, needles) in model_cases.items():
            out.append(
                Case(
                    cmd,
                    f"model_{name}",
                    lambda w, c=cmd: base(c, w, str(w.data)),
                    ("model.json", *needles),
                    setup=setup,
                )
            )
        out.append(
            Case(
                cmd,
                "out_is_the_model",
                lambda w, c=cmd: [*base(c, w, str(w.data)), "--out", str(w.model), "--force"],
                ("model.json", "is the model file"),
            )
        )
    # Files reached through another file (issue 29): a model's recorded customers file.
    for cmd in MODEL_COMMANDS:
        out.append(
            Case(
                cmd,
                "out_is_the_customers_file_the_model_records",
                lambda w, c=cmd: [
                    *base(c, w, str(w.log))[:2],
                    "--model",
                    w.p("log_model.json"),
                    *base(c, w, str(w.log))[4:],
                    "--out",
                    str(w.customers),
                    "--force",
                ],
                ("cust.csv", "--out is the model's recorded customers file", "destroy the input"),
                setup=run_first("--save-model", "log_model.json", log=True),
            )
        )
    out += command_specific() + reached_through_files() + stdout_cases()
    return out


def run_first(option: str, name: str, *, log: bool = False, like: bool = False) -> Setup:
    """Run ``segtui run`` once in the world (on the log with its customers file, or on
    the folder, with ``--like model.json``) and keep its ``option`` output as ``name``."""

    def apply(w: World) -> None:
        source = [str(w.log), "--customers", str(w.customers)] if log else [str(w.data)]
        extra = ["--like", str(w.model)] if like else []
        done = runner.invoke(
            app, ["run", *source, "-k", "2", "-q", *extra, option, str(w.root / name)]
        )
        assert done.exit_code == 0, done.stderr

    return apply


def reached_through_files() -> list[Case]:
    """Outputs on files the run reads through another file: the --like model, and the
    source, tables, customers file and --like model of a replayed summary."""
    data = lambda w: ["run", str(w.data), "-k", "2", "-q"]  # noqa: E731
    replay = lambda w: ["run", "--replay", w.p("s.json"), "-q"]  # noqa: E731
    return [
        Case(
            "run",
            "save_model_is_the_like_model",
            lambda w: [*data(w), "--like", str(w.model), "--save-model", str(w.model), "--force"],
            ("model.json", "--save-model is the --like model", "destroy the input"),
        ),
        Case(
            "run",
            "out_is_the_like_model",
            lambda w: [*data(w), "--like", str(w.model), "--out", str(w.model), "--force"],
            ("model.json", "--out is the --like model"),
        ),
        Case(
            "run",
            "replay_out_is_the_replayed_runs_source_log",
            lambda w: [*replay(w), "--out", str(w.log), "--force"],
            ("log.csv", "--out is the input of the replayed run", "destroy the input"),
            setup=run_first("--summary", "s.json", log=True),
        ),
        Case(
            "run",
            "replay_summary_is_the_replayed_runs_customers_file",
            lambda w: [*replay(w), "--summary", str(w.customers), "--force"],
            ("cust.csv", "customers file of the replayed run"),
            setup=run_first("--summary", "s.json", log=True),
        ),
        Case(
            "run",
            "replay_out_is_a_table_of_the_replayed_runs_folder",
            lambda w: [*replay(w), "--out", str(w.data / "Customers.csv"), "--force"],
            ("Customers.csv", "file of the source folder", "destroy the input"),
            setup=run_first("--summary", "s.json"),
        ),
        Case(
            "run",
            "replay_save_model_is_the_replayed_runs_like_model",
            lambda w: [*replay(w), "--save-model", str(w.model), "--force"],
            ("model.json", "--like model of the replayed run"),
            setup=run_first("--summary", "s.json", like=True),
        ),
        Case(
            "run",
            "replay_out_is_the_summary_it_replays",
            lambda w: [*replay(w), "--summary", w.p("s.json"), "--force"],
            ("s.json", "summary to replay"),
            setup=run_first("--summary", "s.json"),
        ),
    ]


def stdout_cases() -> list[Case]:
    """At most one output on stdout, and none beside --json (its JSON is stdout's only
    content)."""
    data = lambda w: ["run", str(w.data), "-k", "2", "-q"]  # noqa: E731
    return [
        Case(
            "run",
            "summary_and_out_both_on_stdout",
            lambda w: [*data(w), "--out", "-", "--summary", "-"],
            ("--out and --summary both write to stdout", "At most one output may be '-'"),
        ),
        Case(
            "run",
            "save_model_and_rules_both_on_stdout",
            lambda w: [*data(w), "--save-model", "-", "--rules", "-"],
            ("--save-model and --rules both write to stdout",),
        ),
        Case(
            "run",
            "json_and_summary_on_stdout",
            lambda w: [*data(w), "--json", "--summary", "-"],
            ("--json and --summary - both want stdout",),
        ),
        Case(
            "run",
            "json_and_save_model_on_stdout",
            lambda w: [*data(w), "--json", "--save-model", "-"],
            ("--json and --save-model - both want stdout",),
        ),
        Case(
            "assign",
            "json_and_out_on_stdout",
            lambda w: [*base("assign", w, str(w.data)), "--json", "--out", "-"],
            ("--json and --out - both want stdout",),
        ),
        Case(
            "migrate",
            "json_and_moves_on_stdout",
            lambda w: [*base("migrate", w, str(w.data)), "--json", "--moves", "-"],
            ("--json and --moves - both want stdout",),
        ),
    ]


def command_specific() -> list[Case]:
    data = lambda c, w: base(c, w, str(w.data))  # noqa: E731
    return [
        Case(
            "run",
            "out_and_summary_are_the_same_file",
            lambda w: [*data("run", w), "--out", w.p("x.json"), "--summary", w.p("x.json")],
            ("--out and --summary are the same file",),
        ),
        Case(
            "run",
            "summary_and_model_are_the_same_file",
            lambda w: [*data("run", w), "--summary", w.p("m.json"), "--save-model", w.p("m.json")],
            ("--summary and --save-model are the same file",),
        ),
        Case(
            "run",
            "existing_summary_refused_before_any_output",
            lambda w: [*data("run", w), "--out", w.p("new.csv"), "--summary", w.p("old.md")],
            ("old.md", "already exists"),
            setup=write("old.md", "# an older report\n"),
        ),
        Case(
            "run",
            "save_model_onto_the_source_log",
            lambda w: [*base("run", w, w.p("log.json")), "--save-model", w.p("log.json")],
            ("log.json", "destroy the input"),
            setup=write("log.json", "[]\n"),
        ),
        Case(
            "run",
            "summary_onto_the_settings_file",
            lambda w: [*data("run", w), "--config", w.p("s.toml"), "--summary", w.p("s.toml")],
            ("s.toml", "settings file"),
            setup=write("s.toml", "k = 2\n"),
        ),
        Case(
            "run",
            "amount_total_beyond_the_exact_limit",
            lambda w: [*base("run", w, w.p("huge.csv"))],
            ("huge.csv", "row 3", "customer C's total", "1e+32"),
            setup=write(
                "huge.csv",
                "customer,date,amount\nA,2024-01-01,1\nB,2024-01-02,2\nC,2024-01-03,9e31\n"
                "C,2024-01-04,9e31\nD,2024-01-05,4\n",
            ),
        ),
        Case(
            "lookalike",
            "ids_file_is_binary",
            lambda w: [*base("lookalike", w, str(w.data))[:-2], "--ids-file", w.p("ids.bin")],
            ("ids.bin", "not text"),
            setup=write("ids.bin", bytes(range(256))),
        ),
        Case(
            "lookalike",
            "ids_file_is_utf16",
            lambda w: [*base("lookalike", w, str(w.data))[:-2], "--ids-file", w.p("ids16.txt")],
            ("ids16.txt", "not text"),
            setup=write("ids16.txt", "C1\nC2\n".encode("utf-16")),
        ),
        Case(
            "lookalike",
            "ids_file_is_latin1",
            lambda w: [*base("lookalike", w, str(w.data))[:-2], "--ids-file", w.p("ids1.txt")],
            ("ids1.txt", "not UTF-8 text"),
            setup=write("ids1.txt", "Cé1\n".encode("latin-1")),
        ),
        Case(
            "lookalike",
            "ids_file_is_empty",
            lambda w: [*base("lookalike", w, str(w.data))[:-2], "--ids-file", w.p("none.txt")],
            ("none.txt", "holds no customer ids"),
            setup=write("none.txt", "\n  \n"),
        ),
        Case(
            "lookalike",
            "ids_file_is_a_fifo",
            lambda w: [*base("lookalike", w, str(w.data))[:-2], "--ids-file", w.p("idsfifo")],
            ("idsfifo", "FIFO"),
            setup=make_fifo("idsfifo"),
        ),
        Case(
            "lookalike",
            "out_is_the_ids_file",
            lambda w: [
                *base("lookalike", w, str(w.data))[:-2],
                "--ids-file",
                w.p("ids.csv"),
                "--out",
                w.p("ids.csv"),
                "--force",
            ],
            ("ids.csv", "destroy the input"),
            setup=write("ids.csv", "C1\n"),
        ),
        Case(
            "migrate",
            "moves_is_the_source_log",
            lambda w: [*base("migrate", w, str(w.log)), "--moves", str(w.log), "--force"],
            ("log.csv", "destroy the input"),
        ),
        Case(
            "migrate",
            "out_and_moves_are_the_same_file",
            lambda w: [*data("migrate", w), "--out", w.p("t.csv"), "--moves", w.p("t.csv")],
            ("--out and --moves are the same file",),
        ),
        Case(
            "migrate",
            "out_and_moves_both_on_stdout",
            lambda w: [*data("migrate", w), "--out", "-", "--moves", "-"],
            ("both write to stdout",),
        ),
        Case(
            "migrate",
            "after_source_is_the_out",
            lambda w: [
                *base("migrate", w, str(w.data))[:-3],
                str(w.log),
                "--out",
                str(w.log),
                "--force",
            ],
            ("log.csv", "destroy the input"),
        ),
        Case(
            "sample",
            "folder_in_proc",
            lambda w: ["sample", "/proc/x", "-q"],
            ("/proc", "cannot create files in this folder"),
        ),
        Case(
            "sample",
            "negative_seed",
            lambda w: ["sample", w.p("s"), "--seed", "-1", "-q"],
            ("--seed", "-1"),
        ),
        Case(
            "sample",
            "parquet_beside_a_csv_dataset",
            lambda w: ["sample", str(w.data), "--format", "parquet", "-q"],
            ("data", "already holds a CSV dataset"),
        ),
        Case(
            "sample",
            "parquet_beside_a_csv_dataset_even_with_force",
            lambda w: ["sample", str(w.data), "--format", "parquet", "--force", "-q"],
            ("data", "already holds a CSV dataset"),
        ),
        Case(
            "sample",
            "existing_dataset_without_force",
            lambda w: ["sample", str(w.data), "-q"],
            ("data", "already holds a dataset", "--force"),
        ),
        Case(
            "sample",
            "folder_is_a_file",
            lambda w: ["sample", str(w.old), "-q"],
            ("old.csv", "is a file, expected a folder"),
        ),
        Case(
            "sample",
            "folder_under_a_file",
            lambda w: ["sample", str(w.old / "deeper"), "-q"],
            ("old.csv", "is a file, not a folder"),
        ),
        Case(
            "sample",
            "dangling_symlink_table_without_force",
            lambda w: ["sample", w.p("s"), "-q"],
            ("s", "already holds a dataset"),
            setup=lambda w: (
                (
                    (w.root / "s").mkdir(),
                    os.symlink(w.root / "gone", w.root / "s" / "Customers.csv"),
                )
                and None
            ),
        ),
        Case(
            "sample",
            "too_few_customers_writes_no_folder",
            lambda w: ["sample", w.p("new/deeper"), "--customers", "2", "-q"],
            ("customers",),
        ),
        Case(
            "ui",
            "without_a_terminal",
            lambda w: ["ui", str(w.data)],
            ("needs a terminal",),
        ),
        Case(
            "ui",
            "source_does_not_exist",
            lambda w: ["ui", "/nonexistent"],
            ("/nonexistent", "no such file or folder"),
            setup=lambda w: None,
        ),
    ]


CASES = cases()


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("train")
    return train_model(folder / "data", folder / "model.json")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.command}-{c.name}" for c in CASES])
def test_hostile_case_exits_2_with_one_line_and_changes_nothing(
    case: Case, trained_model: Path, tmp_path: Path, monkeypatch
) -> None:
    world = build_world(tmp_path / "w", trained_model)
    if case.setup is not None:
        case.setup(world)
    if case.command == "ui" and case.name != "without_a_terminal":
        # The terminal check comes after these checks' subjects only in a real terminal:
        # pretend to have one so the case reaches what it tests.
        monkeypatch.setattr("segtui.cli.ui_open.check_terminal", lambda: None)
        monkeypatch.setattr("segtui.tui.app.SegtuiApp.run", lambda self, **_: None)
    argv = case.argv(world)
    before = snapshot(world.root)
    result = runner.invoke(app, argv)
    assert_one_line_error(result.exit_code, result.stderr, result.stdout, *case.needles)
    assert snapshot(world.root) == before


def test_every_command_is_in_the_matrix() -> None:
    expected = {"run", "sweep", "validate", "assign", "lookalike", "migrate", "sample", "ui"}
    assert set(COUNTS) == expected


EXPORT_CASES = {
    "onto_a_table_of_the_source": (
        lambda w: w.data / "Transactions.csv",
        True,
        "destroy the input",
    ),
    "onto_the_source_through_a_symlink": (
        lambda w: (os.symlink(w.data / "Customers.csv", w.root / "c.csv"), w.root / "c.csv")[1],
        True,
        "destroy the input",
    ),
    "existing_without_force": (lambda w: w.old, False, "already exists"),
    "into_proc": (lambda w: Path("/proc/x.md"), True, "cannot create files"),
    "unknown_extension": (lambda w: w.root / "x.xlsx", True, "'.xlsx'"),
}


# Hostile cases per command; the UI's export (segtui ui, key e) counts under ui.
COUNTS = Counter(case.command for case in CASES) + Counter({"ui": len(EXPORT_CASES)})


@pytest.mark.parametrize("name", list(EXPORT_CASES))
def test_ui_export_refuses_hostile_targets_and_changes_nothing(
    name: str, trained_model: Path, tmp_path: Path
) -> None:
    from segtui.engine.errors import OutputError
    from segtui.engine.output.result_files import export
    from segtui.engine.pipeline import segment

    world = build_world(tmp_path / "w", trained_model)
    target_of, force, needle = EXPORT_CASES[name]
    target = target_of(world)
    result = segment(world.data, k=2)
    before = snapshot(world.root)
    with pytest.raises(OutputError, match=needle):
        export(result, target, force=force)
    assert snapshot(world.root) == before


def test_python_api_write_refuses_a_source_table_and_same_file_outputs(
    trained_model: Path, tmp_path: Path
) -> None:
    from segtui.engine.errors import OutputError
    from segtui.engine.output.result_files import write_result
    from segtui.engine.pipeline import segment

    world = build_world(tmp_path / "w", trained_model)
    result = segment(world.data, k=2)
    before = snapshot(world.root)
    with pytest.raises(OutputError, match="destroy the input"):
        write_result(result, world.data / "Transactions.csv", force=True)
    with pytest.raises(OutputError, match="are the same file"):
        write_result(result, world.root / "x.json", world.root / "x.json")
    assert snapshot(world.root) == before


def test_python_api_write_and_export_refuse_the_like_model(
    trained_model: Path, tmp_path: Path
) -> None:
    from segtui.config import Settings
    from segtui.engine.errors import OutputError
    from segtui.engine.output.result_files import export, write_result
    from segtui.engine.pipeline import run

    world = build_world(tmp_path / "w", trained_model)
    result = run(Settings(source=world.data, k=2, like=world.model))
    before = snapshot(world.root)
    with pytest.raises(OutputError, match="is the --like model"):
        write_result(result, world.model, force=True)
    with pytest.raises(OutputError, match="is the --like model"):
        export(result, world.model, force=True)
    assert snapshot(world.root) == before


def test_docs_quote_the_matrix_counts() -> None:
    """docs/bad-data.md's table of hostile cases per command is ``COUNTS``."""
    import re

    docs = (Path(__file__).resolve().parent.parent / "docs" / "bad-data.md").read_text("utf-8")
    quoted = {
        name: int(count)
        for name, count in re.findall(
            r"^\| `(\w+)`(?: \(and its export\))? \| (\d+) \|", docs, re.M
        )
    }
    assert quoted == dict(COUNTS)
    total = re.search(r"^\| \*\*total\*\* \| \*\*(\d+)\*\*", docs, re.M)
    assert total is not None and int(total.group(1)) == sum(COUNTS.values())


@pytest.mark.parametrize(
    ("option", "to_file"),
    [("--summary", "s.json"), ("--save-model", "m.json"), ("--rules", "r.csv")],
)
def test_each_output_on_stdout_writes_its_own_content(
    option: str, to_file: str, trained_model: Path, tmp_path: Path
) -> None:
    """``-`` writes the option's own document (the summary and the model as JSON, the
    rules as CSV), the same bytes as the file, and the report goes to stderr."""
    world = build_world(tmp_path / "w", trained_model)
    run = ["run", str(world.data), "-k", "2"]
    on_stdout = runner.invoke(app, [*run, option, "-"])
    assert on_stdout.exit_code == 0, on_stdout.stderr
    in_file = runner.invoke(app, [*run, "-q", option, world.p(to_file)])
    assert in_file.exit_code == 0, in_file.stderr
    assert on_stdout.stdout == (world.root / to_file).read_text(encoding="utf-8")
    assert "segtui ·" in on_stdout.stderr  # the human report moved to stderr
