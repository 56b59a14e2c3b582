"""The days before a race, counted back from the race date (any weekday), and what they allow.

A taper belongs to the race, not to the calendar week that holds it: a Tuesday 10K's last
seven days run from the Tuesday before to the Monday before. So the taper is stated in days
before the race and every calendar week takes from it the days it holds.

The limits a coach would sign (how light the last seven days are, how close to the race a key
session or the long run may fall) are safeguard rows (`reference.safeguards`); only the
taper's length and shape are knowledge-base figures here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from transforms.safeguards import SafeguardEngine

# kb_taper_length_by_distance: 5K-10K 7-10 days, half 10-14 days, marathon 2-3 weeks.
TAPER_DAYS_UP_TO_KM = ((10.5, 10), (21.5, 14), (250.0, 21))
FINAL_DAYS = 7
"""The last week before the race, the span the final-volume safeguard measures."""
FINAL_SHARE_MARGIN = 0.05
"""The final days are planned this far below their safeguard cap, so rounding and the
sizing of whole sessions never push them over it."""
DEFAULT_FINAL_SHARE = 0.6
DEFAULT_KEY_SESSION_GAP = 2
DEFAULT_LONG_RUN_GAP = 7

FINAL_VOLUME_FIELD = "final_seven_days_share_of_peak_percent"
KEY_SESSION_FIELD = "days_from_key_session_to_race"
LONG_RUN_FIELD = "days_from_long_run_to_race"


def taper_days(race_km: float) -> int:
    return next(days for limit, days in TAPER_DAYS_UP_TO_KM if race_km <= limit)


@dataclass(frozen=True)
class RaceWindow:
    """The race and the days before it, with the limits that hold in them."""

    race_date: dt.date
    race_km: float
    taper_days: int
    final_share: float
    """Most of the peak week's volume the last seven days may hold (0-1)."""
    key_session_gap: int
    """Key sessions are not planned this many days before the race, or fewer."""
    long_run_gap: int
    """The long run is not planned this many days before the race, or fewer."""

    @classmethod
    def for_race(
        cls,
        race_date: dt.date,
        race_km: float,
        engine: SafeguardEngine,
        days_of_taper: int | None = None,
    ) -> RaceWindow:
        """The window of a race; `days_of_taper` shortens its taper (a B race's mini-taper),
        else it is the full taper by distance."""
        race = {"race_distance_km": race_km}
        final = engine.limit(FINAL_VOLUME_FIELD, race)
        return cls(
            race_date=race_date,
            race_km=race_km,
            taper_days=days_of_taper or taper_days(race_km),
            final_share=final / 100 if final is not None else DEFAULT_FINAL_SHARE,
            key_session_gap=engine.blocked_through(KEY_SESSION_FIELD, race)
            or DEFAULT_KEY_SESSION_GAP,
            long_run_gap=engine.blocked_through(LONG_RUN_FIELD, race) or DEFAULT_LONG_RUN_GAP,
        )

    def days_before(self, day: dt.date) -> int:
        return (self.race_date - day).days

    def allows_key_session(self, day: dt.date) -> bool:
        return self.days_before(day) > self.key_session_gap

    def allows_long_run(self, day: dt.date) -> bool:
        return self.days_before(day) > self.long_run_gap

    def taper_share(self, day: dt.date) -> float:
        """The share of the peak week's daily volume a day before the race is planned at: 1
        before the taper, falling steadily through it to just under the final cap in the
        last seven days (kb_taper: a progressive cut of 40-60 %)."""
        before = self.days_before(day)
        final = self.final_share - FINAL_SHARE_MARGIN
        if before <= FINAL_DAYS:
            return final
        if before > self.taper_days:
            return 1.0
        into_taper = (self.taper_days - before + 1) / (self.taper_days - FINAL_DAYS + 1)
        return 1.0 - into_taper * (1.0 - final)

    def leaves_room_to_taper(self, plan_start: dt.date) -> bool:
        """Whether a plan starting on `plan_start` has weeks before the taper: only then is
        there a peak week for the last seven days to be measured against."""
        return self.days_before(plan_start) > self.taper_days

    def in_taper(self, day: dt.date) -> bool:
        return 0 < self.days_before(day) <= self.taper_days

    def final_days(self) -> tuple[dt.date, dt.date]:
        """First and last of the seven days before the race."""
        return (
            self.race_date - dt.timedelta(days=FINAL_DAYS),
            self.race_date - dt.timedelta(days=1),
        )
