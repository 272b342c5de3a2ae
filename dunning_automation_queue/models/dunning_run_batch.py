# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter

from odoo import api, fields, models

from odoo.addons.dunning_automation.models.dunning_planner import (
    CONCURRENCY_ERRORS,
    SKIP_LOCKED,
)
from odoo.addons.queue_job.exception import RetryableJobError

# Seconds before the follow-up batch of customers another worker held locked, and how
# many follow-ups before they are counted as locked (the next run sends them).
LOCKED_RETRY_SECONDS = 10
LOCKED_MAX_ATTEMPTS = 5


class DunningRunBatch(models.Model):
    """One batch of a dunning run, performed by one queue job: its customers, and what
    it skipped (kept here, not on the run, so that parallel batches never write the
    same row)."""

    _name = "dunning.run.batch"
    _description = "Dunning Run Batch"
    _order = "id"

    run_id = fields.Many2one(
        "dunning.run", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    partner_ids = fields.Json(
        string="Customers", required=True, readonly=True, help="Commercial partner ids"
    )
    attempt = fields.Integer(default=1, readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done")],
        default="pending",
        required=True,
        readonly=True,
    )
    skip_counts = fields.Json(readonly=True, default=dict)

    @api.model
    def _identity_key(self, job):
        """One job per batch (and a batch per run, company and chunk of customers)."""
        return f"dunning.run.batch,{job.recordset.id}"

    def _delayable(self, eta=None):
        self.ensure_one()
        return self.delayable(
            channel="root.dunning",
            description=self.env._(
                "Dunning run %(run)s, batch %(batch)s",
                run=self.run_id.id,
                batch=self.id,
            ),
            eta=eta,
            identity_key=self._identity_key,
        )._perform()

    def _perform(self):
        """The job: plan the batch's customers again (what is due may have changed
        since the run was dispatched), then send; the customers another worker holds
        go to a follow-up batch, retried later."""
        self.ensure_one()
        if self.state == "done":
            return
        run = self.run_id
        partners = self.env["res.partner"].browse(self.partner_ids).exists()
        reminders, skipped = self.env["dunning.planner"]._plan(
            self.company_id, run.date, partners=partners
        )
        self.skip_counts = dict(Counter(skipped.values()))
        try:
            locked_out = run.with_context(dunning_run_batch_id=self.id)._process_batch(
                reminders
            )
        except CONCURRENCY_ERRORS as error:
            # another worker wrote these customers' reminders since this transaction
            # began: start again on a fresh one, which sees them
            raise RetryableJobError(str(error), seconds=1, ignore_retry=True) from error
        locked_ids = sorted({reminder.decision.partner_id for reminder in locked_out})
        if locked_ids and self.attempt < LOCKED_MAX_ATTEMPTS:
            follow_up = self.create(
                {
                    "run_id": run.id,
                    "company_id": self.company_id.id,
                    "partner_ids": locked_ids,
                    "attempt": self.attempt + 1,
                }
            )
            follow_up._delayable(eta=LOCKED_RETRY_SECONDS).delay()
        elif locked_ids:
            self._count_skips([SKIP_LOCKED] * len(locked_out))
        self.state = "done"

    def _count_skips(self, reasons):
        counts = Counter(self.skip_counts or {})
        counts.update(reasons)
        self.skip_counts = dict(counts)
