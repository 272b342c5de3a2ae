# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

PAYMENT_METHOD_PATH = "/my/dunning/payment_method"
# Days before a saved card expires on which its customer is reminded, farthest first.
EXPIRY_REMINDER_DAYS = (30, 7)


class PaymentToken(models.Model):
    _inherit = "payment.token"

    dunning_expiry_date = fields.Date(
        string="Expiry Date",
        help="When the saved card expires, as the provider reported it: the customer "
        "is reminded to update it 30 and 7 days before.",
    )
    dunning_expiry_reminded = fields.Integer(
        string="Expiry Reminder Sent",
        readonly=True,
        copy=False,
        help="Days before expiry of the last expiry reminder sent (0: none yet).",
    )

    @api.model
    def _dunning_default_tokens(self, partners, company):
        """Customer id -> the saved token automatic charges use at ``company``: the
        newest active one of a provider that charges at once (so that a card the
        customer just saved is the one the next retry uses)."""
        tokens = self.sudo().search(
            [
                ("partner_id", "child_of", partners.ids),
                ("company_id", "=", company.id),
                ("provider_id.state", "in", ("enabled", "test")),
                ("provider_id.capture_manually", "=", False),
            ],
            order="id desc",
        )
        default = {}
        for token in tokens:
            default.setdefault(token.partner_id.commercial_partner_id.id, token)
        return default

    @api.model
    def _cron_dunning_expiry_reminders(self):
        """Pre-dunning: remind customers whose saved card expires within 30, then 7
        days, once each (a day the cron missed is caught up the next day)."""
        today = fields.Date.context_today(self)
        tokens = self.search(
            [
                ("dunning_expiry_date", ">=", today),
                (
                    "dunning_expiry_date",
                    "<=",
                    fields.Date.add(today, days=max(EXPIRY_REMINDER_DAYS)),
                ),
            ]
        )
        template = self.env.ref("dunning_automation.mail_template_card_expiry")
        for token in tokens:
            days_left = (token.dunning_expiry_date - today).days
            step = min(days for days in EXPIRY_REMINDER_DAYS if days_left <= days)
            if token.dunning_expiry_reminded and token.dunning_expiry_reminded <= step:
                continue
            template.send_mail(
                token.id, email_layout_xmlid="mail.mail_notification_light"
            )
            token.dunning_expiry_reminded = step

    def _dunning_update_url(self):
        """The signed link where the customer saves a new card."""
        self.ensure_one()
        return self.partner_id.commercial_partner_id._dunning_statement_url(
            self.company_id, fields.Date.context_today(self), path=PAYMENT_METHOD_PATH
        )
