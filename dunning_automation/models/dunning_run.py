# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import time
import traceback
from collections import Counter, defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from .dunning_communication import LIVE_STATES
from .dunning_planner import (
    CONCURRENCY_ERRORS,
    SKIP_ALREADY_SENT,
    SKIP_FAILED,
    SKIP_LOCKED,
)

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200
MAX_ATTEMPTS = 3
# Rounds (and seconds waited before each) in which the reminders of customers locked by
# another worker are tried again before the run counts them as locked.
LOCKED_RETRY_WAITS = (1, 2, 4)
# Namespace of the session advisory lock a worker holds on the one run it executes.
RUN_LOCK_NAMESPACE = 0x64756E + 2


class DunningRun(models.Model):
    """One evaluation of the dunning rules: what was decided, sent, skipped, why."""

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
            ("warning", "Done with Warnings"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Started By",
        readonly=True,
        default=lambda self: self.env.user,
    )
    date_start = fields.Datetime(string="Started", readonly=True)
    date_end = fields.Datetime(string="Ended", readonly=True)
    communication_ids = fields.One2many(
        "dunning.communication", "run_id", readonly=True
    )
    communication_count = fields.Integer(compute="_compute_counts")
    queued_count = fields.Integer(compute="_compute_counts")
    sent_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    skip_counts = fields.Json(readonly=True, default=dict)
    stats_html = fields.Html(
        string="Statistics", compute="_compute_stats_html", sanitize=False
    )
    error_log = fields.Text(string="Errors", readonly=True)

    @api.depends("date", "trigger")
    def _compute_name(self):
        labels = dict(self._fields["trigger"]._description_selection(self.env))
        for run in self:
            run.name = f"{run.date} · {labels.get(run.trigger, '')}"

    def _communication_groups(self, groupby):
        return self.env["dunning.communication"]._read_group(
            [("run_id", "in", self.ids)],
            groupby=["run_id", *groupby],
            aggregates=["__count"],
        )

    def _compute_counts(self):
        counts = defaultdict(Counter)
        for run, state, count in self._communication_groups(["state"]):
            counts[run.id][state] = count
        for run in self:
            run_counts = counts[run.id]
            run.communication_count = sum(run_counts.values())
            # "Sent" is what the mail server accepted: a queued email may still fail
            run.queued_count = run_counts["queued"]
            run.sent_count = run_counts["sent"]
            run.failed_count = run_counts["failed"] + run_counts["bounced"]

    def _compute_stats_html(self):
        states = dict(
            self.env["dunning.communication"]
            ._fields["state"]
            ._description_selection(self.env)
        )
        rows = defaultdict(list)
        for run, level, state, count in self._communication_groups(
            ["level_id", "state"]
        ):
            rows[run.id].append((level.display_name, states[state], count))
        reasons = self.env["dunning.planner"]._skip_reason_labels()
        for run in self:
            body = [
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>")
                % row
                for row in sorted(rows[run.id])
            ] + [
                Markup("<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>")
                % (self.env._("Skipped"), reasons.get(reason, reason), count)
                for reason, count in sorted((run.skip_counts or {}).items())
            ]
            run.stats_html = Markup(
                "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
                "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
            ) % (
                self.env._("Level"),
                self.env._("State"),
                self.env._("Count"),
                Markup().join(body),
            )

    # ------------------------------------------------------------------
    # ENTRY POINTS
    # ------------------------------------------------------------------

    @api.model
    def _cron_run(self):
        """Scheduled action: evaluate every policy of every company, batch by batch."""
        today = fields.Date.context_today(self)
        run = self.search(self._cron_resume_domain(today), order="id", limit=1)
        if not run:
            run = self.create(
                {
                    "date": today,
                    "trigger": "cron",
                    "company_ids": self.env["res.company"].search([], limit=None).ids,
                }
            )
        for stale in self.search(
            [("state", "in", ("pending", "running")), ("date", "<", today)]
        ):
            stale.write(
                {
                    "state": "failed",
                    "error_log": self.env._("Interrupted before it finished."),
                    "date_end": fields.Datetime.now(),
                }
            )
        run._execute(commit=True)

    @api.model
    def _cron_resume_domain(self, today):
        """The runs of today the scheduled action takes over (or resumes after a
        crash)."""
        return [
            ("trigger", "in", ("cron", "manual")),
            ("state", "in", ("pending", "running")),
            ("date", "=", today),
        ]

    def action_run_now(self):
        """Queue an evaluation of the current companies and wake the scheduled action.

        A list header button: ``self`` holds the selected runs (usually none) and is not
        used.
        """
        self.check_access("create")
        self.create(
            {
                "date": fields.Date.context_today(self),
                "trigger": "manual",
                "company_ids": self.env.companies.ids,
            }
        )
        self.env.ref("dunning_automation.ir_cron_dunning_run")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("The dunning run has started in the background."),
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _send_now(self, partners):
        """Send the partners the reminder due now, even when the minimum delays are not
        over.

        A reminder whose attempts today all failed is attempted again.
        """
        self.check_access("create")
        problem = self.env.company._dunning_configuration_problem()
        if problem:
            raise UserError(problem)
        partners = partners.commercial_partner_id
        run = self.sudo().create(
            {
                "date": fields.Date.context_today(self),
                "trigger": "user",
                "company_ids": self.env.company.ids,
                "user_id": self.env.user.id,
            }
        )
        Planner = self.env["dunning.planner"]
        reminders, skipped = Planner._plan(
            self.env.company, run.date, partners=partners, resend_current=True
        )
        if reminders:
            run._execute(commit=False, reminders=reminders, skipped=skipped)
        if not run.communication_ids:
            labels = Planner._skip_reason_labels()
            raise UserError(
                self.env._(
                    "Nothing to send: %(reasons)s.",
                    reasons=", ".join(
                        sorted(
                            labels.get(reason, reason)
                            for reason in run.skip_counts or skipped.values()
                        )
                    )
                    or self.env._("no open invoice"),
                )
            )
        return run

    def _execute(self, commit, reminders=None, skipped=None):
        """Apply the plan batch by batch; with ``commit``, every batch is committed on
        its own.

        A company that cannot send (no sender address) is reported, not failed reminder
        by reminder: the run ends in warning (some companies ran) or failed (none did).
        """
        self.ensure_one()
        if not commit:
            self._execute_plan(commit, reminders, skipped)
            return
        if not self._try_lock_run():
            _logger.info("Dunning run %s: executed by another worker", self.id)
            return
        try:
            self.invalidate_recordset()
            if self.state in ("pending", "running"):
                self._execute_plan(commit, reminders, skipped)
        except Exception:
            self.env.cr.rollback()  # the unlock needs a transaction that works
            self._unlock_run()
            raise
        self._unlock_run()

    def _try_lock_run(self):
        """Whether this worker may execute the run: a session lock on the run (no
        other run waits on it; released when the process dies), then a transaction
        that sees what the previous holder committed."""
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_lock(%s, %s)", RUN_LOCK_NAMESPACE, self.id)
        )
        locked = self.env.cr.fetchone()[0]
        if locked:
            self.env["ir.cron"]._commit_progress(0)
        return locked

    def _unlock_run(self):
        self.env.cr.execute(
            SQL("SELECT pg_advisory_unlock(%s, %s)", RUN_LOCK_NAMESPACE, self.id)
        )

    def _execute_plan(self, commit, reminders, skipped):
        planned = reminders is None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                self.write(
                    {
                        "state": "running",
                        "date_start": self.date_start or fields.Datetime.now(),
                    }
                )
                errors = []
                if planned:
                    reminders, skipped, errors = self._plan_companies()
                self.write(
                    {
                        "skip_counts": dict(Counter(skipped.values())),
                        "error_log": "\n".join(errors) or False,
                    }
                )
                self.env.flush_all()
                break
            except CONCURRENCY_ERRORS:
                # a concurrent run updated the same invoices: plan again on a fresh
                # transaction, which sees its writes
                if not commit or attempt == MAX_ATTEMPTS:
                    raise
                self.env.cr.rollback()
        if commit:
            self.env["ir.cron"]._commit_progress(0, remaining=len(reminders))
        if self._run_batches(reminders, commit):
            self._finish(len(errors), commit)

    def _plan_companies(self):
        """(reminders, {partner id: skip reason}, configuration problems) of the run's
        companies."""
        reminders, skipped, errors = [], {}, []
        for company in self.company_ids:
            self.env["dunning.promise"].sudo()._dunning_evaluate(company, self.date)
            problem = company._dunning_configuration_problem()
            if problem:
                errors.append(problem)
                continue
            self.env["dunning.delivery"]._retry_due(company)
            company_reminders, company_skipped = self.env["dunning.planner"]._plan(
                company, self.date
            )
            reminders += company_reminders
            skipped.update(company_skipped)
        return reminders, skipped, errors

    def _batch_size(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("dunning_automation.batch_size", DEFAULT_BATCH_SIZE)
        )

    def _run_batches(self, reminders, commit):
        """Send the reminders batch by batch; return whether the run is over.

        No lock serialises the runs: a batch locks its customers' rows (SKIP LOCKED), so
        the reminders of customers another worker holds are tried again in later rounds,
        each on a fresh transaction, instead of being dropped. Without ``commit`` (one
        transaction) they are counted as locked at once.
        """
        remaining = len(reminders)
        pending = reminders
        for wait in (*LOCKED_RETRY_WAITS, None) if commit else (None,):
            locked_out = []
            for batch in split_every(self._batch_size(), pending):
                batch_locked = self._run_batch(list(batch), commit, remaining)
                locked_out += batch_locked
                remaining -= len(batch) - len(batch_locked)
                if commit:
                    time_left = self.env["ir.cron"]._commit_progress(
                        len(batch) - len(batch_locked), remaining=remaining
                    )
                    if not time_left:
                        # out of time: the scheduler reruns the job, which resumes
                        # idempotently
                        return False
            if not locked_out or wait is None:
                break
            _logger.info(
                "Dunning run %s: %s reminders of customers locked by another worker, "
                "tried again in %s s",
                self.id,
                len(locked_out),
                wait,
            )
            time.sleep(wait)
            pending = locked_out
        self._count_skips([SKIP_LOCKED] * len(locked_out))
        return True

    def _run_batch(self, reminders, commit, remaining):
        """One batch; with ``commit``, a failure marks the run failed (committed) and
        is raised to the scheduler.

        :return: the reminders whose customers another worker holds locked
        """
        try:
            return self._process_batch(reminders, commit=commit)
        except Exception:
            if not commit:
                raise
            self.env.cr.rollback()
            _logger.exception("Dunning run %s failed on a batch", self.id)
            self.write(
                {
                    "state": "failed",
                    "error_log": traceback.format_exc(),
                    "date_end": fields.Datetime.now(),
                }
            )
            self.env["ir.cron"]._commit_progress(0, remaining=remaining)
            raise

    def _finish(self, failed_companies, commit):
        """Refresh the invoices' dunning states and close the run."""
        for company in self.company_ids:
            self.env["account.move"]._dunning_refresh_states(company, self.date)
        state = "done"
        if failed_companies:
            state = "failed" if failed_companies == len(self.company_ids) else "warning"
        self.write({"state": state, "date_end": fields.Datetime.now()})
        if commit:
            self.env["ir.cron"]._commit_progress(0, remaining=0)

    # ------------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------------

    def _process_batch(self, reminders, commit=False):
        """Write the batch's communications, queued emails and invoice updates in one
        transaction.

        When another run works on the same customers at the same moment, the database
        refuses the second reminder (idempotency key) or the concurrent update; with
        ``commit`` the batch starts over on a fresh snapshot, where the other run's
        reminders are seen and skipped. Returns the reminders whose customers another
        worker holds locked (nothing written for them).
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self.env.cr.savepoint():
                    return self._send_reminders(reminders)
            except CONCURRENCY_ERRORS as error:
                if not commit or attempt == MAX_ATTEMPTS:
                    raise
                _logger.info(
                    "Dunning run %s: concurrent run detected (%s), retrying the batch",
                    self.id,
                    error.pgcode,
                )
                self.env.cr.rollback()

    def _count_skips(self, reasons):
        if reasons:
            counts = Counter(self.skip_counts or {})
            counts.update(reasons)
            self.write({"skip_counts": dict(counts)})

    def _earlier_attempts(self, reminder_keys):
        """{reminder key: delivery states of its attempts so far} (before the attempt
        keys, a reminder's only attempt carried the reminder key as its idempotency
        key)."""
        Communication = self.env["dunning.communication"].sudo()
        attempts = defaultdict(list)
        for communication in Communication.search(
            [
                "|",
                ("reminder_key", "in", reminder_keys),
                ("idempotency_key", "in", reminder_keys),
            ]
        ):
            attempts[
                communication.reminder_key or communication.idempotency_key
            ].append(communication.state)
        return attempts

    def _send_reminders(self, reminders):
        Communication = self.env["dunning.communication"].sudo()
        partners = self.env["res.partner"].browse(
            [r.decision.partner_id for r in reminders]
        )
        locked = partners.try_lock_for_update(allow_referencing=True)
        keyed = {}
        levels = self.env["dunning.level"].browse({r.level_id for r in reminders})
        for reminder in reminders:
            partner = partners.browse(reminder.decision.partner_id)
            level = levels.browse(reminder.level_id)
            key = Communication._idempotency_key(
                reminder.company,
                partner,
                level,
                level.channel,
                self.date,
                reminder.move,
            )
            keyed[key] = reminder
        attempts = self._earlier_attempts(list(keyed))
        skips = []
        locked_out = []
        todo = {}
        for key, reminder in keyed.items():
            states = attempts.get(key, [])
            if any(state in LIVE_STATES for state in states):
                skips.append(SKIP_ALREADY_SENT)
            elif states and self.trigger != "user":
                skips.append(SKIP_FAILED)  # retried on its own, or sent again by a user
            elif reminder.decision.partner_id not in locked.ids:
                locked_out.append(reminder)
            else:
                todo[Communication._attempt_key(key, len(states) + 1)] = (key, reminder)
        self._count_skips(skips)
        if not todo:
            return locked_out

        lines = self.env["account.move.line"].browse(
            {
                line_id
                for _key, reminder in todo.values()
                for line_id in reminder.decision.line_ids
            }
        )
        moves = lines.move_id
        moves._portal_ensure_tokens()
        Delivery = self.env["dunning.delivery"]
        communications = Communication.create(
            [
                {
                    **Delivery._communication_values(
                        self, key, reminder, partners, lines
                    ),
                    "reminder_key": reminder_key,
                }
                for key, (reminder_key, reminder) in todo.items()
            ]
        )
        Delivery._deliver_channels(communications)
        self._advance_moves(
            communications, [reminder for _key, reminder in todo.values()]
        )
        return locked_out

    def _advance_moves(self, communications, reminders):
        """Move the invoices to their new level, log it, schedule the activities."""
        moves_by_level = defaultdict(list)
        for reminder in reminders:
            for move_id, level_id in reminder.decision.advancing.items():
                moves_by_level[level_id].append(move_id)
        Move = self.env["account.move"]
        for level_id, move_ids in moves_by_level.items():
            Move.browse(move_ids)._dunning_write_run_fields(
                {"dunning_level_id": level_id, "dunning_last_date": self.date}
            )
        Move._dunning_log_communications(communications)
        communications.partner_id._dunning_apply_escalation(communications)
        self.env["res.partner"]._dunning_schedule_level_activities(communications)

    def _action_open_communications(self):
        """Open the communications this run wrote."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_automation.action_dunning_communication"
        )
        action["domain"] = [("run_id", "in", self.ids)]
        return action
