# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rolling-origin backtest of the late-payment model against a naive baseline."""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from .bands import BAND_NAMES, default_band_of
from .features import build_features, known_outcomes, validate_frame
from .model import PROB_FLOOR, LatePaymentModel

_logger = logging.getLogger(__name__)

METHODS = ("model", "baseline")
# the riskiest share of the scored invoices whose late rate is reported (the collectors'
# call list)
TOP_SHARE = 0.2
# Known outcomes before the first fold, unless the history is too short for it.
DEFAULT_MIN_LABELLED = 300


@dataclass
class BacktestResult:
    """Backtest output.

    ``summary``: one row per method (model, baseline) with ``n_invoices``,
    ``auc``, ``brier``, ``log_loss``, ``pay_date_mae_days``,
    ``top_20_late_share`` (share of late invoices among the 20 % scored
    highest) and
    ``late_rate_<band>`` / ``n_<band>`` over all folds pooled.  ``folds``: one
    row per fold date with the same metrics prefixed ``model_`` /
    ``baseline_``.  ``predictions``: every scored invoice with both methods'
    probabilities, predicted pay dates, bands and the eventual outcome.
    """

    summary: pd.DataFrame
    folds: pd.DataFrame
    predictions: pd.DataFrame

    def to_dict(self):
        """JSON-ready dict of ``summary`` and ``folds``."""

        def records(df):
            df = df.astype(object).where(df.notna(), None)
            return [
                {
                    k: (v.isoformat() if isinstance(v, pd.Timestamp) else v)
                    for k, v in r.items()
                }
                for r in df.to_dict("records")
            ]

        return {
            "summary": records(self.summary.reset_index()),
            "folds": records(self.folds),
        }


def _top_late_share(y, proba):
    """Share of late invoices among the ``TOP_SHARE`` highest scored (ties in the
    given order)."""
    n_top = int(np.ceil(TOP_SHARE * len(y)))
    if not n_top:
        return np.nan
    return float(np.asarray(y)[np.argsort(-proba, kind="stable")[:n_top]].mean())


def _metrics(y, proba, pay_error, bands):
    """AUC, Brier, log loss, pay-date MAE, late share of the top scored and late
    rate per band."""
    p = np.clip(proba, PROB_FLOOR, 1 - PROB_FLOOR)
    two_classes = len(np.unique(y)) == 2
    out = {
        "n_invoices": len(y),
        "auc": roc_auc_score(y, p) if two_classes else np.nan,
        "brier": brier_score_loss(y, p) if len(y) else np.nan,
        "log_loss": log_loss(y, p, labels=[0, 1]) if len(y) else np.nan,
        "pay_date_mae_days": float(np.nanmean(pay_error))
        if np.isfinite(pay_error).any()
        else np.nan,
        "top_20_late_share": _top_late_share(y, p),
    }
    for band in BAND_NAMES:
        mask = bands == band
        out[f"late_rate_{band}"] = y[mask].mean() if mask.any() else np.nan
        out[f"n_{band}"] = int(mask.sum())
    return out


def _baseline(clean, as_of, rows):
    """Each customer's known late rate and predicted pay date, on each row's invoice
    date.

    The late rate counts the customer's invoices due before the invoice
    date, late when not paid by their due date.  The pay date is the invoice
    date plus the customer's median days from invoice to payment over the
    invoices paid before it.  Customers without a known outcome get the
    portfolio's figures on ``as_of`` (the fold date); with no payment at all,
    the pay date is the due date.
    """
    known = known_outcomes(clean, as_of)
    paid = clean[clean["paid_date"] < as_of]
    settle = (paid["paid_date"] - paid["invoice_date"]).dt.days.clip(lower=0)
    x = build_features(clean, rows, rows["invoice_date"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        proba = x["due_late_count"] / x["due_count"]
    proba = proba.fillna(known["late"].mean() if len(known) else 0.5).to_numpy(
        dtype=float
    )
    days = x["hist_median_days_to_settle"].fillna(settle.median())
    days = days.fillna((rows["due_date"] - rows["invoice_date"]).dt.days).to_numpy(
        dtype=float
    )
    pay = (
        rows["invoice_date"].to_numpy()
        + pd.to_timedelta(np.rint(days), unit="D").to_numpy()
    )
    return proba, pay


def backtest(
    frame, start=None, freq="MS", end=None, min_labelled=None, model_params=None
):
    """Rolling-origin evaluation of :class:`LatePaymentModel` and a baseline.

    At each fold date from ``start`` (default: the first period start with at
    least ``min_labelled`` known outcomes; by default 300, or half of the
    outcomes known at the end on a shorter history) the model is refitted with
    ``as_of`` = fold date and scores each invoice issued before the next fold
    date on its invoice date, from the history known that day (see
    ``LatePaymentModel.predict(at_issue=True)``).  Scored invoices are
    compared with their eventual outcome at ``end`` (default: last date in
    the data): paid (late if after due date) or still open past due (late);
    invoices neither paid nor due by then are left out.  The baseline is the
    customer's late rate known on the same invoice date (portfolio rate for
    new customers) and, for pay dates, its median days from invoice to
    payment.  Probabilities are
    clipped to [0.001, 0.999] for log loss; baseline bands use the default
    score thresholds.  Returns a :class:`BacktestResult`.
    """
    clean = validate_frame(frame).clean
    if clean.empty:
        raise ValueError("no valid invoice to backtest")
    last = (
        pd.Timestamp(end)
        if end is not None
        else clean[["invoice_date", "paid_date"]].max().max()
    )
    outcome_date = last.normalize() + pd.Timedelta(days=1)
    outcomes = known_outcomes(clean, outcome_date).set_index("invoice_id")
    periods = pd.date_range(
        clean["invoice_date"].min().normalize(), outcome_date, freq=freq
    )
    if start is None:
        if min_labelled is None:
            min_labelled = max(1, min(DEFAULT_MIN_LABELLED, len(outcomes) // 2))
        enough = [d for d in periods if len(known_outcomes(clean, d)) >= min_labelled]
        if not enough:
            raise ValueError(
                f"no fold date with {min_labelled} known outcomes; pass start "
                "explicitly"
            )
        start = enough[0]
    folds_at = [d for d in periods if d >= pd.Timestamp(start)]
    bounds = list(zip(folds_at, folds_at[1:] + [outcome_date], strict=True))

    fold_rows, pooled = [], []
    for fold_date, next_date in bounds:
        issued = clean[
            (clean["invoice_date"] >= fold_date) & (clean["invoice_date"] < next_date)
        ]
        scored = issued[issued["invoice_id"].isin(outcomes.index)]
        if scored.empty:
            continue
        model = LatePaymentModel(**(model_params or {})).fit(clean, fold_date)
        pred = model.predict(
            clean,
            fold_date,
            invoice_ids=scored["invoice_id"],
            reasons=False,
            at_issue=True,
        )
        pred = pred.reindex(scored["invoice_id"].to_numpy())
        base_p, base_pay = _baseline(clean, fold_date, scored)
        truth = outcomes.loc[scored["invoice_id"]]
        paid = truth["paid_date"].notna().to_numpy()
        part = pd.DataFrame(
            {
                "fold": fold_date,
                "invoice_id": scored["invoice_id"].to_numpy(),
                "partner_id": scored["partner_id"].to_numpy(),
                "late": truth["late"].to_numpy(),
                "paid_date": truth["paid_date"].to_numpy(),
                "model_probability": pred["late_probability"].to_numpy(),
                "baseline_probability": base_p,
                "model_pay_date": pred["expected_pay_date"].to_numpy(),
                "baseline_pay_date": base_pay,
                "model_band": pred["risk_band"].to_numpy(),
                "baseline_band": default_band_of(np.rint(base_p * 100)),
            }
        )
        for method in METHODS:
            err = (
                (part[f"{method}_pay_date"] - part["paid_date"])
                .abs()
                .dt.days.to_numpy(dtype=float)
            )
            part[f"{method}_pay_error_days"] = np.where(paid, err, np.nan)
        pooled.append(part)
        row = {
            "fold": fold_date,
            "n_train_labelled": model.n_labelled_,
            "fallback_reason": model.fallback_reason_,
            "late_rate": part["late"].mean(),
        }
        for method in METHODS:
            m = _metrics(
                part["late"].to_numpy(),
                part[f"{method}_probability"].to_numpy(),
                part[f"{method}_pay_error_days"].to_numpy(),
                part[f"{method}_band"].to_numpy(),
            )
            row.update(
                {
                    f"{method}_{k}" if k != "n_invoices" else "n_scored": v
                    for k, v in m.items()
                }
            )
        fold_rows.append(row)
        _logger.info(
            "fold %s: %d scored, AUC model %.3f / baseline %.3f",
            fold_date.date(),
            len(part),
            row["model_auc"],
            row["baseline_auc"],
        )
    if not pooled:
        raise ValueError("no fold had invoices with a known outcome")
    predictions = pd.concat(pooled, ignore_index=True)
    summary = pd.DataFrame(
        [
            _metrics(
                predictions["late"].to_numpy(),
                predictions[f"{method}_probability"].to_numpy(),
                predictions[f"{method}_pay_error_days"].to_numpy(),
                predictions[f"{method}_band"].to_numpy(),
            )
            for method in METHODS
        ],
        index=pd.Index(METHODS, name="method"),
    )
    summary.insert(1, "n_folds", len(fold_rows))
    return BacktestResult(
        summary=summary, folds=pd.DataFrame(fold_rows), predictions=predictions
    )
