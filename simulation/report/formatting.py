"""Numbers as a policymaker reads them: units, sensible precision, intervals."""

from __future__ import annotations

import math


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
    if metric.startswith("share") or metric == "active_volunteer_share" or metric == \
            "escalation_rate":
        return f"{sign}{value * 100:.1f}{' pp' if signed else '%'}"
    if metric.endswith("_days"):
        return f"{sign}{value:.1f} d"
    if metric.endswith("_yuan"):
        if abs(value) < 1e5:
            return f"{sign}{value:,.0f} ¥"
        return f"{sign}{value / 1e6:.2f} M¥"
    if "trust" in metric:
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
