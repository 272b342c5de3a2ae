# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, plaintext2html

MAX_PAUSE_DAYS = 365
DEFAULT_PAUSE_DAYS = 30


class DunningPause(models.TransientModel):
    """Pause the dunning of some customer invoices until a date, with a reason."""

    _name = "dunning.pause"
    _description = "Pause Dunning"

    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        required=True,
        default=lambda self: self._default_move_ids(),
        domain=[("move_type", "=", "out_invoice"), ("state", "=", "posted")],
    )
    paused_until = fields.Date(
        string="Pause Until",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self) + timedelta(days=DEFAULT_PAUSE_DAYS)
        ),
    )
    reason = fields.Selection(
        selection=lambda self: (
            self.env["account.move"]._fields["dunning_pause_reason"].selection
        ),
        required=True,
        default="manual",
    )
    note = fields.Text(help="Posted on the chatter of each invoice.")

    @api.model
    def _default_move_ids(self):
        if self.env.context.get("active_model") == "account.move":
            return self.env["account.move"].browse(
                self.env.context.get("active_ids") or []
            )
        return self.env["account.move"]

    @api.constrains("paused_until")
    def _check_paused_until(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            if wizard.paused_until <= today:
                raise ValidationError(
                    self.env._("Dunning can only be paused until a date in the future.")
                )
            if wizard.paused_until > today + timedelta(days=MAX_PAUSE_DAYS):
                raise ValidationError(
                    self.env._(
                        "Dunning cannot be paused for more than %(days)s days.",
                        days=MAX_PAUSE_DAYS,
                    )
                )

    def action_pause(self):
        self.ensure_one()
        wrong = self.move_ids.filtered(
            lambda move: move.move_type != "out_invoice" or move.state != "posted"
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted customer invoices can be paused: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        reason = dict(self._fields["reason"]._description_selection(self.env))[
            self.reason
        ]
        body = Markup("<p>%s</p>") % self.env._(
            "Dunning paused until %(date)s: %(reason)s.",
            date=format_date(self.env, self.paused_until),
            reason=reason,
        )
        if self.note:
            body += plaintext2html(self.note)
        self.move_ids._dunning_pause(self.paused_until, self.reason, body)
        return {"type": "ir.actions.act_window_close"}
