"""Column shapes several tables share."""

from warehouse.contract import Field, instant, integer, number, text
from warehouse.plausibility import HEART_RATE, Bounds


def within(bounds: Bounds, doc: str) -> Field:
    """A measure ranging over what `warehouse.plausibility` says it can be: the readers
    quarantine what lies outside, so no derived row holds it."""
    return number(doc, bounds.unit, ge=bounds.low, le=bounds.high)


def bpm(doc: str) -> Field:
    return within(HEART_RATE, doc)


def percent(doc: str) -> Field:
    return number(doc, "%", ge=0, le=100)


def confidence(doc: str) -> Field:
    return number(doc, "0-1", ge=0, le=1)


def latitude(doc: str) -> Field:
    return number(doc, "degrees", ge=-90, le=90)


def longitude(doc: str) -> Field:
    return number(doc, "degrees", ge=-180, le=180)


def utc_offset() -> Field:
    return integer(
        "UTC offset of the local time the event was recorded in",
        "seconds",
        ge=-14 * 3600,
        le=14 * 3600,
    )


def ownership() -> dict[str, Field]:
    return {
        "runner_id": text("Runner who owns the row (slug)", nullable=False),
        "user_id": text("Account id of the runner's user, where known"),
    }


def audit() -> dict[str, Field]:
    return {
        "created_at": instant("When the row was first written"),
        "updated_at": instant("When the row was last rewritten"),
    }
