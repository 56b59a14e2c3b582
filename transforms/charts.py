"""Charts as PNG bytes: the performance management chart, a plan's progression and the
runner-snapshot radar.

Pure functions (frames and dicts in, PNG bytes out; no files, no pyplot state): each figure
is drawn on its own Agg canvas and written by Pillow, so the output depends only on the
input and the library versions (the PNG carries no timestamp or software tag). An input
with nothing to draw raises `ValueError` saying what is missing, instead of producing an
empty picture.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.projections.polar import PolarAxes
from PIL import Image

from warehouse.vocabulary import PHASES

DPI = 100
CTL_COLOUR, ATL_COLOUR, LOAD_COLOUR = "#1f5fa8", "#d9480f", "#c9ced6"
PHASE_COLOURS = dict(
    zip(PHASES, ("#74c0fc", "#ffa94d", "#f03e3e", "#69db7c", "#adb5bd", "#b197fc"), strict=True)
)
HARD_COLOUR = "#212529"
RADAR_AXES = (
    ("endurance", "Endurance"),
    ("speed", "Speed"),
    ("recovery", "Recovery"),
    ("consistency", "Consistency"),
)
"""Runner-snapshot strengths (more is better) and their labels, clockwise from the top. Injury
risk (less is better) and race readiness (only with a race) are written apart, below: drawn
outward on the same radar, a high risk would read as a strength."""
FORM_ZONES = (
    ("High risk", -math.inf, -30.0, "#ffc9c9"),
    ("Optimal", -30.0, -10.0, "#b2f2bb"),
    ("Grey zone", -10.0, 5.0, "#e9ecef"),
    ("Fresh", 5.0, 25.0, "#a5d8ff"),
    ("Transition", 25.0, math.inf, "#ffec99"),
)
"""TrainingPeaks' form (TSB) zones, load units/day: -10 to -30 is productive training, not
danger; below -30 is high risk, above +25 fitness is being lost."""
PMC_COLUMNS = ("date", "training_load", "ctl", "atl", "tsb")


def _png(figure: Figure) -> bytes:
    """Render on Agg and store as a 256-colour PNG: charts are flat colours and text, so the
    palette looks the same and the file is about a third of full RGBA (it is embedded, as
    base64, in Dagster's metadata)."""
    canvas = FigureCanvasAgg(figure)
    figure.set_dpi(DPI)
    canvas.draw()
    rgba = Image.frombuffer(
        "RGBA", canvas.get_width_height(), bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1
    )
    palette = rgba.convert("RGB").quantize(
        256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="png", optimize=True)
    return buffer.getvalue()


def pmc_chart(daily: pl.DataFrame, title: str) -> bytes:
    """CTL (fitness), ATL (fatigue) and daily load bars over time, with TSB (form) below,
    from `terra.daily_summaries` rows of one runner (columns date, training_load, ctl, atl,
    tsb)."""
    missing = [c for c in PMC_COLUMNS if c not in daily.columns]
    if missing:
        raise ValueError(f"PMC chart needs the column(s) {', '.join(missing)}")
    days = daily.select(PMC_COLUMNS).drop_nulls(["date", "ctl", "atl"]).sort("date")
    if days.is_empty():
        raise ValueError("no daily summaries with CTL and ATL to draw a PMC chart from")
    dates = days["date"].to_list()
    load = days["training_load"].fill_null(0).to_list()
    form = days["tsb"].fill_null(0).to_list()

    figure = Figure(figsize=(10, 6.5), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))
    bars = top.twinx()
    bars.bar(dates, load, width=0.85, color=LOAD_COLOUR, label="Daily load")
    bars.set_ylabel("Daily load (load units)")
    bars.set_ylim(0, max(max(load), 1) * 1.6)
    top.set_zorder(bars.get_zorder() + 1)
    top.patch.set_visible(False)
    top.plot(dates, days["ctl"].to_list(), color=CTL_COLOUR, lw=2.2, label="CTL (fitness, 42 d)")
    top.plot(dates, days["atl"].to_list(), color=ATL_COLOUR, lw=1.6, label="ATL (fatigue, 7 d)")
    top.set_ylabel("CTL / ATL (load units/day)")
    highest = days.select(pl.max_horizontal(pl.col("ctl").max(), pl.col("atl").max())).item()
    top.set_ylim(0, max(highest or 0, 1) * 1.3)
    top.grid(alpha=0.3)
    handles = top.get_legend_handles_labels()[0] + bars.get_legend_handles_labels()[0]
    top.legend(handles=handles, loc="upper left", frameon=False)
    top.set_title(title, loc="left", fontweight="bold")

    low, high = min(-35.0, min(form) - 5), max(30.0, max(form) + 5)
    for name, lower, upper, colour in FORM_ZONES:
        bottom.axhspan(max(lower, low), min(upper, high), color=colour, alpha=0.6, lw=0)
        bottom.annotate(
            name,
            (1.0, (max(lower, low) + min(upper, high)) / 2),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=7,
            color="#495057",
        )
    bottom.set_ylim(low, high)
    bottom.plot(dates, form, color="#212529", lw=1.2)
    bottom.axhline(0, color="#495057", lw=0.8)
    bottom.set_ylabel("TSB, form\n(load units/day)")
    bottom.set_xlabel("Date")
    bottom.grid(alpha=0.3)
    locator = AutoDateLocator()
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return _png(figure)


def plan_progression_chart(
    weekly_plan: Sequence[Mapping[str, Any]],
    title: str,
    race_date: dt.date | None = None,
    roadmap: Sequence[Mapping[str, Any]] = (),
    milestones: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    """Planned km per week as bars coloured by phase (recovery weeks hatched and labelled),
    the hard share of running time as a line, and race day marked, from a plan's
    `weekly_plan` entries. With the runner's `roadmap` (plans.roadmaps rows) a panel above
    shows the whole roadmap - each phase's target weekly volume, the goal races, the
    milestones achieved - with this plan's weeks shaded."""
    weeks = sorted(
        (w for w in weekly_plan if w.get("week_number") is not None),
        key=lambda w: w["week_number"],
    )
    if not weeks:
        raise ValueError("the plan has no weeks to draw a progression chart from")
    numbers = [w["week_number"] for w in weeks]
    volume = [w.get("planned_volume_km") or 0.0 for w in weeks]
    hard = [(w.get("intensity_distribution") or {}).get("hard_percentage") for w in weeks]
    recovery = [bool(w.get("is_recovery_week")) for w in weeks]

    if roadmap:
        figure = Figure(figsize=(10, 8.5), layout="constrained")
        above, axes = figure.subplots(2, 1, height_ratios=(2, 3))
        plan_days = (weeks[0].get("start_date"), weeks[-1].get("end_date"))
        _roadmap_panel(above, roadmap, milestones, plan_days)
    else:
        figure = Figure(figsize=(10, 5.5), layout="constrained")
        axes = figure.subplots()
    bars = axes.bar(
        numbers,
        volume,
        width=0.75,
        color=[PHASE_COLOURS.get(w.get("phase") or "", "#dee2e6") for w in weeks],
        edgecolor="#343a40",
        linewidth=0.6,
    )
    top = max(max(volume), 1.0)
    for bar, is_recovery in zip(bars, recovery, strict=True):
        if is_recovery:
            bar.set_hatch("///")
            axes.annotate(
                "lighter",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
    axes.set_ylim(0, top * 1.3)
    axes.set_xlabel("Plan week")
    axes.set_ylabel("Planned volume (km)")
    axes.set_xticks(numbers)
    if len(numbers) > 20:
        axes.tick_params(axis="x", labelsize=7)
    axes.grid(axis="y", alpha=0.3)
    axes.set_title(title, loc="left", fontweight="bold")

    intensity = axes.twinx()
    intensity.plot(
        [n for n, h in zip(numbers, hard, strict=True) if h is not None],
        [h for h in hard if h is not None],
        color=HARD_COLOUR,
        marker="o",
        markersize=4,
        lw=1.5,
    )
    intensity.set_ylim(0, 100)
    intensity.set_ylabel("Hard share of running time (%)")

    handles: list[Any] = [
        Patch(facecolor=PHASE_COLOURS[phase], edgecolor="#343a40", label=f"{phase} phase")
        for phase in PHASES
        if any(w.get("phase") == phase for w in weeks)
    ]
    if any(recovery):
        handles.append(
            Patch(facecolor="white", edgecolor="#343a40", hatch="///", label="Lighter week")
        )
    handles.append(Line2D([], [], color=HARD_COLOUR, marker="o", label="Hard %"))
    race_week = _week_of(weeks, race_date)
    if race_week is not None and race_date is not None:
        axes.axvline(race_week, color="#c92a2a", lw=2, ls="--")
        axes.annotate(
            f"Race day\n{race_date:%d %b %Y}",
            (race_week, top * 1.22),
            ha="right",
            va="top",
            color="#c92a2a",
            fontsize=9,
            xytext=(-4, 0),
            textcoords="offset points",
        )
        handles.append(Line2D([], [], color="#c92a2a", ls="--", label="Race day"))
    axes.legend(handles=handles, loc="upper left", frameon=False, ncols=min(len(handles), 4))
    return _png(figure)


ROADMAP_COLOURS = {**PHASE_COLOURS, "Mini-taper": "#b2f2bb"}
GOAL_COLOUR = "#c92a2a"


def _roadmap_panel(
    axes: Any,
    roadmap: Sequence[Mapping[str, Any]],
    milestones: Sequence[Mapping[str, Any]],
    plan_days: tuple[dt.date | None, dt.date | None],
) -> None:
    """The roadmap as a step line of target weekly km over phase-coloured spans, each goal
    race a dashed line with its priority, achieved milestones as ticks, this plan shaded."""
    phases = sorted(roadmap, key=lambda p: p["phase_number"])
    for phase in phases:
        end = phase["end_date"] + dt.timedelta(days=1)
        axes.axvspan(
            phase["start_date"], end, color=ROADMAP_COLOURS.get(phase["phase_name"]), alpha=0.35
        )
        axes.hlines(phase["target_volume_km"] or 0, phase["start_date"], end, color="#343a40")
    top = max((p["target_volume_km"] or 0 for p in phases), default=0) or 1.0
    first, last = plan_days
    if first is not None and last is not None:
        axes.axvspan(first, last + dt.timedelta(days=1), ymax=0.08, color="#343a40")
    races = [m for m in milestones if m.get("target_metric") == "race_seconds"]
    for race in races:
        axes.axvline(race["target_date"], color=GOAL_COLOUR, lw=1.5, ls="--")
        axes.annotate(
            race["milestone_name"],
            (race["target_date"], top * 1.25),
            rotation=90,
            ha="right",
            va="top",
            fontsize=7,
            color=GOAL_COLOUR,
        )
    reached = [m for m in milestones if m.get("achieved") and m.get("achieved_date")]
    axes.plot(
        [m["achieved_date"] for m in reached],
        [top * 1.05] * len(reached),
        "v",
        color="#2b8a3e",
        markersize=6,
    )
    axes.set_ylim(0, top * 1.3)
    axes.set_ylabel("Target volume\n(km/week)")
    axes.set_title("Roadmap to every goal", loc="left", fontsize=10)
    axes.grid(axis="y", alpha=0.3)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    shown = dict.fromkeys(p["phase_name"] for p in phases)
    handles: list[Any] = [
        Patch(color=ROADMAP_COLOURS.get(name), alpha=0.35, label=name) for name in shown
    ]
    handles += [
        Line2D([], [], color="#343a40", label="Target km/week"),
        Patch(color="#343a40", label="This plan"),
        Line2D([], [], color=GOAL_COLOUR, ls="--", label="Goal race"),
    ]
    if reached:
        handles.append(
            Line2D([], [], color="#2b8a3e", marker="v", ls="", label="Milestone achieved")
        )
    axes.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        frameon=False,
        ncols=6,
        fontsize=8,
    )


def _week_of(weeks: Sequence[Mapping[str, Any]], day: dt.date | None) -> float | None:
    """Where `day` falls on the week axis (week number, plus the fraction of that week)."""
    if day is None:
        return None
    for week in weeks:
        start, end = week.get("start_date"), week.get("end_date")
        if start is not None and end is not None and start <= day <= end:
            return week["week_number"] - 0.5 + ((day - start).days + 0.5) / 7
    return None


def _apart(snapshot: Mapping[str, Any], has_race: bool) -> str:
    """Injury risk and race readiness in words, apart from the strengths."""
    risk = (snapshot.get("injury_risk") or {}).get("score")
    ready = (snapshot.get("race_ready") or {}).get("score")
    parts = [f"Injury risk {'no data' if risk is None else f'{risk:.0f}/100'} (lower is better)"]
    if has_race:
        parts.append(f"race readiness {'no data' if ready is None else f'{ready:.0f}/100'}")
    else:
        parts.append("no race set, so no race readiness")
    return "; ".join(parts)


def snapshot_radar_chart(snapshot: Mapping[str, Any], title: str, has_race: bool = True) -> bytes:
    """The runner snapshot's four strengths (scores 0-100, more is better) on a radar, injury
    risk and race readiness written apart below it. Uncertain axes — and axes without a
    score, drawn at 0 — get dashed spokes, hollow markers and an "estimated" label."""
    axes_data = [(label, (snapshot.get(field) or {})) for field, label in RADAR_AXES]
    if all(axis.get("score") is None for _, axis in axes_data):
        raise ValueError("the runner snapshot has no scores to draw a radar from")
    scores = [float(axis.get("score") or 0.0) for _, axis in axes_data]
    unsure = [bool(axis.get("uncertain")) or axis.get("score") is None for _, axis in axes_data]
    angles = [2 * math.pi * i / len(RADAR_AXES) for i in range(len(RADAR_AXES))]

    figure = Figure(figsize=(8, 7.5), layout="constrained")
    radar = cast(PolarAxes, figure.add_subplot(projection="polar"))
    radar.set_theta_offset(math.pi / 2)
    radar.set_theta_direction(-1)
    radar.set_ylim(0, 100)
    radar.set_rgrids((20, 40, 60, 80, 100), angle=90, fontsize=8, color="#868e96")
    radar.fill(angles, scores, color=CTL_COLOUR, alpha=0.2)
    count = len(angles)
    for i in range(count):
        j = (i + 1) % count
        dashed = unsure[i] or unsure[j]
        radar.plot(
            [angles[i], angles[j]],
            [scores[i], scores[j]],
            color=CTL_COLOUR,
            lw=2,
            ls="--" if dashed else "-",
        )
    for angle, score, estimated in zip(angles, scores, unsure, strict=True):
        if estimated:
            radar.plot([angle, angle], [0, score], color=CTL_COLOUR, lw=1, ls=":")
        radar.plot(
            angle,
            score,
            marker="o",
            markersize=9,
            markerfacecolor="white" if estimated else CTL_COLOUR,
            markeredgecolor=CTL_COLOUR,
            markeredgewidth=2,
        )
    labels = []
    for (label, axis), score, estimated in zip(axes_data, scores, unsure, strict=True):
        shown = "no data" if axis.get("score") is None else f"{score:.0f}"
        labels.append(f"{label}\n{shown}" + (" (estimated)" if estimated else ""))
    radar.set_xticks(angles)
    radar.set_xticklabels(labels, fontsize=10)
    radar.tick_params(axis="x", pad=14)
    radar.set_title(title, fontweight="bold", pad=24)
    figure.supxlabel(
        f"{_apart(snapshot, has_race)}\nStrengths 0-100, more is better. Dashed lines and "
        "hollow markers: estimated from thin data.",
        fontsize=9,
        color="#495057",
    )
    return _png(figure)
