"""Month arithmetic for budgets and waves: every plan date that matters is a month boundary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after *day*'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return next_month(day) - dt.timedelta(days=1)


def months(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """First day of every month from *first*'s month through *last*'s month."""
    m = month_start(first)
    while m <= last:
        yield m
        m = next_month(m)
