# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Why a score is what it is: reason codes with parameters, and why the model fell back.

A reason is a ``(code, params)`` pair of plain JSON values, e.g.
``("mean_days_late", {"days": 30})``: the package owns the vocabulary, the
caller words it (in Odoo, translated in the reader's language).
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from .segments import NEW_CUSTOMER_PAID

# Reasons a score is high (parameters in brackets; amounts in the frame's currency).
REASON_DAYS_OVERDUE = "days_overdue"  # days
REASON_LATE_OF_LAST = (
    "late_of_last"  # late, count: paid `late` of its last `count` invoices late
)
REASON_NO_HISTORY = "no_history"
REASON_MEAN_DAYS_LATE = "mean_days_late"  # days
REASON_RECENT_LATE = (
    "recent_late"  # count, days: invoices paid late in the last `days` days
)
REASON_NO_PAYMENT = "no_payment"
REASON_NO_PAYMENT_FOR = "no_payment_for"  # days
REASON_OVERDUE_30 = "overdue_30"  # count
REASON_OVERDUE = "overdue"  # count, amount
REASON_OPEN_EXPOSURE = "open_exposure"  # count, amount
REASON_NO_AMOUNT_REFERENCE = "no_amount_reference"
REASON_AMOUNT_RATIO = "amount_ratio"  # ratio
REASON_AMOUNT_RANGE = "amount_range"  # amount
REASON_FIRST_INVOICE = "first_invoice"
REASON_NEW_CUSTOMER = "new_customer"  # days
REASON_TENURE = "tenure"  # years
REASON_NO_PAID_INVOICE = "no_paid_invoice"
REASON_PAID_INVOICES = "paid_invoices"  # count
REASON_TERMS = "payment_terms"  # days
REASON_DISPUTED = "disputed"
REASON_DISPUTE_HISTORY = "dispute_history"  # count
REASON_COUNTRY = "country"  # country
REASON_CLOSE_TO_PORTFOLIO = "close_to_portfolio"  # rate (0-1)
# a customer without any paid invoice: its score is the portfolio late rate
REASON_PORTFOLIO_AVERAGE = "portfolio_average"  # rate (0-1)
REASON_NO_RISK_FACTOR = "no_risk_factor"

# Why the model fell back to each customer's own history.
FALLBACK_INSUFFICIENT_DATA = (
    "insufficient_data"  # n_labelled, min_labelled, censor_days
)
FALLBACK_NO_LATE = "no_late_payment"
FALLBACK_ALL_LATE = "all_late"
FALLBACK_FEW_LATE = "few_late"  # count, min_per_class
FALLBACK_FEW_ON_TIME = "few_on_time"  # count, min_per_class
FALLBACK_SINGLE_CUSTOMER = "single_customer"
FALLBACK_CANNOT_CHECK = "cannot_check"  # n_valid, n_late, min_valid, min_per_class
FALLBACK_MODEL_ADDS_NOTHING = "model_adds_nothing"  # n_valid
FALLBACK_BASELINE_BETTER = "baseline_better"  # n_valid, baseline_brier, model_brier

RECENT_LATE_DAYS = 90
# Smoothing of the per-bin late rates, and the lift from which a bin counts as a reason.
_LIFT_PRIOR = 20.0
_MIN_LIFT = 1.15

REASON_GROUPS = (
    (
        "late_history",
        (
            "last_n_late_share",
            "hist_late_share",
            "known_late_share",
            "recent_late_share",
        ),
    ),
    ("recent_late", ("late_last_90_count",)),
    (
        "days_late",
        (
            "hist_mean_days_late",
            "hist_median_days_late",
            "hist_mean_pos_days_late",
            "hist_std_days_late",
            "hist_mean_days_to_settle",
            "hist_median_days_to_settle",
            "last_few_mean_days_late",
        ),
    ),
    ("payment_recency", ("days_since_last_payment",)),
    ("overdue_30", ("overdue_30_count",)),
    ("overdue", ("overdue_count", "overdue_amount")),
    ("open_exposure", ("open_count", "open_amount")),
    ("amount_ratio", ("amount_ratio",)),
    ("amount", ("log_amount",)),
    ("tenure", ("tenure_days",)),
    ("history_length", ("hist_paid_count",)),
    ("terms", ("payment_term_days",)),
    ("disputed", ("disputed",)),
    ("dispute_history", ("hist_dispute_count",)),
    ("country", ("country",)),
)


class Reason(NamedTuple):
    """A reason code and its parameters (JSON values)."""

    code: str
    params: dict = {}

    def __str__(self):
        """Code and parameters, for logs and the command line."""
        return (
            f"{self.code}({', '.join(f'{k}={v}' for k, v in self.params.items())})"
            if self.params
            else self.code
        )


def _n(value):
    """A count or a number of days as a JSON integer."""
    return int(round(float(value)))


def _late_history_reason(r):
    if r.last_n_late:
        return Reason(
            REASON_LATE_OF_LAST,
            {"late": _n(r.last_n_late), "count": _n(r.last_n_count)},
        )
    return None if r.last_n_count else Reason(REASON_NO_HISTORY)


def _days_late_reason(r):
    m = r.hist_mean_days_late
    if np.isnan(m):
        return Reason(REASON_NO_HISTORY)
    return Reason(REASON_MEAN_DAYS_LATE, {"days": _n(m)}) if m >= 0.5 else None


def _payment_recency_reason(r):
    if np.isnan(r.days_since_last_payment):
        return Reason(REASON_NO_PAYMENT)
    return Reason(REASON_NO_PAYMENT_FOR, {"days": _n(r.days_since_last_payment)})


def _amount_ratio_reason(r):
    if np.isnan(r.amount_ratio):
        return Reason(REASON_NO_AMOUNT_REFERENCE)
    return Reason(REASON_AMOUNT_RATIO, {"ratio": round(float(r.amount_ratio), 1)})


def _tenure_reason(r):
    if r.tenure_days == 0:
        return Reason(REASON_FIRST_INVOICE)
    if r.tenure_days < 365:
        return Reason(REASON_NEW_CUSTOMER, {"days": _n(r.tenure_days)})
    return Reason(REASON_TENURE, {"years": round(float(r.tenure_days) / 365, 1)})


def _history_length_reason(r):
    if r.hist_paid_count == 0:
        return Reason(REASON_NO_PAID_INVOICE)
    return Reason(REASON_PAID_INVOICES, {"count": _n(r.hist_paid_count)})


def _country_reason(r):
    return Reason(REASON_COUNTRY, {"country": str(r.country)})


# How each reason group words a feature row (see ``_reason``).
_REASON_OF_GROUP = {
    "late_history": _late_history_reason,
    "days_late": _days_late_reason,
    "recent_late": lambda r: Reason(
        REASON_RECENT_LATE,
        {"count": _n(r.late_last_90_count), "days": RECENT_LATE_DAYS},
    ),
    "payment_recency": _payment_recency_reason,
    "overdue_30": lambda r: Reason(
        REASON_OVERDUE_30, {"count": _n(r.overdue_30_count)}
    ),
    "overdue": lambda r: Reason(
        REASON_OVERDUE,
        {"count": _n(r.overdue_count), "amount": round(float(r.overdue_amount), 2)},
    ),
    "open_exposure": lambda r: Reason(
        REASON_OPEN_EXPOSURE,
        {"count": _n(r.open_count), "amount": round(float(r.open_amount), 2)},
    ),
    "amount_ratio": _amount_ratio_reason,
    "amount": lambda r: Reason(
        REASON_AMOUNT_RANGE, {"amount": round(float(r.amount), 2)}
    ),
    "tenure": _tenure_reason,
    "history_length": _history_length_reason,
    "terms": lambda r: Reason(REASON_TERMS, {"days": _n(r.payment_term_days)}),
    "disputed": lambda r: Reason(REASON_DISPUTED),
    "dispute_history": lambda r: Reason(
        REASON_DISPUTE_HISTORY, {"count": _n(r.hist_dispute_count)}
    ),
}


def _reason(group, r):
    """The reason a feature row ``r`` gives for ``group``.

    ``None`` marks a value that cannot honestly be worded as a risk (e.g. an
    on-time history that only looks risky next to very early payers).
    """
    return _REASON_OF_GROUP.get(group, _country_reason)(r)


def _bin(edges, values):
    idx = np.searchsorted(edges, values, side="left")
    return np.where(np.isfinite(values), idx, len(edges) + 1)


def fit_lift_tables(x, y, use_country):
    """Smoothed late rate per quantile bin (or category) of each feature, relative to
    the portfolio's.

    Returns ``{feature: (edges or None for a category, lift per bin or Series per
    category)}``.
    """
    base = y.mean()
    tables = {}
    for _, feats in REASON_GROUPS:
        for feat in feats:
            if feat == "country":
                if use_country:
                    grp = pd.DataFrame({"c": x["country"].to_numpy(), "y": y}).groupby(
                        "c"
                    )["y"]
                    rates = (grp.sum() + _LIFT_PRIOR * base) / (
                        grp.count() + _LIFT_PRIOR
                    )
                    tables[feat] = (None, rates / base)
                continue
            values = x[feat].to_numpy(dtype=float)
            finite = np.isfinite(values)
            edges = (
                np.unique(np.quantile(values[finite], [0.2, 0.4, 0.6, 0.8]))
                if finite.any()
                else np.array([])
            )
            idx = _bin(edges, values)
            n = np.bincount(idx, minlength=len(edges) + 2)
            late = np.bincount(idx, weights=y, minlength=len(edges) + 2)
            rates = (late + _LIFT_PRIOR * base) / (n + _LIFT_PRIOR)
            tables[feat] = (edges, rates / base)
    return tables


def _model_scores(x, lift_tables, importances):
    """Score of each reason group per row: ``importance * log(lift)`` of its strongest
    feature."""
    score = np.full((len(x), len(REASON_GROUPS)), -np.inf)
    for j, (_, feats) in enumerate(REASON_GROUPS):
        for feat in feats:
            if feat not in lift_tables:
                continue
            edges, lift = lift_tables[feat]
            if edges is None:
                lifts = x[feat].map(lift).fillna(1.0).to_numpy()
            else:
                lifts = lift[_bin(edges, x[feat].to_numpy(dtype=float))]
            s = np.where(
                lifts >= _MIN_LIFT, importances.get(feat, 0.0) * np.log(lifts), -np.inf
            )
            score[:, j] = np.maximum(score[:, j], np.where(s > 0, s, -np.inf))
    return score


def _rule_scores(x, proba, base_rate):
    """Score of each reason group per row without a model: overdue items, then the
    customer's own history."""
    groups = [g for g, _ in REASON_GROUPS]
    score = np.full((len(x), len(groups)), -np.inf)
    rules = {
        "overdue_30": x["overdue_30_count"] > 0,
        "overdue": x["overdue_count"] > 0,
        "late_history": (x["last_n_late"] > 0) & (proba > base_rate),
    }
    for rank, (group, mask) in enumerate(rules.items()):
        score[mask.to_numpy(), groups.index(group)] = len(rules) - rank
    return score


def top_reasons(x, proba, base_rate, lift_tables=None, importances=None):
    """Top three reasons pushing each feature row's risk up, as lists of
    :class:`Reason`.

    With a model (``lift_tables`` and ``importances`` given): a feature counts
    when the row's value falls in a bin whose training late rate is above the
    portfolio rate (lift >= 1.15), weighted by the model's permutation
    importance.  Without: simple rules on overdue items and the customer's own
    history.  Overdue invoices always lead with their days overdue.
    """
    model = lift_tables is not None
    score = (
        _model_scores(x, lift_tables, importances)
        if model
        else _rule_scores(x, proba, base_rate)
    )
    overdue = x["days_overdue"].to_numpy() > 0
    top = np.argsort(-score, axis=1, kind="stable")[:, :3]
    chosen = np.take_along_axis(score, top, axis=1) > -np.inf
    chosen[overdue, 2] = False
    found_by_group = {}
    for j, (group, _) in enumerate(REASON_GROUPS):
        rows = np.flatnonzero(((top == j) & chosen).any(axis=1))
        if len(rows):
            found_by_group[j] = dict(
                zip(
                    rows,
                    (_reason(group, r) for r in x.iloc[rows].itertuples(index=False)),
                    strict=True,
                )
            )
    result = []
    for i in range(len(x)):
        found = (
            [Reason(REASON_DAYS_OVERDUE, {"days": _n(x["days_overdue"].iat[i])})]
            if overdue[i]
            else []
        )
        for j, ok in zip(top[i], chosen[i], strict=True):
            reason = found_by_group[j][i] if ok else None
            if reason is not None and reason not in found:
                found.append(reason)
        if not found:
            close = not model and x["hist_paid_count"].iat[i] < NEW_CUSTOMER_PAID
            found.append(
                Reason(REASON_CLOSE_TO_PORTFOLIO, {"rate": round(float(base_rate), 2)})
                if close
                else Reason(REASON_NO_RISK_FACTOR)
            )
        result.append(found)
    return result
