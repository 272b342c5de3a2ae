# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_policy_id = fields.Many2one(related="company_id.dunning_policy_id", readonly=False)
    dunning_tolerance = fields.Monetary(related="company_id.dunning_tolerance", readonly=False)
    dunning_statement_link_days = fields.Integer(
        related="company_id.dunning_statement_link_days", readonly=False
    )

    def action_dunning_retrain_risk(self):
        """Retrain the risk model on the current company's history and rescore its customers."""
        result = self.env["dunning.risk.scoring"]._score_company(self.env.company)
        message = self.env._(
            "%(partners)s customers and %(invoices)s open invoices scored in %(seconds)s s.",
            **result,
        )
        if result["rejected"]:
            message += " " + self.env._("%(rejected)s invoices with invalid data were left out.", **result)
        if result["fallback"]:
            message += " " + self.env._("Simple estimates only: %(fallback)s.", **result)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "warning" if result["fallback"] else "success"},
        }
