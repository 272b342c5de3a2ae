# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter

from odoo import api, fields, models
from odoo.tools import split_every

from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError


class DunningRun(models.Model):
    """A scheduled or manual run is dispatched as one queue job per batch, then a job
    that closes it; the job workers of every Odoo server share the batches."""

    _inherit = "dunning.run"

    batch_ids = fields.One2many("dunning.run.batch", "run_id", readonly=True)

    @api.model
    def _cron_resume_domain(self, today):
        # a run handed to the job queue is finished by its jobs
        return [*super()._cron_resume_domain(today), ("batch_ids", "=", False)]

    def _run_batches(self, reminders, commit):
        """With ``commit`` (the scheduled action's runs), one job per batch of
        customers, and a job that closes the run once they are all done."""
        if not commit or not reminders:
            return super()._run_batches(reminders, commit)
        partners_by_company = {}
        for reminder in reminders:
            partners_by_company.setdefault(reminder.company, set()).add(
                reminder.decision.partner_id
            )
        # the jobs run as the scheduled action does, as superuser
        batches = (
            self.env["dunning.run.batch"]
            .sudo()
            .create(
                [
                    {"run_id": self.id, "company_id": company.id, "partner_ids": chunk}
                    for company, partner_ids in partners_by_company.items()
                    for chunk in split_every(
                        self._batch_size(), sorted(partner_ids), piece_maker=list
                    )
                ]
            )
        )
        group(*(batch._delayable() for batch in batches)).on_done(
            self.sudo()
            .delayable(
                channel="root.dunning",
                description=self.env._("Dunning run %(run)s: close", run=self.id),
                identity_key=f"dunning.run,{self.id},close",
            )
            ._queue_finish()
        ).delay()
        return False

    def _count_skips(self, reasons):
        batch_id = self.env.context.get("dunning_run_batch_id")
        if not batch_id:
            return super()._count_skips(reasons)
        return self.env["dunning.run.batch"].browse(batch_id)._count_skips(reasons)

    def _queue_finish(self):
        """The job after the batches: add up their skips and close the run, once the
        follow-ups of customers held by another worker are done too."""
        self.ensure_one()
        if "pending" in self.batch_ids.mapped("state"):
            raise RetryableJobError(
                self.env._("Batches still pending"), seconds=10, ignore_retry=True
            )
        counts = Counter(self.skip_counts or {})
        for batch in self.batch_ids:
            counts.update(batch.skip_counts or {})
        self.skip_counts = dict(counts)
        failed_companies = sum(
            bool(company._dunning_configuration_problem())
            for company in self.company_ids
        )
        self._finish(failed_companies, commit=False)
