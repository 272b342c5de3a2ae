# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from .. import engine

# An invoice whose earliest open instalment falls due within this many days is "due
# soon".
DUE_SOON_DAYS = 7
# What a dunning run writes on invoices: bookkeeping of the reminders, no accounting
# data.
RUN_FIELDS = frozenset(
    {"dunning_level_id", "dunning_last_date", "dunning_next_date", "dunning_state"}
)


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_level_id = fields.Many2one(
        "dunning.level",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    dunning_state = fields.Selection(
        [
            ("not_due", "Not Due"),
            ("due_soon", "Due Soon"),
            ("overdue", "Overdue"),
            ("in_dunning", "In Dunning"),
            ("paused", "Paused"),
            ("escalated", "Escalated"),
            ("paid", "Paid"),
        ],
        compute="_compute_dunning_state",
        store=True,
        index="btree_not_null",
        copy=False,
    )
    dunning_last_date = fields.Date(string="Last Reminder", readonly=True, copy=False)
    dunning_next_date = fields.Date(
        string="Next Reminder",
        readonly=True,
        copy=False,
        help="When the next level is due, as of the last evaluation; empty while "
        "dunning is paused (the first run after the pause plans it again).",
    )
    dunning_paused_until = fields.Date(copy=False, tracking=True)
    dunning_pause_reason = fields.Selection(
        [
            ("dispute", "Dispute"),
            ("promise", "Promise to Pay"),
            ("manual", "Manual"),
            ("payment_retry", "Payment Retry"),
        ],
        copy=False,
        tracking=True,
    )
    dunning_payment_attempt_ids = fields.One2many(
        "dunning.payment.attempt",
        "invoice_id",
        string="Automatic Charges",
        readonly=True,
    )
    dunning_suspended = fields.Boolean(
        string="Service Suspended",
        readonly=True,
        copy=False,
        tracking=True,
        help="The service this invoice pays for is suspended until it is paid (policy "
        "option after failed automatic charges).",
    )
    dunning_communication_line_ids = fields.One2many(
        "dunning.communication.line", "move_id", string="Dunning History", readonly=True
    )
    dunning_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_dunning_collector_id",
        search="_search_dunning_collector_id",
    )
    dunning_late_probability = fields.Float(
        string="Late Probability",
        readonly=True,
        copy=False,
        digits=(16, 2),
        groups="account.group_account_invoice,account.group_account_readonly",
        help="Chance that this open invoice is paid after its due date, at the last "
        "risk scoring.",
    )
    dunning_expected_pay_date = fields.Date(
        string="Expected Payment",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    # The risk package's reason and fallback codes with their parameters (see
    # dunning.risk.scoring).
    dunning_risk_reason_data = fields.Json(
        readonly=True,
        copy=False,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    dunning_risk_reasons = fields.Text(
        string="Risk Reasons",
        compute="_compute_dunning_risk_reasons",
        groups="account.group_account_invoice,account.group_account_readonly",
        help="What makes this open invoice likely to be paid late, most important "
        "first, at the last risk scoring.",
    )

    @api.depends(
        "move_type",
        "state",
        "payment_state",
        "dunning_level_id",
        "dunning_paused_until",
        "line_ids.date_maturity",
        "line_ids.reconciled",
        "line_ids.amount_residual",
    )
    def _compute_dunning_state(self):
        today = fields.Date.context_today(self)
        items = self._dunning_open_items_by_move()
        for move in self:
            move.dunning_state = move._dunning_state_on(today, items[move.id])

    def _dunning_open_items_by_move(self):
        """{move id: its open items as engine items}, from one filter of all the moves'
        lines: filtered move by move, the run's 10,000 invoices took 17 s of a profiled
        benchmark run to recompute their states, one domain per move."""
        items = defaultdict(list)
        for item in self.line_ids._dunning_engine_items():
            items[item.move_id].append(item)
        return items

    def _dunning_state_on(self, today, items=None):
        """The dunning state of a customer invoice on ``today``, from its open items
        (``items``, or read from its lines)."""
        self.ensure_one()
        if self.move_type != "out_invoice" or self.state != engine.POSTED_STATE:
            return False
        if self.payment_state in engine.SETTLED_PAYMENT_STATES:
            return "paid"
        if not engine.is_open_payment_state(self.payment_state):
            return False  # blocked or legacy: never dunned
        if items is None:
            items = self.line_ids._dunning_engine_items()
        debits = [item for item in items if not item.is_credit]
        if not debits:
            return "paid"
        if engine.is_paused(self.dunning_paused_until, today):
            return "paused"
        if self.dunning_level_id:
            return (
                "escalated" if self.dunning_level_id.is_final_notice else "in_dunning"
            )
        if any(item.is_overdue_on(today) for item in debits):
            return "overdue"
        due = engine.earliest_due_date(debits)
        if due and due <= today + timedelta(days=DUE_SOON_DAYS):
            return "due_soon"
        return "not_due"

    @api.depends("dunning_risk_reason_data")
    @api.depends_context("lang")
    def _compute_dunning_risk_reasons(self):
        """The stored reasons in the reader's language, led by the fallback note when
        there is one."""
        scoring = self.env["dunning.risk.scoring"]
        for move in self:
            data = move.dunning_risk_reason_data
            lines = [scoring._risk_fallback_note(data)] + scoring._risk_reason_lines(
                data
            )
            move.dunning_risk_reasons = (
                "\n".join(line for line in lines if line) or False
            )

    @api.depends_context("company")
    def _compute_dunning_collector_id(self):
        for move in self:
            move.dunning_collector_id = move.commercial_partner_id.with_company(
                move.company_id
            ).dunning_collector_id

    def _search_dunning_collector_id(self, operator, value):
        return [("commercial_partner_id.dunning_collector_id", operator, value)]

    # ------------------------------------------------------------------
    # ALERTS
    # ------------------------------------------------------------------

    def _get_alerts(self):
        alerts = super()._get_alerts()
        if self.is_sale_document() and self.state == "draft":
            warning = self.commercial_partner_id.with_company(
                self.company_id
            ).dunning_invoice_warning
            if warning:
                alerts["dunning_automation_partner_warning"] = {
                    "level": "warning",
                    "message": warning,
                }
        return alerts

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_dunning_send_now(self):
        """Send the invoice's customer the reminder due now."""
        self.ensure_one()
        if not self.is_sale_document() or self.state != "posted":
            raise UserError(self.env._("Only posted customer invoices can be dunned."))
        run = (
            self.env["dunning.run"]
            .with_company(self.company_id)
            ._send_now(self.commercial_partner_id)
        )
        return run._action_open_communications()

    def write(self, vals):
        if vals.get("dunning_paused_until"):
            # a paused invoice has no next reminder: the first run after the pause plans
            # it again
            vals = {**vals, "dunning_next_date": False}
        return super().write(vals)

    def action_dunning_resume(self):
        self.write({"dunning_paused_until": False, "dunning_pause_reason": False})

    def _dunning_pause(self, paused_until, reason, body, author=None, attachments=None):
        """Pause the dunning of these invoices until ``paused_until`` for ``reason``
        (the pause wizard, a promise, a dispute), with one chatter note per invoice:
        ``body``.

        The pause fields are written untracked: their tracking message would be a second
        message saying the same as ``body``.

        :param author: the partner the note is from (the customer on the portal), else
            the user
        :param attachments: attached to the note; for one invoice only
        """
        self.with_context(mail_notrack=True).write(
            {"dunning_paused_until": paused_until, "dunning_pause_reason": reason}
        )
        self._message_log_batch(
            {move.id: body for move in self},
            author_id=author.id if author else None,
            attachment_ids=attachments.ids if attachments else False,
        )

    def _dunning_suspend_service(self):
        """Suspend the service of these invoices: the hook other modules follow
        (override it, or set a server action on the policy), called once per invoice."""
        self.write({"dunning_suspended": True})
        self._dunning_run_service_action("suspend_action_id")

    def _dunning_resume_service(self):
        """Resume the service of these paid invoices (the inverse hook)."""
        self.write({"dunning_suspended": False})
        self._dunning_run_service_action("resume_action_id")

    def _dunning_run_service_action(self, field_name):
        Attempt = self.env["dunning.payment.attempt"]
        by_action = defaultdict(lambda: self.browse())
        for move in self:
            by_action[Attempt._policy_of(move)[field_name]] |= move
        for action, moves in by_action.items():
            if action:
                action.with_context(
                    active_model="account.move",
                    active_ids=moves.ids,
                    active_id=moves[:1].id,
                ).run()

    # ------------------------------------------------------------------
    # HELPERS FOR THE RUN
    # ------------------------------------------------------------------

    def _dunning_write_run_fields(self, values):
        """Write what a run records on invoices through ``write``, so that every
        module's override sees it, as the bookkeeping it is: with the context keys that
        ``account.move.write`` and ``mail.thread.write`` honour to leave the journal
        items alone (no line synchronisation, no balance check: nothing accounting
        changes), not to flag the invoice as manually modified, and not to prepare
        tracking (none of these fields is tracked). Measured on 2,000 invoices: 24.6 s
        and 2,104 queries without these keys, 0.8 s and 31 queries with them."""
        if not set(values) <= RUN_FIELDS:
            raise ValueError(f"not dunning run fields: {set(values) - RUN_FIELDS}")
        return self.with_context(
            skip_invoice_sync=True,
            check_move_validity=False,
            skip_is_manually_modified=True,
            tracking_disable=True,
        ).write(values)

    @api.model
    def _dunning_write_next_dates(self, next_dates):
        """Store the engine's next dates ({move id: date or None}) where they changed,
        in one query.

        A run plans every open invoice: this neither loads them in the cache nor logs
        the conflict when a concurrent run writes the same dates (the caller gives up on
        them then).
        """
        if not next_dates:
            return
        self.env.cr.execute(
            SQL(
                """UPDATE account_move AS move
                      SET dunning_next_date = planned.next_date
                     FROM unnest(%s::int[], %s::date[]) AS planned(id, next_date)
                    WHERE move.id = planned.id
                      AND move.dunning_next_date IS DISTINCT FROM planned.next_date""",
                list(next_dates),
                list(next_dates.values()),
            ),
            log_exceptions=False,
        )
        self.invalidate_model(["dunning_next_date"])

    @api.model
    def _dunning_refresh_states(self, company, today):
        """Recompute the states that time changes (due soon, overdue, pause over).

        What ``_dunning_state_on`` reads is fetched for all the moves first: read
        through the prefetch (1,000 records a query, per model and field set) it took
        239 queries at 10,000 invoices, 7 now."""
        horizon = today + timedelta(days=DUE_SOON_DAYS)
        falls_due = self.env["account.move.line"]._dunning_open_domain() & (
            Domain("date_maturity", "<=", horizon)
            | (
                Domain("date_maturity", "=", False)
                & Domain("move_id.invoice_date", "<=", horizon)
            )
        )
        moves = self.search(
            Domain("company_id", "=", company.id)
            & Domain("move_type", "=", "out_invoice")
            & Domain("state", "=", engine.POSTED_STATE)
            & (
                (
                    Domain("dunning_state", "in", ("not_due", "due_soon"))
                    & Domain("line_ids", "any", falls_due)
                )
                | (
                    Domain("dunning_state", "=", "paused")
                    & Domain("dunning_paused_until", "<", today)
                )
            )
        )
        # what _dunning_state_on reads, for all the moves at once
        moves.fetch(
            [
                "move_type",
                "state",
                "payment_state",
                "invoice_date",
                "dunning_level_id",
                "dunning_last_date",
                "dunning_paused_until",
                "dunning_pause_reason",
                "line_ids",
            ]
        )
        moves.dunning_level_id.fetch(["is_final_notice"])
        moves.line_ids.fetch(
            [
                "move_id",
                "parent_state",
                "account_type",
                "reconciled",
                "amount_residual",
                "amount_residual_currency",
                "date_maturity",
                "currency_id",
                "partner_id",
            ]
        )
        moves.line_ids.partner_id.fetch(["commercial_partner_id"])
        moves_by_state = defaultdict(list)
        items = moves._dunning_open_items_by_move()
        for move in moves:
            state = move._dunning_state_on(today, items[move.id])
            if state != move.dunning_state:
                moves_by_state[state].append(move.id)
        for state, move_ids in moves_by_state.items():
            self.browse(move_ids)._dunning_write_run_fields({"dunning_state": state})

    def _dunning_portal_status(self, today):
        """What the customer portal shows of this invoice: disputed, promised, paused
        (on hold), overdue or due (``engine.move_status``)."""
        self.ensure_one()
        items = self.line_ids._dunning_engine_items()
        return engine.move_status(items, today) if items else engine.STATUS_DUE

    def _portal_ensure_tokens(self):
        """Give every move an access token in one query (``_portal_ensure_token`` writes
        one by one)."""
        missing = self.filtered(lambda move: not move.access_token)
        if missing:
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET access_token = gen_random_uuid()::text "
                    "WHERE id IN %s AND access_token IS NULL",
                    tuple(missing.ids),
                )
            )
            missing.invalidate_recordset(["access_token"])

    @api.model
    def _dunning_log_communications(self, communications):
        """One chatter note per reminder on each invoice it lists, with its delivery
        state.

        Through ``_message_log_batch``, once per author (every module's
        ``mail.message`` logic applies), at a measured cost: 3.8 s of the 17.5 s
        benchmark run for its 9,558 notes (0.4 ms a note), where the former INSERT took
        0.6 s. Profiled, that is ``mail.message``'s own create: half of it the ORM
        adding each note to its invoice's three cached inverses (``message_ids``,
        ``website_message_ids``, ``audit_trail_message_ids``: a domain filter per
        invoice and field, whether cached or not), a fifth the body's sanitising, a
        fifth the INSERTs, a tenth the defaults; none of it depends on what we pass.
        """
        states = dict(communications._fields["state"]._description_selection(self.env))
        bodies_by_author = defaultdict(lambda: defaultdict(Markup))
        for communication in communications:
            body = Markup("<p>%s</p>") % self.env._(
                "Dunning reminder “%(level)s” to %(recipient)s (%(channel)s): "
                "%(state)s.",
                level=communication.level_id.name,
                recipient=communication.email_to
                or communication.recipient_id.display_name,
                channel=communication.channel,
                state=states[communication.state],
            )
            if communication.failure_message:
                body += Markup("<p>%s</p>") % communication.failure_message
            bodies = bodies_by_author[communication.user_id.partner_id]
            for move in communication.move_ids:
                bodies[move.id] += body
        for author, bodies in bodies_by_author.items():
            self.browse(list(bodies))._message_log_batch(
                bodies,
                author_id=author.id or None,
                email_from=author.email_formatted or None,
            )

    def _dunning_pdf_attachments(self):
        """The invoices' PDFs, generated for those that have none yet."""
        attachments = self.invoice_pdf_report_id
        for move in self.filtered(lambda move: not move.invoice_pdf_report_id):
            pdf, _report_type = (
                self.env["ir.actions.report"]
                .sudo()
                ._render_qweb_pdf("account.account_invoices", move.ids)
            )
            attachments |= (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": f"{move._get_invoice_report_filename()}",
                        "raw": pdf,
                        "mimetype": "application/pdf",
                        "res_model": move._name,
                        "res_id": move.id,
                    }
                )
            )
        return attachments
