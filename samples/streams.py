"""Per-second activity streams (pure Python, ``array`` backed)."""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass


@dataclass
class Segment:
    seconds: int
    speed: float  # target m/s
    label: str  # warmup, active, rest, cooldown, steady
    lap: bool = True  # segment boundary closes a lap (intervals / tempo)


@dataclass
class Streams:
    """One sample per recorded second. ``t`` is seconds since start (pauses leave a gap)."""

    t: array
    dist: array  # metres, cumulative
    speed: array  # m/s
    lat: array | None
    lon: array | None
    alt: array | None
    hr: array | None
    cad: array | None
    power: array | None

    def __len__(self) -> int:
        return len(self.t)


def generate_streams(
    *,
    seed: int,
    segments: list[Segment],
    pause: tuple[int, int] | None,
    sport: str,
    start_lat: float,
    start_lon: float,
    base_alt: float,
    resting_hr: int,
    max_hr: int,
    threshold_speed: float,
    weight_kg: float,
    has_gps: bool,
    has_hr: bool,
    has_power: bool,
) -> Streams:
    rng = random.Random(seed)
    gauss = rng.gauss
    n = sum(s.seconds for s in segments)
    t = array("l")
    dist = array("d")
    speed = array("d")
    lat = array("d") if has_gps else None
    lon = array("d") if has_gps else None
    alt = array("d") if has_gps else None
    hr = array("l") if has_hr else None
    cad = array("l") if sport in ("run", "walk", "ride") else None
    power = array("l") if has_power else None

    targets: list[float] = []
    for s in segments:
        targets.extend([s.speed] * s.seconds)

    pause_at, pause_len = pause if pause else (n + 1, 0)
    bearing = rng.uniform(0, 2 * math.pi)
    turn = 2 * math.pi / max(n, 1) * rng.choice((-1, 1))
    la, lo = start_lat, start_lon
    cos_lat = math.cos(math.radians(start_lat))
    a1, a2 = rng.uniform(3, 15), rng.uniform(1, 6)
    p1, p2 = rng.uniform(0, 6.28), rng.uniform(0, 6.28)
    w1, w2 = rng.uniform(600, 1500), rng.uniform(150, 400)
    d = 0.0
    v = targets[0] * 0.6 if targets else 0.0
    noise = 0.0
    h = resting_hr + 25.0
    hrr = max_hr - resting_hr
    grade = 0.0
    prev_alt = base_alt
    for i in range(n):
        target = targets[i]
        noise = 0.92 * noise + gauss(0, 0.04)
        v += (target - v) * 0.12
        vi = max(0.0, v * (1.0 + noise) - grade * 2.0 * (sport == "run"))
        if sport == "swim" and i % 30 < 4:
            vi = 0.2  # push-off / turn
        d += vi
        t.append(i if i < pause_at else i + pause_len)
        dist.append(d)
        speed.append(vi)
        if has_gps:
            assert lat is not None and lon is not None and alt is not None
            bearing += turn + gauss(0, 0.02)
            la += vi * math.cos(bearing) / 111_320.0
            lo += vi * math.sin(bearing) / (111_320.0 * cos_lat)
            al = base_alt + a1 * math.sin(d / w1 + p1) + a2 * math.sin(d / w2 + p2)
            grade = max(-0.15, min(0.15, (al - prev_alt) / vi)) if vi > 0.5 else 0.0
            prev_alt = al
            lat.append(la)
            lon.append(lo)
            alt.append(al)
        if hr is not None:
            if sport == "strength":
                rel = 0.35 + 0.25 * (1 + math.sin(i / 45.0)) / 2
            elif sport == "swim":
                rel = 0.55 + 0.2 * (target / max(threshold_speed, 0.1))
            else:
                rel = 0.18 + 0.72 * (vi / threshold_speed)
            rel += 0.04 * i / 3600.0  # cardiac drift
            h_target = resting_hr + hrr * min(rel, 0.985)
            h += (h_target - h) * 0.04 + gauss(0, 0.6)
            hr.append(max(resting_hr + 5, min(max_hr - 1, round(h))))
        if cad is not None:
            if sport == "run":
                c = 76.0 + 5.0 * (vi - 2.5) + gauss(0, 1.2)
            elif sport == "walk":
                c = 52.0 + gauss(0, 1.5)
            else:
                c = 82.0 + gauss(0, 4.0)
            cad.append(max(0, min(140, round(c))) if vi > 0.3 else 0)
        if power is not None:
            p = weight_kg * vi * 1.02 + weight_kg * 9.81 * grade * vi * 0.5 + gauss(0, 6)
            power.append(max(0, min(900, round(p))))
    return Streams(
        t=t, dist=dist, speed=speed, lat=lat, lon=lon, alt=alt, hr=hr, cad=cad, power=power
    )
