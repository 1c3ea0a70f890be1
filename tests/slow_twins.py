"""Which tests run only in the slow suite because a cheaper twin covers them in the fast one.

The default suite must stay under three minutes on the project's 2-core machine. Measured
with ``--junitxml`` on 2,126 tests (2026-12-06), 258 workbench tests took 57% of the
workers' time: every one starts Textual, which costs about a second of CPU before the
first key. So the fast suite keeps one instance of each behaviour and these twins move to
the slow suite, which CI runs too (``pytest -m "slow or spark"``). Nothing here is
skipped: every test still runs on every CI run.

Each rule names what still covers the behaviour in the fast suite.
"""

from __future__ import annotations

import pytest

# A test id containing any of these runs in the slow suite.
SLOW_TWINS: dict[str, str] = {
    # Every workbench test parametrised by size runs at 80x24 in the fast suite; the
    # 120x40 instance runs in the slow suite, except a snapshot's (SNAPSHOT_FILES).
    "120x40": "the 80x24 instance",
    # The contrast matrix (12 scenes x 2 themes): the fast suite measures the Segments
    # scene in both themes, the dark-theme start and the planted low-contrast pair.
    "test_contrast.py::test_every_pair_on_screen_reaches_wcag_contrast[": "segments scenes",
    "test_snapshots.py::test_sixteen_colour_theme[charts]": "[segments]",
    "test_snapshots.py::test_no_color[charts]": "[segments]",
    # Parametrised workbench tests keep one or two representative cases.
    "test_app_bad_inputs.py::test_after_a_broken_source_help_still_opens_and_q_quits[empty_": (
        "[unparsable_date], [missing_required_column]"
    ),
    "test_after_a_broken_source_help_still_opens_and_q_quits[k_larger": "[unparsable_date]",
    "test_after_a_broken_source_help_still_opens_and_q_quits[text_in": "[unparsable_date]",
    "test_app_value.py::test_clv_columns_sort_all_customers[expected_": "[clv]",
    "test_app_value.py::test_clv_columns_sort_all_customers[p_alive]": "[clv]",
    "test_app_export.py::test_export_writes_each_format_and_rereads[json]": "[csv]",
    "test_app_export.py::test_export_writes_each_format_and_rereads[parquet]": "[csv]",
    "test_escape_in_an_empty_search_box_stays_in_the_view[3-": "[2-#search]",
    "test_screen_tables_show_whole_values_scrolled_sideways[transactions]": "[lookalikes]",
    "test_screen_tables_show_whole_values_scrolled_sideways[migration]": "[lookalikes]",
    "test_the_footer_shows_whole_keys_of_the_focused_view[sweep-": "[segments], [customers]",
    "test_the_footer_shows_whole_keys_of_the_focused_view[data-": "[segments], [customers]",
    # Workbench tests whose behaviour a fast test already drives.
    "test_app_sweep.py::test_plus_overrides_k_auto_with_a_number": (
        "test_sweep_view_after_k_auto_shows_its_scores_and_picking_overrides_auto"
    ),
    "test_app_sweep.py::test_settings_dialog_accepts_auto": (
        "test_ui_command_and_config_hand_k_auto_to_the_app, test_k_auto_start_shows_..."
    ),
    "test_segment_explanations.py::test_panel_has_no_match_line_without_like": (
        "test_panel_lines_show_effect_sizes_rule_and_match"
    ),
    "test_app_lookalikes.py::test_lookalikes_show_each_ones_name_and_segment": (
        "test_l_on_a_customer_lists_its_lookalikes_with_engine_scores"
    ),
    "test_app_migration.py::test_save_model_refuses_a_non_json_name": (
        "test_saving_over_an_existing_model_asks_first"
    ),
    "test_app_customers.py::test_table_scrolls_with_page_down_and_end": (
        "test_arrow_page_and_home_keys_move_the_cursor"
    ),
    "test_app_keys.py::test_customer_id_stays_visible_while_scrolling_right": (
        "test_table_values.py (every table scrolled sideways at 80x24)"
    ),
    "test_app_export.py::test_export_to_an_existing_folder_says_it_is_a_folder": (
        "test_bad_path_shows_the_error_in_the_dialog_and_the_app_keeps_running"
    ),
    "test_segment_panel_value.py::test_panel_has_no_clv_line_without_clv": (
        "test_panel_shows_mean_and_total_clv_and_p_alive_with_clv"
    ),
    # Engine tests that repeat a whole run on a second path or format; the fast suite keeps
    # the reference-data instance of each promise.
    "test_fastpath.py::test_fast_path_gives_the_same_segments_as_the_plain_path": (
        "the other test_fastpath.py cases"
    ),
    "test_determinism.py::test_generated_data_as_csv_and_parquet_give_identical_outputs": (
        "test_python_api.py ...byte_identical_segments_to_the_csv_folder[polars]"
    ),
    "test_value_dense.py::test_clv_run_is_the_same_on_both_paths[1]": "[0]",
    "test_value_run.py::test_value_columns_are_the_same_on_every_run": (
        "test_auto_k_summary_is_identical_across_runs (one run twice)"
    ),
    "byte_identical_segments_to_the_csv_folder[arrow]": "[polars]",
    "byte_identical_segments_to_the_csv_folder[lazy]": "[polars]",
    "byte_identical_segments_to_the_csv_folder[pandas]": "[polars]",
    "test_identity.py::test_a_permutation_of_the_model_is_undone": (
        "test_unchanged_data_keeps_every_id_and_name"
    ),
    # The bad-source matrix keeps `run` and `validate` (the reader's two reports) in the
    # fast suite; the other commands read through the same loader and run it in slow.
    "test_bad_source[assign-": "test_bad_source[run-*], [validate-*]",
    "test_bad_source[backtest-": "test_bad_source[run-*], [validate-*]",
    "test_bad_source[lookalike-": "test_bad_source[run-*], [validate-*]",
    "test_bad_source[migrate-": "test_bad_source[run-*], [validate-*]",
    "test_bad_source[sweep-": "test_bad_source[run-*], [validate-*]",
    # Export equality: the fast random sequence (seed 29) presses V, changes scaling and
    # exports every file through the dialogs, so these single-cause tests are its twins.
    "test_export_equality.py::test_clv_switched_on_exports_what_run_exports": "[29] (has V)",
    "test_inner_split.py::test_auto_k_after_a_run_under_another_scaling_is_chosen_as": "[29]",
    "test_app_export.py::test_summary_json_export_is_the_bytes_run_writes_with_summary": "[29]",
    "test_app_export.py::test_saved_settings_replayed_by_run_give_identical_segments": "[29]",
    "test_app_export.py::test_ui_shows_the_same_segments_and_metrics_as_run": "[29]",
    "test_app_export.py::test_export_markdown_report_by_extension": "[29] (writes the report)",
    "test_app_value.py::test_shift_v_switches_clv_on_and_keeps_the_seed_and_segments": "[29]",
    "test_default_run_files_are_byte_identical_on_the_fast_and_plain_paths[pareto]": ("[uniform]"),
    # The one save dialog: each use is written in the fast suite; refusal and cancel keep
    # one use each (the dialog's checks are shared by all four).
    "test_the_save_dialog_refuses_an_input_of_the_result[Customers.csv-": "[Transactions.csv-*]",
    "test_cancelling_the_save_dialog_writes_nothing[settings]": "[segments]",
    "test_cancelling_the_save_dialog_writes_nothing[model]": "[segments]",
    "test_cancelling_the_save_dialog_writes_nothing[table]": "[segments]",
    "test_app_migration.py::test_shift_m_saves_a_model_that_loads_back": (
        "test_save_file.py ...writes_the_file_of_each_use[model]"
    ),
    "test_app_migration.py::test_ctrl_s_saves_the_migration_table_as_migrate_out_does": (
        "test_save_file.py ...writes_the_file_of_each_use[table]"
    ),
    # Workbench tests another fast test drives the same way.
    "test_app_table_search.py::test_data_view_search_finds_rows_beyond_the_loaded_head": (
        "test_app_keys.py::test_slash_in_the_data_view_finds_in_all_rows_and_n_shift_n_step"
    ),
    "test_app_table_search.py::test_data_view_search_and_sort_combine_over_all_rows": (
        "test_slash_in_the_data_view_finds_..., test_data_view_sort_orders_all_rows_..."
    ),
    "test_app_table_search.py::test_data_view_title_says_which_row_the_cursor_is_on": (
        "test_customers_view_says_which_row_the_cursor_is_on"
    ),
    "test_table_values.py::test_reference_data_tables_show_whole_values_scrolled_sideways": (
        "test_every_data_table_shows_whole_values_scrolled_sideways[80x24]"
    ),
    "test_table_values.py::test_customers_total_spend_is_whole_next_to_the_frozen_id": (
        "test_customers_table_shows_whole_values_scrolled_sideways[80x24]"
    ),
    "test_screen_tables_show_whole_values_scrolled_sideways[backtest]": "[backtest-segments]",
    "test_app_value.py::test_stage_column_sorts_all_customers": "test_clv_columns_sort_...[clv]",
    "test_app_value.py::test_holdout_past_the_data_says_so_beside_the_aggregate_error": (
        "test_value_cdnow.py::test_holdout_end_past_the_data_warns_..."
    ),
    "test_app_customers.py::test_clicking_a_header_sorts_by_that_column": (
        "test_o_sorts_by_the_cursor_column_and_again_reverses"
    ),
    # Third pass (fast suite 3:26 at load 2 after the second): more shared behaviour.
    "test_snapshots.py::test_dialogs[lookalikes-": "test_snapshots_lookalikes.py, [help-80x24]",
    "test_snapshots.py::test_dialogs[migration-": "[help-80x24], the migration Pilot tests",
    "test_snapshots.py::test_dialogs[customers-scrolled-": "test_main_views[customers-80x24]",
    "test_app_segments.py::test_settings_dialog_escape_changes_nothing": (
        "test_settings_dialog_changes_features_and_scaling (opens and applies the dialog)"
    ),
    "test_app_keys.py::test_palette_lookalikes_runs_in_the_customers_view": (
        "test_palette_command_runs_its_action, test_app_lookalikes.py"
    ),
    "test_app_customers.py::test_slash_search_filters_customers_by_text": (
        "test_escape_clears_the_search_first (searches first)"
    ),
    "test_no_color_checkboxes_show_their_state_in_the_glyph[export]": "[settings]",
    "test_a_dialog_shows_the_error_of_its_job_and_stays_open[engine]": "[internal]",
    "test_sweep_of_frames_equals_sweep_of_files[arrow]": "[polars]",
    "test_sweep_of_frames_equals_sweep_of_files[pandas]": "[polars]",
    "test_migrate_of_frames_equals_migrate_of_files[arrow]": "[polars]",
    "test_migrate_of_frames_equals_migrate_of_files[pandas]": "[polars]",
    "test_assign_of_frames_equals_assign_of_files[arrow]": "[polars]",
    "test_assign_of_frames_equals_assign_of_files[pandas]": "[polars]",
    "test_a_typed_log_frame_gives_byte_identical_segments_to_the_csv_log[arrow]": "[polars]",
    "test_a_typed_log_frame_gives_byte_identical_segments_to_the_csv_log[lazy]": "[polars]",
    "test_a_typed_log_frame_gives_byte_identical_segments_to_the_csv_log[pandas]": "[polars]",
    "test_auto_k_finds_the_planted_number_of_groups[2]": "[4]",
    "test_auto_k_finds_the_planted_number_of_groups[3]": "[4]",
    "test_auto_k_finds_the_planted_number_of_groups[5]": "[4]",
}


# Exceptions to the patterns above: these instances are the fast suite's representatives.
KEEP_FAST = (
    "wcag_contrast[segments-segtui-dark]",
    "wcag_contrast[segments-segtui-light]",
)


# The look is checked at both sizes in the fast suite: a snapshot's 120x40 instance is not a
# twin of its 80x24 one (another layout, other cuts). Other rules still apply to them.
SNAPSHOT_FILES = ("test_snapshots", "test_sweep_snapshots")


def is_slow_twin(nodeid: str) -> bool:
    """True when ``nodeid`` runs only in the slow suite (see SLOW_TWINS)."""
    if any(kept in nodeid for kept in KEEP_FAST):
        return False
    rules = [pattern for pattern in SLOW_TWINS if pattern in nodeid]
    file_name = nodeid.split("::")[0].rsplit("/", 1)[-1]
    if rules == ["120x40"] and file_name.startswith(SNAPSHOT_FILES):
        return False
    return bool(rules)


def mark_slow_twins(items: list[pytest.Item]) -> None:
    """Adds the ``slow`` mark to every collected slow twin, before ``-m`` selects."""
    for item in items:
        if is_slow_twin(item.nodeid):
            item.add_marker(pytest.mark.slow)
