# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import email_normalize

from .. import engine
from .dunning_communication import LIVE_STATES
from .dunning_planner import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)

# Failures a later attempt can cure: the mail server refused the connection, timed out,
# or failed in a way it did not explain. Every other failure needs a person (address,
# template).
TRANSIENT_FAILURES = frozenset({"mail_smtp", "unknown"})
# Minutes to wait before each automatic retry; after the last one the reminder stays
# failed.
DEFAULT_RETRY_BACKOFF = "15,60,240,1440"


class DunningDelivery(models.AbstractModel):
    """How reminders reach the customer: the frozen snapshot of what is owed, the queued
    email, the failures in plain words, and the retries that never deliver a reminder
    twice."""

    _name = "dunning.delivery"
    _description = "Dunning Delivery"

    # ------------------------------------------------------------------
    # SNAPSHOT
    # ------------------------------------------------------------------

    @api.model
    def _communication_values(self, run, key, reminder, partners, lines):
        """The snapshot of one reminder; ``partners`` and ``lines`` are the batch's."""
        partner = partners.browse(reminder.decision.partner_id).with_prefetch(
            partners._prefetch_ids
        )
        level = self.env["dunning.level"].browse(reminder.level_id)
        contact = partner._dunning_contact()
        listed = (
            lines.browse(reminder.decision.line_ids)
            .with_prefetch(lines._prefetch_ids)
            .sorted(lambda line: (line.date_maturity or line.date, line.id))
        )
        email_cc = False
        if reminder.policy.cc_invoice_contact:
            cc = {
                email_normalize(move_partner.email)
                for move_partner in listed.move_id.partner_id
                if move_partner != contact and move_partner.email
            } - {False, email_normalize(contact.email)}
            email_cc = ",".join(sorted(cc)) or False
        return {
            "company_id": reminder.company.id,
            "partner_id": partner.id,
            "partner_name": partner.name,
            "partner_address": partner._display_address(),
            "recipient_id": contact.id,
            "email_to": contact.email or False,
            "email_cc": email_cc,
            "level_id": level.id,
            "channel": level.channel,
            "recipient": self._channel_recipient(level.channel, contact),
            "mail_template_id": level.mail_template_id.id,
            "run_id": run.id,
            "user_id": run.user_id.id or self.env.user.id,
            "dunning_date": run.date,
            "idempotency_key": key,
            "totals": reminder.decision.totals_snapshot(),
            "move_ids": [Command.set(listed.move_id.ids)],
            "line_ids": [
                Command.create(
                    self._communication_line_values(
                        run.date, line, reminder.decision.advancing
                    )
                )
                for line in listed
            ],
        }

    @api.model
    def _communication_line_values(self, date, line, advancing):
        move = line.move_id
        due_date = engine.due_date_of(line.date_maturity, move.invoice_date)
        return {
            "move_id": move.id,
            "move_line_id": line.id,
            "move_name": move.name,
            "move_type": move.move_type,
            "invoice_date": move.invoice_date,
            "date_due": due_date,
            "days_overdue": max((date - due_date).days, 0) if due_date else 0,
            "currency_id": line.currency_id.id,
            "amount_total": move.amount_total_in_currency_signed
            if move.is_invoice(include_receipts=True)
            else line.amount_currency,
            "amount_residual": line.amount_residual_currency,
            "amount_residual_company": line.amount_residual,
            "level_id": advancing.get(move.id),
            "portal_url": move.get_portal_url()
            if move.is_invoice(include_receipts=True)
            else False,
        }

    # ------------------------------------------------------------------
    # QUEUEING
    # ------------------------------------------------------------------

    @api.model
    def _deliver(self, communications):
        """Queue the emails (the mail queue sends them later) and seal the records."""
        sealed_values = {}
        failures = defaultdict(list)  # (failure type, reason) -> communications
        blacklisted = self.env["res.partner"]._dunning_blacklisted_emails(
            communications.mapped("email_to")
        )
        sendable = self.env["dunning.communication"]
        for communication in communications:
            problem = communication.recipient_id._dunning_email_problem(blacklisted)
            if problem:
                failures[problem].append(communication)
            else:
                sendable |= communication
        for template, template_communications in sendable.grouped(
            "mail_template_id"
        ).items():
            for communication, mail, error in template._dunning_queue(
                template_communications
            ):
                if error:
                    failures[("mail_template_error", error)].append(communication)
                    continue
                sealed_values[communication.id] = {
                    "subject": mail.subject,
                    "body_html": mail.body_html,
                    "mail_id": mail.id,
                    "mail_message_id": mail.mail_message_id.id,
                }
        communications._seal(sealed_values)
        self._record_failures(failures)
        self._attach_pdfs(communications.filtered("mail_id"))

    @api.model
    def _record_failures(self, failures):
        """Mark the communications that could not be handed to their channel as failed,
        grouped by ``(failure type, reason)``, and give their collectors a to-do."""
        for (failure_type, reason), failed in failures.items():
            self.env["dunning.communication"].concat(*failed)._set_delivery(
                "failed", failure_type, reason, log_on_invoices=False
            )
            for communication in failed:
                communication.partner_id._dunning_schedule_fallback_activity(
                    communication, reason
                )

    @api.model
    def _attach_pdfs(self, communications):
        """Attach the invoice PDFs and the statement to emails whose level asks so (the
        others are not written: an empty write on each email cost 2 % of the run)."""
        for communication in communications.filtered(
            lambda communication: (
                communication.level_id.attach_invoice_pdf
                or communication.level_id.attach_statement_pdf
            )
        ):
            level = communication.level_id
            attachments = self.env["ir.attachment"]
            if level.attach_invoice_pdf:
                attachments |= communication.move_ids.filtered(
                    lambda move: move.is_invoice()
                )._dunning_pdf_attachments()
            if level.attach_statement_pdf:
                attachments |= communication._statement_attachment()
            communication.mail_id.attachment_ids = [
                Command.link(attachment.id) for attachment in attachments
            ]

    # ------------------------------------------------------------------
    # FAILURES AND RETRIES
    # ------------------------------------------------------------------

    @api.model
    def _failure_labels(self):
        """What each failure code means, in the words of whoever has to act on it."""
        return {
            "mail_smtp": self.env._(
                "The outgoing mail server could not be reached (it refused the "
                "connection or timed out)."
            ),
            "unknown": self.env._("The outgoing mail server did not accept the email."),
            "mail_email_missing": self.env._("The contact has no email address."),
            "mail_email_invalid": self.env._("The contact's email address is invalid."),
            "mail_bl": self.env._("The contact's email address is blacklisted."),
            "mail_optout": self.env._("The contact opted out of emails."),
            "mail_spam": self.env._("The mail server rejected the email as spam."),
            "mail_from_invalid": self.env._(
                "The sender address is refused by the outgoing mail server."
            ),
            "mail_from_missing": self.env._("The company has no sender address."),
            "mail_template_error": self.env._(
                "The email could not be written from its template."
            ),
            "mail_deleted": self.env._("The email was deleted before it was sent."),
            "mail_bounce": self.env._("The customer's mail server returned the email."),
            "paid": self.env._("The invoices were paid before the email left."),
        }

    @api.model
    def _retry_backoff(self):
        """Minutes to wait before each automatic retry, from the system parameter
        ``dunning_automation.retry_backoff_minutes``."""
        param = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(
                "dunning_automation.retry_backoff_minutes", DEFAULT_RETRY_BACKOFF
            )
        )
        return [int(minutes) for minutes in param.split(",") if minutes.strip()]

    @api.model
    def _schedule_retry(self, communications, failure_type):
        """After a transient failure, plan the next attempt (None: no retry left)."""
        if failure_type not in TRANSIENT_FAILURES:
            return None
        backoff = self._retry_backoff()
        attempts = max(communications.mapped("retry_count"), default=0)
        if attempts >= len(backoff):
            return None
        retry_date = fields.Datetime.now() + timedelta(minutes=backoff[attempts])
        self.env.ref("dunning_automation.ir_cron_dunning_run")._trigger(at=retry_date)
        return retry_date

    @api.model
    def _retry_due(self, companies):
        """The run's automatic retries: queue transient failures whose wait is over."""
        # the run's pending writes go first: a conflict in the savepoint's own flush
        # would be caught below with the transaction left aborted
        self.env.flush_all()
        try:
            with self.env.cr.savepoint():
                due = (
                    self.env["dunning.communication"]
                    .sudo()
                    .search(
                        [
                            ("company_id", "in", companies.ids),
                            ("state", "=", "failed"),
                            ("retry_date", "<=", fields.Datetime.now()),
                        ]
                    )
                    .try_lock_for_update()
                )
                retried, refused = self._retry(due)
                # superseded by an attempt a user sent: nothing left to retry
                # automatically
                self.env["dunning.communication"].concat(*refused).write(
                    {"retry_date": False}
                )
                return retried
        except CONCURRENCY_ERRORS:
            _logger.info("Dunning: another run is retrying the failed reminders")
            return self.env["dunning.communication"]

    @api.model
    def _resend_mail_values(self, communication):
        """A new email from the frozen snapshot, for a reminder whose email is gone: to
        the address the audit record names (once: not to the contact as well)."""
        return {
            "model": communication._name,
            "res_id": communication.id,
            "message_type": "email_outgoing",
            "subject": communication.subject,
            "body_html": communication.body_html,
            "body": Markup("<p>%s</p>") % communication.subject,
            "email_from": communication.company_id._dunning_sender(),
            "email_to": communication.email_to,
            "email_cc": communication.email_cc,
            "auto_delete": communication.mail_template_id.auto_delete,
        }

    @api.model
    def _retry(self, communications):
        """Queue the emails of failed reminders again.

        A reminder is never delivered twice: only a failed one is queued again, through
        its own email when the mail server kept it (its message id does not change), and
        not when another attempt at the same reminder is queued or sent (the database
        refuses that too).

        :return: (retried communications, {communication: why it cannot be retried})
        """
        refused = {}
        Communication = self.env["dunning.communication"].sudo()
        live = set(
            Communication.search(
                [
                    ("reminder_key", "in", communications.mapped("reminder_key")),
                    ("state", "in", LIVE_STATES),
                ]
            ).mapped("reminder_key")
        )
        retried = Communication
        for communication in communications.sudo():
            if communication.state not in ("failed", "bounced"):
                refused[communication] = self.env._("It did not fail.")
            elif communication.reminder_key in live:
                refused[communication] = self.env._(
                    "Another attempt at this reminder is already queued or sent."
                )
            elif not (communication.body_html and communication.email_to):
                refused[communication] = self.env._(
                    "It was never written: fix the cause and use Send Reminder Now on "
                    "the customer."
                )
            else:
                retried |= communication
        kept = retried.mail_id.filtered(lambda mail: mail.state == "exception")
        kept.write(
            {"state": "outgoing", "failure_type": False, "failure_reason": False}
        )
        for communication in retried.filtered(
            lambda communication: communication.mail_id not in kept
        ):
            # the email left and bounced, or was deleted: a new one from the frozen
            # snapshot
            mail = (
                self.env["mail.mail"]
                .sudo()
                .create(self._resend_mail_values(communication))
            )
            communication.write(
                {"mail_id": mail.id, "mail_message_id": mail.mail_message_id.id}
            )
            self._attach_pdfs(communication)
        for communication in retried:
            communication._set_delivery(
                "queued", retry_count=communication.retry_count + 1, retry_date=False
            )
        return retried, refused
