# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Cash-in forecast per week and currency, and its backtest against the naive "pays on
its due date" forecast."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

WEEKS = 12


@dataclass(frozen=True)
class OpenItem:
    """What a customer still owes on one item, and when it is expected."""

    currency: str
    amount: float
    due_date: date
    expected_date: date | None = None  # the risk model's expected pay date
    promise_date: date | None = None  # a promise to pay overrides the model


def week_start(day):
    return day - timedelta(days=day.weekday())


def expected_date(item):
    """Promise first, then the risk model, then the due date."""
    return item.promise_date or item.expected_date or item.due_date


def forecast(items, as_of, weeks=WEEKS, when=expected_date):
    """{currency: [amount expected in week 0 .. weeks-1]} from ``as_of``'s week.

    An item expected before ``as_of`` (late already) is expected this week; one after
    the horizon is left out."""
    first = week_start(as_of)
    result = defaultdict(lambda: [0.0] * weeks)
    for item in items:
        week = max((week_start(max(when(item), as_of)) - first).days // 7, 0)
        if week < weeks:
            result[item.currency][week] += item.amount
    return dict(result)


def naive_date(item):
    """The naive forecast: every item is paid on its due date."""
    return item.due_date


@dataclass(frozen=True)
class PaidItem:
    """An item of the history: when it was issued, due, expected and paid."""

    currency: str
    amount: float
    invoice_date: date
    due_date: date
    paid_date: date | None
    expected_days_late: float = 0.0  # what the risk model knew of the customer


def backtest(history, cutoffs, weeks=WEEKS):
    """Forecasts made at each past ``cutoff`` against what was actually collected.

    :return: [{"cutoff", "currency", "week", "actual", "model", "naive"}], and
             {"model": mean absolute error per week, "naive": ...}
    """
    rows = []
    for cutoff in cutoffs:
        open_items = [
            item
            for item in history
            if item.invoice_date <= cutoff
            and (item.paid_date is None or item.paid_date >= cutoff)
        ]
        as_open = [
            OpenItem(
                item.currency,
                item.amount,
                item.due_date,
                item.due_date + timedelta(days=round(item.expected_days_late)),
            )
            for item in open_items
        ]
        model = forecast(as_open, cutoff, weeks)
        naive = forecast(as_open, cutoff, weeks, when=naive_date)
        actual = forecast(
            [
                OpenItem(item.currency, item.amount, item.paid_date)
                for item in open_items
                if item.paid_date
            ],
            cutoff,
            weeks,
            when=naive_date,
        )
        for currency in sorted(set(model) | set(actual)):
            zero = [0.0] * weeks
            for week in range(weeks):
                rows.append(
                    {
                        "cutoff": cutoff,
                        "currency": currency,
                        "week": week,
                        "actual": actual.get(currency, zero)[week],
                        "model": model.get(currency, zero)[week],
                        "naive": naive.get(currency, zero)[week],
                    }
                )
    errors = {
        method: (
            sum(abs(row[method] - row["actual"]) for row in rows) / len(rows)
            if rows
            else None
        )
        for method in ("model", "naive")
    }
    return rows, errors
