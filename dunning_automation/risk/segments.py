# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Behavioural segments of customers: KMeans on how they paid, each cluster named from
its centroid.

Segments leave the package as codes (:data:`SEGMENT_CODES`); the caller names them.
"""

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

SEGMENT_RELIABLE = "reliable"
SEGMENT_SLOW = "slow_but_steady"
SEGMENT_CHRONIC_LATE = "chronic_late"
SEGMENT_LARGE_EXPOSURE = "large_exposure_at_risk"
SEGMENT_NEW = "new_customer"
SEGMENT_CODES = (
    SEGMENT_RELIABLE,
    SEGMENT_SLOW,
    SEGMENT_CHRONIC_LATE,
    SEGMENT_LARGE_EXPOSURE,
    SEGMENT_NEW,
)
# Customers with fewer paid invoices have no behaviour to cluster yet.
NEW_CUSTOMER_PAID = 3


def segment_of(late_share, mean_days, overdue_z, overdue_amount):
    """Segment code of a behaviour profile (a centroid or a single partner)."""
    if (late_share >= 0.5 and mean_days >= 10) or mean_days >= 20:
        return SEGMENT_CHRONIC_LATE
    if overdue_z >= 1.0 and overdue_amount > 0:
        return SEGMENT_LARGE_EXPOSURE
    if late_share >= 0.25:
        return SEGMENT_SLOW
    return SEGMENT_RELIABLE


def assign_segments(px, n_segments, random_state):
    """Segment code per partner of the feature rows ``px`` (indexed by partner), and the
    centroids.

    Partners with fewer than 3 paid invoices are new customers by rule; the
    others are clustered on late share, mean days late and overdue amount
    (log), and each cluster is named from its centroid.  Returns
    ``(segments, centres)``; ``centres`` has the behaviour columns, ``segment``
    and ``n_partners``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        behaviour = pd.DataFrame(
            {
                "late_share": px["hist_late_count"] / px["hist_paid_count"],
                "mean_days_late": px["hist_pos_days_sum"] / px["hist_paid_count"],
                "log_overdue_amount": np.log1p(px["overdue_amount"]),
            },
            index=px.index,
        )
    segment = pd.Series(SEGMENT_NEW, index=px.index, dtype=object)
    known = px["hist_paid_count"] >= NEW_CUSTOMER_PAID
    if not known.any():
        return segment, pd.DataFrame(
            columns=[*behaviour.columns, "segment", "n_partners"]
        )
    data = behaviour[known]
    scaler = StandardScaler().fit(data)
    z = scaler.transform(data)
    k = min(n_segments, len(np.unique(z.round(6), axis=0)))
    if k >= 2:
        km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(z)
        centres = pd.DataFrame(
            scaler.inverse_transform(km.cluster_centers_), columns=data.columns
        )
        centres_z, labels = km.cluster_centers_, km.labels_
    else:
        centres = data.iloc[:1].reset_index(drop=True)
        centres_z, labels = z[:1], np.zeros(len(data), dtype=int)
    centres["segment"] = [
        segment_of(
            c.late_share, c.mean_days_late, cz[2], np.expm1(c.log_overdue_amount)
        )
        for c, cz in zip(centres.itertuples(), centres_z, strict=True)
    ]
    centres["n_partners"] = np.bincount(labels, minlength=len(centres))
    segment[known] = centres["segment"].to_numpy()[labels]
    return segment, centres
