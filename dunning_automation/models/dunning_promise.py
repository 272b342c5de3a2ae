# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import format_date, formatLang


class DunningPromise(models.Model):
    """A customer's promise to pay invoices by a date: dunning pauses until then."""

    _name = "dunning.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    move_ids = fields.Many2many(
        "account.move", string="Invoices", required=True, readonly=True
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    promise_date = fields.Date(string="Promised Date", required=True, readonly=True)
    paused_until = fields.Date(
        string="Dunning Paused Until",
        required=True,
        readonly=True,
        help="The promised date plus the policy's grace: the promise is broken when "
        "still unpaid after it.",
    )
    amount = fields.Monetary(
        string="Promised Amount",
        currency_field="currency_id",
        required=True,
        readonly=True,
        help="What the customer promised to pay: everything due on the invoices when "
        "they named no amount.",
    )
    residual_at_promise = fields.Monetary(currency_field="currency_id", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("kept", "Kept"), ("broken", "Broken")],
        default="open",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )

    _amount_positive = models.Constraint(
        "CHECK(amount > 0)", "The promised amount must be positive."
    )

    @api.depends("partner_id", "promise_date")
    def _compute_name(self):
        for promise in self:
            promise.name = f"{promise.partner_id.name} · {promise.promise_date}"

    # ------------------------------------------------------------------
    # CREATION FROM THE PORTAL
    # ------------------------------------------------------------------

    @api.model
    def _parse_amount(self, amount, currency, residual):
        """The amount typed by the customer, rounded as it is stored: ``residual`` when
        empty.

        :raise UserError: not a number, not positive once rounded (0.001), or above
            ``residual``
        """
        if amount in (None, ""):
            return residual
        try:
            value = float(amount)
        except ValueError:
            raise UserError(self.env._("The amount must be a number.")) from None
        if not math.isfinite(value) or currency.compare_amounts(value, 0.0) <= 0:
            raise UserError(self.env._("The amount must be a positive number."))
        value = currency.round(value)
        if currency.compare_amounts(value, residual) > 0:
            raise UserError(self.env._("The amount cannot exceed what is due."))
        return value

    @api.model
    def _check_promise_date(self, policy, promise_date):
        today = fields.Date.context_today(self)
        if promise_date <= today:
            raise UserError(self.env._("The promised date must be in the future."))
        if promise_date > today + timedelta(days=policy.max_promise_days):
            raise UserError(
                self.env._(
                    "You can promise a payment at most %(days)s days ahead.",
                    days=policy.max_promise_days,
                )
            )

    @api.model
    def _check_broken_in_row(self, company, partner, policy):
        last = self.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
                ("state", "!=", "open"),
            ],
            order="id desc",
            limit=policy.max_promises_in_row,
        )
        if len(last) == policy.max_promises_in_row and set(last.mapped("state")) == {
            "broken"
        }:
            raise UserError(
                self.env._(
                    "Your previous promises were not kept: please contact us to agree "
                    "on a payment."
                )
            )

    @api.model
    def _portal_create(self, company, partner, move_ids, promise_date, amount):
        """Record a promise made on the portal, pause the invoices' dunning and tell the
        collector.

        :raise MissingError: an invoice is not an open invoice of this customer at this
            company
        :raise UserError: the request breaks a rule (date, amount, limits), with the
            reason
        """
        if not move_ids:
            raise UserError(self.env._("Please tick the invoices you will pay."))
        moves = partner._dunning_open_invoices(company, [("id", "in", move_ids)])
        if len(moves) != len(set(move_ids)):
            raise MissingError(self.env._("This invoice does not exist."))
        partner._dunning_check_portal_rate_limit()
        policy = (
            partner.with_company(company).dunning_policy_id or company.dunning_policy_id
        )
        try:
            promise_date = fields.Date.to_date(promise_date)
        except ValueError:
            promise_date = None
        if not promise_date:
            raise UserError(self.env._("Please choose the date you will pay by."))
        self._check_promise_date(policy, promise_date)
        today = fields.Date.context_today(self)
        if moves.filtered(
            lambda move: move._dunning_portal_status(today) in ("promised", "disputed")
        ):
            raise UserError(
                self.env._("Some of these invoices are already promised or disputed.")
            )
        if len(moves.currency_id) > 1:
            raise UserError(
                self.env._("Please promise the invoices of each currency separately.")
            )
        self._check_broken_in_row(company, partner, policy)
        residual = sum(moves.mapped("amount_residual"))
        value = self._parse_amount(amount, moves.currency_id, residual)
        # no "created" note by the public user: the customer's own note follows
        promise = self.with_context(mail_create_nolog=True).create(
            {
                "company_id": company.id,
                "partner_id": partner.id,
                "move_ids": moves.ids,
                "currency_id": moves.currency_id.id,
                "promise_date": promise_date,
                "paused_until": promise_date
                + timedelta(days=policy.promise_grace_days),
                "amount": value,
                "residual_at_promise": residual,
            }
        )
        promise._apply()
        return promise

    def _summary(self):
        self.ensure_one()
        return self.env._(
            "Promise to pay %(amount)s by %(date)s for %(invoices)s.",
            amount=formatLang(self.env, self.amount, currency_obj=self.currency_id),
            date=format_date(self.env, self.promise_date),
            invoices=", ".join(self.move_ids.mapped("name")),
        )

    def _apply(self):
        """Pause the invoices, note it on their chatter, give the collector a task."""
        self.ensure_one()
        body = Markup("<p>%s</p>") % self._summary()
        self.move_ids._dunning_pause(
            self.paused_until, "promise", body, author=self.partner_id
        )
        self.message_post(
            body=body, subtype_xmlid="mail.mt_note", author_id=self.partner_id.id
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.paused_until,
            summary=self.env._("Check the promised payment"),
            user_id=self.partner_id.with_company(self.company_id)
            ._dunning_collector(self.move_ids)
            .id,
        )

    # ------------------------------------------------------------------
    # FOLLOW-UP
    # ------------------------------------------------------------------

    def _is_kept(self):
        self.ensure_one()
        paid = self.residual_at_promise - sum(self.move_ids.mapped("amount_residual"))
        return self.currency_id.compare_amounts(paid, self.amount) >= 0

    @api.model
    def _dunning_evaluate(self, company, today):
        """Close the open promises of ``company``: kept once paid, broken when unpaid
        after the grace."""
        for promise in self.search(
            [("company_id", "=", company.id), ("state", "=", "open")]
        ):
            if promise._is_kept():
                promise.state = "kept"
            elif promise.paused_until < today:
                promise._break()

    def _break(self):
        """Mark the promise broken and resume the dunning of the invoices it paused."""
        self.ensure_one()
        self.state = "broken"
        self.move_ids.filtered(
            lambda move: (
                move.dunning_pause_reason == "promise"
                and move.dunning_paused_until == self.paused_until
            )
        ).action_dunning_resume()
        body = Markup("<p>%s</p>") % self.env._(
            "The promise to pay by %(date)s was not kept: dunning resumes.",
            date=format_date(self.env, self.promise_date),
        )
        self.move_ids._message_log_batch({move.id: body for move in self.move_ids})
