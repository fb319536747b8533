#!/usr/bin/env bash
# Every output a change must not alter, written by one checkout's gridgov into OUT: 31 CLI
# commands (help, every error path, runs of baseline, wenheng, mmc, jinan --scale 0.01 and
# jinan --scale 0.05 on 2 workers, the default job and its resume, compare, a tiny
# sensitivity analysis, calibration and a factor sweep with case logs), each command's
# stdout, stderr and exit status in OUT/cli.
# Run it for the checkout before and after a change, then compare the two trees:
#   scripts/reference_outputs.sh /path/to/before /tmp/ref/before
#   scripts/reference_outputs.sh /path/to/after  /tmp/ref/after
#   python scripts/compare_outputs.py /tmp/ref/before /tmp/ref/after \
#       --repos /path/to/before /path/to/after
# usage: reference_outputs.sh REPO OUT [--no-sweep]   (REPO has its .venv; ~4 minutes)
set -u
repo=$1; out=$2; shift 2
gg="$repo/.venv/bin/gridgov"
mkdir -p "$out/cli"
cd "$repo"
c() { # name, args...
  local name=$1; shift
  "$gg" "$@" > "$out/cli/$name.out" 2> "$out/cli/$name.err"; echo $? > "$out/cli/$name.rc"
}
c help --help
for cmd in scenarios params policies experiments docs dashboard run sweep sensitivity calibrate compare; do
  c "help_$cmd" $cmd --help
done
c scenarios scenarios
c params params baseline
c params_brief params baseline --brief
c params_wenheng params wenheng
c policies policies
c experiments experiments
c docs docs
c version --version
c bad_scenario run nowhere
c bad_key run baseline --set foo.bar=1
c bad_value run baseline --set staffing.households_per_worker=-3
c bad_policy run baseline --policy nolever
c bad_lever_setting run baseline --policy visits
c bad_exp sweep /nonexistent.toml
c bad_days run baseline --days 0
c run_baseline run baseline --out "$out/run_baseline"
c run_baseline_w run baseline --days 820 --warmup 365 --followup 90 --out "$out/run_baseline_w"
c run_policy run baseline --policy party_branch --policy mobilisation:mode=party_led --days 200
c run_overload run baseline --set department.case_staff=1 --days 200
c run_wenheng run wenheng --days 400 --seed 7 --out "$out/run_wenheng"
c run_mmc run mmc --set mmc.arrivals_per_day=4 --set mmc.handling_per_day=1.5 --set mmc.workers=3 --days 200
c run_jinan run jinan --scale 0.01 --out "$out/run_jinan"
c run_jinan05 run jinan --scale 0.05 --workers 2 --out "$out/run_jinan05"
if [ "${1:-}" != "--no-sweep" ]; then
  c sweep sweep experiments/policy_comparison.toml --out "$out/policy_comparison"
fi
c compare compare "$out/policy_comparison" --out "$out/compare_branch" --baseline party_branch --metrics unresolved_issue_days_per_household,trust_change,annual_cost_yuan
c compare_noreport sweep experiments/policy_comparison.toml --out "$out/policy_comparison" --resume --no-report
# tiny sensitivity, calibration and factor sweep with case logs
python3 - "$repo" "$out" <<'PY'
import re, sys
from pathlib import Path
repo, out = Path(sys.argv[1]), Path(sys.argv[2])
world = ('"world.communities_per_street" = 1\n"world.grids_per_community_min" = 2\n'
         '"world.grids_per_community_max" = 2\n"world.households_per_grid_min" = 80\n'
         '"world.households_per_grid_max" = 100\n')
def shrink(text, **kv):
    for key, value in kv.items():
        text = re.sub(rf"(?m)^{key} = \d+", f"{key} = {value}", text)
    return text
s = (repo / "experiments/sensitivity.toml").read_text()
s = shrink(s, days=120, warmup_days=30, followup_days=30, samples=4)
s = s.replace('"world.communities_per_street" = 1\n', world)
s = re.sub(r'(?m)^name = "sensitivity"', 'name = "tiny_sens"', s)
(out / "tiny_sens.toml").write_text(s)
c = (repo / "experiments/calibration.toml").read_text()
c = shrink(c, days=120, warmup_days=30, followup_days=30, samples=12)
c = c.replace("[design]", "[fixed]\n" + world + "\n[design]")
c = re.sub(r'(?m)^name = "calibration"', 'name = "tiny_cal"', c)
(out / "tiny_cal.toml").write_text(c)
f = (repo / "experiments/staffing.toml").read_text()
f = shrink(f, days=120, warmup_days=30, followup_days=30, replications=2)
(out / "tiny_staff.toml").write_text(f)
PY
c sens sensitivity "$out/tiny_sens.toml" --out "$out/sens"
c cal calibrate "$out/tiny_cal.toml" --out "$out/cal" --verify 2
c staff sweep "$out/tiny_staff.toml" --out "$out/staff" --keep-cases
