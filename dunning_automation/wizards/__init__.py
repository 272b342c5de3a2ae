# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from . import dunning_preview
from . import dunning_pause
from . import dunning_risk_backtest
from . import dunning_dispute_credit
from . import dunning_log_call
