# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Receivable analytics on plain data, no Odoo import: KPI formulas, experiment
assignment and uplift, the bandit recommender and the cash-in forecast."""
