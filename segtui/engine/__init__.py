"""The engine's public module: the one door the faces (CLI, workbench, notebook) come in by.

Every name in ``__all__`` is a thing a face really uses; the faces import nothing else of
the engine (tests/test_import_contract.py checks it, function-level imports too).

Importing this module imports nothing heavy: each name is read from the module that
defines it when a face asks for it (PEP 562 ``__getattr__``), so ``segtui --help`` and
the workbench's first paint do not pay for Polars, NumPy or scikit-learn. The
``TYPE_CHECKING`` block gives type checkers the same names. Engine modules never import
from here: they import the module that defines what they need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segtui.engine.backtest.run import backtest as run_backtest
    from segtui.engine.backtest.run import check_horizon
    from segtui.engine.cluster_run import validate_settings
    from segtui.engine.clustering.k_rule import SweepRow
    from segtui.engine.clustering.projection import Projection, pca_2d
    from segtui.engine.clustering.scores import Metrics
    from segtui.engine.clustering.sweep import SweepResult, sweep
    from segtui.engine.errors import InputError, OptionError, OutputError, SegtuiError, plural
    from segtui.engine.features.catalog import (
        UNCLUSTERED_NAMES,
        UNCLUSTERED_WHO,
        UNCLUSTERED_WHY,
        FeatureTable,
        available_names,
        unclustered_groups,
    )
    from segtui.engine.features.fastpath import preload_sklearn
    from segtui.engine.io.dates import parse_date_option
    from segtui.engine.io.memory import MemorySource, open_source, public_mapping
    from segtui.engine.io.purchases import describe_purchases
    from segtui.engine.io.resources import check_address_space, check_sample_memory
    from segtui.engine.io.sources import load_source
    from segtui.engine.io.tables import Tables
    from segtui.engine.lookup import (
        browse,
        customer_transactions,
        next_match,
        row_counts,
        table_head,
        text_match,
    )
    from segtui.engine.models.assign import AssignResult, assign, load_for_model, project
    from segtui.engine.models.build import build_model
    from segtui.engine.models.lookalike import (
        SCORE_DEFINITION,
        Lookalikes,
        expand_ids,
        lookalike_rows,
        lookalikes,
    )
    from segtui.engine.models.migration import (
        Migration,
        compute_migration,
        migrate_sources,
        parse_before,
    )
    from segtui.engine.models.model import (
        SegmentModel,
        load_model,
        save_model,
    )
    from segtui.engine.output.backtest_report import top_cells
    from segtui.engine.output.inputs import command_inputs
    from segtui.engine.output.plan import Force, OutputPlan, Target, plan_outputs
    from segtui.engine.output.result_files import (
        EXPORT_FORMATS,
        ResultFile,
        beside,
        check_export,
        export,
        export_kind,
        plan_result,
        write_model,
        write_result,
    )
    from segtui.engine.output.writers import (
        SEGMENT_FORMATS,
        STDOUT,
        frame_to_file,
        json_text,
        write_frame,
        write_stdout,
    )
    from segtui.engine.pipeline import assign_engine, replay, run, run_engine, sweep_engine
    from segtui.engine.quality.unreadable import unreadable_report
    from segtui.engine.quality.validate import ValidationReport, validate_source
    from segtui.engine.result import SegmentationResult
    from segtui.engine.sample import generate as generate_sample
    from segtui.engine.sample_realistic import generate_realistic
    from segtui.engine.segments.profiles import SegmentProfile
    from segtui.engine.segments.rfm_cells import check_modelable
    from segtui.engine.spark import SparkOptions
    from segtui.engine.spark.session import parse_conf as parse_spark_conf
    from segtui.engine.value.holdout import holdout_warning
    from segtui.engine.value.lifecycle import STAGES as LIFECYCLE_STAGES

# public name -> (defining module, attribute there)
_PUBLIC: dict[str, tuple[str, str]] = {
    "AssignResult": ("segtui.engine.models.assign", "AssignResult"),
    "EXPORT_FORMATS": ("segtui.engine.output.result_files", "EXPORT_FORMATS"),
    "FeatureTable": ("segtui.engine.features.catalog", "FeatureTable"),
    "Force": ("segtui.engine.output.plan", "Force"),
    "InputError": ("segtui.engine.errors", "InputError"),
    "LIFECYCLE_STAGES": ("segtui.engine.value.lifecycle", "STAGES"),
    "Lookalikes": ("segtui.engine.models.lookalike", "Lookalikes"),
    "MemorySource": ("segtui.engine.io.memory", "MemorySource"),
    "Metrics": ("segtui.engine.clustering.scores", "Metrics"),
    "Migration": ("segtui.engine.models.migration", "Migration"),
    "OptionError": ("segtui.engine.errors", "OptionError"),
    "OutputError": ("segtui.engine.errors", "OutputError"),
    "OutputPlan": ("segtui.engine.output.plan", "OutputPlan"),
    "Projection": ("segtui.engine.clustering.projection", "Projection"),
    "ResultFile": ("segtui.engine.output.result_files", "ResultFile"),
    "SCORE_DEFINITION": ("segtui.engine.models.lookalike", "SCORE_DEFINITION"),
    "SEGMENT_FORMATS": ("segtui.engine.output.writers", "SEGMENT_FORMATS"),
    "STDOUT": ("segtui.engine.output.writers", "STDOUT"),
    "SegmentModel": ("segtui.engine.models.model", "SegmentModel"),
    "SegmentProfile": ("segtui.engine.segments.profiles", "SegmentProfile"),
    "SegmentationResult": ("segtui.engine.result", "SegmentationResult"),
    "SegtuiError": ("segtui.engine.errors", "SegtuiError"),
    "SparkOptions": ("segtui.engine.spark", "SparkOptions"),
    "SweepResult": ("segtui.engine.clustering.sweep", "SweepResult"),
    "SweepRow": ("segtui.engine.clustering.k_rule", "SweepRow"),
    "Tables": ("segtui.engine.io.tables", "Tables"),
    "Target": ("segtui.engine.output.plan", "Target"),
    "UNCLUSTERED_NAMES": ("segtui.engine.features.catalog", "UNCLUSTERED_NAMES"),
    "UNCLUSTERED_WHO": ("segtui.engine.features.catalog", "UNCLUSTERED_WHO"),
    "UNCLUSTERED_WHY": ("segtui.engine.features.catalog", "UNCLUSTERED_WHY"),
    "ValidationReport": ("segtui.engine.quality.validate", "ValidationReport"),
    "assign": ("segtui.engine.models.assign", "assign"),
    "assign_engine": ("segtui.engine.pipeline", "assign_engine"),
    "available_names": ("segtui.engine.features.catalog", "available_names"),
    "beside": ("segtui.engine.output.result_files", "beside"),
    "browse": ("segtui.engine.lookup", "browse"),
    "build_model": ("segtui.engine.models.build", "build_model"),
    "check_address_space": ("segtui.engine.io.resources", "check_address_space"),
    "check_export": ("segtui.engine.output.result_files", "check_export"),
    "check_horizon": ("segtui.engine.backtest.run", "check_horizon"),
    "check_modelable": ("segtui.engine.segments.rfm_cells", "check_modelable"),
    "check_sample_memory": ("segtui.engine.io.resources", "check_sample_memory"),
    "command_inputs": ("segtui.engine.output.inputs", "command_inputs"),
    "compute_migration": ("segtui.engine.models.migration", "compute_migration"),
    "customer_transactions": ("segtui.engine.lookup", "customer_transactions"),
    "describe_purchases": ("segtui.engine.io.purchases", "describe_purchases"),
    "expand_ids": ("segtui.engine.models.lookalike", "expand_ids"),
    "export": ("segtui.engine.output.result_files", "export"),
    "export_kind": ("segtui.engine.output.result_files", "export_kind"),
    "frame_to_file": ("segtui.engine.output.writers", "frame_to_file"),
    "generate_realistic": ("segtui.engine.sample_realistic", "generate_realistic"),
    "generate_sample": ("segtui.engine.sample", "generate"),
    "holdout_warning": ("segtui.engine.value.holdout", "holdout_warning"),
    "json_text": ("segtui.engine.output.writers", "json_text"),
    "load_for_model": ("segtui.engine.models.assign", "load_for_model"),
    "load_model": ("segtui.engine.models.model", "load_model"),
    "load_source": ("segtui.engine.io.sources", "load_source"),
    "lookalike_rows": ("segtui.engine.models.lookalike", "lookalike_rows"),
    "lookalikes": ("segtui.engine.models.lookalike", "lookalikes"),
    "migrate_sources": ("segtui.engine.models.migration", "migrate_sources"),
    "next_match": ("segtui.engine.lookup", "next_match"),
    "open_source": ("segtui.engine.io.memory", "open_source"),
    "parse_before": ("segtui.engine.models.migration", "parse_before"),
    "parse_date_option": ("segtui.engine.io.dates", "parse_date_option"),
    "parse_spark_conf": ("segtui.engine.spark.session", "parse_conf"),
    "pca_2d": ("segtui.engine.clustering.projection", "pca_2d"),
    "plan_outputs": ("segtui.engine.output.plan", "plan_outputs"),
    "plan_result": ("segtui.engine.output.result_files", "plan_result"),
    "plural": ("segtui.engine.errors", "plural"),
    "preload_sklearn": ("segtui.engine.features.fastpath", "preload_sklearn"),
    "project": ("segtui.engine.models.assign", "project"),
    "public_mapping": ("segtui.engine.io.memory", "public_mapping"),
    "replay": ("segtui.engine.pipeline", "replay"),
    "row_counts": ("segtui.engine.lookup", "row_counts"),
    "run": ("segtui.engine.pipeline", "run"),
    "run_backtest": ("segtui.engine.backtest.run", "backtest"),
    "run_engine": ("segtui.engine.pipeline", "run_engine"),
    "save_model": ("segtui.engine.models.model", "save_model"),
    "sweep": ("segtui.engine.clustering.sweep", "sweep"),
    "sweep_engine": ("segtui.engine.pipeline", "sweep_engine"),
    "table_head": ("segtui.engine.lookup", "table_head"),
    "text_match": ("segtui.engine.lookup", "text_match"),
    "top_cells": ("segtui.engine.output.backtest_report", "top_cells"),
    "unclustered_groups": ("segtui.engine.features.catalog", "unclustered_groups"),
    "unreadable_report": ("segtui.engine.quality.unreadable", "unreadable_report"),
    "validate_settings": ("segtui.engine.cluster_run", "validate_settings"),
    "validate_source": ("segtui.engine.quality.validate", "validate_source"),
    "write_frame": ("segtui.engine.output.writers", "write_frame"),
    "write_model": ("segtui.engine.output.result_files", "write_model"),
    "write_result": ("segtui.engine.output.result_files", "write_result"),
    "write_stdout": ("segtui.engine.output.writers", "write_stdout"),
}

__all__ = [
    "AssignResult",
    "EXPORT_FORMATS",
    "FeatureTable",
    "Force",
    "InputError",
    "LIFECYCLE_STAGES",
    "Lookalikes",
    "MemorySource",
    "Metrics",
    "Migration",
    "OptionError",
    "OutputError",
    "OutputPlan",
    "Projection",
    "ResultFile",
    "SCORE_DEFINITION",
    "SEGMENT_FORMATS",
    "STDOUT",
    "SegmentModel",
    "SegmentProfile",
    "SegmentationResult",
    "SegtuiError",
    "SparkOptions",
    "SweepResult",
    "SweepRow",
    "Tables",
    "Target",
    "UNCLUSTERED_NAMES",
    "UNCLUSTERED_WHO",
    "UNCLUSTERED_WHY",
    "ValidationReport",
    "assign",
    "assign_engine",
    "available_names",
    "beside",
    "browse",
    "build_model",
    "check_address_space",
    "check_export",
    "check_horizon",
    "check_modelable",
    "check_sample_memory",
    "command_inputs",
    "compute_migration",
    "customer_transactions",
    "describe_purchases",
    "expand_ids",
    "export",
    "export_kind",
    "frame_to_file",
    "generate_realistic",
    "generate_sample",
    "holdout_warning",
    "json_text",
    "load_for_model",
    "load_model",
    "load_source",
    "lookalike_rows",
    "lookalikes",
    "migrate_sources",
    "next_match",
    "open_source",
    "parse_before",
    "parse_date_option",
    "parse_spark_conf",
    "pca_2d",
    "plan_outputs",
    "plan_result",
    "plural",
    "preload_sklearn",
    "project",
    "public_mapping",
    "replay",
    "row_counts",
    "run",
    "run_backtest",
    "run_engine",
    "save_model",
    "sweep",
    "sweep_engine",
    "table_head",
    "text_match",
    "top_cells",
    "unclustered_groups",
    "unreadable_report",
    "validate_settings",
    "validate_source",
    "write_frame",
    "write_model",
    "write_result",
    "write_stdout",
]


if not TYPE_CHECKING:  # type checkers read the imports above; mypy then flags unknown names

    def __getattr__(name: str) -> Any:
        """Load ``name`` from the module that defines it (PEP 562). Not cached here: each
        ``from segtui.engine import X`` reads the defining module's current value, exactly
        as importing it from there did (a test's monkeypatch of it still takes effect)."""
        try:
            module, attribute = _PUBLIC[name]
        except KeyError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        return getattr(importlib.import_module(module), attribute)

    def __dir__() -> list[str]:
        return sorted([*globals(), *__all__])
