"""German dates for services and pages: a re-export of the project's one date module, `dates` (kept so that
existing imports keep working; new code imports `dates`)."""

from dates import BERLIN, add_months, age_on, format_date, format_datetime, format_time, to_berlin, today

__all__ = ["BERLIN", "add_months", "age_on", "format_date", "format_datetime", "format_time", "to_berlin", "today"]
