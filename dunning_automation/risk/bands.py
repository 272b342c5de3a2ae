# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Risk bands: score thresholds whose observed late rates strictly increase.

Bands leave the package as codes (:data:`BAND_NAMES`); the caller names them.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

BAND_NAMES = ("low", "medium", "high", "critical")
DEFAULT_BAND_EDGES = (0, 25, 50, 75, 101)


@dataclass
class Bands:
    """Fitted bands: ``edges`` (lower score bound of each band, then 101), ``names``
    (codes), ``validated`` (False when the default thresholds were kept unchecked) and
    ``table`` (band, min_score, max_score, n_invoices, late_rate on the training
    scores)."""

    edges: list
    names: list
    validated: bool
    table: pd.DataFrame

    def band_of(self, risk_score):
        """Band code of each 0-100 risk score."""
        idx = np.searchsorted(self.edges, np.asarray(risk_score), side="right") - 1
        return np.asarray(self.names, dtype=object)[
            np.clip(idx, 0, len(self.names) - 1)
        ]


def default_band_of(risk_score):
    """Band code of each 0-100 score on the fixed thresholds (used for the baseline)."""
    return Bands(list(DEFAULT_BAND_EDGES), list(BAND_NAMES), False, None).band_of(
        risk_score
    )


def fit_bands(proba, y, min_band_size):
    """Pick score bands whose observed late rates strictly increase.

    Start from fixed thresholds (0-24 low, 25-49 medium, 50-74 high, 75-100
    critical) on the training scores; while a band holds fewer than
    ``min_band_size`` invoices or its late rate is not above the band below,
    merge it with its lower neighbour (the first band merges upwards); a
    merged band keeps the lower name.  With fewer labels than
    ``min_band_size`` per band (a small portfolio: merging would collapse the
    bands into one or two) or a single class, the fixed thresholds on the
    calibrated probability are kept unvalidated.
    """
    score = np.rint(np.clip(proba, 0, 1) * 100)
    edges, names = list(DEFAULT_BAND_EDGES), list(BAND_NAMES)

    def stats():
        idx = np.searchsorted(edges, score, side="right") - 1
        n = np.bincount(idx, minlength=len(names))[: len(names)]
        late = np.bincount(idx, weights=y, minlength=len(names))[: len(names)]
        with np.errstate(invalid="ignore", divide="ignore"):
            return n, late / n

    validated = len(y) >= len(names) * min_band_size and 0 < y.sum() < len(y)
    while validated and len(names) > 1:
        n, rate = stats()
        small = np.flatnonzero(n < min_band_size)
        if len(small):
            merge = max(small[0], 1)
        else:
            worse = np.flatnonzero(rate[1:] <= rate[:-1])
            if not len(worse):
                break
            merge = worse[0] + 1
        del edges[merge], names[merge]
    n, rate = stats()
    table = pd.DataFrame(
        {
            "band": names,
            "min_score": edges[:-1],
            "max_score": [min(e - 1, 100) for e in edges[1:]],
            "n_invoices": n.astype(int),
            "late_rate": rate,
        }
    )
    return Bands(edges, names, validated, table)
