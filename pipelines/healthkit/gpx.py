"""Apple's workout-route GPX (``<trkpt lat lon><ele><time><extensions><speed>...``), streamed."""

from __future__ import annotations

import datetime as dt

# child element -> index in the point's value list
_FIELDS = {
    "ele": 1,
    "speed": 2,
    "course": 3,
    "hAcc": 4,
    "vAcc": 5,
    "horizontalAccuracy": 4,
    "verticalAccuracy": 5,
}


class GpxHandler:
    """Collects route points as ``workout_route_points`` row tuples into ``rows``."""

    def __init__(
        self, workout_id: str, runner_id: str, line: int, rows: list[tuple], parent: int = -1
    ) -> None:
        self.workout_id = workout_id
        self.parent = parent  # index of the workout's key in its fragment (see tables.to_arrow)
        self.runner_id = runner_id
        self.line = line
        self.rows = rows
        self.count = 0
        self.bad_points: list[str] = []
        self.point: list[str | None] | None = None  # time, ele, speed, course, hAcc, vAcc
        self.lat: str | None = None
        self.lon: str | None = None
        self.field: int | None = None
        self.text: list[str] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        name = name.rpartition(":")[2]
        if name == "trkpt":
            self.point = [None] * 6
            self.lat, self.lon = attrs.get("lat"), attrs.get("lon")
        elif self.point is not None:
            if name == "time":
                self.field = 0
            else:
                self.field = _FIELDS.get(name)
            self.text = []

    def data(self, text: str) -> None:
        if self.field is not None:
            self.text.append(text)

    def end(self, name: str) -> None:
        name = name.rpartition(":")[2]
        if self.field is not None:
            assert self.point is not None
            self.point[self.field] = "".join(self.text).strip()
            self.field = None
        elif name == "trkpt" and self.point is not None:
            self._commit(self.point)
            self.point = None

    def _commit(self, p: list[str | None]) -> None:
        try:
            time = dt.datetime.fromisoformat(p[0]) if p[0] else None
            values = [_float(v) for v in (self.lat, self.lon, *p[1:])]
        except ValueError as exc:
            self.bad_points.append(f"trkpt {self.count + len(self.bad_points) + 1}: {exc}")
            return
        self.rows.append(
            (self.workout_id, self.runner_id, self.count, time, *values, self.line, self.parent)
        )
        self.count += 1


def _float(text: str | None) -> float | None:
    return None if text is None or text == "" else float(text)
