"""A deterministic training-state machine, evaluated once per day per runner.

Windows end on the evaluated day: 7-day volume (km) and load, the 28-day and 90-day
weekly averages (window total x 7 / the days of the window that exist: a runner with 40
days of data has a 40-day "90-day" average, not a total divided by 90). TSB comes from
CTL and ATL seeded with the first 28 days' mean load (`physiology.performance_management`).
The candidate state for a day is the first rule that holds:

| state             | rule                                                                |
|-------------------|---------------------------------------------------------------------|
| Injury Protection | ACWR (7-day load / 28-day weekly load) >= 2.0                        |
| Injury Watch      | ACWR >= 1.5                                                          |
| Taper             | a goal race within 21 days and 7-day volume <= 80 % of 28-day weekly |
| Overreach         | 7-day load >= 130 % of the 28-day weekly load and TSB < -20          |
| Slump             | 7-day volume < 50 % of 28-day weekly, and 28-day weekly < 80 % of    |
|                   | 90-day weekly                                                        |
| Rebuild           | coming from Slump/Injury*, 7-day volume back to 70 %+ of 28-day      |
|                   | weekly but the 28-day weekly still under the 90-day weekly           |
| Probe             | 7-day volume 110-130 % of 28-day weekly                              |
| Stable            | otherwise                                                            |

Days are evaluated once the runner has 28 days of history (before that there is no chronic
load to compare with). Override Active is only ever set by a coach, never inferred. A move
to a new state needs its rule to hold two days running (one bad day is noise), except the
injury states, which apply at once. Every move is a transition row with the window figures
and a rationale.

Momentum: the current and longest streak of consecutive days with a run, consistency = the
share of the last 12 weeks with at least two runs, overreach count = moves into Overreach,
breakthrough count = Probe periods that end in Stable with the 28-day weekly volume at
least 10 % above the 90-day weekly volume (a higher load absorbed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

IMMEDIATE = ("Injury Protection", "Injury Watch")
WARMUP_DAYS = 28
CONFIRM_DAYS = 2
TAPER_DAYS = 21


@dataclass(frozen=True)
class Windows:
    volume_7d: float
    load_7d: float
    runs_7d: int
    weekly_volume_28d: float
    weekly_load_28d: float
    weekly_volume_90d: float
    tsb: float
    volume_28d: float
    volume_90d: float
    runs_28d: int
    runs_90d: int
    load_28d: float
    load_90d: float


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def candidate_state(w: Windows, previous: str, race_in_days: int | None) -> tuple[str, str]:
    """(state, the rule that fired) for one day."""
    acwr = _ratio(w.load_7d, w.weekly_load_28d)
    volume_share = _ratio(w.volume_7d, w.weekly_volume_28d)
    if acwr is not None and acwr >= 2.0:
        return "Injury Protection", f"ACWR {acwr:.2f} >= 2.0"
    if acwr is not None and acwr >= 1.5:
        return "Injury Watch", f"ACWR {acwr:.2f} >= 1.5"
    if (
        race_in_days is not None
        and 0 <= race_in_days <= TAPER_DAYS
        and volume_share is not None
        and volume_share <= 0.8
    ):
        return "Taper", f"race in {race_in_days} days and volume at {volume_share:.0%} of usual"
    if acwr is not None and acwr >= 1.3 and w.tsb < -20:
        return "Overreach", f"7-day load {acwr:.0%} of usual with TSB {w.tsb:.0f}"
    monthly_share = _ratio(w.weekly_volume_28d, w.weekly_volume_90d)
    if (
        volume_share is not None
        and volume_share < 0.5
        and monthly_share is not None
        and monthly_share < 0.8
    ):
        return (
            "Slump",
            f"volume {volume_share:.0%} of the month, month {monthly_share:.0%} of 90 days",
        )
    if (
        previous in ("Slump", "Injury Watch", "Injury Protection")
        and volume_share is not None
        and volume_share >= 0.7
        and w.weekly_volume_28d < w.weekly_volume_90d
    ):
        return "Rebuild", f"volume back to {volume_share:.0%} of the month after {previous}"
    if volume_share is not None and 1.1 <= volume_share < 1.3:
        return "Probe", f"volume {volume_share:.0%} of the month"
    return "Stable", "no rule fired"


RATIONALE = {
    "Stable": "Training is steady: keep the current load.",
    "Slump": "Training has dropped well below the usual level; rebuild gently before intensity.",
    "Probe": "The runner is testing a higher load; watch recovery markers before pushing further.",
    "Rebuild": "Volume is coming back after a break; increase gradually toward the earlier level.",
    "Overreach": "Load is well above the usual and fatigue is high; plan recovery.",
    "Injury Watch": "Acute load is 1.5x the chronic load, a known injury-risk zone; hold volume.",
    "Injury Protection": "Acute load is double the chronic load; cut back now to avoid injury.",
    "Taper": "The race is close and volume is coming down: protect freshness.",
}


def daily_windows(daily: pl.DataFrame) -> pl.DataFrame:
    """7/28/90-day window figures per runner and calendar day (missing days are zero), with
    the days of the 28- and 90-day windows that hold history (`days_28d`, `days_90d`)."""
    spans = daily.group_by("runner_id").agg(
        pl.col("date").min().alias("a"), pl.col("date").max().alias("b")
    )
    calendar = spans.select("runner_id", pl.date_ranges("a", "b").alias("date")).explode("date")
    days = (
        calendar.join(daily, on=["runner_id", "date"], how="left")
        .with_columns(
            pl.col("run_distance_meters").fill_null(0) / 1000,
            pl.col("training_load").fill_null(0),
            pl.col("run_count").fill_null(0),
            pl.col("tsb").fill_null(0),
        )
        .sort("runner_id", "date")
    )

    def rolling(column: str, days_: int) -> pl.Expr:
        # rolling sums add and subtract as the window moves: clip the float dust below zero
        return pl.col(column).rolling_sum(days_, min_samples=1).over("runner_id").clip(0)

    history_days = pl.int_range(1, pl.len() + 1).over("runner_id")
    return days.with_columns(
        history_days.clip(upper_bound=28).alias("days_28d"),
        history_days.clip(upper_bound=90).alias("days_90d"),
        rolling("run_distance_meters", 7).alias("volume_7d"),
        rolling("training_load", 7).alias("load_7d"),
        rolling("run_count", 7).alias("runs_7d"),
        rolling("run_distance_meters", 28).alias("volume_28d"),
        rolling("training_load", 28).alias("load_28d"),
        rolling("run_count", 28).alias("runs_28d"),
        rolling("run_distance_meters", 90).alias("volume_90d"),
        rolling("training_load", 90).alias("load_90d"),
        rolling("run_count", 90).alias("runs_90d"),
    )


def _window_struct(volume: float, runs: int, load: float) -> dict:
    return {
        "volume_km": volume,
        "run_count": int(runs),
        "training_load": load,
        "hard_session_share": None,
    }


def evaluate_states(
    daily: pl.DataFrame, race_dates: dict[str, dt.date] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(transitions, momentum): state changes with their figures, and per-runner momentum.

    daily: runner_id, date, run_distance_meters, training_load, run_count, tsb.
    """
    windows = daily_windows(daily)
    transitions, momentum = [], []
    for (runner_id,), days in windows.group_by("runner_id", maintain_order=True):
        state, pending, pending_days = "Stable", None, 0
        overreaches = breakthroughs = 0
        streak = longest = 0
        race = (race_dates or {}).get(runner_id)
        for index, row in enumerate(days.iter_rows(named=True)):
            w = Windows(
                volume_7d=row["volume_7d"],
                load_7d=row["load_7d"],
                runs_7d=row["runs_7d"],
                weekly_volume_28d=row["volume_28d"] * 7 / row["days_28d"],
                weekly_load_28d=row["load_28d"] * 7 / row["days_28d"],
                weekly_volume_90d=row["volume_90d"] * 7 / row["days_90d"],
                tsb=row["tsb"],
                volume_28d=row["volume_28d"],
                volume_90d=row["volume_90d"],
                runs_28d=row["runs_28d"],
                runs_90d=row["runs_90d"],
                load_28d=row["load_28d"],
                load_90d=row["load_90d"],
            )
            streak = streak + 1 if row["run_count"] > 0 else 0
            longest = max(longest, streak)
            if index < WARMUP_DAYS:
                continue
            race_in = (race - row["date"]).days if race else None
            candidate, reason = candidate_state(w, state, race_in)
            if candidate == state:
                pending, pending_days = None, 0
                continue
            pending_days = pending_days + 1 if candidate == pending else 1
            pending = candidate
            if candidate not in IMMEDIATE and pending_days < CONFIRM_DAYS:
                continue
            if candidate == "Overreach":
                overreaches += 1
            if (
                state == "Probe"
                and candidate == "Stable"
                and w.weekly_volume_28d >= 1.1 * w.weekly_volume_90d
            ):
                breakthroughs += 1
            previous_week = w.weekly_volume_28d
            transitions.append(
                {
                    "runner_state_id": f"{runner_id}:{row['date'].isoformat()}",
                    "runner_id": runner_id,
                    "effective_date": row["date"],
                    "from_state": state,
                    "to_state": candidate,
                    "trigger_reason": reason,
                    "window_7d": _window_struct(w.volume_7d, w.runs_7d, w.load_7d),
                    "window_28d": _window_struct(w.volume_28d, w.runs_28d, w.load_28d),
                    "window_90d": _window_struct(w.volume_90d, w.runs_90d, w.load_90d),
                    "volume_change_percent": (
                        100 * (w.volume_7d / previous_week - 1) if previous_week > 0 else None
                    ),
                    "intensity_change_percent": (
                        100 * (w.load_7d / w.weekly_load_28d - 1) if w.weekly_load_28d > 0 else None
                    ),
                    "rationale": RATIONALE[candidate],
                    "current_streak_days": streak,
                    "longest_streak_days": longest,
                    "overreach_count": overreaches,
                    "breakthrough_count": breakthroughs,
                }
            )
            state, pending, pending_days = candidate, None, 0
        weeks = days.tail(84).group_by_dynamic("date", every="1w").agg(pl.col("run_count").sum())
        consistency = (
            weeks.select((pl.col("run_count") >= 2).mean()).item() if weeks.height else 0.0
        )
        momentum.append(
            {
                "runner_id": runner_id,
                "training_state": state,
                "training_state_since": next(
                    (
                        t["effective_date"]
                        for t in reversed(transitions)
                        if t["runner_id"] == runner_id
                    ),
                    days["date"][0],
                ),
                "current_streak_days": streak,
                "longest_streak_days": longest,
                "momentum_consistency_score": float(consistency or 0.0),
                "overreach_count": overreaches,
                "breakthrough_count": breakthroughs,
            }
        )
    return pl.DataFrame(transitions), pl.DataFrame(momentum)
