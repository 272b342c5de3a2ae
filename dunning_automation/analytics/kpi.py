# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Receivable KPIs (DSO, countback DSO, best possible DSO, ADD, CEI, aging) as pure
functions of the ledger's figures, so the hand-computed fixtures check them exactly.

Every amount is in one currency (the company's); ``None`` means "no data" (no sales in
the period), never a division by zero.
"""

# Aging buckets, oldest last: (code, first day overdue, last day overdue or None).
# The SQL views bucket with the same bounds (aging_bucket_sql in the report model).
AGING_BUCKETS = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("90_plus", 91, None),
)


def aging_bucket(days_overdue):
    """The bucket code of an item ``days_overdue`` days past its due date."""
    for code, first, last in AGING_BUCKETS:
        if (first is None or days_overdue >= first) and (
            last is None or days_overdue <= last
        ):
            return code
    raise ValueError(days_overdue)  # pragma: no cover - the buckets cover every int


def aging(items):
    """{bucket: total} of ``(days_overdue, amount)`` items, every bucket present."""
    totals = dict.fromkeys((code for code, _first, _last in AGING_BUCKETS), 0.0)
    for days_overdue, amount in items:
        totals[aging_bucket(days_overdue)] += amount
    return totals


def dso(receivables, credit_sales, days):
    """Standard DSO: receivables at the period's end / credit sales of the period x its
    days."""
    if not credit_sales or credit_sales <= 0:
        return None
    return receivables / credit_sales * days


def best_possible_dso(current_receivables, credit_sales, days):
    """DSO if every customer paid on time: only the not-yet-due receivables count."""
    return dso(current_receivables, credit_sales, days)


def average_days_delinquent(receivables, current_receivables, credit_sales, days):
    """ADD = DSO - best possible DSO: the days the late payers add."""
    standard = dso(receivables, credit_sales, days)
    if standard is None:
        return None
    return standard - best_possible_dso(current_receivables, credit_sales, days)


def countback_dso(receivables, months):
    """Countback DSO: walk back over the months, newest first, ``months`` =
    [(days in month, credit sales)], absorbing each month's sales until the receivables
    are used up; the last month counts the fraction left.

    None when the receivables exceed every month given (the history is too short).
    """
    left, total_days = receivables, 0.0
    if left <= 0:
        return 0.0
    for month_days, sales in months:
        if sales <= 0:
            total_days += month_days
            continue
        if left <= sales:
            return total_days + left / sales * month_days
        left -= sales
        total_days += month_days
    return None


def cei(begin_receivables, credit_sales, end_receivables, end_current_receivables):
    """Collection effectiveness index in %: what was collected of what could be.

    (begin + sales - end) / (begin + sales - end current) x 100.
    """
    collectible = begin_receivables + credit_sales - end_current_receivables
    if collectible <= 0:
        return None
    return (begin_receivables + credit_sales - end_receivables) / collectible * 100
