"""docs/tutorial.ipynb runs from top to bottom and shows what its text says; its figures
are docs/img/tutorial-*.png.

``GRIDGOV_TUTORIAL_IMAGES=1 pytest tests/test_tutorial.py`` writes the figures the
notebook draws (each code cell tagged ``figure:NAME`` gives docs/img/tutorial-NAME.png);
without it the test checks that each committed image is there with the size of the
notebook's figure.
"""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path

import pytest
from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
IMAGES = ROOT / "docs" / "img"
FIGURES = ("baseline", "policy", "sweep", "compare")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, from its IHDR chunk."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def outputs_text(cell) -> str:
    """What a code cell printed and returned, as text."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook, executed in a fresh kernel whose temporary folder is the test's."""
    tmp = tmp_path_factory.mktemp("tutorial")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env_tmp = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(tmp)  # the kernel inherits it: the notebook writes there
    try:
        nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp)}}).execute()
    finally:
        if env_tmp is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = env_tmp
    return nb, tmp


def test_the_tutorial_runs_and_shows_what_it_says(executed) -> None:
    nb, tmp = executed
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(o.output_type != "error" for c in code for o in c.outputs)
    text = "\n".join(outputs_text(c) for c in code)
    # it works in the temporary folder it made, under the test's
    work = next(Path(w) for w in text.split() if "gridgov-tutorial-" in w)
    assert work.parent == tmp and (work / "sweep" / "runs.parquet").is_file()
    assert (work / "sweep" / "report" / "report.html").is_file()
    # a lever with a bad setting says what is valid
    assert "mode 'party-led' is not one of none, party_led, campaign" in text
    # the summary is numeric, the sweep has its 3 policies x 10 replications
    assert "issues_arisen" in text and "dtype: float64" in text
    import pandas as pd

    runs = pd.read_parquet(work / "sweep" / "runs.parquet")
    assert len(runs) == 30 and (runs.status == "ok").all()
    assert list(dict.fromkeys(runs.policy)) == ["status_quo", "party_branch", "more_visits"]
    # the comparison it shows: more visits cut unresolved issue-days, decided
    cmp = pd.read_csv(work / "sweep" / "report" / "comparison.csv")
    row = cmp[(cmp.arm == "more_visits")
              & (cmp.metric == "unresolved_issue_days_per_household")].iloc[0]
    assert row.difference_high < 0 and row.verdict.startswith("better")
    assert "better than the baseline" in text


def test_the_tutorial_figures_are_the_committed_images(executed) -> None:
    nb, _ = executed
    drawn = {}
    for cell in nb.cells:
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("figure:")]
        if not tags:
            continue
        images = [o.data["image/png"] for o in cell.outputs
                  if "data" in o and "image/png" in o.data]
        assert len(images) == 1, tags[0]
        drawn[tags[0].removeprefix("figure:")] = base64.b64decode(images[0])
    assert tuple(drawn) == FIGURES
    for name, data in drawn.items():
        path = IMAGES / f"tutorial-{name}.png"
        if os.environ.get("GRIDGOV_TUTORIAL_IMAGES") == "1":
            path.write_bytes(data)
        assert path.is_file(), f"{path} missing: run GRIDGOV_TUTORIAL_IMAGES=1 pytest {__file__}"
        assert png_size(path.read_bytes()) == png_size(data), name
