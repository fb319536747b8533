"""report.html's frame: one self-contained page (figures embedded as data URIs, no
network), its style sheet and script, and what sections share to write their parts."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape
from pathlib import Path

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.88em}
th,td{border:1px solid #ddd;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;white-space:nowrap}
tr.base td{background:#f8f8f8;font-style:italic}
.better{color:#1a7f37;font-weight:600}.worse{color:#c62828;font-weight:600}
.unclear{color:#777}.unstable{color:#8a5a00;font-style:italic}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}.meta{color:#555;font-size:.9em}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em .8em}
.wide{overflow-x:auto}table.summary{font-size:.8em}table.summary th{font-weight:600}
.ci{font-weight:400;font-size:.85em;color:#666}
"""

# Counts the figures the browser decoded, so a headless browser can check that every
# embedded image renders (tests/analysis/test_report.py).
SCRIPT = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-figures-rendered", String(ok));
});
"""


def join(parts: Iterable[str]) -> str:
    """The non-empty ``parts``, one per line."""
    return "\n".join(p for p in parts if p)


def page(title: str, figures: int, parts: Iterable[str]) -> str:
    """The whole page: ``parts`` (the sections' HTML, in order) in a document titled
    ``title`` that shows ``figures`` images."""
    return join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                 f"<title>gridgov report: {escape(title)}</title><style>{STYLE}</style></head>",
                 f'<body data-figures="{figures}" data-figures-rendered="0">',
                 *parts, f"<script>{SCRIPT}</script></body></html>"])


def embedded_figure(name: str, path: Path, caption: str) -> str:
    """The PNG in ``path`` embedded in the page, with its caption and file name."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure id="fig-{name}"><img alt="{escape(name)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{escape(caption)} '
            f"({escape(path.name)})</figcaption></figure>")


def verdict_class(verdict: str) -> str:
    """The style class that colours a verdict: better, worse, unclear or unstable."""
    if verdict.startswith("unstable") or "(unstable" in verdict:
        return "unstable"
    if verdict.startswith(("better", "cheaper")):
        return "better"
    if verdict.startswith(("worse", "dearer")):
        return "worse"
    return "unclear"
