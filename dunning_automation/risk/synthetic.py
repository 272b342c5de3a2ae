# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Synthetic receivables history with known, planted late-payment structure."""

import numpy as np
import pandas as pd

KINDS = ("reliable", "slow but steady", "chronic late")
_KIND_SHARE = (0.55, 0.30, 0.15)
_KIND_LOGIT = (-2.5, 0.3, 2.2)
_KIND_DAYS = (5.0, 6.0, 35.0)
_COUNTRIES = ("BE", "FR", "DE", "IT", "NL")
_COUNTRY_SHARE = (0.3, 0.25, 0.2, 0.15, 0.1)
_COUNTRY_LOGIT = {"BE": 0.0, "FR": 0.2, "DE": -0.4, "IT": 0.7, "NL": -0.2}


def make_synthetic_history(
    n_partners=200,
    n_invoices=5000,
    seed=0,
    start="2023-01-01",
    end="2024-12-31",
    return_truth=False,
):
    """Generate an invoice frame in the scorer's input format.

    Planted structure: each partner has a kind (``KINDS``) setting its late
    propensity and typical delay; 15 % of partners deteriorate from a random
    date on (logit +2.5); invoices 3-8x the partner's usual size (+1.5),
    disputed invoices (+2.0, +20 days), the first 90 days of a relationship
    (+0.8) and the country shift the logit.  Payments after ``end`` are left
    open, 1 % of invoices are never paid.  With ``return_truth`` also return
    the partner table (``partner_id``, ``kind``, ``base_logit``,
    ``drift_date``).
    """
    rng = np.random.default_rng(seed)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    span = (end - start).days
    kind = rng.choice(len(KINDS), p=_KIND_SHARE, size=n_partners)
    base_logit = np.asarray(_KIND_LOGIT)[kind] + rng.normal(0, 0.4, n_partners)
    typical_days = np.asarray(_KIND_DAYS)[kind] * rng.lognormal(0, 0.3, n_partners)
    late_joiner = rng.random(n_partners) < 0.3
    p_start = np.where(
        late_joiner,
        rng.integers(0, int(span * 0.85), n_partners),
        rng.integers(0, 60, n_partners),
    )
    drifts = rng.random(n_partners) < 0.15
    p_drift = np.where(
        drifts,
        p_start + rng.integers(60, max(span, 61), n_partners),
        np.iinfo(np.int64).max,
    )
    country = rng.choice(_COUNTRIES, p=_COUNTRY_SHARE, size=n_partners)
    currency = rng.choice(["EUR", "USD", "GBP"], p=(0.8, 0.12, 0.08), size=n_partners)
    term = rng.choice([15, 30, 30, 30, 45, 60], size=n_partners)
    size = rng.lognormal(7.0, 1.0, n_partners)
    activity = rng.pareto(1.5, n_partners) + 1.0

    partner = rng.choice(n_partners, p=activity / activity.sum(), size=n_invoices)
    offset = p_start[partner] + (
        rng.random(n_invoices) * (span - p_start[partner])
    ).astype(int)
    big = rng.random(n_invoices) < 0.08
    amount = np.round(
        size[partner]
        * rng.lognormal(0, 0.4, n_invoices)
        * np.where(big, rng.uniform(3, 8, n_invoices), 1),
        2,
    )
    disputed = rng.random(n_invoices) < 0.04
    inv_term = term[partner]
    logit = (
        base_logit[partner]
        + 2.5 * (offset >= p_drift[partner])
        + 1.5 * big
        + 2.0 * disputed
        + 0.8 * (offset - p_start[partner] < 90)
        + np.array([_COUNTRY_LOGIT[c] for c in country])[partner]
    )
    late = rng.random(n_invoices) < 1 / (1 + np.exp(-logit))
    delay = np.where(
        late,
        1 + rng.gamma(1.5, typical_days[partner] / 1.5) + 20 * disputed,
        -np.floor(rng.random(n_invoices) * inv_term * 0.6),
    ).astype(int)
    pay_offset = offset + inv_term + delay
    never = rng.random(n_invoices) < 0.01
    invoice_date = start + pd.to_timedelta(offset, unit="D")
    paid_date = pd.Series(start + pd.to_timedelta(pay_offset, unit="D"))
    paid_date[(pay_offset > span) | never] = pd.NaT
    dispute_date = pd.Series(
        invoice_date + pd.to_timedelta(rng.integers(1, 20, n_invoices), unit="D")
    )
    dispute_date[~disputed] = pd.NaT

    frame = pd.DataFrame(
        {
            "partner_id": [f"P{p:05d}" for p in partner],
            "invoice_date": invoice_date,
            "due_date": invoice_date + pd.to_timedelta(inv_term, unit="D"),
            "amount": amount,
            "currency": currency[partner],
            "paid_date": paid_date,
            "country": country[partner],
            "payment_term_days": inv_term,
            "disputed_date": dispute_date,
        }
    ).sort_values(["invoice_date", "partner_id"], kind="stable", ignore_index=True)
    frame.insert(0, "invoice_id", [f"INV{i:07d}" for i in range(len(frame))])
    if not return_truth:
        return frame
    truth = pd.DataFrame(
        {
            "partner_id": [f"P{p:05d}" for p in range(n_partners)],
            "kind": np.asarray(KINDS)[kind],
            "base_logit": base_logit,
            "drift_date": [
                start + pd.Timedelta(days=int(d)) if ok else pd.NaT
                for d, ok in zip(p_drift, drifts, strict=True)
            ],
        }
    )
    return frame, truth
