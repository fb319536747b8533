"""What gridgov ships beside its code, and where it is: the experiment files and the docs.

The repository keeps them once, at its top (``experiments/``, ``docs/``); the wheel carries
them inside the package (``simulation/experiments/``, ``simulation/docs/``: pyproject.toml's
``package-dir``). :func:`experiments_dir` and :func:`docs_dir` find them in either layout,
so a clone, an editable install and an installed wheel behave alike.

Also here: what in a folder would be imported as ``simulation`` instead of gridgov's package
(:func:`shadowing`), and the package index's description, README.md with absolute links
(:func:`pypi_readme`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.machinery import PathFinder
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # gridgov's package folder, simulation/


def _shipped(name: str) -> Path:
    """``simulation/NAME`` in an installed wheel, else ``NAME`` beside the package (a
    clone or an editable install)."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


def experiments_dir() -> Path:
    """The folder of the shipped experiment files."""
    return _shipped("experiments")


def docs_dir() -> Path:
    """The folder of the shipped docs."""
    return _shipped("docs")


@dataclass(frozen=True)
class Shipped:
    """A shipped file: its name (the file name without ``.toml`` / ``.md``), path, and a
    line saying what it is."""

    name: str
    path: Path
    description: str


def shipped_experiments() -> dict[str, Shipped]:
    """The shipped experiment files by name, each with its [experiment] description (else
    the first sentence of the comment it opens with)."""
    out = {}
    for path in sorted(experiments_dir().glob("*.toml")):
        text = path.read_text(encoding="utf-8-sig")
        try:
            table = tomllib.loads(text).get("experiment", {})
        except tomllib.TOMLDecodeError:
            table = {}
        description = table.get("description") if isinstance(table, dict) else None
        out[path.stem] = Shipped(path.stem, path, str(description or _opening_comment(text)))
    return out


def _opening_comment(text: str) -> str:
    """The first sentence of the comment lines a file opens with ("" if none)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    words = " ".join(lines)
    end = re.search(r"[.:;]\s+[A-Z(]|\.$", words)  # a full stop before a capital: a sentence
    return words[:end.start() + 1] if end else words


def shipped_docs() -> dict[str, Shipped]:
    """The shipped docs by name, each with its first heading."""
    out = {}
    for path in sorted(docs_dir().glob("*.md")):
        heading = next((line.lstrip("#").strip() for line in
                        path.read_text(encoding="utf-8").splitlines()
                        if line.startswith("#")), "")
        out[path.stem] = Shipped(path.stem, path, heading)
    return out


def shadowing(folder: Path | None = None) -> Path | None:
    """What in ``folder`` (the current one) Python would import as ``simulation`` instead
    of gridgov's package: a ``simulation.py``, or a ``simulation/`` package that is not
    this one (None if nothing; a ``simulation/`` folder without ``__init__.py`` is a
    namespace portion and does not shadow an installed package)."""
    folder = Path.cwd() if folder is None else folder
    try:
        spec = PathFinder.find_spec("simulation", [str(folder)])
    except (ImportError, OSError, ValueError):
        return None
    if spec is None or spec.origin in (None, "namespace"):
        return None
    origin = Path(spec.origin).resolve()
    return None if origin == PACKAGE / "__init__.py" else origin


def shadowing_warning(folder: Path | None = None) -> str:
    """One line naming what shadows gridgov's package in ``folder`` ("" if nothing)."""
    origin = shadowing(folder)
    if origin is None:
        return ""
    shown = origin.parent if origin.name == "__init__.py" else origin
    return (f"{shown}{'/' if shown.is_dir() else ''} shadows gridgov's package `simulation`: "
            "Python sessions and notebooks started in this folder import it instead of "
            f"gridgov ({PACKAGE}); rename it")


LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(([^)\s]+)\)")  # [text](target), ![alt](target)


def absolute_links(markdown: str, home: str, branch: str = "main") -> str:
    """``markdown`` with every relative link made absolute on the repository at ``home``
    (a GitHub project's address): files under ``blob/``, images under ``raw/``."""

    def fix(m: re.Match) -> str:
        bang, text, target = m.groups()
        if re.match(r"[a-z][a-z0-9+.-]*:|#|/", target, re.IGNORECASE):  # absolute already
            return m.group(0)
        kind = "raw" if bang else "blob"
        return f"{bang}[{text}]({home.rstrip('/')}/{kind}/{branch}/{target.removeprefix('./')})"

    return LINK.sub(fix, markdown)


PYPI_NOTE = "<!-- Made from README.md by `make readme`: edit README.md, not this file. -->\n"


def pypi_readme(root: Path) -> str:
    """The package index's description (docs/pypi.md): ``root``'s README.md with absolute
    links on the project's Homepage (pyproject.toml's [project.urls])."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    readme = (root / "README.md").read_text(encoding="utf-8")
    return PYPI_NOTE + absolute_links(readme, project["urls"]["Homepage"])


def write_pypi_readme(root: Path = PACKAGE.parent) -> Path:
    """Rewrite ``root``/docs/pypi.md from README.md (``make readme``); its path."""
    path = root / "docs" / "pypi.md"
    path.write_text(pypi_readme(root), encoding="utf-8")
    return path
