"""Nothing lost, nothing hung: real signals sent to real ``gridgov`` processes.

Ctrl-C (SIGINT to the process group, as a terminal sends it) and SIGTERM stop a sweep with
exit status 130 or 143, one line on standard error and no traceback; running and queued
runs alike stop, and every child process (the pool's workers, multiprocessing's resource
tracker) is gone within 5 s. A second Ctrl-C while it stops changes nothing. A parent
killed with SIGKILL takes its children with it (Linux: a parent-death signal). The finished
runs are kept, and ``--resume`` completes the sweep with the runs of an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import psutil
import pytest

from simulation.sweeps.engine import run_sweep
from simulation.sweeps.experiment import load_experiment

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the parent-death signal is Linux's")

GRIDGOV = str(Path(sys.executable).with_name("gridgov"))
GONE_SECONDS = 5.0  # every child must be gone this long after its parent
STARTING_SECONDS = 60.0  # ... except a worker still importing gridgov: once it has
RUNS = 10

# Ten runs of about 0.2 s each on a small M/M/c world: long enough that a signal sent at
# the first finished run arrives mid-sweep, short enough to keep these tests quick.
EXPERIMENT = f"""
[experiment]
name = "signals"
scenario = "mmc"
days = 400
replications = {RUNS}
seed = 3

[fixed]
"mmc.grids" = 4
"mmc.arrivals_per_day" = 2.0
"mmc.handling_per_day" = 1.0
"""

SWEEP_LINE = ("gridgov: interrupted ({}); the runs finished so far are kept: repeat the "
              "command with --resume to continue")


class Command:
    """A gridgov command in a session (process group) of its own, as a shell runs a
    job; its standard error is collected line by line as it comes."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen([GRIDGOV, *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        self.children: list[psutil.Process] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, marker: Callable[[str], bool], timeout: float = 120.0) -> None:
        """Wait until a line of standard error satisfies ``marker``."""
        deadline = time.monotonic() + timeout
        while not any(marker(line) for line in list(self.lines)):
            if self.proc.poll() is not None:  # ended: its last lines may be unread yet
                self._reader.join(10)
                if any(marker(line) for line in self.lines):
                    return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("no marker; standard error:\n" + "\n".join(self.lines))
            time.sleep(0.01)

    def workers(self) -> list[psutil.Process]:
        """Its children that are pool workers (not the resource tracker)."""
        found = []
        for child in self.children:
            with contextlib.suppress(psutil.Error):
                if "spawn_main" in " ".join(child.cmdline()):
                    found.append(child)
        assert len(found) == 2
        return found

    def collect_children(self, at_least: int, timeout: float = 60.0) -> list[psutil.Process]:
        """Its descendants, once there are ``at_least`` of them (all are kept to check)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            children = psutil.Process(self.proc.pid).children(recursive=True)
            if len(children) >= at_least:
                self.children = children
                return children
            time.sleep(0.01)
        pytest.fail(f"fewer than {at_least} child processes")

    def signal(self, signum: int, group: bool = False) -> None:
        """Send ``signum`` to the command (``group``: to its whole process group)."""
        (os.killpg if group else os.kill)(self.proc.pid, signum)

    def finish(self, timeout: float = 60.0) -> int:
        """Its exit status (negative: killed by that signal)."""
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code

    def cleanup(self) -> None:
        """Kill whatever of it is left (after a failed assertion): its process group
        (its children are in it), then any child it had that is still alive."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for child in self.children:
            with contextlib.suppress(psutil.Error):
                if alive(child):
                    child.kill()
        self.proc.wait(10)


@pytest.fixture
def command():
    """Start gridgov commands; whatever is left of them is killed at the end."""
    started: list[Command] = []

    def start(*args: str, cwd: Path) -> Command:
        started.append(Command(*args, cwd=cwd))
        return started[-1]

    yield start
    for cmd in started:
        cmd.cleanup()


def alive(proc: psutil.Process) -> bool:
    """True if ``proc`` (the same process, not a reused id) exists and is no zombie."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def survivors(procs: list[psutil.Process], seconds: float) -> list[str]:
    """The processes of ``procs`` still alive after up to ``seconds`` (their command
    lines; empty if all are gone)."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in procs) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = []
    for p in procs:
        with contextlib.suppress(psutil.Error):  # (gone while being described)
            if alive(p):
                left.append(f"{p.pid}: {' '.join(p.cmdline())[:100]}")
    return left


def no_noise(lines: list[str]) -> list[str]:
    """Standard error without the progress lines (``[k/n] ...``)."""
    return [line for line in lines if not line.startswith("[")]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "signals.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whole(experiment: Path, tmp_path_factory) -> pd.DataFrame:
    """The runs table of the sweep never interrupted (in this process)."""
    table = run_sweep(load_experiment(experiment), tmp_path_factory.mktemp("whole") / "out",
                      workers=1)
    return table.drop(columns=["wall_seconds"])


def sweep(command, experiment: Path, out: Path) -> Command:
    """``gridgov sweep`` of the test experiment on two workers, started and under way:
    its first run has finished and its children (resource tracker, workers) are known."""
    cmd = command("sweep", str(experiment), "--out", str(out), "--workers", "2",
                  "--no-report", cwd=out.parent)
    cmd.wait_for(lambda line: line.startswith("[1/"))
    cmd.collect_children(3)
    return cmd


def test_ctrl_c_twice_stops_a_sweep_at_once_quietly_and_resume_completes_it(
        command, experiment: Path, whole: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = sweep(command, experiment, out)
    workers = cmd.workers()
    cmd.signal(signal.SIGINT, group=True)  # what Ctrl-C in a terminal does
    time.sleep(0.05)  # and again, impatient, while it stops (it used to print a traceback)
    with contextlib.suppress(ProcessLookupError):  # unless it has ended already
        cmd.signal(signal.SIGINT, group=True)
    cmd.wait_for(lambda line: line.startswith("gridgov: interrupted"))
    assert not survivors(workers, 0.0)  # stopped before it says so: no run goes on
    assert cmd.finish() == 130
    assert no_noise(cmd.lines) == [SWEEP_LINE.format("SIGINT")], cmd.lines
    assert not survivors(cmd.children, GONE_SECONDS)  # running and queued runs stopped
    kept = sorted((out / "runs").glob("*.json"))
    assert 1 <= len(kept) < RUNS, "the sweep was not interrupted part-way"
    assert all(json.loads(p.read_text())["status"] == "ok" for p in kept)  # none half-done
    assert not (out / ".lock").exists() and not (out / "runs.csv").exists()
    resumed = run_sweep(load_experiment(experiment), out, workers=1, resume=True)
    pd.testing.assert_frame_equal(resumed.drop(columns=["wall_seconds"]), whole)


def test_sigterm_stops_a_sweep_as_ctrl_c_does(command, experiment: Path,
                                              tmp_path: Path) -> None:
    cmd = sweep(command, experiment, tmp_path / "out")
    workers = cmd.workers()
    cmd.signal(signal.SIGTERM)  # `kill PID`: the parent alone
    cmd.wait_for(lambda line: line.startswith("gridgov: interrupted"))
    assert not survivors(workers, 0.0)
    assert cmd.finish() == 143
    assert no_noise(cmd.lines) == [SWEEP_LINE.format("SIGTERM")], cmd.lines
    assert not survivors(cmd.children, GONE_SECONDS)


def test_the_children_of_a_killed_sweep_die_with_it(command, experiment: Path,
                                                    tmp_path: Path) -> None:
    cmd = sweep(command, experiment, tmp_path / "out")
    cmd.signal(signal.SIGKILL)  # no handler runs: only the kernel can tell the workers
    assert cmd.finish() == -signal.SIGKILL
    assert not survivors(cmd.children, GONE_SECONDS)


def test_the_children_of_a_killed_city_run_die_with_it(command, tmp_path: Path) -> None:
    cmd = command("run", "jinan", "--scale", "0.01", "--days", "30", "--workers", "2",
                  cwd=tmp_path)
    cmd.wait_for(lambda line: line.startswith("[1/13]"))  # a district done: under way
    children = cmd.collect_children(3)
    cmd.signal(signal.SIGKILL)
    assert cmd.finish() == -signal.SIGKILL
    assert not survivors(children, GONE_SECONDS)


def test_a_worker_still_starting_when_its_parent_is_killed_exits_once_started(
        command, experiment: Path, tmp_path: Path) -> None:
    """Until a worker has imported gridgov (2 s here, more on a busy machine) it runs none
    of gridgov's code, so no parent-death signal is set yet; it checks its parent as soon
    as it sets one, and exits then, before taking a run."""
    cmd = command("sweep", str(experiment), "--out", str(tmp_path / "out"), "--workers",
                  "2", cwd=tmp_path)
    children = cmd.collect_children(3)  # the workers are spawned, not yet started
    cmd.signal(signal.SIGKILL)
    assert cmd.finish() == -signal.SIGKILL
    assert not survivors(children, STARTING_SECONDS)


def test_the_progress_queue_manager_dies_with_its_parent(tmp_path: Path) -> None:
    """A city run's bar on a terminal takes the workers' simulated days through a
    multiprocessing manager: a server process, which must not outlive the command."""
    script = ("from simulation.running.progress import BarProgress\n"
              "bar = BarProgress(2, weights=[1.0, 1.0], days=10, reach='processes')\n"
              "print(bar._manager._process.pid, flush=True)\n"
              "import time; time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=tmp_path)
    try:
        manager = psutil.Process(int(proc.stdout.readline()))
        assert alive(manager)
        proc.kill()
        proc.wait(10)
        left = survivors([manager], GONE_SECONDS)
        if left:
            manager.kill()
        assert not left
    finally:
        proc.kill()
