# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class DunningStatementReport(models.AbstractModel):
    """The account statement of commercial partners at the report's company (PDF)."""

    _name = "report.dunning_automation.report_dunning_statement"
    _description = "Dunning: Account Statement Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        company = self.env.company
        today = fields.Date.context_today(self)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "today": today,
            "statements": {
                partner.id: partner.sudo()._dunning_statement_values(company, today)
                for partner in partners
            },
        }
