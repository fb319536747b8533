"""``gridgov experiments``, ``gridgov experiments copy NAME [DIR]`` and ``gridgov docs
[NAME]``: the experiment files and docs gridgov ships (:mod:`simulation.support.shipped`), wherever
it is installed."""

from __future__ import annotations

import argparse
import shutil
import textwrap
from pathlib import Path

from ...support.errors import UsageError
from ...support.shipped import Shipped, docs_dir, experiments_dir, shipped_docs, shipped_experiments

WIDTH = 100  # a terminal's columns: longer descriptions wrap under themselves


def _print_listing(items: dict[str, Shipped]) -> None:
    """An item's name and what it is, wrapped to :data:`WIDTH` columns under the text."""
    width = max(map(len, items), default=0)
    for name, item in items.items():
        print(textwrap.fill(item.description, WIDTH, initial_indent=f"{name:<{width}}  ",
                            subsequent_indent=" " * (width + 2)))


def listing(args: argparse.Namespace) -> int:
    """Each shipped experiment's name and description, then where they are and how to copy
    or run one."""
    items = shipped_experiments()
    if not items:
        raise UsageError(f"no experiment files found in {experiments_dir()}: this "
                         "installation of gridgov is incomplete; reinstall it")
    _print_listing(items)
    print(f"\nin {experiments_dir()}\n`gridgov sweep NAME` runs one; `gridgov experiments "
          "copy NAME [DIR]` copies one to edit")
    return 0


def _shipped_experiment(name: str) -> Shipped:
    """The shipped experiment ``name``, or UsageError listing them."""
    items = shipped_experiments()
    if name not in items:
        raise UsageError(f"unknown experiment {name!r}; gridgov ships: {', '.join(items)}")
    return items[name]


def copy(args: argparse.Namespace) -> int:
    """Copy a shipped experiment file into DIR (made if missing) as NAME.toml; never over
    an existing file."""
    item = _shipped_experiment(args.name)
    folder = Path(args.folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{args.folder!r} is a file, not a folder")
    target = folder / item.path.name
    if target.exists() or target.is_symlink():
        raise UsageError(f"{target} exists already; move it away or copy into another "
                         "folder (gridgov experiments copy NAME DIR)")
    folder.mkdir(parents=True, exist_ok=True)
    with item.path.open("rb") as src, target.open("xb") as dst:  # "x": never overwrite
        shutil.copyfileobj(src, dst)
    print(f"wrote {target}: edit it, then `gridgov sweep {target}`")
    return 0


def docs(args: argparse.Namespace) -> int:
    """The shipped docs with their titles, or (NAME) one doc's path."""
    items = shipped_docs()
    if args.name is not None:
        name = args.name.removesuffix(".md")
        if name not in items:
            raise UsageError(f"unknown doc {args.name!r}; gridgov ships: {', '.join(items)}")
        print(items[name].path)
        return 0
    if not items:
        raise UsageError(f"no docs found in {docs_dir()}: this installation of gridgov is "
                         "incomplete; reinstall it")
    _print_listing(items)
    print(f"\nin {docs_dir()} (Markdown; `gridgov docs NAME` prints one's path)")
    return 0
