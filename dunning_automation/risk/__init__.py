# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Late-payment risk scoring for accounts receivable (plain pandas/scikit-learn)."""

from .backtest import BacktestResult, backtest
from .bands import BAND_NAMES
from .features import ValidationReport, build_features, known_outcomes, validate_frame
from .model import PREDICTION_COLUMNS, LatePaymentModel
from .reasons import Reason
from .segments import SEGMENT_CODES
from .synthetic import make_synthetic_history

__all__ = [
    "BAND_NAMES",
    "PREDICTION_COLUMNS",
    "SEGMENT_CODES",
    "BacktestResult",
    "LatePaymentModel",
    "Reason",
    "ValidationReport",
    "backtest",
    "build_features",
    "known_outcomes",
    "make_synthetic_history",
    "validate_frame",
]
