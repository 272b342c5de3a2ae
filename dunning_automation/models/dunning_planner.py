# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from collections import defaultdict
from dataclasses import dataclass

from psycopg2.errors import LockNotAvailable, SerializationFailure, UniqueViolation

from odoo import api, models
from odoo.tools import SQL

from .. import engine

_logger = logging.getLogger(__name__)

CONCURRENCY_ERRORS = (UniqueViolation, SerializationFailure, LockNotAvailable)
# Why a customer gets no reminder, beyond the engine's own skip codes.
SKIP_EXCLUDED = "excluded"
SKIP_ARCHIVED = "archived"
SKIP_ALREADY_SENT = "already_sent"
SKIP_LOCKED = "locked"
SKIP_FAILED = "failed_today"


@dataclass
class Reminder:
    """A reminder the plan decided to send: one customer (or invoice), one level."""

    company: models.BaseModel
    policy: models.BaseModel
    decision: engine.PartnerDecision
    move: models.BaseModel | None = (
        None  # set when the policy sends one reminder per invoice
    )

    @property
    def level_id(self):
        return self.decision.level_id


class DunningPlanner(models.AbstractModel):
    """What is due on a date: the open items read in one query, the engine's decisions,
    and the reasons why a customer gets nothing. Writes nothing but the invoices' next
    dates."""

    _name = "dunning.planner"
    _description = "Dunning Planner"

    @api.model
    def _skip_reason_labels(self):
        return {
            engine.SKIP_NO_LEVEL_DUE: self.env._("No level due"),
            engine.SKIP_CREDIT_BALANCE: self.env._("Credit balance"),
            engine.SKIP_BELOW_TOLERANCE: self.env._("Below the company's tolerance"),
            engine.SKIP_TOO_RECENT: self.env._("Reminded too recently"),
            engine.SKIP_NO_DUE_DATE: self.env._("No due date"),
            SKIP_EXCLUDED: self.env._("Excluded from dunning"),
            SKIP_ARCHIVED: self.env._("Archived customer"),
            SKIP_ALREADY_SENT: self.env._("Already sent today"),
            SKIP_LOCKED: self.env._("Being processed by another run"),
            SKIP_FAILED: self.env._(
                "Failed today: retried automatically or by Send Reminder Now"
            ),
        }

    @api.model
    def _plan(self, company, date, partners=None, resend_current=False, dry_run=False):
        """Decide what is due for ``company`` on ``date`` (optionally only these
        commercial partners).

        With ``dry_run`` (the preview), nothing is written: the invoices' next dates are
        left as they are.

        :return: (reminders to send, {partner id: skip reason})
        """
        rows = self._fetch_open_items(company, partners)
        partners = (
            self.env["res.partner"]
            .browse({row["partner_id"] for row in rows})
            .with_company(company)
        )
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
            policy_rows = [
                row for partner_id in partner_ids for row in rows_by_partner[partner_id]
            ]
            items = policy._engine_items(policy_rows)
            evaluation = engine.evaluate(
                items,
                policy._engine_levels(),
                date,
                tolerance=company.dunning_tolerance,
                last_reminder_by_partner=self._last_reminder_dates(
                    company, partner_ids
                ),
                resend_current=resend_current,
                owed_items=engine.make_items(policy_rows),
            )
            next_dates.update(evaluation.next_dates)
            for decision in evaluation.decisions:
                if not decision.send:
                    skipped[decision.partner_id] = decision.skip_reason
                elif policy.grouping == "invoice":
                    reminders += self._split_per_invoice(
                        company, date, policy, decision, rows_by_partner
                    )
                else:
                    reminders.append(Reminder(company, policy, decision))
        if not dry_run:
            try:
                with self.env.cr.savepoint(flush=False):
                    self.env["account.move"]._dunning_write_next_dates(next_dates)
            except CONCURRENCY_ERRORS:
                _logger.info(
                    "Dunning plan of %s: another run is updating the next dates", date
                )
        return reminders, skipped

    @api.model
    def _split_per_invoice(self, company, date, policy, decision, rows_by_partner):
        """One reminder per invoice the decision advances (grouping by invoice)."""
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
                    overdue_total=engine.overdue_total(
                        engine.make_items(rows_by_move[move_id]), date
                    ),
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
            SQL("AND partner.commercial_partner_id IN %s", tuple(partners.ids))
            if partners
            else SQL()
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
                open=self.env["account.move.line"]._dunning_open_sql(
                    "line", "move", "account"
                ),
                partner_filter=partner_filter,
            )
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _last_reminder_dates(self, company, partner_ids):
        groups = (
            self.env["dunning.communication"]
            .sudo()
            ._read_group(
                [("company_id", "=", company.id), ("partner_id", "in", partner_ids)],
                groupby=["partner_id"],
                aggregates=["dunning_date:max"],
            )
        )
        return {partner.id: last_date for partner, last_date in groups}
