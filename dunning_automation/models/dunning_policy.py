# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import engine, payment_retry
from .res_partner import RISK_BANDS, RISK_SEGMENTS


class DunningPolicy(models.Model):
    """Which invoices a company chases, how reminders are grouped, and its levels."""

    _name = "dunning.policy"
    _description = "Dunning Policy"
    _check_company_auto = True
    _order = "company_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_ids = fields.One2many(
        "dunning.level", "policy_id", string="Levels", copy=True
    )
    journal_ids = fields.Many2many(
        "account.journal",
        string="Journals",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Only invoices of these journals are chased; all sales journals when "
        "empty.",
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Customer Tags",
        help="Only customers with one of these tags are chased; all customers when "
        "empty.",
    )
    min_residual = fields.Monetary(
        string="Minimum Residual",
        currency_field="currency_id",
        help="Invoices whose amount due (company currency) is below this are not "
        "chased.",
    )
    grouping = fields.Selection(
        [
            ("partner", "One reminder per customer"),
            ("invoice", "One reminder per invoice"),
        ],
        required=True,
        default="partner",
        help="One reminder per customer lists all of its due invoices and credits.",
    )
    cc_invoice_contact = fields.Boolean(
        string="Cc Invoice Contacts",
        help="Copy the contacts the invoices were addressed to, when they differ from "
        "the customer's dunning contact.",
    )
    skip_archived_partners = fields.Boolean(
        string="Skip Archived Customers",
        default=True,
        help="Archived customers are not reminded; the run records them as skipped.",
    )
    max_promise_days = fields.Integer(
        string="Maximum Promise Delay (days)",
        default=30,
        help="A customer can promise to pay at most this many days ahead.",
    )
    promise_grace_days = fields.Integer(
        string="Promise Grace (days)",
        default=3,
        help="Dunning stays paused this many days after the promised date, for the "
        "payment to arrive.",
    )
    max_promises_in_row = fields.Integer(
        string="Maximum Broken Promises in a Row",
        default=3,
        help="After this many broken promises in a row, the customer cannot promise "
        "online anymore.",
    )
    max_messages = fields.Integer(
        string="Frequency Cap (messages)",
        help="At most this many reminders reach a customer in the period, all channels "
        "and levels together; 0: no cap. A message over the cap is skipped, with no "
        "fallback.",
    )
    max_messages_days = fields.Integer(string="Frequency Cap (days)", default=7)
    risk_band = fields.Selection(
        RISK_BANDS,
        string="For Risk Band",
        help="Customers of this risk band without a policy of their own follow this "
        "policy instead of the company's default one.",
    )
    risk_segment = fields.Selection(
        RISK_SEGMENTS,
        string="For Payment Segment",
        help="Customers of this payment segment without a policy of their own follow "
        "this policy (with a risk band too: customers of both).",
    )
    level_count = fields.Integer(compute="_compute_level_count")
    auto_charge = fields.Boolean(
        string="Charge Saved Payment Methods",
        help="Invoices of customers with a saved payment method are charged "
        "automatically; failed charges are retried, then dunned.",
    )
    auto_charge_on = fields.Selection(
        [("due_date", "On the due date"), ("invoice_date", "On the invoice date")],
        string="Charge",
        required=True,
        default="due_date",
    )
    retry_days = fields.Char(
        string="Retry After (days)",
        required=True,
        default="1,3,5,7",
        help="Days after the first charge on which a soft decline (insufficient funds, "
        "processing error) is tried again, at the hour the customer usually pays. A "
        "hard decline is not retried.",
    )
    suspend_after_days = fields.Integer(
        string="Suspend Service After (days)",
        help="Days after the first failed automatic charge of an invoice on which its "
        "service is suspended (resumed once the invoice is paid); never when 0.",
    )
    suspend_action_id = fields.Many2one(
        "ir.actions.server",
        string="Suspension Action",
        domain="[('model_id.model', '=', 'account.move')]",
        help="Run on the invoices whose service is suspended, for modules without "
        "their own bridge.",
    )
    resume_action_id = fields.Many2one(
        "ir.actions.server",
        string="Resumption Action",
        domain="[('model_id.model', '=', 'account.move')]",
        help="Run on the suspended invoices once they are paid.",
    )

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    _max_promise_days_positive = models.Constraint(
        "CHECK(max_promise_days > 0 AND promise_grace_days >= 0 AND "
        "max_promises_in_row > 0)",
        "Promise delays and counts must be positive.",
    )

    _suspend_after_days_positive = models.Constraint(
        "CHECK(suspend_after_days >= 0)", "Suspension days cannot be negative."
    )

    @api.constrains("retry_days")
    def _check_retry_days(self):
        for policy in self:
            try:
                payment_retry.parse_retry_days(policy.retry_days)
            except ValueError:
                raise ValidationError(
                    self.env._(
                        "Retry days must be increasing positive numbers separated by "
                        "commas, e.g. 1,3,5,7 (not %(value)s).",
                        value=policy.retry_days,
                    )
                ) from None

    @api.constrains("active", "level_ids")
    def _check_active_policy_has_levels(self):
        for policy in self:
            if policy.active and not policy.level_ids:
                raise ValidationError(
                    self.env._(
                        "The dunning policy %(policy)s needs at least one level to be "
                        "active.",
                        policy=policy.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------------

    def _retry_days(self):
        self.ensure_one()
        return payment_retry.parse_retry_days(self.retry_days)

    def _engine_levels(self):
        """The policy's levels as the rule engine sees them, in sequence order."""
        self.ensure_one()
        return [
            engine.Level(
                id=level.id,
                trigger_days=level.trigger_days,
                min_days_since_previous=level.min_days_since_previous,
            )
            for level in self.level_ids.sorted(
                lambda level: (level.sequence, level.trigger_days)
            )
        ]

    def _matches_risk(self, partner):
        """Whether this risk-driven policy applies to the partner's band and segment."""
        self.ensure_one()
        return bool(self.risk_band or self.risk_segment) and (
            self.risk_band in (False, partner.dunning_risk_band)
            and self.risk_segment in (False, partner.dunning_segment)
        )

    def _covers_partner(self, partner):
        """Whether the partner's tags let this policy chase it."""
        self.ensure_one()
        return not self.partner_category_ids or bool(
            partner.category_id & self.partner_category_ids
        )

    def _engine_items(self, rows):
        """Turn open receivable rows (``dunning.planner._fetch_open_items``) into engine
        items, leaving out invoices of other journals and invoices below the minimum
        residual."""
        self.ensure_one()
        journal_ids = set(self.journal_ids.ids)
        residual_by_move = defaultdict(float)
        for row in rows:
            residual_by_move[row["move_id"]] += row["amount_residual"]
        return engine.make_items(
            row
            for row in rows
            if row["amount_residual"] < 0
            or (
                (not journal_ids or row["journal_id"] in journal_ids)
                and residual_by_move[row["move_id"]] >= self.min_residual
            )
        )
