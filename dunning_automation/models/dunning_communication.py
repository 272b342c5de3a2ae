# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_datetime, split_every

from .. import engine

# Fields that follow the real delivery after the reminder is sealed; every other field
# is frozen.
DELIVERY_FIELDS = frozenset(
    {
        "state",
        "failure_type",
        "failure_reason",
        "mail_id",
        "mail_message_id",
        "sent_date",
        "retry_count",
        "retry_date",
        "outcome",
        "cost_units",
        "send_after",
    }
)
# Delivery states in which a reminder counts as delivered or on its way: at most one
# attempt per reminder.
LIVE_STATES = ("queued", "sent")
# What a collector's dunning call came to (the Log Call wizard's choices).
CALL_OUTCOMES = [
    ("promise", "Reached: Promise to Pay"),
    ("dispute", "Reached: Dispute"),
    ("reached", "Reached: Other"),
    ("no_answer", "No Answer"),
    ("voicemail", "Voicemail"),
    ("wrong_number", "Wrong Number"),
]
# The delivery outcome a delivery state implies, unless the channel says more.
OUTCOME_OF_STATE = {"sent": "sent", "failed": "error", "bounced": "bounced"}
# Namespace of the per-company advisory lock that serialises the hash chain.
CHAIN_LOCK_NAMESPACE = 0x64756E  # "dun"
# Records verified per batch, so that a long chain does not fill the memory.
CHAIN_VERIFY_BATCH = 1000


class DunningCommunication(models.Model):
    """One reminder sent (or attempted): an append-only, hash-chained audit record."""

    _name = "dunning.communication"
    _description = "Dunning Communication"
    _order = "dunning_date desc, id desc"
    _rec_name = "name"

    name = fields.Char(compute="_compute_name", store=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
    )
    partner_name = fields.Char(string="Customer Name", readonly=True)
    partner_address = fields.Text(string="Customer Address", readonly=True)
    recipient_id = fields.Many2one(
        "res.partner", string="Sent To", readonly=True, ondelete="restrict"
    )
    email_to = fields.Char(readonly=True)
    email_cc = fields.Char(readonly=True)
    level_id = fields.Many2one(
        "dunning.level", required=True, index=True, readonly=True, ondelete="restrict"
    )
    policy_id = fields.Many2one(related="level_id.policy_id", store=True)
    channel = fields.Selection(
        selection=lambda self: self.env["dunning.level"]._fields["channel"].selection,
        required=True,
        readonly=True,
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="Template", readonly=True, ondelete="restrict"
    )
    recipient = fields.Char(
        string="Recipient As Sent",
        readonly=True,
        help="The email address, phone number (E.164) or postal address the channel "
        "used.",
    )
    call_activity_id = fields.Many2one(
        "mail.activity", readonly=True, ondelete="set null"
    )
    overdue_text = fields.Char(string="Overdue", compute="_compute_overdue_text")
    risk_reasons = fields.Text(related="partner_id.dunning_risk_reasons")
    call_script = fields.Text(related="level_id.call_script")
    send_after = fields.Datetime(
        string="Waits Until",
        readonly=True,
        index="btree_not_null",
        help="Outside the customer's business hours an SMS or a call waits for the "
        "next opening of its send window.",
    )
    cost_units = fields.Integer(
        readonly=True,
        help="What the message cost in the channel's unit: emails, SMS segments, "
        "letter pages, calls.",
    )
    outcome = fields.Selection(
        [
            ("sent", "Sent"),
            ("delivered", "Delivered"),
            ("error", "Error"),
            ("bounced", "Bounced"),
            ("printed", "Printed"),
            ("posted", "Posted"),
            *CALL_OUTCOMES,
        ],
        string="Delivery Outcome",
        readonly=True,
        index=True,
    )
    run_id = fields.Many2one(
        "dunning.run", index=True, readonly=True, ondelete="restrict"
    )
    user_id = fields.Many2one(
        "res.users", string="Sent By", readonly=True, default=lambda self: self.env.user
    )
    dunning_date = fields.Date(required=True, readonly=True, index=True)
    line_ids = fields.One2many(
        "dunning.communication.line", "communication_id", readonly=True
    )
    move_ids = fields.Many2many(
        "account.move",
        "dunning_communication_move_rel",
        "communication_id",
        "move_id",
        string="Invoices",
        readonly=True,
    )
    totals = fields.Json(
        readonly=True,
        help="What the customer owed per currency when the reminder was sent, all its "
        "open items included: [{currency_id, balance, overdue}] (engine.Totals).",
    )
    subject = fields.Char(readonly=True)
    body_html = fields.Html(string="Body", readonly=True, sanitize=False)
    mail_id = fields.Many2one(
        "mail.mail",
        string="Email",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    mail_message_id = fields.Many2one(
        "mail.message",
        string="Message",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("bounced", "Bounced"),
            ("withdrawn", "Withdrawn"),
            ("held_out", "Held Out"),
        ],
        required=True,
        default="queued",
        readonly=True,
        index=True,
    )
    failure_type = fields.Char(readonly=True)
    failure_reason = fields.Text(string="Technical Details", readonly=True)
    failure_message = fields.Text(
        string="Why It Failed", compute="_compute_failure_message"
    )
    retry_count = fields.Integer(string="Retries", readonly=True, copy=False)
    retry_date = fields.Datetime(
        string="Next Automatic Retry",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="A later run queues the email again at this time: the mail server failed "
        "for a reason that may pass.",
    )
    can_retry = fields.Boolean(compute="_compute_failure_message")
    sent_date = fields.Datetime(readonly=True)
    idempotency_key = fields.Char(required=True, readonly=True, copy=False)
    reminder_key = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        help="The reminder this record is an attempt at: the idempotency key of its "
        "first attempt.",
    )
    chain_index = fields.Integer(readonly=True, copy=False)
    hash_previous = fields.Char(readonly=True, copy=False)
    hash = fields.Char(readonly=True, copy=False)
    # experiments (dunning.level's hold-out and variants): the arm this reminder fell in
    arm = fields.Selection(
        [("holdout", "Held Out"), ("treatment", "Sent")],
        readonly=True,
        index="btree_not_null",
        help="Held out: kept out of the message by the level's experiment (nothing "
        "sent), to measure what the message earns.",
    )
    variant_id = fields.Many2one(
        "dunning.level.variant", readonly=True, index="btree_not_null"
    )

    _idempotency_key_uniq = models.Constraint(
        "UNIQUE(idempotency_key)",
        "This reminder was already sent: the same customer cannot get the same level "
        "through the same channel twice on the same day.",
    )
    _chain_index_uniq = models.UniqueIndex(
        "(company_id, chain_index) WHERE chain_index IS NOT NULL"
    )
    _reminder_live_uniq = models.UniqueIndex(
        "(reminder_key) WHERE state IN ('queued', 'sent')",
        "This reminder is already queued or sent: it cannot be sent again.",
    )

    @api.depends("level_id", "partner_name", "dunning_date")
    def _compute_name(self):
        for communication in self:
            communication.name = (
                f"{communication.partner_name} · {communication.level_id.name} · "
                f"{communication.dunning_date}"
            )

    @api.depends(
        "state", "failure_type", "retry_date", "retry_count", "body_html", "email_to"
    )
    def _compute_failure_message(self):
        labels = self.env["dunning.delivery"]._failure_labels()
        for communication in self:
            failed = communication.state in ("failed", "bounced")
            communication.can_retry = (
                failed and communication.channel == "email"
            ) and bool(communication.body_html and communication.email_to)
            if not failed and communication.state != "withdrawn":
                communication.failure_message = False
                continue
            parts = [
                labels.get(communication.failure_type)
                or communication.failure_reason
                or ""
            ]
            if communication.retry_date:
                parts.append(
                    self.env._(
                        "A later run sends it again automatically after %(date)s.",
                        date=format_datetime(
                            self.env, communication.retry_date, dt_format="short"
                        ),
                    )
                )
            elif communication.can_retry:
                parts.append(self.env._("Use Retry once the cause is fixed."))
            elif failed:
                parts.append(
                    self.env._(
                        "Fix the cause (the contact's email address, the template), "
                        "then use Send Reminder Now."
                    )
                )
            communication.failure_message = "\n".join(filter(None, parts))

    # ------------------------------------------------------------------
    # IMMUTABILITY
    # ------------------------------------------------------------------

    def _raise_immutable(self):
        raise UserError(
            self.env._(
                "Dunning communications are an audit trail: they cannot be changed or "
                "deleted. Only their delivery state follows the email."
            )
        )

    def write(self, vals):
        if set(vals) - DELIVERY_FIELDS:
            self._raise_immutable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit_trail(self):
        self._raise_immutable()

    @api.model
    def _idempotency_key(
        self, company, partner, level, channel, dunning_date, move=None
    ):
        """The key that makes the same reminder impossible twice."""
        parts = [company.id, partner.id, level.id, channel, dunning_date.isoformat()]
        if move:
            parts.append(move.id)
        return "-".join(map(str, parts))

    @api.model
    def _attempt_key(self, reminder_key, attempt):
        """The idempotency key of a new attempt after all earlier attempts failed."""
        return reminder_key if attempt == 1 else f"{reminder_key}/{attempt}"

    # ------------------------------------------------------------------
    # HASH CHAIN
    # ------------------------------------------------------------------

    def _snapshot_payload(self):
        """Canonical text of what the record froze (no partner id: merges change it)."""
        self.ensure_one()
        return json.dumps(
            [
                self.company_id.id,
                self.chain_index,
                self.hash_previous or "",
                self.idempotency_key,
                self.partner_name or "",
                self.partner_address or "",
                self.email_to or "",
                self.email_cc or "",
                self.level_id.id,
                self.channel,
                self.mail_template_id.id or 0,
                self.run_id.id or 0,
                self.user_id.id or 0,
                str(self.dunning_date),
                self.subject or "",
                str(self.body_html or ""),
                self.line_ids._snapshot(),
                # appended only when set: the records sealed before it existed keep
                # their hash
                *(
                    [
                        [
                            [
                                currency.name,
                                currency.round(balance),
                                currency.round(overdue),
                            ]
                            for currency, balance, overdue in self._totals_by_currency()
                        ]
                    ]
                    if self.totals
                    else []
                ),
                *([[self.arm, self.variant_id.id or 0]] if self.arm else []),
                *([self.recipient] if self.recipient else []),
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def _compute_hash(self):
        self.ensure_one()
        return hashlib.sha256(self._snapshot_payload().encode()).hexdigest()

    def _seal(self, values_by_id=None):
        """Freeze the rendered message and chain the records to their company's previous
        one.

        ``values_by_id`` gives, per record, the rendered values (subject, body, mail)
        written together with the hash. Records are chained in id order, under a
        per-company lock so that two concurrent runs cannot fork the chain.
        """
        if self.filtered("hash"):
            self._raise_immutable()
        values_by_id = values_by_id or {}
        # the chain's last link is read in SQL: the links sealed earlier in the
        # transaction first
        self.flush_model(["chain_index", "hash"])
        for company, communications in self.sorted("id").grouped("company_id").items():
            self.env.cr.execute(
                SQL(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    CHAIN_LOCK_NAMESPACE,
                    company.id,
                )
            )
            head = SQL(
                """SELECT chain_index, hash FROM dunning_communication
                    WHERE company_id = %s AND hash IS NOT NULL
                 ORDER BY chain_index DESC LIMIT 1""",
                company.id,
            )
            self.env.cr.execute(head)
            heads = [self.env.cr.fetchone() or (0, "")]
            if self.env.registry.ready:  # not while the addon installs (demo data)
                # this transaction's snapshot may predate the lock and miss what
                # another run sealed meanwhile; a cursor of its own sees that (but not
                # this transaction's own seals): the chain goes on from the later head
                with self.env.registry.cursor() as head_cr:
                    head_cr.execute(head)
                    heads.append(head_cr.fetchone() or (0, ""))
            chain_index, previous = max(heads)
            for communication in communications:
                chain_index += 1
                # bypass the immutability guard: this is the one moment the snapshot is
                # written
                models.Model.write(
                    communication,
                    {
                        **values_by_id.get(communication.id, {}),
                        "chain_index": chain_index,
                        "hash_previous": previous,
                    },
                )
                previous = communication._compute_hash()
                models.Model.write(communication, {"hash": previous})

    @api.model
    def _find_broken_link(self, company):
        """The first record of the company's chain with a wrong hash, or none."""
        previous = ""
        chain_ids = (
            self.sudo()
            .search(
                [("company_id", "=", company.id), ("chain_index", "!=", False)],
                order="chain_index",
            )
            .ids
        )
        for batch_number, ids in enumerate(split_every(CHAIN_VERIFY_BATCH, chain_ids)):
            batch = self.sudo().browse(ids)
            for expected_index, communication in enumerate(
                batch, start=batch_number * CHAIN_VERIFY_BATCH + 1
            ):
                if (
                    communication.chain_index != expected_index
                    or (communication.hash_previous or "") != previous
                    or communication.hash != communication._compute_hash()
                ):
                    return communication
                previous = communication.hash
            batch.invalidate_recordset()
        return self.browse()

    def action_verify_chain(self):
        """Verify the current companies' hash chains; name the first broken link."""
        messages, broken = [], False
        for company in self.env.companies:
            link = self._find_broken_link(company)
            if link:
                broken = True
                messages.append(
                    self.env._(
                        "%(company)s: the audit trail is broken at %(record)s "
                        "(#%(index)s).",
                        company=company.name,
                        record=link.name,
                        index=link.chain_index,
                    )
                )
            else:
                messages.append(
                    self.env._(
                        "%(company)s: the audit trail is intact.", company=company.name
                    )
                )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Audit trail verification"),
                "message": "\n".join(messages),
                "type": "danger" if broken else "success",
                "sticky": broken,
            },
        }

    # ------------------------------------------------------------------
    # DELIVERY
    # ------------------------------------------------------------------

    def _set_delivery(
        self,
        state,
        failure_type=False,
        failure_reason=False,
        log_on_invoices=True,
        **values,
    ):
        """Record a delivery state; a transient failure plans its automatic retry, and
        the invoices' chatter tells the new state (the run logs the first one
        itself)."""
        values.update(
            state=state, failure_type=failure_type, failure_reason=failure_reason
        )
        if state == "sent":
            values["sent_date"] = fields.Datetime.now()
        if state != "failed":
            values.setdefault("retry_date", False)
        elif "retry_date" not in values:
            values["retry_date"] = (
                self.env["dunning.delivery"]._schedule_retry(self, failure_type)
                or False
            )
        values.setdefault("outcome", OUTCOME_OF_STATE.get(state, False))
        self.sudo().write(values)
        if state in ("failed", "bounced"):
            self.env["dunning.delivery"]._deliver_next(self)
        if log_on_invoices and state != "queued":
            self.env["account.move"]._dunning_log_communications(self)

    @api.model
    def _update_from_mails(
        self, mails, state, failure_type=False, failure_reason=False
    ):
        """Follow the delivery of the dunning emails among ``mails``; a failure without
        a reason (the mail server could not be reached) takes the one the mail
        recorded."""
        communications = self.sudo().search(
            [("mail_id", "in", mails.ids), ("state", "!=", "bounced")]
        )
        for reason, grouped in communications.grouped(
            lambda c: failure_reason or c.mail_id.failure_reason
        ).items():
            grouped._set_delivery(
                state, failure_type, reason if failure_type else False
            )

    def action_retry(self):
        """Retry: queue the failed emails again in one batch; say which could not be."""
        self.check_access("read")
        retried, refused = self.env["dunning.delivery"]._retry(self)
        message = self.env._("%(count)s reminder(s) queued again.", count=len(retried))
        if refused:
            message += "\n" + "\n".join(
                self.env._(
                    "%(record)s: %(reason)s", record=communication.name, reason=reason
                )
                for communication, reason in refused.items()
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Retry"),
                "message": message,
                "type": "warning" if refused else "success",
                "sticky": bool(refused),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _invoices_paid(self):
        self.ensure_one()
        invoices = self.move_ids.filtered(lambda move: move.move_type == "out_invoice")
        return bool(invoices) and all(
            move.payment_state in engine.SETTLED_PAYMENT_STATES for move in invoices
        )

    @api.model
    def _withdraw_settled(self, mails):
        """Cancel the queued reminders among ``mails`` whose invoices were all paid
        since they were queued: the customer who just paid gets no reminder about it."""
        queued = self.sudo().search(
            [("mail_id", "in", mails.ids), ("state", "=", "queued")]
        )
        settled = queued.filtered(lambda communication: communication._invoices_paid())
        if settled:
            settled.mail_id.write({"state": "cancel"})
            settled._set_delivery(
                "withdrawn",
                "paid",
                self.env._("The invoices were paid before the email left."),
            )
        return settled

    # ------------------------------------------------------------------
    # TEMPLATE HELPERS
    # ------------------------------------------------------------------

    def _totals_by_currency(self):
        """[(currency, amount due, overdue)] the customer owed when the reminder was
        sent, one row per currency, never summed across: the same figures as its account
        statement that day (credits netted, not-yet-due and paused invoices included in
        the amount due)."""
        self.ensure_one()
        rows = [
            (
                self.env["res.currency"].browse(total["currency_id"]),
                total["balance"],
                total["overdue"],
            )
            for total in self.totals or []
        ]
        return sorted(rows, key=lambda row: row[0].name)

    def _statement_url(self):
        """A fresh signed link to the customer's statement, for this reminder."""
        self.ensure_one()
        return self.partner_id._dunning_statement_url(
            self.company_id, self.dunning_date
        )

    def _statement_attachment(self):
        """The customer's account statement as a PDF attached to this communication."""
        self.ensure_one()
        pdf, filename = self.partner_id._dunning_statement_pdf(self.company_id)
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )

    @api.depends("totals")
    def _compute_overdue_text(self):
        for communication in self:
            communication.overdue_text = communication._overdue_text()

    def _overdue_text(self):
        """What is overdue, per currency, in words short enough for an SMS."""
        self.ensure_one()
        return ", ".join(
            format_amount(self.env, overdue, currency)
            for currency, _balance, overdue in self._totals_by_currency()
            if not currency.is_zero(overdue)
        )

    def _invoice_lines(self):
        self.ensure_one()
        return self.line_ids.filtered(lambda line: line.amount_residual > 0)

    def _credit_lines(self):
        self.ensure_one()
        return self.line_ids.filtered(lambda line: line.amount_residual < 0)
