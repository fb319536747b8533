"""Numbers and names as a policymaker reads them: labels, units, sensible precision,
intervals. Labels and units come from the outcome registry (simulation/measures/outcomes.py)."""

from __future__ import annotations

import math

from ...measures.outcomes import OUTCOMES


def metric_label(metric: str) -> str:
    """'mean resolution time (days from arising, resolved only)' for a metric name; the
    name in words for a name that is not an outcome."""
    outcome = OUTCOMES.get(metric)
    return outcome.label if outcome is not None else metric.replace("_", " ")


def _unit(metric: str) -> str:
    """The unit by which ``fmt`` prints ``metric``: the outcome's unit, or "" (a plain
    number) for an outcome printed bare or a name that is not an outcome."""
    outcome = OUTCOMES.get(metric)
    return outcome.unit if outcome is not None and outcome.print_unit else ""


def fmt(metric: str, value: float, signed: bool = False, unit: bool = True) -> str:
    """``value`` of ``metric`` with its unit and precision ('n/a' if not a number);
    ``unit=False`` drops the unit (e.g. inside an interval next to the estimate)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if not unit:
        text = fmt(metric, value, signed)
        for suffix in (" pp", "%", " d", " M¥", " ¥"):
            text = text.removesuffix(suffix)
        return text
    sign = "+" if signed and value > 0 else ""
    kind = _unit(metric)
    if kind == "share":
        return f"{sign}{value * 100:.1f}{' pp' if signed else '%'}"
    if kind == "days":
        return f"{sign}{value:.1f} d"
    if kind == "yuan per year":
        if abs(value) < 1e5:
            return f"{sign}{value:,.0f} ¥"
        return f"{sign}{value / 1e6:.2f} M¥"
    if kind == "trust (0-1)":
        return f"{sign}{value:.3f}"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{sign}{value:,.0f}"
    return f"{sign}{value:.3g}"


def fmt_interval(metric: str, estimate: float, low: float, high: float,
                 signed: bool = False) -> str:
    """'12.3 d [10.1 d, 14.0 d]'."""
    if not math.isfinite(estimate):
        return "n/a"
    if not (math.isfinite(low) and math.isfinite(high)) or low == high == estimate:
        return fmt(metric, estimate, signed)
    return f"{fmt(metric, estimate, signed)} [{fmt(metric, low, signed)}, " \
           f"{fmt(metric, high, signed)}]"


def fmt_p(p: float) -> str:
    """A p-value: 'p < 0.001' style."""
    if p is None or not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def fmt_difference(row: object) -> str:
    """A comparison row's difference from its baseline with its interval, signed."""
    return fmt_interval(row.metric, row.difference, row.difference_low,  # type: ignore[attr-defined]
                        row.difference_high, signed=True)  # type: ignore[attr-defined]


def fmt_width(metric: str, width: float) -> str:
    """The width of a difference interval: shares in percentage points."""
    return fmt(metric, width, signed=True).lstrip("+")


def replication_sentence(note: dict[str, object]) -> str:
    """The replication statement of ``comparison.replication_note`` in words."""
    pairs = (f"{note['pairs_min']}" if note["pairs_min"] == note["pairs_max"]
             else f"{note['pairs_min']}-{note['pairs_max']}")
    kind = "paired replications" if note.get("paired", True) else \
        "replications each (unpaired: the runs do not share seeds)"
    if int(note["pairs_max"]) < 2:  # one pair: an interval of zero width says nothing
        return (f"Each comparison rests on {pairs} {kind.replace('replications', 'replication')}: "
                "one replication gives no interval and no test, so no difference here can "
                "be told from chance; run at least 8 replications.")
    return (f"Each comparison rests on {pairs} {kind}. The widest difference "
            f"interval, relative to the baseline's median, is {note['widest_arm']} on "
            f"{metric_label(str(note['widest_metric']))} "
            f"(width {fmt_width(str(note['widest_metric']), float(note['widest_width']))}); "
            f"halving it needs about {note['halve_replications']} replications "
            f"({note['more_replications']} more).")
