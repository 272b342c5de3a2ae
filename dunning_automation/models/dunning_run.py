# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass

from markupsafe import Markup
from psycopg2.errors import LockNotAvailable, SerializationFailure, UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL, email_normalize, split_every

from .. import engine

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
MAX_ATTEMPTS = 3
# Namespace of the session advisory lock that serialises the batches of concurrent runs.
BATCH_LOCK_NAMESPACE = 0x64756E + 1
CONCURRENCY_ERRORS = (UniqueViolation, SerializationFailure, LockNotAvailable)
SKIP_EXCLUDED = "excluded"
SKIP_ARCHIVED = "archived"
SKIP_ALREADY_SENT = "already_sent"
SKIP_LOCKED = "locked"


@dataclass
class Reminder:
    """A reminder the run decided to send: one customer (or invoice), one level."""

    company: models.BaseModel
    policy: models.BaseModel
    decision: engine.PartnerDecision
    move: models.BaseModel | None = None  # set when the policy sends one reminder per invoice

    @property
    def level_id(self):
        return self.decision.level_id


class DunningRun(models.Model):
    """One evaluation of the dunning rules: what was decided, sent and skipped, and why."""

    _name = "dunning.run"
    _description = "Dunning Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(string="Dunning Date", required=True, readonly=True, index=True)
    company_ids = fields.Many2many("res.company", string="Companies", readonly=True)
    trigger = fields.Selection(
        [
            ("cron", "Scheduled"),
            ("manual", "Run Now"),
            ("user", "Send Now"),
        ],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one("res.users", string="Started By", readonly=True, default=lambda self: self.env.user)
    date_start = fields.Datetime(string="Started", readonly=True)
    date_end = fields.Datetime(string="Ended", readonly=True)
    communication_ids = fields.One2many("dunning.communication", "run_id", readonly=True)
    communication_count = fields.Integer(compute="_compute_counts")
    sent_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    skip_counts = fields.Json(readonly=True, default=dict)
    stats_html = fields.Html(string="Statistics", compute="_compute_stats_html", sanitize=False)
    error_log = fields.Text(string="Errors", readonly=True)

    @api.depends("date", "trigger")
    def _compute_name(self):
        labels = dict(self._fields["trigger"]._description_selection(self.env))
        for run in self:
            run.name = f"{run.date} · {labels.get(run.trigger, '')}"

    def _communication_groups(self, groupby):
        return self.env["dunning.communication"]._read_group(
            [("run_id", "in", self.ids)], groupby=["run_id", *groupby], aggregates=["__count"]
        )

    def _compute_counts(self):
        counts = defaultdict(Counter)
        for run, state, count in self._communication_groups(["state"]):
            counts[run.id][state] = count
        for run in self:
            run_counts = counts[run.id]
            run.communication_count = sum(run_counts.values())
            run.sent_count = run_counts["sent"] + run_counts["queued"]
            run.failed_count = run_counts["failed"] + run_counts["bounced"]

    def _compute_stats_html(self):
        states = dict(self.env["dunning.communication"]._fields["state"]._description_selection(self.env))
        rows = defaultdict(list)
        for run, level, state, count in self._communication_groups(["level_id", "state"]):
            rows[run.id].append((level.display_name, states[state], count))
        reasons = self._skip_reason_labels()
        for run in self:
            body = [
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>") % row
                for row in sorted(rows[run.id])
            ] + [
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>")
                % (self.env._("Skipped"), reasons.get(reason, reason), count)
                for reason, count in sorted((run.skip_counts or {}).items())
            ]
            run.stats_html = Markup(
                "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
                "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
            ) % (self.env._("Level"), self.env._("State"), self.env._("Count"), Markup().join(body))

    def _skip_reason_labels(self):
        _ = self.env._
        return {
            engine.SKIP_NO_LEVEL_DUE: _("No level due"),
            engine.SKIP_CREDIT_BALANCE: _("Credit balance"),
            engine.SKIP_BELOW_TOLERANCE: _("Below the company's tolerance"),
            engine.SKIP_TOO_RECENT: _("Reminded too recently"),
            engine.SKIP_NO_DUE_DATE: _("No due date"),
            SKIP_EXCLUDED: _("Excluded from dunning"),
            SKIP_ARCHIVED: _("Archived customer"),
            SKIP_ALREADY_SENT: _("Already sent today"),
            SKIP_LOCKED: _("Being processed by another run"),
        }

    # ------------------------------------------------------------------
    # ENTRY POINTS
    # ------------------------------------------------------------------

    @api.model
    def _cron_run(self):
        """Scheduled action: evaluate every policy of every company, batch by batch."""
        today = fields.Date.context_today(self)
        run = self.search(
            [("trigger", "in", ("cron", "manual")), ("state", "in", ("pending", "running")), ("date", "=", today)],
            order="id",
            limit=1,
        )
        if not run:
            run = self.create({"date": today, "trigger": "cron", "company_ids": self.env["res.company"].search([]).ids})
        for stale in self.search([("state", "in", ("pending", "running")), ("date", "<", today)]):
            stale.write({"state": "failed", "error_log": self.env._("Interrupted before it finished."), "date_end": fields.Datetime.now()})
        run._execute(commit=True)

    @api.model
    def action_run_now(self):
        """Queue an evaluation of the current companies and wake the scheduled action."""
        self.check_access("create")
        self.create(
            {"date": fields.Date.context_today(self), "trigger": "manual", "company_ids": self.env.companies.ids}
        )
        self.env.ref("dunning_automation.ir_cron_dunning_run")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("The dunning run has started in the background."),
                "type": "info",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _send_now(self, partners):
        """Send the partners the reminder due now, even when the minimum delays are not over."""
        self.check_access("create")
        partners = partners.commercial_partner_id
        run = self.sudo().create(
            {"date": fields.Date.context_today(self), "trigger": "user", "company_ids": self.env.company.ids,
             "user_id": self.env.user.id}
        )
        reminders, skipped = run._plan(self.env.company, partners=partners, resend_current=True)
        if reminders:
            run._execute(commit=False, reminders=reminders, skipped=skipped)
        if not run.communication_ids:
            labels = run._skip_reason_labels()
            raise UserError(
                self.env._(
                    "Nothing to send: %(reasons)s.",
                    reasons=", ".join(sorted(labels.get(reason, reason) for reason in run.skip_counts or skipped.values()))
                    or self.env._("no open invoice"),
                )
            )
        return run

    def _execute(self, commit, reminders=None, skipped=None):
        """Apply the plan batch by batch; with ``commit``, every batch is committed on its own."""
        self.ensure_one()
        self.write({"state": "running", "date_start": self.date_start or fields.Datetime.now()})
        errors = []
        if reminders is None:
            reminders, skipped = [], {}
            for company in self.company_ids:
                self.env["dunning.promise"].sudo()._dunning_evaluate(company, self.date)
                try:
                    company._dunning_check_configuration()
                except UserError as error:
                    errors.append(str(error))
                    continue
                company_reminders, company_skipped = self._plan(company)
                reminders += company_reminders
                skipped.update(company_skipped)
        self.write({"skip_counts": dict(Counter(skipped.values())), "error_log": "\n".join(errors) or False})
        if commit:
            self.env["ir.cron"]._commit_progress(0, remaining=len(reminders))
        batch_size = int(
            self.env["ir.config_parameter"].sudo().get_param("dunning_automation.batch_size", DEFAULT_BATCH_SIZE)
        )
        remaining = len(reminders)
        for batch in split_every(batch_size, reminders):
            if commit:
                self._acquire_batch_lock()
            try:
                self._process_batch(list(batch), commit=commit)
            except Exception:
                if not commit:
                    raise
                self.env.cr.rollback()
                self._release_batch_lock()
                _logger.exception("Dunning run %s failed on a batch", self.id)
                self.write({"state": "failed", "error_log": traceback.format_exc(), "date_end": fields.Datetime.now()})
                self.env["ir.cron"]._commit_progress(0, remaining=remaining)
                raise
            remaining -= len(batch)
            if commit:
                time_left = self.env["ir.cron"]._commit_progress(len(batch), remaining=remaining)
                self._release_batch_lock()
                if not time_left:
                    return  # out of time: the scheduler runs the job again and it resumes idempotently
        for company in self.company_ids:
            self.env["account.move"]._dunning_refresh_states(company, self.date)
        self.write({"state": "done", "date_end": fields.Datetime.now()})
        if commit:
            self.env["ir.cron"]._commit_progress(0, remaining=0)

    # ------------------------------------------------------------------
    # PLANNING
    # ------------------------------------------------------------------

    def _plan(self, company, partners=None, resend_current=False, dry_run=False):
        """Decide what is due for ``company`` (optionally only these commercial partners).

        With ``dry_run`` (the preview), nothing is written: the invoices' next dates are left as they are.

        :return: (reminders to send, {partner id: skip reason})
        """
        rows = self._fetch_open_items(company, partners)
        partners = self.env["res.partner"].browse({row["partner_id"] for row in rows}).with_company(company)
        default_policy = company.dunning_policy_id
        skipped = {}
        rows_by_policy = defaultdict(list)
        for partner in partners:
            if partner.dunning_excluded:
                skipped[partner.id] = SKIP_EXCLUDED
                continue
            policy = partner._dunning_effective_policy(default_policy)
            if not policy or not policy.active or not policy._covers_partner(partner):
                continue
            if not partner.active and policy.skip_archived_partners:
                skipped[partner.id] = SKIP_ARCHIVED
                continue
            rows_by_policy[policy].append(partner.id)
        rows_by_partner = defaultdict(list)
        for row in rows:
            rows_by_partner[row["partner_id"]].append(row)

        reminders, next_dates = [], {}
        for policy, partner_ids in rows_by_policy.items():
            policy_rows = [row for partner_id in partner_ids for row in rows_by_partner[partner_id]]
            items = policy._engine_items(policy_rows)
            evaluation = engine.evaluate(
                items,
                policy._engine_levels(),
                self.date,
                tolerance=company.dunning_tolerance,
                last_reminder_by_partner=self._last_reminder_dates(company, partner_ids),
                resend_current=resend_current,
                owed_items=engine.make_items(policy_rows),
            )
            next_dates.update(evaluation.next_dates)
            for decision in evaluation.decisions:
                if not decision.send:
                    skipped[decision.partner_id] = decision.skip_reason
                elif policy.grouping == "invoice":
                    reminders += self._split_per_invoice(company, policy, decision, rows_by_partner)
                else:
                    reminders.append(Reminder(company, policy, decision))
        if not dry_run:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env["account.move"]._dunning_write_next_dates(next_dates)
            except CONCURRENCY_ERRORS:
                _logger.info("Dunning run %s: another run is updating the next dates", self.id)
        return reminders, skipped

    def _split_per_invoice(self, company, policy, decision, rows_by_partner):
        rows_by_move = defaultdict(list)
        for row in rows_by_partner[decision.partner_id]:
            rows_by_move[row["move_id"]].append(row)
        return [
            Reminder(
                company,
                policy,
                engine.PartnerDecision(
                    partner_id=decision.partner_id,
                    level_id=level_id,
                    advancing={move_id: level_id},
                    line_ids=[row["line_id"] for row in rows_by_move[move_id]],
                    overdue_total=engine.overdue_total(engine.make_items(rows_by_move[move_id]), self.date),
                    totals=decision.totals,
                ),
                move=self.env["account.move"].browse(move_id),
            )
            for move_id, level_id in decision.advancing.items()
        ]

    @api.model
    def _fetch_open_items(self, company, partners=None):
        """Open receivable lines of ``company`` in one query, as dicts named after
        ``engine.OpenItem``'s fields (plus ``move_type`` and ``journal_id``)."""
        self.env.flush_all()
        partner_filter = (
            SQL("AND partner.commercial_partner_id IN %s", tuple(partners.ids)) if partners else SQL()
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT line.id AS line_id,
                       line.move_id,
                       partner.commercial_partner_id AS partner_id,
                       line.date_maturity,
                       move.invoice_date,
                       move.move_type,
                       move.journal_id,
                       line.amount_residual,
                       line.currency_id,
                       line.amount_residual_currency,
                       move.dunning_level_id AS level_id,
                       move.dunning_last_date AS last_date,
                       move.dunning_paused_until AS paused_until,
                       move.dunning_pause_reason AS pause_reason
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN res_partner partner ON partner.id = line.partner_id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE line.company_id = %(company)s
                   AND %(open)s
                   %(partner_filter)s
                """,
                company=company.id,
                open=self.env["account.move.line"]._dunning_open_sql("line", "move", "account"),
                partner_filter=partner_filter,
            )
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _last_reminder_dates(self, company, partner_ids):
        groups = self.env["dunning.communication"].sudo()._read_group(
            [("company_id", "=", company.id), ("partner_id", "in", partner_ids)],
            groupby=["partner_id"],
            aggregates=["dunning_date:max"],
        )
        return {partner.id: last_date for partner, last_date in groups}

    # ------------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------------

    def _acquire_batch_lock(self):
        """Take the database-wide dunning batch lock, then start a transaction that sees every
        batch committed before (under REPEATABLE READ, a lock waited for inside the transaction
        would leave it on a snapshot taken before the wait)."""
        self.env.cr.execute(SQL("SELECT pg_advisory_lock(%s, 0)", BATCH_LOCK_NAMESPACE))
        self.env["ir.cron"]._commit_progress(0)

    def _release_batch_lock(self):
        self.env.cr.execute(SQL("SELECT pg_advisory_unlock(%s, 0)", BATCH_LOCK_NAMESPACE))

    def _process_batch(self, reminders, commit=False):
        """Write the batch's communications, queued emails and invoice updates in one transaction.

        When another run works on the same customers at the same moment, the database refuses
        the second reminder (idempotency key) or the concurrent update; with ``commit`` the batch
        starts over on a fresh snapshot, where the other run's reminders are seen and skipped.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.env.cr.savepoint():
                    self._send_reminders(reminders)
                return
            except CONCURRENCY_ERRORS as error:
                if not commit or attempt == MAX_ATTEMPTS:
                    raise
                _logger.info("Dunning run %s: concurrent run detected (%s), retrying the batch", self.id, error.pgcode)
                self.env.cr.rollback()

    def _count_skips(self, reasons):
        if reasons:
            counts = Counter(self.skip_counts or {})
            counts.update(reasons)
            self.write({"skip_counts": dict(counts)})

    def _send_reminders(self, reminders):
        Communication = self.env["dunning.communication"].sudo()
        partners = self.env["res.partner"].browse([r.decision.partner_id for r in reminders])
        locked = partners.try_lock_for_update(allow_referencing=True)
        keyed = {}
        levels = self.env["dunning.level"].browse({r.level_id for r in reminders})
        for reminder in reminders:
            partner = partners.browse(reminder.decision.partner_id)
            level = levels.browse(reminder.level_id)
            key = Communication._idempotency_key(
                reminder.company, partner, level, level.channel, self.date, reminder.move
            )
            keyed[key] = reminder
        existing = set(Communication.search([("idempotency_key", "in", list(keyed))]).mapped("idempotency_key"))
        skips = []
        todo = {}
        for key, reminder in keyed.items():
            if key in existing:
                skips.append(SKIP_ALREADY_SENT)
            elif reminder.decision.partner_id not in locked.ids:
                skips.append(SKIP_LOCKED)
            else:
                todo[key] = reminder
        self._count_skips(skips)
        if not todo:
            return

        lines = self.env["account.move.line"].browse(
            {line_id for reminder in todo.values() for line_id in reminder.decision.line_ids}
        )
        moves = lines.move_id
        moves._portal_ensure_tokens()
        communications = Communication.create(
            [self._communication_values(key, reminder, partners, lines) for key, reminder in todo.items()]
        )
        self._deliver(communications)
        self._advance_moves(communications, todo)

    def _communication_values(self, key, reminder, partners, lines):
        """The snapshot of one reminder; ``partners`` and ``lines`` are the batch's, read together."""
        partner = partners.browse(reminder.decision.partner_id).with_prefetch(partners._prefetch_ids)
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
            "mail_template_id": level.mail_template_id.id,
            "run_id": self.id,
            "user_id": self.user_id.id or self.env.user.id,
            "dunning_date": self.date,
            "idempotency_key": key,
            "totals": reminder.decision.totals_snapshot(),
            "move_ids": [Command.set(listed.move_id.ids)],
            "line_ids": [
                Command.create(self._communication_line_values(line, reminder.decision.advancing))
                for line in listed
            ],
        }

    def _communication_line_values(self, line, advancing):
        move = line.move_id
        due_date = engine.due_date_of(line.date_maturity, move.invoice_date)
        return {
            "move_id": move.id,
            "move_line_id": line.id,
            "move_name": move.name,
            "move_type": move.move_type,
            "invoice_date": move.invoice_date,
            "date_due": due_date,
            "days_overdue": max((self.date - due_date).days, 0) if due_date else 0,
            "currency_id": line.currency_id.id,
            "amount_total": move.amount_total_in_currency_signed if move.is_invoice(include_receipts=True) else line.amount_currency,
            "amount_residual": line.amount_residual_currency,
            "amount_residual_company": line.amount_residual,
            "level_id": advancing.get(move.id),
            "portal_url": move.get_portal_url() if move.is_invoice(include_receipts=True) else False,
        }

    def _deliver(self, communications):
        """Queue the emails (sending happens later, through the mail queue) and seal the records."""
        sealed_values = {}
        failures = defaultdict(list)  # (failure type, reason) -> communications
        blacklisted = self.env["res.partner"]._dunning_blacklisted_emails(communications.mapped("email_to"))
        sendable = self.env["dunning.communication"]
        for communication in communications:
            problem = communication.recipient_id._dunning_email_problem(blacklisted)
            if problem:
                failures[problem].append(communication)
            else:
                sendable |= communication
        for template, template_communications in sendable.grouped("mail_template_id").items():
            for communication, mail, error in template._dunning_queue(template_communications):
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
        for (failure_type, reason), failed in failures.items():
            self.env["dunning.communication"].concat(*failed)._set_delivery("failed", failure_type, reason)
            for communication in failed:
                communication.partner_id._dunning_schedule_fallback_activity(communication, reason)
        self._attach_pdfs(communications.filtered("mail_id"))

    def _attach_pdfs(self, communications):
        """Attach the invoices' PDFs and the account statement to the emails whose level asks so."""
        for communication in communications:
            level = communication.level_id
            attachments = self.env["ir.attachment"]
            if level.attach_invoice_pdf:
                attachments |= communication.move_ids.filtered(lambda move: move.is_invoice())._dunning_pdf_attachments()
            if level.attach_statement_pdf:
                attachments |= communication._statement_attachment()
            communication.mail_id.attachment_ids = [Command.link(attachment.id) for attachment in attachments]

    def _advance_moves(self, communications, reminders_by_key):
        """Move the invoices to the level they reached, log it on their chatter, schedule activities."""
        moves_by_level = defaultdict(list)
        for reminder in reminders_by_key.values():
            for move_id, level_id in reminder.decision.advancing.items():
                moves_by_level[level_id].append(move_id)
        Move = self.env["account.move"]
        for level_id, move_ids in moves_by_level.items():
            Move.browse(move_ids)._dunning_write_run_fields({"dunning_level_id": level_id, "dunning_last_date": self.date})
        Move._dunning_log_communications(communications)
        communications.partner_id._dunning_apply_escalation(communications)
        self.env["res.partner"]._dunning_schedule_level_activities(communications)

    def _action_open_communications(self):
        """Open the communications this run wrote."""
        action = self.env["ir.actions.act_window"]._for_xml_id("dunning_automation.action_dunning_communication")
        action["domain"] = [("run_id", "in", self.ids)]
        return action
