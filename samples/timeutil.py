"""Time helpers: DST-correct local offsets (zoneinfo) and the timestamp formats of the exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_to_epoch(day: dt.date, seconds_of_day: int, tz_name: str) -> int:
    """Epoch seconds of a local wall-clock time (``seconds_of_day`` after local midnight)."""
    naive = dt.datetime(day.year, day.month, day.day) + dt.timedelta(seconds=seconds_of_day)
    return int(naive.replace(tzinfo=ZoneInfo(tz_name)).timestamp())


def offset_seconds(epoch: int, tz_name: str) -> int:
    """UTC offset (seconds) of ``tz_name`` at ``epoch``."""
    off = dt.datetime.fromtimestamp(epoch, ZoneInfo(tz_name)).utcoffset()
    assert off is not None
    return int(off.total_seconds())


def format_offset(offset_s: int) -> str:
    sign = "+" if offset_s >= 0 else "-"
    minutes = abs(offset_s) // 60
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


def iso_utc(epoch: float, millis: bool = False) -> str:
    d = dt.datetime.fromtimestamp(int(epoch), UTC)
    if millis:
        return d.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def strava_date(epoch: int) -> str:
    """``Jun 4, 2024, 6:13:47 AM`` (UTC), the format of ``Activity Date`` in activities.csv."""
    d = dt.datetime.fromtimestamp(epoch, UTC)
    hour12 = d.hour % 12 or 12
    ampm = "AM" if d.hour < 12 else "PM"
    return (
        f"{_MONTHS[d.month - 1]} {d.day}, {d.year}, {hour12}:{d.minute:02d}:{d.second:02d} {ampm}"
    )


@dataclass(frozen=True)
class Travel:
    """A trip: from ``start_epoch`` until ``end_epoch`` the runner lives in ``timezone``."""

    timezone: str
    start_date: dt.date
    end_date: dt.date
    start_epoch: int
    end_epoch: int


class TzTimeline:
    """Which IANA zone a runner is in at any moment (home zone, or the travel zone)."""

    def __init__(self, home_tz: str, travel: Travel | None = None) -> None:
        self.home_tz = home_tz
        self.travel = travel
        self._zones: dict[str, ZoneInfo] = {}
        self._minute_cache: dict[int, str] = {}

    def tz_at(self, epoch: int) -> str:
        t = self.travel
        if t is not None and t.start_epoch <= epoch < t.end_epoch:
            return t.timezone
        return self.home_tz

    def tz_for_day(self, day: dt.date) -> str:
        t = self.travel
        if t is not None and t.start_date < day < t.end_date:
            return t.timezone
        return self.home_tz

    def zone(self, name: str) -> ZoneInfo:
        z = self._zones.get(name)
        if z is None:
            z = self._zones[name] = ZoneInfo(name)
        return z

    def local(self, epoch: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(epoch, self.zone(self.tz_at(epoch)))

    def offset(self, epoch: int) -> int:
        off = self.local(epoch).utcoffset()
        assert off is not None
        return int(off.total_seconds())

    def hk(self, epoch: float) -> str:
        """Apple Health date: ``yyyy-MM-dd HH:mm:ss ±hhmm`` in the local offset at that moment."""
        epoch = int(epoch)
        minute, sec = divmod(epoch, 60)
        cache = self._minute_cache
        parts = cache.get(minute)
        if parts is None:
            d = self.local(minute * 60)
            off = d.utcoffset()
            assert off is not None
            parts = f"{d:%Y-%m-%d %H:%M}:\x00 {format_offset(int(off.total_seconds()))}"
            if len(cache) > 200_000:
                cache.clear()
            cache[minute] = parts
        return parts.replace("\x00", f"{sec:02d}")
