"""gridgov as a wheel: what it holds, and that it works installed outside the source tree.

The wheel is built from a copy of the source tree (no ``build/`` left in it), without build
isolation (setuptools comes with the test extra), and installed with ``--no-deps`` into a
fresh virtualenv that reuses this environment's third-party packages through a ``.pth``
line naming their folder. Such a line only adds the folder to ``sys.path``: the ``.pth``
files inside it, among them the editable install's import finder, are not run, so the fresh
environment imports gridgov from the wheel alone (checked). Then the user's commands run
from an unrelated folder. About 35 s on 2 busy cores (1-3 s a command: each imports gridgov
afresh).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from simulation import __version__
from simulation.support.shipped import LINK, pypi_readme

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
HOME = PYPROJECT["urls"]["Homepage"]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "simulation", "experiments", "docs")


def relative_links(markdown: str) -> list[str]:
    """The targets of ``markdown``'s links and images that are not absolute."""
    return [m.group(3) for m in LINK.finditer(markdown)
            if not re.match(r"[a-z][a-z0-9+.-]*:|#", m.group(3), re.IGNORECASE)]


def test_the_package_index_description_is_the_readme_with_absolute_links() -> None:
    readme = (ROOT / "README.md").read_text()
    pypi = (ROOT / "docs" / "pypi.md").read_text()
    assert pypi == pypi_readme(ROOT), "docs/pypi.md is stale: run `make readme`"
    assert PYPROJECT["readme"] == "docs/pypi.md"
    targets = relative_links(readme)
    assert "docs/experiments.md" in targets and "docs/img/dashboard.png" in targets
    for target in targets:
        assert (ROOT / target).exists(), target
        assert (f"{HOME}/blob/main/{target}" in pypi or f"{HOME}/raw/main/{target}" in pypi)
    assert relative_links(pypi) == []


def test_one_version_one_home_a_license_and_a_citation() -> None:
    import yaml

    assert "version" in PYPROJECT["dynamic"] and "version" not in PYPROJECT
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["version"] == __version__
    assert cff["repository-code"] == cff["url"] == HOME
    assert {"message", "title", "authors"} <= set(cff)
    assert cff["license"] == PYPROJECT["license"] == "MIT"
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License") and "the gridgov authors" in license_text
    assert all(url.startswith(HOME) for url in PYPROJECT["urls"].values())


def test_install_requirements_have_no_exact_pins() -> None:
    """Exact versions live in constraints.txt; the package asks only for lower bounds (and
    the next major release excluded where likely to break)."""
    groups = {"": PYPROJECT["dependencies"], **PYPROJECT["optional-dependencies"]}
    for group, requirements in groups.items():
        for text in requirements:
            req = Requirement(text)
            assert all(s.operator not in ("==", "===", "~=") for s in req.specifier), (group,
                                                                                      text)
    assert set(PYPROJECT["optional-dependencies"]) == {"dashboard", "dask", "test"}


def constraints() -> dict[str, str]:
    """constraints.txt as {canonical name: version}."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_constraints_pin_everything_gridgov_and_its_extras_install() -> None:
    """Every distribution gridgov[dashboard,dask,test] pulls in (followed through the
    installed ones' requirements) is pinned in constraints.txt, at the version installed."""
    pins = constraints()
    todo = [("gridgov", frozenset({"dashboard", "dask", "test"}))]
    seen: set[tuple[str, frozenset[str]]] = set()
    unpinned, other = [], []
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = metadata.distribution(name)
        if name != "gridgov":
            pinned = pins.get(canonicalize_name(name))
            if pinned is None:
                unpinned.append(name)
            elif pinned != dist.version:
                other.append(f"{name} {dist.version} (pinned {pinned})")
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is not None and not any(
                    req.marker.evaluate({"extra": e}) for e in extras or {""}):
                continue
            todo.append((req.name, frozenset(req.extras)))
    assert unpinned == [] and other == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gridgov's wheel, built from a copy of the source tree."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "--quiet", "-w", str(tmp / "dist"),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (path,) = (tmp / "dist").glob("gridgov-*.whl")
    return path


def test_the_wheel_holds_every_module_and_the_shipped_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        modules = {n for n in names if n.endswith(".py")}
        assert modules == {p.relative_to(ROOT).as_posix()
                           for p in (ROOT / "simulation").rglob("*.py")}
        experiments = sorted((ROOT / "experiments").glob("*.toml"))
        assert len(experiments) >= 5
        for path in experiments:  # the top-level folder is the only copy: byte for byte
            assert whl.read(f"simulation/experiments/{path.name}") == path.read_bytes()
        assert {n for n in names if n.startswith("simulation/experiments/")} == {
            f"simulation/experiments/{p.name}" for p in experiments}
        docs = [*(ROOT / "docs").glob("*.md"), *(ROOT / "docs").glob("*.ipynb"),
                *(ROOT / "docs").glob("*/*.png")]
        assert {n for n in names if n.startswith("simulation/docs/")} == {
            f"simulation/{p.relative_to(ROOT).as_posix()}" for p in docs}
        for path in docs:
            assert whl.read(f"simulation/{path.relative_to(ROOT).as_posix()}") == (
                path.read_bytes())
        info = f"gridgov-{__version__}.dist-info"
        assert whl.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        meta = whl.read(f"{info}/METADATA").decode()
    head, _, description = meta.partition("\n\n")
    assert f"Version: {__version__}" in head and f"Project-URL: Homepage, {HOME}" in head
    requires = [Requirement(line.removeprefix("Requires-Dist:").strip())
                for line in head.splitlines() if line.startswith("Requires-Dist:")]
    assert requires and not [r for r in requires
                             if any(s.operator in ("==", "===") for s in r.specifier)]
    assert "Provides-Extra: dashboard" in head and "Provides-Extra: dask" in head
    assert "grid governance" in description and relative_links(description) == []


def fresh_venv(where: Path) -> tuple[Path, Path]:
    """A virtualenv at ``where`` without pip whose third-party packages are this
    environment's (a plain path in a .pth file); its python and site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True,
                   timeout=120)
    python = where / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"], check=True,
                               capture_output=True, text=True).stdout.strip())
    (site / "gridgov-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, site


def test_the_installed_wheel_works_outside_the_source_tree(wheel: Path,
                                                           tmp_path: Path) -> None:
    python, site = fresh_venv(tmp_path / "venv")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--quiet", "--no-deps", str(wheel)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    gridgov = tmp_path / "venv" / "bin" / "gridgov"
    work = tmp_path / "work"  # an unrelated folder
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def run(*argv: str | Path, code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([str(a) for a in argv], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == code, done.stderr
        return done

    probe = ("import sys, simulation\nfrom simulation.sweeps.experiment import experiment_path\n"
             "from simulation.support.shipped import shipped_docs\nprint(simulation.__file__)\n"
             "print(experiment_path('policy_comparison'))\nprint(shipped_docs()['model'].path)\n"
             "print([getattr(f, '__module__', '') for f in sys.meta_path])\n")
    where = run(python, "-c", probe).stdout.splitlines()
    package = site / "simulation"
    assert Path(where[0]) == package / "__init__.py"  # the wheel's, not the source tree's
    assert Path(where[1]) == package / "experiments" / "policy_comparison.toml"
    assert Path(where[2]) == package / "docs" / "model.md"
    # the editable install's finder (a class in sys.meta_path, from .venv's .pth) is not
    # active here, though its folder is on sys.path
    assert "_frozen_importlib_external" in where[3] and "editable" not in where[3]
    assert run(python, "-m", "simulation", "--version").stdout == f"gridgov {__version__}\n"

    listing = run(gridgov, "experiments").stdout
    assert "policy_comparison       Staffing and volunteer-mobilisation" in listing
    assert str(package / "experiments") in listing
    run(gridgov, "experiments", "copy", "policy_comparison", ".")
    copy = work / "policy_comparison.toml"
    assert copy.read_bytes() == (ROOT / "experiments" / "policy_comparison.toml").read_bytes()
    copy.write_text(tiny(copy.read_text()))
    swept = run(gridgov, "sweep", copy.name, "--workers", "1", "--no-report", "--out", "r")
    assert "14 runs = 1 design points x 7 policies x 2 replications" in swept.stdout
    run(gridgov, "compare", "r")
    assert (work / "r" / "report" / "report.html").is_file()

    (work / "simulation.py").write_text("x = 1\n")  # the user's own file, named alike
    warned = run(gridgov, "--version")
    assert warned.stdout == f"gridgov {__version__}\n"
    assert warned.stderr.startswith(f"gridgov: warning: {work / 'simulation.py'} shadows "
                                    "gridgov's package `simulation`")
    session = run(python, "-c", "from simulation import GridGovernanceModel", code=1)
    assert "cannot import name 'GridGovernanceModel' from 'simulation'" in session.stderr


def tiny(text: str) -> str:
    """An experiment file made tiny: 40 days, 2 replications, a world of 2 small grids."""
    for key, value in (("days", 40), ("warmup_days", 10), ("followup_days", 10),
                       ("replications", 2)):
        text, n = re.subn(rf"(?m)^{key} = \d+", f"{key} = {value}", text)
        assert n == 1, key
    world = ('[fixed]\n"world.communities_per_street" = 1\n'
             '"world.grids_per_community_min" = 2\n"world.grids_per_community_max" = 2\n'
             '"world.households_per_grid_min" = 80\n"world.households_per_grid_max" = 100\n\n')
    return text.replace("[[policies]]", world + "[[policies]]", 1)
