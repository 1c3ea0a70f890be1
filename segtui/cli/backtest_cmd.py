"""``segtui backtest``: segment the lines before a date, judge the segments by the next
period, beside the RFM R x F grid and plain K-Means k = 4."""

from __future__ import annotations

from segtui.cli.app_root import app
from segtui.cli.common import handle_errors, load_settings, progress_display
from segtui.cli.options import Given, takes


@app.command()
@takes(
    "source", "at@backtest", "horizon@backtest", "k", "method", "clustering", "config",
    "mapping", "out@backtest", "summary@backtest", "force", "json", "quiet",
)  # fmt: skip
def backtest(given: Given) -> None:
    """Segment the lines before --at with the run's settings, then report, from the
    purchases in the --horizon days after it, per segment: customers, the share who bought
    again, next-period spend and revenue share, and whether its activity word came true;
    and eta squared of log(1 + next spend) for segtui, the RFM R x F grid and K-Means k = 4."""
    with handle_errors(catch_sigterm=True):
        from segtui.engine import (
            STDOUT,
            Force,
            OptionError,
            ResultFile,
            check_horizon,
            command_inputs,
            parse_date_option,
            plan_result,
            run_backtest,
        )

        at, horizon, out, summary = (given[key] for key in ("at", "horizon", "out", "summary"))
        json, quiet = given["json"], given["quiet"]
        if not at:
            raise OptionError("backtest needs --at, the cut date", hint="e.g. --at 2011-09-01")
        cut = parse_date_option(at, option="--at")
        check_horizon(horizon)
        if out == STDOUT:
            raise OptionError("backtest writes its table to the terminal; give --out a file")
        settings, _file_values = load_settings(
            given["source"], given["config"], mapping=given.mapping(), **given.settings()
        )
        # The value models are not part of a segmentation: a settings file's --clv is left out.
        settings = settings.replace(clv=False, holdout_end=None)
        plan = plan_result(
            [
                ResultFile("--out", "segments", out),
                ResultFile("--summary", "summary", str(summary) if summary else None),
            ],
            inputs=command_inputs(settings, config=given["config"]),
            force=Force(given["force"]),
            json_on_stdout=json,
        )
        with progress_display(not quiet and not json) as progress:
            done = run_backtest(settings, cut, horizon, progress=progress)
        result = done.result
        result.backtest = done.to_dict()
        plan.write(result)
        screen = given.report(result.summary, on_stderr=plan.stdout is not None)
        if screen is not None:
            from segtui.cli.backtest_render import render_backtest

            render_backtest(result.summary(), screen)
