"""FIT activity files built with fit-tool message classes.

All header, definition and non-record messages are encoded by fit-tool. The 1 Hz ``record``
messages go through a fast path: the definition comes from a fit-tool ``RecordMessage``
template and each record is packed with ``struct`` using that definition's field order,
base types, scales and offsets. The first and last record of every file are cross-checked
byte for byte against fit-tool's own encoding.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

from fit_tool.data_message import DataMessage
from fit_tool.definition_message import DefinitionMessage
from fit_tool.fit_file_header import FitFileHeader
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import (
    Activity as FitActivityType,
)
from fit_tool.profile.profile_type import (
    Event,
    EventType,
    FileType,
    Intensity,
    LapTrigger,
    Manufacturer,
    SessionTrigger,
    Sport,
    SubSport,
)
from fit_tool.record import Record
from fit_tool.utils.crc import crc16

from samples.simulate import Activity

_CRC_TABLE = [crc16(bytes([i]), 0) for i in range(256)]


def fit_crc(data: bytes, crc: int = 0) -> int:
    """FIT CRC-16 (same result as fit-tool's ``crc16``), byte-table driven for speed."""
    table = _CRC_TABLE
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


_STRUCT = {
    "ENUM": "B",
    "SINT8": "b",
    "UINT8": "B",
    "UINT8Z": "B",
    "SINT16": "h",
    "UINT16": "H",
    "UINT16Z": "H",
    "SINT32": "i",
    "UINT32": "I",
    "UINT32Z": "I",
    "FLOAT32": "f",
}

SPORTS = {
    "run": (Sport.RUNNING, SubSport.STREET),
    "ride": (Sport.CYCLING, SubSport.ROAD),
    "walk": (Sport.WALKING, SubSport.CASUAL_WALKING),
    "swim": (Sport.SWIMMING, SubSport.LAP_SWIMMING),
    "strength": (Sport.TRAINING, SubSport.STRENGTH_TRAINING),
    "workout": (Sport.TRAINING, SubSport.CARDIO_TRAINING),
}
_INTENSITY = {
    "warmup": Intensity.WARMUP,
    "cooldown": Intensity.COOLDOWN,
    "rest": Intensity.REST,
    "active": Intensity.ACTIVE,
}
_FIT_EPOCH_MS = 631065600000


class FitWriter:
    """Assemble a FIT file: fit-tool messages plus fast-packed record messages."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._defs: dict[int, bytes] = {}
        self._record_packer: tuple[struct.Struct, list] | None = None
        self._record_local_id = 15

    def _emit_definition(self, definition: DefinitionMessage) -> None:
        raw = Record.from_message(definition).to_bytes()
        if self._defs.get(definition.local_id) != raw:
            self._defs[definition.local_id] = raw
            self._chunks.append(raw)

    def add(self, message: DataMessage, local_id: int) -> None:
        message.local_id = local_id
        definition = DefinitionMessage.from_data_message(message)
        definition.local_id = local_id
        self._emit_definition(definition)
        message.set_definition_message(definition)
        self._chunks.append(Record.from_message(message).to_bytes())

    def define_records(self, template: RecordMessage) -> None:
        """Use a populated fit-tool ``RecordMessage`` as the record layout."""
        template.local_id = self._record_local_id
        definition = DefinitionMessage.from_data_message(template)
        definition.local_id = self._record_local_id
        self._emit_definition(definition)
        fields = {f.field_id: f for f in template.fields}
        fmt = "<B"
        conv = []
        for fd in definition.field_definitions:
            f = fields[fd.field_id]
            fmt += _STRUCT[fd.base_type.name]
            scale = f.get_scale() or 1.0
            offset = f.get_offset() or 0.0
            conv.append((f.name, float(scale), float(offset)))
        self._record_packer = (struct.Struct(fmt), conv)
        self._template = template

    def pack_record(self, values: dict) -> bytes:
        assert self._record_packer is not None
        packer, conv = self._record_packer
        enc = [self._record_local_id]
        for name, scale, offset in conv:
            v = values[name]
            if scale == 1.0 and offset == 0.0:
                enc.append(int(v))
            else:
                enc.append(round((v + offset) * scale))
        return packer.pack(*enc)

    def add_packed(self, raw: Iterable[bytes]) -> None:
        self._chunks.extend(raw)

    def check_record(self, values: dict) -> None:
        """Encode ``values`` with fit-tool and assert the fast path produced the same bytes."""
        msg = RecordMessage(local_id=self._record_local_id)
        for k, v in values.items():
            setattr(msg, k, v)
        definition = DefinitionMessage.from_data_message(msg)
        definition.local_id = self._record_local_id
        msg.set_definition_message(definition)
        expected = Record.from_message(msg).to_bytes()
        got = self.pack_record(values)
        if expected != got:
            raise AssertionError(f"fast FIT record encoding mismatch: {expected!r} != {got!r}")

    def to_bytes(self) -> bytes:
        body = b"".join(self._chunks)
        header = FitFileHeader(records_size=len(body), gen_crc=True).to_bytes()
        crc = fit_crc(body, fit_crc(header))
        return header + body + struct.pack("<H", crc)


def _record_values(st, i: int, start_ms: int) -> dict:
    v = {"timestamp": start_ms + st.t[i] * 1000}
    if st.lat is not None:
        v["position_lat"] = st.lat[i]
        v["position_long"] = st.lon[i]
    v["distance"] = st.dist[i]
    v["enhanced_speed"] = st.speed[i]
    if st.alt is not None:
        v["enhanced_altitude"] = st.alt[i]
    if st.hr is not None:
        v["heart_rate"] = st.hr[i]
    if st.cad is not None:
        v["cadence"] = st.cad[i]
    if st.power is not None:
        v["power"] = st.power[i]
    return v


def _event(ts_ms: int, event_type: EventType) -> EventMessage:
    m = EventMessage()
    m.timestamp = ts_ms
    m.event = Event.TIMER
    m.event_type = event_type
    m.timer_trigger = 0  # manual
    m.event_group = 0
    return m


def encode_activity_fit(
    a: Activity, serial_number: int = 3_412_345_678, product: int = 3992
) -> tuple[bytes, int]:
    """Encode an activity as a FIT file; returns ``(bytes, number of record messages)``."""
    st = a.streams()
    n = len(st)
    start_ms = a.start_epoch * 1000
    end_ms = (a.start_epoch + a.elapsed_s) * 1000
    sport, sub_sport = SPORTS[a.sport]
    phone = a.recorder == "phone"
    w = FitWriter()

    fid = FileIdMessage()
    fid.type = FileType.ACTIVITY
    fid.manufacturer = Manufacturer.STRAVA.value if phone else Manufacturer.GARMIN.value
    fid.product = 0 if phone else product
    fid.serial_number = serial_number
    fid.time_created = start_ms
    w.add(fid, 0)

    dev = DeviceInfoMessage()
    dev.timestamp = start_ms
    dev.device_index = 0
    dev.manufacturer = fid.manufacturer
    dev.product = fid.product
    dev.serial_number = serial_number
    dev.software_version = 21.19
    w.add(dev, 1)

    w.add(_event(start_ms, EventType.START), 2)
    if n:
        first = _record_values(st, 0, start_ms)
        template = RecordMessage()
        for k, val in first.items():
            setattr(template, k, val)
        w.define_records(template)
        w.check_record(first)
        w.check_record(_record_values(st, n - 1, start_ms))

    laps = a.laps()
    summary = a.summary()
    pause_at = a.pause[0] if a.pause else -1
    pack = w.pack_record
    lap_msgs = []
    for li, (i0, i1, label) in enumerate(laps):
        buf = []
        for i in range(i0, i1):
            if i == pause_at and i > 0:
                w.add_packed(buf)
                buf = []
                w.add(_event(start_ms + (st.t[i - 1] + 1) * 1000, EventType.STOP_ALL), 2)
                w.add(_event(start_ms + st.t[i] * 1000, EventType.START), 2)
            buf.append(pack(_record_values(st, i, start_ms)))
        w.add_packed(buf)
        lap = _lap_message(a, st, li, i0, i1, label, start_ms, len(laps))
        w.add(lap, 3)
        lap_msgs.append(lap)

    w.add(_event(end_ms, EventType.STOP_ALL), 2)

    ses = SessionMessage()
    ses.message_index = 0
    ses.timestamp = end_ms
    ses.event = Event.LAP
    ses.event_type = EventType.STOP
    ses.start_time = start_ms
    ses.sport = sport
    ses.sub_sport = sub_sport
    ses.total_elapsed_time = float(a.elapsed_s)
    ses.total_timer_time = float(n)
    ses.total_distance = summary["distance_m"]
    ses.total_calories = round(summary["calories"])
    ses.enhanced_avg_speed = summary["distance_m"] / n if n else 0.0
    ses.enhanced_max_speed = summary["max_speed"]
    if "avg_hr" in summary:
        ses.avg_heart_rate = round(summary["avg_hr"])
        ses.max_heart_rate = summary["max_hr"]
    if "avg_cad" in summary:
        ses.avg_cadence = round(summary["avg_cad"])
        ses.max_cadence = summary["max_cad"]
    if "avg_power" in summary:
        ses.avg_power = round(summary["avg_power"])
        ses.max_power = summary["max_power"]
    if "elev_gain" in summary:
        ses.total_ascent = round(summary["elev_gain"])
        ses.total_descent = round(summary["elev_loss"])
    if st.lat is not None and n:
        ses.start_position_lat = st.lat[0]
        ses.start_position_long = st.lon[0]
    ses.first_lap_index = 0
    ses.num_laps = len(laps)
    ses.trigger = SessionTrigger.ACTIVITY_END
    if a.sport == "swim":
        ses.pool_length = 25.0
    w.add(ses, 4)

    act = ActivityMessage()
    act.timestamp = end_ms
    act.total_timer_time = float(n)
    act.num_sessions = 1
    act.type = FitActivityType.MANUAL
    act.event = Event.ACTIVITY
    act.event_type = EventType.STOP
    act.local_timestamp = (end_ms - _FIT_EPOCH_MS) // 1000 + a.utc_offset_s
    w.add(act, 5)
    return w.to_bytes(), n


def _lap_message(
    a: Activity, st, li: int, i0: int, i1: int, label: str, start_ms: int, n_laps: int
) -> LapMessage:
    lap = LapMessage()
    lap.message_index = li
    lap.timestamp = start_ms + (st.t[i1 - 1] + 1) * 1000
    lap.event = Event.LAP
    lap.event_type = EventType.STOP
    lap.start_time = start_ms + st.t[i0] * 1000
    lap.total_elapsed_time = float(st.t[i1 - 1] + 1 - st.t[i0])
    lap.total_timer_time = float(i1 - i0)
    d0 = st.dist[i0 - 1] if i0 > 0 else 0.0
    dist = st.dist[i1 - 1] - d0
    lap.total_distance = dist
    lap.enhanced_avg_speed = dist / (i1 - i0)
    lap.enhanced_max_speed = max(st.speed[i0:i1])
    if st.hr is not None:
        lap.avg_heart_rate = round(sum(st.hr[i0:i1]) / (i1 - i0))
        lap.max_heart_rate = max(st.hr[i0:i1])
    if st.cad is not None:
        lap.avg_cadence = round(sum(st.cad[i0:i1]) / (i1 - i0))
    if st.power is not None:
        lap.avg_power = round(sum(st.power[i0:i1]) / (i1 - i0))
    if st.lat is not None:
        lap.start_position_lat = st.lat[i0]
        lap.start_position_long = st.lon[i0]
        lap.end_position_lat = st.lat[i1 - 1]
        lap.end_position_long = st.lon[i1 - 1]
    lap.total_calories = round(a.weight_kg * dist / 1000.0) if a.sport == "run" else 0
    lap.intensity = _INTENSITY.get(label, Intensity.ACTIVE)
    structured = any(s.lap for s in a.segments)
    if structured:
        lap.lap_trigger = LapTrigger.MANUAL
    elif li == n_laps - 1:
        lap.lap_trigger = LapTrigger.SESSION_END
    else:
        lap.lap_trigger = LapTrigger.DISTANCE
    lap.sport = SPORTS[a.sport][0]
    return lap


def fit_epoch_ms() -> int:
    return _FIT_EPOCH_MS


def crc_selftest() -> bool:
    data = zlib.compress(b"cadence" * 50)
    return fit_crc(data) == crc16(data)
