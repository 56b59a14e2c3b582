"""Strava-style GPX and Garmin-style TCX activity files (streamed text, no DOM)."""

from __future__ import annotations

from collections.abc import Iterator

from samples.simulate import Activity
from samples.timeutil import iso_utc

_GPX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gpx creator="{creator}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
    '     xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
    "http://www.topografix.com/GPX/1/1/gpx.xsd   "
    "http://www.garmin.com/xmlschemas/TrackPointExtension/v1 "
    'http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd"\n'
    '     version="1.1" xmlns="http://www.topografix.com/GPX/1/1"\n'
    '     xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
    "  <metadata>\n    <time>{time}</time>\n  </metadata>\n"
    "  <trk>\n    <name>{name}</name>\n    <type>{type}</type>\n    <trkseg>\n"
)
_GPX_TYPES = {"run": ("running", "9"), "ride": ("cycling", "1"), "walk": ("walking", "10")}


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def gpx_chunks(a: Activity, numeric_type: bool = False) -> Iterator[str]:
    """Yield the GPX document in pieces; one ``trkpt`` per stream sample."""
    st = a.streams()
    creator = "StravaGPX iPhone" if a.recorder == "phone" else "StravaGPX"
    word, code = _GPX_TYPES.get(a.sport, ("running", "9"))
    yield _GPX_HEAD.format(
        creator=creator,
        time=iso_utc(a.start_epoch),
        name=xml_escape(a.name),
        type=code if numeric_type else word,
    )
    t0 = a.start_epoch
    lat, lon, alt, ts = st.lat, st.lon, st.alt, st.t
    hr, cad = st.hr, st.cad
    assert lat is not None and lon is not None and alt is not None
    buf = []
    for i in range(len(st)):
        ext = ""
        if hr is not None or cad is not None:
            ext = "        <extensions>\n          <gpxtpx:TrackPointExtension>\n"
            if hr is not None:
                ext += f"            <gpxtpx:hr>{hr[i]}</gpxtpx:hr>\n"
            if cad is not None:
                ext += f"            <gpxtpx:cad>{cad[i]}</gpxtpx:cad>\n"
            ext += "          </gpxtpx:TrackPointExtension>\n        </extensions>\n"
        buf.append(
            f'      <trkpt lat="{lat[i]:.7f}" lon="{lon[i]:.7f}">\n'
            f"        <ele>{alt[i]:.1f}</ele>\n"
            f"        <time>{iso_utc(t0 + ts[i])}</time>\n{ext}      </trkpt>\n"
        )
        if len(buf) >= 500:
            yield "".join(buf)
            buf = []
    yield "".join(buf)
    yield "    </trkseg>\n  </trk>\n</gpx>\n"


_TCX_SPORT = {"run": "Running", "ride": "Biking", "walk": "Other"}


def tcx_chunks(a: Activity, leading_whitespace: str = "          ") -> Iterator[str]:
    """Yield a TCX document (Garmin schema, ``ns3:TPX`` extensions).

    Strava's TCX exports start with whitespace before the XML declaration; keep that quirk.
    """
    st = a.streams()
    t0 = a.start_epoch
    yield (
        f'{leading_whitespace}<?xml version="1.0" encoding="UTF-8"?>\n'
        "<TrainingCenterDatabase\n"
        '  xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2 '
        'http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"\n'
        '  xmlns:ns5="http://www.garmin.com/xmlschemas/ActivityGoals/v1"\n'
        '  xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"\n'
        '  xmlns:ns2="http://www.garmin.com/xmlschemas/UserProfile/v2"\n'
        '  xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"\n'
        '  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:ns4="http://www.garmin.com/xmlschemas/ProfileExtension/v1">\n'
        "  <Activities>\n"
        f'    <Activity Sport="{_TCX_SPORT.get(a.sport, "Other")}">\n'
        f"      <Id>{iso_utc(t0, millis=True)}</Id>\n"
    )
    lat, lon, alt, ts, dist, spd = st.lat, st.lon, st.alt, st.t, st.dist, st.speed
    hr, cad = st.hr, st.cad
    assert lat is not None and lon is not None and alt is not None
    structured = any(s.lap for s in a.segments)
    for i0, i1, label in a.laps():
        d0 = dist[i0 - 1] if i0 > 0 else 0.0
        lap = (
            f'      <Lap StartTime="{iso_utc(t0 + ts[i0], millis=True)}">\n'
            f"        <TotalTimeSeconds>{float(i1 - i0)}</TotalTimeSeconds>\n"
            f"        <DistanceMeters>{dist[i1 - 1] - d0:.1f}</DistanceMeters>\n"
            f"        <MaximumSpeed>{max(spd[i0:i1]):.3f}</MaximumSpeed>\n"
            f"        <Calories>{round(a.weight_kg * (dist[i1 - 1] - d0) / 1000)}</Calories>\n"
        )
        if hr is not None:
            lap += (
                "        <AverageHeartRateBpm>\n"
                f"          <Value>{round(sum(hr[i0:i1]) / (i1 - i0))}</Value>\n"
                "        </AverageHeartRateBpm>\n"
                "        <MaximumHeartRateBpm>\n"
                f"          <Value>{max(hr[i0:i1])}</Value>\n"
                "        </MaximumHeartRateBpm>\n"
            )
        intensity = "Resting" if label == "rest" else "Active"
        trigger = "Manual" if structured else "Distance"
        lap += (
            f"        <Intensity>{intensity}</Intensity>\n"
            f"        <TriggerMethod>{trigger}</TriggerMethod>\n        <Track>\n"
        )
        yield lap
        buf = []
        for i in range(i0, i1):
            hr_s = (
                (
                    f"            <HeartRateBpm>\n              <Value>{hr[i]}</Value>\n"
                    "            </HeartRateBpm>\n"
                )
                if hr is not None
                else ""
            )
            cad_s = (
                f"                <ns3:RunCadence>{cad[i]}</ns3:RunCadence>\n"
                if (cad is not None and a.sport == "run")
                else ""
            )
            buf.append(
                "          <Trackpoint>\n"
                f"            <Time>{iso_utc(t0 + ts[i], millis=True)}</Time>\n"
                "            <Position>\n"
                f"              <LatitudeDegrees>{lat[i]:.8f}</LatitudeDegrees>\n"
                f"              <LongitudeDegrees>{lon[i]:.8f}</LongitudeDegrees>\n"
                "            </Position>\n"
                f"            <AltitudeMeters>{alt[i]:.2f}</AltitudeMeters>\n"
                f"            <DistanceMeters>{dist[i]:.2f}</DistanceMeters>\n"
                f"{hr_s}"
                "            <Extensions>\n              <ns3:TPX>\n"
                f"                <ns3:Speed>{spd[i]:.3f}</ns3:Speed>\n{cad_s}"
                "              </ns3:TPX>\n            </Extensions>\n"
                "          </Trackpoint>\n"
            )
            if len(buf) >= 300:
                yield "".join(buf)
                buf = []
        yield "".join(buf)
        yield "        </Track>\n      </Lap>\n"
    yield (
        '      <Creator xsi:type="Device_t">\n        <Name>Forerunner 255</Name>\n'
        "        <UnitId>3412345678</UnitId>\n        <ProductID>3992</ProductID>\n"
        "        <Version>\n          <VersionMajor>21</VersionMajor>\n"
        "          <VersionMinor>19</VersionMinor>\n          <BuildMajor>0</BuildMajor>\n"
        "          <BuildMinor>0</BuildMinor>\n        </Version>\n      </Creator>\n"
        "    </Activity>\n  </Activities>\n</TrainingCenterDatabase>\n"
    )
