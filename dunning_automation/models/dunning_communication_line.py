# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class DunningCommunicationLine(models.Model):
    """One invoice instalment or credit as a reminder listed it, frozen then."""

    _name = "dunning.communication.line"
    _description = "Dunning Communication Line"
    _order = "communication_id, date_due, id"

    communication_id = fields.Many2one(
        "dunning.communication",
        required=True,
        index=True,
        ondelete="restrict",
        readonly=True,
    )
    company_id = fields.Many2one(related="communication_id.company_id", store=True)
    move_id = fields.Many2one(
        "account.move",
        string="Document",
        index=True,
        ondelete="set null",
        readonly=True,
    )
    move_line_id = fields.Many2one(
        "account.move.line", ondelete="set null", readonly=True
    )
    move_name = fields.Char(string="Number", readonly=True)
    move_type = fields.Char(readonly=True)
    invoice_date = fields.Date(readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_total = fields.Monetary(string="Original Amount", readonly=True)
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)
    amount_residual_company = fields.Float(
        string="Amount Due (company currency)", readonly=True
    )
    level_id = fields.Many2one(
        "dunning.level", string="Level Reached", ondelete="restrict", readonly=True
    )
    portal_url = fields.Char(readonly=True)
    state = fields.Selection(related="communication_id.state", string="Delivery")

    def _snapshot(self):
        """The frozen values the communication's hash covers."""
        return [
            [
                line.move_name,
                line.move_type,
                str(line.invoice_date or ""),
                str(line.date_due or ""),
                line.days_overdue,
                line.currency_id.name,
                line.currency_id.round(line.amount_total),
                line.currency_id.round(line.amount_residual),
                line.level_id.id or 0,
            ]
            for line in self.sorted("id")
        ]

    def write(self, vals):
        if self:
            self.communication_id._raise_immutable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit_trail(self):
        self.communication_id._raise_immutable()
