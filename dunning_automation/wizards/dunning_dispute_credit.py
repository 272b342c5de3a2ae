# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class DunningDisputeCredit(models.TransientModel):
    """Settle an accepted dispute with a credit note: the whole invoice, an amount or
    chosen lines.

    The credit note comes from Odoo's own reversal (``account.move.reversal``), is cut
    down to what is credited, then posted: Odoo reconciles it with the invoice, whose
    dunning resumes for what is still due.
    """

    _name = "dunning.dispute.credit"
    _description = "Dispute Credit Note"

    dispute_id = fields.Many2one(
        "dunning.dispute", required=True, readonly=True, ondelete="cascade"
    )
    move_id = fields.Many2one(related="dispute_id.move_id")
    currency_id = fields.Many2one(related="move_id.currency_id")
    credit_type = fields.Selection(
        [
            ("full", "The whole invoice"),
            ("amount", "An amount"),
            ("lines", "Chosen lines"),
        ],
        string="Credit",
        required=True,
        default="full",
    )
    amount = fields.Monetary(
        currency_field="currency_id",
        help="Total to credit, taxes included: every line of the invoice is credited "
        "in proportion.",
    )
    line_ids = fields.Many2many(
        "account.move.line",
        string="Lines",
        domain="[('move_id', '=', move_id), ('display_type', '=', 'product')]",
        help="The invoice lines credited in full.",
    )
    reason = fields.Char(help="Shown on the credit note.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        dispute = self.env["dunning.dispute"].browse(values.get("dispute_id"))
        if dispute and "reason" in fields_list:
            values["reason"] = dispute._reason_label()
        return values

    def _check_credit(self):
        move = self.move_id
        if self.credit_type == "amount":
            if self.currency_id.compare_amounts(self.amount, 0.0) <= 0:
                raise UserError(self.env._("The amount to credit must be positive."))
            if self.currency_id.compare_amounts(self.amount, move.amount_residual) > 0:
                raise UserError(
                    self.env._(
                        "The amount to credit cannot exceed what is still due on "
                        "%(invoice)s.",
                        invoice=move.name,
                    )
                )
        if self.credit_type == "lines" and not self.line_ids:
            raise UserError(self.env._("Choose the invoice lines to credit."))
        if self.line_ids.move_id - move:
            raise UserError(
                self.env._("Only lines of the disputed invoice can be credited.")
            )

    def _cut_down(self, credit_note):
        """Keep on the full reversal ``credit_note`` only what is credited."""
        invoice_lines = self.move_id.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        # a reversal copies the lines in their order: the n-th line reverses the
        # invoice's n-th (hence zip's strict: as many lines on both sides)
        credit_lines = credit_note.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        if self.credit_type == "lines":
            dropped = [
                credit.id
                for line, credit in zip(invoice_lines, credit_lines, strict=True)
                if line not in self.line_ids
            ]
            credit_note.invoice_line_ids = [
                Command.delete(line_id) for line_id in dropped
            ]
        elif self.credit_type == "amount":
            ratio = self.amount / self.move_id.amount_total
            credit_note.invoice_line_ids = [
                Command.update(line.id, {"price_unit": line.price_unit * ratio})
                for line in credit_lines
            ]
            # what rounding the lines left, on the largest line
            difference = self.amount - credit_note.amount_total
            largest = credit_lines.sorted("price_total")[-1:]
            if largest and not self.currency_id.is_zero(difference):
                largest.price_unit *= (
                    largest.price_total + difference
                ) / largest.price_total

    def action_create_credit_note(self):
        """Create and post the credit note, accept the dispute with it and open the
        credit note."""
        self.ensure_one()
        self.dispute_id._check_open()
        self._check_credit()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=self.move_id.ids)
            .create({"journal_id": self.move_id.journal_id.id, "reason": self.reason})
        )
        action = reversal.refund_moves()
        credit_note = reversal.new_move_ids
        self._cut_down(credit_note)
        credit_note.action_post()
        self.dispute_id._accept(credit_note)
        return action
