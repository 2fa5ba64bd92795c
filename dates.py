"""Dates and times, the one place for them: stored in UTC, shown and counted in Europe/Berlin, written the German way.

The rule for a datetime without a time zone (naive): it is UTC, because that is how records store time
(`utcnow`). Pages, services, storage and documents all format and convert through this module, so a time
prints the same on a screen, in a PDF and in the audit trail. It imports nothing of the project (bottom layer).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
EMPTY = "—"  # printed for a missing date (keine Angabe)


def utcnow() -> datetime:
    """Now, aware, in UTC: the time every record stores."""
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """`at` as an aware datetime; a naive one is taken as UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def to_berlin(at: datetime) -> datetime:
    """`at` in Europe/Berlin; a naive datetime is taken as UTC."""
    return as_utc(at).astimezone(BERLIN)


def berlin_day(at: datetime) -> date:
    """The Europe/Berlin calendar day of `at` (23:30 UTC in winter is already the next day)."""
    return to_berlin(at).date()


def format_datetime(at: datetime | None) -> str:
    """'24.11.2026 14:05' in Europe/Berlin; None gives '—'."""
    if at is None:
        return EMPTY
    return f"{to_berlin(at):%d.%m.%Y %H:%M}"


def format_date(day: date | datetime | None) -> str:
    """'24.11.2026'; a datetime gives its Europe/Berlin day; None gives '—'."""
    if day is None:
        return EMPTY
    if isinstance(day, datetime):
        day = berlin_day(day)
    return f"{day:%d.%m.%Y}"


def format_time(at: datetime) -> str:
    """'14:05' in Europe/Berlin."""
    return f"{to_berlin(at):%H:%M}"


def today() -> date:
    """Today's date in Europe/Berlin (the server may run in UTC)."""
    return datetime.now(BERLIN).date()


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months; the day is clamped to the month's end (31.01. + 1 → 28./29.02.)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, day: date) -> int:
    """Completed years of life on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
