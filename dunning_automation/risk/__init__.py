# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Late-payment risk scoring for accounts receivable (plain pandas/scikit-learn)."""

from .backtest import BacktestResult, backtest
from .features import ValidationReport, build_features, known_outcomes, validate_frame
from .scorer import BAND_NAMES, PREDICTION_COLUMNS, LatePaymentModel
from .synthetic import make_synthetic_history

__all__ = [
    "BAND_NAMES",
    "PREDICTION_COLUMNS",
    "BacktestResult",
    "LatePaymentModel",
    "ValidationReport",
    "backtest",
    "build_features",
    "known_outcomes",
    "make_synthetic_history",
    "validate_frame",
]
