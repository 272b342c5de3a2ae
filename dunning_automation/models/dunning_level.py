# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .dunning_level_channel import CHANNELS, RULE_ALWAYS

MIN_TRIGGER_DAYS = -365
MAX_TRIGGER_DAYS = 3650


class DunningLevel(models.Model):
    """A step of a dunning policy: when it triggers, by which channel, what it says."""

    _name = "dunning.level"
    _description = "Dunning Level"
    _order = "policy_id, sequence, trigger_days, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=100, help="New levels come last.")
    policy_id = fields.Many2one(
        "dunning.policy", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    trigger_days = fields.Integer(
        string="Trigger (days)",
        required=True,
        help="Days from the due date: negative for a courtesy reminder before the due "
        "date.",
    )
    min_days_since_previous = fields.Integer(
        string="Days Since Previous Reminder",
        default=7,
        help="Minimum days since the customer's previous reminder before this one is "
        "sent.",
    )
    channel = fields.Selection(
        CHANNELS,
        string="First Channel",
        required=True,
        default="email",
    )
    channel_ids = fields.One2many(
        "dunning.level.channel",
        "level_id",
        string="Next Channels",
        copy=True,
        help="The channels that follow the first one, in order.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain="[('model', '=', 'dunning.communication')]",
        ondelete="restrict",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain="[('model', '=', 'dunning.communication')]",
        ondelete="restrict",
    )
    call_script = fields.Text(
        translate=True,
        help="What the collector says on a call of this level: the call list and the "
        "call activity show it.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Collector Activity",
        ondelete="restrict",
        help="Schedules this activity for the customer's collector when the level is "
        "reached.",
    )
    activity_delay_days = fields.Integer(string="Activity Due In (days)", default=0)
    attach_invoice_pdf = fields.Boolean(
        string="Attach Invoice PDFs",
        help="Attach the PDF of each listed invoice to the email.",
    )
    attach_statement_pdf = fields.Boolean(
        string="Attach Account Statement",
        help="Attach the customer's account statement (PDF) to the email.",
    )
    is_final_notice = fields.Boolean(
        string="Final Notice",
        help="The last warning before escalation: invoices at this level are "
        "escalated.",
    )
    set_invoice_warning = fields.Boolean(
        string="Warn on New Invoices",
        help="Put a warning on the customer that every new invoice shows while it is "
        "in dunning at this level.",
    )
    invoice_warning = fields.Text(
        translate=True,
        help="The warning new invoices of the customer show.",
    )

    _min_days_positive = models.Constraint(
        "CHECK(min_days_since_previous >= 0 AND activity_delay_days >= 0)",
        "Delays cannot be negative.",
    )

    @api.constrains("trigger_days")
    def _check_trigger_days(self):
        for level in self:
            if not MIN_TRIGGER_DAYS <= level.trigger_days <= MAX_TRIGGER_DAYS:
                raise ValidationError(
                    self.env._(
                        "The trigger of level %(level)s must lie between %(min)s and "
                        "%(max)s days.",
                        level=level.name,
                        min=MIN_TRIGGER_DAYS,
                        max=MAX_TRIGGER_DAYS,
                    )
                )

    @api.constrains("policy_id", "sequence", "trigger_days")
    def _check_policy_order(self):
        for policy in self.policy_id:
            levels = policy.level_ids.sorted(lambda level: (level.sequence, level.id))
            days = levels.mapped("trigger_days")
            if len(set(days)) != len(days):
                raise ValidationError(
                    self.env._(
                        "Two levels of policy %(policy)s have the same trigger.",
                        policy=policy.name,
                    )
                )
            if days != sorted(days):
                raise ValidationError(
                    self.env._(
                        "The levels of policy %(policy)s must trigger later as their "
                        "sequence grows.",
                        policy=policy.name,
                    )
                )

    @api.constrains("channel", "channel_ids", "sms_template_id")
    def _check_sms_template(self):
        for level in self:
            channels = [channel for channel, _rule in level._dunning_channel_sequence()]
            if "sms" in channels and not level.sms_template_id:
                raise ValidationError(
                    self.env._(
                        "The level %(level)s sends SMS: it needs an SMS template.",
                        level=level.name,
                    )
                )

    @api.constrains("channel", "channel_ids", "mail_template_id")
    def _check_channel_template(self):
        for level in self:
            channels = [channel for channel, _rule in level._dunning_channel_sequence()]
            if "email" in channels and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "The email level %(level)s needs an email template.",
                        level=level.name,
                    )
                )
            if level.mail_template_id and not level.mail_template_id.active:
                raise ValidationError(
                    self.env._(
                        "The email template %(template)s of level %(level)s is "
                        "archived.",
                        template=level.mail_template_id.name,
                        level=level.name,
                    )
                )

    def _dunning_channel_sequence(self):
        """[(channel, rule)]: the first channel, then the next ones in order."""
        self.ensure_one()
        return [(self.channel, RULE_ALWAYS)] + [
            (line.channel, line.rule) for line in self.channel_ids
        ]
