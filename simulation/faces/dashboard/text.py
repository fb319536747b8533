"""Every word the dashboard shows, in English and Chinese (``gridgov dashboard --lang zh``).

:func:`tr` looks a phrase up by key and fills its ``{fields}``. A lever control's words
(:data:`LEVER_WORDS`, by the control's name in ``controls.py``) are its label, unit,
meaning and settings-line phrase; :func:`lever_tooltip` adds what the parameter registry
holds (key, valid range, source). Sources are citations and stay in their original words in
both languages.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .controls import CONTROLS

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "gridgov: {scenario} — grid governance dashboard",
        "run_card": "Run",
        "levers_card": "Levers (take effect at “New run”)",
        "export_card": "Export",
        "day_now": "Day {day}",
        "warmup_note": "Days 0–{last} were warm-up: the run started from that state.",
        "no_warmup": "No warm-up: the run started empty on day 0.",
        "warming": "Warming up: day {day} of {goal}…",
        "play": "▶ Play",
        "pause": "❚❚ Pause",
        "step": "Step {days} d",
        "speed": "Speed: days per frame",
        "speed_value": "{days} d per frame",
        "rate": "Last played at {rate:.0f} days per second (a year in ~{year:.0f} s).",
        "run_to": "Run to day",
        "run_to_button": "Run to day {day}",
        "new_run": "New run with these settings",
        "pending": "Changed: press “New run” to apply (the charts show the run below).",
        "series_csv": "Daily series (CSV)",
        "cases_csv": "Case log: one row per issue (CSV)",
        "export_note": "Everything up to day {day}, warm-up included (column “day”).",
        "seed": "Seed (whole number ≥ 0)",
        "seed_tip": "Random seed: the same seed and levers give the same run.",
        "warmup": "Warm-up: {value} days",
        "warmup_tip": "Days run with these levers before the charts start (the sweeps use "
                      "365: experiments/policy_comparison.toml). 0 starts from an empty city "
                      "(no issues yet), whose first weeks look worse only while it fills.",
        "on": "on",
        "off": "off",
        "run_settings": "This run: {levers} · warm-up {warm} d · seed {seed}",
        "bad_seed": "seed {text} is not a whole number ≥ 0: used {seed}",
        "stopped": "Stopped at day {day}: the dashboard plays at most {cap} days (gridgov "
                   "dashboard --max-days), as each day adds to the memory a model holds. "
                   "“New run” starts again; `gridgov run --days` runs longer.",
        "lever_warning": "A lever cannot act in this run ({lever}):",
        "overloaded": "{n} service point(s) overloaded: offered load up to {rho:.2f} ≥ 1, so "
                      "their queues never settle and waiting times grow with the run's length.",
        "busy": "The dashboard is busy: {n} tab(s) are using it, its limit (gridgov dashboard "
                "--max-sessions). Close a tab you no longer need, or reload this page in a "
                "minute.",
        "error": "The run stopped with an error: {error}",
        "map_title": "The community's grids on day {day}",
        "colour_trust": "mean trust",
        "colour_open": "open issues",
        "scale_absolute": "absolute scale",
        "scale_relative": "this day's range",
        "cbar_trust": "residents' mean trust (0–1)",
        "cbar_open": "open issues in the grid (count)",
        "legend_workers": "▲ grid workers (bigger: more)",
        "legend_party": "● Party members (red)",
        "legend_volunteers": "● active volunteers (blue)",
        "legend_dedicated": "red edge: dedicated grid (a school, hospital, …)",
        "legend_grey": "grey: no residents (dedicated grid), so no trust",
        "map_note": "Schematic: one square per grid, blocks are communities; not geography.",
        "day_axis": "day",
        "warmup_band": "warm-up",
        "issues_title": "Open and hidden issues",
        "issues_axis": "issues (count)",
        "open_line": "open: known, not yet closed",
        "hidden_line": "hidden: arisen, not yet known",
        "times_title": "Resolution time of the issues resolved each day",
        "times_axis": "known → resolved (days)",
        "times_dots": "mean of the day's resolved issues",
        "none_yet": "none yet",
        "trust_title": "Residents' mean trust",
        "trust_axis": "mean trust (0–1)",
        "trust_line": "mean over all residents",
        "volunteers_title": "Volunteers by stage",
        "volunteers_axis": "volunteers (people)",
        "watching": "watching (看着干)",
        "following": "following (跟着干)",
        "self_driven": "self-driven (主动干)",
        "unit": "Unit",
        "range": "The model allows",
        "source": "Source",
        "mob_none": "none",
        "mob_party_led": "Party-led (党员带头)",
        "mob_campaign": "campaign (集中动员)",
    },
    "zh": {
        "title": "gridgov：情景 {scenario} — 网格化治理仪表板",
        "run_card": "运行",
        "levers_card": "政策杠杆（点击“新运行”后生效）",
        "export_card": "导出",
        "day_now": "第 {day} 天",
        "warmup_note": "第 0–{last} 天为预热期：本次运行从预热后的状态开始。",
        "no_warmup": "无预热：本次运行从第 0 天的空状态开始。",
        "warming": "预热中：第 {day} / {goal} 天……",
        "play": "▶ 播放",
        "pause": "❚❚ 暂停",
        "step": "前进 {days} 天",
        "speed": "速度：每帧天数",
        "speed_value": "每帧 {days} 天",
        "rate": "上次播放速度：每秒 {rate:.0f} 天（一年约 {year:.0f} 秒）。",
        "run_to": "运行到第几天",
        "run_to_button": "运行到第 {day} 天",
        "new_run": "按当前设置新运行",
        "pending": "设置已更改：点击“新运行”后生效（图表显示的仍是当前运行）。",
        "series_csv": "每日时间序列（CSV）",
        "cases_csv": "案件记录：每个问题一行（CSV）",
        "export_note": "截至第 {day} 天的全部数据，含预热期（“day”列）。",
        "seed": "随机种子（≥ 0 的整数）",
        "seed_tip": "随机种子：相同的种子和杠杆设置得到相同的运行结果。",
        "warmup": "预热：{value} 天",
        "warmup_tip": "图表开始前按这些杠杆先运行的天数（批量实验用 365 天：experiments/"
                      "policy_comparison.toml）。0 表示从空城市开始（尚无问题），"
                      "最初几周的“变差”只是问题逐渐积累。",
        "on": "开",
        "off": "关",
        "run_settings": "本次运行：{levers} · 预热 {warm} 天 · 随机种子 {seed}",
        "bad_seed": "随机种子 {text} 不是 ≥ 0 的整数：已改用 {seed}",
        "stopped": "已在第 {day} 天停止：仪表板每次最多运行 {cap} 天（gridgov dashboard "
                   "--max-days），因为每多一天模型占用的内存就更多。"
                   "点击“新运行”重新开始；更长的运行请用 `gridgov run --days`。",
        "lever_warning": "本次运行中有政策杠杆无法起作用（{lever}）：",
        "overloaded": "{n} 个服务点超负荷：负荷率最高 {rho:.2f} ≥ 1，其排队永远无法消化，"
                      "等待时间随运行时长不断增加。",
        "busy": "仪表板繁忙：已有 {n} 个标签页在使用，已达上限（gridgov dashboard "
                "--max-sessions）。请关闭不再需要的标签页，或一分钟后刷新本页。",
        "error": "运行因错误停止：{error}",
        "map_title": "第 {day} 天的社区网格",
        "colour_trust": "平均信任度",
        "colour_open": "待办问题",
        "scale_absolute": "绝对刻度",
        "scale_relative": "当天范围",
        "cbar_trust": "居民平均信任度（0–1）",
        "cbar_open": "网格内待办问题（件）",
        "legend_workers": "▲ 网格员（越大越多）",
        "legend_party": "● 党员（红）",
        "legend_volunteers": "● 活跃志愿者（蓝）",
        "legend_dedicated": "红边：专属网格（学校、医院等）",
        "legend_grey": "灰色：无居民（专属网格），无信任度",
        "map_note": "示意图：每个方块是一个网格，方块组为社区；不代表地理位置。",
        "day_axis": "天",
        "warmup_band": "预热期",
        "issues_title": "待办与隐藏问题",
        "issues_axis": "问题数（件）",
        "open_line": "待办：已知、尚未结案",
        "hidden_line": "隐藏：已发生、尚未知晓",
        "times_title": "每日办结问题的办理时长",
        "times_axis": "从知晓到办结（天）",
        "times_dots": "当天办结问题的平均值",
        "none_yet": "暂无",
        "trust_title": "居民平均信任度",
        "trust_axis": "平均信任度（0–1）",
        "trust_line": "全体居民的平均值",
        "volunteers_title": "各阶段志愿者人数",
        "volunteers_axis": "志愿者（人）",
        "watching": "看着干",
        "following": "跟着干",
        "self_driven": "主动干",
        "unit": "单位",
        "range": "模型允许取值",
        "source": "来源（原文）",
        "mob_none": "无",
        "mob_party_led": "党员带头",
        "mob_campaign": "集中动员",
    },
}


class LeverWords(NamedTuple):
    """A lever control's words in one language."""

    label: str  # beside the control
    unit: str  # after a number's value ("" for a switch or a choice)
    meaning: str | None  # the tooltip's first line; None: the registry's own doc (English)
    setting: str  # the run's value in its settings line ("{value}": the value in words)


# Each control's words (controls.py: CONTROLS, the same names) in each language.
LEVER_WORDS: dict[str, dict[str, LeverWords]] = {
    "households_per_worker": {
        "en": LeverWords("Households per grid worker", "households", None,
                         "{value:g} households per worker"),
        "zh": LeverWords("每名网格员负责的户数", "户", "每名网格员负责的户数；超过一个网格的"
                         "户数时，一名网格员负责多个网格。", "每名网格员 {value:g} 户")},
    "visits_per_worker_day": {
        "en": LeverWords("Door-to-door visits per worker-day", "households/working day", None,
                         "{value:g} visits per worker-day"),
        "zh": LeverWords("每名网格员每个工作日走访户数", "户/工作日", "网格员每个工作日上门走访的"
                         "户数（走家串户）。", "每工作日走访 {value:g} 户")},
    "party_branch": {
        "en": LeverWords("Party branch in the grid", "", None, "Party branch {value}"),
        "zh": LeverWords("党支部建在网格上", "", "每个网格的党员组成党支部（至少达到最低人数）。",
                         "党支部 {value}")},
    "mobilisation": {
        "en": LeverWords("Volunteer mobilisation", "", None, "mobilisation {value}"),
        "zh": LeverWords("志愿者动员", "", "志愿者动员政策：无、党员带头或集中动员。",
                         "志愿者动员 {value}")},
    "mediation_centre": {
        "en": LeverWords("One-stop mediation centre", "", None, "mediation centre {value}"),
        "zh": LeverWords("一站式矛盾纠纷多元调解中心", "", "从网格上报的纠纷直接交由一站式调解中心"
                         "处理。", "调解中心 {value}")},
    "digital_platform": {
        "en": LeverWords("Digital reporting platform", "", None, "platform {value}"),
        "zh": LeverWords("数字化上报平台", "", "60 岁以下居民可在平台上报问题：更快、更常上报。",
                         "数字平台 {value}")},
}


def tr(lang: str, key: str, **fields: Any) -> str:
    """The phrase ``key`` in ``lang`` ("en" or "zh") with ``fields`` filled in."""
    return TEXT[lang][key].format(**fields)


def option_label(lang: str, mode: str) -> str:
    """A mobilisation mode (``party_led``) in words."""
    return tr(lang, f"mob_{mode}")


def lever_label(lang: str, name: str, value: Any) -> str:
    """A lever control's name with its value and unit, e.g. "Households per grid worker:
    300 households" (switches and choices show no value here: the control shows it)."""
    words = LEVER_WORDS[name][lang]
    if CONTROLS[name].kind != "slider":
        return words.label
    sep = "：" if lang == "zh" else ": "
    return f"{words.label}{sep}{value:g} {words.unit}".rstrip()


def lever_setting(lang: str, name: str, value: Any) -> str:
    """A lever control's value as the run's settings line shows it, e.g. "300 households
    per worker", "Party branch off", "mobilisation Party-led (党员带头)"."""
    kind = CONTROLS[name].kind
    if kind == "switch":
        value = tr(lang, "on" if value else "off")
    elif kind == "choice":
        value = option_label(lang, value)
    return LEVER_WORDS[name][lang].setting.format(value=value)


def lever_tooltip(lang: str, name: str) -> str:
    """What a lever control means, its unit, valid values and source (the parameter
    registry)."""
    spec = CONTROLS[name].param
    words = LEVER_WORDS[name][lang]
    lines = [words.meaning or spec.doc, f"{spec.key}"]
    if words.unit:
        lines.append(f"{tr(lang, 'unit')}: {words.unit}")
    if spec.choices:
        lines.append(f"{tr(lang, 'range')}: "
                     + " / ".join(option_label(lang, c) for c in spec.choices))
    elif spec.low is not None:
        lines.append(f"{tr(lang, 'range')}: {spec.low:g} – {spec.high:g}")
    lines.append(f"{tr(lang, 'source')}: {spec.source}")
    return "\n".join(lines)


def all_text(lang: str) -> list[str]:
    """Every fixed string the dashboard shows in ``lang`` (for the glyph check)."""
    out = list(TEXT[lang].values())
    for words in LEVER_WORDS.values():
        out += [s for s in words[lang] if s]
    return out
