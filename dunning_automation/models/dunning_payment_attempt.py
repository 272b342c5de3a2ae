# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import Command, api, fields, models

from .. import payment_retry

_logger = logging.getLogger(__name__)

# Attempts charged per cron call; the cron runs again at once for the rest.
BATCH_SIZE = 50
# A charge still "charging" after this long was interrupted (the process died between
# the key and the provider's answer): it is never charged again by the cron.
INTERRUPTED_AFTER = timedelta(hours=1)
OPEN_PAYMENT_STATES = ("not_paid", "partial")

STATES = [
    ("scheduled", "Scheduled"),
    ("charging", "Charging"),
    ("pending", "Pending"),
    ("done", "Paid"),
    ("failed", "Failed"),
    ("skipped", "Not Needed"),
    ("interrupted", "Interrupted"),
]


def _try_lock(records, **options):
    """``records`` locked for this transaction, or empty when another transaction holds
    them or changed them since this one began (REPEATABLE READ)."""
    try:
        with records.env.cr.savepoint():
            return records.try_lock_for_update(**options)
    except psycopg2.errors.SerializationFailure:
        return records.browse()


class DunningPaymentAttempt(models.Model):
    """One charge of an invoice's saved payment token: its idempotency key, outcome and
    decline classification (the audit trail of automatic charges)."""

    _name = "dunning.payment.attempt"
    _description = "Dunning Payment Attempt"
    _order = "invoice_id, attempt_no"
    _rec_name = "key"
    _check_company_auto = True

    invoice_id = fields.Many2one(
        "account.move", required=True, readonly=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        related="invoice_id.commercial_partner_id", store=True, string="Customer"
    )
    company_id = fields.Many2one(related="invoice_id.company_id", store=True)
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    attempt_no = fields.Integer(string="Attempt", required=True, readonly=True)
    key = fields.Char(
        string="Idempotency Key",
        required=True,
        readonly=True,
        help="The reference of the attempt's payment transaction: unique, written "
        "before the provider is called, so that an attempt is charged at most once.",
    )
    state = fields.Selection(STATES, required=True, default="scheduled", readonly=True)
    scheduled_at = fields.Datetime(required=True, readonly=True, index=True)
    charged_at = fields.Datetime(readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    token_id = fields.Many2one("payment.token", readonly=True, ondelete="set null")
    transaction_id = fields.Many2one(
        "payment.transaction", readonly=True, ondelete="restrict"
    )
    decline_reason = fields.Selection(
        [
            (payment_retry.REASON_INSUFFICIENT_FUNDS, "Insufficient funds"),
            (payment_retry.REASON_PROCESSING_ERROR, "Processing error"),
            (payment_retry.REASON_PROVIDER_UNAVAILABLE, "Provider unavailable"),
            (payment_retry.REASON_PENDING_TOO_LONG, "Pending too long"),
            (payment_retry.REASON_DECLINED, "Card declined"),
            (payment_retry.REASON_STOLEN, "Card reported stolen or lost"),
            (payment_retry.REASON_CLOSED, "Account closed"),
            (payment_retry.REASON_EXPIRED, "Card expired"),
            (payment_retry.REASON_NO_TOKEN, "No saved payment method"),
        ],
        readonly=True,
    )
    decline_kind = fields.Selection(
        [(payment_retry.SOFT, "Soft (retried)"), (payment_retry.HARD, "Hard")],
        compute="_compute_decline_kind",
        store=True,
    )
    provider_message = fields.Text(readonly=True)
    next_retry_at = fields.Datetime(
        readonly=True, help="When the next attempt is planned, after a soft decline."
    )

    _attempt_uniq = models.Constraint(
        "UNIQUE(invoice_id, attempt_no)", "An invoice is charged once per attempt."
    )
    _key_uniq = models.Constraint("UNIQUE(key)", "The idempotency key is unique.")

    @api.depends("decline_reason")
    def _compute_decline_kind(self):
        for attempt in self:
            attempt.decline_kind = (
                attempt.decline_reason
                and payment_retry.REASON_KINDS[attempt.decline_reason]
            )

    # ------------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------------

    @api.model
    def _cron_charge(self):
        """Plan the first charge of invoices whose charge date came, settle pending and
        interrupted charges, then charge the attempts that are due, one commit each."""
        now = fields.Datetime.now()
        self._schedule_first_attempts(now)
        self._settle_waiting(now)
        self._suspend_and_resume(now)
        self.env["ir.cron"]._commit_progress(0)
        domain = [("state", "=", "scheduled"), ("scheduled_at", "<=", now)]
        remaining = self.search_count(domain)
        for attempt in self.search(domain, order="scheduled_at, id", limit=BATCH_SIZE):
            if attempt._lock_if_in(("scheduled",)):
                attempt._charge()
            remaining -= 1
            if not self.env["ir.cron"]._commit_progress(1, remaining=remaining):
                break

    def _lock_if_in(self, states):
        """Lock this attempt if no other transaction holds it and it is still in one
        of ``states``: an attempt another cron holds or settled is left alone."""
        self.ensure_one()
        locked = _try_lock(self)
        self.invalidate_recordset()
        return bool(locked) and self.state in states

    def _charge(self):
        """Charge this locked, scheduled attempt, unless its invoice was paid
        meanwhile."""
        self.ensure_one()
        invoice = self.invoice_id
        if not _try_lock(invoice, allow_referencing=True):
            return  # a payment is being recorded on it: the next cron re-checks
        invoice.invalidate_recordset(["payment_state", "amount_residual", "state"])
        if not (
            invoice.state == "posted"
            and invoice.payment_state in OPEN_PAYMENT_STATES
            and not invoice.currency_id.is_zero(invoice.amount_residual)
        ):
            self.state = "skipped"
            self._end_retry_pause()
            return
        token = (
            self.env["payment.token"]
            ._dunning_default_tokens(invoice.commercial_partner_id, invoice.company_id)
            .get(invoice.commercial_partner_id.id)
        )
        if not token:
            self._record_failure(payment_retry.REASON_NO_TOKEN, "")
            return
        transaction = self._create_transaction(token)
        self.write(
            {
                "state": "charging",
                "token_id": token.id,
                "transaction_id": transaction.id,
                "amount": invoice.amount_residual,
                "charged_at": fields.Datetime.now(),
            }
        )
        # the key and the attempt are on disk before the provider hears of the charge
        self.env["ir.cron"]._commit_progress(0)
        transaction._charge_with_token()
        self._apply_outcome()

    def _create_transaction(self, token):
        """The draft transaction of this attempt, its reference the idempotency key."""
        invoice = self.invoice_id
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": token.provider_id.id,
                    "payment_method_id": token.payment_method_id.id,
                    "reference": self.key,
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "token_id": token.id,
                    "operation": "offline",
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )

    @api.model
    def _schedule_first_attempts(self, now):
        """Attempt 1, due now, for each open invoice whose policy charges it today or
        before and whose customer has a saved token."""
        today = now.date()
        invoices = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", OPEN_PAYMENT_STATES),
                ("invoice_date", "<=", today),
                ("dunning_payment_attempt_ids", "=", False),
                ("company_id.dunning_policy_ids.auto_charge", "=", True),
            ]
        )
        to_charge = self.env["account.move"]
        for invoice in invoices:
            policy = self._policy_of(invoice)
            charge_date = (
                invoice.invoice_date
                if policy.auto_charge_on == "invoice_date"
                else invoice.invoice_date_due
            )
            if policy.auto_charge and charge_date and charge_date <= today:
                to_charge |= invoice
        tokens = {
            company: self.env["payment.token"]._dunning_default_tokens(
                invoices.commercial_partner_id, company
            )
            for company, invoices in to_charge.grouped("company_id").items()
        }
        values = [
            {
                "invoice_id": invoice.id,
                "attempt_no": 1,
                "key": self._make_key(invoice, 1),
                "scheduled_at": now,
            }
            for invoice in to_charge
            if invoice.commercial_partner_id.id in tokens[invoice.company_id]
        ]
        try:
            with self.env.cr.savepoint():
                self.create(values)
        except psycopg2.errors.UniqueViolation:
            # a cron running at the same moment planned them: it charges them
            _logger.info("Automatic charges planned by another cron meanwhile")

    @api.model
    def _make_key(self, invoice, attempt_no):
        return f"DUN-{invoice.id}-{attempt_no}"

    @api.model
    def _policy_of(self, invoice):
        """The dunning policy chasing ``invoice``'s customer at its company."""
        return invoice.commercial_partner_id.with_company(
            invoice.company_id
        )._dunning_effective_policy(invoice.company_id.dunning_policy_id)

    @api.model
    def _usual_payment_hour(self, partner):
        """The UTC hour of day most of ``partner``'s successful payments happened."""
        groups = (
            self.env["payment.transaction"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "child_of", partner.id),
                    ("state", "=", "done"),
                    ("operation", "!=", "validation"),
                ],
                groupby=["last_state_change:hour_number"],
                aggregates=["__count"],
            )
        )
        return payment_retry.usual_hour(
            {int(hour): count for hour, count in groups if hour is not None}
        )

    def _end_retry_pause(self):
        """Lift the pause of the automatic retries: the dunning levels take over."""
        invoice = self.invoice_id
        if invoice.dunning_pause_reason == "payment_retry":
            invoice.write(
                {"dunning_paused_until": False, "dunning_pause_reason": False}
            )

    @api.model
    def _settle_waiting(self, now):
        """Pending charges whose transaction got an answer, and charges interrupted by
        a crash: the latter are never charged again, the collector takes over."""
        waiting = self.search(
            [
                ("state", "in", ("pending", "charging")),
                ("transaction_id.state", "not in", ("pending", "authorized")),
            ]
        )
        for attempt in waiting:
            if not attempt._lock_if_in(("pending", "charging")):
                continue
            if attempt.transaction_id.state != "draft":
                attempt._apply_outcome()
            elif attempt.charged_at <= now - INTERRUPTED_AFTER:
                attempt._record_interrupted()

    @api.model
    def _suspend_and_resume(self, now):
        """Suspend the service of unpaid invoices whose first failed charge is older
        than their policy allows; resume it once they are paid, however."""
        suspended = self.env["account.move"].search([("dunning_suspended", "=", True)])
        suspended.filtered(
            lambda move: move.payment_state not in OPEN_PAYMENT_STATES
        )._dunning_resume_service()
        failed = self.search(
            [
                ("state", "in", ("failed", "interrupted")),
                ("invoice_id.dunning_suspended", "=", False),
                ("invoice_id.payment_state", "in", OPEN_PAYMENT_STATES),
                ("invoice_id.state", "=", "posted"),
            ]
        )
        to_suspend = self.env["account.move"]
        for invoice, attempts in failed.grouped("invoice_id").items():
            days = self._policy_of(invoice).suspend_after_days
            first_failure = min(
                attempts.mapped(lambda a: a.charged_at or a.scheduled_at)
            )
            if days and first_failure + timedelta(days=days) <= now:
                to_suspend |= invoice
        to_suspend._dunning_suspend_service()

    # ------------------------------------------------------------------
    # OUTCOMES
    # ------------------------------------------------------------------

    def _apply_outcome(self):
        """Record what the provider answered: paid (reconciled as an online payment),
        pending (never retried while pending), or a decline."""
        self.ensure_one()
        transaction = self.transaction_id
        if transaction.state == "done":
            transaction._post_process()
            self.state = "done"
            self._end_retry_pause()
            if self.invoice_id.dunning_suspended:
                self.invoice_id._dunning_resume_service()
            self._log_on_invoice(
                self.env._(
                    "Automatic charge %(attempt)s paid the invoice (%(reference)s).",
                    attempt=self.attempt_no,
                    reference=self.key,
                )
            )
        elif transaction.state in ("pending", "authorized", "draft"):
            self.state = "pending"
        else:
            reason = payment_retry.classify(
                transaction.state,
                transaction.state_message,
                token_usable=bool(self.token_id.active),
            )
            self._record_failure(reason, transaction.state_message or "")

    def _record_failure(self, reason, message):
        """A declined charge: plan the next try on a soft decline, else hand the invoice
        to the normal dunning levels; tell the customer either way."""
        self.ensure_one()
        invoice = self.invoice_id
        policy = self._policy_of(invoice)
        next_at = None
        if payment_retry.is_retryable(reason):
            first = self.search(
                [("invoice_id", "=", invoice.id), ("attempt_no", "=", 1)]
            )
            next_at = payment_retry.next_retry(
                first.charged_at or self.scheduled_at,
                self.attempt_no,
                policy._retry_days(),
                self._usual_payment_hour(invoice.commercial_partner_id),
            )
        self.write(
            {
                "state": "failed",
                "decline_reason": reason,
                "provider_message": message,
                "next_retry_at": next_at,
            }
        )
        if next_at:
            self.create(
                {
                    "invoice_id": invoice.id,
                    "attempt_no": self.attempt_no + 1,
                    "key": self._make_key(invoice, self.attempt_no + 1),
                    "scheduled_at": next_at,
                }
            )
            invoice._dunning_pause(
                next_at.date(),
                "payment_retry",
                Markup("<p>%s</p>")
                % self.env._(
                    "Automatic charge %(attempt)s failed (%(reason)s): next try on "
                    "%(date)s.",
                    attempt=self.attempt_no,
                    reason=self._reason_label(),
                    date=next_at.date(),
                ),
            )
        else:
            self._end_retry_pause()
            self._log_on_invoice(
                self.env._(
                    "Automatic charge %(attempt)s failed (%(reason)s): no more "
                    "automatic tries, the invoice follows the dunning levels.",
                    attempt=self.attempt_no,
                    reason=self._reason_label(),
                )
            )
        self._send_failure_email()

    def _record_interrupted(self):
        self.state = "interrupted"
        self._end_retry_pause()
        self._log_on_invoice(
            self.env._(
                "Automatic charge %(attempt)s (%(reference)s) was interrupted before "
                "the provider answered: it is not charged again automatically; check "
                "the payment with the provider.",
                attempt=self.attempt_no,
                reference=self.key,
            )
        )

    def _reason_label(self):
        return dict(self._fields["decline_reason"]._description_selection(self.env))[
            self.decline_reason
        ]

    def _log_on_invoice(self, text):
        self.invoice_id._message_log(body=Markup("<p>%s</p>") % text)

    def _send_failure_email(self):
        self.ensure_one()
        template = self.env.ref("dunning_automation.mail_template_payment_failed")
        template.send_mail(self.id, email_layout_xmlid="mail.mail_notification_light")

    # ------------------------------------------------------------------
    # HELPERS FOR THE EMAIL
    # ------------------------------------------------------------------

    def _customer_url(self, path):
        """``path`` (a dunning portal route) signed for this attempt's customer."""
        self.ensure_one()
        return self.partner_id._dunning_statement_url(
            self.company_id, fields.Date.context_today(self), path=path
        )
