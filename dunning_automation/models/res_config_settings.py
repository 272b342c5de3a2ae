# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_policy_id = fields.Many2one(
        related="company_id.dunning_policy_id", readonly=False
    )
    dunning_tolerance = fields.Monetary(
        related="company_id.dunning_tolerance", readonly=False
    )
    dunning_responsible_id = fields.Many2one(
        related="company_id.dunning_responsible_id", readonly=False
    )
    dunning_statement_link_days = fields.Integer(
        related="company_id.dunning_statement_link_days", readonly=False
    )
    dunning_configuration_problem = fields.Char(
        compute="_compute_dunning_configuration_problem"
    )

    @api.depends("company_id")
    def _compute_dunning_configuration_problem(self):
        for settings in self:
            settings.dunning_configuration_problem = (
                settings.company_id._dunning_configuration_problem()
            )

    def action_dunning_retrain_risk(self):
        """Retrain the risk model on the company's history and rescore its customers."""
        scoring = self.env["dunning.risk.scoring"]
        return scoring._retrain_notification(scoring._score_company(self.env.company))
