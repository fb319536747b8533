"""Shared fixtures: small worlds that run in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import GridGovernanceModel, load_scenario

# A street office of two small communities: fast, but with every mechanism present.
SMALL = {
    "world.communities_per_street": 2,
    "world.grids_per_community_min": 2,
    "world.grids_per_community_max": 3,
    "world.households_per_grid_min": 120,
    "world.households_per_grid_max": 160,
    "staffing.households_per_worker": 140.0,
}

# The same kind of world as the [fixed] table of an experiment file (tiny sweeps).
SMALL_FIXED_TOML = """
[fixed]
"world.communities_per_street" = 1
"world.grids_per_community_min" = 2
"world.grids_per_community_max" = 2
"world.households_per_grid_min" = 80
"world.households_per_grid_max" = 100
"staffing.households_per_worker" = 90.0
"""


ROOT = Path(__file__).resolve().parents[1]  # the repository
DATA = ROOT / "tests" / "data"
TINY = DATA / "tiny.toml"  # 2 design points x 2 policies x 3 replications of 40 days
BASELINES = ROOT / "tests" / "baselines"  # the fixed-seed regression baselines


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    """``text`` written to ``tmp_path/name`` (an experiment file for a test)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def header(name: str = "t", days: int = 30, reps: int = 2, seed: int = 1,
           scenario: str = "baseline") -> str:
    """An [experiment] table."""
    return (f'[experiment]\nname = "{name}"\nscenario = "{scenario}"\ndays = {days}\n'
            f"replications = {reps}\nseed = {seed}\n")


def small_model(seed: int = 1, scenario: str = "baseline", days: int = 0,
                **overrides: object) -> GridGovernanceModel:
    """A small model (SMALL + ``overrides``), run ``days`` days."""
    model = GridGovernanceModel(load_scenario(scenario, {**SMALL, **overrides}), seed=seed)
    if days:
        model.run(days)
    return model


@pytest.fixture(scope="module")
def small_year() -> GridGovernanceModel:
    """One small baseline model run for a year (shared by read-only tests)."""
    return small_model(seed=3, days=365)


@pytest.fixture(scope="session")
def tiny_sweep(tmp_path_factory) -> Path:
    """A finished sweep of TINY with its case logs (12 runs; read-only: copy it first)."""
    from simulation.sweeps.engine import run_sweep
    from simulation.sweeps.experiment import load_experiment

    out = tmp_path_factory.mktemp("tiny-sweep") / "sweep"
    run_sweep(load_experiment(TINY), out, workers=1, keep_cases=True)
    return out


# --- The tiers, applied here and nowhere else (pyproject.toml registers the markers) --------
# `make test-fast` leaves out the tests marked slow, browser or subprocess; `make test` and CI
# run everything. Slow: about four seconds or more on 2 cores (measured with --durations).
BROWSER = {
    "analysis/test_report.py::test_report_renders_with_all_its_figures_in_headless_chromium",
    "faces/test_dashboard.py::test_the_app_in_chromium_labels_plays_runs_to_a_day_exports_and_"
    "stays_quiet",
    "faces/test_dashboard.py::test_the_app_in_chinese_shows_chinese_everywhere_with_every_glyph",
}
SUBPROCESS_FILES = {"faces/test_signals.py", "test_packaging.py"}  # every test of these
SUBPROCESS = {
    "analysis/test_validation.py::test_worker_processes_give_the_runs_of_this_process",
    "faces/test_cli.py::test_console_script_runs_in_a_fresh_process",
    "faces/test_cli.py::test_python_m_runs_the_command_and_loads_only_the_command_s_group",
    "faces/test_cli.py::test_version_from_python_m_simulation",
    "faces/test_cli.py::test_the_core_works_without_the_optional_dependencies",
    "faces/test_cli.py::test_a_simulation_py_in_the_folder_is_named_in_one_warning",
    "faces/test_dashboard.py::test_an_installed_font_covers_every_chinese_character_the_page_"
    "uses",
    "model/test_parameters.py::test_importing_the_package_registers_the_district_check",
    "running/test_city.py::test_partitioned_run_is_identical_on_processes_and_dask",
    "running/test_executors.py::test_processes_give_every_result_and_a_dead_worker_is_a_"
    "failed_task",
    "running/test_executors.py::test_an_error_in_the_loop_stops_the_local_workers",
    "running/test_executors.py::test_gridgov_sweep_exits_on_a_silent_scheduler_and_leaves_"
    "nothing_running",
    "running/test_executors.py::test_a_dask_worker_is_not_taken_for_its_scheduler",
    "sweeps/test_damaged.py::test_a_full_disk_leaves_no_half_written_report",
    "sweeps/test_damaged.py::test_compare_on_a_read_only_folder_is_one_line",
    "sweeps/test_experiment.py::test_an_endless_device_is_refused_without_reading_it",
    "sweeps/test_plan.py::test_the_api_checks_a_dask_cluster_s_memory",
    "sweeps/test_sweep.py::test_a_crashed_worker_process_does_not_stop_the_sweep",
    "sweeps/test_sweep.py::test_dask_local_cluster_gives_identical_results",
    "sweeps/test_sweep.py::test_resume_after_sigkill_gives_the_same_results",
    "sweeps/test_sweep.py::test_two_processes_give_identical_results",
}
SLOW = {
    "analysis/test_report.py::test_identical_policy_is_exactly_zero_and_said_so",
    "analysis/test_report.py::test_runs_without_common_seeds_are_compared_unpaired",
    "analysis/test_report.py::test_sweep_ends_with_the_report_unless_told_not_to",
    "analysis/test_sensitivity.py::test_sensitivity_cli_runs_the_design_and_writes_indices",
    "analysis/test_validation.py::test_an_overloaded_status_quo_is_not_stationary",
    "analysis/test_validation.py::test_policy_patterns",
    "analysis/test_validation.py::test_resolution_times_are_right_skewed",
    "analysis/test_validation.py::test_the_status_quo_is_stationary",
    "analysis/test_validation.py::test_volunteers_who_do_no_work_raise_no_trust",
    "analysis/test_validation.py::test_working_volunteers_do_raise_trust",
    "faces/test_api.py::test_run_sensitivity_writes_and_returns_the_indices",
    "faces/test_api.py::test_run_sweep_guards_memory_unless_forced",
    "faces/test_api.py::test_run_sweep_returns_the_folder_tables_and_report",
    "faces/test_dashboard.py::test_a_dropped_tab_is_culled_after_the_timeout_and_its_play_"
    "stops",
    "faces/test_tutorial.py::test_the_tutorial_runs_and_shows_what_it_says",
    "measures/test_tables.py::test_a_new_per_run_table_is_one_entry",
    "model/test_mmc.py::test_each_grid_with_its_own_worker_is_an_mm1_queue",
    "model/test_mmc.py::test_mean_wait_matches_erlang_c",
    "running/test_city.py::test_a_sweep_runs_each_city_partitioned_like_gridgov_run",
    "running/test_city.py::test_cli_runs_a_city_by_district_and_writes_its_parts",
    "running/test_city.py::test_each_district_of_a_partitioned_run_is_its_own_model",
    "running/test_city.py::test_partitioned_and_unpartitioned_runs_agree_within_replication_"
    "noise",
    "running/test_city.py::test_the_agreement_check_detects_a_real_difference",
    "support/test_ownership.py::test_a_city_run_and_a_one_model_run_replace_each_others_files",
    "sweeps/test_city_tasks.py::test_districts_on_two_processes_and_dask_give_identical_results",
    "sweeps/test_damaged.py::test_the_advised_resume_heals_every_damaged_file",
    "sweeps/test_plan.py::test_run_scenario_on_a_city_partitions_it_as_gridgov_run_does",
    "sweeps/test_plan.py::test_the_api_gives_the_command_line_s_notices_as_warnings",
    "sweeps/test_sweep.py::test_common_random_numbers_shrink_the_variance_of_differences",
    "sweeps/test_sweep.py::test_two_sweeps_cannot_write_one_folder",
}
TIERS = {"browser": BROWSER, "subprocess": SUBPROCESS, "slow": SLOW}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tiers (slow, browser, subprocess) from the lists above."""
    for item in items:
        path = item.path.relative_to(ROOT / "tests").as_posix()
        name = f"{path}::{item.originalname}"
        marks = [tier for tier, names in TIERS.items() if name in names]
        if path in SUBPROCESS_FILES:
            marks.append("subprocess")
        for mark in dict.fromkeys(marks):
            item.add_marker(getattr(pytest.mark, mark))

