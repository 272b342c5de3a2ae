# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""When a customer may be phoned or sent an SMS: its business hours in its own time
zone, never on a weekend or a holiday. Plain Python, no Odoo."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKEND = frozenset({5, 6})
# How far ahead an opening is looked for: a calendar without hours has none.
SEARCH_DAYS = 370
# Business hours when the company has no working calendar: Monday to Friday, 9 to 18.
DEFAULT_HOURS = {weekday: [(9.0, 18.0)] for weekday in range(5)}


def zone(tz_name):
    """The time zone of that name, UTC when it has none or an unknown one."""
    try:
        return ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _at(day, hours, tz):
    """The local moment ``hours`` (8.5 = 08:30, 24 = midnight after) into ``day``."""
    minutes = round(hours * 60)
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(minutes=minutes)


def next_opening(now, tz_name, hours_by_weekday, holidays=frozenset()):
    """The first moment from ``now`` (an aware datetime) when the window is open, in
    UTC; ``now`` itself when it is open, None when it never opens.

    :param hours_by_weekday: {weekday (0 = Monday): [(hour from, hour to)]}, local
    :param holidays: local dates when the window stays closed
    """
    tz = zone(tz_name)
    local_now = now.astimezone(tz)
    for offset in range(SEARCH_DAYS):
        day = local_now.date() + timedelta(days=offset)
        if day.weekday() in WEEKEND or day in holidays:
            continue
        for hour_from, hour_to in sorted(hours_by_weekday.get(day.weekday(), ())):
            # wall-clock arithmetic, so that a DST change keeps the local hours
            start = _at(day, hour_from, tz).astimezone(UTC)
            end = _at(day, hour_to, tz).astimezone(UTC)
            if now < end:
                return max(now.astimezone(UTC), start)
    return None
