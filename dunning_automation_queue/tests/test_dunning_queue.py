# Copyright 2026 Dunning Automation Contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.dunning_automation.tests.common import (
    TODAY,
    DunningScheduledCommon,
)
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs


@tagged("post_install", "-at_install")
class TestDunningQueue(DunningScheduledCommon):
    """A run on the job queue: one job per batch of customers, then one that closes
    the run."""

    def _run(self):
        return self.env["dunning.run"].create(
            {"date": TODAY, "trigger": "manual", "company_ids": self.company.ids}
        )

    def test_one_job_per_batch_then_the_closing_job(self):
        run = self._run()
        with freeze_time(TODAY), trap_jobs() as trap:
            reminders, _skipped = self.env["dunning.planner"]._plan(self.company, TODAY)
            self.assertIs(run._run_batches(reminders, commit=True), False)
            jobs = trap.enqueued_jobs
            self.assertEqual(
                Counter(job.method_name for job in jobs),
                {"_perform": 3, "_queue_finish": 1},
                "5 customers in batches of 2, then the run's close",
            )
            self.assertEqual({job.channel for job in jobs}, {"root.dunning"})
            self.assertEqual(
                {job.identity_key for job in jobs},
                {f"dunning.run.batch,{batch.id}" for batch in run.batch_ids}
                | {f"dunning.run,{run.id},close"},
            )
            self.assertEqual(
                sorted(pid for batch in run.batch_ids for pid in batch.partner_ids),
                sorted(self.customers.ids),
            )
            self.assertFalse(self._communications(), "nothing sent before the jobs")
            trap.perform_enqueued_jobs()
        self.assertEqual(self._communications().partner_id, self.customers)
        self.assertEqual(run.batch_ids.mapped("state"), ["done"] * 3)
        self.assertEqual(run.state, "done")

    def test_scheduled_run_through_the_stored_jobs(self):
        with freeze_time(TODAY), self.enter_registry_test_mode():
            self.assertIs(self.cron.method_direct_trigger(), True)
        run = self.env["dunning.run"].search([("trigger", "=", "cron")])
        self.assertEqual(run.state, "running", "the jobs finish the run")
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search([("channel", "=", "root.dunning")], order="id")
            .sorted(lambda job: job.method_name == "_queue_finish")
        )
        self.assertEqual(len(jobs), 4)
        self.assertEqual(len(set(jobs.mapped("identity_key"))), 4)
        with freeze_time(TODAY), self.enter_registry_test_mode():
            self.cron.method_direct_trigger()
        self.assertEqual(
            len(run.batch_ids), 3, "a dispatched run is not dispatched again"
        )
        with freeze_time(TODAY):
            for job in jobs:
                Job.load(self.env, job.uuid).perform()
            # a job performed twice (a worker killed before its commit) sends nothing
            Job.load(self.env, jobs[0].uuid).perform()
        communications = self._communications().filtered(lambda c: c.run_id == run)
        self.assertEqual(communications.partner_id, self.customers)
        self.assertEqual(len(communications), 5)
        self.assertEqual(run.state, "done")

    def test_closing_job_waits_for_pending_batches(self):
        run = self._run().sudo()  # as the jobs run
        with freeze_time(TODAY), trap_jobs() as trap:
            reminders, _skipped = self.env["dunning.planner"]._plan(self.company, TODAY)
            run._run_batches(reminders, commit=True)
            for batch in run.batch_ids[:2]:
                batch._perform()
            with self.assertRaises(RetryableJobError):
                run._queue_finish()
            self.assertEqual(run.state, "pending")
            run.batch_ids[2]._perform()
            run._queue_finish()
            self.assertEqual(len(trap.enqueued_jobs), 4)
        self.assertEqual(run.state, "done")
