"""When a source runs: named schedules and five-field cron expressions, always in UTC.

A schedule defines *slots*, the instants it fires at. A source is due when the latest slot
at or before now has no run yet; looking only at the latest slot is what makes a scheduler
that was down for days catch up exactly once.
"""

from __future__ import annotations

from datetime import datetime, timezone

from croniter import croniter

from pipeline.errors import InvalidSource

NAMED = {"nightly": "0 2 * * *", "hourly": "0 * * * *"}
DEFAULT = "nightly"


def normalize(schedule: str) -> str:
    """``schedule`` in its stored form (a name lower-cased, a cron expression's spaces
    collapsed); :class:`InvalidSource` when it is neither."""
    text = " ".join((schedule or "").split())
    if text.lower() in NAMED:
        return text.lower()
    fields = text.split(" ")
    if len(fields) != 5 or not croniter.is_valid(text):
        raise InvalidSource(
            f"invalid schedule {schedule!r}: use {', '.join(NAMED)} or a cron expression "
            "with five fields (minute hour day month weekday), e.g. '30 1 * * *'")
    return text


def cron(schedule: str) -> str:
    """The cron expression behind a stored schedule."""
    return NAMED.get(schedule, schedule)


def latest_slot(schedule: str, now: datetime) -> datetime:
    """The latest instant at or before ``now`` at which ``schedule`` fires (UTC)."""
    minute = as_utc(now).replace(second=0, microsecond=0)
    expression = cron(schedule)
    if croniter.match(expression, minute):
        return minute
    return croniter(expression, minute).get_prev(datetime).astimezone(timezone.utc)


def next_slot(schedule: str, now: datetime) -> datetime:
    """The first instant after ``now`` at which ``schedule`` fires (UTC)."""
    return croniter(cron(schedule), as_utc(now)).get_next(datetime).astimezone(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
