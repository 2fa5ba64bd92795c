"""German date formatting and calendar helpers: shown in Europe/Berlin, stored in UTC."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def to_berlin(at: datetime) -> datetime:
    """`at` in Europe/Berlin; a naive datetime is taken as UTC (that is how records store time)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(BERLIN)


def format_datetime(at: datetime | None) -> str:
    """'24.11.2026 14:05' in Europe/Berlin; None gives '—'."""
    if at is None:
        return "—"
    return f"{to_berlin(at):%d.%m.%Y %H:%M}"


def format_date(day: date | datetime | None) -> str:
    """'24.11.2026'; a datetime is first converted to Europe/Berlin; None gives '—'."""
    if day is None:
        return "—"
    if isinstance(day, datetime):
        day = to_berlin(day).date()
    return f"{day:%d.%m.%Y}"


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
