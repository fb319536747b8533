"""The policy comparison report: arms and pairing, known-case statistics at report level,
cost-effectiveness, figures and report.html (rendered in headless Chromium), the CLI."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_FIXED_TOML, TINY

from simulation.analysis.report.build import build_report, text_table
from simulation.analysis.report.comparison import (
    arms,
    cost_effectiveness,
    spearman_interval,
)
from simulation.analysis.report.errors import ReportError
from simulation.analysis.report.figures import _frontier, schematic_layout
from simulation.analysis.report.formatting import fmt, fmt_interval, fmt_p
from simulation.analysis.report.results import load_results
from simulation.faces.cli import main
from simulation.sweeps.engine import run_sweep
from simulation.sweeps.experiment import load_experiment

# the small world, without its staffing (each policy here sets its own)
SMALL = SMALL_FIXED_TOML.replace('"staffing.households_per_worker" = 90.0\n', "")
PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = {"resolution_times", "trust_over_time", "volunteer_stages", "cost_frontier",
           "grid_map", "factor_effects"}


def sweep(tmp: Path, text: str, name: str) -> Path:
    path = tmp / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp / name
    run_sweep(load_experiment(path), out, workers=1)
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny factorial sweep: 2 points x 2 policies x 3 replications."""
    out = tmp_path_factory.mktemp("tiny") / "tiny"
    run_sweep(load_experiment(TINY), out, workers=1)
    return out


@pytest.fixture(scope="module")
def effect(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One point; a policy identical to the baseline, and one with a built-in effect (a
    grid worker for every 90 households instead of one for 800); 8 replications."""
    tmp = tmp_path_factory.mktemp("effect")
    text = ('[experiment]\nname = "effect"\nscenario = "baseline"\ndays = 120\n'
            "replications = 8\nseed = 11\n" + SMALL +
            '[[policies]]\nname = "status_quo"\nset = { "staffing.households_per_worker" = '
            '800.0 }\n[[policies]]\nname = "same"\nset = { "staffing.households_per_worker" '
            '= 800.0 }\n[[policies]]\nname = "staffed"\nset = { '
            '"staffing.households_per_worker" = 90.0 }\n')
    return sweep(tmp, text, "effect")


# --- statistics at report level ----------------------------------------------------------
def test_identical_policy_is_exactly_zero_and_said_so(effect: Path) -> None:
    """Under common random numbers an identical policy reproduces the baseline run by run:
    every difference is 0, p = 1, and the words say it cannot be told apart."""
    report = build_report(effect, effect / "r1", metrics=["mean_resolution_days",
                                                          "trust_change"])
    same = report.table[report.table.arm == "same"]
    assert len(same) == 2
    assert (same.difference == 0).all() and (same.difference_low == 0).all()
    assert (same.p_value == 1).all()
    assert same.verdict.str.startswith("cannot be told apart").all()
    assert same.replications_to_decide.isna().all()  # nothing to decide: no effect at all


def test_built_in_effect_is_detected_with_the_right_sign(effect: Path) -> None:
    report = build_report(effect, effect / "r2", metrics=["mean_resolution_days"])
    row = report.table[report.table.arm == "staffed"].iloc[0]
    assert row.pairs == 8
    assert row.difference < 0 and row.difference_high < 0  # faster with more workers
    # 8 pairs all negative: exact Wilcoxon p = 2 / 2^8; Holm over 2 comparisons doubles it
    assert row.p_value == pytest.approx(2 / 256)
    assert row.p_holm == pytest.approx(min(1.0, 2 * 2 / 256))
    assert row.effect_size == -1.0
    assert row.verdict == "better than the baseline"


def test_holm_adjusts_over_every_comparison_of_the_report(effect: Path) -> None:
    t = build_report(effect, effect / "r3").table
    cmp = t[t.baseline != ""]
    p = cmp.p_value.to_numpy()
    m = len(p)
    order = np.argsort(p, kind="stable")
    expected = np.minimum(np.maximum.accumulate(p[order] * (m - np.arange(m))), 1.0)
    assert np.allclose(cmp.p_holm.to_numpy()[order], expected)
    assert (cmp.p_holm >= cmp.p_value).all()


def test_replication_note_names_the_widest_interval_and_four_times_the_runs(
        effect: Path) -> None:
    report = build_report(effect, effect / "r4", metrics=["mean_resolution_days",
                                                          "hidden_issues"])
    note = report.replications
    assert note["pairs_min"] == note["pairs_max"] == 8
    assert note["halve_replications"] == 32 and note["more_replications"] == 24
    assert "8 paired replications" in text_table(report)


# --- arms and pairing --------------------------------------------------------------------
def test_factorial_arms_compare_each_policy_with_the_baseline_at_its_point(tiny: Path) -> None:
    results = load_results(tiny)
    labels = {a.label: a.baseline for a in arms(results)}
    assert labels == {"p0000/status_quo": None, "p0000/branch": "p0000/status_quo",
                      "p0001/status_quo": None, "p0001/branch": "p0001/status_quo"}
    other = {a.label: a.baseline for a in arms(results, "branch")}
    assert other["p0000/status_quo"] == "p0000/branch"
    with pytest.raises(ReportError, match="choose one of the policies: status_quo, branch"):
        arms(results, "nope")


def test_paired_differences_match_the_runs_table(tiny: Path) -> None:
    report = build_report(tiny, tiny / "rep", metrics=["hidden_issues"])
    runs = pd.read_parquet(tiny / "runs.parquet")
    for point in (0, 1):
        a = runs[(runs.point == point) & (runs.policy == "status_quo")].sort_values(
            "replication").hidden_issues.to_numpy(float)
        b = runs[(runs.point == point) & (runs.policy == "branch")].sort_values(
            "replication").hidden_issues.to_numpy(float)
        row = report.table[report.table.arm == f"p{point:04d}/branch"].iloc[0]
        assert row.difference == pytest.approx(np.median(b - a))
        assert row.pairs == 3


# --- cost-effectiveness, frontier, layout, formatting ------------------------------------
def _row(arm: str, metric: str, diff: float, low: float, high: float, verdict: str) -> dict:
    return {"arm": arm, "baseline": "base", "metric": metric, "difference": diff,
            "difference_low": low, "difference_high": high, "verdict": verdict}


def test_cost_per_issue_day_cut_and_per_trust_point_with_ranges() -> None:
    burden = "unresolved_issue_days_per_household"
    table = pd.DataFrame([
        _row("x", "annual_cost_yuan", 1000.0, 900.0, 1100.0, "dearer than the baseline"),
        _row("x", burden, -2.0, -4.0, -1.0, "better than the baseline"),
        _row("x", "trust_change", 0.01, 0.005, 0.02, "better than the baseline"),
        _row("y", "annual_cost_yuan", -50.0, -60.0, -40.0, "cheaper than the baseline"),
        _row("y", burden, -1.0, -2.0, -0.5, "better than the baseline"),
        _row("y", "trust_change", 0.0, -0.01, 0.01, "cannot be told apart from the baseline"),
        _row("z", "annual_cost_yuan", 10.0, 10.0, 10.0, "dearer than the baseline"),
        _row("z", burden, 3.0, 2.0, 4.0, "worse than the baseline"),
        _row("z", "trust_change", 0.01, 0.0, 0.02, "cannot be told apart from the baseline"),
        _row("u", "annual_cost_yuan", 10.0, 10.0, 10.0, "dearer than the baseline"),
        _row("u", burden, -3.0, -4.0, -2.0, "unstable: results depend on the run length"),
        _row("u", "trust_change", 0.01, 0.0, 0.02, "cannot be told apart from the baseline"),
    ])
    c = cost_effectiveness(table).set_index("arm")
    assert c.loc["x", "per_issue_day_cut"] == pytest.approx(500.0)  # 1000 yuan / 2 days
    assert c.loc["x", "per_issue_day_cut_range"] == "225 to 1,100"  # 900/4 .. 1100/1
    assert c.loc["x", "per_trust_point"] == pytest.approx(1000.0)  # 0.01 = one point
    assert c.loc["x", "per_trust_point_range"] == "450 to 2,200"  # 900/2 .. 1100/0.5
    assert math.isnan(c.loc["y", "per_issue_day_cut"])
    assert c.loc["y", "per_issue_day_cut_range"] == "better and not dearer"
    assert c.loc["y", "per_trust_point_range"] == "no measurable gain"
    assert c.loc["z", "per_issue_day_cut_range"] == "outcome worse"
    assert c.loc["u", "per_issue_day_cut_range"] == "unstable (overloaded)"


def test_frontier_keeps_only_undominated_points() -> None:
    cost = np.array([1.0, 2.0, 2.0, 3.0, 4.0])
    days = np.array([10.0, 8.0, 9.0, 8.5, 5.0])  # smaller is better
    assert list(_frontier(cost, days, -1)) == [0, 1, 4]
    trust = -days  # larger is better: the same points
    assert list(_frontier(cost, trust, +1)) == [0, 1, 4]


def test_schematic_layout_gives_each_grid_its_own_cell_inside_its_community_block() -> None:
    community = np.repeat(np.arange(7), [3, 5, 1, 4, 4, 2, 6])
    x, y = schematic_layout(community)
    assert len(set(zip(x, y, strict=True))) == len(community)
    side = math.ceil(math.sqrt(6))
    for c in range(7):
        xs, ys = x[community == c], y[community == c]
        assert np.ptp(xs) < side and np.ptp(ys) < side  # a community stays in its block


def test_formatting_carries_units_and_signs() -> None:
    assert fmt("mean_resolution_days", 12.345) == "12.3 d"
    assert fmt("share_within_5_working_days", 0.8234) == "82.3%"
    assert fmt("share_within_5_working_days", 0.05, signed=True) == "+5.0 pp"
    assert fmt("annual_cost_yuan", 4.42e6) == "4.42 M¥"
    assert fmt("annual_cost_yuan", 66000.0, signed=True) == "+66,000 ¥"
    assert fmt("hidden_issues", float("nan")) == "n/a"
    assert fmt_interval("mean_resolution_days", 2.0, 1.0, 3.0) == "2.0 d [1.0 d, 3.0 d]"
    assert fmt_p(0.0001) == "< 0.001" and fmt_p(0.0234) == "0.023"


def test_spearman_interval_contains_rho_and_narrows_with_n() -> None:
    lo1, hi1 = spearman_interval(0.5, 20)
    lo2, hi2 = spearman_interval(0.5, 200)
    assert lo1 < lo2 < 0.5 < hi2 < hi1 < 1.0
    assert all(math.isnan(v) for v in spearman_interval(0.5, 3))


# --- files, figures, browser -------------------------------------------------------------
def test_report_writes_tables_figures_and_a_self_contained_page(tiny: Path) -> None:
    report = build_report(tiny)
    out = tiny / "report"
    assert set(report.figures) == FIGURES
    for name in FIGURES:
        data = (out / f"{name}.png").read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == len(FIGURES)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from a network
    assert "p0000/branch" in html and "5-working-day" in html
    table = pd.read_csv(out / "comparison.csv")
    assert {"median", "low", "high", "difference", "p_value", "p_holm", "effect_size",
            "verdict", "pairs"} <= set(table.columns)
    assert (pd.read_csv(out / "factor_effects.csv").factor == "visits.per_worker_day").all()


def test_the_page_and_the_terminal_text_are_the_sections_in_order(tiny: Path,
                                                                   tmp_path: Path) -> None:
    from simulation.analysis.report.sections import SECTIONS

    report = build_report(tiny, tmp_path / "order")
    assert tuple(report.sections) == SECTIONS
    page = report.html.read_text(encoding="utf-8")
    # each section's part, as it renders now (the heading's up to its clock time)
    parts = [s.html(report).split("report made")[0] for s in SECTIONS]
    assert all(parts)  # a factorial sweep with costs: every section has something to show
    at = [page.find(p) for p in parts]
    assert -1 not in at and at == sorted(at) and len(set(at)) == len(at)
    assert page.index("<h2>Design points</h2>") < page.index("<h2>Comparison, metric")
    text = text_table(report)
    assert text.startswith("p0000: per_worker_day=2.0\np0001: per_worker_day=6.0\n\n")
    assert text.endswith("\n".join(f"note: {n}" for n in report.notes))


def test_a_section_added_to_the_list_is_computed_written_shown_and_printed(
        tiny: Path, tmp_path: Path, monkeypatch) -> None:
    """A new section is one class and one entry in SECTIONS: its table is written (and
    owned: gone with the section), its part is on the page where it stands in the list,
    its lines and notes are in the terminal text."""
    from simulation.analysis.report import sections
    from simulation.analysis.report.document import Report, Section

    class Robustness(Section):
        name = "robustness"

        def compute(self, report: Report) -> None:
            report.tables["robustness.csv"] = pd.DataFrame({"arm": [a.label for a in
                                                                    report.arms]})
            report.notes.append("robustness looked at")

        def html(self, report: Report) -> str:
            return "<h2>Robustness</h2><p>every arm held up</p>"

        def text(self, report: Report) -> list[str]:
            return ["robustness: every arm held up", ""]

    plain = sections.SECTIONS
    at = next(i for i, s in enumerate(plain) if s.name == "figures")
    monkeypatch.setattr(sections, "SECTIONS", (*plain[:at], Robustness(), *plain[at:]))
    out = tmp_path / "extra"
    report = build_report(tiny, out, metrics=["trust_change", "hidden_issues"])
    page = report.html.read_text(encoding="utf-8")
    assert (page.index("Note: robustness looked at") < page.index("<h2>Robustness</h2>")
            < page.index("<h2>Figures</h2>") < page.index("<h2>Design points</h2>"))
    assert pd.read_csv(out / "robustness.csv").arm.tolist() == [a.label for a in report.arms]
    text = text_table(report)
    assert text.startswith("robustness: every arm held up\n\np0000: ")
    assert text.endswith("note: robustness looked at")
    monkeypatch.setattr(sections, "SECTIONS", plain)
    report = build_report(tiny, out, metrics=["trust_change", "hidden_issues"])
    assert not (out / "robustness.csv").exists()  # ours, and no longer written
    assert "Robustness" not in report.html.read_text(encoding="utf-8")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_with_all_its_figures_in_headless_chromium(tiny: Path,
                                                                  tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    report = build_report(tiny, tmp_path / "page")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           "--virtual-time-budget=10000", "--dump-dom", report.html.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body, dom[:500]
    want = re.search(r'data-figures="(\d+)"', body.group(0))
    got = re.search(r'data-figures-rendered="(\d+)"', body.group(0))
    assert want and got and int(want.group(1)) == len(FIGURES)
    assert got.group(1) == want.group(1)  # every <img> decoded with a width
    shot = tmp_path / "page.png"
    subprocess.run([*cmd[:-2], "--window-size=1200,3000", f"--screenshot={shot}",
                    report.html.as_uri()], capture_output=True, timeout=120)
    assert shot.read_bytes().startswith(PNG)


# --- the command line --------------------------------------------------------------------
def test_compare_cli_prints_the_table_and_writes_the_report(tiny: Path, tmp_path: Path,
                                                            capsys) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", str(tiny), "--out", str(out), "--metrics",
                 "trust_change,hidden_issues"]) == 0
    text = capsys.readouterr().out
    assert "change in mean trust" in text and "p(Holm)" in text
    assert (out / "report.html").is_file()


@pytest.mark.parametrize("args, needle", [
    (["compare", "{missing}"], "is not a folder"),
    (["compare", "{empty}"], "holds no sweep results"),
    (["compare", "{tiny}", "--baseline", "nope"], "unknown baseline 'nope'"),
    (["compare", "{tiny}", "--metrics", "trust_chnage"], "unknown metric 'trust_chnage'"),
    (["compare", "{tiny}", "--metrics", ","], "at least one metric"),
    (["compare", "{tiny}", "--alpha", "1.5"], "strictly between 0 and 1"),
])
def test_compare_cli_bad_input_is_one_line_and_exit_2(tiny: Path, tmp_path: Path, capsys,
                                                      args: list[str], needle: str) -> None:
    (tmp_path / "empty").mkdir()
    subs = {"missing": str(tmp_path / "missing"), "empty": str(tmp_path / "empty"),
            "tiny": str(tiny)}
    assert main([a.format(**subs) for a in args]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_sweep_ends_with_the_report_unless_told_not_to(tmp_path: Path, capsys) -> None:
    assert main(["sweep", str(TINY), "--out", str(tmp_path / "a"), "--workers", "1"]) == 0
    assert (tmp_path / "a" / "report" / "report.html").is_file()
    assert "p(Holm)" in capsys.readouterr().out
    assert main(["sweep", str(TINY), "--out", str(tmp_path / "b"), "--workers", "1",
                 "--no-report"]) == 0
    assert not (tmp_path / "b" / "report").exists()


def _break_runs(monkeypatch, broken_if) -> None:
    """Make the runs for which ``broken_if(run)`` holds fail (an impossible world)."""
    from dataclasses import replace

    import simulation.sweeps.engine as sweep_module

    real = sweep_module.execute_run

    def execute(run, keep_cases):
        if broken_if(run):
            run = replace(run, overrides={**run.overrides, "world.districts": 0})
        return real(run, keep_cases)

    monkeypatch.setattr(sweep_module, "execute_run", execute)


def test_failed_runs_are_left_out_of_the_pairs_and_named_in_the_page(
        tmp_path: Path, monkeypatch) -> None:
    _break_runs(monkeypatch, lambda run: run.policy == "status_quo" and run.replication == 2)
    run_sweep(load_experiment(TINY), tmp_path / "x", workers=1)
    report = build_report(tmp_path / "x")
    compared = report.table[report.table.baseline != ""]
    # replication 2 has no baseline run to pair with (a metric may also be undefined in a
    # run, e.g. a 30-day share when no unresolved issue was followed that long)
    assert (compared.pairs <= 2).all()
    assert (compared[compared.metric == "unresolved_issue_days_per_household"].pairs == 2).all()
    html = report.html.read_text(encoding="utf-8")
    assert "10 runs finished" in html and "2 failed or not run" in html


def test_a_baseline_without_finished_runs_is_an_error_not_a_silent_switch(
        tmp_path: Path, monkeypatch, capsys) -> None:
    _break_runs(monkeypatch, lambda run: run.policy == "status_quo")
    code = main(["sweep", str(TINY), "--out", str(tmp_path / "y"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "6 of 12 runs failed" in err
    assert "no report: the baseline policy 'status_quo' has no finished run" in err
    assert main(["compare", str(tmp_path / "y"), "--baseline", "branch"]) == 0


def test_runs_without_common_seeds_are_compared_unpaired(tiny: Path, tmp_path: Path) -> None:
    """Paired tests need common random numbers; runs with other seeds are independent."""
    copy = tmp_path / "copy"
    shutil.copytree(tiny, copy, ignore=shutil.ignore_patterns("report*", "rep"))
    runs = pd.read_parquet(copy / "runs.parquet")
    runs.loc[runs.policy == "branch", "seed"] += 1
    runs.to_parquet(copy / "runs.parquet", index=False)
    table = build_report(copy).table
    compared = table[table.baseline != ""]
    assert (compared.test == "mann-whitney").all()
    assert (build_report(tiny, tmp_path / "paired").table.dropna(subset=["test"]).test
            == "wilcoxon").all()


def test_best_gain_follows_each_metrics_direction() -> None:
    """A share ending in '_days' is still larger-is-better (a bug the review caught)."""
    from simulation.analysis.report.sections.summary import best_lines

    rows = [_row("a", "share_resolved_within_90_days", 0.08, 0.07, 0.09, "better than x"),
            _row("b", "share_resolved_within_90_days", 0.14, 0.13, 0.15, "better than x"),
            _row("a", "unresolved_issue_days_per_household", -7.0, -8.0, -6.0,
                 "better than x"),
            _row("b", "unresolved_issue_days_per_household", -2.0, -3.0, -1.0,
                 "better than x")]
    text = best_lines(pd.DataFrame(rows), pd.DataFrame())
    assert ("resolved within 90 days of arising (share of every issue): <b>b</b>"
            in text)
    assert ("unresolved issue-days (per household per year, every issue): <b>a</b>"
            in text)


def test_replications_to_decide_is_never_fewer_than_we_have() -> None:
    from simulation.analysis.report.comparison import _replications_to_decide

    def row(est, low, high, p_holm, pairs=12):
        return pd.Series({"difference": est, "difference_low": low, "difference_high": high,
                          "p_holm": p_holm, "pairs": pairs})

    # interval excludes 0 but Holm's p does not clear: more pairs than n, and enough
    # for 2 / 2^n * 48 < 0.05 (n >= 11): 13 here
    assert _replications_to_decide(row(0.1, 0.05, 0.2, 0.061), 0.05, 48) == 13
    # interval [-1, 3] around 1: the near end is 2 away, so n (2/1)^2 = 48
    assert _replications_to_decide(row(1.0, -1.0, 3.0, 0.5), 0.05, 48) == 48
    assert math.isnan(_replications_to_decide(row(1.0, 0.5, 1.5, 0.01), 0.05, 48))
    assert math.isnan(_replications_to_decide(row(0.0, -1.0, 1.0, 1.0), 0.05, 48))


def test_a_runs_table_without_its_columns_is_one_line(tiny: Path, tmp_path: Path,
                                                      capsys) -> None:
    copy = tmp_path / "old"
    shutil.copytree(tiny, copy, ignore=shutil.ignore_patterns("report*", "rep"))
    pd.read_parquet(copy / "runs.parquet").drop(columns=["seed"]).to_parquet(
        copy / "runs.parquet", index=False)
    assert main(["compare", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "lacks the column 'seed'" in err and err.count("\n") == 1


def test_missing_timeseries_leaves_a_note_not_a_traceback(tiny: Path, tmp_path: Path) -> None:
    copy = tmp_path / "nots"
    shutil.copytree(tiny, copy, ignore=shutil.ignore_patterns("report*", "rep",
                                                              "timeseries*"))
    report = build_report(copy)
    assert "trust_over_time" not in report.figures
    assert any("trust_over_time not drawn" in n for n in report.notes)
    assert "resolution_times" in report.figures


def test_bad_compare_input_creates_no_folder(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    assert main(["compare", str(tiny), "--out", str(out), "--baseline", "nope"]) == 2
    assert not out.exists()


def test_a_measure_undefined_in_every_run_says_no_data(tiny: Path) -> None:
    """40-day runs have no 90-day share: that is "no data", not "cannot be told apart"."""
    from simulation.analysis.report.comparison import NO_DATA

    report = build_report(tiny, tiny / "r_nodata",
                          metrics=["share_resolved_within_90_days", "hidden_issues"])
    rows = report.table[report.table.baseline != ""]
    undefined = rows[rows.pairs == 0]
    assert len(undefined) and set(undefined.metric) == {"share_resolved_within_90_days"}
    assert (undefined.verdict == NO_DATA).all()
    assert undefined.p_value.isna().all() and undefined.p_holm.isna().all()
    assert not rows[rows.pairs > 0].verdict.eq(NO_DATA).any()
    assert "no data" in text_table(report)


def test_one_replication_is_said_to_decide_nothing() -> None:
    from simulation.analysis.report.formatting import replication_sentence

    note = {"pairs_min": 1, "pairs_max": 1, "paired": True, "widest_arm": "a",
            "widest_metric": "hidden_issues", "widest_width": 0.0, "widest_relative": 0.0,
            "halve_replications": 1, "more_replications": 0}
    text = replication_sentence(note)
    assert text.startswith("Each comparison rests on 1 paired replication: one replication "
                           "gives no interval") and "(0 more)" not in text
