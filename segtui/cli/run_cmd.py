"""``segtui run``: headless segmentation with files, JSON and exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.cli.app_root import app
from segtui.cli.common import (
    console,
    describe_mapping,
    emit_json,
    handle_errors,
    load_settings,
    progress_display,
    stdout_is_terminal,
)
from segtui.cli.options import Given, takes
from segtui.engine import Force

if TYPE_CHECKING:
    from segtui.config import Settings


@app.command()
@takes(
    "source", "k", "method", "clustering", "config", "mapping", "out@run", "summary@run",
    "save_model", "raw_csv@run", "force@run", "rfm", "value", "like", "rules", "replay",
    "spark", "json", "quiet",
)  # fmt: skip
def run(given: Given) -> None:
    """Segment customers and write the segments file and summary."""
    from segtui.cli import timings

    clock = timings.StepClock() if timings.enabled() else None
    with handle_errors(catch_sigterm=True):
        from segtui.engine import (
            OptionError,
            ResultFile,
            command_inputs,
            plan_result,
            run_engine,
        )

        setting_flags = given.settings()
        mapping = given.mapping()
        source, config, replay = given["source"], given["config"], given["replay"]
        if replay is not None:
            named = [name for name, value in setting_flags.items() if value is not None]
            named += [name for name, value in mapping.items() if value]
            if source is not None or config is not None or named or given["engine"]:
                raise OptionError(
                    "--replay takes its settings from the summary; drop the other settings",
                    hint="only output options (--out, --summary, --rules, ...) go with it",
                )
        settings, file_values = load_settings(
            source, config if replay is None else None, mapping=mapping, **setting_flags
        )
        from segtui.settings_file import output_settings

        outputs = output_settings(
            file_values,
            {
                key: str(given[key]) if isinstance(given[key], Path) else given[key]
                for key in ("out", "summary", "force", "raw_csv", "save_model")
            },
        )
        out = outputs.out
        raw_csv = outputs.raw_csv
        rules = given["rules"]
        spark = given.spark()
        if spark is not None and settings.clv:
            raise OptionError("--clv needs the polars engine (not --engine spark)")
        if outputs.save_model:
            from segtui.engine import check_modelable

            check_modelable(settings.method)
        if spark is not None and settings.like is not None:
            raise OptionError("--like works with the polars engine only")
        # Every output is checked against every file the run reads (also through the
        # --like model or the replayed summary) and each other before any reading.
        plan = plan_result(
            [
                ResultFile("--out", "segments", out),
                ResultFile("--summary", "summary", outputs.summary),
                ResultFile("--save-model", "model", outputs.save_model),
                ResultFile("--rules", "rules", str(rules) if rules else None),
            ],
            inputs=command_inputs(settings, config=config, replay=replay),
            force=force_rule(given["force"], file_values, settings),
            json_on_stdout=given["json"],
        )
        if clock is not None:
            clock.mark("startup")
        json, quiet = given["json"], given["quiet"]
        with progress_display(not quiet and not json) as progress:
            if replay is not None:
                from segtui.engine import replay as replay_run

                result = replay_run(replay, progress=progress)
            else:
                result = run_engine(settings, spark, progress=progress)
        if clock is not None:
            clock.skip()
        summary_doc = result.summary()
        written = plan.write(result, raw_csv=raw_csv, summary=summary_doc)
        if clock is not None:
            clock.mark("writing")
        if json:
            emit_json(summary_doc)
        elif not quiet:
            show_summary(result, summary_doc, written, out, plan.stdout is not None)
        if clock is not None:
            clock.mark("report")
            timings.print_report(clock, result.timings)


def show_summary(
    result: Any, summary_doc: dict[str, Any], written: list[Path], out: str | None, on_stderr: bool
) -> None:
    """The human summary: the mapping notes, the summary and the files written."""
    from segtui.cli.render import render_summary

    # stdout may be carrying an output: the human summary then goes to stderr.
    screen = console(stderr=on_stderr)
    for line in describe_mapping(result.feature_table.data_quality):
        screen.print(line, markup=False, soft_wrap=True)
    render_summary(summary_doc, screen)
    for path in written:
        screen.print(f"wrote {path}")
    if out is None and not written and stdout_is_terminal():
        screen.print("(use --out segments.csv to write the segments file)")


def force_rule(flag: bool | None, file_values: dict[str, Any], settings: Settings) -> Force:
    """--force on the command line overwrites anywhere; ``force = true`` in a settings
    file only inside the folder that holds that file (a file found in the current
    folder must not reach out and replace files elsewhere)."""
    if flag is not None:
        return Force(flag)
    output = file_values.get("output") or {}
    config_file = settings.extra.get("config_file")
    if output.get("force") and config_file:
        return Force(True, scope=Path(config_file).parent)
    return Force(False)
