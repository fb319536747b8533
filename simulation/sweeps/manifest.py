"""A sweep's manifest (manifest.json): the experiment file, its design and seeds, the
versions and times of every session that ran it, and every run's status."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime

import pandas as pd

from ..support.provenance import manifest as environment
from ..support.storage import atomic_write_text
from .experiment import Experiment
from .folder import ResultsFolder
from .records import to_json


def write_manifest(folder: ResultsFolder, experiment: Experiment, fingerprint: str,
                   table: pd.DataFrame, started: datetime, executor: str, keep_cases: bool,
                   finished: bool = True) -> None:
    """manifest.json: inputs, design, seeds, versions, times and every run's status.

    Written when a session starts (``finished=False``) and again when it ends; ``sessions``
    keeps one entry per session of a resumed sweep.
    """
    env = environment(0.0)
    env.pop("wall_seconds", None)
    session = {"session": f"{started.isoformat(timespec='microseconds')}/{os.getpid()}",
               "started_utc": started.isoformat(timespec="seconds"),
               "finished_utc": env["finished_utc"] if finished else None, "executor": executor,
               "gridgov_version": env["gridgov_version"], "git_commit": env["git_commit"],
               "keep_cases": keep_cases}
    sessions = []
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):  # keep the history
        sessions = list(json.loads(folder.manifest.read_text(encoding="utf-8"))
                        ["sessions"])
    sessions = [*(s for s in sessions if s.get("session") != session["session"]), session]
    doc = {
        "experiment": {"file": str(experiment.path), "text": experiment.text,
                       "parsed": experiment.raw},
        "design": experiment.design_record(),
        "fingerprint": fingerprint,
        "runs_total": len(table),
        "runs_ok": int((table.status == "ok").sum()),
        "runs_failed": int((table.status == "failed").sum()),
        "finished": finished,
        "run_status": dict(zip(table.run_id, table.status, strict=True)),
        "series_missing": list(table.attrs.get("series_missing", [])),
        "executor": executor,
        "keep_cases": keep_cases,
        "started_utc": sessions[0]["started_utc"],
        **env,
        "finished_utc": env["finished_utc"] if finished else None,
        "sessions": sessions,
        "mixed_code_versions": len({s.get("git_commit") for s in sessions}) > 1,
    }
    atomic_write_text(folder.manifest, to_json(doc, indent=2))
